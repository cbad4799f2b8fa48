"""The ``History`` of a training run."""

from __future__ import annotations

from dataclasses import dataclass, field

from neurosim._text import html_or_plain, html_pre, html_table

#: a notebook's table of a history shows at most this many epochs, evenly spaced, first and last included
SHOWN_EPOCHS = 11


@dataclass
class History:
    """Per-epoch records of a ``fit`` run.

    ``loss`` is the mean training loss of each epoch (the average of its
    batches' mean losses, weighted by batch size, computed before each
    batch's update). ``accuracy`` is recorded for classification (losses
    ``bce`` and ``cross_entropy``, or ``mse`` on 0/1 targets). ``val_loss``
    and ``val_accuracy`` are measured on the validation data after each epoch.
    ``diverged_at`` is the epoch (counting from 1) at which the loss stopped
    being finite and training stopped, or ``None``. ``stopped_at`` (the epoch
    during which training was stopped, 0 before the first) and
    ``stop_reason`` say when and why a callback ended training early
    (divergence included), or are ``None``. ``diagnosis`` is the doctor's
    ``Report`` when ``fit`` ran it (``diagnose=True``, the default). An epoch stopped part of the way
    keeps the updates it made but has no entry in the lists.

    ``fit(..., history=h)`` appends another call's epochs to ``h`` (and
    returns it). The epochs then count on across the calls: ``epochs`` is
    the total, and ``diverged_at``, ``stopped_at`` and ``stop_reason``
    say how the latest call ended, in that numbering (``None`` when it ran
    all its epochs). ``diagnosis`` is the latest call's report.

    Examples
    --------
    >>> import neurosim as ns
    >>> X, y = ns.datasets.xor()
    >>> net = ns.Network.from_shape([2, 3, 1], seed=0)
    >>> history = net.fit(X, y, epochs=3, lr=0.5, loss="bce", verbose=0, diagnose=False)
    >>> history = net.fit(X, y, epochs=2, lr=0.5, loss="bce", verbose=0, diagnose=False, history=history)
    >>> history.epochs, len(history.accuracy), history.loss_name
    (5, 5, 'bce')
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    diverged_at: int | None = None
    #: the name of the loss trained with (``"mse"``, ``"bce"``, ``"cross_entropy"``, ...)
    loss_name: str | None = None
    stopped_at: int | None = None
    stop_reason: str | None = None
    #: what the doctor found (a ``neurosim.diagnostics.Report``), when ``fit`` ran with ``diagnose=True``
    diagnosis: object | None = field(default=None, repr=False, compare=False)

    @property
    def epochs(self) -> int:
        """How many epochs completed."""
        return len(self.loss)

    def shown_epochs(self, most: int = SHOWN_EPOCHS) -> list[int]:
        """At most ``most`` epochs, counting from 1, evenly spaced from the first to the last.

        Examples
        --------
        >>> History(loss=[1.0] * 100).shown_epochs(5)
        [1, 26, 51, 75, 100]
        >>> History(loss=[1.0] * 3).shown_epochs(5)
        [1, 2, 3]
        """
        n = self.epochs
        if n <= most:
            return list(range(1, n + 1))
        return sorted({1 + round(i * (n - 1) / (most - 1)) for i in range(most)})

    def _repr_html_(self) -> str:
        """A notebook shows a history as a table of its values at a few epochs, first and last included."""
        return html_or_plain(self._html, self)

    def _html(self) -> str:
        if not self.loss:
            return html_pre(repr(self))
        columns = [("loss", self.loss)] + [
            (name, getattr(self, name))
            for name in ("accuracy", "val_loss", "val_accuracy")
            if getattr(self, name)
        ]
        loss = "loss" if self.loss_name is None else f"loss ({self.loss_name})"
        header = ["epoch"] + [loss if name == "loss" else name for name, _ in columns]
        rows = [
            [str(epoch)] + [f"{values[epoch - 1]:.4g}" for _, values in columns]
            for epoch in self.shown_epochs()
        ]
        stopped = "" if self.stop_reason is None else html_pre(self.stop_reason)
        return html_table(header, rows, caption=repr(self)) + stopped

    def __repr__(self) -> str:
        if not self.loss:
            return "History(epochs=0)"
        parts = [f"epochs={self.epochs}", f"loss={self.loss[0]:.4g} -> {self.loss[-1]:.4g}"]
        for name in ("accuracy", "val_loss", "val_accuracy"):
            values = getattr(self, name)
            if values:
                parts.append(f"{name}={values[-1]:.4g}")
        if self.diverged_at is not None:
            parts.append(f"diverged_at={self.diverged_at}")
        elif self.stopped_at is not None:
            parts.append(f"stopped_at={self.stopped_at}")
        return f"History({', '.join(parts)})"
