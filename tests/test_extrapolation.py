"""Tests for :mod:`scaling_utils.extrapolation` (chapter *Extrapolation*).

Certified values, as the book's other fit tests: each form recovers the parameters planted in
a synthetic learning curve and predicts its held-out tail within the noise; M1 reproduces the
extrapolation errors Alabdulmohsin et al. (2022) print in their Tables 2 and 3 for NMT and
BIG-bench.  The rest pins the protocol (duplicates, single held-out points, win-rate ties),
the failure reports (``success=False`` with a reason) and the input checks.

Every random number comes from a seeded ``numpy.random.default_rng``.  The truth of every
synthetic curve is computed here, independently of the module (M4's implicit equation by
bisection), so a wrong ``predict`` cannot certify itself.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from scaling_utils import data, extrapolation as ex, laws

# --------------------------------------------------------------------------- planted curves
#: Training scales: 30 points over three decades.
X = np.geomspace(1e3, 1e6, 30)
#: Held-out tail: 6 points up to half a decade beyond the largest training scale.
X_TAIL = np.geomspace(1.2e6, 3e6, 6)


def m4_truth(x, eps_inf, eps_0, alpha, beta, c):
    """The root in (eps_inf, eps_0) of ``log(eps - eps_inf) - alpha log(eps_0 - eps) = log beta + c log x``."""
    def root(xi):
        g = lambda e: math.log(e - eps_inf) - alpha * math.log(eps_0 - e) - math.log(beta) - c * math.log(xi)  # noqa: E731
        span = eps_0 - eps_inf
        return optimize.brentq(g, eps_inf + 1e-15 * span, eps_0 - 1e-15 * span, xtol=1e-15, rtol=1e-15)
    return np.array([root(xi) for xi in np.atleast_1d(x)])


def broken_truth(x, a, b, c0, c1, d1, f1):
    return a + b * x ** (-c0) * (1 + (x / d1) ** (1 / f1)) ** (-c1 * f1)


#: form -> (true curve, planted parameters, fit keywords).  Every planted value is identified
#: by the data: M2's and the saturating floor well below the losses (0.5 vs >= 0.58;
#: 1.7 vs >= 1.83), M3's gamma where 1/x crosses it (x = 1e5), M4's alpha > 0 with eps_0 = 0.9
#: above the largest loss (0.49) and inside eps0_max = 1, the break d1 = 3e4 inside the data.
PLANTED = {
    "m1": (lambda x, beta, c: beta * x ** c, dict(beta=5.0, c=-0.3), {}),
    "m2": (lambda x, eps_inf, beta, c: eps_inf + beta * x ** c, dict(eps_inf=0.5, beta=20.0, c=-0.4), {}),
    "m3": (lambda x, beta, gamma, c: beta * (1 / x + gamma) ** c, dict(beta=10.0, gamma=1e-5, c=0.3), {}),
    "m4": (m4_truth, dict(eps_inf=0.2, eps_0=0.9, alpha=0.5, beta=30.0, c=-0.5), {"eps0_max": 1.0}),
    "saturating": (lambda x, E, A, alpha: E + A * x ** (-alpha), dict(E=1.7, A=40.0, alpha=0.35), {}),
    "broken": (broken_truth, dict(a=0.1, b=3.0, c0=0.05, c1=0.4, d1=3e4, f1=0.3), {}),
}


def planted(form, x=X):
    f, params, _ = PLANTED[form]
    return f(np.asarray(x, dtype=float), **params)


def noisy(form, sd, seed, x=X):
    """The planted curve times log-normal noise exp(sd * z), z ~ N(0, 1), from ``seed``."""
    rng = np.random.default_rng(seed)
    return planted(form, x) * np.exp(sd * rng.normal(size=np.size(x)))


def fit(form, y, x=X, **kwargs):
    return ex.fit_learning_curve(x, y, form=form, **{**PLANTED[form][2], **kwargs})


def max_relative_error(result, form):
    truth = PLANTED[form][1]
    assert set(result.params) == set(truth) == set(ex.PARAMS[form])
    return max(abs(result.params[k] - v) / abs(v) for k, v in truth.items())


# --------------------------------------------------------------------------- 1. recovery
#: Noise-free recovery: relative error of every parameter.  Measured: <= 2.3e-9 (m1, m2, m3,
#: saturating, broken), 7e-7 (m4, whose eps_0 and alpha come out of a 2-D profile refined by
#: L-BFGS-B); 1e-3 leaves a wide margin for other BLAS builds.
RTOL_EXACT = 1e-3

#: Noise sd of the noisy recovery test (log-normal, 0.1 %), and the tolerance of each form on
#: the largest relative parameter error over seeds 0-4.  Measured maxima: m1 0.0013, m2 0.015,
#: m3 0.0051, m4 0.26 (alpha: M4's five parameters are weakly identified by one curve, so
#: alpha, beta and eps_0 trade off even at 0.1 % noise), saturating 0.0067 (seed 0 was 0.50 before
#: the fit's tolerances were tightened to 1e-12), broken 0.058 (the floor a).  Tolerances: 2-4 times the
#: measured maxima.
SD_SMALL = 0.001
RTOL_NOISY = {"m1": 0.005, "m2": 0.05, "m3": 0.02, "m4": 0.6, "saturating": 0.03, "broken": 0.15}

#: Noise sd of the tail test and the bound on the tail's log-RMSE, pooled over 10 seeds, as a
#: multiple of the noise sd.  The held-out points carry their own noise, so a perfect law
#: scores about 1 sd; measured pooled ratios: m1 1.04, m2 1.31, m3 1.05, m4 2.0, saturating
#: 1.39, broken 2.57 (its six parameters amplify the noise half a decade out).
SD_TAIL = 0.01
TAIL_FACTOR = 3.0


@pytest.mark.parametrize("form", ex.FORMS)
def test_recovers_planted_parameters_noise_free(form):
    result = fit(form, planted(form))
    assert result.success, result.message
    assert result.n_points == X.size and result.form == form
    assert max_relative_error(result, form) < RTOL_EXACT
    assert result.rmse_log < 1e-6
    np.testing.assert_allclose(result.predict(X_TAIL), planted(form, X_TAIL), rtol=RTOL_EXACT)


# Seed 0 of the saturating form once stopped early (least_squares' default tolerances with the
# Huber loss at f_scale 1e-3, status 4, 35 times the truth's objective); the fit now uses
# tolerances of 1e-12.
@pytest.mark.parametrize("form,seed", [(f, s) for f in ex.FORMS for s in range(5)])
def test_recovers_planted_parameters_with_noise(form, seed):
    result = fit(form, noisy(form, SD_SMALL, seed))
    assert result.success, result.message
    assert max_relative_error(result, form) < RTOL_NOISY[form]


@pytest.mark.parametrize("form", ex.FORMS)
def test_predicts_held_out_tail_within_noise(form):
    errors = []
    for seed in range(10):
        rng = np.random.default_rng(100 + seed)
        y = planted(form) * np.exp(SD_TAIL * rng.normal(size=X.size))
        y_tail = planted(form, X_TAIL) * np.exp(SD_TAIL * rng.normal(size=X_TAIL.size))
        result = fit(form, y)
        assert result.success, result.message
        errors.append(ex.log_rmse(result.predict(X_TAIL), y_tail))
    pooled = math.sqrt(np.mean(np.square(errors)))
    assert pooled < TAIL_FACTOR * SD_TAIL, f"{form}: tail log-RMSE {pooled:.4f} = {pooled / SD_TAIL:.2f} sd"


def test_log_rmse_is_the_rms_of_log_ratios():
    assert ex.log_rmse([1.0, math.e], [1.0, 1.0]) == pytest.approx(math.sqrt(0.5))
    assert ex.log_rmse([2.0], [2.0]) == 0.0
    with pytest.raises(ValueError, match="`observed`"):
        ex.log_rmse([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="`predicted`"):
        ex.log_rmse([0.0, 1.0], [1.0, 1.0])


# --------------------------------------------------------------------------- 2. nesting
def test_m4_with_alpha_zero_reduces_to_m2():
    y = planted("m2")                     # an M2 curve is an M4 curve with alpha = 0
    m4 = ex.fit_learning_curve(X, y, form="m4", eps0_max=2.0)
    m2 = ex.fit_learning_curve(X, y, form="m2")
    assert m4.success and m2.success
    assert m4.params["alpha"] == 0.0
    assert "reduces to M2" in m4.message
    for name in ex.PARAMS["m2"]:
        assert m4.params[name] == pytest.approx(m2.params[name], rel=1e-6)
    np.testing.assert_allclose(m4.predict(X_TAIL), m2.predict(X_TAIL), rtol=1e-6)


def test_m3_with_gamma_zero_equals_m1():
    y = planted("m1")
    m3 = ex.fit_learning_curve(X, y, form="m3")
    m1 = ex.fit_learning_curve(X, y, form="m1")
    assert m3.success and m1.success
    assert m3.params["gamma"] == 0.0
    assert m3.params["beta"] == pytest.approx(m1.params["beta"], rel=1e-9)
    assert m3.params["c"] == pytest.approx(-m1.params["c"], rel=1e-9)   # (1/x)**c = x**(-c)
    np.testing.assert_allclose(m3.predict(X_TAIL), m1.predict(X_TAIL), rtol=1e-9)


# --------------------------------------------------------------------------- 3. local vs global
@pytest.fixture(scope="module")
def language():
    return data.load("learning_curves_language")


@pytest.fixture(scope="module")
def vision():
    return data.load("learning_curves_vision")


def test_local_search_stops_at_the_minimum_next_to_the_losses(language):
    """The NMT decoder-only curve: M2's linearised objective has its global minimum at
    eps_inf = 0 and a second, local one just below the smallest loss.  ``"local"`` starts at
    the paper's starting point (eps_inf = smallest loss - margin) and walks downhill, so it
    must stop at the local minimum next to the losses; ``"global"`` takes eps_inf = 0.

    Checked: local's floor is within 2 % of the smallest loss and global's is 0; global's
    objective is lower; the profile of the objective rises from local's floor all the way up
    to the starting point (so a descent from the start ends there); and they extrapolate
    differently (the benchmark's held-out errors differ by a factor > 5)."""
    curve = language[(language["Domain"] == "NMT") & (language["Model"] == "Dec-only")]
    train = curve[curve["Training"] == 1].sort_values("Seen Examples")
    x, y = train["Seen Examples"].to_numpy(float), train["Loss"].to_numpy(float)
    local = ex.fit_learning_curve(x, y, form="m2", search="local")
    wide = ex.fit_learning_curve(x, y, form="m2", search="global")
    assert local.success and wide.success
    assert local.params["eps_inf"] > 0.98 * y.min()
    assert wide.params["eps_inf"] == 0.0

    lu = np.log(x) - np.log(x).mean()

    def objective(e):                    # the paper's: SSR of log(y - eps_inf) on a line in log x
        z = np.log(y - e)
        slope, intercept = np.polyfit(lu, z, 1)
        return float(np.sum((z - intercept - slope * lu) ** 2))

    assert objective(wide.params["eps_inf"]) < objective(local.params["eps_inf"])
    start = y.min() - min(ex.MARGIN, y.min() / 2)
    path = np.linspace(local.params["eps_inf"], start, 50)
    assert np.all(np.diff([objective(e) for e in path]) > 0)

    scores = ex.benchmark(curve, forms=["m2"], search="local"), ex.benchmark(curve, forms=["m2"], search="global")
    assert scores[1]["log_rmse"].iloc[0] > 5 * scores[0]["log_rmse"].iloc[0]


def test_search_is_checked():
    with pytest.raises(ValueError, match="`search`"):
        ex.fit_learning_curve(X, planted("m2"), form="m2", search="everywhere")


# --------------------------------------------------------------------------- 4. bad input
GOOD_Y = planted("m2")


@pytest.mark.parametrize("arg,bad", [
    ("x", np.r_[0.0, X[1:]]), ("x", np.r_[-1.0, X[1:]]), ("x", np.r_[np.nan, X[1:]]),
    ("x", np.r_[np.inf, X[1:]]), ("y", np.r_[0.0, GOOD_Y[1:]]), ("y", np.r_[-0.5, GOOD_Y[1:]]),
    ("y", np.r_[np.nan, GOOD_Y[1:]]), ("y", np.r_[GOOD_Y[:-1], np.inf]),
    ("y", GOOD_Y[:-1]),                                  # mismatched lengths
    ("x", np.stack([X, X])),                             # 2-D
    ("y", "abc"),
])
def test_bad_points_are_rejected(arg, bad):
    kwargs = {"x": X, "y": GOOD_Y, arg: bad}
    with pytest.raises((ValueError, TypeError), match=f"`{arg}`"):
        ex.fit_learning_curve(kwargs["x"], kwargs["y"], form="m2")


@pytest.mark.parametrize("form", ex.FORMS)
def test_too_few_points(form):
    n = ex.MIN_POINTS[form]
    assert n == len(ex.PARAMS[form]) + 1
    x = X[:: X.size // n][:n]
    y = planted("m2", x)
    ex.fit_learning_curve(x, y, form=form)          # exactly MIN_POINTS: accepted
    with pytest.raises(ValueError, match=rf"`x` has {n - 1} points.*at least {n}"):
        ex.fit_learning_curve(x[:-1], y[:-1], form=form)


def test_single_distinct_x():
    with pytest.raises(ValueError, match="`x`.*two scales"):
        ex.fit_learning_curve(np.full(8, 1e4), np.linspace(1.0, 2.0, 8), form="m1")


@pytest.mark.parametrize("form", ["m5", "M1", "", None, 3])
def test_unknown_form(form):
    with pytest.raises((ValueError, TypeError), match="`form`"):
        ex.fit_learning_curve(X, GOOD_Y, form=form)


def test_eps0_max_must_exceed_the_losses():
    y = planted("m4")
    for bad in (0.5 * y.max(), y.max()):
        with pytest.raises(ValueError, match="`eps0_max`.*largest training loss"):
            ex.fit_learning_curve(X, y, form="m4", eps0_max=bad)
    for bad in (-1.0, 0.0, math.nan, math.inf, "abc", True):
        with pytest.raises((ValueError, TypeError), match="`eps0_max`"):
            ex.fit_learning_curve(X, y, form="m4", eps0_max=bad)


@pytest.fixture(scope="module")
def clean_m1():
    return ex.fit_learning_curve(X, noisy("m1", 0.01, 0), form="m1")


@pytest.mark.parametrize("bad", [True, False, "100", 100.0, 19, 10**6, None])
def test_n_boot_is_checked(clean_m1, bad):
    with pytest.raises((ValueError, TypeError), match="`n_boot`"):
        clean_m1.predict_interval(X_TAIL, n_boot=bad)


@pytest.mark.parametrize("arg,bad", [("rng", True), ("rng", -1), ("rng", "0"), ("confidence", 1.5),
                                     ("confidence", 0.0), ("x", [0.0, 1.0]), ("x", [[1e6, 2e6]])])
def test_predict_interval_arguments_are_checked(clean_m1, arg, bad):
    kwargs = {"x": X_TAIL, "n_boot": 20, arg: bad}
    x = kwargs.pop("x")
    with pytest.raises((ValueError, TypeError), match=f"`{arg}`"):
        clean_m1.predict_interval(x, **kwargs)


def test_predict_checks_x(clean_m1):
    for bad in ([1e6, -1.0], [np.nan], "x"):
        with pytest.raises((ValueError, TypeError), match="`x`"):
            clean_m1.predict(bad)
    assert isinstance(clean_m1.predict(1e6), float)
    assert clean_m1.predict(X_TAIL).shape == X_TAIL.shape


def test_predict_on_a_failed_fit_raises():
    failed = ex.fit_learning_curve(X, np.full(X.size, 0.7), form="m2")
    assert not failed.success
    with pytest.raises(ValueError, match="failed.*Check `success`"):
        failed.predict(1e6)
    with pytest.raises(ValueError, match="Check `success`"):
        failed.predict_interval(X_TAIL, n_boot=20)
    assert "success = False" in failed.summary()


# --------------------------------------------------------------------------- 5. unidentifiable
FLAT = np.full(X.size, 0.7)


@pytest.mark.parametrize("form,reason", [
    ("m2", "`eps_inf` is at its upper bound"),
    ("m4", "`eps_inf` is at its upper bound"),
    ("saturating", "`alpha` is at its upper bound"),
])
def test_flat_curve_is_not_identified(form, reason):
    result = ex.fit_learning_curve(X, FLAT, form=form, eps0_max=1.0 if form == "m4" else None)
    assert not result.success
    assert result.message.startswith("failed: ") and reason in result.message


@pytest.mark.parametrize("form", ["m1", "m2", "m3", "m4", "saturating"])
def test_rising_curve_fails(form):
    result = ex.fit_learning_curve(X, 0.1 * X ** 0.2, form=form)
    assert not result.success
    assert "does not fall with x" in result.message or "`alpha` is at its upper bound" in result.message
    if form == "m1":
        assert "`c` >= 0" in result.message


def test_floor_at_the_smallest_loss_is_reported():
    """``0.5 + 1/x``: the curve sits within 1e-3 of its floor over the whole range, so the floor
    would be at the smallest loss (above the bound smallest loss - margin)."""
    result = ex.fit_learning_curve(X, 0.5 + 1 / X, form="saturating")
    assert not result.success
    assert "`E` is at its upper bound" in result.message


def test_m4_without_cap_reports_eps_0_at_its_default_bound():
    """A curve linear in log x (concave on log-log axes) pushes M4's eps_0 to 10 x the largest
    loss; the message says to pass ``eps0_max``."""
    result = ex.fit_learning_curve(X, 0.5 + 0.05 * np.log(1e6 / X), form="m4")
    assert not result.success and "pass `eps0_max`" in result.message


def test_summary_and_repr():
    result = fit("m2", planted("m2"))
    text = result.summary()
    assert text.startswith("m2 fit on 30 points: eps_inf = 0.5")
    assert "success = True (converged)" in text
    assert str(result) == text and result._repr_html_() == f"<pre>{text}</pre>"


def test_plot_draws_points_and_curve():
    import matplotlib.pyplot as plt

    result = fit("m1", planted("m1"))
    ax = result.plot(x_new=X_TAIL, y_new=planted("m1", X_TAIL))
    assert ax.get_xscale() == "log" and len(ax.lines) == 1 and len(ax.collections) == 2
    plt.close(ax.figure)


# --------------------------------------------------------------------------- 6. intervals
def test_predict_interval_shape_and_order(clean_m1):
    iv = clean_m1.predict_interval(X_TAIL, n_boot=200, rng=0)
    assert list(iv.columns) == ["x", "predicted", "lower", "upper"] and len(iv) == X_TAIL.size
    np.testing.assert_array_equal(iv["x"], X_TAIL)
    np.testing.assert_allclose(iv["predicted"], clean_m1.predict(X_TAIL))
    assert (iv["lower"] <= iv["predicted"]).all() and (iv["predicted"] <= iv["upper"]).all()
    assert iv.attrs == {"failed_share": 0.0, "n_boot": 200}


def test_predict_interval_is_seeded(clean_m1):
    a = clean_m1.predict_interval(X_TAIL, n_boot=50, rng=3)
    b = clean_m1.predict_interval(X_TAIL, n_boot=50, rng=3)
    c = clean_m1.predict_interval(X_TAIL, n_boot=50, rng=4)
    g = clean_m1.predict_interval(X_TAIL, n_boot=50, rng=np.random.default_rng(3))
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, g)
    assert not np.allclose(a["lower"], c["lower"])


#: Coverage of m1's intervals over 20 seeded curves (i.i.d. log-normal noise, sd 2 %), five
#: held-out points each up to 0.3 decade beyond the data: 100 points.  Measured: 0.88 at
#: nominal 0.90, 0.90 at nominal 0.95 (a residual bootstrap slightly undercovers: fitted
#: residuals are smaller than the noise).  Bands: about +-2.5 binomial sd.
COVERAGE_BANDS = {0.90: (0.80, 0.97), 0.95: (0.85, 0.995)}


def _coverage(form, curve, confidence, n_curves=20, sd=0.02):
    x_new = np.geomspace(1.2e6, 2e6, 5)
    inside = []
    for seed in range(n_curves):
        rng = np.random.default_rng(seed)
        y = curve(X) * np.exp(sd * rng.normal(size=X.size))
        y_new = curve(x_new) * np.exp(sd * rng.normal(size=x_new.size))
        result = ex.fit_learning_curve(X, y, form=form)
        assert result.success, result.message
        iv = result.predict_interval(x_new, n_boot=200, rng=seed, confidence=confidence)
        inside.append(ex.interval_coverage(iv, y_new))
    return float(np.mean(inside))


@pytest.mark.parametrize("confidence", sorted(COVERAGE_BANDS))
def test_interval_coverage_near_nominal_on_iid_noise(confidence):
    share = _coverage("m1", lambda x: planted("m1", x), confidence)
    low, high = COVERAGE_BANDS[confidence]
    assert low <= share <= high, f"coverage {share:.2f} at nominal {confidence}"


def test_m2_intervals_undercover_even_on_iid_noise():
    """A property of the paper's estimator, not of the bootstrap: M2's linearised objective
    (least squares on log(eps - eps_inf)) pulls the floor low under noise, and the residual
    bootstrap repeats the bias, so even with independent noise the 90% intervals cover only
    about 56% (sd 2%).  The chapter's caveats say so; this pins the measured band."""
    share = _coverage("m2", lambda x: planted("m2", x), 0.90)
    assert 0.40 <= share <= 0.75, f"coverage {share:.2f} at nominal 0.90"


def test_interval_ends_are_nan_when_refits_fail():
    """A curve close to its floor (0.5 + 0.05 x**-0.2, 0.2 % noise): the saturating fit
    succeeds, but half of the resampled refits put the floor at its bound, more than the 5 %
    allowed, so no interval is reported."""
    y = (0.5 + 0.05 * X ** -0.2) * np.exp(0.002 * np.random.default_rng(0).normal(size=X.size))
    result = ex.fit_learning_curve(X, y, form="saturating")
    assert result.success, result.message
    iv = result.predict_interval(X_TAIL, n_boot=40, rng=0)
    assert iv.attrs["failed_share"] > ex.MAX_FAILED_SHARE
    assert iv["lower"].isna().all() and iv["upper"].isna().all()
    assert iv["predicted"].notna().all()
    assert math.isnan(ex.interval_coverage(iv, planted("m2", X_TAIL)))


def test_interval_coverage_counts_the_share_inside():
    iv = pd.DataFrame({"lower": [1.0, 1.0, 1.0, 1.0], "upper": [2.0, 2.0, 2.0, 2.0]})
    assert ex.interval_coverage(iv, [1.0, 1.5, 2.0, 2.5]) == 0.75     # ends count as inside
    with pytest.raises(TypeError, match="`interval`"):
        ex.interval_coverage(iv[["lower"]], [1.0, 1.5, 2.0, 2.5])
    with pytest.raises(ValueError, match="`observed`"):
        ex.interval_coverage(iv, [1.0, 1.5])


# --------------------------------------------------------------------------- 7. the benchmark protocol
def _curve(domain, task, model, x, y, training):
    return pd.DataFrame({"Domain": domain, "Task": task, "Model": model, "Seen Examples": x, "Loss": y,
                         "Training": training})


@pytest.fixture(scope="module")
def handmade():
    """Curves of a hand-made benchmark frame, by name."""
    x = np.geomspace(1e3, 1e6, 12)
    y = planted("m2", x) * np.exp(0.01 * np.random.default_rng(7).normal(size=x.size))
    split = (x <= 2e5).astype(int)
    return {
        "twice": _curve("A", "t", "twice", x, y, split),
        "single": _curve("A", "t", "single", x[:9], y[:9], np.r_[np.ones(8, int), 0]),
        "no_test": _curve("B", "t", "no_test", x, y, np.ones(x.size, int)),
        "few": _curve("B", "t", "few", x[:4], y[:4], [1, 1, 1, 0]),
    }


def test_benchmark_counts_a_curve_stored_twice_once(handmade):
    once = pd.concat(list(handmade.values()), ignore_index=True)
    twice = pd.concat([once, handmade["twice"]], ignore_index=True).sample(frac=1.0, random_state=0)
    forms = ["m1", "m2"]
    a, b = ex.benchmark(once, forms=forms), ex.benchmark(twice, forms=forms)
    key = (b["Model"] == "twice")
    assert (b.loc[key, "duplicate_rows"] == len(handmade["twice"])).all()
    assert (b.loc[~key, "duplicate_rows"] == 0).all() and (a["duplicate_rows"] == 0).all()
    pd.testing.assert_frame_equal(a.drop(columns="duplicate_rows"), b.drop(columns="duplicate_rows"))
    table = ex.curve_table(twice).set_index("Model")
    assert table.loc["twice", "rows"] == 2 * len(handmade["twice"])
    assert table.loc["twice", "duplicate_rows"] == len(handmade["twice"])


def test_benchmark_single_held_out_point_is_its_absolute_log_error(handmade):
    curve = handmade["single"]
    row = ex.benchmark(curve, forms=["m2"]).iloc[0]
    train, test = curve[curve["Training"] == 1], curve[curve["Training"] == 0]
    result = ex.fit_learning_curve(train["Seen Examples"], train["Loss"], form="m2")
    expected = abs(math.log(result.predict(float(test["Seen Examples"].iloc[0]))) - math.log(test["Loss"].iloc[0]))
    assert row["success"] and row["n_train"] == 8 and row["n_test"] == 1
    assert row["log_rmse"] == pytest.approx(expected, rel=1e-12)


def test_benchmark_reports_curves_it_cannot_score(handmade):
    frame = pd.concat([handmade["no_test"], handmade["few"]], ignore_index=True)
    out = ex.benchmark(frame, forms=["m1", "m2"]).set_index(["Model", "form"])
    for form in ("m1", "m2"):
        row = out.loc[("no_test", form)]
        assert not row["success"] and math.isnan(row["log_rmse"]) and row["message"] == "no held-out point"
        assert row["n_test"] == 0 and row["n_train"] == 12
    # Three training points: enough for M1 (MIN_POINTS 3), too few for M2 (4).
    assert out.loc[("few", "m1"), "success"] and out.loc[("few", "m1"), "n_test"] == 1
    row = out.loc[("few", "m2")]
    assert not row["success"] and math.isnan(row["log_rmse"])
    assert row["message"] == "3 training points; the m2 form needs 4"


def test_benchmark_m4_cap_below_the_losses_is_reported(handmade):
    out = ex.benchmark(handmade["twice"], forms=["m4"], eps0_max={"A": 0.5})
    assert not out["success"].iloc[0] and "is not below eps0_max = 0.5" in out["message"].iloc[0]


@pytest.mark.parametrize("change,match,error", [
    (lambda f: f.drop(columns="Training"), r"`frame` lacks column\(s\) \['Training'\]", ValueError),
    (lambda f: f.rename(columns={"Loss": "loss"}), r"`frame` lacks column", ValueError),
    (lambda f: f.assign(Training=2), r"`Training` column must hold 1", ValueError),
    (lambda f: f.assign(Training=np.nan), r"`Training` column", ValueError),
    (lambda f: f.to_numpy(), r"`frame` must be a pandas DataFrame", TypeError),
])
def test_benchmark_frame_is_checked(handmade, change, match, error):
    bad = change(handmade["twice"])
    for func in (ex.benchmark, ex.curve_table):
        with pytest.raises(error, match=match):
            func(bad)


def test_benchmark_arguments_are_checked(handmade):
    frame = handmade["twice"]
    with pytest.raises(ValueError, match="`forms`"):
        ex.benchmark(frame, forms=[])
    with pytest.raises(ValueError, match="`forms`"):
        ex.benchmark(frame, forms=["m9"])
    with pytest.raises(ValueError, match="`search`"):
        ex.benchmark(frame, forms="m1", search="nowhere")
    with pytest.raises((ValueError, TypeError), match="`eps0_max`"):
        ex.benchmark(frame, forms="m4", eps0_max=-1.0)


@pytest.fixture(scope="module")
def real_curves(language, vision):
    return pd.concat([language, vision], ignore_index=True)


def test_curve_table_on_the_benchmark_files(real_curves):
    table = ex.curve_table(real_curves)
    assert len(table) == 92
    assert table["Domain"].value_counts().to_dict() == {"IC": 72, "BB": 10, "LM": 5, "NMT": 5}
    lm = table[table["Domain"] == "LM"]
    assert (lm["rows"] == 4 * (lm["rows"] - lm["duplicate_rows"])).all()
    assert (table.loc[table["Domain"] != "LM", "duplicate_rows"] == 0).all()
    assert (table.loc[table["Domain"] == "NMT", "n_test"] == 1).all()
    assert (table["n_train"] >= 1).all() and (table["n_test"] >= 1).all()
    assert (table["decades"] > 0).all()
    # Every held-out scale is above every training scale of its curve.
    for _, part in real_curves.groupby(ex.CURVE_KEYS):
        assert part.loc[part["Training"] == 0, "Seen Examples"].min() > \
            part.loc[part["Training"] == 1, "Seen Examples"].max()


# --------------------------------------------------------------------------- 8. win rates
def _results(rows):
    return pd.DataFrame(rows, columns=["Domain", "Task", "Model", "form", "log_rmse"])


def test_win_rates_ties_failures_and_shares():
    results = _results([
        ("A", "t", "1", "m1", 0.0123), ("A", "t", "1", "m2", 0.0127),   # both 0.012: a tie
        ("A", "t", "2", "m1", math.nan), ("A", "t", "2", "m2", 0.5),    # a failed fit scores 1
        ("B", "t", "3", "m1", 0.2), ("B", "t", "3", "m2", 0.3),
        ("B", "t", "4", "m1", 0.0409), ("B", "t", "4", "m2", 0.0401),   # 0.040 each: a tie
    ])
    wins = ex.win_rates(results)
    assert list(wins.columns) == ["m1", "m2", "curves"]
    assert wins.loc["A", "m1"] == pytest.approx(0.25) and wins.loc["A", "m2"] == pytest.approx(0.75)
    assert wins.loc["B", "m1"] == pytest.approx(0.75) and wins.loc["B", "m2"] == pytest.approx(0.25)
    np.testing.assert_allclose(wins[["m1", "m2"]].sum(axis=1), 1.0)
    assert wins["curves"].to_dict() == {"A": 2, "B": 2}
    # Four decimals break the first tie: m1 0.0123 beats m2 0.0127.
    assert ex.win_rates(results, decimals=4).loc["A", "m1"] == pytest.approx(0.5)
    # Only the listed forms compete.
    assert ex.win_rates(results, forms=["m2"]).loc["A", "m2"] == 1.0


def test_win_rates_three_way_tie_and_a_missing_row():
    results = _results([("A", "t", "1", f, 0.0201 + 0.0001 * i) for i, f in enumerate(["m1", "m2", "m3"])]
                       + [("A", "t", "2", "m1", 0.1), ("A", "t", "2", "m2", 0.2)])   # m3 missing: scores 1
    wins = ex.win_rates(results)
    assert wins.loc["A", ["m1", "m2", "m3"]].tolist() == pytest.approx([(1 / 3 + 1) / 2, 1 / 6, 1 / 6])


def test_win_rates_input_is_checked():
    results = _results([("A", "t", "1", "m1", 0.1), ("A", "t", "1", "m2", 0.2)])
    with pytest.raises(TypeError, match="`results`"):
        ex.win_rates(results.drop(columns="form"))
    with pytest.raises(ValueError, match="`results` has more than one row"):
        ex.win_rates(pd.concat([results, results]))
    with pytest.raises(ValueError, match="`forms`"):
        ex.win_rates(results, forms=["m4"])
    with pytest.raises((ValueError, TypeError), match="`decimals`"):
        ex.win_rates(results, decimals=True)


# --------------------------------------------------------------------------- 9. the published tables
@pytest.fixture(scope="module")
def published():
    return data.load("alabdulmohsin2022_tables")


def test_published_tables_join_the_benchmark_curves(published, language):
    assert len(published) == 80
    assert published.groupby("table").size().to_dict() == {"Table 2": 40, "Table 3": 40}
    assert published.groupby("form").size().to_dict() == {f: 20 for f in ("m1", "m2", "m3", "m4")}
    assert not published.duplicated(ex.CURVE_KEYS + ["form"]).any()
    curves = set(map(tuple, language[ex.CURVE_KEYS].drop_duplicates().to_numpy()))
    keys = set(map(tuple, published[ex.CURVE_KEYS].drop_duplicates().to_numpy()))
    assert len(keys) == 20 and keys <= curves
    assert published["Domain"].value_counts().to_dict() == {"BB": 40, "NMT": 20, "LM": 20}


#: M1 is a closed-form least-squares line in log-log space: no optimiser settings, so its
#: held-out errors must match the paper's.  Tolerance 10 % relative; measured: at most 3.4 %
#: (BIG-bench ling 1-shot: 0.01655 vs the printed 0.016, the only one of the 15 that does not
#: round to the printed two digits), the rest within 2 %.
RTOL_PUBLISHED_M1 = 0.10


def test_m1_reproduces_the_published_nmt_and_bigbench_errors(published, language):
    ours = ex.benchmark(language, forms=["m1"])
    assert ours["success"].all()
    rows = published[(published["form"] == "m1") & published["Domain"].isin(["NMT", "BB"])]
    joined = rows.merge(ours, on=ex.CURVE_KEYS + ["form"], suffixes=("_paper", "_ours"), validate="1:1")
    assert len(joined) == 15
    relative = (joined["log_rmse_ours"] / joined["log_rmse_paper"] - 1).abs()
    worst = joined.loc[relative.idxmax(), ex.CURVE_KEYS].tolist()
    assert relative.max() < RTOL_PUBLISHED_M1, f"{worst}: {relative.max():.3f}"


# --------------------------------------------------------------------------- 10. backtests
#: 40 runs from Hoffmann et al.'s law (8 sizes x 5 token counts, 1e17-6e20 FLOP) with 0.5 %
#: log-normal noise.
SD_RUNS = 0.005


@pytest.fixture(scope="module")
def runs():
    N = np.repeat(np.geomspace(1e7, 1e9, 8), 5)
    D = np.tile(np.geomspace(1e9, 1e11, 5), 8)
    loss = laws.chinchilla_loss(N, D, **laws.HOFFMANN_2022) * np.exp(SD_RUNS * np.random.default_rng(0).normal(size=N.size))
    return N, D, loss


CHINCHILLA_COLUMNS = ["cut", "n_fit", "C_fit_max", "C", "decades", "N", "D", "observed", "predicted", "log_error",
                      "lower", "upper", "inside", "fit_success", "message"]


def test_backtest_chinchilla_predicts_beyond_the_cut(runs):
    """Measured: RMS log error 0.0084 (1.7 sd) over 16 runs up to 1.8 decades beyond the cut."""
    N, D, loss = runs
    out = ex.backtest_chinchilla(N, D, loss, cuts=[1e19], n_boot=50, rng=0)
    assert list(out.columns) == CHINCHILLA_COLUMNS
    C = 6 * N * D
    assert len(out) == (C > 1e19).sum() and (out["n_fit"] == (C <= 1e19).sum()).all()
    assert out["fit_success"].all() and (out["C"] > 1e19).all() and (out["decades"] > 0).all()
    np.testing.assert_allclose(out["decades"], np.log10(out["C"] / out["C_fit_max"]))
    np.testing.assert_allclose(out["log_error"], np.log(out["predicted"] / out["observed"]))
    assert math.sqrt(np.mean(out["log_error"] ** 2)) < 3 * SD_RUNS
    assert (out["lower"] <= out["predicted"]).all() and (out["predicted"] <= out["upper"]).all()
    assert set(out["inside"]) <= {0.0, 1.0}
    again = ex.backtest_chinchilla(N, D, loss, cuts=[1e19], n_boot=50, rng=0)
    pd.testing.assert_frame_equal(out, again)


def test_backtest_chinchilla_cuts_outside_the_runs(runs):
    N, D, loss = runs
    low = ex.backtest_chinchilla(N, D, loss, cuts=[1e15], n_boot=50)
    assert len(low) == N.size and not low["fit_success"].any()
    assert (low["message"] == "0 runs below the cut; at least 10 are needed").all()
    assert low["predicted"].isna().all() and low["inside"].isna().all()
    with pytest.raises(ValueError, match="no run has more compute than the cut"):
        ex.backtest_chinchilla(N, D, loss, cuts=[1e30], n_boot=50)
    with pytest.raises(ValueError, match="`loss`"):
        ex.backtest_chinchilla(N, D, loss[:-1], cuts=[1e19], n_boot=50)
    with pytest.raises((ValueError, TypeError), match="`n_boot`"):
        ex.backtest_chinchilla(N, D, loss, cuts=[1e19], n_boot=True)


CURVE_COLUMNS = ["cut", "n_fit", "x_fit_max", "x", "decades", "observed", "predicted", "log_error", "lower",
                 "upper", "inside", "fit_success", "message"]


def test_backtest_curve_predicts_beyond_the_cut():
    """An M2 curve with 0.5 % noise, fitted by M2 below x = 1e5 and 3e5.  Measured RMS log
    errors: 1.5 sd (cut 1e5, one decade out) and 0.74 sd (cut 3e5)."""
    sd = 0.005
    y = noisy("m2", sd, 11)
    out = ex.backtest_curve(X, y, form="m2", cuts=[3e5, 1e5], n_boot=50, rng=0)
    assert list(out.columns) == CURVE_COLUMNS
    assert out["cut"].tolist() == sorted(out["cut"])                  # cuts are sorted
    assert len(out) == (X > 1e5).sum() + (X > 3e5).sum()
    assert out["fit_success"].all() and (out["decades"] > 0).all()
    np.testing.assert_allclose(out["decades"], np.log10(out["x"] / out["x_fit_max"]))
    for cut, part in out.groupby("cut"):
        assert (part["x"] > cut).all() and (part["x_fit_max"] <= cut).all()
        assert math.sqrt(np.mean(part["log_error"] ** 2)) < 3 * sd, cut
    assert (out["lower"] <= out["predicted"]).all() and (out["predicted"] <= out["upper"]).all()
    pd.testing.assert_frame_equal(out, ex.backtest_curve(X, y, form="m2", cuts=[3e5, 1e5], n_boot=50, rng=0))


def test_backtest_curve_cuts_outside_the_points():
    y = planted("m1")
    low = ex.backtest_curve(X, y, form="m1", cuts=[10.0], n_boot=50)
    assert len(low) == X.size and not low["fit_success"].any()
    assert (low["message"] == "0 points below the cut; the m1 form needs 3").all()
    assert low["predicted"].isna().all() and low["inside"].isna().all()
    with pytest.raises(ValueError, match="no point has x above the cut"):
        ex.backtest_curve(X, y, form="m1", cuts=[1e7], n_boot=50)
    failed = ex.backtest_curve(X, FLAT, form="m2", cuts=[1e5], n_boot=50)
    assert not failed["fit_success"].any() and failed["message"].str.startswith("failed: ").all()
    for kwargs, arg in (({"form": "m7"}, "form"), ({"cuts": [-1.0]}, "cuts"), ({"n_boot": "50"}, "n_boot"),
                        ({"confidence": 2.0}, "confidence")):
        with pytest.raises((ValueError, TypeError), match=f"`{arg}`"):
            ex.backtest_curve(X, y, **{"form": "m1", "cuts": [1e5], "n_boot": 50, **kwargs})


# --------------------------------------------------------------------------- 11. frontier
def test_frontier_keeps_the_lowest_loss_per_bin():
    C = np.array([1e3, 2e3, 1.5e3, 1e4, 1.2e4, 9e4, 1e5, 1e5])
    loss = np.array([3.0, 2.9, 2.5, 2.2, 2.4, 1.9, 2.0, 1.8])
    out = ex.frontier(C, loss, bins=2)           # log-spaced edges 1e3, ~3.2e4, 1e5
    assert list(out.columns) == ["C", "loss"]
    assert out.to_dict("list") == {"C": [1.5e3, 1e5], "loss": [2.5, 1.8]}
    fine = ex.frontier(C[::-1], loss[::-1], bins=4)   # order of the input does not matter
    assert fine["C"].is_monotonic_increasing
    assert fine.to_dict("list") == {"C": [1.5e3, 1e4, 1e5], "loss": [2.5, 2.2, 1.8]}   # one bin empty


@pytest.mark.parametrize("kwargs,arg", [
    ({"C": [1.0, 2.0], "loss": [1.0]}, "loss"), ({"C": [1.0, -2.0], "loss": [1.0, 1.0]}, "C"),
    ({"C": [1.0, 2.0], "loss": [1.0, np.nan]}, "loss"), ({"bins": 1}, "bins"), ({"bins": True}, "bins"),
    ({"bins": 2.5}, "bins"), ({"C": [5.0, 5.0, 5.0], "loss": [1.0, 2.0, 3.0]}, "C"),
])
def test_frontier_input_is_checked(kwargs, arg):
    args = {"C": [1.0, 10.0, 100.0], "loss": [3.0, 2.0, 1.0], **kwargs}
    with pytest.raises((ValueError, TypeError), match=f"`{arg}`"):
        ex.frontier(args.pop("C"), args.pop("loss"), **args)


@pytest.mark.parametrize("form", ex.FORMS)
@pytest.mark.parametrize("shape", ["flat", "flat with noise", "rising"])
def test_no_form_succeeds_on_a_curve_that_does_not_fall(form, shape):
    """A fitted decline no larger than the scatter is not identified: before this check a flat
    curve gave M1 and M3 success with c = 3e-33, and the broken form fitted a rising curve."""
    y = {"flat": np.full(X.size, 0.5),
         "flat with noise": 0.5 * np.exp(1e-3 * np.random.default_rng(0).normal(size=X.size)),
         "rising": 0.1 * X ** 0.1}[shape]
    result = ex.fit_learning_curve(X, y, form=form)
    assert not result.success
    assert result.message.startswith("failed:")
