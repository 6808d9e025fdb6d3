"""Build, hand out and grade the book's autograded assignments — fairly and tamper-proof.

Each assignment is one folder ``assignments/<name>/`` holding

* ``<name>.ipynb`` — the single source, in otter-grader's *assign* format: questions, solutions
  (``# SOLUTION`` lines and ``# BEGIN/END SOLUTION`` blocks) and tests (public ones students run
  with ``grader.check``, hidden ones only the grader runs);
* ``wrong_answers.yml`` — plausible wrong answers that ``tests/test_assignments.py`` substitutes
  into the solution to prove the grader takes that question's marks away (``public: true``: the
  public checks must catch it too);
* ``right_answers.yml`` — correct answers written another way (rounded to 4 significant
  figures, reached numerically, other names or methods), which must keep full marks.

How grading works (``grade``), and why:

1. **Run, in a sandbox.** The submission is copied into a fresh temporary folder under the
   assignment's own file name and executed, cell after cell (an error does not stop the run),
   by ``scripts/grade_runner.py`` in a new Python process inside a bubblewrap sandbox
   (Debian's ``bubblewrap``): no network, its own process and user namespaces, read-only
   Python, package and data, a private writable home and ``/tmp`` of limited size, and nothing
   else of the machine — not the repository's ``assignments/``, ``chapters/`` or ``_build/``,
   not the teacher's folders, not the other submissions. A time limit (default 300 s) kills it.
2. **Capture the answers.** The runner reports the values of the *answer names* (the names the
   questions' tests read) as plain JSON data on a pipe; nothing else leaves the sandbox.
3. **Score, elsewhere.** This process, which never ran student code, decodes the answers and runs
   each question's tests (public, then hidden) from the grading file ``grading.json`` in a fresh
   namespace holding only ``np`` and those values. All tests pass: the question's points; else 0.

A submission can thus change only the values it reports, which is what answering is; it cannot
reach the tests, the grader, the other submissions or the teacher's files. Without bubblewrap
the run is not isolated: the grader says so loudly, marks every row ``sandbox=none`` and
carries on (the scoring in step 3 still never runs student code).

Commands (``make assignments`` and ``make grade`` call these)::

    python scripts/assignments.py build [NAME ...]      # -> _build/assignments/<name>/, handout
    python scripts/assignments.py grade NAME SUBMISSIONS_DIR [--time-limit 300] [--jobs 2]
    python scripts/assignments.py check NAME            # authoring: grade solution, blank, answers
"""
from __future__ import annotations

import argparse
import ast
import builtins
import contextlib
import copy
import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import symtable
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS_DIR = ROOT / "assignments"
BUILD_DIR = ROOT / "_build" / "assignments"
RUNNER = Path(__file__).resolve().with_name("grade_runner.py")

#: Default per-submission time limit, seconds (``--time-limit`` changes it).
TIME_LIMIT = 300.0
#: Most bytes of answers a submission may report, and of its private home and /tmp.
MAX_REPORT_BYTES = 20 * 2**20
SANDBOX_DISK_BYTES = 256 * 2**20
#: Address-space limit of a submission's process (bytes).
MEMORY_LIMIT = 8 * 2**30
#: Names a test namespace starts with; every other name a test reads is an answer.
TEST_GLOBALS = ("np",)


# --------------------------------------------------------------------------- the sources
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


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _yaml(text: str) -> dict:
    import yaml

    return yaml.safe_load(text) or {}


def answer_names(code: str) -> set[str]:
    """The global names ``code`` reads without binding them: a test's answer names.

    Builtins, ``np`` and private names (``_x``: a test's own) are left out.
    """
    table = symtable.symtable(code, "<test>", "exec")
    bound = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported()}
    read = set()

    def walk(t):
        for s in t.get_symbols():
            if (t.get_type() == "module" or s.is_global()) and s.is_referenced():
                read.add(s.get_name())
        for child in t.get_children():
            walk(child)

    walk(table)
    return {n for n in read - bound
            if not n.startswith("_") and n not in TEST_GLOBALS and not hasattr(builtins, n)}


