"""The object engine and the compiled engine compute the same numbers.

A hypothesis test draws networks (mixed activations, skip connections,
pruned synapses; see ``strategies.cases``) for every allowed (hidden
activation, output activation, loss) combination, and checks in float64:

* outputs, loss, every synapse and bias gradient, and every neuron's
  ``z``, ``a`` and ``delta`` after one backward pass;
* the weights, biases, losses and accuracies after at least 20 steps of
  ``fit`` with the same seed, one network trained by each engine.

Agreement is relative 1e-10, with an absolute floor of 1e-13 for values that
cancel to (nearly) zero, where the engines' different summation orders
leave rounding of the size of the terms that cancelled.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import COMBINATIONS, cases, network_settings

import neurosim as ns
from neurosim.activations import ACTIVATIONS
from neurosim.io.json_format import from_dict, to_dict

RELATIVE = 1e-10
FLOOR = 1e-13

# 80 combinations x 3 examples = 240 generated networks.
AGREE_SETTINGS = network_settings(max_examples=3)


def assert_close(a, b, what: str) -> None:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, what
    error = np.abs(a - b)
    limit = RELATIVE * np.maximum(np.abs(a), np.abs(b)) + FLOOR
    worst = np.unravel_index(np.argmax(error - limit), error.shape) if error.size else ()
    assert (error <= limit).all(), f"{what}: {a[worst]!r} vs {b[worst]!r} differ by {error[worst]:.3g}"


def twin(net: ns.Network) -> ns.Network:
    """An independent copy of ``net``: same structure, weights and biases, separate arrays."""
    return from_dict(to_dict(net), dict(ACTIVATIONS))


def state(net: ns.Network) -> dict[str, object]:
    """Every weight, gradient, bias and neuron value, keyed by name."""
    values: dict[str, object] = {}
    for synapse in net.synapses:
        values[f"{synapse.name} weight"] = synapse.weight
        values[f"{synapse.name} grad"] = synapse.grad
    for neuron in net.neurons:
        for name in ("bias", "bias_grad", "z", "a", "delta"):
            value = getattr(neuron, name)
            if value is not None:
                values[f"{neuron.name}.{name}"] = value
    return values


def assert_same_state(left: ns.Network, right: ns.Network, context: str) -> None:
    a, b = state(left), state(right)
    assert a.keys() == b.keys(), context
    for key in a:
        assert_close(a[key], b[key], f"{key}{context}")


@pytest.mark.parametrize(("hidden", "output", "loss"), COMBINATIONS)
# random networks on random targets: the doctor rightly finds faults in many; it runs, but stays quiet
@pytest.mark.filterwarnings("ignore::neurosim.errors.DiagnosisWarning")
@AGREE_SETTINGS
@given(data=st.data())
def test_engines_agree(data, hidden, output, loss):
    net, X, Y, pruned, skips = data.draw(cases(hidden, output, loss), label="case")
    context = (
        f"\nnetwork {net!r}, hidden {hidden}, output {output}, loss {loss}, skips {skips}, pruned {pruned}"
    )
    compiled_net = twin(net)
    compiled = compiled_net.compile()

    # one pass: outputs, loss, gradients and every neuron's values
    assert_close(net.predict(X), compiled.predict(X), f"outputs{context}")
    loss_object = net.backward(X, Y, loss)
    loss_compiled = compiled.backward(X, Y, loss)
    assert_close(loss_object, loss_compiled, f"loss{context}")
    assert_same_state(net, compiled_net, context)
    had_gradient = any(grad.any() for _, grad in net.parameters())
    start = twin(net)

    # training: at least 20 SGD steps with the same seed and batch order
    batch_size = data.draw(st.sampled_from([None, 1, 2]), label="batch_size")
    momentum = data.draw(st.sampled_from([0.0, 0.5]), label="momentum")
    steps_per_epoch = math.ceil(len(X) / (batch_size or len(X)))
    options = {
        "epochs": math.ceil(20 / steps_per_epoch),
        "lr": 0.05,
        "batch_size": batch_size,
        "loss": loss,
        "momentum": momentum,
        "seed": 3,
        "verbose": 0,
    }
    history_object = net.fit(X, Y, engine="object", **options)
    history_compiled = compiled_net.fit(X, Y, engine="compiled", **options)
    context += f", batch_size {batch_size}, momentum {momentum}"
    assert_same_state(net, compiled_net, context)
    for record in ("loss", "accuracy"):
        assert_close(getattr(history_object, record), getattr(history_compiled, record), f"{record}{context}")
    # the networks really trained, so agreeing is not agreeing on where they started
    moved = any(
        not np.array_equal(after, before)
        for (after, _), (before, _) in zip(net.parameters(), start.parameters(), strict=True)
    )
    assert moved or not had_gradient, context


def odd_network() -> ns.Network:
    """Unusual but valid wiring.

    Layers are added out of computing order ("late" is fed by "early", added
    after it); "constant" has no incoming synapses (its ``a`` is ``f(bias)``);
    "dead_end" has no outgoing synapses; and the output layer also feeds
    "dead_end" (which, not reaching the loss, backpropagates nothing).
    """
    net = ns.Network(seed=5, init="uniform")
    net.add_layer(3, name="input")
    net.add_layer(2, name="late", activation="tanh")
    net.add_layer(3, name="early", activation="softplus")
    net.add_layer(2, name="constant", activation="sigmoid")
    net.add_layer(2, name="dead_end", activation="leaky_relu")
    net.add_layer(2, name="output", activation="sigmoid")
    net.connect("input", "early")
    net.connect("early", "late")
    net.connect("late", "output")
    net.connect("constant", "output")
    net.connect("input", "dead_end")
    net.connect("output", "dead_end")
    net.connect("input[1]", "output[0]", weight=0.7)
    for layer in net.layers[1:]:
        layer.bias[:] = np.linspace(-0.5, 0.5, layer.size)
    return net


@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_engines_agree_on_unusual_wiring(loss):
    net = odd_network()
    assert [layer.name for layer in net.layer_order()] == [
        "input", "early", "late", "constant", "output", "dead_end"
    ]  # fmt: skip
    X = np.random.default_rng(0).normal(size=(6, 3))
    Y = np.random.default_rng(1).uniform(size=(6, 2))
    compiled_net = twin(net)
    assert_close(net.backward(X, Y, loss), compiled_net.compile().backward(X, Y, loss), "loss")
    assert_same_state(net, compiled_net, f" ({loss})")
    # "dead_end" does not reach the loss: both engines give its synapses no gradient
    for engine_net in (net, compiled_net):
        assert {s.grad for neuron in engine_net["dead_end"] for s in neuron.incoming} == {0.0}
        assert (engine_net["constant[1]"].z == 0.5).all()  # z = bias when nothing feeds the layer
