"""What a notebook shows for a network: its picture and its table of layers.

``Network`` shows itself in a notebook through ``network_bundle``: the
picture of ``neurosim.plot.network`` above the table of ``net.summary()``,
as HTML, and the picture alone as a PNG for what cannot show HTML. The
picture is drawn on a figure of its own, outside pyplot, so that the inline
backend does not show it a second time at the end of the cell.
"""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from PIL import Image

from neurosim._text import html_table
from neurosim.diagnostics.summary import summary_rows
from neurosim.plot.graph_layout import Layout
from neurosim.plot.network import network as draw_network

if TYPE_CHECKING:
    from neurosim.core.network import Network

__all__ = ["MAX_PICTURED_LAYERS", "network_bundle", "network_png"]

#: the most layers (columns) a notebook draws: beyond, the names of the layers run into each other
MAX_PICTURED_LAYERS = 16
#: dots per inch of the picture a notebook shows
PICTURE_DPI = 80
#: the colours of that picture: a palette of 256 makes it a quarter of the size, and reads the same
PICTURE_COLOURS = 256
#: the layers ``ns.plot.network`` draws neuron by neuron by default; larger ones are blocks
_MAX_NEURONS_PER_LAYER = 32


def network_bundle(net: Network) -> dict[str, str]:
    """What a notebook shows for ``net``: ``"text/html"``, and ``"image/png"`` (base64) when it has a picture.

    The HTML names the network's size, shows its picture, and below it the
    table of ``net.summary()``. A network of more than
    ``MAX_PICTURED_LAYERS`` layers, or one that cannot be drawn (no layers
    yet, for one), gets the table and a sentence saying why there is no
    picture instead. Nothing here raises: a notebook shows what it can.

    Examples
    --------
    >>> import neurosim as ns
    >>> bundle = network_bundle(ns.Network.from_shape([2, 3, 1], seed=0))
    >>> sorted(bundle), "<td>sigmoid</td>" in bundle["text/html"]
    (['image/png', 'text/html'], True)
    >>> print(network_bundle(ns.Network())["text/html"])
    <div><p><b>Network</b>: 0 layers, 0 neurons, 0 synapses, 0 parameters</p>
    <p><i>no picture: the network has no layers yet</i></p>
    ...
    """
    picture, reason = _picture(net)
    parts = [f"<p><b>Network</b>: {html.escape(_size(net))}</p>"]
    if picture is None:
        parts.append(f"<p><i>no picture: {html.escape(reason)}</i></p>")
    else:
        parts.append(f'<img src="data:image/png;base64,{picture}" alt="the network\'s graph">')
    parts.append(_table(net))
    bundle = {"text/html": "<div>" + "\n".join(parts) + "</div>"}
    if picture is not None:
        bundle["image/png"] = picture
    return bundle


def network_png(net: Network, dpi: int = PICTURE_DPI) -> bytes:
    """The picture of ``ns.plot.network(net)`` as PNG bytes, drawn on a figure outside pyplot.

    The PNG has a palette of ``PICTURE_COLOURS`` colours, to keep notebooks small.

    Examples
    --------
    >>> import neurosim as ns
    >>> network_png(ns.Network.from_shape([2, 3, 1], seed=0))[1:4]
    b'PNG'
    """
    figure = Figure(figsize=Layout(net, _MAX_NEURONS_PER_LAYER).figsize())
    figure.subplots_adjust(left=0.02, right=0.9, bottom=0.02, top=0.92)
    draw_network(net, ax=figure.add_subplot(), max_neurons_per_layer=_MAX_NEURONS_PER_LAYER)
    drawn, small = io.BytesIO(), io.BytesIO()
    figure.savefig(drawn, format="png", dpi=dpi)
    with Image.open(drawn) as image:
        # the octree spreads the palette over the colours drawn, so the colour bar keeps its gradient;
        # method 2 is Image.Quantize.FASTOCTREE, a name that older Pillows matplotlib accepts lack
        palette = image.convert("RGB").quantize(colors=PICTURE_COLOURS, method=2)
        palette.save(small, format="png", optimize=True)
    return small.getvalue()


def _picture(net: Network) -> tuple[str | None, str]:
    """The picture as base64 PNG, or ``None`` and why there is none."""
    n_layers = len(net.layers)
    if n_layers == 0:
        return None, "the network has no layers yet"
    if n_layers > MAX_PICTURED_LAYERS:
        return None, (
            f"its {n_layers} layers are more than the {MAX_PICTURED_LAYERS} a picture here shows "
            "readably; ns.plot.network(net) draws it all the same"
        )
    try:
        return base64.b64encode(network_png(net)).decode("ascii"), ""
    except Exception as error:  # a notebook shows the table and the reason rather than a traceback
        return None, f"it cannot be drawn: {type(error).__name__}: {error}"


def _size(net: Network) -> str:
    counts = [
        (len(net.layers), "layer"),
        (len(net.neurons), "neuron"),
        (net.graph.number_of_edges(), "synapse"),
        (net.n_parameters, "parameter"),
    ]
    return ", ".join(f"{count:,} {word}{'' if count == 1 else 's'}" for count, word in counts)


def _table(net: Network) -> str:
    try:
        header, rows = summary_rows(net)
    except Exception as error:  # as for the picture: say why, never raise
        return f"<p><i>no table of layers: {html.escape(f'{type(error).__name__}: {error}')}</i></p>"
    return html_table(header, rows)
