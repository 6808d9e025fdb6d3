"""Grading real submissions: in a sandbox, robust to bad files, and not to be cheated.

For every assignment this module grades one batch of submissions with ``grade_folder``, the
command teachers run (``make grade``), in the bubblewrap sandbox (``make sandbox`` installs
it; these tests fail without it). The batch holds

* the solution (full marks) and the untouched student notebook (zero);
* files that are not a gradable notebook: an empty file, invalid JSON, JSON that is not a
  notebook, a text file, and another assignment's solution;
* notebooks that misbehave: an infinite (sleeping) loop, one that deletes its working folder,
  one that asks for 20 GiB of memory;
* the cheats that beat the grader of the book's first version, each a notebook that stores
  wrong answers (every answer name set to 1.0) and then tries to win anyway: redefining ``abs``
  (also in ``builtins``); patching otter's ``run_doctest``; rewriting ``./tests/*.py``; hooking
  ``pickle.dump``; writing a forged report (answers, scores, names that shadow ``np`` and
  ``__builtins__``) to every file descriptor and leaving; finding the teacher's folder through
  ``/proc`` and writing there, and reading the other submissions or the master notebook,
  solution and grading file (and running the solution if it could); a daemon that outlives
  the run.

Every file must get a row, within the time limit; the solution full marks; every cheat zero;
the teacher's folder must hold only the submissions and the two grading outputs afterwards,
no process of a submission may survive, and no temporary folder may be left behind. Four
assignments' batches run at once (each two submissions at a time), so the sleeping loops of
four batches overlap.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import load_script

ROOT = Path(__file__).resolve().parents[1]
assignments = load_script("assignments")
NAMES = assignments.available()

#: Per-submission time limit of the batches, seconds: well above a solution's run (about 5 s
#: alone, more with twelve sandboxes on two cores), well below the default 300 s.
BATCH_TIME_LIMIT = 60.0


def _notebook(*sources: str) -> dict:
    cells = [{"cell_type": "code", "execution_count": None, "id": f"c{k}", "metadata": {}, "outputs": [],
              "source": textwrap.dedent(s).strip() + "\n"} for k, s in enumerate(sources)]
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                          "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def _wrong_answers(names: list[str]) -> str:
    """A cell storing 1.0 under every answer name: a notebook with nothing right."""
    return "\n".join(f"{n} = 1.0" for n in names)


def _cheats(name: str, names: list[str], teacher: Path, paths: dict, marker: str) -> dict[str, dict]:
    """The cheat notebooks, by file name (see the module docstring)."""
    wrong = _wrong_answers(names)
    secrets = [str(assignments.master_path(name)), str(paths["solution"]), str(paths["grading"]),
               str(teacher / "solution.ipynb"), str(ROOT / "_build" / "assignments" / name / "grading.json")]
    steal = f"""
        import json, os
        stolen = []
        for path in {secrets!r}:
            try:
                cells = json.load(open(path))["cells"]
            except Exception as exc:
                continue
            stolen.append(path)
            for cell in cells:  # run the solution, if one could be read
                if cell["cell_type"] == "code":
                    try:
                        exec("".join(cell["source"]), globals())
                    except Exception:
                        pass
        """
    return {
        "cheat-abs.ipynb": _notebook(wrong, """
            import builtins
            abs = lambda *a, **k: 0
            builtins.abs = lambda *a, **k: 0
            builtins.float = lambda *a, **k: 0.0
            """),
        "cheat-run-doctest.ipynb": _notebook("import otter\ngrader = otter.Notebook(tests_dir='tests')", wrong, """
            import otter.test_files.ok_test as ok_test
            ok_test.run_doctest = lambda *args, **kwargs: (True, "")
            """),
        "cheat-rewrite-tests.ipynb": _notebook(wrong, """
            import glob, os
            passing = "test = {'name': 'q', 'points': 100, 'suites': []}\\n"
            for path in glob.glob("tests/*.py") + glob.glob("/home/student/tests/*.py"):
                try:
                    open(path, "w").write(passing)
                except OSError:
                    pass
            os.makedirs("tests_forged", exist_ok=True)
            """),
        "cheat-pickle-dump.ipynb": _notebook(wrong, """
            import pickle
            _real_dump = pickle.dump
            def dump(obj, f, *args, **kwargs):
                return _real_dump({"score": 100, "possible": 100}, f, *args, **kwargs)
            pickle.dump = dump
            """),
        "cheat-forged-report.ipynb": _notebook(wrong, f"""
            import json, os
            forged = json.dumps({{"answers": {{**{{n: {{"__unsupported__": "x"}} for n in {names!r}}},
                                              "np": None, "abs": 0, "__builtins__": {{}}}},
                                 "errors": [], "scores": {{"total": 100}}, "total": 100}})
            for fd in range(3, 256):
                try:
                    os.write(fd, forged.encode())
                except OSError:
                    pass
            os._exit(0)
            """),
        "cheat-proc-escape.ipynb": _notebook(wrong, f"""
            import glob, os
            targets = {{{str(teacher)!r}, {str(teacher.parent)!r}, {str(ROOT)!r}}}
            for proc in glob.glob("/proc/[0-9]*"):
                try:
                    args = open(proc + "/cmdline", "rb").read().split(b"\\0")
                    targets.add(os.readlink(proc + "/cwd"))
                except OSError:
                    continue
                for arg in args:
                    text = arg.decode("utf-8", "replace")
                    if text.startswith("/"):
                        targets.add(text if os.path.isdir(text) else os.path.dirname(text))
            for folder in targets:
                for base in (folder, "/proc/1/root" + folder):
                    try:
                        with open(os.path.join(base, {marker!r}), "w") as f:
                            f.write("escaped")
                    except OSError:
                        pass
            """, steal),
        "cheat-read-master.ipynb": _notebook(wrong, steal),
        "cheat-daemon.ipynb": _notebook(wrong, f"""
            import os
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    os.execv("/bin/sleep", ["sleep", {marker.split("-")[-1]!r}])
                os._exit(0)
            """),
    }


def _batch(name: str, folder: Path, other: str) -> tuple[dict, dict]:
    """Build ``name``, write its batch into ``folder``; return ``(paths, expected)``."""
    paths = assignments.build(name, folder.parent / "built", run_tests=False)
    spec = json.loads(paths["grading"].read_text())
    teacher = folder
    teacher.mkdir()
    marker = f"escaped-{name}-{os.getpid()}.{NAMES.index(name) + 1}23457"
    files = {
        "solution.ipynb": paths["solution"].read_text(),
        "blank.ipynb": paths["student"].read_text(),
        "empty.ipynb": "",
        "invalid-json.ipynb": '{"cells": [',
        "not-a-notebook.ipynb": json.dumps({"hello": "world"}),
        "notes.txt": "not a notebook at all\n",
        "other-assignment.ipynb": (folder.parent.parent / other / "built" / "solution" / f"{other}.ipynb").read_text(),
        "a-infinite-loop.ipynb": json.dumps(_notebook("import time\nwhile True:\n    time.sleep(0.2)")),
        "deletes-its-folder.ipynb": json.dumps(_notebook(_wrong_answers(spec["answer_names"]), """
            import os, shutil
            here = os.getcwd()
            shutil.rmtree(here, ignore_errors=True)
            for entry in os.listdir(here) if os.path.isdir(here) else []:
                try:
                    os.remove(os.path.join(here, entry))
                except OSError:
                    pass
            os.chdir("/")
            """)),
        "memory-hog.ipynb": json.dumps(_notebook(_wrong_answers(spec["answer_names"]),
                                                 "hog = bytearray(20 * 2**30)")),
    }
    cheats = _cheats(name, spec["answer_names"], teacher, paths, marker)
    files |= {f: json.dumps(nb) for f, nb in cheats.items()}
    for file, text in files.items():
        (teacher / file).write_text(text)
    return paths, {"files": sorted(files), "cheats": sorted(cheats), "marker": marker, "spec": spec,
                   "solution_sha": hashlib.sha256((teacher / "solution.ipynb").read_bytes()).hexdigest()}


def _stray_processes(marker: str) -> list[str]:
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if marker.encode() in (proc / "cmdline").read_bytes():
                found.append(proc.name)
        except OSError:
            pass
    return found


@pytest.fixture(scope="module")
def batches(request, tmp_path_factory):
    """``batches[name]``: the grades, feedback and aftermath of assignment ``name``'s batch."""
    assert assignments.sandbox_available(), (
        f"bubblewrap (bwrap) is missing or cannot start a sandbox here ({assignments.sandbox_problem()}): "
        "run `make sandbox`")
    wanted = sorted({item.callspec.params["name"] for item in request.session.items
                     if getattr(item, "module", None) is request.module and "batches" in getattr(item, "fixturenames", ())
                     and "name" in getattr(getattr(item, "callspec", None), "params", {})})
    root = tmp_path_factory.mktemp("grading")
    setup = {}
    for name in wanted:  # another assignment's solution goes into each batch: build those first
        setup[name] = None
    others = {name: NAMES[(NAMES.index(name) + 1) % len(NAMES)] for name in wanted}
    for name in sorted(set(wanted) | set(others.values())):
        if not (root / name / "built").exists():
            (root / name).mkdir(exist_ok=True)
            assignments.build(name, root / name / "built", run_tests=False)
    for name in wanted:
        setup[name] = _batch(name, root / name / "submissions", others[name])
    temp_before = set(Path(tempfile.gettempdir()).glob("submission-*"))

    def grade(name):
        start = time.monotonic()
        out = assignments.grade_folder(name, root / name / "submissions", grading=setup[name][0]["grading"],
                                       time_limit=BATCH_TIME_LIMIT, jobs=2)
        return name, out, time.monotonic() - start

    # Four batches at a time, two submissions each: at most eight sandboxes (four of them the
    # sleeping loops), so the rest of `make test` (the browser test) keeps a share of the CPUs.
    with ThreadPoolExecutor(max_workers=min(4, len(wanted)) or 1) as pool:
        done = list(pool.map(grade, wanted))
    results = {}
    for name, out, seconds in done:
        import csv

        rows = {row["submission"]: row for row in csv.DictReader(out.open())}
        expected = setup[name][1]
        folder = root / name / "submissions"
        results[name] = {
            "rows": rows, "feedback": json.loads((folder / "feedback.json").read_text()), "seconds": seconds,
            "expected": expected, "folder_after": sorted(p.name for p in folder.iterdir()),
            "solution_sha_after": hashlib.sha256((folder / "solution.ipynb").read_bytes()).hexdigest(),
            "escaped": [str(p) for p in (folder, folder.parent, root, ROOT, ROOT / "assignments")
                        if (p / expected["marker"]).exists()],
            "stray": _stray_processes(expected["marker"].split("-")[-1]),
        }
    temp_after = set(Path(tempfile.gettempdir()).glob("submission-*"))
    for result in results.values():
        result["stray_temp"] = sorted(str(p) for p in temp_after - temp_before)
    return results


