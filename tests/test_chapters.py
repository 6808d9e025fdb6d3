"""Every chapter follows the book's shape (../shared/STYLE.md), checked on the committed notebooks.

nbval proves a chapter's outputs are reproducible; these tests prove the committed notebook is a
chapter a reader can follow: the sections come in the usual order, there are enough exercises and
each has a solution hidden in a dropdown, every figure has a name, a caption and alt text, every
cell was executed without errors, and no cell silences warnings globally.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import load_script as _load_script

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ["## Overview", "## What the data say", "## Caveats", "## Exercises"]
MIN_EXERCISES = 4


def _toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part.get("chapters", [])]
    return files


#: Parts of the table of contents whose pages are not chapters (no Overview/Exercises shape).
NON_CHAPTER_PARTS = {"For teachers", "Appendices"}


def _chapter_notebooks() -> list[Path]:
    """Notebooks of the chapter parts of the table of contents (not the introduction, not appendices)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [entry["file"] for part in toc.get("parts", []) if part["caption"] not in NON_CHAPTER_PARTS
             for entry in part.get("chapters", [])]
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").exists()]


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _markdown(path: Path) -> str:
    return "\n".join("".join(c["source"]) for c in _cells(path) if c["cell_type"] == "markdown")


CHAPTERS = _chapter_notebooks()
IDS = [p.stem for p in CHAPTERS]
#: Every notebook page of the book (introduction, chapters and appendices): the checks that are
#: not about a chapter's shape apply to all of them.
NOTEBOOKS = [ROOT / f"{f}.ipynb" for f in _toc_files() if (ROOT / f"{f}.ipynb").exists()]
NOTEBOOK_IDS = [p.stem for p in NOTEBOOKS]


