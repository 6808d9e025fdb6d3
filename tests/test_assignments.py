"""The autograded assignments build, and their grader grades.

For every assignment in ``assignments/<name>/`` (see ``scripts/assignments.py``) this module

1. builds it with ``otter assign`` into a temporary folder;
2. checks the student notebook has no solutions and no hidden tests;
3. grades, with the autograder zip the build produced, the solution (full marks on every
   question), the untouched student notebook (zero on every question), each plausible wrong
   answer from ``wrong_answers.yml`` (zero on the question it gets wrong) and each correct answer
   written another way from ``right_answers.yml`` (full marks on every question).

Grading starts a Jupyter kernel per notebook (about 4 s), so each assignment is built and graded
once, on first use, two notebooks at a time.
"""
from __future__ import annotations

import json
import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import yaml
from conftest import load_script
from test_chapters import CHAPTERS

ROOT = Path(__file__).resolve().parents[1]
assignments = load_script("assignments")

NAMES = assignments.available()


def _master(name: str) -> dict:
    return json.loads(assignments.master_path(name).read_text())


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _questions(nb: dict) -> dict[str, dict]:
    """Question name -> its config (from the ``# BEGIN QUESTION`` raw cells)."""
    found = {}
    for cell in nb["cells"]:
        text = _source(cell)
        if cell["cell_type"] == "raw" and text.startswith("# BEGIN QUESTION"):
            config = yaml.safe_load(text.split("\n", 1)[1])
            found[config["name"]] = config
    return found


def _answers(name: str, kind: str) -> list[dict]:
    """Entries of ``assignments/<name>/<kind>_answers.yml`` (kind: "wrong" or "right")."""
    path = assignments.ASSIGNMENTS_DIR / name / f"{kind}_answers.yml"
    return (yaml.safe_load(path.read_text()) or []) if path.exists() else []


def _wrong_answers(name: str) -> list[dict]:
    return _answers(name, "wrong")


# --------------------------------------------------------------------------- the sources
def test_every_chapter_has_an_assignment():
    missing = sorted({path.stem for path in CHAPTERS} - set(NAMES))
    assert not missing, f"chapters without an assignment in assignments/: {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_master_notebook_is_a_clean_source(name):
    nb = _master(name)
    config = yaml.safe_load(_source(nb["cells"][0]).split("\n", 1)[1])
    assert _source(nb["cells"][0]).startswith("# ASSIGNMENT CONFIG")
    assert config["name"] == name, "the assignment config's name must be the folder's name"
    assert config.get("generate", {}).get("pdf") is False, "PDF export needs LaTeX: set generate: {pdf: false}"
    title = next(_source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert re.match(r"# Assignment: ", title), "the first markdown cell starts with '# Assignment: <topic>'"
    assert re.search(r"About\s+\d+\s+minutes", title), "say how long the assignment takes ('About N minutes')"
    # Outputs in the source would leak into the student notebook.
    with_outputs = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and c.get("outputs")]
    assert not with_outputs, f"clear the outputs of cells {with_outputs} (they may show solutions)"


@pytest.mark.parametrize("name", NAMES)
def test_every_question_has_public_and_hidden_tests_and_a_wrong_answer(name):
    nb = _master(name)
    questions = _questions(nb)
    assert len(questions) >= 3, "an assignment has at least three questions"
    # Walk the cells: which tests belong to which question, and are they hidden?
    tests, current, in_tests = {q: [] for q in questions}, None, False
    for cell in nb["cells"]:
        text = _source(cell)
        if cell["cell_type"] == "raw" and text.startswith("# BEGIN QUESTION"):
            current = yaml.safe_load(text.split("\n", 1)[1])["name"]
        elif cell["cell_type"] == "raw" and text.strip() in {"# BEGIN TESTS", "# END TESTS"}:
            in_tests = text.strip() == "# BEGIN TESTS"
        elif in_tests and cell["cell_type"] == "code":
            tests[current].append("hidden: true" in text)
    for q, hidden in tests.items():
        assert any(hidden), f"{q}: needs a hidden test (the one that checks the value)"
        assert not all(hidden), f"{q}: needs a public test students can run with grader.check"
        assert questions[q].get("all_or_nothing") is True, f"{q}: questions are graded all or nothing"
    wrong = {w["question"] for w in _wrong_answers(name)}
    assert not (wrong - set(questions)), f"wrong_answers.yml names unknown questions {wrong - set(questions)}"
    assert wrong == set(questions), f"questions without a plausible wrong answer: {sorted(set(questions) - wrong)}"
    assert _answers(name, "right"), "add right_answers.yml: at least one correct answer written another way"


