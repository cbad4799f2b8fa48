"""Recording chosen weights and their gradients at every training step.

``net.watch(...)`` returns a :class:`Watch`; every later :meth:`Network.fit`
(with either engine) appends, after each update, the watched weights and the
gradients that update used. ``ns.plot.watched`` draws the trajectories.

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
        Row 0 is the weights when recording started (the first ``fit`` after
        :meth:`Network.watch`), each later row the weights after one update.
    grads : ndarray of shape (n_records, n_synapses)
        The gradient each update used (row 0, before any update, is NaN).
    epochs : ndarray of shape (n_records,)
        The epoch (counting from 1 within its ``fit`` call) of each record; 0
        for a starting row.
    """

    def __init__(self, network: Network, synapses: list[Synapse]) -> None:
        self.network = network
        self.synapses = synapses
        self.names = [synapse.name for synapse in synapses]
        self._rows = np.zeros((16, 2, len(synapses)))
        self._epochs = np.zeros(16, dtype=int)
        self._count = 0
        self._gathers: list[tuple[object, np.ndarray, np.ndarray, np.ndarray]] = []
        self.active = True

    # ------------------------------------------------------------------ reading

    @property
    def weights(self) -> np.ndarray:
        """The recorded weights, one row per record (a copy)."""
        return self._rows[: self._count, 0].copy()

    @property
    def grads(self) -> np.ndarray:
        """The recorded gradients, one row per record (a copy; NaN on starting rows)."""
        return self._rows[: self._count, 1].copy()

    @property
    def epochs(self) -> np.ndarray:
        """The epoch of each record (0 for a starting row)."""
        return self._epochs[: self._count].copy()

    def __len__(self) -> int:
        return self._count

    def stop(self) -> None:
        """Stop recording; what was recorded stays readable."""
        self.active = False
        if self in self.network._watches:
            self.network._watches.remove(self)

    def __repr__(self) -> str:
        state = "recording" if self.active else "stopped"
        return f"Watch({len(self.names)} synapses, {self._count} records, {state})"

    # ---------------------------------------------------------------- recording

    def start(self) -> None:
        """Check the watched synapses still exist, locate them, and record the starting row."""
        graph = self.network.graph
        for synapse in self.synapses:
            if graph.succ[synapse.source].get(synapse.target, {}).get("synapse") is not synapse:
                raise StructureError(
                    f"watched synapse {synapse.name!r} was disconnected; stop that watch with "
                    "watch.stop() or watch the network's synapses again"
                )
        # one gather per weight block: the watched entries' (row, column) and their places in a record
        by_block: dict[int, tuple[object, list[int], list[int], list[int]]] = {}
        for place, synapse in enumerate(self.synapses):
            entry = by_block.setdefault(id(synapse._block), (synapse._block, [], [], []))
            entry[1].append(synapse._row)
            entry[2].append(synapse._col)
            entry[3].append(place)
        self._gathers = [
            (block, np.array(rows), np.array(cols), np.array(places))
            for block, rows, cols, places in by_block.values()
        ]
        self._append(epoch=0, with_grads=False)

    def record(self, epoch: int) -> None:
        """Append the watched weights and gradients as they are now."""
        self._append(epoch, with_grads=True)

    def _append(self, epoch: int, *, with_grads: bool) -> None:
        if self._count == len(self._rows):
            self._rows = np.concatenate([self._rows, np.zeros_like(self._rows)])
            self._epochs = np.concatenate([self._epochs, np.zeros_like(self._epochs)])
        row = self._rows[self._count]
        for block, rows, cols, places in self._gathers:
            row[0, places] = block.weight[rows, cols]
            row[1, places] = block.grad[rows, cols] if with_grads else np.nan
        self._epochs[self._count] = epoch
        self._count += 1


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
