"""Where ``ns.plot.network`` puts a network's neurons, synapses and weight blocks, in data units.

The layout is plain arithmetic on the network's structure and values: it
imports no matplotlib, and ``neurosim.plot.network`` draws what it computes.
Columns are 1 apart, one per layer in ``Network.layer_order``; the tallest
column of neurons drawn one by one spans at most 2. Layers of more than
``max_neurons_per_layer`` neurons are collapsed into blocks, and the
synapses touching them into bands of mean value.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from neurosim.core.layer import Layer
    from neurosim.core.network import Network
    from neurosim.core.parameters import WeightBlock

__all__ = [
    "BLOCK_HALF_WIDTH",
    "Band",
    "Edges",
    "Layout",
    "band_lines",
    "bands",
    "curves",
    "keep_strongest",
    "largest_k",
    "notes",
    "skip_peaks",
    "synapse_edges",
]

#: half the width of a collapsed layer's block, in data units (columns are 1 apart)
BLOCK_HALF_WIDTH = 0.12
#: the largest vertical distance between neighbouring neurons of a column
_MAX_SPACING = 0.6
#: the least half height of a collapsed layer's block
_BLOCK_MIN_HALF_HEIGHT = 0.9
#: points sampled along each curve
_CURVE_POINTS = 25


class Layout:
    """Where every column, neuron and block goes, in data units.

    Parameters
    ----------
    net : Network
        The network to lay out.
    max_neurons_per_layer : int
        Larger layers are collapsed into one block.

    Attributes
    ----------
    order : list of Layer
        The layers in ``net.layer_order()``: column ``i`` holds ``order[i]``.
    column : dict of Layer to int
        Each layer's column.
    position : dict of Layer to int
        Each layer's place in ``net.layers`` (the order layers were added).
    collapsed : list of Layer
        The layers drawn as blocks, in column order.
    is_collapsed : dict of Layer to bool
        Whether each layer is drawn as a block.
    tallest : int
        The most neurons of a column drawn one by one (1 if none is).
    spacing : float
        The vertical distance between neighbouring neurons of a column:
        0.6, or less so that the tallest column spans at most 2.
    block_half_height : float
        How far blocks reach above and below the middle: as far as the
        tallest column, and at least 0.9.
    neurons : list of Neuron
        The neurons drawn one by one, in ``net.neurons`` order.
    index : dict of Neuron to int
        Each such neuron's place in ``neurons``.
    xy : ndarray of shape (len(neurons), 2)
        Each such neuron's position: its column, and its height, from top
        (index 0) to bottom, centred on 0.

    Examples
    --------
    >>> import neurosim as ns
    >>> from neurosim.plot.graph_layout import Layout
    >>> layout = Layout(ns.Network.from_shape([2, 3, 1], seed=0), max_neurons_per_layer=32)
    >>> layout.spacing
    0.6
    >>> layout.xy.tolist()
    [[0.0, 0.3], [0.0, -0.3], [1.0, 0.6], [1.0, 0.0], [1.0, -0.6], [2.0, 0.0]]
    """

    def __init__(self, net: Network, max_neurons_per_layer: int) -> None:
        self.order = net.layer_order()
        self.column = {layer: i for i, layer in enumerate(self.order)}
        self.position = {layer: i for i, layer in enumerate(net.layers)}
        self.collapsed = [layer for layer in self.order if layer.size > max_neurons_per_layer]
        self.is_collapsed = {layer: layer.size > max_neurons_per_layer for layer in self.order}
        single = [layer.size for layer in self.order if not self.is_collapsed[layer]]
        self.tallest = max(single, default=1)
        self.spacing = _MAX_SPACING if self.tallest < 2 else min(_MAX_SPACING, 2.0 / (self.tallest - 1))
        self.block_half_height = max(_BLOCK_MIN_HALF_HEIGHT, (self.tallest - 1) / 2 * self.spacing)
        self.neurons = [n for layer in net.layers if not self.is_collapsed[layer] for n in layer]
        self.index = {neuron: i for i, neuron in enumerate(self.neurons)}
        self.xy = np.array([self.neuron_xy(n.layer, n.index) for n in self.neurons]).reshape(-1, 2)

    def neuron_xy(self, layer: Layer, index: int) -> tuple[float, float]:
        """The position of neuron ``index`` of ``layer``: its column, and its height."""
        return float(self.column[layer]), ((layer.size - 1) / 2 - index) * self.spacing

    def half_height(self, layer: Layer) -> float:
        """How far the column of ``layer`` reaches above (and below) the middle."""
        if self.is_collapsed[layer]:
            return self.block_half_height
        return (layer.size - 1) / 2 * self.spacing

    def figsize(self) -> tuple[float, float]:
        """The size in inches of a figure made for this layout: wider with columns, taller with rows."""
        columns = len(self.order)
        rows = max(self.tallest, 8 if self.collapsed else 1)
        return min(16.0, max(6.4, 1.9 * columns + 1.5)), min(12.0, max(4.8, 0.26 * rows + 2.0))


# ---------------------------------------------------------------------- synapses drawn one by one


@dataclass
class Edges:
    """The synapses drawn one by one, as arrays in ``net.synapses`` order.

    Attributes
    ----------
    source, target : ndarray of int
        Each synapse's source and target neuron, as places in ``Layout.neurons``.
    value : ndarray of float
        Each synapse's weight, or gradient.
    skip : ndarray of bool
        Whether each synapse jumps over columns (and is drawn curved).
    total : int
        How many synapses join neurons drawn one by one, before only the
        strongest were kept.
    k : int or None
        When set, only the ``k`` strongest incoming synapses of each neuron
        were kept.
    """

    source: np.ndarray
    target: np.ndarray
    value: np.ndarray
    skip: np.ndarray
    total: int
    k: int | None = None


def synapse_edges(net: Network, layout: Layout, show: str, max_synapses: int) -> Edges:
    """The synapses between neurons drawn one by one, thinned to at most ``max_synapses`` if needed.

    Parameters
    ----------
    net : Network
        The network laid out.
    layout : Layout
        Its layout.
    show : {"weights", "gradients"}
        Whether the values are the synapses' weights or their gradients.
    max_synapses : int
        Past this many synapses, only each neuron's strongest incoming
        synapses are kept (see ``keep_strongest``).

    Returns
    -------
    Edges
        The synapses in ``net.synapses`` order.

    Examples
    --------
    >>> import neurosim as ns
    >>> from neurosim.plot.graph_layout import Layout, synapse_edges
    >>> net = ns.Network.from_shape([2, 2, 1], seed=0)
    >>> _ = net.connect("input[0]", "output[0]")  # a skip connection
    >>> edges = synapse_edges(net, Layout(net, 32), "weights", max_synapses=300)
    >>> edges.source.tolist(), edges.target.tolist()
    ([0, 1, 0, 1, 0, 2, 3], [2, 2, 3, 3, 4, 4, 4])
    >>> edges.skip.tolist()
    [False, False, False, False, True, False, False]
    """
    parts = [
        _block_edges(layout, block.source, block.target, _shown(block, show), block.mask)
        for block in net.blocks
        if _drawn_one_by_one(layout, block.source, block.target)
    ]
    if not parts:
        empty = np.zeros(0, int)
        return Edges(empty, empty, np.zeros(0), np.zeros(0, bool), 0)
    source, target, value, skip, source_layer = (
        np.concatenate(arrays) for arrays in zip(*parts, strict=True)
    )
    # net.synapses order: by target (as in net.neurons), then source layer (order added), then source
    order = np.lexsort((source, source_layer, target))
    edges = Edges(source[order], target[order], value[order], skip[order], total=len(order))
    return keep_strongest(edges, max_synapses) if edges.total > max_synapses else edges


def _drawn_one_by_one(layout: Layout, source: Layer, target: Layer) -> bool:
    return not (layout.is_collapsed[source] or layout.is_collapsed[target])


def _shown(block: WeightBlock, show: str) -> np.ndarray:
    """A weight block's weights or gradients, as ``show`` asks."""
    return block.weight if show == "weights" else block.grad


