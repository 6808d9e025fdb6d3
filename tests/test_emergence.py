"""Unit tests for :mod:`scaling_utils.emergence`.

* the two metrics of Schaeffer et al. (2023) and the simulation (exact values, properties,
  Monte-Carlo agreement with ``p**L`` and ``L (1 - p)``);
* planted-parameter recovery of the sigmoid and the broken power law (Caballero et al.
  2022), their bootstraps (seeded, paired), and the fit-small-predict-large helper;
* the item-count inference and the Clopper-Pearson interval (certified against scipy's
  ``binomtest``), and the Observational Scaling Laws CSV (skipped without the mirror);
* bad input for every public function.
"""
from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scaling_utils import emergence as em

MIRROR = Path(__file__).resolve().parents[2] / "shared/data/third_party"

X = np.geomspace(1e20, 1e25, 40)
SIG_TRUE = {"slope": 2.5, "midpoint": 22.8, "floor": 0.0, "ceiling": 0.6}
BNSL_TRUE = {"a": 0.02, "b": 0.01, "c0": 0.0, "c1": -0.5, "d1": 1e22, "f1": 0.3}


def _noisy(y, sd, seed):
    return np.clip(y + sd * np.random.default_rng(seed).standard_normal(y.shape), 0, 1)


@pytest.fixture(scope="module")
def sig_fit():
    y = _noisy(em.sigmoid(X, **SIG_TRUE), 0.01, 1)
    return em.fit_sigmoid(X, y, n_boot=100, rng=5), y


@pytest.fixture(scope="module")
def bnsl_data():
    return X, _noisy(em.broken_power_law(X, **BNSL_TRUE), 0.002, 2)


@pytest.fixture(scope="module")
def bnsl_fit(bnsl_data):
    x, y = bnsl_data
    return em.fit_broken_power_law(x, y, n_boot=30, rng=0)


# ---------------------------------------------------------------- metrics and simulation
def test_metrics_by_hand():
    assert em.exact_match(0.9, L=3) == pytest.approx(0.729)
    assert em.expected_edit_distance(0.9, L=3) == pytest.approx(0.3)
    np.testing.assert_allclose(em.exact_match([0.0, 1.0], L=5), [0.0, 1.0])
    np.testing.assert_allclose(em.expected_edit_distance([0.0, 1.0], L=5), [5.0, 0.0])


def test_exact_match_is_sharper_than_edit_distance():
    """Over the same range of p, the longer the answer the larger the jump in exact match."""
    p = np.linspace(0.5, 0.99, 50)
    for L in (1, 5, 20):
        m = em.exact_match(p, L=L)
        assert np.all(np.diff(m) > 0)
        d = em.expected_edit_distance(p, L=L) / L
        assert np.allclose(np.diff(d), np.diff(d)[0])  # linear in p
    # Share of the exact-match rise in the top fifth of p grows with L.
    top = p >= 0.9
    shares = [np.ptp(em.exact_match(p[top], L=L)) / np.ptp(em.exact_match(p, L=L)) for L in (1, 5, 20)]
    assert shares[0] < shares[1] < shares[2]


def test_token_accuracy():
    assert em.token_accuracy(1e9, N_c=1e9, alpha=0.5) == pytest.approx(np.exp(-1))
    p = em.token_accuracy(np.geomspace(1e6, 1e12, 20), N_c=1e8, alpha=0.3)
    assert np.all(np.diff(p) > 0) and np.all((p > 0) & (p < 1))


def test_simulation_matches_expectation():
    N = np.geomspace(1e7, 1e12, 12)
    sim = em.simulate_emergence(N, L=8, N_c=5e6, alpha=0.35, n_answers=2000, rng=3)
    f = sim.frame
    assert list(f.columns) == ["N", "token_accuracy", "exact_match", "exact_match_expected",
                               "edit_distance", "edit_distance_expected"]
    assert sim.max_z() < 4.5
    np.testing.assert_allclose(f["edit_distance"], f["edit_distance_expected"], atol=0.15)
    again = em.simulate_emergence(N, L=8, N_c=5e6, alpha=0.35, n_answers=2000, rng=3)
    pd.testing.assert_frame_equal(f, again.frame)
    assert "seed 3" in sim.summary() and sim.success


