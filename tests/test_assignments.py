"""The autograded assignments build, and their grader grades.

For every assignment in ``assignments/<name>/`` (see ``scripts/assignments.py``) this module

1. builds it with ``otter assign`` into a temporary folder;
2. checks the student notebook has no solutions and no hidden tests;
3. grades, with the autograder zip the build produced, the solution (full marks on every
   question), the untouched student notebook (zero on every question), each plausible wrong
   answer from ``wrong_answers.yml`` (zero on the question it gets wrong) and each correct answer
   written another way from ``right_answers.yml`` (full marks on every question).

Grading starts a Jupyter kernel per notebook (4 to 8 s, mostly start-up and imports), so answers
do not get a notebook each: several are substituted into one copy of the solution
(``assignments.substitute_answers``) when that cannot change a verdict. Which ones may share a
copy is decided statically, from the names the master notebook's code cells bind and read
(``ast`` and ``symtable``; a cell *reads a name from outside* when it loads it before binding it):

* An answer *touches* its own question, and each question with a cell that runs after the
  changed cell and reads from outside a name the answer may change. "After" means a later cell
  or any test cell: otter runs a question's tests when its ``grader.check`` cell runs, or else
  at the end, against the notebook's global names. The names an answer may change are those the
  changed cell binds or reads from outside, before or after the substitution (reading counts:
  a cell may change an object in place), and those its question binds; then, until nothing is
  added, those bound or read by a cell running after it that reads one of them. Names the
  notebook never assigns (modules, builtins) are taken not to change: calls into a module are
  assumed to leave it as it was. An answer touches every question if it changes the Setup, if its
  text is not found exactly once, or if its cell does what names do not show (``global``,
  ``exec``, ``globals()``, dunder attributes, ``sys``, ``os``, ``open``, the global random
  state, setting an attribute or item of a module).
* Wrong answers share a notebook when neither touches the other's question. A question's score
  then depends on its own wrong answer alone, so it is the score that answer gets on its own.
* Right answers share a notebook when they touch no question in common. Each question then
  depends on one answer at most, so full marks on the combined notebook mean full marks for each
  answer on its own. If the combined notebook loses marks, its answers are graded one by one, so
  that the failing test is the variant at fault.
* Names do not show an object changed in place through a name bound in another cell (``y = x``
  in one cell, ``y[0] = 1`` in the next). As a check on the analysis, in each combined
  wrong-answer notebook the questions that no answer in it touches must keep full marks. If one
  does not, the analysis missed a dependency: that notebook's answers are regraded one by one and
  their tests fail saying so.

Each answer, in file order, joins the first group it may share a notebook with in which every
``replace`` text is still found exactly once after the earlier substitutions, or starts a new
one. Each assignment is built once, and the notebooks of all the assignments under test are
graded two at a time, those of one assignment while the next is built.
"""
from __future__ import annotations

import ast
import functools
import json
import multiprocessing
import re
import symtable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

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
    # The master is a source, not a book page (excluded in _config.yml, so nbval does not run it; the
    # grading tests execute it instead). Otter takes a test cell's saved output as the output that
    # test expects, and keeps solution outputs in the solution notebook, so outputs must not be saved.
    with_outputs = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and c.get("outputs")]
    assert not with_outputs, (f"clear the outputs of cells {with_outputs}: otter would turn a test cell's "
                              "output into the output that test expects, and they may show solutions")


@pytest.mark.parametrize("name", NAMES)
def test_every_question_has_public_and_hidden_tests_and_a_wrong_answer(name):
    nb = _master(name)
    questions = _questions(nb)
    assert len(questions) >= 3, "an assignment has at least three questions"
    # Which tests belong to which question, and are they hidden?
    tests = {q: [] for q in questions}
    for question, is_test, text in _code_cells(nb):
        if is_test:
            tests[question].append("hidden: true" in text)
    for q, hidden in tests.items():
        assert any(hidden), f"{q}: needs a hidden test (the one that checks the value)"
        assert not all(hidden), f"{q}: needs a public test students can run with grader.check"
        assert questions[q].get("all_or_nothing") is True, f"{q}: questions are graded all or nothing"
    wrong = {w["question"] for w in _answers(name, "wrong")}
    assert not (wrong - set(questions)), f"wrong_answers.yml names unknown questions {wrong - set(questions)}"
    assert wrong == set(questions), f"questions without a plausible wrong answer: {sorted(set(questions) - wrong)}"
    assert _answers(name, "right"), "add right_answers.yml: at least one correct answer written another way"


