#!/usr/bin/env bash
# Install headless Chromium for the browser test (tests/test_site.py), from Debian's `chromium`
# package. Does nothing if a chromium is already on PATH (or CHROMIUM names one).
# Playwright drives this browser; never run `playwright install`, which downloads its own.
set -euo pipefail

if [ -n "${CHROMIUM:-}" ] && command -v "$CHROMIUM" >/dev/null; then
  echo "browser: using CHROMIUM=$CHROMIUM"; exit 0
fi
for candidate in chromium chromium-browser; do
  if command -v "$candidate" >/dev/null; then
    echo "browser: $(command -v "$candidate") ($("$candidate" --version 2>/dev/null || true))"; exit 0
  fi
done

if ! command -v apt-get >/dev/null; then
  echo "browser: no chromium found and no apt-get to install it. Install Chromium yourself and" >&2
  echo "         set CHROMIUM=/path/to/chromium (the browser test needs it)." >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "browser: installing Debian's chromium needs root (or sudo): apt-get install -y chromium" >&2
  exit 1
fi

echo "browser: installing Debian's chromium package (about 30 s)"
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y chromium >/dev/null; then
  # A fresh machine may have no package lists yet.
  $sudo apt-get update >/dev/null
  $sudo apt-get install -y chromium >/dev/null
fi
echo "browser: $(command -v chromium) ($(chromium --version 2>/dev/null || true))"
