"""Unit tests for :mod:`scaling_utils.fit`.

* planted-parameter recovery of the Chinchilla Approach 3 fit (hypothesis);
* the replication of Besiroglu et al. (2024) on the 240 points read off Hoffmann et
  al.'s Figure 4 (third-party data, read from the shared mirror; skipped without it);
* the bootstrap, the log-log power-law fit, the result objects and input checking.

Runtime: the full 4,500-start fit runs once (module fixture); everything else uses small
``init_grid``s and ``n_boot=200``.
"""
from __future__ import annotations

import dataclasses
import os
import re
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scaling_utils import fit, laws

MIRROR = Path(__file__).resolve().parents[2] / "shared/data/third_party"

# Besiroglu et al. (2024): the replication's fit (saved notebook output) and Table 1.
REPLICATION = {"E": 1.8172, "A": 477.84, "B": 2143.86, "alpha": 0.3473, "beta": 0.3672}
REPLICATION_OBJECTIVE = 0.001018274
TABLE1 = laws.BESIROGLU_2024

# A synthetic design spanning N 1e7..1e10 and D 1e9..1e11: 10 x 10 = 100 runs.
_NS = np.geomspace(1e7, 1e10, 10)
_DS = np.geomspace(1e9, 1e11, 10)
DESIGN_N, DESIGN_D = (a.ravel() for a in np.meshgrid(_NS, _DS))

# 3^5 = 243 starts (log A, log B, log E, alpha, beta) bracketing the drawn parameters.
SMALL_GRID = np.array(
    list(
        product(
            np.log([150.0, 400.0, 1000.0]),
            np.log([200.0, 1000.0, 4000.0]),
            np.log([1.4, 1.8, 2.3]),
            [0.2, 0.35, 0.5],
            [0.2, 0.35, 0.5],
        )
    )
)
# Two starts only, for checks that do not care about the optimum.
TINY_GRID = np.array([[6.0, 7.0, 0.5, 0.3, 0.3], [5.0, 8.0, 0.6, 0.4, 0.4]])


def _synthetic(params, noise_sd=0.0, seed=0):
    L = laws.chinchilla_loss(DESIGN_N, DESIGN_D, **params)
    if noise_sd:
        L = L * np.exp(noise_sd * np.random.default_rng(seed).standard_normal(L.shape))
    return DESIGN_N, DESIGN_D, L


@pytest.fixture(scope="module")
def small_data():
    """A valid 12-point data set for input-checking tests.

    N and D are not collinear in log space (D is a fixed shuffle of its grid): with
    ``log D`` a linear function of ``log N`` the two terms of the law cannot be told
    apart, and ``fit_chinchilla`` rightly reports failure.
    """
    N = np.geomspace(1e7, 1e10, 12)
    D = np.geomspace(1e9, 1e11, 12)[[3, 9, 0, 6, 11, 1, 7, 4, 10, 2, 8, 5]]
    return N, D, laws.chinchilla_loss(N, D, **REPLICATION)


# ---------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def chinchilla_points():
    """The 240 points of Besiroglu et al.: 245 read off Figure 4, 5 highest losses dropped."""
    from scaling_utils import data

    with pytest.MonkeyPatch.context() as mp:
        if not os.environ.get(data.MIRROR_ENV):
            if not (MIRROR / "svg_extracted_data.csv").is_file():
                pytest.skip(f"{data.MIRROR_ENV} unset and no shared mirror at {MIRROR}")
            mp.setenv(data.MIRROR_ENV, str(MIRROR))
        points = data.load("chinchilla_points")
    assert len(points) == 245
    kept = points.sort_values("loss").iloc[:-5].reset_index(drop=True)
    assert len(kept) == 240
    assert kept["loss"].max() < points["loss"].nlargest(5).min()
    return kept


@pytest.fixture(scope="module")
def real_fit(chinchilla_points):
    p = chinchilla_points
    return fit.fit_chinchilla(p["N"], p["D"], p["loss"])  # the full 4,500-start grid


@pytest.fixture(scope="module")
def real_boot(chinchilla_points, real_fit):
    p = chinchilla_points
    return fit.bootstrap_chinchilla(p["N"], p["D"], p["loss"], n_boot=200, rng=0, fit=real_fit)


@pytest.mark.certified
def test_real_fit_reproduces_replication(real_fit):
    f = real_fit
    assert f.success, f.message
    assert f.n_points == 240 and f.n_starts == 4500
    assert f.E == pytest.approx(TABLE1["E"], abs=0.01)
    assert f.alpha == pytest.approx(TABLE1["alpha"], abs=0.01)
    assert f.beta == pytest.approx(TABLE1["beta"], abs=0.01)
    assert f.A == pytest.approx(TABLE1["A"], rel=0.10)
    assert f.B == pytest.approx(TABLE1["B"], rel=0.10)
    assert f.objective == pytest.approx(REPLICATION_OBJECTIVE, rel=1e-4)
    # Closer still to the replication's own point fit.
    for k in ("E", "alpha", "beta"):
        assert getattr(f, k) == pytest.approx(REPLICATION[k], abs=2e-3)
    for k in ("A", "B"):
        assert getattr(f, k) == pytest.approx(REPLICATION[k], rel=0.02)
    assert f.a == pytest.approx(0.513, abs=3e-3)
    # Predicted loss of Chinchilla (70B, 1.4T): 1.9734 published.
    assert f.predict(70e9, 1.4e12) == pytest.approx(1.9734, abs=1e-3)


def test_real_fit_objective_is_consistent(real_fit, chinchilla_points):
    p = chinchilla_points
    at_fit = fit.chinchilla_objective(real_fit.params, p["N"], p["D"], p["loss"])
    assert at_fit == pytest.approx(real_fit.objective, rel=1e-10)
    # Hoffmann's published parameters fit these points worse (0.00412 rounded,
    # 0.00123 unrounded, against 0.00102 at the refit).
    rounded = fit.chinchilla_objective(laws.HOFFMANN_2022, p["N"], p["D"], p["loss"])
    unrounded = fit.chinchilla_objective(laws.HOFFMANN_2022_UNROUNDED, p["N"], p["D"], p["loss"])
    assert rounded > 3 * at_fit
    assert unrounded > 1.1 * at_fit
    # And the optimum beats the published rounded replication values too.
    assert fit.chinchilla_objective(REPLICATION, p["N"], p["D"], p["loss"]) >= at_fit * (1 - 1e-9)


