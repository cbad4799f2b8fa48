"""Draw what the doctor found: the network's graph with each finding's neurons, synapses and layers marked.

``ns.diagnose`` and ``history.diagnosis`` name their culprits (``where``);
this module finds them in the drawing of ``neurosim.plot.network`` and
marks them in the colour of the finding's severity, with each finding's
code beside its neurons and a caption of one line per finding.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.collections import Collection, LineCollection
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Patch

from neurosim.core.layer import Layer
from neurosim.core.network import Network
from neurosim.core.neuron import Neuron
from neurosim.diagnostics import Finding, Report
from neurosim.errors import ParameterError, UnknownNameError
from neurosim.plot import graph_layout
from neurosim.plot._style import new_figure, require_network
from neurosim.plot.graph_layout import BLOCK_HALF_WIDTH, Layout
from neurosim.plot.network import network

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from neurosim.core.synapse import Synapse

__all__ = ["SEVERITY_COLOURS", "diagnosis", "summary"]

#: the colour of each severity: rings, thick synapses, layer frames and codes
SEVERITY_COLOURS = {"error": "#d55e00", "warning": "#e69f00", "info": "#009e73"}
#: what each severity means, for the legend
SEVERITY_MEANINGS = {
    "error": "error: cannot learn as it is",
    "warning": "warning: learns badly or slowly",
    "info": "info: worth knowing",
}
#: how opaque the network's own synapses are drawn, so that the marked ones stand out
FADED = 0.3
#: the width in points of the outline of a neuron named, and of a synapse named
RING_WIDTH, SYNAPSE_WIDTH = 3.5, 5.0
#: caption: font size and line height in points
CAPTION_SIZE, LINE_PT, CODE_GAP = 8.0, 11.0, 8.0
#: legend: font size and row height in points
LEGEND_SIZE, LEGEND_ROW_PT = 7.5, 15.0
#: the line height in points of the codes under a layer's frame
CODE_PT = 9.0
#: the widest figure made, in inches
MAX_WIDTH = 16.0
#: where a synapse's name splits into its two neurons
ARROW = " -> "


def diagnosis(
    report: Report,
    net: Network,
    ax: Axes | None = None,
    *,
    title: str | None = None,
    max_synapses: int = 300,
    max_neurons_per_layer: int = 32,
) -> Figure:
    """Draw ``net`` with the culprits of each of ``report``'s findings marked, and the findings in a caption.

    The network is drawn as ``neurosim.plot.network`` draws it (weights,
    biases, big layers as blocks), its synapses faded. Every name in a
    finding's ``where`` is marked in the colour of the finding's severity
    (``SEVERITY_COLOURS``: orange-red for errors, amber for warnings, green
    for information; where several findings name the same thing, the most
    severe one's colour): a neuron gets a ring and the codes of its findings
    beside it, a synapse is drawn thick, and a layer (or a layer drawn as a
    block, for the neurons named in it) is framed, with the codes on the
    frame. A legend says what the colours mean; below it, one line per
    finding, most severe first, gives its code and the first clause of its
    message. Findings about the whole run (``learning-rate-too-large`` or
    ``overfitting`` from the loss curve) have no culprits: they are in the
    caption only.

    Parameters
    ----------
    report : Report
        What ``ns.diagnose`` or ``history.diagnosis`` found about ``net``.
    net : Network
        The network the report is about.
    ax : matplotlib Axes, optional
        Where to draw the network; the caption goes into axes made below it
        (save with ``ns.plot.save``, which keeps everything drawn). By
        default a new figure sized for the network and the caption.
    title : str, optional
        The title; by default how many findings of each severity there are.
    max_synapses, max_neurons_per_layer : int
        As for ``neurosim.plot.network``.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on. In the network's axes, a neuron named has the
        ``"neurons"`` marker of ``neurosim.plot.network`` outlined thick in
        its severity's colour, and a ``"neuron-name"`` text of its name and
        codes (no other neuron gets one); ``"culprit-synapses"`` is one thick
        line per synapse named, in ``Network.synapses`` order;
        ``"culprit-layer"`` patches frame each layer named, or each block
        holding neurons or synapses named (the patch's label is the layer's
        name), with ``"finding-codes"`` texts under them. The caption's axes
        (gid ``"diagnosis-caption"``, below the network's, or inset below
        ``ax``) hold the legend and one ``"finding-code"`` and one
        ``"finding-summary"`` text per finding. Nothing is marked, and no
        synapse faded, when no finding names anything.

    Raises
    ------
    ParameterError
        If ``report`` is not a ``Report`` or ``net`` not a ``Network``.
    UnknownNameError
        If a finding names a neuron, synapse or layer that ``net`` does not
        have: the report is about another network.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import neurosim as ns
    >>> from neurosim.diagnostics import Finding
    >>> net = ns.Network.from_shape([2, 3, 1], activation="relu", seed=0)
    >>> dead = Finding("dead-neurons", "warning", ("hidden1[1]",), {}, "hidden1[1] is dead: z <= 0.", "...")
    >>> fig = ns.plot.diagnosis(ns.Report([dead]), net)
    >>> net_ax = fig.axes[0]
    >>> neurons = next(c for c in net_ax.collections if c.get_gid() == "neurons")
    >>> [neuron.name for neuron, width in zip(net.neurons, neurons.get_linewidths()) if width > 1]
    ['hidden1[1]']
    >>> [text.get_text() for text in net_ax.texts if text.get_gid() == "neuron-name"]
    ['hidden1[1]: dead-neurons']
    >>> plt.close(fig)
    """
    if not isinstance(report, Report):
        raise ParameterError(
            f"report must be a Report from ns.diagnose or history.diagnosis; got {type(report).__name__}"
        )
    require_network(net)
    layout = Layout(net, _positive(max_neurons_per_layer, "max_neurons_per_layer"))
    culprits = Culprits.of(report, net, layout)
    marks = _legend_handles(report, culprits)
    caption = _Caption(report, [handle.get_label() for handle in marks] + _weight_labels(net))
    ax, caption_ax = _axes(ax, layout, caption, culprits.labels())
    network(
        net,
        ax=ax,
        title=_title(report) if title is None else title,
        neuron_labels=culprits.labels(),
        max_synapses=max_synapses,
        max_neurons_per_layer=max_neurons_per_layer,
    )
    if culprits.any:
        _fade(ax)
        _mark(ax, layout, culprits)
    caption.draw(caption_ax, [*marks, *_take_legend(ax)])
    return ax.get_figure()


def _positive(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ParameterError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def _title(report: Report) -> str:
    if not report.findings:
        return "the doctor found nothing wrong"
    counts = [
        f"{n} {severity}{'s' if n > 1 and severity != 'info' else ''}"
        for severity in SEVERITY_COLOURS
        if (n := sum(finding.severity == severity for finding in report))
    ]
    return f"what the doctor found: {', '.join(counts)}"


# ---------------------------------------------------------------------- what each finding names


@dataclass
class LayerMark:
    """What one finding names of a layer: the layer itself, or neurons and synapses of a block.

    Attributes
    ----------
    finding : Finding
        The finding.
    whole : bool
        Whether it names the layer itself.
    neurons, synapses : int
        How many of the layer's neurons, and of the synapses into or out of
        it, it names, where the layer is drawn as a block.
    """

    finding: Finding
    whole: bool = False
    neurons: int = 0
    synapses: int = 0

    def text(self, layer: Layer) -> str:
        """The finding's code, with how much of a block it names: ``dead-neurons: 12 of 64``."""
        parts = []
        if self.neurons:
            parts.append(f"{self.neurons} of {layer.size}")
        if self.synapses:
            parts.append(f"{self.synapses} synapse{'s' if self.synapses > 1 else ''}")
        if self.whole or not parts:
            return self.finding.code
        return f"{self.finding.code}: {', '.join(parts)}"


@dataclass
class Culprits:
    """What the findings of a report name, found in the network, with the findings naming each.

    Attributes
    ----------
    neurons : dict of Neuron to list of Finding
        The neurons named that are drawn one by one.
    synapses : dict of Synapse to list of Finding
        The synapses named between neurons drawn one by one.
    layers : dict of Layer to list of LayerMark
        The layers named, and the layers drawn as blocks that hold named
        neurons or synapses, with what each finding names of them.
    """

    neurons: dict[Neuron, list[Finding]] = field(default_factory=dict)
    synapses: dict[Synapse, list[Finding]] = field(default_factory=dict)
    layers: dict[Layer, list[LayerMark]] = field(default_factory=dict)

    @classmethod
    def of(cls, report: Report, net: Network, layout: Layout) -> Culprits:
        """Look up every name of every finding of ``report`` in ``net``."""
        found = cls()
        for finding in report:
            for name in finding.where:
                found._add(_look_up(net, finding, name), finding, layout)
        return found

    def _add(self, culprit: Neuron | Synapse | Layer, finding: Finding, layout: Layout) -> None:
        if isinstance(culprit, Layer):
            self._mark(culprit, finding).whole = True
        elif isinstance(culprit, Neuron):
            if layout.is_collapsed[culprit.layer]:
                self._mark(culprit.layer, finding).neurons += 1
            else:
                _append(self.neurons, culprit, finding)
        else:
            blocks = [n.layer for n in (culprit.source, culprit.target) if layout.is_collapsed[n.layer]]
            if not blocks:
                _append(self.synapses, culprit, finding)
            for layer in blocks:
                self._mark(layer, finding).synapses += 1

    def _mark(self, layer: Layer, finding: Finding) -> LayerMark:
        marks = self.layers.setdefault(layer, [])
        for mark in marks:
            if mark.finding is finding:
                return mark
        marks.append(LayerMark(finding))
        return marks[-1]

    @property
    def any(self) -> bool:
        """Whether anything is named at all."""
        return bool(self.neurons or self.synapses or self.layers)

    def labels(self) -> dict[str, str]:
        """Each neuron named, with the codes of the findings naming it, to write beside it."""
        return {
            neuron.name: f"{neuron.name}: {_codes(findings)}" for neuron, findings in self.neurons.items()
        }


def _look_up(net: Network, finding: Finding, name: str) -> Neuron | Synapse | Layer:
    """The neuron, synapse or layer of ``net`` called ``name`` (an input column is an input neuron)."""
    try:
        if ARROW in name:
            return net.synapse(*name.split(ARROW, 1))
        return net[name]
    except UnknownNameError as error:
        raise UnknownNameError(
            f"finding {finding.code!r} names {name!r}, which this network does not have ({error}): "
            "draw the report with the network it is about"
        ) from None


def _append(culprits: dict, key: object, finding: Finding) -> None:
    named_by = culprits.setdefault(key, [])
    if not any(f is finding for f in named_by):
        named_by.append(finding)


def _codes(findings: list[Finding]) -> str:
    return ", ".join(dict.fromkeys(finding.code for finding in findings))


def _colour(findings: list[Finding]) -> str:
    """The colour of the most severe of ``findings``."""
    return SEVERITY_COLOURS[min(findings, key=lambda finding: finding.rank).severity]


# ---------------------------------------------------------------------- marking the drawing


def _fade(ax: Axes) -> None:
    for collection in ax.collections:
        if collection.get_gid() in ("synapses", "skip-synapses", "blocks"):
            collection.set_alpha(FADED * (collection.get_alpha() or 1.0))


def _mark(ax: Axes, layout: Layout, culprits: Culprits) -> None:
    neurons = next(c for c in ax.collections if c.get_gid() == "neurons")
    diameter = float(np.sqrt(neurons.get_sizes()[0])) if len(neurons.get_sizes()) else 10.0
    _ring_neurons(ax, layout, culprits, neurons)
    _thicken_synapses(ax, layout, culprits)
    for layer, marks in culprits.layers.items():
        _frame_layer(ax, layout, layer, marks, diameter)


def _ring_neurons(ax: Axes, layout: Layout, culprits: Culprits, neurons: Collection) -> None:
    """Outline each neuron named thick, in its severity's colour; the others keep their thin grey edge."""
    count = len(layout.neurons)
    edges = np.tile(to_rgba(neurons.get_edgecolors()[0]), (count, 1))
    widths = np.full(count, float(neurons.get_linewidths()[0]))
    for neuron, findings in culprits.neurons.items():
        edges[layout.index[neuron]] = to_rgba(_colour(findings))
        widths[layout.index[neuron]] = RING_WIDTH
    neurons.set_edgecolors(edges)
    neurons.set_linewidths(widths)


def _thicken_synapses(ax: Axes, layout: Layout, culprits: Culprits) -> None:
    named = sorted(culprits.synapses, key=lambda s: (layout.index[s.target], layout.index[s.source]))
    lines = []
    for synapse in named:
        start = layout.xy[layout.index[synapse.source]][None, :]
        end = layout.xy[layout.index[synapse.target]][None, :]
        if layout.column[synapse.target.layer] - layout.column[synapse.source.layer] > 1:
            lines.append(graph_layout.curves(start, end, graph_layout.skip_peaks(layout, start, end))[0])
        else:
            lines.append(np.concatenate([start, end]))
    ax.add_collection(
        LineCollection(
            lines,
            colors=[_colour(culprits.synapses[synapse]) for synapse in named],
            linewidths=SYNAPSE_WIDTH,
            capstyle="round",
            zorder=2.5,
            gid="culprit-synapses",
        ),
        autolim=False,
    )


def _frame_layer(ax: Axes, layout: Layout, layer: Layer, marks: list[LayerMark], diameter: float) -> None:
    """A tinted frame round a layer's column (or block), with the codes of its findings under it."""
    points_x, points_y = _points_per_unit(ax)
    x, half = layout.column[layer], layout.half_height(layer)
    if layout.is_collapsed[layer]:
        half_width, top = BLOCK_HALF_WIDTH + 6 / points_x, half + 6 / points_y
    else:
        reach = diameter / 2 + RING_WIDTH + 3
        half_width, top = reach / points_x, half + reach / points_y
    colour = _colour([mark.finding for mark in marks])
    ax.add_patch(
        FancyBboxPatch(
            (x - half_width, -top),
            2 * half_width,
            2 * top,
            boxstyle="round,pad=0,rounding_size=0.05",
            facecolor=to_rgba(colour, 0.12),
            edgecolor=colour,
            linewidth=1.5,
            linestyle=(0, (4, 2)),
            zorder=2.8,
            gid="culprit-layer",
            label=layer.name,
        )
    )
    below = _label_below(ax, x, -half)
    for line, mark in enumerate(marks):
        ax.annotate(
            mark.text(layer),
            (x, -top),
            xytext=(0, -2 - below - CODE_PT * line),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=7,
            color=SEVERITY_COLOURS[mark.finding.severity],
            fontweight="bold",
            zorder=6,
            bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
            gid="finding-codes",
        )


def _label_below(ax: Axes, x: float, lowest: float) -> float:
    """How many points the name written under a column's lowest neuron takes (0 if it is written above)."""
    for text in ax.texts:
        if text.get_gid() != "neuron-name":  # the names are annotations, with the point they name
            continue
        at_lowest = np.isclose(text.xy[0], x) and np.isclose(text.xy[1], lowest)
        if at_lowest and text.xyann[1] < 0:
            return float(text.get_fontsize()) + 4
    return 0.0


def _points_per_unit(ax: Axes) -> tuple[float, float]:
    box = ax.get_window_extent()
    scale = 72 / ax.get_figure().dpi
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    return box.width * scale / (x1 - x0), box.height * scale / (y1 - y0)


# ---------------------------------------------------------------------- the caption


class _Caption:
    """The legend and one line per finding: its code, and the first clause of its message."""

    def __init__(self, report: Report, legend_labels: list[str]) -> None:
        self.findings = report.findings
        self.summaries = [summary(finding.message) for finding in self.findings]
        self.legend_labels = legend_labels
        self.lines: list[list[str]] = []

    def wrap(self, width_pt: float) -> float:
        """Wrap the summaries to ``width_pt`` points; the caption's height in points."""
        code_pt = max((_bold_width(finding.code) for finding in self.findings), default=0.0) + CODE_GAP
        chars = max(30, int((width_pt - code_pt) / (0.5 * CAPTION_SIZE)))
        self.lines = [textwrap.wrap(text, chars) or [""] for text in self.summaries]
        rows = sum(len(lines) for lines in self.lines) or 1
        columns = _legend_columns(self.legend_labels, width_pt)
        legend_rows = -(-len(self.legend_labels) // columns)
        return LEGEND_ROW_PT * legend_rows + 6 + LINE_PT * rows + 4

    def draw(self, ax: Axes, handles: list) -> None:
        """Draw the legend of ``handles`` and the findings into ``ax``."""
        ax.set_axis_off()
        ax.set_gid("diagnosis-caption")
        width_pt, height_pt = _size_in_points(ax)
        columns = _legend_columns([handle.get_label() for handle in handles], width_pt)
        legend_rows = -(-len(handles) // columns)
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0.0, 1.0),
            ncol=columns,
            frameon=False,
            fontsize=LEGEND_SIZE,
            handlelength=1.6,
            borderaxespad=0.0,
            borderpad=0.0,
            columnspacing=1.2,
        )
        y = 1 - (LEGEND_ROW_PT * legend_rows + 6) / height_pt
        if not self.findings:
            _caption_text(ax, (0, y), "no findings: nothing the doctor checks for looks wrong", "#262626", "")
            return
        codes = []
        for finding, lines in zip(self.findings, self.lines, strict=True):
            colour = SEVERITY_COLOURS[finding.severity]
            codes.append(_caption_text(ax, (0, y), finding.code, colour, "finding-code", fontweight="bold"))
            y -= LINE_PT * len(lines) / height_pt
        renderer = ax.get_figure().canvas.get_renderer()
        code_pt = max(text.get_window_extent(renderer).width for text in codes) * 72 / ax.get_figure().dpi
        x = (code_pt + CODE_GAP) / width_pt
        for code, lines in zip(codes, self.lines, strict=True):
            where = (x, code.get_position()[1])
            _caption_text(ax, where, "\n".join(lines), "#262626", "finding-summary", linespacing=1.25)


def _caption_text(
    ax: Axes, xy: tuple[float, float], text: str, colour: str, gid: str, **style: object
) -> Text:
    return ax.text(*xy, text, va="top", fontsize=CAPTION_SIZE, color=colour, gid=gid, **style)


def _bold_width(text: str) -> float:
    """About how wide ``text`` is in the caption's bold font, in points (a little more, not less)."""
    return 0.68 * CAPTION_SIZE * len(text)


def _legend_columns(labels: list[str], width_pt: float) -> int:
    """The most columns the legend entries ``labels`` fit in side by side, in ``width_pt`` points.

    Matplotlib fills a legend column by column; each column is as wide as
    its widest entry (estimated a little wide: a handle, a gap and the text).
    """
    widths = [len(label) * 0.56 * LEGEND_SIZE + 3.4 * LEGEND_SIZE for label in labels]
    for columns in range(len(widths), 1, -1):
        rows = -(-len(widths) // columns)
        total = sum(max(widths[start : start + rows]) for start in range(0, len(widths), rows))
        if total <= width_pt:
            return columns
    return 1


def _take_legend(ax: Axes) -> list:
    """The entries of the network drawing's legend (what the synapses' colours mean), removed from it."""
    legend = ax.get_legend()
    if legend is None:
        return []
    handles = list(legend.legend_handles)
    for handle, text in zip(handles, legend.get_texts(), strict=True):
        handle.set_label(text.get_text())
    legend.remove()
    return handles


def _legend_handles(report: Report, culprits: Culprits) -> list:
    """What the colours of the marks mean: one entry per severity found, and the kinds of marks drawn."""
    present = {finding.severity for finding in report}
    handles = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker="o",
            markersize=9,
            markerfacecolor="none",
            markeredgecolor=colour,
            markeredgewidth=2.5,
            label=SEVERITY_MEANINGS[severity],
        )
        for severity, colour in SEVERITY_COLOURS.items()
        if severity in present
    ]
    if culprits.synapses:
        handles.append(Line2D([], [], color="#404040", linewidth=SYNAPSE_WIDTH, label="synapse named"))
    if culprits.layers:
        handles.append(Patch(facecolor="none", edgecolor="#404040", linestyle="--", label="layer named"))
    return handles


