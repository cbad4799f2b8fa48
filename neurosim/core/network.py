"""The ``Network``: layers of neurons wired by synapses in a ``networkx.DiGraph``."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from neurosim._text import Text, rich_output_shown
from neurosim.activations import ACTIVATIONS, Activation, get_activation
from neurosim.classes import predicted_classes
from neurosim.core.handles import CallbackHandle
from neurosim.core.layer import Layer, dropout_rate, input_dropout_message
from neurosim.core.neuron import Neuron
from neurosim.core.parameters import LoadResult, ParameterStore, WeightBlock, storage_dtype
from neurosim.core.synapse import Synapse
from neurosim.errors import (
    CycleError,
    DataError,
    ParameterError,
    ShapeError,
    StructureError,
    UnknownNameError,
)
from neurosim.initializers import Initializer, get_initializer
from neurosim.limits import check_layer_size, check_network, check_parameters
from neurosim.losses import Loss, get_loss
from neurosim.validation import (
    as_float_array,
    as_input_batch,
    as_target_batch,
    check_finite,
    check_in_range,
    check_sample_count,
    positive_integer,
    positive_number,
    random_generator,
)

if TYPE_CHECKING:
    from neurosim.engines.base import Engine, PassValues
    from neurosim.engines.compiled import CompiledNetwork
    from neurosim.training.history import History
    from neurosim.training.optimizers import Optimizer
    from neurosim.training.watch import Watch

_NEURON_NAME = re.compile(r"^(?P<layer>.+)\[(?P<index>-?\d+)\]$")


class WiringGraph(nx.DiGraph):
    """A ``networkx.DiGraph`` that says when it changes: ``wiring`` is a new token after every change.

    Whatever is read from the graph and kept (each neuron's ``incoming``
    and ``outgoing``, the object engine's plan of the network) is kept with
    the token it was read at, and read again once ``wiring`` is another
    object: every method that adds or removes nodes or edges, whether
    ``connect`` calls it or you do, makes a new token.

    Examples
    --------
    >>> graph = WiringGraph()
    >>> before = graph.wiring
    >>> graph.add_edge("a", "b")
    >>> graph.wiring is before
    False
    """

    def __init__(self, incoming_graph_data: object = None, **attr: object) -> None:
        self.wiring = object()
        super().__init__(incoming_graph_data, **attr)


def _marking_a_change(name: str) -> Callable[..., object]:
    """``networkx.DiGraph``'s method ``name``, then a new ``wiring`` token (even if it fails half-way)."""
    method = getattr(nx.DiGraph, name)

    @functools.wraps(method)
    def changing(self: WiringGraph, *args: object, **kwargs: object) -> object:
        try:
            return method(self, *args, **kwargs)
        finally:
            self.wiring = object()

    return changing


for _name in (
    "add_node",
    "add_nodes_from",
    "remove_node",
    "remove_nodes_from",
    "add_edge",
    "add_edges_from",
    "remove_edge",
    "remove_edges_from",
    "clear",
    "clear_edges",
):
    setattr(WiringGraph, _name, _marking_a_change(_name))


class Network:
    """A neural network whose every neuron and synapse is an object.

    Neurons are the nodes of ``graph`` (a ``networkx.DiGraph``, a
    ``WiringGraph`` that says when it changes) and each edge's data holds
    its ``Synapse`` under ``"synapse"``. The first layer
    added is the input layer (no bias, no activation); the last one added is
    the output layer.

    Parameters
    ----------
    init : str or Initializer, default "xavier"
        How ``connect`` draws weights that are not given.
    seed : int, optional
        Seed of the random generator used for weights.

    Examples
    --------
    Build by hand:

    >>> import neurosim as ns
    >>> net = ns.Network(seed=0)
    >>> _ = net.add_layer(2)                              # "input"
    >>> _ = net.add_layer(3, activation="tanh")           # "hidden1"
    >>> _ = net.add_layer(1, name="output", activation="sigmoid")
    >>> _ = net.connect("input", "hidden1")
    >>> _ = net.connect("hidden1", "output")
    >>> _ = net.connect("input[0]", "output[0]", weight=0.3)   # a skip connection
    >>> net.disconnect("input[1]", "hidden1[0]")               # prune one synapse
    >>> net
    Network(layers=[2, 3, 1], synapses=9, parameters=13)

    or from a list of sizes:

    >>> ns.Network.from_shape([2, 3, 1], seed=0).layers
    [Layer('input', 2), Layer('hidden1', 3), Layer('output', 1)]
    """

    def __init__(self, *, init: str | Initializer = "xavier", seed: int | None = None) -> None:
        self.init = get_initializer(init)
        self.rng = random_generator(seed)
        self.graph = WiringGraph()
        #: every weight and bias array, under stable names (see ``neurosim.core.parameters``)
        self.parameter_store = ParameterStore(self)
        self._layers: list[Layer] = []
        self._order: list[Layer] | None = None
        #: bumped on every change of structure (layers or synapses added or removed)
        self.structure_version = 0
        self._callbacks: list[object] = []
        #: how the arrays of ``from_arrays`` were laid out ("out_in" or "in_out"); None otherwise
        self.array_layout: str | None = None
        #: the optimizer that last trained this network (``Optimizer.bind`` sets it), or None;
        #: ``synapse.optimizer_state`` and ``neuron.bias_optimizer_state`` show its state
        self.optimizer: Optimizer | None = None

    # ------------------------------------------------------------------ building

    @classmethod
    def from_shape(
        cls,
        sizes: Sequence[int],
        *,
        activation: str | Activation = "sigmoid",
        output_activation: str | Activation | None = None,
        init: str | Initializer = "xavier",
        seed: int | None = None,
        bias: bool = True,
        dropout: float | Sequence[float] = 0.0,
    ) -> Network:
        """A fully connected layered network: ``sizes[0]`` inputs, ..., ``sizes[-1]`` outputs.

        Layers are named ``input``, ``hidden1``, ``hidden2``, ..., ``output``.
        ``output_activation`` defaults to ``activation``; ``"softmax"`` makes a
        softmax output layer. ``bias=False`` leaves every layer without
        biases (see ``add_layer``). ``dropout`` is the hidden layers' dropout
        rate (see ``Layer.dropout``): one for all of them, or a list of one
        per hidden layer.

        Examples
        --------
        >>> net = Network.from_shape([4, 8, 3], activation="relu", output_activation="softmax", seed=1)
        >>> [layer.activation and layer.activation.name for layer in net.layers]
        [None, 'relu', 'softmax']
        >>> Network.from_shape([4, 8, 8, 3], dropout=[0.5, 0.2], seed=1).layers[1:3]
        [Layer('hidden1', 8, dropout=0.5), Layer('hidden2', 8, dropout=0.2)]
        """
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or len(sizes) < 2:
            raise ParameterError(f"sizes must be a list of at least 2 layer sizes; got {sizes!r}")
        sizes = [positive_integer(size, f"sizes[{i}]") for i, size in enumerate(sizes)]
        rates = _hidden_dropout(dropout, len(sizes) - 2)
        weights = sum(a * b for a, b in pairwise(sizes))
        check_network(sizes, weights + (sum(sizes[1:]) if bias is True else 0), "sizes")
        activation = get_activation(activation, "activation")
        if output_activation is not None:
            output_activation = get_activation(output_activation, "output_activation")
        net = cls(init=init, seed=seed)
        if not isinstance(bias, bool):
            raise ParameterError(f"bias must be True or False; got {bias!r}")
        net.add_layer(sizes[0], name="input")
        for i, (size, rate) in enumerate(zip(sizes[1:-1], rates, strict=True), start=1):
            net.add_layer(size, name=f"hidden{i}", activation=activation, bias=bias, dropout=rate)
        net.add_layer(sizes[-1], name="output", activation=output_activation or activation, bias=bias)
        for source, target in pairwise(net._layers):
            net.connect(source.name, target.name)
        net.parameter_store.pack()
        return net

    @classmethod
    def from_arrays(
        cls,
        weights: Sequence[object],
        biases: Sequence[object | None] | None = None,
        activations: str | Activation | Sequence[str | Activation] = "sigmoid",
        *,
        layout: str | None = None,
    ) -> Network:
        """The network that your own arrays describe, read as your code holds them.

        Parameters
        ----------
        weights : list of 2-D arrays
            One matrix per layer after the inputs, first layer first.
        biases : list of arrays or None, optional
            One per matrix, of shape ``(n,)``, ``(n, 1)`` or ``(1, n)``;
            ``None`` (in the list) for a layer without biases, or ``None``
            for no biases at all.
        activations : str, Activation or list of them
            One per layer after the inputs, or one for all of them.
        layout : {"out_in", "in_out"}, optional
            ``"out_in"`` when your code computes ``W @ x`` (``W`` has shape
            ``(n_out, n_in)``), ``"in_out"`` for ``x @ W``. Found from the
            shapes when they chain only one way, and then kept in
            ``net.array_layout``; required when a matrix is square.

        Returns
        -------
        Network
            Layers ``input``, ``hidden1``, ..., ``output``, fully connected in
            a chain, with copies of your numbers. ``net.array_layout`` says how
            your arrays are laid out, so that ``compare_gradients`` reads your
            gradients the same way.

        Examples
        --------
        >>> import numpy as np
        >>> W1, b1 = np.array([[0.5, -1.0], [2.0, 0.25], [0.0, 1.0]]), np.zeros((3, 1))
        >>> W2, b2 = np.array([[1.0, -1.0, 0.5]]), np.array([[0.1]])
        >>> net = Network.from_arrays([W1, W2], [b1, b2], ["tanh", "sigmoid"])
        >>> net, net.array_layout
        (Network(layers=[2, 3, 1], synapses=9, parameters=13), 'out_in')
        >>> net.synapse("input[1]", "hidden1[0]").weight   # W1[0, 1]: to hidden1[0] from input[1]
        -1.0
        >>> Network.from_arrays([np.eye(2), W2.T[:2].T], layout=None)
        Traceback (most recent call last):
        ...
        neurosim.errors.ParameterError: weights[0] is square (2, 2), so it reads the same either way ...
        """
        from neurosim.core.arrays import bias_vectors, infer_layout, layer_sizes, weight_matrices

        matrices = weight_matrices(weights)
        vectors = bias_vectors(biases, len(matrices))
        layout = infer_layout(matrices, vectors, layout)
        sizes = layer_sizes(matrices, layout)
        functions = _per_layer(activations, len(matrices))
        net = cls(init="zeros")
        net.add_layer(sizes[0], name="input")
        for i, (size, activation, bias) in enumerate(zip(sizes[1:], functions, vectors, strict=True)):
            name = "output" if i == len(matrices) - 1 else f"hidden{i + 1}"
            layer = net.add_layer(size, name=name, activation=activation, bias=bias is not None)
            source = net.layers[-2]
            net.connect(source.name, name, weight=matrices[i] if layout == "out_in" else matrices[i].T)
            if bias is not None:
                layer.bias = bias
        net.parameter_store.pack()
        net.array_layout = layout
        return net

    def add_layer(
        self,
        size: int,
        *,
        name: str | None = None,
        activation: str | Activation | None = None,
        bias: bool = True,
        dropout: float = 0.0,
    ) -> Layer:
        """Add a layer of ``size`` neurons and return it.

        The first layer is the input layer: it takes no activation and has
        no biases. Later layers default to ``activation="sigmoid"`` and to
        the names ``hidden1``, ``hidden2``, ... (name the output layer
        yourself, or use ``from_shape``); ``bias=False`` makes neurons
        without a bias, whose ``z`` is only the weighted sum of their inputs.
        ``dropout`` is the fraction of the layer's neurons dropped from each
        sample in training (see ``Layer.dropout``); training refuses it on
        the output layer, so add the layers after this one before training.

        Examples
        --------
        >>> net = Network(seed=0)
        >>> _ = net.add_layer(2)
        >>> net.add_layer(64, activation="relu", dropout=0.2)
        Layer('hidden1', 64, dropout=0.2)
        >>> net.add_layer(1, name="output", bias=False)
        Layer('output', 1, bias=False)
        """
        size = positive_integer(size, "size")
        check_layer_size(size, "size", self.dtype)
        if not isinstance(bias, bool):
            raise ParameterError(f"bias must be True or False; got {bias!r}")
        rate = dropout_rate(dropout, "dropout")
        is_input = not self._layers
        if name is None:
            name = "input" if is_input else f"hidden{len(self._layers)}"
        self._check_new_layer_name(name)
        if is_input:
            if activation is not None:
                raise StructureError(
                    f"the first layer added, {name!r}, is the input layer: it has no activation; "
                    f"got activation={activation!r}"
                )
            if rate > 0:
                raise StructureError(input_dropout_message(name, dropout))
            resolved = None
        else:
            resolved = get_activation("sigmoid" if activation is None else activation)
        layer = Layer(self, name, size, resolved, bias=bias, dropout=rate)
        self._layers.append(layer)
        self.graph.add_nodes_from(layer.neurons)
        self._structure_changed()
        return layer

    def _check_new_layer_name(self, name: object) -> None:
        if not isinstance(name, str) or not name or "[" in name or "]" in name:
            raise ParameterError(f"layer name must be a non-empty string without brackets; got {name!r}")
        if any(layer.name == name for layer in self._layers):
            raise StructureError(f"a layer named {name!r} already exists")

    def connect(
        self, source: str | Layer | Neuron, target: str | Layer | Neuron, *, weight: object = None
    ) -> list[Synapse]:
        """Connect two layers fully, or two neurons by one synapse; return the new synapses.

        ``weight`` is a number, or for two layers an array of shape
        ``(target size, source size)``; by default weights are drawn with the
        network's initializer. A synapse into the input layer, within one
        layer, that already exists, or that closes a cycle between layers is
        refused, and the network is left as it was.

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([2, 2, 1], seed=0)
        >>> net.connect("output[0]", "hidden1[0]")
        Traceback (most recent call last):
        ...
        neurosim.errors.CycleError: ... would close the cycle hidden1 -> output -> hidden1 between layers; ...
        """
        source_obj, target_obj = self[source], self[target]
        if isinstance(source_obj, Layer) != isinstance(target_obj, Layer):
            raise StructureError(
                f"connect two layers or two neurons; got {_describe(source_obj)} and {_describe(target_obj)}"
            )
        if isinstance(source_obj, Neuron):
            pairs = [(source_obj, target_obj)]
            source_layer, target_layer = source_obj.layer, target_obj.layer
            self._check_room(source_layer, target_layer, whole_layers=False)
        else:
            source_layer, target_layer = source_obj, target_obj
            self._check_room(source_layer, target_layer, whole_layers=True)
            pairs = [(s, t) for t in target_layer for s in source_layer]
        self._check_wiring(pairs, source_layer, target_layer)
        values = self._weights_for(weight, source_obj, target_obj, source_layer, target_layer)
        store = self.parameter_store
        block = store.block(source_layer, target_layer) or store.add_block(source_layer, target_layer)
        rows = np.fromiter((t.index for _, t in pairs), dtype=int, count=len(pairs))
        cols = np.fromiter((s.index for s, _ in pairs), dtype=int, count=len(pairs))
        block.weight[rows, cols] = values.ravel()
        block.mask[rows, cols] = True
        synapses = [Synapse(s, t, block) for s, t in pairs]
        self.graph.add_edges_from((s.source, s.target, {"synapse": s}) for s in synapses)
        self._structure_changed()
        return synapses

    def _check_room(self, source: Layer, target: Layer, *, whole_layers: bool) -> None:
        # a new weight block is allocated whole, whatever the number of synapses put in it
        if whole_layers or self.parameter_store.block(source, target) is None:
            where = f"connecting {source.name!r} -> {target.name!r}"
            check_parameters(source.size * target.size, where, self.dtype, existing=self.n_parameters)

    def _check_wiring(self, pairs: list[tuple[Neuron, Neuron]], source: Layer, target: Layer) -> None:
        first_source, first_target = pairs[0]
        if target.is_input:
            raise StructureError(
                f"cannot connect {first_source.name!r} -> {first_target.name!r}: synapses cannot end "
                f"in the input layer {target.name!r}, which only holds the inputs"
            )
        if first_source is first_target:
            raise StructureError(
                f"cannot connect {first_source.name!r} to itself: self-loops are not allowed"
            )
        if source is target:
            raise StructureError(
                f"cannot connect {first_source.name!r} -> {first_target.name!r}: both are in layer "
                f"{source.name!r}; synapses connect neurons of different layers"
            )
        block = self.parameter_store.block(source, target)
        if block is not None:
            for s, t in pairs:
                if block.mask[t.index, s.index]:
                    raise StructureError(f"synapse {s.name!r} -> {t.name!r} already exists")
        layer_graph = nx.DiGraph()
        layer_graph.add_edges_from(self.parameter_store.layer_pairs())  # (built edge by edge: no conversion)
        if target in layer_graph and source in layer_graph and nx.has_path(layer_graph, target, source):
            loop = " -> ".join(layer.name for layer in nx.shortest_path(layer_graph, target, source))
            raise CycleError(
                f"connecting {first_source.name!r} -> {first_target.name!r} would close the cycle "
                f"{loop} -> {target.name} between layers; synapses must keep the layers in an acyclic order"
            )

    def _weights_for(
        self,
        weight: object,
        source_obj: Layer | Neuron,
        target_obj: Layer | Neuron,
        source_layer: Layer,
        target_layer: Layer,
    ) -> np.ndarray:
        shape = (target_obj.size, source_obj.size) if isinstance(source_obj, Layer) else (1, 1)
        if weight is None:
            fans = {"fan_in": source_layer.size, "fan_out": target_layer.size}
            return self.init(shape, self.rng, **fans)
        values = as_float_array(weight, "weight")
        if values.ndim == 0:
            values = np.full(shape, float(values))
        if values.shape != shape:
            raise ShapeError(
                f"weight for {_describe(source_obj)} -> {_describe(target_obj)} must be a number or an "
                f"array of shape {shape} (targets x sources); got shape {values.shape}"
            )
        check_finite(values, "weight")
        check_in_range(values, "weight", self.dtype)
        return values

    def disconnect(self, source: str | Layer | Neuron, target: str | Layer | Neuron) -> None:
        """Remove (prune) one synapse between two neurons, or all synapses between two layers.

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([2, 2, 1], seed=0)
        >>> net.disconnect("input[0]", "hidden1[1]")
        >>> len(net.synapses)
        5
        """
        source_obj, target_obj = self[source], self[target]
        if isinstance(source_obj, Layer) and isinstance(target_obj, Layer):
            block = self.parameter_store.block(source_obj, target_obj)
            if block is None:
                raise UnknownNameError(
                    f"layers {source_obj.name!r} and {target_obj.name!r} are not connected"
                )
            synapses = [
                self.synapse(s, t) for t in target_obj for s in source_obj if block.mask[t.index, s.index]
            ]
        elif isinstance(source_obj, Neuron) and isinstance(target_obj, Neuron):
            synapses = [self.synapse(source_obj, target_obj)]
        else:
            raise StructureError(
                "disconnect two layers or two neurons; "
                f"got {_describe(source_obj)} and {_describe(target_obj)}"
            )
        for synapse in synapses:
            block, position = synapse.block, synapse.position
            block.weight[position] = block.grad[position] = 0.0
            block.mask[position] = False
            self.graph.remove_edge(synapse.source, synapse.target)
            if not block.mask.any():
                self.parameter_store.remove_block(block)
        self._structure_changed()

    def _structure_changed(self) -> None:
        self._order = None
        self.structure_version += 1
        self.parameter_store.changed()

    # ----------------------------------------------------------------- looking up

    def __getitem__(self, name: str | Layer | Neuron) -> Layer | Neuron:
        """``net["hidden1"]`` is a ``Layer``, ``net["hidden1[2]"]`` a ``Neuron``.

        A ``Layer`` or ``Neuron`` of this network is accepted too, and
        returned as it is, so that every method that takes a name also
        takes the object.
        """
        if isinstance(name, (Layer, Neuron)):
            owner = name.network if isinstance(name, Layer) else name.layer.network
            if owner is not self:
                raise UnknownNameError(f"{_describe(name)} belongs to another network")
            return name
        if not isinstance(name, str):
            raise UnknownNameError(
                f"look layers and neurons up by name, like 'hidden1' or 'hidden1[2]'; got {name!r}"
            )
        match = _NEURON_NAME.match(name)
        if match:
            return self._layer_named(match["layer"])[int(match["index"])]
        return self._layer_named(name)

    def __contains__(self, name: object) -> bool:
        try:
            self[name]  # type: ignore[index]
        except UnknownNameError:
            return False
        return True

    def _layer_named(self, name: str) -> Layer:
        for layer in self._layers:
            if layer.name == name:
                return layer
        known = ", ".join(repr(layer.name) for layer in self._layers) or "none yet"
        raise UnknownNameError(f"no layer named {name!r}; the layers are {known}")

    def synapse(self, source: str | Neuron, target: str | Neuron) -> Synapse:
        """The synapse from neuron ``source`` to neuron ``target``.

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([2, 1], seed=0)
        >>> net.synapse("input[0]", "output[0]").name
        'input[0] -> output[0]'
        """
        source_obj, target_obj = self[source], self[target]
        if not isinstance(source_obj, Neuron) or not isinstance(target_obj, Neuron):
            raise UnknownNameError(
                f"synapse() takes two neurons, like 'input[0]' and 'hidden1[2]'; "
                f"got {_describe(source_obj)} and {_describe(target_obj)}"
            )
        data = self.graph.succ[source_obj].get(target_obj)
        if data is None:
            raise UnknownNameError(f"there is no synapse {source_obj.name!r} -> {target_obj.name!r}")
        return data["synapse"]

    @property
    def layers(self) -> list[Layer]:
        """The layers, in the order they were added."""
        return list(self._layers)

    @property
    def input_layer(self) -> Layer:
        """The first layer added."""
        self._require_layers()
        return self._layers[0]

    @property
    def output_layer(self) -> Layer:
        """The last layer added."""
        self._require_layers()
        return self._layers[-1]

    def _require_layers(self) -> None:
        if len(self._layers) < 2:
            raise StructureError(
                f"the network needs an input and an output layer; it has {len(self._layers)} layer(s)"
            )

    def check_graph(self) -> None:
        """Raise ``StructureError`` unless the network can compute: input and output layers, an intact graph.

        The graph is intact when it was changed only with ``add_layer``,
        ``connect`` and ``disconnect``: an edge added to ``net.graph``
        directly has no synapse (``CycleError`` if it also closes a cycle),
        and nodes or edges added or removed directly no longer match the
        layers and synapses. The engines check this before computing.

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([2, 2, 1], seed=0)
        >>> net.graph.add_edge(net["input[0]"], net["output[0]"])
        >>> net.check_graph()
        Traceback (most recent call last):
        ...
        neurosim.errors.StructureError: cannot compute: the graph has an edge input[0] -> output[0] ...
        """
        self._require_layers()
        graph = self.graph
        n_synapses = sum(block.n_synapses for block in self.blocks)
        n_neurons = sum(layer.size for layer in self._layers)
        if graph.number_of_edges() == n_synapses and graph.number_of_nodes() == n_neurons:
            return
        for source, target, data in graph.edges(data=True):
            if "synapse" not in data:
                names = getattr(source, "name", repr(source)), getattr(target, "name", repr(target))
                if nx.has_path(graph, target, source):
                    raise CycleError(
                        f"cannot compute: the graph has an edge {names[0]} -> {names[1]} that was added to "
                        "net.graph directly and closes a cycle; change the network with connect() and "
                        "disconnect()"
                    )
                raise StructureError(
                    f"cannot compute: the graph has an edge {names[0]} -> {names[1]} with no synapse (added "
                    "to net.graph directly); change the network with connect() and disconnect()"
                )
        raise StructureError(
            f"cannot compute: net.graph has {graph.number_of_nodes()} nodes and {graph.number_of_edges()} "
            f"edges but the network has {n_neurons} neurons and {n_synapses} synapses; nodes or edges were "
            "changed in net.graph directly. Change the network with add_layer(), connect() and disconnect()"
        )

    @property
    def neurons(self) -> list[Neuron]:
        """Every neuron: layer by layer in the order added, then by index."""
        return [neuron for layer in self._layers for neuron in layer]

    @property
    def synapses(self) -> list[Synapse]:
        """Every synapse, ordered by target neuron, then by source neuron (both as in ``neurons``)."""
        position = {layer: i for i, layer in enumerate(self._layers)}
        result = []
        pairs = self.parameter_store.layer_pairs()
        for target_layer in self._layers:
            sources = sorted((s for s, t in pairs if t is target_layer), key=position.__getitem__)
            blocks = [self.parameter_store.block(source, target_layer) for source in sources]
            for target in target_layer:
                pred = self.graph.pred[target]
                for block in blocks:
                    for col in np.flatnonzero(block.mask[target.index]):
                        result.append(pred[block.source.neurons[col]]["synapse"])
        return result

    @property
    def blocks(self) -> list[WeightBlock]:
        """The weight blocks between connected layers, in ``layer_order``: by target, then by source."""
        return self.parameter_store.blocks()

    def layer_order(self) -> list[Layer]:
        """The layers in the order they are computed (topological; ties by order added)."""
        if self._order is None:
            position = {layer: i for i, layer in enumerate(self._layers)}
            layer_graph = nx.DiGraph()
            layer_graph.add_nodes_from(self._layers)
            layer_graph.add_edges_from(self.parameter_store.layer_pairs())
            self._order = list(nx.lexicographical_topological_sort(layer_graph, key=position.__getitem__))
        return list(self._order)

    @property
    def n_parameters(self) -> int:
        """How many weights and biases the network has."""
        biases = sum(layer.size for layer in self._layers if layer.has_bias)
        return biases + sum(block.n_synapses for block in self.blocks)

    def parameters(self) -> Iterable[tuple[np.ndarray, np.ndarray]]:
        """``(values, gradients)`` array pairs, in the order of ``named_parameters``."""
        for _, values, grads in self.parameter_store.named_arrays():
            yield values, grads

    def named_parameters(self) -> Iterable[tuple[str, np.ndarray]]:
        """``(name, array)`` for every weight matrix and bias vector: the arrays themselves, not copies.

        Weights from layer ``S`` to layer ``T`` are named ``"S->T.weight"``
        (rows: ``T``'s neurons, columns: ``S``'s; 0 where a synapse is
        absent), the biases of layer ``L`` ``"L.bias"``; layer by layer in
        ``layer_order``, each layer's incoming weights before its bias. See
        ``neurosim.core.parameters``.

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([2, 3, 1], seed=0)
        >>> [name for name, _ in net.named_parameters()]
        ['input->hidden1.weight', 'hidden1.bias', 'hidden1->output.weight', 'output.bias']
        >>> dict(net.named_parameters())["hidden1.bias"] is net["hidden1"].bias
        True
        """
        for name, values, _ in self.parameter_store.named_arrays():
            yield name, values

    def named_gradients(self) -> Iterable[tuple[str, np.ndarray]]:
        """``(name, gradient array)`` for every parameter, with the names of ``named_parameters``."""
        for name, _, grads in self.parameter_store.named_arrays():
            yield name, grads

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every weight matrix and bias vector, by the names of ``named_parameters``.

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([2, 3, 1], seed=0)
        >>> state = net.state_dict()
        >>> net.synapse("input[0]", "hidden1[0]").weight = 5.0
        >>> float(state["input->hidden1.weight"][0, 0]) == 5.0   # a copy: later changes are not in it
        False
        """
        return self.parameter_store.state_dict()

    def load_state_dict(self, state: Mapping[str, object], *, strict: bool = True) -> LoadResult:
        """Copy weight matrices and bias vectors into the network, by name (like ``state_dict`` gives them).

        Every array is checked before anything changes: with
        ``strict=True`` (the default) every name of ``named_parameters``
        must be given and no other; an array must have its parameter's
        shape, finite numbers, and 0 where a synapse is absent. A refused
        load raises one ``StateDictError`` that lists every missing,
        unexpected and unusable array at once, and leaves the network
        unchanged. With ``strict=False`` missing and unexpected names are
        allowed and returned.

        Returns
        -------
        LoadResult
            ``(missing, unexpected)``: the names left out and the names ignored.

        Examples
        --------
        >>> import neurosim as ns
        >>> net, twin = ns.Network.from_shape([2, 3, 1], seed=0), ns.Network.from_shape([2, 3, 1], seed=1)
        >>> twin.load_state_dict(net.state_dict())
        LoadResult(missing=[], unexpected=[])
        >>> twin.synapse("input[1]", "hidden1[2]").weight == net.synapse("input[1]", "hidden1[2]").weight
        True
        >>> twin.load_state_dict({"hidden1.bias": [0.0, 0.0]})
        Traceback (most recent call last):
        ...
        neurosim.errors.StateDictError: cannot load the state dict; nothing was changed:
          missing: input->hidden1.weight, hidden1->output.weight, output.bias
          hidden1.bias: expected shape (3,), got (2,)
        """
        return self.parameter_store.load_state_dict(state, strict=strict)

    def __repr__(self) -> str:
        sizes = [layer.size for layer in self._layers]
        synapses = self.graph.number_of_edges()
        return f"Network(layers={sizes}, synapses={synapses}, parameters={self.n_parameters})"

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        """A notebook shows the network's picture and its table of layers (see ``neurosim.plot.notebook``)."""
        if not rich_output_shown():  # IPython in a terminal shows the repr alone: nothing to draw
            return {}
        from neurosim.plot.notebook import network_bundle

        return network_bundle(self)

    # ---------------------------------------------------------------- computing

    def forward(self, x: object) -> np.ndarray:
        """Run one sample (1-D) or a batch (2-D), neuron by neuron, with the object engine.

        Every neuron keeps its ``z`` and ``a``. Returns the output layer's
        activations: shape ``(n_outputs,)`` for one sample, else ``(n_samples, n_outputs)``.

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([2, 1], activation="identity", init="constant", seed=0)
        >>> net.synapse("input[0]", "output[0]").weight = 2.0
        >>> net.forward([1.5, 7.0])
        array([3.])
        """
        from neurosim.engines.object_engine import forward

        self._require_layers()
        X, single = as_input_batch(x, self.input_layer.size, name="x", allow_single=True)
        outputs = forward(self, X)
        return outputs[0] if single else outputs

    def predict(self, X: object) -> np.ndarray:
        """The outputs for a batch ``X`` of shape ``(n_samples, n_inputs)``: ``(n_samples, n_outputs)``.

        A prediction is numbers or an error, never NaN: when an output is
        not finite (a network whose training diverged), ``DataError`` names
        the output, the sample, and the parameter to blame (one that is not
        finite, or else the largest). ``forward`` still returns such
        outputs, to look into.

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([2, 3, 2], seed=0)
        >>> net.predict([[0.0, 1.0], [1.0, 1.0], [0.5, 0.5]]).shape
        (3, 2)
        """
        from neurosim.engines.object_engine import forward

        self._require_layers()
        X, _ = as_input_batch(X, self.input_layer.size)
        outputs = forward(self, X)
        if not np.isfinite(outputs).all():
            raise DataError(nonfinite_outputs_message(self, outputs))
        return outputs

    def backward(self, X: object, Y: object, loss: str | Loss = "mse") -> float:
        """Forward and backward pass over a batch; return the mean loss.

        Sets (overwrites, never accumulates) every ``synapse.grad`` and
        ``neuron.bias_grad`` to ``d(mean loss)/d(parameter)``, and every
        neuron's ``delta``. See ``neurosim.losses`` for the losses.

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([1, 1], activation="identity", init="constant", seed=0)
        >>> net.synapse("input[0]", "output[0]").weight = 2.0
        >>> net.backward([[1.0], [3.0]], [[1.0], [5.0]], loss="mse")   # errors 1 and 1
        1.0
        >>> net.synapse("input[0]", "output[0]").grad                  # mean of 2*err*x = (2 + 6) / 2
        4.0
        """
        from neurosim.engines.object_engine import backward

        loss_fn, X, T = self.prepare_batch(X, Y, loss)
        return backward(self, X, T, loss_fn)

    def prepare_batch(self, X: object, Y: object, loss: str | Loss) -> tuple[Loss, np.ndarray, np.ndarray]:
        """Validate a batch for ``loss``; return the loss and ``X``, ``T`` as float arrays."""
        self._require_layers()
        loss_fn = get_loss(loss)
        loss_fn.check_output(self.output_layer.activation, self.output_layer.name)
        X, _ = as_input_batch(X, self.input_layer.size)
        T = loss_fn.targets(Y, X.shape[0], self.output_layer.size)
        check_in_range(X, "X", self.dtype)
        check_in_range(T, "Y", self.dtype)
        return loss_fn, X, T

    def step(self, lr: float) -> None:
        """One plain gradient-descent step: ``w -= lr * grad`` for every weight and bias.

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([1, 1], activation="identity", init="constant", seed=0)
        >>> net.backward([[1.0]], [[1.0]])          # z = 0: grad of (z - 1)^2 is -2
        1.0
        >>> net.step(lr=0.1)
        >>> net.synapse("input[0]", "output[0]").weight, net["output[0]"].bias
        (0.2, 0.2)
        """
        lr = positive_number(lr, "lr")
        for values, grads in self.parameter_store.update_groups():
            values -= lr * grads

    def zero_grad(self) -> None:
        """Set every gradient to zero.

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([2, 1], seed=0)
        >>> _ = net.backward([[1.0, 1.0]], [[0.0]])
        >>> net.zero_grad()
        >>> {s.grad for s in net.synapses}
        {0.0}
        """
        for _, grad in self.parameters():
            grad.fill(0.0)

    def watch(self, source: str | Layer | Neuron, target: str | Layer | Neuron | None = None) -> Watch:
        """Record synapses' weights and gradients at every update of every later ``fit``.

        ``watch("input[0]", "hidden1[2]")`` watches one synapse,
        ``watch("input", "hidden1")`` every synapse between two layers,
        ``watch("hidden1")`` every synapse into a layer and
        ``watch("hidden1[2]")`` every synapse into a neuron. Either engine
        records; it costs one small gather per update. The watch is a
        training callback attached to the network (see ``add_callback``).
        Draw the result with ``ns.plot.watched(watch)``; ``watch.stop()``
        ends it.

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([2, 3, 1], seed=0)
        >>> net.watch("hidden1")
        Watch(6 synapses, 0 records, recording)
        """
        from neurosim.training.watch import Watch, watched_synapses

        watch = Watch(self, watched_synapses(self, source, target))
        watch.handle = self.add_callback(watch)
        return watch

    @property
    def watches(self) -> list[Watch]:
        """The watches that are recording."""
        from neurosim.training.watch import Watch

        return [callback for callback in self._callbacks if isinstance(callback, Watch)]

    def add_callback(self, callback: object) -> CallbackHandle:
        """Attach a training callback to this network: every later ``fit`` calls it.

        ``callback`` is a ``neurosim.training.Callback`` (an object with
        any of its hooks); ``fit(callbacks=[...])`` passes one to a single
        run instead. Returns a handle whose ``remove()`` detaches it.
        Something that is not a callback, or one already attached, is
        refused with a ``ParameterError``.

        Examples
        --------
        >>> import neurosim as ns
        >>> class CountEpochs(ns.training.Callback):
        ...     epochs = 0
        ...     def on_epoch_end(self, run, epoch):
        ...         self.epochs += 1
        >>> net, counter = ns.Network.from_shape([2, 1], seed=0), CountEpochs()
        >>> handle = net.add_callback(counter)
        >>> _ = net.fit([[0, 1]], [1], epochs=3, lr=0.1, verbose=0)
        >>> handle.remove()
        >>> _ = net.fit([[0, 1]], [1], epochs=3, lr=0.1, verbose=0)
        >>> counter.epochs
        3
        """
        from neurosim.training.callbacks import check_callback

        check_callback(callback, "callback")
        if any(callback is attached for attached in self._callbacks):
            raise ParameterError(
                f"that callback (a {type(callback).__name__}) is attached to this network already"
            )
        self._callbacks.append(callback)
        return CallbackHandle(self._callbacks, callback)

    @property
    def callbacks(self) -> list[object]:
        """The training callbacks attached with ``add_callback`` (and ``watch``), in the order added."""
        return list(self._callbacks)

    def fit(self, X: object, Y: object, **options: Any) -> History:
        """Train the network on ``X``, ``Y``: ``net.fit(X, Y, epochs=..., lr=..., loss=...)``.

        The options are those of ``neurosim.training.fit.fit``: ``epochs``
        (default 100), ``lr`` (default: the optimizer's own), ``optimizer``
        (``"sgd"``, the default, ``"adam"``, ... or an object of
        ``neurosim.optim``), ``batch_size``, ``loss``, ``momentum``,
        ``shuffle``, ``seed``, ``validation_data``, ``verbose``, ``engine``
        (``"auto"``, the default: the compiled engine unless something
        needs the object one), ``callbacks``, ``weight_decay`` and ``l1``
        (penalties on the weights, not the biases), ``lr_schedule``,
        ``early_stopping``, ``history`` (a ``History`` to continue), and
        ``diagnose``: ``True`` (the default) runs the doctor as training
        goes (``neurosim.diagnostics.doctor.Doctor``, which warns with a
        ``DiagnosisWarning`` once per new finding and leaves its report in
        ``history.diagnosis``), a dict changes its thresholds, and
        ``False`` leaves it out. Returns the ``History`` of the run.

        Examples
        --------
        >>> import neurosim as ns
        >>> X, y = ns.datasets.xor()
        >>> net = ns.Network.from_shape([2, 3, 1], seed=0)
        >>> net.fit(X, y, epochs=3, lr=0.5, loss="bce", verbose=0).epochs
        3
        >>> history = net.fit(X, y, epochs=2, lr=0.5, loss="bce", verbose=0)
        >>> more = net.fit(X, y, epochs=3, lr=0.5, loss="bce", verbose=0, weight_decay=1e-3, history=history)
        >>> more is history, history.epochs
        (True, 5)
        """
        from neurosim.diagnostics.doctor import doctor_for
        from neurosim.training.callbacks import checked_callbacks
        from neurosim.training.fit import fit

        doctor = doctor_for(options.pop("diagnose", True))
        if doctor is not None:
            options["callbacks"] = [*checked_callbacks(options.get("callbacks", ()), self.callbacks), doctor]
        return fit(self, X, Y, **options)

    # ---------------------------------------------------------------- predicting and scoring

    def predict_classes(
        self, X: object, *, classes: object = None, engine: str | Engine = "auto"
    ) -> np.ndarray:
        """The class of each sample of ``X``: class 1 where the one output is >= 0.5, else the largest output.

        The rule is ``ns.predicted_classes``'s, the one training accuracy
        uses. Classes are numbered ``0, 1, ...`` in the order of the
        outputs, as ``fit`` trains on them; the network does not keep the
        values they stand for. Give those as ``classes`` (a ``Task``'s
        ``task.classes``, such as ``[-1, 1]``) to have class ``i`` returned
        as ``classes[i]``. The neurons, gradients and the engines' last
        pass are left as they were.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_inputs)
            The samples.
        classes : sequence, optional
            The value of each class, in the order of the outputs: 2 for one
            sigmoid output, else one per output.
        engine : {"auto", "compiled", "object"} or Engine
            What computes the outputs. Both engines give the same classes
            (the outputs agree to float rounding); the compiled one is many
            times faster. ``"auto"`` (default) takes it unless an activation
            runs only one neuron at a time, as ``fit`` does (see
            ``neurosim.training.engine_choice``).

        Returns
        -------
        ndarray, shape (n_samples,)
            The class indices, or the values of ``classes``.

        Raises
        ------
        ParameterError
            If the output layer is neither sigmoid nor softmax (a regression
            output has no classes), or ``classes`` does not fit it.
        ShapeError, DataError
            If ``X`` is not a batch of numbers for the input layer, or an
            output is not finite (see ``predict``).

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([1, 1], init="constant", seed=0)   # sigmoid(x): weight 1, bias 0
        >>> net.synapse("input[0]", "output[0]").weight = 1.0
        >>> net.predict_classes([[-1.0], [0.0], [2.0]])                    # 0.27, 0.5, 0.88
        array([0, 1, 1])
        >>> net.predict_classes([[-1.0], [0.0], [2.0]], classes=[-1, 1])
        array([-1,  1,  1])
        """
        self._classifier_output("predict_classes")
        values = None if classes is None else _class_values(classes, self._n_classes())
        predicted = predicted_classes(self._side_pass(self._input_batch(X), engine).outputs)
        return predicted if values is None else values[predicted]

    def predict_proba(self, X: object, *, engine: str | Engine = "auto") -> np.ndarray:
        """The probability of each class for each sample of ``X``, as scikit-learn's ``predict_proba``.

        A softmax output layer gives its outputs. One sigmoid output
        ``p`` (the probability of class 1) gives two columns,
        ``[1 - p, p]``. Several sigmoid outputs give their outputs, each the
        probability of its own class (they need not add up to 1). The
        neurons, gradients and the engines' last pass are left as they were.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_inputs)
            The samples.
        engine : {"auto", "compiled", "object"} or Engine
            What computes the outputs (see ``predict_classes``).

        Returns
        -------
        ndarray, shape (n_samples, n_classes)
            Column ``i`` is the probability of class ``i``.

        Raises
        ------
        ParameterError
            If the output layer is neither sigmoid nor softmax: its outputs
            are not probabilities.
        ShapeError, DataError
            As for ``predict_classes``.

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([1, 1], init="constant", seed=0)
        >>> net.synapse("input[0]", "output[0]").weight = 1.0
        >>> net.predict_proba([[0.0], [2.0]]).round(4)              # sigmoid(2) = 0.8808
        array([[0.5   , 0.5   ],
               [0.1192, 0.8808]])
        """
        kind = self._classifier_output("predict_proba")
        outputs = self._side_pass(self._input_batch(X), engine).outputs
        if kind == "sigmoid" and outputs.shape[1] == 1:
            return np.column_stack([1.0 - outputs[:, 0], outputs[:, 0]])
        return outputs.copy()  # the pass's own array is read-only

    def score(self, X: object, y: object, *, classes: object = None, engine: str | Engine = "auto") -> float:
        """How well the network predicts ``y`` from ``X``: accuracy for a classifier, R^2 for regression.

        The output layer decides, as in scikit-learn, where a classifier's
        ``score`` is its accuracy and a regressor's its R^2:

        - a sigmoid or softmax output layer is a classifier: the fraction of
          samples whose ``predict_classes`` is their label in ``y``;
        - any other output layer is a regression: the coefficient of
          determination ``R^2 = 1 - sum((y - prediction)^2) / sum((y - mean(y))^2)``,
          1 for a perfect prediction and 0 for always predicting the mean
          of ``y``, averaged over the outputs (scikit-learn's ``r2_score``;
          an output whose targets are all equal scores 1 if predicted
          exactly, else 0).

        The neurons, gradients and the engines' last pass are left as they were.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_inputs)
            The samples.
        y : array-like
            For a classifier one label per sample, shape ``(n_samples,)``:
            the class index ``0, 1, ...``, or one of ``classes`` when they
            are given. For a regression the targets, ``(n_samples,)`` for one
            output or ``(n_samples, n_outputs)``.
        classes : sequence, optional
            The value of each class, as for ``predict_classes``.
        engine : {"auto", "compiled", "object"} or Engine
            What computes the outputs (see ``predict_classes``).

        Returns
        -------
        float

        Raises
        ------
        ShapeError, DataError
            If ``X`` or ``y`` does not fit the network, a label is not one
            of the classes, a regression has fewer than 2 samples, or an
            output is not finite.
        ParameterError
            If ``classes`` does not fit the output layer, or is given for a regression.

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([1, 1], init="constant", seed=0)
        >>> net.synapse("input[0]", "output[0]").weight = 1.0
        >>> net.score([[-1.0], [0.0], [2.0]], [0, 0, 1])            # predicts 0, 1, 1
        0.6666666666666666
        >>> line = ns.Network.from_shape([1, 1], activation="identity", init="constant", seed=0)
        >>> line.synapse("input[0]", "output[0]").weight = 2.0     # predicts 0, 2, 4
        >>> round(line.score([[0.0], [1.0], [2.0]], [0.0, 2.0, 5.0]), 4)   # 1 - 1 / (114 / 9)
        0.9211
        """
        X = self._input_batch(X)
        kind = _classifier_kind(self.output_layer.activation)
        if kind is None:
            if classes is not None:
                raise ParameterError(
                    f"classes: output layer {self.output_layer.name!r} uses "
                    f"{self.output_layer.activation.name!r}, a regression, which has no classes; "
                    f"got classes={classes!r}"
                )
            targets = as_target_batch(y, X.shape[0], self.output_layer.size, name="y")
            return _r2_score(targets, self._side_pass(X, engine).outputs)
        labels = _class_labels(y, X.shape[0], self._n_classes(), classes)
        predicted = predicted_classes(self._side_pass(X, engine).outputs)
        return float(np.mean(predicted == labels))

    def evaluate(
        self, X: object, Y: object, loss: str | Loss = "mse", *, engine: str | Engine = "auto"
    ) -> dict[str, float]:
        """The mean loss on ``X``, ``Y``, and the accuracy for classification, touching nothing.

        What ``fit`` records for its validation data: ``"loss"``, the mean
        ``loss`` (as ``backward`` returns it), and ``"accuracy"`` when
        accuracy means something (a classification loss, ``bce`` or
        ``cross_entropy``, or targets that are all 0 or 1), by the rule of
        ``History.accuracy``. No gradient, no neuron's values and no
        engine's last pass change.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_inputs)
            The samples.
        Y : array-like
            The targets, as ``fit`` and ``backward`` take them.
        loss : {"mse", "bce", "cross_entropy"} or Loss
            See ``neurosim.losses``.
        engine : {"auto", "compiled", "object"} or Engine
            What computes the outputs (see ``predict_classes``).

        Returns
        -------
        dict
            ``{"loss": ..., "accuracy": ...}`` (no ``"accuracy"`` for regression).

        Raises
        ------
        ShapeError, DataError
            If ``X`` or ``Y`` does not fit the network or the loss, or an
            output is not finite.
        IncompatibleLossError
            If ``loss`` cannot follow the output layer.

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([1, 1], init="constant", seed=0)
        >>> net.synapse("input[0]", "output[0]").weight = 1.0
        >>> result = net.evaluate([[-1.0], [0.0], [2.0]], [0, 0, 1], loss="bce")
        >>> {name: round(value, 4) for name, value in result.items()}    # mean of 0.3133, 0.6931, 0.1269
        {'loss': 0.3778, 'accuracy': 0.6667}
        """
        from neurosim.training.metrics import accuracy, is_classification

        loss_fn, X, T = self.prepare_batch(X, Y, loss)
        values = self._side_pass(X, engine)
        targets = T.astype(values.outputs.dtype, copy=False)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            result = {"loss": loss_fn.value(values.logits, values.outputs, targets)}
        if is_classification(loss_fn.classification, T):
            result["accuracy"] = accuracy(values.outputs, T)
        return result

    def _input_batch(self, X: object) -> np.ndarray:
        """``X`` checked as a batch for the input layer and the network's dtype."""
        self._require_layers()
        X, _ = as_input_batch(X, self.input_layer.size)
        check_in_range(X, "X", self.dtype)
        return X

    def _side_pass(self, X: np.ndarray, engine: str | Engine) -> PassValues:
        """Every layer's ``z`` and ``a`` on a checked batch; the neurons and the last pass stay."""
        from neurosim.training.engine_choice import engine_for

        computing = engine_for(self, engine)
        values = computing.activations(computing.prepare(X))
        if not np.isfinite(values.outputs).all():
            raise DataError(nonfinite_outputs_message(self, values.outputs))
        return values

    def _classifier_output(self, method: str) -> str:
        """``"sigmoid"`` or ``"softmax"``, what the output layer is; refused for any other activation."""
        self._require_layers()
        kind = _classifier_kind(self.output_layer.activation)
        if kind is None:
            raise ParameterError(
                f"{method} needs a classifier's output layer, sigmoid or softmax, but output layer "
                f"{self.output_layer.name!r} uses {self.output_layer.activation.name!r}, whose outputs are "
                "not class probabilities; build it with output_activation='sigmoid' (two classes) or "
                "'softmax', or use predict(X) for a regression"
            )
        return kind

    def _n_classes(self) -> int:
        """How many classes the output layer tells apart: 2 for one output, else one per output."""
        return max(self.output_layer.size, 2)

    # ---------------------------------------------------------------- compiling

    @property
    def dtype(self) -> np.dtype:
        """The floating-point type of the weights and biases (float64 unless compiled otherwise)."""
        return self.parameter_store.dtype

    def to_numpy_source(self) -> str:
        """The network's forward pass as the text of a short numpy program that defines ``forward(X)``.

        Each pair of connected layers is one weight matrix (rows are the
        target's neurons, columns the source's, 0 where a synapse is absent)
        and each layer one line, ``layer = activation(source @ W.T + b)``:
        the matrices of the compile step, written out with every number
        exact, in a program that needs numpy alone. Only the built-in
        activations can be written out (see ``neurosim.io.numpy_source``).

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([2, 2, 1], activation="relu", output_activation="sigmoid", seed=0)
        >>> print(net.to_numpy_source().splitlines()[-3])
            hidden1 = relu(input @ W_input_hidden1.T + b_hidden1)
        """
        from neurosim.io.numpy_source import numpy_source

        return numpy_source(self)

    def compile(self, dtype: str | np.dtype | type | None = None) -> CompiledNetwork:
        """Flatten the network into matrices for the fast, vectorized compiled engine.

        The ``CompiledNetwork`` computes on
        this network's own weight and bias arrays: there is one copy of each
        weight, so training with either engine is seen by the other and by
        every ``Synapse``, with no syncing. After a structural change it
        compiles again by itself at its next call.

        Parameters
        ----------
        dtype : {"float64", "float32"}, optional
            ``"float32"`` stores the weights and biases in single precision
            from now on (rounding them once), for speed on large networks;
            ``"float64"`` stores them in double precision again. By default
            the current ``dtype`` is kept. The engines agree to about
            ``1e-10`` (relative) in float64 and ``1e-4`` in float32.

        Raises
        ------
        StructureError
            If the network lacks an input or output layer, or its graph was
            changed directly (not with ``connect``/``disconnect``).

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([2, 3, 1], seed=0)
        >>> net.compile()
        CompiledNetwork(Network(layers=[2, 3, 1], synapses=9, parameters=13), dtype=float64, blocks=2)
        >>> net.compile(dtype="float32").dtype, net.synapse("input[0]", "hidden1[0]").weight
        (dtype('float32'), ...)
        """
        from neurosim.engines.compiled import CompiledNetwork

        resolved = self.dtype if dtype is None else storage_dtype(dtype)
        self.check_graph()  # before anything changes, so a refused compile changes nothing
        self.parameter_store.set_dtype(resolved)
        return CompiledNetwork(self)

    # ------------------------------------------------------------ describing, saving

    def summary(self) -> Text:
        """A table of layers: name, size, activation, incoming synapses and parameters.

        Examples
        --------
        >>> import neurosim as ns
        >>> print(ns.Network.from_shape([2, 3, 1], seed=0).summary())
        layer    size  activation  inputs from  parameters
        -------  ----  ----------  -----------  ----------
        input    2     -           -            0
        hidden1  3     sigmoid     input        9
        output   1     sigmoid     hidden1      4
        total    6                              13
        """
        from neurosim.diagnostics.summary import summary

        return summary(self)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save to a JSON file (written atomically: a failed save leaves any old file intact)."""
        from neurosim.io.json_format import save

        save(self, path)


def _hidden_dropout(dropout: object, count: int) -> list[float]:
    """``from_shape``'s ``dropout``: one rate for every hidden layer, or one per hidden layer."""
    if isinstance(dropout, (str, bytes)) or not isinstance(dropout, Sequence):
        return [dropout_rate(dropout, "dropout")] * count
    if len(dropout) != count:
        raise ParameterError(
            f"dropout must be one rate for all hidden layers or a list of one per hidden layer ({count}); "
            f"got {len(dropout)} rates"
        )
    return [dropout_rate(rate, f"dropout[{i}]") for i, rate in enumerate(dropout)]


def _per_layer(activations: object, count: int) -> list[Activation]:
    """One activation per layer: the list given, or the one given for all."""
    if isinstance(activations, (str, Activation)):
        return [get_activation(activations, "activations")] * count
    if not isinstance(activations, Sequence) or len(activations) != count:
        raise ParameterError(
            f"activations must be one activation, or a list of {count} (one per weight matrix); "
            f"got {activations!r}"
        )
    return [get_activation(activation, f"activations[{i}]") for i, activation in enumerate(activations)]


def _classifier_kind(activation: Activation) -> str | None:
    """``"sigmoid"`` or ``"softmax"`` when ``activation`` is one (built in, or declared with ``acts_as``)."""
    for kind in ("sigmoid", "softmax"):
        if activation is ACTIVATIONS[kind] or activation.acts_as == kind:
            return kind
    return None


def _class_values(classes: object, n_classes: int) -> np.ndarray:
    """``classes`` as an array of ``n_classes`` distinct values, or a ``ParameterError`` naming it."""
    expected = f"classes must be a sequence of {n_classes} distinct values, one per class of the output layer"
    try:
        values = np.asarray(classes)
        distinct = values.ndim == 1 and len(set(values.tolist())) == len(values)
    except (TypeError, ValueError):
        distinct = False
    if not distinct or len(values) != n_classes:
        raise ParameterError(f"{expected} (a Task's are task.classes); got {classes!r}")
    return values


def _class_labels(y: object, n_samples: int, n_classes: int, classes: object) -> np.ndarray:
    """``y``, one label per sample, as class indices ``0 .. n_classes - 1`` (of ``classes`` when given)."""
    labels = np.asarray(y) if classes is not None else as_float_array(y, "y")
    if labels.ndim != 1:
        hint = " (for one-hot rows, ns.predicted_classes(Y) gives their labels)" if labels.ndim == 2 else ""
        raise ShapeError(f"y must be 1-D, one label per sample; got shape {labels.shape}{hint}")
    check_sample_count(len(labels), n_samples, "y")
    if classes is None:
        known = (labels == np.round(labels)) & (labels >= 0) & (labels < n_classes)
        indices = np.where(known, labels, -1).astype(np.intp)
        listing = f"a class index 0 to {n_classes - 1}"
    else:
        values = _class_values(classes, n_classes)
        position = {value: i for i, value in enumerate(values.tolist())}
        indices = np.array([position.get(label, -1) for label in labels.tolist()], dtype=np.intp)
        known = indices >= 0
        listing = f"one of the classes {', '.join(map(str, values.tolist()))}"
    if not known.all():
        sample = int(np.argmin(known))
        label = labels.tolist()[sample]
        shown = f"{label:g}" if isinstance(label, float) else repr(label)
        raise DataError(f"y has {shown} at index {sample}, which is not {listing}")
    return indices


def _r2_score(targets: np.ndarray, outputs: np.ndarray) -> float:
    """R^2 of ``outputs`` against ``targets``, averaged over the outputs, as scikit-learn's ``r2_score``."""
    if targets.shape[0] < 2:
        raise DataError("y has one sample; R^2 needs at least 2 (it compares with the mean of y)")
    with np.errstate(over="ignore", invalid="ignore"):
        residual = ((targets - outputs) ** 2).sum(axis=0)
        total = ((targets - targets.mean(axis=0)) ** 2).sum(axis=0)
        constant = total == 0
        explained = 1.0 - residual / np.where(constant, 1.0, total)
        per_output = np.where(constant, (residual == 0).astype(float), explained)
    return float(per_output.mean())


def nonfinite_outputs_message(network: Network, outputs: np.ndarray) -> str:
    """Why ``predict`` refuses outputs that are not all finite: where, and the parameter to blame."""
    sample, column = (int(i) for i in np.argwhere(~np.isfinite(outputs))[0])
    culprit = _worst_parameter(network)
    return (
        f"cannot predict: output {network.output_layer[column].name} is {outputs[sample, column]} for "
        f"sample {sample}, because {culprit}; the network is broken (training diverged?): train it "
        "again with a smaller lr, or load a saved copy"
    )


def _worst_parameter(network: Network) -> str:
    """The first parameter that is not finite, or else the largest in size, as words."""
    largest = ("", (), 0.0)
    for name, values in network.named_parameters():
        if values.size == 0:
            continue
        bad = np.argwhere(~np.isfinite(values))
        if len(bad):
            index = tuple(int(i) for i in bad[0])
            return f"{name}{list(index)} is {values[index]}"
        index = np.unravel_index(int(np.argmax(np.abs(values))), values.shape)
        if abs(values[index]) >= abs(largest[2]):
            largest = (name, tuple(int(i) for i in index), float(values[index]))
    name, index, value = largest
    return f"the pass overflowed: the largest parameter is {name}{list(index)} = {value:.3g}"


def _describe(item: Layer | Neuron) -> str:
    kind = "layer" if isinstance(item, Layer) else "neuron"
    return f"{kind} {item.name!r}"