def test_real_fit_is_a_local_minimum(real_fit, chinchilla_points):
    p = chinchilla_points
    base = real_fit.objective
    for k in fit.PARAM_NAMES:
        for factor in (0.99, 1.01):
            moved = {**real_fit.params, k: real_fit.params[k] * factor}
            assert fit.chinchilla_objective(moved, p["N"], p["D"], p["loss"]) > base


def test_real_fit_huber_delta_changes_objective(chinchilla_points):
    p = chinchilla_points
    f = REPLICATION
    small = fit.chinchilla_objective(f, p["N"], p["D"], p["loss"], huber_delta=1e-3)
    big = fit.chinchilla_objective(f, p["N"], p["D"], p["loss"], huber_delta=1.0)
    assert big > small  # residuals beyond 1e-3 are quadratic under a large delta


@pytest.mark.certified
def test_bootstrap_real_data(real_boot, real_fit):
    b = real_boot
    assert b.fit is real_fit
    assert b.n_boot == 200 and b.seed == 0 and b.confidence == 0.95
    assert b.samples.shape == (200, 9)
    assert list(b.samples.columns) == ["E", "A", "B", "alpha", "beta", "a", "converged",
                                       "success", "failure"]
    assert b.converged_fraction > 0.95
    assert b.failed_fraction < 0.05 and b.success, b.message
    for name in ("E", "A", "B", "alpha", "beta", "a"):
        lo, hi = b.interval(name)
        point = real_fit.a if name == "a" else getattr(real_fit, name)
        assert lo < point < hi, name
    # Published 95% intervals (4,000 resamples): ours overlap them broadly.
    lo, hi = b.interval("alpha")
    assert 0.30 < lo < 0.34 and 0.355 < hi < 0.39
    lo, hi = b.interval("E")
    assert 1.74 < lo < 1.80 and 1.84 < hi < 1.90
    se = b.table()["se"]
    assert se["alpha"] == pytest.approx(0.015, rel=0.35)
    assert se["E"] == pytest.approx(0.026, rel=0.35)


@pytest.mark.parametrize("C", [1e21, 1e22, 1e23, 1e24])
def test_bootstrap_tokens_per_parameter(real_boot, real_fit, C):
    derived = real_boot.derived(C)
    assert list(derived.columns) == ["N_opt", "D_opt", "tokens_per_parameter"]
    assert len(derived) == 200
    np.testing.assert_allclose(6 * derived["N_opt"] * derived["D_opt"], C, rtol=1e-10)
    point = real_fit.tokens_per_parameter(C)
    assert 17 < point < 22  # PUBLISHED_FIGURES [C]: about 18-21
    median = float(derived["tokens_per_parameter"].median())
    assert 10 < median < 40
    lo, hi = real_boot.derived_interval(C)
    assert lo < point < hi
    assert 5 < lo and hi < 60
    n_lo, n_hi = real_boot.derived_interval(C, "N_opt")
    assert n_lo < real_fit.compute_optimal(C)[0] < n_hi


def test_bootstrap_deterministic_for_seed(chinchilla_points, real_fit, real_boot):
    p = chinchilla_points
    again = fit.bootstrap_chinchilla(p["N"], p["D"], p["loss"], n_boot=200, rng=0, fit=real_fit)
    pd.testing.assert_frame_equal(again.samples, real_boot.samples)
    # A Generator seeded the same way gives the same resamples (but no stored seed).
    gen = fit.bootstrap_chinchilla(
        p["N"], p["D"], p["loss"], n_boot=200, rng=np.random.default_rng(0), fit=real_fit
    )
    pd.testing.assert_frame_equal(gen.samples, real_boot.samples)
    assert gen.seed is None
    other = fit.bootstrap_chinchilla(p["N"], p["D"], p["loss"], n_boot=200, rng=1, fit=real_fit)
    assert not np.allclose(other.samples["E"], real_boot.samples["E"])


def test_bootstrap_confidence_level_changes_interval(chinchilla_points, real_fit):
    p = chinchilla_points
    b80 = fit.bootstrap_chinchilla(p["N"], p["D"], p["loss"], n_boot=200, rng=0, fit=real_fit,
                                   confidence=0.8)
    b95 = dataclasses.replace(b80, confidence=0.95)
    lo80, hi80 = b80.interval("alpha")
    lo95, hi95 = b95.interval("alpha")
    assert lo95 <= lo80 < hi80 <= hi95
    expected = np.percentile(b80.samples["alpha"], [10, 90])
    np.testing.assert_allclose([lo80, hi80], expected)


def test_bootstrap_table_and_summary(real_boot, real_fit):
    t = real_boot.table()
    assert list(t.index) == ["E", "A", "B", "alpha", "beta", "a"]
    assert list(t.columns) == ["estimate", "se", "lower", "upper", "lower_mc_se", "upper_mc_se"]
    assert (t["lower_mc_se"] > 0).all() and (t["upper_mc_se"] > 0).all()
    assert t.loc["E", "estimate"] == pytest.approx(real_fit.E)
    assert (t["lower"] < t["upper"]).all() and (t["se"] > 0).all()
    s = real_boot.summary()
    for name in ("E", "A", "B", "alpha", "beta", "200 resamples", "seed 0", "95%"):
        assert name in s
    assert str(real_boot) == s
    assert real_boot._repr_html_() == f"<pre>{s}</pre>"


# ---------------------------------------------------------------- planted parameters
planted = st.fixed_dictionaries(
    {
        "E": st.floats(1.5, 2.2),
        "A": st.floats(200.0, 800.0),
        "B": st.floats(300.0, 3000.0),
        "alpha": st.floats(0.25, 0.45),
        "beta": st.floats(0.25, 0.45),
    }
)


def _data_term_range(p):
    """How much B/D^beta varies over the design (nats): the signal that identifies B, beta."""
    return p["B"] * (_DS.min() ** -p["beta"] - _DS.max() ** -p["beta"])


