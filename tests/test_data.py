"""Tests for :mod:`scaling_utils.data`: registry, loading, hash checks, mirror and download.

Runs offline: third-party files come from the shared mirror (``../shared/data/third_party``
next to the repository) or from a local ``http.server`` on 127.0.0.1.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scaling_utils import data

ROOT = Path(__file__).resolve().parents[1]
MIRROR = ROOT.parent / "shared/data/third_party"
PIN_SCRIPT = ROOT / "scripts" / "pin_data.py"
THIRD_PARTY = [n for n, e in data.REGISTRY.items() if isinstance(e, data.ThirdPartyFile)]
TRANSCRIBED = [n for n, e in data.REGISTRY.items() if e.kind == "transcribed"]
# Every committed, pinned CSV: the tables, and the indexes of third-party collections.
COMMITTED = [n for n, e in data.REGISTRY.items()
             if e.kind in ("transcribed", "generated") or isinstance(e, data.ThirdPartyCollection)]

needs_mirror = pytest.mark.skipif(
    not all((MIRROR / data.REGISTRY[n].filename).is_file() for n in THIRD_PARTY),
    reason=f"shared third-party mirror not found at {MIRROR} (the repository must be "
    "cloned next to ../shared); no network in tests",
)


@pytest.fixture
def mirror_env(monkeypatch):
    """Point the loader at the shared mirror."""
    monkeypatch.setenv(data.MIRROR_ENV, str(MIRROR))
    return MIRROR


@pytest.fixture
def offline_cache(monkeypatch, tmp_path):
    """No mirror, an empty cache folder in tmp_path."""
    monkeypatch.delenv(data.MIRROR_ENV, raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv(data.CACHE_ENV, str(cache))
    # Make sure a proxy configured for the registries is not used for 127.0.0.1.
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    return cache


@contextmanager
def serve(folder: Path):
    """Serve ``folder`` over HTTP on 127.0.0.1 (free port) in a thread; yield base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep pytest output clean
            pass

    with serve_handler(functools.partial(Quiet, directory=str(folder))) as base:
        yield base


@contextmanager
def serve_handler(handler):
    """Serve requests with ``handler`` on 127.0.0.1 (free port) in a thread; yield base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    # A short poll interval so that shutdown() returns at once rather than after 0.5 s.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def corrupt(path: Path) -> None:
    """Flip one byte in the middle of a file."""
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))


@contextmanager
def silent_server():
    """A TCP server on 127.0.0.1 that accepts connections and never sends a byte.

    Yields ``(base_url, accepted)``; ``accepted`` lists the connections it took.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    accepted, stop = [], threading.Event()

    def accept_forever():
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", accepted
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in accepted:
            conn.close()
        listener.close()


def half_sender(payload: bytes, *, send_length: bool):
    """A request handler that sends the first half of ``payload``, then hangs up."""

    class Half(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            if send_length:
                self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, *args):
            pass

    return Half


def leftovers(cache: Path) -> list[str]:
    """Everything in the cache folder (files, temporary folders, hidden or not)."""
    return sorted(p.name for p in cache.rglob("*")) if cache.exists() else []


# --------------------------------------------------------------------------- registry
def test_available_lists_every_dataset():
    table = data.available()
    assert list(table.columns) == [
        "name", "kind", "description", "source", "licence", "url", "sha256", "used_in"
    ]
    assert table["name"].tolist() == sorted(data.REGISTRY)
    assert set(table["kind"]) <= {"transcribed", "generated", "third_party"}
    assert set(table["name"]) >= {
        "chinchilla_points", "obs_scaling_benchmarks", "obs_scaling_emergent",
        "kaplan_constants", "chinchilla_published_fits", "hoffmann_table2",
        "hoffmann_table3", "gpt3_table_d1", "gpt3_table_2_1",
        "misfitting_runs", "misfitting_checkpoints", "porian2024_rw", "porian2024_owt2",
        "porian2024_rw_attention", "porian2024_rw_kaplan_tuned",
    }
    assert table["sha256"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert (table["source"].str.len() > 0).all()
    third = table[table["kind"] == "third_party"]
    # Pinned to a commit, never a moving branch.
    assert third["url"].str.match(r"https://raw\.githubusercontent\.com/.+/[0-9a-f]{40}/").all()


def test_third_party_registry_matches_manifest():
    manifest = MIRROR / "MANIFEST.json"
    if not manifest.is_file():
        pytest.skip(f"no MANIFEST.json at {MIRROR}")
    files = {f["file"]: f for f in json.loads(manifest.read_text())["files"]}
    for name in THIRD_PARTY:
        entry = data.REGISTRY[name]
        assert entry.url == files[entry.filename]["url"]
        assert entry.sha256 == files[entry.filename]["sha256"]


def test_registry_is_read_only():
    with pytest.raises(TypeError):
        data.REGISTRY["x"] = None
    entry = data.REGISTRY["chinchilla_points"]
    with pytest.raises(AttributeError):
        entry.url = "https://example.org/moving/main"


def test_transcribed_folders_have_readme():
    for name in TRANSCRIBED:
        readme = data.DATA_DIR / name / "README.md"
        assert readme.is_file(), f"{readme} missing"
        text = readme.read_text()
        assert "Licence" in text and "CC-BY-4.0" in text
        assert "Units" in text or "units" in text


# --------------------------------------------------------------------------- pinned hashes
# Each committed CSV's SHA-256 is pinned in the registry and checked on every load. Before,
# the "hash" shown by available() was computed from whatever was on disk, so the test that
# stood here compared a file with itself and any silent edit loaded without complaint.
def test_committed_csvs_match_their_pins():
    """`make test` fails if someone edits a committed CSV without re-pinning it."""
    stale = {}
    for name in COMMITTED:
        entry = data.REGISTRY[name]
        assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256), f"{name}: not pinned"
        actual = hashlib.sha256(entry.path.read_bytes()).hexdigest()
        if actual != entry.sha256:
            stale[name] = actual
    assert not stale, (
        f"committed CSVs differ from their pins: {sorted(stale)}; after a reviewed change "
        f"run: python scripts/pin_data.py {' '.join(sorted(stale))}"
    )


