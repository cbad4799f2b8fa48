"""Weight and gradient trajectories recorded by ``net.watch``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from neurosim.errors import DataError, ParameterError
from neurosim.plot._style import axes_or_new
from neurosim.training.watch import Watch

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: more lines than this get no legend (it would hide the plot); the title says how many there are
LEGEND_LIMIT = 10


def watched(watch: Watch, *, show: str = "weights", ax: Axes | None = None) -> Axes:
    """Draw each watched synapse's weight (or gradient) against the update step.

    Step 0 is the start of recording; each ``fit`` call after the first
    begins at a dashed vertical line.

    Parameters
    ----------
    watch : Watch
        What ``net.watch(...)`` returned, after some training.
    show : {"weights", "gradients"}
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import neurosim as ns
    >>> X, y = ns.datasets.xor()
    >>> net = ns.Network.from_shape([2, 3, 1], seed=0)
    >>> watch = net.watch("output[0]")
    >>> _ = net.fit(X, y, epochs=20, lr=1.0, loss="bce", verbose=0)
    >>> ax = ns.plot.watched(watch)
    >>> len(ax.get_lines()), ax.get_xlabel()
    (3, 'update step')
    >>> plt.close(ax.figure)
    """
    if not isinstance(watch, Watch):
        raise ParameterError(f"watched() takes what net.watch(...) returned; got {type(watch).__name__}")
    if show not in ("weights", "gradients"):
        raise ParameterError(f"show must be 'weights' or 'gradients'; got {show!r}")
    if len(watch) == 0:
        raise DataError("the watch has recorded nothing yet: train with net.fit(...) after net.watch(...)")
    values = watch.weights if show == "weights" else watch.grads
    created = ax is None
    ax = axes_or_new(ax, figsize=(8.0, 4.8))
    steps = np.arange(len(values))
    for column, name in enumerate(watch.names):
        ax.plot(steps, values[:, column], linewidth=1.2, label=name)
    for number, start in enumerate(np.flatnonzero(watch.epochs == 0)[1:], start=2):  # later fit calls
        ax.axvline(start, color="0.6", linestyle="--", linewidth=0.8)
        ax.annotate(
            f"fit {number}", (start, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -12),
            textcoords="offset points", fontsize="small", color="0.4",
        )  # fmt: skip
    if show == "gradients":
        ax.axhline(0.0, color="0.3", linewidth=0.6)
    ax.set_xlabel("update step")
    ax.set_ylabel("weight" if show == "weights" else "gradient of the mean loss")
    count = len(watch.names)
    if count <= LEGEND_LIMIT:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
        ax.set_title(f"watched {show}")
    else:
        ax.set_title(f"watched {show}: {count} synapses (too many to label)")
    if created:
        ax.figure.set_layout_engine("constrained")  # room for the legend beside the axes
    return ax