@pytest.mark.certified
@settings(max_examples=10, deadline=None)
@given(true=planted, seed=st.integers(0, 2**32 - 1))
def test_planted_recovery_with_small_noise(true, seed):
    N, D, L = _synthetic(true, noise_sd=1e-4, seed=seed)
    f = fit.fit_chinchilla(N, D, L, init_grid=SMALL_GRID)
    assert f.success, f.message
    assert f.E == pytest.approx(true["E"], abs=0.02)
    assert f.alpha == pytest.approx(true["alpha"], abs=0.02)
    assert f.A == pytest.approx(true["A"], rel=0.15)
    if _data_term_range(true) >= 0.1:
        assert f.beta == pytest.approx(true["beta"], abs=0.02)
        assert f.B == pytest.approx(true["B"], rel=0.15)
    else:
        # Weakly identified corner (small B, beta near 0.45: B/D^beta changes by only
        # ~0.02 nats over D = 1e9..1e11, against noise sd 1e-4 in log loss). Measured
        # worst case over 30 seeds: B off by a factor 3.1, beta by 0.054.
        assert f.beta == pytest.approx(true["beta"], abs=0.08)
        assert abs(np.log(f.B / true["B"])) < np.log(4.0)
    # The fitted law reproduces the data to within the noise ...
    assert np.max(np.abs(np.log(f.predict(N, D)) - np.log(L))) < 6e-4
    # ... and is at least as good as the truth on the data it saw.
    assert f.objective <= fit.chinchilla_objective(true, N, D, L) * (1 + 1e-9)


@pytest.mark.certified
@settings(max_examples=5, deadline=None)
@given(true=planted)
def test_planted_recovery_noiseless_is_tight(true):
    N, D, L = _synthetic(true)
    f = fit.fit_chinchilla(N, D, L, init_grid=SMALL_GRID)
    assert f.success, f.message
    for k in ("E", "alpha", "beta"):
        assert getattr(f, k) == pytest.approx(true[k], abs=1e-3), k
    for k in ("A", "B"):
        assert getattr(f, k) == pytest.approx(true[k], rel=1e-3), k
    assert f.objective < 1e-12
    np.testing.assert_allclose(f.predict(N, D), L, rtol=1e-6)


def test_objective_zero_at_truth_and_positive_elsewhere():
    N, D, L = _synthetic(REPLICATION)
    assert fit.chinchilla_objective(REPLICATION, N, D, L) == pytest.approx(0.0, abs=1e-25)
    off = {**REPLICATION, "E": REPLICATION["E"] * 1.01}
    assert fit.chinchilla_objective(off, N, D, L) > 0


def test_objective_is_summed_huber_by_hand():
    N, D, L = _synthetic(REPLICATION, noise_sd=0.01, seed=3)
    r = np.log(laws.chinchilla_loss(N, D, **REPLICATION)) - np.log(L)
    delta = 1e-3
    huber = np.where(np.abs(r) <= delta, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta))
    assert fit.chinchilla_objective(REPLICATION, N, D, L) == pytest.approx(huber.sum(), rel=1e-10)
    # Summed, not averaged: duplicating the data doubles the objective.
    doubled = fit.chinchilla_objective(
        REPLICATION, np.tile(N, 2), np.tile(D, 2), np.tile(L, 2)
    )
    assert doubled == pytest.approx(2 * huber.sum(), rel=1e-10)


def test_objective_gradient_matches_finite_differences():
    N, D, L = _synthetic(REPLICATION, noise_sd=1e-3, seed=5)
    logN, logD, logL = np.log(N), np.log(D), np.log(L)
    theta = np.array([[np.log(500.0), np.log(2000.0), np.log(1.8), 0.35, 0.36]])
    f0, g = fit._objective_and_grad(theta, logN, logD, logL, 1e-3)
    h = 1e-6
    for j in range(5):
        tp, tm = theta.copy(), theta.copy()
        tp[0, j] += h
        tm[0, j] -= h
        fd = (fit._objective_and_grad(tp, logN, logD, logL, 1e-3)[0]
              - fit._objective_and_grad(tm, logN, logD, logL, 1e-3)[0]) / (2 * h)
        assert g[0, j] == pytest.approx(fd[0], rel=1e-4, abs=1e-10)


def test_hoffmann_grid():
    g = fit.hoffmann_grid()
    assert g.shape == (4500, 5)
    assert len(np.unique(g, axis=0)) == 4500
    np.testing.assert_allclose(np.unique(g[:, 0]), [0, 5, 10, 15, 20, 25])
    np.testing.assert_allclose(np.unique(g[:, 1]), [0, 5, 10, 15, 20, 25])
    np.testing.assert_allclose(np.unique(g[:, 2]), [-1, -0.5, 0, 0.5, 1])
    np.testing.assert_allclose(np.unique(g[:, 3]), [0, 0.5, 1, 1.5, 2])
    np.testing.assert_allclose(np.unique(g[:, 4]), [0, 0.5, 1, 1.5, 2])


def test_single_start_as_1d_grid(small_data):
    N, D, L = small_data
    start = [np.log(REPLICATION["A"]), np.log(REPLICATION["B"]), np.log(REPLICATION["E"]),
             REPLICATION["alpha"], REPLICATION["beta"]]
    f = fit.fit_chinchilla(N, D, L, init_grid=start)
    assert f.n_starts == 1
    assert f.E == pytest.approx(REPLICATION["E"], abs=1e-4)


def test_fit_accepts_pandas_and_lists(small_data):
    N, D, L = small_data
    a = fit.fit_chinchilla(pd.Series(N), pd.Series(D), pd.Series(L), init_grid=TINY_GRID)
    b = fit.fit_chinchilla(list(N), list(D), list(L), init_grid=TINY_GRID)
    assert a.params == pytest.approx(b.params)
    assert a.n_points == 12


# ---------------------------------------------------------------- non-convergence
def test_fit_that_cannot_converge_says_so(small_data):
    N, D, L = small_data
    f = fit.fit_chinchilla(N, D, L, init_grid=TINY_GRID, maxiter=1, polish=False)
    assert f.success is False
    assert "iteration limit" in f.message
    assert "iteration limit" in f.summary() and "success = False" in f.summary()