def _block_edges(
    layout: Layout, source: Layer, target: Layer, values: np.ndarray, mask: np.ndarray
) -> tuple[np.ndarray, ...]:
    """One weight block's synapses: sources, targets, values, skip flags and source layer positions."""
    rows, cols = np.nonzero(mask)
    first_target = layout.index[target.neurons[0]]
    first_source = layout.index[source.neurons[0]]
    skip = layout.column[target] - layout.column[source] > 1
    return (
        first_source + cols,
        first_target + rows,
        values[rows, cols].astype(float),
        np.full(len(rows), skip),
        np.full(len(rows), layout.position[source]),
    )


def largest_k(incoming: np.ndarray, max_synapses: int) -> int:
    """The largest ``k`` that keeps at most ``max_synapses`` synapses when each neuron keeps ``k`` incoming.

    Parameters
    ----------
    incoming : array of int
        How many incoming synapses each neuron has (neurons without any may
        be left out, or counted as 0).
    max_synapses : int
        The most synapses to keep in all.

    Returns
    -------
    int
        At least 1 (even if that keeps more than ``max_synapses``), and at
        most the largest number of incoming synapses.

    Examples
    --------
    >>> from neurosim.plot.graph_layout import largest_k
    >>> largest_k([3, 1], max_synapses=3)  # 2 + 1 synapses
    2
    >>> largest_k([5, 5, 5], max_synapses=2)
    1
    """
    incoming = np.asarray(incoming)
    incoming = incoming[incoming > 0]
    k = 1
    while k < incoming.max(initial=0) and np.minimum(incoming, k + 1).sum() <= max_synapses:
        k += 1
    return k


