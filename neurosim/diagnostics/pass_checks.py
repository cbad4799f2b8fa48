"""The doctor's checks on one pass: every neuron's values and every gradient."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from neurosim._text import plain
from neurosim.classes import NO_CLASS, predicted_classes
from neurosim.diagnostics.report import Finding

if TYPE_CHECKING:
    from neurosim.core import Layer, Network, WeightBlock
    from neurosim.diagnostics.settings import Settings
    from neurosim.engines import PassValues
    from neurosim.losses import Loss

#: activations that are 0 with a zero slope for every z <= 0 (leaky_relu keeps a slope there: it cannot die)
RECTIFIERS = ("relu",)
#: activations that flatten out at both ends, with their largest slope
SQUASHERS = {"sigmoid": 0.25, "tanh": 1.0}
#: below this many samples, a relu below 0 on all of them may be chance: a dead neuron is only information
FEW_SAMPLES = 4
#: losses computed from the output's z: the output activation's slope does not reach the gradient
LOGIT_LOSSES = ("bce", "cross_entropy")


def neuron_findings(
    network: Network,
    values: PassValues,
    loss: Loss,
    T: np.ndarray,
    settings: Settings,
    *,
    trained: bool = False,
) -> list[Finding]:
    """``dead-neurons``, ``saturated-neurons`` and ``constant-output`` on one pass's values.

    ``trained`` says the network has been trained a while: a classifier that
    still predicts one class for every input is then a warning (before
    training it is common, and only information).
    """
    found = [
        dead_neurons(network, values, settings),
        saturated_neurons(network, values, loss, settings),
        constant_output(network, values, T, settings) or one_class(network, values, loss, T, trained=trained),
    ]
    return [finding for finding in found if finding is not None]


def dead_neuron_names(network: Network, values: PassValues) -> dict[str, float]:
    """Every relu-like neuron whose ``z`` is <= 0 on every sample, with its largest ``z``."""
    dead = {}
    for layer in network.layers[1:]:
        if layer.activation.name not in RECTIFIERS or values.z(layer) is None:
            continue
        z_max = values.z(layer).max(axis=0)
        dead.update({layer[int(i)].name: float(z_max[i]) for i in np.flatnonzero(z_max <= 0)})
    return dead


def dead_neurons(network: Network, values: PassValues, settings: Settings) -> Finding | None:
    """Relu neurons that output 0 on every sample: no gradient flows through them.

    On fewer than ``FEW_SAMPLES`` samples a relu is often below 0 on all of
    them by chance: the finding is then only information.
    """
    dead = dead_neuron_names(network, values)
    if not dead:
        return None
    n = values.n_samples
    evidence = {name: {"z_max": z_max, "samples": n} for name, z_max in dead.items()}
    severity, layers = _layer_severity(network, list(dead), settings.dead_fraction)
    if n < FEW_SAMPLES:
        severity = "info"
    worst = max(layers, key=lambda item: item[1] / item[2])
    name, count, size = worst
    first = next(n for n in dead if n.startswith(f"{name}["))
    whole = "every neuron" if count == size else f"{count} of {size} neurons"
    on_all = "the only sample" if n == 1 else f"all {n} samples"
    message = (
        f"{len(dead)} relu neuron{'s are' if len(dead) > 1 else ' is'} dead: z <= 0 on {on_all}, so "
        f"a = 0 and no gradient reaches {'their' if len(dead) > 1 else 'its'} incoming synapses "
        f"({whole} of layer {name!r}; {first}'s largest z is {plain(dead[first])})."
    )
    if count == size and not _bypassed(network, network[name]):
        message += f" Nothing passes through layer {name!r}: the output cannot depend on the input."
    advice = (
        "a smaller learning rate, inputs scaled to unit size, He initialisation (init='he'), "
        "or leaky_relu, which keeps a small slope below 0"
    )
    return Finding("dead-neurons", severity, tuple(dead), evidence, message, advice)


def _bypassed(network: Network, layer: Layer) -> bool:
    """Whether some connection leads from the inputs to the output without going through ``layer``."""
    reached, frontier = {network.input_layer}, [network.input_layer]
    while frontier:
        source = frontier.pop()
        for block in network.blocks:
            if block.source is source and block.target is not layer and block.target not in reached:
                reached.add(block.target)
                frontier.append(block.target)
    return network.output_layer in reached


def saturated_neuron_names(network: Network, values: PassValues, loss: Loss, settings: Settings) -> dict:
    """Sigmoid and tanh neurons whose slope is tiny on almost every sample, with their numbers."""
    saturated = {}
    for layer in network.layers[1:]:
        largest = SQUASHERS.get(layer.activation.name)
        z = values.z(layer)
        if largest is None or z is None or (layer is network.output_layer and loss.name in LOGIT_LOSSES):
            continue
        slope = layer.activation.derivative(z) / largest
        flat = slope < settings.saturation_slope
        fraction = np.mean(flat, axis=0)
        for i in np.flatnonzero(fraction >= settings.saturation_samples):
            stuck = flat[:, i]
            saturated[layer[int(i)].name] = {
                "fraction": float(fraction[i]),
                "z_min": float(z[:, i].min()),
                "z_max": float(z[:, i].max()),
                # on the saturated samples: how close z comes to 0, and the steepest slope there
                "abs_z_min": float(np.abs(z[stuck, i]).min()),
                "slope_max": float(slope[stuck, i].max() * largest),
            }
    return saturated


def saturated_neurons(network: Network, values: PassValues, loss: Loss, settings: Settings) -> Finding | None:
    """Sigmoid and tanh neurons stuck at their limits, where the slope, and so the gradient, is ~0."""
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        saturated = saturated_neuron_names(network, values, loss, settings)
    if not saturated:
        return None
    severity, layers = _layer_severity(network, list(saturated), settings.saturated_fraction)
    first, numbers = next(iter(saturated.items()))
    name, count, size = layers[0]
    n = values.n_samples
    stuck = round(numbers["fraction"] * n)
    steepest = numbers["slope_max"]
    slope = f"at most {plain(steepest, 2)}" if steepest > 0 else "0 to float precision"
    message = (
        f"{len(saturated)} neuron{'s are' if len(saturated) > 1 else ' is'} saturated ({count} of {size} in "
        f"layer {name!r}): on {'all' if stuck == n else f'{stuck} of'} {n} samples {first}'s z is at least "
        f"{plain(numbers['abs_z_min'])} away from 0 (it ranges from {plain(numbers['z_min'])} to "
        f"{plain(numbers['z_max'])}), where the slope of {network[name].activation.name} is {slope}, "
        "so almost no gradient passes through it."
    )
    advice = (
        "scale the inputs to unit size, initialise with init='xavier', lower the learning rate; "
        "with a sigmoid output, train with loss='bce', whose gradient does not vanish"
    )
    return Finding("saturated-neurons", severity, tuple(saturated), saturated, message, advice)


def _layer_severity(network: Network, names: list[str], fraction: float) -> tuple[str, list]:
    """The severity of neurons ``names`` by how much of their layers they are, and per layer the counts."""
    layers = []
    severity = "info"
    for layer in network.layers[1:]:
        count = sum(name.startswith(f"{layer.name}[") for name in names)
        if not count:
            continue
        layers.append((layer.name, count, layer.size))
        if count == layer.size:
            severity = "error"
        elif count >= fraction * layer.size and severity == "info":
            severity = "warning"
    return severity, layers


def constant_output(
    network: Network, values: PassValues, T: np.ndarray, settings: Settings
) -> Finding | None:
    """Outputs that are the same for every input."""
    outputs, inputs = values.outputs, values.a(network.input_layer)
    if outputs is None or len(outputs) < 2 or _all_rows_alike(T) or _all_rows_alike(inputs):
        return None  # nothing to tell apart: the same targets, or the same inputs, for every sample
    with np.errstate(over="ignore", invalid="ignore"):
        spread = outputs.max(axis=0) - outputs.min(axis=0)
    # small next to how much the targets vary: targets of range 1e-4 are met by outputs of range 1e-4
    target_spread = T.max(axis=0) - T.min(axis=0)
    varying = target_spread > 0
    if not np.all(spread[varying] < settings.constant_spread * target_spread[varying]):
        return None
    layer = network.output_layer
    evidence = {
        neuron.name: {
            "value": float(outputs[:, j].mean()),
            "spread": float(spread[j]),
            "target_mean": float(T[:, j].mean()),
        }
        for j, neuron in enumerate(layer)
    }
    first, numbers = next(iter(evidence.items()))
    value, mean = numbers["value"], numbers["target_mean"]
    scale = max(1.0, float(np.abs(T).max()))
    average = (
        "the mean target: it gives only the average"
        if abs(value - mean) < 0.05 * scale
        else f"not even the mean target ({plain(mean)})"
    )
    message = (
        f"the network gives the same output for every input: over {len(outputs)} samples {first} stays at "
        f"{plain(value)} (range {plain(numbers['spread'], 2)}), {average}. "
        + (
            "Its hidden neurons pass nothing of the input on."
            if len(network.layers) > 2
            else "Its weights pass nothing of the input on."
        )
    )
    advice = (
        "look for dead or saturated hidden neurons, a learning rate far too large, or unscaled inputs; "
        "check that each sample's inputs reach the network (not the same row every time)"
    )
    return Finding("constant-output", "warning", tuple(evidence), evidence, message, advice)


def one_class(
    network: Network, values: PassValues, loss: Loss, T: np.ndarray, *, trained: bool
) -> Finding | None:
    """A classifier that predicts the same class for every input while the targets hold several."""
    outputs = values.outputs
    zero_one = bool(np.all((T == 0) | (T == 1)))  # 0/1 targets: a classifier, even trained with mse
    if not (loss.classification or zero_one) or outputs is None or len(outputs) < 2:
        return None
    predicted, labels = predicted_classes(outputs), predicted_classes(T)
    present = np.unique(labels)
    if present.size < 2 or np.any(predicted != predicted[0]) or predicted[0] == NO_CLASS:
        return None  # several classes predicted, or none (outputs that are not numbers, found elsewhere)
    chosen = int(predicted[0])
    shares = {int(c): float(np.mean(labels == c)) for c in present}
    layer = network.output_layer
    evidence = {
        neuron.name: {"min": float(outputs[:, j].min()), "max": float(outputs[:, j].max())}
        for j, neuron in enumerate(layer)
    }
    evidence["predicted_class"] = chosen
    evidence["target_shares"] = shares
    share_text = ", ".join(f"class {c} {share:.0%}" for c, share in shares.items())
    first = layer[0].name
    message = (
        f"the network predicts class {chosen} for all {len(outputs)} inputs, while the targets are "
        f"{share_text}; {first} ranges only from {plain(evidence[first]['min'])} to "
        f"{plain(evidence[first]['max'])}."
    )
    if not trained:
        message += (
            " Before training, or while the loss still falls, this is common; once training has stalled "
            "it means nothing was learned."
        )
    advice = (
        "look for dead or saturated hidden neurons, a learning rate far too large, unscaled inputs, "
        "or classes so unbalanced that the majority wins: check each class's share"
    )
    severity = "warning" if trained else "info"
    return Finding("constant-output", severity, tuple(n.name for n in layer), evidence, message, advice)


def _all_rows_alike(values: np.ndarray) -> bool:
    return bool(np.all(values == values[0]))


def layer_gradient_sizes(network: Network, grads: dict[WeightBlock, np.ndarray]) -> dict[str, float]:
    """The root mean square of the gradients ``grads`` of the weights into each layer, by layer name."""
    sizes = {}
    for layer in network.layers[1:]:
        blocks = [block for block in network.blocks if block.target is layer]
        count = sum(int(block.mask.sum()) for block in blocks)
        if count:
            sizes[layer.name] = _root_mean_square([grads[block] for block in blocks], count)
    return sizes


def _root_mean_square(arrays: list[np.ndarray], count: int) -> float:
    """The root mean square of the ``count`` entries of ``arrays``: 0 only when every entry is exactly 0.

    The entries are scaled by the largest first, so that squaring them neither under- nor overflows.
    """
    largest = max((float(np.max(np.abs(values), initial=0.0)) for values in arrays), default=0.0)
    if largest == 0.0 or not np.isfinite(largest):
        return largest
    total = sum(float(np.sum(np.square(values.astype(float) / largest))) for values in arrays)
    return largest * float(np.sqrt(total / count))


def gradient_findings(
    network: Network,
    values: PassValues,
    grads: dict[WeightBlock, np.ndarray],
    deltas: dict[Layer, np.ndarray],
    loss_value: float,
    settings: Settings,
) -> list[Finding]:
    """``zero-gradients``, ``vanishing-gradients`` and ``exploding-gradients``.

    ``grads`` are the weight gradients and ``deltas`` each layer's
    ``d loss / d z`` on the samples of ``values``
    (``neurosim.diagnostics.backprop``); the values say why a gradient is 0.
    """
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        sizes = layer_gradient_sizes(network, grads)
        signals = {
            layer.name: _root_mean_square([deltas[layer]], deltas[layer].size)
            for layer in network.layer_order()
            if layer in deltas
        }
    if not sizes or not all(np.isfinite([*sizes.values(), *signals.values()])):
        return []
    found = [zero_gradients(network, values, deltas, sizes, loss_value), gradient_flow(signals, settings)]
    return [finding for finding in found if finding is not None]


def zero_gradients(
    network: Network,
    values: PassValues,
    deltas: dict[Layer, np.ndarray],
    sizes: dict[str, float],
    loss_value: float,
) -> Finding | None:
    """Layers whose incoming weights get exactly zero gradient while the loss is not zero."""
    zero = [name for name, size in sizes.items() if size == 0.0]
    if not zero or not loss_value > 0:
        return None
    evidence = {name: {"grad_rms": 0.0, "activation": network[name].activation.name} for name in zero}
    layers = "s" if len(zero) > 1 else ""
    if len(zero) == len(sizes):
        biases = ", only the output biases" if network.output_layer.has_bias else ""
        message = (
            f"every weight's gradient is exactly 0 while the loss is {plain(loss_value)}: training can "
            f"change no weight{biases}."
        )
        severity = "error"
    else:
        message = (
            f"the weights into layer{layers} {', '.join(map(repr, zero))} get exactly 0 gradient while the "
            f"loss is {plain(loss_value)}: no error signal reaches them."
        )
        severity = "warning"
    reasons = [_why_zero(network, values, deltas, name) for name in zero]
    message += "".join(f" {sentence}" for sentence in dict.fromkeys(text for text, _ in reasons) if sentence)
    advice = _zero_gradient_advice({cause for _, cause in reasons})
    return Finding("zero-gradients", severity, tuple(zero), evidence, message, advice)


ZERO_GRADIENT_ADVICE = {
    "step": "use a differentiable activation (sigmoid, tanh, relu) instead of step",
    "dead": "revive the dead relus (see dead-neurons: a smaller learning rate, init='he')",
    "constant": "initialise the weights randomly (init='xavier' or 'he'), not to one constant",
    "data": "check the inputs: every value of them is 0",
    "pinned": "a smaller learning rate: outputs pinned exactly at their targets stop all learning",
}


def _zero_gradient_advice(causes: set[str]) -> str:
    """What to try, for the causes ``_why_zero`` found."""
    tips = [tip for cause, tip in ZERO_GRADIENT_ADVICE.items() if cause in causes]
    return "; ".join(tips) or "check what zeroes the error on its way back: each layer's slope and weights"


def _why_zero(
    network: Network, values: PassValues, deltas: dict[Layer, np.ndarray], name: str
) -> tuple[str, str]:
    """Why layer ``name``'s weight gradients are 0: a sentence, and a key of ``ZERO_GRADIENT_ADVICE``."""
    layer = network[name]
    z = values.z(layer)
    if layer.activation.name == "step":
        return (
            f"Layer {name!r} uses step, whose slope is 0 everywhere, so backpropagation stops there.",
            "step",
        )
    if layer.activation.name in RECTIFIERS and z is not None and np.all(z <= 0):
        return (
            f"Every relu of {name!r} has z <= 0 on every sample (dead), so backpropagation stops there.",
            "dead",
        )
    sources = [block.source for block in network.blocks if block.target is layer]
    silent = [s for s in sources if values.a(s) is not None and not np.any(values.a(s))]
    if silent:
        why, cause = _why_silent(silent[0], values)
        return f"The neurons of {silent[0].name!r} output exactly 0 on every sample: {why}.", cause
    outgoing = [block for block in network.blocks if block.source is layer]
    if outgoing and not any(np.any(block.weight) for block in outgoing):
        return f"Every weight out of {name!r} is 0, so no error comes back to it.", "constant"
    return _where_no_error(network, values, deltas, layer)


