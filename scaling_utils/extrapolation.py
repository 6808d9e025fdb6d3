"""Fitting learning curves and testing how far they extrapolate.

Alabdulmohsin, Neyshabur & Zhai (2022), *Revisiting Neural Scaling Laws in Language and
Vision* (NeurIPS 2022, arXiv:2209.06640), compare four functional forms for a loss or error
``eps`` as a function of the scale ``x`` (examples seen, tokens, parameters, compute):

* **M1**  ``eps = beta * x**c``                                   (``c < 0``)
* **M2**  ``eps = eps_inf + beta * x**c``                         (``c < 0``)
* **M3**  ``eps = beta * (1/x + gamma)**c``                       (``c > 0``, ``gamma >= 0``)
* **M4**  ``(eps - eps_inf) / (eps_0 - eps)**alpha = beta * x**c`` (``c < 0``, ``alpha >= 0``;
  the paper's proposal: ``eps`` is the root of this equation between ``eps_inf`` and ``eps_0``)

The paper fits each form by least squares on the log of its *linearised* equation: for M2,
``log(eps - eps_inf)`` against ``log beta + c log x``; for M4, ``log(eps - eps_inf) -
alpha log(eps_0 - eps)`` against the same line.  Given the parameters that enter nonlinearly
(``eps_inf``; ``gamma``; ``eps_inf`` and ``eps_0``) the rest is a linear regression, so this
module profiles them out: a grid over the nonlinear parameters, a linear least-squares solve
at each grid point (with the sign constraints), and a bounded refinement of the best one.
That is the paper's objective, fitted by this book's own code (the authors alternate gradient
steps and regressions).  Bounds as in the paper: ``0 <= eps_inf <= min(eps) - margin`` and
``max(eps) + margin <= eps_0 <= eps0_max``, ``margin = min(1e-3, min(eps) / 2)``.

To these the book adds the two forms its other chapters use, fitted by least squares on
``log eps`` (the benchmark's score):

* **saturating**: ``eps = E + A * x**(-alpha)``, the one-variable law with a floor of the
  *Entropy floors* and *Compute-optimal* chapters, with Hoffmann et al.'s Huber loss
  (``delta = 1e-3``) on log residuals;
* **broken**: the one-break broken power law of Caballero et al. (2022, eq. 1), the form of
  :func:`scaling_utils.emergence.broken_power_law`:
  ``a + b x**(-c0) (1 + (x/d1)**(1/f1))**(-c1 f1)``.

Scores: :func:`log_rmse`, the root-mean-square error of ``log eps`` on held-out points, the
paper's metric.  :func:`benchmark` runs the paper's protocol on its benchmark files.

Chapter: *Extrapolation*.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize

from ._interval import percentile_interval
from ._validate import (
    ArgumentTypeError,
    as_positive_array,
    check_choice,
    check_positive_int,
    check_positive_scalar,
    check_probability,
    check_same_length,
    check_string_list,
)

__all__ = ["FORMS", "PARAMS", "MIN_POINTS", "LearningCurveFit", "fit_learning_curve", "benchmark",
           "log_rmse", "curve_table", "interval_coverage", "win_rates", "backtest_chinchilla", "backtest_curve", "frontier"]

#: The functional forms :func:`fit_learning_curve` knows.
FORMS = ("m1", "m2", "m3", "m4", "saturating", "broken")
#: Parameter names of each form, in the units of ``x`` and ``eps``.
PARAMS = {
    "m1": ("beta", "c"),
    "m2": ("eps_inf", "beta", "c"),
    "m3": ("beta", "gamma", "c"),
    "m4": ("eps_inf", "eps_0", "alpha", "beta", "c"),
    "saturating": ("E", "A", "alpha"),
    "broken": ("a", "b", "c0", "c1", "d1", "f1"),
}
#: Fewest training points per form: one more than its parameters, so that a fit is not exact.
MIN_POINTS = {form: len(names) + 1 for form, names in PARAMS.items()}
#: Huber threshold of the ``saturating`` form (on log residuals), Hoffmann et al.'s 1e-3.
HUBER_DELTA = 1e-3
#: The paper's margin between a floor (or a ceiling) and the observed losses.
MARGIN = 1e-3
#: Newton steps that solve M4's implicit equation for ``eps``.
_NEWTON_STEPS = 30
#: A resampled refit share above which a prediction interval is not reported.
MAX_FAILED_SHARE = 0.05
#: Largest number of bootstrap resamples accepted.
MAX_BOOT = 100_000
#: Relative distance to a bound (of the bound's range) at which a parameter is "at" it.
_AT_BOUND = 1e-4


# --------------------------------------------------------------------------- the forms
def _m4_solve(lu, eps_inf, eps_0, alpha, b, c):
    """The root ``eps`` in ``(eps_inf, eps_0)`` of M4's equation at log-scale ``lu``.

    ``log(eps - eps_inf) - alpha log(eps_0 - eps) = b + c lu``.  The left side rises from
    ``-inf`` to ``+inf`` on the interval (``alpha >= 0``), so the root is unique.  With
    ``eps = eps_inf + span * sigmoid(u)``, ``span = eps_0 - eps_inf``, the equation is
    ``log sigmoid(u) - alpha log sigmoid(-u) = b + c lu - (1 - alpha) log span``, whose left
    side has slope ``sigmoid(-u) + alpha sigmoid(u) > 0``; Newton steps from the
    ``alpha = 0`` solution converge in a few iterations (vectorised over ``lu``).
    """
    span = eps_0 - eps_inf
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rhs = b + c * np.asarray(lu, dtype=float) - (1.0 - alpha) * np.log(span)
        u = np.where(rhs < -1e-12, rhs - np.log(-np.expm1(np.minimum(rhs, -1e-12))), 30.0)
        u = np.clip(u, -700.0, 700.0)
        for _ in range(_NEWTON_STEPS):
            log_s, log_sm = -np.logaddexp(0.0, -u), -np.logaddexp(0.0, u)
            h = log_s - alpha * log_sm - rhs
            slope = np.exp(log_sm) + alpha * np.exp(log_s)
            u = np.clip(u - h / np.maximum(slope, 1e-300), -700.0, 700.0)
        return eps_inf + span * np.exp(-np.logaddexp(0.0, -u))


def _predict_internal(form, theta, lu):
    """``eps`` of ``form`` at log-normalised scale ``lu`` from internal parameters ``theta``."""
    lu = np.asarray(lu, dtype=float)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if form == "m1":
            b, c = theta
            return np.exp(b + c * lu)
        if form in ("m2", "saturating"):
            e_inf, b, c = theta
            return e_inf + np.exp(b + c * lu)
        if form == "m3":
            b, g, c = theta
            return np.exp(b + c * np.log(np.exp(-lu) + g))
        if form == "m4":
            return _m4_solve(lu, *theta)
        if form == "broken":
            a, lb, c0, c1, ld1, lf1 = theta
            f1 = np.exp(lf1)
            return a + np.exp(lb - c0 * lu - c1 * f1 * np.logaddexp(0.0, (lu - ld1) / f1))
    raise AssertionError(form)


def _to_params(form, theta, s):
    """Internal parameters (``x`` divided by ``exp(s)``) -> the form's parameters in units of ``x``."""
    if form == "m1":
        b, c = theta
        return {"beta": math.exp(b - c * s), "c": c}
    if form == "m2":
        e_inf, b, c = theta
        return {"eps_inf": e_inf, "beta": math.exp(b - c * s), "c": c}
    if form == "saturating":
        e_inf, b, c = theta
        return {"E": e_inf, "A": math.exp(b - c * s), "alpha": -c}
    if form == "m3":  # (x_ref/x + g)^c = x_ref^c (1/x + g/x_ref)^c
        b, g, c = theta
        return {"beta": math.exp(b + c * s), "gamma": g * math.exp(-s), "c": c}
    if form == "m4":
        e_inf, e0, alpha, b, c = theta
        return {"eps_inf": e_inf, "eps_0": e0, "alpha": alpha, "beta": math.exp(b - c * s), "c": c}
    if form == "broken":
        a, lb, c0, c1, ld1, lf1 = theta
        return {"a": a, "b": math.exp(lb + c0 * s), "c0": c0, "c1": c1, "d1": math.exp(ld1 + s),
                "f1": math.exp(lf1)}
    raise AssertionError(form)


