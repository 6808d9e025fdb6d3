"""The student edition of the book: the same pages with every exercise solution removed.

Selected by the environment variable ``SCALING_BOOK_EDITION=student`` (``make book-student``);
without it the book is the teacher edition, whose solutions sit in dropdowns under each
exercise. The variable only sets the default of the Sphinx configuration value
``scaling_book_edition`` (which ``sphinx: config:`` in ``_config.yml`` could also set). Being
configuration, with ``rebuild="env"``, the edition is stored in Sphinx's saved environment, so
building one edition into an output folder that holds the other re-reads every page instead of
reusing the other edition's doctrees. The output folder is marked with the edition built in it
(``.scaling_book_edition``) and emptied before the other edition is built there, so no stale
file (search index, images) mixes the two. As a last line of defence, a student build fails
if any page it leaves in the output folder still holds a solution.

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
import shutil
from pathlib import Path

EDITION_ENV = "SCALING_BOOK_EDITION"
EDITION_CONFIG = "scaling_book_edition"
EDITIONS = ("teacher", "student")
#: File in the output folder naming the edition built there.
EDITION_MARKER = ".scaling_book_edition"
BANNER = "Student edition: the exercises are here, their solutions are not."

_FENCE = re.compile(r"^\s*(`{3,}|:{3,})\{(solution|solution-start|solution-end)\}")
#: How sphinx-exercise marks a solution in the HTML it writes.
_SOLUTION_HTML = re.compile(r'class="(?:[^"]*\s)?solution[\s"]')


def _edition(value, source: str) -> str:
    """``value`` as an edition name, or a ValueError naming ``source`` and what to pass."""
    edition = value.strip().lower() if isinstance(value, str) else value
    if edition not in EDITIONS:
        raise ValueError(f"{source}={value!r} is not an edition; use 'teacher' (default) or 'student'.")
    return edition


def edition_from_environment() -> str:
    """The edition asked for by ``SCALING_BOOK_EDITION``: ``'teacher'`` when it is unset."""
    return _edition(os.environ.get(EDITION_ENV, "teacher"), EDITION_ENV)


def is_student_edition(config) -> bool:
    """True when the Sphinx configuration ``config`` builds the student edition."""
    return config[EDITION_CONFIG] == "student"


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


def split_notebook(nb: dict) -> tuple[list[dict], list[dict]]:
    """Split the cells of notebook JSON ``nb`` into the main text and the solutions.

    Parameters
    ----------
    nb : dict
        A notebook as read with ``json.load``.

    Returns
    -------
    main : list of dict
        The cells of the student edition: markdown cells cut to their lines outside every
        solution (cells left empty by the cut are dropped), other cells outside every
        solution unchanged.
    solutions : list of dict
        The cells lying wholly inside a solution, which the student edition drops. The
        solution lines of a markdown cell that also holds main text are in neither list.
    """
    main, solutions, inside = [], [], False
    for cell in nb["cells"]:
        source = cell["source"]
        lines = source.splitlines(keepends=True) if isinstance(source, str) else list(source)
        has_directive = cell["cell_type"] == "markdown" and any(_FENCE.match(line) for line in lines)
        if not has_directive:
            if inside:
                solutions.append(cell)
            else:
                main.append({**cell, "source": lines} if cell["cell_type"] == "markdown" else cell)
            continue
        kept, inside = _strip(lines, inside)
        if "".join(kept).strip():
            main.append({**cell, "source": kept})
    return main, solutions


def strip_notebook(nb: dict) -> dict:
    """A copy of notebook JSON ``nb`` without exercise solutions."""
    return {**nb, "cells": split_notebook(nb)[0]}


def _remove_solution_nodes(app, doctree):
    if not is_student_edition(app.config):
        return
    from sphinx_exercise.nodes import solution_node

    for node in list(doctree.findall(solution_node)):
        node.parent.remove(node)


def _finish_student_edition(app, exception):
    """At ``build-finished``: cut the solutions out of the notebooks, then check every page."""
    if exception is not None or not is_student_edition(app.config):
        return
    _clean_notebook_sources(Path(app.outdir))
    _refuse_leftover_solutions(Path(app.outdir))


def _clean_notebook_sources(outdir: Path):
    for path in Path(outdir, "_sources").rglob("*.ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps(strip_notebook(nb), indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")


def _refuse_leftover_solutions(outdir: Path):
    """Fail the student build if a page in ``outdir`` still shows a solution (e.g. a stale page)."""
    leaks = sorted(path.relative_to(outdir).as_posix() for path in outdir.rglob("*.html")
                   if _SOLUTION_HTML.search(path.read_text(encoding="utf-8", errors="replace")))
    if leaks:
        raise RuntimeError(
            f"The student edition in {outdir} still shows solutions (sphinx-exercise's "
            f'class="solution") on {len(leaks)} page(s): '
            f"{', '.join(leaks[:5])}. Build it into an empty folder (e.g. `make book-student`, "
            "or delete the folder first)."
        )


def _empty_folder_of_other_edition(app):
    """At ``builder-inited``: empty the output folder if its marker names the other edition.

    The re-read (``rebuild="env"``) renews every page, but files Sphinx only adds to, such as
    the search index (whose vocabulary keeps the words of removed solutions) or ``_images``,
    would still mix the two editions.
    """
    outdir = Path(app.outdir)
    marker = outdir / EDITION_MARKER
    edition = app.config[EDITION_CONFIG]
    if marker.exists() and marker.read_text(encoding="utf-8").strip() != edition:
        from sphinx.util import logging

        logging.getLogger(__name__).info(
            f"{outdir} holds another edition: emptying it for the {edition} edition")
        doctrees = Path(app.doctreedir).resolve()  # sphinx-build keeps them in the output folder
        for child in outdir.iterdir():
            if child.resolve() == doctrees or child.resolve() in doctrees.parents:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    outdir.mkdir(parents=True, exist_ok=True)
    marker.write_text(edition + "\n", encoding="utf-8")


def _settle_edition(app, config):
    """Check the edition at ``config-inited`` and, for the student edition, add the banner."""
    edition = _edition(config[EDITION_CONFIG], EDITION_CONFIG)
    asked = os.environ.get(EDITION_ENV)
    if asked is not None and _edition(asked, EDITION_ENV) != edition:
        raise ValueError(
            f"{EDITION_ENV}={asked!r} but the Sphinx configuration sets {EDITION_CONFIG}="
            f"{config[EDITION_CONFIG]!r}; set the edition in one place only."
        )
    config[EDITION_CONFIG] = edition
    if edition == "student":
        options = dict(config.html_theme_options or {})
        options["announcement"] = BANNER
        config.html_theme_options = options


def setup(app):
    # rebuild="env": Sphinx keeps the value in its saved environment and re-reads every page
    # when it changes, so one edition's doctrees are never reused for the other.
    app.add_config_value(EDITION_CONFIG, edition_from_environment(), "env", types=[str])
    app.connect("config-inited", _settle_edition)
    app.connect("builder-inited", _empty_folder_of_other_edition)
    app.connect("doctree-read", _remove_solution_nodes)
    app.connect("build-finished", _finish_student_edition)
    # Environments saved by the version without env_version (edition not yet configuration)
    # are discarded rather than reused.
    return {"env_version": 1, "parallel_read_safe": True, "parallel_write_safe": True}
