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


def as_float_array(value: object, name: str) -> np.ndarray:
    """Convert ``value`` to a float64 array or raise a ``DataError``."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise DataError(f"{name} must be numeric; could not read it as numbers ({error})") from None
    return array


def check_finite(array: np.ndarray, name: str) -> None:
    """Raise a ``DataError`` naming the first NaN or infinity in ``array``."""
    if np.isfinite(array).all():
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
    array = as_float_array(X, name)
    single = False
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
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    try:
        number = float(value)
    except (OverflowError, ValueError):
        return None
    return number if math.isfinite(number) else None


def positive_number(value: object, name: str) -> float:
    """Return ``value`` as a float, or raise unless it is a finite number above zero."""
    number = _as_finite_float(value)
    if number is None or number <= 0:
        raise ParameterError(f"{name} must be a positive number; got {value!r}")
    return number


def positive_integer(value: object, name: str) -> int:
    """Return ``value`` as an int, or raise unless it is a whole number above zero."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
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
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0):
        raise ParameterError(f"{name} must be a non-negative integer or None; got {seed!r}")
    return np.random.default_rng(None if seed is None else int(seed))
