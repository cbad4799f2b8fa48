"""A neuron's last forward and backward pass, and a synapse's gradient, written out as arithmetic."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from neurosim._text import Text, number, plain
from neurosim.diagnostics.pass_checks import RECTIFIERS, SQUASHERS
from neurosim.diagnostics.settings import Settings
from neurosim.errors import ParameterError

if TYPE_CHECKING:
    from neurosim.core import Neuron, Synapse

MAX_TERMS = 8


def explain_neuron(neuron: Neuron, sample: int | None = None) -> Text:
    """Write out how ``neuron`` computed ``z``, ``a``, ``delta`` and its gradients.

    Uses the values left by the last ``forward`` or ``backward``; ``sample``
    picks one sample of a batch (default 0).

    Examples
    --------
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([2, 1, 1], init="constant", seed=0)
    >>> net.synapse("input[0]", "hidden1[0]").weight = 0.5
    >>> net.synapse("input[1]", "hidden1[0]").weight = -0.25
    >>> net["hidden1[0]"].bias = 0.1
    >>> _ = net.forward([1.0, 2.0])
    >>> print(net["hidden1[0]"].explain())
    hidden1[0] (sigmoid), one sample
      z = 0.5*1 + (-0.25)*2 + 0.1 = 0.1
          weights from input[0], input[1]; bias 0.1
      a = sigmoid(0.1) = 0.525
    """
    if neuron.z_samples is None:
        return Text(f"{neuron.name} has not computed anything yet: call net.forward(x) or net.backward(X, Y)")
    n_samples = len(neuron.z_samples)
    k = _sample_index(sample, n_samples, neuron.name)
    title = "one sample" if n_samples == 1 else f"sample {k} (of {n_samples}, counting from 0)"
    if neuron.layer.is_input:
        return Text(
            f"{neuron.name} (input), {title}\n  a = z = x[{neuron.index}] = {plain(neuron.a_samples[k])}"
        )
    lines = [f"{neuron.name} ({neuron.activation.name}), {title}"]
    lines += _forward_lines(neuron, k)
    condition = neuron_condition(neuron)
    if condition:
        lines.append(f"  {condition}")
    if neuron.delta_samples is not None:
        lines += _delta_lines(neuron, k)
        lines += _gradient_lines(neuron, n_samples)
    return Text("\n".join(lines))


def explain_synapse(synapse: Synapse) -> Text:
    """Write out how the last backward pass computed ``synapse.grad``, sample by sample.

    The gradient of the mean loss with respect to a weight is the mean, over
    the samples of the pass, of the target neuron's ``delta`` times the
    source neuron's activation. The explanation recomputes it from the
    values the two neurons hold and says whether ``synapse.grad`` is that
    number (a weight penalty, or code of your own, may have changed it since).

    Examples
    --------
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([1, 1], activation="identity", init="constant", seed=0)
    >>> _ = net.backward([[1.0], [3.0]], [[1.0], [5.0]], loss="mse")   # z = 0: deltas -2 and -10
    >>> print(net.synapse("input[0]", "output[0]").explain())
    input[0] -> output[0], weight 0, on the last pass (2 samples)
      grad = mean over the samples of output[0].delta * input[0].a
           = mean((-2)*1, (-10)*3) = -16
      as synapse.grad holds
    """
    head = f"{synapse.name}, weight {plain(synapse.weight)}"
    if not synapse.connected:
        return Text(f"{head}: disconnected from the network, so no pass computes it")
    source, target = synapse.source, synapse.target
    deltas, inputs = target.delta_samples, source.a_samples
    if deltas is None or inputs is None or len(deltas) != len(inputs):
        return Text(f"{head}: no backward pass has computed its gradient yet: call net.backward(X, Y)")
    n = len(deltas)
    products = [f"{number(d)}*{number(a)}" for d, a in zip(deltas, inputs, strict=True)]
    recomputed = float(np.mean(deltas * inputs))
    lines = [
        f"{head}, on the last pass ({'one sample' if n == 1 else f'{n} samples'})",
        f"  grad = mean over the samples of {target.name}.delta * {source.name}.a",
        f"       = mean({', '.join(_elide(products, 'products'))}) = {plain(recomputed)}",
    ]
    held = synapse.grad
    if np.isclose(held, recomputed, rtol=1e-9, atol=1e-300):
        lines.append("  as synapse.grad holds")
    else:
        lines.append(
            f"  but synapse.grad holds {plain(held)}: something changed it after that pass "
            "(a weight penalty, or code of your own)"
        )
    return Text("\n".join(lines))


def neuron_condition(neuron: Neuron, settings: Settings | None = None) -> str | None:
    """The doctor's words for a neuron that is dead or saturated on the whole last pass, or ``None``.

    Dead: a relu-like neuron whose ``z`` is <= 0 on every sample of the pass.
    Saturated: a sigmoid or tanh neuron whose slope is below
    ``settings.saturation_slope`` of its largest on ``saturation_samples``
    of them (see ``neurosim.diagnostics.settings.Settings``).

    Examples
    --------
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([1, 1, 1], activation="relu", seed=0)
    >>> net["hidden1[0]"].bias = -5.0
    >>> net.synapse("input[0]", "hidden1[0]").weight = 1.0
    >>> _ = net.forward([[0.5], [2.0]])
    >>> neuron_condition(net["hidden1[0]"])
    'dead on this pass: z <= 0 on all 2 samples (largest -3), so a = 0 and no gradient flows back through it'
    """
    settings = settings or Settings()
    z = neuron.z_samples
    if z is None or neuron.activation is None:
        return None
    name = neuron.activation.name
    n = len(z)
    if name in RECTIFIERS and np.all(z <= 0):
        where = (
            f"z <= 0 on all {n} samples (largest {plain(float(z.max()))})"
            if n > 1
            else f"z = {plain(float(z[0]))} <= 0 on its one sample"
        )
        return f"dead on this pass: {where}, so a = 0 and no gradient flows back through it"
    largest = SQUASHERS.get(name)
    if largest is None or neuron.layer is neuron.layer.network.output_layer:
        return None
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        slope = neuron.activation.derivative(z) / largest
    flat = float(np.mean(slope < settings.saturation_slope))
    if flat >= settings.saturation_samples:
        where = (
            f"on {flat:.0%} of {n} samples z is so far from 0 (from {plain(float(z.min()))} to "
            f"{plain(float(z.max()))})"
            if n > 1
            else f"z = {plain(float(z[0]))} is so far from 0"
        )
        return (
            f"saturated on this pass: {where} that the slope of {name} is below "
            f"{settings.saturation_slope:g} of its largest, so almost no gradient flows back through it"
        )
    return None


def _sample_index(sample: int | None, n_samples: int, name: str) -> int:
    if sample is None:
        return 0
    if (
        isinstance(sample, bool)
        or not isinstance(sample, (int, np.integer))
        or not -n_samples <= sample < n_samples
    ):
        raise ParameterError(
            f"sample must be an integer in 0..{n_samples - 1} (the last pass had {n_samples} samples); "
            f"got {sample!r} for neuron {name!r}"
        )
    return int(sample) % n_samples


def _forward_lines(neuron: Neuron, k: int) -> list[str]:
    incoming = neuron.incoming
    # number writes -0.0 (a dropped neuron's 0, with its activation's sign) as 0
    terms = [f"{number(s.weight)}*{number(s.source.a_samples[k])}" for s in incoming]
    shown = _elide(terms, "terms")
    has_bias = neuron.layer.has_bias
    z_text = " + ".join([*shown, number(neuron.bias)] if has_bias else shown) or "0"
    names = ", ".join(_elide([s.source.name for s in incoming], "more"))
    bias_text = f"bias {plain(neuron.bias)}" if has_bias else "no bias (the layer has none)"
    lines = [f"  z = {z_text} = {plain(neuron.z_samples[k])}"]
    lines.append(f"      weights from {names or 'no neurons'}; {bias_text}")
    a = plain(_own_activation(neuron, k))
    if neuron.activation.elementwise:
        lines.append(f"  a = {neuron.activation.name}({plain(neuron.z_samples[k])}) = {a}")
    else:
        lines.append(f"  a = exp(z) / sum of exp(z) over layer {neuron.layer.name!r} = {a}")
    mask = None if neuron.mask_samples is None else float(neuron.mask_samples[k])
    if mask == 0:
        lines.append("      dropped by dropout on this sample: it passes on 0 instead")
    elif mask is not None:
        lines.append(
            f"      kept by dropout (rate {plain(1 - 1 / mask)}), so it passes on a / (1 - rate) = "
            f"{plain(neuron.a_samples[k])}"
        )
    return lines


def _own_activation(neuron: Neuron, k: int) -> float:
    """``activation(z)`` of sample ``k``: what the neuron computed, before dropout scaled or dropped it."""
    if neuron.mask_samples is None:
        return float(neuron.a_samples[k])
    if neuron.activation.elementwise:
        return float(neuron.activation(neuron.z_samples[k : k + 1])[0])
    z = np.array([[other.z_samples[k] for other in neuron.layer]])
    return float(neuron.activation(z)[0, neuron.index])


def _delta_lines(neuron: Neuron, k: int) -> list[str]:
    outgoing = neuron.outgoing
    delta = plain(neuron.delta_samples[k])
    if neuron.layer is neuron.layer.network.output_layer and not outgoing:
        return [f"  delta = d loss / d z, from the loss on the output layer = {delta}"]
    terms = [f"{number(s.weight)}*{number(s.target.delta_samples[k])}" for s in outgoing]
    incoming_error = " + ".join(_elide(terms, "terms")) or "0"
    mask = None if neuron.mask_samples is None else float(neuron.mask_samples[k])
    if mask == 0:
        return ["  delta = 0: dropped on this sample, so no gradient flows back through it"]
    if not neuron.activation.elementwise:
        scaled = "" if mask is None else f"{plain(mask)} (dropout's scaling) * "
        jacobian = f"softmax Jacobian of layer {neuron.layer.name!r}"
        return [f"  delta = {jacobian} times {scaled}({incoming_error}) = {delta}"]
    own = np.array([_own_activation(neuron, k)])
    slope = float(neuron.activation.backward(neuron.z_samples[k : k + 1], own, np.ones(1))[0])
    name = neuron.activation.name
    if mask is None:
        return [
            f"  delta = {name}'(z) * (weight*delta summed over outgoing synapses)",
            f"        = {number(slope)} * ({incoming_error}) = {delta}",
        ]
    return [
        f"  delta = {name}'(z) * 1/(1 - rate) * (weight*delta summed over outgoing synapses)",
        f"        = {number(slope)} * {plain(mask)} * ({incoming_error}) = {delta}",
    ]


def _gradient_lines(neuron: Neuron, n_samples: int) -> list[str]:
    over = "" if n_samples == 1 else f", means over {n_samples} samples"
    lines = [f"  gradients (d mean loss / d parameter{over}):"]
    if neuron.layer.has_bias:
        lines.append(f"    bias_grad = mean(delta) = {plain(neuron.bias_grad)}")
    incoming = neuron.incoming
    for synapse in incoming[:MAX_TERMS]:
        lines.append(
            f"    {synapse.name}: grad = mean(delta * {synapse.source.name}.a) = {plain(synapse.grad)}"
        )
    if len(incoming) > MAX_TERMS:
        lines.append(f"    ... and {len(incoming) - MAX_TERMS} more synapses")
    return lines


def _elide(items: list[str], what: str) -> list[str]:
    if len(items) <= MAX_TERMS:
        return items
    return [*items[: MAX_TERMS - 2], f"... ({len(items) - MAX_TERMS + 2} more {what})", items[-1]]
