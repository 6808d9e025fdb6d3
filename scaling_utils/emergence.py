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

from . import _diagnose, laws
from ._interval import BootstrapInterval, percentile_interval
from ._validate import (
    MAX_COUNT,
    ArgumentTypeError,
    as_float_array,
    as_positive_array,
    check_choice,
    check_enough_points,
    check_bool,
    check_finite_result,
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
    "chance_crossing",
    "capability_pca",
    "EmergenceSimulation",
    "SigmoidFit",
    "BrokenPowerLawFit",
    "Extrapolation",
    "CapabilityPCA",
]

#: 10%-to-90% width of a logistic, in units of 1/slope: ``2 ln 9``.
_WIDTH_FACTOR = 2.0 * np.log(9.0)


# --------------------------------------------------------------------------- checks
def _as_probabilities(name, values, *, ndim=None):
    """Float array of values in [0, 1] (NaN, inf and out-of-range values rejected)."""
    arr = as_float_array(name, values, ndim=ndim)
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
        raise ArgumentTypeError("`rng` must be an integer seed or a numpy.random.Generator, e.g. rng=0.")
    seed = int(rng) if isinstance(rng, (int, np.integer)) else None
    if seed is not None and not 0 <= seed < 2**128:
        raise ValueError(f"`rng` must be a seed between 0 and 2**128 - 1, got {seed if abs(seed) < 10**20 else 'a huge integer'}.")
    return np.random.default_rng(rng), seed


#: Largest number of bootstrap resamples accepted.
MAX_BOOT = 10**6


def _check_n_boot(n_boot):
    n_boot = check_positive_int("n_boot", n_boot, minimum=0, maximum=MAX_BOOT)
    if n_boot == 1:
        raise ValueError("`n_boot` must be 0 (no bootstrap) or at least 2 resamples, got 1.")
    return n_boot


def _xy(x, y, n_params, what):
    x = as_positive_array("x", x, ndim=1)
    y = _as_probabilities("y", y, ndim=1)
    n = check_same_length(x=x, y=y)
    check_enough_points(n, n_params, what)
    if np.unique(x).size < 2:
        raise ValueError("`x` has a single distinct value; a curve in x needs at least two different x.")
    return x, y


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
    L = check_positive_int("L", L, maximum=MAX_COUNT)
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
    L = check_positive_int("L", L, maximum=MAX_COUNT)
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
    N = as_positive_array("N", N, ndim=1)
    L = check_positive_int("L", L, maximum=MAX_COUNT)
    n_answers = check_positive_int("n_answers", n_answers, maximum=MAX_COUNT)
    if N.size * n_answers * L > 10**8:
        raise ValueError(
            f"`n_answers` x `L` x len(`N`) = {N.size * n_answers * L:.3g} simulated tokens is more "
            "than 1e8 (memory); simulate fewer answers or sizes."
        )
    gen, seed = _check_rng(rng)
    N_c = check_positive_scalar("N_c", N_c)
    alpha = check_positive_scalar("alpha", alpha)
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
#: Tolerances of every least-squares fit and refit (``ftol``, ``xtol``, ``gtol`` of
#: :func:`scipy.optimize.least_squares` and of the batched refits).  Far below SciPy's
#: default 1e-8, so that a fit ends at its optimum to within rounding rather than wherever
#: the last bits of the arithmetic (and so the CPU) made it stop.
LSQ_TOLERANCE = 1e-12


def _best_least_squares(rj, starts, bounds, *, max_nfev):
    """Run ``least_squares`` from every start; return the best result (or None).

    ``rj(theta, rows)`` is the batched residual-and-Jacobian function of the model, called
    here with one problem (``theta`` of shape (1, p)).
    """
    one = np.zeros(1, dtype=int)
    best = None
    for start in starts:
        start = np.clip(start, bounds[0] + 1e-9 * (1 + np.abs(bounds[0])),
                        bounds[1] - 1e-9 * (1 + np.abs(bounds[1])))
        try:
            res = optimize.least_squares(lambda t: rj(t[None, :], one)[0][0], start,
                                         jac=lambda t: rj(t[None, :], one)[1][0], bounds=bounds,
                                         method="trf", max_nfev=max_nfev, x_scale="jac",
                                         ftol=LSQ_TOLERANCE, xtol=LSQ_TOLERANCE, gtol=LSQ_TOLERANCE)
        except (ValueError, FloatingPointError, np.linalg.LinAlgError):
            continue
        if not np.isfinite(res.cost):
            continue
        if best is None or res.cost < best.cost - 1e-15:
            best = res
    return best


def _optimality(J, r, x, lo, hi):
    """Scale-free first-order optimality of K bounded least-squares problems.

    For every parameter, the cosine between the residual vector and the parameter's
    Jacobian column (0 at an interior optimum), with the components that push against an
    active bound set to zero.  Returns the largest per problem, and the mask of frozen
    (bound-blocked) components.
    """
    g = np.einsum("knp,kn->kp", J, r)
    width = hi - lo
    frozen = ((x <= lo + 1e-12 * width) & (g > 0)) | ((x >= hi - 1e-12 * width) & (g < 0))
    norms = np.sqrt(np.einsum("knp,knp->kp", J, J)) * np.sqrt(np.einsum("kn,kn->k", r, r))[:, None]
    cos = np.where(frozen | (norms == 0), 0.0, np.abs(g) / np.where(norms == 0, 1.0, norms))
    return cos.max(axis=1), frozen, g


#: Largest residual-Jacobian cosine at which a batched refit counts as converged.
LM_OPTIMALITY = 1e-6


