"""A one-line progress display for long training runs."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Report training progress.

    ``verbose=0`` prints nothing. ``verbose=1`` draws a progress bar on a
    terminal once a run has lasted ``delay`` seconds, and stays quiet when
    ``stream`` is not a terminal (a log file, a pipe, a test). ``verbose=2``
    prints one line about every tenth of the run, terminal or not. ``unit``
    names what is counted (epochs of training, frames of an animation).
    """

    def __init__(
        self,
        total: int,
        verbose: int,
        stream: TextIO | None = None,
        delay: float = 0.5,
        unit: str = "epoch",
    ) -> None:
        self.total = total
        self.unit = unit
        self.verbose = verbose
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
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
        if now - self._start < self.delay or (now - self._last_draw < 0.1 and epoch != self.total):
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