def _where_no_error(
    network: Network, values: PassValues, deltas: dict[Layer, np.ndarray], layer: Layer
) -> tuple[str, str]:
    """The gradient of weights into ``layer`` is 0 when, on each sample, its error or its inputs are 0."""
    delta = deltas.get(layer)
    if delta is None:
        return "", ""
    quiet = ~np.any(delta, axis=1)
    sources = [block.source for block in network.blocks if block.target is layer]
    silent = np.all([~np.any(values.a(s), axis=1) for s in sources], axis=0)
    if not np.all(quiet | silent):
        return "", ""
    output = network.output_layer
    pinned = int(np.count_nonzero(~np.any(deltas[output], axis=1)))
    return (
        "On every sample either the neurons feeding a layer are all 0 or the error reaching it is exactly "
        f"0: on {pinned} of {len(quiet)} samples the outputs equal their targets to float precision "
        "(pinned far in the flat tails of the output's activation), and on the others the live neurons "
        "are silent.",
        "pinned",
    )


def _why_silent(layer: Layer, values: PassValues) -> tuple[str, str]:
    """Why every output of ``layer`` is 0: the data, dead relus, or weights and biases of 0."""
    if layer.is_input:
        return "every input value is 0", "data"
    z = values.z(layer)
    if layer.activation.name in RECTIFIERS and z is not None and np.all(z <= 0):
        return "its relus are dead, so the weights out of them get no gradient", "dead"
    return "all their weights and biases are 0, so the weights out of them get no gradient", "constant"