def keep_strongest(edges: Edges, max_synapses: int) -> Edges:
    """Only the ``k`` strongest incoming synapses of each neuron, with ``k = largest_k(...)``.

    Strength is ``|value|``; a NaN value is the weakest. Of equally strong
    synapses, those first in ``edges`` are kept.

    Parameters
    ----------
    edges : Edges
        The synapses, in any order.
    max_synapses : int
        The most synapses to keep in all (at least one per neuron is kept).

    Returns
    -------
    Edges
        The synapses kept, in their order in ``edges``, with ``k`` set.

    Examples
    --------
    >>> import numpy as np
    >>> from neurosim.plot.graph_layout import Edges, keep_strongest
    >>> target = np.array([0, 0, 0, 1])
    >>> value = np.array([0.1, -0.5, 0.3, 2.0])
    >>> edges = Edges(np.arange(4), target, value, np.zeros(4, bool), total=4)
    >>> kept = keep_strongest(edges, max_synapses=3)
    >>> kept.k, kept.value.tolist()
    (2, [-0.5, 0.3, 2.0])
    """
    n = len(edges.value)
    k = largest_k(np.bincount(edges.target), max_synapses)
    strength = np.nan_to_num(np.abs(edges.value), nan=-1.0)
    by_strength = np.lexsort((np.arange(n), -strength, edges.target))
    sorted_targets = edges.target[by_strength]
    starts = np.flatnonzero(np.r_[True, sorted_targets[1:] != sorted_targets[:-1]])
    rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    keep = np.zeros(n, bool)
    keep[by_strength[rank < k]] = True
    return replace(
        edges,
        source=edges.source[keep],
        target=edges.target[keep],
        value=edges.value[keep],
        skip=edges.skip[keep],
        k=k,
    )


# ---------------------------------------------------------------------- collapsed layers


