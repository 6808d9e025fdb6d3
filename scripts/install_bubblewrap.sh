#!/usr/bin/env bash
# Install the grading sandbox, Debian's `bubblewrap` (bwrap), used by scripts/assignments.py to run
# each submitted notebook isolated from the teacher's files and the other submissions.
# Does nothing if bwrap is already on PATH. Without it, grading still works but is NOT isolated
# (the grader warns loudly), and the sandbox tests of `make test` fail saying so.
set -euo pipefail

if command -v bwrap >/dev/null; then
  echo "sandbox: $(command -v bwrap) ($(bwrap --version 2>/dev/null || true))"; exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "sandbox: no bwrap found and no apt-get to install it. Install bubblewrap with your" >&2
  echo "         package manager; until then submissions are graded without a sandbox." >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "sandbox: installing Debian's bubblewrap needs root (or sudo): apt-get install -y bubblewrap" >&2
  exit 1
fi

echo "sandbox: installing Debian's bubblewrap package"
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y bubblewrap >/dev/null; then
  # A fresh machine may have no package lists yet.
  $sudo apt-get update >/dev/null
  $sudo apt-get install -y bubblewrap >/dev/null
fi
echo "sandbox: $(command -v bwrap) ($(bwrap --version 2>/dev/null || true))"
