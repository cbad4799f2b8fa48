"""Backpropagation agrees with finite differences.

The main test draws random networks with hypothesis: 1-3 hidden layers of
1-4 neurons with mixed activations, full connections between neighbouring
layers, extra single-synapse skip connections across non-adjacent layers and
pruned synapses, random seeds, weights, biases, inputs and targets. It is
parametrized over every allowed (hidden activation, output activation, loss)
combination, so each activation is tested with each loss it can be used with,
both inside the network and (where the loss allows it) at the output.

An independent oracle (a forward pass and central differences written out in
this file) checks ``synapse.grad`` and ``neuron.bias_grad`` without
neurosim's own ``gradient_check``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from strategies import COMBINATIONS, cases, network_settings

import neurosim as ns

TOLERANCE = 1e-6

# 80 parametrized cases x 6 examples, about 35 ms each.
GRADIENT_SETTINGS = network_settings(max_examples=6)


def parameter_names(net: ns.Network) -> set[str]:
    names = {synapse.name for synapse in net.synapses}
    names |= {f"{neuron.name}.bias" for layer in net.layers[1:] for neuron in layer}
    return names


@pytest.mark.parametrize(("hidden", "output", "loss"), COMBINATIONS)
@GRADIENT_SETTINGS
@given(data=st.data())
def test_backprop_matches_finite_differences(data, hidden, output, loss):
    net, X, Y, pruned, skips = data.draw(cases(hidden, output, loss), label="case")
    report = ns.gradient_check(net, X, Y, loss=loss)
    if report.inconclusive:
        event("some gradients inconclusive: their finite differences cross a kink")

    context = (
        f"\nnetwork {net!r}, hidden activations "
        f"{[layer.activation.name for layer in net.layers[1:-1]]}, output {output}, loss {loss}"
        f"\nskips {skips}, pruned {pruned}\nX={X.tolist()}\nY={np.asarray(Y).tolist()}\n{report}"
    )
    # Every synapse and every bias is checked, and pruned synapses are gone.
    names = [entry.name for entry in report.entries]
    assert len(names) == len(set(names)) == net.n_parameters, context
    assert set(names) == parameter_names(net), context
    assert not {f"{s} -> {t}" for s, t in pruned} & set(names), context
    assert {f"{s} -> {t}" for s, t in skips} - {f"{s} -> {t}" for s, t in pruned} <= set(names), context

    # Near a kink of relu, leaky_relu or step a finite difference may cross it; such a parameter
    # is inconclusive only because it agrees on the samples that leave the kink alone.
    assert report.ok, context
    assert not report.failures, context
    for entry in report.entries:
        if entry.verdict == "inconclusive":
            assert entry.crossings, context
            assert entry.recheck_error is None or entry.recheck_error < TOLERANCE, context
        else:
            assert entry.verdict == "ok", context
            assert entry.rel_error < TOLERANCE, context


# ------------------------------------------------------------------ independent oracle


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def oracle_network() -> ns.Network:
    """input(2) -> hidden1(3, tanh) -> hidden2(2, sigmoid) -> output(2), a skip and a pruned synapse."""
    net = ns.Network(seed=7, init="uniform")
    net.add_layer(2, name="input")
    net.add_layer(3, activation="tanh")
    net.add_layer(2, activation="sigmoid")
    return net


def finish_oracle_network(net: ns.Network, output_activation: str) -> ns.Network:
    net.add_layer(2, name="output", activation=output_activation)
    net.connect("input", "hidden1")
    net.connect("hidden1", "hidden2")
    net.connect("hidden2", "output")
    net.connect("input[0]", "output[1]", weight=0.4)
    net.connect("hidden1[2]", "output[0]", weight=-0.7)
    net.disconnect("input[1]", "hidden1[0]")
    net.disconnect("hidden1[1]", "hidden2[1]")
    for layer in net.layers[1:]:
        for neuron in layer:
            neuron.bias = 0.1 * (neuron.index + 1) * (-1) ** neuron.index
    return net


def plain_forward(structure, weights, biases, x):
    """The network's outputs for one sample, computed from scratch without neurosim."""
    layers, activation_of, incoming = structure
    a = {f"input[{i}]": float(v) for i, v in enumerate(x)}
    for layer_name, size in layers[1:]:
        z = {}
        for i in range(size):
            name = f"{layer_name}[{i}]"
            z[name] = biases[name] + sum(weights[(s, name)] * a[s] for s in incoming[name])
        activation = activation_of[layer_name]
        if activation == "softmax":
            top = max(z.values())
            total = sum(math.exp(v - top) for v in z.values())
            a.update({name: math.exp(v - top) / total for name, v in z.items()})
        else:
            f = {"tanh": math.tanh, "sigmoid": _sigmoid, "identity": lambda v: v}[activation]
            a.update({name: f(v) for name, v in z.items()})
    output_name, output_size = layers[-1]
    return [a[f"{output_name}[{i}]"] for i in range(output_size)]