@pytest.mark.parametrize("name", NAMES)
def test_every_file_gets_a_row_within_the_time_limit(name, batches):
    result = batches[name]
    rows, expected = result["rows"], result["expected"]
    assert sorted(rows) == expected["files"], "every submitted file gets a row"
    questions = [q["name"] for q in expected["spec"]["questions"]]
    for file, row in rows.items():
        assert all(row[q] != "" for q in questions), f"{file}: a score for every question"
        assert float(row["seconds"]) < BATCH_TIME_LIMIT + 15, f"{file}: {row['seconds']} s, past the time limit"
        assert row["sandbox"] == "bubblewrap"
    assert sorted(result["feedback"]) == expected["files"]
    # The batch waits for the infinite loop once; everything else runs beside it.
    assert result["seconds"] < 3 * BATCH_TIME_LIMIT


@pytest.mark.parametrize("name", NAMES)
def test_solution_scores_full_marks_and_blank_zero(name, batches):
    rows = batches[name]["rows"]
    assert rows["solution.ipynb"]["status"] == "graded", batches[name]["feedback"]["solution.ipynb"]
    assert float(rows["solution.ipynb"]["total"]) == float(rows["solution.ipynb"]["possible"]) > 0, \
        batches[name]["feedback"]["solution.ipynb"]
    assert rows["blank.ipynb"]["status"].startswith("graded")
    assert float(rows["blank.ipynb"]["total"]) == 0


