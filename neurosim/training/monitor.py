"""The number of the history that early stopping and ``ReduceLROnPlateau`` watch, epoch after epoch.

``monitor`` names a list of the run's ``History``: ``"val_loss"``,
``"loss"``, ``"val_accuracy"`` or ``"accuracy"``. A loss is better when
lower, an accuracy when higher. When a ``"val_"`` number is asked for but
the ``fit`` call has no ``validation_data``, the training number is
watched instead (``"val_loss"`` becomes ``"loss"``), and ``watched`` says
so. An accuracy is only recorded for classification, so asking for one
in a regression run is refused before the first epoch.

Examples
--------
>>> Monitor("val_loss", "monitor").direction
'min'
>>> Monitor("val_acc", "monitor")
Traceback (most recent call last):
...
neurosim.errors.ParameterError: monitor must be one of 'val_loss', 'loss', ...; got 'val_acc'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from neurosim.errors import ParameterError
from neurosim.training.metrics import is_classification

if TYPE_CHECKING:
    from neurosim.training.callbacks import Run

#: the numbers of a ``History`` that can be watched
MONITORS = ("val_loss", "loss", "val_accuracy", "accuracy")


class Monitor:
    """Reads the watched number of the history after each epoch of a run.

    Parameters
    ----------
    name : {"val_loss", "loss", "val_accuracy", "accuracy"}
        The list of ``History`` to watch.
    argument : str
        The name of the argument ``name`` came from, for error messages.

    Attributes
    ----------
    watched : str or None
        The list read in the current run: ``name``, or the training list
        when a ``"val_"`` one has no validation data; ``None`` before the
        first epoch of a run.
    """

    def __init__(self, name: object, argument: str) -> None:
        if not isinstance(name, str) or name not in MONITORS:
            expected = ", ".join(map(repr, MONITORS))
            raise ParameterError(f"{argument} must be one of {expected}; got {name!r}")
        self.name = name
        self.argument = argument
        self.watched: str | None = None
        self._lengths = (0, 0)

    @property
    def direction(self) -> str:
        """``"min"`` for a loss (lower is better), ``"max"`` for an accuracy."""
        return "max" if self.name.endswith("accuracy") else "min"

    def begin(self, run: Run) -> None:
        """Start a run: refuse an accuracy where none will be recorded, and look again for validation data."""
        if self.direction == "max" and not is_classification(run.loss.classification, run.T):
            raise ParameterError(
                f"{self.argument}={self.name!r}: an accuracy is recorded for classification only "
                f"(loss {run.loss.name!r} on targets other than 0/1); monitor 'val_loss' or 'loss' instead"
            )
        history = run.history
        self.watched = None
        self._lengths = (len(history.loss), len(getattr(history, self._validation_name())))

    def value(self, run: Run) -> float:
        """The watched number of the epoch just recorded (call it from ``on_epoch_end``)."""
        history = run.history
        if self.watched is None:
            self.watched = self.name if self._has_validation(run) else self._training_name()
        return float(getattr(history, self.watched)[-1])

    def is_better(self, value: float, best: float, margin: float) -> bool:
        """Whether ``value`` beats ``best`` by more than ``margin`` in the monitor's direction."""
        return value < best - margin if self.direction == "min" else value > best + margin

    def _has_validation(self, run: Run) -> bool:
        """Whether the run has recorded a validation number for each of its epochs."""
        history = run.history
        epochs = len(history.loss) - self._lengths[0]
        validated = len(getattr(history, self._validation_name())) - self._lengths[1]
        return epochs > 0 and validated == epochs

    def _training_name(self) -> str:
        return self.name.removeprefix("val_")

    def _validation_name(self) -> str:
        return f"val_{self._training_name()}"

    def __repr__(self) -> str:
        return repr(self.name)
