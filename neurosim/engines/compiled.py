"""The compiled engine: the same network, computed a layer at a time with matrices.

``Network.compile`` returns a ``CompiledNetwork``. Compiling puts
the layers in topological order and, for every layer, lists the weight
blocks that feed it. Each ``WeightBlock`` already
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

A training pass given dropout masks ``M_l`` (``train_batch(...,
dropout=masks)``, see ``neurosim.engines.dropout``) keeps each dropping
layer's own activations ``F_l = f_l(Z_l)`` in a buffer of their own, passes
on ``A_l = F_l * M_l``, and multiplies ``G_l`` by ``M_l`` before taking
``f_l'`` at ``Z_l`` from ``F_l``. It runs passes compiled for that set of
dropping layers; the passes without dropout are those above, untouched.

The arrays ``Z``, ``A`` and ``D`` of every layer are preallocated per batch
size and filled in place (see ``neurosim.engines.kernels``); each pass
is compiled once per batch size into a list of numpy operations bound to
those arrays, so that running it costs little more than the numpy calls.
Four choices of layout save most of the rest:

* the packed parameter vectors hold each weight matrix column by column,
  with the layer's biases right after the last block into it
  (``ParameterStore.augmented``), and a source layer's activations carry a
  column of ones, so that one ``np.dot`` computes ``[A, 1] @ [W.T; b] = A @
  W.T + b``, and one computes the weight and bias gradients together; small
  input batches are copied next to a column of ones for the same reason
  (``INPUT_COPY_LIMIT``). Where the arrays do not lie so (a network built
  layer by layer, a deep copy, the other blocks into a layer), the biases
  are added apart, with the same numbers;
* a hidden layer's arrays are stored feature by feature (each the ``.T`` of
  a ``(size, n)`` array), so its row of ones follows its activations and
  every elementwise operation runs over contiguous memory;
* the output layer's activation and the loss's delta are computed by one
  kernel (``neurosim.engines.kernels.output_kernel``), which also gives a
  number that is finite exactly when the loss is;
* a training pass asked to record its output values (``fit`` keeps every
  batch's, for the epoch's loss and accuracy) computes them straight into
  the record when nothing after the kernel reads them, and copies them into
  its own arrays only if they are read (``last_pass``, ``publish``).

If the network's structure changes (a layer, a synapse or a pruning), the
compiled network notices at its next call (the parameter store's
``version`` changed) and compiles again, so it never computes on an old
graph.
"""

from __future__ import annotations

import contextlib
import math
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from neurosim.core import Layer
from neurosim.core.network import nonfinite_outputs_message
from neurosim.engines.base import PassValues, StoredPassValues, no_pass, read_only
from neurosim.engines.kernels import OutputKernel, OutputWork, activation_kernels, output_kernel
from neurosim.errors import DataError, UnknownNameError
from neurosim.losses import Loss
from neurosim.validation import as_input_batch, check_in_range

if TYPE_CHECKING:
    from neurosim.core import Network, WeightBlock

#: how many batch sizes keep their preallocated buffers at once
_BUFFER_SETS = 4
#: up to this many numbers in a batch of inputs (with a column of ones), the batch is copied next to a
#: column of ones, so that the first layers add their biases in their products; larger ones are not copied
INPUT_COPY_LIMIT = 2**14


def _copies_input(n: int, n_inputs: int) -> bool:
    """Whether ``n`` samples are few enough to copy next to a column of ones (``INPUT_COPY_LIMIT``)."""
    return n * (n_inputs + 1) <= INPUT_COPY_LIMIT


class _Inflow:
    """One block of weights into a layer, as the engine computes with it."""

    __slots__ = ("augmented", "block", "dense", "source", "weight_T")

    def __init__(self, block: WeightBlock, source: int, augmented: tuple[np.ndarray, np.ndarray] | None):
        self.block = block
        self.source = source
        self.dense = bool(block.mask.all())
        self.weight_T = block.weight.T
        #: ``[W.T; b]`` and its gradients when the layer's biases are stored right after the weights
        self.augmented = augmented


