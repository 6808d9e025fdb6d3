"""Group-wise error rates, disparity measures, binomial intervals and per-group scaling fits.

The chapter *Does scale fix bias?* (``chapters/bias.ipynb``) asks whether a model's errors
are shared fairly between groups of people, and whether more data or more parameters close
the gaps.  Answering it needs four tools, all here:

* error rates per group, each with a binomial confidence interval whose width depends on
  the group's size (:func:`binomial_interval`, :func:`group_error_rates`);
* disparity between the worst and the best group, as a difference with an interval and as
  a ratio that may be infinite (:func:`error_disparity`, :class:`Disparity`);
* StereoSet's combined score (:func:`stereoset_icat`);
* the number of items behind a published share and its standard error, when a results
  file does not state it (:func:`sample_size_from_stderr`), and the trend of a share
  against model size in percentage points per decade (:func:`fit_share_trend`,
  :class:`ShareTrend`), both for CrowS-Pairs on the Pythia suite;
* per-group scaling fits of error against the group's own sample count, with intervals
  across repeated runs (:func:`summarize_repeats`, :func:`fit_group_power_laws`), and the
  exact error of a linear classifier on Gaussian classes, which the chapter's
  representation experiment uses instead of a finite test set
  (:func:`linear_classifier_error`).

Every public function checks its input and raises :class:`ValueError` naming the argument.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from . import _diagnose
from . import fit as _fit
from ._validate import (
    ArgumentTypeError,
    as_float_array,
    as_positive_array,
    check_bool,
    check_broadcastable,
    check_choice,
    check_enough_points,
    check_positive_int,
    check_positive_scalar,
    check_probability,
    check_same_length,
    check_string,
    check_string_list,
)

__all__ = [
    "INTERVAL_METHODS",
    "binomial_interval",
    "count_group_errors",
    "group_error_rates",
    "error_disparity",
    "Disparity",
    "stereoset_icat",
    "sample_size_from_stderr",
    "fit_share_trend",
    "ShareTrend",
    "summarize_repeats",
    "fit_group_power_laws",
    "GroupScalingFits",
    "linear_classifier_error",
    "logistic_population_limit",
    "PopulationLimit",
]

#: Binomial interval methods understood by :func:`binomial_interval`.
INTERVAL_METHODS = ("wilson", "clopper-pearson")


# --------------------------------------------------------------------------- checks
def _counts(errors, n):
    """Validate ``errors`` and ``n`` as matching arrays of counts with 0 <= errors <= n."""
    errors = np.atleast_1d(as_float_array("errors", errors))
    n = np.atleast_1d(as_float_array("n", n))
    if errors.ndim != 1 or n.ndim != 1:
        raise ValueError(
            "`errors` and `n` must be one-dimensional (one count per group), got shapes "
            f"{errors.shape} and {n.shape}."
        )
    if errors.size != n.size:
        if n.size == 1:
            n = np.full(errors.shape, n[0])
        elif errors.size == 1:
            errors = np.full(n.shape, errors[0])
        else:
            check_same_length(errors=errors, n=n)
    if (n <= 0).any():
        first = int(np.flatnonzero(n <= 0)[0])
        raise ValueError(
            f"`n` must be > 0 (a group's size), got {n[first]!r} at index {first}; "
            "a group with no members has no error rate, so drop it."
        )
    if (errors < 0).any():
        first = int(np.flatnonzero(errors < 0)[0])
        raise ValueError(
            f"`errors` must be >= 0 (a count of mistakes), got {errors[first]!r} at index "
            f"{first}; check the sign or the column you passed."
        )
    if (errors > n).any():
        first = int(np.flatnonzero(errors > n)[0])
        raise ValueError(
            f"`errors` cannot exceed `n`: at index {first} there are {errors[first]!r} "
            f"errors among {n[first]!r} cases; pass counts of mistakes, not percentages."
        )
    return errors, n


def _check_method(method):
    return check_choice("method", method, INTERVAL_METHODS)


def _check_labels(name, labels, size):
    if labels is None:
        return [f"group {i}" for i in range(size)]
    labels = [str(g) for g in check_string_list(name, labels, what="group names")]
    if len(labels) != size:
        raise ValueError(
            f"Mismatched lengths: `{name}` has {len(labels)} names but there are {size} "
            "groups; pass one name per group."
        )
    if len(set(labels)) != len(labels):
        raise ValueError(f"`{name}` has repeated names {labels}; each group needs its own name.")
    return labels


# --------------------------------------------------------------------------- intervals
def binomial_interval(errors, n, *, method="wilson", confidence=0.95):
    r"""Confidence interval for an error rate ``errors / n``.

    Parameters
    ----------
    errors : array_like
        Number of mistakes in each group (``0 <= errors <= n``).  The Wilson interval
        accepts non-integer counts (for example an error rate times an assumed group
        size); the Clopper–Pearson interval needs whole numbers.
    n : array_like
        Number of cases in each group (> 0); a single number is broadcast.
    method : {"wilson", "clopper-pearson"}, default "wilson"
        Wilson's score interval (no continuity correction) or the "exact"
        Clopper–Pearson interval built from beta quantiles.
    confidence : float, default 0.95
        Two-sided coverage, strictly between 0 and 1.

    Returns
    -------
    lo, hi : numpy.ndarray
        Lower and upper limits, as proportions in [0, 1].

    Raises
    ------
    ValueError
        NaN or infinite input, ``n <= 0``, ``errors < 0``, ``errors > n``, mismatched
        lengths, an unknown ``method``, a ``confidence`` outside (0, 1), or non-integer
        counts with ``method="clopper-pearson"``.

    Notes
    -----
    Wilson (1927), *J. Am. Stat. Assoc.* 22, 209–212: with :math:`\hat p = k/n` and
    :math:`z` the normal quantile,

    .. math::

        \frac{\hat p + z^2/(2n) \pm z\sqrt{\hat p(1-\hat p)/n + z^2/(4n^2)}}{1 + z^2/n}.

    Clopper & Pearson (1934), *Biometrika* 26, 404–413: the limits are the
    :math:`\alpha/2` quantile of Beta(k, n − k + 1) and the :math:`1-\alpha/2` quantile of
    Beta(k + 1, n − k), with 0 and 1 at the ends.  Both agree with
    ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson" | "exact")``.  The width
    shrinks like :math:`1/\sqrt{n}`, which is why a small subgroup's error rate is
    uncertain however carefully it is measured.  Chapter: *Does scale fix bias?*
    """
    errors, n = _counts(errors, n)
    method = _check_method(method)
    confidence = check_probability("confidence", confidence)
    alpha = 1.0 - confidence
    if method == "wilson":
        z = stats.norm.ppf(1.0 - alpha / 2.0)
        p = errors / n
        denom = 1.0 + z**2 / n
        centre = (p + z**2 / (2.0 * n)) / denom
        half = z * np.sqrt(p * (1.0 - p) / n + z**2 / (4.0 * n**2)) / denom
        lo, hi = np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)
        # exact ends: 0 errors -> lower limit 0, all errors -> upper limit 1
        lo = np.where(errors == 0, 0.0, lo)
        hi = np.where(errors == n, 1.0, hi)
        return lo, hi
    if not (np.all(errors == np.round(errors)) and np.all(n == np.round(n))):
        raise ValueError(
            "`errors` and `n` must be whole numbers for method='clopper-pearson'; "
            "round them or use method='wilson'."
        )
    with np.errstate(invalid="ignore"):  # beta quantiles at k = 0 or k = n are NaN; set below
        lo = stats.beta.ppf(alpha / 2.0, errors, n - errors + 1.0)
        hi = stats.beta.ppf(1.0 - alpha / 2.0, errors + 1.0, n - errors)
    lo = np.where(errors == 0, 0.0, lo)
    hi = np.where(errors == n, 1.0, hi)
    return lo, hi


def count_group_errors(y_true, y_pred, group, *, groups=None):
    """Count cases and mistakes per group from per-example labels and predictions.

    Parameters
    ----------
    y_true, y_pred : array_like
        True and predicted labels, one per example (any comparable values).
    group : array_like
        Group label of every example.
    groups : list, optional
        The groups to report, in this order (a group with no examples gets ``n = 0``).
        Default: the sorted distinct labels of ``group``.  An example whose label is not in
        ``groups`` raises ValueError, so that a typo cannot silently drop people.

    Returns
    -------
    pandas.DataFrame
        Columns ``group``, ``n``, ``errors``; feed ``errors`` and ``n`` to
        :func:`group_error_rates` (after dropping groups with ``n = 0``).

    Notes
    -----
    The per-subgroup tally behind an audit such as Buolamwini & Gebru (2018).
    Chapter: *Does scale fix bias?*
    """
    y_true, y_pred, group = (np.asarray(a) for a in (y_true, y_pred, group))
    for name, arr in (("y_true", y_true), ("y_pred", y_pred), ("group", group)):
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"`{name}` must be a non-empty one-dimensional array, got shape {arr.shape}.")
    check_same_length(y_true=y_true, y_pred=y_pred, group=group)
    labels = pd.Series(group)
    for name, arr in (("y_true", y_true), ("y_pred", y_pred), ("group", group)):
        if pd.isna(pd.Series(arr)).any():
            raise ValueError(f"`{name}` contains missing values (NaN/None); drop or label those examples first.")
    present = sorted(labels.unique().tolist())
    if groups is None:
        groups = present
    else:
        groups = check_string_list("groups", groups, what="group labels")
        unknown = sorted(set(present) - set(groups), key=str)
        if unknown:
            raise ValueError(
                f"`group` contains label(s) {unknown} that are not in `groups` {groups}; "
                "add them to `groups` or fix the labels."
            )
    wrong = pd.Series(y_true != y_pred)
    counts = wrong.groupby(labels).agg(["size", "sum"])
    counts = counts.reindex(groups, fill_value=0)
    return pd.DataFrame({"group": groups, "n": counts["size"].to_numpy(dtype=int),
                         "errors": counts["sum"].to_numpy(dtype=int)})


def group_error_rates(errors, n, *, groups=None, method="wilson", confidence=0.95):
    """Table of per-group error rates with binomial confidence intervals.

    Parameters
    ----------
    errors, n : array_like
        Mistakes and cases per group (see :func:`binomial_interval`).
    groups : list of str, optional
        One name per group; default ``"group 0"``, ``"group 1"``, ...
    method : {"wilson", "clopper-pearson"}, default "wilson"
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        Columns ``group``, ``n``, ``errors``, ``error_rate``, ``lo``, ``hi``,
        ``half_width`` (``(hi - lo) / 2``), one row per group in input order.

    Notes
    -----
    The audit unit of Buolamwini & Gebru (2018), *Gender Shades*, PMLR 81: report every
    subgroup separately, because one overall error rate hides the gaps.
    Chapter: *Does scale fix bias?*
    """
    errors, n = _counts(errors, n)
    labels = _check_labels("groups", groups, errors.size)
    lo, hi = binomial_interval(errors, n, method=method, confidence=confidence)
    return pd.DataFrame(
        {
            "group": labels,
            "n": n,
            "errors": errors,
            "error_rate": errors / n,
            "lo": lo,
            "hi": hi,
            "half_width": (hi - lo) / 2.0,
        }
    )


# --------------------------------------------------------------------------- disparity
@dataclass(frozen=True)
class Disparity:
    """Result of :func:`error_disparity`: how far apart the worst and best groups are.

    Attributes
    ----------
    table : pandas.DataFrame
        :func:`group_error_rates` output for every group.
    worst_group, best_group : str
        Groups with the highest and the lowest error rate (first one on ties).
    difference : float
        Worst minus best error rate (a proportion).
    difference_interval : tuple of float
        Newcombe's hybrid score interval for that difference.
    ratio : float
        Worst / best error rate; ``inf`` when the best group has no errors.
    ratio_bounds : tuple of float
        ``(worst_lo / best_hi, worst_hi / best_lo)`` from the two single-group intervals;
        the upper end is ``inf`` when ``best_lo == 0``.  Both ends hold whenever both
        single-group intervals cover, which happens with probability at least
        ``1 - 2 (1 - confidence)`` (Bonferroni) provided each interval attains its nominal
        coverage; Clopper-Pearson intervals do, Wilson intervals only approximately (their
        coverage dips below nominal for rates near 0 or 1).
    confidence : float
    method : str
    """

    table: pd.DataFrame = field(repr=False)
    worst_group: str
    best_group: str
    difference: float
    difference_interval: tuple
    ratio: float
    ratio_bounds: tuple
    confidence: float
    method: str

    def summary(self):
        """A few lines: the two groups, the difference with interval, the ratio with bounds."""
        pct = round(100 * self.confidence)
        dlo, dhi = self.difference_interval
        rlo, rhi = self.ratio_bounds
        ratio = "inf (best group has no errors)" if np.isinf(self.ratio) else f"{self.ratio:.3g}"
        return (
            f"Worst group {self.worst_group!r} vs best group {self.best_group!r}\n"
            f"  difference = {100 * self.difference:.2f} pp  [{100 * dlo:.2f}, {100 * dhi:.2f}] "
            f"({pct}% Newcombe)\n"
            f"  ratio = {ratio}  bounds [{rlo:.3g}, {rhi:.3g}] "
            f"(from {pct}% {self.method} intervals; joint coverage >= {100 - 2 * (100 - pct)}% if each attains its nominal level)"
        )

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return "<pre>" + self.summary() + "</pre>"

    def plot(self, *, ax=None):
        """Error rate of every group with its interval (imports matplotlib when called)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        t = self.table
        y = np.arange(len(t))
        ax.errorbar(100 * t["error_rate"], y,
                    xerr=[100 * (t["error_rate"] - t["lo"]), 100 * (t["hi"] - t["error_rate"])],
                    fmt="o", capsize=3)
        ax.set_yticks(y, t["group"])
        ax.set_xlabel(f"error rate (%), {round(100 * self.confidence)}% {self.method} interval")
        return ax


