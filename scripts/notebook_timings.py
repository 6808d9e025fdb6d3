"""How long each notebook of the book took to execute, read from the notebooks themselves.

``jupyter nbconvert --execute`` (and ``make execute``) stores in every code cell's metadata when
the kernel started and finished it (``metadata.execution``: ``iopub.status.busy`` and
``shell.execute_reply``/``iopub.status.idle`` timestamps). The execution time of a notebook is
the span from its first cell's start to its last cell's end; kernel start-up (1–2 s) is not
included. The book's *Execution times* page and ``tests/test_chapters.py`` both use this module.

Run ``python scripts/notebook_timings.py chapters/*.ipynb`` for a table.
"""
from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

#: The longest a chapter may take to execute on the project's 2-core machines (seconds).
BUDGET_SECONDS = 60.0


def _time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def notebook_timings(path) -> dict:
    """Execution time of the notebook at ``path`` from its cells' timestamps.

    Returns
    -------
    dict
        ``code_cells``, ``seconds`` (first start to last end), ``slowest_cell_seconds``,
        ``slowest_cell`` (index among the notebook's cells) and ``executed_on`` (date, UTC).

    Raises
    ------
    ValueError
        If a code cell has no timestamps (the notebook was not executed with
        ``make execute`` / ``nbconvert --execute``).
    """
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    spans = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        stamps = cell.get("metadata", {}).get("execution", {})
        start = stamps.get("iopub.status.busy") or stamps.get("iopub.execute_input")
        end = stamps.get("shell.execute_reply") or stamps.get("iopub.status.idle")
        if not (start and end):
            raise ValueError(
                f"{path}: code cell {index} has no execution timestamps; "
                "re-execute the notebook with `make execute CHAPTERS=...`."
            )
        spans.append((index, _time(start), _time(end)))
    if not spans:
        raise ValueError(f"{path} has no code cells to time.")
    slowest = max(spans, key=lambda s: s[2] - s[1])
    return {
        "code_cells": len(spans),
        "seconds": (max(s[2] for s in spans) - min(s[1] for s in spans)).total_seconds(),
        "slowest_cell": slowest[0],
        "slowest_cell_seconds": (slowest[2] - slowest[1]).total_seconds(),
        "executed_on": min(s[1] for s in spans).date().isoformat(),
    }


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        t = notebook_timings(arg)
        print(f"{arg}: {t['seconds']:.1f} s ({t['code_cells']} code cells; slowest cell "
              f"{t['slowest_cell']} took {t['slowest_cell_seconds']:.1f} s; executed {t['executed_on']})")