def grading_spec(name: str) -> dict:
    """The grading file of assignment ``name``, read from its master notebook.

    ``{"assignment", "questions": [{"name", "points", "tests": [{"code", "hidden"}], "answers"}],
    "answer_names"}``, questions and tests in notebook order.
    """
    cells = json.loads(master_path(name).read_text())["cells"]
    questions, current, in_tests = [], None, False
    for cell in cells:
        text = _source(cell)
        if cell["cell_type"] == "raw" and text.startswith("# BEGIN QUESTION"):
            config = _yaml(text.split("\n", 1)[1])
            current = {"name": config["name"], "points": float(config.get("points", 1)), "tests": []}
            questions.append(current)
        elif cell["cell_type"] == "raw" and text.startswith("# END QUESTION"):
            current = None
        elif cell["cell_type"] == "raw" and text.startswith("# BEGIN TESTS"):
            in_tests = True
        elif cell["cell_type"] == "raw" and text.startswith("# END TESTS"):
            in_tests = False
        elif in_tests and cell["cell_type"] == "code" and current is not None:
            hidden = bool(re.search(r"BEGIN TEST CONFIG.*?hidden:\s*true.*?END TEST CONFIG", text, re.S))
            current["tests"].append({"code": text, "hidden": hidden})
    for q in questions:
        q["answers"] = sorted(set().union(*(answer_names(t["code"]) for t in q["tests"])))
    every = sorted(set().union(*(q["answers"] for q in questions))) if questions else []
    return {"assignment": name, "questions": questions, "answer_names": every}


# --------------------------------------------------------------------------- build
def _files_config(master: Path, out: Path) -> Path:
    """A copy of ``master`` whose assignment config stores the public tests as files
    (``tests/<question>.py`` beside the student notebook), not in the notebook's metadata: a
    notebook saved under another name then still finds its checks."""
    import yaml

    nb = json.loads(master.read_text())
    head = _source(nb["cells"][0])
    config = _yaml(head.split("\n", 1)[1])
    config["tests"] = {**config.get("tests", {}), "files": True}
    nb["cells"][0]["source"] = "# ASSIGNMENT CONFIG\n" + yaml.safe_dump(config, sort_keys=False)
    out.write_text(json.dumps(nb, indent=1))
    return out