def error_disparity(errors, n, *, groups=None, method="wilson", confidence=0.95):
    """Difference and ratio between the worst and the best group's error rates.

    Parameters
    ----------
    errors, n : array_like
        Mistakes and cases per group; at least two groups.
    groups : list of str, optional
        One name per group.
    method : {"wilson", "clopper-pearson"}, default "wilson"
        Interval used for each group (and, for the difference, Wilson limits always).
    confidence : float, default 0.95

    Returns
    -------
    Disparity

    Notes
    -----
    The difference interval is Newcombe's hybrid score interval (Newcombe 1998,
    *Statistics in Medicine* 17, 873–890, method 10), built from the two Wilson intervals
    :math:`(l_1, u_1)`, :math:`(l_2, u_2)`:
    :math:`d - \\sqrt{(p_1-l_1)^2 + (u_2-p_2)^2}` to
    :math:`d + \\sqrt{(u_1-p_1)^2 + (p_2-l_2)^2}`.  The worst/best ratio is the headline
    of Buolamwini & Gebru (2018); when the best group has zero errors it is infinite, and
    the chapter *Does scale fix bias?* reports the finite lower bound
    ``worst_lo / best_hi`` instead of pretending to a number.
    """
    errors, n = _counts(errors, n)
    method = _check_method(method)
    confidence = check_probability("confidence", confidence)
    if errors.size < 2:
        raise ValueError(
            f"`errors` has {errors.size} group; a disparity needs at least 2 groups."
        )
    table = group_error_rates(errors, n, groups=groups, method=method, confidence=confidence)
    rate = table["error_rate"].to_numpy()
    w, b = int(np.argmax(rate)), int(np.argmin(rate))
    p1, p2 = rate[w], rate[b]
    wl, wu = binomial_interval(errors[[w, b]], n[[w, b]], method="wilson", confidence=confidence)
    d = p1 - p2
    d_lo = d - np.sqrt((p1 - wl[0]) ** 2 + (wu[1] - p2) ** 2)
    d_hi = d + np.sqrt((wu[0] - p1) ** 2 + (p2 - wl[1]) ** 2)
    lo, hi = table["lo"].to_numpy(), table["hi"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):  # zero-error best group: ratio is inf
        ratio = p1 / p2 if p2 > 0 else np.inf
        r_lo = lo[w] / hi[b]
        r_hi = hi[w] / lo[b] if lo[b] > 0 else np.inf
    return Disparity(
        table=table,
        worst_group=str(table["group"].iloc[w]),
        best_group=str(table["group"].iloc[b]),
        difference=float(d),
        difference_interval=(float(d_lo), float(d_hi)),
        ratio=float(ratio),
        ratio_bounds=(float(r_lo), float(r_hi)),
        confidence=float(confidence),
        method=method,
    )


