"""Shared pytest set-up for the unit tests in tests/.

matplotlib is switched to the non-interactive Agg backend *in this process*
with ``matplotlib.use("Agg")`` rather than by exporting ``MPLBACKEND=Agg``:
``make test`` runs the unit tests and nbval in one pytest process, and an
exported variable would be inherited by nbval's Jupyter kernels, which would
then stop producing the inline figures the committed notebooks contain.
"""
import contextlib
import importlib.util
import signal
import sys
import time
from pathlib import Path

import pytest

try:
    import matplotlib
except ImportError:  # plotting is the optional `plot` extra
    pass
else:
    matplotlib.use("Agg")

# Property-based tests draw the same examples on every run (CI included), so a
# failure is reproducible and the suite cannot pass or fail by luck. Run with
# `--hypothesis-profile=explore` to search fresh random examples locally.
try:
    from hypothesis import settings
except ImportError:
    pass
else:
    settings.register_profile("deterministic", derandomize=True, database=None)
    settings.register_profile("explore", derandomize=False)
    settings.load_profile("deterministic")


def load_script(name):
    """Import ``scripts/<name>.py``: the scripts are not a package, so tests import them by path."""
    path = Path(__file__).resolve().parents[1] / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while it is being executed
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def within_cpu_seconds(limit: float = 1.0):
    """Fail (instead of hanging the suite) if the block uses more than ``limit`` s of CPU.

    CPU time, not the wall clock: ``make test`` runs grading sandboxes and a browser beside the
    unit tests on two cores, and a fast call descheduled for a second is not a hang.  A block
    that waits without using CPU is stopped after 30 x ``limit`` on the clock.
    """
    def _timeout(signum, frame):
        raise AssertionError(f"took more than {limit:g} s of CPU (a hang)")

    previous = signal.signal(signal.SIGPROF, _timeout), signal.signal(signal.SIGALRM, _timeout)
    signal.setitimer(signal.ITIMER_PROF, limit)
    signal.setitimer(signal.ITIMER_REAL, 30 * limit)
    start = time.process_time()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGPROF, previous[0])
        signal.signal(signal.SIGALRM, previous[1])
    assert time.process_time() - start < limit, f"took more than {limit:g} s of CPU"


@pytest.fixture(scope="session")
def load_generator():
    """A function importing ``scripts/<name>.py`` (a generated dataset's generator), to rerun a slice."""
    return load_script

# tests/fixtures/ holds inputs of tests (a tiny book built by test_student_edition.py), not
# tests: nbval must not collect its notebook. (A conftest.py there would shadow this one's
# module name for `from conftest import ...`.)
collect_ignore_glob = ["fixtures/*"]
