# Scaling Laws, Reproduced — build, test and explore the book.
#
#   make venv          create .venv (python3 >= 3.11) and install requirements.txt + -e .
#   make book          build the teacher edition (solutions in dropdowns) into _build/html
#   make book-student  build the student edition (no solutions) into _build/student/_build/html
#   make test          strict builds of both editions, then one pytest run: unit tests, nbval
#                      re-execution of every page, assignment grading, browser test of the site
#   make assignments   build student notebooks and grading files into _build/assignments/, and
#                      the student handout _build/assignments/handout(.zip) (no solutions)
#   make grade         ASSIGNMENT=<name> SUBMISSIONS=<folder of .ipynb>: grades.csv there
#                      (TIME_LIMIT=<seconds per submission>, default 300; JOBS=<parallel>, 2)
#   make sandbox       install the grading sandbox (Debian's bubblewrap)
#   make browser       install headless Chromium (Debian's chromium) for the browser test
#   make lab           open JupyterLab on chapters/
#   make benchmark     run benchmarks/bench_fit.py and benchmarks/bench_extrapolation.py
#   make execute       re-execute pages in place (CHAPTERS="chapters/x.ipynb" for one)
#   make data          rerun the generators of the project's generated datasets (scripts/)
#   make nbval-cpus    re-execute every page with nbval as if on other CPUs (3 conditions)
#   make pin-data      re-pin the SHA-256 of every committed CSV (after a reviewed change)
#   make clean         remove _build and caches (keeps .venv; `make distclean` removes it too)
#
# Third-party data: scaling_utils.data fetches files by pinned URL + SHA-256, or reads them
# from the folder named by SCALING_UTILS_DATA_MIRROR if that variable is set (offline/CI use).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
BUILD  := _build

# Extra arguments for the pytest run of `make test`, e.g. PYTEST_ARGS="-x",
# and for `make lab`, e.g. LAB_ARGS="--no-browser --port 8889".
PYTEST_ARGS ?=
LAB_ARGS ?=
# pytest-xdist workers for `make test` (each test file, and so each notebook, stays on one
# worker: nbval runs a notebook's cells in order in one kernel). PYTEST_WORKERS=0 runs serially.
PYTEST_WORKERS ?= 2

.PHONY: help venv book book-student test browser sandbox assignments grade lab benchmark execute data pin-data nbval-cpus clean distclean

