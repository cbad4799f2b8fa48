"""Checks shared by every public entry point.

Each function either returns a clean ``float64`` array or raises a
``NeurosimError`` that names the argument, what was
expected and what was received. Nothing is ever broadcast silently.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from neurosim.errors import DataError, ParameterError, ShapeError

#: what an array of each dtype kind holds, for the kinds that are not real numbers
_NOT_REAL = {
    "b": "booleans",
    "U": "strings",
    "S": "bytes",
    "c": "complex numbers",
    "M": "dates",
    "m": "time spans",
    "V": "records (a structured array)",
    "O": "Python objects",
}


def as_float_array(value: object, name: str) -> np.ndarray:
    """Convert ``value`` to a float64 array of real numbers, or raise a ``DataError`` naming ``name``.

    Integers and floats of any precision are accepted. Strings (numeric
    ones too), bytes, booleans, complex numbers, dates, records, masked
    arrays and ``None`` are refused, and so is a number outside float64's
    range (say a ``longdouble`` of 1e400, or the Python int ``10**400``).

    Examples
    --------
    >>> as_float_array([[1, 2.5]], "X")
    array([[1. , 2.5]])
    >>> as_float_array([["1", "2"]], "X")
    Traceback (most recent call last):
    ...
    neurosim.errors.DataError: X must be numeric (ints or floats); got an array of strings ...
    """
    if value is None:
        raise DataError(f"{name} must be numeric; got None")
    if isinstance(value, np.ma.MaskedArray):
        raise DataError(
            f"{name} is a masked array, whose mask neurosim would ignore; fill the masked values "
            f"({name}.filled(...)) or drop those rows first"
        )
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise DataError(
            f"{name} must be numeric; could not read it as an array of numbers ({error})"
        ) from None
    if array.dtype.kind == "O":
        array = _object_array_as_float(array, name)
    elif array.dtype.kind in _NOT_REAL:
        raise DataError(
            f"{name} must be numeric (ints or floats); got an array of "
            f"{_NOT_REAL[array.dtype.kind]} ({array.dtype})"
        )
    check_in_range(array, name, np.dtype(np.float64))
    return array.astype(np.float64, copy=False)


def _object_array_as_float(array: np.ndarray, name: str) -> np.ndarray:
    """An object array of real numbers (like Python ints too large for int64) as floats."""
    for position, item in np.ndenumerate(array):
        if not _is_real(item):
            where = _describe_position(position) if position else "its only value"
            raise DataError(
                f"{name} must be numeric (ints or floats); got {type(item).__name__} {item!r:.40} at {where}"
            )
    floats = np.empty(array.shape)
    for position, item in np.ndenumerate(array):
        try:
            floats[position] = float(item)
        except OverflowError:
            where = _describe_position(position) if position else "its only value"
            size = f"an integer of {len(str(abs(item)))} digits" if isinstance(item, int) else "a number"
            raise DataError(f"{name} holds {size} at {where}, outside {_range_of(np.float64)}") from None
    return floats


def check_in_range(array: np.ndarray, name: str, dtype: np.dtype) -> None:
    """Raise a ``DataError`` naming the first finite value of ``array`` that ``dtype`` cannot hold.

    Examples
    --------
    >>> check_in_range(np.array([1.0, 1e39]), "x", np.dtype(np.float32))
    Traceback (most recent call last):
    ...
    neurosim.errors.DataError: x holds 1e+39 at index 1, outside float32's range (about -3.4e+38 to 3.4e+38)
    """
    if array.dtype.kind != "f" or np.finfo(array.dtype).max <= np.finfo(dtype).max:
        return
    with np.errstate(invalid="ignore"):
        too_large = np.isfinite(array) & (np.abs(array) > np.finfo(dtype).max)
    if too_large.any():
        position = tuple(int(i) for i in np.argwhere(too_large)[0])
        where = _describe_position(position) if position else "its only value"
        value = np.format_float_scientific(array[position], precision=3, trim="-")
        raise DataError(f"{name} holds {value} at {where}, outside {_range_of(dtype)}")


def _range_of(dtype: np.dtype | type) -> str:
    largest = float(np.finfo(dtype).max)
    return f"{np.dtype(dtype).name}'s range (about {-largest:.2g} to {largest:.2g})"


def check_finite(array: np.ndarray, name: str) -> None:
    """Raise a ``DataError`` naming the first NaN or infinity in ``array``."""
    with np.errstate(over="ignore", invalid="ignore"):
        if array.dtype.kind != "f":
            total = 0.0
        elif array.ndim == 2 and array.flags.c_contiguous:  # columns first: each row adds in one sweep
            total = np.add.reduce(np.add.reduce(array, axis=0))
        else:
            total = np.add.reduce(array, axis=None)
    # a finite sum means every value is finite (one pass, no temporary array); otherwise look closer
    if np.isfinite(total) or np.isfinite(array).all():
        return
    position = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
    where = _describe_position(position)
    count = int((~np.isfinite(array)).sum())
    raise DataError(
        f"{name} contains {array[position]} at {where} ({count} non-finite value"
        f"{'s' if count > 1 else ''} in all); expected finite numbers"
    )


def _describe_position(position: tuple[int, ...]) -> str:
    if len(position) == 1:
        return f"index {position[0]}"
    if len(position) == 2:
        return f"row {position[0]}, column {position[1]}"
    return f"index {position}"


def as_input_batch(
    X: object, n_inputs: int, *, name: str = "X", allow_single: bool = False
) -> tuple[np.ndarray, bool]:
    """Return ``X`` as an ``(n_samples, n_inputs)`` array and whether it was one sample.

    With ``allow_single``, a 1-D ``X`` of length ``n_inputs`` is one sample.
    """
    expected = f"a batch of shape (n_samples, {n_inputs})"
    if allow_single:
        expected = f"one sample of shape ({n_inputs},) or {expected}"
    if X is None:
        raise DataError(f"{name} must be {expected}; got None")
    array = as_float_array(X, name)
    single = False
    if array.ndim == 0:
        raise ShapeError(f"{name} must be {expected}; got the single number {array.item():g}")
    if array.ndim == 1 and allow_single:
        if array.shape[0] != n_inputs:
            raise ShapeError(f"{name} has {array.shape[0]} values but the input layer has {n_inputs} neurons")
        array, single = array.reshape(1, n_inputs), True
    elif array.ndim != 2:
        hint = " (use X.reshape(1, -1) for one sample)" if array.ndim == 1 else ""
        raise ShapeError(
            f"{name} must be a 2-D array of shape (n_samples, {n_inputs}); "
            f"got {array.ndim}-D with shape {array.shape}{hint}"
        )
    elif array.shape[1] != n_inputs:
        raise ShapeError(
            f"{name} has {array.shape[1]} columns but the input layer has {n_inputs} neurons; "
            f"expected shape (n_samples, {n_inputs}), got {array.shape}"
        )
    if array.shape[0] == 0:
        raise ShapeError(f"{name} has no samples; expected at least one row")
    check_finite(array, name)
    return array, single


def as_target_batch(Y: object, n_samples: int, n_outputs: int, *, name: str = "Y") -> np.ndarray:
    """Return ``Y`` as an ``(n_samples, n_outputs)`` float array.

    A 1-D ``Y`` is accepted when the network has exactly one output.
    """
    array = as_float_array(Y, name)
    if array.ndim == 1 and n_outputs == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2:
        raise ShapeError(
            f"{name} must be a 2-D array of shape (n_samples, {n_outputs}); "
            f"got {array.ndim}-D with shape {array.shape}"
        )
    check_sample_count(array.shape[0], n_samples, name)
    if array.shape[1] != n_outputs:
        raise ShapeError(
            f"{name} has {array.shape[1]} columns but the output layer has {n_outputs} neurons; "
            f"expected shape ({n_samples}, {n_outputs}), got {array.shape}"
        )
    check_finite(array, name)
    return array


def check_sample_count(count: int, expected: int, name: str) -> None:
    """Raise a ``ShapeError`` when ``name`` has a different number of samples than X."""
    if count != expected:
        raise ShapeError(f"{name} has {count} samples but X has {expected}; they must match")


def _as_finite_float(value: object) -> float | None:
    """``value`` as a finite float, or ``None`` if it is not a finite real number."""
    if not _is_real(value):
        return None
    try:
        number = float(value)
    except (OverflowError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _is_real(value: object) -> bool:
    """Whether ``value`` is a real number: not a bool, and not a numpy time span (an "integer" to numpy)."""
    return not isinstance(value, (bool, np.timedelta64)) and isinstance(value, numbers.Real)


def _is_integer(value: object) -> bool:
    """Whether ``value`` is a whole number (Python's or numpy's), not a bool or a time span."""
    return _is_real(value) and isinstance(value, numbers.Integral)


def positive_number(value: object, name: str) -> float:
    """Return ``value`` as a float, or raise unless it is a finite number above zero."""
    number = _as_finite_float(value)
    if number is None or number <= 0:
        raise ParameterError(f"{name} must be a positive number; got {value!r}")
    return number


def non_negative_number(value: object, name: str) -> float:
    """Return ``value`` as a float, or raise unless it is a finite number at or above zero."""
    number = _as_finite_float(value)
    if number is None or number < 0:
        raise ParameterError(f"{name} must be a number >= 0; got {value!r}")
    return number


def boolean(value: object, name: str) -> bool:
    """Return ``value`` if it is ``True`` or ``False`` (numpy's too), or raise a ``ParameterError``.

    Examples
    --------
    >>> boolean("no", "shuffle")
    Traceback (most recent call last):
    ...
    neurosim.errors.ParameterError: shuffle must be True or False; got 'no'
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ParameterError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def positive_integer(value: object, name: str) -> int:
    """Return ``value`` as an int, or raise unless it is a whole number above zero."""
    if not _is_integer(value) or value <= 0:
        raise ParameterError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def finite_number(value: object, name: str) -> float:
    """Return ``value`` as a float, or raise unless it is a finite real number."""
    number = _as_finite_float(value)
    if number is None:
        raise DataError(f"{name} must be a finite number; got {value!r}")
    return number


def random_generator(seed: object, name: str = "seed") -> np.random.Generator:
    """A numpy random generator seeded with ``seed`` (``None`` or a non-negative integer).

    Examples
    --------
    >>> int(random_generator(0).integers(10)) == int(random_generator(0).integers(10))
    True
    >>> random_generator(-1)
    Traceback (most recent call last):
    ...
    neurosim.errors.ParameterError: seed must be a non-negative integer or None; got -1
    """
    return np.random.default_rng(checked_seed(seed, name))


def checked_seed(seed: object, name: str = "seed") -> int | None:
    """``seed`` as an int, or ``None``, if it is a seed ``random_generator`` takes; else a ``ParameterError``.

    Examples
    --------
    >>> checked_seed(np.int64(3)), checked_seed(None)
    (3, None)
    """
    if seed is not None and (not _is_integer(seed) or seed < 0):
        raise ParameterError(f"{name} must be a non-negative integer or None; got {seed!r}")
    return None if seed is None else int(seed)