# ---------------------------------------------------------------- sigmoid
def test_sigmoid_shape():
    assert em.sigmoid(10**22.8, **SIG_TRUE) == pytest.approx(0.3)
    assert em.sigmoid(1e10, **SIG_TRUE) == pytest.approx(0.0, abs=1e-12)
    lo, hi = 22.8 - np.log(9) / 2.5, 22.8 + np.log(9) / 2.5
    assert em.sigmoid(10**hi, **SIG_TRUE) - em.sigmoid(10**lo, **SIG_TRUE) == pytest.approx(0.8 * 0.6)


def test_sigmoid_noiseless_recovery():
    f = em.fit_sigmoid(X, em.sigmoid(X, **SIG_TRUE), n_boot=0)
    assert f.success, f.message
    for k in ("slope", "midpoint", "ceiling"):
        assert getattr(f, k) == pytest.approx(SIG_TRUE[k], rel=1e-5)
    assert f.objective < 1e-12 and f.r_squared == pytest.approx(1.0)
    assert f.width == pytest.approx(2 * np.log(9) / 2.5, rel=1e-5)


def test_sigmoid_planted_recovery_with_noise(sig_fit):
    f, _ = sig_fit
    assert f.slope == pytest.approx(SIG_TRUE["slope"], rel=0.15)
    assert f.midpoint == pytest.approx(SIG_TRUE["midpoint"], abs=0.05)
    assert f.ceiling == pytest.approx(SIG_TRUE["ceiling"], abs=0.02)
    for k in ("slope", "midpoint", "ceiling"):
        lo, hi = f.interval(k)
        assert lo <= SIG_TRUE[k] <= hi
    assert f.converged_fraction > 0.9


def test_sigmoid_fixed_ceiling_and_floor():
    s = {**SIG_TRUE, "floor": 0.25, "ceiling": 1.0}
    f = em.fit_sigmoid(X, em.sigmoid(X, **s), floor=0.25, ceiling=1.0, n_boot=0)
    assert f.slope == pytest.approx(2.5, rel=1e-5) and f.ceiling == 1.0 and f.floor == 0.25


def test_sigmoid_bootstrap_is_seeded_and_paired(sig_fit):
    f, y = sig_fit
    again = em.fit_sigmoid(X, y, n_boot=100, rng=5)
    pd.testing.assert_frame_equal(f.samples, again.samples)
    other = em.fit_sigmoid(X, y, n_boot=100, rng=6)
    assert not f.samples["slope"].equals(other.samples["slope"])
    # Same seed and length: the same resamples, so a shifted y gives paired samples.
    shifted = em.fit_sigmoid(X, y * 0.5, n_boot=100, rng=5)
    np.testing.assert_allclose(shifted.samples["slope"], f.samples["slope"], rtol=1e-3)


def test_sigmoid_unidentified_midpoint_is_flagged():
    """All-zero scores below a threshold: the fit cannot place it and says so."""
    x = np.geomspace(1e20, 1e22, 12)
    y = np.r_[np.zeros(11), 0.002]
    f = em.fit_sigmoid(x, y, n_boot=0)
    assert "outside the range of x" in f.message or "do not pin" in f.message


def test_sigmoid_summary_predict_plot(sig_fit):
    f, y = sig_fit
    text = f.summary()
    assert "width" in text and "seed 5" in text and "95%" in text
    assert f._repr_html_().startswith("<pre>")
    assert f.predict_samples(X).shape[1] == X.size
    ax = f.plot(X, y)
    assert ax.get_xscale() == "log"
    import matplotlib.pyplot as plt
    plt.close("all")