# --------------------------------------------------------------------------- M1-M4: profiled
def _line(lu, z):
    """Least-squares line ``z ~ b + c lu`` for each row of ``z``: (b, c, sum of squares)."""
    z = np.atleast_2d(z)
    mu, zm = lu.mean(), z.mean(axis=1)
    du = lu - mu
    c = (z - zm[:, None]) @ du / (du @ du)
    b = zm - c * mu
    ssr = np.sum((z - b[:, None] - c[:, None] * lu) ** 2, axis=1)
    return b, c, ssr


def _margin(y):
    return min(MARGIN, 0.5 * float(y.min()))


def _descend(values, k):
    """Walk downhill on a 1-D or 2-D grid of objective values from index ``k`` to a local minimum."""
    values = np.where(np.isfinite(values), values, np.inf)
    k = tuple(np.atleast_1d(k))
    while True:
        best = k
        for axis in range(values.ndim):
            for step in (-1, 1):
                j = list(k)
                j[axis] += step
                if 0 <= j[axis] < values.shape[axis] and values[tuple(j)] < values[best]:
                    best = tuple(j)
        if best == k:
            return k if values.ndim > 1 else k[0]
        k = best


def _refine_1d(objective, grid, values, start=None):
    """Bounded Brent refinement around a grid minimum; returns (argmin, min).

    ``start=None`` takes the best grid point (a global search); an index walks downhill from
    that grid point to its nearest local minimum first (a local search from a given start).
    """
    k = int(np.nanargmin(values)) if start is None else int(_descend(values, start))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    if hi > lo:
        res = optimize.minimize_scalar(objective, bounds=(lo, hi), method="bounded",
                                       options={"xatol": 1e-10 * max(1.0, abs(hi))})
        if np.isfinite(res.fun) and res.fun <= values[k]:
            return float(res.x), float(res.fun)
    return float(grid[k]), float(values[k])


#: Grid of a floor ``eps_inf`` as a share of its upper bound (dense near the bound, where the
#: paper's fits start).
_FLOOR_SHARES = np.unique(np.concatenate([np.linspace(0.0, 1.0, 41), 1.0 - np.geomspace(1e-5, 0.5, 30)]))


def _fit_m1(lu, y):
    b, c, ssr = _line(lu, np.log(y))
    theta = np.array([b[0], c[0]])
    problems = [] if c[0] < 0 else ["`c` >= 0: the loss does not fall with x"]
    return theta, float(ssr[0]), problems


def _fit_m2(lu, y, search):
    """Profile ``eps_inf`` out of ``log(y - eps_inf) = b + c lu`` (Alabdulmohsin et al.'s M2).

    ``search="local"`` starts at the paper's starting point, ``eps_inf`` at the smallest loss
    minus the margin, and descends to the nearest local minimum; ``"global"`` takes the best
    point of the whole grid.  The objective often has both a minimum near ``eps_inf = 0``
    and one near the losses, so the two can differ (chapter *Extrapolation*).
    """
    top = float(y.min()) - _margin(y)
    grid = top * _FLOOR_SHARES

    def ssr(e):
        return float(_line(lu, np.log(y - e))[2][0])

    values = _line(lu, np.log(y[None, :] - grid[:, None]))[2]
    e_inf, _ = _refine_1d(ssr, grid, values, start=grid.size - 1 if search == "local" else None)
    b, c, s = _line(lu, np.log(y - e_inf))
    theta = np.array([e_inf, b[0], c[0]])
    problems = []
    if top - e_inf <= _AT_BOUND * top:
        problems.append("`eps_inf` is at its upper bound (the smallest loss minus the margin): the data "
                        "do not identify a floor below the losses")
    if c[0] >= 0:
        problems.append("`c` >= 0: the excess loss does not fall with x")
    return theta, float(s[0]), problems


def _m3_fit_at(lu, ly, g):
    """(b, c, ssr) of ``ly = b + c log(exp(-lu) + g)`` with ``c >= 0`` (the paper's constraint)."""
    t = np.log(np.exp(-lu)[None, :] + np.atleast_1d(g)[:, None])
    mu = t.mean(axis=1, keepdims=True)
    dt = t - mu
    c = np.maximum((dt * (ly - ly.mean())).sum(axis=1) / np.maximum((dt ** 2).sum(axis=1), 1e-300), 0.0)
    b = ly.mean() - c * mu[:, 0]
    ssr = np.sum((ly - b[:, None] - c[:, None] * t) ** 2, axis=1)
    return b, c, ssr


def _fit_m3(lu, y):
    """Profile ``gamma`` out of ``log y = b + c log(1/x + gamma)`` (the paper's M3), ``c >= 0``."""
    ly = np.log(y)
    inv = np.exp(-lu)
    g_max = 1e4 * float(inv.max())
    grid = np.concatenate([[0.0], np.geomspace(1e-6 * float(inv.min()), g_max, 120)])
    values = _m3_fit_at(lu, ly, grid)[2]
    k = int(np.argmin(values))
    if k == 0:
        g = 0.0
    else:
        lg, _ = _refine_1d(lambda v: float(_m3_fit_at(lu, ly, math.exp(v))[2][0]),
                           np.log(np.maximum(grid, 1e-300)), np.where(grid > 0, values, np.inf))
        g = math.exp(lg)
    b, c, s = _m3_fit_at(lu, ly, g)
    theta = np.array([b[0], g, c[0]])
    problems = []
    if c[0] <= 0:
        problems.append("`c` is at 0: the loss does not fall with x")
    if g >= g_max * (1 - 1e-6):
        problems.append("`gamma` is at its upper bound: the curve is flat, its floor is not identified")
    return theta, float(s[0]), problems


