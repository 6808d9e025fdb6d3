"""The student edition of the book: the same pages with every exercise solution removed.

Selected by the environment variable ``SCALING_BOOK_EDITION=student`` (``make book-student``);
without it the extension does nothing and the book is the teacher edition, whose solutions
sit in dropdowns under each exercise.

Two places hold solutions, and both are cleaned:

1. the HTML pages: every sphinx-exercise solution node is removed from the doctree after
   sphinx-exercise has merged gated ``solution-start``/``solution-end`` blocks (its own
   ``hide_solutions`` option leaves the content of gated solutions on the page);
2. the notebooks behind the download button (``_sources/**/*.ipynb``): the solution blocks
   are cut out of their markdown cells, and cells lying wholly inside a solution are dropped.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

EDITION_ENV = "SCALING_BOOK_EDITION"
BANNER = "Student edition: the exercises are here, their solutions are not."

_FENCE = re.compile(r"^\s*(`{3,}|:{3,})\{(solution|solution-start|solution-end)\}")


def is_student_edition() -> bool:
    """True when the build was asked for the student edition."""
    edition = os.environ.get(EDITION_ENV, "teacher").strip().lower()
    if edition not in {"teacher", "student"}:
        raise ValueError(
            f"{EDITION_ENV}={edition!r} is not an edition; use 'teacher' (default) or 'student'."
        )
    return edition == "student"


def strip_solutions(lines: list[str]) -> tuple[list[str], bool]:
    """Remove solution directives from markdown lines.

    Returns the kept lines and whether the text ends inside an open gated solution
    (a ``solution-start`` whose ``solution-end`` comes in a later cell).
    """
    return _strip(lines, inside=False)


def _strip(lines, inside):
    kept, i = [], 0
    closing = None  # closing fence of the directive being skipped
    while i < len(lines):
        line = lines[i]
        match = _FENCE.match(line)
        if closing is not None:  # inside the body of a solution / solution-start block
            if line.strip() == closing:
                closing = None
            i += 1
            continue
        if match:
            fence, name = match.groups()
            if name == "solution-end":
                inside = False
                # skip the directive's own (empty) body up to its closing fence
                i += 1
                while i < len(lines) and lines[i].strip() != fence:
                    i += 1
                i += 1
                continue
            if name == "solution-start":
                inside = True
            closing = fence
            i += 1
            continue
        if not inside:
            kept.append(line)
        i += 1
    return kept, inside


def strip_notebook(nb: dict) -> dict:
    """A copy of notebook JSON ``nb`` without exercise solutions."""
    cells, inside = [], False
    for cell in nb["cells"]:
        source = cell["source"]
        lines = source.splitlines(keepends=True) if isinstance(source, str) else list(source)
        if cell["cell_type"] == "markdown":
            has_directive = any(_FENCE.match(line) for line in lines)
            if not has_directive and inside:
                continue
            kept, inside = _strip(lines, inside)
            if has_directive and not "".join(kept).strip():
                continue
            cells.append({**cell, "source": kept})
        elif not inside:
            cells.append(cell)
    return {**nb, "cells": cells}


def _remove_solution_nodes(app, doctree):
    from sphinx_exercise.nodes import solution_node

    for node in list(doctree.findall(solution_node)):
        node.parent.remove(node)


def _clean_notebook_sources(app, exception):
    if exception is not None:
        return
    for path in Path(app.outdir, "_sources").rglob("*.ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps(strip_notebook(nb), indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")


def _announce(app, config):
    options = dict(config.html_theme_options or {})
    options["announcement"] = BANNER
    config.html_theme_options = options


def setup(app):
    if is_student_edition():
        app.connect("config-inited", _announce)
        app.connect("doctree-read", _remove_solution_nodes)
        app.connect("build-finished", _clean_notebook_sources)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
