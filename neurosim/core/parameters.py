"""The parameter store: every weight and bias array of a network, under stable names.

Names
-----
Each array has a name that stays the same for as long as the structure it
belongs to exists:

* ``"S->T.weight"``: the weights from layer ``S`` to layer ``T``, a matrix
  with one row per neuron of ``T`` and one column per neuron of ``S`` (like
  ``torch.nn.Linear.weight``), 0 where a synapse is absent;
* ``"L.bias"``: the biases of layer ``L``, one per neuron.

They are listed layer by layer in ``Network.layer_order``: for each layer,
the weights into it (by source layer, in that order), then its bias. One
weight or bias on its own is named after what it belongs to: a synapse
``"input[0] -> hidden1[2]"``, a bias ``"hidden1[2].bias"``.

Storage
-------
A ``WeightBlock`` holds the weights (and their gradients) between two
layers; a ``Layer`` holds its biases. ``ParameterStore.pack`` can move every
array into one flat vector of values and one of gradients, each array
becoming a view of its part, so that an optimizer updates everything with
one vector operation. In the flat vectors each weight matrix is stored
column by column (as its transpose, ``(source size, target size)``, row by
row), and each layer's biases right after the last block of weights into
it: together they are one ``(source size + 1, target size)`` matrix,
``[W.T; b]`` (``ParameterStore.augmented``), with which the compiled engine
computes a layer's weighted inputs and its biases in one matrix product.
``ParameterStore.version`` changes whenever an array is added, removed or
replaced (a change of structure, packing, a change of dtype): whoever
keeps arrays (an engine, an optimizer, a watch) checks it and looks them
up again when it changed.

Examples
--------
>>> import neurosim as ns
>>> net = ns.Network.from_shape([2, 3, 1], seed=0)
>>> for name, values in net.named_parameters():
...     print(name, values.shape)
input->hidden1.weight (3, 2)
hidden1.bias (3,)
hidden1->output.weight (1, 3)
output.bias (1,)
>>> entry = next(net.parameter_store.entries())
>>> entry.name, entry.array, entry.index
('input[0] -> hidden1[0]', 'input->hidden1.weight', (0, 0))
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from neurosim.errors import DataError, ParameterError, ShapeError, StateDictError, UnknownNameError

if TYPE_CHECKING:
    from neurosim.core.layer import Layer
    from neurosim.core.network import Network

#: the floating-point types parameters can be stored in
STORAGE_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


def storage_dtype(dtype: object) -> np.dtype:
    """``dtype`` as a numpy dtype, if it is float64 or float32; else ``ParameterError``.

    Examples
    --------
    >>> storage_dtype("float32")
    dtype('float32')
    >>> storage_dtype(int)
    Traceback (most recent call last):
    ...
    neurosim.errors.ParameterError: dtype must be 'float64' or 'float32'; got <class 'int'>
    """
    try:
        resolved = np.dtype(dtype)  # type: ignore[call-overload]
    except TypeError:
        resolved = None
    if resolved is None or resolved not in STORAGE_DTYPES:
        raise ParameterError(f"dtype must be 'float64' or 'float32'; got {dtype!r}")
    return resolved


def checked_values(
    value: object, current: np.ndarray, what: str, block: WeightBlock | None = None
) -> tuple[np.ndarray | None, str | None, type[Exception]]:
    """``value`` as an array that can be copied into ``current``, or why it cannot and the error to raise.

    It must be real numbers (not booleans, strings or complex numbers) of
    ``current``'s shape, finite and within ``current``'s dtype, and, for the
    weights of ``block``, 0 where a synapse is absent. Returns ``(array, None, ...)`` or
    ``(None, reason, error class)``; the reason starts with ``what``.

    Examples
    --------
    >>> import numpy as np
    >>> checked_values([1.0, 2.0], np.zeros(3), "hidden1.bias")[1:]
    ('hidden1.bias: expected shape (3,), got (2,)', <class 'neurosim.errors.ShapeError'>)
    """
    try:
        array = np.asarray(value)
    except (TypeError, ValueError, OverflowError):
        array = None
    if array is None or array.dtype.kind not in "fiu":
        kind = type(value).__name__ if array is None else f"{type(value).__name__} of {array.dtype}"
        return None, f"{what}: expected an array of real numbers, got {kind}", DataError
    array = array.astype(float)
    if array.shape != current.shape:
        return None, f"{what}: expected shape {current.shape}, got {array.shape}", ShapeError
    if not np.isfinite(array).all():
        return None, f"{what}: holds NaN or infinity", DataError
    if np.abs(array).max(initial=0.0) > np.finfo(current.dtype).max:
        return None, f"{what}: holds numbers too large for {current.dtype.name}", DataError
    if block is not None:
        absent = np.argwhere(~block.mask & (array != 0))
        if len(absent):
            row, col = (int(i) for i in absent[0])
            synapse = f"{block.source[col].name} -> {block.target[row].name}"
            problem = f"entry ({row}, {col}) is {array[row, col]:g}, but there is no synapse {synapse}"
            return None, f"{what}: {problem} (absent synapses must be 0)", DataError
    return array, None, DataError


def assign_in_place(current: np.ndarray, value: object, what: str, block: WeightBlock | None = None) -> None:
    """Copy ``value`` into ``current`` after ``checked_values``' checks; raise its error otherwise."""
    array, problem, error = checked_values(value, current, what, block)
    if problem is not None:
        raise error(problem)
    current[...] = array


