"""Recording chosen weights and their gradients at every training step.

``net.watch(...)`` returns a ``Watch``; every later ``Network.fit``
(with either engine) appends, after each update, the watched weights and the
gradients that update used. ``ns.plot.watched`` draws the trajectories.

Examples
--------
>>> import neurosim as ns
>>> X, y = ns.datasets.xor()
>>> net = ns.Network.from_shape([2, 3, 1], seed=0)
>>> watch = net.watch("input[0]", "hidden1[2]")
>>> _ = net.fit(X, y, epochs=5, lr=1.0, loss="bce", verbose=0)
>>> watch.names, watch.weights.shape, watch.grads.shape    # the start, then 5 updates
(['input[0] -> hidden1[2]'], (6, 1), (6, 1))
>>> float(watch.weights[-1, 0]) == net.synapse("input[0]", "hidden1[2]").weight
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from neurosim.errors import StructureError

if TYPE_CHECKING:
    from neurosim.core.network import Network
    from neurosim.core.synapse import Synapse


class Watch:
    """The recorded history of some synapses' weights and gradients during training.

    Attributes
    ----------
    names : list of str
        The watched synapses, ``"source -> target"``.
    weights : ndarray of shape (n_records, n_synapses)
        Each ``fit`` adds a starting row (the weights before its first
        update), then a row of weights after each update.
    grads : ndarray of shape (n_records, n_synapses)
        The gradient each update used (NaN on starting rows).
    epochs : ndarray of shape (n_records,)
        The epoch (counting from 1 within its ``fit`` call) of each record; 0
        for a starting row.
    """

    def __init__(self, network: Network, synapses: list[Synapse]) -> None:
        self.network = network
        self.synapses = synapses
        self.names = [synapse.name for synapse in synapses]
        # one (weights, grads, epochs) part per fit call, joined when read
        self._parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.active = True

    def _joined(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self._parts:
            empty = np.zeros((0, len(self.synapses)))
            return empty, empty.copy(), np.zeros(0, dtype=int)
        if len(self._parts) > 1:
            self._parts = [tuple(np.concatenate(column) for column in zip(*self._parts, strict=True))]
        return self._parts[0]

    @property
    def weights(self) -> np.ndarray:
        """The recorded weights, one row per record."""
        return self._joined()[0]

    @property
    def grads(self) -> np.ndarray:
        """The recorded gradients, one row per record (NaN on starting rows)."""
        return self._joined()[1]

    @property
    def epochs(self) -> np.ndarray:
        """The epoch of each record (0 for a starting row)."""
        return self._joined()[2]

    def __len__(self) -> int:
        return sum(len(epochs) for _, _, epochs in self._parts)

    def stop(self) -> None:
        """Stop recording; what was recorded stays readable."""
        self.active = False
        if self in self.network._watches:
            self.network._watches.remove(self)

    def __repr__(self) -> str:
        state = "recording" if self.active else "stopped"
        return f"Watch({len(self.names)} synapses, {len(self)} records, {state})"

    def _check_connected(self) -> None:
        graph = self.network.graph
        for synapse in self.synapses:
            if graph.succ[synapse.source].get(synapse.target, {}).get("synapse") is not synapse:
                raise StructureError(
                    f"watched synapse {synapse.name!r} was disconnected; stop that watch with "
                    "watch.stop() or watch the network's synapses again"
                )

    def _extend(self, weights: np.ndarray, grads: np.ndarray, epochs: np.ndarray) -> None:
        self._parts.append((weights, grads, epochs))


class Recorder:
    """Records every watch of a network at each update of one ``fit`` call.

    All watched entries are gathered with as few ``np.take`` calls as the
    arrays they live in: two per update (weights and gradients) when the
    parameters are packed in one flat vector, as after ``from_shape`` or
    loading. ``finish`` hands each watch its columns.
    """

    def __init__(self, watches: list[Watch], updates: int) -> None:
        for watch in watches:
            watch._check_connected()
        self.watches = watches
        synapses = [synapse for watch in watches for synapse in watch.synapses]
        self._gathers = _gathers(watches[0].network, synapses)
        # sized for the whole fit (the starting row, then one row per update), so nothing grows
        # while training, and large enough arrays get the kernel's big pages
        self._weights = np.empty((updates + 1, len(synapses)))
        self._grads = np.empty((updates + 1, len(synapses)))
        self._epochs = np.empty(updates + 1, dtype=int)
        self._count = 0
        self._append(0, with_grads=False)

    def record(self, epoch: int) -> None:
        """Append the watched weights and gradients as they are now (after an update)."""
        self._append(epoch, with_grads=True)

    def _append(self, epoch: int, *, with_grads: bool) -> None:
        count = self._count
        weights, grads = self._weights[count], self._grads[count]
        for values, gradients, indices, places in self._gathers:
            # mode="clip" lets take write straight into the row; the indices are all valid
            values.take(indices, out=weights[places], mode="clip")
            if with_grads:
                gradients.take(indices, out=grads[places], mode="clip")
        if not with_grads:
            grads.fill(np.nan)
        self._epochs[count] = epoch
        self._count = count + 1

    def finish(self) -> None:
        """Give each watch its part of what was recorded."""
        start, count = 0, self._count
        for watch in self.watches:
            stop = start + len(watch.synapses)
            # views, not copies: the watches share this fit's arrays
            watch._extend(
                self._weights[:count, start:stop], self._grads[:count, start:stop], self._epochs[:count]
            )
            start = stop


def _gathers(
    network: Network, synapses: list[Synapse]
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, slice]]:
    """``(values, gradients, flat indices, places in a record)``: what each ``np.take`` reads."""
    packed = network._packed
    if packed is not None and all(synapse._block.weight.base is packed[0] for synapse in synapses):
        values, grads = packed
        indices = [_flat_offset(synapse._block.weight, values) + _entry(synapse) for synapse in synapses]
        return [(values, grads, np.array(indices), slice(0, len(synapses)))]
    # otherwise one gather per weight block, over each run of synapses of the same block
    gathers = []
    start = 0
    while start < len(synapses):
        block = synapses[start]._block
        stop = start
        while stop < len(synapses) and synapses[stop]._block is block:
            stop += 1
        indices = np.array([_entry(synapse) for synapse in synapses[start:stop]])
        gathers.append((block.weight.reshape(-1), block.grad.reshape(-1), indices, slice(start, stop)))
        start = stop
    return gathers


def _entry(synapse: Synapse) -> int:
    """The synapse's position in its block's weight matrix, read row by row."""
    return synapse._row * synapse._block.weight.shape[1] + synapse._col


def _flat_offset(view: np.ndarray, flat: np.ndarray) -> int:
    return (view.ctypes.data - flat.ctypes.data) // flat.itemsize


def watched_synapses(network: Network, source: str, target: str | None) -> list[Synapse]:
    """The synapses that ``Network.watch(source, target)`` names."""
    from neurosim.core.layer import Layer

    first = network._resolve(source)
    if target is None:
        neurons = list(first) if isinstance(first, Layer) else [first]
        synapses = [s for neuron in neurons for s in neuron.incoming]
        what = f"{'layer' if isinstance(first, Layer) else 'neuron'} {first.name!r}"
    else:
        second = network._resolve(target)
        if isinstance(first, Layer) != isinstance(second, Layer):
            raise StructureError(
                "watch two layers, two neurons, or one layer or neuron; "
                f"got {first.name!r} and {second.name!r}"
            )
        if isinstance(first, Layer):
            synapses = [s for neuron in second for s in neuron.incoming if s.source.layer is first]
        else:
            synapses = [network.synapse(first, second)]
        what = f"{first.name!r} -> {second.name!r}"
    if not synapses:
        raise StructureError(f"there are no synapses to watch into {what}")
    return synapses