@dataclass
class Band:
    """One weight block drawn as a band: the mean of its synapses' values.

    Attributes
    ----------
    source, target : Layer
        The layers the block joins.
    mean : float
        The mean value of its synapses.
    mean_abs : float
        The mean absolute value of its synapses.
    count : int
        How many synapses it holds.
    """

    source: Layer
    target: Layer
    mean: float
    mean_abs: float
    count: int


def bands(net: Network, layout: Layout, show: str) -> list[Band]:
    """One band per weight block that joins a collapsed layer, in ``net.blocks`` order.

    Parameters
    ----------
    net : Network
        The network laid out.
    layout : Layout
        Its layout.
    show : {"weights", "gradients"}
        Whether the bands average the synapses' weights or their gradients.

    Returns
    -------
    list of Band

    Examples
    --------
    >>> import neurosim as ns
    >>> from neurosim.plot.graph_layout import Layout, bands
    >>> net = ns.Network.from_shape([2, 3, 1], init="constant", seed=0)
    >>> [(band.source.name, band.target.name, band.count) for band in bands(net, Layout(net, 2), "weights")]
    [('input', 'hidden1', 6), ('hidden1', 'output', 3)]
    """
    found = []
    for block in net.blocks:
        if _drawn_one_by_one(layout, block.source, block.target):
            continue
        values = _shown(block, show)[block.mask].astype(float)
        found.append(
            Band(block.source, block.target, float(values.mean()), float(np.abs(values).mean()), len(values))
        )
    return found


# ---------------------------------------------------------------------- curves


def curves(start: np.ndarray, end: np.ndarray, peak: np.ndarray) -> np.ndarray:
    """Quadratic Bezier curves from ``start`` to ``end`` whose middle point is at height ``peak``.

    Parameters
    ----------
    start, end : ndarray of shape (n, 2)
        Where each curve starts and ends.
    peak : ndarray of shape (n,)
        The height of each curve's middle point, which lies halfway between
        its ends horizontally.

    Returns
    -------
    ndarray of shape (n, 25, 2)
        The points of each curve, from ``start`` to ``end``.

    Examples
    --------
    >>> import numpy as np
    >>> from neurosim.plot.graph_layout import curves
    >>> points = curves(np.array([[0.0, 0.0]]), np.array([[2.0, 0.0]]), np.array([1.0]))
    >>> points.shape, points[0, 0].tolist(), points[0, 12].tolist(), points[0, -1].tolist()
    ((1, 25, 2), [0.0, 0.0], [1.0, 1.0], [2.0, 0.0])
    """
    control = (start + end) / 2
    control[:, 1] = 2 * peak - control[:, 1]
    t = np.linspace(0.0, 1.0, _CURVE_POINTS)[None, :, None]
    return (1 - t) ** 2 * start[:, None] + 2 * (1 - t) * t * control[:, None] + t**2 * end[:, None]