def summary(message: str) -> str:
    """The first clause of a finding's message: up to its first colon outside brackets, or its first sentence.

    Examples
    --------
    >>> summary("8 relu neurons are dead: z <= 0 on all 200 samples (every neuron of 'hidden1').")
    '8 relu neurons are dead.'
    >>> summary("4 of 4 neurons have identical weights (hidden1[0], hidden1[1]: bias 0): they stay alike.")
    '4 of 4 neurons have identical weights (hidden1[0], hidden1[1]: bias 0).'
    """
    depth = 0
    for i, char in enumerate(message):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and (message.startswith(": ", i) or message.startswith(". ", i)):
            message = message[:i]
            break
    message = message.strip().rstrip(".")
    first_word = message.split(" ", 1)[0]
    if first_word.isalpha():  # a name like input[0] keeps its spelling
        message = f"{message[:1].upper()}{message[1:]}"
    return f"{message}."


# ---------------------------------------------------------------------- figure and axes


def _weight_labels(net: Network) -> list[str]:
    """The entries the network drawing's legend will about have: one per sign of the weights."""
    weights = np.concatenate([np.zeros(0), *(block.weight[block.mask.astype(bool)] for block in net.blocks)])
    present = (weights > 0).any(), (weights < 0).any(), ((weights == 0) | np.isnan(weights)).any()
    return [
        label
        for label, shown in zip(("weight > 0", "weight < 0", "weight = 0"), present, strict=True)
        if shown
    ]