@pytest.mark.parametrize("name", NAMES)
def test_bad_files_score_zero_with_the_reason(name, batches):
    rows = batches[name]["rows"]
    for file in ("empty.ipynb", "invalid-json.ipynb", "not-a-notebook.ipynb", "notes.txt"):
        assert float(rows[file]["total"]) == 0
        assert rows[file]["status"].startswith("unreadable notebook"), (file, rows[file]["status"])
    assert f"timed out after {BATCH_TIME_LIMIT:g} s" in rows["a-infinite-loop.ipynb"]["status"]
    assert float(rows["a-infinite-loop.ipynb"]["total"]) == 0
    for file in ("deletes-its-folder.ipynb", "memory-hog.ipynb"):
        assert float(rows[file]["total"]) == 0, rows[file]
    # Another assignment's notebook runs and is graded on this assignment's questions.
    other = rows["other-assignment.ipynb"]
    assert other["status"].startswith("graded") and float(other["total"]) < float(other["possible"])


@pytest.mark.parametrize("name", NAMES)
def test_every_cheat_scores_zero(name, batches):
    rows = batches[name]["rows"]
    scored = {f: (rows[f]["total"], rows[f]["status"]) for f in batches[name]["expected"]["cheats"]
              if float(rows[f]["total"]) != 0}
    assert not scored, f"cheats that scored: {scored}"