# ---------------------------------------------------------------- broken power law
def test_broken_power_law_limits():
    p = dict(BNSL_TRUE)
    x_small, x_big = 1e15, 1e31
    # Far below the break: a + b x^-c0; far above: a + b d1^(c1) x^-(c0+c1).
    assert em.broken_power_law(x_small, **p) == pytest.approx(p["a"] + p["b"] * x_small ** -p["c0"], rel=1e-6)
    expect = p["a"] + p["b"] * p["d1"] ** p["c1"] * x_big ** -(p["c0"] + p["c1"])
    assert em.broken_power_law(x_big, **p) == pytest.approx(expect, rel=1e-6)


def test_broken_power_law_noiseless_recovery():
    y = em.broken_power_law(X, **BNSL_TRUE)
    f = em.fit_broken_power_law(X, y, n_boot=0)
    np.testing.assert_allclose(f.predict(X), y, atol=2e-4)
    assert f.d1 == pytest.approx(BNSL_TRUE["d1"], rel=0.3)
    assert f.c0 + f.c1 == pytest.approx(BNSL_TRUE["c0"] + BNSL_TRUE["c1"], abs=0.05)


def test_broken_power_law_planted_recovery_with_noise(bnsl_fit):
    f = bnsl_fit
    assert f.success, f.message
    assert f.c0 + f.c1 == pytest.approx(-0.5, abs=0.1)  # slope after the break
    assert np.log10(f.d1) == pytest.approx(22.0, abs=0.5)
    lo, hi = f.interval("d1")
    assert lo <= BNSL_TRUE["d1"] <= hi
    assert f.converged_fraction > 0.8


def test_broken_power_law_summary_and_plot(bnsl_fit, bnsl_data):
    x, y = bnsl_data
    assert "d1" in bnsl_fit.summary() and "seed 0" in bnsl_fit.summary()
    assert bnsl_fit.predict_samples(x).shape[1] == x.size
    assert bnsl_fit.plot(x, y).get_xscale() == "log"
    import matplotlib.pyplot as plt
    plt.close("all")


def test_broken_power_law_local_slope(bnsl_fit):
    f = bnsl_fit
    x = np.geomspace(1e20, 1e25, 11)
    # Matches a central finite difference of log y against log x.
    h = 1e-5
    numeric = (np.log(f.predict(x * np.exp(h))) - np.log(f.predict(x * np.exp(-h)))) / (2 * h)
    np.testing.assert_allclose(f.local_slope(x), numeric, rtol=1e-5, atol=1e-8)
    # The power-law part has slope -c0 far below the break and -(c0 + c1) far above it.
    assert f.local_slope(f.d1 * 1e-12, of="y - a") == pytest.approx(-f.c0, abs=1e-6)
    assert f.local_slope(f.d1 * 1e12, of="y - a") == pytest.approx(-(f.c0 + f.c1), abs=1e-6)
    # With no offset the two slopes coincide.
    no_offset = dataclasses.replace(f, a=0.0)
    np.testing.assert_allclose(no_offset.local_slope(x), no_offset.local_slope(x, of="y - a"))
    # A scalar in, a float out; non-positive fitted y gives NaN.
    assert isinstance(f.local_slope(1e22), float)
    assert np.isnan(dataclasses.replace(f, a=-1.0, b=0.0).local_slope(1e22))
    # Bootstrap curves: one row per successful refit, consistent with the formula.
    samples = f.local_slope_samples(x)
    assert samples.shape == (int(f.samples["success"].sum()), x.size)
    row = f.samples[f.samples["converged"]].iloc[0]
    one = dataclasses.replace(f, **{k: float(row[k]) for k in em.BNSL_NAMES})
    np.testing.assert_allclose(samples[0], one.local_slope(x))


