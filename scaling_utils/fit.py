"""Estimators for scaling laws: the Chinchilla Approach 3 fit, its bootstrap, and
log-log power-law regression.

The Chinchilla fit follows Hoffmann et al. (2022), Appendix D.2 (eq. 3): minimise

    sum_i Huber_delta( LSE(a - alpha log N_i, b - beta log D_i, e) - log L_i )

over ``(a, b, e, alpha, beta)`` with ``A = exp(a)``, ``B = exp(b)``,
``E = exp(e)``, ``delta = 1e-3``, by L-BFGS from a grid of 4,500 starting points,
keeping the best.  Besiroglu et al. (2024) showed that the objective must be
*summed* over points (not averaged) to reproduce sensible intervals.

Speed: rather than calling :func:`scipy.optimize.minimize` 4,500 times, the
starts run together through one vectorised L-BFGS (``_batched_lbfgs``), and
the best of them is then polished with SciPy's L-BFGS-B.  The same batched
optimiser refits all bootstrap resamples at once.  ``benchmarks/bench_fit.py``
compares it with the plain per-start loop.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import product

import numpy as np
import pandas as pd
from scipy import optimize, stats

from . import laws
from ._validate import (
    as_positive_array,
    check_enough_points,
    check_positive_int,
    check_positive_scalar,
    check_probability,
    check_same_length,
)

__all__ = [
    "hoffmann_grid",
    "chinchilla_objective",
    "fit_chinchilla",
    "bootstrap_chinchilla",
    "fit_power_law",
    "ChinchillaFit",
    "ChinchillaBootstrap",
    "PowerLawFit",
]

PARAM_NAMES = ("E", "A", "B", "alpha", "beta")
_N_PARAMS = 5


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
    N = as_positive_array("N", N).ravel()
    D = as_positive_array("D", D).ravel()
    loss = as_positive_array("loss", loss).ravel()
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
    g[:, 3] = -(e1 @ logN)
    g[:, 4] = -(e2 @ logD)
    return f, g


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

    def __call__(self, theta, rows):
        if len(theta) <= self.chunk_rows:
            return self._one(theta, rows)
        blocks = [slice(i, i + self.chunk_rows) for i in range(0, len(theta), self.chunk_rows)]
        if self.pool is None:
            out = [self._one(theta[b], rows[b]) for b in blocks]
        else:
            out = list(self.pool.map(lambda b: self._one(theta[b], rows[b]), blocks))
        return np.concatenate([o[0] for o in out]), np.concatenate([o[1] for o in out])

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
    E, A, B, alpha, beta = laws._check_chinchilla_params(*(params[k] for k in PARAM_NAMES))
    theta = np.array([[np.log(A), np.log(B), np.log(E), alpha, beta]])
    return float(_objective_and_grad(theta, logN, logD, logL, delta)[0][0])


# --------------------------------------------------------------------------
# A vectorised L-BFGS over many independent problems
# --------------------------------------------------------------------------
def _batched_lbfgs(theta0, fg, *, memory=10, maxiter=1000, gtol=1e-7, ftol=1e-9, max_backtracks=30):
    """Minimise K independent smooth problems at once with L-BFGS.

    ``fg(theta, rows)`` returns objective (k,) and gradient (k, p) for the
    parameter rows ``theta`` (k, p) belonging to problem indices ``rows``.
    Each problem keeps its own memory and step; converged problems drop out.
    Line search: backtracking to the Armijo condition.  A memory pair that
    breaks the curvature condition is stored with ``rho = 0`` and so ignored.

    Returns (theta, f, converged, n_iter): arrays over the K problems.
    """
    K, p = theta0.shape
    x = theta0.astype(float).copy()
    f, g = fg(x, np.arange(K))
    S = np.zeros((K, memory, p))
    Y = np.zeros((K, memory, p))
    rho = np.zeros((K, memory))
    gamma = np.ones(K)
    n_iter = np.zeros(K, dtype=int)
    converged = np.max(np.abs(g), axis=1) <= gtol
    active = np.flatnonzero(~converged)
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
        done = (
            (np.max(np.abs(g_new), axis=1) <= gtol)
            | (accepted & (decrease <= ftol))
            | ~accepted
        )
        converged[active[done]] = True
        active = active[~done]
    return x, f, converged, n_iter


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
        Whether the fit converged: the L-BFGS-B polish met its tolerance, or the
        batched L-BFGS converged and the gradient at the optimum is below 1e-6.
    message : str
        How the fit ended (the same words on every machine), or why it is not
        trustworthy.
    n_points, n_starts : int
        Number of data points and of initial points tried.
    huber_delta : float
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

    @property
    def params(self):
        """The five parameters as a dict, ready for ``laws.chinchilla_loss(N, D, **fit.params)``."""
        return {k: getattr(self, k) for k in PARAM_NAMES}

    @property
    def a(self):
        """Exponent of ``N_opt ∝ C**a``: ``beta / (alpha + beta)``."""
        return laws.compute_optimal_exponents(alpha=self.alpha, beta=self.beta)[0]

    def predict(self, N, D):
        """Predicted loss (nats/token) for parameters ``N`` and tokens ``D``."""
        return laws.chinchilla_loss(N, D, **self.params)

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
        """A short, readable text summary."""
        lines = [
            f"Chinchilla fit on {self.n_points} points from {self.n_starts} starts "
            f"(Huber delta = {self.huber_delta:g})",
            f"  E = {self.E:.4f}   A = {self.A:.2f}   B = {self.B:.2f}",
            f"  alpha = {self.alpha:.4f}   beta = {self.beta:.4f}   a = beta/(alpha+beta) = {self.a:.4f}",
            f"  objective = {self.objective:.6g}   success = {self.success} ({self.message})",
        ]
        return "\n".join(lines)

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return "<pre>" + self.summary() + "</pre>"

    def plot(self, N, D, loss, *, ax=None):
        """Observed against predicted loss, with the diagonal. Imports matplotlib lazily."""
        import matplotlib.pyplot as plt

        loss = as_positive_array("loss", loss)
        pred = np.asarray(self.predict(N, D))
        if ax is None:
            _, ax = plt.subplots()
        ax.scatter(pred, loss, s=12, alpha=0.7, label="training runs")
        lo, hi = min(pred.min(), loss.min()), max(pred.max(), loss.max())
        ax.plot([lo, hi], [lo, hi], color="black", lw=1, label="perfect fit")
        ax.set_xlabel("predicted loss (nats/token)")
        ax.set_ylabel("observed loss (nats/token)")
        ax.legend()
        return ax


@dataclass(frozen=True)
class ChinchillaBootstrap:
    """Result of :func:`bootstrap_chinchilla`: refits on resampled data.

    Attributes
    ----------
    fit : ChinchillaFit
        The fit on the full data (the point estimate).
    samples : pandas.DataFrame
        One row per resample: ``E, A, B, alpha, beta, a, converged``.
    confidence : float
        Level of the percentile intervals (e.g. 0.95).
    n_boot : int
    seed : int or None
        The seed, when one was given, so the reader can rerun it.
    """

    fit: ChinchillaFit
    samples: pd.DataFrame = field(repr=False)
    confidence: float
    n_boot: int
    seed: int | None

    def interval(self, name):
        """Percentile interval ``(lo, hi)`` of a column of :attr:`samples`."""
        if name not in self.samples.columns or name == "converged":
            known = [c for c in self.samples.columns if c != "converged"]
            raise ValueError(f"Unknown quantity {name!r}; choose one of {known}.")
        tail = 100 * (1 - self.confidence) / 2
        lo, hi = np.percentile(self.samples[name].to_numpy(), [tail, 100 - tail])
        return float(lo), float(hi)

    def table(self):
        """Estimate, bootstrap standard error and percentile interval of each quantity."""
        rows = {}
        point = self.fit.to_series()
        for name in ("E", "A", "B", "alpha", "beta", "a"):
            lo, hi = self.interval(name)
            rows[name] = {
                "estimate": point[name],
                "se": float(self.samples[name].std(ddof=1)),
                "lower": lo,
                "upper": hi,
            }
        return pd.DataFrame(rows).T

    def derived(self, C):
        """Bootstrap samples of ``N_opt``, ``D_opt`` and tokens per parameter at FLOP budget ``C``.

        Returns a DataFrame with one row per resample.
        """
        C = check_positive_scalar("C", C)
        s = self.samples
        alpha, beta = s["alpha"].to_numpy(), s["beta"].to_numpy()
        N_opt, D_opt = laws._optimal_allocation(C, s["A"].to_numpy(), s["B"].to_numpy(), alpha, beta)
        return pd.DataFrame({"N_opt": N_opt, "D_opt": D_opt, "tokens_per_parameter": D_opt / N_opt})

    def derived_interval(self, C, name="tokens_per_parameter"):
        """Percentile interval of a derived quantity (``N_opt``, ``D_opt``, ``tokens_per_parameter``) at ``C``."""
        values = self.derived(C)
        if name not in values.columns:
            raise ValueError(f"Unknown derived quantity {name!r}; choose one of {list(values.columns)}.")
        tail = 100 * (1 - self.confidence) / 2
        lo, hi = np.percentile(values[name].to_numpy(), [tail, 100 - tail])
        return float(lo), float(hi)

    @property
    def converged_fraction(self):
        """Share of resamples whose refit converged."""
        return float(self.samples["converged"].mean())

    def summary(self):
        pct = round(100 * self.confidence)
        t = self.table()
        lines = [f"Bootstrap of the Chinchilla fit: {self.n_boot} resamples (seed {self.seed}), "
                 f"{pct}% percentile intervals, {100 * self.converged_fraction:.1f}% converged"]
        for name, row in t.iterrows():
            lines.append(f"  {name:>5} = {row['estimate']:10.4g}  [{row['lower']:.4g}, {row['upper']:.4g}]  SE {row['se']:.3g}")
        return "\n".join(lines)

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return "<pre>" + self.summary() + "</pre>"

    def plot(self, name="a", *, ax=None):
        """Histogram of the bootstrap distribution of one quantity."""
        import matplotlib.pyplot as plt

        lo, hi = self.interval(name)
        if ax is None:
            _, ax = plt.subplots()
        ax.hist(self.samples[name], bins=50, alpha=0.8)
        ax.axvspan(lo, hi, alpha=0.15, color="grey", label=f"{round(100 * self.confidence)}% interval")
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
        """``coefficient * x**exponent`` for positive ``x``."""
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
            f"  R^2 (log space) = {self.r_squared:.4f}"
        )

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return "<pre>" + self.summary() + "</pre>"

    def plot(self, x, y, *, ax=None):
        """Data and fitted line on log-log axes (through :func:`scaling_utils.plotting.plot_fit`)."""
        from . import plotting

        x = as_positive_array("x", x)
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
        Finish the best start with SciPy's L-BFGS-B (analytic gradient).

    Returns
    -------
    ChinchillaFit

    Raises
    ------
    ValueError
        On NaN/inf, non-positive values, mismatched lengths or fewer than 6 points.

    Notes
    -----
    Hoffmann et al. (2022), Appendix D.2, eq. 3; objective summed over points as in
    Besiroglu et al. (2024). Chapter: *Power laws*.
    """
    logN, logD, logL = _prepare(N, D, loss)
    delta = check_positive_scalar("huber_delta", huber_delta)
    maxiter = check_positive_int("maxiter", maxiter)
    try:
        grid = hoffmann_grid() if init_grid is None else np.atleast_2d(np.asarray(init_grid, dtype=float))
    except (TypeError, ValueError):
        grid = np.empty((0, 0))
    if grid.ndim != 2 or grid.shape[0] == 0 or grid.shape[1] != _N_PARAMS or not np.isfinite(grid).all():
        raise ValueError(
            "`init_grid` must be a finite array of shape (k, 5) with columns "
            "(log A, log B, log E, alpha, beta); omit it to use Hoffmann's 4,500-point grid."
        )

    with _BatchEvaluator(logN, logD, logL, delta) as fg:
        x, f, converged, _ = _batched_lbfgs(grid, fg, maxiter=maxiter)
    f = np.where(np.isfinite(f), f, np.inf)
    best = int(np.argmin(f))
    theta, objective = x[best], float(f[best])
    success = bool(converged[best])
    message = "batched L-BFGS converged" if success else "batched L-BFGS hit the iteration limit"
    if polish:
        def scalar_fg(t):
            fv, gv = _objective_and_grad(t[None, :], logN, logD, logL, delta)
            return float(fv[0]), gv[0]

        res = optimize.minimize(scalar_fg, theta, jac=True, method="L-BFGS-B",
                                options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-12})
        if res.fun <= objective:
            theta, objective = res.x, float(res.fun)
        # At an optimum, whether L-BFGS-B stops on its f-tolerance ("CONVERGENCE") or on a
        # line search that cannot improve ("ABNORMAL") depends on the last bits of the
        # arithmetic, which differ between CPUs (AVX2 vs AVX-512 kernels in NumPy and
        # OpenBLAS).  So the message states the outcome, not SciPy's wording, and the
        # printed summary is the same on every machine.
        grad_small = np.max(np.abs(scalar_fg(theta)[1])) < 1e-6
        success = bool(res.success or (success and grad_small))
        if success:
            message = ("converged; polished with L-BFGS-B, max |gradient| "
                       + ("< 1e-6" if grad_small else ">= 1e-6 (its f-tolerance was met)"))
        else:
            message = f"not converged; L-BFGS-B polish: {res.message}"
    return ChinchillaFit(
        **_theta_to_params(theta),
        objective=objective,
        success=success,
        message=str(message),
        n_points=logN.size,
        n_starts=grid.shape[0],
        huber_delta=delta,
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
    full-data optimum (all resamples in one batched L-BFGS).

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

    Notes
    -----
    Besiroglu et al. (2024), Sec. 3 (4,000 resamples). Chapter: *Power laws*.
    """
    logN, logD, logL = _prepare(N, D, loss)
    n_boot = check_positive_int("n_boot", n_boot, minimum=2)
    maxiter = check_positive_int("maxiter", maxiter)
    confidence = check_probability("confidence", confidence)
    delta = check_positive_scalar("huber_delta", huber_delta)
    seed = int(rng) if isinstance(rng, (int, np.integer)) else None
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer, np.random.Generator)):
        raise ValueError("`rng` must be an integer seed or a numpy.random.Generator, e.g. rng=42.")
    gen = np.random.default_rng(rng)
    if fit is None:
        fit = fit_chinchilla(np.exp(logN), np.exp(logD), np.exp(logL), huber_delta=delta)
    elif not isinstance(fit, ChinchillaFit):
        raise ValueError("`fit` must be a ChinchillaFit from fit_chinchilla, or omitted.")
    n = logN.size
    idx = gen.integers(0, n, size=(n_boot, n))
    weights = np.zeros((n_boot, n))
    np.add.at(weights, (np.repeat(np.arange(n_boot), n), idx.ravel()), 1.0)
    theta_hat = np.array([np.log(fit.A), np.log(fit.B), np.log(fit.E), fit.alpha, fit.beta])

    with _BatchEvaluator(logN, logD, logL, delta, weights) as fg:
        x, _, converged, _ = _batched_lbfgs(
            np.tile(theta_hat, (n_boot, 1)), fg, maxiter=maxiter, gtol=1e-9, ftol=1e-12
        )
    samples = pd.DataFrame({
        "E": np.exp(x[:, 2]), "A": np.exp(x[:, 0]), "B": np.exp(x[:, 1]),
        "alpha": x[:, 3], "beta": x[:, 4],
    })
    samples["a"] = samples["beta"] / (samples["alpha"] + samples["beta"])
    samples["converged"] = converged
    return ChinchillaBootstrap(fit=fit, samples=samples, confidence=confidence, n_boot=n_boot, seed=seed)


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
    x = as_positive_array("x", x).ravel()
    y = as_positive_array("y", y).ravel()
    n = check_same_length(x=x, y=y)
    check_enough_points(n, 2, "A power law y = k x^s")
    confidence = check_probability("confidence", confidence)
    lx, ly = np.log(x), np.log(y)
    if np.ptp(lx) == 0:
        raise ValueError("`x` has a single distinct value; a slope needs at least two different x.")
    res = stats.linregress(lx, ly)
    tq = stats.t.ppf(0.5 + confidence / 2, n - 2)
    s_lo, s_hi = res.slope - tq * res.stderr, res.slope + tq * res.stderr
    i_lo, i_hi = res.intercept - tq * res.intercept_stderr, res.intercept + tq * res.intercept_stderr
    return PowerLawFit(
        exponent=float(res.slope),
        coefficient=float(np.exp(res.intercept)),
        exponent_interval=(float(s_lo), float(s_hi)),
        coefficient_interval=(float(np.exp(i_lo)), float(np.exp(i_hi))),
        r_squared=float(res.rvalue**2),
        n_points=n,
        confidence=confidence,
    )
