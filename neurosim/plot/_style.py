"""What every neurosim plot shares: colours, axes handling and input checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

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


def axes_or_new(ax: Axes | None, figsize: tuple[float, float] = (6.4, 4.8)) -> Axes:
    """``ax`` itself, or the axes of a new figure of ``figsize`` inches."""
    if ax is not None:
        return ax
    _, new_ax = plt.subplots(figsize=figsize)
    return new_ax


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
