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

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap, Normalize, to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from neurosim.classes import predicted_classes
from neurosim.core.network import Network
from neurosim.errors import ParameterError, ShapeError
from neurosim.plot._style import VALUE_CMAP, axes_or_new, require_2d_inputs, require_network
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
from neurosim.validation import as_input_batch

__all__ = [
    "CLASS_COLOURS",
    "MAX_CLASSES",
    "MAX_NEURONS_PER_LAYER",
    "MAX_RESOLUTION",
    "decision_boundary",
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
) -> Figure:
    """Draw what every neuron of a two-input network computes over the input plane.

    One small image per non-input neuron shows its activation ``a`` at every
    point of the plane, laid out like the network: one column per layer in
    ``Network.layer_order``, its neurons from top to bottom, each image
    titled with the neuron's name. The images of one layer share one colour
    scale (activation functions have different ranges), shown by the colour
    bar under the column. Layers of more than ``MAX_NEURONS_PER_LAYER``
    neurons show their first ones, and say so.

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
        If ``net`` is not a Network, ``resolution``, ``margin``, ``extent``
        or ``fig`` is out of range, or ``y`` is given without ``X``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import neurosim as ns
    >>> from neurosim.plot.boundary import neuron_maps
    >>> net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    >>> fig = neuron_maps(net, resolution=20)
    >>> [ax.get_title() for ax in fig.axes if ax.images]
    ['hidden1[0]', 'hidden1[1]', 'hidden1[2]', 'output[0]']
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

    xs, ys, points = grid(x_range, y_range, resolution)
    layers = [layer for layer in net.layer_order() if not layer.is_input]
    maps = activation_maps(net, points, layers)

    shown = [min(layer.size, MAX_NEURONS_PER_LAYER) for layer in layers]
    rows = max(shown)
    thumb = 1.5 if rows <= 6 else max(0.85, 9.0 / rows)
    if fig is None:
        tall = thumb * float(np.clip((y_range[1] - y_range[0]) / (x_range[1] - x_range[0]), 0.3, 3.0))
        fig = plt.figure(figsize=(len(layers) * max(thumb + 0.6, 1.9), rows * (tall + 0.32) + 1.9))
    if fig.get_layout_engine() is None:
        fig.set_layout_engine("constrained")
    extent_px = pixel_extent(xs, ys)
    for subfig, layer, count in zip(
        np.atleast_1d(fig.subfigures(1, len(layers))), layers, shown, strict=True
    ):
        values = maps[layer][:, :count]
        low, high = float(values.min()), float(values.max())
        if high - low < 1e-12:  # a constant layer still gets a readable scale
            low, high = low - 0.5, high + 0.5
        norm = Normalize(low, high)
        title = f"{layer.name} ({layer.activation.name})"
        if count < layer.size:
            title += f"\n(first {count} of {layer.size} neurons)"
        subfig.suptitle(title, fontsize="medium")
        # one row per neuron, and a shorter last row: each column's colour bar sits in the row
        # below its last neuron, so every column keeps the same thumbnail size and alignment
        spec = subfig.add_gridspec(rows + 1, 1, height_ratios=[1.0] * rows + [_LAST_ROW])
        for i in range(count):
            axis = subfig.add_subplot(spec[i, 0])
            image = axis.imshow(
                values[:, i].reshape(resolution, resolution),
                origin="lower",
                extent=extent_px,
                cmap=VALUE_CMAP,
                norm=norm,
                interpolation="nearest",
                aspect="equal",
            )
            if X is not None:
                face = "black" if labels is None else [CLASS_COLOURS[k % MAX_CLASSES] for k in labels]
                # a few points large and outlined, many points small and faint
                few = X.shape[0] <= 50
                axis.scatter(
                    X[:, 0], X[:, 1], c=face, s=30 if few else 4, alpha=1.0 if few else 0.5,
                    edgecolors="white" if few else "none", linewidths=0.8 if few else 0,
                )  # fmt: skip
                axis.set_xlim(extent_px[:2])  # points outside the plane do not widen it
                axis.set_ylim(extent_px[2:])
            axis.set_xticks([])
            axis.set_yticks([])
            axis.set_title(layer[i].name, fontsize="small", pad=2)
        host = subfig.add_subplot(spec[count, 0])
        host.set_axis_off()
        height = 0.12 if count < rows else 0.12 / _LAST_ROW
        colourbar = subfig.colorbar(
            image, cax=host.inset_axes((0.0, 0.97 - height, 1.0, height)), orientation="horizontal"
        )
        colourbar.set_label("activation a", fontsize="small")
        colourbar.ax.tick_params(labelsize="x-small")
    return fig


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
