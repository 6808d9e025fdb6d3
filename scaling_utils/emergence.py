"""Emergent abilities: metrics, sigmoid and broken power-law fits, extrapolation.

Schaeffer et al. (2023) argued that many "emergent" abilities are made by the metric: if a
model gets each token of an ``L``-token answer right with a probability ``p(N)`` that
improves smoothly with scale, then exact match (all ``L`` tokens right, about ``p**L``)
jumps sharply while the expected token edit distance ``L (1 - p)`` falls smoothly.  This
module holds the two metrics, a simulation of the argument, and the two curve families used
to describe benchmark scores against scale: a logistic ("sigmoid") in ``log10 x`` and the
one-break broken neural scaling law of Caballero et al. (2022), each fitted with a seeded
bootstrap over models, and a helper that fits on small models and predicts large ones.

Every fit is deterministic given its seed: the optimiser is SciPy's ``least_squares``
(trust-region reflective) run from a fixed grid of starting points, and the bootstrap
draws all its resamples from one ``numpy.random.Generator`` before fitting.  Two fits on
the same ``x`` with the same seed and ``n_boot`` use the same resamples, so the
differences of their bootstrap samples form a *paired* bootstrap.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product

import numpy as np
import pandas as pd
from scipy import optimize, special

from . import laws
from ._validate import (
    as_float_array,
    as_positive_array,
    check_enough_points,
    check_positive_int,
    check_positive_scalar,
    check_probability,
    check_same_length,
    check_scalar,
)

__all__ = [
    "exact_match",
    "expected_edit_distance",
    "token_accuracy",
    "simulate_emergence",
    "sigmoid",
    "fit_sigmoid",
    "broken_power_law",
    "fit_broken_power_law",
    "fit_small_predict_large",
    "infer_item_count",
    "EmergenceSimulation",
    "SigmoidFit",
    "BrokenPowerLawFit",
    "Extrapolation",
]

#: 10%-to-90% width of a logistic, in units of 1/slope: ``2 ln 9``.
_WIDTH_FACTOR = 2.0 * np.log(9.0)


# --------------------------------------------------------------------------- checks
def _as_probabilities(name, values):
    """Float array of values in [0, 1] (NaN, inf and out-of-range values rejected)."""
    arr = as_float_array(name, values)
    bad = (arr < 0) | (arr > 1)
    if bad.any():
        first = int(np.flatnonzero(bad.ravel())[0])
        raise ValueError(
            f"`{name}` must hold probabilities or accuracies in [0, 1], but {int(bad.sum())} "
            f"value(s) are outside (first: {float(arr.ravel()[first])!r} at flat index {first}); "
            "divide percentages by 100 (and BLEU scores by 100) before calling."
        )
    return arr


def _check_rng(rng):
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer, np.random.Generator)):
        raise ValueError("`rng` must be an integer seed or a numpy.random.Generator, e.g. rng=0.")
    seed = int(rng) if isinstance(rng, (int, np.integer)) else None
    return np.random.default_rng(rng), seed


def _check_n_boot(n_boot):
    n_boot = check_positive_int("n_boot", n_boot, minimum=0)
    if n_boot == 1:
        raise ValueError("`n_boot` must be 0 (no bootstrap) or at least 2 resamples, got 1.")
    return n_boot


def _xy(x, y, n_params, what):
    x = as_positive_array("x", x).ravel()
    y = _as_probabilities("y", y).ravel()
    n = check_same_length(x=x, y=y)
    check_enough_points(n, n_params, what)
    if np.unique(x).size < 2:
        raise ValueError("`x` has a single distinct value; a curve in x needs at least two different x.")
    return x, y


def _percentile_interval(values, confidence):
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return (np.nan, np.nan)
    tail = 100 * (1 - confidence) / 2
    lo, hi = np.percentile(values, [tail, 100 - tail])
    return float(lo), float(hi)


# --------------------------------------------------------------------------- metrics
def exact_match(p, *, L):
    """Probability that all ``L`` tokens of an answer are right: ``p**L``.

    Parameters
    ----------
    p : float or array_like
        Per-token accuracy, in [0, 1].
    L : int
        Answer length in tokens (>= 1).

    Returns
    -------
    float or numpy.ndarray

    Notes
    -----
    Schaeffer et al. (2023), Sec. 2: with independent token errors, exact match is
    ``p(N)**L``, a nonlinear metric that turns a smooth ``p(N)`` into a sharp curve.
    Chapter: *Emergence*.
    """
    p = _as_probabilities("p", p)
    L = check_positive_int("L", L)
    return laws._scalar_or_array(p**L)


def expected_edit_distance(p, *, L):
    """Expected number of wrong tokens in an ``L``-token answer: ``L (1 - p)``.

    With substitution errors only (the answer has the right length), this is the expected
    token edit distance to the target.

    Parameters
    ----------
    p : float or array_like
        Per-token accuracy, in [0, 1].
    L : int
        Answer length in tokens (>= 1).

    Returns
    -------
    float or numpy.ndarray

    Notes
    -----
    Schaeffer et al. (2023), Sec. 2: token edit distance ``≈ L (1 - p(N))`` is linear in
    ``p`` and so as smooth in ``N`` as the per-token accuracy.  Chapter: *Emergence*.
    """
    p = _as_probabilities("p", p)
    L = check_positive_int("L", L)
    return laws._scalar_or_array(L * (1.0 - p))


def token_accuracy(N, *, N_c, alpha):
    """Per-token accuracy ``exp(-(N_c / N)**alpha)`` from a power-law cross-entropy.

    Parameters
    ----------
    N : float or array_like
        Model sizes (parameters), > 0.
    N_c, alpha : float
        Scale and exponent (> 0) of the per-token cross-entropy ``(N_c / N)**alpha``
        (nats).  They are required: no published value describes the answer tokens of a
        particular task.

    Returns
    -------
    float or numpy.ndarray
        Probability of the right token, in (0, 1).

    Notes
    -----
    Schaeffer et al. (2023), Sec. 2: ``L_CE(N) = (N / c)**alpha`` with ``alpha < 0`` and
    ``p(N) = exp(-L_CE(N))``; written here with Kaplan et al.'s (2020) sign convention.
    Chapter: *Emergence*.
    """
    N = as_positive_array("N", N)
    N_c = check_positive_scalar("N_c", N_c)
    alpha = check_positive_scalar("alpha", alpha)
    return laws._scalar_or_array(np.exp(-((N_c / N) ** alpha)))


# --------------------------------------------------------------------------- simulation
@dataclass(frozen=True)
class EmergenceSimulation:
    """Result of :func:`simulate_emergence`.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per model size: ``N``, ``token_accuracy`` (``p``), ``exact_match``
        (observed share of answers with every token right), ``exact_match_expected``
        (``p**L``), ``edit_distance`` (observed mean number of wrong tokens),
        ``edit_distance_expected`` (``L (1 - p)``).
    L, n_answers : int
    N_c, alpha : float
    seed : int or None
    success : bool
        Always True (a simulation, not an optimisation); kept for a uniform interface.
    message : str
    """

    frame: pd.DataFrame = field(repr=False)
    L: int
    n_answers: int
    N_c: float
    alpha: float
    seed: int | None
    success: bool = True
    message: str = "simulated"

    def max_z(self):
        """Largest absolute deviation of the observed exact match from ``p**L``, in binomial standard errors."""
        f = self.frame
        p = f["exact_match_expected"].to_numpy()
        se = np.sqrt(np.maximum(p * (1 - p), 1e-300) / self.n_answers)
        return float(np.max(np.abs(f["exact_match"].to_numpy() - p) / se))

    def summary(self):
        f = self.frame
        return "\n".join([
            f"Simulated {self.n_answers} answers of L = {self.L} tokens at {len(f)} model sizes "
            f"(seed {self.seed})",
            f"  p(N) = exp(-(N_c/N)^alpha), N_c = {self.N_c:.3g}, alpha = {self.alpha:.3g}",
            f"  token accuracy {f['token_accuracy'].min():.3f} -> {f['token_accuracy'].max():.3f}; "
            f"exact match {f['exact_match'].min():.3f} -> {f['exact_match'].max():.3f}",
            f"  largest deviation from p^L: {self.max_z():.2f} binomial SE",
        ])

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return "<pre>" + self.summary() + "</pre>"

    def plot(self, *, axes=None):
        """Two panels against ``N``: exact match and token edit distance, observed and expected."""
        import matplotlib.pyplot as plt

        if axes is None:
            _, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharex=True)
        f = self.frame
        for ax, col, label in ((axes[0], "exact_match", "exact match"),
                               (axes[1], "edit_distance", "token edit distance (tokens)")):
            ax.plot(f["N"], f[f"{col}_expected"], color="black", lw=1.2, label="expected")
            ax.plot(f["N"], f[col], "o", ms=4, label=f"simulated ({self.n_answers} answers)")
            ax.set_xscale("log")
            ax.set_xlabel("parameters N")
            ax.set_ylabel(label)
            ax.legend()
        return axes


def simulate_emergence(N, *, L, N_c, alpha, n_answers=1000, rng=0):
    """Simulate exact match and token edit distance for a smooth per-token accuracy.

    For each model size, draw ``n_answers`` answers of ``L`` tokens, each token right with
    probability ``p(N) = token_accuracy(N, N_c=N_c, alpha=alpha)`` independently, and score
    them by exact match (all tokens right) and by the number of wrong tokens.

    Parameters
    ----------
    N : array_like
        Model sizes (parameters), > 0.
    L : int
        Answer length in tokens.
    N_c, alpha : float
        Per-token cross-entropy ``(N_c / N)**alpha`` (see :func:`token_accuracy`).
    n_answers : int, default 1000
        Answers simulated per model size.
    rng : int or numpy.random.Generator, default 0

    Returns
    -------
    EmergenceSimulation

    Notes
    -----
    Schaeffer et al. (2023), Sec. 2 and Fig. 2. Chapter: *Emergence*.
    """
    N = as_positive_array("N", N).ravel()
    L = check_positive_int("L", L)
    n_answers = check_positive_int("n_answers", n_answers)
    gen, seed = _check_rng(rng)
    p = np.asarray(token_accuracy(N, N_c=N_c, alpha=alpha), dtype=float).reshape(-1)
    correct = gen.random((N.size, n_answers, L)) < p[:, None, None]
    wrong = L - correct.sum(axis=2)
    frame = pd.DataFrame({
        "N": N,
        "token_accuracy": p,
        "exact_match": (wrong == 0).mean(axis=1),
        "exact_match_expected": p**L,
        "edit_distance": wrong.mean(axis=1),
        "edit_distance_expected": L * (1 - p),
    })
    return EmergenceSimulation(frame=frame, L=L, n_answers=n_answers, N_c=float(N_c),
                               alpha=float(alpha), seed=seed)


# --------------------------------------------------------------------------- shared fit machinery
def _best_least_squares(residuals, starts, bounds, *, max_nfev, jac="2-point"):
    """Run ``least_squares`` from every start; return the best result (or None)."""
    best = None
    for start in starts:
        start = np.clip(start, bounds[0] + 1e-9 * (1 + np.abs(bounds[0])),
                        bounds[1] - 1e-9 * (1 + np.abs(bounds[1])))
        try:
            res = optimize.least_squares(residuals, start, jac=jac, bounds=bounds, method="trf",
                                         max_nfev=max_nfev, x_scale="jac")
        except (ValueError, FloatingPointError):
            continue
        if not np.isfinite(res.cost):
            continue
        if best is None or res.cost < best.cost - 1e-15:
            best = res
    return best


def _bootstrap(x, y, fit_one, theta_hat, n_boot, gen):
    """Refit ``fit_one(x_b, y_b, theta_hat)`` on ``n_boot`` resamples of the points.

    All resample indices are drawn first, so two calls with the same seed and ``len(x)``
    use the same resamples.  Returns (theta samples (n_boot, p), converged (n_boot,)).
    """
    n = x.size
    idx = gen.integers(0, n, size=(n_boot, n))
    thetas = np.full((n_boot, theta_hat.size), np.nan)
    ok = np.zeros(n_boot, dtype=bool)
    for b in range(n_boot):
        xb, yb = x[idx[b]], y[idx[b]]
        if np.unique(xb).size < 3:
            continue
        res = fit_one(xb, yb, theta_hat)
        if res is not None:
            thetas[b], ok[b] = res.x, bool(res.success)
    return thetas, ok


# --------------------------------------------------------------------------- sigmoid
def sigmoid(x, *, slope, midpoint, floor=0.0, ceiling=1.0):
    """Logistic curve in ``log10 x``: ``floor + (ceiling - floor) / (1 + exp(-slope (log10 x - midpoint)))``.

    Parameters
    ----------
    x : float or array_like
        Scale (e.g. training FLOP), > 0.
    slope : float
        Steepness per decade of ``x``; the 10%-to-90% rise takes ``2 ln 9 / slope`` decades.
    midpoint : float
        ``log10`` of the ``x`` at which the curve is half-way up.
    floor, ceiling : float, default 0 and 1
        Values far below and far above the midpoint.

    Returns
    -------
    float or numpy.ndarray

    Notes
    -----
    The usual description of an "emergent" benchmark curve (e.g. Ruan et al. 2024 fit
    sigmoids of capability measures; Srivastava et al. 2022, BIG-bench).  Chapter:
    *Emergence*.
    """
    x = as_positive_array("x", x)
    slope = check_scalar("slope", slope)
    midpoint = check_scalar("midpoint", midpoint)
    floor = check_scalar("floor", floor)
    ceiling = check_scalar("ceiling", ceiling)
    return laws._scalar_or_array(_sigmoid(np.log10(x), slope, midpoint, floor, ceiling))


def _sigmoid(lx, slope, midpoint, floor, ceiling):
    return floor + (ceiling - floor) * special.expit(slope * (lx - midpoint))


class _BootstrapCurveFit:
    """Methods shared by :class:`SigmoidFit` and :class:`BrokenPowerLawFit`.

    Subclasses are frozen dataclasses with ``samples``, ``confidence``, ``n_boot``,
    ``seed``, ``n_points``, ``n_starts``, ``objective``, ``r_squared``, ``success`` and
    ``message``, and define ``_QUANTITIES`` (names reported by :meth:`summary` and
    accepted by :meth:`interval`), ``_PLOT_LABEL``, ``_title()``, ``predict`` and
    ``predict_samples``.
    """

    _QUANTITIES: tuple = ()
    _PLOT_LABEL = "fit"

    @property
    def converged_fraction(self):
        """Share of bootstrap refits that converged (nan without a bootstrap)."""
        return float(self.samples["converged"].mean()) if len(self.samples) else float("nan")

    def interval(self, name):
        """Percentile interval of one reported quantity over the converged resamples."""
        if name not in self._QUANTITIES:
            raise ValueError(f"Unknown quantity {name!r}; choose one of {list(self._QUANTITIES)}.")
        if not len(self.samples):
            raise ValueError("This fit has no bootstrap (n_boot=0); refit with n_boot >= 2 for intervals.")
        s = self.samples[self.samples["converged"]]
        return _percentile_interval(s[name], self.confidence)

    def summary(self):
        boot = len(self.samples) > 0
        lines = [self._title()]
        for name in self._QUANTITIES:
            text = f"  {name:>8} = {getattr(self, name):.3g}"
            if boot:
                lo, hi = self.interval(name)
                text += f"  [{lo:.3g}, {hi:.3g}]"
            lines.append(text)
        if boot:
            lines.append(f"  {round(100 * self.confidence)}% percentile intervals from {self.n_boot} resamples "
                         f"(seed {self.seed}), {100 * self.converged_fraction:.1f}% converged")
        lines.append(f"  SSR = {self.objective:.4g}, R^2 = {self.r_squared:.3f}, success = {self.success} ({self.message})")
        return "\n".join(lines)

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return "<pre>" + self.summary() + "</pre>"

    def plot(self, x, y, *, ax=None, band=True, label=None, color=None):
        """Data, fitted curve and (with a bootstrap) its pointwise band on a log-x axis."""
        import matplotlib.pyplot as plt

        x = as_positive_array("x", x).ravel()
        if ax is None:
            _, ax = plt.subplots()
        grid = np.geomspace(x.min(), x.max(), 200)
        points = ax.scatter(x, y, s=14, alpha=0.7, color=color)
        color = points.get_facecolor()[0]
        ax.plot(grid, self.predict(grid), color=color, label=self._PLOT_LABEL if label is None else label)
        if band and len(self.samples):
            curves = self.predict_samples(grid)
            tail = 100 * (1 - self.confidence) / 2
            lo, hi = np.nanpercentile(curves, [tail, 100 - tail], axis=0)
            ax.fill_between(grid, lo, hi, color=color, alpha=0.2)
        ax.set_xscale("log")
        return ax


@dataclass(frozen=True)
class SigmoidFit(_BootstrapCurveFit):
    """Result of :func:`fit_sigmoid`.

    Attributes
    ----------
    slope, midpoint, ceiling : float
        Fitted parameters (``midpoint`` is ``log10 x`` at half height).
    floor : float
        The fixed floor.
    objective : float
        Sum of squared residuals at the optimum.
    r_squared : float
        ``1 - SSR / SST``.
    success : bool
    message : str
    n_points, n_starts : int
    samples : pandas.DataFrame
        One row per bootstrap resample: ``slope, midpoint, ceiling, width, converged``
        (empty when ``n_boot == 0``).
    confidence : float
    n_boot : int
    seed : int or None
    """

    slope: float
    midpoint: float
    ceiling: float
    floor: float
    objective: float
    r_squared: float
    success: bool
    message: str
    n_points: int
    n_starts: int
    samples: pd.DataFrame = field(repr=False)
    confidence: float
    n_boot: int
    seed: int | None

    _QUANTITIES = ("slope", "midpoint", "ceiling", "width")
    _PLOT_LABEL = "sigmoid fit"

    @property
    def params(self):
        """``slope, midpoint, floor, ceiling`` as a dict, ready for :func:`sigmoid`."""
        return {"slope": self.slope, "midpoint": self.midpoint, "floor": self.floor,
                "ceiling": self.ceiling}

    @property
    def width(self):
        """Decades of ``x`` from 10% to 90% of the rise: ``2 ln 9 / slope``."""
        return _WIDTH_FACTOR / self.slope

    def predict(self, x):
        """Fitted curve at ``x`` (> 0)."""
        return sigmoid(x, **self.params)

    def predict_samples(self, x):
        """Curves of the converged bootstrap resamples at ``x``: array (n_converged, len(x))."""
        lx = np.log10(as_positive_array("x", x).ravel())
        s = self.samples[self.samples["converged"]]
        return _sigmoid(lx[None, :], s["slope"].to_numpy()[:, None], s["midpoint"].to_numpy()[:, None],
                        self.floor, s["ceiling"].to_numpy()[:, None])

    def _title(self):
        return (f"Sigmoid in log10 x on {self.n_points} points ({self.n_starts} starts), "
                f"floor fixed at {self.floor:g}")


def _sigmoid_bounds(lx, floor, max_ceiling, fit_ceiling):
    lo = [1e-3, lx.min() - 3.0]
    hi = [50.0, lx.max() + 3.0]
    if fit_ceiling:
        lo.append(floor + 1e-6)
        hi.append(max_ceiling)
    return np.array(lo), np.array(hi)


def fit_sigmoid(x, y, *, floor=0.0, ceiling=None, max_ceiling=1.0, n_boot=1000, rng=0,
                confidence=0.95):
    """Fit a logistic in ``log10 x`` by least squares, with a bootstrap over points.

    Parameters
    ----------
    x : array_like
        Scale of each model (e.g. training FLOP), > 0.
    y : array_like
        Score of each model in [0, 1] (an accuracy, an exact-match rate, BLEU / 100).
    floor : float, default 0.0
        Fixed value far below the midpoint (chance level).
    ceiling : float, optional
        Fixed value far above the midpoint; by default fitted in ``(floor, max_ceiling]``.
    max_ceiling : float, default 1.0
        Upper bound of a fitted ceiling.
    n_boot : int, default 1000
        Bootstrap resamples of the points (0 for none).  Each refit starts from the
        full-data optimum.
    rng : int or numpy.random.Generator, default 0
        Seed or generator of the resampling.
    confidence : float, default 0.95
        Level of the percentile intervals.

    Returns
    -------
    SigmoidFit

    Raises
    ------
    ValueError
        NaN/inf, non-positive ``x``, ``y`` outside [0, 1], mismatched lengths, fewer points
        than parameters + 1, a single distinct ``x``, or bad settings.

    Notes
    -----
    Least squares from a fixed 4 x 3 x 2 grid of starts (slope, midpoint, ceiling), trust-region
    reflective with bounds ``slope in [1e-3, 50]`` per decade and ``midpoint`` within 3
    decades of the data.  The transition width ``2 ln 9 / slope`` (decades from 10% to 90%
    of the rise) is the measure of sharpness used in the chapter *Emergence* to ask whether
    a metric makes an ability look sudden (Schaeffer et al. 2023).
    """
    fit_ceiling = ceiling is None
    n_params = 3 if fit_ceiling else 2
    x, y = _xy(x, y, n_params, "A sigmoid in log10 x")
    floor = check_scalar("floor", floor)
    if not 0 <= floor < 1:
        raise ValueError(f"`floor` must be in [0, 1), got {floor!r}.")
    max_ceiling = check_scalar("max_ceiling", max_ceiling)
    if not floor < max_ceiling <= 1:
        raise ValueError(f"`max_ceiling` must be in (floor, 1], got {max_ceiling!r}.")
    if not fit_ceiling:
        ceiling = check_scalar("ceiling", ceiling)
        if not floor < ceiling <= 1:
            raise ValueError(f"`ceiling` must be in (floor, 1] = ({floor:g}, 1], got {ceiling!r}; or omit it to fit it.")
    n_boot = _check_n_boot(n_boot)
    confidence = check_probability("confidence", confidence)
    gen, seed = _check_rng(rng)
    lx = np.log10(x)
    bounds = _sigmoid_bounds(lx, floor, max_ceiling, fit_ceiling)

    def model(theta, lxx):
        c = theta[2] if fit_ceiling else ceiling
        return _sigmoid(lxx, theta[0], theta[1], floor, c)

    def fit_one(lxx, yy, start_list):
        return _best_least_squares(lambda t: model(t, lxx) - yy, start_list, bounds, max_nfev=2000)

    span = lx.max() - lx.min()
    slopes = [0.5, 1.5, 4.0, 12.0]
    mids = [lx.min() + q * span for q in (0.25, 0.6, 1.0)]
    ceils = [min(max(y.max(), floor + 1e-3), max_ceiling), max_ceiling] if fit_ceiling else [None]
    starts = [np.array([s, m] + ([c] if fit_ceiling else [])) for s, m, c in product(slopes, mids, ceils)]
    best = fit_one(lx, y, starts)
    if best is None:
        raise ValueError("The sigmoid fit failed from every start; check `x` and `y`.")
    theta = best.x
    resid = best.fun
    sst = float(np.sum((y - y.mean()) ** 2))
    ssr = float(np.sum(resid**2))
    r2 = 1 - ssr / sst if sst > 0 else float("nan")
    at_bound = np.isclose(theta[0], bounds[1][0]) or np.isclose(theta[1], bounds[0][1]) or np.isclose(theta[1], bounds[1][1])
    message = str(best.message)
    if at_bound:
        message += "; a parameter sits at its bound (slope 50/decade or midpoint 3 decades outside the data): the data do not pin it down"
    elif not lx.min() <= theta[1] <= lx.max():
        message += "; the midpoint lies outside the range of x: the half-way point is extrapolated, not observed"

    cols = ["slope", "midpoint", "ceiling"]
    if n_boot:
        thetas, ok = _bootstrap(lx, y, lambda a, b, t: fit_one(a, b, [t]), theta, n_boot, gen)
        samples = pd.DataFrame(thetas[:, :2], columns=cols[:2])
        samples["ceiling"] = thetas[:, 2] if fit_ceiling else ceiling
        samples["width"] = _WIDTH_FACTOR / samples["slope"]
        samples["converged"] = ok
    else:
        samples = pd.DataFrame(columns=cols + ["width", "converged"])
    return SigmoidFit(
        slope=float(theta[0]), midpoint=float(theta[1]),
        ceiling=float(theta[2]) if fit_ceiling else float(ceiling), floor=floor,
        objective=ssr, r_squared=float(r2), success=bool(best.success) and not at_bound,
        message=message, n_points=int(x.size), n_starts=len(starts), samples=samples,
        confidence=confidence, n_boot=n_boot, seed=seed,
    )


# --------------------------------------------------------------------------- broken power law
BNSL_NAMES = ("a", "b", "c0", "c1", "d1", "f1")


def broken_power_law(x, *, a, b, c0, c1, d1, f1):
    """Broken neural scaling law with one break: ``a + b x^(-c0) (1 + (x/d1)^(1/f1))^(-c1 f1)``.

    Parameters
    ----------
    x : float or array_like
        Scale, > 0.
    a : float
        Limit value (offset).
    b : float
        Scale of the first segment.
    c0 : float
        Slope (on log-log axes, of ``y - a``) before the break is ``-c0``.
    c1 : float
        Change of slope at the break: after it the slope is ``-(c0 + c1)``.
    d1 : float
        Location of the break (same units as ``x``), > 0.
    f1 : float
        Sharpness of the break (> 0; small is sharp).

    Returns
    -------
    float or numpy.ndarray

    Notes
    -----
    Caballero et al. (2022), eq. 1 with ``n = 1`` break.  Chapter: *Emergence*.
    """
    x = as_positive_array("x", x)
    a, b, c0, c1 = (check_scalar(k, v) for k, v in (("a", a), ("b", b), ("c0", c0), ("c1", c1)))
    d1 = check_positive_scalar("d1", d1)
    f1 = check_positive_scalar("f1", f1)
    return laws._scalar_or_array(_bnsl(x, a, b, c0, c1, d1, f1))


def _bnsl(x, a, b, c0, c1, d1, f1):
    # (1 + (x/d1)^(1/f1))^(-c1 f1) computed as exp(-c1 f1 log1p(exp(log(x/d1)/f1))) for stability.
    t = np.log(x / d1) / f1
    soft = np.logaddexp(0.0, t)
    return a + b * np.exp(-c0 * np.log(x) - c1 * f1 * soft)


def _bnsl_log_slope(x, a, b, c0, c1, d1, f1, *, of="y"):
    """d log y / d log x (``of="y"``) or d log(y - a) / d log x (``of="y - a"``) of the curve."""
    if of not in ("y", "y - a"):
        raise ValueError(f"Unknown `of` {of!r}; choose 'y' or 'y - a'.")
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        share = special.expit(np.log(x / d1) / f1)
        slope_part = -c0 - c1 * share
        if of == "y - a":
            return slope_part
        y = _bnsl(x, a, b, c0, c1, d1, f1)
        out = (y - a) / y * slope_part
    return np.where(y > 0, out, np.nan)


def _bnsl_theta_to_params(theta, x_ref):
    """Internal (a, B, c0, c1, log d1', log f1), with x' = x / x_ref and
    y = a + B (x'/d1')^(-c0) (1 + (x'/d1')^(1/f1))^(-c1 f1), -> published parameters.

    ``B`` is the size of the second term at the break's scale, which keeps the fit well
    conditioned; ``b = B d1^c0`` in the units of ``x``.
    """
    a, B, c0, c1, log_d, log_f = theta
    d1 = float(np.exp(log_d) * x_ref)
    with np.errstate(over="ignore", under="ignore"):
        b = float(B * np.exp(c0 * np.log(d1)))
    return {"a": float(a), "b": b, "c0": float(c0), "c1": float(c1), "d1": d1, "f1": float(np.exp(log_f))}


@dataclass(frozen=True)
class BrokenPowerLawFit(_BootstrapCurveFit):
    """Result of :func:`fit_broken_power_law`.

    Attributes
    ----------
    a, b, c0, c1, d1, f1 : float
        Fitted parameters of :func:`broken_power_law` (``d1`` in the units of ``x``).
    objective : float
        Sum of squared residuals at the optimum.
    r_squared : float
    success : bool
    message : str
    n_points, n_starts : int
    samples : pandas.DataFrame
        One row per bootstrap resample: the six parameters and ``converged``.
    confidence : float
    n_boot : int
    seed : int or None
    """

    a: float
    b: float
    c0: float
    c1: float
    d1: float
    f1: float
    objective: float
    r_squared: float
    success: bool
    message: str
    n_points: int
    n_starts: int
    samples: pd.DataFrame = field(repr=False)
    confidence: float
    n_boot: int
    seed: int | None

    _QUANTITIES = BNSL_NAMES
    _PLOT_LABEL = "broken power law"

    @property
    def params(self):
        """The six parameters as a dict, ready for :func:`broken_power_law`."""
        return {k: getattr(self, k) for k in BNSL_NAMES}

    def predict(self, x):
        """Fitted curve at ``x`` (> 0)."""
        return broken_power_law(x, **self.params)

    def predict_samples(self, x):
        """Curves of the converged bootstrap resamples at ``x``: array (n_converged, len(x))."""
        x = as_positive_array("x", x).ravel()
        s = self.samples[self.samples["converged"]]
        cols = [s[k].to_numpy()[:, None] for k in BNSL_NAMES]
        with np.errstate(over="ignore", invalid="ignore"):
            return _bnsl(x[None, :], *cols)

    def local_slope(self, x, *, of="y"):
        """Local log-log slope of the fitted curve at ``x``.

        Parameters
        ----------
        x : float or array_like
            Scale, > 0, in the units of the fitted ``x``.
        of : {"y", "y - a"}, default "y"
            ``"y"``: the slope ``d log y / d log x`` of the fitted score itself (NaN where
            the fitted ``y <= 0``).  ``"y - a"``: the slope of the power-law part ``y - a``,
            which goes from ``-c0`` far below the break to ``-(c0 + c1)`` far above it.

        Returns
        -------
        float or numpy.ndarray

        Raises
        ------
        ValueError
            Non-positive or non-finite ``x``, or an unknown ``of``.

        Notes
        -----
        Caballero et al. (2022), eq. 1 with one break, differentiated analytically:
        ``d log(y - a) / d log x = -c0 - c1 s``, ``s = 1 / (1 + (x/d1)^(-1/f1))``, and
        ``d log y / d log x = (y - a) / y`` times that.  The exponents ``c0`` and ``c1`` describe
        ``y - a`` only: where ``y - a`` is tiny they say little about how fast the score itself
        moves.  Chapter: *Emergence*.
        """
        x = as_positive_array("x", x)
        return laws._scalar_or_array(_bnsl_log_slope(x, *(getattr(self, k) for k in BNSL_NAMES), of=of))

    def local_slope_samples(self, x, *, of="y"):
        """:meth:`local_slope` of every converged bootstrap resample: array (n_converged, len(x))."""
        x = as_positive_array("x", x).ravel()
        s = self.samples[self.samples["converged"]]
        cols = [s[k].to_numpy(dtype=float)[:, None] for k in BNSL_NAMES]
        return _bnsl_log_slope(x[None, :], *cols, of=of)

    def _title(self):
        return f"Broken power law (one break) on {self.n_points} points ({self.n_starts} starts)"


def fit_broken_power_law(x, y, *, n_boot=1000, rng=0, confidence=0.95):
    """Fit the one-break broken neural scaling law by least squares, with a bootstrap.

    Parameters
    ----------
    x : array_like
        Scale of each model (e.g. training FLOP in any unit), > 0.
    y : array_like
        Score of each model in [0, 1].
    n_boot : int, default 1000
        Bootstrap resamples of the points (0 for none); each refit starts from the
        full-data optimum.
    rng : int or numpy.random.Generator, default 0
    confidence : float, default 0.95

    Returns
    -------
    BrokenPowerLawFit

    Raises
    ------
    ValueError
        NaN/inf, non-positive ``x``, ``y`` outside [0, 1], mismatched lengths, fewer than 7
        points, a single distinct ``x``, or bad settings.

    Notes
    -----
    Caballero et al. (2022), eq. 1 with one break, fitted by least squares on ``y``
    (analytic Jacobian, trust-region reflective).  Internally ``x`` is divided by its
    geometric mean and the curve is written as ``a + B (x/d1)^(-c0) (1 + (x/d1)^(1/f1))^(-c1 f1)``
    (so ``b = B d1^c0``), which keeps the fit well conditioned.  Bounds: the break ``d1``
    within two decades of the data, ``f1`` in ``[0.01, 10]``, ``|c0|, |c1| <= 10``,
    ``|a| <= 1``, ``|B| <= 2``.  Starts: a fixed grid of 4 break locations x 2 sharpnesses
    x 2 slope pairs.  The slope of ``y - a`` on log-log axes is ``-c0`` before the break
    and ``-(c0 + c1)`` after it.
    Chapter: *Emergence*.
    """
    x, y = _xy(x, y, 6, "The one-break broken power law")
    n_boot = _check_n_boot(n_boot)
    confidence = check_probability("confidence", confidence)
    gen, seed = _check_rng(rng)
    x_ref = float(np.exp(np.mean(np.log(x))))
    xs = x / x_ref
    lxs = np.log(xs)
    lo = np.array([-1.0, -2.0, -10.0, -10.0, lxs.min() - 2 * np.log(10), np.log(0.01)])
    hi = np.array([1.0, 2.0, 10.0, 10.0, lxs.max() + 2 * np.log(10), np.log(10.0)])
    bounds = (lo, hi)

    def fit_one(xx, yy, start_list):
        lxx = np.log(xx)

        def parts(t):
            a, B, c0, c1, log_d, log_f = t
            f1 = np.exp(log_f)
            v = lxx - log_d
            u = v / f1
            soft = np.logaddexp(0.0, u)
            with np.errstate(over="ignore", invalid="ignore", under="ignore"):
                e = np.exp(-c0 * v - c1 * f1 * soft)
            return a, B, c0, c1, f1, v, u, soft, e

        def resid(t):
            a, B, *_, e = parts(t)
            with np.errstate(over="ignore", invalid="ignore"):
                r = a + B * e - yy
            return np.where(np.isfinite(r), r, 1e6)

        def jac(t):
            _, B, c0, c1, f1, v, u, soft, e = parts(t)
            with np.errstate(over="ignore", invalid="ignore"):
                g = B * e
                sig = special.expit(u)
                J = np.column_stack([np.ones_like(lxx), e, -v * g, -f1 * soft * g,
                                     (c0 + c1 * sig) * g, -c1 * f1 * (soft - u * sig) * g])
            return np.where(np.isfinite(J), J, 0.0)

        return _best_least_squares(resid, start_list, bounds, max_nfev=1000, jac=jac)

    y_lo = float(np.percentile(y, 10))
    span = float(y.max() - y_lo)
    starts = []
    for q, log_f, (c0, c1) in product((0.3, 0.5, 0.7, 0.9), (np.log(0.3), np.log(1.0)),
                                      ((0.0, -1.0), (-2.0, 2.0))):
        starts.append(np.array([y_lo, 0.5 * span + 1e-3, c0, c1,
                                lxs.min() + q * (lxs.max() - lxs.min()), log_f]))
    best = fit_one(xs, y, starts)
    if best is None:
        raise ValueError("The broken power-law fit failed from every start; check `x` and `y`.")
    theta = best.x
    ssr = float(np.sum(best.fun**2))
    sst = float(np.sum((y - y.mean()) ** 2))
    r2 = 1 - ssr / sst if sst > 0 else float("nan")
    at_bound = bool(np.any(np.isclose(theta, lo, atol=1e-6) | np.isclose(theta, hi, atol=1e-6)))
    message = str(best.message)
    if at_bound:
        message += "; a parameter sits at its bound: the data do not pin it down"
    if n_boot:
        thetas, ok = _bootstrap(xs, y, lambda a, b, t: fit_one(a, b, [t]), theta, n_boot, gen)
        rows = [_bnsl_theta_to_params(t, x_ref) if np.isfinite(t).all() else dict.fromkeys(BNSL_NAMES, np.nan)
                for t in thetas]
        samples = pd.DataFrame(rows, columns=list(BNSL_NAMES))
        samples["converged"] = ok
    else:
        samples = pd.DataFrame(columns=list(BNSL_NAMES) + ["converged"])
    return BrokenPowerLawFit(
        **_bnsl_theta_to_params(theta, x_ref), objective=ssr, r_squared=float(r2),
        success=bool(best.success), message=message, n_points=int(x.size), n_starts=len(starts),
        samples=samples, confidence=confidence, n_boot=n_boot, seed=seed,
    )


# --------------------------------------------------------------------------- extrapolation
@dataclass(frozen=True)
class Extrapolation:
    """Result of :func:`fit_small_predict_large`.

    Attributes
    ----------
    model : str
        ``"sigmoid"`` or ``"broken_power_law"``.
    cut : float
        Models with ``x < cut`` were fitted; the others predicted.
    fit : SigmoidFit or BrokenPowerLawFit
        The fit on the small models (with its bootstrap).
    frame : pandas.DataFrame
        One row per large model: ``x``, ``y``, ``predicted``, ``lower``, ``upper``
        (pointwise percentile band of the bootstrap refits), ``error`` (predicted - y).
    rmse, mae : float
        Root-mean-square and mean absolute error of the predictions.
    rmse_interval : tuple of float
        Percentile interval of the RMSE over the bootstrap refits of the small models.
    coverage : float
        Share of large models whose observed score lies inside the band.
    n_small, n_large : int
    confidence : float
    success : bool
        Whether the small-model fit converged.
    message : str
    """

    model: str
    cut: float
    fit: object = field(repr=False)
    frame: pd.DataFrame = field(repr=False)
    rmse: float
    mae: float
    rmse_interval: tuple
    coverage: float
    n_small: int
    n_large: int
    confidence: float
    success: bool
    message: str

    def summary(self):
        lo, hi = self.rmse_interval
        pct = round(100 * self.confidence)
        return "\n".join([
            f"{self.model} fitted on {self.n_small} models with x < {self.cut:.3g}, "
            f"predicting {self.n_large} larger ones",
            f"  RMSE = {self.rmse:.3g} [{lo:.3g}, {hi:.3g}] ({pct}% bootstrap), MAE = {self.mae:.3g}",
            f"  {100 * self.coverage:.0f}% of the large models fall inside the {pct}% band",
            f"  small-model fit: success = {self.success} ({self.message})",
        ])

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return "<pre>" + self.summary() + "</pre>"

    def plot(self, x, y, *, ax=None, color=None):
        """All models, the small-model fit extended over the whole range, and the cut."""
        import matplotlib.pyplot as plt

        x = as_positive_array("x", x).ravel()
        if ax is None:
            _, ax = plt.subplots()
        small = x < self.cut
        points = ax.scatter(x[small], np.asarray(y)[small], s=14, color=color, label="fitted (small)")
        color = points.get_facecolor()[0]
        ax.scatter(x[~small], np.asarray(y)[~small], s=18, marker="x", color="black", label="held out (large)")
        grid = np.geomspace(x.min(), x.max(), 200)
        ax.plot(grid, self.fit.predict(grid), color=color, label=f"{self.model} fit on small")
        curves = self.fit.predict_samples(grid)
        if len(curves):
            tail = 100 * (1 - self.confidence) / 2
            lo, hi = np.nanpercentile(curves, [tail, 100 - tail], axis=0)
            ax.fill_between(grid, lo, hi, color=color, alpha=0.2)
        ax.axvline(self.cut, color="grey", ls="--", lw=1)
        ax.set_xscale("log")
        return ax


_MODELS = {"sigmoid": fit_sigmoid, "broken_power_law": fit_broken_power_law}


def fit_small_predict_large(x, y, *, cut, model="sigmoid", n_boot=1000, rng=0, confidence=0.95,
                            **fit_options):
    """Fit a curve on the models below ``cut`` and score its predictions for the rest.

    Parameters
    ----------
    x : array_like
        Scale of each model, > 0.
    y : array_like
        Score of each model in [0, 1].
    cut : float
        Models with ``x < cut`` are fitted; models with ``x >= cut`` are predicted.
    model : {"sigmoid", "broken_power_law"}, default "sigmoid"
    n_boot : int, default 1000
        Bootstrap resamples of the small models (>= 2); each refit's predictions give the
        band and the interval of the RMSE.
    rng : int or numpy.random.Generator, default 0
    confidence : float, default 0.95
    **fit_options
        Passed to :func:`fit_sigmoid` (e.g. ``ceiling``) or :func:`fit_broken_power_law`.

    Returns
    -------
    Extrapolation

    Raises
    ------
    ValueError
        Bad inputs (as for the fits), an unknown ``model``, too few models below ``cut``
        or none at or above it.

    Notes
    -----
    The question of Wei et al. (2022) and Schaeffer et al. (2023): can a threshold be seen
    coming from smaller models?  Ruan et al. (2024) make the same hold-out test with
    observational scaling laws.  Chapter: *Emergence*.
    """
    if model not in _MODELS:
        raise ValueError(f"Unknown `model` {model!r}; choose 'sigmoid' or 'broken_power_law'.")
    x = as_positive_array("x", x).ravel()
    y = _as_probabilities("y", y).ravel()
    check_same_length(x=x, y=y)
    cut = check_positive_scalar("cut", cut)
    n_boot = check_positive_int("n_boot", n_boot, minimum=2)
    small = x < cut
    if (~small).sum() == 0:
        raise ValueError(f"No model has x >= cut = {cut:g}; lower `cut` so that some models are held out.")
    fitted = _MODELS[model](x[small], y[small], n_boot=n_boot, rng=rng, confidence=confidence,
                            **fit_options)
    xl, yl = x[~small], y[~small]
    order = np.argsort(xl, kind="stable")
    xl, yl = xl[order], yl[order]
    pred = np.asarray(fitted.predict(xl), dtype=float).reshape(-1)
    curves = fitted.predict_samples(xl)
    tail = 100 * (1 - confidence) / 2
    if len(curves):
        lo, hi = np.nanpercentile(curves, [tail, 100 - tail], axis=0)
        boot_rmse = np.sqrt(np.mean((curves - yl[None, :]) ** 2, axis=1))
        rmse_interval = _percentile_interval(boot_rmse, confidence)
    else:
        lo = hi = np.full(xl.size, np.nan)
        rmse_interval = (np.nan, np.nan)
    err = pred - yl
    frame = pd.DataFrame({"x": xl, "y": yl, "predicted": pred, "lower": lo, "upper": hi, "error": err})
    return Extrapolation(
        model=model, cut=cut, fit=fitted, frame=frame,
        rmse=float(np.sqrt(np.mean(err**2))), mae=float(np.mean(np.abs(err))),
        rmse_interval=rmse_interval, coverage=float(np.mean((yl >= lo) & (yl <= hi))),
        n_small=int(small.sum()), n_large=int((~small).sum()), confidence=confidence,
        success=fitted.success, message=fitted.message,
    )


# --------------------------------------------------------------------------- noise in accuracies
def infer_item_count(accuracies, *, max_items=10000, tol=1e-6):
    """Smallest number of test items ``n`` for which every accuracy is a multiple of ``1/n``.

    Parameters
    ----------
    accuracies : array_like
        Observed accuracies in [0, 1] from one task (NaN not allowed: drop them first).
    max_items : int, default 10000
        Largest ``n`` tried.
    tol : float, default 1e-6
        Allowed distance of ``accuracy * n`` from an integer.

    Returns
    -------
    int
        The smallest consistent ``n``.  It is a lower bound on the evaluation's size
        (any multiple of it is also consistent).

    Raises
    ------
    ValueError
        Bad input, or no ``n <= max_items`` fits.

    Notes
    -----
    Used in the chapter *Emergence* to establish how many problems each task of the
    observational-scaling CSV (Ruan et al. 2024) has, for binomial intervals.
    """
    acc = _as_probabilities("accuracies", accuracies).ravel()
    max_items = check_positive_int("max_items", max_items)
    tol = check_positive_scalar("tol", tol)
    for n in range(1, max_items + 1):
        scaled = acc * n
        if np.all(np.abs(scaled - np.round(scaled)) <= tol * n):
            return n
    raise ValueError(
        f"No item count n <= {max_items} makes every value of `accuracies` a multiple of 1/n; "
        "the values are not plain accuracies (rounded or averaged?), or raise `max_items`."
    )