def plain_mean_loss(structure, weights, biases, X, Y, loss):
    losses = []
    for x, y in zip(X, Y, strict=True):
        out = plain_forward(structure, weights, biases, x)
        if loss == "mse":
            losses.append(sum((o - t) ** 2 for o, t in zip(out, y, strict=True)) / len(out))
        elif loss == "bce":
            terms = [-(t * math.log(o) + (1 - t) * math.log(1 - o)) for o, t in zip(out, y, strict=True)]
            losses.append(sum(terms) / len(out))
        else:  # cross_entropy with an integer label
            losses.append(-math.log(out[int(y)]))
    return sum(losses) / len(losses)


@pytest.mark.parametrize(
    ("output_activation", "loss"), [("identity", "mse"), ("sigmoid", "bce"), ("softmax", "cross_entropy")]
)
def test_backprop_matches_an_independent_finite_difference(output_activation, loss):
    net = finish_oracle_network(oracle_network(), output_activation)
    X = np.array([[0.5, -1.0], [1.5, 0.3], [-0.7, 0.8]])
    Y = {
        "mse": np.array([[0.2, -0.4], [1.0, 0.5], [-0.3, 0.0]]),
        "bce": np.array([[1.0, 0.0], [0.3, 1.0], [0.0, 0.8]]),
        "cross_entropy": np.array([1, 0, 1]),
    }[loss]

    layers = [(layer.name, layer.size) for layer in net.layers]
    activation_of = {layer.name: layer.activation.name for layer in net.layers[1:]}
    incoming = {n.name: [s.source.name for s in n.incoming] for n in net.neurons}
    structure = (layers, activation_of, incoming)
    weights = {(s.source.name, s.target.name): s.weight for s in net.synapses}
    biases = {n.name: n.bias for layer in net.layers[1:] for n in layer}
    assert ("input[1]", "hidden1[0]") not in weights
    assert ("input[0]", "output[1]") in weights

    # The plain forward pass is the network's forward pass.
    expected = np.array([plain_forward(structure, weights, biases, x) for x in X])
    np.testing.assert_allclose(net.predict(X), expected, rtol=1e-12, atol=1e-14)

    value = net.backward(X, Y, loss)
    assert value == pytest.approx(plain_mean_loss(structure, weights, biases, X, Y, loss), rel=1e-12)

    h = 1e-5

    def central(table, key):
        original = table[key]
        table[key] = original + h
        plus = plain_mean_loss(structure, weights, biases, X, Y, loss)
        table[key] = original - h
        minus = plain_mean_loss(structure, weights, biases, X, Y, loss)
        table[key] = original
        return (plus - minus) / (2 * h)

    checked = 0
    for synapse in net.synapses:
        numeric = central(weights, (synapse.source.name, synapse.target.name))
        assert synapse.grad == pytest.approx(numeric, rel=1e-6, abs=1e-9), synapse.name
        checked += 1
    for layer in net.layers[1:]:
        for neuron in layer:
            numeric = central(biases, neuron.name)
            assert neuron.bias_grad == pytest.approx(numeric, rel=1e-6, abs=1e-9), neuron.name
            checked += 1
    assert checked == net.n_parameters == 2 * 3 - 1 + 3 * 2 - 1 + 2 * 2 + 2 + 3 + 2 + 2
    # Gradients are not trivially zero.
    assert sum(abs(s.grad) for s in net.synapses) > 1e-3


# ------------------------------------------------------------------ overwrite and mean


def all_gradients(net: ns.Network) -> dict[str, float]:
    grads = {synapse.name: synapse.grad for synapse in net.synapses}
    grads.update({f"{n.name}.bias": n.bias_grad for layer in net.layers[1:] for n in layer})
    return grads


def small_network(seed: int = 3) -> ns.Network:
    net = finish_oracle_network(oracle_network(), "sigmoid")
    for synapse in net.synapses:  # different weights per seed
        synapse.weight = synapse.weight + 0.1 * seed
    return net


X_SMALL = np.array([[0.5, -1.0], [1.5, 0.3], [-0.7, 0.8]])
Y_SMALL = np.array([[1.0, 0.0], [0.3, 1.0], [0.0, 0.8]])


