"""Build and grade the book's autograded assignments (otter-grader, local, no Docker).

Each assignment is one folder ``assignments/<name>/`` holding

* ``<name>.ipynb`` — the single source, in otter-grader's assign format: questions, solutions
  (``# SOLUTION`` lines and ``# BEGIN/END SOLUTION`` blocks) and tests (public ones students can
  run with ``grader.check``, hidden ones only the autograder runs);
* ``wrong_answers.yml`` — plausible wrong answers, one or more per question, that
  ``tests/test_assignments.py`` substitutes into the solution to prove the grader takes that
  question's marks away;
* ``right_answers.yml`` — correct answers written another way (other variable names, another
  valid method), which must keep full marks.

Commands (``make assignments`` and ``make grade`` call these)::

    python scripts/assignments.py build [NAME ...]            # -> _build/assignments/<name>/
    python scripts/assignments.py grade NAME SUBMISSIONS_DIR  # -> SUBMISSIONS_DIR/grades.csv

``build`` writes ``student/<name>.ipynb`` (no solutions, no hidden tests) and
``autograder/<name>-autograder_<timestamp>.zip`` (the grading file) for each assignment.
``grade`` runs every ``*.ipynb`` in a folder through the autograder zip, in this Python
environment (no Docker, no network), and writes one row per submission with a score per question.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS_DIR = ROOT / "assignments"
BUILD_DIR = ROOT / "_build" / "assignments"


def available() -> list[str]:
    """Names of the assignments: folders of ``assignments/`` holding ``<name>.ipynb``."""
    return sorted(p.parent.name for p in ASSIGNMENTS_DIR.glob("*/*.ipynb")
                  if p.stem == p.parent.name)


def master_path(name: str) -> Path:
    """Path of the single-source (master) notebook of assignment ``name``."""
    if name not in available():
        raise ValueError(
            f"Unknown assignment {name!r}. Choose one of {available()}, "
            "or create assignments/<name>/<name>.ipynb."
        )
    return ASSIGNMENTS_DIR / name / f"{name}.ipynb"


def build(name: str, out_dir: Path | None = None, *, run_tests: bool = True) -> dict[str, Path]:
    """Run ``otter assign`` on assignment ``name``.

    Parameters
    ----------
    name : str
        Assignment name (a folder of ``assignments/``).
    out_dir : path, optional
        Output folder; default ``_build/assignments/<name>``. It is emptied first.
    run_tests : bool, keyword-only
        Let otter check the solution against every test while building (default True;
        the test suite switches it off because it grades the solution itself).

    Returns
    -------
    dict
        ``student`` (the student notebook), ``solution`` (the solution notebook) and
        ``autograder`` (the grading zip) paths.
    """
    from otter.assign import main as otter_assign

    master = master_path(name)
    out_dir = Path(out_dir) if out_dir is not None else BUILD_DIR / name
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    # otter prints progress and the solution tests' output; keep it for the error message.
    log = io.StringIO()
    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            otter_assign(str(master), str(out_dir), no_pdfs=True, no_run_tests=not run_tests)
    except Exception as err:
        raise RuntimeError(f"otter assign failed for {name!r}:\n{log.getvalue()}") from err
    zips = sorted((out_dir / "autograder").glob(f"{name}-autograder_*.zip"))
    if len(zips) != 1:
        raise RuntimeError(f"expected one autograder zip in {out_dir / 'autograder'}, found {zips}")
    return {
        "student": out_dir / "student" / f"{name}.ipynb",
        "solution": out_dir / "autograder" / f"{name}.ipynb",
        "autograder": zips[0],
    }


def grade(submission: Path, autograder_zip: Path) -> dict[str, tuple[float, float]]:
    """Grade one submitted notebook locally.

    Returns
    -------
    dict
        ``{question: (score, possible)}`` for every question of the assignment.
    """
    import otter.api

    results = otter.api.grade_submission(str(submission), str(autograder_zip), quiet=True)
    return {q: (float(r.score), float(r.possible)) for q, r in sorted(results.results.items())}


def grade_folder(name: str, submissions: Path, autograder_zip: Path | None = None) -> Path:
    """Grade every ``*.ipynb`` in ``submissions``; write and return ``grades.csv`` there."""
    submissions = Path(submissions)
    notebooks = sorted(submissions.glob("*.ipynb"))
    if not notebooks:
        raise ValueError(f"No .ipynb submissions in {submissions}; put the students' notebooks there.")
    if autograder_zip is None:
        zips = sorted((BUILD_DIR / name / "autograder").glob(f"{name}-autograder_*.zip"))
        if not zips:
            raise ValueError(f"No autograder zip for {name!r}: run `make assignments` first.")
        autograder_zip = zips[-1]
    rows = []
    for nb in notebooks:
        scores = grade(nb, autograder_zip)
        row = {"submission": nb.name}
        row.update({q: s for q, (s, _) in scores.items()})
        row["total"] = sum(s for s, _ in scores.values())
        row["possible"] = sum(p for _, p in scores.values())
        rows.append(row)
        print(f"{nb.name}: {row['total']:g} / {row['possible']:g}")
    out = submissions / "grades.csv"
    fields = list(dict.fromkeys(k for row in rows for k in row))
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return out


def substitute_answers(solution: Path, replacements: list[tuple[str, str]], out: Path) -> Path:
    """Copy the solution notebook with each ``(replace, with_)`` pair swapped in, one after another.

    Each ``replace`` must occur exactly once in the code cells at the moment it is applied, that
    is after the earlier pairs; otherwise ``ValueError`` is raised and nothing is written. Used by
    the tests to make a submission with one or more wrong (or differently written correct) answers.
    """
    nb = json.loads(Path(solution).read_text())
    for replace, with_ in replacements:
        hits = [c for c in nb["cells"] if c["cell_type"] == "code" and replace in "".join(c["source"])]
        if len(hits) != 1:
            raise ValueError(f"{replace!r} occurs in {len(hits)} code cells of {solution}; it must occur in exactly one.")
        cell = hits[0]
        source = "".join(cell["source"])
        if source.count(replace) != 1:
            raise ValueError(f"{replace!r} occurs more than once in its cell; make it unique.")
        cell["source"] = source.replace(replace, with_)
    out = Path(out)
    out.write_text(json.dumps(nb, indent=1))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build student notebooks and autograder zips")
    b.add_argument("names", nargs="*", help="assignments to build (default: all)")
    g = sub.add_parser("grade", help="grade a folder of submitted notebooks")
    g.add_argument("name")
    g.add_argument("submissions", type=Path)
    g.add_argument("--autograder", type=Path, default=None, help="autograder zip (default: the built one)")
    args = parser.parse_args(argv)
    if args.command == "build":
        for name in args.names or available():
            paths = build(name)
            print(f"{name}: student notebook {paths['student'].relative_to(ROOT)}; "
                  f"grading file {paths['autograder'].relative_to(ROOT)}")
    else:
        out = grade_folder(args.name, args.submissions, args.autograder)
        print(f"grades written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
