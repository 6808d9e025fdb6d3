"""Percentile intervals of bootstrap samples, printed to their Monte-Carlo precision.

A bootstrap interval end is itself an estimate: with ``m`` resamples, the ``q``-quantile
of the resampled statistic has a Monte-Carlo standard error of roughly
``sqrt(q (1 - q) / m) / density``.  Digits below that error are noise — they change with
the seed, and with the last bits of a computation on another CPU — so the book prints an
interval end only to the decimal place of its Monte-Carlo standard error.

The standard error is estimated from the order statistics by the distribution-free method
of Maritz & Jarrett (1978): the order statistic that estimates the quantile is a weighted
average of all the sorted draws, with weights from the beta distribution of its rank, and
its standard error is the weighted spread of the draws.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import special

from ._validate import ArgumentTypeError, check_positive_int, check_probability, check_string

__all__ = ["BootstrapInterval", "percentile_interval", "format_with_error"]


def _quantile_mc_se(sorted_values, q):
    """Monte-Carlo standard error of the ``q``-quantile of the sorted sample (Maritz-Jarrett).

    The ``M``-th order statistic of ``m`` draws, ``M = round(q m)``, has weights
    ``W_i = I_{i/m}(M - 1, m - M) - I_{(i-1)/m}(M - 1, m - M)`` on the sorted values
    (``I`` the regularised incomplete beta function); the standard error is the weighted
    standard deviation.  Maritz & Jarrett (1978), JASA 73:194-196.
    """
    m = sorted_values.size
    M = min(max(int(math.floor(q * m + 0.5)), 2), m - 1)
    edges = special.betainc(M - 1, m - M, np.arange(m + 1) / m)
    w = np.diff(edges)
    c1 = float(w @ sorted_values)
    c2 = float(w @ (sorted_values - c1) ** 2)
    return math.sqrt(max(c2, 0.0))


def _real(name, value):
    """``value`` as a float: a real number (NaN and infinity allowed), not a bool or a string."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ArgumentTypeError(f"`{name}` must be a real number, got {type(value).__name__} {value!r:.40}.")
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"`{name}` is an integer beyond the float range.") from None


def _decimal_place(error):
    """Power of ten of the leading digit of ``error`` (e.g. 0.0042 -> -3)."""
    return math.floor(math.log10(error))


def format_with_error(value, error, *, digits=4):
    """``value`` printed to the decimal place of its standard error ``error``.

    Parameters
    ----------
    value : float
    error : float
        Its (Monte-Carlo) standard error; 0, non-finite or below ``1e-12 * |value|``
        (rounding, not sampling) means "unknown", and then ``digits`` significant digits
        are printed.
    digits : int, default 4
        Significant digits when the error is unknown or zero.

    Returns
    -------
    str
        Fixed-point for ``1e-3 <= |value| < 1e5``, scientific otherwise; ``"nan"`` for NaN.

    Examples
    --------
    >>> format_with_error(0.93363, 0.00021)
    '0.9336'
    >>> format_with_error(5.8834e24, 2e22)
    '5.88e+24'
    """
    value = _real("value", value)
    error = _real("error", error)
    digits = check_positive_int("digits", digits, maximum=17)
    if not math.isfinite(value):
        return str(value)
    if error < 0:
        raise ValueError(f"`error` must be >= 0 (a standard error), got {error!r}.")
    # An error at the level of rounding (a few ulps) is no error: it says the value is exact.
    if not (math.isfinite(error) and error > 1e-12 * abs(value)):
        return f"{value:.{digits}g}"
    place = _decimal_place(error)
    if value == 0:
        return f"{0.0:.{max(-place, 0)}f}"
    magnitude = math.floor(math.log10(abs(value)))
    if 1e-3 <= abs(value) < 1e5:
        text = f"{round(value, -place):.{max(-place, 0)}f}"
    else:
        significant = max(magnitude - place + 1, 1)
        text = f"{value:.{significant - 1}e}"
    # A value that rounds to zero prints without a minus sign.
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return text


