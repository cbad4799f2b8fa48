"""The input plane of a two-input network: its range, a grid over it, and the network evaluated on the grid.

What ``ns.plot.decision_boundary`` and ``ns.plot.neuron_maps`` compute
before they draw: the plane's range (from the data, or given), a regular
grid of points over it, the network's outputs and every neuron's
activation at those points (batched passes of the compiled engine), and
the class labels of the data. It imports no matplotlib;
``neurosim.plot.boundary`` draws what it computes.
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING

import numpy as np

from neurosim.engines import CompiledNetwork
from neurosim.errors import DataError, ParameterError, ShapeError
from neurosim.validation import as_float_array, check_finite, check_sample_count

if TYPE_CHECKING:
    from neurosim.core.layer import Layer
    from neurosim.core.network import Network

__all__ = [
    "MAX_RESOLUTION",
    "Range",
    "activation_maps",
    "check_margin",
    "check_resolution",
    "class_labels",
    "data_ranges",
    "extent_ranges",
    "grid",
    "grid_outputs",
    "pixel_extent",
    "plane_ranges",
]

#: the most grid points along each axis of the plane
MAX_RESOLUTION = 2000
#: grid points per forward pass: bounds the memory the passes take
_CHUNK = 16384

#: the lowest and highest value of one input
Range = tuple[float, float]


# ------------------------------------------------------------------------------ the plane


def data_ranges(X: np.ndarray, margin: float) -> tuple[Range, Range]:
    """The range of each input of ``X``, widened by ``margin`` (and to a width of at least 1).

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
        The data.
    margin : float
        How far the plane extends beyond the data on every side.

    Returns
    -------
    tuple of two (low, high) pairs
        The range of the first input, then of the second. A range narrower
        than 1 is widened to 1 about its middle.

    Examples
    --------
    >>> import numpy as np
    >>> from neurosim.plot.plane import data_ranges
    >>> data_ranges(np.array([[0.0, 3.0], [2.0, 3.0]]), margin=0.25)
    ((-0.25, 2.25), (2.5, 3.5))
    """
    ranges = []
    for column in X.T:
        low, high = float(column.min()) - margin, float(column.max()) + margin
        if high - low < 1.0:
            middle = (low + high) / 2
            low, high = middle - 0.5, middle + 0.5
        ranges.append((low, high))
    return ranges[0], ranges[1]


def extent_ranges(extent: object) -> tuple[Range, Range]:
    """The ranges of a plane given as ``(x_min, x_max, y_min, y_max)``, checked.

    Parameters
    ----------
    extent : sequence of four numbers
        ``(x_min, x_max, y_min, y_max)``, finite, with ``x_min < x_max``
        and ``y_min < y_max``.

    Returns
    -------
    tuple of two (low, high) pairs

    Raises
    ------
    ParameterError
        If ``extent`` is not four such numbers.

    Examples
    --------
    >>> from neurosim.plot.plane import extent_ranges
    >>> extent_ranges([-2, 2, 0, 1])
    ((-2.0, 2.0), (0.0, 1.0))
    """
    expected = (
        "extent must be four finite numbers (x_min, x_max, y_min, y_max) with x_min < x_max and y_min < y_max"
    )
    try:
        values = np.asarray(extent, dtype=float)
    except (TypeError, ValueError):
        values = None
    if values is None or values.shape != (4,) or not np.isfinite(values).all():
        raise ParameterError(f"{expected}; got {extent!r}")
    x_min, x_max, y_min, y_max = (float(v) for v in values)
    if not (x_min < x_max and y_min < y_max):
        raise ParameterError(f"{expected}; got {extent!r}")
    return (x_min, x_max), (y_min, y_max)


def plane_ranges(X: np.ndarray | None, margin: float, extent: object = None) -> tuple[Range, Range]:
    """The plane to draw: ``extent`` if given, else the data's range plus ``margin``.

    Without data or ``extent`` it is ``[-1, 1] x [-1, 1]`` plus ``margin``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2), optional
        The data.
    margin : float
        How far the plane extends beyond the data (or beyond ``[-1, 1]``).
    extent : sequence of four numbers, optional
        ``(x_min, x_max, y_min, y_max)``, checked by ``extent_ranges``.

    Returns
    -------
    tuple of two (low, high) pairs

    Examples
    --------
    >>> from neurosim.plot.plane import plane_ranges
    >>> plane_ranges(None, 0.5)
    ((-1.5, 1.5), (-1.5, 1.5))
    >>> plane_ranges(None, 0.5, extent=(0, 1, 0, 2))
    ((0.0, 1.0), (0.0, 2.0))
    """
    if extent is not None:
        return extent_ranges(extent)
    if X is not None:
        return data_ranges(X, margin)
    return (-1.0 - margin, 1.0 + margin), (-1.0 - margin, 1.0 + margin)


def grid(x_range: Range, y_range: Range, resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A regular grid of ``resolution`` points along each axis of the plane.

    Parameters
    ----------
    x_range, y_range : (low, high)
        The plane; the grid's first and last points lie on its edges.
    resolution : int
        Points along each axis.

    Returns
    -------
    xs, ys : ndarray of shape (resolution,)
        The grid's coordinates along each axis.
    points : ndarray of shape (resolution**2, 2)
        Every grid point, row by row from the bottom: point
        ``i * resolution + j`` is ``(xs[j], ys[i])``.

    Examples
    --------
    >>> from neurosim.plot.plane import grid
    >>> xs, ys, points = grid((0.0, 1.0), (0.0, 2.0), 3)
    >>> xs.tolist(), ys.tolist()
    ([0.0, 0.5, 1.0], [0.0, 1.0, 2.0])
    >>> points[:4].tolist()
    [[0.0, 0.0], [0.5, 0.0], [1.0, 0.0], [0.0, 1.0]]
    """
    xs = np.linspace(*x_range, resolution)
    ys = np.linspace(*y_range, resolution)
    XX, YY = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([XX.ravel(), YY.ravel()])


