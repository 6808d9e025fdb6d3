"""Tests for ``data.load("pythia_evals")``: a registry of 432 third-party files as one dataset.

The files come from the shared mirror (``../shared/data/third_party/pythia``) or, for the
download path, from a local ``http.server`` serving a few of them under a test index.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from pathlib import Path
from types import MappingProxyType

import pandas as pd
import pytest

from conftest import load_script
from test_data import serve  # a local http.server on 127.0.0.1
from scaling_utils import _pythia, data

ROOT = Path(__file__).resolve().parents[1]
MIRROR = ROOT.parent / "shared" / "data" / "third_party"
ENTRY = data.REGISTRY["pythia_evals"]
pytestmark = pytest.mark.skipif(not (MIRROR / "pythia").is_dir(),
                                reason=f"no Pythia mirror at {MIRROR / 'pythia'}")
index_script = load_script("pythia_index")


@pytest.fixture(scope="module")
def evals():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(data.MIRROR_ENV, str(MIRROR))
        return data.load("pythia_evals")


@pytest.fixture
def mirror_copy(monkeypatch, tmp_path):
    """A private copy of the mirror's Pythia folder, used as the mirror."""
    shutil.copytree(MIRROR / "pythia", tmp_path / "pythia")
    monkeypatch.setenv(data.MIRROR_ENV, str(tmp_path))
    return tmp_path


# --------------------------------------------------------------------------- the table
def test_one_row_per_model_step_task_and_metric(evals):
    assert list(evals.columns) == _pythia.COLUMNS
    assert len(evals) == 74_304
    assert evals["model"].nunique() == 16 and evals["step"].nunique() == 27
    counts = evals.groupby(["task", "metric"]).size()
    assert len(counts) == 172 and (counts == 16 * 27).all()
    assert evals["task"].nunique() == 87
    assert evals["task"].str.startswith("hendrycksTest-").sum() / (16 * 27 * 2) == 57  # acc, acc_norm
    assert not evals.duplicated(["model", "step", "task", "metric"]).any()
    assert evals[["value", "stderr"]].notna().all().all()


def test_models_sizes_steps_and_compute(evals):
    per_model = evals.drop_duplicates("model").set_index("model")
    assert per_model.loc["pythia-12b", "parameters"] == 11_846_072_320
    assert per_model.loc["pythia-70m-deduped", "parameters_non_embedding"] == 18_915_328
    assert per_model["deduplicated"].sum() == 8
    assert "pythia-1b" in per_model.index and "pythia-1b-bf16" not in per_model.index
    steps = sorted(evals["step"].unique())
    assert steps[:12] == [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000]
    assert steps[12:] == list(range(3000, 143_001, 10_000))
    final = evals[evals["step"] == 143_000]
    assert (final["tokens"] == 299_892_736_000).all()  # the model cards' total
    assert (evals["tokens"] == evals["step"] * 2_097_152).all()
    assert (evals["compute"] == 6.0 * evals["parameters"] * evals["tokens"]).all()


@pytest.mark.parametrize("file, task, metric", [
    ("pythia/pythia-70m/zero-shot/70m_step143000.json", "lambada_openai", "ppl"),
    ("pythia/pythia-12b-deduped/zero-shot/12b-deduped_step73000.json", "crows_pairs_english_gender",
     "pct_stereotype"),
    ("pythia/pythia-1b-bf16/zero-shot/1b-bf16-5shot_step512.json", "hendrycksTest-anatomy", "acc_norm"),
    ("pythia/pythia-410m/zero-shot/410m_step0.json", "sciq", "acc"),
])
def test_values_are_the_raw_json_values(evals, file, task, metric):
    results = json.loads((MIRROR / file).read_text())["results"][task]
    row = evals[(evals["file"] == file) & (evals["task"] == task) & (evals["metric"] == metric)]
    assert len(row) == 1
    assert row["value"].item() == results[metric]
    assert row["stderr"].item() == results[f"{metric}_stderr"]
    info = _pythia.describe_path(file)
    assert row["step"].item() == info["step"] and row["model"].item() == info["model"]