def _axes(ax: Axes | None, layout: Layout, caption: _Caption, labels: dict[str, str]) -> tuple[Axes, Axes]:
    """The axes for the network and for the caption below it; a new figure wide enough for ``labels``."""
    if ax is not None:
        width_pt, height_pt = _size_in_points(ax)
        share = caption.wrap(width_pt) / height_pt
        return ax, ax.inset_axes((0.0, -share - 0.02, 1.0, share))
    width, height = layout.figsize()
    longest = max((len(text) for text in labels.values()), default=0)
    # room between columns for a label (about 0.6 of a 7-point font per character) and what is beside it
    column_gap_in = (0.6 * 7 * longest + 70) / 72
    width = min(MAX_WIDTH, max(width, (len(layout.order) - 1) * column_gap_in / 0.8 + 2.2))
    caption_in = caption.wrap(0.94 * width * 72) / 72
    figure = new_figure(figsize=(width, height + caption_in))
    total = height + caption_in
    net_ax = figure.add_axes((0.02, (caption_in + 0.1) / total, 0.96, (height - 0.2) / total))
    caption_ax = figure.add_axes((0.03, 0.02 / total, 0.94, caption_in / total))
    return net_ax, caption_ax


def _size_in_points(ax: Axes) -> tuple[float, float]:
    box = ax.get_window_extent()
    scale = 72 / ax.get_figure().dpi
    return max(box.width * scale, 1.0), max(box.height * scale, 1.0)