def pixel_extent(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float, float, float]:
    """An image extent ``(left, right, bottom, top)`` that puts each pixel's centre on its grid point.

    Parameters
    ----------
    xs, ys : ndarray
        Evenly spaced grid coordinates along each axis, at least two each.

    Returns
    -------
    tuple of four floats
        The grid's edges moved out by half a grid step.

    Examples
    --------
    >>> import numpy as np
    >>> from neurosim.plot.plane import pixel_extent
    >>> pixel_extent(np.array([0.0, 0.5, 1.0]), np.array([0.0, 1.0, 2.0]))
    (-0.25, 1.25, -0.5, 2.5)
    """
    dx, dy = (xs[1] - xs[0]) / 2, (ys[1] - ys[0]) / 2
    return (float(xs[0] - dx), float(xs[-1] + dx), float(ys[0] - dy), float(ys[-1] + dy))


# ------------------------------------------------------------------------------ checks


def check_resolution(resolution: object) -> int:
    """``resolution`` as an int, if it is a whole number from 2 to ``MAX_RESOLUTION``.

    Raises
    ------
    ParameterError
        If it is not (a bool is not a number here).

    Examples
    --------
    >>> from neurosim.plot.plane import check_resolution
    >>> check_resolution(200)
    200
    """
    if (
        isinstance(resolution, bool)
        or not isinstance(resolution, numbers.Integral)
        or not 2 <= resolution <= MAX_RESOLUTION
    ):
        raise ParameterError(
            f"resolution must be a whole number of grid points from 2 to {MAX_RESOLUTION}; got {resolution!r}"
        )
    return int(resolution)


def check_margin(margin: object) -> float:
    """``margin`` as a float, if it is a finite number >= 0.

    Raises
    ------
    ParameterError
        If it is not (a bool is not a number here).

    Examples
    --------
    >>> from neurosim.plot.plane import check_margin
    >>> check_margin(1)
    1.0
    """
    if (
        isinstance(margin, bool)
        or not isinstance(margin, numbers.Real)
        or not math.isfinite(margin)
        or margin < 0
    ):
        raise ParameterError(f"margin must be a finite number >= 0 (in input units); got {margin!r}")
    return float(margin)


def class_labels(y: object, n_samples: int, n_classes: int) -> np.ndarray:
    """``y`` as integer class labels in ``0 .. n_classes - 1``: from labels or one-hot rows.

    Parameters
    ----------
    y : array_like
        Whole numbers of shape ``(n_samples,)`` or ``(n_samples, 1)``, or
        one-hot rows of shape ``(n_samples, n_classes)``.
    n_samples : int
        How many samples ``y`` must label.
    n_classes : int
        How many classes there are.

    Returns
    -------
    ndarray of int, shape (n_samples,)

    Raises
    ------
    ShapeError
        If ``y`` has neither shape, or labels a different number of samples.
    DataError
        If ``y`` is not finite, holds a label outside ``0 .. n_classes - 1``
        or not a whole number, or a row that is not one-hot.

    Examples
    --------
    >>> from neurosim.plot.plane import class_labels
    >>> class_labels([0, 2, 1.0], n_samples=3, n_classes=3).tolist()
    [0, 2, 1]
    >>> class_labels([[0, 1], [1, 0]], n_samples=2, n_classes=2).tolist()
    [1, 0]
    """
    values = as_float_array(y, "y")
    check_finite(values, "y")
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim == 1:
        check_sample_count(values.shape[0], n_samples, "y")
        return _whole_labels(values, n_classes)
    if values.ndim == 2 and values.shape[1] == n_classes:
        check_sample_count(values.shape[0], n_samples, "y")
        return _one_hot_labels(values)
    raise ShapeError(
        f"y must be class labels of shape ({n_samples},) or one-hot rows of shape "
        f"({n_samples}, {n_classes}); got shape {values.shape}"
    )