def test_every_notebook_is_in_the_table_of_contents():
    listed = {ROOT / f"{f}.ipynb" for f in _toc_files()}
    on_disk = set((ROOT / "chapters").glob("*.ipynb"))
    assert on_disk <= listed, f"not in _toc.yml: {sorted(p.name for p in on_disk - listed)}"
    missing = [f for f in _toc_files() if not any((ROOT / f"{f}{ext}").exists() for ext in (".ipynb", ".md"))]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_there_are_chapters():
    assert CHAPTERS, "no chapter notebooks found through _toc.yml"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_sections_in_the_books_order(path):
    text = _markdown(path)
    assert re.match(r"\s*# \S", text), f"{path.name}: the first cell should start with the '# Title'"
    positions = []
    for heading in SECTIONS:
        match = re.search(rf"^{re.escape(heading)}\s*$", text, flags=re.M)
        assert match, f"{path.name}: missing section {heading!r}"
        positions.append(match.start())
    assert positions == sorted(positions), f"{path.name}: sections should come in the order {SECTIONS}"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_exercises_have_dropdown_solutions(path):
    text = _markdown(path)
    labels = re.findall(r"```\{exercise\}[^\n]*\n:label: ([\w-]+)", text)
    assert len(labels) >= MIN_EXERCISES, f"{path.name}: {len(labels)} labelled exercises, want >= {MIN_EXERCISES}"
    assert len(labels) == len(set(labels)), f"{path.name}: duplicate exercise labels"
    for label in labels:
        start = re.search(rf"```\{{solution-start\}} {re.escape(label)}\s*\n((?::[\w-]+:[^\n]*\n)*)", text)
        assert start, f"{path.name}: exercise {label!r} has no solution-start"
        assert re.search(r":class: dropdown", start.group(1)), f"{path.name}: solution of {label!r} is not a dropdown"
    assert text.count("{solution-start}") == text.count("{solution-end}"), f"{path.name}: unbalanced solutions"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_cells_executed_without_errors(path):
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] != "code" or not "".join(cell["source"]).strip():
            continue
        assert cell.get("execution_count") is not None, f"{path.name}: code cell {i} was not executed"
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{path.name}: cell {i} raised {out.get('ename')}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_figures_have_name_caption_and_alt_text(path):
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] != "code":
            continue
        images = [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
        if not images:
            continue
        mystnb = cell.get("metadata", {}).get("mystnb", {})
        figure = mystnb.get("figure", {})
        assert figure.get("name") and figure.get("caption"), f"{path.name}: figure in cell {i} lacks name/caption"
        alt = mystnb.get("image", {}).get("alt", "")
        assert len(alt) >= 20, f"{path.name}: figure in cell {i} lacks a descriptive alt text"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_no_global_warning_filters(path):
    for i, cell in enumerate(_cells(path)):
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            assert not re.search(r"(filterwarnings|simplefilter)\(", source), (
                f"{path.name}: cell {i} changes warning filters; scope np.errstate instead"
            )
            assert not re.search(r"np\.seterr\(", source), f"{path.name}: cell {i} sets np.seterr globally"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_randomness_is_seeded(path):
    code = "\n".join("".join(c["source"]) for c in _cells(path) if c["cell_type"] == "code")
    assert "np.random.seed(" not in code, f"{path.name}: use rng = np.random.default_rng(seed)"
    assert not re.search(r"default_rng\(\s*\)", code), f"{path.name}: default_rng() without a seed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_glued_values_render_as_plain_numbers(path):
    """A glued numpy scalar shows up in the prose as ``np.float64(2.9)``: glue Python numbers."""
    key = "application/papermill.record/text/plain"
    for i, cell in enumerate(_cells(path)):
        for out in cell.get("outputs", []):
            text = "".join(out.get("data", {}).get(key, ""))
            assert not re.search(r"np\.(float|int|bool)\w*\(|np\.(True|False)_", text), (
                f"{path.name}: cell {i} glues {text!r}; wrap the value in float()/int()/bool()"
            )
            assert not re.fullmatch(r"(['\"]).*\1", text.strip()), (
                f"{path.name}: cell {i} glues the string {text!r}, which renders with its quotes; "
                "glue IPython.display.Markdown(text) and use {glue:md}"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_execution_time_is_recorded_and_within_budget(path):
    """Each page's committed outputs were made in under a minute (the Execution times page)."""
    module = _load_script("notebook_timings")
    timings, budget = module.notebook_timings(path), module.BUDGET_SECONDS
    assert timings["seconds"] < budget, (
        f"{path.name} took {timings['seconds']:.0f} s to execute (budget {budget:.0f} s); "
        "move heavy work into a script that writes a committed dataset"
    )


#: A sort that orders rows: an unstable one (pandas' and numpy's default quicksort) puts tied
#: keys in an order that depends on the CPU's SIMD dispatch, and a bootstrap drawn over those
#: rows then resamples other models on another machine.
_ROW_SORT = re.compile(r"\.(sort_values|sort_index|argsort)\(|np\.argsort\(")


def _unstable_sorts(source: str) -> list[str]:
    """Lines of ``source`` that sort rows without ``kind="stable"`` (or mergesort)."""
    return [line.strip() for line in source.splitlines()
            if _ROW_SORT.search(line) and not re.search(r"kind=[\"'](stable|mergesort)[\"']", line)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_row_sorts_are_stable(path):
    bad = [line for c in _cells(path) if c["cell_type"] == "code"
           for line in _unstable_sorts("".join(c["source"]))]
    assert not bad, f"{path.name}: sort with kind=\"stable\" (ties must not depend on the CPU): {bad}"


def test_package_row_sorts_are_stable():
    bad = {p.name: _unstable_sorts(p.read_text()) for p in (ROOT / "scaling_utils").glob("*.py")}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, f"unstable row sorts in scaling_utils: {bad}"


def test_unstable_sort_detector():
    assert _unstable_sorts('df.sort_values("C")') == ['df.sort_values("C")']
    assert _unstable_sorts('np.argsort(x)') and _unstable_sorts('x.argsort(axis=1)')
    assert not _unstable_sorts('df.sort_values("C", kind="stable")')
    assert not _unstable_sorts("np.argsort(x, kind='mergesort')")
