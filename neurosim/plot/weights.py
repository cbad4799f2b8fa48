"""Heatmaps of a network's weights (or their gradients), one per pair of connected layers."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import matplotlib as mpl
import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from neurosim.core.network import Network
from neurosim.errors import ParameterError, StructureError
from neurosim.plot._style import SIGNED_CMAP, new_figure, require_network
from neurosim.plot.scales import signed_norm

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from neurosim.core.weights import WeightBlock

__all__ = ["weights"]

#: what ``weights`` can draw: the block attribute behind each, and the colour bar's label
SHOWS = {"weights": ("weight", "weight"), "gradients": ("grad", "gradient d(loss)/d(weight)")}
#: colour of cells without a synapse (pruned, or never connected)
ABSENT_COLOUR = "#bdbdbd"
#: a matrix of at most this many cells gets its values written in (with ``annotate=None``)
ANNOTATE_CELLS = 64
#: a side with more neurons than this labels every k-th one only
MAX_TICK_LABELS = 30
#: heatmaps side by side before a new row starts
_PANELS_PER_ROW = 3
#: a matrix with at most this many rows and columns is drawn with square cells
_SMALL = 12


def weights(
    net: Network,
    *,
    fig: Figure | None = None,
    show: str = "weights",
    annotate: bool | None = None,
    limit: float | None = None,
) -> Figure:
    """Draw one heatmap per pair of connected layers: the weight of every synapse between them.

    Each heatmap is a weight block as the network stores it: one row per
    target neuron, one column per source neuron, labelled with the neurons'
    names (like ``torch.nn.Linear.weight``). Colours are the signed colour
    map centred on 0 (blue positive, red negative), with a colour bar per
    heatmap; cells without a synapse (pruned) are grey. Panels are titled
    ``"source -> target"`` and come in ``Network.blocks`` order.

    Parameters
    ----------
    net : Network
        The network, trained by either engine or not at all.
    fig : matplotlib Figure, optional
        An empty figure to draw in; by default a new one.
    show : {"weights", "gradients"}, default "weights"
        ``"gradients"`` draws each synapse's gradient from the last backward
        pass (or training step) instead of its weight.
    annotate : bool, optional
        Write each value in its cell. By default, only in matrices of at
        most 64 cells and at most 12 neurons a side, whose cells are wide
        enough for a number.
    limit : float, optional
        Every heatmap's colour scale runs from ``-limit`` to ``limit``; by
        default each runs to its own largest ``|value|``. Pass the same
        limit to compare pictures of a series colour for colour.

    Returns
    -------
    matplotlib Figure
        The figure drawn in: one heatmap Axes per weight block, then their colour bars.

    Raises
    ------
    ParameterError
        If ``show``, ``annotate``, ``limit`` or ``fig`` is not one of the values above.
    StructureError
        If the network has no synapses to draw.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import neurosim as ns
    >>> from neurosim.plot.weights import weights
    >>> net = ns.Network.from_shape([2, 3, 1], seed=0)
    >>> net.disconnect("input[1]", "hidden1[0]")
    >>> fig = weights(net)
    >>> [ax.get_title() for ax in fig.axes if ax.images]
    ['input -> hidden1', 'hidden1 -> output']
    >>> bool(fig.axes[0].images[0].get_array().mask[0, 1])      # the pruned synapse: no colour
    True
    >>> plt.close(fig)
    """
    require_network(net)
    if show not in SHOWS:
        raise ParameterError(f"show must be one of {', '.join(map(repr, SHOWS))}; got {show!r}")
    if annotate is not None and not isinstance(annotate, bool):
        raise ParameterError(f"annotate must be True, False or None (automatic); got {annotate!r}")
    norm = None if limit is None else signed_norm(np.zeros(0), limit)
    if fig is not None and (not isinstance(fig, Figure) or fig.axes or fig.subfigs):
        what = "a Figure that already holds axes" if isinstance(fig, Figure) else f"a {type(fig).__name__}"
        raise ParameterError(f"fig must be an empty matplotlib Figure; got {what}")
    compiled = net.compile()
    blocks = net.blocks
    if not blocks:
        raise StructureError(f"net has no synapses, so no weights to draw: {net!r}")

    attribute, label = SHOWS[show]
    n_cols = min(len(blocks), _PANELS_PER_ROW)
    n_rows = math.ceil(len(blocks) / n_cols)
    sizes = [_panel_size(block.weight.shape) for block in blocks] + [(0.0, 0.0)] * (
        n_rows * n_cols - len(blocks)
    )
    widths = [max(sizes[r * n_cols + c][0] for r in range(n_rows)) for c in range(n_cols)]
    heights = [max(sizes[r * n_cols + c][1] for c in range(n_cols)) for r in range(n_rows)]
    if fig is None:
        fig = new_figure(figsize=(sum(widths), sum(heights) + 0.6))
    if fig.get_layout_engine() is None:
        fig.set_layout_engine("constrained")
    grid = fig.add_gridspec(n_rows, n_cols, width_ratios=widths, height_ratios=heights)
    axes = [fig.add_subplot(grid[i // n_cols, i % n_cols]) for i in range(len(blocks))]
    any_absent = False
    for axis, block in zip(axes, blocks, strict=True):
        W, rows, cols = compiled.matrix(block.source.name, block.target.name)
        values = W if attribute == "weight" else block.grad
        any_absent |= not block.mask.all()
        _heatmap(axis, block, values, (rows, cols), label, (annotate, norm))
    kind = "weights" if attribute == "weight" else "gradients of the loss with respect to the weights"
    note = "rows: target neurons, columns: source neurons" + ("; grey: no synapse" if any_absent else "")
    fig.suptitle(f"{kind}\n{note}", fontsize="medium")
    return fig


def _heatmap(
    ax: Axes,
    block: WeightBlock,
    values: np.ndarray,
    names: tuple[list[str], list[str]],
    label: str,
    settings: tuple[bool | None, Normalize | None],
) -> None:
    """One block's values as a heatmap on ``ax``, absent synapses masked, with its colour bar."""
    rows, cols = names
    annotate, norm = settings
    shown = np.ma.masked_array(np.asarray(values, dtype=float), mask=~block.mask)
    if norm is None:  # centred on 0: white is 0, whatever the range
        norm = signed_norm(shown.compressed())
    cmap = mpl.colormaps[SIGNED_CMAP].with_extremes(bad=ABSENT_COLOUR)
    n_rows, n_cols = shown.shape
    aspect = "equal" if max(n_rows, n_cols) <= _SMALL else "auto"
    image = ax.imshow(shown, cmap=cmap, norm=norm, interpolation="nearest", aspect=aspect)
    ax.set_title(f"{block.source.name} -> {block.target.name}")
    ax.set_xlabel(f"from {block.source.name}")
    ax.set_ylabel(f"to {block.target.name}")
    _name_ticks(ax.set_xticks, cols, rotation=90)
    _name_ticks(ax.set_yticks, rows, rotation=0)
    small = "small" if max(n_rows, n_cols) <= _SMALL else "x-small"
    ax.tick_params(labelsize=small)
    colourbar = ax.figure.colorbar(image, ax=ax, shrink=0.9)
    colourbar.set_label(label)
    roomy = shown.size <= ANNOTATE_CELLS and max(n_rows, n_cols) <= _SMALL
    if annotate or (annotate is None and roomy):
        for (i, j), value in np.ndenumerate(shown.data):
            if shown.mask[i, j]:
                continue
            dark = abs(norm(value) - 0.5) > 0.3  # the deep ends of the colour map: write in white
            ax.text(
                j,
                i,
                _short(value),
                ha="center",
                va="center",
                fontsize=small,
                color="white" if dark else "black",
            )


def _panel_size(shape: tuple[int, int]) -> tuple[float, float]:
    """Inches for one heatmap with its labels and colour bar: room for every tick label drawn."""
    n_rows, n_cols = shape
    if max(n_rows, n_cols) <= _SMALL:
        cell = 0.55
        return n_cols * cell + 2.6, n_rows * cell + 2.0
    pitch = 0.15  # inches per tick label of x-small text
    x_labels, y_labels = min(n_cols, MAX_TICK_LABELS), min(n_rows, MAX_TICK_LABELS)
    return min(max(x_labels * pitch, 2.0), 6.0) + 2.6, min(max(y_labels * pitch, 2.0), 6.0) + 2.0


def _name_ticks(set_ticks: object, names: list[str], rotation: float) -> None:
    """Label ticks with neuron names: all of them, or every k-th when there are many."""
    step = max(1, math.ceil(len(names) / MAX_TICK_LABELS))
    positions = range(0, len(names), step)
    set_ticks(list(positions), [names[i] for i in positions], rotation=rotation)


def _short(value: float) -> str:
    """``value`` in a few characters, to fit in a cell."""
    if value == 0:
        return "0"
    if 0.01 <= abs(value) < 100:
        return f"{value:.2f}"
    return f"{value:.1e}"
