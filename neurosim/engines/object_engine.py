"""The object engine: forward and backward passes one neuron, one synapse at a time.

This is the engine to read when learning backpropagation. For a batch of
``n`` samples each neuron holds ``n`` values (one per sample), and

* **forward**, layer by layer in ``Network.layer_order``::

      neuron.z = neuron.bias + sum(synapse.weight * synapse.source.a for synapse in neuron.incoming)
      neuron.a = activation(neuron.z)

* **backward**, in the reverse order, for each sample's loss ``loss_k``::

      output neuron:  delta = d loss_k / d z            (from the loss)
      other neuron:   delta = activation'(z) * sum(synapse.weight * synapse.target.delta
                                                   for synapse in neuron.outgoing)
      synapse.grad    = mean over samples of (target.delta * source.a)
      neuron.bias_grad = mean over samples of delta

  so the gradients are those of the mean loss over the batch.

A softmax layer's activation couples its neurons, so activations (and their
derivatives) are applied to a whole layer once each neuron has its ``z``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from neurosim.core.layer import Layer
    from neurosim.core.network import Network
    from neurosim.losses import Loss


def forward(network: Network, X: np.ndarray) -> np.ndarray:
    """Forward pass of a validated ``(n_samples, n_inputs)`` batch; returns the outputs."""
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in network.layer_order():
            if layer.is_input:
                for neuron in layer:
                    neuron._z = neuron._a = X[:, neuron.index].copy()
                    neuron._delta = None
                continue
            for neuron in layer:
                z = np.full(X.shape[0], neuron.bias)
                for synapse in neuron.incoming:
                    z += synapse.weight * synapse.source._a
                neuron._z = z
                neuron._delta = None
            _activate(layer)
    return _stack(network.output_layer, "_a")


def _activate(layer: Layer) -> None:
    if layer.activation.elementwise:
        for neuron in layer:
            neuron._a = layer.activation(neuron._z)
        return
    a = layer.activation(_stack(layer, "_z"))
    for neuron in layer:
        neuron._a = a[:, neuron.index]


def backward(network: Network, X: np.ndarray, T: np.ndarray, loss: Loss) -> float:
    """Forward then backward pass; sets every gradient and returns the mean loss."""
    forward(network, X)
    output = network.output_layer
    Z, A = _stack(output, "_z"), _stack(output, "_a")
    with np.errstate(over="ignore", invalid="ignore"):
        value = loss.value(Z, A, T)
        output_delta = loss.output_delta(Z, A, T, output.activation)
        for layer in reversed(network.layer_order()):
            if layer.is_input:
                continue
            _backpropagate_into(layer)
            if layer is output:
                for neuron in layer:
                    neuron._delta = neuron._delta + output_delta[:, neuron.index]
            _set_gradients(layer)
    return value


def _backpropagate_into(layer: Layer) -> None:
    """Each neuron's delta from the deltas of the neurons it feeds."""
    grad_a = []
    for neuron in layer:
        g = np.zeros_like(neuron._z)
        for synapse in neuron.outgoing:
            g += synapse.weight * synapse.target._delta
        grad_a.append(g)
    if layer.activation.elementwise:
        for neuron, g in zip(layer, grad_a, strict=True):
            neuron._delta = layer.activation.backward(neuron._z, neuron._a, g)
        return
    delta = layer.activation.backward(_stack(layer, "_z"), _stack(layer, "_a"), np.column_stack(grad_a))
    for neuron in layer:
        neuron._delta = delta[:, neuron.index]


def _set_gradients(layer: Layer) -> None:
    """Each incoming synapse's gradient and each neuron's bias gradient (means over the batch)."""
    for neuron in layer:
        delta, n = neuron._delta, len(neuron._delta)
        layer.bias_grad[neuron.index] = np.add.reduce(delta) / n
        for synapse in neuron.incoming:
            # the mean over samples of delta * source.a, as one dot product
            synapse._block.grad[synapse._row, synapse._col] = np.dot(delta, synapse.source._a) / n


def _stack(layer: Layer, attribute: str) -> np.ndarray:
    return np.column_stack([getattr(neuron, attribute) for neuron in layer])