def test_local_slope_bad_input(bnsl_fit):
    with pytest.raises(ValueError, match="`x`"):
        bnsl_fit.local_slope([1e22, -1.0])
    with pytest.raises(ValueError, match="`x`"):
        bnsl_fit.local_slope(np.nan)
    with pytest.raises(ValueError, match="`of`"):
        bnsl_fit.local_slope(1e22, of="log y")
    with pytest.raises(ValueError, match="`of`"):
        bnsl_fit.local_slope_samples([1e22], of="dy")


# ---------------------------------------------------------------- extrapolation
def test_fit_small_predict_large_sigmoid():
    y = em.sigmoid(X, **SIG_TRUE)
    # The small models include most of the rise: the prediction is close.
    good = em.fit_small_predict_large(X, y, cut=1e24, n_boot=40, rng=0)
    assert good.n_small + good.n_large == X.size and good.rmse < 0.01
    assert list(good.frame.columns) == ["x", "y", "predicted", "lower", "upper", "error"]
    # Only the flat bottom is seen: the prediction misses by a wide margin.
    bad = em.fit_small_predict_large(X, y, cut=10**21.5, n_boot=20, rng=0)
    assert bad.rmse > 10 * good.rmse
    lo, hi = good.rmse_interval
    assert lo <= hi
    assert "RMSE" in good.summary()
    assert good.plot(X, y).get_xscale() == "log"
    import matplotlib.pyplot as plt
    plt.close("all")


def test_fit_small_predict_large_bnsl(bnsl_data):
    x, y = bnsl_data
    r = em.fit_small_predict_large(x, y, cut=1e24, model="broken_power_law", n_boot=10, rng=0)
    assert r.rmse < 0.05 and r.model == "broken_power_law"


# ---------------------------------------------------------------- item counts
def test_infer_item_count():
    assert em.infer_item_count([0.0005, 0.25, 1.0]) == 2000
    assert em.infer_item_count(np.array([72, 133, 0]) / 1003) == 1003
    assert em.infer_item_count([0.5]) == 2


# ---------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def emergent_csv():
    from scaling_utils import data

    with pytest.MonkeyPatch.context() as mp:
        if not os.environ.get(data.MIRROR_ENV):
            if not (MIRROR / "base_llm_emergent_capability_eval.csv").is_file():
                pytest.skip(f"{data.MIRROR_ENV} unset and no shared mirror at {MIRROR}")
            mp.setenv(data.MIRROR_ENV, str(MIRROR))
        return data.load("obs_scaling_emergent")


@pytest.mark.certified
def test_real_csv_values_and_item_counts(emergent_csv):
    e = emergent_csv.set_index("Model")
    assert len(e) == 84
    assert e.loc["EleutherAI/pythia-2.8b-deduped", "arithmetic_2da_2_acc"] == pytest.approx(0.795)
    assert e.loc["EleutherAI/pythia-6.9b-deduped", "arithmetic_2da_2_acc"] == pytest.approx(0.486)
    assert e.loc["EleutherAI/pythia-12b-deduped", "arithmetic_2da_2_acc"] == pytest.approx(0.446)
    assert e.loc["facebook/opt-125m", "arithmetic_2da_2_acc"] == pytest.approx(0.010)
    assert e.loc["facebook/opt-66b", "arithmetic_2da_2_acc"] == pytest.approx(0.499)
    for col in ("arithmetic_2da_2_acc", "arithmetic_3da_2_acc", "arithmetic_3ds_2_acc", "arithmetic_2dm_2_acc"):
        assert em.infer_item_count(e[col].dropna()) == 2000


# ---------------------------------------------------------------- results are frozen
def test_results_are_frozen(sig_fit, bnsl_fit):
    sim = em.simulate_emergence([1e8, 1e9], L=2, N_c=1e8, alpha=0.3, n_answers=5)
    for obj, attr in ((sig_fit[0], "slope"), (bnsl_fit, "d1"), (sim, "L")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, attr, 1)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("bad", [[0.5, np.nan], [0.5, 1.2], [-0.1, 0.5], "abc"])