def _m4_inner(lu, y, e_inf, e0):
    """Best ``(b, c, alpha, ssr)`` of ``log(y - e_inf) = b + c lu + alpha log(e0 - y)``, ``c <= 0 <= alpha``.

    Vectorised over arrays ``e_inf`` and ``e0`` of one shape; the constrained least squares
    is solved by trying each active set (free, ``c = 0``, ``alpha = 0``, both) and keeping
    the best feasible one.
    """
    e_inf = np.atleast_1d(np.asarray(e_inf, dtype=float))
    e0 = np.atleast_1d(np.asarray(e0, dtype=float))
    z = np.log(y[None, :] - e_inf[:, None])
    w = np.log(e0[:, None] - y[None, :])
    n = y.size
    ones = np.ones_like(z)
    lu2 = np.broadcast_to(lu, z.shape)
    best = np.full((e_inf.size, 4), np.nan)
    best[:, 3] = np.inf
    for use_c, use_a in ((True, True), (True, False), (False, True), (False, False)):
        cols = [ones] + ([lu2] if use_c else []) + ([w] if use_a else [])
        X = np.stack(cols, axis=2)                              # (G, n, k)
        gram = np.einsum("gni,gnj->gij", X, X)
        rhs = np.einsum("gni,gn->gi", X, z)
        with np.errstate(all="ignore"):
            try:
                coef = np.linalg.solve(gram + 1e-12 * np.eye(len(cols)), rhs[..., None])[..., 0]
            except np.linalg.LinAlgError:
                continue
            ssr = np.sum((z - np.einsum("gni,gi->gn", X, coef)) ** 2, axis=1)
        b = coef[:, 0]
        c = coef[:, 1] if use_c else np.zeros(e_inf.size)
        a = coef[:, -1] if use_a else np.zeros(e_inf.size)
        ok = (c <= 0) & (a >= 0) & np.isfinite(ssr) & (ssr < best[:, 3])
        best[ok] = np.column_stack([b, c, a, ssr])[ok]
    del n
    return best


def _fit_m4(lu, y, eps0_max, search):
    """Profile ``(eps_inf, eps_0)`` out of M4's linearised equation (the paper's objective).

    ``search="local"`` descends from the paper's starting point (``eps_inf`` at the smallest
    loss minus the margin, ``eps_0 = 1``, or the nearest allowed value), ``"global"`` takes the
    best point of the grid.
    """
    m = _margin(y)
    e_top = float(y.min()) - m
    lo0 = float(y.max()) + m
    hi0 = eps0_max if eps0_max is not None else 10.0 * float(y.max())
    capped = eps0_max is not None
    if hi0 <= float(y.max()):
        raise ValueError(f"`eps0_max` ({hi0:g}) must exceed the largest training loss ({float(y.max()):g}): "
                         "eps_0 is the loss before learning, above every observed loss.")
    fixed = hi0 <= lo0          # the cap is within the margin of the largest loss: eps_0 = eps0_max
    if fixed:
        lo0 = hi0
    r = _FLOOR_SHARES
    s = np.array([0.0]) if fixed else np.unique(np.concatenate([[0.0], np.geomspace(1e-4, 1.0, 18)]))
    R, S = np.meshgrid(r, s, indexing="ij")

    def unpack(rr, ss):
        return e_top * rr, lo0 + (hi0 - lo0) * ss

    table = _m4_inner(lu, y, *unpack(R.ravel(), S.ravel()))
    if search == "local":
        s_start = int(np.argmin(np.abs(lo0 + (hi0 - lo0) * s - min(max(1.0, lo0), hi0))))
        i, j = _descend(table[:, 3].reshape(R.shape), (r.size - 1, s_start))
        k = i * s.size + j
    else:
        k = int(np.nanargmin(table[:, 3]))

    def objective(v):
        rr, ss = np.clip(v, 0.0, 1.0)
        return float(_m4_inner(lu, y, *unpack(rr, ss))[0, 3])

    start = np.array([R.ravel()[k], S.ravel()[k]])
    res = optimize.minimize(objective, start, method="L-BFGS-B", bounds=[(0.0, 1.0), (0.0, 0.0 if fixed else 1.0)],
                            options={"maxiter": 200, "ftol": 1e-14, "gtol": 1e-12})
    v = np.clip(res.x, 0.0, 1.0) if np.isfinite(res.fun) and res.fun <= table[k, 3] else start
    notes = []
    b, c, alpha, ssr = _m4_inner(lu, y, *unpack(*v))[0]
    if fixed:
        notes.append(f"eps_0 = eps0_max = {hi0:g} (within the margin of the largest loss)")
    elif capped and alpha > 0 and v[1] <= _AT_BOUND:
        # The linearised objective pins eps_0 to the first point (log(eps_0 - y) -> log margin
        # gives it unbounded leverage): eps_0 is not identified.  With a known ceiling (the
        # error of a random guess) it is fixed there, the paper's starting value.
        v = np.array([_refine_1d(lambda rr: objective((rr, 1.0)), r, table[:, 3].reshape(R.shape)[:, -1],
                                 start=r.size - 1 if search == "local" else None)[0], 1.0])
        b, c, alpha, ssr = _m4_inner(lu, y, *unpack(*v))[0]
        notes.append(f"eps_0 is not identified (it sits at the largest loss), so it is fixed at eps0_max = {hi0:g}")
    e_inf, e0 = unpack(*v)
    theta = np.array([float(e_inf), float(e0), alpha, b, c])
    problems = []
    if v[0] >= 1 - _AT_BOUND:
        problems.append("`eps_inf` is at its upper bound (the smallest loss minus the margin): the data "
                        "do not identify a floor below the losses")
    if c >= 0:
        problems.append("`c` is at 0: the loss does not fall with x")
    if alpha > 0 and v[1] <= _AT_BOUND and not fixed:
        problems.append("`eps_0` is at its lower bound (the largest loss plus the margin): the initial "
                        "loss is not identified")
    if alpha > 0 and v[1] >= 1 - _AT_BOUND and not capped and not fixed:
        problems.append("`eps_0` is at its upper bound (10 times the largest loss): pass `eps0_max`, "
                        "the loss of a random guess, if it is known")
    if alpha <= 0:
        notes.append("alpha = 0, so M4 reduces to M2 (eps_0 plays no part)")
    elif capped and v[1] >= 1 - _AT_BOUND and not notes and not fixed:
        notes.append(f"eps_0 at its cap eps0_max = {hi0:g}")
    return theta, float(ssr), problems, notes


# --------------------------------------------------------------------------- saturating, broken
def _linear_start(lu, ly):
    slope, intercept = np.polyfit(lu, ly, 1)
    return float(intercept), float(slope)


