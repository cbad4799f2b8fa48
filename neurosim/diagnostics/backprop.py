"""The gradients of one pass from its ``z`` and ``a`` alone, so that the doctor's looks change nothing.

During training the doctor looks at a fixed set of samples; a backward
pass through the engine would overwrite the gradients and neuron values
that ``fit`` leaves behind, so the doctor computes the weight gradients on
those samples here, from the forward pass's values, the weights and the
loss's and activations' own derivatives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from neurosim.core import Layer, Network, WeightBlock
    from neurosim.engines import PassValues
    from neurosim.losses import Loss


def pass_gradients(
    network: Network,
    values: PassValues,
    loss: Loss,
    T: np.ndarray,
    deltas: dict[Layer, np.ndarray] | None = None,
) -> dict[WeightBlock, np.ndarray]:
    """Each weight block's gradient of the mean loss over the samples of ``values``.

    ``deltas`` are ``layer_deltas`` of the same pass, when already computed.

    Examples
    --------
    >>> import numpy as np
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([2, 3, 1], activation="tanh", seed=0)
    >>> loss, X, T = net.prepare_batch([[0.0, 1.0], [1.0, 1.0]], [1, 0], "mse")
    >>> values = ns.engines.create(net, "compiled").activations(X)
    >>> grads = pass_gradients(net, values, loss, T)
    >>> _ = net.backward(X, T, "mse")
    >>> all(np.allclose(grads[block], block.grad, rtol=1e-12, atol=0) for block in net.blocks)
    True
    """
    if deltas is None:
        deltas = layer_deltas(network, values, loss, T)
    n = max(values.n_samples, 1)
    return {
        block: (deltas[block.target].T @ values.a(block.source)) * block.mask / n for block in network.blocks
    }


def layer_deltas(network: Network, values: PassValues, loss: Loss, T: np.ndarray) -> dict[Layer, np.ndarray]:
    """``d loss_k / d z`` of every non-input layer for each sample ``k``, from the output back."""
    output = network.output_layer
    deltas = {output: loss.output_delta(values.z(output), values.a(output), T, output.activation)}
    for layer in reversed(network.layer_order()):
        if layer is output or layer.is_input:
            continue
        error = np.zeros_like(values.a(layer))
        for block in network.blocks:
            if block.source is layer:
                error += deltas[block.target] @ block.weight
        deltas[layer] = layer.activation.backward(values.z(layer), values.a(layer), error)
    return deltas