class WeightBlock:
    """The weights from ``source`` layer to ``target`` layer, as matrices.

    ``weight[i, j]`` is the weight from ``source[j]`` to ``target[i]`` (rows are
    targets, like ``torch.nn.Linear.weight``), and ``grad`` its gradient from
    the last backward pass. ``mask[i, j]`` says whether that synapse exists;
    where it does not, ``weight`` and ``grad`` stay exactly 0. Synapse
    objects read and write these arrays, so they are the one copy of every
    weight; assigning ``block.weight = values`` copies the values into it
    (after checking them), so the engines keep computing with the same array.

    Examples
    --------
    >>> import neurosim as ns
    >>> block = ns.Network.from_shape([2, 3, 1], seed=0).blocks[0]
    >>> block, block.name, block.weight.shape
    (WeightBlock('input' -> 'hidden1', synapses=6), 'input->hidden1', (3, 2))
    """

    __slots__ = ("grad", "mask", "source", "target", "weight")

    def __init__(self, source: Layer, target: Layer, dtype: np.dtype) -> None:
        self.source = source
        self.target = target
        shape = (target.size, source.size)
        self.weight = np.zeros(shape, dtype)
        self.grad = np.zeros(shape, dtype)
        self.mask = np.zeros(shape, dtype=bool)

    def __setattr__(self, name: str, value: object) -> None:
        # assigning weights or gradients copies into the arrays the engines and synapses hold
        if name in ("weight", "grad") and hasattr(self, name):
            what = "weights" if name == "weight" else "weight gradients"
            assign_in_place(getattr(self, name), value, f"{what} {self.name}", self)
            return
        object.__setattr__(self, name, value)

    def replace_arrays(self, weight: np.ndarray, grad: np.ndarray) -> None:
        """Hold the weights and gradients in other arrays (the parameter store packs them this way).

        The network's parameter ``version`` changes, so that engines and
        optimizers look the arrays up again.
        """
        object.__setattr__(self, "weight", weight)
        object.__setattr__(self, "grad", grad)
        self.target.network.parameter_store.changed()

    @property
    def name(self) -> str:
        """``"source->target"``; its weights are named ``"source->target.weight"``."""
        return f"{self.source.name}->{self.target.name}"

    @property
    def n_synapses(self) -> int:
        """How many synapses exist in this block."""
        return int(self.mask.sum())

    def __repr__(self) -> str:
        return f"WeightBlock({self.source.name!r} -> {self.target.name!r}, synapses={self.n_synapses})"


