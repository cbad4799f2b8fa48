"""A one-line progress display for long training runs."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

from neurosim.training.callbacks import Callback

if TYPE_CHECKING:
    from neurosim.training.callbacks import Run


class Progress:
    """Report training progress.

    ``verbose=0`` prints nothing. ``verbose=1`` draws a progress bar on a
    terminal once a run has lasted ``delay`` seconds, and stays quiet when
    ``stream`` is not a terminal (a log file, a pipe, a test). ``verbose=2``
    prints one line about every tenth of the run, terminal or not. ``unit``
    names what is counted (epochs of training, frames of an animation).
    The bar is redrawn at most every ``min_interval`` seconds (and at the
    last step).
    """

    def __init__(
        self,
        total: int,
        verbose: int,
        stream: TextIO | None = None,
        delay: float = 0.5,
        unit: str = "epoch",
        min_interval: float = 0.1,
    ) -> None:
        self.total = total
        self.unit = unit
        self.verbose = verbose
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        self.min_interval = min_interval
        self._start = time.perf_counter()
        self._last_draw = 0.0
        self._drawn = False
        self._width = 0
        self._is_terminal = bool(getattr(self.stream, "isatty", lambda: False)())

    def update(self, epoch: int, loss: float | None = None) -> None:
        """Step ``epoch`` (counting from 1) finished, with mean loss ``loss`` if there is one."""
        if self.verbose >= 2:
            every = max(1, self.total // 10)
            if epoch % every == 0 or epoch in (1, self.total):
                print(f"{self.unit} {epoch}/{self.total}{self._loss(loss, 6)}", file=self.stream)
            return
        if self.verbose != 1 or not self._is_terminal:
            return
        now = time.perf_counter()
        if now - self._start < self.delay or (
            now - self._last_draw < self.min_interval and epoch != self.total
        ):
            return
        self._last_draw = now
        done = int(30 * epoch / self.total)
        bar = "#" * done + "." * (30 - done)
        line = f"[{bar}] {self.unit} {epoch}/{self.total}{self._loss(loss, 5)}  {now - self._start:.1f}s"
        self.stream.write("\r" + line.ljust(self._width))
        self._width = max(self._width, len(line))
        self.stream.flush()
        self._drawn = True

    @staticmethod
    def _loss(loss: float | None, digits: int) -> str:
        return "" if loss is None else f"  loss {loss:.{digits}g}"

    def close(self) -> None:
        """End the progress line, if one was drawn."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()


class ProgressCallback(Callback):
    """The training callback that shows a ``Progress`` display of a ``fit`` run's epochs and loss.

    ``fit(verbose=...)`` adds one; ``verbose`` is that of ``Progress``.
    """

    def __init__(self, verbose: int, stream: TextIO | None = None) -> None:
        self.verbose = verbose
        self.stream = stream
        self.progress: Progress | None = None

    def on_fit_begin(self, run: Run) -> None:
        """Start the display."""
        self.progress = Progress(run.epochs, self.verbose, stream=self.stream)

    def on_epoch_end(self, run: Run, epoch: int) -> None:
        """Show the epoch and its loss."""
        self.progress.update(epoch, run.history.loss[-1])

    def on_fit_end(self, run: Run) -> None:
        """End the display's line."""
        if self.progress is not None:
            self.progress.close()