# --------------------------------------------------------------------------- StereoSet
def stereoset_icat(lms, ss):
    """StereoSet's idealized CAT score: ``ICAT = LMS * min(SS, 100 - SS) / 50``.

    Parameters
    ----------
    lms : array_like
        Language-modelling score, in percent (0–100): how often the model prefers a
        meaningful continuation to a meaningless one.
    ss : array_like
        Stereotype score, in percent (0–100): how often it prefers the stereotypical
        continuation to the anti-stereotypical one (50 = no preference).

    Returns
    -------
    float or numpy.ndarray
        ICAT in percent: 100 for a perfect, unbiased model; 0 for a model that always or
        never picks the stereotype, or that cannot model language.

    Notes
    -----
    Nadeem, Bethke & Reddy (2021), *StereoSet*, ACL 2021, Section 4 (the ICAT equation).
    Chapter: *Does scale fix bias?*, which checks the published GPT-2 ICATs with it.
    """
    lms = as_float_array("lms", lms)
    ss = as_float_array("ss", ss)
    for name, arr in (("lms", lms), ("ss", ss)):
        if ((arr < 0) | (arr > 100)).any():
            raise ValueError(f"`{name}` must be a percentage between 0 and 100, got {arr}.")
    if lms.shape != ss.shape and lms.size != 1 and ss.size != 1:
        if lms.ndim == ss.ndim == 1:
            check_same_length(lms=lms, ss=ss)
        check_broadcastable(lms=lms, ss=ss)
    icat = lms * np.minimum(ss, 100.0 - ss) / 50.0
    return float(icat) if icat.ndim == 0 else icat


