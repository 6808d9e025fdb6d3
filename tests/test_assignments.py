"""The autograded assignments are fair: what they state, what they check, what they grade.

For every assignment in ``assignments/<name>/`` (see ``scripts/assignments.py``) this module

1. checks the single-source (master) notebook statically: questions with public and hidden
   tests, a stated precision for every question, public asserts that test one condition each
   and say what is wrong, no rule that nothing enforces ("do not call ...");
2. builds it into a temporary folder and checks the student notebook and its public checks hold
   no solution and no hidden test, and that the student handout holds no teacher's file;
3. grades, with the grader's own scoring (``assignments.score_answers``), the solution (full
   marks), each plausible wrong answer of ``wrong_answers.yml`` (zero on its question, full
   marks on every other question: no cascades; the public checks catch it where it says
   ``public: true``) and each correct answer written another way of ``right_answers.yml`` (full
   marks everywhere; each question has one rounded to 4 significant figures and one reached
   numerically).

Step 3 runs trusted code (the book's own answer files), so it skips the sandbox: the variants
are forked from one run of the solution (``assignments.grade_variants``; each variant is the
notebook run from the top, while the unchanged cells before it run once). Grading real
submissions in the sandbox, and the cheats, are tested in ``tests/test_grading.py``.
"""
from __future__ import annotations

import ast
import functools
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import load_script
from test_chapters import CHAPTERS

ROOT = Path(__file__).resolve().parents[1]
assignments = load_script("assignments")

NAMES = assignments.available()


def _master(name: str) -> dict:
    return json.loads(assignments.master_path(name).read_text())


_source = assignments._source


def _questions(nb: dict) -> dict[str, dict]:
    """Question name -> its config plus ``prompt``: the markdown since the previous question."""
    found, prompt = {}, []
    for cell in nb["cells"]:
        text = _source(cell)
        if cell["cell_type"] == "markdown":
            prompt.append(text)
        elif cell["cell_type"] == "raw" and text.startswith("# BEGIN QUESTION"):
            config = yaml.safe_load(text.split("\n", 1)[1])
            found[config["name"]] = {**config, "prompt": "\n".join(prompt)}
        elif cell["cell_type"] == "raw" and text.startswith("# END QUESTION"):
            prompt = []
    return found


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
    assert re.search(r"relative\s+tolerance\s+of\s+(10⁻³|\$10\^\{-3\}\$)", title), \
        "the Rules state the default graded precision (a relative tolerance of 10⁻³)"
    # The master is a source, not a book page (excluded in _config.yml, so nbval does not run it).
    # Otter takes a test cell's saved output as the output that test expects, and saved outputs
    # could show solutions, so outputs must not be saved.
    with_outputs = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and c.get("outputs")]
    assert not with_outputs, f"clear the outputs of cells {with_outputs} (they may show solutions)"


@pytest.mark.parametrize("name", NAMES)
def test_every_question_has_public_and_hidden_tests_and_answer_files(name):
    spec = assignments.grading_spec(name)
    questions = _questions(_master(name))
    assert len(spec["questions"]) >= 3, "an assignment has at least three questions"
    for q in spec["questions"]:
        hidden = [t["hidden"] for t in q["tests"]]
        assert any(hidden), f"{q['name']}: needs a hidden test (the one that checks the value)"
        assert not all(hidden), f"{q['name']}: needs a public test students can run with grader.check"
        assert questions[q["name"]].get("all_or_nothing") is True, f"{q['name']}: questions are graded all or nothing"
        assert q["answers"], f"{q['name']}: its tests read no answer name"
    wrong = {w["question"] for w in assignments.answers_file(name, "wrong")}
    right = {r["question"] for r in assignments.answers_file(name, "right")}
    assert wrong <= set(questions), f"wrong_answers.yml names unknown questions {wrong - set(questions)}"
    assert right <= set(questions), f"right_answers.yml names unknown questions {right - set(questions)}"
    assert wrong == set(questions), f"questions without a plausible wrong answer: {sorted(set(questions) - wrong)}"
    assert right == set(questions), f"questions without another right answer: {sorted(set(questions) - right)}"


