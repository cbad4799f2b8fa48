"""What every neurosim plot shares: colours, axes handling and input checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib as mpl
import matplotlib.figure
import matplotlib.pyplot as plt

from neurosim.errors import ParameterError, ShapeError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from neurosim.core.network import Network

#: colour of positive weights and gradients (blue) and of negative ones (red): a diverging pair
#: that stays distinguishable for the common colour-vision deficiencies
POSITIVE = "#2166ac"
NEGATIVE = "#b2182b"
#: diverging colour map for signed values (weights, gradients, biases), centred on 0
SIGNED_CMAP = "RdBu"
#: colour map for activations and other values without a sign convention
VALUE_CMAP = "viridis"


class NotebookFigure(matplotlib.figure.Figure):
    """A pyplot figure that a notebook shows once: the figure of every picture ``neurosim.plot`` makes.

    In a notebook, matplotlib's inline backend shows every open pyplot
    figure at the end of the cell, and a figure that is the cell's value is
    shown as that value as well: twice. When a notebook shows this figure
    (as the cell's value, through ``display(figure)``, or at the end of the
    cell), it first closes it in pyplot, so that it is shown once, as the
    inline backend would close it after the cell anyway. Anywhere else (a
    script, the other backends, ``plt.show()``) it is a plain matplotlib
    Figure.
    """

    def _ipython_display_(self) -> None:
        if "inline" in mpl.get_backend():
            plt.close(self)
        # IPython takes this as "not handled here" and shows the figure the way it shows any figure
        raise NotImplementedError


def new_figure(**options: object) -> NotebookFigure:
    """A new pyplot figure that a notebook shows once; ``options`` are those of ``plt.figure``."""
    return plt.figure(FigureClass=NotebookFigure, **options)


def axes_or_new(ax: Axes | None, figsize: tuple[float, float] = (6.4, 4.8)) -> Axes:
    """``ax`` itself, or the axes of a new figure of ``figsize`` inches (a ``NotebookFigure``)."""
    if ax is not None:
        return ax
    return new_figure(figsize=figsize).add_subplot()


def require_network(net: object) -> None:
    """Raise ``ParameterError`` unless ``net`` is a neurosim Network."""
    from neurosim.core.network import Network

    if not isinstance(net, Network):
        raise ParameterError(f"net must be a neurosim Network; got a {type(net).__name__}")


def require_2d_inputs(network: Network, what: str) -> None:
    """Raise ``ShapeError`` unless ``network`` has exactly two inputs (a plane to draw on)."""
    n_inputs = network.input_layer.size
    if n_inputs != 2:
        raise ShapeError(
            f"{what} draws over the plane of two inputs, but this network's input layer "
            f"{network.input_layer.name!r} has {n_inputs} neurons"
        )
