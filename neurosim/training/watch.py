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

from neurosim.core import Layer
from neurosim.errors import StructureError
from neurosim.training.callbacks import Batch, Callback, Run

if TYPE_CHECKING:
    from neurosim.core import CallbackHandle, Network, Synapse


class Watch(Callback):
    """The recorded history of some synapses' weights and gradients during training.

    ``Network.watch`` makes one and attaches it to the network as a training
    callback, so that every later ``fit`` records into it.

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
        #: the handle that attaches this watch to its network (set by ``Network.watch``)
        self.handle: CallbackHandle | None = None
        # one (weights, grads, epochs) part per fit call, joined when read
        self._parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._recording: _Recording | None = None
        self._members: list[Watch] = []
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

    def add_records(self, weights: np.ndarray, grads: np.ndarray, epochs: np.ndarray) -> None:
        """Keep one run's records: ``(n_records, n_synapses)`` weights and gradients, and their epochs.

        The watch that recorded the run calls this (itself, or the first
        watch of the network, which records for all of them).
        """
        self._parts.append((weights, grads, epochs))

    def __len__(self) -> int:
        return sum(len(epochs) for _, _, epochs in self._parts)

    def stop(self) -> None:
        """Stop recording; what was recorded stays readable."""
        self.active = False
        if self.handle is not None:
            self.handle.remove()

    def __repr__(self) -> str:
        state = "recording" if self.active else "stopped"
        return f"Watch({len(self.names)} synapses, {len(self)} records, {state})"

    # ------------------------------------------------------------------ the callback

    def on_fit_begin(self, run: Run) -> None:
        """Check the synapses are still there, make room for the whole run, and record the start.

        The first watch attached to the network records for every watch
        attached to it, all in one gather per update; the others then do
        nothing until it hands them their part at the end.
        """
        attached = run.network.watches
        if attached and attached[0] is not self and any(watch is self for watch in attached):
            return
        members = attached if attached and attached[0] is self else [self]
        for synapse in (synapse for watch in members for synapse in watch.synapses):
            if not synapse.connected:
                raise StructureError(
                    f"watched synapse {synapse.name!r} was disconnected; stop that watch with "
                    "watch.stop() or watch the network's synapses again"
                )
        synapses = [synapse for watch in members for synapse in watch.synapses]
        self._recording = _Recording(self.network, synapses, run.updates)
        self._members = members

    def on_batch_end(self, run: Run, batch: Batch) -> None:
        """Record the weights after the update, and the gradients it used."""
        if self._recording is not None:
            self._recording.append(batch.epoch)

    def on_fit_end(self, run: Run) -> None:
        """Give each watch recorded with this one its part of what this run recorded."""
        if self._recording is None:
            return
        weights, grads, epochs = self._recording.rows()
        start = 0
        for watch in self._members:
            stop = start + len(watch.synapses)
            # views, not copies: the watches share this run's arrays
            watch.add_records(weights[:, start:stop], grads[:, start:stop], epochs)
            start = stop
        self._recording, self._members = None, []


class _Recording:
    """The records of one ``fit`` call, in arrays sized for the whole run.

    The watched entries are gathered with as few operations as the arrays
    they live in: when the parameters are packed in one flat vector (as
    after ``from_shape`` or loading), one slice copy (or one ``np.take``)
    for the weights and one for the gradients per update.
    """

    def __init__(self, network: Network, synapses: list[Synapse], updates: int) -> None:
        self._network, self._synapses = network, synapses
        self._store = network.parameter_store
        self._version = self._store.version
        self._gathers = _gathers(network, synapses)
        # sized for the whole fit (the starting row, then one row per update), so nothing grows
        # while training, and large enough arrays get the kernel's big pages
        self._weights = np.empty((updates + 1, len(synapses)))
        self._grads = np.empty((updates + 1, len(synapses)))
        self._epochs = np.empty(updates + 1, dtype=int)
        self._count = 0
        self.append(0, with_grads=False)

    def append(self, epoch: int, *, with_grads: bool = True) -> None:
        """Append the watched weights (and gradients) as they are now."""
        if self._store.version != self._version:  # the arrays were replaced: find them again
            self._gathers = _gathers(self._network, self._synapses)
            self._version = self._store.version
        count = self._count
        for values, gradients, source, places in self._gathers:
            if isinstance(source, slice):
                # values and gradients are views of the live arrays, made once for the run
                self._weights[count, places] = values
                if with_grads:
                    self._grads[count, places] = gradients
                continue
            # mode="clip" lets take write straight into the row; the indices are all valid
            values.take(source, out=self._weights[count, places], mode="clip")
            if with_grads:
                gradients.take(source, out=self._grads[count, places], mode="clip")
        if not with_grads:
            self._grads[count].fill(np.nan)
        self._epochs[count] = epoch
        self._count = count + 1

    def rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows recorded: views of the run's arrays, not copies."""
        count = self._count
        return self._weights[:count], self._grads[:count], self._epochs[:count]


Gather = tuple[np.ndarray, np.ndarray, "np.ndarray | slice", slice]


def _gathers(network: Network, synapses: list[Synapse]) -> list[Gather]:
    """``(values, gradients, positions, places in a record)``: what each gather reads.

    One gather per run of consecutive synapses that live in the same flat
    arrays. Where their positions follow one another, ``values`` and
    ``gradients`` are views of just those entries (and ``positions`` the
    slice they cover); otherwise they are the flat arrays and
    ``positions`` the indices to take.
    """
    store = network.parameter_store
    located = []
    for synapse in synapses:
        values, grads, position = store.locate(f"{synapse.block.name}.weight", synapse.position)
        located.append((values, grads, position))
    gathers: list[Gather] = []
    start = 0
    while start < len(located):
        values, grads, _ = located[start]
        stop = start
        while stop < len(located) and _owner(located[stop][0]) is _owner(values):
            stop += 1
        positions = np.array([position for _, _, position in located[start:stop]])
        first = int(positions[0])
        if np.array_equal(positions, np.arange(first, first + len(positions))):
            run = slice(first, first + len(positions))
            gathers.append((values[run], grads[run], run, slice(start, stop)))
        else:
            gathers.append((values, grads, positions, slice(start, stop)))
        start = stop
    return gathers


def _owner(values: np.ndarray) -> np.ndarray:
    """The array that owns the memory ``values`` views (``values`` itself if it owns it)."""
    return values if values.base is None else values.base


def watched_synapses(network: Network, source: object, target: object | None) -> list[Synapse]:
    """The synapses that ``Network.watch(source, target)`` names."""
    first = network[source]
    if target is None:
        neurons = list(first) if isinstance(first, Layer) else [first]
        synapses = [s for neuron in neurons for s in neuron.incoming]
        what = f"{'layer' if isinstance(first, Layer) else 'neuron'} {first.name!r}"
    else:
        second = network[target]
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