# --------------------------------------------------------------------------- shares from results files
def sample_size_from_stderr(p, stderr, *, ddof=1, atol=1e-6, common=False):
    r"""Number of binary items implied by a share ``p`` and its standard error.

    Evaluation harnesses often report the mean of a 0/1 score (accuracy, or CrowS-Pairs'
    share of pairs where the model prefers the stereotype) with a standard error, but not
    the number of items.  For 0/1 scores the standard error computed from the standard
    deviation with ``ddof`` degrees of freedom is :math:`\sqrt{p(1-p)/(n - \mathrm{ddof})}`,
    so :math:`n = p(1-p)/\mathrm{se}^2 + \mathrm{ddof}`.

    Parameters
    ----------
    p : array_like
        Shares, strictly between 0 and 1 (a share of 0 or 1 has standard error 0 and
        implies no ``n``).
    stderr : array_like
        Their standard errors (> 0), same length as ``p`` (or a single number).
    ddof : {0, 1}, default 1
        Degrees of freedom of the standard deviation behind ``stderr``: 1 for the sample
        standard deviation (EleutherAI's lm-evaluation-harness, ``mean_stderr``), 0 for
        the population one, :math:`\sqrt{p(1-p)/n}`.
    atol : float, default 1e-6
        How far the implied ``n`` (and the implied count ``p * n``) may be from a whole
        number.  Values read from a file at full double precision land within about
        1e-10; values printed to a few digits need a larger tolerance.
    common : bool, default False
        If True, all the values must imply the same ``n`` (the same items scored again,
        e.g. by every model and checkpoint), and that single ``int`` is returned.

    Returns
    -------
    numpy.ndarray of int, or int
        The number of items behind each share (or the common number if ``common``).

    Raises
    ------
    ValueError
        NaN or infinite input, ``p`` outside (0, 1), ``stderr <= 0``, mismatched
        lengths, a ``ddof`` other than 0 or 1, an implied ``n`` or count ``p * n`` that is
        not a whole number within ``atol`` (often the wrong ``ddof``, or a standard error
        that is not binomial), or, with ``common=True``, values that imply different
        numbers.

    Notes
    -----
    The convention is the harness's: ``mean_stderr(arr) = sample_stddev(arr) /
    sqrt(len(arr))`` with ``sample_stddev`` dividing by ``len(arr) - 1``
    (``lm_eval/metrics.py``, EleutherAI/lm-evaluation-harness), and for 0/1 scores the
    sample variance is :math:`n\,p(1-p)/(n-1)`.  The wrong ``ddof`` moves the implied
    :math:`n` by exactly one, to another whole number, so the test that tells the two
    conventions apart is the second one: :math:`p\,n` must be a whole count.  For the 12B Pythia model's English
    CrowS-Pairs share, p = 0.6482 and se = 0.011665 give n = 1,677 pairs, the revised
    English set distributed with the multilingual CrowS-Pairs of Névéol et al. (2022);
    Nangia et al. (2020) published 1,508.  Chapter: *Does scale fix bias?*
    """
    p = np.atleast_1d(as_float_array("p", p)).ravel()
    stderr = np.atleast_1d(as_float_array("stderr", stderr)).ravel()
    if stderr.size == 1 and p.size > 1:
        stderr = np.full(p.shape, stderr[0])
    check_same_length(p=p, stderr=stderr)
    if p.size == 0:
        raise ValueError("`p` is empty; pass at least one share.")
    if not (isinstance(ddof, (int, np.integer)) and not isinstance(ddof, (bool, np.bool_))
            and ddof in (0, 1)):
        raise ValueError(f"`ddof` must be 0 (population) or 1 (sample standard deviation), got {ddof!r}.")
    atol = check_positive_scalar("atol", atol)
    common = check_bool("common", common)
    if ((p <= 0) | (p >= 1)).any():
        first = int(np.flatnonzero((p <= 0) | (p >= 1))[0])
        raise ValueError(
            f"`p` must be strictly between 0 and 1, got {p[first]!r} at index {first}; a share "
            "of 0 or 1 has standard error 0 and implies no number of items (pass shares, not percentages)."
        )
    if (stderr <= 0).any():
        first = int(np.flatnonzero(stderr <= 0)[0])
        raise ValueError(f"`stderr` must be > 0, got {stderr[first]!r} at index {first}.")
    with np.errstate(over="ignore", divide="ignore", under="ignore"):  # checked just below
        n_hat = p * (1.0 - p) / stderr**2 + ddof
    if not (np.isfinite(n_hat) & (n_hat <= 1e12)).all():
        first = int(np.flatnonzero(~(np.isfinite(n_hat) & (n_hat <= 1e12)))[0])
        raise ValueError(
            f"`stderr` = {stderr[first]!r} at index {first} is too small for `p` = {p[first]!r}: it "
            "implies more than 1e12 items; pass the standard error of the share, not a variance."
        )
    n = np.round(n_hat)
    off = np.abs(n_hat - n)
    if (off > atol).any() or (n < 2).any():
        first = int(np.argmax(off))
        raise ValueError(
            f"`p` and `stderr` do not imply a whole number of items: at index {first} "
            f"p(1-p)/stderr^2 + ddof = {n_hat[first]:.6g}, {off[first]:.3g} from a whole number "
            f"(allowed: atol = {atol:g}). Check `ddof` (the harness uses 1), that `stderr` is the "
            "binomial standard error of this share, and that the values were not rounded."
        )
    k_off = np.abs(p * n - np.round(p * n))
    if (k_off > atol).any():
        first = int(np.argmax(k_off))
        raise ValueError(
            f"`p` times the implied n = {int(n[first])} is {p[first] * n[first]:.6g} at index "
            f"{first}, not a whole count of items; `p` is not a share of these items (with the "
            "wrong `ddof` the implied n is off by one and this check is the one that fails)."
        )
    n = n.astype(int)
    if common:
        distinct = np.unique(n)
        if distinct.size > 1:
            raise ValueError(
                f"`p` and `stderr` imply {distinct.size} different numbers of items "
                f"({', '.join(str(int(v)) for v in distinct[:6])}{', ...' if distinct.size > 6 else ''}) "
                "but common=True asks for one; pass one benchmark (task) at a time."
            )
        return int(distinct[0])
    return n