def _starts_and_bounds(form, lu, y):
    """Starting points and bounds (internal parameters) of the two forms fitted on log eps."""
    ly = np.log(y)
    ymin = float(y.min())
    top = ymin - _margin(y)
    if form == "saturating":
        starts = []
        for share in (0.0, 0.5, 0.9, 0.99):
            e = share * top
            b, c = _linear_start(lu, np.log(y - e))
            starts.append(np.array([e, b, min(c, -1e-3)]))
        return starts, (np.array([0.0, -np.inf, -20.0]), np.array([top, np.inf, 0.0]))
    if form == "broken":
        starts = []
        span = (float(lu.min()), float(lu.max()))
        for ld1 in np.linspace(span[0], span[1], 4)[1:-1]:
            for share in (0.0, 0.5):
                a = share * top
                b, c = _linear_start(lu, np.log(y - a))
                for c1 in (0.0, 0.5):
                    starts.append(np.array([a, b, -c, c1, ld1, 0.0]))
        lower = np.array([0.0, -np.inf, -20.0, -20.0, span[0] - 2.0, -3.0])
        upper = np.array([top, np.inf, 20.0, 20.0, span[1] + 2.0, 3.0])
        return starts, (lower, upper)
    raise AssertionError(form)


def _least_squares(form, lu, y, starts, bounds):
    """Best bounded least-squares solution of ``log eps`` over ``starts`` (scipy's result or None)."""
    ly = np.log(y)
    loss, f_scale = ("huber", HUBER_DELTA) if form == "saturating" else ("linear", 1.0)

    def residuals(theta):
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.log(_predict_internal(form, theta, lu)) - ly
        return np.where(np.isfinite(r), r, 1e3)

    lower, upper = bounds
    span = np.where(np.isfinite(upper - lower), upper - lower, 1.0)
    inside = [np.clip(s, lower + 1e-9 * span, upper - 1e-9 * span) for s in starts]
    if len(inside) > 3:  # optimise only the three most promising starts
        cost = [float(np.sum(residuals(x0) ** 2)) for x0 in inside]
        inside = [inside[i] for i in np.argsort(cost, kind="stable")[:3]]
    best = None
    for x0 in inside:
        res = optimize.least_squares(residuals, x0, bounds=(lower, upper), loss=loss, f_scale=f_scale,
                                     method="trf", x_scale="jac", ftol=1e-12, xtol=1e-12, gtol=1e-12,
                                     max_nfev=200 * len(x0))
        if best is None or res.cost < best.cost:
            best = res
    return best


def _fit_log_ls(form, lu, y, start=None):
    starts, bounds = _starts_and_bounds(form, lu, y)
    if start is not None:
        starts = [start]
    res = _least_squares(form, lu, y, starts, bounds)
    theta = res.x
    lower, upper = bounds
    names = PARAMS[form]
    # A bound that nests a simpler form is allowed (a floor of 0); the others mean the data
    # push the form outside its meaning.
    # f1 at its lower bound is a sharp break (two power laws meeting at d1), a nested form.
    hard = {"saturating": {0: "upper", 2: "upper"}, "broken": {0: "upper", 4: "both", 5: "upper"}}[form]
    problems = []
    if res.status <= 0:
        problems.append(f"the optimiser did not converge ({res.message})")
    for i, side in hard.items():
        width = _AT_BOUND * (upper[i] - lower[i]) if np.isfinite(upper[i] - lower[i]) else 1e-6
        at_low = side == "both" and theta[i] - lower[i] <= width
        at_high = upper[i] - theta[i] <= width
        if at_low or at_high:
            problems.append(f"`{names[i]}` is at its {'lower' if at_low else 'upper'} bound: the data do "
                            "not identify it within the form")
    return theta, float(2 * res.cost), problems


def _fit_theta(form, lu, y, eps0_max, search="local", start=None):
    """(theta, objective, problems, notes) of one form on normalised data."""
    if form == "m1":
        return (*_fit_m1(lu, y), [])
    if form == "m2":
        return (*_fit_m2(lu, y, search), [])
    if form == "m3":
        return (*_fit_m3(lu, y), [])
    if form == "m4":
        return _fit_m4(lu, y, eps0_max, search)
    return (*_fit_log_ls(form, lu, y, start), [])


