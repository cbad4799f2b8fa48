"""The object engine's plan of a network: for each neuron, where its synapses' weights and values are.

The plan is read from each neuron's ``incoming`` and ``outgoing`` synapses
once, and kept until the network's structure changes: ``plan_for`` checks,
at every pass, that the graph's ``wiring`` token (see
``neurosim.core.network.WiringGraph``) and the network's
``structure_version`` are those the plan was made at, and makes a new plan
otherwise (after ``Network.check_graph``, which refuses a graph changed
directly into one that cannot compute). Copies and loaded networks are new
networks, with plans of their own.

The plan holds no weights and no values: a pass reads the weights from the
weight blocks (``WeightBlock.weight``, the one copy of every weight) and
keeps each layer's values in a list indexed by the layer's position in
``Network.layer_order``. A neuron's synapses are grouped by weight block:

* ``inflows[i]``: for neuron ``i`` of a layer, ``(block, row, source, columns)``
  per block its synapses come from: the block's index in ``blocks``, the
  neuron's row in it, the source layer's position, and the columns present
  (``None`` when every neuron of the source layer is connected);
* ``outflows[j]``: for neuron ``j``, ``(block, column, target, rows)`` per
  block its synapses go into, likewise.

A layer whose neurons all take every synapse of one block (``single_in``)
and give to every neuron of one block (``single_out``) is the common case
the passes take without looking at the groups.

Examples
--------
>>> import neurosim as ns
>>> net = ns.Network.from_shape([2, 3, 1], seed=0)
>>> _ = net.connect("input[0]", "output[0]")              # a skip connection
>>> net.disconnect("input[1]", "hidden1[2]")              # a pruned synapse
>>> plan = plan_for(net)
>>> [(step.layer.name, step.single_in, step.single_out, step.gather) for step in plan.steps]
[('hidden1', None, (2, 2), 'one target'), ('output', None, None, 'none')]
>>> plan.steps[0].inflows[2], plan.steps[1].inflows[0]     # hidden1[2] reads input[0] only
(((0, 2, 0, (0,)),), ((1, 0, 0, (0,)), (2, 0, 1, None)))
>>> plan_for(net) is plan
True
>>> _ = net.connect("input[1]", "hidden1[2]")
>>> plan_for(net) is plan
False
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from neurosim.core import Layer, Network, Neuron
    from neurosim.core.parameters import WeightBlock

#: ``(block, row or column, layer position, columns or rows present, or None for all)``
Group = tuple[int, int, int, "tuple[int, ...] | None"]

#: how a layer's ``dL/da`` is gathered from the deltas of the neurons it feeds: every neuron feeds the one
#: neuron of the next layer, or every neuron of one layer, or each its own synapses; or none feeds any
GATHERS = ("one target", "one block", "groups", "none")

_PLANS: weakref.WeakKeyDictionary[Network, Plan] = weakref.WeakKeyDictionary()


class LayerStep:
    """One layer of the plan: its neurons and, per neuron, its synapses grouped by weight block."""

    __slots__ = (
        "fan_in",
        "fan_out",
        "gather",
        "inflows",
        "layer",
        "neurons",
        "outflows",
        "position",
        "single_in",
        "single_out",
    )

    def __init__(self, layer: Layer, position: int, blocks: dict[WeightBlock, int], order: dict) -> None:
        self.layer = layer
        self.position = position
        self.neurons: list[Neuron] = list(layer.neurons)
        self.inflows = [_groups(neuron.incoming, blocks, order, incoming=True) for neuron in layer]
        self.outflows = [_groups(neuron.outgoing, blocks, order, incoming=False) for neuron in layer]
        #: ``(block, source position)`` when every neuron takes every synapse of one block, else None
        self.single_in = _single(self.inflows)
        #: ``(block, target position)`` when every neuron gives to every neuron of one block, else None
        self.single_out = _single(self.outflows)
        #: how the backward pass gathers ``dL/da``: one of ``GATHERS``
        self.gather = "none"
        #: the most synapses any of the layer's neurons takes in, and gives out
        self.fan_in = max(len(neuron.incoming) for neuron in layer)
        self.fan_out = max(len(neuron.outgoing) for neuron in layer)

    @property
    def gives(self) -> bool:
        """Whether any of the layer's neurons has an outgoing synapse."""
        return any(self.outflows)