def test_metrics_bad_p(bad):
    for fn in (em.exact_match, em.expected_edit_distance):
        with pytest.raises(ValueError, match="`p`"):
            fn(bad, L=3)


@pytest.mark.parametrize("L", [0, 2.5, True, -1])
def test_metrics_bad_L(L):
    with pytest.raises(ValueError, match="`L`"):
        em.exact_match(0.5, L=L)
    with pytest.raises(ValueError, match="`L`"):
        em.simulate_emergence([1e9], L=L, N_c=1e8, alpha=0.3)


def test_token_accuracy_and_simulation_bad_input():
    with pytest.raises(ValueError, match="`N`"):
        em.token_accuracy([1e9, -1.0], N_c=1e8, alpha=0.3)
    with pytest.raises(ValueError, match="`N_c`"):
        em.token_accuracy(1e9, N_c=np.nan, alpha=0.3)
    with pytest.raises(ValueError, match="`alpha`"):
        em.token_accuracy(1e9, N_c=1e8, alpha=0.0)
    with pytest.raises(ValueError, match="`n_answers`"):
        em.simulate_emergence([1e9], L=3, N_c=1e8, alpha=0.3, n_answers=0)
    with pytest.raises(ValueError, match="`rng`"):
        em.simulate_emergence([1e9], L=3, N_c=1e8, alpha=0.3, rng="seed")


FITS = [em.fit_sigmoid, em.fit_broken_power_law]


@pytest.mark.parametrize("fit", FITS)
def test_fits_reject_nan_and_range(fit):
    y = np.linspace(0.0, 0.5, X.size)
    with pytest.raises(ValueError, match="`y`.*NaN"):
        fit(X, np.r_[y[:-1], np.nan], n_boot=0)
    with pytest.raises(ValueError, match="`y`.*\\[0, 1\\].*divide"):
        fit(X, y * 3, n_boot=0)
    with pytest.raises(ValueError, match="`x`.*positive"):
        fit(np.r_[X[:-1], 0.0], y, n_boot=0)


@pytest.mark.parametrize("fit", FITS)
def test_fits_reject_mismatched_and_few(fit):
    y = np.linspace(0.0, 0.5, X.size)
    with pytest.raises(ValueError, match="Mismatched lengths.*`x`.*`y`"):
        fit(X, y[:-1], n_boot=0)
    with pytest.raises(ValueError, match="at least"):
        fit(X[:3], y[:3], n_boot=0)
    with pytest.raises(ValueError, match="single distinct"):
        fit(np.full(10, 1e22), y[:10], n_boot=0)


@pytest.mark.parametrize("fit", FITS)
@pytest.mark.parametrize("kw, name", [({"n_boot": 1}, "n_boot"), ({"n_boot": -3}, "n_boot"),
                                      ({"confidence": 1.5}, "confidence"), ({"rng": 1.5}, "rng")])
def test_fits_reject_bad_settings(fit, kw, name):
    y = np.linspace(0.0, 0.5, X.size)
    with pytest.raises(ValueError, match=f"`{name}`"):
        fit(X, y, **{"n_boot": 0, **kw})


def test_sigmoid_bad_floor_ceiling():
    y = np.linspace(0.0, 0.5, X.size)
    with pytest.raises(ValueError, match="`floor`"):
        em.fit_sigmoid(X, y, floor=1.0, n_boot=0)
    with pytest.raises(ValueError, match="`ceiling`"):
        em.fit_sigmoid(X, y, ceiling=0.0, n_boot=0)
    with pytest.raises(ValueError, match="`max_ceiling`"):
        em.fit_sigmoid(X, y, max_ceiling=2.0, n_boot=0)
    with pytest.raises(ValueError, match="`slope`"):
        em.sigmoid(X, slope=np.nan, midpoint=22.0)
    with pytest.raises(ValueError, match="`d1`"):
        em.broken_power_law(X, a=0, b=1, c0=0, c1=1, d1=-1.0, f1=1.0)
    with pytest.raises(ValueError, match="`f1`"):
        em.broken_power_law(X, a=0, b=1, c0=0, c1=1, d1=1.0, f1=0.0)


