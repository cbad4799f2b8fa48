"""Colour scales that stay put: the same colour means the same value across a series of pictures.

A picture that rescales its colours to its own values cannot be compared
with the next one: an output between 0.2 and 0.5 and one between 0 and 1
would both reach the top colour. So the pictures of activations use the
activation's own range where it has one (0 to 1 for the sigmoid, softmax
and step, -1 to 1 for tanh), and take ``limits`` to fix any other scale;
``map_limits`` finds limits that hold every picture of a series, and
animations use one scale for all their frames.

Examples
--------
>>> import neurosim as ns
>>> activation_range(ns.get_activation("tanh"))
(-1.0, 1.0)
>>> activation_range(ns.get_activation("relu")) is None
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.colors import Normalize

from neurosim.errors import ParameterError

if TYPE_CHECKING:
    from neurosim.activations import Activation

__all__ = [
    "Limits",
    "activation_range",
    "check_limits",
    "largest_magnitude",
    "layer_limits",
    "readable_range",
    "signed_norm",
    "value_norm",
]

#: a colour scale's ends, ``(low, high)``: for every layer, or by layer name
Limits = tuple[float, float] | Mapping[str, tuple[float, float]]

#: the ranges of the built-in activations that have one
BOUNDED = {"sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0), "step": (0.0, 1.0), "tanh": (-1.0, 1.0)}


def activation_range(activation: Activation) -> tuple[float, float] | None:
    """The range of ``activation``'s outputs where it has one, else ``None``.

    An activation of your own has one only when it is declared to act as
    the sigmoid or the softmax (``acts_as``).
    """
    if activation.is_built_in:
        return BOUNDED.get(activation.name)
    return BOUNDED.get(activation.acts_as) if activation.acts_as else None


def check_limits(limits: object, argument: str = "limits") -> tuple[float, float]:
    """``limits`` as floats ``(low, high)`` with ``low < high``; else an error naming ``argument``."""
    try:
        low, high = (float(value) for value in limits)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ParameterError(f"{argument} must be two numbers (low, high); got {limits!r}") from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ParameterError(f"{argument} must be finite with low < high; got ({low:g}, {high:g})")
    return low, high


def value_norm(
    values: np.ndarray, activation: Activation | None = None, limits: Iterable[float] | None = None
) -> Normalize:
    """The colour scale of ``values``: ``limits``, else ``activation``'s range, else their own range."""
    if limits is not None:
        return Normalize(*check_limits(limits))
    bounded = None if activation is None else activation_range(activation)
    if bounded is not None:
        return Normalize(*bounded)
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    return Normalize(*readable_range(low, high))


def readable_range(low: float, high: float) -> tuple[float, float]:
    """``(low, high)``, widened by 0.5 on each side where it is (about) one value: a constant's scale."""
    return (low - 0.5, high + 0.5) if high - low < 1e-12 else (low, high)


def largest_magnitude(*arrays: np.ndarray) -> float:
    """The largest finite ``|value|`` in ``arrays`` (0 where there is none): what a signed scale reaches.

    Examples
    --------
    >>> largest_magnitude(np.array([1.0, -3.0, np.inf]), np.array([np.nan, 2.0]))
    3.0
    """
    values = np.abs(np.concatenate([np.zeros(0), *(np.ravel(array) for array in arrays)]))
    return float(values[np.isfinite(values)].max(initial=0.0))


def signed_norm(values: np.ndarray, largest: float | None = None) -> Normalize:
    """A scale centred on 0 (white) reaching ``largest``, by default the largest ``|value|``."""
    if largest is None:
        largest = largest_magnitude(values)
    elif not (np.isfinite(largest) and largest > 0):
        raise ParameterError(f"the largest value of a signed colour scale must be above 0; got {largest!r}")
    largest = largest if largest > 0 else 1.0
    return Normalize(-largest, largest)


def layer_limits(limits: Limits | None, name: str) -> tuple[float, float] | None:
    """The limits ``limits`` sets for layer ``name``: the same for every layer, or its own, or none."""
    if limits is None:
        return None
    if isinstance(limits, Mapping):
        return None if name not in limits else check_limits(limits[name], f"limits[{name!r}]")
    return check_limits(limits)