# --------------------------------------------------------------------------- the result
@dataclass(frozen=True)
class LearningCurveFit:
    """Result of :func:`fit_learning_curve`.

    Attributes
    ----------
    form : str
        One of :data:`FORMS`.
    params : dict
        The form's parameters (:data:`PARAMS`) in the units of ``x`` and ``eps``.
    success : bool
        Whether the numbers can be used: finite, positive on the data, the exponent of the
        right sign, a fitted decline across the data larger than the scatter of the points
        around the curve (else the exponent is noise), and no parameter at a bound that the
        form needs (a floor at the smallest loss, M4's ``eps_0`` at the largest).  Bounds that only nest a simpler form are
        allowed (``eps_inf = 0``, ``gamma = 0``, ``alpha = 0``; M4's ``eps_0`` at a stated
        ``eps0_max``), and the message says so.
    message : str
    rmse_log : float
        Root-mean-square of the ``log eps`` residuals on the training points.
    n_points : int
    x, y : numpy.ndarray
        The training points.
    """

    form: str
    params: dict
    success: bool
    message: str
    rmse_log: float
    n_points: int
    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    theta: np.ndarray = field(repr=False)
    log_scale: float = field(repr=False)
    eps0_max: float | None = field(default=None, repr=False)
    search: str = field(default="local", repr=False)

    def _require_success(self):
        if not self.success:
            raise ValueError(f"This {self.form} fit failed ({self.message}); it has no predictions. "
                             "Check `success` before predicting.")

    def predict(self, x):
        """The fitted ``eps`` at scale(s) ``x`` (positive).  ValueError if the fit failed."""
        self._require_success()
        x = as_positive_array("x", x)
        out = _predict_internal(self.form, self.theta, np.log(x) - self.log_scale)
        return float(out) if np.ndim(out) == 0 else out

    def predict_interval(self, x, *, n_boot: int = 1000, rng=0, confidence: float = 0.95) -> pd.DataFrame:
        """Bootstrap prediction interval of a new observation at each ``x``.

        A residual bootstrap in log space: the training residuals ``r = log y - log fit`` are
        resampled onto the fitted curve, the form is refitted, and a resampled residual is
        added to each refit's prediction, so that the interval is for a new observation, not
        only for the curve.  It treats the residuals as independent; points along one
        learning curve are not (a curve wanders slowly around any smooth law), so the
        interval can undercover: the chapter *Extrapolation* measures by how much.

        Returns
        -------
        pandas.DataFrame
            ``x``, ``predicted``, ``lower``, ``upper`` (NaN when more than 5% of the refits
            fail), with ``attrs["failed_share"]`` and ``attrs["n_boot"]``.
        """
        self._require_success()
        x = as_positive_array("x", x, ndim=1)
        n_boot = check_positive_int("n_boot", n_boot, minimum=20, maximum=MAX_BOOT)
        confidence = check_probability("confidence", confidence)
        gen = _rng(rng)
        lu = np.log(self.x) - self.log_scale
        fitted = _predict_internal(self.form, self.theta, lu)
        resid = np.log(self.y) - np.log(fitted)
        lu_new = np.log(x) - self.log_scale
        draws = np.full((n_boot, x.size), np.nan)
        for k in range(n_boot):
            y_b = fitted * np.exp(gen.choice(resid, size=resid.size, replace=True))
            noise = gen.choice(resid, size=x.size, replace=True)
            try:
                theta, _, problems, _ = _fit_theta(self.form, lu, y_b, self.eps0_max, self.search,
                                                   start=self.theta)
            except ValueError:       # a resample whose largest loss passes eps0_max
                continue
            if problems:
                continue
            pred = _predict_internal(self.form, theta, lu_new)
            if np.all(np.isfinite(pred)) and np.all(pred > 0):
                draws[k] = np.log(pred) + noise
        failed = float(np.isnan(draws[:, 0]).mean())
        lower = np.full(x.size, np.nan)
        upper = np.full(x.size, np.nan)
        if failed <= MAX_FAILED_SHARE:
            for j in range(x.size):
                iv = percentile_interval(draws[~np.isnan(draws[:, j]), j], confidence)
                lower[j], upper[j] = math.exp(iv.lower), math.exp(iv.upper)
        out = pd.DataFrame({"x": x, "predicted": _predict_internal(self.form, self.theta, lu_new),
                            "lower": lower, "upper": upper})
        out.attrs["failed_share"] = failed
        out.attrs["n_boot"] = n_boot
        return out

    def summary(self) -> str:
        """The parameters, the training RMSE of log eps and the verdict, as text."""
        values = ", ".join(f"{k} = {v:.4g}" for k, v in self.params.items())
        return (f"{self.form} fit on {self.n_points} points: {values}\n"
                f"  RMSE of log eps (training) = {self.rmse_log:.3g}   success = {self.success} ({self.message})")

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return "<pre>" + self.summary() + "</pre>"

    def plot(self, ax=None, *, x_new=None, y_new=None):
        """Training points, the fitted curve and (optionally) held-out points, on log-log axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5.5, 3.8))
        ax.scatter(self.x, self.y, s=10, color="k", label="fitted points")
        hi = float(self.x.max())
        if x_new is not None:
            x_new = as_positive_array("x_new", x_new, ndim=1)
            hi = max(hi, float(x_new.max()))
            if y_new is not None:
                y_new = as_positive_array("y_new", y_new, ndim=1)
                check_same_length(x_new=x_new, y_new=y_new)
                ax.scatter(x_new, y_new, s=14, marker="s", facecolors="none", edgecolors="C3",
                           label="held out")
        if self.success:
            grid = np.geomspace(float(self.x.min()), hi, 200)
            ax.plot(grid, self.predict(grid), label=f"{self.form} fit")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("scale x")
        ax.set_ylabel("loss or error")
        ax.legend(fontsize=8)
        return ax


def _rng(rng):
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, (int, np.integer)) or rng < 0:
        raise ArgumentTypeError(
            f"`rng` must be a non-negative int seed or a numpy.random.Generator, got {type(rng).__name__} "
            f"{rng!r:.40}.")
    return np.random.default_rng(int(rng))


def fit_learning_curve(x, y, *, form: str, eps0_max: float | None = None,
                       search: str = "local") -> LearningCurveFit:
    """Fit one functional form to a learning curve ``(x, y)``.

    Parameters
    ----------
    x : array_like
        Scale of each point (examples seen, parameters, FLOP): positive, at least two
        distinct values.
    y : array_like
        Loss or error at each point, positive.
    form : {"m1", "m2", "m3", "m4", "saturating", "broken"}
        See the module docstring and :data:`PARAMS`.
    eps0_max : float, optional
        Upper bound of M4's ``eps_0`` (the loss before learning): 1.0 for an error rate, as
        the paper uses for image classification.  Default: 10 times the largest loss.  Only
        used by ``"m4"``.
    search : {"local", "global"}, default "local"
        How M2 and M4 search their nonlinear parameters.  ``"local"``: from the paper's
        starting point (the floor just below the smallest loss; ``eps_0 = 1``) downhill to the
        nearest local minimum of the paper's objective, as a gradient method started there
        does.  ``"global"``: the best point of the whole grid.  The objective often has a
        second minimum near ``eps_inf = 0``; the chapter compares the two.  The other forms
        ignore it (M1 is linear, M3 is a grid search, as in the paper).

    Returns
    -------
    LearningCurveFit
        ``success=False``, with the reason, when the form is not identified by the data.

    Raises
    ------
    ValueError, TypeError
        Non-positive or non-finite ``x`` or ``y``, mismatched lengths, fewer points than the
        form needs (:data:`MIN_POINTS`), a single distinct ``x``, an unknown ``form``, an
        ``eps0_max`` not above the losses.

    Notes
    -----
    Alabdulmohsin et al. (2022), Section 2 (M1-M4, with M4 their proposal); Caballero et al.
    (2022), eq. 1 (``broken``); Hoffmann et al. (2022), Appendix D.2 (the Huber loss of
    ``saturating``).  Chapter: *Extrapolation*.
    """
    form = check_choice("form", form, FORMS)
    x = as_positive_array("x", x, ndim=1)
    y = as_positive_array("y", y, ndim=1)
    n = check_same_length(x=x, y=y)
    if n < MIN_POINTS[form]:
        raise ValueError(f"`x` has {n} points; the {form} form has {len(PARAMS[form])} parameters and needs "
                         f"at least {MIN_POINTS[form]} points.")
    if np.unique(x).size < 2:
        raise ValueError(f"every value of `x` is {x[0]:.6g}: a learning curve needs at least two scales.")
    if eps0_max is not None:
        eps0_max = check_positive_scalar("eps0_max", eps0_max)
    log_scale = float(np.log(x).mean())
    lu = np.log(x) - log_scale
    search = check_choice("search", search, ("local", "global"))
    theta, _, problems, notes = _fit_theta(form, lu, y, eps0_max, search)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        pred = _predict_internal(form, theta, lu)
        rmse = float(np.sqrt(np.mean((np.log(pred) - np.log(y)) ** 2)))
    if not (np.all(np.isfinite(pred)) and np.all(pred > 0)):
        problems.append("the fitted curve is not positive and finite on the training points")
    elif not problems:
        decline = float(np.log(pred[np.argmin(lu)] / pred[np.argmax(lu)]))
        if decline <= rmse:
            problems.append(f"the fitted curve falls by {decline:.2g} in log loss across the data, no more than "
                            f"the scatter of the points around it ({rmse:.2g}): its decline is not identified")
    try:
        with np.errstate(over="raise"):
            params = _to_params(form, theta, log_scale)
    except (OverflowError, FloatingPointError, ValueError):
        params = {name: math.nan for name in PARAMS[form]}
    if not all(math.isfinite(v) for v in params.values()):
        problems.append("a parameter is not finite in the units of x")
    success = not problems
    message = ("converged" + (f"; {'; '.join(notes)}" if notes else "")) if success else \
        "failed: " + "; ".join(problems)
    return LearningCurveFit(form=form, params=params, success=success, message=message, rmse_log=rmse,
                            n_points=n, x=x, y=y, theta=np.asarray(theta, dtype=float), log_scale=log_scale,
                            eps0_max=eps0_max, search=search)


# --------------------------------------------------------------------------- scores
def log_rmse(predicted, observed) -> float:
    """Root-mean-square of ``log predicted - log observed``: Alabdulmohsin et al.'s score."""
    predicted = as_positive_array("predicted", predicted, ndim=1)
    observed = as_positive_array("observed", observed, ndim=1)
    check_same_length(predicted=predicted, observed=observed)
    return float(np.sqrt(np.mean((np.log(predicted) - np.log(observed)) ** 2)))


