"""The doctor's checks on the neurons of one pass: dead-neurons, saturated-neurons, constant-output.

Each fault is set by hand in the weights (or trained into the network
through ``fit``), and the finding is compared with a forward pass written
with numpy here (``reference_mlp``) and the activations' slopes written
out; each has a healthy twin that must not raise it. The gradients' codes
are in ``test_doctor_gradients``.
"""

from __future__ import annotations

import numpy as np
import pytest
from doctor_cases import fit_with_doctor, g, kill, numpy_pass, relu_net, scaled_moons, warned

import neurosim as ns
from neurosim.diagnostics import Settings

DEFAULTS = Settings()

# ------------------------------------------------------------------ dead-neurons


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
    report = ns.diagnose(relu_net((2, 16, 1)), X, y, loss="bce")
    assert "dead-neurons" not in report
    assert report.ok, report


def test_fit_with_a_huge_learning_rate_kills_the_relus_it_names():
    X, y = ns.datasets.moons(200, noise=0.1, seed=0)
    net = ns.Network.from_shape([2, 8, 1], activation="relu", output_activation="sigmoid", seed=0)
    off = LastBatchRelus()  # which relus are at 0 on each epoch's last batch, as the doctor reads them
    history, messages = fit_with_doctor(net, X, y, epochs=20, lr=50.0, loss="bce", callbacks=[off])
    finding = history.diagnosis["dead-neurons"]

    z = numpy_pass(net, X, y).z["hidden1"]  # the final weights, all 200 samples
    dead = tuple(f"hidden1[{i}]" for i in np.flatnonzero(z.max(axis=0) <= 0))
    assert dead and finding.where == dead
    assert warned(messages, "dead-neurons")
    for name in dead:
        index = int(name[8:-1])
        assert finding.evidence[name]["z_max"] == pytest.approx(z[:, index].max(), rel=1e-9)
        # dead since the first epoch of its last run of epochs at 0, up to the end
        at_zero = off.epochs[:, index]
        start = len(at_zero) - int(np.argmin(at_zero[::-1])) + 1 if not at_zero.all() else 1
        assert finding.evidence[name]["dead_since_epoch"] == start
    assert finding.epoch == min(finding.evidence[name]["dead_since_epoch"] for name in dead)


class LastBatchRelus(ns.training.Callback):
    """Records, after each epoch, which neurons of hidden1 had z <= 0 on all of the last batch."""

    def __init__(self):
        self.rows = []

    def on_epoch_end(self, run, epoch):
        self.rows.append(run.engine.last_pass().z("hidden1").max(axis=0) <= 0)

    @property
    def epochs(self):
        return np.array(self.rows)


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