class Plan:
    """The layers in computing order, their steps, and the weight blocks the steps refer to by index."""

    def __init__(self, network: Network) -> None:
        network.check_graph()
        self.network = network
        self.graph = network.graph
        self.wiring = getattr(network.graph, "wiring", None)
        self.structure_version = network.structure_version
        self.order: list[Layer] = network.layer_order()
        self.blocks: list[WeightBlock] = network.blocks
        position = {layer: i for i, layer in enumerate(self.order)}
        index = {block: k for k, block in enumerate(self.blocks)}
        self.steps = [LayerStep(layer, position[layer], index, position) for layer in self.order[1:]]
        for step in self.steps:
            step.gather = _gather(step, self.order)
        self.input_neurons = list(self.order[0].neurons)
        self._views: tuple[int, list[tuple[np.ndarray | None, bool]]] = (-1, [])
        self.output = next(step for step in self.steps if step.layer is network.output_layer)
        #: per block: ``(target position, source position, columns present per row, or None for all)``
        self.block_ends = [_block_ends(block, position) for block in self.blocks]
        #: the blocks whose columns (a source neuron's outgoing weights) the backward pass reads
        self.read_backwards = sorted(
            {
                group[0]
                for step in self.steps
                if step.gather in ("one block", "groups")
                for groups in step.outflows
                for group in groups
            }
        )

    def gradient_views(self) -> list[tuple[np.ndarray | None, bool]]:
        """Each block's gradients as one flat view in storage order, and whether that is column by column.

        Kept until the parameter store's ``version`` changes (its arrays were
        replaced: packed, or given another dtype).
        """
        version = self.network.parameter_store.version
        if self._views[0] != version:
            self._views = (version, [_flat_view(block.grad) for block in self.blocks])
        return self._views[1]

    def current(self) -> bool:
        """Whether the network's structure is still the one this plan was made from."""
        network = self.network
        graph = network.graph
        return (
            self.wiring is not None
            and graph is self.graph
            and getattr(graph, "wiring", None) is self.wiring
            and network.structure_version == self.structure_version
        )


def plan_for(network: Network) -> Plan:
    """The network's plan, made again if its structure changed; ``StructureError`` if it cannot compute."""
    plan = _PLANS.get(network)
    if plan is None or not plan.current():
        plan = _PLANS[network] = Plan(network)
    return plan


def _groups(synapses: tuple, blocks: dict[WeightBlock, int], order: dict, *, incoming: bool) -> tuple:
    """A neuron's synapses as groups, one per weight block, in the order of ``blocks``."""
    by_block: dict[WeightBlock, list[int]] = {}
    for synapse in synapses:
        other = synapse.source if incoming else synapse.target
        by_block.setdefault(synapse.block, []).append(other.index)
    groups = []
    for block in sorted(by_block, key=blocks.__getitem__):
        others = tuple(sorted(by_block[block]))
        layer = block.source if incoming else block.target
        own_index = synapses[0].target.index if incoming else synapses[0].source.index
        present = None if len(others) == layer.size else others
        groups.append((blocks[block], own_index, order[layer], present))
    return tuple(groups)


def _single(groups: list[tuple]) -> tuple[int, int] | None:
    """``(block, other layer's position)`` when every neuron has one group with every synapse of the block."""
    if not groups or any(len(neuron_groups) != 1 for neuron_groups in groups):
        return None
    blocks = {neuron_groups[0][0] for neuron_groups in groups}
    if len(blocks) != 1 or any(neuron_groups[0][3] is not None for neuron_groups in groups):
        return None
    block, _, other, _ = groups[0][0]
    return block, other


def _gather(step: LayerStep, order: list[Layer]) -> str:
    if step.single_out is not None:
        return "one target" if order[step.single_out[1]].size == 1 else "one block"
    return "groups" if step.gives else "none"


def _flat_view(array: np.ndarray) -> tuple[np.ndarray | None, bool]:
    """``array`` as a 1-D view in the order it is stored, and whether that order is column by column.

    ``(None, False)`` for an array stored neither row by row nor column by
    column, which has no such view: it is written row by row.
    """
    if array.flags.c_contiguous:
        return array.reshape(-1), False
    if array.flags.f_contiguous:
        return array.T.reshape(-1), True
    return None, False


def _block_ends(block: WeightBlock, position: dict) -> tuple[int, int, list[tuple[int, ...]] | None]:
    rows_present = [tuple(int(j) for j in row.nonzero()[0]) for row in block.mask]
    full = all(len(row) == block.source.size for row in rows_present)
    return position[block.target], position[block.source], None if full else rows_present
