"""The committed extrapolation tables (data/extrapolation_benchmark, data/extrapolation_coverage)
match their generator, ``scripts/extrapolation_benchmark.py``.

Reruns slices (every form on the five NMT curves and on one BIG-bench curve; the coverage of
two sampled curves) and compares with the committed rows; also checks the tables' design and
registry entries.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scaling_utils import data, extrapolation

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "extrapolation_benchmark.py"
KEYS = extrapolation.CURVE_KEYS
#: Relative tolerance of a regenerated error: the fits stop at optimiser tolerances, so the last
#: digits may move with the BLAS of another machine (1.2e-5 measured for a broken power law with
#: OPENBLAS_CORETYPE=Haswell and one thread); the chapter prints two or three digits.
RTOL = 1e-4


@pytest.fixture(scope="module")
def generator(load_generator):
    return load_generator("extrapolation_benchmark")


@pytest.fixture(scope="module")
def curves(generator):
    return generator.curves()


@pytest.fixture(scope="module")
def committed():
    return data.load("extrapolation_benchmark")


@pytest.fixture(scope="module")
def coverage():
    return data.load("extrapolation_coverage")


@pytest.mark.parametrize("name", ["extrapolation_benchmark", "extrapolation_coverage"])
def test_registered_as_generated_table(name):
    entry = data.REGISTRY[name]
    assert entry.kind == "generated"
    assert (ROOT / entry.generator) == SCRIPT and SCRIPT.is_file()
    assert (entry.path.parent / "README.md").is_file()


def test_benchmark_design(generator, committed):
    assert list(committed.columns) == generator.BENCHMARK_COLUMNS
    local = committed[committed["search"] == "local"]
    assert local.groupby("form").size().to_dict() == {form: 92 for form in extrapolation.FORMS}
    wide = committed[committed["search"] == "global"]
    assert sorted(wide["form"].unique()) == sorted(generator.GLOBAL_FORMS)
    assert not committed.duplicated(KEYS + ["form", "search"]).any()
    # a score exactly when the fit succeeded
    assert (committed["log_rmse"].notna() == committed["success"]).all()
    assert (committed.loc[committed["Domain"] == "LM", "duplicate_rows"] > 0).all()
    assert (committed.loc[committed["Domain"] == "NMT", "n_test"] == 1).all()


def _compare(fresh, rows):
    fresh = fresh.sort_values(KEYS + ["form"], kind="stable").reset_index(drop=True)
    rows = rows.sort_values(KEYS + ["form"], kind="stable").reset_index(drop=True)
    assert len(fresh) == len(rows) > 0
    pd.testing.assert_frame_equal(fresh[KEYS + ["form", "n_train", "n_test", "success"]],
                                  rows[KEYS + ["form", "n_train", "n_test", "success"]], check_dtype=False)
    both = fresh["log_rmse"].notna()
    assert (both == rows["log_rmse"].notna()).all()
    assert np.allclose(fresh.loc[both, "log_rmse"], rows.loc[both, "log_rmse"], rtol=RTOL, atol=0)


@pytest.mark.parametrize("search", ["local", "global"])
def test_nmt_and_one_bigbench_curve_regenerate(generator, curves, committed, search):
    part = curves[(curves["Domain"] == "NMT") | ((curves["Domain"] == "BB") & (curves["Task"] == "('unit', '2-shot')"))]
    forms = extrapolation.FORMS if search == "local" else generator.GLOBAL_FORMS
    fresh = extrapolation.benchmark(part, forms=forms, eps0_max=generator.EPS0_MAX, search=search)
    rows = committed[(committed["search"] == search)
                     & committed.set_index(KEYS).index.isin(part.set_index(KEYS).index.unique())]
    _compare(fresh, rows)


def test_coverage_design(generator, curves, coverage):
    assert list(coverage.columns) == generator.COVERAGE_COLUMNS
    sample = generator.coverage_sample(curves)
    assert len(sample) == 32
    assert coverage[KEYS].drop_duplicates().shape[0] == 32
    assert coverage.groupby("form").size().to_dict() == {form: 32 for form in extrapolation.FORMS}
    ic = [k for k in sample if k[0] == "IC"]
    assert len(ic) == 12 and len({k[2] for k in ic}) == 6
    shares = coverage["coverage"].dropna()
    assert ((shares >= 0) & (shares <= 1)).all()
    # no interval where the refits failed too often
    reported = coverage["coverage"].notna()
    assert (coverage.loc[reported, "failed_share"] <= extrapolation.MAX_FAILED_SHARE).all()


def test_coverage_slice_regenerates(generator, curves, coverage):
    sample = generator.coverage_sample(curves)
    for i in (0, 10):                                # a BIG-bench and an NMT curve, fast forms
        key = sample[i]
        for j, form in enumerate(extrapolation.FORMS):
            if form not in ("m1", "m2", "m3"):
                continue
            fresh = generator.coverage_row(curves, key, form, seed=1000 * i + j)
            row = coverage[(coverage["Domain"] == key[0]) & (coverage["Task"] == key[1])
                           & (coverage["Model"] == key[2]) & (coverage["form"] == form)].iloc[0]
            assert fresh["success"] == row["success"]
            for column in ("log_rmse", "coverage", "median_width"):
                if np.isnan(row[column]):
                    assert np.isnan(fresh[column]), (key, form, column)
                else:
                    assert fresh[column] == pytest.approx(row[column], rel=1e-4, abs=1e-9), (key, form, column)