def test_polish_rescues_short_batch(small_data):
    N, D, L = small_data
    f = fit.fit_chinchilla(N, D, L, init_grid=TINY_GRID, maxiter=3, polish=True)
    assert f.success is True
    assert "L-BFGS-B" in f.message


def test_unpolished_converged_fit(small_data):
    N, D, L = small_data
    f = fit.fit_chinchilla(N, D, L, init_grid=SMALL_GRID[:20], polish=False)
    assert f.success is True and f.message == "converged; batched L-BFGS, max |gradient| < 1e-6"


# ---------------------------------------------------------------- fit_power_law
def test_power_law_exact_recovery():
    x = np.geomspace(1.0, 1e6, 20)
    r = fit.fit_power_law(x, 3 * x**-0.5)
    assert r.exponent == pytest.approx(-0.5, abs=1e-12)
    assert r.coefficient == pytest.approx(3.0, rel=1e-12)
    assert r.r_squared == pytest.approx(1.0, abs=1e-12)
    assert r.n_points == 20 and r.confidence == 0.95 and r.success
    lo, hi = r.exponent_interval
    # Noiseless: the interval collapses onto the truth (up to rounding error).
    assert lo <= r.exponent <= hi
    assert lo == pytest.approx(-0.5, abs=1e-6) and hi == pytest.approx(-0.5, abs=1e-6)
    np.testing.assert_allclose(r.predict(x), 3 * x**-0.5, rtol=1e-12)
    assert type(r.predict(4.0)) is float and r.predict(4.0) == pytest.approx(1.5)


def test_power_law_three_points_is_enough():
    r = fit.fit_power_law([1.0, 2.0, 4.0], [1.0, 4.0, 16.0])
    assert r.exponent == pytest.approx(2.0) and r.coefficient == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(5))
def test_power_law_intervals_cover_truth_on_noisy_data(seed):
    rng = np.random.default_rng(seed)
    x = np.geomspace(1e3, 1e9, 40)
    y = 7.0 * x**0.3 * np.exp(0.05 * rng.standard_normal(x.size))
    r = fit.fit_power_law(x, y, confidence=0.999)
    lo, hi = r.exponent_interval
    assert lo < 0.3 < hi and lo < r.exponent < hi
    clo, chi = r.coefficient_interval
    assert clo < 7.0 < chi and clo < r.coefficient < chi
    assert 0.95 < r.r_squared < 1.0


def test_power_law_interval_width_matches_student_t():
    from scipy import stats

    rng = np.random.default_rng(11)
    x = np.geomspace(1, 100, 10)
    y = 2 * x**-1.2 * np.exp(0.1 * rng.standard_normal(10))
    r = fit.fit_power_law(x, y, confidence=0.9)
    ref = stats.linregress(np.log(x), np.log(y))
    half = stats.t.ppf(0.95, 8) * ref.stderr
    assert r.exponent_interval == pytest.approx((ref.slope - half, ref.slope + half))
    narrower = fit.fit_power_law(x, y, confidence=0.5)
    assert narrower.exponent_interval[1] - narrower.exponent_interval[0] < 2 * half
    assert r.r_squared == pytest.approx(ref.rvalue**2)


def test_power_law_interval_coverage_rate():
    # 95% intervals should cover the true exponent about 95% of the time.
    rng = np.random.default_rng(2024)
    x = np.geomspace(1, 1e4, 15)
    hits = 0
    for _ in range(300):
        y = 5 * x**-0.7 * np.exp(0.2 * rng.standard_normal(x.size))
        lo, hi = fit.fit_power_law(x, y).exponent_interval
        hits += lo < -0.7 < hi
    assert 0.90 < hits / 300 < 0.99


# ---------------------------------------------------------------- result objects
@pytest.fixture(scope="module")
def small_fit(small_data):
    N, D, L = small_data
    return fit.fit_chinchilla(N, D, L, init_grid=SMALL_GRID[:20])


@pytest.fixture(scope="module")
def small_boot(small_data, small_fit):
    N, D, L = small_data
    return fit.bootstrap_chinchilla(N, D, L, n_boot=20, rng=1, fit=small_fit)


@pytest.fixture(scope="module")
def power_fit():
    x = np.geomspace(1, 100, 10)
    return fit.fit_power_law(x, 2 * x**-1.5)


@pytest.mark.parametrize(
    "which, attr",
    [("small_fit", "E"), ("small_fit", "success"), ("small_boot", "samples"),
     ("small_boot", "confidence"), ("power_fit", "exponent"), ("power_fit", "message")],
)
def test_results_are_frozen(request, which, attr):
    obj = request.getfixturevalue(which)
    assert dataclasses.is_dataclass(obj)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(obj, attr, 0)


def test_chinchilla_fit_methods(small_fit):
    f = small_fit
    assert f.params == {k: getattr(f, k) for k in ("E", "A", "B", "alpha", "beta")}
    assert all(type(v) is float for v in f.params.values())
    assert f.predict(1e9, 1e10) == pytest.approx(laws.chinchilla_loss(1e9, 1e10, **f.params))
    assert type(f.predict(1e9, 1e10)) is float
    assert f.predict([1e9, 1e10], [1e10, 1e11]).shape == (2,)
    N_opt, D_opt = f.compute_optimal(1e22)
    assert (N_opt, D_opt) == pytest.approx(
        laws.compute_optimal(1e22, A=f.A, B=f.B, alpha=f.alpha, beta=f.beta)
    )
    assert f.tokens_per_parameter(1e22) == pytest.approx(D_opt / N_opt)
    assert f.a == pytest.approx(f.beta / (f.alpha + f.beta))
    s = f.to_series()
    assert list(s.index) == ["E", "A", "B", "alpha", "beta", "a", "objective"]


def test_chinchilla_fit_summary_and_html(small_fit):
    s = small_fit.summary()
    for name in ("E =", "A =", "B =", "alpha =", "beta =", "objective", "success", "12 points"):
        assert name in s
    assert str(small_fit) == s
    html = small_fit._repr_html_()
    assert html.startswith("<pre>") and html.endswith("</pre>") and s in html


def test_power_law_fit_summary_and_html(power_fit):
    s = power_fit.summary()
    for name in ("s =", "k =", "R^2", "10 points", "95%"):
        assert name in s
    assert str(power_fit) == s
    assert power_fit._repr_html_() == f"<pre>{s}</pre>"


