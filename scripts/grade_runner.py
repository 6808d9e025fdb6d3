"""Run one submitted notebook and report the values of its answer names (inside the sandbox).

This is the only grading code that runs beside a student's code, and it decides nothing: it
executes the notebook's code cells in order (an error in one cell is recorded and the next cell
runs, as in Jupyter's "Run all" with errors allowed) and then writes, as JSON on file
descriptor FD, the values of the names the grader asked for. The grader (``scripts/assignments.py``)
scores those values in its own process, with tests this process never sees. A submission can
therefore change what it reports only for itself — which is what answering does anyway.

Usage (by the grader, not by hand)::

    python grade_runner.py FD NOTEBOOK NAME [NAME ...]   # JSON on file descriptor FD

Values are sent as plain data: ``None``, bool, int, float, str, lists, tuples and dicts with
string keys of these, NumPy scalars and arrays of numbers, booleans or strings. Anything else
is reported as unsupported, by type name only.
"""
from __future__ import annotations

import json
import os
import sys

#: Deeper nesting than this is not an answer.
MAX_DEPTH = 20


def encode(value, depth=0):
    """``value`` as JSON-ready plain data (see the module docstring)."""
    if depth > MAX_DEPTH:
        return {"__unsupported__": "nested too deeply"}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**63 else {"__unsupported__": "int with more than 63 bits"}
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else {"__float__": repr(value)}
    if isinstance(value, (list, tuple)):
        items = [encode(v, depth + 1) for v in value]
        return items if isinstance(value, list) else {"__tuple__": items}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            return {"__unsupported__": "dict with keys that are not strings"}
        return {"__dict__": {k: encode(v, depth + 1) for k, v in value.items()}}
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        if isinstance(value, numpy.generic) and value.dtype.kind in "biufUS":
            return encode(value.item(), depth)
        if isinstance(value, numpy.ndarray) and value.dtype.kind in "biufUS" and value.size <= 10**6:
            return {"__ndarray__": encode(value.tolist(), depth + 1), "dtype": value.dtype.str}
    return {"__unsupported__": type(value).__name__}


def _shell():
    """A fresh IPython shell (magics and ``!`` lines work as in Jupyter), history off."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    return InteractiveShell.instance(config=config)


def _code_sources(notebook_path):
    """The sources of the code cells of a notebook file (raises on an unreadable one)."""
    with open(notebook_path, encoding="utf-8") as f:
        notebook = json.load(f)
    sources = []
    for cell in notebook["cells"]:
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            sources.append("".join(source) if isinstance(source, list) else str(source))
    return sources


def _execute(shell, sources, first=0):
    """Run ``sources`` in ``shell``; return one line per cell that raised."""
    errors = []
    for k, source in enumerate(sources, first):
        result = shell.run_cell(source, store_history=False)
        failure = result.error_before_exec or result.error_in_exec
        if failure is not None:
            errors.append(f"code cell {k + 1}: {type(failure).__name__}: {str(failure)[:200]}")
    return errors


def _capture(shell, names):
    answers = {}
    for name in names:
        if name in shell.user_ns:
            try:
                answers[name] = encode(shell.user_ns[name])
            except Exception as exc:  # a value whose methods raise: report, do not crash
                answers[name] = {"__unsupported__": f"{type(exc).__name__} while reading it"}
    return answers


def run(notebook_path, names):
    """Execute the code cells of ``notebook_path``; return ``{"answers", "errors", "cells"}``."""
    try:
        sources = _code_sources(notebook_path)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return {"answers": {}, "errors": [f"unreadable notebook: {exc}"], "cells": 0}
    shell = _shell()
    errors = _execute(shell, sources)
    return {"answers": _capture(shell, names), "errors": errors, "cells": len(sources)}


def run_variants(notebook_path, variants, names):
    """Run a notebook and, forked off it, variants of it that each change one code cell.

    For the book's own tests and authoring checks only (trusted code, no sandbox): a variant
    ``{"id", "cell", "source"}`` is the notebook with code cell number ``cell`` (0-based)
    replaced by ``source``. Just before that cell runs, the process forks; the child runs the
    new cell and the rest, and reports. Each variant thus ends in exactly the state of running
    its notebook from the top, but the cells before the change (and the imports) run once.
    Returns ``{id: {"answers", "errors"}}`` plus ``"__base__"`` for the notebook itself.
    """
    sources = _code_sources(notebook_path)
    shell = _shell()
    by_cell = {}
    for variant in variants:
        by_cell.setdefault(int(variant["cell"]), []).append(variant)
    results, errors = {}, []
    for k, source in enumerate(sources):
        for variant in by_cell.get(k, []):
            results[variant["id"]] = _forked(shell, [variant["source"], *sources[k + 1:]], k, names)
        errors += _execute(shell, [source], k)
    results["__base__"] = {"answers": _capture(shell, names), "errors": errors}
    return results


def _forked(shell, sources, first, names):
    """Run ``sources`` in a forked copy of this process; return its report."""
    sys.stdout.flush()
    sys.stderr.flush()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, report, leave without cleanup
        os.close(read_end)
        try:
            errors = _execute(shell, sources, first)
            report = json.dumps({"answers": _capture(shell, names), "errors": errors})
            with os.fdopen(write_end, "w", encoding="utf-8") as f:
                f.write(report)
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    if not data:
        return {"answers": {}, "errors": ["the variant's process ended without reporting"], "crashed": True}
    return json.loads(data)


def main(argv):
    if len(argv) >= 3 and argv[0] == "--variants":  # trusted: the book's tests (see run_variants)
        with open(argv[1], encoding="utf-8") as f:
            job = json.load(f)
        outcome = run_variants(job["notebook"], job["variants"], job["names"])
        with open(argv[2], "w", encoding="utf-8") as f:
            json.dump(outcome, f)
        return 0
    if len(argv) < 2 or not argv[0].isdigit():
        print("usage: grade_runner.py FD NOTEBOOK NAME [NAME ...] (JSON on fd FD)", file=sys.stderr)
        return 2
    report = os.fdopen(int(argv[0]), "w", encoding="utf-8")
    outcome = run(argv[1], argv[2:])
    report.write(json.dumps(outcome))
    report.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