# Notebooks re-executed by `make execute` (default: every page). The Execution times page
# reports the others' timings, so it runs last.
TIMES_PAGE := chapters/execution_times.ipynb
CHAPTERS ?= $(filter-out $(TIMES_PAGE),$(wildcard chapters/*.ipynb)) $(TIMES_PAGE)
STUDENT := $(BUILD)/student

help:
	@sed -n '3,20p' Makefile | sed 's/^# //'

venv: $(STAMP)

# Reruns whenever requirements.txt or pyproject.toml change.
$(STAMP): requirements.txt pyproject.toml
	@if [ ! -x "$(PY)" ]; then
	  "$(PYTHON)" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required, found " + sys.version.split()[0] + " (set PYTHON=/path/to/python3.11)")'
	  echo "Creating $(VENV) with $$("$(PYTHON)" --version)"
	  "$(PYTHON)" -m venv "$(VENV)"
	fi
	echo "Installing requirements.txt and -e . into $(VENV)"
	"$(PY)" -m pip install --quiet --disable-pip-version-check -r requirements.txt
	"$(PY)" -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch "$(STAMP)"

book: $(STAMP)
	@"$(BIN)/jupyter-book" build .
	echo "Website (teacher edition): $(BUILD)/html/index.html"

# The same book with every exercise solution removed (_ext/student_edition.py), also from the
# notebooks behind the download buttons.
book-student: $(STAMP)
	@SCALING_BOOK_EDITION=student "$(BIN)/jupyter-book" build . --path-output "$(STUDENT)"
	echo "Website (student edition): $(STUDENT)/_build/html/index.html"

browser:
	@bash scripts/install_chromium.sh

sandbox:
	@bash scripts/install_bubblewrap.sh

assignments: $(STAMP)
	@"$(PY)" scripts/assignments.py build

TIME_LIMIT ?= 300
JOBS ?= 2
grade: $(STAMP)
	@bash scripts/install_bubblewrap.sh || echo "WARNING: no bubblewrap: submissions will run WITHOUT a sandbox" >&2
	if [ -z "$${ASSIGNMENT:-}" ] || [ -z "$${SUBMISSIONS:-}" ]; then
	  echo "usage: make grade ASSIGNMENT=<name> SUBMISSIONS=<folder of submitted .ipynb>" >&2; exit 2
	fi
	"$(PY)" scripts/assignments.py grade "$$ASSIGNMENT" "$$SUBMISSIONS" --time-limit "$(TIME_LIMIT)" --jobs "$(JOBS)"

# Three steps: strict builds of (1) the teacher and (2) the student edition, then (3) one pytest
# run (one set of counts) for the unit tests, nbval, the assignments and the browser test, which
# opens the sites built in steps 1-2. All run even if one fails; the exit status is non-zero if any failed.
test: $(STAMP)
	@mkdir -p "$(BUILD)"
	# Without a browser the browser test fails and says how to get one; everything else still runs.
	bash scripts/install_chromium.sh || echo "warning: no headless Chromium; the browser test will fail" >&2
	# Without bubblewrap the grading-sandbox tests fail and say how to get it.
	bash scripts/install_bubblewrap.sh || echo "warning: no bubblewrap; the grading-sandbox tests will fail" >&2
	pytest_status=0; build_status=0; student_status=0
	rm -f "$(BUILD)/pytest-junit.xml"
	echo "== [1/3] strict build, teacher edition: jupyter-book build . -W -n --keep-going --all =="
	"$(BIN)/jupyter-book" build . -W -n --keep-going --all || build_status=$$?
	echo "== [2/3] strict build, student edition (SCALING_BOOK_EDITION=student) =="
	SCALING_BOOK_EDITION=student "$(BIN)/jupyter-book" build . -W -n --keep-going --all \
	  --path-output "$(STUDENT)" || student_status=$$?
	echo "== [3/3] pytest: unit tests, nbval re-execution of chapters/*.ipynb, assignments, browser =="
	"$(PY)" -m pytest tests chapters -n $(PYTEST_WORKERS) --dist loadfile \
	  --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg \
	  --junitxml="$(BUILD)/pytest-junit.xml" $(PYTEST_ARGS) || pytest_status=$$?
	echo "Screenshots of every page: $(BUILD)/screenshots/"
	if [ "$$student_status" -ne 0 ] && [ "$$build_status" -eq 0 ]; then build_status=$$student_status; fi
	read -r n failed skipped < <("$(PY)" -c 'import sys, xml.etree.ElementTree as ET; r = ET.parse(sys.argv[1]).getroot(); s = [r] if r.tag == "testsuite" else list(r.iter("testsuite")); print(*(sum(int(x.get(k, 0)) for x in s for k in keys) for keys in (("tests",), ("failures", "errors"), ("skipped",))))' "$(BUILD)/pytest-junit.xml" 2>/dev/null || echo "0 0 0")
	passed=$$((n - failed - skipped))
	# pytest failing without per-test records (usage/collection error, or exit 5: no tests) counts as a failure
	if [ "$$pytest_status" -ne 0 ] && [ "$$failed" -eq 0 ]; then failed=1; fi
	if [ "$$build_status" -eq 0 ]; then build_msg=OK; build_pass=1; build_fail=0; else build_msg="FAILED (exit $$build_status)"; build_pass=0; build_fail=1; fi
	echo "make test: pytest exit $$pytest_status ($$passed passed, $$failed failed, $$skipped skipped or xfailed); strict book builds $$build_msg"
	# The strict book builds count as one more check in the closing line.
	echo "summary: $$((passed + build_pass)) passed, $$((failed + build_fail)) failed, $$skipped skipped"
	[ "$$pytest_status" -eq 0 ] && [ "$$build_status" -eq 0 ]

# The nbval lane again, emulating other machines: OpenBLAS Haswell kernels; NumPy's SIMD
# dispatch off with Sandybridge kernels; one thread. Every page must print the same each time.
nbval-cpus: $(STAMP)
	@PY="$(PY)" PYTEST_WORKERS="$(PYTEST_WORKERS)" bash scripts/nbval_conditions.sh $(PYTEST_ARGS)

# Jupyter refuses to run as root without --allow-root (containers, CI machines).
lab: $(STAMP)
	@root_flag=""; if [ "$$(id -u)" = 0 ]; then root_flag=--allow-root; fi
	"$(BIN)/jupyter" lab chapters/ $$root_flag $(LAB_ARGS)

benchmark: $(STAMP)
	"$(PY)" benchmarks/bench_fit.py
	"$(PY)" benchmarks/bench_extrapolation.py
	"$(PY)" benchmarks/bench_pythia_load.py

# Saves fresh outputs into the notebooks; review the diff before committing.
execute: $(STAMP)
	@for nb in $(CHAPTERS); do
	  echo "== executing $$nb"
	  "$(BIN)/jupyter" nbconvert --to notebook --execute --inplace "$$nb"
	  "$(PY)" scripts/notebook_timings.py "$$nb"
	done

# Generated datasets (kind "generated") and the indexes of third-party collections are rewritten by
# their scripts, then re-pinned (their SHA-256 in scaling_utils/data.py); review the diff before committing.
data: $(STAMP)
	@"$(PY)" -c 'from scaling_utils import data; print("\n".join(f"{e.name} {e.generator}" for e in data.REGISTRY.values() if getattr(e, "generator", None)))' |
	while read -r name script; do
	  echo "== $$script"
	  "$(PY)" "$$script"
	  "$(PY)" scripts/pin_data.py "$$name"
	done

# Every committed CSV (transcribed and generated) is pinned by SHA-256 in scaling_utils/data.py
# and checked on every load. After a deliberate, reviewed change: make pin-data (or
# python scripts/pin_data.py <name> for one), then review and commit the new hashes.
pin-data: $(STAMP)
	@"$(PY)" scripts/pin_data.py --all

clean:
	rm -rf "$(BUILD)" .pytest_cache .hypothesis *.egg-info
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -print0 | xargs -0 rm -rf

distclean: clean
	rm -rf "$(VENV)"