def test_the_1b_files_named_5shot_are_zero_shot_results(evals):
    named = evals[evals["file"].str.contains("-5shot_")]
    assert sorted(named["step"].unique()) == [128, 256, 512, 1000]
    assert set(named["model"]) == {"pythia-1b"}


def test_raw_is_the_files_as_read(mirror_copy):
    raw = data.load("pythia_evals", raw=True)
    assert list(raw.columns) == ["file", "task", "metric", "value", "stderr"]
    assert len(raw) == 74_304 and raw["file"].nunique() == 432


def test_fetch_returns_the_verified_folder(mirror_copy):
    assert data.fetch("pythia_evals") == mirror_copy
    with pytest.raises(ValueError, match="collection of files"):
        data.fetch("pythia_evals", url="https://example.org/x")


def test_available_lists_it_with_the_index_pin():
    row = data.available().set_index("name").loc["pythia_evals"]
    assert row["kind"] == "third_party"
    assert row["sha256"] == ENTRY.sha256 == hashlib.sha256(ENTRY.path.read_bytes()).hexdigest()
    assert "a19eecb807ec2c79a39ebf18108816e6ffffc1d5" in row["url"]


# --------------------------------------------------------------------------- failures
def test_a_changed_file_is_refused_naming_it_and_both_hashes(mirror_copy):
    target = mirror_copy / "pythia/pythia-160m/zero-shot/160m_step64.json"
    target.write_text(target.read_text().replace('"acc": 0.', '"acc": 1.', 1))
    with pytest.raises(ValueError) as info:
        data.load("pythia_evals")
    msg = str(info.value)
    assert "pythia/pythia-160m/zero-shot/160m_step64.json" in msg
    expected = pd.read_csv(ENTRY.path).set_index("file").loc[
        "pythia/pythia-160m/zero-shot/160m_step64.json", "sha256"]
    assert expected in msg and hashlib.sha256(target.read_bytes()).hexdigest() in msg


def test_a_missing_file_is_named_with_its_url(mirror_copy):
    (mirror_copy / "pythia/pythia-6.9b/zero-shot/6.9b_step1.json").unlink()
    with pytest.raises(ValueError) as info:
        data.load("pythia_evals")
    msg = str(info.value)
    assert "pythia/pythia-6.9b/zero-shot/6.9b_step1.json" in msg and "432 files" in msg
    assert "https://raw.githubusercontent.com/EleutherAI/pythia/" in msg