def test_interval_errors(sig_fit, bnsl_fit):
    with pytest.raises(ValueError, match="`name` must be one of"):
        sig_fit[0].interval("alpha")
    with pytest.raises(ValueError, match="`name` must be one of"):
        bnsl_fit.interval("d2")
    nob = em.fit_sigmoid(X, em.sigmoid(X, **SIG_TRUE), n_boot=0)
    with pytest.raises(ValueError, match="n_boot"):
        nob.interval("slope")


def test_fit_small_predict_large_bad_input():
    y = em.sigmoid(X, **SIG_TRUE)
    with pytest.raises(ValueError, match="`model`"):
        em.fit_small_predict_large(X, y, cut=1e23, model="spline")
    with pytest.raises(ValueError, match="lower `cut`"):
        em.fit_small_predict_large(X, y, cut=1e30, n_boot=5)
    with pytest.raises(ValueError, match="at least"):
        em.fit_small_predict_large(X, y, cut=X[2], n_boot=5)
    with pytest.raises(ValueError, match="`cut`"):
        em.fit_small_predict_large(X, y, cut=-1.0, n_boot=5)
    with pytest.raises(ValueError, match="Mismatched"):
        em.fit_small_predict_large(X, y[:-1], cut=1e23, n_boot=5)
    with pytest.raises(ValueError, match="`n_boot`"):
        em.fit_small_predict_large(X, y, cut=1e23, n_boot=0)


def test_item_count_bad_input():
    with pytest.raises(ValueError, match="`accuracies`"):
        em.infer_item_count([0.5, np.nan])
    with pytest.raises(ValueError, match="No item count"):
        em.infer_item_count([1 / np.pi], max_items=50)


# ---------------------------------------------------------------- fits that admit failure
def test_sigmoid_on_constant_scores_fails():
    # The case of the issue: a constant y used to give success=True with R^2 = -3.2e15.
    f = em.fit_sigmoid(X, np.full(X.size, 0.3), n_boot=40, rng=0)
    assert f.success is False
    assert "flat data" in f.message
    for name in ("slope", "midpoint", "width"):
        lo, hi = f.interval(name)
        assert np.isnan(lo) and np.isnan(hi)
    assert "success = False" in f.summary()
    import matplotlib.pyplot as plt
    try:
        assert f.plot(X, np.full(X.size, 0.3)) is not None
    finally:
        plt.close("all")


def test_sigmoid_whose_slope_runs_to_its_bound_fails():
    # A step: the sigmoid wants an infinite slope; it stops at the bound and says so.
    y = np.where(np.log10(X) < 22.5, 0.05, 0.55)
    f = em.fit_sigmoid(X, y, n_boot=0)
    assert f.success is False
    assert re.search(r"slope sits at its upper bound \(50 per decade\)", f.message)
    assert "slope" in f.unidentified


def test_broken_power_law_at_a_bound_is_not_a_success():
    # Pure noise around a constant: the break cannot be placed.
    rng = np.random.default_rng(4)
    y = np.clip(0.3 + 0.01 * rng.standard_normal(X.size), 0, 1)
    f = em.fit_broken_power_law(X, y, n_boot=40, rng=0)
    assert f.success is False
    assert "bound" in f.message or "do not identify" in f.message
    for name in f.unidentified:
        lo, hi = f.interval(name)
        assert np.isnan(lo) and np.isnan(hi), name
    assert "success = False" in f.summary()


