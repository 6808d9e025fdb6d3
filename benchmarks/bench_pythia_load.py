"""Benchmark: ``data.load("pythia_evals")``, 432 hash-verified JSON files parsed into one table.

Run with ``make benchmark`` (or ``python benchmarks/bench_pythia_load.py``).  The issue's target
is under 5 s once the files are on disk (the mirror, or the cache after the first download).
Each load hashes and parses every file again: there is no parsed cache to trust.  Timings
vary with the machine; this is a script, not a test.
"""
from __future__ import annotations

import time

from scaling_utils import data

TARGET_SECONDS = 5.0


def main():
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        frame = data.load("pythia_evals")
        times.append(time.perf_counter() - t0)
    best = min(times)
    print(f"pythia_evals: {len(frame):,} rows from {frame['file'].nunique()} files; "
          f"load {best:.2f} s (best of 3), target {TARGET_SECONDS:g} s: {TARGET_SECONDS / best:.1f}x margin")


if __name__ == "__main__":
    main()