def test_an_edited_index_is_refused(monkeypatch, tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(data.DATA_DIR, copy)
    index = copy / "pythia_evals" / "pythia_evals.csv"
    index.write_text("\n".join(index.read_text().splitlines()[:-1]) + "\n")  # one file dropped
    monkeypatch.setattr(data, "DATA_DIR", copy)
    monkeypatch.setenv(data.MIRROR_ENV, str(MIRROR))
    with pytest.raises(ValueError, match="pin_data.py pythia_evals"):
        data.load("pythia_evals")


def test_a_file_whose_content_names_another_checkpoint_is_refused():
    path = "pythia/pythia-70m/zero-shot/70m_step1000.json"
    content = json.loads((MIRROR / path).read_text())
    content["config"]["model_args"] = content["config"]["model_args"].replace("step1000", "step2000")
    with pytest.raises(ValueError, match="misplaced"):
        _pythia.rows_of_file(path, json.dumps(content).encode())
    content = json.loads((MIRROR / path).read_text())
    content["config"]["num_fewshot"] = 5
    with pytest.raises(ValueError, match="5-shot"):
        _pythia.rows_of_file(path, json.dumps(content).encode())
    with pytest.raises(ValueError, match="not an LM Evaluation Harness results file"):
        _pythia.rows_of_file(path, b"<html>rate limited</html>")
    with pytest.raises(ValueError, match="not a Pythia zero-shot evaluation file"):
        _pythia.describe_path("pythia/pythia-7b/zero-shot/7b_step1.json")


# --------------------------------------------------------------------------- downloads
@pytest.fixture
def small_collection(monkeypatch, tmp_path):
    """Three files of the collection under a test index whose URLs point at a local server."""
    files = ["pythia/pythia-70m/zero-shot/70m_step0.json",
             "pythia/pythia-70m/zero-shot/70m_step143000.json",
             "pythia/pythia-1b-bf16/zero-shot/1b-bf16-5shot_step128.json"]
    served = tmp_path / "served"
    for file in files:
        (served / file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(MIRROR / file, served / file)
    with serve(served) as base:
        index = pd.read_csv(ENTRY.path).set_index("file").loc[files].reset_index()
        index["url"] = [f"{base}/{file}" for file in files]
        folder = tmp_path / "data" / "pythia_evals"
        folder.mkdir(parents=True)
        index.to_csv(folder / "pythia_evals.csv", index=False)
        pin = hashlib.sha256((folder / "pythia_evals.csv").read_bytes()).hexdigest()
        entry = dataclasses.replace(ENTRY, sha256=pin)
        monkeypatch.setattr(data, "DATA_DIR", tmp_path / "data")
        monkeypatch.setattr(data, "REGISTRY", MappingProxyType({**data.REGISTRY, "pythia_evals": entry}))
        monkeypatch.delenv(data.MIRROR_ENV, raising=False)
        monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "cache"))
        for var in ("NO_PROXY", "no_proxy"):
            monkeypatch.setenv(var, "127.0.0.1,localhost")
        yield tmp_path / "cache", files


def test_first_load_downloads_with_a_progress_bar_then_reads_the_cache(small_collection, capsys,
                                                                       monkeypatch):
    cache, files = small_collection
    first = data.load("pythia_evals")
    err = capsys.readouterr().err
    assert "Downloading pythia_evals:" in err and "3/3 files" in err
    assert sorted(first["file"].unique()) == sorted(files)
    assert all((cache / file).is_file() for file in files)
    import pooch

    def offline(*args, **kwargs):
        raise AssertionError("downloaded although every file was cached")

    monkeypatch.setattr(pooch, "retrieve", offline)
    pd.testing.assert_frame_equal(data.load("pythia_evals"), first)
    assert capsys.readouterr().err == ""


def test_a_corrupted_cached_file_is_refused_and_refetch_repairs_it(small_collection):
    cache, files = small_collection
    data.load("pythia_evals")
    target = cache / files[1]
    target.write_bytes(target.read_bytes()[:-10])
    with pytest.raises(ValueError) as info:
        data.load("pythia_evals")
    msg = str(info.value)
    assert files[1] in msg and "refetch=True" in msg
    assert len(data.load("pythia_evals", refetch=True)) > 0


# --------------------------------------------------------------------------- the index
def test_the_index_generator_reproduces_the_committed_index(tmp_path):
    rows = index_script.index_rows(MIRROR / "MANIFEST.json")
    out = tmp_path / "pythia_evals.csv"
    index_script.write(rows, out)
    assert out.read_bytes() == ENTRY.path.read_bytes()
    readme = (ENTRY.path.parent / "README.md").read_text()
    assert ENTRY.generator in readme


def test_an_invalid_registered_address_is_not_reported_as_a_hash_mismatch(small_collection, monkeypatch):
    entry = data.REGISTRY["pythia_evals"]
    index = pd.read_csv(entry.path)
    index.loc[0, "url"] = "http://127.0.0.1:1x/broken"
    index.to_csv(entry.path, index=False)
    pin = hashlib.sha256(entry.path.read_bytes()).hexdigest()
    broken = dataclasses.replace(entry, sha256=pin)
    monkeypatch.setattr(data, "REGISTRY", MappingProxyType({**data.REGISTRY, "pythia_evals": broken}))
    with pytest.raises(ValueError) as info:
        data.load("pythia_evals")
    assert "is not a valid address" in str(info.value) and "SHA-256" not in str(info.value)
