"""Tests for scaling_utils.plotting (Agg backend, set in tests/conftest.py)."""
import subprocess
import sys

import numpy as np
import pytest

mpl = pytest.importorskip("matplotlib")
pytest.importorskip("seaborn")
mpl.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from scaling_utils import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def fit_data():
    N = np.array([1e7, 3e7, 1e8, 3e8, 1e9])
    L = 1.69 + 406.4 * N ** -0.34
    grid = np.geomspace(5e6, 2e9, 50)
    curve = 1.69 + 406.4 * grid ** -0.34
    return N, L, grid, curve


def test_package_imports_without_matplotlib_or_seaborn():
    code = (
        "import sys; sys.modules['matplotlib'] = None; sys.modules['seaborn'] = None\n"
        "import scaling_utils.plotting as p\n"
        "assert callable(p.plot_fit)\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_set_theme_applies_the_book_theme():
    mpl.rcParams["figure.dpi"] = 72
    assert plotting.set_theme() is None
    assert mpl.rcParams["figure.dpi"] == 100
    assert mpl.rcParams["savefig.bbox"] == "tight"
    assert mpl.rcParams["axes.grid"]  # seaborn "whitegrid"
    import seaborn as sns

    cycle = [to_rgba(c["color"]) for c in mpl.rcParams["axes.prop_cycle"]]
    assert cycle[:3] == [to_rgba(c) for c in sns.color_palette("colorblind")[:3]]


def test_loglog_axes_new_and_given():
    ax = plotting.loglog_axes(xlabel="parameters N", ylabel="loss L (nats/token)")
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    assert ax.get_xlabel() == "parameters N"
    assert ax.get_ylabel() == "loss L (nats/token)"

    _, given = plt.subplots()
    out = plotting.loglog_axes(given, xlabel="C (FLOP)", ylabel="L")
    assert out is given
    assert given.get_xscale() == "log"


@pytest.mark.parametrize("bad", [None, 3])
def test_loglog_axes_rejects_bad_labels(bad):
    with pytest.raises(ValueError, match="`xlabel`"):
        plotting.loglog_axes(xlabel=bad, ylabel="L")


def test_plot_fit_data_curve_and_band(fit_data):
    N, L, grid, curve = fit_data
    ax = plotting.plot_fit(
        N, L, curve_x=grid, curve_y=curve, band=(0.98 * curve, 1.02 * curve),
        label="fit", data_label="data", xlabel="parameters N", ylabel="loss L (nats/token)",
    )
    points, line = ax.get_lines()
    np.testing.assert_allclose(points.get_xdata(), N)
    np.testing.assert_allclose(points.get_ydata(), L)
    assert points.get_linestyle() == "None"
    np.testing.assert_allclose(line.get_xdata(), grid)
    assert to_rgba(points.get_color()) == to_rgba(line.get_color())
    assert len(ax.collections) == 1  # the band
    band = ax.collections[0]
    assert to_rgba(band.get_facecolor()[0])[:3] == to_rgba(line.get_color())[:3]
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("parameters N", "loss L (nats/token)")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["data", "fit"]


def test_plot_fit_sorts_curve_and_overlays_on_given_axes(fit_data):
    N, L, grid, curve = fit_data
    rev = slice(None, None, -1)
    ax = plotting.plot_fit(N, L, curve_x=grid[rev], curve_y=curve[rev])
    ax2 = plotting.plot_fit(N, 1.1 * L, ax=ax, color="black")
    assert ax2 is ax
    assert np.all(np.diff(ax.get_lines()[1].get_xdata()) > 0)
    assert len(ax.get_lines()) == 3
    assert to_rgba(ax.get_lines()[2].get_color()) == to_rgba("black")
    assert ax.get_legend() is None  # no labels given


def test_plot_fit_points_only_and_linear_axes():
    ax = plotting.plot_fit([-1.0, 0.0, 1.0], [0.5, -0.5, 2.0], logx=False, logy=False)
    assert (ax.get_xscale(), ax.get_yscale()) == ("linear", "linear")
    assert len(ax.get_lines()) == 1
    assert not ax.collections


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(x=[1.0, np.nan, 3.0]), "`x` contains 1 NaN"),
        (dict(y=[1.0, 2.0, np.inf]), "`y` contains 1 NaN or infinite"),
        (dict(x=[1.0, 0.0, 3.0]), "`x` must be strictly positive"),
        (dict(y=[1.0, -2.0, 3.0]), "`y` must be strictly positive"),
        (dict(x=[1.0, 2.0]), "Mismatched lengths: `x` has 2, `y` has 3"),
        (dict(x=[[1.0, 2.0, 3.0]]), "`x` must be one-dimensional"),
        (dict(x=["a", "b", "c"]), "`x` must be numbers"),
        (dict(curve_x=[1.0, 2.0]), "`curve_y` is missing"),
        (dict(curve_y=[1.0, 2.0]), "`curve_x` is missing"),
        (dict(curve_x=[1.0, 2.0], curve_y=[1.0]), "Mismatched lengths: `curve_x` has 2"),
        (dict(curve_x=[1.0, -2.0], curve_y=[1.0, 2.0]), "`curve_x` must be strictly positive"),
        (dict(curve_x=[1.0, 2.0], curve_y=[1.0, 0.0]), "`curve_y` must be strictly positive"),
        (dict(band=([1.0], [2.0])), "`band` needs a curve"),
        (dict(curve_x=[1.0, 2.0], curve_y=[1.0, 2.0], band=([1.0, 2.0],)), "`band` must be a pair"),
        (dict(curve_x=[1.0, 2.0], curve_y=[1.0, 2.0], band=([1.0], [2.0])),
         "Mismatched lengths: `curve_x` has 2, `band_lo` has 1"),
        (dict(curve_x=[1.0, 2.0], curve_y=[1.0, 2.0], band=([1.0, 3.0], [2.0, 2.5])),
         "`band` has lo > hi at index 1"),
        (dict(curve_x=[1.0, 2.0], curve_y=[1.0, 2.0], band=([0.0, 1.0], [2.0, 2.5])),
         r"`band\[0\] \(lo\)` must be strictly positive"),
        (dict(curve_x=[1.0, 2.0], curve_y=[1.0, 2.0], band=([1.0, 1.0], [2.0, np.nan])),
         r"`band\[1\] \(hi\)` contains 1 NaN"),
        (dict(label=5), "`label` must be a string"),
        (dict(xlabel=["N"]), "`xlabel` must be a string"),
    ],
)
def test_plot_fit_rejects_bad_input(kwargs, match):
    args = dict(x=[1.0, 2.0, 3.0], y=[1.0, 2.0, 3.0])
    args.update(kwargs)
    x, y = args.pop("x"), args.pop("y")
    with pytest.raises(ValueError, match=match):
        plotting.plot_fit(x, y, **args)
    assert not plt.get_fignums()  # nothing drawn when the input is rejected