@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_backward_overwrites_gradients(loss):
    net = small_network()
    net.backward(X_SMALL, Y_SMALL, loss)
    first = all_gradients(net)
    assert any(abs(g) > 1e-4 for g in first.values())
    net.backward(X_SMALL, Y_SMALL, loss)
    assert all_gradients(net) == first

    # A backward pass on other data, then on the original data, leaves the original gradients.
    net.backward(X_SMALL[::-1] * 2.0, 1.0 - Y_SMALL, loss)
    other = all_gradients(net)
    assert other != first
    net.backward(X_SMALL, Y_SMALL, loss)
    assert all_gradients(net) == pytest.approx(first, rel=1e-14, abs=1e-16)

    # The gradients of a fresh copy of the network on the other data equal `other`.
    fresh = small_network()
    fresh.backward(X_SMALL[::-1] * 2.0, 1.0 - Y_SMALL, loss)
    assert all_gradients(fresh) == pytest.approx(other, rel=1e-14, abs=1e-16)


@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_gradient_is_of_the_mean_loss(loss):
    net = small_network()
    value = net.backward(X_SMALL, Y_SMALL, loss)
    grads = all_gradients(net)

    # Duplicating every sample changes neither the mean loss nor any gradient.
    doubled = net.backward(np.repeat(X_SMALL, 2, axis=0), np.repeat(Y_SMALL, 2, axis=0), loss)
    assert doubled == pytest.approx(value, rel=1e-12)
    assert all_gradients(net) == pytest.approx(grads, rel=1e-12, abs=1e-15)
    tripled = net.backward(np.tile(X_SMALL, (3, 1)), np.tile(Y_SMALL, (3, 1)), loss)
    assert tripled == pytest.approx(value, rel=1e-12)
    assert all_gradients(net) == pytest.approx(grads, rel=1e-12, abs=1e-15)

    # The batch gradient is the mean of the per-sample gradients (not their sum).
    per_sample = []
    for x, y in zip(X_SMALL, Y_SMALL, strict=True):
        net.backward(x[None, :], y[None, :], loss)
        per_sample.append(all_gradients(net))
    mean = {name: sum(g[name] for g in per_sample) / len(per_sample) for name in grads}
    assert grads == pytest.approx(mean, rel=1e-12, abs=1e-15)
    total = {name: sum(g[name] for g in per_sample) for name in grads}
    assert grads != pytest.approx(total, rel=1e-6)


# ------------------------------------------------------------------ gradients that are (nearly) zero


def test_gradient_check_agrees_on_exactly_zero_gradients():
    """An input that is 0 in every sample gives its synapses a gradient of exactly 0.

    Nudging those weights changes no loss at all, so the finite difference must be 0 too,
    whatever the size of the loss.
    """
    failures = []
    for seed in range(12):
        net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="identity", seed=seed)
        rng = np.random.default_rng(seed)
        X = np.column_stack([rng.uniform(-2, 2, 4), np.zeros(4)])
        Y = rng.uniform(1.0, 2.5, (4, 1))
        report = ns.gradient_check(net, X, Y, loss="mse")
        zero = [entry for entry in report.entries if entry.name.startswith("input[1] -> ")]
        assert len(zero) == 3
        assert all(entry.analytic == 0.0 for entry in zero)
        failures += [(seed, entry) for entry in zero if entry.rel_error >= TOLERANCE]
    assert not failures, "\n".join(
        f"seed {seed}: {e.name} backprop {e.analytic} finite diff. {e.numeric} rel. error {e.rel_error:.3g}"
        for seed, e in failures
    )


def test_gradient_check_agrees_on_tiny_gradients():
    """Synapses from an input of size 1e-8 have gradients near 1e-8; the check must still agree."""
    worst = []
    for seed in range(12):
        net = ns.Network.from_shape([2, 3, 1], activation="softplus", output_activation="sigmoid", seed=seed)
        rng = np.random.default_rng(seed)
        X = np.column_stack([rng.uniform(-2, 2, 4), rng.uniform(-1e-8, 1e-8, 4)])
        Y = rng.uniform(-2.0, -1.0, (4, 1))
        report = ns.gradient_check(net, X, Y, loss="mse")
        worst.append((seed, report.max_rel_error, str(report)))
    failing = [(seed, error, text) for seed, error, text in worst if error >= TOLERANCE]
    assert not failing, "\n\n".join(f"seed {seed}:\n{text}" for seed, _, text in failing)
