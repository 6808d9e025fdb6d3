"""Input checks shared by every public function in :mod:`scaling_utils`.

Each check raises an exception whose message names the argument (in backticks, e.g.
```N```), says what was wrong, and says what to do about it.  Keeping the checks in one
place means every module words its errors the same way.

Wrong *types* (None, non-numeric strings, complex numbers, booleans where a number is
expected, arbitrary objects) raise :class:`ArgumentTypeError`, a :class:`TypeError` that is also a
:class:`ValueError`; wrong *values* (NaN, infinity, out of range, wrong shape, mismatched
lengths, results that overflow) raise :class:`ValueError`.  Because every bad input used to
raise ValueError, ``except ValueError`` keeps catching both.
"""
from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping

import numpy as np

__all__ = [
    "ArgumentTypeError",
    "MAX_COUNT",
    "as_float_array",
    "as_positive_array",
    "check_same_length",
    "check_broadcastable",
    "check_enough_points",
    "check_scalar",
    "check_positive_scalar",
    "check_probability",
    "check_positive_int",
    "check_finite_result",
    "check_choice",
    "check_bool",
    "check_string",
    "check_string_list",
]

#: A sensible ``maximum`` for :func:`check_positive_int` when a count (a loop count, an array
#: length) has no natural bound of its own: 2**31 - 1.  Far beyond anything that finishes in
#: reasonable time, and far below 2**63, which would hang or overflow.
MAX_COUNT = 2**31 - 1


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (a TypeError; also a ValueError for compatibility)."""


def _describe(value) -> str:
    """A short description of ``value`` for error messages: its type and a clipped repr."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def _reject_non_numbers(name: str, values) -> None:
    """Raise ArgumentTypeError for None, booleans and complex numbers.

    Strings are left to NumPy's conversion: numeric strings such as ``"1e9"`` are accepted as
    numbers (as they always were), anything else fails to convert with a named error.
    """
    if values is None:
        raise ArgumentTypeError(
            f"`{name}` is None; pass a number or an array of numbers."
        )
    if isinstance(values, (bool, np.bool_)):
        raise ArgumentTypeError(
            f"`{name}` must be a number, got the bool {values!r}; pass a number."
        )
    if isinstance(values, (complex, np.complexfloating)):
        raise ArgumentTypeError(
            f"`{name}` must be real numbers, got the complex number {values!r}."
        )


def _object_element_problem(name: str, arr: np.ndarray):
    """The exception for the first non-number inside an object array, or None."""
    for i, v in enumerate(arr.ravel()):
        where = "" if arr.ndim == 0 else f" (first at flat index {i})"
        if v is None:
            if arr.ndim == 0:
                return ArgumentTypeError(f"`{name}` is None; pass a number or an array of numbers.")
            return ArgumentTypeError(
                f"`{name}` contains None{where}; pass numbers only (drop or impute missing "
                "values first)."
            )
        if isinstance(v, (complex, np.complexfloating)) or not isinstance(
            v, (numbers.Real, np.number, np.bool_, str, bytes)
        ):
            return ArgumentTypeError(
                f"`{name}` must be numbers (a float, a list or a NumPy array), got "
                f"{'' if arr.ndim == 0 else 'an array holding '}the {_describe(v)}{where}."
            )
        if isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)):
            try:
                float(v)
            except OverflowError:
                return ValueError(
                    f"`{name}` {'is' if arr.ndim == 0 else 'holds'} an integer too large for a "
                    f"float (about {'-' if v < 0 else ''}1e{len(str(abs(int(v)))) - 1}){where}; "
                    "floats stop at about 1.8e308, so pass a smaller value or change the units."
                )
    return None


def _to_float_array(name: str, values) -> np.ndarray:
    """Convert to a float array, turning every way that can fail into a named error."""
    _reject_non_numbers(name, values)
    try:
        raw = values if isinstance(values, np.ndarray) else np.asarray(values)
    except (TypeError, ValueError) as exc:  # ragged nested lists
        raise ValueError(
            f"`{name}` must be numbers in a rectangular array; could not convert it: {exc}"
        ) from None
    kind = raw.dtype.kind
    if kind == "c":
        raise ArgumentTypeError(f"`{name}` must be real numbers, got a complex array.")
    if kind in "mMV":
        raise ArgumentTypeError(
            f"`{name}` must be numbers, got an array of dtype {raw.dtype}."
        )
    if kind == "O":
        problem = _object_element_problem(name, raw)
        if problem is not None:
            raise problem
    try:
        return raw.astype(float) if raw.dtype != np.float64 else raw
    except OverflowError:
        problem = _object_element_problem(name, raw)
        raise (problem or ValueError(f"`{name}` is too large for a float.")) from None
    except (TypeError, ValueError) as exc:
        raise ArgumentTypeError(
            f"`{name}` must be numbers (a float, a list or a NumPy array); "
            f"could not convert it: {exc}"
        ) from None