# --------------------------------------------------------------------------- which answers share a notebook
#: Names through which code reaches state that names do not show (the namespace, the interpreter,
#: files, the global random state): an answer whose changed cell uses one touches every question,
#: and so does one using a dunder attribute (``__dict__``, ``__globals__``, ...).
OPAQUE = frozenset({"exec", "eval", "globals", "locals", "vars", "setattr", "delattr", "get_ipython",
                    "sys", "os", "builtins", "importlib", "inspect", "gc", "ctypes", "open",
                    "random", "seed"})


def _bound_by(statement: ast.stmt) -> set[str]:
    """The names a top-level statement surely binds once it has run: the targets of a plain
    assignment, an import, a ``def`` or ``class`` (not a loop's, a branch's or a ``with``'s)."""
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {alias.asname or alias.name.split(".")[0] for alias in statement.names}
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)) and statement.value is not None:
        targets = [statement.target]
    else:
        return set()
    return {n.id for target in targets for n in ast.walk(target)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


class _Names(NamedTuple):
    """What a cell does with the notebook's global names."""

    assigned: frozenset[str]  # binds (not by ``import``)
    imported: frozenset[str]  # binds by ``import``
    free: frozenset[str]  # loads before the cell surely bound them: values it reads from outside


def _scope_names(table: symtable.SymbolTable) -> tuple[set[str], set[str], set[str]]:
    """The global names a symbol table and the tables nested in it (functions, lambdas,
    comprehensions) bind by assignment, bind by ``import`` and load, as ``(assigned, imported, loaded)``;
    a function's own locals and parameters are left out."""
    assigned, imported, loaded = set(), set(), set()
    for symbol in table.get_symbols():
        if table.get_type() == "module" or symbol.is_global():
            if symbol.is_imported():
                imported.add(symbol.get_name())
            elif symbol.is_assigned():
                assigned.add(symbol.get_name())
            if symbol.is_referenced():
                loaded.add(symbol.get_name())
    for child in table.get_children():
        for ours, theirs in zip((assigned, imported, loaded), _scope_names(child)):
            ours |= theirs
    return assigned, imported, loaded


@functools.cache
def _names(code: str) -> _Names:
    """The global names ``code`` binds and those it reads from outside (see ``_Names``)."""
    assigned, imported, free, bound = set(), set(), set(), set()
    for statement in ast.parse(code).body:
        table = symtable.symtable(ast.unparse(statement), "<cell>", "exec")
        binds, imports, loads = _scope_names(table)
        assigned |= binds
        imported |= imports
        free |= loads - bound
        bound |= _bound_by(statement)
    return _Names(frozenset(assigned), frozenset(imported), frozenset(free))


def _words(node: ast.AST) -> set[str]:
    """The identifiers a node spells: a name, an attribute, an imported module or its alias."""
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Attribute):
        return {node.attr}
    if isinstance(node, ast.alias):
        return set(node.name.split(".")) | ({node.asname} if node.asname else set())
    if isinstance(node, ast.ImportFrom):
        return set((node.module or "").split("."))
    return set()


def _root(node: ast.expr) -> str | None:
    """The name an attribute or item chain starts from (``x`` for ``x.a[0].b``), if any."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _opaque(code: str, variables: set[str]) -> bool:
    """Whether ``code`` may have effects its names do not show: it uses a name of ``OPAQUE``, a
    dunder, ``global``, ``nonlocal``, ``match`` or ``import *``, sets or deletes an attribute or
    item of something other than one of the notebook's ``variables`` (a module's state, say), or
    is not Python (an IPython magic)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return True
    for node in ast.walk(tree):
        words = _words(node)
        if (isinstance(node, (ast.Global, ast.Nonlocal, ast.Match)) or words & OPAQUE
                or any(word == "*" or word.startswith("__") for word in words)):
            return True
        if (isinstance(node, (ast.Attribute, ast.Subscript)) and not isinstance(node.ctx, ast.Load)
                and _root(node) not in variables):
            return True
    return False


