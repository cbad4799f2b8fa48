"""Weight initializers.

An initializer draws a block of weights of shape ``(n_targets, n_sources)``
(rows are target neurons, like ``torch.nn.Linear.weight``) from a seeded
``numpy.random.Generator``, so the same seed always gives the same network.

=========================  ======================================================
``"xavier"``/``"glorot"``  uniform in ``±sqrt(6 / (fan_in + fan_out))`` (Glorot & Bengio)
``"he"``                   normal with std ``sqrt(2 / fan_in)`` (He et al., for relu)
``uniform(low, high)``     uniform in ``[low, high)``; the string means ``uniform(-1, 1)``
``normal(std)``            normal with mean 0; the string means ``normal(1.0)``
``"zeros"``                all zeros
``constant(value)``        every weight equal to ``value``
=========================  ======================================================

``fan_in`` is the number of source neurons and ``fan_out`` the number of
target neurons of the block being drawn.

Examples
--------
>>> import numpy as np
>>> from neurosim.initializers import get_initializer, uniform
>>> get_initializer("xavier")
Initializer('xavier')
>>> w = uniform(-0.5, 0.5)((2, 3), np.random.default_rng(0))
>>> w.shape, bool((np.abs(w) <= 0.5).all())
((2, 3), True)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from neurosim.errors import DataError, ParameterError, ShapeError, UnknownNameError
from neurosim.validation import as_float_array, finite_number, positive_number

__all__ = ["Initializer", "constant", "get_initializer", "normal", "uniform"]

Draw = Callable[[tuple[int, int], np.random.Generator, int, int], np.ndarray]


class Initializer:
    """A named rule that draws a ``(n_targets, n_sources)`` block of weights."""

    def __init__(self, name: str, draw: Draw, **params: float) -> None:
        self.name = name
        self.params = params
        self._draw = draw

    def __call__(
        self,
        shape: tuple[int, int],
        rng: np.random.Generator,
        *,
        fan_in: int | None = None,
        fan_out: int | None = None,
    ) -> np.ndarray:
        """Draw weights of ``shape`` = ``(n_targets, n_sources)``.

        ``fan_in`` and ``fan_out`` default to ``n_sources`` and ``n_targets``;
        a single synapse is drawn with the fans of the layers it joins.
        """
        fan_in = shape[1] if fan_in is None else fan_in
        fan_out = shape[0] if fan_out is None else fan_out
        drawn = self._draw(shape, rng, fan_in, fan_out)
        try:
            weights = as_float_array(drawn, f"initializer {self.name!r}")
        except DataError as error:
            raise ParameterError(f"{error}; it must return an array of numbers") from None
        if weights.shape != tuple(shape):
            raise ShapeError(
                f"initializer {self.name!r} returned shape {weights.shape}; expected {tuple(shape)} "
                "(n_targets, n_sources)"
            )
        if not np.isfinite(weights).all():
            raise ParameterError(
                f"initializer {self.name!r} returned NaN or infinity; weights must be finite"
            )
        return weights

    def __repr__(self) -> str:
        args = "".join(f", {key}={value!r}" for key, value in self.params.items())
        return f"Initializer({self.name!r}{args})"


def uniform(low: float = -1.0, high: float = 1.0) -> Initializer:
    """Weights drawn uniformly from ``[low, high)``."""
    low, high = finite_number(low, "low"), finite_number(high, "high")
    if high <= low:
        raise ParameterError(f"uniform initializer needs low < high; got low={low}, high={high}")
    if not np.isfinite(high - low):
        raise ParameterError(
            "uniform initializer needs high - low within float64's range (1.8e308); "
            f"got low={low}, high={high}"
        )
    return Initializer("uniform", lambda shape, rng, *_: rng.uniform(low, high, shape), low=low, high=high)


def normal(std: float = 1.0) -> Initializer:
    """Weights drawn from a normal distribution with mean 0 and standard deviation ``std``."""
    std = positive_number(std, "std")
    return Initializer("normal", lambda shape, rng, *_: rng.normal(0.0, std, shape), std=std)


def constant(value: float = 0.0) -> Initializer:
    """Every weight equal to ``value``."""
    value = finite_number(value, "value")
    return Initializer("constant", lambda shape, rng, *_: np.full(shape, value), value=value)


def _xavier(shape: tuple[int, int], rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape)


def _he(shape: tuple[int, int], rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)


INITIALIZERS: dict[str, Callable[[], Initializer]] = {
    "xavier": lambda: Initializer("xavier", _xavier),
    "glorot": lambda: Initializer("xavier", _xavier),
    "he": lambda: Initializer("he", _he),
    "uniform": uniform,
    "normal": normal,
    "zeros": lambda: Initializer("zeros", lambda shape, rng, *_: np.zeros(shape)),
    "constant": constant,
}


def get_initializer(spec: str | Initializer) -> Initializer:
    """Return the initializer named ``spec`` (or ``spec`` itself if it is one)."""
    if isinstance(spec, Initializer):
        return spec
    if isinstance(spec, str) and spec in INITIALIZERS:
        return INITIALIZERS[spec]()
    raise UnknownNameError(
        f"unknown initializer {spec!r}; expected one of: {', '.join(INITIALIZERS)} "
        "(or neurosim.initializers.uniform(low, high), normal(std), constant(value))"
    )