def test_available_shows_the_pin_not_the_file(monkeypatch, tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(data.DATA_DIR, copy)
    monkeypatch.setattr(data, "DATA_DIR", copy)
    (copy / "kaplan_constants" / "kaplan_constants.csv").write_text("edited\n")
    shutil.rmtree(copy / "hoffmann_table2")
    table = data.available().set_index("name")["sha256"]
    for name in COMMITTED:
        assert table[name] == data.REGISTRY[name].sha256, name


def _change_number(text):
    return text.replace("alpha_N,0.076,", "alpha_N,0.077,", 1)


def _typo_turns_column_into_strings(text):
    return text.replace("8.8e13", "8.8el3", 1)  # the letter l for the digit 1


def _rename_column(text):
    return text.replace("law,symbol,value,", "law,symbol,val,", 1)


def _delete_rows(text):
    return "".join(text.splitlines(keepends=True)[:-3])


def _html_page(text):
    return "<!DOCTYPE html>\n<html><head><title>404: Not Found</title></head></html>\n"


SILENT_CHANGES = [
    _change_number, _typo_turns_column_into_strings, _rename_column, _delete_rows, _html_page,
]


@pytest.fixture
def data_copy(monkeypatch, tmp_path):
    """A copy of data/ in tmp_path that the loader reads instead of the repository's."""
    copy = tmp_path / "data"
    shutil.copytree(data.DATA_DIR, copy)
    monkeypatch.setattr(data, "DATA_DIR", copy)
    return copy


@pytest.mark.parametrize("change", SILENT_CHANGES, ids=lambda f: f.__name__.strip("_"))
def test_silent_change_to_a_transcribed_table_is_refused(data_copy, change):
    path = data_copy / "kaplan_constants" / "kaplan_constants.csv"
    original = path.read_text()
    changed = change(original)
    assert changed != original, "the change did not apply; update the test"
    path.write_text(changed)
    pd.read_csv(path)  # pandas alone reads the changed file without complaint
    with pytest.raises(ValueError) as info:
        data.load("kaplan_constants")
    msg = str(info.value)
    assert str(path) in msg
    assert data.REGISTRY["kaplan_constants"].sha256 in msg  # expected
    assert hashlib.sha256(changed.encode()).hexdigest() in msg  # actual
    assert "python scripts/pin_data.py kaplan_constants" in msg


def test_silent_change_to_a_generated_table_is_refused(data_copy):
    path = data_copy / "known_entropy_sweep" / "known_entropy_sweep.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]))  # one run lost
    with pytest.raises(ValueError) as info:
        data.load("known_entropy_sweep")
    msg = str(info.value)
    assert str(path) in msg and "scripts/known_entropy_sweep.py" in msg
    assert "python scripts/pin_data.py known_entropy_sweep" in msg


def test_missing_committed_csv_is_file_not_found(data_copy):
    (data_copy / "hoffmann_table2" / "hoffmann_table2.csv").unlink()
    with pytest.raises(FileNotFoundError, match="hoffmann_table2"):
        data.load("hoffmann_table2")


def _pin(*args, cwd):
    return subprocess.run(
        [sys.executable, str(PIN_SCRIPT), *args], cwd=cwd, capture_output=True, text=True,
    )


def test_pin_script_repins_one_table_on_a_copy(tmp_path, load_generator):
    find_pins = load_generator("pin_data").find_pins
    registry = tmp_path / "registry.py"
    shutil.copy(ROOT / "scaling_utils" / "data.py", registry)
    shutil.copytree(data.DATA_DIR, tmp_path / "data")
    where = ["--registry", str(registry), "--data-dir", str(tmp_path / "data")]
    before = registry.read_bytes()

    done = _pin("--all", *where, cwd=tmp_path)  # nothing changed: nothing rewritten
    assert done.returncode == 0, done.stderr
    assert registry.read_bytes() == before
    assert done.stdout.count("unchanged") == len(COMMITTED)

    csv = tmp_path / "data" / "kaplan_constants" / "kaplan_constants.csv"
    csv.write_text(_change_number(csv.read_text()))
    new = hashlib.sha256(csv.read_bytes()).hexdigest()
    done = _pin("kaplan_constants", *where, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    old = data.REGISTRY["kaplan_constants"].sha256
    assert f"kaplan_constants: {old} -> {new}" in done.stdout
    after = registry.read_bytes()
    # Exactly one line changed, and only its hash literal.
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(before.splitlines()) == len(after.splitlines())
    assert changed == [(f'        sha256="{old}",'.encode(), f'        sha256="{new}",'.encode())]
    pins = find_pins(after)
    assert pins["kaplan_constants"].sha256 == new
    assert {n: p.sha256 for n, p in pins.items() if n != "kaplan_constants"} == {
        n: data.REGISTRY[n].sha256 for n in COMMITTED if n != "kaplan_constants"
    }


def test_pin_script_refuses_bad_requests(tmp_path):
    registry = tmp_path / "registry.py"
    shutil.copy(ROOT / "scaling_utils" / "data.py", registry)
    shutil.copytree(data.DATA_DIR, tmp_path / "data")
    (tmp_path / "data" / "stereoset" / "stereoset.csv").unlink()
    where = ["--registry", str(registry), "--data-dir", str(tmp_path / "data")]
    before = registry.read_bytes()
    for args, says in [
        (["kaplan_constnts"], "Not a committed"),
        (["chinchilla_points"], "Third-party files"),
        (["stereoset"], "No such file"),
        ([], "--all"),
        (["--all", "kaplan_constants"], "--all"),
    ]:
        done = _pin(*args, *where, cwd=tmp_path)
        assert done.returncode != 0, args
        assert says in done.stderr, (args, done.stderr)
    assert registry.read_bytes() == before


# --------------------------------------------------------------------------- input checks
@pytest.mark.parametrize("func", [data.load, data.fetch])
def test_unknown_name_lists_known_names(func):
    with pytest.raises(ValueError) as info:
        func("chinchila_points")
    msg = str(info.value)
    assert "Unknown dataset 'chinchila_points'" in msg
    assert "Did you mean 'chinchilla_points'?" in msg
    for name in data.REGISTRY:
        assert name in msg


@pytest.mark.parametrize("bad", [None, 3, ["chinchilla_points"], Path("chinchilla_points")])
def test_name_must_be_str(bad):
    with pytest.raises(ValueError, match="must be a dataset name"):
        data.load(bad)


def test_bad_keyword_values():
    with pytest.raises(ValueError, match="refetch"):
        data.load("kaplan_constants", refetch="yes")
    with pytest.raises(ValueError, match="url"):
        data.fetch("chinchilla_points", url="")
    with pytest.raises(TypeError):
        data.load("kaplan_constants", True)  # keyword-only


def test_fetch_rejects_transcribed():
    with pytest.raises(ValueError, match="transcribed dataset"):
        data.fetch("kaplan_constants")


HUGE = 10 ** 5000  # repr() of this raises ValueError (int-to-str limit) in Python >= 3.11
BAD_NAMES = [None, 3, 2.5, True, HUGE, ["kaplan_constants"], {"name": "kaplan_constants"},
             ("kaplan_constants",), b"kaplan_constants", Path("kaplan_constants"), "", "   ",
             "x" * 100_000, "kaplan_constants\n"]
BAD_FLAGS = [None, 0, 1, "True", "yes", 2.0, HUGE, [True], {"a": 1}, np.True_, ""]
BAD_URLS = [3, True, HUGE, ["https://x.org/a.csv"], {"u": 1}, b"https://x.org/a.csv",
            Path("https://x.org"), "", "   ", "not a url", "ftp://x.org/a.csv",
            "file:///etc/passwd", "https://", "https://x.org/a b.csv", "x" * 100_000]


def _assert_names_argument(info, argument):
    msg = str(info.value)
    assert f"`{argument}`" in msg, msg
    assert len(msg) < 2000, "the message must not echo a huge argument"


@pytest.mark.parametrize("bad", BAD_NAMES, ids=lambda v: type(v).__name__)
@pytest.mark.parametrize("func", [data.load, data.fetch])
def test_bad_name_of_every_kind(func, bad):
    with pytest.raises(ValueError) as info:
        func(bad)
    _assert_names_argument(info, "name")


@pytest.mark.parametrize("bad", BAD_FLAGS, ids=lambda v: type(v).__name__)
@pytest.mark.parametrize("func", [data.load, data.fetch])
def test_bad_refetch_of_every_kind(func, bad):
    with pytest.raises(ValueError) as info:
        func("chinchilla_points", refetch=bad)
    _assert_names_argument(info, "refetch")


@pytest.mark.parametrize("bad", BAD_URLS, ids=lambda v: type(v).__name__)
def test_bad_url_of_every_kind(bad, monkeypatch):
    monkeypatch.delenv(data.MIRROR_ENV, raising=False)  # the url is checked before the mirror
    with pytest.raises(ValueError) as info:
        data.fetch("chinchilla_points", url=bad)
    _assert_names_argument(info, "url")


def test_available_takes_no_arguments():
    with pytest.raises(TypeError):
        data.available("kaplan_constants")
    with pytest.raises(TypeError):
        data.available(kind="transcribed")


# --------------------------------------------------------------------------- transcribed values
def _value(df, **where):
    mask = np.ones(len(df), dtype=bool)
    for col, val in where.items():
        mask &= (df[col] == val).to_numpy()
    assert mask.sum() == 1, f"expected exactly one row for {where}, got {mask.sum()}"
    return df.loc[mask].iloc[0]


def test_transcribed_tables_load_with_verification_marks():
    shapes = {
        "kaplan_constants": 24,
        "chinchilla_published_fits": 22,
        "hoffmann_table2": 4,
        "hoffmann_table3": 9,
        "gpt3_table_d1": 11,
        "gpt3_table_2_1": 8,
    }
    assert set(shapes) <= set(TRANSCRIBED)
    for name, n_rows in shapes.items():
        assert len(data.load(name)) == n_rows, name
    for name in TRANSCRIBED:
        df = data.load(name)
        assert "verification" in df.columns, f"{name}: every row needs a verification mark"
        assert df["verification"].str.match(r"\[[PSCU]\]").all(), name


def test_every_data_folder_is_registered():
    folders = {p.name for p in data.DATA_DIR.iterdir() if p.is_dir()}
    unregistered = folders - set(data.REGISTRY)
    assert not unregistered, f"data/ folders not in the registry: {sorted(unregistered)}"


def test_generated_tables_have_generator_and_readme():
    root = data.DATA_DIR.parent
    for name, entry in data.REGISTRY.items():
        if entry.kind != "generated":
            continue
        assert (root / entry.generator).is_file(), f"{name}: generator {entry.generator} missing"
        assert entry.path.is_file(), f"{name}: {entry.path} missing; run {entry.generator}"
        readme = entry.path.parent / "README.md"
        assert readme.is_file() and entry.generator in readme.read_text(), (
            f"{name}: README.md must exist and name its generator {entry.generator}"
        )


def test_kaplan_constants():
    df = data.load("kaplan_constants")
    assert list(df.columns) == [
        "law", "symbol", "value", "units", "equation", "source", "verification"
    ]
    assert _value(df, law="size", symbol="alpha_N")["value"] == 0.076
    assert _value(df, law="size", symbol="N_c")["value"] == 8.8e13
    assert _value(df, law="data", symbol="alpha_D")["value"] == 0.095
    assert _value(df, law="compute", symbol="C_c")["value"] == 3.1e8
    assert _value(df, law="compute", symbol="C_c")["units"] == "PF-days"
    assert _value(df, law="size_data", symbol="alpha_D")["value"] == 0.103
    assert _value(df, law="size_data", symbol="D_c")["value"] == 1.8e13
    assert _value(df, law="size_steps", symbol="S_c")["value"] == 2.1e3
    assert _value(df, law="critical_batch", symbol="B_star")["value"] == 2e8
    assert _value(df, law="entropy", symbol="L_star")["value"] == 1.7
    assert _value(df, symbol="N_opt_exponent")["value"] == 0.73
    assert _value(df, symbol="D_opt_exponent")["value"] == 0.27
    assert _value(df, symbol="D_min_coefficient")["value"] == 5e3
    assert _value(df, symbol="D_min_exponent")["value"] == 0.74
    assert _value(df, symbol="flop_per_parameter_per_token")["value"] == 6
    assert (df["verification"] == "[P]").all()


def test_chinchilla_published_fits():
    df = data.load("chinchilla_published_fits")
    assert list(df.columns) == [
        "source", "parameter", "value", "se", "ci_low", "ci_high", "citation", "verification"
    ]
    assert set(df["source"]) == {
        "hoffmann2022_rounded", "hoffmann2022_unrounded",
        "besiroglu2024_fit", "besiroglu2024_bootstrap",
    }
    assert set(df["parameter"]) <= {"E", "A", "B", "alpha", "beta", "objective", "a"}
    assert not df.duplicated(["source", "parameter"]).any()
    boot_E = _value(df, source="besiroglu2024_bootstrap", parameter="E")
    assert (boot_E["value"], boot_E["se"], boot_E["ci_low"], boot_E["ci_high"]) == (
        1.817, 0.026, 1.769, 1.871
    )
    assert _value(df, source="besiroglu2024_fit", parameter="E")["value"] == 1.8172
    assert _value(df, source="besiroglu2024_fit", parameter="objective")["value"] == 0.001018274
    assert _value(df, source="hoffmann2022_unrounded", parameter="alpha")["value"] == 0.33917
    assert _value(df, source="hoffmann2022_rounded", parameter="A")["value"] == 406.4
    # Not published for the point fits: left empty, not invented.
    point_fits = df[df["source"] != "besiroglu2024_bootstrap"]
    assert point_fits[["se", "ci_low", "ci_high"]].isna().all().all()
    # Every CI brackets its estimate.
    ci = df.dropna(subset=["ci_low"])
    assert ((ci["ci_low"] <= ci["value"]) & (ci["value"] <= ci["ci_high"])).all()


def test_hoffmann_table2():
    df = data.load("hoffmann_table2")
    cols = ["a", "a_p10", "a_p90"]
    assert _value(df, approach="Approach 1")[cols].tolist() == [0.50, 0.488, 0.502]
    assert _value(df, approach="Approach 2")[cols].tolist() == [0.49, 0.462, 0.534]
    assert _value(df, approach="Approach 3")[cols].tolist() == [0.46, 0.454, 0.455]
    kaplan = _value(df, approach="Kaplan et al. (2020)")
    assert kaplan["a"] == 0.73 and np.isnan(kaplan["a_p10"])
    assert "b" not in df.columns  # b values are not transcribed


def test_hoffmann_table3():
    df = data.load("hoffmann_table3")
    row = _value(df, parameters=6.7e10)
    assert (row["flops"], row["tokens"]) == (5.76e23, 1.5e12)
    assert _value(df, parameters=4e8)["tokens"] == 8.0e9
    assert _value(df, parameters=1e13)["flops"] == 1.30e28
    np.testing.assert_allclose(df["tokens_per_parameter"], df["tokens"] / df["parameters"])
    readme = (data.DATA_DIR / "hoffmann_table3" / "README.md").read_text()
    assert "tokens_per_parameter" in readme and "derived" in readme.lower()


def test_gpt3_table_d1():
    df = data.load("gpt3_table_d1")
    assert list(df.columns[:5]) == ["model", "parameters", "tokens", "pf_days", "flops"]
    big = _value(df, model="GPT-3 175B")
    assert (big["flops"], big["pf_days"], big["parameters"], big["tokens"]) == (
        3.14e23, 3640, 1.746e11, 3.0e11
    )
    assert {"T5-11B", "BERT-Large", "RoBERTa-Large"} <= set(df["model"])
    assert _value(df, model="RoBERTa-Large")["tokens"] == 2.0e12
    # PF-days and FLOP columns agree (1 PF-day = 8.64e19 FLOP) to the published rounding.
    np.testing.assert_allclose(df["pf_days"] * 8.64e19, df["flops"], rtol=0.01)
    # C ~ 6 N D holds for the dense GPT-3 models.
    gpt3 = df[df["model"].str.startswith("GPT-3")]
    np.testing.assert_allclose(6 * gpt3["parameters"] * gpt3["tokens"], gpt3["flops"], rtol=0.02)


def test_gpt3_table_2_1_is_marked_unverified():
    df = data.load("gpt3_table_2_1")
    assert list(df.columns[:8]) == [
        "model", "n_params", "n_layers", "d_model", "n_heads", "d_head",
        "batch_size_tokens", "learning_rate",
    ]
    assert len(df) == 8
    assert df["verification"].str.startswith("[U]").all()
    big = _value(df, model="GPT-3 175B")
    assert big[["n_layers", "d_model", "n_heads"]].tolist() == [96, 12288, 96]


# --------------------------------------------------------------------------- mirror
@needs_mirror
def test_third_party_loads_from_mirror(mirror_env):
    pts = data.load("chinchilla_points")
    assert pts.shape == (245, 4)
    assert list(pts.columns) == ["N", "D", "C", "loss"]
    np.testing.assert_allclose(pts["D"], pts["C"] / (6 * pts["N"]), rtol=1e-12)
    raw = pd.read_csv(MIRROR / "svg_extracted_data.csv")
    np.testing.assert_array_equal(pts["N"], raw["Model Size"])  # file order, no filtering
    np.testing.assert_array_equal(pts["loss"], raw["loss"])

    bench = data.load("obs_scaling_benchmarks")
    assert len(bench) == 148
    assert list(bench.columns) == list(pd.read_csv(MIRROR / "base_llm_benchmark_eval.csv").columns)
    assert "FLOPs (1E21)" in bench.columns

    emerg = data.load("obs_scaling_emergent")
    # The registered (hash-verified) file holds 84 models: a header plus 84 data lines, the
    # last without a trailing newline (an earlier manifest said 83).
    assert len(emerg) == 84
    assert emerg["Model"].is_unique
    assert emerg.columns[0] == "Model"

    assert data.fetch("obs_scaling_emergent") == MIRROR / "base_llm_emergent_capability_eval.csv"


@needs_mirror
def test_every_available_dataset_loads(mirror_env):
    for name in data.available()["name"]:
        df = data.load(name)
        assert isinstance(df, pd.DataFrame) and len(df) > 0, name


def test_mirror_missing_file(monkeypatch, tmp_path):
    monkeypatch.setenv(data.MIRROR_ENV, str(tmp_path))
    with pytest.raises(ValueError) as info:
        data.load("chinchilla_points")
    msg = str(info.value)
    assert "svg_extracted_data.csv" in msg and str(tmp_path) in msg


@needs_mirror
def test_mirror_hash_mismatch(monkeypatch, tmp_path):
    shutil.copy(MIRROR / "svg_extracted_data.csv", tmp_path)
    corrupt(tmp_path / "svg_extracted_data.csv")
    monkeypatch.setenv(data.MIRROR_ENV, str(tmp_path))
    with pytest.raises(ValueError) as info:
        data.load("chinchilla_points")
    msg = str(info.value)
    assert "svg_extracted_data.csv" in msg
    assert data.REGISTRY["chinchilla_points"].sha256 in msg
    assert "refetch=True" in msg


@pytest.mark.parametrize("value", ["", "   ", "\t\n"])
def test_blank_mirror_variable_is_an_error_not_a_download(monkeypatch, tmp_path, value):
    monkeypatch.setenv(data.MIRROR_ENV, value)
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "cache"))
    import pooch

    def no_network(*args, **kwargs):
        raise AssertionError("went online although the mirror variable is set")

    monkeypatch.setattr(pooch, "retrieve", no_network)
    calls = [lambda: data.load("chinchilla_points"), lambda: data.fetch("obs_scaling_emergent")]
    for call in calls:
        with pytest.raises(ValueError) as info:
            call()
        msg = str(info.value)
        assert data.MIRROR_ENV in msg and "set but empty" in msg
        assert "point it at a folder" in msg and "unset it" in msg
    assert not (tmp_path / "cache").exists()


