"""Learning curves: the loss (and accuracy) of a training run, epoch by epoch."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from neurosim.errors import DataError, ParameterError
from neurosim.plot._style import NEGATIVE, POSITIVE, new_figure
from neurosim.training.history import History

__all__ = ["history"]

#: the panels ``history`` can draw, in the order it draws them
METRICS = ("loss", "accuracy")
_TRAIN_COLOUR = POSITIVE
_VALIDATION_COLOUR = "#e08214"  # orange: apart from the blue training line, and from the red divergence mark
_DIVERGED_COLOUR = NEGATIVE
#: a loss that spans more than this factor is drawn on a logarithmic scale
_LOG_SPAN = 1000.0


def history(
    hist: History,
    *,
    ax: Axes | Sequence[Axes] | None = None,
    metrics: Sequence[str] = METRICS,
    validation_label: str = "validation",
) -> Axes | Figure:
    """Draw a training run's loss per epoch, and its accuracy beside it when it was recorded.

    Each panel shows the training values (``"train"``) and, when
    ``fit(validation_data=...)`` recorded them, the validation values
    (labelled ``validation_label``) against the epoch, counting from 1. If training
    diverged, a red dashed line marks the epoch at which it stopped, and
    the legend says so. The loss axis is logarithmic when the loss spans
    more than a factor of 1000, and names the loss when the history records
    its name (in a ``loss_name`` attribute).

    Parameters
    ----------
    hist : History
        What ``Network.fit`` returned.
    ax : matplotlib Axes, or a sequence of them, optional
        Where to draw: one Axes per panel drawn. By default a new figure.
    metrics : sequence of {"loss", "accuracy"}, default ("loss", "accuracy")
        The panels wanted. ``"accuracy"`` is drawn only if the history
        recorded it (classification losses do).
    validation_label : str, default "validation"
        What the legend calls the data given as ``validation_data``: say
        ``"test"`` when it is the test set.

    Returns
    -------
    matplotlib Axes or Figure
        The Axes for one panel; the Figure holding them for two.

    Raises
    ------
    ParameterError
        If ``hist`` is not a History, ``metrics`` names something else, or
        ``ax`` is not one Axes per panel.
    DataError
        If the history has no epochs, or lacks every metric asked for.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import neurosim as ns
    >>> from neurosim.plot.history import history
    >>> X, y = ns.datasets.xor()
    >>> net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    >>> hist = net.fit(X, y, epochs=20, lr=0.5, loss="bce", verbose=0, validation_data=(X, y))
    >>> fig = history(hist)
    >>> [(panel.get_ylabel(), [line.get_label() for line in panel.lines]) for panel in fig.axes]
    [('loss (bce)', ['train', 'validation']), ('accuracy', ['train', 'validation'])]
    >>> plt.close(fig)
    """
    if not isinstance(hist, History):
        raise ParameterError(
            f"hist must be the History that Network.fit returns; got a {type(hist).__name__}"
        )
    wanted = _metrics(metrics)
    if not isinstance(validation_label, str) or not validation_label.strip():
        raise ParameterError(f"validation_label must be a non-empty string; got {validation_label!r}")
    if not hist.loss:
        stopped = f" (training diverged in epoch {hist.diverged_at})" if hist.diverged_at is not None else ""
        raise DataError(f"hist has no epochs to draw{stopped}; expected a History of at least one epoch")
    panels = [name for name in wanted if getattr(hist, name)]
    if not panels:
        raise DataError(
            f"hist recorded no {' or '.join(wanted)}; it has "
            f"{', '.join(name for name in METRICS if getattr(hist, name))} (pass metrics= with those)"
        )
    axes = _panel_axes(ax, panels)

    loss_name = getattr(hist, "loss_name", None)
    for axis, name in zip(axes, panels, strict=True):
        train, validation = getattr(hist, name), getattr(hist, f"val_{name}")
        axis.plot(np.arange(1, len(train) + 1), train, color=_TRAIN_COLOUR, label="train")
        if validation:
            axis.plot(
                np.arange(1, len(validation) + 1),
                validation,
                color=_VALIDATION_COLOUR,
                label=validation_label,
            )
        if hist.diverged_at is not None:
            axis.axvline(
                hist.diverged_at,
                color=_DIVERGED_COLOUR,
                linestyle="--",
                linewidth=1.2,
                label=f"diverged at epoch {hist.diverged_at}",
            )
        axis.set_xlabel("epoch")
        if name == "loss":
            axis.set_ylabel(f"loss ({loss_name})" if isinstance(loss_name, str) else "loss")
            values = np.concatenate([train, validation])
            if values.min() > 0 and values.max() > _LOG_SPAN * values.min():
                axis.set_yscale("log")
        else:
            axis.set_ylabel("accuracy")
            axis.set_ylim(-0.03, 1.06)
        if hist.diverged_at is None:
            axis.set_xlim(1, max(len(train), 2))
        else:  # the marker a little inside the right edge
            axis.set_xlim(1, hist.diverged_at + max(0.5, 0.03 * hist.diverged_at))
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.grid(alpha=0.3)
        axis.legend(loc="best")
        axis.set_title(f"{name} per epoch")
    return axes[0] if len(axes) == 1 else axes[0].figure


def _metrics(metrics: object) -> list[str]:
    """The panels asked for, in ``METRICS`` order."""
    if isinstance(metrics, str):
        metrics = (metrics,)
    if not isinstance(metrics, Sequence) or not metrics or any(m not in METRICS for m in metrics):
        raise ParameterError(f"metrics must be a non-empty sequence of names from {METRICS}; got {metrics!r}")
    return [name for name in METRICS if name in metrics]


def _panel_axes(ax: object, panels: list[str]) -> list[Axes]:
    """One Axes per panel: those given in ``ax``, or a new figure's."""
    n_panels = len(panels)
    if ax is None:
        axes = new_figure(figsize=(5.6 * n_panels, 4.0), layout="constrained").subplots(
            1, n_panels, squeeze=False
        )
        return list(axes[0])
    given = [ax] if isinstance(ax, Axes) else list(ax.ravel()) if isinstance(ax, np.ndarray) else ax
    if (
        isinstance(given, (str, bytes))
        or not isinstance(given, Sequence)
        or not all(isinstance(a, Axes) for a in given)
    ):
        raise ParameterError(f"ax must be a matplotlib Axes or a sequence of them; got {ax!r}")
    if len(given) != n_panels:
        raise ParameterError(
            f"ax must hold one Axes per panel: {n_panels} here ({' and '.join(panels)}); "
            f"got {len(given)}. Pass {n_panels} Axes, or choose the panels with metrics="
        )
    return list(given)