@dataclass(frozen=True)
class ShareTrend:
    """Result of :func:`fit_share_trend`: a share's straight-line trend in log10(size).

    Attributes
    ----------
    slope : float
        Change of the share per decade of ``size`` (a proportion; ×100 for points).
    intercept : float
        Fitted share at ``size = 1`` (log10 size 0); mainly for :meth:`predict`.
    slope_interval : tuple of float
        Interval with the binomial standard errors taken as known (normal quantile).
    slope_interval_scaled : tuple of float
        Interval with the standard error scaled by the residual scatter (Student t with
        ``n_points - 2`` degrees of freedom), never narrower than ``slope_interval``:
        it also covers scatter between models beyond the binomial noise.
    chi2_per_dof : float
        Weighted residual sum of squares over ``n_points - 2``; about 1 if the scatter
        around the line is binomial noise alone.
    n_points : int
    confidence : float
    success : bool
        False (with NaN numbers) when the fit is not identified, e.g. a single distinct size.
    message : str
    """

    slope: float
    intercept: float
    slope_interval: tuple
    slope_interval_scaled: tuple
    chi2_per_dof: float
    n_points: int
    confidence: float
    success: bool
    message: str

    def predict(self, size):
        """Fitted share at ``size``."""
        size = as_positive_array("size", size)
        return self.intercept + self.slope * np.log10(size)

    def summary(self):
        pct = round(100 * self.confidence)
        lo, hi = self.slope_interval
        slo, shi = self.slope_interval_scaled
        return (f"Share trend: {100 * self.slope:+.2f} pp per decade of size, {pct}% interval "
                f"[{100 * lo:+.2f}, {100 * hi:+.2f}] (binomial se known), "
                f"[{100 * slo:+.2f}, {100 * shi:+.2f}] (scaled by the scatter, t); "
                f"chi2/dof = {self.chi2_per_dof:.2f}, {self.n_points} points; "
                f"success = {self.success} ({self.message})")

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return "<pre>" + self.summary() + "</pre>"


def fit_share_trend(share, stderr, size, *, confidence=0.95):
    r"""Weighted least-squares line of a share against log10(size), per decade.

    Parameters
    ----------
    share : array_like
        Shares in [0, 1], one per model (e.g. CrowS-Pairs ``pct_stereotype``).
    stderr : array_like
        Their standard errors (> 0); the weights are ``1 / stderr**2``.
    size : array_like
        Model sizes (> 0), e.g. parameter counts; at least 3 points, 2 distinct sizes.
    confidence : float, default 0.95

    Returns
    -------
    ShareTrend
        ``success`` is False, with NaN numbers, when fewer than two distinct sizes leave
        the slope unidentified.

    Raises
    ------
    ValueError
        NaN or infinite input, a share outside [0, 1], ``stderr <= 0``, ``size <= 0``,
        mismatched lengths, fewer than 3 points, or ``confidence`` outside (0, 1).

    Notes
    -----
    The model is :math:`p_m = a + b\log_{10}N_m + \varepsilon_m` with
    :math:`\mathrm{Var}\,\varepsilon_m = \mathrm{se}_m^2`; :math:`\hat b` is the weighted
    least-squares slope and :math:`\mathrm{Var}\,\hat b = 1/\sum_m w_m (x_m - \bar x_w)^2`
    (e.g. Draper & Smith, *Applied Regression Analysis*, 3rd ed., Section 9.2).  A straight
    line in the share itself (rather than its logit) keeps the slope in percentage points
    per decade; it is adequate while the shares stay well inside (0, 1).  The binomial
    interval treats the models' shares as independent; models scored on the *same* items
    are not, and aggregates cannot say in which direction that moves the interval, which
    is why the chapter *Does scale fix bias?* (CrowS-Pairs on Pythia, Biderman et al. 2023)
    replicates the fit on a second, independently trained family.
    """
    share = np.atleast_1d(as_float_array("share", share)).ravel()
    stderr = np.atleast_1d(as_float_array("stderr", stderr)).ravel()
    size = np.atleast_1d(as_float_array("size", size)).ravel()
    check_same_length(share=share, stderr=stderr, size=size)
    confidence = check_probability("confidence", confidence)
    check_enough_points(share.size, 2, "A straight-line trend")
    if ((share < 0) | (share > 1)).any():
        raise ValueError(f"`share` must be proportions in [0, 1], got {share}; divide percentages by 100.")
    if (stderr <= 0).any():
        raise ValueError(f"`stderr` must be > 0 (the weights are 1/stderr^2), got {stderr}.")
    if (size <= 0).any():
        raise ValueError(f"`size` must be > 0 (it is put on a log10 axis), got {size}.")
    x = np.log10(size)
    with np.errstate(over="ignore", divide="ignore", under="ignore"):  # checked just below
        w = 1.0 / stderr**2
    if not (np.isfinite(w) & (w > 0)).all():
        raise ValueError(f"`stderr` must be positive numbers whose squares are representable, got {stderr}.")
    w_max = float(w.max())
    w = w / w_max  # relative weights for the sums (kept in range); w_max restores the scale
    nan2 = (float("nan"), float("nan"))
    if np.unique(x).size < 2:
        return ShareTrend(slope=float("nan"), intercept=float("nan"), slope_interval=nan2,
                          slope_interval_scaled=nan2, chi2_per_dof=float("nan"), n_points=int(share.size),
                          confidence=confidence, success=False,
                          message=_diagnose.join_reasons(["all sizes are equal: the slope is not identified"]))
    xbar = np.sum(w * x) / np.sum(w)
    sxx = np.sum(w * (x - xbar) ** 2)
    slope = float(np.sum(w * (x - xbar) * share) / sxx)
    intercept = float(np.sum(w * share) / np.sum(w) - slope * xbar)
    resid = share - (intercept + slope * x)
    dof = share.size - 2
    chi2_per_dof = float(np.sum(w * resid**2) * w_max / dof)
    se = np.sqrt(1.0 / (sxx * w_max))
    z = stats.norm.ppf(0.5 + confidence / 2.0)
    t = stats.t.ppf(0.5 + confidence / 2.0, dof)
    se_scaled = se * np.sqrt(max(chi2_per_dof, 1.0))
    return ShareTrend(slope=slope, intercept=intercept,
                      slope_interval=(float(slope - z * se), float(slope + z * se)),
                      slope_interval_scaled=(float(slope - t * se_scaled), float(slope + t * se_scaled)),
                      chi2_per_dof=chi2_per_dof, n_points=int(share.size), confidence=confidence,
                      success=True, message="closed-form weighted least squares")