class BootstrapInterval(tuple):
    """A percentile interval ``(lower, upper)`` that knows its Monte-Carlo error.

    It unpacks and compares like the tuple ``(lower, upper)``; in addition it carries the
    Monte-Carlo standard error of each end, and prints each end only to the digits that
    error supports (:meth:`text`, ``str``).  ``(nan, nan)`` with a ``reason`` when no
    interval can be given (too few successful resamples, or a parameter the data do not
    pin down).

    Attributes
    ----------
    lower, upper : float
    lower_error, upper_error : float
        Monte-Carlo standard errors of the two ends.
    confidence : float
    n_samples : int
        Number of resamples the interval was computed from.
    reason : str
        Why the interval is ``(nan, nan)``; empty otherwise.
    """

    def __new__(cls, lower, upper, *, lower_error=math.nan, upper_error=math.nan,
                confidence=math.nan, n_samples=0, reason=""):
        self = super().__new__(cls, (float(lower), float(upper)))
        self.lower_error = float(lower_error)
        self.upper_error = float(upper_error)
        self.confidence = float(confidence)
        self.n_samples = int(n_samples)
        self.reason = str(reason)
        return self

    @property
    def lower(self):
        return self[0]

    @property
    def upper(self):
        return self[1]

    @property
    def defined(self):
        """Whether both ends are finite numbers."""
        return math.isfinite(self[0]) and math.isfinite(self[1])

    def rounded(self):
        """``(lower, upper)`` rounded to the decimal place of their Monte-Carlo errors."""
        return tuple(float(format_with_error(v, e)) if math.isfinite(v) else v
                     for v, e in ((self[0], self.lower_error), (self[1], self.upper_error)))

    def text(self, sep=" to "):
        """Both ends printed to their Monte-Carlo precision, e.g. ``"0.934 to 0.940"``.

        An undefined interval prints as ``"not identified"`` or ``"undefined"`` with its
        reason.
        """
        check_string("sep", sep)
        if not self.defined:
            return f"undefined ({self.reason})" if self.reason else "undefined"
        return (format_with_error(self[0], self.lower_error) + sep
                + format_with_error(self[1], self.upper_error))

    def __str__(self):
        return self.text()

    def __repr__(self):
        return (f"BootstrapInterval({self[0]!r}, {self[1]!r}, lower_error={self.lower_error!r}, "
                f"upper_error={self.upper_error!r}, n_samples={self.n_samples})")

    def __reduce__(self):
        return (_rebuild, (self[0], self[1], self.lower_error, self.upper_error, self.confidence,
                           self.n_samples, self.reason))


def _rebuild(lower, upper, lower_error, upper_error, confidence, n_samples, reason):
    return BootstrapInterval(lower, upper, lower_error=lower_error, upper_error=upper_error,
                             confidence=confidence, n_samples=n_samples, reason=reason)


def _sample(name, values):
    """A 1-D float array of bootstrap values (NaN and infinity allowed: they are dropped)."""
    if values is None or isinstance(values, (str, bytes, bool, np.bool_, dict)):
        raise ArgumentTypeError(f"`{name}` must be numbers (a list or a 1-D array), got {type(values).__name__}.")
    try:
        arr = np.asarray(values)
    except (ValueError, TypeError, OverflowError):
        raise ValueError(f"`{name}` must be a 1-D array of numbers; could not convert it.") from None
    if arr.dtype.kind not in "iuf":
        raise ArgumentTypeError(f"`{name}` must hold real numbers, got an array of dtype {arr.dtype}.")
    if arr.ndim > 1:
        raise ValueError(f"`{name}` must be 1-D (one value per resample), got {arr.ndim} dimensions.")
    return arr.astype(float).reshape(-1)


def percentile_interval(values, confidence=0.95, *, min_samples=20):
    """Percentile interval of bootstrap ``values`` with the Monte-Carlo error of each end.

    Parameters
    ----------
    values : array_like
        One value per successful resample (NaN and infinite values are dropped).
    confidence : float, default 0.95
        Level of the interval: its ends are the ``(1 - confidence) / 2`` and
        ``(1 + confidence) / 2`` quantiles.
    min_samples : int, default 20
        Fewer finite values than this give ``(nan, nan)``.

    Returns
    -------
    BootstrapInterval
        ``(nan, nan)`` with a reason when there are fewer than ``min_samples`` values.
        Whether the data pin a parameter down is for the estimator to judge (from the
        curvature of its objective), not for the width of the interval: exact data give
        identical refits and an honest zero-width interval.

    Notes
    -----
    Efron & Tibshirani (1993), *An Introduction to the Bootstrap*, ch. 13 (percentile
    interval) and ch. 19 (Monte-Carlo error of bootstrap quantities).
    """
    confidence = check_probability("confidence", confidence)
    min_samples = check_positive_int("min_samples", min_samples, maximum=10**9)
    arr = _sample("values", values)
    arr = np.sort(arr[np.isfinite(arr)])
    m = arr.size
    if m < min_samples:
        return BootstrapInterval(math.nan, math.nan, confidence=confidence, n_samples=m,
                                 reason=f"only {m} successful resamples")
    q_lo, q_hi = (1 - confidence) / 2, (1 + confidence) / 2
    # Interpolation can land an ulp outside the sample (seen with AVX-512 kernels on a constant
    # sample): a quantile never leaves [min, max].
    lo, hi = np.clip(np.quantile(arr, [q_lo, q_hi]), arr[0], arr[-1])
    return BootstrapInterval(lo, hi, lower_error=_quantile_mc_se(arr, q_lo),
                             upper_error=_quantile_mc_se(arr, q_hi), confidence=confidence,
                             n_samples=m)