def _batched_lm(theta0, rj, bounds, *, maxiter=300):
    """Levenberg-Marquardt on K bounded least-squares problems at once.

    ``rj(theta, rows)`` returns residuals (k, n) and Jacobian (k, n, p) of the problems
    ``rows`` at ``theta`` (k, p).  Each step solves the damped normal equations (Marquardt's
    scaling by the diagonal of ``J^T J``) with the parameters that sit on a bound and push
    against it held fixed, and is clipped to the box ``bounds``; the damping of each problem
    shrinks after an accepted step and grows after a rejected one.  A problem stops when its
    first-order optimality (:func:`_optimality`) reaches rounding level, or when no step
    decreases its cost any more.  Returns ``theta`` (K, p) and ``converged`` (K,): the
    optimality at the end is at most :data:`LM_OPTIMALITY` (or the residuals vanish).

    Used for the bootstrap refits, which all start from the full-data optimum: one batch
    instead of a thousand calls of :func:`scipy.optimize.least_squares`.
    """
    lo, hi = bounds
    K, p = theta0.shape
    x = np.clip(np.asarray(theta0, dtype=float), lo, hi)
    r, J = rj(x, np.arange(K))
    cost = 0.5 * np.sum(r * r, axis=1)
    cost = np.where(np.isfinite(cost), cost, np.inf)
    lam = np.full(K, 1e-3)
    active = np.flatnonzero(np.isfinite(cost))
    eye = np.eye(p)
    for _ in range(maxiter):
        if active.size == 0:
            break
        Ja, ra, xa = J[active], r[active], x[active]
        opt, frozen, g = _optimality(Ja, ra, xa, lo, hi)
        keep = opt > 1e-12
        active, Ja, ra, xa, frozen, g = active[keep], Ja[keep], ra[keep], xa[keep], frozen[keep], g[keep]
        if active.size == 0:
            break
        JtJ = np.einsum("knp,knq->kpq", Ja, Ja)
        diag = np.maximum(np.einsum("kpp->kp", JtJ), 1e-300)
        A = JtJ + lam[active, None, None] * diag[:, :, None] * eye
        # Hold the bound-blocked parameters: identity rows and columns, zero gradient.
        free = ~frozen
        A = A * free[:, :, None] * free[:, None, :] + frozen[:, :, None] * eye
        g = np.where(frozen, 0.0, g)
        try:
            step = -np.linalg.solve(A, g[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:  # a singular system: scaled gradient steps instead
            A = None
            step = -g / diag / (1.0 + lam[active, None])
        if A is not None:
            # Geodesic acceleration (Transtrum & Sethna 2012): a second-order correction
            # along the step, from the curvature of the residuals, that lets the method
            # follow long curved valleys instead of crawling along them.
            h = 0.1
            r_h, _ = rj(np.clip(xa + h * step, lo, hi), active)
            curv = 2.0 / h * ((r_h - ra) / h - np.einsum("knp,kp->kn", Ja, step))
            curv = np.where(np.isfinite(curv), curv, 0.0)
            rhs = np.where(frozen, 0.0, np.einsum("knp,kn->kp", Ja, curv))
            accel = -np.linalg.solve(A, rhs[:, :, None])[:, :, 0]
            ratio = np.linalg.norm(accel, axis=1) / np.maximum(np.linalg.norm(step, axis=1), 1e-300)
            step = np.where((ratio <= 0.75)[:, None], step + 0.5 * accel, step)
        trial = np.clip(xa + step, lo, hi)
        rt, Jt = rj(trial, active)
        ct = 0.5 * np.sum(rt * rt, axis=1)
        ct = np.where(np.isfinite(ct), ct, np.inf)
        better = ct < cost[active]
        rows = active[better]
        x[rows], r[rows], J[rows], cost[rows] = trial[better], rt[better], Jt[better], ct[better]
        lam[rows] = np.maximum(lam[rows] / 3.0, 1e-12)
        lam[active[~better]] *= 4.0
        active = active[lam[active] < 1e16]
    opt, _, _ = _optimality(J, r, x, lo, hi)
    converged = np.isfinite(cost) & ((opt <= LM_OPTIMALITY) | (cost <= 1e-28 * r.shape[1]))
    return x, converged


def _bound_and_curvature_checks(theta, J, Y, bounds, free_bounds=()):
    """Boolean problems of K bounded optima: flat data, non-finite, at a bound, not identified.

    ``theta`` (K, p), ``J`` (K, n, p), ``Y`` (K, n).  Returns a dict of arrays: ``flat``
    and ``non_finite`` (K,), ``lower``, ``upper`` and ``vif`` (K, p).  ``free_bounds`` lists
    ``(index, "lower" | "upper")`` bounds the functional form allows a parameter to sit on.
    """
    lo, hi = bounds
    tol = 1e-6 * (hi - lo)
    finite = np.isfinite(theta).all(axis=1)
    t = np.where(finite[:, None], theta, 0.5 * (lo + hi))
    at_lo, at_hi = t - lo <= tol, hi - t <= tol
    for i, side in free_bounds:
        (at_lo if side == "lower" else at_hi)[:, i] = False
    vif = _diagnose.variance_inflation(np.where(np.isfinite(J), J, 0.0))
    return {"flat": np.ptp(Y, axis=1) == 0, "non_finite": ~finite, "lower": at_lo, "upper": at_hi,
            "vif": ~(vif <= _diagnose.VIF_LIMIT)}


def _judge(theta, J, y, bounds, names, labels, *, free_bounds=()):
    """Why a bounded least-squares optimum cannot be used, and which parameters it leaves open.

    Parameters
    ----------
    theta : numpy.ndarray (p,)
        The optimum, in the coordinates of ``bounds``.
    J : numpy.ndarray (n, p)
        Jacobian of the fitted values at ``theta``.
    y : numpy.ndarray (n,)
        The data fitted.
    bounds : (lower, upper)
    names : sequence of str
        Reported name of each coordinate.
    labels : sequence of (str, str)
        How to describe each coordinate's lower and upper bound in a message.
    free_bounds : sequence of (int, "lower" | "upper")
        Bounds the functional form allows a parameter to sit on (e.g. a ceiling of 1).

    Returns
    -------
    reasons : list of str
    unidentified : tuple of str
    """
    c = {k: v[0] for k, v in _bound_and_curvature_checks(theta[None], J[None], y[None], bounds,
                                                          free_bounds).items()}
    if c["flat"]:
        return [_diagnose.flat_values_message("y", y)], tuple(names)
    if c["non_finite"]:
        return ["the optimum is not finite"], tuple(names)
    reasons, open_ = [], []
    for i, name in enumerate(names):
        for side, hit, label in (("lower", c["lower"][i], labels[i][0]),
                                 ("upper", c["upper"][i], labels[i][1])):
            if hit:
                reasons.append(f"{name} sits at its {side} bound ({label}): the data do not pin it down")
                open_.append(name)
    weak = tuple(n for n, bad in zip(names, c["vif"]) if bad and n not in open_)
    if weak:
        reasons.append(f"the data do not identify {', '.join(weak)}: the objective is flat along a "
                       f"combination of them (variance inflation > {_diagnose.VIF_LIMIT:.0e})")
    return reasons, tuple(open_) + weak


def _bootstrap(x, y, rj, theta_hat, bounds, n_boot, gen, *, free_bounds=()):
    """Refit the model on ``n_boot`` resamples of the points, all at once.

    The points are first put in a canonical order, ascending ``x`` (a stable sort, so tied
    ``x`` keep their input order), and all resample indices are drawn at once: two calls
    with the same seed and the same ``x`` use the same resamples (a *paired* bootstrap),
    and the result does not depend on the order of the points beyond that of tied ``x``.
    Every refit starts from the full-data optimum ``theta_hat`` and runs in one batched
    Levenberg-Marquardt (:func:`_batched_lm`); each is then judged like the full fit.

    ``rj(theta, X, Y)`` returns residuals (k, n) and Jacobian (k, n, p) for resampled
    data ``X, Y`` (k, n).  Returns thetas (n_boot, p), converged (n_boot,) and the first
    failure reason of each refit ("" for a successful one).
    """
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    n = x.size
    idx = gen.integers(0, n, size=(n_boot, n))
    X, Y = x[idx], y[idx]
    thetas, converged = _batched_lm(np.tile(theta_hat, (n_boot, 1)),
                                    lambda t, rows: rj(t, X[rows], Y[rows]), bounds)
    # The few refits the batch leaves unconverged in the interior of the box (long curved
    # valleys) are finished one by one with SciPy's trust-region reflective method, from
    # where the batch stopped.  Refits that fail anyway (flat data, too few distinct x, a
    # parameter on a bound) are not worth the time.
    lo, hi = bounds
    on_bound = ((thetas - lo <= 1e-6 * (hi - lo)) | (hi - thetas <= 1e-6 * (hi - lo))).any(axis=1)
    distinct = (np.diff(np.sort(X, axis=1), axis=1) > 0).sum(axis=1) + 1
    hopeless = on_bound | (np.ptp(Y, axis=1) == 0) | (distinct < 3)
    for b in np.flatnonzero(~converged & ~hopeless):
        rows_b = slice(b, b + 1)
        res = _best_least_squares(lambda t, rows: rj(t, X[rows_b], Y[rows_b]), [thetas[b]], bounds,
                                  max_nfev=300)
        if res is not None:
            rb, Jb = rj(res.x[None, :], X[rows_b], Y[rows_b])
            thetas[b] = res.x
            converged[b] = _optimality(Jb, rb, res.x[None, :], *bounds)[0][0] <= LM_OPTIMALITY
    _, J = rj(np.where(np.isfinite(thetas), thetas, theta_hat), X, Y)
    c = _bound_and_curvature_checks(thetas, J, Y, bounds, free_bounds)
    order_of_reasons = [
        ("fewer than 3 distinct x", distinct < 3),
        ("not converged", ~converged),
        ("flat data", c["flat"]),
        ("non-finite", c["non_finite"]),
        ("a parameter at a bound", c["lower"].any(axis=1) | c["upper"].any(axis=1)),
        ("not identified", c["vif"].any(axis=1)),
    ]
    failure = np.full(n_boot, "", dtype=object)
    for label, mask in order_of_reasons:
        failure[(failure == "") & mask] = label
    thetas[distinct < 3] = np.nan
    return thetas, converged, failure


def _samples_frame(params, converged, failure):
    frame = pd.DataFrame(params)
    frame["converged"] = converged
    frame["success"] = failure == ""
    frame["failure"] = failure.astype(str)
    return frame


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


def _sigmoid_residuals(theta, LX, Y, floor, ceiling=None):
    """Residuals (K, n) and Jacobian (K, n, p) of the sigmoid for K problems at once.

    ``theta`` is (K, 3) ``(slope, midpoint, ceiling)``, or (K, 2) when ``ceiling`` is fixed;
    ``LX`` holds ``log10 x`` and ``Y`` the scores, (K, n) or broadcastable to it.
    """
    k, m = theta[:, 0:1], theta[:, 1:2]
    c = theta[:, 2:3] if ceiling is None else ceiling
    sig = special.expit(k * (LX - m))
    r = floor + (c - floor) * sig - Y
    d = (c - floor) * sig * (1.0 - sig)
    cols = [d * (LX - m), -d * k] + ([sig] if ceiling is None else [])
    return r, np.stack(np.broadcast_arrays(*cols, r)[:-1], axis=2)


class _BootstrapCurveFit:
    """Methods shared by :class:`SigmoidFit` and :class:`BrokenPowerLawFit`.

    Subclasses are frozen dataclasses with ``samples``, ``confidence``, ``n_boot``,
    ``seed``, ``n_points``, ``n_starts``, ``objective``, ``r_squared``, ``success``,
    ``message`` and ``unidentified``, and define ``_QUANTITIES`` (names reported by
    :meth:`summary` and accepted by :meth:`interval`), ``_PLOT_LABEL``, ``_title()``,
    ``_blocked(name)`` (whether a quantity is left open by the data), ``predict`` and
    ``predict_samples``.
    """

    _QUANTITIES: tuple = ()
    _PLOT_LABEL = "fit"

    def _good(self):
        """The bootstrap rows whose refit passed every check."""
        return self.samples[self.samples["success"].astype(bool)] if len(self.samples) else self.samples

    @property
    def converged_fraction(self):
        """Share of bootstrap refits that converged (nan without a bootstrap)."""
        return float(self.samples["converged"].mean()) if len(self.samples) else float("nan")

    @property
    def failed_fraction(self):
        """Share of bootstrap refits that failed a check and are left out (nan without a bootstrap)."""
        return float(1.0 - self.samples["success"].mean()) if len(self.samples) else float("nan")

    def failures(self):
        """Number of failed bootstrap refits by reason (a :class:`pandas.Series`)."""
        if not len(self.samples):
            return pd.Series(dtype=int)
        return self.samples.loc[~self.samples["success"].astype(bool), "failure"].value_counts().sort_index(kind="stable")

    def interval(self, name):
        """Percentile interval of one reported quantity over the successful resamples.

        A :class:`~scaling_utils.fit.BootstrapInterval` (unpacks as ``lo, hi``; prints to its
        Monte-Carlo precision); ``(nan, nan)`` for a quantity the full data leave open, or
        when fewer than 20 refits succeeded.
        """
        check_choice("name", name, self._QUANTITIES)
        if not len(self.samples):
            raise ValueError("This fit has no bootstrap (n_boot=0); refit with n_boot >= 2 for intervals.")
        if self._blocked(name):
            return BootstrapInterval(np.nan, np.nan, confidence=self.confidence,
                                     reason=f"{name} is not identified by the data")
        return percentile_interval(self._good()[name].to_numpy(dtype=float), self.confidence)

    def summary(self):
        """A readable summary, whatever the outcome (intervals to their Monte-Carlo precision)."""
        boot = len(self.samples) > 0
        lines = [self._title()]
        for name in self._QUANTITIES:
            text = f"  {name:>8} = {getattr(self, name):.3g}"
            if boot:
                iv = self.interval(name)
                text += f"  [{iv.text(', ')}]" if iv.defined else f"  no interval ({iv.reason})"
            lines.append(text)
        if boot:
            failed = self.failures()
            n_failed = int((~self.samples["success"].astype(bool)).sum())
            lines.append(f"  {round(100 * self.confidence)}% percentile intervals from {self.n_boot} resamples "
                         f"(seed {self.seed}); {n_failed} of {self.n_boot} refits failed"
                         + (" (" + ", ".join(f"{k}: {v}" for k, v in failed.items()) + ")" if len(failed) else ""))
        lines.append(f"  SSR = {self.objective:.4g}, R^2 = {self.r_squared:.3f}, success = {self.success} ({self.message})")
        return "\n".join(lines)

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return "<pre>" + self.summary() + "</pre>"

    def plot(self, x, y, *, ax=None, band=True, label=None, color=None):
        """Data, fitted curve and (with a bootstrap) its pointwise band on a log-x axis.

        A failed fit is drawn too, and its legend label says so.
        """
        import matplotlib.pyplot as plt

        x = as_positive_array("x", x).ravel()
        if ax is None:
            _, ax = plt.subplots()
        grid = np.geomspace(x.min(), x.max(), 200)
        points = ax.scatter(x, y, s=14, alpha=0.7, color=color)
        color = points.get_facecolor()[0]
        text = self._PLOT_LABEL if label is None else label
        if not self.success:
            text += " (fit failed)"
        with np.errstate(over="ignore", invalid="ignore"):
            curve = np.asarray(self.predict(grid), dtype=float)
        if np.isfinite(curve).any():
            ax.plot(grid, curve, color=color, label=text)
        curves = self.predict_samples(grid) if band and len(self.samples) else np.empty((0, grid.size))
        if len(curves):
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
        Whether the numbers can be used: the optimiser converged, ``y`` is not flat, the
        sigmoid fits better than a constant (``R^2 > 0``), no parameter sits at a bound of
        its search box (a ceiling of 1, the largest possible score, is allowed), and the
        data identify every parameter.
    message : str
        How the fit ended; starts with ``"failed:"`` and names every reason otherwise.
    n_points, n_starts : int
    samples : pandas.DataFrame
        One row per bootstrap resample: ``slope, midpoint, ceiling, width``, ``converged``,
        ``success`` (the refit passed the same checks) and ``failure`` (its first reason);
        empty when ``n_boot == 0``.  Intervals use the successful rows.
    confidence : float
    n_boot : int
    seed : int or None
    unidentified : tuple of str
        Parameters the data leave open; they get no interval.
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
    unidentified: tuple = ()

    _QUANTITIES = ("slope", "midpoint", "ceiling", "width")
    _PLOT_LABEL = "sigmoid fit"

    def _blocked(self, name):
        return name in self.unidentified or (name == "width" and "slope" in self.unidentified)

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
        """Curves of the successful bootstrap refits at ``x``: array (n_successful, len(x))."""
        lx = np.log10(as_positive_array("x", x, ndim=(0, 1)).reshape(-1))
        s = self._good()
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
    names = ("slope", "midpoint", "ceiling")[:n_params]
    labels = [("1e-3 per decade", "50 per decade"),
              ("3 decades below the data", "3 decades above the data"),
              ("the floor", f"max_ceiling = {max_ceiling:g}")][:n_params]
    # A ceiling of 1 is the largest score there is: the form allows a fit to sit on it.
    free = ((2, "upper"),) if fit_ceiling and max_ceiling == 1.0 else ()
    fixed = None if fit_ceiling else ceiling

    def rj(theta, LX, Y):
        return _sigmoid_residuals(theta, LX, Y, floor, fixed)

    def full_rj(theta, rows):
        return rj(theta, lx[None, :], y[None, :])

    def judge(theta):
        J = full_rj(theta[None, :], None)[1][0]
        return _judge(theta, J, y, bounds, names, labels, free_bounds=free)

    span = lx.max() - lx.min()
    slopes = [0.5, 1.5, 4.0, 12.0]
    mids = [lx.min() + q * span for q in (0.25, 0.6, 1.0)]
    ceils = [min(max(y.max(), floor + 1e-3), max_ceiling), max_ceiling] if fit_ceiling else [None]
    starts = [np.array([s, m] + ([c] if fit_ceiling else [])) for s, m, c in product(slopes, mids, ceils)]
    best = _best_least_squares(full_rj, starts, bounds, max_nfev=300)
    if best is None:
        raise ValueError("The sigmoid fit failed from every start; check `x` and `y`.")
    theta = best.x
    ssr = float(np.sum(best.fun**2))
    sst = float(np.sum((y - y.mean()) ** 2))
    r2 = 1 - ssr / sst if sst > 0 else float("nan")
    reasons, unidentified = judge(theta)
    if best.status <= 0:
        reasons.insert(0, "not converged: least squares hit its evaluation limit")
    if sst > 0 and not r2 > 0:
        reasons.append(f"the sigmoid fits no better than a constant (R^2 = {r2:.3g})")
    if reasons:
        message = _diagnose.join_reasons(reasons)
    else:
        message = "converged"
        if not lx.min() <= theta[1] <= lx.max():
            message += "; the midpoint lies outside the range of x: the half-way point is extrapolated, not observed"

    cols = ["slope", "midpoint", "ceiling"]
    if n_boot:
        thetas, converged, failure = _bootstrap(lx, y, rj, theta, bounds, n_boot, gen, free_bounds=free)
        params = {"slope": thetas[:, 0], "midpoint": thetas[:, 1],
                  "ceiling": thetas[:, 2] if fit_ceiling else np.full(n_boot, ceiling)}
        with np.errstate(divide="ignore", invalid="ignore"):
            params["width"] = _WIDTH_FACTOR / params["slope"]
        samples = _samples_frame(params, converged, failure)
    else:
        samples = pd.DataFrame(columns=cols + ["width", "converged", "success", "failure"])
    return SigmoidFit(
        slope=float(theta[0]), midpoint=float(theta[1]),
        ceiling=float(theta[2]) if fit_ceiling else float(ceiling), floor=floor,
        objective=ssr, r_squared=float(r2), success=not reasons,
        message=message, n_points=int(x.size), n_starts=len(starts), samples=samples,
        confidence=confidence, n_boot=n_boot, seed=seed, unidentified=unidentified,
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
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        y = _bnsl(x, a, b, c0, c1, d1, f1)
    check_finite_result(y, "x", "b", "c0", "c1", what="The broken power law")
    return laws._scalar_or_array(y)


def _bnsl(x, a, b, c0, c1, d1, f1):
    # (1 + (x/d1)^(1/f1))^(-c1 f1) computed as exp(-c1 f1 log1p(exp(log(x/d1)/f1))) for stability.
    t = np.log(x / d1) / f1
    soft = np.logaddexp(0.0, t)
    return a + b * np.exp(-c0 * np.log(x) - c1 * f1 * soft)


def _bnsl_residuals(theta, LX, Y):
    """Residuals (K, n) and Jacobian (K, n, 6) of the internal broken power law, K problems.

    ``theta`` rows are ``(a, B, c0, c1, log d1', log f1)`` (see :func:`_bnsl_theta_to_params`);
    ``LX`` is ``log(x / x_ref)`` and ``Y`` the scores, (K, n) or broadcastable to it.
    Overflowing residuals are replaced by 1e6 (a trial far from the optimum is rejected).
    """
    a, B, c0, c1, log_d, log_f = (theta[:, i:i + 1] for i in range(6))
    f1 = np.exp(log_f)
    v = LX - log_d
    u = v / f1
    soft = np.logaddexp(0.0, u)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        e = np.exp(-c0 * v - c1 * f1 * soft)
        r = a + B * e - Y
        g = B * e
        sig = special.expit(u)
        cols = np.broadcast_arrays(np.ones_like(r), e, -v * g, -f1 * soft * g,
                                   (c0 + c1 * sig) * g, -c1 * f1 * (soft - u * sig) * g)
        J = np.stack(cols, axis=2)
    return np.where(np.isfinite(r), r, 1e6), np.where(np.isfinite(J), J, 0.0)


def _bnsl_log_slope(x, a, b, c0, c1, d1, f1, *, of="y"):
    """d log y / d log x (``of="y"``) or d log(y - a) / d log x (``of="y - a"``) of the curve."""
    check_choice("of", of, ("y", "y - a"))
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
        One row per bootstrap resample: the six parameters, ``converged``, ``success`` and
        ``failure`` (as for :class:`SigmoidFit`).
    confidence : float
    n_boot : int
    seed : int or None
    unidentified : tuple of str
        Parameters the data leave open (at a bound of the search box, or along a flat
        direction of the objective); they get no interval.
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
    unidentified: tuple = ()

    _QUANTITIES = BNSL_NAMES
    _PLOT_LABEL = "broken power law"

    def _blocked(self, name):
        # b = B d1^c0 mixes three coordinates: it is open if any of them is.
        if name == "b":
            return bool({"b", "c0", "d1"} & set(self.unidentified))
        return name in self.unidentified

    @property
    def params(self):
        """The six parameters as a dict, ready for :func:`broken_power_law`."""
        return {k: getattr(self, k) for k in BNSL_NAMES}

    def predict(self, x):
        """Fitted curve at ``x`` (> 0)."""
        return broken_power_law(x, **self.params)

    def predict_samples(self, x):
        """Curves of the successful bootstrap refits at ``x``: array (n_successful, len(x))."""
        x = as_positive_array("x", x, ndim=(0, 1)).reshape(-1)
        s = self._good()
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
        """:meth:`local_slope` of every successful bootstrap refit: array (n_successful, len(x))."""
        x = as_positive_array("x", x, ndim=(0, 1)).reshape(-1)
        check_choice("of", of, ("y", "y - a"))
        s = self._good()
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
    labels = [("a = -1", "a = 1"), ("B = -2", "B = 2"), ("c0 = -10", "c0 = 10"),
              ("c1 = -10", "c1 = 10"), ("2 decades below the data", "2 decades above the data"),
              ("f1 = 0.01", "f1 = 10")]

    def full_rj(theta, rows):
        return _bnsl_residuals(theta, lxs[None, :], y[None, :])

    def judge(theta):
        J = full_rj(theta[None, :], None)[1][0]
        return _judge(theta, J, y, bounds, BNSL_NAMES, labels)

    y_lo = float(np.percentile(y, 10))
    span = float(y.max() - y_lo)
    starts = []
    for q, log_f, (c0, c1) in product((0.3, 0.5, 0.7, 0.9), (np.log(0.3), np.log(1.0)),
                                      ((0.0, -1.0), (-2.0, 2.0))):
        starts.append(np.array([y_lo, 0.5 * span + 1e-3, c0, c1,
                                lxs.min() + q * (lxs.max() - lxs.min()), log_f]))
    best = _best_least_squares(full_rj, starts, bounds, max_nfev=600)
    if best is None:
        raise ValueError("The broken power-law fit failed from every start; check `x` and `y`.")
    theta = best.x
    ssr = float(np.sum(best.fun**2))
    sst = float(np.sum((y - y.mean()) ** 2))
    r2 = 1 - ssr / sst if sst > 0 else float("nan")
    reasons, unidentified = judge(theta)
    if best.status <= 0:
        reasons.insert(0, "not converged: least squares hit its evaluation limit")
    if sst > 0 and not r2 > 0:
        reasons.append(f"the broken power law fits no better than a constant (R^2 = {r2:.3g})")
    message = _diagnose.join_reasons(reasons) if reasons else "converged"
    if n_boot:
        thetas, converged, failure = _bootstrap(lxs, y, _bnsl_residuals, theta, bounds, n_boot, gen)
        rows = [_bnsl_theta_to_params(t, x_ref) if np.isfinite(t).all() else dict.fromkeys(BNSL_NAMES, np.nan)
                for t in thetas]
        samples = _samples_frame(pd.DataFrame(rows, columns=list(BNSL_NAMES)), converged, failure)
    else:
        samples = pd.DataFrame(columns=list(BNSL_NAMES) + ["converged", "success", "failure"])
    return BrokenPowerLawFit(
        **_bnsl_theta_to_params(theta, x_ref), objective=ssr, r_squared=float(r2),
        success=not reasons, message=message, n_points=int(x.size), n_starts=len(starts),
        samples=samples, confidence=confidence, n_boot=n_boot, seed=seed,
        unidentified=unidentified,
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
    rmse_interval : BootstrapInterval
        Percentile interval of the RMSE over the successful bootstrap refits of the small
        models (unpacks as ``lo, hi``; prints to its Monte-Carlo precision).
    coverage : float
        Share of large models whose observed score lies inside the band (NaN when no
        bootstrap refit succeeded, so there is no band).
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
        iv = self.rmse_interval
        pct = round(100 * self.confidence)
        band = f"[{iv.text(', ')}]" if iv.defined else f"(no interval: {iv.reason})"
        return "\n".join([
            f"{self.model} fitted on {self.n_small} models with x < {self.cut:.3g}, "
            f"predicting {self.n_large} larger ones",
            f"  RMSE = {self.rmse:.3g} {band} ({pct}% bootstrap), MAE = {self.mae:.3g}",
            (f"  {100 * self.coverage:.0f}% of the large models fall inside the {pct}% band"
             if np.isfinite(self.coverage) else "  no band: no bootstrap refit succeeded"),
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
    check_choice("model", model, tuple(_MODELS))
    x = as_positive_array("x", x, ndim=1)
    y = _as_probabilities("y", y, ndim=1)
    check_same_length(x=x, y=y)
    cut = check_positive_scalar("cut", cut)
    n_boot = check_positive_int("n_boot", n_boot, minimum=2, maximum=MAX_BOOT)
    small = x < cut
    if (~small).sum() == 0:
        raise ValueError(f"No model has x >= cut = {cut:g}; lower `cut` so that some models are held out.")
    if np.unique(x[small]).size < 3:
        raise ValueError(f"Only {int(small.sum())} model(s) lie below cut = {cut:g}; a curve needs at "
                         "least 3 models with distinct x below it, so raise `cut`.")
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
        rmse_interval = percentile_interval(boot_rmse, confidence)
    else:
        lo = hi = np.full(xl.size, np.nan)
        rmse_interval = BootstrapInterval(np.nan, np.nan, confidence=confidence,
                                          reason="no bootstrap refit succeeded")
    err = pred - yl
    frame = pd.DataFrame({"x": xl, "y": yl, "predicted": pred, "lower": lo, "upper": hi, "error": err})
    return Extrapolation(
        model=model, cut=cut, fit=fitted, frame=frame,
        rmse=float(np.sqrt(np.mean(err**2))), mae=float(np.mean(np.abs(err))),
        rmse_interval=rmse_interval,
        coverage=float(np.mean((yl >= lo) & (yl <= hi))) if len(curves) else float("nan"),
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
    acc = _as_probabilities("accuracies", accuracies, ndim=(0, 1)).reshape(-1)
    max_items = check_positive_int("max_items", max_items, maximum=10**7)
    tol = check_positive_scalar("tol", tol)
    for n in range(1, max_items + 1):
        scaled = acc * n
        if np.all(np.abs(scaled - np.round(scaled)) <= tol * n):
            return n
    raise ValueError(
        f"No item count n <= {max_items} makes every value of `accuracies` a multiple of 1/n; "
        "the values are not plain accuracies (rounded or averaged?), or raise `max_items`."
    )


# --------------------------------------------------------------------------- leaving chance
def chance_crossing(x, value, stderr, *, chance, z=2.0):
    """Where a score curve leaves chance: first above it, and above it for good.

    A point is *above chance* when ``value - chance > z * stderr``: with the default ``z = 2``
    its score is about two standard errors above what guessing gives (one-sided, about 2.3%
    false alarms per point when the score is exactly at chance and its errors are normal).

    Parameters
    ----------
    x : array_like
        Where each score was measured: checkpoints, tokens, compute or parameters.  Sorted
        here; the values must be distinct and finite.
    value, stderr : array_like
        The score at each ``x`` and its standard error (>= 0), e.g. the ``value`` and
        ``stderr`` columns of ``data.load("pythia_evals")`` for one model, task and metric.
    chance : float
        The score of guessing: 0.25 for four-way multiple choice (MMLU, ARC), 0.5 for two-way
        (PIQA, WinoGrande), 0 for exact-match tasks such as LAMBADA accuracy.
    z : float, default 2.0
        Standard errors a point must clear (> 0).

    Returns
    -------
    dict
        ``first_above``: the smallest ``x`` above chance (NaN if none); ``stays_above``: the
        smallest ``x`` from which every later point is above chance (NaN if the last point is
        not); ``n_above`` and ``n_points``.  A curve that rises above chance and falls back
        has ``first_above < stays_above`` or a NaN ``stays_above``.

    Raises
    ------
    ValueError
        Arrays of different lengths, empty, non-finite or repeated ``x``, negative
        ``stderr``, a non-finite ``chance`` or a ``z`` that is not positive.

    Notes
    -----
    Used in the chapter *Emergence* to say where each Pythia task leaves chance (Biderman et
    al. 2023 evaluate 27 checkpoints of each model). The standard errors are the evaluation
    harness's, so they cover the sampling of test items, not the randomness of training.
    """
    x = as_float_array("x", x, ndim=1)
    value = as_float_array("value", value, ndim=1)
    stderr = as_float_array("stderr", stderr, ndim=1)
    check_same_length(x=x, value=value, stderr=stderr)
    if np.any(stderr < 0):
        raise ValueError("`stderr` must be >= 0 (standard errors); got a negative value.")
    chance = check_scalar("chance", chance)
    z = check_positive_scalar("z", z)
    order = np.argsort(x, kind="stable")
    x, value, stderr = x[order], value[order], stderr[order]
    if np.any(np.diff(x) == 0):
        raise ValueError("`x` has repeated values; pass one score per checkpoint (or average them first).")
    above = value - chance > z * stderr
    first = float(x[np.argmax(above)]) if above.any() else float("nan")
    # The suffix of points that are all above chance: from the last point that is not, onwards.
    below = np.flatnonzero(~above)
    if not above[-1]:
        stays = float("nan")
    else:
        stays = float(x[below[-1] + 1]) if below.size else float(x[0])
    return {"first_above": first, "stays_above": stays, "n_above": int(above.sum()),
            "n_points": int(x.size)}


# --------------------------------------------------------------------------- capability measure
@dataclass(frozen=True)
class CapabilityPCA:
    """Result of :func:`capability_pca`: principal components of a models x benchmarks table.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per model (the input's index), one column per component (``PC1``, ``PC2``,
        ...): the model's coordinates in the (standardised) benchmark space.
    loadings : pandas.DataFrame
        One row per benchmark, one column per component: the unit vector of each component.
        Each component's sign is chosen so that its loadings sum to a positive number, so a
        higher ``PC1`` means better scores on average.
    explained_variance_ratio : numpy.ndarray
        Share of the total variance of the (standardised) scores carried by each component.
    center, scale : pandas.Series
        Mean and standard deviation (ddof = 1; all ones when ``standardize=False``) of each
        benchmark, used to standardise.
    standardize : bool
    n_models, n_benchmarks : int
    success : bool
        False when the first two components carry the same variance (then the direction of
        ``PC1`` is not determined by the data).
    message : str
    """

    scores: pd.DataFrame = field(repr=False)
    loadings: pd.DataFrame = field(repr=False)
    explained_variance_ratio: np.ndarray = field(repr=False)
    center: pd.Series = field(repr=False)
    scale: pd.Series = field(repr=False)
    standardize: bool
    n_models: int
    n_benchmarks: int
    success: bool
    message: str

    @property
    def pc1(self):
        """The first principal component of every model (a Series): the capability measure."""
        return self.scores["PC1"]

    def summary(self):
        ratios = ", ".join(f"PC{i + 1} {100 * r:.1f}%" for i, r in enumerate(self.explained_variance_ratio[:3]))
        top = self.loadings["PC1"]
        return "\n".join([
            f"Principal components of {self.n_models} models x {self.n_benchmarks} benchmarks "
            f"({'standardised' if self.standardize else 'centred'} scores)",
            f"  variance explained: {ratios}",
            "  PC1 loadings: " + ", ".join(f"{k} {v:.2f}" for k, v in top.items()),
            f"  success = {self.success} ({self.message})",
        ])

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return "<pre>" + self.summary() + "</pre>"

    def plot(self, *, ax=None):
        """Bar chart of the share of variance explained by each component."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3.2))
        k = len(self.explained_variance_ratio)
        ax.bar(np.arange(1, k + 1), self.explained_variance_ratio)
        ax.set_xticks(np.arange(1, k + 1))
        ax.set_xlabel("principal component")
        ax.set_ylabel("share of variance explained")
        return ax


def capability_pca(scores, *, standardize=True):
    """Principal components of benchmark scores: a low-dimensional capability measure.

    Parameters
    ----------
    scores : pandas.DataFrame or array_like
        A models x benchmarks table of scores (2-D, at least 3 models and 2 benchmarks, no
        missing values: drop or impute incomplete models first).  A DataFrame's index and
        columns name the models and benchmarks.
    standardize : bool, default True
        Divide each benchmark by its standard deviation after centring (PCA of the
        correlation matrix), so that a benchmark with a wide spread of scores does not
        dominate; False gives the PCA of the covariance matrix.

    Returns
    -------
    CapabilityPCA
        Scores, loadings and the share of variance of each component; ``pc1`` is the
        capability measure.

    Raises
    ------
    ValueError
        NaN or infinite scores, fewer than 3 models or 2 benchmarks, a benchmark on which
        every model scores the same (no spread to standardise), or an array that is not 2-D.
    TypeError
        Non-numeric scores, or a ``standardize`` that is not True or False.

    Notes
    -----
    Ruan, Maddison & Hashimoto (2024), *Observational Scaling Laws and the Predictability of
    Language Model Performance* (arXiv:2405.10938), Section 3: model performance on standard
    benchmarks lies close to a low-dimensional "capability space" spanned by its first few
    principal components, and downstream abilities are sigmoid functions of a linear
    combination of them.  Computed here by the singular value decomposition of the centred
    (and by default standardised) table; components are signed so that their loadings sum
    to a positive number.  Ruan et al. impute missing scores by PCA; this function does not
    impute.  Used in the chapter *Emergence* to compare ``PC1`` with log compute as a
    predictor of the held-out top models.
    """
    standardize = check_bool("standardize", standardize)
    if isinstance(scores, pd.DataFrame):
        index, columns = scores.index, [str(c) for c in scores.columns]
        values = scores.to_numpy()
    else:
        index, columns = None, None
        values = scores
    X = as_float_array("scores", values, ndim=2)
    n, k = X.shape
    if n < 3 or k < 2:
        raise ValueError(f"`scores` must have at least 3 models (rows) and 2 benchmarks (columns); got {n} x {k}.")
    if index is None:
        index, columns = pd.RangeIndex(n), [f"benchmark {j}" for j in range(k)]
    center = X.mean(axis=0)
    spread = X.std(axis=0, ddof=1)
    flat = spread <= 1e-12 * np.maximum(1.0, np.abs(center))
    if flat.any():
        raise ValueError(
            f"`scores` has {int(flat.sum())} benchmark(s) on which every model scores the same "
            f"(first: {columns[int(np.flatnonzero(flat)[0])]!r}); drop them: they carry no information.")
    scale = spread if standardize else np.ones(k)
    Z = (X - center) / scale
    with np.errstate(over="ignore", invalid="ignore"):
        _, S, Vt = np.linalg.svd(Z, full_matrices=False)
    if not np.all(np.isfinite(S)) or not np.all(np.isfinite(Vt)):
        raise ValueError("`scores` is too large to decompose in floating point; rescale it.")
    signs = np.where(Vt.sum(axis=1) < 0, -1.0, 1.0)
    Vt = Vt * signs[:, None]
    m = len(S)
    names = [f"PC{i + 1}" for i in range(m)]
    variance = S**2
    ratio = variance / variance.sum()
    tie = m > 1 and variance[0] - variance[1] <= 1e-9 * variance[0]
    message = ("PC1 is not identified: the first two components carry the same variance" if tie
               else "converged")
    return CapabilityPCA(
        scores=pd.DataFrame(Z @ Vt.T, index=index, columns=names),
        loadings=pd.DataFrame(Vt.T, index=columns, columns=names),
        explained_variance_ratio=ratio, center=pd.Series(center, index=columns),
        scale=pd.Series(scale, index=columns), standardize=standardize, n_models=n,
        n_benchmarks=k, success=not tie, message=message,
    )