# --------------------------------------------------------------------------- repeats
def _check_columns(frame, **columns):
    """Check that ``frame`` is a DataFrame and that each keyword names its column(s).

    A value is one column name (a string) or, for ``by``, a list of them; anything else
    (None, a number, a dict, an array) raises ArgumentTypeError naming the keyword.
    """
    if not isinstance(frame, pd.DataFrame):
        raise ArgumentTypeError(f"`frame` must be a pandas DataFrame, got {type(frame).__name__}.")
    for argname, column in columns.items():
        cols = column if isinstance(column, list) else [column]
        if not cols:
            raise ValueError(f"`{argname}` is empty; name at least one column of `frame`.")
        bad = [c for c in cols if not isinstance(c, str)]
        if bad:
            raise ArgumentTypeError(
                f"`{argname}` must be a column name (a str){' or a list of them' if isinstance(column, list) else ''}, "
                f"got {type(bad[0]).__name__} {bad[0]!r:.40}; its columns are {list(frame.columns)}."
            )
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ValueError(
                f"`{argname}` names column(s) {missing} that `frame` lacks; its columns are "
                f"{list(frame.columns)}."
            )


def summarize_repeats(frame, *, by, value, confidence=0.95):
    """Mean over repeated runs with a Student-t interval, per cell of a sweep.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per run (e.g. one training seed).
    by : str or list of str
        Columns that define a cell (e.g. ``["minority_share", "n_total"]``).
    value : str
        Column to summarise (e.g. an error gap).
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, then ``repeats``, ``mean``, ``sd``, ``lo``, ``hi``: the mean and
        its t interval ``mean ± t sd / sqrt(repeats)``.

    Raises
    ------
    ValueError
        Missing columns, NaN or infinite values, or a cell with fewer than 2 repeats (an
        interval needs at least two runs; add seeds).

    Notes
    -----
    Chapter: *Does scale fix bias?*: every number from the representation experiment is
    reported as a mean over seeds with this interval, never as a single run.
    """
    if not isinstance(by, (str, list, tuple)):
        raise ArgumentTypeError(
            f"`by` must be a column name or a list of them, got {type(by).__name__} {by!r:.40}."
        )
    by = [by] if isinstance(by, str) else list(by)
    check_string("value", value, what="a column name (a str)")
    _check_columns(frame, by=by, value=value)
    as_float_array(f"frame[{value!r}]", frame[value])
    confidence = check_probability("confidence", confidence)
    grouped = frame.groupby(by, sort=True)[value]
    out = grouped.agg(repeats="count", mean="mean", sd="std").reset_index()
    if (out["repeats"] < 2).any():
        bad = out.loc[out["repeats"] < 2, by].iloc[0].to_dict()
        raise ValueError(
            f"`frame` has a cell with a single run ({bad}); an interval over repeats needs "
            "at least 2 runs per cell, so add seeds."
        )
    t = stats.t.ppf(0.5 + confidence / 2.0, out["repeats"] - 1)
    half = t * out["sd"] / np.sqrt(out["repeats"])
    out["lo"] = out["mean"] - half
    out["hi"] = out["mean"] + half
    return out