@pytest.mark.parametrize("name", NAMES)
def test_submissions_cannot_reach_the_teachers_files_or_outlive_their_run(name, batches):
    result = batches[name]
    expected = set(result["expected"]["files"]) | {"grades.csv", "feedback.json"}
    assert set(result["folder_after"]) == expected, "the teacher's folder changed"
    assert result["solution_sha_after"] == result["expected"]["solution_sha"], "a submission was changed"
    assert not result["escaped"], f"a submission wrote into {result['escaped']}"
    assert not result["stray"], f"processes of a submission are still running: {result['stray']}"
    assert not result["stray_temp"], f"temporary folders left behind: {result['stray_temp']}"
    stolen = [f for f, fb in result["feedback"].items() if f.startswith("cheat-")
              and any("stolen" in e for e in fb["cell_errors"])]
    assert not stolen


def test_a_busy_loop_is_killed_at_the_time_limit(tmp_path):
    assert assignments.sandbox_available(), f"run `make sandbox` ({assignments.sandbox_problem()})"
    name = NAMES[0]
    paths = assignments.build(name, tmp_path / "built", run_tests=False)
    folder = tmp_path / "submissions"
    folder.mkdir()
    # The loop starts a child with a marker no other process has (a plain "while True" may be in
    # some unrelated process's command line): neither the loop nor its child may survive.
    marker = f"{os.getpid()}.271828"
    (folder / "busy.ipynb").write_text(json.dumps(_notebook(
        f"import subprocess\nchild = subprocess.Popen(['/bin/sleep', {marker!r}])\nwhile True:\n    pass")))
    start = time.monotonic()
    assignments.grade_folder(name, folder, grading=paths["grading"], time_limit=5, jobs=1)
    seconds = time.monotonic() - start
    row = (folder / "grades.csv").read_text().splitlines()[1]
    assert "timed out after 5 s" in row
    assert seconds < 20, f"the 5 s limit took {seconds:.0f} s to act"
    assert not _stray_processes(marker)


def test_killing_a_run_also_ends_what_it_started_in_another_session():
    # bubblewrap's --new-session puts the submission in a session of its own, out of reach of
    # the process group the grader kills; the grader must still end it before it moves on.
    marker = f"{os.getpid()}.314159"
    # The marker goes in through the environment: only the child's command line holds it.
    process = subprocess.Popen(["/bin/sh", "-c", 'setsid /bin/sleep "$MARKER" & while true; do :; done'],
                               env={**os.environ, "MARKER": marker}, start_new_session=True)
    deadline = time.monotonic() + 10
    while not _stray_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _stray_processes(marker), "the child did not start"
    assignments._kill(process)
    assert process.returncode is not None
    assert not _stray_processes(marker), "a process the run started outlived the kill"


def test_without_a_sandbox_the_grader_warns_loudly_and_says_so_in_every_row(tmp_path, capsys):
    name = NAMES[0]
    paths = assignments.build(name, tmp_path / "built", run_tests=False)
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "empty.ipynb").write_text("")
    assignments.grade_folder(name, folder, grading=paths["grading"], sandbox=False)
    assert "WARNING: bubblewrap is not available" in capsys.readouterr().err
    lines = (folder / "grades.csv").read_text().splitlines()
    assert lines[1].endswith(",none") and "unreadable notebook" in lines[1]


def test_time_limit_must_be_positive_and_an_empty_folder_is_refused(tmp_path):
    with pytest.raises(SystemExit):
        assignments.main(["grade", NAMES[0], str(tmp_path), "--time-limit", "0"])
    with pytest.raises(ValueError, match="No submissions"):
        assignments.grade_folder(NAMES[0], tmp_path)


def test_make_grade_command_line(tmp_path):
    """``scripts/assignments.py grade`` prints a progress line per submission and where the grades are."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "empty.ipynb").write_text("")
    (folder / "broken.ipynb").write_text("{")
    paths = assignments.build(NAMES[0], tmp_path / "built", run_tests=False)
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "assignments.py"), "grade", NAMES[0], str(folder),
                           "--grading", str(paths["grading"]), "--time-limit", "30"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "[1/2] broken.ipynb: 0 / " in done.stdout and "[2/2] empty.ipynb: 0 / " in done.stdout
    assert f"grades written to {folder / 'grades.csv'}" in done.stdout