class _LayerPlan:
    """What the engine does for one non-input layer."""

    __slots__ = (
        "activate",
        "bias",
        "bias_grad",
        "derivative",
        "folded",
        "has_bias",
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
        self.has_bias = layer.has_bias
        self.bias = layer.bias
        self.bias_grad = layer.bias_grad
        self.activate, self.derivative = activation_kernels(layer.activation)
        self.incoming: list[_Inflow] = []
        #: (block, target position)
        self.outgoing: list[tuple[WeightBlock, int]] = []
        #: whether the last incoming block carries the biases (``[A, 1] @ [W.T; b]``)
        self.folded = False

    def add_incoming(self, inflow: _Inflow) -> None:
        """Add a block of weights into this layer; only the last one added may carry the biases."""
        if self.incoming and self.incoming[-1].augmented is not None:
            self.incoming[-1].augmented = None
        self.incoming.append(inflow)
        self.folded = inflow.augmented is not None


Operation = Callable[[], object]


class _Buffers:
    """Preallocated ``(n, size)`` arrays of every layer for one batch size ``n``, and the passes over them.

    ``Z``, ``A``, ``D`` (deltas), ``G`` (``dL/dA``) and ``S`` (scratch) hold
    one array per layer in computing order; ``A[0]`` is the input batch of
    the current pass. A hidden layer's arrays are stored feature by feature
    (the transposes of ``(size, n)`` arrays), so that its activations can
    carry a row of ones right after them: ``A_ones[p]`` is ``[A, 1]``,
    ``(n, size + 1)``, for a layer whose activations feed a block that
    carries biases. Each pass is compiled once into a list of operations
    bound to these arrays (``forward_program``, ``backward_program``), so
    running it is a loop of numpy calls with nothing left to look up.
    ``output`` holds the output kernel's work arrays.

    A layer that drops neurons also has ``F`` (its activations before the
    mask) and ``M`` (the mask), made the first time it drops; training
    passes are compiled once per set of dropping layers (``dropping``, their
    positions), and ``masked`` holds the dropping layers of the last pass.
    """

    __slots__ = (
        "A",
        "A_ones",
        "D",
        "F",
        "G",
        "M",
        "S",
        "Z",
        "_backward",
        "_forward",
        "folded",
        "forward",
        "masked",
        "ones",
        "ones_input",
        "output",
        "output_position",
        "output_z",
        "recorded",
        "training",
        "values",
    )

    def __init__(
        self, plans: list[_LayerPlan], order: list[Layer], n: int, dtype: np.dtype, network: Network
    ) -> None:
        copies_input = _copies_input(n, order[0].size)
        #: the layers whose last block of weights carries their biases in these passes
        self.folded = {
            plan.position for plan in plans if plan.folded and (plan.incoming[-1].source != 0 or copies_input)
        }
        with_ones = {plan.incoming[-1].source for plan in plans if plan.position in self.folded}
        hidden = {plan.position for plan in plans if not plan.is_output}
        self.A_ones = {p: _ones_matrix(n, order[p].size, dtype, p in hidden) for p in with_ones}

        def arrays() -> list[np.ndarray]:
            return [_matrix(n, layer.size, dtype, p in hidden) for p, layer in enumerate(order)]

        self.Z, self.D, self.G, self.S = arrays(), arrays(), arrays(), arrays()
        self.A = [self.A_ones[p][:, :-1] if p in self.A_ones else a for p, a in enumerate(arrays())]
        self.ones = np.ones(n, dtype)
        #: the input batch next to a column of ones for this pass: the caller's, or the copy
        #: ``input_with_ones`` made (``None`` until the pass's first product asks for it)
        self.ones_input: np.ndarray | None = None
        self.F: dict[int, np.ndarray] = {}
        self.M: dict[int, np.ndarray] = {}
        self.masked: tuple[int, ...] = ()
        #: the output layer's position in these buffers' own layer order
        self.output_position = output = next((plan.position for plan in plans if plan.is_output), 0)
        self.output = OutputWork(self.Z[output], self.S[output])
        #: where a training pass writes the output layer's ``z``: ``Z[output]``, or the caller's record
        self.output_z = self.Z[output]
        #: the ``(z, a)`` arrays the last pass wrote the output layer's values into instead of
        #: ``Z`` and ``A`` (``CompiledNetwork.train_batch``'s ``record``), until ``settle`` copies them
        self.recorded: tuple[np.ndarray, np.ndarray] | None = None
        self._forward: dict[tuple[bool, tuple[int, ...]], list[Operation]] = {}
        self._backward: dict[tuple[bool, tuple[int, ...]], list[Operation]] = {}
        #: the training passes without dropout, by loss (``CompiledNetwork._training_passes``)
        self.training: dict[Loss, tuple[list[Operation], OutputKernel, list[Operation], bool]] = {}
        #: the forward pass of predictions: every layer, the output's activation included
        self.forward = self.forward_program(plans)
        #: what the last pass over these buffers computed, as ``PassValues``
        self.values = BufferPassValues(network, self, order)

    def _output_z(self) -> np.ndarray:
        return self.output_z

    def source(self, position: int) -> Callable[[], np.ndarray]:
        """Activations of layer ``position`` at run time (the input batch changes from pass to pass)."""
        A = self.A
        return lambda: A[position]

    def input_with_ones(self) -> np.ndarray:
        """The input batch next to a column of ones: the caller's (``ones_input``), or a copy made here."""
        given = self.ones_input
        if given is not None:
            return given
        ones = self.ones_input = self.A_ones[0]
        np.copyto(ones[:, :-1], self.A[0])
        return ones

    def settle(self) -> None:
        """Copy the output values a pass wrote into a record into the output layer's ``Z`` and ``A``."""
        recorded = self.recorded
        if recorded is not None:
            self.recorded = None
            np.copyto(self.Z[self.output_position], recorded[0])
            np.copyto(self.A[self.output_position], recorded[1])

    def load_masks(self, masks: dict[Layer, np.ndarray]) -> tuple[int, ...]:
        """Copy ``masks`` into ``M``; return the dropping layers' positions, now the pass's ``masked``."""
        position = self.values.position
        for layer, mask in masks.items():
            p = position[layer]
            if p not in self.M:
                self.M[p], self.F[p] = np.empty_like(self.Z[p]), np.empty_like(self.Z[p])
            np.copyto(self.M[p], mask)
        self.masked = tuple(sorted(position[layer] for layer in masks))
        return self.masked

    def forward_program(
        self, plans: list[_LayerPlan], dropping: tuple[int, ...] = (), training: bool = False
    ) -> list[Operation]:
        """``Z = bias + sum of A_source @ W.T`` then ``A = f(Z)`` (times ``M`` if dropping), by layer.

        A training pass leaves the output layer's activation to the output
        kernel, which computes it with the loss's delta (unless later
        layers read it first).
        """
        key = (training, dropping)
        program = self._forward.get(key)
        if program is not None:
            return program
        A, Z, S = self.A, self.Z, self.S
        program = []
        for plan in plans:
            p = plan.position
            # a training pass writes the output layer's z where train_batch says (output_z)
            late = training and plan.is_output and not plan.outgoing
            z = self._output_z if late else Z[p]
            for k, inflow in enumerate(plan.incoming):
                out = z if k == 0 else S[p]
                if self.carries_bias(plan, k) and inflow.source == 0:
                    program.append(_product(self.input_with_ones, inflow.augmented[0], out))
                elif self.carries_bias(plan, k):
                    program.append(_product(self.A_ones[inflow.source], inflow.augmented[0], out))
                elif inflow.source == 0:
                    program.append(_product(self.source(0), inflow.weight_T, out))
                else:
                    program.append(_product(A[inflow.source], inflow.weight_T, out))
                if k > 0:
                    program.append(_adding(z, S[p]))
            if not plan.incoming:
                program.append(_late(np.copyto, z, plan.bias))
            elif plan.has_bias and p not in self.folded:
                program.append(_adding(z, plan.bias))
            if late:
                continue  # the output kernel computes it (again, when later layers already read it)
            if p in dropping:
                program.append(partial(plan.activate, Z[p], self.F[p]))
                program.append(partial(np.multiply, self.F[p], self.M[p], A[p]))
            else:
                program.append(partial(plan.activate, Z[p], A[p]))
        self._forward[key] = program
        return program

    def backward_program(
        self, plans: list[_LayerPlan], loss_gives_dA: bool, dropping: tuple[int, ...] = ()
    ) -> list[Operation]:
        """Deltas in reverse order, then each layer's weight and bias gradients.

        On entry the output layer's ``D`` holds the loss's delta: ``dL/dA``
        if ``loss_gives_dA``, else ``dL/dZ`` (both already divided by ``n``).
        The layers at positions ``dropping`` drop neurons (see ``load_masks``).
        """
        key = (loss_gives_dA, dropping)
        program = self._backward.get(key)
        if program is not None:
            return program
        D, G, S = self.D, self.G, self.S
        program = []
        for plan in reversed(plans):
            p = plan.position
            for k, (block, target) in enumerate(plan.outgoing):
                program.append(_product(D[target], block.weight, G[p] if k == 0 else S[p]))
                if k > 0:
                    program.append(partial(np.add, G[p], S[p], G[p]))
            program.extend(self._delta(plan, loss_gives_dA, dropping))
            for k, inflow in enumerate(plan.incoming):
                program.append(self._weight_gradient(inflow, D[p], self.carries_bias(plan, k)))
                if not inflow.dense:
                    grad = inflow.block.grad
                    program.append(partial(np.multiply, grad, inflow.block.mask, grad))
            if p not in self.folded and plan.has_bias:
                program.append(_product(self.ones, D[p], plan.bias_grad))
        self._backward[key] = program
        return program

    def _delta(self, plan: _LayerPlan, loss_gives_dA: bool, dropping: tuple[int, ...]) -> list[Operation]:
        """``D = G * f'(Z)`` for a layer, from ``G`` (and for the output layer the loss's delta in ``D``)."""
        p, derivative = plan.position, plan.derivative
        A, Z, D, G, S = self.A, self.Z, self.D, self.G, self.S
        if plan.outgoing and p in dropping:
            return [
                partial(np.multiply, G[p], self.M[p], G[p]),
                partial(derivative, Z[p], self.F[p], G[p], D[p], S[p]),
            ]
        if plan.outgoing and not plan.is_output:
            return [partial(derivative, Z[p], A[p], G[p], D[p], S[p])]
        if plan.outgoing and loss_gives_dA:
            return [partial(np.add, G[p], D[p], G[p]), partial(derivative, Z[p], A[p], G[p], D[p], S[p])]
        if plan.outgoing:
            return [partial(derivative, Z[p], A[p], G[p], G[p], S[p]), partial(np.add, D[p], G[p], D[p])]
        if not plan.is_output:
            return [partial(D[p].fill, 0.0)]  # reaches no loss: no gradient
        if loss_gives_dA:
            return [partial(derivative, Z[p], A[p], D[p], D[p], S[p])]
        return []

    def carries_bias(self, plan: _LayerPlan, k: int) -> bool:
        """Whether the ``k``-th block into ``plan``'s layer carries the layer's biases in these passes."""
        return plan.position in self.folded and k == len(plan.incoming) - 1

    def _weight_gradient(self, inflow: _Inflow, delta: np.ndarray, carries_bias: bool) -> Operation:
        """``grad = D.T @ A_source`` (and the biases' ``sum of D`` when the block carries them)."""
        if carries_bias and inflow.source == 0:  # the input batch next to ones, as the forward pass had it
            return _product(lambda: self.ones_input.T, delta, inflow.augmented[1])
        if carries_bias:
            return _product(self.A_ones[inflow.source].T, delta, inflow.augmented[1])
        source = self.source(0) if inflow.source == 0 else self.A[inflow.source]
        return _product(delta.T, source, inflow.block.grad)


def _neuron_rows(values: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """``(n, size)`` values as a new float64 ``(size, n)`` array (times ``scale``): one row per neuron."""
    rows = np.empty((values.shape[1], values.shape[0]))
    np.multiply(values.T, scale, out=rows)
    return rows


def _matrix(n: int, size: int, dtype: np.dtype, feature_major: bool) -> np.ndarray:
    """An empty ``(n, size)`` array, stored by sample, or by feature (the ``.T`` of a ``(size, n)``)."""
    return np.empty((size, n), dtype).T if feature_major else np.empty((n, size), dtype)


def _ones_matrix(n: int, size: int, dtype: np.dtype, feature_major: bool) -> np.ndarray:
    """``(n, size + 1)`` with a last column of ones; feature by feature, that column is one contiguous row."""
    return np.ones((size + 1, n), dtype).T if feature_major else np.ones((n, size + 1), dtype)


def _product(
    left: np.ndarray | Callable[[], np.ndarray],
    right: np.ndarray | Callable[[], np.ndarray],
    out: np.ndarray | Callable[[], np.ndarray],
) -> Operation:
    """``out = left @ right`` with ``np.dot`` (the fastest on small matrices), in ``out``'s own memory order.

    ``np.dot`` writes only into C-ordered arrays, so an ``out`` stored
    feature by feature gets ``right.T @ left.T`` written into ``out.T``.
    Either factor may be a function giving the array at run time (the
    input batch), and so may ``out`` (the output layer's ``z`` of a
    training pass), which is then stored sample by sample.
    """
    if callable(out):  # the output layer's z, stored sample by sample, wherever the pass writes it
        if callable(left):
            return lambda: np.dot(left(), right, out())
        return lambda: np.dot(left, right, out())
    transposed = not out.flags.c_contiguous
    if transposed:
        left, right, out = _transpose(right), _transpose(left), out.T
    if callable(left):
        return lambda: np.dot(left(), right, out)
    if callable(right):
        return lambda: np.dot(left, right(), out)
    return partial(np.dot, left, right, out)


def _can_hold(record: tuple[np.ndarray, np.ndarray], like: np.ndarray) -> bool:
    """Whether a pass can compute into ``record`` instead of ``like``: C-ordered, of its shape and dtype.

    ``np.dot`` writes its product only into an array that is C-ordered,
    aligned and writeable (``flags.carray``).
    """
    z, a = record
    dtype, shape = like.dtype, like.shape
    return (
        z.flags.carray
        and a.flags.carray
        and z.dtype == dtype
        and a.dtype == dtype
        and z.shape == shape
        and a.shape == shape
    )


def _adding(target: np.ndarray | Callable[[], np.ndarray], term: np.ndarray) -> Operation:
    """``target += term``, in place; ``target`` may be a function giving the array at run time."""
    if not callable(target):
        return partial(np.add, target, term, target)

    def add() -> None:
        array = target()
        np.add(array, term, array)

    return add


def _late(
    function: Callable[..., object], target: np.ndarray | Callable[[], np.ndarray], *args: object
) -> Operation:
    """``function(target, *args)``; ``target`` may be a function giving the array at run time."""
    if not callable(target):
        return partial(function, target, *args)
    return lambda: function(target(), *args)


def _transpose(factor: np.ndarray | Callable[[], np.ndarray]) -> np.ndarray | Callable[[], np.ndarray]:
    if callable(factor):
        return lambda: factor().T
    return factor.T


class BufferPassValues(PassValues):
    """The last pass over one set of buffers, as read-only views (deltas scaled to per-sample values)."""

    def __init__(self, network: Network, buffers: _Buffers, order: list[Layer]) -> None:
        super().__init__(network, buffers.A[-1].shape[0])
        self.buffers = buffers
        self.position = {layer: i for i, layer in enumerate(order)}
        self._output = buffers.output_position
        #: whether the last pass was a backward pass, so that deltas exist
        self.with_deltas = False
        #: read-only views of the buffers, by kind and position, each made when first read
        self._views: dict[tuple[str, int], np.ndarray] = {}

    @property
    def logits(self) -> np.ndarray:
        """The output layer's weighted inputs ``z``."""
        return self._view("z", self._output)

    @property
    def outputs(self) -> np.ndarray:
        """The output layer's activations."""
        return self._view("a", self._output)

    def _view(self, kind: str, position: int) -> np.ndarray:
        view = self._views.get((kind, position))
        if view is None:
            arrays = self.buffers.Z if kind == "z" else self.buffers.A
            view = self._views[kind, position] = read_only(arrays[position])
        return view

    def _values(self, kind: str, layer: Layer) -> np.ndarray | None:
        position = self.position.get(layer)
        if position is None:  # added after this pass
            return None
        if position == 0:  # the input layer: the batch itself
            return None if kind in ("delta", "mask") else read_only(self.buffers.A[0])
        if kind == "mask":
            return read_only(self.buffers.M[position]) if position in self.buffers.masked else None
        if kind != "delta":
            return self._view(kind, position)
        if not self.with_deltas:
            return None
        # the buffers hold d(mean loss)/dz = delta / n
        deltas = self.buffers.D[position] * self.n_samples
        deltas.flags.writeable = False  # a copy: nothing to protect but the promise
        return deltas


class CompiledNetwork:
    """A ``Network`` flattened into matrices for fast, vectorized passes.

    Make one with ``Network.compile``. It shares the network's weight
    and bias arrays: training with it changes every ``Synapse``'s weight, and
    setting ``synapse.weight`` is seen by its next pass. It implements the
    ``Engine`` interface of ``neurosim.engines.base``.

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
        self._order: list[Layer] = []
        #: buffers of the passes that count (``forward``, ``train_batch``, ``evaluate``), by batch size
        self._buffers: OrderedDict[int, _Buffers] = OrderedDict()
        #: buffers of ``activations`` passes, which leave the last pass alone
        self._side_buffers: OrderedDict[int, _Buffers] = OrderedDict()
        self._output = -1
        self._output_plan: _LayerPlan | None = None
        self._output_kernels: dict[Loss, tuple[OutputKernel, bool]] = {}
        #: the buffers of the last pass that counts (kept across recompiling, with their own layer order)
        self._last_pass: _Buffers | None = None
        #: the buffers last asked for, by batch size, so that a run of equal batches finds them at once
        self._cached_n = -1
        self._cached_buffers: _Buffers | None = None
        self._ensure_current()

    # ------------------------------------------------------------------ compiling

    @property
    def dtype(self) -> np.dtype:
        """The floating-point type of the weights and of every computation."""
        return self.network.dtype

    def _ensure_current(self) -> None:
        """Compile (again) if the network's structure changed since the last compile."""
        network = self.network
        if self._version == network.parameter_store.version:
            return
        network.check_graph()
        order = network.layer_order()
        position = {layer: i for i, layer in enumerate(order)}
        plans = {
            layer: _LayerPlan(layer, position[layer], layer is network.output_layer) for layer in order[1:]
        }
        store = network.parameter_store
        for block in network.blocks:
            augmented = store.augmented(block)
            plans[block.target].add_incoming(_Inflow(block, position[block.source], augmented))
            if block.source in plans:
                plans[block.source].outgoing.append((block, position[block.target]))
        self._plans = [plans[layer] for layer in order[1:]]
        self._order = order
        self._output = position[network.output_layer]
        self._output_plan = plans[network.output_layer]
        self._output_kernels.clear()
        self._buffers.clear()
        self._side_buffers.clear()
        self._cached_n = -1
        self._version = network.parameter_store.version

    def _buffers_for(self, n: int) -> _Buffers:
        if n == self._cached_n:
            return self._cached_buffers
        buffers = self._pooled(self._buffers, n)
        self._cached_n, self._cached_buffers = n, buffers
        return buffers

    def _pooled(self, pool: OrderedDict[int, _Buffers], n: int) -> _Buffers:
        buffers = pool.get(n)
        if buffers is None:
            buffers = pool[n] = _Buffers(self._plans, self._order, n, self.dtype, self.network)
            if len(pool) > _BUFFER_SETS:
                pool.popitem(last=False)
        else:
            pool.move_to_end(n)
        return buffers

    # ------------------------------------------------------------------ checked passes

    def forward(self, x: object) -> np.ndarray:
        """The outputs for one sample (1-D) or a batch ``(n_samples, n_inputs)``.

        Like ``Network.forward``, every neuron's ``z`` and ``a`` then hold
        this pass's values.

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([2, 1], activation="identity", init="constant", seed=0)
        >>> net.synapse("input[0]", "output[0]").weight = 2.0
        >>> net.compile().forward([1.5, 7.0])
        array([3.])
        """
        self._ensure_current()
        X, single = as_input_batch(x, self.network.input_layer.size, name="x", allow_single=True)
        check_in_range(X, "x", self.dtype)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            buffers = self._run_forward(self._buffers_for(X.shape[0]), self.prepare(X))
        self._last_pass = buffers
        self.publish()
        outputs = buffers.A[self._output].copy()
        return outputs[0] if single else outputs

    def predict(self, X: object) -> np.ndarray:
        """The outputs for a batch ``X`` of shape ``(n_samples, n_inputs)``, like ``Network.predict``.

        The neurons and the last pass are left as they were.
        """
        self._ensure_current()
        X, _ = as_input_batch(X, self.network.input_layer.size)
        check_in_range(X, "X", self.dtype)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            buffers = self._run_forward(self._pooled(self._side_buffers, X.shape[0]), self.prepare(X))
        outputs = buffers.A[self._output].copy()
        if not np.isfinite(outputs).all():  # as Network.predict: numbers or an error, never NaN
            raise DataError(nonfinite_outputs_message(self.network, outputs))
        return outputs

    def backward(self, X: object, Y: object, loss: str | Loss = "mse") -> float:
        """Forward and backward pass over a batch; return the mean loss.

        Same semantics as ``Network.backward``: every ``synapse.grad``
        and ``neuron.bias_grad`` is set to the gradient of the mean loss, and
        every neuron's ``z``, ``a`` and ``delta`` to this pass's values.

        Examples
        --------
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
        X, T = self.prepare(X), self.prepare(T)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            self.train_batch(X, T, loss_fn)
            values = self.last_pass()
            value = loss_fn.value(values.logits, values.outputs, T)
        self.publish()
        return value

    def matrix(self, source: str, target: str) -> tuple[np.ndarray, list[str], list[str]]:
        """The weights from layer ``source`` to layer ``target``, with the neurons' names.

        Returns ``(W, rows, cols)``: ``W[i, j]`` is the weight from
        ``cols[j]`` to ``rows[i]`` (rows are target neurons, like
        ``torch.nn.Linear.weight``), and 0 where there is no synapse. ``W`` is
        a read-only view of the live weights: it shows every later change by
        training or ``synapse.weight`` (until a change of dtype, which puts
        the weights in new arrays; ask again then).
        """
        self._ensure_current()
        network = self.network
        source_layer, target_layer = network[source], network[target]
        if not isinstance(source_layer, Layer) or not isinstance(target_layer, Layer):
            raise UnknownNameError(f"matrix() takes two layer names; got {source!r} and {target!r}")
        block = network.parameter_store.block(source_layer, target_layer)
        if block is None:
            pairs = ", ".join(f"{b.source.name!r} -> {b.target.name!r}" for b in network.blocks)
            raise UnknownNameError(
                f"layers {source!r} and {target!r} are not connected (in that direction); "
                f"the connected pairs are {pairs or 'none'}"
            )
        return read_only(block.weight), [n.name for n in target_layer], [n.name for n in source_layer]

    def __repr__(self) -> str:
        return (
            f"CompiledNetwork({self.network!r}, dtype={self.dtype.name}, blocks={len(self.network.blocks)})"
        )

    # ------------------------------------------------------------------ the engine interface

    def prepare(self, values: np.ndarray) -> np.ndarray:
        """``values`` in the network's dtype, as the compiled engine computes with them."""
        return values.astype(self.dtype, copy=False)

    #: ``train_batch`` writes the output values into ``record``
    records_outputs = True

    def takes_inputs_with_ones(self, batch_size: int) -> bool:
        """Whether batches of ``batch_size`` samples are worth giving to ``train_batch`` as ``X_ones``.

        They are when the first layer adds its biases in its product with
        the inputs next to a column of ones (``INPUT_COPY_LIMIT``); larger
        batches are added their biases apart, and need no such copy.
        """
        self._ensure_current()
        if not _copies_input(batch_size, self.network.input_layer.size):
            return False
        return any(plan.folded and plan.incoming[-1].source == 0 for plan in self._plans)

    def train_batch(
        self,
        X: np.ndarray,
        T: np.ndarray,
        loss: Loss,
        dropout: dict[Layer, np.ndarray] | None = None,
        *,
        X_ones: np.ndarray | None = None,
        record: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> bool:
        """Forward and backward pass on a validated batch; return whether its loss is finite.

        ``X`` and ``T`` must be ``(n, n_inputs)`` and ``(n, n_outputs)``
        arrays of ``dtype`` (see ``Network.prepare_batch`` and ``prepare``).
        ``dropout``, the masks of ``DropoutMasks.draw`` (for hidden layers
        only), drops neurons as training does; ``None`` drops none.
        This is the inner loop of training: it checks nothing, and it
        expects the caller to silence floating-point warnings
        (``np.errstate``) around the whole loop. It does not compute the
        loss itself, only a number that is finite exactly when the loss is.

        ``X_ones``, ``X`` next to a column of ones (``(n, n_inputs + 1)``,
        ``X`` being the same numbers), saves copying the batch there when
        the first layer adds its biases in its product. ``record``, two
        ``(n, n_outputs)`` arrays, gets the output layer's ``z`` and ``a``, as
        ``last_pass()`` would give them: two separate arrays. When they are
        C-ordered, writeable arrays of ``dtype`` and nothing in the backward
        pass reads those values again, the pass computes them there rather
        than in its own buffers, and ``last_pass()`` and ``publish()`` read
        them back from there: keep them as they are until the next pass.
        """
        if self._version != self.network.parameter_store.version:
            self._ensure_current()
        n = X.shape[0]
        buffers = self._cached_buffers if n == self._cached_n else self._buffers_for(n)
        buffers.Z[0] = buffers.A[0] = X
        buffers.ones_input = X_ones
        values = buffers.values
        values.with_deltas = False
        if dropout is None:
            buffers.masked = ()
            passes = buffers.training.get(loss) or self._training_passes(buffers, loss, ())
        else:
            passes = self._training_passes(buffers, loss, buffers.load_masks(dropout))
        forward, kernel, backward, writes_anywhere = passes
        out = buffers.output_position
        # the pass computes the output values straight into a record it can; settle copies them back
        into_record = record is not None and writes_anywhere and _can_hold(record, buffers.Z[out])
        Z, A = record if into_record else (buffers.Z[out], buffers.A[out])
        buffers.recorded = None
        buffers.output_z = Z
        for operation in forward:
            operation()
        check = kernel(Z, A, T, buffers.D[out], buffers.output, 1.0 / n)
        if into_record:
            buffers.recorded = record
        elif record is not None:
            np.copyto(record[0], Z)
            np.copyto(record[1], A)
        if not math.isfinite(check):
            # a sum of logits can overflow while every logit, and the loss, is finite
            check = loss.value(Z, A, T)
        for operation in backward:
            operation()
        values.with_deltas = True
        self._last_pass = buffers
        return math.isfinite(check)

    def _training_passes(
        self, buffers: _Buffers, loss: Loss, dropping: tuple[int, ...]
    ) -> tuple[list[Operation], OutputKernel, list[Operation], bool]:
        """The forward pass, output kernel and backward pass of training with ``loss`` over ``buffers``.

        The last value says whether the output layer's ``z`` and ``a`` may
        be written anywhere (into a record): nothing after the kernel reads
        them, as the delta is ``dL/dz`` and the output layer feeds no other.
        Those without dropout are kept in ``buffers.training``, by loss.
        """
        kernels = self._output_kernels.get(loss)
        if kernels is None:
            kernels = self._output_kernels[loss] = output_kernel(loss, self._output_plan.layer.activation)
        kernel, loss_gives_dA = kernels
        passes = (
            buffers.forward_program(self._plans, dropping, training=True),
            kernel,
            buffers.backward_program(self._plans, loss_gives_dA, dropping),
            not loss_gives_dA and not self._output_plan.outgoing,
        )
        if not dropping:
            buffers.training[loss] = passes
        return passes

    def last_pass(self) -> PassValues:
        """The last ``train_batch``, ``backward``, ``evaluate`` or ``forward`` pass, as read-only views.

        Layers added since that pass are not in it.
        """
        if self._last_pass is None:
            return no_pass(self.network)
        self._last_pass.settle()
        return self._last_pass.values

    def evaluate(self, X: np.ndarray, T: np.ndarray, loss: Loss) -> tuple[float, np.ndarray]:
        """Mean loss and outputs on a validated batch; gradients are left as they were."""
        self._ensure_current()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            buffers = self._run_forward(self._buffers_for(X.shape[0]), X)
            self._last_pass = buffers
            out = self._output
            return loss.value(buffers.Z[out], buffers.A[out], T), buffers.A[out].copy()

    def activations(self, X: np.ndarray) -> PassValues:
        """Every layer's ``z`` and ``a`` on a validated batch, copied; the neurons and the last pass stay."""
        self._ensure_current()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            buffers = self._run_forward(self._pooled(self._side_buffers, X.shape[0]), X)
        stored = {
            "z": {layer: buffers.Z[i].copy() for i, layer in enumerate(self._order)},
            "a": {layer: buffers.A[i].copy() for i, layer in enumerate(self._order)},
            "delta": {},
        }
        return StoredPassValues(self.network, stored)

    def deferring(self) -> contextlib.AbstractContextManager[None]:
        """Nothing to defer: the neurons get this engine's values only from ``publish``."""
        return contextlib.nullcontext()

    def publish(self) -> None:
        """Copy the last pass's ``z``, ``a`` (and ``delta``) into the neurons, as the object engine would."""
        if self._last_pass is None:
            return
        buffers = self._last_pass
        buffers.settle()
        n = buffers.A[0].shape[0]
        with_deltas = buffers.values.with_deltas
        # the layers of that pass, in its own order (a layer added since keeps its neurons' values)
        for layer, position in buffers.values.position.items():
            # one float64 copy per layer and kind, a row per neuron: each neuron holds a view of its row
            z, a = _neuron_rows(buffers.Z[position]), _neuron_rows(buffers.A[position])
            deltas = _neuron_rows(buffers.D[position], n) if with_deltas and not layer.is_input else None
            masks = _neuron_rows(buffers.M[position]) if position in buffers.masked else None
            for neuron in layer:
                i = neuron.index
                neuron.z_raw, neuron.a_raw = z[i], a[i]
                neuron.delta_raw = None if deltas is None else deltas[i]
                neuron.mask_raw = None if masks is None else masks[i]

    def _run_forward(self, buffers: _Buffers, X: np.ndarray) -> _Buffers:
        buffers.Z[0] = buffers.A[0] = X
        buffers.ones_input = None
        buffers.recorded = None
        for operation in buffers.forward:
            operation()
        buffers.values.with_deltas = False
        buffers.masked = ()
        return buffers