def _whole_labels(values: np.ndarray, n_classes: int) -> np.ndarray:
    bad = (values != np.round(values)) | (values < 0) | (values >= n_classes)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"y must hold class labels 0 .. {n_classes - 1} (whole numbers); "
            f"got {float(values[i]):g} at index {i}"
        )
    return values.astype(int)


def _one_hot_labels(values: np.ndarray) -> np.ndarray:
    bad = ~np.isin(values, (0.0, 1.0)).all(axis=1) | (values.sum(axis=1) != 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"y as a 2-D array must be one-hot rows (one 1, the rest 0); row {i} is {values[i].tolist()}"
        )
    return values.argmax(axis=1)


# ------------------------------------------------------------------------------ the network on the grid


def grid_outputs(net: Network, points: np.ndarray) -> np.ndarray:
    """The network's outputs at every point: batched passes of the compiled engine.

    Only weights are read: the network and its neurons' values are left as
    they were.

    Parameters
    ----------
    net : Network
        A network with two inputs.
    points : ndarray of shape (n_points, 2)
        The points, as ``grid`` returns them.

    Returns
    -------
    ndarray of shape (n_points, n_outputs)

    Raises
    ------
    DataError
        If an output is not finite (the network overflowed).

    Examples
    --------
    >>> import neurosim as ns
    >>> from neurosim.plot.plane import grid, grid_outputs
    >>> net = ns.Network.from_shape([2, 1], activation="identity", seed=0)
    >>> net.synapse("input[0]", "output[0]").weight = 1.0
    >>> net.synapse("input[1]", "output[0]").weight = 10.0
    >>> net["output[0]"].bias = 0.0
    >>> _, _, points = grid((0.0, 1.0), (0.0, 1.0), 2)
    >>> grid_outputs(net, points)[:, 0].tolist()  # at (0, 0), (1, 0), (0, 1), (1, 1)
    [0.0, 1.0, 10.0, 11.0]
    """
    compiled = CompiledNetwork(net)
    outputs = np.concatenate(
        [compiled.predict(points[start : start + _CHUNK]) for start in range(0, len(points), _CHUNK)]
    )
    _require_finite(outputs, "outputs")
    return outputs


def activation_maps(net: Network, grid: np.ndarray, layers: list[Layer]) -> dict[Layer, np.ndarray]:
    """Every neuron's activation over ``grid`` as ``(n_points, layer size)`` arrays.

    The compiled engine's ``activations`` computes them in batched passes,
    leaving the network and its neurons' values as they were.

    Parameters
    ----------
    net : Network
        A network with two inputs.
    grid : ndarray of shape (n_points, 2)
        The points, as ``grid`` returns them.
    layers : list of Layer
        The layers whose neurons to map.

    Returns
    -------
    dict of Layer to ndarray
        For each layer, column ``i`` holds neuron ``i``'s activation at
        every point.

    Raises
    ------
    DataError
        If an activation is not finite (the network overflowed).

    Examples
    --------
    >>> import neurosim as ns
    >>> from neurosim.plot.plane import activation_maps, grid
    >>> net = ns.Network.from_shape([2, 3, 1], seed=0)
    >>> _, _, points = grid((0.0, 1.0), (0.0, 1.0), 5)
    >>> maps = activation_maps(net, points, [net["hidden1"]])
    >>> maps[net["hidden1"]].shape
    (25, 3)
    """
    engine = CompiledNetwork(net)
    points = engine.prepare(np.asarray(grid, dtype=float))
    chunks = [engine.activations(points[start : start + _CHUNK]) for start in range(0, len(points), _CHUNK)]
    maps = {layer: np.concatenate([chunk.a(layer) for chunk in chunks]).astype(float) for layer in layers}
    for values in maps.values():
        _require_finite(values, "activations")
    return maps


def _require_finite(values: np.ndarray, what: str) -> None:
    if not np.isfinite(values).all():
        raise DataError(
            f"net's {what} are not finite at some points of the plane (NaN or infinity): its weights "
            "have probably overflowed in training; there is nothing meaningful to draw"
        )
