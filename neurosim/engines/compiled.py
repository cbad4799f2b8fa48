"""The compiled engine: the same network, computed a layer at a time with matrices.

:meth:`Network.compile` returns a :class:`CompiledNetwork`. Compiling puts
the layers in topological order and, for every layer, lists the weight
blocks that feed it. Each :class:`~neurosim.core.weights.WeightBlock` already
holds the weights between two layers as a matrix (rows are targets, columns
sources, zeros where a synapse is absent), so the compiled engine computes
directly on the arrays that every ``Synapse`` reads and writes: there is one
copy of each weight and nothing to synchronise. For a batch ``X`` of ``n``
samples::

    forward:   Z_l = bias_l + sum over blocks s -> l of  A_s @ W_sl.T
               A_l = f_l(Z_l)
    backward:  G_s = sum over blocks s -> l of  D_l @ W_sl      (dL/dA_s)
               D_s = G_s * f_s'(Z_s)                           (dL/dZ_s)
               W_sl.grad = D_l.T @ A_s / n,  bias_l.grad = mean of D_l over samples

which is the object engine's arithmetic, one matrix product per pair of
connected layers instead of one multiplication per synapse. Gradients of
absent (pruned) synapses are masked to zero, so they stay absent.

The arrays ``Z``, ``A`` and ``D`` of every layer are preallocated per batch
size and filled in place (see :mod:`neurosim.engines.kernels`).

If the network's structure changes (a layer, a synapse or a pruning), the
compiled network notices at its next call and compiles again, so it never
computes on an old graph.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from neurosim.engines.kernels import LossKernel, activation_kernels, loss_kernel
from neurosim.errors import CycleError, StructureError, UnknownNameError
from neurosim.losses import Loss
from neurosim.validation import as_input_batch

if TYPE_CHECKING:
    from neurosim.core.layer import Layer
    from neurosim.core.network import Network
    from neurosim.core.weights import WeightBlock

#: how many batch sizes keep their preallocated buffers at once
_BUFFER_SETS = 4


class _LayerPlan:
    """What the engine does for one non-input layer."""

    __slots__ = (
        "activate",
        "bias",
        "bias_grad",
        "derivative",
        "incoming",
        "is_output",
        "layer",
        "outgoing",
        "position",
    )

    def __init__(self, layer: Layer, position: int, is_output: bool) -> None:
        self.layer = layer
        self.position = position
        self.is_output = is_output
        self.bias = layer.bias
        self.bias_grad = layer.bias_grad
        self.activate, self.derivative = activation_kernels(layer.activation)
        #: (block, source position, whether the block is dense)
        self.incoming: list[tuple[WeightBlock, int, bool]] = []
        #: (block, target position)
        self.outgoing: list[tuple[WeightBlock, int]] = []


class _Buffers:
    """Preallocated ``(n, size)`` arrays of every layer for one batch size ``n``."""

    __slots__ = ("A", "D", "G", "S", "Z")

    def __init__(self, sizes: list[int], n: int, dtype: np.dtype) -> None:
        self.Z = [np.empty((n, size), dtype) for size in sizes]
        self.A = [np.empty((n, size), dtype) for size in sizes]
        self.D = [np.empty((n, size), dtype) for size in sizes]
        self.G = [np.empty((n, size), dtype) for size in sizes]
        self.S = [np.empty((n, size), dtype) for size in sizes]


class CompiledNetwork:
    """A :class:`~neurosim.Network` flattened into matrices for fast, vectorized passes.

    Make one with :meth:`Network.compile`. It shares the network's weight
    and bias arrays: training with it changes every ``Synapse``'s weight, and
    setting ``synapse.weight`` is seen by its next pass.

    Examples
    --------
    >>> import numpy as np
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([2, 3, 2], activation="tanh", output_activation="softmax", seed=0)
    >>> compiled = net.compile()
    >>> X = np.array([[0.0, 1.0], [1.0, 0.5]])
    >>> bool(np.allclose(compiled.forward(X), net.predict(X)))   # the object engine agrees
    True
    >>> W, rows, cols = compiled.matrix("hidden1", "output")
    >>> W.shape, rows, cols
    ((2, 3), ['output[0]', 'output[1]'], ['hidden1[0]', 'hidden1[1]', 'hidden1[2]'])
    >>> net.synapse("hidden1[2]", "output[0]").weight = 0.5
    >>> float(W[0, 2])                                           # the same array, not a copy
    0.5
    """

    def __init__(self, network: Network) -> None:
        self.network = network
        self._version: int | None = None
        self._plans: list[_LayerPlan] = []
        self._buffers: OrderedDict[int, _Buffers] = OrderedDict()
        self._sizes: list[int] = []
        self._output = -1
        self._output_plan: _LayerPlan | None = None
        self._loss_kernels: dict[Loss, tuple[LossKernel, bool]] = {}
        self._last_pass: tuple[_Buffers, bool] | None = None
        self._ensure_current()

    # ------------------------------------------------------------------ compiling

    @property
    def dtype(self) -> np.dtype:
        """The floating-point type of the weights and of every computation."""
        return self.network.dtype

    def _ensure_current(self) -> None:
        """Compile (again) if the network's structure changed since the last compile."""
        network = self.network
        if self._version == network.structure_version:
            return
        network._require_layers()
        _check_graph(network)
        order = network.layer_order()
        position = {layer: i for i, layer in enumerate(order)}
        plans = {
            layer: _LayerPlan(layer, position[layer], layer is network.output_layer) for layer in order[1:]
        }
        for block in network.blocks:
            plans[block.target].incoming.append((block, position[block.source], bool(block.mask.all())))
            if block.source in plans:
                plans[block.source].outgoing.append((block, position[block.target]))
        self._plans = [plans[layer] for layer in order[1:]]
        self._sizes = [layer.size for layer in order]
        self._output = position[network.output_layer]
        self._output_plan = plans[network.output_layer]
        self._loss_kernels.clear()
        self._buffers.clear()
        self._last_pass = None
        self._version = network.structure_version

    def _buffers_for(self, n: int) -> _Buffers:
        buffers = self._buffers.get(n)
        if buffers is None:
            buffers = self._buffers[n] = _Buffers(self._sizes, n, self.dtype)
            if len(self._buffers) > _BUFFER_SETS:
                self._buffers.popitem(last=False)
        else:
            self._buffers.move_to_end(n)
        return buffers

    # ------------------------------------------------------------------ public passes

    def forward(self, x: object) -> np.ndarray:
        """The outputs for one sample (1-D) or a batch ``(n_samples, n_inputs)``.

        Like :meth:`Network.forward`, every neuron's ``z`` and ``a`` then hold
        this pass's values.

        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([2, 1], activation="identity", init="constant", seed=0)
        >>> net.synapse("input[0]", "output[0]").weight = 2.0
        >>> net.compile().forward([1.5, 7.0])
        array([3.])
        """
        self._ensure_current()
        X, single = as_input_batch(x, self.network.input_layer.size, name="x", allow_single=True)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            buffers = self._run_forward(X.astype(self.dtype, copy=False))
        self._publish(buffers, with_deltas=False)
        outputs = buffers.A[self._output].copy()
        return outputs[0] if single else outputs

    def predict(self, X: object) -> np.ndarray:
        """The outputs for a batch ``X`` of shape ``(n_samples, n_inputs)``, like :meth:`Network.predict`."""
        self._ensure_current()
        X, _ = as_input_batch(X, self.network.input_layer.size)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self._run_forward(X.astype(self.dtype, copy=False)).A[self._output].copy()

    def backward(self, X: object, Y: object, loss: str | Loss = "mse") -> float:
        """Forward and backward pass over a batch; return the mean loss.

        Same semantics as :meth:`Network.backward`: every ``synapse.grad``
        and ``neuron.bias_grad`` is set to the gradient of the mean loss, and
        every neuron's ``z``, ``a`` and ``delta`` to this pass's values.

        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([1, 1], activation="identity", init="constant", seed=0)
        >>> net.synapse("input[0]", "output[0]").weight = 2.0
        >>> net.compile().backward([[1.0], [3.0]], [[1.0], [5.0]], loss="mse")
        1.0
        >>> net.synapse("input[0]", "output[0]").grad
        4.0
        """
        self._ensure_current()
        loss_fn, X, T = self.network.prepare_batch(X, Y, loss)
        X, T = X.astype(self.dtype, copy=False), T.astype(self.dtype, copy=False)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            value = self._train_batch(X, T, loss_fn)
        self._publish(self._buffers_for(X.shape[0]), with_deltas=True)
        return value

    def matrix(self, source: str, target: str) -> tuple[np.ndarray, list[str], list[str]]:
        """The weights from layer ``source`` to layer ``target``, with the neurons' names.

        Returns ``(W, rows, cols)``: ``W[i, j]`` is the weight from
        ``cols[j]`` to ``rows[i]`` (rows are target neurons, like
        ``torch.nn.Linear.weight``), and 0 where there is no synapse. ``W`` is
        a read-only view of the live weights: it shows every later change.
        Change weights through ``synapse.weight`` or training.
        """
        self._ensure_current()
        network = self.network
        source_layer, target_layer = network._layer_named(source), network._layer_named(target)
        block = network._blocks.get((source_layer, target_layer))
        if block is None:
            pairs = ", ".join(f"{b.source.name!r} -> {b.target.name!r}" for b in network.blocks)
            raise UnknownNameError(
                f"layers {source!r} and {target!r} are not connected (in that direction); "
                f"the connected pairs are {pairs or 'none'}"
            )
        weights = block.weight.view()
        weights.flags.writeable = False
        return weights, [n.name for n in target_layer], [n.name for n in source_layer]

    def __repr__(self) -> str:
        blocks = len(self.network._blocks)
        return f"CompiledNetwork({self.network!r}, dtype={self.dtype.name}, blocks={blocks})"

    # ------------------------------------------------------------------ the engine

    def _train_batch(self, X: np.ndarray, T: np.ndarray, loss: Loss) -> float:
        """Forward and backward pass on an already validated batch; return the mean loss.

        ``X`` and ``T`` must be ``(n, n_inputs)`` and ``(n, n_outputs)``
        arrays of :attr:`dtype` (see :meth:`Network.prepare_batch`). This is
        the inner loop of training: it checks nothing, and it expects the
        caller to silence floating-point warnings (``np.errstate``) once
        around the whole loop.
        """
        self._ensure_current()
        n = X.shape[0]
        buffers = self._run_forward(X)
        kernels = self._loss_kernels.get(loss)
        if kernels is None:
            kernels = self._loss_kernels[loss] = loss_kernel(loss, self._output_plan.layer.activation)
        kernel, loss_gives_dA = kernels
        out = self._output
        total = kernel(buffers.Z[out], buffers.A[out], T, buffers.D[out], buffers.S[out], 1.0 / n)
        self._run_backward(buffers, loss_gives_dA)
        self._last_pass = (buffers, True)
        return total / n

    def _evaluate(self, X: np.ndarray, T: np.ndarray, loss: Loss) -> tuple[float, np.ndarray]:
        """Mean loss and outputs on an already validated batch (no gradients)."""
        self._ensure_current()
        buffers = self._run_forward(X)
        self._last_pass = (buffers, False)
        out = self._output
        return loss.value(buffers.Z[out], buffers.A[out], T), buffers.A[out].copy()

    def _publish_last_pass(self) -> None:
        """Copy the last pass's ``z``, ``a`` (and ``delta``) into the neurons."""
        if self._last_pass is not None and self._version == self.network.structure_version:
            buffers, with_deltas = self._last_pass
            self._publish(buffers, with_deltas=with_deltas)

    def _outputs(self, n: int) -> np.ndarray:
        """The output layer's activations from the last pass over ``n`` samples (a live buffer)."""
        return self._buffers[n].A[self._output]

    def _run_forward(self, X: np.ndarray) -> _Buffers:
        buffers = self._buffers_for(X.shape[0])
        Z, A = buffers.Z, buffers.A
        Z[0] = A[0] = X
        for plan in self._plans:
            z = Z[plan.position]
            if plan.incoming:
                for k, (block, source, _) in enumerate(plan.incoming):
                    if k == 0:
                        np.matmul(A[source], block.weight.T, out=z)
                    else:
                        z += A[source] @ block.weight.T
                z += plan.bias
            else:
                z[...] = plan.bias
            plan.activate(z, A[plan.position])
        return buffers

    def _run_backward(self, buffers: _Buffers, loss_gives_dA: bool) -> None:
        """Fill every layer's delta (scaled by 1/n) and every gradient.

        On entry the output layer's ``D`` holds the loss's delta: ``dL/dA``
        if ``loss_gives_dA``, else ``dL/dZ`` (both already divided by ``n``).
        """
        Z, A, D, G, S = buffers.Z, buffers.A, buffers.D, buffers.G, buffers.S
        for plan in reversed(self._plans):
            p = plan.position
            if plan.outgoing:
                g = G[p]
                for k, (block, target) in enumerate(plan.outgoing):
                    if k == 0:
                        np.matmul(D[target], block.weight, out=g)
                    else:
                        g += D[target] @ block.weight
                if not plan.is_output:
                    plan.derivative(Z[p], A[p], g, D[p], S[p])
                elif loss_gives_dA:
                    g += D[p]
                    plan.derivative(Z[p], A[p], g, D[p], S[p])
                else:
                    plan.derivative(Z[p], A[p], g, g, S[p])
                    D[p] += g
            elif not plan.is_output:
                D[p].fill(0.0)
            elif loss_gives_dA:
                plan.derivative(Z[p], A[p], D[p], D[p], S[p])
            d = D[p]
            for block, source, dense in plan.incoming:
                np.matmul(d.T, A[source], out=block.grad)
                if not dense:
                    block.grad *= block.mask
            np.add.reduce(d, axis=0, out=plan.bias_grad)

    def _publish(self, buffers: _Buffers, *, with_deltas: bool) -> None:
        """Copy the last pass's values into the neurons, as the object engine leaves them."""
        n = buffers.A[0].shape[0]
        order = self.network.layer_order()
        for position, layer in enumerate(order):
            z, a, d = buffers.Z[position], buffers.A[position], buffers.D[position]
            deltas = d * n if with_deltas and not layer.is_input else None
            for neuron in layer:
                i = neuron.index
                neuron._z = z[:, i].astype(float)
                neuron._a = a[:, i].astype(float)
                neuron._delta = None if deltas is None else deltas[:, i].astype(float)


