"""Benchmark: the extrapolation protocol on all of Alabdulmohsin et al.'s learning curves.

Run with ``make benchmark`` (or ``python benchmarks/bench_extrapolation.py``).  Times
``scaling_utils.extrapolation.benchmark`` on the 92 curves of ``learning_curves_vision`` and
``learning_curves_language`` with all six forms (the issue's target: under 60 s on 2 cores),
and prints the time per form.  Timings vary with the machine; this is a script, not a test.
"""
from __future__ import annotations

import time

import pandas as pd

from scaling_utils import data, extrapolation

TARGET_SECONDS = 60.0
EPS0_MAX = {"IC": 1.001, "BB": 1.001}


def main():
    curves = pd.concat([data.load("learning_curves_vision"), data.load("learning_curves_language")],
                       ignore_index=True)
    n_curves = curves[extrapolation.CURVE_KEYS].drop_duplicates().shape[0]
    total = 0.0
    for form in extrapolation.FORMS:
        t0 = time.perf_counter()
        result = extrapolation.benchmark(curves, forms=[form], eps0_max=EPS0_MAX)
        seconds = time.perf_counter() - t0
        total += seconds
        print(f"{form:>10s}: {seconds:6.2f} s for {n_curves} curves ({result['success'].mean():.0%} fitted)")
    print(f"all {len(extrapolation.FORMS)} forms x {n_curves} curves: {total:.1f} s; "
          f"target <= {TARGET_SECONDS:.0f} s: {'met' if total <= TARGET_SECONDS else 'MISSED'} "
          f"({TARGET_SECONDS / total:.1f}x margin)")


if __name__ == "__main__":
    main()
