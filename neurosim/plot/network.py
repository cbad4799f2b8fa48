"""Draw a network's graph: neurons by layer, synapses coloured by sign and sized by strength.

``neurosim.plot.graph_layout`` computes where everything goes; this module draws it.
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import matplotlib as mpl
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize, to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch
from matplotlib.transforms import blended_transform_factory

from neurosim.core.network import Network
from neurosim.core.neuron import Neuron
from neurosim.errors import ParameterError, ShapeError
from neurosim.plot import graph_layout
from neurosim.plot._style import NEGATIVE, POSITIVE, SIGNED_CMAP, VALUE_CMAP, axes_or_new, require_network
from neurosim.plot.graph_layout import BLOCK_HALF_WIDTH, Band, Edges, Layout
from neurosim.plot.scales import check_limits, largest_magnitude, signed_norm, value_norm
from neurosim.validation import as_input_batch

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from neurosim.core.layer import Layer

__all__ = ["network"]

#: what ``show`` may be, and the word the figure uses for it
_SHOWN = {"weights": "weight", "gradients": "gradient"}
#: fill of neurons whose colour carries no value (input neurons drawn without ``x``)
NEUTRAL = "#d9d9d9"
#: colour of edges whose value is exactly 0 (or not a number): they have no sign
ZERO = "#969696"
#: line widths in points of the weakest and strongest synapse drawn
SYNAPSE_WIDTHS = (0.3, 4.0)
#: line widths in points of the weakest and strongest band of a weight block
BAND_WIDTHS = (2.0, 12.0)
#: by default neuron names are written only when at most this many neurons are drawn one by one
MAX_LABELLED_NEURONS = 40


def network(
    net: Network,
    *,
    show: str = "weights",
    x: object = None,
    ax: Axes | None = None,
    title: str | None = None,
    neuron_labels: bool | Mapping[str, str] | None = None,
    max_synapses: int = 300,
    max_neurons_per_layer: int = 32,
    fill_limits: Sequence[float] | None = None,
    width_scale: float | None = None,
) -> Axes:
    """Draw the network's graph, the way TensorFlow Playground draws it.

    Layers are columns, left to right in ``Network.layer_order``, their
    neurons spread top (index 0) to bottom around the middle. Each synapse
    is a line coloured by the sign of its weight (blue positive, red
    negative, grey exactly 0) and as wide as its ``|weight|`` allows: from
    0.3 points for 0 to 4 points for the largest ``|weight|`` drawn (or
    ``width_scale``), as the legend says. Skip
    connections (synapses that jump over columns) are curves that bow over
    the columns they jump, so other edges never hide them. Neurons are
    filled by their activation for the sample ``x``, or else by their bias,
    and the colour bar says which.

    Big networks stay readable: layers of more than
    ``max_neurons_per_layer`` neurons are drawn as blocks (a rounded
    rectangle with a strip of its neurons' colours), and the synapses of
    each pair of connected layers that involves such a block as one band,
    coloured by the sign of their mean and as wide as their mean absolute
    value allows. When more than ``max_synapses`` synapses remain between
    neurons drawn one by one, only the ``k`` strongest (largest ``|value|``)
    incoming synapses of each neuron are drawn, with the largest ``k`` that
    keeps them at most ``max_synapses`` (at least 1). A note at the bottom of
    the figure says what was left out.

    Parameters
    ----------
    net : Network
        The network to draw.
    show : {"weights", "gradients"}, default "weights"
        What synapses show: their ``weight``, or their ``grad`` from the last
        backward pass. Without ``x``, neurons are filled by their ``bias`` or
        ``bias_grad`` to match.
    x : array_like, optional
        One sample: runs ``net.forward(x)`` (with its checks and errors,
        before anything is drawn; the neurons keep this sample's ``z`` and
        ``a``) and fills every neuron by its activation ``a``, input neurons
        by their input. Without ``x``, input neurons get a neutral grey
        fill.
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure sized for the network. A
        colour bar is added beside it.
    title : str, optional
        The title; by default ``"weights"`` or ``"gradients"``.
    neuron_labels : bool or dict, optional
        Whether to write each neuron's name (``hidden1[2]``) beside it; by
        default only when at most 40 neurons are drawn one by one and their
        names fit at a readable size. A dict from neuron names to texts
        writes those texts beside those neurons instead, and nothing beside
        the others (neurons of layers drawn as blocks get none). Layer names
        are always written above their columns.
    max_synapses : int, default 300
        The most synapses drawn one by one before keeping only the strongest
        incoming synapses of each neuron.
    max_neurons_per_layer : int, default 32
        Larger layers are drawn as one block.
    fill_limits : (low, high), optional
        The ends of the neurons' colour scale, instead of the range of the
        values drawn; pictures of a series (an animation's frames) pass the
        same limits to share one colour bar.
    width_scale : float, optional
        The ``|weight|`` (or ``|gradient|``) drawn at the widest, instead of
        the largest one drawn; larger values are drawn at the widest too.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on. What was drawn can be found by ``gid``:

        - in ``ax.collections``: ``"neurons"`` (one marker per neuron drawn
          one by one, in ``Network.neurons`` order, without the layers
          drawn as blocks); ``"synapses"``
          (straight lines between adjacent columns) and ``"skip-synapses"``
          (curves, each a polyline of sampled points), both in
          ``Network.synapses`` order; ``"blocks"`` (one band per pair of
          connected layers that involves a layer drawn as a block, in
          ``Network.blocks`` order). Each of these is there, maybe empty;
        - in ``ax.patches``: one ``"collapsed-layer"`` rounded rectangle per
          layer drawn as a block (its label is the layer's name), and in
          ``ax.images`` one ``"collapsed-layer-values"`` strip per such layer
          whose neurons' fill carries values;
        - in ``ax.texts``: ``"layer-name"``, ``"neuron-name"``,
          ``"collapsed-layer-name"`` and the note ``"note"`` (only when
          something was left out).

        Edge colours are fully opaque up to 100 synapses drawn, and 60%
        opaque beyond; bands are 70% opaque.

    Raises
    ------
    ParameterError
        If ``show`` is not ``"weights"`` or ``"gradients"``, a limit is
        not a positive integer, or ``neuron_labels`` is neither a bool nor a
        dict of neuron names.
    UnknownNameError
        If a name in ``neuron_labels`` is not a neuron of ``net``.
    ShapeError, DataError
        If ``x`` is not one sample the network can take (as ``net.forward``
        raises them), or is a 2-D batch rather than one 1-D sample.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import neurosim as ns
    >>> from neurosim.plot.network import network
    >>> net = ns.Network.from_shape([2, 3, 1], seed=0)
    >>> fig, ax = plt.subplots()
    >>> ax = network(net, x=[1.0, 0.0], ax=ax)
    >>> ax.get_title()
    'weights'
    >>> [len(c.get_segments()) for c in ax.collections if c.get_gid() == "synapses"]
    [9]
    >>> plt.close(fig)
    """
    require_network(net)
    if not isinstance(show, str) or show not in _SHOWN:
        allowed = " or ".join(repr(name) for name in _SHOWN)
        raise ParameterError(f"show must be {allowed}; got {show!r}")
    max_synapses = _positive_int(max_synapses, "max_synapses")
    limits = None if fill_limits is None else check_limits(fill_limits, "fill_limits")
    width_scale = None if width_scale is None else _positive_scale(width_scale)
    max_neurons_per_layer = _positive_int(max_neurons_per_layer, "max_neurons_per_layer")
    labels, texts = _neuron_texts(net, neuron_labels)
    if x is not None:
        # the checks and errors of net.forward, and one sample only
        X, single = as_input_batch(x, net.input_layer.size, name="x", allow_single=True)
        if not single:
            raise ShapeError(
                f"x must be one sample: a 1-D array of {net.input_layer.size} values; got shape {X.shape}"
            )
        net.forward(X[0])
    else:
        _ = net.output_layer  # a network without input and output layers raises StructureError

    word = _SHOWN[show]
    layout = Layout(net, max_neurons_per_layer)
    edges = graph_layout.synapse_edges(net, layout, show, max_synapses)
    bands = graph_layout.bands(net, layout, show)
    fill = _Fill(layout, show, with_x=x is not None, limits=limits)
    notes = graph_layout.notes(layout, edges, bands, word, max_neurons_per_layer)

    if ax is None:
        ax = axes_or_new(None, figsize=layout.figsize())
        ax.figure.subplots_adjust(left=0.02, right=0.9, bottom=0.02, top=0.92)
    colorbar = ax.figure.colorbar(
        ScalarMappable(norm=fill.norm, cmap=fill.cmap), ax=ax, shrink=0.8, pad=0.02, fraction=0.05
    )
    colorbar.set_label(f"neuron colour: {fill.label}")

    _draw(ax, layout, edges, bands, fill, notes, (word, width_scale), (labels, texts))
    ax.set_title(show if title is None else title)
    return ax


def _neuron_texts(net: Network, neuron_labels: object) -> tuple[bool | None, dict[Neuron, str]]:
    """Whether to write labels (``None``: where they fit) and the text written beside each neuron."""
    if isinstance(neuron_labels, Mapping):
        texts = {}
        for name, text in neuron_labels.items():
            neuron = net[name]
            if not isinstance(neuron, Neuron):
                raise ParameterError(f"neuron_labels names neurons, like 'hidden1[2]'; got layer {name!r}")
            texts[neuron] = str(text)
        return True, texts
    if neuron_labels is not None and not isinstance(neuron_labels, (bool, np.bool_)):
        raise ParameterError(
            "neuron_labels must be True, False, None or a dict from neuron names to texts; "
            f"got {neuron_labels!r}"
        )
    return neuron_labels if neuron_labels is None else bool(neuron_labels), {n: n.name for n in net.neurons}


def _positive_scale(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterError(f"width_scale must be a number above 0; got {value!r}")
    if not (np.isfinite(value) and value > 0):
        raise ParameterError(f"width_scale must be a finite number above 0; got {value!r}")
    return float(value)


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ParameterError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


# ---------------------------------------------------------------------- what to draw


class _Fill:
    """The neurons' fill: the value of each neuron, its colour map, norm and colour-bar label."""

    def __init__(
        self, layout: Layout, show: str, *, with_x: bool, limits: tuple[float, float] | None = None
    ) -> None:
        #: layer -> the values of its neurons, or None where the fill carries no value
        self.values: dict[Layer, np.ndarray | None] = {}
        for layer in layout.order:
            if with_x:
                self.values[layer] = np.array([float(neuron.a) for neuron in layer])
            elif layer.is_input:
                self.values[layer] = None
            else:
                source = layer.bias if show == "weights" else layer.bias_grad
                self.values[layer] = np.asarray(source, dtype=float).copy()
        every = np.concatenate([np.zeros(0), *(v for v in self.values.values() if v is not None)])
        if with_x:
            self.norm, self.cmap, self.label = (
                value_norm(every, limits=limits),
                mpl.colormaps[VALUE_CMAP],
                "activation a",
            )
        else:
            self.norm = signed_norm(every) if limits is None else Normalize(*limits)
            self.cmap = mpl.colormaps[SIGNED_CMAP]
            self.label = "bias" if show == "weights" else "bias gradient"

    def colours(self, layer: Layer) -> np.ndarray:
        """RGBA fill of each neuron of ``layer``."""
        values = self.values[layer]
        if values is None:
            return np.tile(to_rgba(NEUTRAL), (layer.size, 1))
        return self.cmap(self.norm(values))


# ---------------------------------------------------------------------- drawing


def _sign_colours(values: np.ndarray) -> np.ndarray:
    colours = np.tile(to_rgba(ZERO), (len(values), 1))
    colours[values > 0] = to_rgba(POSITIVE)
    colours[values < 0] = to_rgba(NEGATIVE)
    return colours


def _widths(strength: np.ndarray, widths: tuple[float, float], scale: float | None = None) -> np.ndarray:
    """Line widths from ``widths[0]`` for 0 to ``widths[1]`` for ``scale`` (by default the largest)."""
    strength = np.nan_to_num(np.abs(strength), nan=0.0, posinf=0.0)
    largest = largest_magnitude(strength) if scale is None else scale
    scaled = np.minimum(strength / largest, 1.0) if largest > 0 else np.zeros_like(strength)
    return widths[0] + (widths[1] - widths[0]) * scaled


def _draw(
    ax: Axes,
    layout: Layout,
    edges: Edges,
    bands: list[Band],
    fill: _Fill,
    notes: list[str],
    words: tuple[str, float | None],
    labels: tuple[bool | None, dict[Neuron, str]],
) -> None:
    # edges: straight and curved synapses, then the bands of weight blocks
    xy = layout.xy
    word, width_scale = words
    colours, widths = _sign_colours(edges.value), _widths(edges.value, SYNAPSE_WIDTHS, width_scale)
    alpha = 1.0 if len(edges.value) <= 100 else 0.6
    straight = ~edges.skip
    segments = np.stack([xy[edges.source[straight]], xy[edges.target[straight]]], axis=1)
    start, end = xy[edges.source[edges.skip]], xy[edges.target[edges.skip]]
    curves = graph_layout.curves(start, end, graph_layout.skip_peaks(layout, start, end))
    band_lines = graph_layout.band_lines(layout, bands)
    for lines, chosen, zorder, gid in (
        (segments, straight, 1, "synapses"),
        (curves, edges.skip, 2, "skip-synapses"),
    ):
        collection = LineCollection(
            list(lines),
            colors=colours[chosen],
            linewidths=widths[chosen],
            alpha=alpha,
            zorder=zorder,
            gid=gid,
        )
        ax.add_collection(collection, autolim=False)
    means = np.array([band.mean for band in bands])
    collection = LineCollection(
        band_lines,
        colors=_sign_colours(means),
        linewidths=_widths(np.array([band.mean_abs for band in bands]), BAND_WIDTHS, width_scale),
        alpha=0.7,
        capstyle="butt",
        zorder=1,
        gid="blocks",
    )
    ax.add_collection(collection, autolim=False)

    # limits: the drawing in the middle, room for layer names above and the legend and notes below
    ys = [xy[:, 1], curves[..., 1].ravel(), *(line[:, 1] for line in band_lines)]
    if layout.collapsed:
        ys.append(np.array([-layout.block_half_height, layout.block_half_height]))
    ys = np.concatenate(ys)
    width_pt, height_pt = _size_in_points(ax)
    note_lines = [line for note in notes for line in _wrap(note, width_pt)]
    frame = _Frame(
        layout,
        (min(ys.min(initial=0.0), 0.0) - 0.05, max(ys.max(initial=0.0), 0.0) + 0.05),
        (width_pt, height_pt),
        footer_pt=14 + 11 * len(note_lines) + 6,
        labels=labels,
    )
    ax.set_xlim(*frame.xlim)
    ax.set_ylim(*frame.ylim)
    ax.set_axis_off()

    # neurons drawn one by one, and the layers drawn as blocks
    by_layer = {layer: fill.colours(layer) for layer in layout.order if not layout.is_collapsed[layer]}
    fills = [by_layer[neuron.layer][neuron.index] for neuron in layout.neurons]
    ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=frame.diameter**2,
        c=np.array(fills).reshape(-1, 4),
        edgecolors="#404040",
        linewidths=0.8,
        zorder=3,
        gid="neurons",
    )
    for layer in layout.collapsed:
        _draw_block(ax, layout, fill, layer, frame)

    # names: layers above their columns, neurons beside themselves
    header = blended_transform_factory(ax.transData, ax.transAxes)
    for layer in layout.order:
        ax.text(
            layout.column[layer],
            1 - frame.header_pt / 2 / height_pt,
            layer.name,
            transform=header,
            ha="center",
            va="center",
            fontsize=frame.header_size,
            fontweight="bold",
            gid="layer-name",
        )
    if frame.labelled:
        _label_neurons(ax, layout, frame, [*segments, *curves, *band_lines])

    # what the edge colours mean (the colours drawn) and what was left out, at the bottom
    shown = np.concatenate([edges.value, means])
    handles = [
        Line2D([], [], color=colour, linewidth=2.5, label=f"{word} {relation}")
        for colour, relation, present in (
            (POSITIVE, "> 0", shown > 0),
            (NEGATIVE, "< 0", shown < 0),
            (ZERO, "= 0", ~((shown > 0) | (shown < 0))),
        )
        if present.any()
    ]
    widest = largest_magnitude(edges.value) if width_scale is None else width_scale
    if widest > 0 and len(edges.value):
        handles.append(
            Line2D([], [], color=ZERO, linewidth=SYNAPSE_WIDTHS[1], label=f"|{word}| {widest:.3g}")
        )
        handles.append(Line2D([], [], color=ZERO, linewidth=SYNAPSE_WIDTHS[0], label=f"|{word}| 0"))
    if handles:
        ax.legend(
            handles=handles,
            loc="lower center",
            bbox_to_anchor=(0.5, (11 * len(note_lines) + 2) / height_pt),
            ncol=len(handles),
            frameon=False,
            fontsize=8,
            handlelength=1.6,
            borderaxespad=0.0,
            borderpad=0.0,
        )
    if note_lines:
        ax.text(
            0.5,
            0.0,
            "\n".join(note_lines),
            transform=ax.transAxes,
            ha="center",
            va="bottom",
            fontsize=8,
            linespacing=1.1,
            color="#404040",
            gid="note",
        )


def _draw_block(ax: Axes, layout: Layout, fill: _Fill, layer: Layer, frame: _Frame) -> None:
    """A layer drawn as a rounded rectangle, with a strip of its neurons' colours when they carry values."""
    x, half = layout.column[layer], layout.block_half_height
    box = FancyBboxPatch(
        (x - BLOCK_HALF_WIDTH, -half),
        2 * BLOCK_HALF_WIDTH,
        2 * half,
        boxstyle="round,pad=0,rounding_size=0.04",
        facecolor="white",
        edgecolor="#404040",
        linewidth=1.0,
        zorder=3,
        gid="collapsed-layer",
        label=layer.name,
    )
    ax.add_patch(box)
    values = fill.values[layer]
    label_x = x
    if values is not None:
        left = x - BLOCK_HALF_WIDTH + 0.03
        ax.imshow(
            values[:, None],
            cmap=fill.cmap,
            norm=fill.norm,
            extent=(left, left + 0.08, -half + 0.06, half - 0.06),
            aspect="auto",
            interpolation="nearest",
            zorder=4,
            gid="collapsed-layer-values",
            label=layer.name,
        )
        label_x = x + 0.045
    text = f"{layer.name} ({layer.size:,} neurons)"
    ax.text(
        label_x,
        0.0,
        text,
        rotation=90,
        ha="center",
        va="center",
        fontsize=float(np.clip(0.85 * 2 * half * frame.points_per_y / (0.62 * len(text)), 5.0, 9.0)),
        zorder=5,
        gid="collapsed-layer-name",
    )


def _label_neurons(ax: Axes, layout: Layout, frame: _Frame, lines: list[np.ndarray]) -> None:
    """Write each neuron's label where it hides fewest synapses.

    Above or below the neuron when there is room between neurons, else
    beside it (left of inputs, right of others).
    """
    radius = frame.diameter / 2
    sides = _label_sides(layout, frame, _sampled(lines)) if frame.labels_above else {}
    for neuron, (x, y) in zip(layout.neurons, layout.xy, strict=True):
        if neuron not in frame.texts:
            continue
        first = layout.column[neuron.layer] == 0
        if frame.labels_above:
            side = sides[neuron]
            offset, ha, va = (0.0, side * (radius + 2)), "center", "bottom" if side > 0 else "top"
        else:
            offset, ha, va = (
                ((-1 if first else 1) * (radius + 2), 0.0),
                "right" if first else "left",
                "center",
            )
        ax.annotate(
            frame.texts[neuron],
            (x, y),
            xytext=offset,
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=frame.label_size,
            zorder=5,
            bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
            gid="neuron-name",
        )


def _sampled(lines: list[np.ndarray]) -> np.ndarray:
    """Points along every synapse drawn, close enough together to tell which labels they cross."""
    pieces = [np.zeros((0, 2))]
    steps = np.linspace(0.0, 1.0, 24)[:, None]
    for line in lines:
        for start, end in itertools.pairwise(line):
            pieces.append(start + steps * (end - start))
    return np.concatenate(pieces)


def _label_sides(layout: Layout, frame: _Frame, samples: np.ndarray) -> dict[Neuron, int]:
    """+1 (above) or -1 (below) for each labelled neuron: the fewest synapse points covered in all.

    Two labels never share the gap between neighbours in a column: the
    upper one's label below and the lower one's above would overlap. Each
    column's choice is the best one under that rule (found neuron by
    neuron, top down), above where it makes no difference.
    """
    sides: dict[Neuron, int] = {}
    columns: dict[float, list[tuple[float, Neuron, np.ndarray]]] = {}
    for neuron, xy in zip(layout.neurons, layout.xy, strict=True):
        if neuron in frame.texts:
            columns.setdefault(float(xy[0]), []).append((-float(xy[1]), neuron, xy))
    for column in columns.values():
        column.sort(key=lambda item: item[0])  # top first
        costs = [
            {side: _covered(samples, xy, frame, len(frame.texts[neuron]), side) for side in (1, -1)}
            for _, neuron, xy in column
        ]
        # best[i][side]: the fewest points covered by labels 0..i with label i on ``side``, and the choice
        best = [{side: (costs[0][side], [side]) for side in (1, -1)}]
        for cost in costs[1:]:
            step = {}
            for side in (1, -1):
                allowed = [best[-1][1]] + ([best[-1][-1]] if side == -1 else [])  # no below-then-above
                total, path = min(allowed, key=lambda option: option[0])
                step[side] = (total + cost[side], [*path, side])
            best.append(step)
        _, path = min((best[-1][1], best[-1][-1]), key=lambda option: option[0])
        sides.update({neuron: side for (_, neuron, _), side in zip(column, path, strict=True)})
    return sides


def _covered(samples: np.ndarray, xy: np.ndarray, frame: _Frame, length: int, side: int) -> int:
    """How many synapse points a label of ``length`` characters covers above (+1) or below (-1) ``xy``."""
    x, y = xy
    half_width = (0.6 * frame.label_size * length + 4) / 2 / frame.points_per_column
    near = (frame.diameter / 2 + 2) / frame.points_per_y
    far = near + (frame.label_size + 3) / frame.points_per_y
    offsets = side * (samples[:, 1] - y)
    return int(np.sum((np.abs(samples[:, 0] - x) <= half_width) & (offsets >= near) & (offsets <= far)))


class _Frame:
    """Axes limits that leave room, in points, for names, markers, the legend and notes; and marker sizes.

    Neuron labels are written when asked (``labels=True``), or by default when
    at most ``MAX_LABELLED_NEURONS`` neurons are drawn one by one and
    their names fit between the columns at a readable size. ``texts`` are the
    labels: each neuron's name, or the texts asked for beside some neurons.
    """

    header_pt = 24.0

    def __init__(
        self,
        layout: Layout,
        y_range: tuple[float, float],
        size_pt: tuple[float, float],
        *,
        footer_pt: float,
        labels: tuple[bool | None, dict[Neuron, str]],
    ) -> None:
        labels, texts = labels
        self.texts = {neuron: text for neuron, text in texts.items() if neuron in layout.index}
        self.labelled = len(layout.neurons) <= MAX_LABELLED_NEURONS if labels is None else labels
        self.labelled = self.labelled and bool(self.texts)
        self._fit(layout, y_range, size_pt, footer_pt)
        if labels is None and self.labelled and not self._labels_fit(layout):
            self.labelled = False
            self._fit(layout, y_range, size_pt, footer_pt)
        longest_name = max(len(layer.name) for layer in layout.order)
        self.header_size = float(np.clip(0.9 * self.points_per_column / (0.62 * longest_name), 6.0, 10.0))

    def _fit(
        self, layout: Layout, y_range: tuple[float, float], size_pt: tuple[float, float], footer_pt: float
    ) -> None:
        width_pt, height_pt = size_pt
        x_range = (-BLOCK_HALF_WIDTH - 0.03, len(layout.order) - 1 + BLOCK_HALF_WIDTH + 0.03)
        longest = max((len(text) for text in self.texts.values()), default=0)
        first, last = layout.order[0], layout.order[-1]
        labelled_layers = {neuron.layer for neuron in self.texts}
        pads = (0.0, 0.0, 0.0, 0.0)
        for _ in range(2):  # marker and label sizes depend on the limits, and the limits on them
            self.xlim = _padded(x_range, pads[0], pads[1], width_pt)
            self.ylim = _padded(y_range, pads[2], pads[3], height_pt)
            self.points_per_y = height_pt / (self.ylim[1] - self.ylim[0])
            self.points_per_column = width_pt / (self.xlim[1] - self.xlim[0])
            self.gap_pt = layout.spacing * self.points_per_y
            self.diameter = float(min(26.0, 0.62 * self.gap_pt, 0.3 * self.points_per_column))
            self.labels_above = self.labelled and self.gap_pt >= self.diameter + 14
            self.label_size = 8.0 if self.labels_above else float(np.clip(0.8 * (self.gap_pt - 1), 5.0, 7.0))
            radius = self.diameter / 2
            self.label_width = 0.6 * self.label_size * longest + 4 if self.labelled else 0.0
            side = self.label_width / 2 if self.labels_above else self.label_width + 2
            left = radius + (side if first in labelled_layers else 0.0)
            right = radius + (side if last in labelled_layers else 0.0)
            label_room = self.label_size + 4 if self.labels_above else 0.0  # above or below a neuron
            pads = (left, right, footer_pt + radius + label_room, self.header_pt + radius + label_room)

    def _labels_fit(self, layout: Layout) -> bool:
        if len(layout.order) == 1:
            return True
        if self.labels_above:
            return self.label_width <= 0.9 * self.points_per_column
        return (
            self.label_size >= 6 and self.diameter / 2 + 2 + self.label_width <= 0.5 * self.points_per_column
        )


def _padded(
    limits: tuple[float, float], low_pt: float, high_pt: float, length_pt: float
) -> tuple[float, float]:
    """``limits`` widened to leave ``low_pt`` and ``high_pt`` points beyond them (at most 80% in all)."""
    share = min(0.8, (low_pt + high_pt) / length_pt)
    span = (limits[1] - limits[0]) / (1 - share)
    scale = share / (low_pt + high_pt) if low_pt + high_pt > 0 else 0.0
    return limits[0] - low_pt * scale * span, limits[1] + high_pt * scale * span


def _size_in_points(ax: Axes) -> tuple[float, float]:
    box = ax.get_window_extent()
    scale = 72 / ax.figure.dpi
    return max(box.width * scale, 1.0), max(box.height * scale, 1.0)


def _wrap(text: str, width_pt: float, fontsize: float = 8) -> list[str]:
    return textwrap.wrap(text, width=max(30, int(width_pt / (0.55 * fontsize))))
