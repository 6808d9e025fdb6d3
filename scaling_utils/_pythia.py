"""Parsing of the Pythia zero-shot evaluation files into one tidy table (``data.load("pythia_evals")``).

Pythia (Biderman et al. 2023, ICML, arXiv:2304.01373) is 8 model sizes trained on the Pile in
the same order, each also trained on the deduplicated Pile.  EleutherAI evaluated every model
at 27 checkpoints with the LM Evaluation Harness and published one JSON file per model and
checkpoint (``evals/pythia-v1/<model>/zero-shot/<size>_step<N>.json`` in EleutherAI/pythia).
Each file maps a task to its metrics and their standard errors.

This module turns the verified bytes of those files into rows of
``model, size, deduplicated, parameters, parameters_non_embedding, step, tokens, compute,
task, metric, value, stderr, file`` and checks that every file is what its path says: the
model and checkpoint named inside (``config.model_args``) must match the file's place, and
the evaluation must be zero-shot (``config.num_fewshot == 0``).

Quirks of the upstream files (commit a19eecb of EleutherAI/pythia), all handled here:

* the standard 1B model was evaluated as ``pythia-v1.1-1b-bf16`` (folder ``pythia-1b-bf16``);
  it is reported as ``pythia-1b``;
* four of its files (steps 128, 256, 512 and 1000) are named ``1b-bf16-5shot_step<N>.json``
  although they sit in ``zero-shot/`` and say ``num_fewshot: 0``: they are zero-shot results;
* every file was written after the re-run that fixed the early, buggy evaluations (pythia
  issue #37 concerned the v0 files of December 2022; these are the v1.1 models' files).
"""
from __future__ import annotations

import json
import re
from typing import Iterable

import numpy as np
import pandas as pd

#: Tokens per optimiser step: every Pythia model trains with a batch of 1,024 sequences of
#: 2,048 tokens (Pythia README and model cards: "batch size of 2M (2,097,152 tokens)").
TOKENS_PER_STEP = 2_097_152
#: Steps of the full run; 143,000 x 2,097,152 = 299,892,736,000 tokens (the model cards).
FINAL_STEP = 143_000

#: Total and non-embedding parameter counts by size, as the Pythia model cards print them
#: (EleutherAI/pythia-* on Hugging Face, section "Naming convention and parameter count";
#: the same table is in the EleutherAI/pythia README).  The size names round the total.
PARAMETERS = {
    "70m": (70_426_624, 18_915_328),
    "160m": (162_322_944, 85_056_000),
    "410m": (405_334_016, 302_311_424),
    "1b": (1_011_781_632, 805_736_448),
    "1.4b": (1_414_647_808, 1_208_602_624),
    "2.8b": (2_775_208_960, 2_517_652_480),
    "6.9b": (6_857_302_016, 6_444_163_072),
    "12b": (11_846_072_320, 11_327_027_200),
}

COLUMNS = ["model", "size", "deduplicated", "parameters", "parameters_non_embedding", "step",
           "tokens", "compute", "task", "metric", "value", "stderr", "file"]

_PATH = re.compile(r"(?:^|/)pythia-(?P<size>[0-9.]+[mb])(?P<dedup>-deduped)?(?P<bf16>-bf16)?"
                   r"/zero-shot/(?P=size)(?:-deduped)?(?:-bf16)?(?:-5shot)?_step(?P<step>\d+)\.json$")


def describe_path(path: str) -> dict:
    """Model, size, deduplication and step of an evaluation file, from its path.

    >>> describe_path("pythia/pythia-1b-bf16/zero-shot/1b_step3000.json")["model"]
    'pythia-1b'
    """
    match = _PATH.search(path)
    if match is None or match["size"] not in PARAMETERS:
        raise ValueError(
            f"{path!r} is not a Pythia zero-shot evaluation file: expected "
            "'<...>/pythia-<size>[-deduped]/zero-shot/<size>[-deduped]_step<N>.json' with a size "
            f"in {sorted(PARAMETERS)}.")
    size, dedup = match["size"], match["dedup"] is not None
    total, non_embedding = PARAMETERS[size]
    step = int(match["step"])
    return {"model": f"pythia-{size}" + ("-deduped" if dedup else ""), "size": size,
            "deduplicated": dedup, "parameters": total, "parameters_non_embedding": non_embedding,
            "step": step, "tokens": step * TOKENS_PER_STEP,
            "compute": 6.0 * total * step * TOKENS_PER_STEP}


def _check_config(path: str, content: dict, info: dict) -> None:
    """The model and revision the file says it evaluated must be the ones its path names."""
    args = str(content.get("config", {}).get("model_args", ""))
    pretrained = re.search(r"pretrained=([^,]+)", args)
    revision = re.search(r"revision=step(\d+)", args)
    wanted = info["model"].removeprefix("pythia-")
    name = pretrained.group(1) if pretrained else ""
    named = re.sub(r"^EleutherAI/pythia-(v1\.1-)?", "", name).removesuffix("-bf16")
    if named != wanted or revision is None or int(revision.group(1)) != info["step"]:
        raise ValueError(
            f"{path!r} says it evaluated {args!r}, not {info['model']} at step {info['step']} as "
            "its path says: the file is misplaced or is not the registered one.")
    shots = content.get("config", {}).get("num_fewshot")
    if shots != 0:
        raise ValueError(f"{path!r} holds a {shots}-shot evaluation; the zero-shot folder must hold "
                         "zero-shot ones (config.num_fewshot = 0).")


def rows_of_file(path: str, raw: bytes) -> list[tuple]:
    """``(task, metric, value, stderr)`` for every metric in one evaluation file."""
    try:
        content = json.loads(raw)
        results = content["results"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path!r} is not an LM Evaluation Harness results file "
                         f"(JSON with a 'results' object): {exc}") from None
    _check_config(path, content, describe_path(path))
    rows = []
    for task, metrics in results.items():
        for metric, value in metrics.items():
            if metric.endswith("_stderr"):
                continue
            stderr = metrics.get(f"{metric}_stderr")
            rows.append((task, metric, float(value), np.nan if stderr is None else float(stderr)))
    return rows


def tidy(files: Iterable[tuple[str, bytes]]) -> pd.DataFrame:
    """One row per model, checkpoint, task and metric, from ``(path, bytes)`` pairs."""
    blocks = []
    for path, raw in files:
        info = describe_path(path)
        rows = rows_of_file(path, raw)
        block = pd.DataFrame(rows, columns=["task", "metric", "value", "stderr"])
        for key, value in info.items():
            block[key] = value
        block["file"] = path
        blocks.append(block)
    if not blocks:
        raise ValueError("No Pythia evaluation files were given.")
    frame = pd.concat(blocks, ignore_index=True)[COLUMNS]
    order = ["deduplicated", "parameters", "step", "task", "metric"]
    frame = frame.sort_values(order, ignore_index=True, kind="stable")
    return frame.astype({"parameters": "int64", "parameters_non_embedding": "int64",
                         "step": "int64", "tokens": "int64", "compute": "float64"})


def as_read(files: Iterable[tuple[str, bytes]]) -> pd.DataFrame:
    """``file, task, metric, value, stderr`` as the files hold them (``load(..., raw=True)``)."""
    rows = [(path, *row) for path, raw in files for row in rows_of_file(path, raw)]
    return pd.DataFrame(rows, columns=["file", "task", "metric", "value", "stderr"])