def test_plots_return_axes(small_fit, small_boot, power_fit, small_data):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    N, D, L = small_data
    try:
        assert small_fit.plot(N, D, L) is not None
        assert small_boot.plot("alpha") is not None
        x = np.geomspace(1, 100, 10)
        assert power_fit.plot(x, 2 * x**-1.5) is not None
    finally:
        plt.close("all")


def test_bootstrap_without_fit_computes_one(small_data):
    # With fit omitted the full 4,500-start fit runs on 12 points (fast on small data).
    N, D, L = small_data
    b = fit.bootstrap_chinchilla(N, D, L, n_boot=5, rng=3)
    assert isinstance(b.fit, fit.ChinchillaFit) and b.fit.n_starts == 4500
    assert b.samples.shape == (5, 9)


# ---------------------------------------------------------------- bad input
NAN, INF = float("nan"), float("inf")


def _with(values, i, bad):
    out = np.array(values, dtype=float)
    out[i] = bad
    return out


@pytest.mark.parametrize("arg", ["N", "D", "loss"])
@pytest.mark.parametrize("bad", [NAN, INF, -INF, 0.0, -1.0])
@pytest.mark.parametrize(
    "call",
    [
        lambda N, D, L: fit.fit_chinchilla(N, D, L, init_grid=TINY_GRID),
        lambda N, D, L: fit.bootstrap_chinchilla(N, D, L, n_boot=2, fit=None),
        lambda N, D, L: fit.chinchilla_objective(REPLICATION, N, D, L),
    ],
    ids=["fit_chinchilla", "bootstrap_chinchilla", "chinchilla_objective"],
)
def test_chinchilla_bad_values(small_data, call, arg, bad):
    data = dict(zip(("N", "D", "loss"), small_data))
    data[arg] = _with(data[arg], 3, bad)
    with pytest.raises(ValueError, match=f"`{arg}`"):
        call(data["N"], data["D"], data["loss"])


@pytest.mark.parametrize("arg", ["N", "D", "loss"])
def test_chinchilla_non_numeric(small_data, arg):
    data = dict(zip(("N", "D", "loss"), small_data))
    data[arg] = ["lots"] * 12
    with pytest.raises(ValueError, match=f"`{arg}`"):
        fit.fit_chinchilla(data["N"], data["D"], data["loss"], init_grid=TINY_GRID)


@pytest.mark.parametrize("arg", ["N", "D", "loss"])
def test_chinchilla_mismatched_lengths(small_data, arg):
    data = dict(zip(("N", "D", "loss"), small_data))
    data[arg] = data[arg][:-1]
    with pytest.raises(ValueError, match=rf"Mismatched lengths.*`{arg}` has 11"):
        fit.fit_chinchilla(data["N"], data["D"], data["loss"], init_grid=TINY_GRID)
    with pytest.raises(ValueError, match="Mismatched lengths"):
        fit.bootstrap_chinchilla(data["N"], data["D"], data["loss"], n_boot=2)


@pytest.mark.parametrize("n", [0, 1, 5])
def test_chinchilla_too_few_points(small_data, n):
    N, D, L = (a[:n] for a in small_data)
    match = "empty" if n == 0 else "at least 6 points"
    with pytest.raises(ValueError, match=match):
        fit.fit_chinchilla(N, D, L, init_grid=TINY_GRID)


def test_chinchilla_six_points_is_enough(small_data):
    N, D, L = (a[:6] for a in small_data)
    assert fit.fit_chinchilla(N, D, L, init_grid=TINY_GRID).n_points == 6


@pytest.mark.parametrize(
    "grid",
    [
        np.zeros((3, 4)),
        np.zeros((3, 6)),
        np.zeros((2, 3, 5)),
        np.zeros(4),
        _with(TINY_GRID, (0, 2), NAN),
        _with(TINY_GRID, (1, 0), INF),
    ],
    ids=["k x 4", "k x 6", "3-D", "1-D length 4", "nan", "inf"],
)
def test_bad_init_grid(small_data, grid):
    with pytest.raises(ValueError, match="`init_grid`"):
        fit.fit_chinchilla(*small_data, init_grid=grid)


@pytest.mark.parametrize("delta", [0.0, -1e-3, NAN, INF, "big"])
def test_bad_huber_delta(small_data, delta):
    with pytest.raises(ValueError, match="`huber_delta`"):
        fit.fit_chinchilla(*small_data, init_grid=TINY_GRID, huber_delta=delta)
    with pytest.raises(ValueError, match="`huber_delta`"):
        fit.chinchilla_objective(REPLICATION, *small_data, huber_delta=delta)


@pytest.mark.parametrize("key, value", [("E", -0.1), ("A", 0.0), ("B", NAN), ("alpha", -0.3), ("beta", INF)])
def test_objective_bad_params(small_data, key, value):
    with pytest.raises(ValueError, match=f"`{key}`"):
        fit.chinchilla_objective({**REPLICATION, key: value}, *small_data)


@pytest.mark.parametrize("n_boot", [1, 0, -5, 200.0, 2.5, "200", None, True])
def test_bad_n_boot(small_data, small_fit, n_boot):
    with pytest.raises(ValueError, match="`n_boot`"):
        fit.bootstrap_chinchilla(*small_data, n_boot=n_boot, fit=small_fit)


def test_n_boot_numpy_integer_ok(small_data, small_fit):
    b = fit.bootstrap_chinchilla(*small_data, n_boot=np.int64(3), rng=0, fit=small_fit)
    assert b.n_boot == 3 and type(b.n_boot) is int


@pytest.mark.parametrize("confidence", [0.0, 1.0, 1.5, -0.2, NAN, INF, "high"])
def test_bad_confidence(small_data, small_fit, confidence):
    with pytest.raises(ValueError, match="`confidence`"):
        fit.bootstrap_chinchilla(*small_data, n_boot=5, confidence=confidence, fit=small_fit)
    x = np.geomspace(1, 10, 5)
    with pytest.raises(ValueError, match="`confidence`"):
        fit.fit_power_law(x, x**2, confidence=confidence)


