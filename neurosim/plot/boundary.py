"""Pictures over the input plane of a two-input network: its decision regions and its neurons' maps.

Both functions evaluate the network on a regular grid of points covering
the data (plus a margin) in batched passes of the compiled engine, so a few
tens of thousands of points take milliseconds. They only read weights: the
network, its gradients and its neurons' ``z``, ``a`` and ``delta`` are left
as they were. ``neurosim.plot.plane`` computes the plane, the grid and the
network's values on it; this module draws them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from neurosim.classes import predicted_classes
from neurosim.core.network import Network
from neurosim.errors import ParameterError, ShapeError
from neurosim.plot._style import (
    VALUE_CMAP,
    axes_or_new,
    new_figure,
    require_2d_inputs,
    require_network,
)
from neurosim.plot.plane import (
    MAX_RESOLUTION,
    activation_maps,
    check_margin,
    check_resolution,
    class_labels,
    data_ranges,
    grid,
    grid_outputs,
    pixel_extent,
    plane_ranges,
)
from neurosim.plot.scales import Limits, activation_range, layer_limits, readable_range, value_norm
from neurosim.validation import as_input_batch

if TYPE_CHECKING:
    from neurosim.core.layer import Layer

__all__ = [
    "CLASS_COLOURS",
    "MAX_CLASSES",
    "MAX_NEURONS_PER_LAYER",
    "MAX_RESOLUTION",
    "MAX_ROWS",
    "decision_boundary",
    "map_limits",
    "neuron_maps",
]

#: the colour of each class's data points (matplotlib's "tab10" palette): class ``k`` is ``CLASS_COLOURS[k]``
CLASS_COLOURS: tuple[str, ...] = tuple(mpl.colors.to_hex(c) for c in mpl.colormaps["tab10"].colors)
#: the most classes ``decision_boundary`` tells apart by colour
MAX_CLASSES = len(CLASS_COLOURS)
#: how many neurons of one layer ``neuron_maps`` draws at most
MAX_NEURONS_PER_LAYER = 16
#: how far a class region's colour is taken from the class colour towards white
_REGION_LIGHTNESS = 0.7
#: height of the last row of ``neuron_maps`` (a colour bar only), relative to a neuron's row
_LAST_ROW = 0.5
#: colour of data-point edges and of decision lines: dark, so both stay visible on any region
_DARK = "#1a1a1a"


def decision_boundary(
    net: Network,
    X: object,
    y: object = None,
    *,
    ax: Axes | None = None,
    resolution: int = 200,
    margin: float = 0.5,
) -> Axes:
    """Draw the class a two-input network predicts at every point of the plane, and the data on top.

    The plane covers the range of ``X`` plus ``margin`` on every side. A
    network with one output predicts class 1 where its output is at least
    0.5 (the decision line is the output's 0.5 contour); one with several
    outputs predicts the class of its largest output (the lines are where
    that changes). Each class's region is a light version of its colour in
    ``CLASS_COLOURS``; the data points are drawn in the full colour of
    their label ``y``, with a dark edge.

    Parameters
    ----------
    net : Network
        A network with two inputs and one output (two classes) or up to
        ``MAX_CLASSES`` outputs (one class each).
    X : array of shape (n_samples, 2)
        The data: sets the plane's range, and is drawn as points.
    y : array, optional
        The class of each sample: integers ``0 .. n_classes - 1`` of shape
        ``(n_samples,)`` (or ``(n_samples, 1)``), or one-hot rows of shape
        ``(n_samples, n_classes)``. Without it the points are drawn white.
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure.
    resolution : int, default 200
        Grid points along each axis (2 to ``MAX_RESOLUTION``).
    margin : float, default 0.5
        How far the plane extends beyond the data, in input units.

    Returns
    -------
    matplotlib Axes
        The axes drawn on. Its image (``ax.images[0]``) holds the predicted
        class at each grid point.

    Raises
    ------
    ShapeError
        If the network does not have two inputs, has more than
        ``MAX_CLASSES`` outputs, or ``X`` or ``y`` has the wrong shape.
    DataError
        If ``X`` is not finite, ``y`` holds something other than class
        labels, or the network's outputs are not finite (it overflowed).
    ParameterError
        If ``net`` is not a Network, or ``resolution``, ``margin`` or ``ax``
        is out of range.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import neurosim as ns
    >>> from neurosim.plot.boundary import decision_boundary
    >>> X, y = ns.datasets.xor()
    >>> net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    >>> ax = decision_boundary(net, X, y, resolution=50)
    >>> ax.images[0].get_array().shape, ax.get_xlabel()
    ((50, 50), 'input[0]')
    >>> plt.close(ax.figure)
    """
    require_network(net)
    require_2d_inputs(net, "decision_boundary")
    n_outputs = net.output_layer.size
    if n_outputs > MAX_CLASSES:
        raise ShapeError(
            f"decision_boundary colours at most {MAX_CLASSES} classes, but net's output layer "
            f"{net.output_layer.name!r} has {n_outputs} neurons (one class each)"
        )
    n_classes = 2 if n_outputs == 1 else n_outputs
    X, _ = as_input_batch(X, 2, name="X")
    labels = None if y is None else class_labels(y, X.shape[0], n_classes)
    resolution = check_resolution(resolution)
    margin = check_margin(margin)
    _check_ax(ax)
    x_range, y_range = data_ranges(X, margin)

    xs, ys, points = grid(x_range, y_range, resolution)
    outputs = grid_outputs(net, points)
    shape = (resolution, resolution)
    classes = predicted_classes(outputs)

    if ax is None:
        ax = axes_or_new(None, figsize=(7.2, 4.8))
        ax.figure.set_layout_engine("constrained")  # room for the legend beside the axes
    colours = [to_rgb(c) for c in CLASS_COLOURS[:n_classes]]
    regions = ListedColormap([_lighter(c) for c in colours], name="neurosim_regions")
    ax.imshow(
        classes.reshape(shape),
        origin="lower",
        extent=pixel_extent(xs, ys),
        cmap=regions,
        norm=BoundaryNorm(np.arange(n_classes + 1) - 0.5, n_classes),
        interpolation="nearest",
        aspect="auto",
    )
    if n_outputs == 1:
        fields = [outputs[:, 0] - 0.5]
    else:
        fields = [outputs[:, k] - np.delete(outputs, k, axis=1).max(axis=1) for k in range(n_outputs)]
    for field in fields:  # each class's region ends where its field crosses 0
        if field.min() < 0 < field.max():
            ax.contour(xs, ys, field.reshape(shape), levels=[0.0], colors=_DARK, linewidths=1.5)

    face = "white" if labels is None else [colours[k] for k in labels]
    size = float(np.clip(3000 / X.shape[0], 12, 60))
    ax.scatter(X[:, 0], X[:, 1], c=face, s=size, edgecolors=_DARK, linewidths=0.8, zorder=3)

    ax.set_xlim(*x_range)
    ax.set_ylim(*y_range)
    ax.set_xlabel(net.input_layer[0].name)
    ax.set_ylabel(net.input_layer[1].name)
    rule = "output >= 0.5 is class 1" if n_outputs == 1 else "class of the largest output"
    ax.set_title(f"decision regions ({rule})")
    handles: list[Patch | Line2D] = [
        Patch(facecolor=_lighter(colours[k]), edgecolor=colours[k], label=f"class {k}")
        for k in range(n_classes)
    ]
    handles.append(Line2D([], [], color=_DARK, linewidth=1.5, label="boundary"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    return ax


def neuron_maps(
    net: Network,
    X: object = None,
    y: object = None,
    *,
    fig: Figure | None = None,
    resolution: int = 60,
    margin: float = 0.5,
    extent: Sequence[float] | None = None,
    limits: Limits | None = None,
) -> Figure:
    """Draw what every neuron of a two-input network computes over the input plane.

    One small image per non-input neuron shows its activation ``a`` at every
    point of the plane, laid out like the network: one panel per layer in
    ``Network.layer_order``, its neurons from top to bottom (in columns of
    at most ``MAX_ROWS``), each image titled with the neuron's name and the
    plane's axes marked on the outer images. The images of one layer share
    one colour scale, shown by the colour bar under the panel: the
    activation's own range where it has one (0 to 1 for the sigmoid,
    softmax and step, -1 to 1 for tanh), so that pictures of one network at
    different epochs can be compared colour for colour; else the range of
    the layer's values, or ``limits``. Layers of more than
    ``MAX_NEURONS_PER_LAYER`` neurons show their first ones, and say so.

    Parameters
    ----------
    net : Network
        A network with two inputs.
    X : array of shape (n_samples, 2), optional
        Data to draw (small and faint) on every image; sets the plane's
        range unless ``extent`` is given.
    y : array, optional
        Class labels of ``X`` (integers, or one-hot rows) to colour the points.
    fig : matplotlib Figure, optional
        An empty figure to draw in; by default a new one.
    resolution : int, default 60
        Grid points along each axis (2 to ``MAX_RESOLUTION``).
    margin : float, default 0.5
        How far the plane extends beyond the data, in input units.
    extent : (x_min, x_max, y_min, y_max), optional
        The plane to draw, instead of the data's range plus ``margin``.
        Without ``X`` and ``extent`` the plane is ``[-1, 1] x [-1, 1]`` plus ``margin``.
    limits : (low, high) or dict, optional
        The colour scale: the same ``(low, high)`` for every layer, or a
        dict from layer names to ``(low, high)`` (layers it leaves out keep
        their default). ``map_limits`` gives limits that hold a whole series
        of pictures.

    Returns
    -------
    matplotlib Figure
        The figure drawn in: one subfigure per layer, holding the images
        (titled with the neurons' names) and the colour bar.

    Raises
    ------
    ShapeError
        If the network does not have two inputs, or ``X`` or ``y`` has the wrong shape.
    DataError
        If ``X`` is not finite, ``y`` holds something other than class
        labels, or an activation is not finite (the network overflowed).
    ParameterError
        If ``net`` is not a Network, ``resolution``, ``margin``, ``extent``,
        ``limits`` or ``fig`` is out of range, or ``y`` is given without ``X``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import neurosim as ns
    >>> from neurosim.plot.boundary import neuron_maps
    >>> net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    >>> fig = neuron_maps(net, resolution=20)
    >>> [ax.get_title() for ax in fig.axes if ax.images]
    ['hidden1[0]', 'hidden1[1]', 'hidden1[2]', 'output[0]']
    >>> [ax.images[0].norm.vmin for ax in fig.axes if ax.images]  # tanh from -1, the sigmoid from 0
    [-1.0, -1.0, -1.0, 0.0]
    >>> plt.close(fig)
    """
    require_network(net)
    require_2d_inputs(net, "neuron_maps")
    if X is not None:
        X, _ = as_input_batch(X, 2, name="X")
    if y is not None and X is None:
        raise ParameterError("y (the labels of X) was given without X; pass X too, or leave y out")
    labels = None
    if y is not None:
        n_outputs = net.output_layer.size
        labels = class_labels(y, X.shape[0], 2 if n_outputs == 1 else max(n_outputs, 2))
    resolution = check_resolution(resolution)
    margin = check_margin(margin)
    x_range, y_range = plane_ranges(X, margin, extent)
    if fig is not None and (not isinstance(fig, Figure) or fig.axes or fig.subfigs):
        raise ParameterError(f"fig must be an empty matplotlib Figure; got {_describe(fig)}")
    layers = [layer for layer in net.layer_order() if not layer.is_input]
    scales = {layer: layer_limits(limits, layer.name) for layer in layers}  # checked before drawing

    xs, ys, points = grid(x_range, y_range, resolution)
    maps = activation_maps(net, points, layers)
    panels = [_Panel(layer, maps[layer], scales[layer]) for layer in layers]
    rows = max(panel.rows for panel in panels)
    if fig is None:
        tall = THUMB * float(np.clip((y_range[1] - y_range[0]) / (x_range[1] - x_range[0]), 0.3, 3.0))
        wide = sum(max(panel.columns * (THUMB + 0.35), 1.9) for panel in panels)
        fig = new_figure(figsize=(wide + 0.4, rows * (tall + 0.32) + 2.1))
    if fig.get_layout_engine() is None:
        fig.set_layout_engine("constrained")
    extent_px = pixel_extent(xs, ys)
    subfigs = np.atleast_1d(fig.subfigures(1, len(panels), width_ratios=[p.columns for p in panels]))
    for subfig, panel in zip(subfigs, panels, strict=True):
        panel.draw(subfig, rows, (resolution, extent_px), (X, labels))
    return fig


#: how many neurons of a layer ``neuron_maps`` draws in one column before starting the next
MAX_ROWS = 8
#: the side of one neuron's map in inches, in a new figure
THUMB = 1.35


class _Panel:
    """One layer's maps in ``neuron_maps``: its neurons' images in columns, and its colour bar."""

    def __init__(self, layer: Layer, values: np.ndarray, limits: tuple[float, float] | None) -> None:
        self.layer = layer
        self.count = min(layer.size, MAX_NEURONS_PER_LAYER)
        self.values = values[:, : self.count]
        self.norm = value_norm(self.values, layer.activation, limits)
        self.columns = -(-self.count // MAX_ROWS)
        self.rows = -(-self.count // self.columns)

    def draw(self, subfig: Figure, rows: int, plane: tuple[int, tuple], data: tuple) -> None:
        """Draw the images in ``subfig``, on a grid of ``rows`` rows shared by every panel."""
        resolution, extent_px = plane
        title = f"{self.layer.name} ({self.layer.activation.name})"
        if self.count < self.layer.size:
            title += f"\n(first {self.count} of {self.layer.size} neurons)"
        subfig.suptitle(title, fontsize="medium")
        # one row per neuron, and a shorter last row for the colour bar: every panel keeps the
        # same thumbnail size and alignment
        spec = subfig.add_gridspec(rows + 1, self.columns, height_ratios=[1.0] * rows + [_LAST_ROW])
        image = None
        for i in range(self.count):
            row, column = i % self.rows, i // self.rows
            axis = subfig.add_subplot(spec[row, column])
            image = axis.imshow(
                self.values[:, i].reshape(resolution, resolution),
                origin="lower",
                extent=extent_px,
                cmap=VALUE_CMAP,
                norm=self.norm,
                interpolation="nearest",
                aspect="equal",
            )
            _draw_points(axis, *data, extent_px)
            _mark_axes(axis, bottom=row == self.rows - 1 or i == self.count - 1, left=column == 0)
            axis.set_title(self.layer[i].name, fontsize="small", pad=2)
        host = subfig.add_subplot(spec[rows, :])
        host.set_axis_off()
        colourbar = subfig.colorbar(
            image, cax=host.inset_axes((0.0, 0.55, 1.0, 0.2)), orientation="horizontal"
        )
        colourbar.set_label("activation a", fontsize="small")
        colourbar.ax.tick_params(labelsize="x-small")


def _draw_points(axis: Axes, X: np.ndarray | None, labels: np.ndarray | None, extent_px: tuple) -> None:
    if X is None:
        return
    face = "black" if labels is None else [CLASS_COLOURS[k % MAX_CLASSES] for k in labels]
    # a few points large and outlined, many points small and faint
    few = X.shape[0] <= 50
    axis.scatter(
        X[:, 0], X[:, 1], c=face, s=30 if few else 4, alpha=1.0 if few else 0.5,
        edgecolors="white" if few else "none", linewidths=0.8 if few else 0,
    )  # fmt: skip
    axis.set_xlim(extent_px[:2])  # points outside the plane do not widen it
    axis.set_ylim(extent_px[2:])


def _mark_axes(axis: Axes, *, bottom: bool, left: bool) -> None:
    """Three ticks on each axis of the plane, numbered on the outer images only."""
    axis.xaxis.set_major_locator(MaxNLocator(3, steps=[1, 2, 5, 10]))
    axis.yaxis.set_major_locator(MaxNLocator(3, steps=[1, 2, 5, 10]))
    axis.tick_params(labelsize="x-small", length=2, pad=1, labelbottom=bottom, labelleft=left)


def map_limits(
    nets: Sequence[Network],
    X: object = None,
    *,
    resolution: int = 60,
    margin: float = 0.5,
    extent: Sequence[float] | None = None,
) -> dict[str, tuple[float, float]]:
    """Colour limits that hold every ``neuron_maps`` picture of a series, by layer name.

    ``nets`` are the pictures' networks (the same network at several
    epochs, say, as copies). A layer whose activation has a range gets it;
    any other gets the lowest and highest value any of the networks takes
    over the plane. Pass the result as ``neuron_maps(..., limits=...)``,
    with the same ``X``, ``margin`` and ``extent``.

    Examples
    --------
    >>> import copy
    >>> import neurosim as ns
    >>> X, y = ns.datasets.xor()
    >>> net = ns.Network.from_shape([2, 3, 1], activation="relu", output_activation="sigmoid", seed=0)
    >>> before = copy.deepcopy(net)
    >>> _ = net.fit(X, y, epochs=50, lr=0.5, loss="bce", verbose=0)
    >>> limits = map_limits([before, net], X)
    >>> limits["output"]
    (0.0, 1.0)
    >>> low, high = limits["hidden1"]
    >>> bool(low == 0.0 < high)
    True
    """
    if isinstance(nets, Network) or not isinstance(nets, Sequence) or not nets:
        raise ParameterError(f"nets must be a non-empty list of Networks; got {nets!r}")
    for net in nets:
        require_network(net)
        require_2d_inputs(net, "map_limits")
    if X is not None:
        X, _ = as_input_batch(X, 2, name="X")
    x_range, y_range = plane_ranges(X, check_margin(margin), extent)
    _, _, points = grid(x_range, y_range, check_resolution(resolution))
    lows: dict[str, float] = {}
    highs: dict[str, float] = {}
    for net in nets:
        layers = [layer for layer in net.layer_order() if not layer.is_input]
        for layer, values in activation_maps(net, points, layers).items():
            shown = values[:, :MAX_NEURONS_PER_LAYER]
            low, high = activation_range(layer.activation) or (float(shown.min()), float(shown.max()))
            lows[layer.name] = min(low, lows.get(layer.name, low))
            highs[layer.name] = max(high, highs.get(layer.name, high))
    return {name: readable_range(lows[name], highs[name]) for name in lows}


def _lighter(colour: tuple[float, float, float]) -> tuple[float, float, float]:
    """``colour`` taken most of the way to white: the colour of its class's region."""
    r, g, b = (c + (1.0 - c) * _REGION_LIGHTNESS for c in colour)
    return (r, g, b)


def _check_ax(ax: object) -> None:
    if ax is not None and not isinstance(ax, Axes):
        raise ParameterError(f"ax must be a matplotlib Axes (or None for a new figure); got {_describe(ax)}")


def _describe(value: object) -> str:
    return (
        f"a {type(value).__name__}" if not isinstance(value, Figure) else "a Figure that already holds axes"
    )