def interval_coverage(interval: pd.DataFrame, observed) -> float:
    """Share of ``observed`` values inside the ``lower``-``upper`` rows of ``interval``.

    ``interval`` is a frame from :meth:`LearningCurveFit.predict_interval` (rows in the order
    of ``observed``).  NaN when the interval was not reported (too many failed refits).
    """
    if not isinstance(interval, pd.DataFrame) or not {"lower", "upper"} <= set(interval.columns):
        raise ArgumentTypeError("`interval` must be the DataFrame returned by predict_interval (columns "
                                "`lower` and `upper`).")
    observed = as_positive_array("observed", observed, ndim=1)
    check_same_length(interval=interval["lower"].to_numpy(), observed=observed)
    lower, upper = interval["lower"].to_numpy(float), interval["upper"].to_numpy(float)
    if np.isnan(lower).any():
        return math.nan
    return float(np.mean((observed >= lower) & (observed <= upper)))


# --------------------------------------------------------------------------- the benchmark
CURVE_KEYS = ["Domain", "Task", "Model"]
_COLUMNS = CURVE_KEYS + ["Seen Examples", "Loss", "Training"]


def _check_frame(frame):
    if not isinstance(frame, pd.DataFrame):
        raise ArgumentTypeError(f"`frame` must be a pandas DataFrame with columns {_COLUMNS}, got "
                                f"{type(frame).__name__}.")
    missing = [c for c in _COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"`frame` lacks column(s) {missing}; it needs {_COLUMNS} (the benchmark files' "
                         "columns).")
    if not frame["Training"].isin([0, 1]).all():
        raise ValueError("`frame`'s `Training` column must hold 1 (fit on it) or 0 (held out) in every row.")
    return frame[_COLUMNS]


def _split(part):
    """A curve's rows without exact duplicates, as (train, test) sorted by scale."""
    unique = part.drop_duplicates()
    order = unique.sort_values("Seen Examples", kind="stable")
    return order[order["Training"] == 1], order[order["Training"] == 0], len(part) - len(unique)


