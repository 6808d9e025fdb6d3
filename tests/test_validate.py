"""Unit tests for :mod:`scaling_utils._validate`, the input checks every module shares.

Each test names the fuzz-harness finding (``tests/test_fuzz.py``) it guards against.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scaling_utils import _validate as v


# ---------------------------------------------------------------- conversion to float arrays
@pytest.mark.parametrize(
    "value, error, match",
    [
        (None, TypeError, r"`x` is None"),
        ([1.0, None], TypeError, r"`x` contains None \(first at flat index 1\)"),
        (np.array([1.0, None], dtype=object), TypeError, r"`x` contains None"),
        (pd.Series([1.0, None], dtype=object), TypeError, r"`x` contains None"),
        (True, TypeError, r"`x` must be a number, got the bool True"),
        (np.True_, TypeError, r"`x` must be a number"),
        (1 + 2j, TypeError, r"`x` must be real numbers"),
        (np.array([1 + 2j]), TypeError, r"`x` must be real numbers"),
        (object(), TypeError, r"`x` must be numbers .*got the object"),
        ({}, TypeError, r"`x` must be numbers"),
        ([1.0, {}], TypeError, r"`x` must be numbers .*holding the dict"),
        ("abc", TypeError, r"`x` must be numbers"),
        (b"abc", TypeError, r"`x` must be numbers"),
        (np.datetime64("2020-01-01"), TypeError, r"`x` must be numbers"),
        ([[1.0, 2.0], [3.0]], ValueError, r"`x` must be numbers in a rectangular array"),
        (10**400, ValueError, r"`x` is an integer too large for a float \(about 1e400\)"),
        (-(10**400), ValueError, r"`x` is an integer too large for a float \(about -1e400\)"),
        ([1, 10**400], ValueError, r"`x` holds an integer too large .*flat index 1"),
        ([1.0, np.nan], ValueError, r"`x` contains 1 NaN or infinite"),
        ([], ValueError, r"`x` is empty"),
    ],
)
def test_as_float_array_names_every_kind_of_bad_value(value, error, match):
    # None used to be reported as "NaN or infinite", 10**400 as a bare OverflowError.
    with pytest.raises(error, match=match):
        v.as_float_array("x", value)


def test_type_errors_are_also_value_errors():
    # Callers written before ArgumentTypeError existed catch ValueError: they still work.
    with pytest.raises(ValueError):
        v.as_float_array("x", None)
    assert issubclass(v.ArgumentTypeError, TypeError) and issubclass(v.ArgumentTypeError, ValueError)


def test_numbers_still_convert_as_before():
    assert v.as_float_array("x", 3).dtype == float
    assert v.as_float_array("x", "1e9") == 1e9  # numeric strings: unchanged behaviour
    assert v.as_float_array("x", np.array([True, False])).tolist() == [1.0, 0.0]
    assert v.as_float_array("x", 2**63) == 2.0**63
    assert v.as_float_array("x", np.array([1, 2], dtype=object)).tolist() == [1.0, 2.0]
    assert v.as_float_array("x", [], allow_empty=True).size == 0


def test_ndim_option_rejects_instead_of_flattening():
    # 2-D arrays used to be silently flattened by the fits.
    with pytest.raises(ValueError, match=r"`x` must be one-dimensional.*got shape \(2, 3\)"):
        v.as_float_array("x", np.ones((2, 3)), ndim=1)
    with pytest.raises(ValueError, match=r"`X` must be 2-D or 3-D, got shape \(4,\)"):
        v.as_positive_array("X", np.ones(4), ndim=(2, 3))
    assert v.as_positive_array("x", [1.0, 2.0], ndim=1).shape == (2,)
    assert v.as_float_array("x", np.ones((2, 3))).shape == (2, 3)  # default: any shape


# ---------------------------------------------------------------- shapes and results
def test_check_broadcastable_names_every_argument():
    # Was numpy's "operands could not be broadcast together with shapes (3,) (2,)".
    with pytest.raises(ValueError, match=r"`N` has shape \(3,\), `D` has shape \(2,\)"):
        v.check_broadcastable(N=np.ones(3), D=np.ones(2))
    assert v.check_broadcastable(N=np.ones((3, 1)), D=np.ones((1, 2)), E=1.0) == (3, 2)


def test_check_finite_result():
    # training_flops(1e308, 1e308) used to return inf with only a warning.
    with np.errstate(over="ignore"):
        out = np.float64(1e308) * 1e308
    with pytest.raises(ValueError, match=r"not finite.*`N`, `D`.*float range"):
        v.check_finite_result(out, "N", "D")
    assert v.check_finite_result(np.array([1.0, 2.0]), "N").tolist() == [1.0, 2.0]


# ---------------------------------------------------------------- integers, choices, labels
@pytest.mark.parametrize("big", [2**63, 10**400, np.int64(2**62)], ids=["2**63", "10**400", "int64"])
def test_check_positive_int_maximum(big):
    # Loop counts such as 2**63 used to be accepted and then hang.
    with pytest.raises(ValueError, match=r"`n_boot` must be an integer between 2 and 1000"):
        v.check_positive_int("n_boot", big, minimum=2, maximum=1000)
    assert v.check_positive_int("n_boot", big) == int(big)  # no maximum: unchanged behaviour


@pytest.mark.parametrize("bad", [2.0, "3", None, True, np.float64(3.0), [3]])
def test_check_positive_int_wrong_types(bad):
    with pytest.raises(TypeError, match=r"`n` must be an integer >= 1, got the"):
        v.check_positive_int("n", bad)


def test_check_positive_int_clips_huge_values_in_messages():
    with pytest.raises(ValueError, match="an integer with 401 digits") as info:
        v.check_positive_int("n", 10**400, maximum=10)
    assert len(str(info.value)) < 200


@pytest.mark.parametrize("bad", [np.array([]), np.array(["a", "b"]), ["a"], {}, None, 3])
def test_check_choice(bad):
    with pytest.raises(TypeError, match=r"`method` must be one of \('a', 'b'\)"):
        v.check_choice("method", bad, ("a", "b"))
    with pytest.raises(ValueError, match="`method` must be one of"):
        v.check_choice("method", "c", ("a", "b"))
    assert v.check_choice("method", "a", ("a", "b")) == "a"


def test_check_bool():
    assert v.check_bool("flag", np.True_) is True
    for bad in (1, "yes", None, np.array([True])):
        with pytest.raises(TypeError, match="`flag` must be True or False"):
            v.check_bool("flag", bad)


@pytest.mark.parametrize(
    "bad, error, match",
    [
        ("ab", TypeError, "must be a list of names, not one string"),
        (3, TypeError, "must be a list of names"),
        ({}, TypeError, "must be a list of names"),
        ([["a", "b"]], ValueError, "must be a flat list"),
        ([["a"], ["b", "c"]], ValueError, "must be a flat list"),
        ([{}], TypeError, "must hold names"),
        ([], ValueError, "is empty"),
    ],
)
def test_check_string_list(bad, error, match):
    # Were "'int' object is not iterable" and "unhashable type: 'list'".
    with pytest.raises(error, match=f"`groups` {match}"):
        v.check_string_list("groups", bad)
    assert v.check_string_list("groups", ("a", 1)) == ["a", 1]
