"""The learning-curve benchmark and its interval coverage, for the chapter *Extrapolation*.

Runs the protocol of Alabdulmohsin, Neyshabur & Zhai (2022) on their 92 learning curves
(``data.load("learning_curves_vision")`` and ``"learning_curves_language"``) with every form of
:mod:`scaling_utils.extrapolation` (:func:`~scaling_utils.extrapolation.benchmark`), and, for a
seeded sample of curves, the share of held-out points inside each form's bootstrap 95%
prediction interval (:meth:`~scaling_utils.extrapolation.LearningCurveFit.predict_interval`).

Settings (every one visible in the CSVs' README):

* M4's bound on ``eps_0``: 1.001 for image classification (IC) and BIG-bench (BB), whose values
  are error rates at most 1 (the paper's bound of 1 plus its margin 1e-3), none for NMT and LM;
* ``search``: "local" (from the paper's starting point) for every form, and "global" as a
  second run for M2 and M4, whose objective can have two minima;
* coverage sample: every NMT, LM and BB curve and 12 of the 72 IC curves (two per model, drawn
  with ``numpy.random.default_rng(2022)``), 200 resamples per interval, the stream of a curve
  and form seeded by its position in the sample.

Usage: ``python scripts/extrapolation_benchmark.py`` rewrites
``data/extrapolation_benchmark/extrapolation_benchmark.csv`` (about 20 s) and
``data/extrapolation_coverage/extrapolation_coverage.csv`` (a few minutes on 2 cores: the
broken power law is slow to refit).  ``--only benchmark`` or ``--only coverage`` rewrites one.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pandas as pd

from scaling_utils import data, extrapolation

ROOT = Path(__file__).resolve().parents[1]
BENCHMARK_OUT = ROOT / "data" / "extrapolation_benchmark" / "extrapolation_benchmark.csv"
COVERAGE_OUT = ROOT / "data" / "extrapolation_coverage" / "extrapolation_coverage.csv"

#: M4's ceiling on eps_0 per domain (error rates: 1 plus the paper's margin).
EPS0_MAX = {"IC": 1.001, "BB": 1.001}
#: Forms whose fit has a second, "global" run.
GLOBAL_FORMS = ("m2", "m4")
COVERAGE_SEED = 2022
COVERAGE_IC_PER_MODEL = 2
N_BOOT = 200
CONFIDENCE = 0.95
KEYS = extrapolation.CURVE_KEYS
BENCHMARK_COLUMNS = KEYS + ["form", "search", "n_train", "n_test", "duplicate_rows", "log_rmse", "success",
                            "message"]
COVERAGE_COLUMNS = KEYS + ["form", "n_train", "n_test", "log_rmse", "coverage", "median_width",
                           "failed_share", "success", "message"]


def curves() -> pd.DataFrame:
    """Both benchmark files in one frame (file rows in order, duplicates kept)."""
    return pd.concat([data.load("learning_curves_vision"), data.load("learning_curves_language")],
                     ignore_index=True)


def run_benchmark(frame: pd.DataFrame) -> pd.DataFrame:
    """Every curve x form with the local search, and M2 and M4 again with the global one."""
    local = extrapolation.benchmark(frame, forms=extrapolation.FORMS, eps0_max=EPS0_MAX, search="local")
    wide = extrapolation.benchmark(frame, forms=GLOBAL_FORMS, eps0_max=EPS0_MAX, search="global")
    out = pd.concat([local.assign(search="local"), wide.assign(search="global")], ignore_index=True)
    return out[BENCHMARK_COLUMNS]


def coverage_sample(frame: pd.DataFrame) -> list[tuple]:
    """The curves whose intervals are checked: all NMT, LM and BB, two IC curves per model."""
    keys = sorted({tuple(k) for k in frame[KEYS].drop_duplicates().itertuples(index=False)})
    rng = np.random.default_rng(COVERAGE_SEED)
    chosen = [k for k in keys if k[0] != "IC"]
    for model in sorted({k[2] for k in keys if k[0] == "IC"}):
        pool = [k for k in keys if k[0] == "IC" and k[2] == model]
        picks = rng.choice(len(pool), size=COVERAGE_IC_PER_MODEL, replace=False)
        chosen += [pool[i] for i in sorted(picks)]
    return chosen


def coverage_row(frame: pd.DataFrame, key: tuple, form: str, seed: int) -> dict:
    """Fit one curve's training points, then the share of its held-out points in the interval."""
    part = frame[(frame["Domain"] == key[0]) & (frame["Task"] == key[1]) & (frame["Model"] == key[2])]
    unique = part.drop_duplicates().sort_values("Seen Examples", kind="stable")
    train, test = unique[unique["Training"] == 1], unique[unique["Training"] == 0]
    row = dict(zip(KEYS, key), form=form, n_train=len(train), n_test=len(test), log_rmse=math.nan,
               coverage=math.nan, median_width=math.nan, failed_share=math.nan, success=False, message="")
    if len(train) < extrapolation.MIN_POINTS[form]:
        row["message"] = f"{len(train)} training points; the {form} form needs {extrapolation.MIN_POINTS[form]}"
        return row
    result = extrapolation.fit_learning_curve(train["Seen Examples"], train["Loss"], form=form,
                                              eps0_max=EPS0_MAX.get(key[0]))
    row["message"] = result.message
    if not result.success:
        return row
    x_test, y_test = test["Seen Examples"].to_numpy(float), test["Loss"].to_numpy(float)
    interval = result.predict_interval(x_test, n_boot=N_BOOT, rng=seed, confidence=CONFIDENCE)
    row.update(success=True, log_rmse=extrapolation.log_rmse(interval["predicted"].to_numpy(), y_test),
               failed_share=interval.attrs["failed_share"])
    if np.isnan(interval["lower"]).any():
        row["message"] = f"interval not reported: {interval.attrs['failed_share']:.0%} of the refits failed"
        return row
    row["coverage"] = extrapolation.interval_coverage(interval, y_test)
    row["median_width"] = float(np.median(np.log(interval["upper"] / interval["lower"])))
    return row


def run_coverage(frame: pd.DataFrame, sample=None, forms=extrapolation.FORMS) -> pd.DataFrame:
    """Coverage rows for every sampled curve and form; the seed of each is its position."""
    sample = coverage_sample(frame) if sample is None else sample
    rows = []
    for i, key in enumerate(sample):
        for j, form in enumerate(extrapolation.FORMS):
            if form in forms:
                rows.append(coverage_row(frame, key, form, seed=1000 * i + j))
    return pd.DataFrame(rows, columns=COVERAGE_COLUMNS)


def write(frame: pd.DataFrame, path: Path) -> None:
    """Write a CSV with 10 significant digits, so reruns compare exactly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, float_format="%.10g")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("benchmark", "coverage"))
    args = parser.parse_args(argv)
    frame = curves()
    if args.only in (None, "benchmark"):
        write(run_benchmark(frame), BENCHMARK_OUT)
    if args.only in (None, "coverage"):
        write(run_coverage(frame), COVERAGE_OUT)


if __name__ == "__main__":
    main()
