"""A table describing a network's layers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from neurosim._text import Text, table

if TYPE_CHECKING:
    from neurosim.core.network import Network


def summary(network: Network) -> Text:
    """Layer, size, activation, the layers feeding it, and its parameter count.

    A network with dropout gets a column of each layer's rate (see
    ``Layer.dropout``).

    Examples
    --------
    >>> import neurosim as ns
    >>> print(summary(ns.Network.from_shape([2, 8, 1], activation="relu", dropout=0.25, seed=0)))
    layer    size  activation  dropout  inputs from  parameters
    -------  ----  ----------  -------  -----------  ----------
    input    2     -           -        -            0
    hidden1  8     relu        0.25     input        24
    output   1     relu        -        hidden1      9
    total    11                                      33
    """
    return Text(table(*summary_rows(network)))


def summary_rows(network: Network) -> tuple[list[str], list[list[str]]]:
    """The header and rows of ``summary``'s table, the total last, for a table of another form.

    Examples
    --------
    >>> import neurosim as ns
    >>> header, rows = summary_rows(ns.Network.from_shape([2, 3, 1], seed=0))
    >>> header, rows[-1]
    (['layer', 'size', 'activation', 'inputs from', 'parameters'], ['total', '6', '', '', '13'])
    """
    dropout = any(layer.dropout for layer in network.layers)
    rows = []
    for layer in network.layers:
        blocks = [block for block in network.blocks if block.target is layer]
        parameters = sum(block.n_synapses for block in blocks) + (layer.size if layer.has_bias else 0)
        activation = "-" if layer.activation is None else layer.activation.name
        sources = ", ".join(block.source.name for block in blocks) or "-"
        rate = [f"{layer.dropout:g}" if layer.dropout else "-"] if dropout else []
        rows.append([layer.name, str(layer.size), activation, *rate, sources, str(parameters)])
    total = sum(layer.size for layer in network.layers)
    rows.append(["total", str(total), "", *([""] if dropout else []), "", str(network.n_parameters)])
    header = ["layer", "size", "activation", *(["dropout"] if dropout else []), "inputs from", "parameters"]
    return header, rows