def test_plot_fit_allows_non_positive_values_on_linear_axes():
    ax = plotting.plot_fit([1.0, 2.0], [0.0, -1.0], curve_x=[1.0, 2.0], curve_y=[0.0, -1.0],
                           band=([-0.5, -1.5], [0.5, -0.5]), logy=False)
    assert ax.get_yscale() == "linear"
    assert ax.get_xscale() == "log"


# --- format_table ---------------------------------------------------------------------------
def test_format_table_formats_named_columns_and_keeps_the_original():
    import pandas as pd

    frame = pd.DataFrame({"N": [1.23456e9, 7e10], "name": ["a", "b"]})
    shown = plotting.format_table(frame, {"N": "{:.3g}"})
    assert list(shown["N"]) == ["1.23e+09", "7e+10"]
    assert list(shown["name"]) == ["a", "b"]
    assert frame["N"].dtype == float  # the input is not modified


def test_format_table_one_spec_applies_to_numeric_columns_only():
    import pandas as pd

    frame = pd.DataFrame({"x": [0.12345], "y": [2], "label": ["z"]})
    shown = plotting.format_table(frame, "{:.2f}")
    assert shown.loc[0, "x"] == "0.12" and shown.loc[0, "y"] == "2.00" and shown.loc[0, "label"] == "z"


