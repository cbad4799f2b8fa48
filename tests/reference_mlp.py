"""An independent forward and backward pass over a neurosim network's arrays, written with numpy.

It reads only the network's public description (layers in computing
order, each weight block's matrix and mask, each layer's bias and
activation function) and does the chain rule itself, with the derivatives
and the losses' output deltas written out here, so it shares no arithmetic
with either engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import neurosim as ns

#: f'(z) written in terms of z, for the element-wise activations the tests use
DERIVATIVES = {
    "identity": lambda z: np.ones_like(z),
    "sigmoid": lambda z: np.exp(-z) / (1.0 + np.exp(-z)) ** 2,
    "tanh": lambda z: 1.0 / np.cosh(z) ** 2,
    "relu": lambda z: (z > 0).astype(float),
}


@dataclass
class ReferencePass:
    """What a forward and backward pass computed, by layer name and parameter name."""

    z: dict[str, np.ndarray]
    a: dict[str, np.ndarray]
    delta: dict[str, np.ndarray]
    grads: dict[str, np.ndarray]
    loss: float


def _activate(name: str, z: np.ndarray) -> np.ndarray:
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    return {"identity": lambda v: v, "tanh": np.tanh, "relu": lambda v: np.maximum(v, 0.0)}[name](z)


def _loss_and_output_delta(
    loss: str, z: np.ndarray, a: np.ndarray, t: np.ndarray
) -> tuple[float, np.ndarray]:
    """The mean loss and ``d loss_k / d z`` of the output layer for each sample ``k``."""
    m = a.shape[1]
    if loss == "mse":
        return float(np.mean((a - t) ** 2)), 2.0 * (a - t) / m  # d loss_k / d a; the caller applies f'
    if loss == "bce":
        value = float(np.mean(-(t * np.log(a) + (1 - t) * np.log(1 - a))))
        return value, (a - t) / m
    if loss == "cross_entropy":
        value = float(np.mean(-np.sum(t * np.log(a), axis=1)))
        return value, a * t.sum(axis=1, keepdims=True) - t
    raise AssertionError(loss)


def reference_pass(net: ns.Network, X: np.ndarray, T: np.ndarray, loss: str) -> ReferencePass:
    """Forward and backward over ``net`` for the batch ``X``, ``T`` (float64, as ``prepare_batch`` gives)."""
    order = net.layer_order()
    blocks = net.blocks
    z, a = {}, {}
    for layer in order:
        if layer.is_input:
            z[layer.name] = a[layer.name] = X
            continue
        total = np.tile(layer.bias.astype(float), (len(X), 1))
        for block in blocks:
            if block.target is layer:
                total = total + a[block.source.name] @ (block.weight * block.mask).T
        z[layer.name] = total
        a[layer.name] = _activate(layer.activation.name, total)
    output = net.output_layer
    value, output_delta = _loss_and_output_delta(loss, z[output.name], a[output.name], T)
    if loss == "mse":
        output_delta = output_delta * DERIVATIVES[output.activation.name](z[output.name])
    delta: dict[str, np.ndarray] = {}
    for layer in reversed(order):
        if layer.is_input:
            continue
        incoming_error = np.zeros_like(z[layer.name])
        for block in blocks:
            if block.source is layer:
                incoming_error = incoming_error + delta[block.target.name] @ (block.weight * block.mask)
        local = (
            incoming_error * DERIVATIVES[layer.activation.name](z[layer.name]) if layer is not output else 0
        )
        delta[layer.name] = local + (output_delta if layer is output else 0)
    n = len(X)
    grads = {}
    for block in blocks:
        grads[f"{block.name}.weight"] = (delta[block.target.name].T @ a[block.source.name]) / n * block.mask
    for layer in order:
        if not layer.is_input:
            grads[f"{layer.name}.bias"] = delta[layer.name].mean(axis=0)
    return ReferencePass(z, a, delta, grads, value)