#: How a prompt states its graded precision: a tolerance (relative or absolute) or "exactly".
PRECISION = re.compile(r"[Gg]raded[^.]*?(tolerance|to (an absolute|a relative)|10⁻|10\^\{-|exactly)"
                       r"|(relative|absolute) tolerance", re.S)


@pytest.mark.parametrize("name", NAMES)
def test_every_question_states_the_precision_it_is_graded_to(name):
    unstated = [q for q, config in _questions(_master(name)).items() if not PRECISION.search(config["prompt"])]
    assert not unstated, f"say what precision is graded (e.g. '*Graded to a relative tolerance of 10⁻³*') in {unstated}"


@pytest.mark.parametrize("name", NAMES)
def test_no_rule_forbids_what_nothing_enforces(name):
    text = "\n".join(_source(c) for c in _master(name)["cells"] if c["cell_type"] == "markdown")
    found = re.findall(r"(?i)\b(?:do not|don't|never) (?:call|use|import)\b[^.\n]*", text)
    assert not found, f"the grader grades values, not method, so it cannot enforce: {found}"


def _public_asserts(name: str):
    for q in assignments.grading_spec(name)["questions"]:
        for k, test in enumerate(t for t in q["tests"] if not t["hidden"]):
            for node in ast.walk(ast.parse(test["code"])):
                if isinstance(node, ast.Assert):
                    yield q["name"], k + 1, node


@pytest.mark.parametrize("name", NAMES)
def test_public_asserts_check_one_condition_and_say_what_is_wrong(name):
    """A compound assert fails with a message that may point at the wrong condition."""
    bare = [(q, k, ast.unparse(a.test)) for q, k, a in _public_asserts(name) if a.msg is None]
    compound = [(q, k, ast.unparse(a.test)) for q, k, a in _public_asserts(name)
                if isinstance(a.test, ast.BoolOp) and isinstance(a.test.op, ast.And)]
    assert not bare, f"public asserts without a message saying what is wrong: {bare}"
    assert not compound, f"split these into one assert per condition: {compound}"


def test_answer_names_are_the_free_names_of_the_tests():
    code = ("from scaling_utils import laws as _laws\n_ref = _laws.x(3)\n"
            "assert abs(alpha / _ref - 1) < 1e-3, f'{alpha}'\nassert np.all(np.isfinite(arr))\n"
            "assert all(v > 0 for v in values)\n")
    assert assignments.answer_names(code) == {"alpha", "arr", "values"}


def test_scoring_isolates_questions_and_ignores_names_it_did_not_ask_for():
    spec = {"questions": [
        {"name": "q1", "points": 2.0, "answers": ["x"],
         "tests": [{"code": "x.append(99)\nassert len(x) == 3, 'x has three items'", "hidden": False}]},
        {"name": "q2", "points": 3.0, "answers": ["x"],
         "tests": [{"code": "assert x == [1, 2, 3], 'x'", "hidden": True}]},
        {"name": "q3", "points": 1.0, "answers": ["y"],
         "tests": [{"code": "assert abs(y - 1) < 1e-3, 'y'\nassert np.ndim(y) == 0, 'y is a number'", "hidden": True}]},
    ]}
    # A report naming np, abs or __builtins__ (a forged one) cannot replace what the tests use.
    scores = assignments.score_answers(spec, {"x": [1, 2, 3], "y": 1.0, "np": None, "abs": 0,
                                              "__builtins__": {}})
    assert {q: s.score for q, s in scores.items()} == {"q1": 0.0, "q2": 3.0, "q3": 1.0}
    assert scores["q1"].failed == "public 1" and scores["q1"].message == "x has three items"


