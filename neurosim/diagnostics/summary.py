"""A table describing a network's layers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from neurosim._text import Text, table

if TYPE_CHECKING:
    from neurosim.core.network import Network


def summary(network: Network) -> Text:
    """Layer, size, activation, the layers feeding it, and its parameter count."""
    rows = []
    for layer in network.layers:
        blocks = [block for block in network.blocks if block.target is layer]
        parameters = sum(block.n_synapses for block in blocks) + (layer.size if layer.has_bias else 0)
        activation = "-" if layer.activation is None else layer.activation.name
        sources = ", ".join(block.source.name for block in blocks) or "-"
        rows.append([layer.name, str(layer.size), activation, sources, str(parameters)])
    total = sum(layer.size for layer in network.layers)
    rows.append(["total", str(total), "", "", str(network.n_parameters)])
    return Text(table(["layer", "size", "activation", "inputs from", "parameters"], rows))