def test_mirror_that_is_not_a_folder(monkeypatch, tmp_path):
    a_file = tmp_path / "mirror.csv"
    a_file.write_text("x\n")
    for value, says in [(a_file, "is not a folder"), (tmp_path / "nowhere", "does not exist")]:
        monkeypatch.setenv(data.MIRROR_ENV, str(value))
        with pytest.raises(ValueError) as info:
            data.load("chinchilla_points")
        msg = str(info.value)
        assert str(value) in msg and says in msg and data.MIRROR_ENV in msg


# --------------------------------------------------------------------------- cache
@needs_mirror
def test_cache_hash_mismatch(offline_cache):
    offline_cache.mkdir(parents=True)
    cached = offline_cache / "base_llm_benchmark_eval.csv"
    shutil.copy(MIRROR / "base_llm_benchmark_eval.csv", cached)
    assert len(data.load("obs_scaling_benchmarks")) == 148  # good cache: no network needed
    corrupt(cached)
    with pytest.raises(ValueError) as info:
        data.load("obs_scaling_benchmarks")
    msg = str(info.value)
    assert "base_llm_benchmark_eval.csv" in msg
    assert str(cached.resolve()) in msg
    assert data.REGISTRY["obs_scaling_benchmarks"].sha256 in msg
    advice = "delete it or call scaling_utils.data.load('obs_scaling_benchmarks', refetch=True)"
    assert advice in msg