def test_unsupported_answers_fail_their_question_with_a_message():
    report = json.dumps({"answers": {"y": {"__unsupported__": "DataFrame"}}})
    answers = json.loads(report, object_hook=assignments.decode_hook)["answers"]
    spec = {"questions": [{"name": "q", "points": 1.0, "answers": ["y"],
                           "tests": [{"code": "assert float(y) > 0, 'y'", "hidden": False}]}]}
    score = assignments.score_answers(spec, answers)["q"]
    assert score.score == 0 and "store a number" in score.message


# --------------------------------------------------------------------------- built, and graded
@functools.cache
def _built(name: str, root: Path) -> dict:
    return assignments.build(name, root / name, run_tests=False)


@pytest.fixture(scope="module")
def build_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("built")


@functools.cache
def _graded(name: str, root: Path) -> dict:
    """``{"solution": Graded, "wrong-<k>": Graded, "right-<k>": Graded}`` of assignment ``name``."""
    paths = _built(name, root)
    spec = json.loads(paths["grading"].read_text())
    entries = {f"{kind}-{k}": entry for kind in ("wrong", "right")
               for k, entry in enumerate(assignments.answers_file(name, kind))}
    return assignments.grade_variants(paths["solution"], name, entries, spec=spec,
                                      public_tests=paths["student"].parent / "tests")


@pytest.mark.parametrize("name", NAMES)
def test_student_notebook_and_public_checks_hold_no_solutions_or_hidden_tests(name, build_root):
    paths = _built(name, build_root)
    student_nb = paths["student"].read_text()
    public = "\n".join(p.read_text() for p in sorted((paths["student"].parent / "tests").glob("*.py")))
    code = "\n".join(_source(c) for c in json.loads(student_nb)["cells"] if c["cell_type"] == "code")
    master = _master(name)
    for cell in master["cells"]:
        for line in _source(cell).splitlines():
            if "# SOLUTION" in line:
                answer = line.split("# SOLUTION")[0].split("=", 1)[-1].strip()
                assert not answer or answer not in code, f"solution {answer!r} is in the student notebook"
    for question in assignments.grading_spec(name)["questions"]:
        for test in (t for t in question["tests"] if t["hidden"]):
            body = [line for line in test["code"].split("# END TEST CONFIG", 1)[1].splitlines()
                    if line.strip() and not line.lstrip().startswith("#")]
            for line in body:
                if "_ref" in line or "expected" in line:
                    assert line.strip() not in public, f"hidden test line {line!r} is in the public checks"
                    assert json.dumps(line.strip())[1:-1] not in student_nb, f"hidden test line {line!r} is in the notebook"
    assert 'otter.Notebook(tests_dir="tests")' in code, "the checks must be found whatever the file is named"


@pytest.mark.parametrize("name", NAMES)
def test_grading_file_holds_every_question_and_test(name, build_root):
    grading = json.loads(_built(name, build_root)["grading"].read_text())
    assert grading == assignments.grading_spec(name)
    assert [q["name"] for q in grading["questions"]] == list(_questions(_master(name)))


def test_student_handout_holds_what_students_need_and_nothing_of_the_teachers(build_root, tmp_path):
    built = {name: _built(name, build_root) for name in NAMES}
    handout = assignments.build_handout(NAMES, tmp_path / "handout", built=built)
    files = {p.relative_to(handout).as_posix() for p in handout.rglob("*") if p.is_file()}
    for name in NAMES:
        assert f"assignments/{name}/{name}.ipynb" in files
        assert any(f.startswith(f"assignments/{name}/tests/") for f in files), f"{name}: public checks missing"
    assert {"README.md", "requirements.txt", "pyproject.toml", "scaling_utils/__init__.py"} <= files
    assert any(f.startswith("data/") and f.endswith(".csv") for f in files), "the book's data are missing"
    teacher = [f for f in files if re.search(r"solution|grading\.json|_answers\.yml|chapters/|\.ipynb_checkpoints", f)]
    assert not teacher, f"teacher's files in the handout: {teacher}"
    masters = {assignments.master_path(n).read_text() for n in NAMES}
    assert not any((handout / f).read_bytes().decode("utf-8", "replace") in masters for f in files)
    readme = (handout / "README.md").read_text()
    assert "no solutions" in readme and "pip install" in readme and "tolerance" in readme
    with zipfile.ZipFile(handout.with_suffix(".zip")) as z:
        zipped = {Path(n).relative_to("handout").as_posix() for n in z.namelist() if not n.endswith("/")}
    assert zipped == files, "the zip holds the same files as the handout folder"


