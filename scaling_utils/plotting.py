"""Plotting helpers: one theme and two figure patterns for the whole book.

Every chapter calls :func:`set_theme` once, draws power laws on
:func:`loglog_axes`, and shows a fit against its data with :func:`plot_fit`,
so figures look the same from the first chapter to the last.

matplotlib and seaborn are imported inside the functions, never at import
time: ``import scaling_utils`` works without them (they are the optional
``plot`` extra, ``pip install scaling_utils[plot]``).
"""
from __future__ import annotations

import numpy as np

from ._validate import (
    ArgumentTypeError,
    as_float_array,
    as_positive_array,
    check_bool,
    check_same_length,
)

__all__ = ["set_theme", "loglog_axes", "plot_fit"]

#: rcParams applied by :func:`set_theme` on top of the seaborn theme.
RC_PARAMS = {
    "figure.dpi": 100,
    "figure.figsize": (6.4, 4.4),
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "axes.titleweight": "normal",
    "legend.frameon": True,
    "lines.linewidth": 2.0,
    "lines.markersize": 5.0,
}

#: Opacity of the shaded uncertainty band drawn by :func:`plot_fit`.
BAND_ALPHA = 0.25


def set_theme() -> None:
    """Apply the book's single seaborn/matplotlib theme.

    Calls ``seaborn.set_theme(context="notebook", style="whitegrid",
    palette="colorblind")`` and then updates matplotlib's rcParams with
    :data:`RC_PARAMS` (100 dpi on screen, tight bounding boxes when saving).
    Call it once near the top of a chapter, after the imports.

    Returns
    -------
    None
        The theme is global matplotlib state; nothing is returned, so a
        notebook cell that ends with this call prints nothing.

    Notes
    -----
    Introduced in the chapter "Introduction" (``chapters/intro.ipynb``). One
    theme for every chapter is a rule of the book's style guide: figures
    differ in content, never in look. The colour-blind-safe palette is
    seaborn's ``"colorblind"``.

    Examples
    --------
    >>> from scaling_utils import plotting
    >>> plotting.set_theme()
    """
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind")
    mpl.rcParams.update(RC_PARAMS)