def _check_ndim(name: str, arr: np.ndarray, ndim) -> None:
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if arr.ndim in allowed:
        return
    if allowed == (1,):
        raise ValueError(
            f"`{name}` must be one-dimensional (one value per observation), got shape "
            f"{arr.shape}; a nested list or a 2-D array is not flattened, so pass a flat list "
            f"or array ({name}.ravel() if that is what you mean)."
        )
    want = " or ".join(f"{d}-D" for d in allowed)
    raise ValueError(f"`{name}` must be {want}, got shape {arr.shape}.")


def as_float_array(name: str, values, *, allow_empty: bool = False, ndim=None) -> np.ndarray:
    """Return ``values`` as a float array, rejecting NaN, infinity and non-numbers.

    Parameters
    ----------
    name : str
        The argument's name, used in error messages.
    values : array_like
        Numbers: a float, an int, a list or a NumPy/pandas array.
    allow_empty : bool, default False
        Accept an empty array.
    ndim : int or tuple of int, optional
        Required number of dimensions (e.g. ``1`` for one value per observation, so that a
        2-D array is rejected instead of silently flattened).  Default: any.

    Raises
    ------
    ArgumentTypeError
        None, strings, bytes, a bool, complex numbers or other non-numbers.
    ValueError
        NaN or infinity, integers beyond the float range, an empty array, ragged nested
        lists, or the wrong number of dimensions.
    """
    arr = _to_float_array(name, values)
    if ndim is not None:
        _check_ndim(name, arr, ndim)
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"`{name}` is empty; pass at least one value.")
    bad = ~np.isfinite(arr)
    if bad.any():
        first = int(np.flatnonzero(bad.ravel())[0])
        raise ValueError(
            f"`{name}` contains {int(bad.sum())} NaN or infinite value(s) "
            f"(first at flat index {first}); drop or impute those rows before calling."
        )
    return arr


def as_positive_array(name: str, values, *, allow_empty: bool = False, ndim=None) -> np.ndarray:
    """Return ``values`` as a float array of strictly positive, finite numbers.

    ``allow_empty`` and ``ndim`` are as for :func:`as_float_array`.
    """
    arr = as_float_array(name, values, allow_empty=allow_empty, ndim=ndim)
    bad = arr <= 0
    if bad.any():
        first = int(np.flatnonzero(bad.ravel())[0])
        raise ValueError(
            f"`{name}` must be strictly positive (it is a size, a count or a loss), "
            f"but {int(bad.sum())} value(s) are <= 0 (first: {float(arr.ravel()[first])!r} at "
            f"flat index {first}); remove those rows or check the units."
        )
    return arr


def check_same_length(**arrays) -> int:
    """Check that all 1-D arrays have the same length and return it."""
    lengths = {name: np.shape(a)[0] if np.ndim(a) else 1 for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"`{k}` has {v}" for k, v in lengths.items())
        raise ValueError(
            f"Mismatched lengths: {described}; pass one value per observation in each."
        )
    return next(iter(lengths.values()))


def check_broadcastable(**arrays) -> tuple:
    """Check that the arrays broadcast together (elementwise functions) and return the shape.

    Arrays of the same shape, single numbers and grids such as ``N[:, None]`` with
    ``D[None, :]`` broadcast; anything else (``N`` of length 3 with ``D`` of length 2) raises
    a ValueError naming every argument and its shape, instead of numpy's "operands could not
    be broadcast together".
    """
    shapes = {name: np.shape(a) for name, a in arrays.items()}
    try:
        return np.broadcast_shapes(*shapes.values())
    except ValueError:
        described = ", ".join(f"`{k}` has shape {v}" for k, v in shapes.items())
        raise ValueError(
            f"Mismatched shapes: {described}, which do not broadcast together; pass arrays "
            "of the same length (one value per model), or a single number for some of them."
        ) from None


def check_enough_points(n_points: int, n_params: int, what: str) -> None:
    """Require more observations than free parameters."""
    if n_points <= n_params:
        raise ValueError(
            f"{what} has {n_params} free parameters but got {n_points} point(s); "
            f"pass at least {n_params + 1} points (more is better)."
        )


def check_scalar(name: str, value) -> float:
    """Return ``value`` as a finite float, rejecting arrays of more than one number."""
    arr = as_float_array(name, value)
    if arr.size != 1:
        raise ValueError(f"`{name}` must be a single number, got {arr.size} values (shape {arr.shape}).")
    return float(arr.reshape(()))


def check_positive_scalar(name: str, value) -> float:
    """Return ``value`` as a float that is finite and > 0."""
    val = check_scalar(name, value)
    if val <= 0:
        raise ValueError(f"`{name}` must be > 0, got {val!r}.")
    return val