# --------------------------------------------------------------------------- per-group fits
@dataclass(frozen=True)
class GroupScalingFits:
    """Result of :func:`fit_group_power_laws`: one power law per group.

    Attributes
    ----------
    fits : dict
        Group name -> :class:`scaling_utils.fit.PowerLawFit` of ``y = k x**s``.
    x, y, group : str
        Column names used.
    confidence : float
    success : bool
        Whether every group's fit succeeded.
    message : str
        Names the groups whose fit failed, and why.
    """

    fits: dict = field(repr=False)
    x: str
    y: str
    group: str
    confidence: float
    success: bool = True
    message: str = "every group's fit succeeded"

    def table(self):
        """One row per group: exponent and coefficient with intervals, R², points."""
        rows = []
        for name, f in self.fits.items():
            rows.append({
                self.group: name,
                "exponent": f.exponent,
                "exponent_lo": f.exponent_interval[0],
                "exponent_hi": f.exponent_interval[1],
                "coefficient": f.coefficient,
                "coefficient_lo": f.coefficient_interval[0],
                "coefficient_hi": f.coefficient_interval[1],
                "r_squared": f.r_squared,
                "n_points": f.n_points,
            })
        return pd.DataFrame(rows)

    def summary(self):
        """Each group's fit in one line: exponent and coefficient with intervals."""
        pct = round(100 * self.confidence)
        lines = [f"Per-group power laws {self.y} = k * {self.x}^s ({pct}% t intervals); "
                 f"success = {self.success} ({self.message})"]
        for name, f in self.fits.items():
            lo, hi = f.exponent_interval
            clo, chi = f.coefficient_interval
            lines.append(
                f"  {name}: s = {f.exponent:.3f} [{lo:.3f}, {hi:.3f}], "
                f"k = {f.coefficient:.3g} [{clo:.3g}, {chi:.3g}], "
                f"R^2 = {f.r_squared:.3f}, {f.n_points} points"
            )
        return "\n".join(lines)

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return "<pre>" + self.summary() + "</pre>"

    def predict(self, group, x):
        """Fitted ``y`` of ``group`` at ``x``."""
        check_choice("group", group, tuple(self.fits))
        return self.fits[group].predict(x)

    def plot(self, frame, *, ax=None):
        """The rows of ``frame`` and each group's fitted line, on log-log axes."""
        from . import plotting

        for name, f in self.fits.items():
            rows = frame[frame[self.group].astype(str) == name]
            if not f.success:  # the group's data alone, labelled
                ax = plotting.plot_fit(rows[self.x], rows[self.y], ax=ax,
                                       data_label=f"{name} (fit failed)")
                continue
            grid = np.geomspace(rows[self.x].min(), rows[self.x].max(), 50)
            ax = plotting.plot_fit(rows[self.x], rows[self.y], curve_x=grid,
                                   curve_y=f.predict(grid), ax=ax, data_label=str(name),
                                   label=f"{name}: slope {f.exponent:.2f}")
        ax.set_xlabel(self.x)
        ax.set_ylabel(self.y)
        return ax


def fit_group_power_laws(frame, *, x, y, group, groups=None, confidence=0.95):
    """Fit ``y = k * x**s`` separately for each group, on every run (row) of a sweep.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per run and group (e.g. per seed): ``x`` is the group's own training
        count, ``y`` its error (or excess error), ``group`` its name.
    x, y, group : str
        Column names.
    groups : list of str, optional
        Groups to fit, in this order; default: every group in ``frame``, sorted.  A name
        not present in ``frame[group]`` raises ValueError.
    confidence : float, default 0.95
        Level of each fit's Student-t intervals.

    Returns
    -------
    GroupScalingFits
        ``success`` is False (naming the groups) when a group's fit fails, e.g. a single
        distinct ``x`` or flat ``y`` in that group.

    Raises
    ------
    ValueError
        An empty frame, missing columns, NaN/infinite or non-positive ``x`` or ``y`` (a
        power law lives on positive numbers), unknown group names, or a group with fewer
        than 3 rows.

    Notes
    -----
    Each fit is :func:`scaling_utils.fit.fit_power_law` (least squares on
    ``log y = log k + s log x``).  Fitting all repeats rather than their means lets the
    scatter between seeds widen the intervals, as it should.  The form is the
    learning-curve power law of Hestness et al. (2017), applied per group as in the
    chapter *Does scale fix bias?*
    """
    _check_columns(frame, x=x, y=y, group=group)
    if len(frame) == 0:
        raise ValueError("`frame` has no rows; pass one row per run and group.")
    present = sorted(frame[group].astype(str).unique())
    if groups is None:
        groups = present
    else:
        groups = [str(g) for g in check_string_list("groups", groups, what="group names")]
        unknown = [g for g in groups if g not in present]
        if unknown:
            raise ValueError(
                f"`groups` names {unknown}, which are not in column {group!r}; "
                f"the groups present are {present}."
            )
    confidence = check_probability("confidence", confidence)
    labels = frame[group].astype(str)
    fits = {}
    for name in groups:
        rows = frame[labels == name]
        check_enough_points(len(rows), 2, f"The power law of group {name!r}")
        xs = as_float_array(f"{x} (group {name!r})", rows[x])
        ys = as_float_array(f"{y} (group {name!r})", rows[y])
        for col, arr in ((x, xs), (y, ys)):
            if (arr <= 0).any():
                raise ValueError(
                    f"Column {col!r} of group {name!r} has {int((arr <= 0).sum())} value(s) "
                    "<= 0; a power law needs positive values, so drop those rows (or fit an "
                    "excess over a floor that stays positive)."
                )
        fits[name] = _fit.fit_power_law(xs, ys, confidence=confidence)
    failed = {name: f.message for name, f in fits.items() if not f.success}
    message = ("every group's fit succeeded" if not failed else
               _diagnose.join_reasons([f"group {name!r}: {msg.removeprefix('failed: ')}"
                                       for name, msg in failed.items()]))
    return GroupScalingFits(fits=fits, x=x, y=y, group=group, confidence=confidence,
                            success=not failed, message=message)