def skip_peaks(layout: Layout, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """How high (or low) each skip curve bows: past the columns it jumps over, away from the middle.

    A curve clears the columns between its ends by 0.22, and its ends by
    0.1; each column jumped beyond the first adds 0.08, so nested skips do
    not overlap. Curves whose ends lie below the middle on average bow
    downwards.

    Parameters
    ----------
    layout : Layout
        The layout the curves are drawn in.
    start, end : ndarray of shape (n, 2)
        Each curve's ends, ``start`` in the left column.

    Returns
    -------
    ndarray of shape (n,)
        The height of each curve's middle point.

    Examples
    --------
    >>> import numpy as np
    >>> import neurosim as ns
    >>> from neurosim.plot.graph_layout import Layout, skip_peaks
    >>> layout = Layout(ns.Network.from_shape([1, 3, 1], seed=0), 32)
    >>> skip_peaks(layout, np.array([[0.0, 0.0]]), np.array([[2.0, 0.0]])).round(2).tolist()
    [0.82]
    """
    reach = [layout.half_height(layer) for layer in layout.order]
    peaks = np.empty(len(start))
    for i, ((x0, y0), (x1, y1)) in enumerate(zip(start, end, strict=True)):
        first, last = round(x0) + 1, round(x1)
        between = max((reach[c] for c in range(first, last)), default=0.0)
        height = max(between + 0.12, abs(y0), abs(y1)) + 0.1 + 0.08 * (last - first - 1)
        peaks[i] = height if (y0 + y1) / 2 >= 0 else -height
    return peaks


def band_lines(layout: Layout, found: list[Band]) -> list[np.ndarray]:
    """Each band's line: from the right side of its source column to the left side of its target column.

    Bands between neighbouring columns are straight ``(2, 2)`` segments at
    height 0; bands that skip columns are ``(25, 2)`` curves (see ``curves``
    and ``skip_peaks``).

    Parameters
    ----------
    layout : Layout
        The layout the bands are drawn in.
    found : list of Band
        The bands, as ``bands`` returns them.

    Returns
    -------
    list of ndarray
        One line per band.

    Examples
    --------
    >>> import neurosim as ns
    >>> from neurosim.plot.graph_layout import Layout, band_lines, bands
    >>> net = ns.Network.from_shape([2, 40, 1], seed=0)
    >>> layout = Layout(net, 32)
    >>> [line.tolist() for line in band_lines(layout, bands(net, layout, "weights"))]
    [[[0.2, 0.0], [0.86, 0.0]], [[1.14, 0.0], [1.8, 0.0]]]
    """
    lines = []
    for band in found:
        x0, x1 = layout.column[band.source], layout.column[band.target]
        x0 += BLOCK_HALF_WIDTH + 0.02 if layout.is_collapsed[band.source] else 0.2
        x1 -= BLOCK_HALF_WIDTH + 0.02 if layout.is_collapsed[band.target] else 0.2
        start, end = np.array([[x0, 0.0]]), np.array([[x1, 0.0]])
        if layout.column[band.target] - layout.column[band.source] > 1:
            lines.append(curves(start, end, skip_peaks(layout, start, end))[0])
        else:
            lines.append(np.concatenate([start, end]))
    return lines


# ---------------------------------------------------------------------- what was left out


def notes(layout: Layout, edges: Edges, found: list[Band], word: str, max_neurons: int) -> list[str]:
    """Sentences that say what the picture leaves out: synapses thinned, layers collapsed.

    Parameters
    ----------
    layout : Layout
        The layout drawn.
    edges : Edges
        The synapses drawn one by one.
    found : list of Band
        The bands drawn.
    word : str
        What the synapses show, ``"weight"`` or ``"gradient"``.
    max_neurons : int
        The ``max_neurons_per_layer`` the layout was made with.

    Returns
    -------
    list of str
        Nothing when everything is drawn.

    Examples
    --------
    >>> import neurosim as ns
    >>> from neurosim.plot.graph_layout import Layout, bands, notes, synapse_edges
    >>> net = ns.Network.from_shape([2, 40, 1], seed=0)
    >>> layout = Layout(net, 32)
    >>> edges, found = synapse_edges(net, layout, "weights", 300), bands(net, layout, "weights")
    >>> notes(layout, edges, found, "weight", 32)
    ['showing layers of more than 32 neurons as blocks (hidden1),
      and their 120 synapses as 2 bands of mean weight']
    """
    said = []
    if edges.k is not None:
        which = (
            "the strongest incoming synapse" if edges.k == 1 else f"the {edges.k} strongest incoming synapses"
        )
        said.append(f"showing {which} per neuron ({len(edges.value):,} of {edges.total:,})")
    if layout.collapsed:
        names = ", ".join(layer.name for layer in layout.collapsed)
        note = f"showing layers of more than {max_neurons} neurons as blocks ({names})"
        if found:
            count = sum(band.count for band in found)
            plural = "" if len(found) == 1 else "s"
            note += f", and their {count:,} synapses as {len(found)} band{plural} of mean {word}"
        said.append(note)
    return said