def test_bootstrap_reports_failed_refits(bnsl_fit):
    f = bnsl_fit
    failed = ~f.samples["success"]
    assert f.failed_fraction == pytest.approx(failed.mean())
    assert (f.samples.loc[failed, "failure"] != "").all()
    assert f.failures().sum() == failed.sum()
    assert "refits failed" in f.summary()
    assert f.predict_samples(X).shape[0] == (~failed).sum()


def test_sigmoid_bootstrap_does_not_depend_on_point_order():
    y = _noisy(em.sigmoid(X, **SIG_TRUE), 0.01, 3)
    order = np.random.default_rng(9).permutation(X.size)
    a = em.fit_sigmoid(X, y, n_boot=60, rng=1)
    b = em.fit_sigmoid(X[order], y[order], n_boot=60, rng=1)
    pd.testing.assert_frame_equal(a.samples, b.samples)


def test_bootstrap_intervals_print_to_their_monte_carlo_precision():
    y = _noisy(em.sigmoid(X, **SIG_TRUE), 0.01, 3)
    f = em.fit_sigmoid(X, y, n_boot=400, rng=1)
    iv = f.interval("midpoint")
    assert iv.defined and iv.lower_error > 0
    assert iv.text(", ") in f.summary()


def test_extrapolation_without_successful_refits_has_no_band():
    x = np.geomspace(1e20, 1e24, 12)
    y = np.r_[np.zeros(8), [0.1, 0.2, 0.3, 0.4]]
    r = em.fit_small_predict_large(x, y, cut=5e22, n_boot=20, rng=0)
    assert r.success is False
    assert np.isnan(r.coverage) and not r.rmse_interval.defined
    assert "no band" in r.summary()


# --------------------------------------------------------------------------- chance_crossing
def test_chance_crossing_first_above_and_for_good():
    steps = [0, 1, 2, 3, 4, 5]
    value = [0.25, 0.30, 0.26, 0.31, 0.33, 0.40]
    out = em.chance_crossing(steps, value, [0.01] * 6, chance=0.25)
    assert out == {"first_above": 1.0, "stays_above": 3.0, "n_above": 4, "n_points": 6}
    # z sets the bar: at 10 standard errors only the last point clears it.
    strict = em.chance_crossing(steps, value, [0.01] * 6, chance=0.25, z=10)
    assert strict["first_above"] == strict["stays_above"] == 5.0


def test_chance_crossing_sorts_x_and_reports_curves_that_fall_back_or_never_rise():
    out = em.chance_crossing([4, 0, 2], [0.2, 0.2, 0.9], [0.01, 0.01, 0.01], chance=0.25)
    assert out["first_above"] == 2.0 and np.isnan(out["stays_above"])  # up at 2, back at 4
    flat = em.chance_crossing([1, 2, 3], [0.25, 0.26, 0.24], [0.02] * 3, chance=0.25)
    assert np.isnan(flat["first_above"]) and np.isnan(flat["stays_above"]) and flat["n_above"] == 0
    always = em.chance_crossing([1, 2], [0.9, 0.9], [0.01, 0.01], chance=0.5)
    assert always["first_above"] == always["stays_above"] == 1.0


@pytest.mark.parametrize("kwargs, match", [
    ({"x": [1, 1, 2]}, "repeated"),
    ({"stderr": [0.01, -0.01, 0.01]}, "stderr"),
    ({"value": [0.1, 0.2]}, "length|same"),
    ({"z": 0}, "z"),
    ({"chance": float("nan")}, "chance"),
])
def test_chance_crossing_refuses_bad_input(kwargs, match):
    args = {"x": [1, 2, 3], "value": [0.1, 0.2, 0.3], "stderr": [0.01] * 3, "chance": 0.25, **kwargs}
    with pytest.raises(ValueError, match=match):
        em.chance_crossing(**args)