def check_probability(name: str, value) -> float:
    """Return ``value`` as a float strictly between 0 and 1."""
    val = check_scalar(name, value)
    if not 0 < val < 1:
        raise ValueError(f"`{name}` must be strictly between 0 and 1, got {val!r}.")
    return val


def _int_repr(value) -> str:
    text = repr(value)
    return text if len(text) <= 25 else f"an integer with {len(str(abs(int(value))))} digits"


def check_positive_int(name: str, value, *, minimum: int = 1, maximum: int | None = None) -> int:
    """Return ``value`` as an int >= ``minimum`` (booleans are rejected).

    Parameters
    ----------
    name : str
    value : int
    minimum : int, default 1
    maximum : int, optional
        Upper bound, for loop counts and sizes, so that a value such as ``2**63`` is
        rejected at once instead of hanging or exhausting memory (:data:`MAX_COUNT` is a
        sensible bound for a count with no natural limit).  Default: no bound.

    Raises
    ------
    ArgumentTypeError
        Not an integer (floats, strings, None and booleans included).
    ValueError
        Below ``minimum`` or above ``maximum``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ArgumentTypeError(
            f"`{name}` must be an integer >= {minimum}, got the {_describe(value)}."
        )
    if value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {_int_repr(value)}.")
    if maximum is not None and value > maximum:
        raise ValueError(
            f"`{name}` must be an integer between {minimum} and {maximum}, got "
            f"{_int_repr(value)}; larger values would not finish (or fit in memory)."
        )
    return int(value)


def check_finite_result(result, *names: str, what: str = "The result"):
    """Return ``result`` if every number in it is finite, else raise a ValueError.

    Call it on the output of a formula evaluated under ``np.errstate(all="ignore")``:
    finite inputs can still overflow (``training_flops(1e308, 1e308)``) or give
    ``0 * inf``.  The message names the arguments the result was computed from.
    """
    arr = np.asarray(result, dtype=float)
    if not np.isfinite(arr).all():
        args = ", ".join(f"`{n}`" for n in names)
        raise ValueError(
            f"{what} is not finite: with these values of {args} it exceeds the float range "
            "(about 1.8e308) or underflows to 0 where it is divided by; pass smaller "
            "magnitudes (or change units, e.g. PF-days instead of FLOP)."
        )
    return result


def check_string(name: str, value, *, what: str = "a string") -> str:
    """Return ``value`` if it is a str, else raise ArgumentTypeError naming ``name``."""
    if not isinstance(value, str):
        raise ArgumentTypeError(f"`{name}` must be {what}, got the {_describe(value)}.")
    return value


def check_choice(name: str, value, choices) -> str:
    """Return ``value`` if it is one of the strings ``choices``.

    Raises ArgumentTypeError for a non-string (arrays, lists and dicts included, which
    would otherwise fail inside ``in`` with numpy's "truth value is ambiguous" or
    "unhashable type") and ValueError for an unknown string.
    """
    choices = tuple(choices)
    if not isinstance(value, str):
        raise ArgumentTypeError(
            f"`{name}` must be one of {choices}, got the {_describe(value)}."
        )
    if value not in choices:
        raise ValueError(f"`{name}` must be one of {choices}, got {value!r}.")
    return value


def check_bool(name: str, value) -> bool:
    """Return ``value`` if it is True or False (NumPy booleans too)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError(f"`{name}` must be True or False, got the {_describe(value)}.")
    return bool(value)


def check_string_list(name: str, values, *, what: str = "names", allow_empty: bool = False) -> list:
    """Return ``values`` as a list of hashable labels (a list, tuple, array or other iterable).

    One string, a number, None, a mapping, a nested list or a 2-D array raise a named error
    instead of Python's "object is not iterable" or "unhashable type".
    """
    if isinstance(values, (str, bytes)):
        raise ArgumentTypeError(
            f"`{name}` must be a list of {what}, not one string {values!r}; wrap it in a list."
        )
    zero_d = isinstance(values, np.ndarray) and values.ndim == 0
    if zero_d or isinstance(values, Mapping) or not isinstance(values, Iterable):
        raise ArgumentTypeError(f"`{name}` must be a list of {what}, got the {_describe(values)}.")
    items = list(values)
    for item in items:
        if isinstance(item, (list, np.ndarray)):
            raise ValueError(
                f"`{name}` must be a flat list of {what}, got a nested list or array."
            )
        try:
            hash(item)
        except TypeError:
            raise ArgumentTypeError(
                f"`{name}` must hold {what} (strings or numbers), got the {_describe(item)}."
            ) from None
    if not items and not allow_empty:
        raise ValueError(f"`{name}` is empty; pass at least one of the {what}.")
    return items
