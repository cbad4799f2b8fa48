"""``non-finite``: the doctor names the first value of a pass that is not a finite number.

The order is the order of computing: layer by layer the weights into it,
its biases, its ``z`` and ``a``; then the loss; then each ``delta`` from
the output back. Each test breaks a network on purpose, recomputes the
pass with numpy, and checks that what the doctor names is non-finite and
that everything computed before it is finite; on divergence during
``fit`` the ``DivergenceWarning`` says the same, for both engines.
"""

from __future__ import annotations

import numpy as np
import pytest

import neurosim as ns


def forward(net: ns.Network, X: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Every layer's z and a, for identity and relu layers, computed here (overflows allowed)."""
    z, a = {}, {"input": X}
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in net.layers[1:]:
            total = np.tile(layer.bias, (len(X), 1))
            for block in net.blocks:
                if block.target is layer:
                    total = total + a[block.source.name] @ block.weight.T
            z[layer.name] = total
            a[layer.name] = np.maximum(total, 0.0) if layer.activation.name == "relu" else total
    return z, a


def relu_net() -> ns.Network:
    return ns.Network.from_shape([2, 4, 1], activation="relu", output_activation="identity", seed=0)


def moons() -> tuple[np.ndarray, np.ndarray]:
    return ns.datasets.moons(50, noise=0.1, seed=0)


def test_a_weight_that_is_not_finite_is_named_before_anything_computed_from_it():
    X, y = moons()
    net = relu_net()
    net.blocks[1].weight[0, 2] = np.inf
    net.blocks[1].weight[0, 3] = np.nan
    finding = ns.diagnose(net, X, y)["non-finite"]
    assert finding.severity == "error"
    assert finding.where == ("hidden1[2] -> output[0]",)  # the first in the block's order
    assert finding.evidence == {"hidden1[2] -> output[0]": {"weight": np.inf}}
    assert "the weight of synapse hidden1[2] -> output[0] (inf)" in finding.message

    net.blocks[0].weight[1, 0] = np.nan  # an earlier layer's weight comes first
    assert ns.diagnose(net, X, y)["non-finite"].where == ("input[0] -> hidden1[1]",)


def test_a_bias_that_is_not_finite():
    X, y = moons()
    net = relu_net()
    net["output"].bias[:] = np.nan
    finding = ns.diagnose(net, X, y)["non-finite"]
    assert finding.where == ("output[0]",)
    assert np.isnan(finding.evidence["output[0]"]["bias"])
    assert "the bias of output[0] (nan)" in finding.message


def test_a_weighted_sum_that_overflows_names_the_neuron_the_sample_and_the_largest_term():
    X, y = moons()
    X = X * 1e10
    net = relu_net()
    net.blocks[0].weight[2] = [1e300, 1e300]
    finding = ns.diagnose(net, X, y)["non-finite"]

    z, _ = forward(net, X)
    bad = np.argwhere(~np.isfinite(z["hidden1"]))
    sample, index = bad[0]
    assert (sample, index) == (0, 2)  # X[0] is positive in both columns: 1e300 * 1e10 overflows
    assert finding.where == ("hidden1[2]",)
    numbers = finding.evidence["hidden1[2]"]
    assert numbers["sample"] == 0 and numbers["z"] == z["hidden1"][0, 2] == np.inf
    assert numbers["largest_weight"] == {"synapse": "input[0] -> hidden1[2]", "weight": 1e300}
    with np.errstate(over="ignore"):
        assert numbers["largest_term"] == np.max(np.abs(net.blocks[0].weight[2] * X[0]))
    assert "hidden1[2].z on sample 0 (inf)" in finding.message
    assert "Weights this large come from updates that overshoot" in finding.message


def test_an_input_too_large_for_any_weight_is_blamed_not_the_weights():
    X = np.linspace(-1.0, 1.0, 20)[:, None]
    X[13] = 1e300  # one bad row of data
    net = ns.Network.from_shape([1, 2, 1], activation="identity", seed=0)
    net.blocks[0].weight[:] = 1e10
    finding = ns.diagnose(net, X, np.zeros(20))["non-finite"]
    z, _ = forward(net, X)
    assert np.argwhere(~np.isfinite(z["hidden1"])).tolist() == [[13, 0], [13, 1]]
    assert finding.where == ("hidden1[0]",)
    assert finding.evidence["hidden1[0]"]["sample"] == 13
    assert "The value reaching it from input[0] on this sample is 1e+300" in finding.message
    assert "updates that overshoot" not in finding.message


@pytest.mark.parametrize(
    ("target_scale", "advice"),
    [(1.0, "a smaller learning rate"), (1e200, "scale the targets to about unit size")],
)
def test_a_loss_that_overflows_names_the_sample_furthest_from_its_target(target_scale, advice):
    X, y = moons()
    T = target_scale * y[:, None]
    net = ns.Network.from_shape([2, 1], activation="identity", seed=0)
    net.blocks[0].weight[:] = [[1e160, 0.0]]
    finding = ns.diagnose(net, X, T)["non-finite"]

    _, a = forward(net, X)
    outputs = a["output"]
    assert np.all(np.isfinite(outputs))  # the outputs are finite: their squared error is not
    with np.errstate(over="ignore"):
        sample = int(np.argmax(np.abs(outputs[:, 0] - T[:, 0])))
    assert finding.where == ("output[0]",)
    assert finding.evidence["output[0]"] == {
        "loss": np.inf,
        "sample": sample,
        "a": outputs[sample, 0],
        "t": T[sample, 0],
    }
    assert "the mse loss (inf)" in finding.message
    larger = "targets" if abs(T[sample, 0]) > abs(outputs[sample, 0]) else "outputs"
    assert f"the {larger} are so large that the loss overflows" in finding.message
    assert finding.advice.startswith(advice)


def test_an_error_signal_that_overflows_on_its_way_back():
    # finite forward pass (z = 1e-300 * x, then 1e300 * that) and loss; the error coming back through
    # the weight 1e300 overflows
    net = ns.Network.from_shape([1, 1, 1], activation="identity", seed=0)
    net.blocks[0].weight[:] = 1e-300
    net.blocks[1].weight[:] = 1e300
    net["hidden1"].bias[:] = 0.0
    net["output"].bias[:] = 0.0
    X, T = np.array([[1.0], [2.0]]), np.array([[1e10], [2e10]])
    finding = ns.diagnose(net, X, T)["non-finite"]

    output_delta = 2.0 * (X * 1.0 - T)  # mse's d loss_k / d z at the output, one output
    with np.errstate(over="ignore"):
        hidden_delta = output_delta * 1e300
    assert np.all(np.isfinite(output_delta)) and np.isneginf(hidden_delta[0, 0])
    assert finding.where == ("hidden1[0]",)
    assert finding.evidence["hidden1[0]"] == {"sample": 0, "z": 1e-300, "a": 1e-300, "delta": -np.inf}
    assert "hidden1[0].delta on sample 0 (-inf)" in finding.message
    assert "compute the loss from z" not in finding.advice  # that is for the output layer's derivative


def test_a_finite_pass_has_no_non_finite_finding():
    X, y = moons()
    assert "non-finite" not in ns.diagnose(relu_net(), X * 1000.0, y)


# ------------------------------------------------------------------ divergence during fit


def diverge(net: ns.Network, X: np.ndarray, y: np.ndarray, **options: object) -> tuple[ns.History, str]:
    """Train until the loss stops being finite; the history and the DivergenceWarning's text."""
    with pytest.warns((ns.DivergenceWarning, ns.DiagnosisWarning)) as record:
        history = net.fit(X, y, verbose=0, seed=0, shuffle=False, **options)
    divergence = [str(w.message) for w in record if w.category is ns.DivergenceWarning]
    assert len(divergence) == 1
    return history, divergence[0]


@pytest.mark.parametrize("engine", ["object", "compiled"])
def test_divergence_names_the_weighted_sum_that_overflowed(engine):
    X, y = ns.datasets.moons(100, noise=0.1, seed=0)
    X = X * 1000.0  # unscaled inputs and a large step: the weights grow until a z overflows
    net = ns.Network.from_shape([2, 8, 1], activation="relu", output_activation="identity", seed=0)
    history, message = diverge(net, X, y, epochs=30, lr=1.0, engine=engine)

    finding = history.diagnosis["non-finite"]
    assert finding.epoch == history.diverged_at == 5
    (name,) = finding.where
    numbers = finding.evidence[name]
    # training stops before the update of the batch that diverged: the weights are those of its pass
    assert all(np.all(np.isfinite(values)) for _, values in net.named_parameters())
    z, a = forward(net, X)  # one full batch, in order: batch rows are rows of X
    assert np.all(np.isfinite(z["hidden1"]))
    layer, index = name[:-3], int(name[-2])
    assert (layer, name) == ("output", "output[0]")
    first_bad = np.argwhere(~np.isfinite(z[layer]))[0]
    assert tuple(first_bad) == (numbers["sample"], index)
    assert not np.isfinite(numbers["z"])
    weights = net.blocks[1].weight[index]
    largest = int(np.argmax(np.abs(weights)))
    assert numbers["largest_weight"] == {
        "synapse": f"hidden1[{largest}] -> output[0]",
        "weight": weights[largest],
    }
    with np.errstate(over="ignore"):  # the terms of this pass, not the values the neurons showed before
        assert numbers["largest_term"] == np.max(np.abs(weights * a["hidden1"][numbers["sample"]]))

    losses = history.loss
    assert message.startswith("training stopped at epoch 5, batch 1: the loss became ")
    assert f"The first value that is not a finite number is {name}.z on sample {numbers['sample']}" in message
    assert f"The loss had risen from {min(losses):.4g} to {losses[-1]:.4g}" in message


@pytest.mark.parametrize("engine", ["object", "compiled"])
def test_divergence_names_the_weight_that_overflowed(engine):
    X, y = ns.datasets.moons(100, noise=0.1, seed=0)
    net = ns.Network.from_shape([2, 8, 1], activation="relu", output_activation="identity", seed=0)
    history, message = diverge(net, X * 1e4, y, epochs=30, lr=1e4, batch_size=1, engine=engine)

    finding = history.diagnosis["non-finite"]
    (name,) = finding.where
    assert name == "input[0] -> hidden1[2]"
    weights = net.blocks[0].weight
    assert tuple(np.argwhere(~np.isfinite(weights))[0]) == (2, 0)  # row: the target; column: the source
    assert "The first value that is not a finite number is the weight of synapse " + name in message


def test_divergence_names_the_training_sample_not_the_row_of_a_shuffled_batch():
    X = np.linspace(-1.0, 1.0, 20)[:, None]
    X[13] = 1e300  # one bad row: its z overflows, no other does
    net = ns.Network.from_shape([1, 2, 1], activation="identity", seed=0)
    net.blocks[0].weight[:] = 1e10
    with pytest.warns((ns.DivergenceWarning, ns.DiagnosisWarning)) as record:
        history = net.fit(X, np.zeros(20), epochs=1, lr=0.1, verbose=0, seed=0)
    assert history.diverged_at == 1
    message = next(str(w.message) for w in record if w.category is ns.DivergenceWarning)
    assert "hidden1[0].z on sample 13 " in message