@dataclass(frozen=True)
class ParameterEntry:
    """One weight or bias: its own name, the name of its array, and its index in that array."""

    #: ``"input[0] -> hidden1[2]"`` for a synapse's weight, ``"hidden1[2].bias"`` for a bias
    name: str
    #: the name of the array it lives in, as ``Network.named_parameters`` gives it
    array: str
    #: its index in that array: ``(row, column)`` of a weight, ``(neuron,)`` of a bias
    index: tuple[int, ...]


def _stored(flat: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A part of a flat vector as an array of ``shape``: a matrix column by column, a vector as it is."""
    if len(shape) == 2:
        return flat.reshape(shape[::-1]).T
    return flat.reshape(shape)


class LoadResult(NamedTuple):
    """What ``Network.load_state_dict`` left out: the names it was not given, and those it ignored."""

    missing: list[str]
    unexpected: list[str]


class ParameterStore:
    """Every weight and bias array of one network, under stable names; reached as ``net.parameter_store``.

    See the module's documentation for the names and the storage.
    """

    def __init__(self, network: Network) -> None:
        self.network = network
        self.dtype = np.dtype(np.float64)
        #: changes whenever any weight, bias or gradient array is added, removed or replaced
        self.version = 0
        self._blocks: dict[tuple[Layer, Layer], WeightBlock] = {}
        self._packed: tuple[np.ndarray, np.ndarray] | None = None
        self._offsets: dict[str, int] = {}
        self._sorted: tuple[int, list[WeightBlock]] = (-1, [])  # the blocks in order, at a version
        self._by_name: tuple[int, dict[str, tuple[np.ndarray, np.ndarray]]] = (-1, {})  # arrays by name

    # ------------------------------------------------------------------ blocks

    def block(self, source: Layer, target: Layer) -> WeightBlock | None:
        """The weight block from ``source`` to ``target``, or ``None`` if they are not connected."""
        return self._blocks.get((source, target))

    def add_block(self, source: Layer, target: Layer) -> WeightBlock:
        """A new, empty weight block from ``source`` to ``target`` (the network adds synapses to it)."""
        block = self._blocks[(source, target)] = WeightBlock(source, target, self.dtype)
        self.changed()
        return block

    def remove_block(self, block: WeightBlock) -> None:
        """Forget ``block`` (its last synapse was removed)."""
        del self._blocks[(block.source, block.target)]
        self.changed()

    def layer_pairs(self) -> list[tuple[Layer, Layer]]:
        """``(source, target)`` of every weight block, in the order the blocks were made."""
        return list(self._blocks)

    def blocks(self) -> list[WeightBlock]:
        """The weight blocks in ``Network.layer_order``: by target layer, then by source layer."""
        if self._sorted[0] != self.version:  # sorted again only after blocks were added or removed
            order = {layer: i for i, layer in enumerate(self.network.layer_order())}
            ordered = sorted(self._blocks.values(), key=lambda b: (order[b.target], order[b.source]))
            self._sorted = (self.version, ordered)
        return list(self._sorted[1])

    def changed(self) -> None:
        """Record that arrays were added, removed or replaced: ``version`` changes."""
        self.version += 1

    def __setstate__(self, state: dict[str, object]) -> None:
        """A copy (``copy.deepcopy``, ``pickle``) holds every array on its own, no longer packed.

        Copying makes each weight and bias array independent of the flat
        vectors ``pack`` made, so the copy forgets them, and its ``version``
        changes: an optimizer copied with the network then looks its arrays
        up again (and starts its state again) instead of updating a vector
        that no weight reads.
        """
        self.__dict__.update(state)
        self._packed = None
        self._offsets = {}
        self._by_name = (-1, {})
        self.version += 1

    # ------------------------------------------------------------------ naming

    def named_arrays(self) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
        """``(name, values, gradients)`` for every parameter array, in the documented order."""
        for name, _, values, grads in self._owned_arrays():
            yield name, values, grads

    def _owned_arrays(self) -> Iterator[tuple[str, WeightBlock | Layer, np.ndarray, np.ndarray]]:
        """``(name, owner, values, gradients)``: the owner is a weight block, or a layer for its biases."""
        by_target: dict[Layer, list[WeightBlock]] = {}
        for block in self.blocks():
            by_target.setdefault(block.target, []).append(block)
        for layer in self.network.layer_order():
            if layer.is_input:
                continue
            for block in by_target.get(layer, []):
                yield f"{block.name}.weight", block, block.weight, block.grad
            if layer.has_bias:
                yield f"{layer.name}.bias", layer, layer.bias, layer.bias_grad

    def entries(self) -> Iterator[ParameterEntry]:
        """Every weight and bias one by one: each synapse (in ``Network.synapses`` order), then each bias."""
        for synapse in self.network.synapses:
            yield ParameterEntry(synapse.name, f"{synapse.block.name}.weight", synapse.position)
        for layer in self.network.layers:
            if layer.has_bias:
                for neuron in layer:
                    yield ParameterEntry(f"{neuron.name}.bias", f"{layer.name}.bias", (neuron.index,))

    # ------------------------------------------------------------------ storage

    def pack(self) -> None:
        """Move every weight, bias and gradient array into one flat value and one flat gradient vector.

        Each array becomes a view of its part of the two vectors, with the
        same values, so that an optimizer updates them all with one vector
        operation. This replaces the arrays: anyone holding the old ones
        (``layer.bias`` taken earlier, a ``CompiledNetwork.matrix``) keeps
        a stale copy, so it is done where nobody can hold them yet: at the
        end of ``Network.from_shape`` and of loading, and on a change of
        dtype. Arrays made later (a new layer or layer pair) stay separate.
        """
        named = list(self._owned_arrays())
        total = sum(values.size for _, _, values, _ in named)
        flat_values, flat_grads = np.empty(total, self.dtype), np.empty(total, self.dtype)
        self._offsets = {}
        offset = 0
        for name, owner, values, grads in named:
            size = values.size
            new_values, new_grads = (
                _stored(flat[offset : offset + size], values.shape) for flat in (flat_values, flat_grads)
            )
            new_values[...], new_grads[...] = values, grads
            owner.replace_arrays(new_values, new_grads)
            self._offsets[name] = offset
            offset += size
        self._packed = (flat_values, flat_grads)
        self.changed()

    def set_dtype(self, dtype: str | np.dtype | type) -> None:
        """Store every array in ``dtype`` (float64 or float32) from now on, rounding once, and pack them."""
        dtype = storage_dtype(dtype)
        if dtype == self.dtype:
            return
        for _, owner, values, grads in list(self._owned_arrays()):
            owner.replace_arrays(values.astype(dtype), grads.astype(dtype))
        self.dtype = dtype
        self.pack()

    def update_groups(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``(values, gradients)`` array pairs that cover every parameter exactly once, for an optimizer.

        The two flat vectors of ``pack`` (when packed), then each array
        that does not live in them. Look them up again when ``version``
        changes.

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([2, 3, 1], seed=0)
        >>> [values.shape for values, _ in net.parameter_store.update_groups()]
        [(13,)]
        """
        separate = [
            (values, grads) for _, values, grads in self.named_arrays() if not self._is_packed(values)
        ]
        if self._packed is None:
            return separate
        return [self._packed, *separate]

    def locate(self, array: str, index: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, int]:
        """Where one weight or bias lives: ``(flat values, flat gradients, position)``.

        ``array`` and ``index`` are a ``ParameterEntry``'s. The two flat
        arrays are the packed vectors when the array lives in them, or else
        the array itself and its gradients, flattened in the order of their
        memory (views, not copies): ``values[position]`` is the parameter.
        """
        values, grads = self.arrays(array)
        order = "C" if values.flags.c_contiguous else "F"
        try:
            position = int(np.ravel_multi_index(index, values.shape, order=order))
        except (TypeError, ValueError):
            raise UnknownNameError(f"{array} has shape {values.shape}; it has no entry {index!r}") from None
        if self._is_packed(values):
            flat_values, flat_grads = self._packed
            return flat_values, flat_grads, self._offsets[array] + position
        return values.reshape(-1, order=order), grads.reshape(-1, order=order), position

    def augmented(self, block: WeightBlock) -> tuple[np.ndarray, np.ndarray] | None:
        """``[W.T; b]`` of ``block`` and its gradients, ``(source size + 1, target size)`` views, or ``None``.

        They exist when the block is the last one into a layer with biases,
        and both live in the packed vectors (see the module's
        documentation): its transposed weights are then followed by the
        layer's biases, so that ``[A, 1] @ [W.T; b]`` is ``A @ W.T + b``.

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([2, 3, 1], seed=0)
        >>> block = net.blocks[0]
        >>> values, grads = net.parameter_store.augmented(block)
        >>> values.shape
        (3, 3)
        >>> bool((values[:2] == block.weight.T).all()), bool((values[2] == net["hidden1"].bias).all())
        (True, True)
        """
        layer = block.target
        if not layer.has_bias or not self._is_packed(block.weight) or not self._is_packed(layer.bias):
            return None
        start = self._offsets.get(f"{block.name}.weight")
        if start is None or self._offsets.get(f"{layer.name}.bias") != start + block.weight.size:
            return None
        if not block.weight.T.flags.c_contiguous:
            return None
        shape = (block.source.size + 1, layer.size)
        stop = start + shape[0] * shape[1]
        flat_values, flat_grads = self._packed
        return flat_values[start:stop].reshape(shape), flat_grads[start:stop].reshape(shape)

    def arrays(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The values and gradients of the parameter array ``name``."""
        if self._by_name[0] != self.version:  # looked up again only after arrays were added or replaced
            self._by_name = (self.version, {n: (values, grads) for n, values, grads in self.named_arrays()})
        found = self._by_name[1].get(name)
        if found is None:
            raise UnknownNameError(f"there is no parameter array named {name!r}; {self._known()}")
        return found

    def _is_packed(self, values: np.ndarray) -> bool:
        return self._packed is not None and values.base is self._packed[0]

    def _known(self) -> str:
        names = [name for name, _, _ in self.named_arrays()]
        return f"the names are {', '.join(map(repr, names))}" if names else "the network has none"

    # ------------------------------------------------------------------ state

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter array, by name."""
        return {name: values.copy() for name, values, _ in self.named_arrays()}

    def load_state_dict(self, state: Mapping[str, object], *, strict: bool = True) -> LoadResult:
        """Copy the arrays of ``state`` into the parameters; see ``Network.load_state_dict``."""
        if not isinstance(state, Mapping):
            raise ParameterError(f"state must be a dict of arrays by name; got {type(state).__name__}")
        if not isinstance(strict, bool):
            raise ParameterError(f"strict must be True or False; got {strict!r}")
        expected = {
            name: (values, owner if isinstance(owner, WeightBlock) else None)
            for name, owner, values, _ in self._owned_arrays()
        }
        missing = [name for name in expected if name not in state]
        unexpected = [name if isinstance(name, str) else repr(name) for name in state if name not in expected]
        problems, accepted = [], {}
        for name, (values, block) in expected.items():
            if name not in state:
                continue
            candidate, problem, _ = checked_values(state[name], values, name, block)
            if problem is None:
                accepted[name] = candidate
            else:
                problems.append(problem)
        if problems or (strict and (missing or unexpected)):
            raise StateDictError.collected(missing, unexpected, problems, strict=strict)
        for name, candidate in accepted.items():
            expected[name][0][...] = candidate
        return LoadResult(missing, unexpected)
