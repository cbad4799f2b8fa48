"""A network's forward pass written out as a short numpy program: the matrices of the compile step, as text.

``Network.to_numpy_source`` gives the text. It depends on numpy alone: each
block of weights between two layers is one matrix (rows are the target's
neurons, columns the source's, 0 where a synapse is absent), each layer's
biases one vector, and ``forward(X)`` computes each layer, in the order the
compiled engine does::

    hidden1 = tanh(input @ W_input_hidden1.T + b_hidden1)

so a learner sees their own graph in matrix form, and can run it anywhere.
Every number is written with ``repr``, which gives it back exactly.

Examples
--------
>>> import numpy as np
>>> import neurosim as ns
>>> net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
>>> source = net.to_numpy_source()
>>> print(source.splitlines()[-3])
    hidden1 = tanh(input @ W_input_hidden1.T + b_hidden1)
>>> namespace = {}
>>> exec(source, namespace)
>>> X = np.array([[0.0, 1.0], [1.0, 0.5]])
>>> bool(np.allclose(namespace["forward"](X), net.predict(X), rtol=1e-12, atol=0))
True
"""

from __future__ import annotations

import keyword
import re
from typing import TYPE_CHECKING

import numpy as np

from neurosim.activations import LEAKY_SLOPE
from neurosim.errors import ParameterError

if TYPE_CHECKING:
    from neurosim.core import Layer, Network

#: each built-in activation as numpy code: its function's definition, written out
ACTIVATION_SOURCE = {
    "identity": "def identity(z):\n    return z\n",
    "sigmoid": (
        "def sigmoid(z):\n"
        "    e = np.exp(-np.abs(z))  # never overflows\n"
        "    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n"
    ),
    "tanh": "def tanh(z):\n    return np.tanh(z)\n",
    "relu": "def relu(z):\n    return np.maximum(z, 0.0)\n",
    "leaky_relu": "def leaky_relu(z):\n    return np.where(z > 0, z, {slope!r} * z)\n",
    "softplus": "def softplus(z):\n    return np.logaddexp(0.0, z)  # log(1 + e^z), never overflows\n",
    "step": "def step(z):\n    return (z >= 0).astype(float)\n",
    "softmax": (
        "def softmax(z):\n"
        "    e = np.exp(z - z.max(axis=1, keepdims=True))  # shifted: never overflows\n"
        "    return e / e.sum(axis=1, keepdims=True)\n"
    ),
}


def numpy_source(network: Network) -> str:
    """The forward pass of ``network`` as the text of a numpy program defining ``forward(X)``.

    Raises
    ------
    ParameterError
        If a layer uses an activation of your own: its numpy form is not known.
    """
    network.check_graph()
    order = network.layer_order()
    for layer in order[1:]:
        _check_built_in(layer)
    names: dict[Layer, str] = {}
    for i, layer in enumerate(order):
        names[layer] = _identifier(layer.name, i, taken=set(names.values()))
    lines = [
        f'"""The forward pass of {network!r}, written out by neurosim: numpy alone."""',
        "",
        "import numpy as np",
        "",
        "# weights: one matrix per pair of connected layers, rows are the target's neurons,",
        "# columns the source's, 0 where there is no synapse; biases: one vector per layer",
    ]
    for block in network.blocks:
        lines.append(f"W_{names[block.source]}_{names[block.target]} = {_array(block.weight * block.mask)}")
    for layer in order[1:]:
        if layer.has_bias:
            lines.append(f"b_{names[layer]} = {_array(layer.bias)}")
    lines.append("")
    for name in dict.fromkeys(layer.activation.name for layer in order[1:]):
        lines.append("")
        lines.append(ACTIVATION_SOURCE[name].format(slope=LEAKY_SLOPE))
    lines += ["", _forward(network, order, names)]
    return "\n".join(lines)


def _forward(network: Network, order: list[Layer], names: dict[Layer, str]) -> str:
    inputs = names[order[0]]
    body = [
        "def forward(X):",
        f'    """The outputs for a batch ``X`` of shape (n_samples, {order[0].size})."""',
        f"    {inputs} = np.asarray(X, dtype=float)",
    ]
    for layer in order[1:]:
        terms = [
            f"{names[block.source]} @ W_{names[block.source]}_{names[layer]}.T"
            for block in network.blocks
            if block.target is layer
        ]
        if not terms:  # no synapse reaches it: its weighted inputs are its biases, for every sample
            terms.append(f"np.zeros((len({inputs}), {layer.size}))")
        if layer.has_bias:
            terms.append(f"b_{names[layer]}")
        weighted = " + ".join(terms)
        body.append(f"    {names[layer]} = {layer.activation.name}({weighted})")
    body.append(f"    return {names[network.output_layer]}")
    return "\n".join(body) + "\n"


def _check_built_in(layer: Layer) -> None:
    name = layer.activation.name
    if not layer.activation.is_built_in or name not in ACTIVATION_SOURCE:
        raise ParameterError(
            f"to_numpy_source writes the built-in activations only; layer {layer.name!r} uses "
            f"{name!r}, whose numpy form neurosim does not know"
        )


#: names the program itself uses, which a layer's variable must not take
RESERVED = {"np", "forward", "X", "e", "z", *ACTIVATION_SOURCE}


def _identifier(name: str, position: int, taken: set[str]) -> str:
    """A layer's name as a Python variable: other characters become ``_``, a clash gets its position."""
    identifier = re.sub(r"\W", "_", name)
    if (
        not identifier
        or identifier[0].isdigit()
        or keyword.iskeyword(identifier)
        or identifier in RESERVED
        or identifier in taken
    ):
        identifier = f"layer{position}_{identifier}"
    return identifier


def _array(values: np.ndarray) -> str:
    """``values`` as ``np.array(...)`` text that gives back every float exactly; a matrix a row per line."""
    rows = values.astype(float).tolist()
    if values.ndim == 2:
        return "np.array([\n" + "".join(f"    {_exact(row)},\n" for row in rows) + "])"
    return f"np.array({_exact(rows)})"


def _exact(values: object) -> str:
    if isinstance(values, list):
        return "[" + ", ".join(_exact(value) for value in values) + "]"
    return repr(float(values))