def _robust_init_cell(student: Path, name: str) -> None:
    """Let the student notebook's ``otter.Notebook`` find the checks under any file name."""
    nb = json.loads(student.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and f'otter.Notebook("{name}.ipynb")' in _source(cell):
            cell["source"] = _source(cell).replace(f'otter.Notebook("{name}.ipynb")',
                                                   'otter.Notebook(tests_dir="tests")')
    student.write_text(json.dumps(nb, indent=1))


def build(name: str, out_dir: Path | None = None, *, run_tests: bool = True) -> dict[str, Path]:
    """Build assignment ``name`` with ``otter assign`` and write its grading file.

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
        ``student`` (the student notebook; its public checks in ``tests/`` beside it),
        ``solution`` (the solution notebook) and ``grading`` (the grading file) paths.
    """
    from otter.assign import main as otter_assign

    master = master_path(name)
    out_dir = Path(out_dir) if out_dir is not None else BUILD_DIR / name
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    log = io.StringIO()
    with tempfile.TemporaryDirectory() as tmp:
        source = _files_config(master, Path(tmp) / master.name)
        try:
            with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                otter_assign(str(source), str(out_dir / "otter"), no_pdfs=True, no_run_tests=not run_tests)
        except Exception as err:
            raise RuntimeError(f"otter assign failed for {name!r}:\n{log.getvalue()}") from err
    student_dir = out_dir / "student"
    shutil.move(str(out_dir / "otter" / "student"), student_dir)
    _robust_init_cell(student_dir / f"{name}.ipynb", name)
    solution = out_dir / "solution" / f"{name}.ipynb"
    solution.parent.mkdir()
    shutil.copy2(out_dir / "otter" / "autograder" / f"{name}.ipynb", solution)
    shutil.rmtree(out_dir / "otter")  # otter's own autograder zip runs tests in the student's kernel
    grading = out_dir / "grading.json"
    grading.write_text(json.dumps(grading_spec(name), indent=1))
    return {"student": student_dir / f"{name}.ipynb", "solution": solution, "grading": grading}


#: What the student handout holds besides the student notebooks: the package and its data.
HANDOUT_FILES = ("pyproject.toml", "requirements.txt")
HANDOUT_DIRS = ("scaling_utils", "data")

HANDOUT_README = """\
# Scaling Laws, Reproduced: assignments (student handout)

This folder holds what you need for the book's assignments: one notebook per assignment
(`assignments/<name>/<name>.ipynb`, with its public checks in `tests/` beside it), the book's
helper package `scaling_utils` and its data. It holds no solutions and no hidden tests.
Work here, not in a clone of the book's repository (the repository is the teacher's copy).

    python3 -m venv .venv
    .venv/bin/pip install -r requirements.txt
    .venv/bin/pip install --no-deps -e .
    .venv/bin/jupyter lab assignments/

In each notebook, run every cell from the top; after each answer run its `grader.check(...)`
cell. The public checks catch type, unit and scale slips; they do not tell you an answer is
right. Hidden tests grade the values you store, to the tolerance each question states (usually
a relative 1e-3: keep at least 4 significant figures). A later question is graded against your
own earlier answers. Hand in the notebook file (any file name); it is run from the top, in a
fresh kernel, with a time limit of {limit:g} seconds.
"""


def build_handout(names: list[str], out: Path | None = None, built: dict | None = None) -> Path:
    """Write the student handout folder (and ``<folder>.zip``) for ``names``.

    It holds the student notebooks with their public checks, the package, its data, the
    requirements and a README, and nothing of the teacher's: no solutions, hidden tests,
    grading files, chapters or master notebooks.
    """
    out = Path(out) if out is not None else BUILD_DIR / "handout"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in names:
        student = (built or {}).get(name, {}).get("student") or BUILD_DIR / name / "student" / f"{name}.ipynb"
        shutil.copytree(Path(student).parent, out / "assignments" / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    for folder in HANDOUT_DIRS:
        shutil.copytree(ROOT / folder, out / folder, ignore=ignore)
    for file in HANDOUT_FILES:
        shutil.copy2(ROOT / file, out / file)
    (out / "README.md").write_text(HANDOUT_README.format(limit=TIME_LIMIT))
    archive = out.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(out.rglob("*")):
            z.write(path, Path(out.name) / path.relative_to(out))
    return out


# --------------------------------------------------------------------------- the sandbox
def bwrap_path() -> str | None:
    """The bubblewrap executable, or None."""
    return shutil.which("bwrap")


_SANDBOX_OK: dict[str, bool] = {}
_SANDBOX_WHY: dict[str, str] = {}


def sandbox_problem() -> str:
    """Why ``sandbox_available()`` is False ("" if it is True)."""
    return "" if sandbox_available() else _SANDBOX_WHY.get("why", "")


def sandbox_available() -> bool:
    """Whether bubblewrap is installed and can start a sandbox here (checked once)."""
    if "ok" not in _SANDBOX_OK:
        ok = False
        if bwrap_path():
            with tempfile.TemporaryDirectory() as tmp:
                try:
                    done = subprocess.run(_sandbox_command(Path(tmp), [sys.executable, "-c", "pass"]),
                                          capture_output=True, timeout=60)
                    ok = done.returncode == 0
                    _SANDBOX_WHY["why"] = done.stderr.decode("utf-8", "replace").strip()[:500]
                except (OSError, subprocess.TimeoutExpired) as exc:
                    ok = False
                    _SANDBOX_WHY["why"] = f"{type(exc).__name__}: {exc}"
        else:
            _SANDBOX_WHY["why"] = "no bwrap on PATH"
        _SANDBOX_OK["ok"] = ok
    return _SANDBOX_OK["ok"]


def _sandbox_command(workdir: Path, command: list[str]) -> list[str]:
    """``command`` wrapped in bubblewrap: see the module docstring for what it can see."""
    args = [bwrap_path() or "bwrap", "--unshare-all", "--die-with-parent", "--new-session",
            "--cap-drop", "ALL", "--hostname", "grader", "--uid", "65534", "--gid", "65534",
            "--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for etc in ("/etc/ld.so.cache", "/etc/localtime", "/etc/fonts", "/etc/mime.types"):
        if os.path.exists(etc):
            args += ["--ro-bind", etc, etc]
    # The private /tmp and home first: the read-only binds below may lie under /tmp (a clone
    # in /tmp), and a tmpfs mounted after them would hide them.
    home = "/home/student"
    args += ["--dev", "/dev", "--proc", "/proc",
             "--size", str(SANDBOX_DISK_BYTES), "--tmpfs", "/tmp",
             "--size", str(SANDBOX_DISK_BYTES), "--tmpfs", home]
    readable = {Path(sys.base_prefix).resolve(), Path(sys.prefix)}
    readable |= {ROOT / folder for folder in HANDOUT_DIRS}
    mirror = os.environ.get("SCALING_UTILS_DATA_MIRROR", "").strip()
    if mirror and Path(mirror).is_dir():
        readable.add(Path(mirror).resolve())
    cache = os.environ.get("SCALING_UTILS_CACHE", "").strip() or str(Path.home() / ".cache" / "scaling_utils")
    if Path(cache).is_dir():
        readable.add(Path(cache).resolve())
    for path in sorted(readable, key=lambda p: len(p.parts)):
        args += ["--ro-bind", str(path), str(path)]
    args += ["--ro-bind", str(RUNNER), "/opt/grader/grade_runner.py"]
    for item in sorted(workdir.iterdir()):
        args += ["--ro-bind", str(item), f"{home}/{item.name}"]
    args += ["--chdir", home, "--clearenv"]
    for key, value in _sandbox_env(home).items():
        args += ["--setenv", key, value]
    return args + ["--"] + command


def _sandbox_env(home: str) -> dict[str, str]:
    """The environment of a submission's process: no secrets, one thread, no display."""
    env = {"HOME": home, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "LANG": "C.UTF-8",
           "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/matplotlib", "IPYTHONDIR": "/tmp/ipython",
           "JUPYTER_PLATFORM_DIRS": "1", "PYTHONDONTWRITEBYTECODE": "1",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    for key in ("SCALING_UTILS_DATA_MIRROR", "SCALING_UTILS_CACHE"):
        value = os.environ.get(key, "").strip()
        if value:
            # The absolute, resolved path: the one bound into the sandbox (a relative path or a
            # symlink would point elsewhere from the submission's home folder).
            env[key] = str(Path(value).resolve()) if Path(value).exists() else value
    return env


def _with_limits(command: list[str]) -> list[str]:
    """``command`` run under util-linux's ``prlimit``: address space MEMORY_LIMIT, no core files.

    Not a ``preexec_fn``: that makes subprocess fork with the GIL held and run the libraries'
    fork handlers, and OpenBLAS's handler can deadlock against a BLAS call in another grading
    thread (a CI run hung so, every grading thread waiting for the GIL).  Without it the child
    is started with vfork, and prlimit sets the limits before it execs the sandbox.
    """
    prlimit = shutil.which("prlimit") or "/usr/bin/prlimit"
    return [prlimit, f"--as={MEMORY_LIMIT}", "--core=0", "--", *command]


@dataclass
class Run:
    """What running one submission gave: its answers, or why there are none."""

    answers: dict = field(default_factory=dict)  # name -> JSON-decoded value (see decode)
    errors: list[str] = field(default_factory=list)  # cells that raised, as the runner saw them
    status: str = "ran"  # ran | timeout | crashed | unreadable
    reason: str = ""
    seconds: float = 0.0
    sandbox: str = "bubblewrap"


def _descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (read from ``/proc``; the sandbox's own PID namespace
    does not hide its processes from the host's view)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _is_running(pid: int) -> bool:
    """``pid`` exists and is not a zombie (a zombie holds no memory and runs nothing)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _kill(process: subprocess.Popen, *, settle: float = 10.0) -> None:
    """Kill a sandboxed run and everything it started, and wait until they are gone.

    Killing bubblewrap's process group ends the sandbox (``--die-with-parent``), but its
    processes die a moment later, in their own session: the next submission must not start while
    they still run, so each is killed by PID too and awaited for up to ``settle`` seconds.
    """
    victims = _descendants(process.pid)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    for pid in victims:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + settle
    while any(_is_running(pid) for pid in victims) and time.monotonic() < deadline:
        time.sleep(0.05)


def run_submission(notebook: Path, name: str, names: list[str], *, time_limit: float = TIME_LIMIT,
                   sandbox: bool | None = None, public_tests: Path | None = None) -> Run:
    """Execute ``notebook`` as assignment ``name`` and capture the values of ``names``.

    The notebook is copied into a fresh temporary folder as ``<name>.ipynb`` beside the public
    checks (``public_tests``, default the built ``student/tests``), then run by ``grade_runner.py`` in the sandbox (``sandbox=None``: if
    available) and killed after ``time_limit`` seconds.
    """
    start = time.monotonic()
    use_sandbox = sandbox_available() if sandbox is None else sandbox
    try:
        if Path(notebook).is_symlink():
            raise ValueError("it is a symbolic link, not a file")
        notebook_json = json.loads(Path(notebook).read_text(encoding="utf-8"))
        if not isinstance(notebook_json, dict) or not isinstance(notebook_json.get("cells"), list):
            raise ValueError("it is JSON but not a notebook (no list of cells)")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return Run(status="unreadable", reason=f"unreadable notebook: {exc}"[:300],
                   sandbox="bubblewrap" if use_sandbox else "none")
    with tempfile.TemporaryDirectory(prefix="submission-") as tmp:
        workdir = Path(tmp) / "work"
        workdir.mkdir()
        (workdir / f"{name}.ipynb").write_text(json.dumps(notebook_json))
        public = Path(public_tests) if public_tests is not None else BUILD_DIR / name / "student" / "tests"
        if public.is_dir():
            shutil.copytree(public, workdir / "tests")
        if use_sandbox:
            runner_path = "/opt/grader/grade_runner.py"
            command = _sandbox_command(workdir, [sys.executable, "-I", runner_path, f"{name}.ipynb", *names])
            cwd, env = None, {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        else:
            runner_path = str(RUNNER)
            command = [sys.executable, "-I", runner_path, f"{name}.ipynb", *names]
            cwd, env = workdir, {**_sandbox_env(str(workdir)), "HOME": str(workdir)}
        read_end, write_end = os.pipe()
        command.insert(len(command) - command[::-1].index(runner_path), str(write_end))  # after the last
        try:
            process = subprocess.Popen(_with_limits(command), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       pass_fds=(write_end,), start_new_session=True)
        finally:
            os.close(write_end)
        report, status, reason = _collect(process, read_end, time_limit)
    run = Run(status=status, reason=reason, seconds=time.monotonic() - start,
              sandbox="bubblewrap" if use_sandbox else "none")
    if status == "ran":
        try:
            outcome = json.loads(report, object_hook=decode_hook)
            # Only the names asked for: a forged report cannot add "np" or "__builtins__".
            run.answers = {k: v for k, v in dict(outcome["answers"]).items() if k in set(names)}
            run.errors = [str(e) for e in outcome.get("errors", [])][:50]
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            run.status, run.reason = "crashed", f"no readable answers ({type(exc).__name__})"
    return run


def _collect(process: subprocess.Popen, read_end: int, time_limit: float) -> tuple[str, str, str]:
    """Read the runner's report from ``read_end`` until it exits or ``time_limit`` passes."""
    import selectors

    chunks, size = [], 0
    deadline = time.monotonic() + time_limit
    with os.fdopen(read_end, "rb", buffering=0) as pipe, selectors.DefaultSelector() as sel:
        sel.register(pipe, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                _kill(process)
                return "", "timeout", f"timed out after {time_limit:g} s (killed)"
            if not sel.select(timeout=min(left, 1.0)):
                if process.poll() is not None:
                    break
                continue
            data = pipe.read(65536)
            if not data:
                break
            size += len(data)
            if size > MAX_REPORT_BYTES:
                _kill(process)
                return "", "crashed", f"reported more than {MAX_REPORT_BYTES // 2**20} MB of answers"
            chunks.append(data)
        try:
            code = process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            _kill(process)
            return "", "timeout", f"timed out after {time_limit:g} s (killed)"
    if not chunks:
        return "", "crashed", f"the notebook's process ended (exit code {code}) without reporting answers"
    return b"".join(chunks).decode("utf-8", "replace"), "ran", ""


def decode_hook(obj: dict):
    """Rebuild the runner's plain-data markers (``json.loads`` object hook)."""
    import numpy as np

    if "__ndarray__" in obj:
        return np.array(obj["__ndarray__"], dtype=np.dtype(str(obj.get("dtype", "float64"))))
    if "__tuple__" in obj:
        return tuple(obj["__tuple__"])
    if "__dict__" in obj:
        return dict(obj["__dict__"])
    if "__float__" in obj:
        return float(obj["__float__"]) if obj["__float__"] in ("nan", "inf", "-inf") else float("nan")
    if "__unsupported__" in obj:
        return Unsupported(str(obj["__unsupported__"]))
    return obj


class Unsupported:
    """An answer the runner could not send as plain data (its type name only)."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self):
        return f"<unsupported answer of type {self.type_name}: store a number, array or string>"

    def __float__(self):
        raise TypeError(repr(self))


# --------------------------------------------------------------------------- scoring
@dataclass
class QuestionScore:
    score: float
    possible: float
    failed: str = ""  # "public 2" / "hidden 1" / "" when full marks
    message: str = ""


def score_answers(spec: dict, answers: dict) -> dict[str, QuestionScore]:
    """Run every question's tests on ``answers``; all pass: the points, else 0.

    Each question gets a fresh namespace holding ``np`` and a deep copy of the answers, so no
    test can change what another question sees. Student code never runs here.
    """
    import numpy as np

    scores = {}
    for question in spec["questions"]:
        mine = {k: v for k, v in answers.items() if k in question["answers"]}
        namespace = {**copy.deepcopy(mine), "np": np, "__builtins__": builtins}
        result = QuestionScore(question["points"], question["points"])
        counts = {"public": 0, "hidden": 0}
        for test in question["tests"]:
            kind = "hidden" if test["hidden"] else "public"
            counts[kind] += 1
            try:
                exec(compile(test["code"], f"<{question['name']} {kind} test {counts[kind]}>", "exec"), namespace)
            except Exception as exc:  # any failure of a test is the question's 0
                message = str(exc) if isinstance(exc, AssertionError) and str(exc) else f"{type(exc).__name__}: {exc}"
                result = QuestionScore(0.0, question["points"], f"{kind} {counts[kind]}", message[:300])
                break
        scores[question["name"]] = result
    return scores


@dataclass
class Graded:
    """One submission's grade."""

    submission: str
    scores: dict[str, QuestionScore]
    run: Run

    @property
    def total(self) -> float:
        return sum(s.score for s in self.scores.values())

    @property
    def possible(self) -> float:
        return sum(s.possible for s in self.scores.values())

    def as_pairs(self) -> dict[str, tuple[float, float]]:
        return {q: (s.score, s.possible) for q, s in self.scores.items()}

    def status(self) -> str:
        if self.run.status != "ran":
            return self.run.reason or self.run.status
        return "graded" + (f" ({len(self.run.errors)} cells raised)" if self.run.errors else "")


def load_spec(name: str, grading: Path | None = None) -> dict:
    """The grading file of ``name``: ``grading`` or the built one (built now if missing)."""
    path = Path(grading) if grading is not None else BUILD_DIR / name / "grading.json"
    if grading is None and (not path.exists() or path.stat().st_mtime < master_path(name).stat().st_mtime):
        build(name, run_tests=False)  # missing, or older than the master notebook
    spec = json.loads(path.read_text())
    if spec.get("assignment") != name:
        raise ValueError(f"{path} is the grading file of {spec.get('assignment')!r}, not of {name!r}.")
    return spec


def grade(submission: Path, name: str, *, spec: dict | None = None, time_limit: float = TIME_LIMIT,
          sandbox: bool | None = None, public_tests: Path | None = None) -> Graded:
    """Grade one submitted notebook of assignment ``name`` (see the module docstring)."""
    spec = spec if spec is not None else load_spec(name)
    run = run_submission(Path(submission), name, spec["answer_names"], time_limit=time_limit, sandbox=sandbox,
                         public_tests=public_tests)
    scores = score_answers(spec, run.answers if run.status == "ran" else {})
    if run.status != "ran":
        scores = {q: QuestionScore(0.0, s.possible, "not run", run.reason) for q, s in scores.items()}
    return Graded(Path(submission).name, scores, run)


def grade_folder(name: str, submissions: Path, *, grading: Path | None = None, time_limit: float = TIME_LIMIT,
                 jobs: int = 2, sandbox: bool | None = None, out: Path | None = None,
                 public_tests: Path | None = None) -> Path:
    """Grade every ``*.ipynb`` in ``submissions``; write ``grades.csv`` (and ``feedback.json``).

    Every file gets a row, whatever happens to it (score 0 and the reason for an unreadable
    notebook, a time-out, a crash, or an error of the grader itself); a progress line is
    printed per submission; the CSV is written in every case.
    """
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise ValueError(f"`submissions` must be a folder of .ipynb files, got {submissions}.")
    out = Path(out) if out is not None else submissions / "grades.csv"
    outputs = {out.name, "feedback.json"}
    # Every visible file is a submission (a file that is not a notebook gets a row saying so).
    notebooks = sorted(p for p in submissions.iterdir()
                       if not p.name.startswith(".") and p.name not in outputs and (p.is_file() or p.is_symlink()))
    if not notebooks:
        raise ValueError(f"No submissions in {submissions}; put the students' .ipynb files there.")
    spec = load_spec(name, grading)
    if public_tests is None:  # the public checks built beside the grading file
        public_tests = (Path(grading).parent if grading is not None else BUILD_DIR / name) / "student" / "tests"
    use_sandbox = sandbox_available() if sandbox is None else sandbox
    if not use_sandbox:
        print("WARNING: bubblewrap is not available, so submissions run WITHOUT a sandbox: a "
              "submission can read and write whatever this user can (other submissions, your "
              "files). Its score still comes from this process, not from its own code. Install "
              "Debian's bubblewrap (`make sandbox`) and grade again.", file=sys.stderr)
    questions = [q["name"] for q in spec["questions"]]
    rows, feedback = [None] * len(notebooks), {}

    def one(k: int, nb: Path):
        try:
            graded = grade(nb, name, spec=spec, time_limit=time_limit, sandbox=use_sandbox,
                           public_tests=public_tests)
        except Exception as exc:  # the grader's own failure still gives a row
            zero = {q["name"]: QuestionScore(0.0, q["points"], "not run", f"grader error: {exc}") for q in spec["questions"]}
            graded = Graded(nb.name, zero, Run(status="crashed", reason=f"grader error: {type(exc).__name__}: {exc}",
                                              sandbox="bubblewrap" if use_sandbox else "none"))
        row = {"submission": nb.name, **{q: f"{graded.scores[q].score:g}" for q in questions},
               "total": f"{graded.total:g}", "possible": f"{graded.possible:g}",
               "status": graded.status(), "seconds": f"{graded.run.seconds:.1f}", "sandbox": graded.run.sandbox}
        rows[k] = row
        feedback[nb.name] = {"status": row["status"], "cell_errors": graded.run.errors,
                             "questions": {q: {"score": s.score, "possible": s.possible, "failed": s.failed,
                                               "message": s.message} for q, s in graded.scores.items()}}
        print(f"[{k + 1}/{len(notebooks)}] {nb.name}: {row['total']} / {row['possible']} "
              f"({row['status']}, {row['seconds']} s)", flush=True)

    with ThreadPoolExecutor(max_workers=max(1, int(jobs))) as pool:
        list(pool.map(lambda args: one(*args), enumerate(notebooks)))
    fields = ["submission", *questions, "total", "possible", "status", "seconds", "sandbox"]
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    out.with_name("feedback.json").write_text(json.dumps(feedback, indent=1))
    return out


# --------------------------------------------------------------------------- authoring helpers
def substitute_answers(solution: Path, replacements: list[tuple[str, str]], out: Path) -> Path:
    """Copy the solution notebook with each ``(replace, with_)`` pair swapped in, one after another.

    Each ``replace`` must occur exactly once in the code cells at the moment it is applied, that
    is after the earlier pairs; otherwise ``ValueError`` is raised and nothing is written. Used by
    the tests to make a submission with one or more wrong (or differently written correct) answers.
    """
    nb = json.loads(Path(solution).read_text())
    for replace, with_ in replacements:
        hits = [c for c in nb["cells"] if c["cell_type"] == "code" and replace in _source(c)]
        if len(hits) != 1:
            raise ValueError(f"{replace!r} occurs in {len(hits)} code cells of {solution}; it must occur in exactly one.")
        cell = hits[0]
        source = _source(cell)
        if source.count(replace) != 1:
            raise ValueError(f"{replace!r} occurs more than once in its cell; make it unique.")
        cell["source"] = source.replace(replace, with_)
    out = Path(out)
    out.write_text(json.dumps(nb, indent=1))
    return out


def variant_of(solution: Path, entry: dict) -> tuple[int, str]:
    """``(code cell index, new source)`` of answer ``entry`` (its ``replace`` -> ``with``) in
    ``solution``; ``ValueError`` unless ``replace`` occurs exactly once in the code cells."""
    sources = [_source(c) for c in json.loads(Path(solution).read_text())["cells"] if c["cell_type"] == "code"]
    hits = [k for k, text in enumerate(sources) if entry["replace"] in text]
    if len(hits) != 1 or sources[hits[0]].count(entry["replace"]) != 1:
        raise ValueError(f"{entry['replace']!r} must occur exactly once in the code cells of {solution}; "
                         f"it occurs in {len(hits)} cells.")
    return hits[0], sources[hits[0]].replace(entry["replace"], entry["with"])


def grade_variants(solution: Path, name: str, entries: dict[str, dict], *, spec: dict,
                   public_tests: Path, time_limit: float = 600.0) -> dict[str, Graded]:
    """Grade the solution and, for each ``{label: answer entry}``, the solution with that answer.

    Trusted code only (the book's own answer files): the variants run without a sandbox, forked
    from one run of the solution (``grade_runner.run_variants``), so each is exactly the notebook
    run from the top while the unchanged cells before it run once. Scoring is ``score_answers``,
    as for a submission. Returns ``{"solution": ..., label: ...}``.
    """
    variants = []
    for label, entry in entries.items():
        cell, source = variant_of(solution, entry)
        variants.append({"id": label, "cell": cell, "source": source})
    with tempfile.TemporaryDirectory(prefix="variants-") as tmp:
        work = Path(tmp)
        shutil.copy2(solution, work / f"{name}.ipynb")
        if Path(public_tests).is_dir():
            shutil.copytree(public_tests, work / "tests")
        job = work / "job.json"
        job.write_text(json.dumps({"notebook": f"{name}.ipynb", "variants": variants, "names": spec["answer_names"]}))
        start = time.monotonic()
        subprocess.run([sys.executable, "-I", str(RUNNER), "--variants", str(job), str(work / "out.json")],
                       cwd=work, env={**_sandbox_env(str(work)), "HOME": str(work)}, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=time_limit, check=True)
        seconds = time.monotonic() - start
        outcome = json.loads((work / "out.json").read_text(), object_hook=decode_hook)
    graded = {}
    for label, report in [("solution", outcome.pop("__base__"))] + list(outcome.items()):
        run = Run(answers=dict(report["answers"]), errors=list(report["errors"]), seconds=seconds, sandbox="none")
        if report.get("crashed"):
            run.status, run.reason = "crashed", report["errors"][0]
        graded[label] = Graded(label, score_answers(spec, run.answers), run)
    return graded


def answers_file(name: str, kind: str) -> list[dict]:
    """Entries of ``assignments/<name>/<kind>_answers.yml`` (kind: "wrong" or "right")."""
    import yaml

    path = ASSIGNMENTS_DIR / name / f"{kind}_answers.yml"
    return (yaml.safe_load(path.read_text()) or []) if path.exists() else []


def check(name: str) -> int:
    """Authoring check: grade the solution, the blank notebook and every listed answer.

    Prints one line per notebook; returns the number of problems found (0 means ready).
    """
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        paths = build(name, tmp / "dist", run_tests=False)
        spec = json.loads(paths["grading"].read_text())
        public = paths["student"].parent / "tests"
        entries, results = {}, []
        for kind in ("wrong", "right"):
            for k, entry in enumerate(answers_file(name, kind)):
                try:
                    variant_of(paths["solution"], entry)
                    entries[f"{kind}-{k}"] = entry
                except ValueError as exc:
                    results.append(((f"{kind}-{k}", entry, None), exc))
        graded = grade_variants(paths["solution"], name, entries, spec=spec, public_tests=public)
        blank = grade(paths["student"], name, spec=spec, time_limit=120, sandbox=False, public_tests=public)
        results = ([(("solution", None, None), graded.pop("solution")), (("blank", None, None), blank)]
                   + [((label, entries[label], None), g) for label, g in graded.items()] + results)
    problems = 0
    print(f"answer names: {', '.join(spec['answer_names'])}")
    for (label, entry, _), graded in results:
        if isinstance(graded, Exception):
            problems += 1
            print(f"PROBLEM {label}: {graded}")
            continue
        bad = []
        if label == "solution":
            bad = [q for q, s in graded.scores.items() if s.score != s.possible]
        elif label == "blank":
            bad = [q for q, s in graded.scores.items() if s.score != 0]
        elif label.startswith("wrong"):
            s = graded.scores.get(entry["question"])
            if s is None or s.score != 0:
                bad = [entry["question"]]
            elif entry.get("public") and not s.failed.startswith("public"):
                bad = [f"{entry['question']} (public checks do not catch it: {s.failed})"]
        else:
            bad = [q for q, s in graded.scores.items() if s.score != s.possible]
        what = (entry or {}).get("mistake") or (entry or {}).get("variant") or ""
        flag = "PROBLEM" if bad else "ok"
        problems += bool(bad)
        detail = "; ".join(f"{q}: {s.score:g}/{s.possible:g}" + (f" [{s.failed}: {s.message}]" if s.failed else "")
                           for q, s in graded.scores.items())
        print(f"{flag:7} {label:10} {what[:70]}\n        {graded.status()}; {detail}"
              + (f"\n        cell errors: {graded.run.errors[:3]}" if graded.run.errors and label == 'solution' else ""))
    print(f"{problems} problem(s)")
    return problems


# --------------------------------------------------------------------------- command line
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build student notebooks, grading files and the student handout")
    b.add_argument("names", nargs="*", help="assignments to build (default: all)")
    g = sub.add_parser("grade", help="grade a folder of submitted notebooks")
    g.add_argument("name")
    g.add_argument("submissions", type=Path)
    g.add_argument("--grading", type=Path, default=None, help="grading file (default: the built one)")
    g.add_argument("--time-limit", type=float, default=TIME_LIMIT, help="seconds per submission (default 300)")
    g.add_argument("--jobs", type=int, default=2, help="submissions graded at once (default 2)")
    c = sub.add_parser("check", help="authoring: grade solution, blank and the listed answers")
    c.add_argument("name")
    args = parser.parse_args(argv)
    if args.command == "build":
        names = args.names or available()
        built = {}
        for name in names:
            built[name] = build(name)
            print(f"{name}: student notebook {built[name]['student'].relative_to(ROOT)}; "
                  f"grading file {built[name]['grading'].relative_to(ROOT)}")
        if not args.names:
            handout = build_handout(names, built=built)
            print(f"student handout: {handout.relative_to(ROOT)}/ and {handout.with_suffix('.zip').relative_to(ROOT)}")
        return 0
    if args.command == "check":
        return 1 if check(args.name) else 0
    if args.time_limit <= 0:
        parser.error("--time-limit must be a positive number of seconds")
    out = grade_folder(args.name, args.submissions, grading=args.grading, time_limit=args.time_limit, jobs=args.jobs)
    print(f"grades written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