def test_format_table_drops_the_sign_of_a_rounded_zero():
    import pandas as pd

    frame = pd.DataFrame({"x": [-1e-17, 1e-17, -0.0, -0.00012, -3e-9]})
    assert list(plotting.format_table(frame, "{:.4f}")["x"]) == ["0.0000", "0.0000", "0.0000", "-0.0001", "0.0000"]
    assert list(plotting.format_table(frame, "{:+.2%}")["x"]) == ["+0.00%", "+0.00%", "+0.00%", "-0.01%", "+0.00%"]
    assert list(plotting.format_table(frame, "{:.1e}")["x"]) == ["-1.0e-17", "1.0e-17", "0.0e+00", "-1.2e-04", "-3.0e-09"]


def test_format_table_output_has_no_memory_address():
    import pandas as pd

    shown = plotting.format_table(pd.DataFrame({"x": [1.0]}), "{:.1f}")
    assert "0x" not in repr(shown) and "0x" not in shown._repr_html_()


@pytest.mark.parametrize(
    "frame, formats, match",
    [
        ("not a frame", "{:.1f}", "`frame`"),
        (None, {"missing": "{:.1f}"}, "not in the table"),
        (None, 3, "`formats`"),
    ],
)
def test_format_table_rejects_bad_input(frame, formats, match):
    import pandas as pd

    if frame is None:
        frame = pd.DataFrame({"x": [1.0]})
    with pytest.raises(ValueError, match=match):
        plotting.format_table(frame, formats)


# --------------------------------------------------------------------------- fuzz-harness findings
_N = [1e7, 1e8, 1e9]
_L = [3.0, 2.5, 2.2]


@pytest.mark.parametrize("bad", [np.nan, "axes", 0, [], object()])
def test_ax_that_is_not_axes_is_named(bad):
    # Was "AttributeError: 'float' object has no attribute 'set_xscale'".
    with pytest.raises(TypeError, match="`ax` must be a matplotlib Axes"):
        plotting.loglog_axes(bad, xlabel="N", ylabel="L")
    with pytest.raises(TypeError, match="`ax` must be a matplotlib Axes"):
        plotting.plot_fit(_N, _L, ax=bad)
    plt.close("all")


@pytest.mark.parametrize("bad", [np.nan, "not-a-colour", True, [[1.0, 2.0], [3.0, 4.0]]])
def test_bad_colour_is_named(bad):
    # Was matplotlib's "nan is not a valid value for color" (no argument named).
    with pytest.raises(ValueError, match="`color` must be a matplotlib colour"):
        plotting.plot_fit(_N, _L, color=bad)
    plt.close("all")


@pytest.mark.parametrize("bad", [np.nan, 3, True, np.float64(1.0), np.array(0.5)])
def test_band_that_is_not_a_pair_is_named(bad):
    # Was "TypeError: object of type 'float' has no len()".
    with pytest.raises(TypeError, match="`band` must be a pair"):
        plotting.plot_fit(_N, _L, curve_x=_N, curve_y=_L, band=bad)


@pytest.mark.parametrize("arg", ["logx", "logy"])
@pytest.mark.parametrize("bad", [np.nan, "yes", np.array([]), None])
def test_log_switches_must_be_booleans(arg, bad):
    # NaN and "yes" were silently truthy; an array raised numpy's "truth value is ambiguous".
    with pytest.raises(TypeError, match=f"`{arg}` must be True or False"):
        plotting.plot_fit(_N, _L, **{arg: bad})
