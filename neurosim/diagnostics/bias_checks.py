"""``no-bias``: layers without biases on a task that needs them.

A layer added with ``bias=False`` computes ``z = W a``: when everything
before it is 0, so is its ``z``. A network without any bias therefore
gives, at the input ``x = 0``, an output fixed by its activations alone
(``sigmoid(0) = 0.5``) whatever its weights; and a perceptron without a bias
can only draw boundaries through the origin. Both are checked against the
data: the targets at the origin, and the best boundary through the origin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from neurosim._text import plain
from neurosim.diagnostics.report import Finding

if TYPE_CHECKING:
    from neurosim.core import Layer, Network
    from neurosim.diagnostics.settings import Settings
    from neurosim.losses import Loss

#: targets further than this from the output a network must give at the origin cannot be learned
UNREACHABLE = 0.25
ADVICE = (
    "give the layers biases (bias=True, the default), or move the data so that the origin needs no offset"
)


def no_bias(network: Network, X: np.ndarray, T: np.ndarray, loss: Loss, settings: Settings) -> Finding | None:
    """A network whose missing biases keep it from fitting these targets, or ``None``."""
    missing = [layer for layer in network.layers[1:] if not layer.has_bias]
    if not missing:
        return None
    return _fixed_at_origin(network, X, T, missing) or _perceptron_through_origin(
        network, X, T, loss, settings
    )


def output_at_origin(network: Network) -> np.ndarray | None:
    """The outputs at ``x = 0`` when no weight can change them (``None`` when some can).

    Examples
    --------
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", bias=False)
    >>> output_at_origin(net)
    array([0.5])
    """
    zero_z: set[Layer] = set()
    for layer in network.layer_order()[1:]:
        sources = [block.source for block in network.blocks if block.target is layer]
        if layer.has_bias or not all(s.is_input or _outputs_zero(s, zero_z) for s in sources):
            continue
        zero_z.add(layer)
    output = network.output_layer
    if output not in zero_z:
        return None
    return output.activation(np.zeros((1, output.size)))[0]


def _outputs_zero(layer: Layer, zero_z: set[Layer]) -> bool:
    """Whether ``layer``'s outputs are 0 at the origin: its z is, and its activation maps 0 to 0."""
    return layer in zero_z and bool(np.all(layer.activation(np.zeros((1, layer.size))) == 0))


def _fixed_at_origin(network: Network, X: np.ndarray, T: np.ndarray, missing: list[Layer]) -> Finding | None:
    fixed = output_at_origin(network)
    if fixed is None:
        return None
    scale = max(1.0, float(np.abs(X).max()))
    at_origin = np.flatnonzero(np.all(np.abs(X) <= 1e-9 * scale, axis=1))
    off = [k for k in at_origin if np.any(np.abs(T[k] - fixed) > UNREACHABLE)]
    if not off:
        return None
    sample = int(off[0])
    evidence = {
        "samples_at_origin": [int(k) for k in at_origin],
        "output_at_origin": fixed.tolist(),
        "targets": T[sample].tolist(),
    }
    names = [layer.name for layer in missing]
    output = network.output_layer
    message = (
        f"no layer on the way to the output has a bias ({', '.join(map(repr, names))}), so at the input 0 "
        f"every z is 0 and {output[0].name} is {output.activation.name}(0) = {plain(float(fixed[0]))} "
        f"whatever the weights; sample {sample} is the input 0, with target {plain(float(T[sample, 0]))}, "
        "which the network can never reach."
    )
    return Finding("no-bias", "warning", tuple(names), evidence, message, ADVICE)


def _perceptron_through_origin(
    network: Network, X: np.ndarray, T: np.ndarray, loss: Loss, settings: Settings
) -> Finding | None:
    from neurosim.diagnostics.data_checks import remembered_accuracy

    output = network.output_layer
    sources = {block.source for block in network.blocks if block.target is output}
    if output.has_bias or sources != {network.input_layer} or not loss.classification:
        return None
    through = remembered_accuracy(X, T, through_origin=True)
    offset = remembered_accuracy(X, T)
    if through >= settings.linear_accuracy or offset - through < 0.05:
        return None
    evidence = {"accuracy_through_origin": through, "accuracy_with_bias": offset, "samples": len(X)}
    message = (
        f"layer {output.name!r} has no bias and takes the inputs directly, so its boundary must pass through "
        f"the origin: the best such boundary classifies {through:.1%} of these {len(X)} samples, one with an "
        f"offset {offset:.1%}."
    )
    return Finding("no-bias", "warning", (output.name,), evidence, message, ADVICE)