def test_chance_crossing_on_pythia_winogrande_and_mmlu():
    mirror = Path(__file__).resolve().parents[2] / "shared" / "data" / "third_party"
    if not (mirror / "pythia").is_dir():
        pytest.skip("no Pythia mirror")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCALING_UTILS_DATA_MIRROR", str(mirror))
        from scaling_utils import data

        evals = data.load("pythia_evals")
    standard = evals[~evals["deduplicated"] & (evals["metric"] == "acc")]

    def crossing(task, model, chance):
        curve = standard[(standard["task"] == task) & (standard["model"] == model)]
        return em.chance_crossing(curve["step"], curve["value"], curve["stderr"], chance=chance)

    # MMLU's abstract algebra stays at four-way chance at every size and checkpoint.
    for model in ("pythia-70m", "pythia-12b"):
        assert crossing("hendrycksTest-abstract_algebra", model, 0.25)["n_above"] == 0
    # WinoGrande leaves two-way chance for good earlier in training at 12B than at 160M.
    assert crossing("winogrande", "pythia-12b", 0.5)["stays_above"] < crossing(
        "winogrande", "pythia-160m", 0.5)["stays_above"]


# ---------------------------------------------------------------- capability PCA (Ruan et al. 2024)
def _planted_capability(n=60, seed=3):
    """Scores driven by one planted capability: benchmark j = a_j + b_j * c + small noise."""
    rng = np.random.default_rng(seed)
    c = rng.standard_normal(n)
    a, b = np.array([0.3, 0.5, 0.2, 0.6]), np.array([0.10, 0.05, 0.08, 0.02])
    X = a + np.outer(c, b) + 0.002 * rng.standard_normal((n, 4))
    return c, pd.DataFrame(X, index=[f"m{i}" for i in range(n)], columns=list("ABCD"))


def test_capability_pca_recovers_a_planted_capability():
    c, X = _planted_capability()
    r = em.capability_pca(X)
    assert r.success and r.message == "converged"
    assert r.explained_variance_ratio[0] > 0.95
    assert r.explained_variance_ratio.sum() == pytest.approx(1.0)
    assert np.corrcoef(r.pc1, c)[0, 1] > 0.99           # signed: higher PC1 = better scores
    assert (r.loadings["PC1"] > 0).all()
    assert list(r.pc1.index) == list(X.index) and list(r.loadings.index) == list("ABCD")
    np.testing.assert_allclose(np.linalg.norm(r.loadings.to_numpy(), axis=0), 1.0)


def test_capability_pca_matches_the_correlation_matrix_eigenvalues():
    _, X = _planted_capability(seed=4)
    r = em.capability_pca(X)
    eig = np.sort(np.linalg.eigvalsh(np.corrcoef(X.to_numpy().T)))[::-1]
    np.testing.assert_allclose(r.explained_variance_ratio, eig / eig.sum(), rtol=1e-10)
    # The scores are the standardised table projected on the loadings.
    Z = (X - X.mean()) / X.std(ddof=1)
    np.testing.assert_allclose(r.scores.to_numpy(), Z.to_numpy() @ r.loadings.to_numpy(), atol=1e-12)
    centred = em.capability_pca(X, standardize=False)
    assert not centred.standardize and (centred.scale == 1).all()
    assert "PC1" in centred.summary() and "<pre>" in centred._repr_html_()


def test_capability_pca_reports_a_tie():
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    r = em.capability_pca(X)
    assert not r.success and "not identified" in r.message


@pytest.mark.parametrize("bad, match", [
    (np.ones((5, 3)), "scores the same"),
    (np.ones((2, 3)), "at least 3 models"),
    (np.ones((5, 1)), "2 benchmarks"),
    (np.array([1.0, 2.0, 3.0]), "scores"),
    (np.array([[1.0, np.nan], [2.0, 1.0], [3.0, 0.0]]), "NaN"),
])
def test_capability_pca_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        em.capability_pca(bad)
    with pytest.raises(TypeError, match="standardize"):
        em.capability_pca(np.eye(3), standardize="yes")