@pytest.mark.parametrize("name", NAMES)
def test_solution_scores_full_marks(name, build_root):
    solution = _graded(name, build_root)["solution"]
    assert solution.scores, "the grader found no questions"
    assert not solution.run.errors, f"solution cells raised: {solution.run.errors}"
    short = {q: (s.score, s.possible, s.failed, s.message) for q, s in solution.scores.items() if s.score != s.possible}
    assert not short, f"the solution loses marks: {short}"


@pytest.mark.parametrize("name", NAMES)
def test_every_assignment_grades_a_judgement(name, build_root):
    """At least one question is a decision (a letter, a word or a yes/no), not arithmetic."""
    answers = _graded(name, build_root)["solution"].run.answers
    spec = assignments.grading_spec(name)
    judgements = [q["name"] for q in spec["questions"]
                  if any(isinstance(answers.get(a), (str, bool)) for a in q["answers"])]
    assert judgements, "add a graded question on the chapter's key judgement (multiple choice or a decision)"


WRONG = [(name, k, w) for name in NAMES for k, w in enumerate(assignments.answers_file(name, "wrong"))]


@pytest.mark.parametrize(("name", "index", "wrong"), WRONG, ids=[f"{n}-{w['question']}-{k}" for n, k, w in WRONG])
def test_wrong_answer_loses_its_questions_marks_and_no_other(name, index, wrong, build_root):
    graded = _graded(name, build_root)[f"wrong-{index}"]
    own = graded.scores[wrong["question"]]
    assert own.score == 0, f"{wrong['mistake']}: still scores {own.score:g}/{own.possible:g}"
    if wrong.get("public"):
        assert own.failed.startswith("public"), (f"{wrong['mistake']}: the public checks should catch it "
                                                 f"(it failed {own.failed or 'nothing'})")
    others = {q: (s.score, s.possible, s.message) for q, s in graded.scores.items()
              if q != wrong["question"] and s.score != s.possible}
    assert not others, f"cascade: {wrong['mistake']} also costs {others}"


RIGHT = [(name, k, r) for name in NAMES for k, r in enumerate(assignments.answers_file(name, "right"))]


@pytest.mark.parametrize(("name", "index", "right"), RIGHT, ids=[f"{n}-{r['question']}-{k}" for n, k, r in RIGHT])
def test_other_correct_answers_keep_full_marks(name, index, right, build_root):
    graded = _graded(name, build_root)[f"right-{index}"]
    short = {q: (s.score, s.possible, s.failed, s.message) for q, s in graded.scores.items() if s.score != s.possible}
    assert not short, f"{right['variant']}: loses marks on {short}"


@pytest.mark.parametrize("name", NAMES)
def test_each_question_keeps_marks_rounded_to_4_figures_and_reached_numerically(name, build_root):
    """Every question has a right answer reached numerically; every question with a numeric answer
    also one rounded to 4 significant figures (the stated default precision is 1e-3)."""
    answers = _graded(name, build_root)["solution"].run.answers
    kinds: dict[str, set] = {}
    for entry in assignments.answers_file(name, "right"):
        assert entry.get("kind") in {"rounded", "numeric", "other"}, f"{entry['variant']}: kind must be rounded|numeric|other"
        kinds.setdefault(entry["question"], set()).add(entry["kind"])
    for q in assignments.grading_spec(name)["questions"]:
        assert "numeric" in kinds.get(q["name"], set()), f"{q['name']}: add a right answer of kind numeric"
        numeric = any(isinstance(answers.get(a), (float, np.ndarray)) for a in q["answers"])
        if numeric:
            assert "rounded" in kinds[q["name"]], f"{q['name']}: add a right answer rounded to 4 significant figures"