@pytest.mark.parametrize(
    "rng", [1.5, "42", None, np.random.RandomState(0), [1, 2]],
    ids=["float", "str", "None", "RandomState", "list"],
)
def test_bad_rng(small_data, small_fit, rng):
    with pytest.raises(ValueError, match="`rng`"):
        fit.bootstrap_chinchilla(*small_data, n_boot=5, rng=rng, fit=small_fit)


@pytest.mark.parametrize("bad_fit", [{"E": 1.8}, "fit", 1.0])
def test_bad_fit_argument(small_data, bad_fit):
    with pytest.raises(ValueError, match="`fit`"):
        fit.bootstrap_chinchilla(*small_data, n_boot=5, fit=bad_fit)


@pytest.mark.parametrize("name", ["gamma", "converged", "tokens_per_parameter", ""])
def test_bootstrap_interval_unknown_name(small_boot, name):
    with pytest.raises(ValueError, match="`name` must be one of"):
        small_boot.interval(name)


def test_bootstrap_derived_bad_input(small_boot):
    with pytest.raises(ValueError, match="`name` must be one of .*tokens_per_parameter"):
        small_boot.derived_interval(1e21, "E")
    for C in (0.0, -1e21, NAN, INF, "lots", [1e21, 1e22]):
        with pytest.raises(ValueError, match="`C`"):
            small_boot.derived(C)


@pytest.mark.parametrize("arg", ["x", "y"])
@pytest.mark.parametrize("bad", [NAN, INF, 0.0, -2.0, "abc"])
def test_power_law_bad_values(arg, bad):
    data = {"x": [1.0, 2.0, 3.0, 4.0], "y": [1.0, 0.5, 0.33, 0.25]}
    data[arg] = list(data[arg])
    data[arg][2] = bad
    with pytest.raises(ValueError, match=f"`{arg}`"):
        fit.fit_power_law(data["x"], data["y"])