@pytest.mark.parametrize("value", ["", "  "])
def test_blank_cache_variable(monkeypatch, value):
    monkeypatch.delenv(data.MIRROR_ENV, raising=False)
    monkeypatch.setenv(data.CACHE_ENV, value)
    with pytest.raises(ValueError, match=f"{data.CACHE_ENV} is set but empty"):
        data.fetch("chinchilla_points")


@pytest.mark.parametrize("refetch", [False, True])
def test_cache_folder_is_a_file(offline_cache, refetch):
    offline_cache.parent.mkdir(parents=True, exist_ok=True)
    offline_cache.write_text("not a folder\n")
    with pytest.raises(NotADirectoryError) as info:
        data.fetch("chinchilla_points", refetch=refetch)
    msg = str(info.value)
    assert str(offline_cache) in msg and "is a file" in msg and data.CACHE_ENV in msg
    assert offline_cache.read_text() == "not a folder\n"  # left alone


def test_cache_folder_below_a_file(monkeypatch, offline_cache):
    offline_cache.parent.mkdir(parents=True, exist_ok=True)
    offline_cache.write_text("not a folder\n")
    monkeypatch.setenv(data.CACHE_ENV, str(offline_cache / "sub"))
    with pytest.raises(NotADirectoryError) as info:
        data.load("chinchilla_points")
    msg = str(info.value)
    assert f"{str(offline_cache)!r} is a file" in msg and data.CACHE_ENV in msg