#: A master notebook's code cell: (its question, None in the Setup; whether it is a test; its source).
_Cell = tuple[str | None, bool, str]


def _code_cells(nb: dict) -> list[_Cell]:
    """The code cells of a master notebook, in order: the question is the name of the
    ``# BEGIN QUESTION`` block holding the cell (None outside one), a test is a cell between
    ``# BEGIN TESTS`` and ``# END TESTS``."""
    cells, question, in_tests = [], None, False
    for cell in nb["cells"]:
        text = _source(cell)
        if cell["cell_type"] == "raw" and text.startswith("# BEGIN QUESTION"):
            question = yaml.safe_load(text.split("\n", 1)[1])["name"]
        elif cell["cell_type"] == "raw" and text.strip() == "# END QUESTION":
            question = None
        elif cell["cell_type"] == "raw" and text.strip() in {"# BEGIN TESTS", "# END TESTS"}:
            in_tests = text.strip() == "# BEGIN TESTS"
        elif cell["cell_type"] == "code":
            cells.append((question, in_tests, text))
    return cells


def _downstream(cells: list[_Cell], k: int) -> list[_Cell]:
    """The cells that run after code cell ``k``: the later cells, and every test cell (otter runs a
    question's tests when its ``grader.check`` cell runs, or else at the end)."""
    return [cell for j, cell in enumerate(cells) if cell[1] or j > k]


def _changed_names(cells: list[_Cell], k: int, new: str, variables: set[str]) -> set[str]:
    """Names whose value may differ once code cell ``k`` of ``cells`` reads ``new`` instead.

    A cell *writes* the names it assigns and the ``variables`` it reads from outside (it may change
    their objects in place). The changed names are those cell ``k`` writes or imports, before or
    after the change, and those its question binds; then, until nothing is added, those written
    by a cell running after it (``_downstream``) that reads a changed name from outside.
    """
    def writes(code: str) -> set[str]:
        return _names(code).assigned | (_names(code).free & variables)

    question = cells[k][0]
    changed = writes(cells[k][2]) | writes(new) | _names(cells[k][2]).imported | _names(new).imported
    for q, is_test, code in cells:
        if q == question and not is_test:
            changed |= _names(code).assigned | _names(code).imported
    size = 0
    while size < len(changed):
        size = len(changed)
        for _, _, code in _downstream(cells, k):
            if _names(code).free & changed:
                changed |= writes(code)
    return changed


def _touched(name: str, answer: dict) -> frozenset[str]:
    """The questions of assignment ``name`` whose score substituting ``answer`` may change: its
    own (the one it names and the one holding the changed cell), and those with a cell running
    after the changed one that reads a changed name from outside. All of them when unsure."""
    cells = _code_cells(_master(name))
    everything = frozenset(q for q, _, _ in cells if q)
    where = [k for k, (_, is_test, code) in enumerate(cells) if not is_test and answer["replace"] in code]
    if len(where) != 1:
        return everything
    question, _, old = cells[where[0]]
    if question is None or old.count(answer["replace"]) != 1:  # a changed Setup changes everything
        return everything
    new = old.replace(answer["replace"], answer["with"])
    variables = set().union(*(_names(code).assigned for code in [new] + [code for _, _, code in cells]))
    if _opaque(old, variables) or _opaque(new, variables):
        return everything
    changed = _changed_names(cells, where[0], new, variables)
    later = _downstream(cells, where[0])
    return frozenset({question, answer["question"]} | {q for q, _, code in later if q and _names(code).free & changed})


