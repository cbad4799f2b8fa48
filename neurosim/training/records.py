"""Each epoch's training loss and accuracy, recorded into the history a few epochs at a time.

Every batch's output logits and activations are written into a row of
``EpochRecords`` in epoch order (by the engine's pass itself, where it
can). Once the rows are full, or sooner when something is about to read
the history (``flush``), the loss and accuracy of every epoch held are
computed at once, with ``Loss.values`` and ``CorrectCounter.count_each``,
and appended to the history. The numbers are the same however many epochs
are held: each is its own epoch's, computed with the same operations.
"""

from __future__ import annotations

import numpy as np

from neurosim.losses import Loss
from neurosim.training.history import History
from neurosim.training.metrics import CorrectCounter

#: at most this many epochs are held before they are recorded
MAX_HELD_EPOCHS = 256
#: and at most about this many bytes of outputs: few enough that the rows written in the epochs
#: are still in cache when they are recorded
MAX_HELD_BYTES = 2**18


class EpochRecords:
    """The output values of the epochs not yet recorded, and how to record them.

    Parameters
    ----------
    history : History
        Where the records go.
    loss : Loss
        The loss recorded.
    counter : CorrectCounter or None
        Counts the right predictions, for classification; ``None`` records no accuracy.
    T : ndarray of shape (n_samples, n_outputs)
        The targets, in the samples' own order.
    bounds : list of (int, int)
        Each batch's ``(start, stop)`` in an epoch.
    in_order : bool
        Whether every epoch visits the samples in their own order.
    epochs : int, optional
        How many epochs the run has: no more rows than that are made.

    Examples
    --------
    >>> import neurosim as ns
    >>> T = np.array([[0.0], [1.0]])
    >>> history = ns.training.History(loss_name="bce")
    >>> records = EpochRecords(history, ns.get_loss("bce"), CorrectCounter(T), T, [(0, 2)], in_order=True)
    >>> (logits, outputs), = records.batch_rows()
    >>> logits[:] = [[-2.0], [1.0]]; outputs[:] = 1 / (1 + np.exp(-logits))
    >>> records.done(np.arange(2))
    >>> history.loss                       # held, not yet recorded
    []
    >>> records.flush()
    >>> [round(value, 4) for value in history.loss], history.accuracy
    ([0.2201], [1.0])
    """

    def __init__(
        self,
        history: History,
        loss: Loss,
        counter: CorrectCounter | None,
        T: np.ndarray,
        bounds: list[tuple[int, int]],
        *,
        in_order: bool,
        epochs: int | None = None,
    ) -> None:
        self.history, self.loss, self.counter, self.T = history, loss, counter, T
        self.in_order = in_order
        epoch_bytes = 2 * T.nbytes
        held = min(MAX_HELD_EPOCHS, MAX_HELD_BYTES // max(epoch_bytes, 1))
        self.capacity = max(1, held if epochs is None else min(held, epochs))
        self.logits = np.empty((self.capacity, *T.shape), T.dtype)
        self.outputs = np.empty_like(self.logits)
        #: ``(logits, outputs)`` of each row, where an epoch of one batch writes its values
        self.rows = list(zip(self.logits, self.outputs, strict=True))
        #: each row's batch slots, ``(logits, outputs)`` views of the batch's rows, made when first asked for
        self._slots: list[list[tuple[np.ndarray, np.ndarray]] | None] = [None] * self.capacity
        self.bounds = bounds
        self.held = 0
        #: the sample order of each epoch held (mini-batches only)
        self.orders: list[np.ndarray] = []

    def batch_rows(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Where each batch of the next epoch writes its logits and outputs: views of the row ``held``."""
        slots = self._slots[self.held]
        if slots is None:
            logits, outputs = self.logits[self.held], self.outputs[self.held]
            slots = self._slots[self.held] = [(logits[a:b], outputs[a:b]) for a, b in self.bounds]
        return slots

    def done(self, order: np.ndarray) -> None:
        """The epoch that visited ``order`` has filled its row; record the rows if they are all full."""
        if not self.in_order:
            self.orders.append(order)
        self.held += 1
        if self.held == self.capacity:
            self.flush()

    def flush(self) -> None:
        """Record the loss and accuracy of every epoch held, in order, and hold none."""
        held = self.held
        if not held:
            return
        logits, outputs = self.logits[:held], self.outputs[:held]
        rows = None if self.in_order else np.array(self.orders)
        T = self.T if rows is None else self.T.take(rows, axis=0)  # each epoch's targets in its order
        self.history.loss.extend(self.loss.values(logits, outputs, T).tolist())
        if self.counter is not None:
            samples = self.T.shape[0]
            self.history.accuracy.extend((self.counter.count_each(outputs, rows) / samples).tolist())
        self.held = 0
        self.orders.clear()