def test_power_law_too_few_and_mismatched():
    with pytest.raises(ValueError, match="at least 3 points"):
        fit.fit_power_law([1.0, 2.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"Mismatched lengths.*`y` has 3"):
        fit.fit_power_law([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="`x`.*empty"):
        fit.fit_power_law([], [])


# ---------------------------------------------------------------- regression tests for fixed validation bugs
def test_confidence_must_be_a_single_number():
    x = np.geomspace(1, 10, 5)
    with pytest.raises(ValueError, match="`confidence`"):
        fit.fit_power_law(x, x**2, confidence=[0.9, 5.0])


@pytest.mark.parametrize("grid", [[["a", "b", "c", "d", "e"]], np.zeros((0, 5))], ids=["strings", "empty"])
def test_init_grid_errors_name_argument(small_data, grid):
    with pytest.raises(ValueError, match="`init_grid`"):
        fit.fit_chinchilla(*small_data, init_grid=grid)


@pytest.mark.parametrize("maxiter", [0, -3, "many", 2.5, True])
def test_maxiter_must_be_a_positive_integer(small_data, maxiter):
    with pytest.raises(ValueError, match="`maxiter`"):
        fit.fit_chinchilla(*small_data, maxiter=maxiter)


def test_bootstrap_rejects_boolean_seed(small_data):
    with pytest.raises(ValueError, match="`rng`"):
        fit.bootstrap_chinchilla(*small_data, n_boot=5, rng=True)


# ---------------------------------------------------------------- fits that admit failure
def _design12(seed=0):
    """12 runs, N on a grid and D a seeded shuffle of its grid (not collinear)."""
    rng = np.random.default_rng(seed)
    N = np.geomspace(1e7, 1e10, 12)
    D = np.geomspace(1e9, 1e11, 12)[rng.permutation(12)]
    return N, D, rng


def _hopeless(case):
    """The 12-point data sets of the issue on which a fit must report failure."""
    N, D, rng = _design12()
    good = laws.chinchilla_loss(N, D, **REPLICATION)
    noise = np.exp(0.01 * rng.standard_normal(12))
    if case == "constant loss":
        return N, D, np.full(12, 2.5)
    if case == "rising loss":
        return N, D, 1.5 + 1e-3 * N**0.1 + 1e-3 * D**0.1
    if case == "pure noise":
        return N, D, 2.5 + 0.1 * rng.standard_normal(12)
    if case == "three outliers":
        return N, D, np.where(np.arange(12) % 4 == 0, 3 * good, good)
    if case == "N constant":
        return np.full(12, 1e9), D, laws.chinchilla_loss(1e9, D, **REPLICATION) * noise
    if case == "D constant":
        return N, np.full(12, 1e10), laws.chinchilla_loss(N, 1e10, **REPLICATION) * noise
    if case == "D = 20 N":
        return N, 20 * N, laws.chinchilla_loss(N, 20 * N, **REPLICATION) * noise
    if case == "floor above losses":
        # A law whose floor the data go through: the lowest losses sit below E.
        L = laws.chinchilla_loss(N, D, **REPLICATION) * noise
        L[np.argmin(L)] = 1.70
        return N, D, L
    if case == "loss falls with N only":
        return N, D, laws.chinchilla_loss(N, 1e30, **REPLICATION) * noise
    raise KeyError(case)


HOPELESS = {
    # case: a pattern every reason list must contain
    "constant loss": r"flat data",
    "rising loss": r"alpha = .* is not positive",
    "pure noise": r"is not positive|vanished|do not identify",
    "three outliers": r"term E is below .* vanished",
    "N constant": r"every run has the same N",
    "D constant": r"every run has the same D",
    "D = 20 N": r"log D is a linear function of log N",
    "floor above losses": r"E = .* is not below the lowest observed loss",
    "loss falls with N only": r"B/D\^beta .* vanished|do not identify .*B|beta = .* is not positive",
}


@pytest.fixture(scope="module")
def hopeless_fits():
    return {case: fit.fit_chinchilla(*_hopeless(case)) for case in HOPELESS}


@pytest.mark.parametrize("case", list(HOPELESS))
def test_hopeless_fit_says_it_failed(hopeless_fits, case):
    f = hopeless_fits[case]
    assert f.success is False
    assert f.message.startswith("failed: ")
    assert re.search(HOPELESS[case], f.message), f.message
    # Whatever the outcome, the result prints, summarises and plots.
    s = f.summary()
    assert "success = False" in s and str(f) == s and s in f._repr_html_()
    assert isinstance(f.to_series(), pd.Series)
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    try:
        assert f.plot(*_hopeless(case)) is not None
    finally:
        plt.close("all")


@pytest.mark.parametrize("case", ["N constant", "D constant", "D = 20 N"])
def test_unidentified_parameters_are_named(hopeless_fits, case):
    expected = {"N constant": {"A", "alpha"}, "D constant": {"B", "beta"},
                "D = 20 N": {"A", "B", "alpha", "beta"}}[case]
    assert expected <= set(hopeless_fits[case].unidentified)


@pytest.mark.parametrize("case", ["N constant", "D = 20 N", "constant loss"])
def test_bootstrap_never_gives_a_zero_width_interval_to_an_unidentified_parameter(hopeless_fits, case):
    N, D, L = _hopeless(case)
    b = fit.bootstrap_chinchilla(N, D, L, n_boot=60, rng=0, fit=hopeless_fits[case])
    assert b.success is False and "full-data fit failed" in b.message
    for name in b.fit.unidentified:
        iv = b.interval(name)
        assert np.isnan(iv.lower) and np.isnan(iv.upper), (name, iv)
        assert "not identified" in iv.reason
    for name in ("E", "A", "B", "alpha", "beta", "a"):
        lo, hi = b.interval(name)
        assert not lo == hi, (name, lo, hi)  # never a zero-width interval
    assert 0 <= b.failed_fraction <= 1
    s = b.summary()
    assert "failed" in s and "success = False" in s
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    try:
        for name in ("alpha", "E"):
            assert b.plot(name) is not None
    finally:
        plt.close("all")


def test_bootstrap_counts_failed_refits_and_leaves_them_out():
    # A usable fit whose resamples sometimes lose a whole range of N: the refits that
    # cannot identify the N-term fail the checks and are counted, not used.
    N, D, rng = _design12(seed=3)
    L = laws.chinchilla_loss(N, D, **REPLICATION) * np.exp(0.003 * rng.standard_normal(12))
    f = fit.fit_chinchilla(N, D, L)
    assert f.success, f.message
    b = fit.bootstrap_chinchilla(N, D, L, n_boot=300, rng=0, fit=f)
    failed = ~b.samples["success"]
    assert failed.sum() == round(300 * b.failed_fraction)
    assert (b.samples.loc[failed, "failure"] != "").all()
    assert (b.samples.loc[~failed, "failure"] == "").all()
    assert b.failures().sum() == failed.sum()
    good = b.samples.loc[~failed, "alpha"]
    lo, hi = b.interval("alpha")
    np.testing.assert_allclose([lo, hi], np.percentile(good, [2.5, 97.5]))
    assert f"{int(failed.sum())} of 300 refits failed" in b.summary()


def test_planted_fit_and_its_bootstrap_still_succeed():
    N, D, rng = _design12(seed=5)
    N, D = np.repeat(N, 3), np.concatenate([D, D[::-1], np.roll(D, 5)])
    L = laws.chinchilla_loss(N, D, **REPLICATION) * np.exp(1e-3 * rng.standard_normal(36))
    f = fit.fit_chinchilla(N, D, L)
    assert f.success and f.unidentified == (), f.message
    b = fit.bootstrap_chinchilla(N, D, L, n_boot=200, rng=0, fit=f)
    assert b.success and b.failed_fraction <= fit.MAX_FAILED_SHARE, b.summary()
    for name in ("E", "alpha", "beta"):
        lo, hi = b.interval(name)
        assert lo < REPLICATION[name] < hi


def test_bootstrap_does_not_depend_on_the_order_of_the_runs(chinchilla_points, real_fit):
    p = chinchilla_points
    shuffled = p.sample(frac=1.0, random_state=7)
    a = fit.bootstrap_chinchilla(p["N"], p["D"], p["loss"], n_boot=50, rng=0, fit=real_fit)
    b = fit.bootstrap_chinchilla(shuffled["N"], shuffled["D"], shuffled["loss"], n_boot=50, rng=0,
                                 fit=real_fit)
    pd.testing.assert_frame_equal(a.samples, b.samples)


def test_refits_reach_their_optimum_not_where_lbfgs_stopped(chinchilla_points, real_fit):
    # Along the flat log A - alpha valley an L-BFGS stop on its f-tolerance can sit far from
    # the resample's optimum; after the Newton steps every successful refit is stationary.
    p = chinchilla_points
    b = fit.bootstrap_chinchilla(p["N"], p["D"], p["loss"], n_boot=100, rng=2, fit=real_fit)
    good = b.samples[b.samples["success"]]
    logN, logD, logL = (np.log(np.sort(v)) for v in (p["N"], p["D"], p["loss"]))
    assert len(good) >= 95
    assert good["converged"].all()


def test_failed_line_search_is_not_convergence():
    # An objective that is finite only at the start: every trial step gives inf, so the
    # line search fails; that is a stop, not convergence.
    def fg(theta, rows):
        at_start = np.all(theta == 1.0, axis=1)
        f = np.where(at_start, 1.0, np.inf)
        return f, np.ones_like(theta)

    x, f, status, _ = fit._batched_lbfgs(np.ones((3, 2)), fg, maxiter=5)
    assert (status == fit.LBFGS_LINE_SEARCH).all()
    assert not np.isin(status, [fit.LBFGS_GRADIENT, fit.LBFGS_FTOL]).any()


def test_fit_that_stopped_early_is_not_a_success(small_data):
    N, D, L = small_data
    f = fit.fit_chinchilla(N, D, L, init_grid=TINY_GRID, maxiter=2, polish=False)
    assert f.success is False
    assert re.search(r"not converged: max \|gradient\| = .* > 1e-6", f.message)


@pytest.mark.parametrize("polish", ["no", 0, 1, None, "False"])
def test_polish_must_be_a_bool(small_data, polish):
    N, D, L = small_data
    with pytest.raises(TypeError, match="`polish` must be True or False"):
        fit.fit_chinchilla(N, D, L, init_grid=TINY_GRID, polish=polish)


@pytest.mark.parametrize("params, pattern", [({}, "lacks E, A, B, alpha, beta"),
                                             ({"E": 1.0, "A": 1.0}, "lacks B, alpha, beta"),
                                             ([1, 2, 3, 4, 5], "must be a mapping")])
def test_objective_params_must_be_complete(small_data, params, pattern):
    with pytest.raises(ValueError, match=pattern):
        fit.chinchilla_objective(params, *small_data)


def test_power_law_on_flat_or_constant_data_fails():
    x = np.geomspace(1, 100, 8)
    flat = fit.fit_power_law(x, np.full(8, 3.0))
    assert flat.success is False and "flat data" in flat.message
    single = fit.fit_power_law(np.full(4, 5.0), [1.0, 2.0, 3.0, 4.0])
    assert single.success is False and "every value of `x` is 5" in single.message
    for f in (flat, single):
        assert "success = False" in f.summary()
        with pytest.raises(ValueError, match="failed"):
            f.predict(3.0)
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    try:
        assert flat.plot(x, np.full(8, 3.0)) is not None
    finally:
        plt.close("all")


def test_bootstrap_summary_prints_estimates_to_a_hundredth_of_their_standard_error():
    # B of the Chinchilla refit (SE ~1300) printed as 2143.4174 on one CPU and 2143.4173 on
    # another (AVX-512): digits four orders below the statistical error are noise.
    from scaling_utils.fit import _estimate_text

    assert _estimate_text(2143.41738, 1330.0) == "2143"
    assert _estimate_text(477.8259, 122.0) == "478"
    assert _estimate_text(1.81724, 0.0247) == "1.8172"
    assert _estimate_text(0.34731, 0.0152) == "0.3473"
    assert _estimate_text(0.5, 1e-9) == "0.5000"  # at most 4 decimals
    assert _estimate_text(2.5e24, 1e23) == "2.5e+24"  # huge: 4 significant digits
    assert _estimate_text(1.5, float("nan")) == "1.5000"


def test_percentile_interval_of_a_constant_sample_is_exact():
    # np.quantile returned 0.3 - 1 ulp on an AVX-512 machine, printed as 0.29999999999999999.
    for value in (0.3, 0.1, 1.7, 1e-5):
        exact = fit.percentile_interval(np.full(100, value))
        assert tuple(exact) == (value, value)
    assert fit.percentile_interval(np.full(100, 0.3)).text() == "0.3 to 0.3"
    assert fit.format_with_error(0.3, 1e-17) == "0.3"


def test_percentile_interval_reports_its_monte_carlo_error():
    rng = np.random.default_rng(0)
    values = rng.standard_normal(4000)
    iv = fit.percentile_interval(values, 0.95)
    lo, hi = iv
    np.testing.assert_allclose((lo, hi), np.percentile(values, [2.5, 97.5]), rtol=1e-14)
    # The Monte-Carlo SE of the 2.5% quantile of N(0, 1) from 4,000 draws is
    # sqrt(q (1 - q) / m) / phi(z_q) = 0.0427 (Efron & Tibshirani 1993, ch. 19).
    assert iv.lower_error == pytest.approx(0.0427, rel=0.35)
    assert iv.upper_error == pytest.approx(0.0427, rel=0.35)
    # Printed to the decimal place of that error: two decimals.
    assert re.fullmatch(r"-\d\.\d\d to \d\.\d\d", iv.text())
    assert iv.rounded() == (round(lo, 2), round(hi, 2))
    exact = fit.percentile_interval(np.full(100, 0.3))
    assert tuple(exact) == (0.3, 0.3) and exact.text() == "0.3 to 0.3"
    few = fit.percentile_interval(np.arange(19.0))
    assert np.isnan(few.lower) and "only 19 successful resamples" in few.reason
    assert "undefined" in few.text()


# --------------------------------------------------------------------------- mean objective
def test_objective_and_gradient_mean_is_sum_over_n():
    rng = np.random.default_rng(7)
    N = np.geomspace(1e7, 1e10, 12)
    D = np.geomspace(1e9, 1e11, 12)[rng.permutation(12)]
    L = laws.chinchilla_loss(N, D, **laws.HOFFMANN_2022) * np.exp(rng.normal(0, 0.01, 12))
    theta = np.array([np.log(400.0), np.log(400.0), np.log(1.7), 0.33, 0.29])
    f_sum, g_sum = fit.chinchilla_objective_and_gradient(theta, N, D, L)
    f_mean, g_mean = fit.chinchilla_objective_and_gradient(theta, N, D, L, reduction="mean")
    assert f_mean == pytest.approx(f_sum / 12, rel=1e-14)
    np.testing.assert_allclose(g_mean, g_sum / 12, rtol=1e-13)
    params = {"E": 1.7, "A": 400.0, "B": 400.0, "alpha": 0.33, "beta": 0.29}
    assert f_sum == pytest.approx(fit.chinchilla_objective(params, N, D, L), rel=1e-12)
    step = 1e-6
    numeric = [(fit.chinchilla_objective_and_gradient(theta + step * e, N, D, L)[0]
                - fit.chinchilla_objective_and_gradient(theta - step * e, N, D, L)[0]) / (2 * step)
               for e in np.eye(5)]
    np.testing.assert_allclose(g_sum, numeric, rtol=1e-5, atol=1e-9)
    with pytest.raises(ValueError):
        fit.chinchilla_objective_and_gradient(theta, N, D, L, reduction="median")
    with pytest.raises(ValueError):
        fit.chinchilla_objective_and_gradient(theta[:4], N, D, L)


def test_hoffmann_mean_objective_slice_regenerates(load_generator):
    from scaling_utils import data

    script = load_generator("hoffmann_mean_objective")
    committed = data.load("hoffmann_mean_objective")
    assert list(committed.columns) == script.COLUMNS
    assert len(committed) == len(fit.hoffmann_grid())
    assert data.REGISTRY["hoffmann_mean_objective"].kind == "generated"
    fresh = script.run_starts([0, 50]).set_index("start")
    old = committed.set_index("start").loc[[0, 50]]
    for column in ("E", "A", "B", "alpha", "beta", "mean_objective"):
        np.testing.assert_allclose(fresh[column], old[column], rtol=1e-5)
    assert (fresh["stop"] == old["stop"]).all()
    # The mean objective's early stops sit above the summed objective's optimum.
    assert committed["mean_objective"].min() * 240 > 0.00101827