def gradient_flow(signals: dict[str, float], settings: Settings) -> Finding | None:
    """An error signal ``d loss / d z`` that shrinks or grows by orders of magnitude on its way back.

    ``signals`` is the root mean square of each layer's ``delta``, from the
    first hidden layer to the output layer. Only a network with two hidden
    layers or more is judged: with one, a small signal reaching it says more
    about its neurons (dead, saturated) or the samples already fitted than
    about depth.
    """
    names = list(signals)
    if len(names) < 3 or signals[names[-1]] == 0.0 or signals[names[0]] == 0.0:
        return None
    ratio = signals[names[0]] / signals[names[-1]]
    evidence = {name: {"delta_rms": size} for name, size in signals.items()}
    evidence["ratio"] = ratio
    text = (
        f"the error signal d loss / d z reaching {names[0]!r} is {plain(ratio, 2)} times the one leaving "
        f"{names[-1]!r} (root mean squares {plain(signals[names[0]], 3)} and {plain(signals[names[-1]], 3)})"
    )
    if ratio < settings.vanishing_ratio:
        message = f"{text}: the gradient vanishes on its way back, so the first layers hardly learn."
        advice = "relu hidden layers with init='he', fewer layers, or inputs scaled to unit size"
        return Finding("vanishing-gradients", "warning", tuple(names), evidence, message, advice)
    if ratio > settings.exploding_ratio:
        message = f"{text}: the gradient grows on its way back, so the first layers' updates overshoot."
        advice = "smaller initial weights (init='xavier'), a smaller learning rate, or fewer layers"
        return Finding("exploding-gradients", "warning", tuple(names), evidence, message, advice)
    return None
