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
        self._parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]] = []
        self._recording: _Recording | None = None
        self._members: list[Watch] = []
        self.active = True

    def _joined(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self._parts:
            empty = np.zeros((0, len(self.synapses)))
            return empty, empty.copy(), np.zeros(0, dtype=int)
        if len(self._parts) > 1 or self._parts[0][3] is not None:
            parts = [_in_order(*part) for part in self._parts]
            weights, grads, epochs = (np.concatenate(column) for column in zip(*parts, strict=True))
            self._parts = [(weights, grads, epochs, None)]
        return self._parts[0][:3]

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

    def add_records(
        self, weights: np.ndarray, grads: np.ndarray, epochs: np.ndarray, columns: np.ndarray | None = None
    ) -> None:
        """Keep one run's records: ``(n_records, n_synapses)`` weights and gradients, and their epochs.

        The watch that recorded the run calls this (itself, or the first
        watch of the network, which records for all of them). With
        ``columns``, the records of the watched synapses are those columns
        of ``weights`` and ``grads``, taken when first read.
        """
        self._parts.append((weights, grads, epochs, columns))

    def __len__(self) -> int:
        return sum(len(epochs) for _, _, epochs, _ in self._parts)

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
        start = 0
        for watch in self._members:
            stop = start + len(watch.synapses)
            # the watches share this run's arrays; each takes its columns when first read
            for weights, grads, epochs, columns in self._recording.pieces():
                watch.add_records(weights, grads, epochs, columns[start:stop])
            start = stop
        self._recording, self._members = None, []


class _Recording:
    """The records of one ``fit`` call, filled a piece at a time.

    Each update copies the watched entries as they lie in memory: when the
    parameters are packed in one flat vector (as after ``from_shape`` or
    loading), one slice of it for the weights and one for the gradients,
    from the first watched entry to the last (or a few slices, or one
    ``np.take``, when they lie far apart). Each piece of the recording says
    which of its columns holds which synapse, and the watches take their
    columns when first read. Pieces of about a megabyte cost no more to fill
    than their rows, where one array for a whole long run would stall on
    the memory it first touches.
    """

    def __init__(self, network: Network, synapses: list[Synapse], updates: int) -> None:
        self._network, self._synapses = network, synapses
        self._store = network.parameter_store
        self._updates = updates
        self._pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._layout()
        self.append(0, with_grads=False)

    def _layout(self) -> None:
        """Find the watched entries in the arrays as they are now, and start a piece for them."""
        self._gathers, self._columns, width = _gathers(self._network, self._synapses)
        self._version = self._store.version
        self._width = width
        self._piece_rows = max(64, min(self._updates + 1, PIECE_BYTES // (16 * max(width, 1))))
        self._row = self._piece_rows  # a new piece is made at the next append

    def append(self, epoch: int, *, with_grads: bool = True) -> None:
        """Append the watched weights (and gradients) as they are now."""
        if self._store.version != self._version:  # the arrays were replaced: find them again
            self._finish_piece()
            self._layout()
        if self._row == self._piece_rows:
            rows, width = self._piece_rows, self._width
            arrays = (np.empty((rows, width)), np.empty((rows, width)), np.empty(rows, dtype=int))
            self._pieces.append((*arrays, self._columns))
            self._row = 0
        weights, grads, epochs, _ = self._pieces[-1]
        row = self._row
        for values, gradients, source, places in self._gathers:
            if source is None:
                # values and gradients are views of the live arrays
                weights[row, places] = values
                if with_grads:
                    grads[row, places] = gradients
                continue
            # mode="clip" lets take write straight into the row; the indices are all valid
            values.take(source, out=weights[row, places], mode="clip")
            if with_grads:
                gradients.take(source, out=grads[row, places], mode="clip")
        if not with_grads:
            grads[row].fill(np.nan)
        epochs[row] = epoch
        self._row = row + 1

    def _finish_piece(self) -> None:
        if self._pieces:
            weights, grads, epochs, columns = self._pieces[-1]
            self._pieces[-1] = (weights[: self._row], grads[: self._row], epochs[: self._row], columns)

    def pieces(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """The rows recorded, piece by piece: ``(weights, grads, epochs, columns)``.

        ``columns[i]`` is the column of the ``i``-th watched synapse in that piece's rows.
        """
        self._finish_piece()
        return list(self._pieces)


#: about how many bytes of records each piece of a recording holds
PIECE_BYTES = 2**21
#: watched entries lying in more stretches of memory than this are taken in one go rather than sliced
MAX_SLICES = 8


Gather = tuple[np.ndarray, np.ndarray, "np.ndarray | None", slice]


def _gathers(network: Network, synapses: list[Synapse]) -> tuple[list[Gather], np.ndarray, int]:
    """What each update copies, where each synapse lands in a record, and a record's width.

    Each gather is ``(values, gradients, positions, columns of a record)``.
    The synapses that live in the same flat arrays are read together, in
    the order of memory. Where the stretch of memory from the first to the
    last of them is not much longer than their number, it is copied whole
    (``values`` and ``gradients`` are views of it, ``positions`` is
    ``None``); otherwise each stretch of neighbouring entries is one slice,
    or, past ``MAX_SLICES`` stretches, the entries are taken in one go
    (``values`` and ``gradients`` are the flat arrays, ``positions`` the
    indices).
    """
    store = network.parameter_store
    by_owner: dict[int, list[tuple[int, np.ndarray, np.ndarray, int]]] = {}
    for i, synapse in enumerate(synapses):
        values, grads, position = store.locate(f"{synapse.block.name}.weight", synapse.position)
        by_owner.setdefault(id(_owner(values)), []).append((i, values, grads, position))
    gathers: list[Gather] = []
    columns = np.empty(len(synapses), dtype=np.intp)
    width = 0
    for entries in by_owner.values():
        _, values, grads, _ = entries[0]
        positions = np.array([position for *_, position in entries])
        first, last = int(positions.min()), int(positions.max())
        if last - first + 1 <= 2 * len(entries) + 64:  # one copy of the whole stretch
            span = slice(first, last + 1)
            gathers.append((values[span], grads[span], None, slice(width, width + last - first + 1)))
            columns[[i for i, *_ in entries]] = width + positions - first
            width += last - first + 1
            continue
        order = np.argsort(positions, kind="stable")
        sorted_positions = positions[order]
        stretches = np.split(np.arange(len(entries)), np.flatnonzero(np.diff(sorted_positions) != 1) + 1)
        if len(stretches) > MAX_SLICES:
            gathers.append((values, grads, sorted_positions, slice(width, width + len(entries))))
        else:
            for stretch in stretches:
                run = slice(int(sorted_positions[stretch[0]]), int(sorted_positions[stretch[-1]]) + 1)
                places = slice(width + int(stretch[0]), width + int(stretch[-1]) + 1)
                gathers.append((values[run], grads[run], None, places))
        columns[[entries[k][0] for k in order]] = width + np.arange(len(entries))
        width += len(entries)
    return gathers, columns, width


def _in_order(
    weights: np.ndarray, grads: np.ndarray, epochs: np.ndarray, columns: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One piece of records with a column per watched synapse, in the order the watch names them."""
    if columns is None:
        return weights, grads, epochs
    return weights[:, columns], grads[:, columns], epochs


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
