"""The doctor's checks on one pass: dead, saturated and silent neurons, and how the gradients flow.

The codes: dead-neurons, saturated-neurons, constant-output,
zero-gradients, vanishing-gradients and exploding-gradients. Each fault
is set by hand in the weights (or trained into the network through
``fit``), and the finding is compared with a forward and backward pass
written with numpy here (``reference_mlp``), the activations' slopes
written out, and gradient ratios worked by hand; each has a healthy twin
that must not raise it.
"""

from __future__ import annotations

import numpy as np
import pytest
from reference_mlp import reference_pass

import neurosim as ns
from neurosim.diagnostics import Settings

DEFAULTS = Settings()


def g(value: float, digits: int = 4) -> str:
    """A number as the doctor's messages quote it."""
    return f"{value:.{digits}g}"


def scaled_moons(n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    X, y = ns.datasets.moons(n, noise=0.15, seed=0)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


def numpy_pass(net: ns.Network, X: np.ndarray, y: object, loss: str = "bce"):
    """The reference forward and backward pass, on the targets as the loss sees them."""
    _, X, T = net.prepare_batch(X, y, loss)
    with np.errstate(over="ignore"):  # cosh of a saturated tanh's z overflows: its slope is 0
        return reference_pass(net, X, T, loss)


def fit_with_doctor(net: ns.Network, X: object, y: object, **options: object) -> tuple[ns.History, list[str]]:
    """``net.fit`` with the doctor; the history and the DiagnosisWarnings' messages."""
    with pytest.warns(ns.DiagnosisWarning) as record:
        history = net.fit(X, y, verbose=0, seed=0, **options)
    return history, [str(w.message) for w in record]


def warned(messages: list[str], code: str) -> bool:
    return any(message.startswith(f"{code}: ") for message in messages)


# ------------------------------------------------------------------ dead-neurons


def relu_net(sizes: list[int] = (2, 4, 1), activation: str = "relu") -> ns.Network:
    return ns.Network.from_shape(
        list(sizes), activation=activation, output_activation="sigmoid", init="he", seed=0
    )


def kill(net: ns.Network, indices: list[int]) -> None:
    """Push hidden neurons' z below 0 on every sample of scaled moons: small weights, bias -5."""
    net.blocks[0].weight[indices] *= 0.1
    net["hidden1"].bias[indices] = -5.0


@pytest.mark.parametrize(
    ("killed", "severity"), [([2], "info"), ([1, 3], "warning"), ([0, 1, 2, 3], "error")]
)
def test_dead_neurons_are_those_whose_z_is_at_most_0_on_every_sample(killed, severity):
    X, y = scaled_moons()
    net = relu_net()
    kill(net, killed)
    finding = ns.diagnose(net, X, y, loss="bce")["dead-neurons"]

    z = X @ net.blocks[0].weight.T + net["hidden1"].bias  # rows of a block are its targets
    dead = np.flatnonzero(z.max(axis=0) <= 0)
    assert dead.tolist() == killed
    names = tuple(f"hidden1[{i}]" for i in dead)
    assert finding.where == names
    # severity: below dead_fraction (0.5) of the layer information, from it a warning, all of it an error
    assert finding.severity == severity
    assert finding.evidence == {
        name: {"z_max": pytest.approx(z[:, i].max(), rel=1e-12), "samples": 200}
        for name, i in zip(names, dead, strict=True)
    }
    assert "z <= 0 on all 200 samples" in finding.message
    assert f"{names[0]}'s largest z is {g(z[:, dead[0]].max())}" in finding.message
    assert (f"{len(dead)} of 4 neurons" if len(dead) < 4 else "every neuron") in finding.message
    assert ("Nothing passes through layer 'hidden1'" in finding.message) == (severity == "error")


def test_leaky_relu_neurons_below_0_are_not_dead():
    X, y = scaled_moons()
    net = relu_net(activation="leaky_relu")
    kill(net, [0, 1, 2, 3])
    report = ns.diagnose(net, X, y, loss="bce")
    assert "dead-neurons" not in report
    # and they are not: the weights into them still get a gradient
    grads = numpy_pass_leaky(net, X, y)
    assert np.all(grads != 0)
    assert np.allclose(net.blocks[0].grad, grads, rtol=1e-10, atol=0)


def numpy_pass_leaky(net: ns.Network, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The bce gradient of the weights into a leaky_relu hidden layer of a 2-4-1 net, by hand."""
    hidden, output = net.blocks
    z = X @ hidden.weight.T + net["hidden1"].bias
    a = np.where(z > 0, z, 0.01 * z)
    out = 1 / (1 + np.exp(-(a @ output.weight.T + net["output"].bias)))
    delta_out = out - y[:, None]
    delta = (delta_out @ output.weight) * np.where(z > 0, 1.0, 0.01)
    return delta.T @ X / len(X)


def test_a_well_initialised_relu_net_on_scaled_moons_has_no_dead_neurons():
    X, y = scaled_moons()
    report = ns.diagnose(relu_net([2, 16, 1]), X, y, loss="bce")
    assert "dead-neurons" not in report
    assert report.ok, report


def test_fit_with_a_huge_learning_rate_kills_the_relus_it_names():
    X, y = ns.datasets.moons(200, noise=0.1, seed=0)
    net = ns.Network.from_shape([2, 8, 1], activation="relu", output_activation="sigmoid", seed=0)
    history, messages = fit_with_doctor(net, X, y, epochs=20, lr=50.0, loss="bce")
    finding = history.diagnosis["dead-neurons"]

    z = numpy_pass(net, X, y).z["hidden1"]  # the final weights, all 200 samples
    dead = tuple(f"hidden1[{i}]" for i in np.flatnonzero(z.max(axis=0) <= 0))
    assert dead and finding.where == dead
    assert warned(messages, "dead-neurons")
    for name in dead:
        assert finding.evidence[name]["z_max"] == pytest.approx(z[:, int(name[8:-1])].max(), rel=1e-9)
        assert 1 <= finding.evidence[name]["since_epoch"] <= 20
    assert finding.epoch == min(finding.evidence[name]["since_epoch"] for name in dead)


# ------------------------------------------------------------------ saturated-neurons


def slope(activation: str, z: np.ndarray) -> np.ndarray:
    """The activation's derivative, written from z."""
    with np.errstate(over="ignore"):  # far from 0 the slope is 0 to the last bit
        if activation == "tanh":
            return 1.0 / np.cosh(z) ** 2
        s = 1.0 / (1.0 + np.exp(-z))
        return s * (1.0 - s)


def expected_saturation(activation: str, z: np.ndarray) -> dict[int, dict[str, float]]:
    """By neuron index, the saturation numbers of the neurons flat on most samples."""
    largest = {"tanh": 1.0, "sigmoid": 0.25}[activation]
    flat = slope(activation, z) / largest < DEFAULTS.saturation_slope
    found = {}
    for i in np.flatnonzero(flat.mean(axis=0) >= DEFAULTS.saturation_samples):
        stuck = flat[:, i]
        found[int(i)] = {
            "fraction": flat[:, i].mean(),
            "z_min": z[:, i].min(),
            "z_max": z[:, i].max(),
            "abs_z_min": np.abs(z[stuck, i]).min(),
            "slope_max": slope(activation, z[stuck, i]).max(),
        }
    return found


@pytest.mark.parametrize(("activation", "factor"), [("tanh", 40.0), ("sigmoid", 150.0)])
def test_saturated_neurons_are_those_whose_slope_is_tiny_on_most_samples(activation, factor):
    X, y = scaled_moons()
    net = ns.Network.from_shape([2, 4, 1], activation=activation, output_activation="sigmoid", seed=0)
    net.blocks[0].weight[:2] *= factor  # two neurons with weights far too large
    finding = ns.diagnose(net, X, y, loss="bce")["saturated-neurons"]

    z = numpy_pass(net, X, y).z["hidden1"]
    expected = expected_saturation(activation, z)
    assert list(expected) == [0, 1]
    assert finding.where == ("hidden1[0]", "hidden1[1]")
    assert finding.severity == "warning"  # half of the layer
    for i, numbers in expected.items():
        assert finding.evidence[f"hidden1[{i}]"] == pytest.approx(numbers, rel=1e-9)
    first = expected[0]
    stuck = round(first["fraction"] * 200)
    assert f"on {'all' if stuck == 200 else f'{stuck} of'} 200 samples hidden1[0]'s z" in finding.message
    assert f"at least {g(first['abs_z_min'])} away from 0" in finding.message
    assert f"ranges from {g(first['z_min'])} to {g(first['z_max'])}" in finding.message
    assert f"slope of {activation} is at most {g(first['slope_max'], 2)}" in finding.message


def test_a_saturated_sigmoid_output_counts_with_mse_but_not_with_bce():
    X, y = scaled_moons()
    net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    net["output"].bias[:] = 30.0  # the output is 1 on every sample
    z = numpy_pass(net, X, y, "mse").z["output"]
    assert list(expected_saturation("sigmoid", z)) == [0]

    finding = ns.diagnose(net, X, y, loss="mse")["saturated-neurons"]
    assert finding.where == ("output[0]",)
    assert finding.severity == "error"  # the whole output layer
    # bce is computed from z: the output's slope never enters the gradient
    assert "saturated-neurons" not in ns.diagnose(net, X, y, loss="bce")


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_xavier_initialised_squashers_on_scaled_inputs_are_not_saturated(activation):
    X, y = scaled_moons()
    net = ns.Network.from_shape([2, 16, 16, 1], activation=activation, output_activation="sigmoid", seed=0)
    report = ns.diagnose(net, X, y, loss="bce")
    assert "saturated-neurons" not in report
    assert report.ok, report


def test_fit_on_unscaled_inputs_saturates_the_tanh_layer():
    X, y = ns.datasets.moons(200, noise=0.1, seed=0)
    X = X * 1000.0
    net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    history, messages = fit_with_doctor(net, X, y, epochs=5, lr=0.01, loss="bce")
    assert warned(messages, "saturated-neurons") and warned(messages, "unscaled-inputs")

    expected = expected_saturation("tanh", numpy_pass(net, X, y).z["hidden1"])
    finding = history.diagnosis["saturated-neurons"]
    assert finding.where == tuple(f"hidden1[{i}]" for i in expected)
    assert finding.evidence["hidden1[0]"]["fraction"] == pytest.approx(expected[0]["fraction"])


# ------------------------------------------------------------------ constant-output


def test_a_net_whose_relus_are_all_dead_outputs_a_constant():
    X, y = scaled_moons()
    net = relu_net()
    kill(net, [0, 1, 2, 3])
    net["output"].bias[:] = 0.0
    finding = ns.diagnose(net, X, y, loss="bce")["constant-output"]

    outputs = numpy_pass(net, X, y).a["output"]
    assert np.ptp(outputs) == 0.0 and outputs[0, 0] == 0.5  # sigmoid(0): nothing but the bias reaches it
    assert finding.severity == "warning"
    assert finding.where == ("output[0]",)
    assert finding.evidence == {"output[0]": {"value": 0.5, "spread": 0.0, "target_mean": y.mean()}}
    assert "over 200 samples output[0] stays at 0.5 (range 0), the mean target" in finding.message


def test_a_constant_output_away_from_the_mean_target_says_so():
    X, y = scaled_moons()
    net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    net.blocks[1].weight[:] = 0.0
    net["output"].bias[:] = 2.0
    finding = ns.diagnose(net, X, y, loss="bce")["constant-output"]
    value = 1.0 / (1.0 + np.exp(-2.0))
    assert finding.evidence["output[0]"]["value"] == pytest.approx(value, rel=1e-12)
    assert f"stays at {g(value)} (range 0), not even the mean target ({g(y.mean())})" in finding.message


def test_outputs_that_vary_as_little_as_the_targets_are_not_constant():
    # a perfect fit of targets that span only 2e-4: the outputs span as much
    x = np.linspace(-1.0, 1.0, 50)[:, None]
    net = ns.Network.from_shape([1, 1], activation="identity", seed=0)
    net.blocks[0].weight[:] = 1e-4
    net["output"].bias[:] = 0.0
    report = ns.diagnose(net, x, 1e-4 * x)
    assert "constant-output" not in report
    assert report.ok, report


def test_the_same_target_for_every_sample_asks_for_a_constant():
    X, _ = scaled_moons()
    net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    net.blocks[1].weight[:] = 0.0
    assert "constant-output" not in ns.diagnose(net, X, np.full(len(X), 0.3), loss="mse")


def test_fit_with_a_huge_learning_rate_ends_with_a_constant_output():
    X, y = ns.datasets.moons(200, noise=0.1, seed=0)
    net = ns.Network.from_shape([2, 8, 1], activation="relu", output_activation="sigmoid", seed=0)
    history, messages = fit_with_doctor(net, X, y, epochs=20, lr=50.0, loss="bce")
    outputs = numpy_pass(net, X, y).a["output"]
    finding = history.diagnosis["constant-output"]
    assert warned(messages, "constant-output")
    assert finding.evidence["output[0]"]["spread"] == pytest.approx(np.ptp(outputs), abs=1e-15)
    assert finding.evidence["output[0]"]["value"] == pytest.approx(outputs.mean(), rel=1e-9)


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