def _check_graph(network: Network) -> None:
    """Refuse a graph changed behind the network's back (edges added or removed directly)."""
    graph = network.graph
    n_synapses = sum(block.n_synapses for block in network._blocks.values())
    n_neurons = sum(layer.size for layer in network._layers)
    if graph.number_of_edges() == n_synapses and graph.number_of_nodes() == n_neurons:
        return
    for source, target, data in graph.edges(data=True):
        if "synapse" not in data:
            names = getattr(source, "name", repr(source)), getattr(target, "name", repr(target))
            if nx.has_path(graph, target, source):
                raise CycleError(
                    f"cannot compile: the graph has an edge {names[0]} -> {names[1]} that was added to "
                    "net.graph directly and closes a cycle; change the network with connect() and "
                    "disconnect()"
                )
            raise StructureError(
                f"cannot compile: the graph has an edge {names[0]} -> {names[1]} with no synapse (added to "
                "net.graph directly); change the network with connect() and disconnect()"
            )
    raise StructureError(
        f"cannot compile: net.graph has {graph.number_of_nodes()} nodes and {graph.number_of_edges()} edges "
        f"but the network has {n_neurons} neurons and {n_synapses} synapses; nodes or edges were changed in "
        "net.graph directly. Change the network with add_layer(), connect() and disconnect()"
    )
