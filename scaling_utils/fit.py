"""Estimators for scaling laws: the Chinchilla Approach 3 fit, its bootstrap, and
log-log power-law regression.

The Chinchilla fit follows Hoffmann et al. (2022), Appendix D.2 (eq. 3): minimise

    sum_i Huber_delta( LSE(a - alpha log N_i, b - beta log D_i, e) - log L_i )

over ``(a, b, e, alpha, beta)`` with ``A = exp(a)``, ``B = exp(b)``,
``E = exp(e)``, ``delta = 1e-3``, by L-BFGS from a grid of 4,500 starting points,
keeping the best.  The objective is *summed* over points, as in Besiroglu et al.
(2024).  The sum and the mean have the same optimum; what differs is scale: the mean is
about 240 times smaller, so an optimiser with absolute stopping tolerances (SciPy's
L-BFGS-B defaults, ``gtol = 1e-5``) stops long before the optimum.  Besiroglu et al.
identify this as why Hoffmann et al.'s published fit is not the optimum of its own
objective; :func:`chinchilla_objective_and_gradient` with ``reduction="mean"`` lets a
chapter show it.

Speed: rather than calling :func:`scipy.optimize.minimize` 4,500 times, the
starts run together through one vectorised L-BFGS (``_batched_lbfgs``), and
the best of them is then polished with SciPy's L-BFGS-B.  The same batched
optimiser refits all bootstrap resamples at once.  ``benchmarks/bench_fit.py``
compares it with the plain per-start loop.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import product

import numpy as np
import pandas as pd
from scipy import optimize, stats

from . import _diagnose, laws
from ._interval import BootstrapInterval, format_with_error, percentile_interval
from ._isoflop import EnvelopeFit, IsoFLOPFit, assign_budgets, fit_envelope, fit_isoflop
from ._validate import (
    ArgumentTypeError,
    as_float_array,
    as_positive_array,
    check_bool,
    check_choice,
    check_enough_points,
    check_positive_int,
    check_positive_scalar,
    check_probability,
    check_same_length,
)

__all__ = [
    "hoffmann_grid",
    "chinchilla_objective",
    "chinchilla_objective_and_gradient",
    "fit_chinchilla",
    "bootstrap_chinchilla",
    "fit_power_law",
    "fit_isoflop",
    "fit_envelope",
    "assign_budgets",
    "IsoFLOPFit",
    "EnvelopeFit",
    "percentile_interval",
    "format_with_error",
    "ChinchillaFit",
    "ChinchillaBootstrap",
    "PowerLawFit",
    "BootstrapInterval",
    "GRADIENT_TOLERANCE",
    "NEGLIGIBLE_SHARE",
    "MAX_FAILED_SHARE",
]

PARAM_NAMES = ("E", "A", "B", "alpha", "beta")
_N_PARAMS = 5
# Internal parameter order of the Chinchilla fit, and the names of those parameters.
_THETA_NAMES = ("A", "B", "E", "alpha", "beta")

# How a run of the batched L-BFGS ended (see _batched_lbfgs).
LBFGS_GRADIENT, LBFGS_FTOL, LBFGS_LINE_SEARCH, LBFGS_MAXITER = 0, 1, 2, 3


# --------------------------------------------------------------------------
# The objective
# --------------------------------------------------------------------------
def hoffmann_grid():
    """Hoffmann et al.'s 4,500 initial points for the Approach 3 fit.

    ``alpha, beta ∈ {0, 0.5, ..., 2}``, ``e ∈ {-1, -0.5, ..., 1}``,
    ``a, b ∈ {0, 5, ..., 25}`` (``a = log A``, ``b = log B``, ``e = log E``).

    Returns
    -------
    numpy.ndarray, shape (4500, 5)
        Columns in the internal order ``(a, b, e, alpha, beta)``.

    Notes
    -----
    Hoffmann et al. (2022), Appendix D.2. Chapter: *Power laws*.
    """
    exps = np.arange(0.0, 2.01, 0.5)
    es = np.arange(-1.0, 1.01, 0.5)
    abs_ = np.arange(0.0, 25.01, 5.0)
    grid = np.array(list(product(abs_, abs_, es, exps, exps)), dtype=float)
    return grid


def _prepare(N, D, loss, *, min_points=_N_PARAMS + 1):
    N = as_positive_array("N", N, ndim=1)
    D = as_positive_array("D", D, ndim=1)
    loss = as_positive_array("loss", loss, ndim=1)
    n = check_same_length(N=N, D=D, loss=loss)
    check_enough_points(n, min_points - 1, "The Chinchilla law L = E + A/N^alpha + B/D^beta")
    return np.log(N), np.log(D), np.log(loss)


def _objective_and_grad(theta, logN, logD, logL, delta, weights=None):
    """Huber objective and gradient for a batch of parameter vectors.

    ``theta`` has shape (K, 5) in the order (a, b, e, alpha, beta); data arrays
    have shape (n,); ``weights`` is None or (K, n) (bootstrap counts).
    Returns ``f`` (K,) and ``g`` (K, 5).
    """
    # No max-subtraction is needed: for the exponents met here (|t| < 700) exp
    # cannot overflow, and a wild line-search trial that does gives f = inf and
    # is rejected.
    e1 = np.exp(theta[:, 0:1] - theta[:, 3:4] * logN)
    e2 = np.exp(theta[:, 1:2] - theta[:, 4:5] * logD)
    e3 = np.exp(theta[:, 2:3])
    s = e1 + e2
    s += e3
    r = np.log(s)
    r -= logL
    psi = np.clip(r, -delta, delta)  # Huber derivative
    h = r - 0.5 * psi
    h *= psi  # = Huber(r): r^2/2 inside +-delta, delta(|r| - delta/2) outside
    if weights is not None:
        h *= weights
        psi *= weights
    f = h.sum(axis=1)
    psi /= s
    e1 *= psi
    e2 *= psi
    g = np.empty_like(theta)
    g[:, 0] = e1.sum(axis=1)
    g[:, 1] = e2.sum(axis=1)
    g[:, 2] = psi.sum(axis=1) * e3[:, 0]
    # Plain sums rather than matrix products: BLAS kernels add in an order that depends
    # on the CPU, numpy's pairwise sum does not.
    g[:, 3] = -(e1 * logN).sum(axis=1)
    g[:, 4] = -(e2 * logD).sum(axis=1)
    return f, g


def _objective_grad_hess(theta, logN, logD, logL, delta, weights=None):
    """Huber objective, gradient and exact Hessian for a batch of parameter vectors.

    Same conventions as :func:`_objective_and_grad`; also returns ``H`` (K, 5, 5).
    With ``r_i = log s_i - log L_i`` and ``s = e1 + e2 + e3``,
    ``H = sum_i w_i [psi'(r_i) u_i u_i^T + psi(r_i) (d2 s_i / s_i - u_i u_i^T)]``,
    ``u = grad s / s``, where ``psi`` is the Huber derivative (``psi' = 1`` inside
    ``+-delta``, 0 outside).
    """
    K = theta.shape[0]
    w = np.ones((K, logN.size)) if weights is None else weights
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        e1 = np.exp(theta[:, 0:1] - theta[:, 3:4] * logN)
        e2 = np.exp(theta[:, 1:2] - theta[:, 4:5] * logD)
        e3 = np.broadcast_to(np.exp(theta[:, 2:3]), e1.shape)
        s = e1 + e2 + e3
        r = np.log(s) - logL
        psi = np.clip(r, -delta, delta)
        f = (w * psi * (r - 0.5 * psi)).sum(axis=1)
        q1, q2, q3 = e1 / s, e2 / s, e3 / s
        u = np.stack([q1, q2, q3, -logN * q1, -logD * q2], axis=2)  # (K, n, 5) = grad r
        wpsi = w * psi
        g = np.einsum("kn,kni->ki", wpsi, u)
        curv = w * (np.abs(r) < delta) - wpsi
        H = np.matmul((curv[:, :, None] * u).transpose(0, 2, 1), u)
        H[:, 0, 0] += (wpsi * q1).sum(axis=1)
        H[:, 0, 3] -= (wpsi * logN * q1).sum(axis=1)
        H[:, 3, 3] += (wpsi * logN**2 * q1).sum(axis=1)
        H[:, 1, 1] += (wpsi * q2).sum(axis=1)
        H[:, 1, 4] -= (wpsi * logD * q2).sum(axis=1)
        H[:, 4, 4] += (wpsi * logD**2 * q2).sum(axis=1)
        H[:, 2, 2] += (wpsi * q3).sum(axis=1)
        H[:, 3, 0] = H[:, 0, 3]
        H[:, 4, 1] = H[:, 1, 4]
    return f, g, H


class _BatchEvaluator:
    """Evaluate :func:`_objective_and_grad` for many parameter rows, fast.

    Two things make the batch fast: rows are processed in blocks of
    ``chunk_rows`` so that the (rows x points) temporaries stay in the CPU cache
    (about 3x faster than one big block here), and blocks are spread over a
    thread pool, since NumPy releases the GIL inside its loops.  Overflow in a
    wild line-search trial is expected (it yields f = inf and the trial is
    rejected), so it is silenced here and only here.
    """

    def __init__(self, logN, logD, logL, delta, weights=None, *, n_threads=None, chunk_rows=256):
        self.data = (logN, logD, logL, delta)
        self.weights = weights
        self.n_threads = max(1, min(os.cpu_count() or 1, 4) if n_threads is None else n_threads)
        self.chunk_rows = chunk_rows
        self.pool = ThreadPoolExecutor(self.n_threads) if self.n_threads > 1 else None

    def _one(self, theta, rows):
        w = None if self.weights is None else self.weights[rows]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return _objective_and_grad(theta, *self.data, w)

    def _map(self, one, theta, rows):
        if len(theta) <= self.chunk_rows:
            return one(theta, rows)
        blocks = [slice(i, i + self.chunk_rows) for i in range(0, len(theta), self.chunk_rows)]
        if self.pool is None:
            out = [one(theta[b], rows[b]) for b in blocks]
        else:
            out = list(self.pool.map(lambda b: one(theta[b], rows[b]), blocks))
        return tuple(np.concatenate(parts) for parts in zip(*out))

    def __call__(self, theta, rows):
        """Objective (k,) and gradient (k, 5) of the rows ``theta`` of problems ``rows``."""
        return self._map(self._one, theta, rows)

    def with_hessian(self, theta, rows):
        """Objective, gradient and Hessian (k, 5, 5) of the rows ``theta`` of problems ``rows``."""
        def one(t, r):
            w = None if self.weights is None else self.weights[r]
            return _objective_grad_hess(t, *self.data, w)

        return self._map(one, theta, rows)

    def close(self):
        if self.pool is not None:
            self.pool.shutdown()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def chinchilla_objective(params, N, D, loss, *, huber_delta=1e-3):
    """The summed Huber objective of Hoffmann et al.'s Approach 3 at given parameters.

    Parameters
    ----------
    params : mapping
        ``E, A, B, alpha, beta`` (e.g. ``laws.HOFFMANN_2022`` or ``fit.params``).
    N, D, loss : array_like
        Parameters, tokens and final loss (nats/token) of the training runs.
    huber_delta : float, default 1e-3

    Returns
    -------
    float
        ``sum_i Huber(log L_hat_i - log L_i)``; lower is a better fit.

    Notes
    -----
    Hoffmann et al. (2022), eq. 3 (Appendix D.2), summed as in Besiroglu et al. (2024).
    """
    logN, logD, logL = _prepare(N, D, loss, min_points=1)
    delta = check_positive_scalar("huber_delta", huber_delta)
    if not isinstance(params, Mapping):
        raise ArgumentTypeError(f"`params` must be a mapping with keys {', '.join(PARAM_NAMES)} "
                        f"(e.g. laws.HOFFMANN_2022 or fit.params), got {type(params).__name__}.")
    missing = [k for k in PARAM_NAMES if k not in params]
    if missing:
        raise ValueError(f"`params` lacks {', '.join(missing)}; pass a mapping with keys "
                         f"{', '.join(PARAM_NAMES)} (e.g. laws.HOFFMANN_2022 or fit.params).")
    E, A, B, alpha, beta = laws._check_chinchilla_params(*(params[k] for k in PARAM_NAMES))
    theta = np.array([[np.log(A), np.log(B), np.log(E), alpha, beta]])
    return float(_objective_and_grad(theta, logN, logD, logL, delta)[0][0])


def chinchilla_objective_and_gradient(theta, N, D, loss, *, huber_delta=1e-3, reduction="sum"):
    """Approach 3 objective and its gradient at one point ``theta``, for a generic optimiser.

    Parameters
    ----------
    theta : array_like of shape (5,)
        ``(log A, log B, log E, alpha, beta)``, the order of :func:`hoffmann_grid`.
    N, D, loss : array_like
        Parameters, tokens and final loss (nats/token) of the training runs.
    huber_delta : float, default 1e-3
    reduction : {"sum", "mean"}, default "sum"
        Sum the Huber losses over points (as :func:`fit_chinchilla`) or average them.

    Returns
    -------
    (float, ndarray of shape (5,))
        Objective and gradient, ready for ``scipy.optimize.minimize(..., jac=True)``.
        A wild trial point may overflow to ``inf``; wrap calls in ``np.errstate`` if so.

    Notes
    -----
    The mean is the sum divided by the number of points: the same minimiser, a smaller
    scale. Hoffmann et al. (2022), Appendix D.2; Besiroglu et al. (2024) on the mean's
    effect on the optimiser's stopping rule. Chapter: *Power laws*.
    """
    logN, logD, logL = _prepare(N, D, loss, min_points=1)
    delta = check_positive_scalar("huber_delta", huber_delta)
    reduction = check_choice("reduction", reduction, ("sum", "mean"))
    theta = as_float_array("theta", theta)
    if theta.shape != (_N_PARAMS,):
        raise ValueError(f"`theta` must have shape (5,) in the order (log A, log B, log E, alpha, beta), "
                         f"got shape {theta.shape}.")
    f, g = _objective_and_grad(theta[None, :], logN, logD, logL, delta)
    if reduction == "mean":
        return float(f[0]) / logN.size, g[0] / logN.size
    return float(f[0]), g[0]


# --------------------------------------------------------------------------
# A vectorised L-BFGS over many independent problems
# --------------------------------------------------------------------------
def _batched_lbfgs(theta0, fg, *, memory=10, maxiter=1000, gtol=1e-7, ftol=1e-9, max_backtracks=30):
    """Minimise K independent smooth problems at once with L-BFGS.

    ``fg(theta, rows)`` returns objective (k,) and gradient (k, p) for the
    parameter rows ``theta`` (k, p) belonging to problem indices ``rows``.
    Each problem keeps its own memory and step; problems that stop drop out.
    Line search: backtracking to the Armijo condition.  A memory pair that
    breaks the curvature condition is stored with ``rho = 0`` and so ignored.

    Returns (theta, f, status, n_iter): arrays over the K problems, where ``status``
    is one of ``LBFGS_GRADIENT`` (largest gradient component <= ``gtol``), ``LBFGS_FTOL``
    (an accepted step decreased ``f`` by a relative ``ftol`` or less),
    ``LBFGS_LINE_SEARCH`` (no step along the search direction decreased ``f``:
    stopped, *not* converged) or ``LBFGS_MAXITER`` (iteration limit).
    """
    K, p = theta0.shape
    x = theta0.astype(float).copy()
    f, g = fg(x, np.arange(K))
    S = np.zeros((K, memory, p))
    Y = np.zeros((K, memory, p))
    rho = np.zeros((K, memory))
    gamma = np.ones(K)
    n_iter = np.zeros(K, dtype=int)
    status = np.full(K, LBFGS_MAXITER)
    status[np.max(np.abs(g), axis=1) <= gtol] = LBFGS_GRADIENT
    active = np.flatnonzero(status == LBFGS_MAXITER)
    for it in range(maxiter):
        if active.size == 0:
            break
        xa, fa, ga = x[active], f[active], g[active]
        Sa, Ya, ra = S[active], Y[active], rho[active]
        # Two-loop recursion, newest memory slot first.
        slots = [(it - 1 - j) % memory for j in range(min(it, memory))]
        q = ga.copy()
        alphas = []
        for j in slots:
            a_j = ra[:, j] * np.einsum("kp,kp->k", Sa[:, j], q)
            q -= a_j[:, None] * Ya[:, j]
            alphas.append(a_j)
        r = gamma[active, None] * q
        for j, a_j in zip(reversed(slots), reversed(alphas)):
            b_j = ra[:, j] * np.einsum("kp,kp->k", Ya[:, j], r)
            r += Sa[:, j] * (a_j - b_j)[:, None]
        d = -r
        slope = np.einsum("kp,kp->k", d, ga)
        bad = ~(slope < 0)
        if bad.any():  # not a descent direction: fall back to steepest descent
            d[bad] = -ga[bad]
            slope[bad] = -np.einsum("kp,kp->k", ga[bad], ga[bad])
            rho[active[bad]] = 0.0
        # First iteration: a unit step along -g can be huge; scale it.
        step = np.ones(active.size)
        if it == 0:
            step = np.minimum(1.0, 1.0 / np.maximum(np.linalg.norm(ga, axis=1), 1e-300))
        x_new, f_new, g_new = xa.copy(), fa.copy(), ga.copy()
        searching = np.arange(active.size)
        accepted = np.zeros(active.size, dtype=bool)
        for _ in range(max_backtracks):
            trial = xa[searching] + step[searching, None] * d[searching]
            ft, gt = fg(trial, active[searching])
            ok = np.isfinite(ft) & (ft <= fa[searching] + 1e-4 * step[searching] * slope[searching])
            idx = searching[ok]
            x_new[idx], f_new[idx], g_new[idx] = trial[ok], ft[ok], gt[ok]
            accepted[idx] = True
            searching = searching[~ok]
            if searching.size == 0:
                break
            step[searching] *= 0.5
        s_vec = x_new - xa
        y_vec = g_new - ga
        sy = np.einsum("kp,kp->k", s_vec, y_vec)
        yy = np.einsum("kp,kp->k", y_vec, y_vec)
        slot = it % memory
        # Curvature pair usable only if s.y > 0 clearly and |y|^2 did not underflow to 0.
        good = (sy > 1e-12 * np.sqrt(yy * np.einsum("kp,kp->k", s_vec, s_vec)) + 1e-300) & (yy > 1e-300)
        S[active, slot] = s_vec
        Y[active, slot] = y_vec
        rho[active, slot] = np.where(good, 1.0 / np.where(good, sy, 1.0), 0.0)
        gamma[active] = np.where(good, sy / np.where(good, yy, 1.0), gamma[active])
        x[active], f[active], g[active] = x_new, f_new, g_new
        n_iter[active] += 1
        decrease = (fa - f_new) / np.maximum(np.maximum(np.abs(fa), np.abs(f_new)), 1e-300)
        new_status = np.full(active.size, LBFGS_MAXITER)
        new_status[~accepted] = LBFGS_LINE_SEARCH
        new_status[accepted & (decrease <= ftol)] = LBFGS_FTOL
        new_status[np.max(np.abs(g_new), axis=1) <= gtol] = LBFGS_GRADIENT
        status[active] = new_status
        active = active[new_status == LBFGS_MAXITER]
    return x, f, status, n_iter


def _newton_direction(g, H):
    """Newton direction ``-H^{-1} g`` for a batch, made safe for indefinite or singular ``H``.

    ``H`` is first scaled to unit diagonal; its eigenvalues are replaced by their absolute
    values and floored at 1e-10 of the largest (a "saddle-free" Newton step), so the
    direction always points downhill.
    """
    d = np.sqrt(np.abs(np.einsum("kii->ki", H)))
    scale = np.where(d > 0, 1.0 / np.where(d > 0, d, 1.0), 1.0)
    Hs = H * scale[:, :, None] * scale[:, None, :]
    lam, V = np.linalg.eigh(Hs)
    lam = np.maximum(np.abs(lam), 1e-10 * np.max(np.abs(lam), axis=1, keepdims=True) + 1e-300)
    gs = g * scale
    step = -np.einsum("kij,kj->ki", V, np.einsum("kji,kj->ki", V, gs) / lam)
    return step * scale


def _newton_polish(theta, fgh, *, gtol=1e-12, max_steps=30, max_backtracks=20):
    """Refine K optima with safeguarded Newton steps on the exact Hessian.

    L-BFGS stops on a relative decrease of the objective, which along the flat valleys
    of the Chinchilla objective (``log A`` against ``alpha``) can leave a resample's
    parameters far from its optimum, at a point that depends on the last bits of the
    arithmetic and so on the CPU.  A few Newton steps take every problem to its optimum
    to within rounding, so that the bootstrap is the same on every machine.

    ``fgh(theta, rows)`` returns objective (k,), gradient (k, p) and Hessian (k, p, p).
    A problem stops when its largest gradient component is at most ``gtol`` (rounding
    level for these objectives), or when no step along the Newton direction decreases
    the objective.  Returns ``theta, f, g``.
    """
    x = np.array(theta, dtype=float)
    K = x.shape[0]
    f, g, H = fgh(x, np.arange(K))
    active = np.flatnonzero(np.isfinite(f) & (np.max(np.abs(g), axis=1) > gtol))
    for _ in range(max_steps):
        if active.size == 0:
            break
        d = _newton_direction(g[active], H[active])
        slope = np.einsum("kp,kp->k", d, g[active])
        step = np.ones(active.size)
        searching = np.arange(active.size)
        moved = np.zeros(active.size, dtype=bool)
        for _ in range(max_backtracks):
            rows = active[searching]
            trial = x[rows] + step[searching, None] * d[searching]
            ft, gt, Ht = fgh(trial, rows)
            ok = np.isfinite(ft) & (ft <= f[rows] + 1e-4 * step[searching] * slope[searching])
            good = rows[ok]
            x[good], f[good], g[good], H[good] = trial[ok], ft[ok], gt[ok], Ht[ok]
            moved[searching[ok]] = True
            searching = searching[~ok]
            if searching.size == 0:
                break
            step[searching] *= 0.5
        active = active[moved]
        active = active[np.max(np.abs(g[active]), axis=1) > gtol]
    return x, f, g


# --------------------------------------------------------------------------
# Can the numbers be used?  Checks shared by the fit and every bootstrap refit
# --------------------------------------------------------------------------
#: Largest gradient component at which a fit or refit counts as converged (the
#: messages say "1e-6"; change both together).
GRADIENT_TOLERANCE = 1e-6
#: A term of the law smaller than this share of the predicted loss at every point has
#: vanished: its parameters have run off to a bound and the data cannot pin them down.
NEGLIGIBLE_SHARE = 1e-4


def _chinchilla_checks(theta, logN, logD, logL, weights=None):
    """Problems of K Chinchilla optima, as boolean arrays (True = the check failed).

    ``theta`` (K, 5) in the internal order (a, b, e, alpha, beta); ``weights`` (K, n)
    bootstrap counts or None.  Returns a dict with (K,) arrays for ``"non_finite"``,
    ``"alpha"``, ``"beta"`` (exponent not positive), ``"floor"`` (E not below the lowest
    loss), ``"N-term"``, ``"D-term"``, ``"E-term"`` (term negligible at every point), and
    ``"vif"`` (K, 5): variance inflation of each parameter (``_THETA_NAMES`` order)
    above :data:`scaling_utils._diagnose.VIF_LIMIT`.
    """
    K, n = theta.shape[0], logN.size
    w = np.ones((K, n)) if weights is None else weights
    used = w > 0
    finite = np.isfinite(theta).all(axis=1)
    t = np.where(finite[:, None], theta, 0.0)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        e1 = np.exp(t[:, 0:1] - t[:, 3:4] * logN)
        e2 = np.exp(t[:, 1:2] - t[:, 4:5] * logD)
        e3 = np.broadcast_to(np.exp(t[:, 2:3]), e1.shape)
        s = e1 + e2 + e3
        shares = [np.where(used, e / s, 0.0).max(axis=1) for e in (e1, e2, e3)]
        # Jacobian of log L_hat on centred logs: identification does not depend on where
        # the origin of log N and log D sits.
        cN = logN - np.average(logN, weights=None)
        cD = logD - np.average(logD, weights=None)
        J = np.stack([e1 / s, e2 / s, e3 / s, -cN * e1 / s, -cD * e2 / s], axis=2)
    vif = _diagnose.variance_inflation(np.where(np.isfinite(J), J, 0.0), w)
    lowest = np.where(used, logL, np.inf).min(axis=1)
    non_finite = ~finite | ~np.isfinite(s).all(axis=1)
    return {
        "non_finite": non_finite,
        "alpha": ~(t[:, 3] > 0),
        "beta": ~(t[:, 4] > 0),
        "floor": ~(t[:, 2] < lowest),
        "N-term": ~(shares[0] >= NEGLIGIBLE_SHARE),
        "D-term": ~(shares[1] >= NEGLIGIBLE_SHARE),
        "E-term": ~(shares[2] >= NEGLIGIBLE_SHARE),
        "vif": ~(vif <= _diagnose.VIF_LIMIT) | non_finite[:, None],
    }


def _failed_resamples(checks, converged):
    """(K,) bool: the refit failed one of the checks; and the first reason of each."""
    order = [("not converged", ~converged), ("non-finite", checks["non_finite"]),
             ("alpha <= 0", checks["alpha"]), ("beta <= 0", checks["beta"]),
             ("E >= lowest loss", checks["floor"]), ("a term vanished",
             checks["N-term"] | checks["D-term"] | checks["E-term"]),
             ("not identified", checks["vif"].any(axis=1))]
    failed = np.zeros(converged.shape, dtype=bool)
    reason = np.full(converged.shape, "", dtype=object)
    for label, mask in order:
        reason[mask & ~failed] = label
        failed |= mask
    return failed, reason


def _data_problems(logN, logD, logL):
    """Reasons why these data cannot identify the Chinchilla law, with the names they concern."""
    problems = []
    if np.ptp(logN) == 0:
        problems.append((f"every run has the same N = {np.exp(logN[0]):.4g}: A and alpha "
                         "cannot be told apart from E", ("A", "alpha", "E")))
    if np.ptp(logD) == 0:
        problems.append((f"every run has the same D = {np.exp(logD[0]):.4g}: B and beta "
                         "cannot be told apart from E", ("B", "beta", "E")))
    if np.ptp(logN) > 0 and np.ptp(logD) > 0:
        r = np.corrcoef(logN, logD)[0, 1]
        if abs(r) > 1 - 1e-10:
            slope = np.polyfit(logN, logD, 1)[0]
            problems.append((f"log D is a linear function of log N (D proportional to N^{slope:.3g}): "
                             "the N-term and the D-term cannot be told apart",
                             ("A", "B", "alpha", "beta")))
    flat = _diagnose.flat_values_message("loss", np.exp(logL))
    if flat:
        problems.append((flat, PARAM_NAMES))
    return problems


def _fit_problems(theta, logN, logD, logL):
    """Reasons why the optimum ``theta`` (5,) cannot be used, and the unidentified names."""
    problems = _data_problems(logN, logD, logL)
    c = {k: v[0] for k, v in _chinchilla_checks(theta[None, :], logN, logD, logL).items()}
    a, b, e, alpha, beta = theta
    if c["non_finite"]:
        problems.append(("the optimum is not finite", PARAM_NAMES))
        return problems
    if c["alpha"]:
        problems.append((f"alpha = {alpha:.4g} is not positive: the loss does not fall with N", ()))
    if c["beta"]:
        problems.append((f"beta = {beta:.4g} is not positive: the loss does not fall with D", ()))
    if c["floor"]:
        problems.append((f"E = {np.exp(e):.4g} is not below the lowest observed loss "
                         f"{np.exp(logL.min()):.4g}: a floor the data have gone through", ()))
    for key, label, names in (("N-term", "A/N^alpha", ("A", "alpha")),
                              ("D-term", "B/D^beta", ("B", "beta")),
                              ("E-term", "E", ("E",))):
        if c[key]:
            verb = "is" if len(names) == 1 else "are"
            problems.append((f"the term {label} is below {NEGLIGIBLE_SHARE:g} of the loss at every "
                             f"point: it has vanished, so {' and '.join(names)} {verb} not identified",
                             names))
    weak = tuple(name for name, bad in zip(_THETA_NAMES, c["vif"]) if bad)
    if weak and not any(set(weak) <= set(n) for _, n in problems if n):
        problems.append((f"the data do not identify {', '.join(weak)}: the objective is flat along "
                         f"a combination of them (variance inflation > {_diagnose.VIF_LIMIT:.0e})", weak))
    return problems


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class ChinchillaFit:
    """Result of :func:`fit_chinchilla`: ``L = E + A/N**alpha + B/D**beta``.

    Attributes
    ----------
    E, A, B, alpha, beta : float
        Fitted parameters.
    objective : float
        Summed Huber loss at the optimum.
    success : bool
        Whether the numbers can be used: the optimiser converged (every gradient
        component below :data:`GRADIENT_TOLERANCE` at the optimum), every parameter is finite, ``alpha, beta > 0``, ``E`` is
        below the lowest observed loss, no term of the law has vanished, and the data
        identify every parameter (neither ``N`` nor ``D`` constant, ``log N`` and
        ``log D`` not collinear, no flat direction of the objective).
    message : str
        How the fit ended, in the same words on every machine; when ``success`` is
        False it starts with ``"failed:"`` and names every reason.
    n_points, n_starts : int
        Number of data points and of initial points tried.
    huber_delta : float
    unidentified : tuple of str
        Parameters the data do not pin down (empty for a usable fit); a bootstrap gives
        them no interval.
    """

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    objective: float
    success: bool
    message: str
    n_points: int
    n_starts: int
    huber_delta: float
    unidentified: tuple = ()

    @property
    def params(self):
        """The five parameters as a dict, ready for ``laws.chinchilla_loss(N, D, **fit.params)``."""
        return {k: getattr(self, k) for k in PARAM_NAMES}

    @property
    def a(self):
        """Exponent of ``N_opt ∝ C**a``: ``beta / (alpha + beta)`` (NaN unless both are > 0)."""
        if not (self.alpha > 0 and self.beta > 0 and np.isfinite(self.alpha + self.beta)):
            return float("nan")
        return laws.compute_optimal_exponents(alpha=self.alpha, beta=self.beta)[0]

    def predict(self, N, D):
        """Predicted loss (nats/token) for parameters ``N`` and tokens ``D``.

        Evaluates the fitted formula whatever the outcome of the fit; check
        :attr:`success` before trusting it.  Raises ValueError if the parameters are not
        finite.
        """
        if not all(np.isfinite(v) for v in self.params.values()):
            raise ValueError(f"This fit has non-finite parameters ({self.message}); it cannot predict.")
        N = as_positive_array("N", N)
        D = as_positive_array("D", D)
        try:
            N, D = np.broadcast_arrays(N, D)
        except ValueError:
            raise ValueError(f"`N` (shape {np.shape(N)}) and `D` (shape {np.shape(D)}) do not "
                             "broadcast; pass one D per N.") from None
        with np.errstate(over="ignore", under="ignore"):
            out = self.E + self.A * N ** -self.alpha + self.B * D ** -self.beta
        return laws._scalar_or_array(out)

    def compute_optimal(self, C):
        """``(N_opt, D_opt)`` for FLOP budget ``C``; see :func:`scaling_utils.laws.compute_optimal`."""
        return laws.compute_optimal(C, A=self.A, B=self.B, alpha=self.alpha, beta=self.beta)

    def tokens_per_parameter(self, C):
        """Compute-optimal tokens per parameter at FLOP budget ``C``."""
        return laws.tokens_per_parameter(C, A=self.A, B=self.B, alpha=self.alpha, beta=self.beta)

    def to_series(self):
        """Parameters, objective and ``a`` as a :class:`pandas.Series`."""
        return pd.Series({**self.params, "a": self.a, "objective": self.objective})

    def summary(self):
        """A short, readable text summary (whatever the outcome of the fit)."""
        lines = [
            f"Chinchilla fit on {self.n_points} points from {self.n_starts} starts "
            f"(Huber delta = {self.huber_delta:g})",
            f"  E = {_fixed(self.E, 4)}   A = {_fixed(self.A, 2)}   B = {_fixed(self.B, 2)}",
            f"  alpha = {_fixed(self.alpha, 4)}   beta = {_fixed(self.beta, 4)}   "
            f"a = beta/(alpha+beta) = {_fixed(self.a, 4)}",
            f"  objective = {self.objective:.6g}   success = {self.success} ({self.message})",
        ]
        return "\n".join(lines)

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return "<pre>" + self.summary() + "</pre>"

    def plot(self, N, D, loss, *, ax=None):
        """Observed against predicted loss, with the diagonal. Imports matplotlib lazily.

        A fit that failed is drawn too, labelled as failed; without finite predictions
        only the observed losses are shown (against their rank).
        """
        import matplotlib.pyplot as plt

        loss = as_positive_array("loss", loss).ravel()
        if ax is None:
            _, ax = plt.subplots()
        try:
            pred = np.asarray(self.predict(N, D), dtype=float).ravel()
        except ValueError:
            pred = np.full(loss.shape, np.nan)
        label = "training runs" if self.success else "training runs (fit failed)"
        if np.isfinite(pred).all():
            ax.scatter(pred, loss, s=12, alpha=0.7, label=label)
            lo, hi = min(pred.min(), loss.min()), max(pred.max(), loss.max())
            ax.plot([lo, hi], [lo, hi], color="black", lw=1, label="perfect fit")
            ax.set_xlabel("predicted loss (nats/token)")
        else:
            ax.scatter(np.arange(loss.size), np.sort(loss), s=12, alpha=0.7, label=label + ", no predictions")
            ax.set_xlabel("run (sorted by loss)")
        ax.set_ylabel("observed loss (nats/token)")
        ax.legend()
        return ax


def _fixed(value, decimals):
    """``value`` with ``decimals`` decimals, or 4 significant digits if it is huge or tiny."""
    value = float(value)
    if np.isfinite(value) and value != 0 and not 1e-3 <= abs(value) < 1e6:
        return f"{value:.4g}"
    return f"{value:.{decimals}f}"


def _estimate_text(value, se):
    """A point estimate beside its bootstrap interval: to 1/100 of its standard error.

    Digits far below the statistical error are not reproducible either: the optimiser stops
    within a tolerance, and where the objective is flat (``B`` of the Chinchilla law) its last
    digits move with the machine's arithmetic. At most 4 decimals, as :func:`_fixed`.
    """
    value, se = float(value), float(se)
    if not (np.isfinite(value) and np.isfinite(se) and se > 0) or not 1e-3 <= abs(value) < 1e6:
        return _fixed(value, 4)
    decimals = int(min(max(-np.floor(np.log10(se / 100)), 0), 4))
    return f"{value:.{decimals}f}"


#: Share of failed resamples above which a bootstrap's intervals are not trusted.
MAX_FAILED_SHARE = 0.05


@dataclass(frozen=True)
class ChinchillaBootstrap:
    """Result of :func:`bootstrap_chinchilla`: refits on resampled data.

    Attributes
    ----------
    fit : ChinchillaFit
        The fit on the full data (the point estimate).
    samples : pandas.DataFrame
        One row per resample: ``E, A, B, alpha, beta, a``, ``converged`` (the refit
        reached a stationary point), ``success`` (it passed every check of
        :class:`ChinchillaFit`) and ``failure`` (the first reason it failed; empty for
        a successful refit).  Intervals use the successful rows only.
    confidence : float
        Level of the percentile intervals (e.g. 0.95).
    n_boot : int
    seed : int or None
        The seed, when one was given, so the reader can rerun it.
    success : bool
        Whether the intervals can be used: the full-data fit succeeded and at most
        :data:`MAX_FAILED_SHARE` of the resamples failed.
    message : str
    """

    fit: ChinchillaFit
    samples: pd.DataFrame = field(repr=False)
    confidence: float
    n_boot: int
    seed: int | None
    success: bool = True
    message: str = ""

    _QUANTITIES = ("E", "A", "B", "alpha", "beta", "a")

    def _good(self):
        return self.samples[self.samples["success"]]

    def interval(self, name):
        """Percentile interval of a quantity over the successful resamples.

        Returns a :class:`BootstrapInterval`: it unpacks as ``lo, hi`` and prints each end
        to its Monte-Carlo precision.  It is ``(nan, nan)`` for a parameter the full data
        do not identify, and when fewer than 20 resamples succeeded.
        """
        check_choice("name", name, self._QUANTITIES)
        blocked = set(self.fit.unidentified)
        if blocked & {"alpha", "beta"}:
            blocked.add("a")  # a = beta / (alpha + beta)
        if name in blocked:
            return BootstrapInterval(np.nan, np.nan, confidence=self.confidence,
                                     reason=f"{name} is not identified by the data")
        return percentile_interval(self._good()[name].to_numpy(), self.confidence)

    def table(self):
        """Estimate, bootstrap standard error and percentile interval of each quantity.

        Columns ``estimate, se, lower, upper, lower_mc_se, upper_mc_se``; the last two are
        the Monte-Carlo standard errors of the interval ends.
        """
        rows = {}
        point = self.fit.to_series()
        good = self._good()
        for name in self._QUANTITIES:
            iv = self.interval(name)
            rows[name] = {
                "estimate": point[name],
                "se": float(good[name].std(ddof=1)) if iv.defined else np.nan,
                "lower": iv.lower,
                "upper": iv.upper,
                "lower_mc_se": iv.lower_error,
                "upper_mc_se": iv.upper_error,
            }
        return pd.DataFrame(rows).T

    def derived(self, C):
        """Bootstrap samples of ``N_opt``, ``D_opt`` and tokens per parameter at FLOP budget ``C``.

        Returns a DataFrame with one row per successful resample.
        """
        C = check_positive_scalar("C", C)
        s = self._good()
        alpha, beta = s["alpha"].to_numpy(), s["beta"].to_numpy()
        N_opt, D_opt = laws._optimal_allocation(C, s["A"].to_numpy(), s["B"].to_numpy(), alpha, beta)
        return pd.DataFrame({"N_opt": N_opt, "D_opt": D_opt, "tokens_per_parameter": D_opt / N_opt})

    def derived_interval(self, C, name="tokens_per_parameter"):
        """Percentile interval (a :class:`BootstrapInterval`) of ``N_opt``, ``D_opt`` or
        ``tokens_per_parameter`` at ``C``."""
        check_choice("name", name, ("N_opt", "D_opt", "tokens_per_parameter"))
        values = self.derived(C)
        if {"A", "B", "alpha", "beta"} & set(self.fit.unidentified):
            return BootstrapInterval(np.nan, np.nan, confidence=self.confidence,
                                     reason="the exponents are not identified by the data")
        return percentile_interval(values[name].to_numpy(), self.confidence)

    @property
    def converged_fraction(self):
        """Share of resamples whose refit reached a stationary point."""
        return float(self.samples["converged"].mean())

    @property
    def failed_fraction(self):
        """Share of resamples whose refit failed a check (and is left out of the intervals)."""
        return float(1.0 - self.samples["success"].mean())

    def failures(self):
        """Number of failed resamples by reason (a :class:`pandas.Series`)."""
        f = self.samples.loc[~self.samples["success"], "failure"]
        return f.value_counts().sort_index(kind="stable")

    def summary(self):
        pct = round(100 * self.confidence)
        t = self.table()
        lines = [f"Bootstrap of the Chinchilla fit: {self.n_boot} resamples (seed {self.seed}), "
                 f"{pct}% percentile intervals (ends to their Monte-Carlo precision)",
                 f"  {int((~self.samples['success']).sum())} of {self.n_boot} refits failed"
                 + (" (" + ", ".join(f"{k}: {v}" for k, v in self.failures().items()) + ")"
                    if self.failed_fraction else "") + "; they are left out of the intervals"]
        for name, row in t.iterrows():
            iv = self.interval(name)
            text = f"[{iv.text(', ')}]  SE {row['se']:.3g}" if iv.defined else f"no interval ({iv.reason})"
            lines.append(f"  {name:>5} = {_estimate_text(row['estimate'], row['se']):>10}  {text}")
        lines.append(f"  success = {self.success} ({self.message})")
        return "\n".join(lines)

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return "<pre>" + self.summary() + "</pre>"

    def plot(self, name="a", *, ax=None):
        """Histogram of the bootstrap distribution of one quantity (successful refits)."""
        import matplotlib.pyplot as plt

        iv = self.interval(name)
        values = self._good()[name].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if ax is None:
            _, ax = plt.subplots()
        if values.size:
            ax.hist(values, bins=50, alpha=0.8)
        if iv.defined:
            ax.axvspan(iv.lower, iv.upper, alpha=0.15, color="grey",
                       label=f"{round(100 * self.confidence)}% interval")
        else:
            ax.plot([], [], " ", label=f"no interval: {iv.reason}")
        ax.set_xlabel(name)
        ax.set_ylabel("resamples")
        ax.legend()
        return ax


@dataclass(frozen=True)
class PowerLawFit:
    """Result of :func:`fit_power_law`: ``y = coefficient * x**exponent``.

    Attributes
    ----------
    exponent, coefficient : float
        Slope and ``exp(intercept)`` of the log-log least-squares line.
    exponent_interval, coefficient_interval : tuple of float
        Student-t intervals at ``confidence``.
    r_squared : float
        In log space.
    n_points : int
    confidence : float
    success : bool
        False (with NaN numbers) when the data cannot identify the line: a single
        distinct ``x``, or flat ``y``.
    message : str
    """

    exponent: float
    coefficient: float
    exponent_interval: tuple
    coefficient_interval: tuple
    r_squared: float
    n_points: int
    confidence: float
    success: bool = True
    message: str = "closed-form least squares"

    def predict(self, x):
        """``coefficient * x**exponent`` for positive ``x`` (ValueError if the fit failed)."""
        if not self.success:
            raise ValueError(f"This power-law fit failed ({self.message}); it has no predictions.")
        x = as_positive_array("x", x)
        return laws._scalar_or_array(self.coefficient * x**self.exponent)

    def summary(self):
        pct = round(100 * self.confidence)
        lo, hi = self.exponent_interval
        clo, chi = self.coefficient_interval
        return (
            f"Power law y = k x^s on {self.n_points} points (log-log least squares)\n"
            f"  s = {self.exponent:.4f}  [{lo:.4f}, {hi:.4f}] ({pct}%)\n"
            f"  k = {self.coefficient:.4g}  [{clo:.4g}, {chi:.4g}]\n"
            f"  R^2 (log space) = {self.r_squared:.4f}   success = {self.success} ({self.message})"
        )

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return "<pre>" + self.summary() + "</pre>"

    def plot(self, x, y, *, ax=None):
        """Data and fitted line on log-log axes (through :func:`scaling_utils.plotting.plot_fit`)."""
        from . import plotting

        x = as_positive_array("x", x)
        if not self.success:  # the data alone, labelled
            ax = plotting.plot_fit(x, y, ax=ax, data_label="data (power-law fit failed)")
            ax.legend()
            return ax
        grid = np.geomspace(x.min(), x.max(), 100)
        ax = plotting.plot_fit(x, y, curve_x=grid, curve_y=self.predict(grid), ax=ax,
                               data_label="data", label=f"fit, slope {self.exponent:.3f}")
        ax.legend()
        return ax


# --------------------------------------------------------------------------
# Public estimators
# --------------------------------------------------------------------------
def _theta_to_params(theta):
    a, b, e, alpha, beta = theta
    return {"E": float(np.exp(e)), "A": float(np.exp(a)), "B": float(np.exp(b)),
            "alpha": float(alpha), "beta": float(beta)}


_STOP_REASONS = {
    LBFGS_GRADIENT: "its gradient tolerance was met",
    LBFGS_FTOL: "it stopped on its f-tolerance",
    LBFGS_LINE_SEARCH: "its line search failed",
    LBFGS_MAXITER: "it hit the iteration limit",
}


def _check_init_grid(init_grid):
    if init_grid is None:
        return hoffmann_grid()
    try:
        grid = np.atleast_2d(np.asarray(init_grid, dtype=float))
    except (TypeError, ValueError, OverflowError):
        grid = np.empty((0, 0))
    if grid.ndim != 2 or grid.shape[0] == 0 or grid.shape[1] != _N_PARAMS or not np.isfinite(grid).all():
        raise ValueError(
            "`init_grid` must be a finite array of shape (k, 5) with columns "
            "(log A, log B, log E, alpha, beta); omit it to use Hoffmann's 4,500-point grid."
        )
    return grid


def fit_chinchilla(
    N,
    D,
    loss,
    *,
    huber_delta=1e-3,
    init_grid=None,
    maxiter=1000,
    polish=True,
):
    r"""Fit ``L = E + A/N**alpha + B/D**beta`` by Hoffmann et al.'s Approach 3.

    Parameters
    ----------
    N, D, loss : array_like
        Parameters, training tokens and final loss (nats/token), one per run.
    huber_delta : float, default 1e-3
        Huber threshold on log-loss residuals (Hoffmann et al. use 1e-3).
    init_grid : array_like of shape (k, 5), optional
        Starting points in the order ``(log A, log B, log E, alpha, beta)``;
        default :func:`hoffmann_grid` (4,500 points).
    maxiter : int, default 1000
        Iteration limit of the batched L-BFGS.
    polish : bool, default True
        Finish the best start with SciPy's L-BFGS-B (analytic gradient) and then Newton
        steps on the exact Hessian, so that the optimum is the same on every machine.

    Returns
    -------
    ChinchillaFit
        ``success`` is False, with every reason in ``message``, when the numbers cannot be
        used: not converged, non-finite, ``alpha`` or ``beta`` not positive, ``E`` not
        below the lowest loss, a term of the law vanished, or the data do not identify a
        parameter (``N`` or ``D`` constant, ``log N`` and ``log D`` collinear, flat losses,
        or a flat direction of the objective); ``unidentified`` names those parameters.

    Raises
    ------
    ValueError
        On NaN/inf, non-positive values, mismatched lengths or fewer than 6 points.
    TypeError
        If ``polish`` is not a bool.

    Notes
    -----
    Hoffmann et al. (2022), Appendix D.2, eq. 3; objective summed over points as in
    Besiroglu et al. (2024). Chapter: *Power laws*.
    """
    logN, logD, logL = _prepare(N, D, loss)
    delta = check_positive_scalar("huber_delta", huber_delta)
    maxiter = check_positive_int("maxiter", maxiter, maximum=10**7)
    polish = check_bool("polish", polish)
    grid = _check_init_grid(init_grid)

    with _BatchEvaluator(logN, logD, logL, delta) as fg:
        x, f, status, _ = _batched_lbfgs(grid, fg, maxiter=maxiter)
        f = np.where(np.isfinite(f), f, np.inf)
        best = int(np.argmin(f))
        theta, objective, stop = x[best], float(f[best]), int(status[best])
        how = "batched L-BFGS"
        if polish and np.isfinite(objective):
            def scalar_fg(t):
                fv, gv = fg(t[None, :], np.zeros(1, dtype=int))
                return float(fv[0]), gv[0]

            res = optimize.minimize(scalar_fg, theta, jac=True, method="L-BFGS-B",
                                    options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-12})
            if np.isfinite(res.fun) and res.fun <= objective:
                theta, objective = res.x, float(res.fun)
            x1, f1, _ = _newton_polish(theta[None, :], fg.with_hessian)
            theta, objective = x1[0], float(f1[0])
            how = "batched L-BFGS, polished with L-BFGS-B and Newton steps"
        grad = fg(theta[None, :], np.zeros(1, dtype=int))[1][0] if np.isfinite(objective) else np.full(5, np.nan)
    # Convergence is judged by the gradient at the optimum, not by how the optimiser
    # stopped: which stopping rule fires first depends on the last bits of the arithmetic
    # (and so on the CPU), the size of the gradient at the end does not.
    grad_max = float(np.max(np.abs(grad)))
    converged = grad_max <= GRADIENT_TOLERANCE
    problems = [] if converged else [
        (f"not converged: max |gradient| = {grad_max:.2g} > 1e-6 "
         f"({how}; {_STOP_REASONS[stop]})", ())]
    problems += _fit_problems(theta, logN, logD, logL)
    success = not problems
    if success:
        message = f"converged; {how}, max |gradient| < 1e-6"
    else:
        message = _diagnose.join_reasons([p for p, _ in problems])
    unidentified = tuple(name for name in PARAM_NAMES if any(name in names for _, names in problems))
    return ChinchillaFit(
        **_theta_to_params(theta),
        objective=objective,
        success=success,
        message=message,
        n_points=logN.size,
        n_starts=grid.shape[0],
        huber_delta=delta,
        unidentified=unidentified,
    )


def bootstrap_chinchilla(
    N,
    D,
    loss,
    *,
    n_boot=4000,
    rng=42,
    confidence=0.95,
    huber_delta=1e-3,
    fit=None,
    maxiter=1000,
):
    """Percentile bootstrap for the Chinchilla fit: resample runs, refit, repeat.

    Each resample draws ``len(N)`` runs with replacement and refits from the
    full-data optimum (all resamples in one batched L-BFGS, then Newton steps to the
    exact optimum of each).  Every refit is checked like :func:`fit_chinchilla`'s
    result (stationary, finite, positive exponents, floor below the lowest loss of the
    resample, no vanished term, every parameter identified by the resample); the refits
    that fail are left out of the intervals and counted.  The runs are put in a
    canonical order (by ``N``, then ``D``, then loss) before resampling, so the result
    does not depend on the order in which they were passed.

    Parameters
    ----------
    N, D, loss : array_like
        As for :func:`fit_chinchilla`.
    n_boot : int, default 4000
        Number of resamples (Besiroglu et al. use 4,000).
    rng : int or numpy.random.Generator, default 42
        Seed or generator for the resampling.
    confidence : float, default 0.95
        Level of the percentile intervals.
    huber_delta : float, default 1e-3
    fit : ChinchillaFit, optional
        A full-data fit to start from; computed if omitted.
    maxiter : int, default 1000

    Returns
    -------
    ChinchillaBootstrap
        ``success`` is False when the full-data fit failed or more than
        :data:`MAX_FAILED_SHARE` of the refits failed.  Parameters the full data do not
        identify get no interval (never a zero-width one).

    Notes
    -----
    Besiroglu et al. (2024), Sec. 3 (4,000 resamples). Chapter: *Power laws*.
    """
    logN, logD, logL = _prepare(N, D, loss)
    n_boot = check_positive_int("n_boot", n_boot, minimum=2, maximum=10**6)
    maxiter = check_positive_int("maxiter", maxiter, maximum=10**7)
    confidence = check_probability("confidence", confidence)
    delta = check_positive_scalar("huber_delta", huber_delta)
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer, np.random.Generator)):
        raise ArgumentTypeError("`rng` must be an integer seed or a numpy.random.Generator, e.g. rng=42.")
    seed = int(rng) if isinstance(rng, (int, np.integer)) else None
    if seed is not None and seed < 0:
        raise ValueError(f"`rng` must be a non-negative integer seed, got {seed}.")
    gen = np.random.default_rng(rng)
    if fit is None:
        fit = fit_chinchilla(np.exp(logN), np.exp(logD), np.exp(logL), huber_delta=delta)
    elif not isinstance(fit, ChinchillaFit):
        raise ArgumentTypeError("`fit` must be a ChinchillaFit from fit_chinchilla, or omitted.")
    order = np.lexsort((logL, logD, logN))
    logN, logD, logL = logN[order], logD[order], logL[order]
    n = logN.size
    idx = gen.integers(0, n, size=(n_boot, n))
    weights = np.zeros((n_boot, n))
    np.add.at(weights, (np.repeat(np.arange(n_boot), n), idx.ravel()), 1.0)
    theta_hat = np.array([np.log(fit.A), np.log(fit.B), np.log(fit.E), fit.alpha, fit.beta])
    if not np.isfinite(theta_hat).all():
        raise ValueError(f"`fit` has non-finite parameters ({fit.message}); there is nothing to bootstrap.")

    with _BatchEvaluator(logN, logD, logL, delta, weights) as fg:
        x, _, _, _ = _batched_lbfgs(
            np.tile(theta_hat, (n_boot, 1)), fg, maxiter=maxiter, gtol=1e-9, ftol=1e-12
        )
        x, f, g = _newton_polish(x, fg.with_hessian)
    converged = np.isfinite(f) & (np.max(np.abs(g), axis=1) <= GRADIENT_TOLERANCE)
    failed, reason = _failed_resamples(_chinchilla_checks(x, logN, logD, logL, weights), converged)
    samples = pd.DataFrame({
        "E": np.exp(x[:, 2]), "A": np.exp(x[:, 0]), "B": np.exp(x[:, 1]),
        "alpha": x[:, 3], "beta": x[:, 4],
    })
    with np.errstate(invalid="ignore", divide="ignore"):
        samples["a"] = samples["beta"] / (samples["alpha"] + samples["beta"])
    samples["converged"] = converged
    samples["success"] = ~failed
    samples["failure"] = reason.astype(str)
    share = float(failed.mean())
    if not fit.success:
        success, message = False, f"the full-data fit failed ({fit.message})"
    elif share > MAX_FAILED_SHARE:
        success, message = False, (f"{100 * share:.1f}% of the refits failed (more than "
                                   f"{100 * MAX_FAILED_SHARE:g}%): the intervals describe only the "
                                   "resamples that could be fitted")
    else:
        success, message = True, "the full-data fit succeeded and the intervals use every successful refit"
    return ChinchillaBootstrap(fit=fit, samples=samples, confidence=confidence, n_boot=n_boot,
                               seed=seed, success=success, message=message)


def fit_power_law(x, y, *, confidence=0.95):
    """Fit ``y = k * x**s`` by least squares on ``log y = log k + s log x``.

    Parameters
    ----------
    x, y : array_like
        Positive values, one pair per observation; at least 3 pairs.
    confidence : float, default 0.95
        Level of the Student-t intervals for ``s`` and ``k``.

    Returns
    -------
    PowerLawFit

    Notes
    -----
    Ordinary least squares in log-log space, the method behind Kaplan et al.
    (2020) Figs. 1 and Hoffmann et al. (2022) Approaches 1-2 exponents.
    Chapter: *Power laws* ("why fit in log space").
    """
    x = as_positive_array("x", x, ndim=1)
    y = as_positive_array("y", y, ndim=1)
    n = check_same_length(x=x, y=y)
    check_enough_points(n, 2, "A power law y = k x^s")
    confidence = check_probability("confidence", confidence)
    lx, ly = np.log(x), np.log(y)
    reasons = []
    if np.ptp(lx) == 0:
        reasons.append(f"every value of `x` is {x[0]:.6g}: a slope needs at least two different x")
    flat = _diagnose.flat_values_message("y", y)
    if flat:
        reasons.append(flat)
    if reasons:
        nan = float("nan")
        return PowerLawFit(exponent=nan, coefficient=nan, exponent_interval=(nan, nan),
                           coefficient_interval=(nan, nan), r_squared=nan, n_points=n,
                           confidence=confidence, success=False,
                           message=_diagnose.join_reasons(reasons))
    res = stats.linregress(lx, ly)
    tq = stats.t.ppf(0.5 + confidence / 2, n - 2)
    s_lo, s_hi = res.slope - tq * res.stderr, res.slope + tq * res.stderr
    i_lo, i_hi = res.intercept - tq * res.intercept_stderr, res.intercept + tq * res.intercept_stderr
    with np.errstate(over="ignore"):
        values = dict(
            exponent=float(res.slope),
            coefficient=float(np.exp(res.intercept)),
            exponent_interval=(float(s_lo), float(s_hi)),
            coefficient_interval=(float(np.exp(i_lo)), float(np.exp(i_hi))),
            r_squared=float(res.rvalue**2),
        )
    finite = all(np.isfinite(v).all() for v in values.values())
    return PowerLawFit(**values, n_points=n, confidence=confidence, success=finite,
                       message="closed-form least squares" if finite else
                       "failed: the least-squares line overflows (|log k| too large for a float)")