def _check_label(name: str, value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ArgumentTypeError(
            f"`{name}` must be a string (an axis label with units, e.g. "
            f"'parameters N'), got {type(value).__name__}."
        )
    return value


def _check_ax(ax):
    """``ax`` if it is None or a matplotlib Axes, else a named error."""
    if ax is None:
        return None
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise ArgumentTypeError(
            f"`ax` must be a matplotlib Axes (e.g. from plt.subplots()) or None, got "
            f"{type(ax).__name__}."
        )
    return ax


def _check_color(color):
    """``color`` if it is None or a matplotlib colour, else a named error."""
    if color is None:
        return None
    from matplotlib.colors import is_color_like

    if isinstance(color, (bool, np.bool_)) or not is_color_like(color):
        raise ValueError(
            f"`color` must be a matplotlib colour (a name such as 'C0' or 'black', a hex "
            f"string, or an RGB(A) tuple of numbers in [0, 1]), got {color!r:.60}."
        )
    return color


def _check_band(band):
    """``band`` as its two edges ``(lo, hi)``, or a named error."""
    if isinstance(band, (str, bytes, dict)) or not hasattr(band, "__len__") or np.ndim(band) == 0:
        raise ArgumentTypeError(
            "`band` must be a pair (lo, hi) of arrays evaluated on `curve_x`, got "
            f"{type(band).__name__}."
        )
    if len(band) != 2:
        raise ValueError(
            "`band` must be a pair (lo, hi) of arrays evaluated on `curve_x`, got "
            f"{len(band)} item(s)."
        )
    return band[0], band[1]


def _new_axes():
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    return ax


def loglog_axes(ax=None, *, xlabel: str, ylabel: str):
    """Return axes with logarithmic x and y scales and labelled axes.

    A power law ``y = A x**(-alpha)`` is a straight line on these axes, which
    is why every scaling-law figure in the book starts here.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Axes to set up. If omitted, a new figure with one axes is created.
    xlabel : str
        Label of the x axis, with units (e.g. ``"parameters N"`` or
        ``"compute C (FLOP)"``).
    ylabel : str
        Label of the y axis, with units (e.g. ``"loss L (nats/token)"``).

    Returns
    -------
    matplotlib.axes.Axes
        ``ax`` (or the new axes) with both scales logarithmic.

    Raises
    ------
    ValueError
        If ``xlabel`` or ``ylabel`` is not a string.

    Notes
    -----
    Introduced in the chapter "Introduction" (``chapters/intro.ipynb``) and
    used for every power-law figure from "Power laws"
    (``chapters/power_laws.ipynb``) on.

    Examples
    --------
    >>> from scaling_utils.plotting import loglog_axes
    >>> ax = loglog_axes(xlabel="parameters N", ylabel="loss L (nats/token)")
    >>> ax.get_xscale(), ax.get_yscale()
    ('log', 'log')
    """
    xlabel = _check_label("xlabel", xlabel)
    ylabel = _check_label("ylabel", ylabel)
    if xlabel is None:
        raise ValueError("`xlabel` is required: pass the x-axis label with units.")
    if ylabel is None:
        raise ValueError("`ylabel` is required: pass the y-axis label with units.")
    if _check_ax(ax) is None:
        ax = _new_axes()
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def _as_axis_array(name: str, values, *, log: bool) -> np.ndarray:
    check = as_positive_array if log else as_float_array
    return check(name, values, ndim=1)


def plot_fit(
    x,
    y,
    *,
    curve_x=None,
    curve_y=None,
    band=None,
    ax=None,
    label: str | None = None,
    data_label: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    logx: bool = True,
    logy: bool = True,
    color=None,
):
    """Plot observations, a fitted curve and its uncertainty band on one axes.

    The data are drawn as points, the fitted curve as a line of the same
    colour, and the band (for example a bootstrap 95% interval) as a shaded
    region around the curve.

    Parameters
    ----------
    x, y : array_like
        Observed points, one value per observation (e.g. ``N`` and ``L``).
    curve_x, curve_y : array_like, optional
        The fitted curve evaluated on a grid. Pass both or neither.
    band : tuple of array_like, optional
        ``(lo, hi)``: lower and upper edge of the uncertainty band, each
        evaluated on ``curve_x`` (so ``curve_x`` is required). ``lo <= hi``
        element-wise.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created if omitted. Pass the same
        axes again to overlay several fits.
    label : str, optional
        Legend entry for the fitted curve.
    data_label : str, optional
        Legend entry for the data points.
    xlabel, ylabel : str, optional
        Axis labels with units; existing labels are kept if omitted.
    logx, logy : bool, default True
        Use a logarithmic x (y) axis. On a logarithmic axis every value,
        including the curve and the band, must be strictly positive.
    color : matplotlib colour, optional
        Colour of points, curve and band; by default the next colour of the
        axes' cycle (the theme's colour-blind-safe palette).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    ValueError
        Naming the offending argument, if any value is NaN or infinite, if a
        value is ``<= 0`` on a logarithmic axis, if lengths do not match, if
        only one of ``curve_x``/``curve_y`` is given, if ``band`` is given
        without a curve or is not a ``(lo, hi)`` pair, or if ``lo > hi``.

    Notes
    -----
    Introduced in the chapter "Introduction" (``chapters/intro.ipynb``); the
    chapters that fit laws (from "Power laws", ``chapters/power_laws.ipynb``,
    on) use it to show each fit next to the data it was fitted to.

    Examples
    --------
    >>> import numpy as np
    >>> from scaling_utils.plotting import plot_fit
    >>> N = np.array([1e7, 1e8, 1e9])
    >>> L = 10 * N ** -0.076
    >>> ax = plot_fit(N, L, curve_x=N, curve_y=L, xlabel="parameters N",
    ...               ylabel="loss L (nats/token)")
    """
    label = _check_label("label", label)
    data_label = _check_label("data_label", data_label)
    xlabel = _check_label("xlabel", xlabel)
    ylabel = _check_label("ylabel", ylabel)
    logx = check_bool("logx", logx)
    logy = check_bool("logy", logy)
    ax = _check_ax(ax)
    color = _check_color(color)

    x = _as_axis_array("x", x, log=logx)
    y = _as_axis_array("y", y, log=logy)
    check_same_length(x=x, y=y)

    if (curve_x is None) != (curve_y is None):
        missing = "curve_y" if curve_y is None else "curve_x"
        raise ValueError(
            f"`{missing}` is missing: pass both `curve_x` and `curve_y` "
            "(the fitted curve evaluated on a grid) or neither."
        )
    if curve_x is not None:
        curve_x = _as_axis_array("curve_x", curve_x, log=logx)
        curve_y = _as_axis_array("curve_y", curve_y, log=logy)
        check_same_length(curve_x=curve_x, curve_y=curve_y)

    if band is not None:
        if curve_x is None:
            raise ValueError(
                "`band` needs a curve: pass `curve_x` (and `curve_y`) on which "
                "the band's edges were evaluated."
            )
        lo, hi = _check_band(band)
        lo = _as_axis_array("band[0] (lo)", lo, log=logy)
        hi = _as_axis_array("band[1] (hi)", hi, log=logy)
        check_same_length(curve_x=curve_x, band_lo=lo, band_hi=hi)
        if np.any(lo > hi):
            first = int(np.flatnonzero(lo > hi)[0])
            raise ValueError(
                f"`band` has lo > hi at index {first} ({lo[first]!r} > {hi[first]!r}); "
                "pass (lower edge, upper edge)."
            )

    if ax is None:
        ax = _new_axes()
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")

    (points,) = ax.plot(
        x, y, marker="o", linestyle="none", color=color, label=data_label, zorder=3
    )
    color = points.get_color()
    if curve_x is not None:
        order = np.argsort(curve_x, kind="stable")
        ax.plot(curve_x[order], curve_y[order], linestyle="-", color=color, label=label,
                zorder=2)
        if band is not None:
            ax.fill_between(curve_x[order], lo[order], hi[order], color=color,
                            alpha=BAND_ALPHA, linewidth=0, zorder=1)
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if label is not None or data_label is not None:
        ax.legend()
    return ax


def format_table(frame, formats):
    """Return a copy of ``frame`` with columns rendered as strings by format specs.

    Unlike ``DataFrame.style.format``, the result is a plain DataFrame whose
    text and HTML output are deterministic (a Styler's text output carries a
    memory address), so notebooks that show it re-execute identically under nbval.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to show.
    formats : dict or str
        Column name -> format spec (e.g. ``{"N": "{:.3g}"}``), or one spec for
        every numeric column. A value that rounds to zero is shown without a minus
        sign, so the table is the same on every machine.

    Returns
    -------
    pandas.DataFrame
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise ValueError("`frame` must be a pandas DataFrame.")
    if isinstance(formats, str):
        formats = {c: formats for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])}
    if not isinstance(formats, dict):
        raise ValueError("`formats` must be a dict of column -> format spec, or one format spec string.")
    unknown = sorted(set(formats) - set(frame.columns))
    if unknown:
        raise ValueError(f"`formats` names columns not in the table: {unknown}; columns are {list(frame.columns)}.")
    out = frame.copy()
    for column, spec in formats.items():
        out[column] = [_format_without_negative_zero(spec, v) for v in frame[column]]
    return out


def _format_without_negative_zero(spec, value):
    """``spec.format(value)``, but a number that rounds to zero is shown as zero formatted
    ("-0.0000" -> "0.0000", "-0.00%" -> "+0.00%" with a ``+`` spec).

    Whether a difference that is zero in exact arithmetic comes out as +1e-17 or -1e-17
    depends on the CPU's floating-point kernels, so the sign of a rounded zero would make a
    notebook's output differ between machines.
    """
    text = spec.format(value)
    mantissa = text.strip().split("e")[0].split("E")[0]
    if mantissa.startswith("-") and not any(ch in "123456789" for ch in mantissa):
        return spec.format(0.0)
    return text