@pytest.mark.parametrize("refetch", [False, True])
def test_cached_file_path_is_a_folder(offline_cache, refetch):
    blocker = offline_cache / "svg_extracted_data.csv"
    blocker.mkdir(parents=True)
    with pytest.raises(IsADirectoryError) as info:
        data.load("chinchilla_points", refetch=refetch)
    msg = str(info.value)
    assert str(blocker) in msg and "is a folder" in msg and data.CACHE_ENV in msg
    assert blocker.is_dir() and leftovers(offline_cache) == ["svg_extracted_data.csv"]


@pytest.mark.parametrize("how", ["chmod", "simulated"])
def test_cache_not_writable(offline_cache, monkeypatch, how):
    offline_cache.mkdir(parents=True)
    if how == "chmod":
        offline_cache.chmod(0o555)
        if os.access(offline_cache, os.W_OK):  # root ignores permissions
            offline_cache.chmod(0o755)
            pytest.skip("running as root: a read-only folder is still writable")
    else:  # what mkdtemp raises in a folder the user may not write to
        def refuse(*args, dir=None, **kwargs):
            raise PermissionError(13, "Permission denied", str(dir))

        monkeypatch.setattr(data.tempfile, "mkdtemp", refuse)
    try:
        with pytest.raises(PermissionError) as info:
            data.fetch("chinchilla_points", url="http://127.0.0.1:9/never-used.csv")
    finally:
        offline_cache.chmod(0o755)
    msg = str(info.value)
    assert str(offline_cache) in msg and "not writable" in msg and data.CACHE_ENV in msg
    assert leftovers(offline_cache) == []


