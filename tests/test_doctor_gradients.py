"""The doctor's checks on the gradients of one pass: zero-gradients, vanishing- and exploding-gradients.

Each fault is set by hand in the weights (or trained into the network
through ``fit``), and the finding is compared with finite differences, a
backward pass written with numpy (``reference_mlp``) and gradient ratios
worked by hand; each has a healthy twin that must not raise it.
"""

from __future__ import annotations

import numpy as np
import pytest
from doctor_cases import fit_with_doctor, g, kill, numpy_pass, relu_net, scaled_moons, warned

import neurosim as ns

# ------------------------------------------------------------------ zero-gradients


def bce(net: ns.Network, X: np.ndarray, y: np.ndarray) -> float:
    """The mean bce loss of a net with one hidden layer, its activation written here."""
    hidden = net["hidden1"].activation.name
    activate = {"step": lambda z: (z >= 0).astype(float), "relu": lambda z: np.maximum(z, 0.0)}[hidden]
    a = activate(X @ net.blocks[0].weight.T + net["hidden1"].bias)
    out = 1.0 / (1.0 + np.exp(-(a @ net.blocks[1].weight.T + net["output"].bias)))[:, 0]
    return float(np.mean(-(y * np.log(out) + (1 - y) * np.log(1 - out))))


def test_a_step_hidden_layer_passes_no_gradient_back():
    X, y = scaled_moons()
    net = ns.Network.from_shape([2, 4, 1], activation="step", output_activation="sigmoid", seed=0)
    finding = ns.diagnose(net, X, y, loss="bce")["zero-gradients"]

    # finite differences: nudging a weight into the step layer changes no output, so not the loss
    loss = bce(net, X, y)
    weights = net.blocks[0].weight
    for index in np.ndindex(weights.shape):
        weights[index] += 1e-7
        assert bce(net, X, y) == loss
        weights[index] -= 1e-7
    assert finding.severity == "warning"  # the output layer's weights still learn
    assert finding.where == ("hidden1",)
    assert finding.evidence == {"hidden1": {"grad_rms": 0.0, "activation": "step"}}
    assert f"while the loss is {g(loss)}" in finding.message
    assert "uses step" in finding.message


def test_dead_relus_stop_every_gradient():
    X, y = scaled_moons()
    net = relu_net()
    kill(net, [0, 1, 2, 3])
    finding = ns.diagnose(net, X, y, loss="bce")["zero-gradients"]
    grads = numpy_pass(net, X, y).grads
    assert not np.any(grads["input->hidden1.weight"]) and not np.any(grads["hidden1->output.weight"])
    assert finding.severity == "error"
    assert finding.where == ("hidden1", "output")
    assert f"every weight's gradient is exactly 0 while the loss is {g(bce(net, X, y))}" in finding.message
    assert "Every relu of 'hidden1' has z <= 0 on every sample" in finding.message
    assert "The neurons of 'hidden1' output exactly 0" in finding.message


def test_a_fit_at_its_minimum_has_zero_gradients_without_a_finding():
    x = np.linspace(-1.0, 1.0, 20)[:, None]
    net = ns.Network.from_shape([1, 1], activation="identity", seed=0)
    net.blocks[0].weight[:] = 2.0
    net["output"].bias[:] = 1.0
    assert ns.diagnose(net, x, 2.0 * x + 1.0).findings == []


def test_fit_leaves_the_weights_into_a_step_layer_as_they_were():
    X, y = scaled_moons()
    net = ns.Network.from_shape([2, 4, 1], activation="step", output_activation="sigmoid", seed=0)
    before = net.blocks[0].weight.copy()
    history, messages = fit_with_doctor(net, X, y, epochs=20, lr=0.5, loss="bce")
    assert warned(messages, "zero-gradients")
    assert history.diagnosis["zero-gradients"].where == ("hidden1",)
    assert np.array_equal(net.blocks[0].weight, before)  # what "no error signal reaches them" means


# ------------------------------------------------------------------ vanishing- and exploding-gradients


def delta_sizes(net: ns.Network, X: np.ndarray, y: object, loss: str) -> dict[str, float]:
    """The root mean square of each layer's d loss / d z, from the reference pass."""
    delta = numpy_pass(net, X, y, loss).delta
    return {layer.name: float(np.sqrt(np.mean(delta[layer.name] ** 2))) for layer in net.layers[1:]}