def _may_share(kind: str, a: tuple[str, frozenset[str]], b: tuple[str, frozenset[str]]) -> bool:
    """Whether two answers ``(question, touched questions)`` of ``kind`` may share a notebook:
    wrong answers if neither touches the other's question, right ones if they touch none in common."""
    if kind == "wrong":
        return a[0] not in b[1] and b[0] not in a[1]
    return a[1].isdisjoint(b[1])


def _write(solution: Path, answers: list[dict], out: Path) -> Path:
    """Write to ``out`` the solution notebook with ``answers`` substituted in turn."""
    return assignments.substitute_answers(solution, [(a["replace"], a["with"]) for a in answers], out)


def _fits(solution: Path, answers: list[dict], scratch: Path) -> bool:
    """Whether ``answers`` can be substituted in turn, each ``replace`` still found exactly once."""
    try:
        _write(solution, answers, scratch)
    except ValueError:
        return False
    return True


@dataclass
class _Group:
    """Answers of one kind ("wrong" or "right") substituted together into one notebook."""

    kind: str
    indices: list[int]  # places in <kind>_answers.yml
    notebook: Path
    keep_full: frozenset[str]  # the questions that must keep full marks for the combination to hold

    def lost(self, scores: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        """The questions of ``keep_full`` that lost marks in ``scores``."""
        return {q: s for q, s in scores.items() if q in self.keep_full and s[0] != s[1]}


def _groups(name: str, kind: str, solution: Path, out: Path) -> list[_Group]:
    """Put the ``kind`` answers of ``name`` greedily, in file order, into the first group they
    may share a notebook with (``_may_share``, every substitution still found once), and write
    each group's notebook ``<kind>-<indices>.ipynb`` into ``out``."""
    answers = _answers(name, kind)
    touched = [(a["question"], _touched(name, a)) for a in answers]
    members: list[list[int]] = []
    for i in range(len(answers)):
        for group in members:
            if (all(_may_share(kind, touched[i], touched[j]) for j in group)
                    and _fits(solution, [answers[j] for j in group + [i]], out / "trial.ipynb")):
                group.append(i)
                break
        else:
            members.append([i])
    everything = frozenset(_questions(_master(name)))
    groups = []
    for indices in members:
        notebook = out / f"{kind}-{'-'.join(map(str, indices))}.ipynb"
        _write(solution, [answers[i] for i in indices], notebook)
        untouched = everything.difference(*(touched[i][1] for i in indices))
        groups.append(_Group(kind, indices, notebook, everything if kind == "right" else untouched))
    return groups


# --------------------------------------------------------------------------- build and grade
def _grade_job(args):
    """Grade one notebook (in a worker process): ``args`` is (submission, autograder zip)."""
    submission, autograder_zip = args
    return assignments.grade(Path(submission), Path(autograder_zip))


@dataclass
class Graded:
    """One assignment's build and grades, as the tests read them."""

    paths: dict[str, Path]  # "student", "solution" and "autograder" (see assignments.build)
    scores: dict[str, dict[str, tuple[float, float]]]  # notebook stem -> {question: (score, possible)}
    # (kind, index) of an answer -> stem of the notebook whose scores judge it
    judged_by: dict[tuple[str, int], str] = field(default_factory=dict)
    # (kind, index) of an answer regraded on its own -> (its combined notebook, the marks it lost)
    regraded: dict[tuple[str, int], tuple[str, dict]] = field(default_factory=dict)

    def of(self, kind: str, index: int) -> dict[str, tuple[float, float]]:
        """The scores of the notebook that judges answer ``index`` of ``kind``."""
        return self.scores[self.judged_by[kind, index]]


def _submit(pool, notebooks: dict[str, Path], autograder: Path) -> dict[str, Future]:
    """Queue ``notebooks`` ({key: path}) for grading with ``autograder``; return {key: future}."""
    return {key: pool.submit(_grade_job, (str(path), str(autograder))) for key, path in notebooks.items()}


def _start(name: str, out: Path, pool) -> tuple[dict[str, Path], list[_Group], dict[str, Future]]:
    """Build assignment ``name`` into ``out``, write its notebooks and queue them for grading."""
    paths = assignments.build(name, out / "dist", run_tests=False)
    groups = [g for kind in ("wrong", "right") for g in _groups(name, kind, paths["solution"], out)]
    notebooks = {"solution": paths["solution"], "student": paths["student"]}
    notebooks.update({g.notebook.stem: g.notebook for g in groups})
    return paths, groups, _submit(pool, notebooks, paths["autograder"])


def _finish(name: str, started: tuple, pool) -> Graded:
    """Collect the grades of ``name``; regrade on their own the answers of each combined notebook
    that lost marks it must keep (see ``_Group.keep_full``)."""
    paths, groups, futures = started
    graded = Graded(paths, {stem: future.result() for stem, future in futures.items()})
    alone = {}
    for group in groups:
        lost = group.lost(graded.scores[group.notebook.stem])
        for i in group.indices:
            graded.judged_by[group.kind, i] = group.notebook.stem
            if lost and len(group.indices) > 1:
                key = f"{group.kind}-{i}"
                alone[key] = _write(paths["solution"], [_answers(name, group.kind)[i]],
                                    group.notebook.with_name(f"{key}.ipynb"))
                graded.judged_by[group.kind, i] = key
                graded.regraded[group.kind, i] = (group.notebook.stem, lost)
    graded.scores.update({key: f.result() for key, f in _submit(pool, alone, paths["autograder"]).items()})
    return graded


@pytest.fixture(scope="module")
def graded(request, tmp_path_factory):
    """``graded[name]``: a ``Graded`` for each assignment the selected tests ask about."""
    # nbval's notebook cells are session items too, without .module or .fixturenames.
    names = sorted({item.callspec.params["name"] for item in request.session.items
                    if getattr(item, "module", None) is request.module
                    and "graded" in getattr(item, "fixturenames", ())})
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        started = {name: _start(name, tmp_path_factory.mktemp(name), pool) for name in names}
        return {name: _finish(name, started[name], pool) for name in names}


@pytest.mark.parametrize("name", NAMES)
def test_student_notebook_has_no_solutions_or_hidden_tests(name, graded):
    paths = graded[name].paths
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
    result = graded[name].scores["solution"]
    assert result, "the grader found no questions"
    short = {q: s for q, s in result.items() if s[0] != s[1]}
    assert not short, f"the solution loses marks: {short}"
    assert set(result) == set(_questions(_master(name))), "every question is graded"


@pytest.mark.parametrize("name", NAMES)
def test_untouched_student_notebook_scores_zero(name, graded):
    earned = {q: s for q, s in graded[name].scores["student"].items() if s[0] != 0}
    assert not earned, f"an untouched student notebook earns points: {earned}"


WRONG = [(name, i, w) for name in NAMES for i, w in enumerate(_answers(name, "wrong"))]


@pytest.mark.parametrize(("name", "index", "wrong"), WRONG,
                         ids=[f"{n}-{w['question']}-{i}" for n, i, w in WRONG])
def test_wrong_answer_loses_the_questions_marks(name, index, wrong, graded):
    score, possible = graded[name].of("wrong", index)[wrong["question"]]
    assert possible > 0
    assert score == 0, f"{wrong['mistake']}: still scores {score}/{possible}"
    combined, lost = graded[name].regraded.get(("wrong", index), (None, {}))
    assert not lost, (f"unsound grouping: notebook {combined} lost marks on {lost}, which none of its "
                      "wrong answers touches (the verdict above is from this answer's own notebook)")


RIGHT = [(name, i, r) for name in NAMES for i, r in enumerate(_answers(name, "right"))]


@pytest.mark.parametrize(("name", "index", "right"), RIGHT,
                         ids=[f"{n}-{r['question']}-{i}" for n, i, r in RIGHT])
def test_other_correct_answers_keep_full_marks(name, index, right, graded):
    """A correct answer written differently (other names, another valid method) loses nothing."""
    short = {q: s for q, s in graded[name].of("right", index).items() if s[0] != s[1]}
    assert not short, f"{right['variant']}: loses marks on {short}"
