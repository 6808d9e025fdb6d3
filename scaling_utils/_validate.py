"""Input checks shared by every public function in :mod:`scaling_utils`.

Each check raises :class:`ValueError` with a message that names the argument,
says what was wrong, and says what to do about it.  Keeping the checks in one
place means every module words its errors the same way.
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "as_float_array",
    "as_positive_array",
    "check_same_length",
    "check_enough_points",
    "check_scalar",
    "check_positive_scalar",
    "check_probability",
    "check_positive_int",
]


def as_float_array(name: str, values, *, allow_empty: bool = False) -> np.ndarray:
    """Return ``values`` as a float array, rejecting NaN, infinity and non-numbers."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"`{name}` must be numbers (a float, a list or a NumPy array); "
            f"could not convert it: {exc}"
        ) from None
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


def as_positive_array(name: str, values, *, allow_empty: bool = False) -> np.ndarray:
    """Return ``values`` as a float array of strictly positive, finite numbers."""
    arr = as_float_array(name, values, allow_empty=allow_empty)
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


def check_positive_int(name: str, value, *, minimum: int = 1) -> int:
    """Return ``value`` as an int >= ``minimum`` (booleans are rejected)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {value!r}.")
    return int(value)