def curve_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per learning curve of a benchmark frame: its keys, rows, duplicates and split.

    Identical rows are counted (``duplicate_rows``) and dropped: each language-model curve of
    Alabdulmohsin et al.'s ``benchmark.lang.csv`` is stored four times.  ``decades`` is the
    extrapolation distance, ``log10`` of the largest held-out scale over the largest fitted one.
    """
    frame = _check_frame(frame)
    rows = []
    for key, part in frame.groupby(CURVE_KEYS, sort=True):
        train, test, dup = _split(part)
        x_fit = float(train["Seen Examples"].max()) if len(train) else math.nan
        x_test = float(test["Seen Examples"].max()) if len(test) else math.nan
        rows.append(dict(zip(CURVE_KEYS, key), rows=len(part), duplicate_rows=dup, n_train=len(train),
                         n_test=len(test), x_train_max=x_fit, x_test_max=x_test,
                         decades=math.log10(x_test / x_fit) if len(train) and len(test) else math.nan))
    return pd.DataFrame(rows)


def _check_forms(forms, allowed):
    """``forms`` as a non-empty list of names from ``allowed`` (one name is allowed too)."""
    if isinstance(forms, str):
        forms = [forms]
    forms = check_string_list("forms", forms, what="form names")
    if not forms:
        raise ValueError("`forms` is empty; pass at least one of " + ", ".join(allowed) + ".")
    return [check_choice("forms", f, allowed) for f in forms]


def _eps0_bound(eps0_max, domain):
    if isinstance(eps0_max, dict):
        return eps0_max.get(domain)
    return eps0_max


def benchmark(frame: pd.DataFrame, *, forms=FORMS, eps0_max=None, search: str = "local") -> pd.DataFrame:
    """Fit every learning curve's training points with each form and score its held-out ones.

    The protocol of Alabdulmohsin et al. (2022): for each curve (``Domain, Task, Model``),
    fit on the rows with ``Training == 1``, predict the rows with ``Training == 0`` (always
    at larger ``Seen Examples``) and score by the RMSE of the log loss (:func:`log_rmse`).
    Identical rows are dropped first (:func:`curve_table`), so a curve stored four times
    counts once; a curve with one held-out point is scored by that point's absolute log
    error.  A curve with too few training points for a form, or with no held-out point,
    gets ``success=False`` for that form with the reason.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``Domain, Task, Model, Seen Examples, Loss, Training`` (the benchmark files).
    forms : sequence of str, default all of :data:`FORMS`
    eps0_max : float or dict, optional
        M4's bound on ``eps_0``: one value, or one per ``Domain`` (e.g. ``{"IC": 1.0}`` for
        error rates, as the paper); domains not listed get the default of
        :func:`fit_learning_curve`.
    search : {"local", "global"}, default "local"
        Passed to :func:`fit_learning_curve`.

    Returns
    -------
    pandas.DataFrame
        One row per curve and form: the curve keys, ``form``, ``n_train``, ``n_test``,
        ``duplicate_rows``, ``log_rmse`` (NaN when the fit failed), ``success``, ``message``.
    """
    frame = _check_frame(frame)
    forms = _check_forms(forms, FORMS)
    search = check_choice("search", search, ("local", "global"))
    if isinstance(eps0_max, dict):
        eps0_max = {domain: check_positive_scalar(f"eps0_max[{domain!r}]", value) for domain, value in eps0_max.items()}
    elif eps0_max is not None:
        eps0_max = check_positive_scalar("eps0_max", eps0_max)
    rows = []
    for key, part in frame.groupby(CURVE_KEYS, sort=True):
        train, test, dup = _split(part)
        bound = _eps0_bound(eps0_max, key[0])
        for form in forms:
            row = dict(zip(CURVE_KEYS, key), form=form, n_train=len(train), n_test=len(test), duplicate_rows=dup,
                       log_rmse=math.nan, success=False, message="")
            if test.empty:
                row["message"] = "no held-out point"
            elif len(train) < MIN_POINTS[form] or train["Seen Examples"].nunique() < 2:
                row["message"] = f"{len(train)} training points; the {form} form needs {MIN_POINTS[form]}"
            elif form == "m4" and bound is not None and train["Loss"].max() >= bound:
                row["message"] = (f"the largest training loss ({train['Loss'].max():.4g}) is not below "
                                  f"eps0_max = {bound:g}")
            else:
                result = fit_learning_curve(train["Seen Examples"], train["Loss"], form=form, eps0_max=bound,
                                            search=search)
                row["success"], row["message"] = result.success, result.message
                if result.success:
                    row["log_rmse"] = log_rmse(result.predict(test["Seen Examples"].to_numpy(float)),
                                               test["Loss"].to_numpy(float))
            rows.append(row)
    return pd.DataFrame(rows)


def win_rates(results: pd.DataFrame, *, forms=None, decimals: int = 3) -> pd.DataFrame:
    """Share of curves on which each form has the smallest extrapolation error, per domain.

    Alabdulmohsin et al.'s rule (their Figure 1): errors are truncated to ``decimals``
    decimal places (so near-equal errors tie), a failed fit counts as error 1, and a tie
    splits the win equally among the tied forms.

    Parameters
    ----------
    results : pandas.DataFrame
        The output of :func:`benchmark`.
    forms : sequence of str, optional
        The forms that compete (default: every form in ``results``, in :data:`FORMS` order).
    decimals : int, default 3

    Returns
    -------
    pandas.DataFrame
        One row per ``Domain`` and a column per form (shares summing to 1), plus ``curves``.
    """
    if not isinstance(results, pd.DataFrame) or not {"form", "log_rmse", *CURVE_KEYS} <= set(results.columns):
        raise ArgumentTypeError("`results` must be the DataFrame returned by benchmark() (columns Domain, "
                                "Task, Model, form, log_rmse).")
    present = [f for f in FORMS if f in set(results["form"])]
    forms = present if forms is None else _check_forms(forms, present)
    decimals = check_positive_int("decimals", decimals, minimum=0, maximum=12)
    chosen = results[results["form"].isin(forms)]
    if chosen.duplicated(CURVE_KEYS + ["form"]).any():
        raise ValueError("`results` has more than one row for a curve and form; pass one benchmark() output.")
    table = chosen.set_index(CURVE_KEYS + ["form"])["log_rmse"].unstack("form")
    table = table.reindex(columns=forms).fillna(1.0)
    scale = 10.0 ** decimals
    truncated = np.floor(table.to_numpy() * scale) / scale
    best = truncated == truncated.min(axis=1, keepdims=True)
    wins = pd.DataFrame(best / best.sum(axis=1, keepdims=True), index=table.index, columns=forms)
    out = wins.groupby(level="Domain").mean()
    out["curves"] = wins.groupby(level="Domain").size()
    return out


# --------------------------------------------------------------------------- backtests on runs
def backtest_chinchilla(N, D, loss, *, cuts, C=None, n_boot: int = 200, rng=0, confidence: float = 0.95,
                        min_points: int = 10) -> pd.DataFrame:
    """Fit Hoffmann et al.'s law on the runs below a compute cut and predict the runs above it.

    For each cut, the runs with ``C <= cut`` are fitted with
    :func:`scaling_utils.fit.fit_chinchilla` (Approach 3) and every run with ``C > cut`` is
    predicted.  A bootstrap prediction interval goes with each prediction: the fitted runs are
    resampled and refitted (:func:`scaling_utils.fit.bootstrap_chinchilla`), and each refit's
    prediction is multiplied by the exponential of a resampled training residual (log loss),
    so that the interval is for a new run, not for the law only.

    Parameters
    ----------
    N, D, loss : array_like
        Parameters, tokens and final loss of each run.
    cuts : sequence of float
        Compute cuts in FLOP.
    C : array_like, optional
        Compute of each run (default ``6 N D``).
    n_boot : int, default 200
    rng : int or numpy.random.Generator, default 0
    confidence : float, default 0.95
    min_points : int, default 10
        Fewest runs below a cut for it to be fitted.

    Returns
    -------
    pandas.DataFrame
        One row per cut and held-out run: ``cut``, ``n_fit``, ``C_fit_max`` (largest fitted
        compute), ``C``, ``decades`` (``log10(C / C_fit_max)``), ``N``, ``D``, ``observed``,
        ``predicted``, ``log_error`` (``log predicted - log observed``), ``lower``, ``upper``,
        ``inside``, ``fit_success``, ``message``.  A cut whose fit fails keeps its rows with
        NaN predictions and the reason; a bootstrap with more than 5% failed refits gives
        NaN interval ends.

    Notes
    -----
    Hoffmann et al. (2022), Section 3.3 and Appendix D.2 (the law and its fit).  Chapter:
    *Extrapolation*.
    """
    from . import fit as _fit

    N = as_positive_array("N", N, ndim=1)
    D = as_positive_array("D", D, ndim=1)
    loss = as_positive_array("loss", loss, ndim=1)
    check_same_length(N=N, D=D, loss=loss)
    C = 6.0 * N * D if C is None else as_positive_array("C", C, ndim=1)
    check_same_length(N=N, C=C)
    cuts = as_positive_array("cuts", cuts, ndim=1)
    n_boot = check_positive_int("n_boot", n_boot, minimum=20, maximum=MAX_BOOT)
    confidence = check_probability("confidence", confidence)
    min_points = check_positive_int("min_points", min_points, minimum=6)
    gen = _rng(rng)
    rows = []
    for cut in np.sort(cuts, kind="stable"):
        below, above = C <= cut, C > cut
        base = dict(cut=float(cut), n_fit=int(below.sum()))
        if not above.any():
            raise ValueError(f"no run has more compute than the cut {cut:.3g} FLOP; pass cuts below "
                             f"the largest C ({C.max():.3g}).")
        held = pd.DataFrame({"C": C[above], "N": N[above], "D": D[above], "observed": loss[above]})
        if below.sum() < min_points:
            message = f"{int(below.sum())} runs below the cut; at least {min_points} are needed"
            rows.append(_failed_cut(base, held, math.nan, message))
            continue
        result = _fit.fit_chinchilla(N[below], D[below], loss[below])
        c_max = float(C[below].max())
        if not result.success:
            rows.append(_failed_cut(base, held, c_max, result.message))
            continue
        seed = int(gen.integers(2**31))
        boot = _fit.bootstrap_chinchilla(N[below], D[below], loss[below], n_boot=n_boot, rng=seed,
                                         confidence=confidence, fit=result)
        resid = np.log(loss[below]) - np.log(result.predict(N[below], D[below]))
        predicted = result.predict(held["N"].to_numpy(), held["D"].to_numpy())
        lower = upper = np.full(len(held), np.nan)
        if boot.success:
            good = boot.samples[boot.samples["success"]]
            draws = np.column_stack([
                np.log(good["E"].to_numpy()[:, None] + good["A"].to_numpy()[:, None]
                       / held["N"].to_numpy()[None, :] ** good["alpha"].to_numpy()[:, None]
                       + good["B"].to_numpy()[:, None]
                       / held["D"].to_numpy()[None, :] ** good["beta"].to_numpy()[:, None])
            ])
            draws = draws + gen.choice(resid, size=draws.shape, replace=True)
            ends = [percentile_interval(draws[:, j], confidence) for j in range(draws.shape[1])]
            lower = np.exp([iv.lower for iv in ends])
            upper = np.exp([iv.upper for iv in ends])
        out = held.assign(**base, C_fit_max=c_max, predicted=predicted,
                          log_error=np.log(predicted) - np.log(held["observed"].to_numpy()),
                          lower=lower, upper=upper, fit_success=True,
                          message=result.message if boot.success else f"interval not reported: {boot.message}")
        rows.append(out)
    frame = pd.concat(rows, ignore_index=True)
    frame["decades"] = np.log10(frame["C"] / frame["C_fit_max"])
    inside = (frame["observed"] >= frame["lower"]) & (frame["observed"] <= frame["upper"])
    frame["inside"] = inside.astype(float).where(frame["lower"].notna())   # 1, 0 or NaN (no interval)
    columns = ["cut", "n_fit", "C_fit_max", "C", "decades", "N", "D", "observed", "predicted", "log_error",
               "lower", "upper", "inside", "fit_success", "message"]
    return frame[columns]


def _failed_cut(base, held, c_max, message):
    return held.assign(**base, C_fit_max=c_max, predicted=math.nan, log_error=math.nan, lower=math.nan,
                       upper=math.nan, fit_success=False, message=message)


def backtest_curve(x, y, *, form: str, cuts, n_boot: int = 200, rng=0, confidence: float = 0.95,
                   eps0_max: float | None = None, search: str = "local") -> pd.DataFrame:
    """Fit a form on the points with ``x <= cut`` and predict the points above, for each cut.

    The one-variable analogue of :func:`backtest_chinchilla`, for a learning curve or a
    compute frontier (the lowest loss reached at each compute, the curve OpenAI's GPT-4
    report extrapolated with ``L(C) = a C**b + c``, the ``saturating`` form).  Each
    prediction has the bootstrap prediction interval of
    :meth:`LearningCurveFit.predict_interval`.

    Returns
    -------
    pandas.DataFrame
        One row per cut and held-out point: ``cut``, ``n_fit``, ``x_fit_max``, ``x``,
        ``decades`` (``log10(x / x_fit_max)``), ``observed``, ``predicted``, ``log_error``,
        ``lower``, ``upper``, ``inside`` (1, 0, or NaN without an interval),
        ``fit_success``, ``message``.
    """
    form = check_choice("form", form, FORMS)
    x = as_positive_array("x", x, ndim=1)
    y = as_positive_array("y", y, ndim=1)
    check_same_length(x=x, y=y)
    cuts = as_positive_array("cuts", cuts, ndim=1)
    n_boot = check_positive_int("n_boot", n_boot, minimum=20, maximum=MAX_BOOT)
    confidence = check_probability("confidence", confidence)
    gen = _rng(rng)
    frames = []
    for cut in np.sort(cuts, kind="stable"):
        below, above = x <= cut, x > cut
        if not above.any():
            raise ValueError(f"no point has x above the cut {cut:.3g}; pass cuts below the largest x "
                             f"({x.max():.3g}).")
        held = pd.DataFrame({"x": x[above], "observed": y[above]})
        base = dict(cut=float(cut), n_fit=int(below.sum()),
                    x_fit_max=float(x[below].max()) if below.any() else math.nan)
        if below.sum() < MIN_POINTS[form] or np.unique(x[below]).size < 2:
            frames.append(held.assign(**base, predicted=math.nan, lower=math.nan, upper=math.nan,
                                      fit_success=False,
                                      message=f"{int(below.sum())} points below the cut; the {form} form "
                                              f"needs {MIN_POINTS[form]}"))
            continue
        result = fit_learning_curve(x[below], y[below], form=form, eps0_max=eps0_max, search=search)
        if not result.success:
            frames.append(held.assign(**base, predicted=math.nan, lower=math.nan, upper=math.nan,
                                      fit_success=False, message=result.message))
            continue
        iv = result.predict_interval(held["x"].to_numpy(), n_boot=n_boot, rng=int(gen.integers(2**31)),
                                     confidence=confidence)
        message = result.message if not np.isnan(iv["lower"]).any() else \
            f"interval not reported: {iv.attrs['failed_share']:.0%} of the refits failed"
        frames.append(held.assign(**base, predicted=iv["predicted"].to_numpy(), lower=iv["lower"].to_numpy(),
                                  upper=iv["upper"].to_numpy(), fit_success=True, message=message))
    frame = pd.concat(frames, ignore_index=True)
    frame["decades"] = np.log10(frame["x"] / frame["x_fit_max"])
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["log_error"] = np.log(frame["predicted"]) - np.log(frame["observed"])
    inside = (frame["observed"] >= frame["lower"]) & (frame["observed"] <= frame["upper"])
    frame["inside"] = inside.astype(float).where(frame["lower"].notna())
    columns = ["cut", "n_fit", "x_fit_max", "x", "decades", "observed", "predicted", "log_error", "lower",
               "upper", "inside", "fit_success", "message"]
    return frame[columns]


def frontier(C, loss, *, bins: int = 12) -> pd.DataFrame:
    """The compute frontier: the lowest loss in each of ``bins`` log-spaced compute bins.

    Returns a frame with ``C`` (the compute of the run that reaches the lowest loss in the
    bin) and ``loss``, sorted by ``C``; empty bins are skipped.  Kaplan et al. (2020),
    Figure 1 (left) and OpenAI (2023), Figure 1 plot losses against compute like this.
    """
    C = as_positive_array("C", C, ndim=1)
    loss = as_positive_array("loss", loss, ndim=1)
    check_same_length(C=C, loss=loss)
    bins = check_positive_int("bins", bins, minimum=2, maximum=10_000)
    if np.unique(C).size < 2:
        raise ValueError("every value of `C` is the same; a frontier needs at least two budgets.")
    edges = np.linspace(np.log(C.min()), np.log(C.max()), bins + 1)
    index = np.clip(np.searchsorted(edges, np.log(C), side="right") - 1, 0, bins - 1)
    rows = []
    for b in np.unique(index):
        members = np.flatnonzero(index == b)
        k = members[np.argmin(loss[members])]
        rows.append((C[k], loss[k]))
    out = pd.DataFrame(rows, columns=["C", "loss"])
    return out.sort_values("C", kind="stable").reset_index(drop=True)