# --------------------------------------------------------------------------- Gaussian classes
def linear_classifier_error(w, b, mu):
    r"""Exact error of ``sign(w·x + b)`` when ``x | y ~ N(y mu, I)`` with ``y = ±1`` equally likely.

    Parameters
    ----------
    w : array_like, shape (d,) or (K, d)
        Weights of one classifier or of K classifiers.
    b : float or array_like, shape (K,)
        Intercepts.
    mu : array_like, shape (d,)
        Class mean of ``y = +1`` (the other class has mean ``-mu``).

    Returns
    -------
    float or numpy.ndarray
        Population error rate: :math:`\tfrac12[\Phi(-(w\cdot\mu + b)/\|w\|) +
        \Phi(-(w\cdot\mu - b)/\|w\|)]`.  With ``w ∝ mu`` and ``b = 0`` this is the Bayes
        error :math:`\Phi(-\|\mu\|)`.

    Notes
    -----
    Standard result for Gaussian classes with identity covariance (e.g. Hastie,
    Tibshirani & Friedman, *The Elements of Statistical Learning*, Section 4.3).  The
    chapter *Does scale fix bias?* uses it so that a trained classifier's error on each
    group is known exactly, without a finite test set.
    """
    w = as_float_array("w", w)
    mu = as_float_array("mu", mu)
    if mu.ndim != 1:
        raise ValueError(f"`mu` must be one-dimensional (one class mean, shape (d,)), got shape {mu.shape}.")
    single = w.ndim == 1
    w = np.atleast_2d(w)
    if w.ndim != 2 or w.shape[1] != mu.size:
        raise ValueError(
            f"Mismatched lengths: `w` has {w.shape[-1]} weights per classifier but `mu` has "
            f"{mu.size} dimensions; pass one weight per feature."
        )
    b = np.atleast_1d(as_float_array("b", b)).ravel()
    if b.size == 1:
        b = np.full(w.shape[0], b[0])
    check_same_length(w=w, b=b)
    norm = np.linalg.norm(w, axis=1)
    if (norm == 0).any():
        raise ValueError("`w` has a classifier with all-zero weights; its error is not defined by a direction.")
    m = w @ mu
    err = 0.5 * (stats.norm.cdf(-(m + b) / norm) + stats.norm.cdf(-(m - b) / norm))
    return float(err[0]) if single else err


def logistic_population_limit(means, weights, *, n_nodes=60):
    r"""The infinite-data logistic regression on a mixture of Gaussian groups.

    Each group ``g`` has two equally likely classes ``y = ±1`` with
    ``x | y, g ~ N(y means[g], I)``, and makes up a fraction ``weights[g]`` of the data.
    One linear model ``sign(w·x + b)`` is fitted to all groups by minimising the
    *expected* logistic loss (no penalty): the model a group-blind logistic regression
    converges to as the training set grows without bound at fixed group shares.

    Parameters
    ----------
    means : array_like, shape (G, d)
        Class-(+1) mean of every group.
    weights : array_like, shape (G,)
        Group shares (positive; normalised to sum to 1).
    n_nodes : int, default 60
        Gauss–Hermite nodes for the one-dimensional expectation.

    Returns
    -------
    PopulationLimit
        ``w`` (shape (d,)) and ``b``, with ``success`` and a message; it unpacks as
        ``w, b = logistic_population_limit(...)``.

    Notes
    -----
    Given ``y`` and ``g``, the margin ``y (w·x + b)`` is normal with mean
    :math:`w\cdot\mu_g + y b` and standard deviation :math:`\|w\|`, so the expected loss
    is a weighted sum of one-dimensional Gaussian integrals, computed by Gauss–Hermite
    quadrature and minimised with BFGS.  With one group the minimiser points along
    ``means[0]`` and :func:`linear_classifier_error` of it is the Bayes error
    :math:`\Phi(-\|\mu\|)`.  With several it is a compromise weighted by the shares:
    the floor under the minority's error that more data of the same mix cannot remove.
    Chapter: *Does scale fix bias?*
    """
    from scipy import optimize

    means = np.atleast_2d(as_float_array("means", means))
    weights = np.atleast_1d(as_float_array("weights", weights)).ravel()
    if means.ndim != 2:
        raise ValueError(f"`means` must have shape (groups, dimensions), got {means.shape}.")
    check_same_length(means=means, weights=weights)
    if (weights <= 0).any():
        raise ValueError(f"`weights` must be > 0 (group shares), got {weights}; drop empty groups.")
    n_nodes = check_positive_int("n_nodes", n_nodes, minimum=2, maximum=1000)
    weights = weights / weights.sum()
    t, h = np.polynomial.hermite.hermgauss(int(n_nodes))
    z, pz = np.sqrt(2.0) * t, h / np.sqrt(np.pi)

    def loss(theta):
        w, b = theta[:-1], theta[-1]
        norm = np.sqrt(w @ w + 1e-300)
        m = means @ w  # (G,)
        total = 0.0
        for y in (-1.0, 1.0):
            margin = m[:, None] + y * b + norm * z[None, :]
            total += 0.5 * (np.logaddexp(0.0, -margin) @ pz) @ weights
        return total

    start = np.append(weights @ means, 0.0)
    res = optimize.minimize(loss, start, method="BFGS", options={"gtol": 1e-10})
    # BFGS often ends on "precision loss" at the optimum; judge by the gradient there.
    grad = optimize.approx_fprime(res.x, loss, 1e-7)
    grad_max = float(np.max(np.abs(grad)))
    reasons = []
    if not np.isfinite(res.x).all() or not np.isfinite(res.fun):
        reasons.append("the optimum is not finite")
    elif grad_max > 1e-6:
        reasons.append(f"not converged: max |gradient| = {grad_max:.2g} > 1e-6")
    elif not np.any(res.x[:-1] != 0):
        reasons.append("the weights are all zero: the classes are not separated")
    message = "converged (max |gradient| <= 1e-6)" if not reasons else _diagnose.join_reasons(reasons)
    return PopulationLimit(w=res.x[:-1].copy(), b=float(res.x[-1]), objective=float(res.fun),
                           success=not reasons, message=message)


@dataclass(frozen=True, eq=False)
class PopulationLimit:
    """Result of :func:`logistic_population_limit`: the infinite-data linear model.

    Unpacks as ``w, b``.

    Attributes
    ----------
    w : numpy.ndarray
        Weights.
    b : float
        Intercept.
    objective : float
        Expected logistic loss at the optimum (nats).
    success : bool
        Whether the minimiser converged to a finite, non-degenerate optimum.
    message : str
    """

    w: np.ndarray
    b: float
    objective: float
    success: bool
    message: str

    def __iter__(self):
        return iter((self.w, self.b))

    def summary(self):
        return (f"Infinite-data logistic regression: w = {np.array2string(self.w, precision=4)}, "
                f"b = {self.b:.4g}, expected loss {self.objective:.4g} nats; "
                f"success = {self.success} ({self.message})")

    def __str__(self):
        return self.summary()

    def _repr_html_(self):
        return "<pre>" + self.summary() + "</pre>"