def deep_sigmoid_net() -> ns.Network:
    return ns.Network.from_shape([2, *[8] * 10, 1], activation="sigmoid", seed=0)


def test_a_deep_sigmoid_net_lets_the_gradient_vanish():
    X, y = scaled_moons()
    net = deep_sigmoid_net()
    finding = ns.diagnose(net, X, y)["vanishing-gradients"]

    sizes = delta_sizes(net, X, y, "mse")
    ratio = sizes["hidden1"] / sizes["output"]
    assert ratio < 1e-4  # each sigmoid layer multiplies by at most 0.25
    assert finding.severity == "warning"
    assert finding.where == tuple(sizes)
    assert finding.evidence["ratio"] == pytest.approx(ratio, rel=1e-9)
    for name, size in sizes.items():
        assert finding.evidence[name] == {"delta_rms": pytest.approx(size, rel=1e-9)}
    assert f"'hidden1' is {g(ratio, 2)} times the one leaving 'output'" in finding.message
    assert f"(root mean squares {g(sizes['hidden1'], 3)} and {g(sizes['output'], 3)})" in finding.message


def chain(weights: list[float]) -> ns.Network:
    """A chain of single identity neurons with these weights and no biases."""
    net = ns.Network.from_shape([1] * (len(weights) + 1), activation="identity", seed=0)
    for block, weight in zip(net.blocks, weights, strict=True):
        block.weight[:] = weight
    for layer in net.layers[1:]:
        layer.bias[:] = 0.0
    return net


CHAIN_X = np.linspace(-1.0, 1.0, 20)[:, None]
CHAIN_T = np.sin(3.0 * CHAIN_X)


def test_large_weights_after_the_first_layer_make_the_gradient_explode():
    net = chain([1e-6, 30.0, 30.0, 30.0])
    finding = ns.diagnose(net, CHAIN_X, CHAIN_T)["exploding-gradients"]
    # by hand: delta(hidden1) = 30 * 30 * 30 * delta(output), sample by sample
    assert finding.evidence["ratio"] == pytest.approx(27000.0, rel=1e-12)
    assert finding.severity == "warning"
    assert finding.where == ("hidden1", "hidden2", "hidden3", "output")
    sizes = delta_sizes(net, CHAIN_X, CHAIN_T, "mse")
    assert finding.evidence["hidden2"]["delta_rms"] == pytest.approx(sizes["hidden2"], rel=1e-12)
    assert "is 2.7e+04 times the one leaving 'output'" in finding.message


def test_a_chain_of_unit_weights_keeps_its_gradient():
    report = ns.diagnose(chain([1.0, 1.0, 1.0, 1.0]), CHAIN_X, CHAIN_T)
    assert "exploding-gradients" not in report and "vanishing-gradients" not in report


@pytest.mark.parametrize(("activation", "init"), [("relu", "he"), ("tanh", "xavier")])
def test_well_initialised_nets_keep_their_gradient(activation, init):
    X, y = scaled_moons()
    net = ns.Network.from_shape(
        [2, 16, 16, 16, 1], activation=activation, output_activation="sigmoid", init=init, seed=0
    )
    report = ns.diagnose(net, X, y, loss="bce")
    assert "vanishing-gradients" not in report and "exploding-gradients" not in report
    assert report.ok, report


def test_fit_warns_of_vanishing_and_exploding_gradients():
    X, y = scaled_moons()
    history, messages = fit_with_doctor(deep_sigmoid_net(), X, y, epochs=3, lr=0.5)
    assert warned(messages, "vanishing-gradients")
    assert history.diagnosis["vanishing-gradients"].evidence["ratio"] < 1e-4

    net = chain([1e-6, 30.0, 30.0, 30.0])
    history, messages = fit_with_doctor(net, CHAIN_X, CHAIN_T, epochs=2, lr=1e-6)
    assert warned(messages, "exploding-gradients")
    sizes = delta_sizes(net, CHAIN_X, CHAIN_T, "mse")  # at the final weights, as the doctor's last look
    ratio = history.diagnosis["exploding-gradients"].evidence["ratio"]
    assert ratio == pytest.approx(sizes["hidden1"] / sizes["output"], rel=1e-9)
