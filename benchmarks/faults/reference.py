"""Independent numbers for the fault cases: a numpy forward pass of a network's own weight arrays.

Nothing here asks the doctor or neurosim's engines: the pass is written out
from the weight blocks (``block.weight[i, j]`` is the weight from
``source[j]`` to ``target[i]``) and the layer biases, with the activations
written again in numpy.
"""

from __future__ import annotations

import numpy as np

import neurosim as ns


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -z))


def _softmax(z: np.ndarray) -> np.ndarray:
    shifted = np.exp(z - z.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


ACTIVATIONS = {
    "identity": lambda z: z,
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "step": lambda z: (z > 0).astype(float),
    "softmax": _softmax,
}
#: the derivative of each squashing activation, and its largest value
SLOPES = {
    "sigmoid": (lambda z: _sigmoid(z) * (1 - _sigmoid(z)), 0.25),
    "tanh": (lambda z: 1 - np.tanh(z) ** 2, 1.0),
}


def forward(net: ns.Network, X: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every layer's ``(z, a)`` on ``X``, by layer name."""
    values = {net.input_layer.name: (X, X)}
    with np.errstate(all="ignore"):
        for layer in net.layer_order()[1:]:
            z = np.tile(layer.bias, (len(X), 1))
            for block in net.blocks:
                if block.target is layer:
                    z = z + values[block.source.name][1] @ block.weight.T
            values[layer.name] = (z, ACTIVATIONS[layer.activation.name](z))
    return values


def dead_neurons(net: ns.Network, X: np.ndarray) -> frozenset[str]:
    """The relu neurons whose ``z`` is <= 0 on every sample of ``X``."""
    values = forward(net, X)
    return frozenset(
        layer[int(i)].name
        for layer in net.layers[1:]
        if layer.activation.name == "relu"
        for i in np.flatnonzero(np.all(values[layer.name][0] <= 0, axis=0))
    )


def saturated_neurons(
    net: ns.Network, X: np.ndarray, *, slope: float = 1e-3, share: float = 0.9
) -> frozenset[str]:
    """The hidden sigmoid/tanh neurons whose slope is below ``slope`` of its largest on ``share`` of ``X``."""
    values = forward(net, X)
    names = set()
    for layer in net.layers[1:-1]:
        if layer.activation.name in SLOPES:
            derivative, largest = SLOPES[layer.activation.name]
            flat = np.mean(derivative(values[layer.name][0]) / largest < slope, axis=0)
            names |= {layer[int(i)].name for i in np.flatnonzero(flat >= share)}
    return frozenset(names)


def first_non_finite_neuron(net: ns.Network, X: np.ndarray) -> str | None:
    """The first neuron, in the order the pass computes them, whose ``z`` or ``a`` is not finite."""
    values = forward(net, X)
    for layer in net.layer_order()[1:]:
        for kind in (0, 1):
            bad = np.argwhere(~np.isfinite(values[layer.name][kind]))
            if bad.size:
                return layer[int(bad[np.lexsort((bad[:, 1], bad[:, 0]))][0][1])].name
    return None
