"""Early stopping: end training once the validation loss has stopped improving, and keep the best weights.

Examples
--------
Twelve noisy samples of a sine: a wide network soon learns the noise, and
the loss on 40 other samples rises again.

>>> import numpy as np
>>> import neurosim as ns
>>> rng = np.random.default_rng(1)
>>> X, X_val = rng.uniform(-1, 1, size=(12, 1)), rng.uniform(-1, 1, size=(40, 1))
>>> Y = np.sin(3 * X) + 0.3 * rng.normal(size=(12, 1))
>>> Y_val = np.sin(3 * X_val) + 0.3 * rng.normal(size=(40, 1))
>>> net = ns.Network.from_shape([1, 32, 1], activation="tanh", output_activation="identity", seed=0)
>>> stopper = ns.callbacks.EarlyStopping(patience=10, restore_best=True)
>>> history = net.fit(X, Y, epochs=1000, optimizer="adam", lr=0.003, batch_size=4, seed=0,
...                   validation_data=(X_val, Y_val), early_stopping=stopper, verbose=0)
>>> history.stop_reason
'early stopping: val_loss has not improved for 10 epochs (best 0.189181 at epoch 31)'
>>> history.epochs, stopper.best_epoch
(41, 31)
>>> val_loss = float(np.mean((net.predict(X_val) - Y_val) ** 2))  # the weights of epoch 31:
>>> abs(val_loss - history.val_loss[30]) < 1e-15                   # its loss, to rounding
True
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from neurosim.training.callbacks import Callback
from neurosim.training.monitor import Monitor
from neurosim.validation import boolean, non_negative_number, positive_integer

if TYPE_CHECKING:
    from neurosim.training.callbacks import Run


class EarlyStopping(Callback):
    """Stop a ``fit`` run when the monitored number has not improved for ``patience`` epochs.

    After each epoch it reads ``monitor`` from the history. An epoch
    improves when its number beats the best so far by more than
    ``min_delta`` (lower for a loss, higher for an accuracy); it is then
    the best epoch. After ``patience`` epochs in a row without
    improvement, training stops through ``run.stop`` (so
    ``history.stop_reason`` says why), as Keras's ``EarlyStopping`` does.
    Each ``fit`` call starts afresh: epochs are counted within the call.

    With ``restore_best=True`` it copies every weight and bias
    (``network.state_dict()``) at each best epoch, and when the run ends,
    however it ends (stopped, out of epochs, diverged or interrupted),
    puts back those of the best epoch: the network is then exactly the one
    a run of ``epochs=best_epoch`` from the same start gives. Only the
    weights and biases go back: the optimizer keeps its state (Adam's
    moments, a schedule's count) from the last epoch, and the neurons'
    ``z`` and ``a`` still hold the last pass made before the restore
    (``net.forward(X)`` computes them again).

    Parameters
    ----------
    patience : int, default 10
        Epochs in a row without improvement before stopping; ``1`` stops
        at the first epoch that does not improve.
    min_delta : float >= 0, default 0
        How much better than the best so far an epoch must be to count.
    monitor : {"val_loss", "loss", "val_accuracy", "accuracy"}, default "val_loss"
        The list of the ``History`` to watch. When the ``fit`` call has no
        ``validation_data``, ``"val_loss"`` falls back to the training
        ``"loss"`` (and ``"val_accuracy"`` to ``"accuracy"``): ``monitored``
        and the stop reason say which was watched. An accuracy is refused
        before the first epoch, the network untouched, unless the run is a
        classification.
    restore_best : bool, default False
        Put back the weights and biases of the best epoch when the run ends.

    Attributes
    ----------
    best : float
        The best number of the run so far (``inf`` or ``-inf`` before its first epoch).
    best_epoch : int
        The epoch (within the ``fit`` call, from 1) that gave ``best``; 0 before the first.
    wait : int
        Epochs in a row without improvement so far.
    stopped_epoch : int
        The epoch after which it stopped the run, or 0 if it did not.
    monitored : str or None
        The list of the history watched in the last run (see ``monitor``).
    restored : bool
        Whether it put back the best epoch's weights when the last run ended.
    """

    def __init__(
        self,
        patience: int = 10,
        min_delta: float = 0.0,
        monitor: str = "val_loss",
        restore_best: bool = False,
    ) -> None:
        self.patience = positive_integer(patience, "patience")
        self.min_delta = non_negative_number(min_delta, "min_delta")
        self._monitor = Monitor(monitor, "monitor")
        self.monitor = monitor
        self.restore_best = boolean(restore_best, "restore_best")
        self._reset()

    @property
    def monitored(self) -> str | None:
        """The list of the history watched in the last run: ``monitor``, or the training one."""
        return self._monitor.watched

    def _reset(self) -> None:
        self.best = math.inf if self._monitor.direction == "min" else -math.inf
        self.best_epoch = 0
        self.wait = 0
        self.stopped_epoch = 0
        self.restored = False
        self._best_state: dict[str, np.ndarray] | None = None

    def on_fit_begin(self, run: Run) -> None:
        """Start counting afresh; refuse a monitored number the run will not record."""
        self._monitor.begin(run)
        self._reset()

    def on_epoch_end(self, run: Run, epoch: int) -> None:
        """Note a new best epoch (and copy its weights), or count one more epoch without improvement."""
        value = self._monitor.value(run)
        if self._monitor.is_better(value, self.best, self.min_delta):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self._best_state = run.network.state_dict()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            run.stop(self._reason())

    def on_fit_end(self, run: Run) -> None:
        """Put back the best epoch's weights and biases, with ``restore_best``."""
        if self.restore_best and self._best_state is not None:
            run.network.load_state_dict(self._best_state)
            self.restored = True

    def _reason(self) -> str:
        by = f" by more than {self.min_delta:g}" if self.min_delta else ""
        best = f"{self.best:.6g} at epoch {self.best_epoch}" if self.best_epoch else "none finite"
        return (
            f"early stopping: {self.monitored} has not improved{by} for {self.patience} "
            f"epoch{'s' if self.patience != 1 else ''} (best {best})"
        )

    def __repr__(self) -> str:
        return (
            f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta!r}, "
            f"monitor={self.monitor!r}, restore_best={self.restore_best})"
        )