# --------------------------------------------------------------------------- build and grade
def _grade_job(args):
    submission, autograder_zip = args
    return assignments.grade(Path(submission), Path(autograder_zip))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """``graded(name)``: build assignment ``name`` once, grade its solution, its untouched student
    notebook and its wrong answers (two at a time), and return ``(paths, scores)``."""
    cache = {}

    def grade_assignment(name):
        if name not in cache:
            out = tmp_path_factory.mktemp(name)
            paths = assignments.build(name, out / "dist", run_tests=False)
            jobs = {"solution": paths["solution"], "student": paths["student"]}
            for kind in ("wrong", "right"):
                for i, answer in enumerate(_answers(name, kind)):
                    jobs[f"{kind}{i}"] = assignments.substitute_answer(
                        paths["solution"], answer["replace"], answer["with"], out / f"{kind}{i}.ipynb"
                    )
            args = [(str(path), str(paths["autograder"])) for path in jobs.values()]
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
                cache[name] = (paths, dict(zip(jobs, pool.map(_grade_job, args))))
        return cache[name]

    return grade_assignment


@pytest.mark.parametrize("name", NAMES)
def test_student_notebook_has_no_solutions_or_hidden_tests(name, graded):
    paths, _ = graded(name)
    whole = paths["student"].read_text()  # cells and metadata (otter keeps public tests there)
    # Solutions could leak through code (markdown may legitimately quote a formula).
    student = "\n".join(_source(c) for c in json.loads(whole)["cells"] if c["cell_type"] == "code")
    master = _master(name)
    for cell in master["cells"]:
        for line in _source(cell).splitlines():
            if "# SOLUTION" in line:
                answer = line.split("# SOLUTION")[0].split("=", 1)[-1].strip()
                assert not answer or answer not in student, f"solution {answer!r} is in the student notebook"
    hidden = [_source(c) for c in master["cells"] if c["cell_type"] == "code" and "hidden: true" in _source(c)]
    for test in hidden:
        body = test.split("# END TEST CONFIG", 1)[1].strip().splitlines()[0]
        assert json.dumps(body)[1:-1] not in whole, f"hidden test line {body!r} is in the student notebook"


@pytest.mark.parametrize("name", NAMES)
def test_solution_scores_full_marks(name, graded):
    _, scores = graded(name)
    result = scores["solution"]
    assert result, "the grader found no questions"
    short = {q: s for q, s in result.items() if s[0] != s[1]}
    assert not short, f"the solution loses marks: {short}"
    assert set(result) == set(_questions(_master(name))), "every question is graded"


@pytest.mark.parametrize("name", NAMES)
def test_untouched_student_notebook_scores_zero(name, graded):
    _, scores = graded(name)
    earned = {q: s for q, s in scores["student"].items() if s[0] != 0}
    assert not earned, f"an untouched student notebook earns points: {earned}"


WRONG = [(name, i, w) for name in NAMES for i, w in enumerate(_wrong_answers(name))]


@pytest.mark.parametrize(("name", "index", "wrong"), WRONG,
                         ids=[f"{n}-{w['question']}-{i}" for n, i, w in WRONG])
def test_wrong_answer_loses_the_questions_marks(name, index, wrong, graded):
    _, scores = graded(name)
    score, possible = scores[f"wrong{index}"][wrong["question"]]
    assert possible > 0
    assert score == 0, f"{wrong['mistake']}: still scores {score}/{possible}"


RIGHT = [(name, i, r) for name in NAMES for i, r in enumerate(_answers(name, "right"))]


@pytest.mark.parametrize(("name", "index", "right"), RIGHT,
                         ids=[f"{n}-{r['question']}-{i}" for n, i, r in RIGHT])
def test_other_correct_answers_keep_full_marks(name, index, right, graded):
    """A correct answer written differently (other names, another valid method) loses nothing."""
    _, scores = graded(name)
    short = {q: s for q, s in scores[f"right{index}"].items() if s[0] != s[1]}
    assert not short, f"{right['variant']}: loses marks on {short}"
