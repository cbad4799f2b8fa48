"""User-defined activations: gradient_check accepts a right derivative and names the
parameters a wrong one corrupts."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import neurosim as ns


def _sigmoid(z):
    # Written with tanh so it never overflows.
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _swish(z):
    return z * _sigmoid(z)


def _swish_derivative(z):
    s = _sigmoid(z)
    return s + z * s * (1.0 - s)


def _swish_derivative_missing_a_term(z):
    return _sigmoid(z)  # forgets the z s (1 - s) term


# The same activations written both ways Activation accepts a derivative: f'(z) and f'(a).
SWISH = ns.Activation("swish_test", _swish, _swish_derivative)
SWISH_WRONG = ns.Activation("swish_wrong_test", _swish, _swish_derivative_missing_a_term)
LOGISTIC = ns.Activation("logistic_test", _sigmoid, output_derivative=lambda a: a * (1.0 - a))
LOGISTIC_WRONG = ns.Activation("logistic_wrong_test", _sigmoid, output_derivative=lambda a: a * (1.0 + a))

PAIRS = [(SWISH, SWISH_WRONG), (LOGISTIC, LOGISTIC_WRONG)]
PAIR_IDS = ["swish-derivative", "logistic-output_derivative"]

X = np.array([[0.8, -1.2], [1.5, 0.4], [-0.9, 1.1], [0.3, -0.6]])
Y = np.array([[0.5, -1.0], [1.2, 0.3], [-0.4, 0.9], [0.0, 1.5]])


def build(activation: ns.Activation) -> ns.Network:
    """input(2) -> hidden1(3, tanh) -> hidden2(2, activation) -> output(2, identity).

    hidden1[2] does not feed hidden2: it reaches the output only by a skip
    connection, and input[1] has a skip connection to output[1].
    """
    net = ns.Network(seed=11, init="uniform")
    net.add_layer(2, name="input")
    net.add_layer(3, activation="tanh")
    net.add_layer(2, activation=activation)
    net.add_layer(2, name="output", activation="identity")
    net.connect("input", "hidden1")
    net.connect("hidden1", "hidden2")
    net.connect("hidden2", "output")
    net.disconnect("hidden1[2]", "hidden2[0]")
    net.disconnect("hidden1[2]", "hidden2[1]")
    net.connect("hidden1[2]", "output[0]", weight=0.8)
    net.connect("input[1]", "output[1]", weight=-0.6)
    for layer in net.layers[1:]:
        for neuron in layer:
            neuron.bias = 0.3 - 0.25 * neuron.index
    return net


# The wrong derivative sits at hidden2: every gradient that flows back through hidden2's
# neurons is wrong; every gradient that reaches the loss without passing through them is right.
AFFECTED = {
    "hidden2[0].bias",
    "hidden2[1].bias",
    "hidden1[0] -> hidden2[0]",
    "hidden1[1] -> hidden2[0]",
    "hidden1[0] -> hidden2[1]",
    "hidden1[1] -> hidden2[1]",
    "hidden1[0].bias",
    "hidden1[1].bias",
    "input[0] -> hidden1[0]",
    "input[1] -> hidden1[0]",
    "input[0] -> hidden1[1]",
    "input[1] -> hidden1[1]",
}
UNAFFECTED = {
    # hidden1[2] only reaches the loss through its skip connection to the output
    "hidden1[2].bias",
    "input[0] -> hidden1[2]",
    "input[1] -> hidden1[2]",
    "hidden1[2] -> output[0]",
    # the output layer's parameters use hidden2's outputs, not its derivative
    "hidden2[0] -> output[0]",
    "hidden2[1] -> output[0]",
    "hidden2[0] -> output[1]",
    "hidden2[1] -> output[1]",
    "input[1] -> output[1]",
    "output[0].bias",
    "output[1].bias",
}


def reported_names(report: ns.GradientCheckReport) -> set[str]:
    """The parameter names in the table that str(report) prints."""
    lines = str(report).splitlines()
    separator = next(i for i, line in enumerate(lines) if set(line) <= {"-", " "} and "-" in line)
    names = set()
    for line in lines[separator + 1 :]:
        if line.startswith(("note:", "inconclusive:")):
            break
        names.add(re.split(r"\s{2,}", line.strip())[0])
    return names


def test_the_expected_parameter_sets_cover_the_network():
    net = build(SWISH)
    every = {s.name for s in net.synapses} | {f"{n.name}.bias" for layer in net.layers[1:] for n in layer}
    assert every == AFFECTED | UNAFFECTED
    assert not AFFECTED & UNAFFECTED


def test_custom_activation_values_and_derivatives_are_what_they_claim():
    for z in (-3.0, -0.5, 0.0, 0.7, 4.0):
        s = 1.0 / (1.0 + math.exp(-z))
        assert float(SWISH(np.array(z))) == pytest.approx(z * s, rel=1e-13, abs=1e-15)
        assert float(SWISH.derivative(np.array(z))) == pytest.approx(s + z * s * (1 - s), rel=1e-13)
        assert float(LOGISTIC.derivative(np.array(z))) == pytest.approx(s * (1 - s), rel=1e-13)
        # The derivative really is f': a central difference of f agrees.
        h = 1e-6
        numeric = (float(SWISH(np.array(z + h))) - float(SWISH(np.array(z - h)))) / (2 * h)
        assert float(SWISH.derivative(np.array(z))) == pytest.approx(numeric, rel=1e-7, abs=1e-9)


@pytest.mark.parametrize(("right", "wrong"), PAIRS, ids=PAIR_IDS)
def test_right_derivative_passes_the_gradient_check(right, wrong):
    net = build(right)
    assert net["hidden2"].activation is right
    report = ns.gradient_check(net, X, Y, loss="mse")
    assert report.ok, str(report)
    assert report.max_rel_error < 1e-6, str(report)
    assert not report.failures
    assert len(report.entries) == len(AFFECTED | UNAFFECTED)
    assert str(report).startswith("gradient check OK")


@pytest.mark.parametrize(("right", "wrong"), PAIRS, ids=PAIR_IDS)
def test_wrong_derivative_is_caught_and_the_affected_parameters_named(right, wrong):
    net = build(wrong)
    assert net["hidden2"].activation is wrong
    report = ns.gradient_check(net, X, Y, loss="mse")
    text = str(report)
    assert not report.ok, text
    assert report.max_rel_error > 1e-3, text  # a real error, far above finite-difference noise
    failing = {entry.name for entry in report.failures}
    assert failing == AFFECTED, f"unexpected: {failing - AFFECTED}, missed: {AFFECTED - failing}\n{text}"

    # The parameters whose gradients don't pass through hidden2's derivative stay correct.
    by_name = {entry.name: entry for entry in report.entries}
    for name in UNAFFECTED:
        assert by_name[name].rel_error < 1e-6, f"{name}\n{text}"

    # The report names every affected parameter, and only those.
    assert f"FAILED for {len(AFFECTED)} of {len(AFFECTED | UNAFFECTED)} parameters" in text
    for name in AFFECTED:
        assert name in text
    assert reported_names(report) == AFFECTED, text


@pytest.mark.parametrize(("right", "wrong"), PAIRS, ids=PAIR_IDS)
def test_a_derivative_that_is_not_a_constant_factor_off_shows_no_common_ratio(right, wrong):
    report = ns.gradient_check(build(wrong), X, Y, loss="mse")
    ratios = [entry.analytic / entry.numeric for entry in report.failures]
    assert max(ratios) - min(ratios) > 0.05 * max(map(abs, ratios))
    assert report.common_ratio is None
    assert "same ratio" not in str(report)


def scaled(activation: ns.Activation, factor: float) -> ns.Activation:
    """``activation`` with its derivative ``factor`` times what it should be."""
    return ns.Activation(
        f"{activation.name}_times_{factor:g}", activation, lambda z: factor * activation.derivative(z)
    )


@pytest.mark.parametrize(
    ("factor", "meaning"), [(2.0, "extra factor 2"), (len(X), "the number of samples in X")]
)
@pytest.mark.parametrize(("right", "wrong"), PAIRS, ids=PAIR_IDS)
def test_a_derivative_off_by_a_constant_factor_is_named_by_it(right, wrong, factor, meaning):
    # Every gradient that passes through hidden2 passes through its derivative exactly once (hidden1[0]
    # and hidden1[1] feed nothing else), so all of them are off by the factor and none other is.
    report = ns.gradient_check(build(scaled(right, factor)), X, Y, loss="mse")
    truth = ns.gradient_check(build(right), X, Y, loss="mse")
    assert {entry.name for entry in report.failures} == AFFECTED
    for entry, true in zip(report.entries, truth.entries, strict=True):
        expected = factor * true.analytic if entry.name in AFFECTED else true.analytic
        assert entry.analytic == pytest.approx(expected, rel=1e-12, abs=1e-15), entry.name
        assert entry.numeric == true.numeric
    assert report.common_ratio == pytest.approx(factor, rel=1e-6)
    text = str(report)
    assert f"backprop / finite difference = {factor:g} for all {len(AFFECTED)} failing parameters" in text
    assert meaning in text
    assert reported_names(report) == AFFECTED


@pytest.mark.parametrize(("right", "wrong"), PAIRS, ids=PAIR_IDS)
def test_wrong_and_right_networks_agree_on_values_and_on_unaffected_gradients(right, wrong):
    # Forward passes are the same (only the derivative differs), so backprop's gradients of
    # the unaffected parameters are identical, and the affected ones differ.
    good, bad = build(right), build(wrong)
    assert good.backward(X, Y, "mse") == bad.backward(X, Y, "mse")
    good_grads = {s.name: s.grad for s in good.synapses}
    bad_grads = {s.name: s.grad for s in bad.synapses}
    for name in good_grads:
        if name in UNAFFECTED:
            assert bad_grads[name] == pytest.approx(good_grads[name], rel=1e-12, abs=1e-15), name
        else:
            assert bad_grads[name] != pytest.approx(good_grads[name], rel=1e-6), name


def test_custom_activation_object_in_from_shape():
    net = ns.Network.from_shape([2, 3, 2], activation=SWISH, output_activation="identity", seed=4)
    assert net["hidden1"].activation is SWISH
    assert net["output"].activation.name == "identity"
    report = ns.gradient_check(net, X, Y, loss="mse")
    assert report.ok, str(report)

    # The forward pass uses swish: compare with a hand computation from the weights.
    x = X[0]
    hidden = []
    for j in range(3):
        z = net[f"hidden1[{j}]"].bias + sum(
            net.synapse(f"input[{i}]", f"hidden1[{j}]").weight * x[i] for i in range(2)
        )
        hidden.append(z / (1.0 + math.exp(-z)))
    expected = [
        net[f"output[{k}]"].bias
        + sum(net.synapse(f"hidden1[{j}]", f"output[{k}]").weight * hidden[j] for j in range(3))
        for k in range(2)
    ]
    np.testing.assert_allclose(net.forward(x), expected, rtol=1e-12)

    # output_activation defaults to the activation object too.
    both = ns.Network.from_shape([2, 3, 2], activation=SWISH, seed=4)
    assert both["hidden1"].activation is SWISH
    assert both["output"].activation is SWISH
    assert ns.gradient_check(both, X, Y, loss="mse").ok


def test_wrong_derivative_in_from_shape_hidden_layers():
    net = ns.Network.from_shape([2, 3, 2], activation=SWISH_WRONG, output_activation="identity", seed=4)
    report = ns.gradient_check(net, X, Y, loss="mse")
    assert not report.ok
    hidden = {f"input[{i}] -> hidden1[{j}]" for i in range(2) for j in range(3)}
    hidden |= {f"hidden1[{j}].bias" for j in range(3)}
    assert {entry.name for entry in report.failures} == hidden, str(report)
    assert reported_names(report) == hidden


def test_wrong_derivative_at_the_output_corrupts_every_gradient():
    net = ns.Network.from_shape([2, 3, 2], activation="tanh", output_activation=SWISH_WRONG, seed=4)
    report = ns.gradient_check(net, X, Y, loss="mse")
    assert not report.ok
    every = {s.name for s in net.synapses} | {f"{n.name}.bias" for layer in net.layers[1:] for n in layer}
    assert {entry.name for entry in report.failures} == every, str(report)
    assert reported_names(report) == every


# ------------------------------------------------------------------ in-place kernels for the compiled engine


class CountedKernels:
    """In-place swish kernels, counting their calls."""

    def __init__(self) -> None:
        self.calls = {"forward": 0, "backward": 0}

    def forward(self, z, out):
        self.calls["forward"] += 1
        np.copyto(out, _swish(z))

    def backward(self, z, a, g, out, scratch):
        self.calls["backward"] += 1
        np.multiply(g, _swish_derivative(z), out=out)


def test_kernels_of_a_custom_activation_run_in_the_compiled_engine():
    counted = CountedKernels()
    fast = ns.Activation("swish_fast", _swish, _swish_derivative, kernels=(counted.forward, counted.backward))
    plain = ns.Activation("swish_plain", _swish, _swish_derivative)
    X, y = ns.datasets.moons(40, seed=0)
    nets = []
    for activation in (fast, plain):
        net = ns.Network.from_shape([2, 5, 1], activation=activation, output_activation="sigmoid", seed=2)
        # without the doctor, whose looks at the neurons would call the kernels too
        net.fit(
            X,
            y,
            epochs=3,
            lr=0.5,
            batch_size=10,
            loss="bce",
            engine="compiled",
            seed=0,
            verbose=0,
            diagnose=False,
        )
        nets.append(net)
    # called to check the kernels (backward twice: out apart from g, then out is g),
    # then once per batch: 3 epochs x 4 batches
    assert counted.calls == {"forward": 1 + 12, "backward": 2 + 12}
    for (name, trained), (_, reference) in zip(
        nets[0].named_parameters(), nets[1].named_parameters(), strict=True
    ):
        assert np.allclose(trained, reference, rtol=1e-12, atol=1e-15), name


@pytest.mark.parametrize(
    ("kernels", "match"),
    [
        (lambda z, out: None, "kernels must be a pair"),
        (
            (lambda z, out: np.copyto(out, z), lambda *arrays: None),
            "its forward kernel disagrees with its function",
        ),
        (
            (lambda z, out: np.copyto(out, _swish(z)), lambda z, a, g, out, scratch: np.copyto(out, g)),
            "its backward kernel disagrees with its derivative",
        ),
        (
            (lambda z: z, lambda *arrays: None),
            "its forward kernel failed on arrays of shape \\(3, 4\\): TypeError",
        ),
    ],
)
def test_kernels_that_do_not_compute_the_activation_are_refused(kernels, match):
    with pytest.raises(ns.ParameterError, match=f"Activation 'swish_k': {match}"):
        ns.Activation("swish_k", _swish, _swish_derivative, kernels=kernels)


def test_a_backward_kernel_that_fails_when_out_is_g_is_refused():
    def overwrites_g_first(z, a, g, out, scratch):
        np.copyto(out, _swish_derivative(z))  # when out is g, g is lost here
        np.multiply(out, g, out=out)

    with pytest.raises(ns.ParameterError, match="goes wrong when out is the same array as g"):
        ns.Activation(
            "swish_aliased",
            _swish,
            _swish_derivative,
            kernels=(lambda z, out: np.copyto(out, _swish(z)), overwrites_g_first),
        )
