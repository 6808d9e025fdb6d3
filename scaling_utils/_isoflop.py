"""Compute-optimal allocation from training runs: Hoffmann et al.'s Approaches 1 and 2.

Hoffmann et al. (2022), *Training Compute-Optimal Large Language Models*, Section 3:

* **Approach 2, IsoFLOP profiles** (Section 3.2, Figure 3): train several sizes at each of a
  few fixed budgets ``C``; at each budget fit a parabola to the final loss against
  ``log(size)``; its minimum is the compute-optimal size at that budget; then fit
  ``size_opt = coefficient * C**exponent`` to the minima.  :func:`fit_isoflop`.
* **Approach 1, the lower envelope** (Section 3.1, Figure 2): over all runs (or checkpoints),
  the lowest loss reached at each compute; the size of the run that reaches it; then the
  same power law.  :func:`fit_envelope`.

Both are public through :mod:`scaling_utils.fit` (``fit.fit_isoflop``, ``fit.fit_envelope``).
Both bootstrap the whole procedure: :func:`fit_isoflop` resamples runs within each budget,
:func:`fit_envelope` resamples runs (or whole runs' checkpoints, with ``groups``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import laws
from ._interval import BootstrapInterval, percentile_interval
from ._validate import (
    ArgumentTypeError,
    _check_ndim,
    _to_float_array,
    as_positive_array,
    as_positive_array,
    check_choice,
    check_positive_int,
    check_probability,
    check_same_length,
)

__all__ = ["fit_isoflop", "fit_envelope", "IsoFLOPFit", "EnvelopeFit", "assign_budgets"]

#: Largest number of resamples accepted (a bound, so a typo cannot ask for hours of work).
MAX_BOOT = 100_000
#: A resampled fit fails when fewer than 3 of its budgets have a usable minimum; more than
#: this share of failed resamples makes the bootstrap unusable (``success=False``).
MAX_FAILED_SHARE = 0.05
#: A parabola whose rise across the sizes tried is below this share of the loss is flat:
#: its "minimum" would be rounding noise.
FLAT = 1e-9


# --------------------------------------------------------------------------- validation
def _rng(rng):
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, (int, np.integer)) or rng < 0:
        raise ArgumentTypeError(
            f"`rng` must be a non-negative int seed or a numpy.random.Generator, got {type(rng).__name__} {rng!r:.40}.")
    return np.random.default_rng(int(rng))


def _n_boot(n_boot):
    if isinstance(n_boot, (int, np.integer)) and not isinstance(n_boot, (bool, np.bool_)) and n_boot == 0:
        return 0
    return check_positive_int("n_boot", n_boot, maximum=MAX_BOOT)


def _numbers(name, values):
    """A non-empty 1-D float array; NaN allowed (the caller says what NaN means)."""
    arr = _to_float_array(name, values)
    _check_ndim(name, arr, 1)
    if arr.size == 0:
        raise ValueError(f"`{name}` is empty; pass one value per run.")
    return arr


def _loss_column(loss, n):
    """``loss`` as floats (NaN allowed: those runs are left out; infinity is an error)."""
    values = _numbers("loss", loss)
    if len(values) != n:
        raise ValueError(f"`loss` has {len(values)} values but `C` has {n}: pass one loss per run.")
    if np.isinf(values).any():
        raise ValueError("`loss` holds an infinite value; pass finite losses (NaN marks a missing run).")
    if (values[np.isfinite(values)] <= 0).any():
        raise ValueError("`loss` must be positive (a cross-entropy in nats or bits per token).")
    return values


def _runs(C, size, loss):
    """Validated ``C``, ``size``, ``loss``: a run with a NaN loss is missing (its ``C`` and
    ``size`` may be NaN too, as in a file's placeholder row); every other run needs a
    positive ``C`` and ``size``."""
    loss = _numbers("loss", loss)
    missing = np.isnan(loss)
    C = _numbers("C", C)
    size = _numbers("size", size)
    check_same_length(C=C, size=size, loss=loss)
    loss = _loss_column(loss, loss.size)
    for name, values in (("C", C), ("size", size)):
        bad = ~missing & ~(np.isfinite(values) & (values > 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"`{name}` must be positive and finite for every run with a loss; "
                             f"run {i} has {name} = {values[i]!r}.")
    C, size = C.copy(), size.copy()
    C[missing & ~(C > 0)] = 1.0  # placeholders: never used, since their loss is NaN
    size[missing & ~(size > 0)] = 1.0
    return C, size, loss


# --------------------------------------------------------------------------- power law in C
def _power_law(logC, logS):
    """Least-squares line ``logS = intercept + slope logC`` per row of 2-D arrays (NaN-safe rows)."""
    xm = logC.mean(axis=-1, keepdims=True)
    ym = logS.mean(axis=-1, keepdims=True)
    sxx = ((logC - xm) ** 2).sum(axis=-1)
    slope = ((logC - xm) * (logS - ym)).sum(axis=-1) / sxx
    intercept = ym[..., 0] - slope * xm[..., 0]
    return slope, intercept


def _masked_power_law(logC, logS):
    """Least-squares lines through the finite entries of each row of ``logS`` (NaN with
    fewer than 3 finite entries or a single distinct ``logC``)."""
    m = np.isfinite(logS)
    k = m.sum(axis=1)
    x = np.where(m, logC[None, :], 0.0)
    y = np.where(m, logS, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        xm = x.sum(axis=1) / k
        ym = y.sum(axis=1) / k
        dx = np.where(m, logC[None, :] - xm[:, None], 0.0)
        sxx = (dx**2).sum(axis=1)
        slope = (dx * np.where(m, logS - ym[:, None], 0.0)).sum(axis=1) / sxx
        intercept = ym - slope * xm
    bad = (k < 3) | ~(sxx > 0)
    slope[bad], intercept[bad] = np.nan, np.nan
    return slope, intercept


def _budget_line(logC, logS):
    """Slope, intercept and the slope's standard error of the line through the minima."""
    slope, intercept = _power_law(logC[None, :], logS[None, :])
    slope, intercept = float(slope[0]), float(intercept[0])
    k = logC.size
    resid = logS - (intercept + slope * logC)
    se = math.sqrt(resid @ resid / (k - 2) / ((logC - logC.mean()) @ (logC - logC.mean()))) if k > 2 else math.nan
    return slope, intercept, se


# --------------------------------------------------------------------------- parabolas
def _parabolas(u, y, w):
    """Weighted least-squares parabolas ``y = c0 + c1 u + c2 u^2`` for each row of weights ``w``.

    ``u``, ``y``: one budget's centred log sizes and losses (length n); ``w``: (m, n) counts
    of each run in each resample (the full fit is one row of ones).  Returns ``(c0, c1, c2)``
    arrays of length m (NaN where the normal equations are singular).
    """
    powers = np.stack([np.ones_like(u), u, u**2, u**3, u**4])        # (5, n)
    S = w @ powers.T                                                   # (m, 5): sum w u^k
    T = w @ (powers[:3] * y).T                                         # (m, 3): sum w y u^k
    M = np.stack([S[:, [0, 1, 2]], S[:, [1, 2, 3]], S[:, [2, 3, 4]]], axis=1)  # (m, 3, 3)
    det = np.linalg.det(M)
    scale = np.maximum(np.abs(M).max(axis=(1, 2)) ** 3, 1e-300)
    ok = np.abs(det) > 1e-12 * scale
    coef = np.full((len(w), 3), np.nan)
    if ok.any():
        coef[ok] = np.linalg.solve(M[ok], T[ok][..., None])[..., 0]
    return coef[:, 0], coef[:, 1], coef[:, 2]


@dataclass(frozen=True)
class _Budget:
    """One budget's runs, prepared for the parabola fits."""

    C: float
    size: np.ndarray       # runs used, in increasing size
    loss: np.ndarray
    centre: float          # mean log size (the parabola is fitted in log size - centre)
    all_size: np.ndarray   # every run with a loss (the bootstrap draws from these)
    all_loss: np.ndarray
    dropped_nan: int
    reason: str            # why the budget is left out ("" if it is used)


def _prepare_budget(C, size, loss, *, min_points, neighbours):
    finite = np.isfinite(loss)
    size, loss = size[finite], loss[finite]
    order = np.argsort(size, kind="stable")
    size, loss = size[order], loss[order]
    all_size, all_loss = size, loss
    distinct = np.unique(size)
    reason = ""
    if neighbours is not None and distinct.size:
        best = size[np.argmin(loss)]
        rank = np.searchsorted(distinct, best)
        keep = distinct[max(rank - neighbours, 0): rank + neighbours + 1]
        mask = np.isin(size, keep)
        size, loss = size[mask], loss[mask]
        distinct = keep
    if distinct.size < min_points:
        reason = f"only {distinct.size} distinct size(s); a parabola needs {min_points}"
    centre = float(np.log(size).mean()) if size.size else math.nan
    return _Budget(C=C, size=size, loss=loss, centre=centre, all_size=all_size, all_loss=all_loss,
                   dropped_nan=int((~finite).sum()), reason=reason)


#: Grid points per gap between tried sizes on which the Akima spline's minimum is searched
#: (Porian et al.'s ``analysis.py`` uses 25).
AKIMA_POINTS_PER_GAP = 25


def _akima_minimum(u, loss):
    """Porian et al. (2024), Section 3 and their ``analysis.py``: an Akima spline through
    ``(ln size, ln loss)`` (the lowest loss per size), its minimum on a fine grid.

    Returns ``(vertex, loss_at_vertex)`` in the units of ``u`` and loss; NaN if fewer than 3
    distinct sizes, or if the minimum is at either end of the grid (an open-ended profile).
    """
    from scipy.interpolate import Akima1DInterpolator

    sizes = np.unique(u)
    if sizes.size < 3:
        return math.nan, math.nan
    lowest = np.array([loss[u == x].min() for x in sizes])
    spline = Akima1DInterpolator(sizes, np.log(lowest))
    grid = np.linspace(sizes[0], sizes[-1], (sizes.size - 1) * AKIMA_POINTS_PER_GAP)
    values = spline(grid)
    i = int(np.argmin(values))
    if i == 0 or i == grid.size - 1:
        return math.nan, math.nan
    return float(grid[i]), float(math.exp(values[i]))


def _window(u, loss, weights, neighbours):
    """Per resample (row of ``weights``), keep the lowest-loss drawn run and the
    ``neighbours`` drawn distinct sizes on either side of it: the local window of
    ``fit_isoflop(neighbours=...)``, chosen again on every resample."""
    distinct, which = np.unique(u, return_inverse=True)          # runs -> distinct size index
    present = np.zeros((weights.shape[0], distinct.size), bool)
    rows = np.arange(weights.shape[0])
    for j in range(distinct.size):
        present[:, j] = weights[:, which == j].sum(axis=1) > 0
    masked = np.where(weights > 0, loss[None, :], np.inf)
    best = which[np.argmin(masked, axis=1)]                      # distinct index of the best run
    rank = np.cumsum(present, axis=1)                            # 1-based rank among drawn sizes
    best_rank = rank[rows, best]
    keep = present & (np.abs(rank - best_rank[:, None]) <= neighbours)
    return weights * keep[:, which]


def _vertices(u, loss, c0, c1, c2, weights):
    """Log-size offset of each parabola's minimum, NaN unless it is a minimum inside the
    sizes drawn for that resample (or with fewer than 3 distinct sizes drawn)."""
    drawn = weights > 0
    lo = np.where(drawn, u[None, :], np.inf).min(axis=1)
    hi = np.where(drawn, u[None, :], -np.inf).max(axis=1)
    n_distinct = np.array([np.unique(u[row]).size for row in drawn])
    with np.errstate(divide="ignore", invalid="ignore"):
        vertex = -c1 / (2 * c2)
    scale = FLAT * np.where(drawn, np.abs(loss)[None, :], 0).max(axis=1)
    usable = (c2 * (hi - lo) ** 2 > scale) & (vertex >= lo) & (vertex <= hi) & (n_distinct >= 3)
    return np.where(usable, vertex, np.nan)


# --------------------------------------------------------------------------- results
def _interval_text(interval: BootstrapInterval) -> str:
    return interval.text() if interval.defined else f"no interval ({interval.reason})"


@dataclass(frozen=True)
class _CompoundFit:
    """What :class:`IsoFLOPFit` and :class:`EnvelopeFit` share: the power law in ``C``."""

    exponent: float
    coefficient: float
    success: bool
    message: str
    confidence: float
    n_boot: int
    samples: pd.DataFrame = field(repr=False)
    size_name: str = "size"

    def predict(self, C):
        """``coefficient * C**exponent``: the compute-optimal size at budget(s) ``C``.

        Raises ValueError if the fit did not succeed (its numbers are not usable).
        """
        if not self.success:
            raise ValueError(f"This fit did not succeed ({self.message}); it has no predictions.")
        C = as_positive_array("C", C)
        with np.errstate(over="ignore"):
            out = np.exp(math.log(self.coefficient) + self.exponent * np.log(C))
        return laws._scalar_or_array(out)

    def interval(self, name: str = "exponent") -> BootstrapInterval:
        """Bootstrap percentile interval of ``"exponent"`` or ``"coefficient"``.

        ``(nan, nan)`` with a reason when the bootstrap was not run or too few resamples
        succeeded.  Each end carries its Monte-Carlo error (print it with ``str``).
        """
        if not isinstance(name, str) or name not in ("exponent", "coefficient"):
            raise ValueError(f"`name` must be 'exponent' or 'coefficient', got {name!r:.40}.")
        if self.n_boot == 0 or self.samples.empty:
            return BootstrapInterval(math.nan, math.nan, confidence=self.confidence,
                                     reason="no bootstrap (n_boot=0)")
        values = self.samples[name].to_numpy()
        if not self.success:
            return BootstrapInterval(math.nan, math.nan, confidence=self.confidence,
                                     reason=f"the fit did not succeed ({self.message})")
        return percentile_interval(values, self.confidence)

    def predict_interval(self, C) -> BootstrapInterval:
        """Bootstrap percentile interval of the compute-optimal size at one budget ``C``."""
        from ._validate import check_positive_scalar

        C = check_positive_scalar("C", C)
        if not self.success or self.n_boot == 0 or self.samples.empty:
            return BootstrapInterval(math.nan, math.nan, confidence=self.confidence,
                                     reason="no usable bootstrap")
        s = self.samples
        with np.errstate(over="ignore", invalid="ignore"):
            values = np.exp(np.log(s["coefficient"].to_numpy()) + s["exponent"].to_numpy() * math.log(C))
        return percentile_interval(values, self.confidence)

    @property
    def failed_fraction(self) -> float:
        """Share of bootstrap resamples that could not be refitted (NaN without a bootstrap)."""
        if self.samples.empty:
            return math.nan
        return float(self.samples["exponent"].isna().mean())

    def _line(self):
        pct = round(100 * self.confidence)
        if not math.isfinite(self.exponent):
            return "  no power law"
        lo_hi = _interval_text(self.interval("exponent"))
        return (f"  {self.size_name}_opt = {self.coefficient:.4g} * C^{self.exponent:.4f}\n"
                f"  exponent {pct}% bootstrap interval: {lo_hi} ({self.n_boot} resamples)")

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return "<pre>" + self.summary() + "</pre>"


@dataclass(frozen=True)
class IsoFLOPFit(_CompoundFit):
    """Result of :func:`fit_isoflop` (Hoffmann et al. 2022, Approach 2).

    Attributes
    ----------
    minima : pandas.DataFrame
        One row per budget, in increasing ``budget``: ``budget`` (FLOP), ``size_opt`` (the
        parabola's minimum; NaN if the budget is left out), ``loss_opt`` (the parabola's
        value there), ``curvature`` (second derivative of loss in ``ln size`` at the
        minimum, ``2 c2``), ``points`` (runs used), ``dropped_nan`` (runs with a NaN loss),
        ``inside_range`` (the minimum lies within the sizes tried), ``used`` and
        ``reason`` (why a budget is left out: too few sizes, concave, open-ended).
    exponent, coefficient : float
        ``size_opt = coefficient * C**exponent`` by least squares in log-log space on the
        used budgets.  NaN when fewer than 3 budgets are usable.
    exponent_se : float
        Least-squares standard error of ``exponent`` (treats the minima as exact).
    success : bool
        True when at least 3 budgets are usable, the numbers are finite and (with a
        bootstrap) at most 5% of the resamples failed.
    message : str
    samples : pandas.DataFrame
        The bootstrap's ``exponent`` and ``coefficient`` per resample (NaN: failed).
    """

    minima: pd.DataFrame = field(default=None, repr=False)
    exponent_se: float = math.nan
    neighbours: int | None = None
    points: pd.DataFrame = field(default=None, repr=False)
    method: str = "parabola"

    def summary(self) -> str:
        used = self.minima[self.minima["used"]]
        left = self.minima[~self.minima["used"]]
        how = "parabolas in ln size" if self.method == "parabola" else "Akima splines in ln size, ln loss"
        lines = [f"IsoFLOP fit (Approach 2, {how}): {len(used)} of {len(self.minima)} budgets used"
                 + ("" if self.neighbours is None else f", parabolas on the lowest point and {self.neighbours} "
                    "sizes either side"),
                 self._line()]
        for row in left.itertuples():
            lines.append(f"  left out: C = {row.budget:.3g} ({row.reason})")
        lines.append(f"  success = {self.success} ({self.message})")
        return "\n".join(lines)

    def plot(self, ax=None):
        """Left: the IsoFLOP profiles and their parabolas; right: the minima and the power law.

        With ``ax`` (a pair of matplotlib axes) draws into them; returns the pair.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(1, 2, figsize=(10, 3.8))
        left, right = ax
        palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        for i, row in enumerate(self.minima.itertuples()):
            pts = self.points[self.points["budget"] == row.budget]
            colour = palette[i % len(palette)]
            left.scatter(pts["size"], pts["loss"], s=10, color=colour, alpha=0.8 if row.used else 0.3)
            if row.used:
                u = np.log(pts["size"].to_numpy())
                grid = np.linspace(u.min(), u.max(), 60)
                if self.method == "akima":
                    from scipy.interpolate import Akima1DInterpolator

                    sizes = np.unique(u)
                    lowest = [pts["loss"].to_numpy()[u == x].min() for x in sizes]
                    curve = np.exp(Akima1DInterpolator(sizes, np.log(lowest))(grid))
                else:
                    curve = row.loss_opt + row.curvature / 2 * (grid - math.log(row.size_opt)) ** 2
                left.plot(np.exp(grid), curve, color=colour, label=f"{row.budget:.2g}")
                left.scatter([row.size_opt], [row.loss_opt], marker="x", color="k", s=20, zorder=3)
        left.set_xscale("log")
        left.set_xlabel(self.size_name)
        left.set_ylabel("loss")
        if self.minima["used"].any():  # no labelled curve otherwise (matplotlib would warn)
            left.legend(title="budget C", fontsize=7, ncols=2)
        used = self.minima[self.minima["used"]]
        right.scatter(used["budget"], used["size_opt"], color="k", s=14, label="parabola minima")
        if self.success:
            grid = np.geomspace(used["budget"].min(), used["budget"].max(), 50)
            right.plot(grid, self.predict(grid), label=f"power law, exponent {self.exponent:.3f}")
        right.set_xscale("log")
        right.set_yscale("log")
        right.set_xlabel("compute C (FLOP)")
        right.set_ylabel(f"{self.size_name}_opt")
        right.legend(fontsize=8)
        return ax


@dataclass(frozen=True)
class EnvelopeFit(_CompoundFit):
    """Result of :func:`fit_envelope` (Hoffmann et al. 2022, Approach 1).

    Attributes
    ----------
    frontier : pandas.DataFrame
        One row per compute bin with runs: ``C_low``, ``C_high`` (bin edges), ``C`` (compute
        of the lowest-loss point in the bin), ``size_opt`` (its size), ``loss_opt``,
        ``points`` (points in the bin) and ``used``.
    exponent, coefficient : float
        ``size_opt = coefficient * C**exponent`` by log-log least squares on the frontier.
    success, message, samples
        As for :class:`IsoFLOPFit`.
    """

    frontier: pd.DataFrame = field(default=None, repr=False)
    exponent_se: float = math.nan

    def summary(self) -> str:
        used = self.frontier[self.frontier["used"]]
        return "\n".join([f"Lower-envelope fit (Hoffmann et al. Approach 1): {len(used)} compute bins",
                          self._line(), f"  success = {self.success} ({self.message})"])

    def plot(self, C, loss, ax=None):
        """Every point (``C``, ``loss``) in grey, the envelope's points in black."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5.5, 3.8))
        ax.scatter(C, loss, s=6, color="0.7", label="runs / checkpoints")
        used = self.frontier[self.frontier["used"]]
        ax.plot(used["C"], used["loss_opt"], "k.-", label="lowest loss per compute bin")
        ax.set_xscale("log")
        ax.set_xlabel("compute C (FLOP)")
        ax.set_ylabel("loss")
        ax.legend(fontsize=8)
        return ax


# --------------------------------------------------------------------------- Approach 2
def _bootstrap_status(samples: pd.DataFrame, n_boot: int) -> tuple[bool, str]:
    if n_boot == 0:
        return True, ""
    failed = float(samples["exponent"].isna().mean())
    if failed > MAX_FAILED_SHARE:
        return False, (f"failed: {failed:.0%} of the {n_boot} resamples could not be refitted (fewer than 3 "
                       "usable budgets); the interval would describe a subset")
    return True, f"; {failed:.1%} of resamples failed" if failed else ""


def fit_isoflop(C, size, loss, *, n_boot: int = 1000, rng=0, confidence: float = 0.95,
                min_points: int = 3, neighbours: int | None = None, method: str = "parabola",
                budgets=None, size_name: str = "N") -> IsoFLOPFit:
    """Fit IsoFLOP profiles: one parabola in ``log(size)`` per budget, then a power law in ``C``.

    Hoffmann et al. (2022), Section 3.2 (Approach 2, Figure 3): at each budget the loss of
    runs of different sizes is fitted by ``loss = c0 + c1 u + c2 u^2`` with ``u = ln(size)``;
    the minimum ``size_opt = exp(-c1 / (2 c2))`` is the compute-optimal size there; then
    ``size_opt = coefficient * C**exponent`` is fitted by least squares in log-log space.

    Parameters
    ----------
    C : array_like
        The budget label of each run (FLOP).  Runs with the same label form one profile;
        to group runs that are only near a budget, label them with :func:`assign_budgets`.
    size : array_like
        Parameters ``N`` (or tokens ``D``) of each run, positive.
    loss : array_like
        Final loss of each run.  NaN marks a missing run: it is left out and counted in
        ``minima["dropped_nan"]``.
    n_boot : int, default 1000
        Bootstrap resamples (0: none).  Each resample draws, within every budget, as many
        runs as it has, with replacement, and repeats the whole fit.
    rng : int or numpy.random.Generator, default 0
        Seed of the bootstrap.
    confidence : float, default 0.95
    min_points : int, default 3
        Fewest distinct sizes a budget needs (a parabola has 3 coefficients).
    neighbours : int, optional
        Fit each parabola only to the run with the lowest loss and the ``neighbours``
        distinct sizes on either side of it (a local fit near the minimum), instead of to
        the whole profile.  Each bootstrap resample chooses its window again from the runs it drew.
    method : {"parabola", "akima"}, default "parabola"
        ``"parabola"``: Hoffmann et al.'s quadratic in ``ln size``.  ``"akima"``: Porian et al.
        (2024)'s procedure, an Akima spline through ``(ln size, ln loss)`` (the lowest loss
        per size) whose minimum is found on a grid of 25 points per gap between sizes; a
        minimum at either end of the grid leaves the budget out.  ``curvature`` is NaN.
    budgets : array_like, optional
        Only these budget labels enter the fit (each must be a label in ``C``); default all.
    size_name : str, default "N"
        How ``size`` is named in summaries and plots.

    Returns
    -------
    IsoFLOPFit
        A budget is left out, with its reason in ``minima``, if it has fewer than
        ``min_points`` sizes, its parabola is concave (no minimum) or its minimum lies
        outside the sizes tried (an open-ended profile).  ``success`` is False with fewer
        than 3 usable budgets, or when more than 5% of the resamples fail.

    Raises
    ------
    ValueError, TypeError
        Arrays of different lengths, non-positive ``C`` or ``size``, infinite or
        non-positive ``loss``, fewer than 3 runs, bad options.
    """
    C, size, loss = _runs(C, size, loss)
    n = C.size
    if n < 3:
        raise ValueError(f"`C` has {n} runs; an IsoFLOP fit needs at least 3 budgets of 3 runs each.")
    n_boot = _n_boot(n_boot)
    generator = _rng(rng)
    confidence = check_probability("confidence", confidence)
    min_points = check_positive_int("min_points", min_points, minimum=3, maximum=10**6)
    if neighbours is not None:
        neighbours = check_positive_int("neighbours", neighbours, maximum=10**6)
    method = check_choice("method", method, ("parabola", "akima"))
    if not isinstance(size_name, str) or not size_name:
        raise ArgumentTypeError(f"`size_name` must be a non-empty str, got {type(size_name).__name__}.")
    labels = np.unique(C[np.isfinite(loss)])
    if budgets is not None:
        wanted = as_positive_array("budgets", budgets, ndim=1)
        unknown = wanted[~np.isin(wanted, labels)]
        if unknown.size:
            raise ValueError(f"`budgets` holds {unknown[0]:.6g}, which is not the label `C` of any run with a "
                             f"loss; the labels are {', '.join(f'{b:.3g}' for b in labels)}.")
        labels = np.unique(wanted)
    budgets = [_prepare_budget(float(b), size[C == b], loss[C == b], min_points=min_points, neighbours=neighbours)
               for b in labels]
    rows, vertices = [], []
    for b in budgets:
        row = {"budget": b.C, "size_opt": math.nan, "loss_opt": math.nan, "curvature": math.nan,
               "points": int(b.size.size), "dropped_nan": b.dropped_nan, "inside_range": False,
               "used": False, "reason": b.reason}
        if not b.reason and method == "akima":
            u = np.log(b.size) - b.centre
            vertex, at = _akima_minimum(u, b.loss)
            if math.isfinite(vertex):
                row.update(size_opt=math.exp(vertex + b.centre), loss_opt=at, inside_range=True, used=True)
            else:
                row["reason"] = "open-ended profile: the spline's minimum is at the smallest or largest size tried"
        elif not b.reason:
            u = np.log(b.size) - b.centre
            c0, c1, c2 = (float(v[0]) for v in _parabolas(u, b.loss, np.ones((1, u.size))))
            row["curvature"] = 2 * c2
            if not math.isfinite(c2) or c2 * np.ptp(u) ** 2 <= FLAT * np.abs(b.loss).max():
                row["reason"] = "concave or flat profile: the parabola has no minimum"
            else:
                vertex = -c1 / (2 * c2)
                row["inside_range"] = bool(u.min() <= vertex <= u.max())
                row["size_opt"] = math.exp(vertex + b.centre)
                row["loss_opt"] = c0 + c1 * vertex + c2 * vertex**2
                if row["inside_range"]:
                    row["used"] = True
                else:
                    side = "below the smallest" if vertex < u.min() else "above the largest"
                    row["reason"] = f"open-ended profile: the minimum lies {side} size tried"
        rows.append(row)
        vertices.append(row["used"])
    minima = pd.DataFrame(rows)
    points = pd.DataFrame({"budget": np.concatenate([np.full(b.size.size, b.C) for b in budgets]),
                           "size": np.concatenate([b.size for b in budgets]),
                           "loss": np.concatenate([b.loss for b in budgets])})
    used = [b for b, ok in zip(budgets, vertices) if ok]
    nan = math.nan
    empty = pd.DataFrame({"exponent": [], "coefficient": []})
    common = dict(confidence=confidence, n_boot=n_boot, minima=minima, neighbours=neighbours, points=points,
                  size_name=size_name, method=method)
    if len(used) < 3:
        reasons = "; ".join(f"C = {r.budget:.3g}: {r.reason}" for r in minima.itertuples() if not r.used)
        return IsoFLOPFit(exponent=nan, coefficient=nan, success=False, samples=empty,
                          message=f"failed: only {len(used)} usable budget(s), a power law in C needs 3"
                                  + (f" ({reasons})" if reasons else ""), **common)
    logC = np.log([b.C for b in used])
    logS = np.log(minima.loc[minima["used"], "size_opt"].to_numpy())
    slope, intercept, se = _budget_line(logC, logS)
    samples = empty
    if n_boot:
        candidates = [b for b in budgets if not b.reason]  # every budget with enough sizes
        logC_all = np.log([b.C for b in candidates])
        vertex = np.empty((n_boot, len(candidates)))
        for j, b in enumerate(candidates):
            u = np.log(b.size) - b.centre
            draws = generator.integers(0, b.all_size.size, size=(n_boot, b.all_size.size))
            weights = np.zeros((n_boot, b.all_size.size))
            np.add.at(weights, (np.arange(n_boot)[:, None], draws), 1.0)
            ua = np.log(b.all_size) - b.centre
            if neighbours is not None:
                weights = _window(ua, b.all_loss, weights, neighbours)
            if method == "akima":
                memo = {}  # the spline depends only on which runs were drawn, not how often
                for r, drawn in enumerate(weights > 0):
                    key = drawn.tobytes()
                    if key not in memo:
                        memo[key] = _akima_minimum(ua[drawn], b.all_loss[drawn])[0]
                    vertex[r, j] = memo[key]
                vertex[:, j] += b.centre
                continue
            c0, c1, c2 = _parabolas(ua, b.all_loss, weights)
            vertex[:, j] = _vertices(ua, b.all_loss, c0, c1, c2, weights) + b.centre
        # Each resample repeats the whole procedure, including leaving out a budget whose
        # resampled profile has no usable minimum; it fails with fewer than 3 budgets left.
        b_slope, b_intercept = _masked_power_law(logC_all, vertex)
        with np.errstate(over="ignore"):
            samples = pd.DataFrame({"exponent": b_slope, "coefficient": np.exp(b_intercept),
                                    "budgets_used": np.isfinite(vertex).sum(axis=1)})
    finite = math.isfinite(slope) and math.isfinite(math.exp(intercept)) if abs(intercept) < 700 else False
    boot_ok, boot_note = _bootstrap_status(samples, n_boot)
    left_out = int((~minima["used"]).sum())
    if not finite:
        success, message = False, "failed: the power law through the minima is not finite"
    elif not boot_ok:
        success, message = False, boot_note
    else:
        success = True
        message = (f"{len(used)} budgets" + (f" ({left_out} left out)" if left_out else "")
                   + (f", {n_boot} resamples" if n_boot else "") + boot_note)
    return IsoFLOPFit(exponent=slope, coefficient=math.exp(intercept) if finite else nan, success=success,
                      message=message, samples=samples, exponent_se=se, **common)


# --------------------------------------------------------------------------- Approach 1
def _bin_edges(C, bins):
    if isinstance(bins, (int, np.integer)) and not isinstance(bins, (bool, np.bool_)):
        bins = check_positive_int("bins", bins, minimum=3, maximum=10**5)
        lo, hi = np.log(C.min()), np.log(C.max())
        if hi <= lo:
            raise ValueError("every value of `C` is the same; an envelope needs runs at several computes.")
        edges = np.exp(np.linspace(lo, hi, bins + 1))
        edges[0], edges[-1] = C.min(), C.max()  # exp(log(x)) may round past x, dropping that run
        return edges
    edges = as_positive_array("bins", bins, ndim=1)
    if edges.size < 4 or (np.diff(edges) <= 0).any():
        raise ValueError("`bins` must be an int (how many log-spaced bins) or at least 4 increasing bin edges.")
    return edges


def _frontier(loss, bin_of, n_bins, weights=None):
    """Per bin: index of the lowest-loss point (among points with weight > 0), or -1."""
    best = np.full(n_bins, -1)
    present = np.ones(loss.size, bool) if weights is None else weights > 0
    order = np.lexsort((loss, bin_of))  # by bin, then loss
    order = order[present[order]]
    first = np.ones(order.size, bool)
    first[1:] = bin_of[order][1:] != bin_of[order][:-1]
    chosen = order[first]
    valid = bin_of[chosen] >= 0
    best[bin_of[chosen][valid]] = chosen[valid]
    return best


def fit_envelope(C, size, loss, *, bins=20, groups=None, n_boot: int = 1000, rng=0,
                 confidence: float = 0.95, size_name: str = "N") -> EnvelopeFit:
    """Fit the lower envelope of loss against compute (Hoffmann et al. 2022, Approach 1).

    Hoffmann et al. (2022), Section 3.1 (Figure 2): from every run's loss curve take, at
    each compute, the lowest loss over runs and the size of the run that reaches it; fit
    ``size_opt = coefficient * C**exponent`` to those points in log-log space.  Here the
    compute axis is cut into ``bins`` and each bin contributes its lowest-loss point.

    Parameters
    ----------
    C, size, loss : array_like
        Compute (FLOP), size (parameters or tokens) and loss of each point: one per run, or
        one per checkpoint (then pass ``groups``).  NaN losses are left out.
    bins : int or array_like, default 20
        Number of log-spaced bins between the smallest and largest ``C``, or the bin edges.
        Points outside the edges are ignored.  Empty bins are left out.
    groups : array_like, optional
        A run label per point.  The bootstrap then resamples whole runs (all checkpoints of
        a run together), which is what makes checkpoints of one run dependent.
    n_boot, rng, confidence, size_name
        As for :func:`fit_isoflop`.

    Returns
    -------
    EnvelopeFit
        ``success`` is False with fewer than 3 non-empty bins, a non-finite power law or
        more than 5% failed resamples.

    Notes
    -----
    An intermediate checkpoint of a run whose learning rate decays over the run's full
    length is not a run trained to that length: its loss is higher than a run stopped
    there with a matching schedule would reach (Hoffmann et al., Section 3.1 and Figure
    A1), so envelopes over checkpoints favour the longer runs.
    """
    C, size, loss = _runs(C, size, loss)
    n = C.size
    edges = _bin_edges(C[np.isfinite(loss)], bins)
    if groups is not None:
        groups = np.asarray(groups)
        if groups.ndim != 1 or groups.size != n:
            raise ValueError(f"`groups` must hold one run label per point ({n}), got shape {groups.shape}.")
        if pd.isna(groups).any():
            i = int(np.flatnonzero(pd.isna(groups))[0])
            raise ValueError(f"`groups` holds a missing label (NaN or None) at point {i}; pass a run label per point.")
        _, group_id = np.unique(groups.astype(str), return_inverse=True)
    else:
        group_id = np.arange(n)
    n_boot = _n_boot(n_boot)
    generator = _rng(rng)
    confidence = check_probability("confidence", confidence)
    if not isinstance(size_name, str) or not size_name:
        raise ArgumentTypeError(f"`size_name` must be a non-empty str, got {type(size_name).__name__}.")
    keep = np.isfinite(loss)
    C, size, loss, group_id = C[keep], size[keep], loss[keep], group_id[keep]
    n_bins = edges.size - 1
    bin_of = np.searchsorted(edges, C, side="right") - 1
    bin_of[C == edges[-1]] = n_bins - 1
    bin_of[(bin_of < 0) | (bin_of >= n_bins)] = -1
    best = _frontier(loss, bin_of, n_bins)
    counts = np.bincount(bin_of[bin_of >= 0], minlength=n_bins)
    rows = []
    for k in range(n_bins):
        i = best[k]
        rows.append({"C_low": edges[k], "C_high": edges[k + 1], "C": C[i] if i >= 0 else math.nan,
                     "size_opt": size[i] if i >= 0 else math.nan, "loss_opt": loss[i] if i >= 0 else math.nan,
                     "points": int(counts[k]), "used": bool(i >= 0)})
    frontier = pd.DataFrame(rows)
    used = best[best >= 0]
    empty = pd.DataFrame({"exponent": [], "coefficient": []})
    common = dict(confidence=confidence, n_boot=n_boot, frontier=frontier, size_name=size_name)
    nan = math.nan
    if used.size < 3 or np.ptp(np.log(C[used])) == 0:
        return EnvelopeFit(exponent=nan, coefficient=nan, success=False, samples=empty,
                           message=f"failed: only {used.size} non-empty compute bin(s); a power law needs 3", **common)
    slope, intercept, se = _budget_line(np.log(C[used]), np.log(size[used]))
    samples = empty
    if n_boot:
        n_groups = int(group_id.max()) + 1
        slopes = np.full(n_boot, np.nan)
        coefs = np.full(n_boot, np.nan)
        for r in range(n_boot):
            drawn = np.bincount(generator.integers(0, n_groups, n_groups), minlength=n_groups)
            w = drawn[group_id]
            chosen = _frontier(loss, bin_of, n_bins, weights=w)
            chosen = chosen[chosen >= 0]
            if chosen.size < 3 or np.ptp(np.log(C[chosen])) == 0:
                continue
            # each chosen point counts as often as its run was drawn, as in the full data
            reps = w[chosen]
            lc, ls = np.repeat(np.log(C[chosen]), reps), np.repeat(np.log(size[chosen]), reps)
            s_, i_ = _power_law(lc[None, :], ls[None, :])
            slopes[r], coefs[r] = s_[0], math.exp(min(i_[0], 700.0))
        samples = pd.DataFrame({"exponent": slopes, "coefficient": coefs})
    boot_ok, boot_note = _bootstrap_status(samples, n_boot)
    finite = math.isfinite(slope) and abs(intercept) < 700
    if not finite:
        success, message = False, "failed: the power law through the envelope is not finite"
    elif not boot_ok:
        success, message = False, boot_note
    else:
        success, message = True, f"{used.size} compute bins" + (f", {n_boot} resamples" if n_boot else "") + boot_note
    return EnvelopeFit(exponent=slope, coefficient=math.exp(intercept) if finite else nan, success=success,
                       message=message, samples=samples, exponent_se=se, **common)


# --------------------------------------------------------------------------- budgets
def assign_budgets(C, budgets, *, window_dex: float):
    """Label each run with the budget it lies within ``window_dex`` of (in ``log10 C``), else NaN.

    Runs not trained on a budget grid (read off a figure, or swept freely) are grouped into
    IsoFLOP profiles this way before :func:`fit_isoflop`.

    Parameters
    ----------
    C : array_like
        Compute of each run (FLOP).
    budgets : array_like
        The budgets (FLOP), at least one.
    window_dex : float
        Half-width of the window in decades: a run belongs to its nearest budget when
        ``|log10 C - log10 budget| <= window_dex``.

    Returns
    -------
    numpy.ndarray
        The budget of each run, NaN for runs outside every window.
    """
    from ._validate import check_positive_scalar

    C = as_positive_array("C", C, ndim=1)
    budgets = as_positive_array("budgets", budgets, ndim=1)
    window_dex = check_positive_scalar("window_dex", window_dex)
    gap = np.log10(C)[:, None] - np.log10(budgets)[None, :]
    nearest = np.abs(gap).argmin(axis=1)
    distance = np.abs(gap[np.arange(C.size), nearest])
    return np.where(distance <= window_dex, budgets[nearest], np.nan)
