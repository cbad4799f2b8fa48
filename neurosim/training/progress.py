"""A one-line progress display for long training runs, on a terminal or in a notebook."""

from __future__ import annotations

import html
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
    ``stream`` is not a terminal (a log file, a pipe, a test). In a Jupyter
    notebook (any Jupyter kernel), without a ``stream`` of your own, it
    shows the bar in the cell's output instead, as HTML updated in place.
    ``verbose=2`` prints one line about every tenth of the run, terminal or
    not. ``unit`` names what is counted (epochs of training, frames of an
    animation). The bar is redrawn at most every ``min_interval`` seconds
    (and at the last step).
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
        #: in a notebook: the display updated in place, and the last step reported and the one shown
        self._notebook = stream is None and verbose == 1 and in_notebook()
        self._handle: object = None
        self._latest: tuple[int, float | None] | None = None
        self._shown: tuple[int, float | None] | None = None

    def update(self, epoch: int, loss: float | None = None) -> None:
        """Step ``epoch`` (counting from 1) finished, with mean loss ``loss`` if there is one."""
        if self.verbose >= 2:
            every = max(1, self.total // 10)
            if epoch % every == 0 or epoch in (1, self.total):
                print(f"{self.unit} {epoch}/{self.total}{self._loss(loss, 6)}", file=self.stream)
            return
        if self._notebook:
            self._latest = (epoch, loss)
        if self.verbose != 1 or not (self._is_terminal or self._notebook):
            return
        now = time.perf_counter()
        if now - self._start < self.delay or (
            now - self._last_draw < self.min_interval and epoch != self.total
        ):
            return
        self._last_draw = now
        if self._notebook:
            self._show(epoch, loss)
            return
        line = f"[{self._bar(epoch)}] {self._text(epoch, loss, now - self._start)}"
        self.stream.write("\r" + line.ljust(self._width))
        self._width = max(self._width, len(line))
        self.stream.flush()
        self._drawn = True

    def _text(self, epoch: int, loss: float | None, elapsed: float) -> str:
        """What the bar says beside it: the step, the loss and the seconds so far."""
        return f"{self.unit} {epoch}/{self.total}{self._loss(loss, 5)}  {elapsed:.1f}s"

    def _bar(self, epoch: int) -> str:
        """The bar of 30 characters for step ``epoch``: ``#`` for the part done, ``.`` for the rest."""
        done = int(30 * epoch / self.total)
        return "#" * done + "." * (30 - done)

    @staticmethod
    def _loss(loss: float | None, digits: int) -> str:
        return "" if loss is None else f"  loss {loss:.{digits}g}"

    def _show(self, epoch: int, loss: float | None) -> None:
        """Show step ``epoch`` in the notebook's display, made at the first step shown."""
        from IPython.display import display

        text = self._text(epoch, loss, time.perf_counter() - self._start)
        view = {
            "text/plain": f"[{self._bar(epoch)}] {text}",
            "text/html": (
                f'<div><progress value="{epoch}" max="{self.total}" style="width: 20em; '
                f'vertical-align: middle"></progress> <code>{html.escape(text)}</code></div>'
            ),
        }
        if self._handle is None:
            self._handle = display(view, raw=True, display_id=True)
        else:
            self._handle.update(view, raw=True)
        self._shown = (epoch, loss)

    def close(self) -> None:
        """End the progress line, if one was drawn; in a notebook, show the last step if it was not."""
        if self._handle is not None and self._latest != self._shown:
            self._show(*self._latest)
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()


def in_notebook() -> bool:
    """Whether Python runs in a Jupyter kernel: a notebook, JupyterLab, or another front end of one.

    Examples
    --------
    >>> in_notebook()  # in a terminal, a script or a test
    False
    """
    if "ipykernel" not in sys.modules:  # IPython is never imported here when it is not in use
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


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