# --------------------------------------------------------------------------- download
@needs_mirror
def test_download_then_cache(offline_cache, tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(MIRROR / "svg_extracted_data.csv", served)
    with serve(served) as base:
        path = data.fetch("chinchilla_points", url=f"{base}/svg_extracted_data.csv")
    assert path == offline_cache / "svg_extracted_data.csv"
    expected = data.REGISTRY["chinchilla_points"].sha256
    assert hashlib.sha256(path.read_bytes()).hexdigest() == expected
    assert [p.name for p in offline_cache.iterdir()] == ["svg_extracted_data.csv"]  # no temp left
    # The server is down: this load can only succeed from the cache.
    pts = data.load("chinchilla_points")
    assert pts.shape == (245, 4)


@needs_mirror
def test_refetch_repairs_corrupted_cache(offline_cache, tmp_path, monkeypatch):
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(MIRROR / "base_llm_emergent_capability_eval.csv", served)
    offline_cache.mkdir(parents=True)
    cached = offline_cache / "base_llm_emergent_capability_eval.csv"
    shutil.copy(MIRROR / "base_llm_emergent_capability_eval.csv", cached)
    corrupt(cached)
    with serve(served) as base:
        entry = data.REGISTRY["obs_scaling_emergent"]
        patched = dataclasses.replace(entry, url=f"{base}/{entry.filename}")
        monkeypatch.setattr(data, "REGISTRY", {**data.REGISTRY, entry.name: patched})
        with pytest.raises(ValueError, match="refetch=True"):
            data.load("obs_scaling_emergent")
        assert len(data.load("obs_scaling_emergent", refetch=True)) == 84
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == entry.sha256


@needs_mirror
def test_download_of_wrong_bytes_is_refused(offline_cache, tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(MIRROR / "svg_extracted_data.csv", served)
    corrupt(served / "svg_extracted_data.csv")
    with serve(served) as base:
        with pytest.raises(ValueError) as info:
            data.fetch("chinchilla_points", url=f"{base}/svg_extracted_data.csv")
    msg = str(info.value)
    assert "svg_extracted_data.csv" in msg and "SHA-256" in msg and base in msg
    assert not (offline_cache / "svg_extracted_data.csv").exists()
    assert not any(offline_cache.iterdir()) if offline_cache.exists() else True


def test_download_failure_is_a_connection_error(offline_cache, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with serve(empty) as base:  # serves a 404
        with pytest.raises(ConnectionError, match=data.MIRROR_ENV):
            data.fetch("chinchilla_points", url=f"{base}/svg_extracted_data.csv")
    assert not (offline_cache / "svg_extracted_data.csv").exists()


def test_silent_server_times_out_quickly_with_one_retry(offline_cache, monkeypatch):
    monkeypatch.setattr(data, "DOWNLOAD_TIMEOUT", 0.3)
    with silent_server() as (base, accepted):
        url = f"{base}/svg_extracted_data.csv"
        start = time.perf_counter()
        with pytest.raises(ConnectionError) as info:
            data.fetch("chinchilla_points", url=url)
        elapsed = time.perf_counter() - start
        assert len(accepted) == data.DOWNLOAD_ATTEMPTS == 2  # one try and one retry
    msg = str(info.value)
    assert "'chinchilla_points'" in msg and url in msg
    assert "timed out after 2 attempts" in msg and data.MIRROR_ENV in msg
    assert 0.5 < elapsed < 3, elapsed
    assert leftovers(offline_cache) == []


def test_silent_server_with_the_real_timeout(offline_cache):
    """The default settings give up in about 10 s (before: 30 s per file, no retry)."""
    budget = data.DOWNLOAD_TIMEOUT * data.DOWNLOAD_ATTEMPTS
    assert 4 <= data.DOWNLOAD_TIMEOUT <= 5 and budget <= 10
    with silent_server() as (base, _):
        start = time.perf_counter()
        with pytest.raises(ConnectionError, match="timed out after 2 attempts"):
            data.fetch("obs_scaling_emergent", url=f"{base}/x.csv")
        elapsed = time.perf_counter() - start
    assert 0.9 * budget < elapsed < 15, elapsed
    assert leftovers(offline_cache) == []


def test_refused_connection_is_retried_then_reported(offline_cache):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/svg_extracted_data.csv"
    with pytest.raises(ConnectionError) as info:
        data.fetch("chinchilla_points", url=url)
    msg = str(info.value)
    assert "failed after 2 attempts" in msg and url in msg and data.MIRROR_ENV in msg
    assert leftovers(offline_cache) == []


@needs_mirror
@pytest.mark.parametrize("send_length", [True, False], ids=["with-length", "no-length"])
def test_server_hanging_up_half_way_leaves_nothing(offline_cache, send_length):
    payload = (MIRROR / "svg_extracted_data.csv").read_bytes()
    with serve_handler(half_sender(payload, send_length=send_length)) as base:
        url = f"{base}/svg_extracted_data.csv"
        # With a Content-Length the client sees a broken transfer (retried, then a
        # ConnectionError); without one, the truncated file fails its hash check.
        expected = ConnectionError if send_length else ValueError
        with pytest.raises(expected) as info:
            data.fetch("chinchilla_points", url=url)
    assert url in str(info.value)
    assert leftovers(offline_cache) == []


@needs_mirror
@pytest.mark.parametrize("cached_before", [False, True])
def test_keyboard_interrupt_mid_transfer_leaves_nothing(offline_cache, monkeypatch, cached_before):
    import pooch

    good = MIRROR / "svg_extracted_data.csv"
    if cached_before:  # refetch over a good copy: the copy must survive the interruption
        offline_cache.mkdir(parents=True)
        shutil.copy(good, offline_cache)
    written = []

    def interrupted(self, url, output_file, pooch, check_only=False):
        with open(output_file, "wb") as out:
            out.write(good.read_bytes()[:1000])
        written.append(Path(output_file))
        raise KeyboardInterrupt

    monkeypatch.setattr(pooch.HTTPDownloader, "__call__", interrupted)
    with pytest.raises(KeyboardInterrupt):
        data.fetch("chinchilla_points", refetch=cached_before, url="http://127.0.0.1:9/x.csv")
    assert written and not written[0].exists()  # the partial file was there, and is gone
    if cached_before:
        assert leftovers(offline_cache) == ["svg_extracted_data.csv"]
        assert (offline_cache / "svg_extracted_data.csv").read_bytes() == good.read_bytes()
    else:
        assert leftovers(offline_cache) == []


# --- the registry's `used_in` column matches the chapters ------------------------------------
def test_used_in_matches_what_the_chapters_load():
    """Every chapter named in `used_in` exists and loads the dataset, and vice versa."""
    import json
    import re
    from pathlib import Path

    chapters = Path(__file__).resolve().parents[1] / "chapters"
    loads = {}
    for notebook in sorted(chapters.glob("*.ipynb")):
        cells = json.loads(notebook.read_text())["cells"]
        source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        loads[notebook.stem] = set(re.findall(r"data\.load\(\s*[\"']([\w]+)[\"']", source))
    registry = data.available().set_index("name")["used_in"]
    for name, used_in in registry.items():
        claimed = {c.strip() for c in used_in.split(",") if c.strip()}
        actual = {chapter for chapter, names in loads.items() if name in names}
        assert claimed == actual, f"{name}: registry says used_in={sorted(claimed)}, chapters load it in {sorted(actual)}"
    unknown = set().union(*loads.values()) - set(registry.index)
    assert not unknown, f"chapters load unregistered datasets: {sorted(unknown)}"


# --- housekeeping: the manifest's row count of the emergent-capability file -----------------
@needs_mirror
def test_manifest_rows_of_emergent_capability_file(mirror_env):
    """MANIFEST.json's `rows` for the emergent-capability CSV is what the loader reads.

    Moved here from the chapter *Emergence*, where it was shown as a failed check although it
    is housekeeping. An earlier manifest said 83: the file is a header and 84 data lines with
    no final newline, so `wc -l` counts 84 and subtracting the header gives 83.
    """
    manifest = json.loads((MIRROR / "MANIFEST.json").read_text())
    filename = data.REGISTRY["obs_scaling_emergent"].filename
    (entry,) = [f for f in manifest["files"] if f["file"] == filename]
    raw = (MIRROR / filename).read_bytes()
    assert raw.count(b"\n") == 84 and not raw.endswith(b"\n")
    assert len(data.load("obs_scaling_emergent")) == entry["rows"] == 84


# --- issue 13: (Mis)Fitting runs and Porian et al.'s pickles ---------------------------------
PORIAN = ["porian2024_rw", "porian2024_owt2", "porian2024_rw_attention", "porian2024_rw_kaplan_tuned"]
PORIAN_STEPS = {"porian2024_rw": 5, "porian2024_owt2": 5, "porian2024_rw_attention": 4,
                "porian2024_rw_kaplan_tuned": 1}
PORIAN_COLUMNS = ["step", "dataset", "hparams", "warmup", "decay", "param_count", "val", "C", "N", "D", "loss"]


def test_new_entries_are_registered_with_pins():
    for name in ["misfitting_runs", "misfitting_checkpoints"] + PORIAN:
        entry = data.REGISTRY[name]
        assert entry.kind == "third_party"
        assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256)
        assert re.match(r"https://raw\.githubusercontent\.com/.+/[0-9a-f]{40}/", entry.url)
        assert entry.licence and entry.citation
        assert entry.reader == ("pandas_pickle_xz" if name in PORIAN else "csv")


@needs_mirror
@pytest.mark.parametrize("name, rows", [("misfitting_runs", 261), ("misfitting_checkpoints", 4852)])
def test_misfitting_files_load(mirror_env, name, rows):
    df = data.load(name)
    assert len(df) == rows
    for col in ["loss", "C4 Eval Loss", "N", "N_no_emb", "D", "C", "C_no_emb", "C_6ND", "C_6ND_no_emb",
                "model", "total_epochs", "peak_lr", "sweep"]:
        assert col in df.columns, col
    assert (df["N_no_emb"] < df["N"]).all()
    assert np.isfinite(df["loss"]).all() and (df["loss"] > 0).all()
    # C_6ND is 6 N D, to the precision of the file's integers
    np.testing.assert_allclose(df["C_6ND"].astype(float), 6.0 * df["N"] * df["D"], rtol=1e-6)
    raw = data.load(name, raw=True)
    assert list(raw.columns) == list(pd.read_csv(MIRROR / data.REGISTRY[name].filename).columns)


@needs_mirror
def test_misfitting_checkpoints_cover_the_runs(mirror_env):
    runs, ckpts = data.load("misfitting_runs"), data.load("misfitting_checkpoints")
    assert runs["total_epochs"].max() == 125
    assert runs["N"].nunique() == 11 and runs["peak_lr"].nunique() == 5
    # every last checkpoint of a run is a checkpoint of the full file
    key = ["N", "D", "peak_lr", "sweep"]
    assert len(runs.merge(ckpts[key].drop_duplicates(), on=key)) == len(runs)


@needs_mirror
@pytest.mark.parametrize("name", PORIAN)
def test_porian_pickles_load_tidy(mirror_env, name):
    df = data.load(name)
    assert list(df.columns) == PORIAN_COLUMNS
    assert len(df) > 100
    assert df["step"].nunique() == PORIAN_STEPS[name]
    assert df["C"].min() == pytest.approx(1.25e16) and df["C"].max() == pytest.approx(2.56e19)
    assert df.groupby("step")["C"].nunique().between(11, 12).all()
    has_loss = np.isfinite(df["loss"])
    assert has_loss.mean() > 0.95
    good = df[has_loss]
    assert (good["N"] > 0).all() and (good["D"] > 0).all() and (good["loss"] > 0).all()


@needs_mirror
@pytest.mark.parametrize("name", PORIAN)
def test_porian_raw_is_the_unpickled_frame(mirror_env, name):
    raw = data.load(name, raw=True)
    assert isinstance(raw, pd.DataFrame) and len(raw) == PORIAN_STEPS[name]
    assert {"optimal_pairs", "fit_results", "data", "dataset", "hparams"} <= set(raw.columns)
    budgets = raw["data"].iloc[0]
    assert isinstance(budgets, pd.DataFrame) and {"flops", "orig_n", "orig_t", "orig_loss"} <= set(budgets.columns)
    tidy = data.load(name)
    first = tidy[(tidy["step"] == 0) & (tidy["C"] == float(budgets["flops"].iloc[0]))]
    np.testing.assert_array_equal(first["N"].to_numpy(), np.asarray(budgets["orig_n"].iloc[0], dtype=float))
    np.testing.assert_array_equal(first["loss"].to_numpy(), np.asarray(budgets["orig_loss"].iloc[0], dtype=float))


def test_raw_of_a_committed_table_is_ignored():
    pd.testing.assert_frame_equal(data.load("kaplan_constants", raw=True), data.load("kaplan_constants"))
    with pytest.raises((TypeError, ValueError), match="`raw`"):
        data.load("kaplan_constants", raw="yes")


def _xz(path: Path, payload: bytes) -> Path:
    import lzma

    path.write_bytes(lzma.compress(payload))
    return path


def _reduce_pickle(func, *args) -> bytes:
    """A pickle (highest protocol, STACK_GLOBAL) whose loading calls ``func(*args)``."""
    import pickle

    class Evil:
        def __reduce__(self):
            return func, args

    return pickle.dumps(Evil(), protocol=pickle.HIGHEST_PROTOCOL)


@pytest.mark.parametrize("how", ["GLOBAL opcode", "__reduce__"])
def test_allowlist_refuses_a_global_that_would_create_a_file(tmp_path, how):
    """A pickle that would call builtins.open(target, "w") is refused before the call."""
    target = tmp_path / "created_by_the_pickle"
    if how == "GLOBAL opcode":  # protocol 0: GLOBAL, MARK, two strings, TUPLE, REDUCE, STOP
        payload = b"cbuiltins\nopen\n(S'" + str(target).encode() + b"'\nS'w'\ntR."
    else:
        payload = _reduce_pickle(open, str(target), "w")
    bad = _xz(tmp_path / "bad.pickle.xz", payload)
    with pytest.raises(ValueError, match=r"(builtins|io)\.open, which is not on the allow-list"):
        data.read_pickle_allowlisted(bad)
    assert not target.exists(), "the refused callable was called"
    # the same bytes through plain pickle would have created it (the test's premise)
    import pickle

    pickle.loads(payload).close()
    assert target.exists()


@pytest.mark.parametrize("module, name", [("os", "system"), ("builtins", "eval"), ("posix", "system"),
                                          ("pandas", "read_pickle"), ("numpy", "load"),
                                          ("subprocess", "call")])
def test_allowlist_refuses_other_globals(tmp_path, module, name):
    payload = b"c" + module.encode() + b"\n" + name.encode() + b"\n(S'true'\ntR."
    bad = _xz(tmp_path / "bad.pickle.xz", payload)
    with pytest.raises(ValueError, match=re.escape(f"{module}.{name}")):
        data.read_pickle_allowlisted(bad)
    plain = tmp_path / "bad.pickle"
    plain.write_bytes(payload)
    with pytest.raises(ValueError, match="allow-list"):
        data.read_pickle_allowlisted(plain, compression=None)


def test_allowlist_refuses_a_nested_bad_global(tmp_path):
    """A frame whose cell holds an object naming another global: refused as a whole."""
    import datetime
    import pickle

    frame = pd.DataFrame({"x": [1.0, 2.0], "obj": [None, datetime.date(2024, 1, 1)]})

    bad = _xz(tmp_path / "bad.pickle.xz", pickle.dumps(frame))
    with pytest.raises(ValueError, match=r"datetime\.date, which is not on the allow-list"):
        data.read_pickle_allowlisted(bad)


def test_allowed_globals_are_pandas_numpy_and_slice():
    modules = {m for m, _ in data.PICKLE_ALLOWED_GLOBALS}
    assert all(m == "builtins" or m.split(".")[0] in ("numpy", "pandas") for m in modules)
    assert {n for m, n in data.PICKLE_ALLOWED_GLOBALS if m == "builtins"} == {"slice"}


@pytest.mark.parametrize("how", ["not xz", "flipped byte", "truncated"])
def test_corrupt_xz_is_a_value_error(tmp_path, how):
    import lzma
    import pickle

    good = lzma.compress(pickle.dumps(pd.DataFrame({"x": np.arange(200.0)})))
    path = tmp_path / "bad.pickle.xz"
    if how == "not xz":
        path.write_bytes(b"this is not an xz file at all")
    elif how == "flipped byte":
        path.write_bytes(good)
        corrupt(path)
    else:
        path.write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match="`path`"):
        data.read_pickle_allowlisted(path)


def test_decompression_bomb_is_refused(tmp_path, monkeypatch):
    import pickle

    path = tmp_path / "big.pickle.xz"
    _xz(path, pickle.dumps(np.zeros(10_000)))
    monkeypatch.setattr(data, "PICKLE_MAX_BYTES", 1000)
    with pytest.raises(ValueError, match="decompresses to more than"):
        data.read_pickle_allowlisted(path)


@pytest.mark.parametrize("compression, suffix", [("xz", ".pickle.xz"), (None, ".pickle")])
def test_read_pickle_allowlisted_round_trips_a_pandas_pickle(tmp_path, compression, suffix):
    frame = pd.DataFrame({"N": [1e8, 2e8, 4e8], "loss": [3.1, 2.9, 2.8], "k": [1, 2, 3],
                          "model": ["a", "b", "c"]})
    path = tmp_path / f"small{suffix}"
    frame.to_pickle(path, compression=compression)
    pd.testing.assert_frame_equal(data.read_pickle_allowlisted(path, compression=compression), frame)
    series = pd.Series([1.0, 2.0], name="x")
    series.to_pickle(path, compression=compression)
    pd.testing.assert_series_equal(data.read_pickle_allowlisted(path, compression=compression), series)


@pytest.mark.parametrize("kwargs, exc, name", [
    ({"path": 3}, TypeError, "path"), ({"path": None}, TypeError, "path"),
    ({"compression": "gzip"}, ValueError, "compression"), ({"compression": True}, ValueError, "compression"),
])
def test_read_pickle_allowlisted_bad_arguments(tmp_path, kwargs, exc, name):
    kwargs = {"path": tmp_path / "x.pickle.xz", **kwargs}
    with pytest.raises(exc, match=f"`{name}`"):
        data.read_pickle_allowlisted(**kwargs)


def test_read_pickle_allowlisted_missing_file_and_wrong_compression(tmp_path):
    with pytest.raises(ValueError, match="`path` .* is not a file"):
        data.read_pickle_allowlisted(tmp_path / "missing.pickle.xz")
    with pytest.raises(ValueError, match="`path` .* is not a file"):
        data.read_pickle_allowlisted(tmp_path)  # a folder
    path = tmp_path / "small.pickle.xz"
    pd.DataFrame({"x": [1.0]}).to_pickle(path, compression="xz")
    with pytest.raises(ValueError, match="xz-compressed; pass `compression`='xz'"):
        data.read_pickle_allowlisted(path, compression=None)
