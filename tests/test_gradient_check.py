"""gradient_check's judgement: kinks make a parameter inconclusive, not failed, and a gradient off by
one factor everywhere is named by that factor.

The kink tests set every weight by hand so that one relu (or leaky_relu, or step) neuron's ``z`` is
exactly 0 on one sample, and compare with a forward pass and a backward pass written out here.
"""

from __future__ import annotations

import numpy as np
import pytest

import neurosim as ns

TOLERANCE = 1e-6

# hidden1[j] gets weights W1[j] from (input[0], input[1]) and bias B1[j]; output[0] gets W2 and B2.
W1 = np.array([[0.5, -1.0], [0.8, 0.3], [-0.6, 0.9]])
B1 = np.array([0.0, 0.2, -0.1])
W2 = np.array([0.7, -0.5, 0.9])
B2 = 0.1
# Sample 2 puts hidden1[0] exactly at its kink: 0.5 * 1.0 - 1.0 * 0.5 + 0.0 = 0.
X = np.array([[0.3, -0.7], [-0.4, 0.9], [1.0, 0.5], [0.8, 0.1], [-1.2, 0.4]])
Y = np.array([[1.0], [0.0], [0.5], [0.2], [-0.3]])
AT_KINK = 2
HIDDEN0 = {"input[0] -> hidden1[0]", "input[1] -> hidden1[0]", "hidden1[0].bias"}

# The activations and the derivatives backprop uses (at the kink: relu' = 0, leaky_relu' = 0.01, step' = 0).
ORACLE = {
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0) * 1.0),
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda z: np.where(z > 0, 1.0, 0.01)),
    "step": (lambda z: (z >= 0) * 1.0, lambda z: 0.0 * z),
}


def hand_set_network(activation: str | ns.Activation, w1=W1, b1=B1) -> ns.Network:
    """input(2) -> hidden1(3, activation) -> output(1, identity), every weight and bias set by hand."""
    net = ns.Network.from_shape([2, 3, 1], activation=activation, output_activation="identity", seed=0)
    for j in range(3):
        for i in range(2):
            net.synapse(f"input[{i}]", f"hidden1[{j}]").weight = w1[j, i]
        net[f"hidden1[{j}]"].bias = b1[j]
        net.synapse(f"hidden1[{j}]", "output[0]").weight = W2[j]
    net["output[0]"].bias = B2
    return net


def oracle_loss(activation: str, X: np.ndarray, Y: np.ndarray, w1=W1, b1=B1) -> float:
    f, _ = ORACLE[activation]
    prediction = f(X @ w1.T + b1) @ W2 + B2
    return float(np.mean((prediction - Y[:, 0]) ** 2))


def oracle_gradients(activation: str, X: np.ndarray, Y: np.ndarray) -> dict[str, float]:
    """Backprop by hand for hidden1[0]'s parameters."""
    f, derivative = ORACLE[activation]
    z = X @ W1.T + B1
    error = f(z) @ W2 + B2 - Y[:, 0]
    delta = 2 * error * W2[0] * derivative(z[:, 0])
    return {
        "input[0] -> hidden1[0]": float(np.mean(delta * X[:, 0])),
        "input[1] -> hidden1[0]": float(np.mean(delta * X[:, 1])),
        "hidden1[0].bias": float(np.mean(delta)),
    }


def oracle_difference(activation: str, X: np.ndarray, Y: np.ndarray, name: str, h: float = 1e-4) -> float:
    """The documented fourth-order central difference of the mean loss in one of hidden1[0]'s parameters."""

    def loss(offset: float) -> float:
        w1, b1 = W1.copy(), B1.copy()
        if name == "hidden1[0].bias":
            b1[0] += offset
        else:
            w1[0, int(name[len("input[")])] += offset
        return oracle_loss(activation, X, Y, w1, b1)

    return (8 * (loss(h) - loss(-h)) - (loss(2 * h) - loss(-2 * h))) / (12 * h)


def by_name(report: ns.GradientCheckReport) -> dict:
    return {entry.name: entry for entry in report.entries}


def stored_gradients(net: ns.Network) -> dict[str, float]:
    grads = {synapse.name: synapse.grad for synapse in net.synapses}
    grads.update({f"{n.name}.bias": n.bias_grad for layer in net.layers[1:] for n in layer})
    return grads


# ------------------------------------------------------------------ kinks


def test_the_hand_set_network_is_what_the_oracle_computes():
    z = X @ W1.T + B1
    assert z[AT_KINK, 0] == 0.0
    assert np.min(np.abs(np.delete(z, AT_KINK, axis=0))) > 0.1
    assert np.min(np.abs(z[:, 1:])) > 0.1
    for activation in ORACLE:
        net = hand_set_network(activation)
        assert net.backward(X, Y, "mse") == pytest.approx(oracle_loss(activation, X, Y), rel=1e-13)
        for name, expected in oracle_gradients(activation, X, Y).items():
            assert stored_gradients(net)[name] == pytest.approx(expected, rel=1e-12, abs=1e-15), name


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "step"])
def test_a_parameter_whose_nudge_crosses_a_kink_is_inconclusive(activation):
    net = hand_set_network(activation)
    report = ns.gradient_check(net, X, Y, loss="mse")
    text = str(report)
    entries = by_name(report)

    # Over the whole batch, finite differences and backprop really disagree for hidden1[0]'s parameters:
    # the oracle's finite difference is what the report measured, and its backprop what backprop gave.
    for name in HIDDEN0:
        entry = entries[name]
        assert entry.numeric == pytest.approx(oracle_difference(activation, X, Y, name), rel=1e-7, abs=1e-9)
        assert entry.analytic == pytest.approx(oracle_gradients(activation, X, Y)[name], rel=1e-12, abs=1e-15)
        assert entry.rel_error > 1e-3, text
    assert report.max_rel_error > 1e-3

    # Without sample 2 the oracle's finite difference agrees with its backprop.
    rest = np.delete(np.arange(len(X)), AT_KINK)
    for name, gradient in oracle_gradients(activation, X[rest], Y[rest]).items():
        assert gradient == pytest.approx(oracle_difference(activation, X[rest], Y[rest], name), abs=1e-9)

    # So the check calls them inconclusive, names the neuron and the sample, and fails nothing.
    assert report.ok, text
    assert not report.failures
    assert {entry.name for entry in report.inconclusive} == HIDDEN0
    for name in HIDDEN0:
        entry = entries[name]
        assert entry.verdict == "inconclusive"
        assert entry.crossings == (("hidden1[0]", (AT_KINK,)),)
        assert entry.kink_samples == (AT_KINK,)
        assert entry.recheck_error is not None and entry.recheck_error < TOLERANCE
    for name in entries.keys() - HIDDEN0:
        assert entries[name].verdict == "ok"
        assert entries[name].rel_error < TOLERANCE, name
    assert text.startswith("gradient check OK")
    assert "3 inconclusive at a kink" in text
    assert f"z of hidden1[0] crosses 0 on sample {AT_KINK} under the nudge; without it the error is" in text
    assert "hidden1[0]" in report.near_kinks

    # The check without sample 2 passes, and agrees with the recheck.
    without = ns.gradient_check(hand_set_network(activation), X[rest], Y[rest], loss="mse")
    assert without.ok and not without.inconclusive, str(without)
    assert without.max_rel_error < TOLERANCE
    for name in HIDDEN0:
        assert entries[name].recheck_error == pytest.approx(by_name(without)[name].rel_error, abs=1e-9)


def test_after_a_recheck_the_network_holds_the_whole_batch_backward_pass():
    net = hand_set_network("relu")
    report = ns.gradient_check(net, X, Y, loss="mse")
    assert report.inconclusive
    grads = stored_gradients(net)
    for entry in report.entries:
        assert grads[entry.name] == entry.analytic, entry.name
    for name, expected in oracle_gradients("relu", X, Y).items():
        assert grads[name] == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert net["output[0]"].delta.shape == (len(X),)


def test_only_nudges_that_reach_the_kink_count():
    # Sample 2 is now (1.0, 0.1) and hidden1[0]'s z there is 3e-5: nudges of 1e-4 and 2e-4 to its bias
    # or to its weight from input[0] (times 1.0) cross 0; those to its weight from input[1] (times 0.1)
    # move z by at most 2e-5 and stay on one side.
    Xn = X.copy()
    Xn[AT_KINK] = [1.0, 0.1]
    b1 = B1.copy()
    b1[0] = -(0.5 * 1.0 - 1.0 * 0.1) + 3e-5
    z = Xn @ W1.T + b1
    assert 2e-5 < z[AT_KINK, 0] < 4e-5
    assert np.min(np.abs(np.delete(z[:, 0], AT_KINK))) > 0.05

    report = ns.gradient_check(hand_set_network("relu", b1=b1), Xn, Y, loss="mse")
    entries = by_name(report)
    assert report.ok, str(report)
    for name in ("input[0] -> hidden1[0]", "hidden1[0].bias"):
        assert entries[name].verdict == "inconclusive", str(report)
        assert entries[name].kink_samples == (AT_KINK,)
    quiet = entries["input[1] -> hidden1[0]"]
    assert quiet.crossings == ()
    assert quiet.verdict == "ok"
    assert quiet.rel_error < TOLERANCE


def test_a_wrong_derivative_is_still_caught_across_a_kink():
    # relu with its derivative doubled, marked non-smooth so that its kink is handled as relu's
    relu_double = ns.Activation(
        "relu_double_test", lambda z: np.maximum(z, 0.0), lambda z: 2.0 * (z > 0), smooth=False
    )
    report = ns.gradient_check(hand_set_network(relu_double), X, Y, loss="mse")
    text = str(report)
    entries = by_name(report)
    assert not report.ok
    for name in HIDDEN0:
        entry = entries[name]
        assert entry.crossings == (("hidden1[0]", (AT_KINK,)),)
        assert entry.verdict == "failed", text
        assert entry.recheck_error > 0.1
        assert f"note: {name} crosses a kink" in text
    assert "and still disagrees: a real failure" in text
    # hidden1[1] and hidden1[2] cross no kink; their gradients are exactly twice the truth, and
    # those of hidden1[0] (measured across a kink) are left out of the ratio
    others = {f"input[{i}] -> hidden1[{j}]" for i in range(2) for j in (1, 2)}
    others |= {"hidden1[1].bias", "hidden1[2].bias"}
    assert {entry.name for entry in report.failures} == HIDDEN0 | others
    for name in others:
        assert entries[name].analytic / entries[name].numeric == pytest.approx(2.0, rel=1e-6)
    assert report.common_ratio == pytest.approx(2.0, rel=1e-6)
    assert "all 6 of the 9 failing parameters whose finite difference is reliable" in text


def test_with_every_sample_at_the_kink_nothing_is_left_to_recheck():
    x, y = X[[AT_KINK]], Y[[AT_KINK]]
    report = ns.gradient_check(hand_set_network("relu"), x, y, loss="mse")
    assert report.ok
    assert {entry.name for entry in report.inconclusive} == HIDDEN0
    assert all(entry.recheck_error is None for entry in report.inconclusive)
    assert "no other sample is left to recheck it on" in str(report)


def test_a_network_far_from_its_kinks_is_judged_as_before():
    b1 = B1.copy()
    b1[0] = 0.5  # z of hidden1[0] is at least 0.2 away from 0 on every sample
    assert np.min(np.abs(X @ W1.T + b1)) > 0.1
    report = ns.gradient_check(hand_set_network("relu", b1=b1), X, Y, loss="mse")
    assert report.ok and not report.inconclusive and not report.near_kinks
    assert all(entry.verdict == "ok" and entry.crossings == () for entry in report.entries)
    assert "inconclusive" not in str(report)


# ------------------------------------------------------------------ one ratio everywhere

XR = np.array([[0.8, -1.2], [1.5, 0.4], [-0.9, 1.1], [0.3, -0.6], [-0.2, 0.7]])
YR = np.array([[0.5, -1.0, 0.2], [1.2, 0.3, -0.4], [-0.4, 0.9, 0.0], [0.0, 1.5, 0.6], [0.3, -0.2, 1.0]])
N_SAMPLES, N_OUTPUTS = YR.shape
HIDDEN = {f"input[{i}] -> hidden1[{j}]" for i in range(2) for j in range(3)} | {
    f"hidden1[{j}].bias" for j in range(3)
}


def scaled_tanh(factor: float) -> ns.Activation:
    """tanh, with its derivative ``factor`` times what it should be."""
    return ns.Activation(f"tanh_times_{factor:g}", np.tanh, output_derivative=lambda a: factor * (1 - a**2))


def ratio_network(activation: object = "tanh", seed: int = 4) -> ns.Network:
    return ns.Network.from_shape(
        [2, 3, N_OUTPUTS], activation=activation, output_activation="identity", seed=seed
    )


def true_gradients(net: ns.Network) -> dict[str, float]:
    """The gradients of the same weights with the right tanh, by backprop."""
    twin = ratio_network()
    twin.load_state_dict(net.state_dict())
    twin.backward(XR, YR, "mse")
    return stored_gradients(twin)


@pytest.mark.parametrize(
    ("factor", "meaning"),
    [
        (2.0, "likely an extra factor 2 in a derivative"),
        (0.5, "likely a missing factor 2 in a derivative"),
        (-1.0, "the sign is flipped"),
        (-2.0, "the sign is flipped, and an extra factor 2"),
        (float(N_SAMPLES), f"likely {N_SAMPLES}, the number of samples in X"),
        (3.7, "a derivative off by a constant factor"),
    ],
)
def test_a_derivative_off_by_a_constant_factor_gives_that_ratio(factor, meaning):
    net = ratio_network(scaled_tanh(factor))
    report = ns.gradient_check(net, XR, YR, loss="mse")
    text = str(report)
    truth = true_gradients(net)
    assert {entry.name for entry in report.failures} == HIDDEN, text
    for entry in report.entries:
        # finite differences measure the true gradient; backprop is off by the factor exactly where it fails
        assert entry.numeric == pytest.approx(truth[entry.name], rel=1e-7, abs=1e-10)
        expected = factor * truth[entry.name] if entry.name in HIDDEN else truth[entry.name]
        assert entry.analytic == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert report.common_ratio == pytest.approx(factor, rel=1e-6)
    assert report.layer_ratios == {"hidden1": pytest.approx(factor, rel=1e-6)}
    assert f"same ratio: backprop / finite difference = {factor:.4g} for all 9 failing parameters; " in text
    assert meaning in text
    assert "look at the derivative" not in text  # one sentence for the whole network, not one per layer


class BatchSumMSE(ns.Loss):
    """mse summed over the batch instead of averaged; its delta is mse's, so backprop still averages."""

    name = "batch_sum_mse_test"

    def value(self, z, a, t):
        return float(np.sum((a - t) ** 2)) / a.shape[1]

    def output_delta(self, z, a, t, activation):
        return activation.backward(z, a, 2.0 * (a - t) / a.shape[1])


class OutputSumDeltaMSE(ns.Loss):
    """mse, with a delta that forgets to divide by the number of outputs."""

    name = "output_sum_delta_mse_test"

    def value(self, z, a, t):
        return float(np.mean((a - t) ** 2))

    def output_delta(self, z, a, t, activation):
        return activation.backward(z, a, 2.0 * (a - t))


@pytest.mark.parametrize(
    ("loss", "factor", "meaning"),
    [
        (BatchSumMSE(), 1 / N_SAMPLES, f"1/{N_SAMPLES}, one over the number of samples in X"),
        (OutputSumDeltaMSE(), N_OUTPUTS, f"{N_OUTPUTS}, the number of outputs"),
    ],
)
def test_a_loss_that_sums_where_backprop_averages_gives_the_count(loss, factor, meaning):
    net = ratio_network()
    report = ns.gradient_check(net, XR, YR, loss=loss)
    text = str(report)
    truth = true_gradients(net)
    every = set(truth)
    assert {entry.name for entry in report.failures} == every, text
    for entry in report.entries:
        assert entry.analytic / entry.numeric == pytest.approx(factor, rel=1e-6), entry.name
        if isinstance(loss, BatchSumMSE):
            assert entry.numeric == pytest.approx(N_SAMPLES * truth[entry.name], rel=1e-7)
    assert report.common_ratio == pytest.approx(factor, rel=1e-6)
    assert meaning in text
    assert f"for all {len(every)} failing parameters" in text


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "softplus"])
def test_a_correct_network_has_no_common_ratio(activation):
    report = ns.gradient_check(ratio_network(activation), XR, YR, loss="mse")
    assert report.ok
    assert report.common_ratio is None
    assert report.layer_ratios == {}
    assert "same ratio" not in str(report)


@pytest.mark.parametrize(
    "derivative",
    [lambda z: 1 - z**2, lambda z: 1 - np.tanh(z) ** 2 + 0.3 * z],
    ids=["1 - z**2", "plus 0.3 z"],
)
def test_a_derivative_wrong_by_more_than_a_factor_has_no_common_ratio(derivative):
    net = ratio_network(ns.Activation("tanh_wrong_test", np.tanh, derivative))
    report = ns.gradient_check(net, XR, YR, loss="mse")
    assert {entry.name for entry in report.failures} == HIDDEN
    ratios = [entry.analytic / entry.numeric for entry in report.failures]
    assert max(ratios) - min(ratios) > 0.05 * max(abs(r) for r in ratios)  # no factor in common
    assert report.common_ratio is None
    assert report.layer_ratios == {}
    assert "same ratio" not in str(report)


def test_a_ratio_common_to_one_layer_is_reported_for_that_layer():
    """input -> hidden1 (tanh) -> hidden2 (tanh, derivative doubled) -> output, and hidden1[0] -> output.

    The gradients of the parameters feeding hidden2 are twice the truth; hidden1[0]'s also reach the
    loss through the skip connection, so hidden1's failing gradients are off by different factors.
    """
    net = ns.Network(seed=3)
    net.add_layer(2)
    net.add_layer(3, activation="tanh")
    net.add_layer(2, activation=scaled_tanh(2.0))
    net.add_layer(N_OUTPUTS, name="output", activation="identity")
    net.connect("input", "hidden1")
    net.connect("hidden1", "hidden2")
    net.connect("hidden2", "output")
    net.connect("hidden1[0]", "output[0]", weight=1.5)
    report = ns.gradient_check(net, XR, YR, loss="mse")
    text = str(report)

    failing = {entry.layer for entry in report.failures}
    assert failing == {"hidden1", "hidden2"}, text
    hidden2 = [entry for entry in report.failures if entry.layer == "hidden2"]
    assert {entry.name for entry in hidden2} == {
        f"hidden1[{i}] -> hidden2[{j}]" for i in range(3) for j in range(2)
    } | {
        "hidden2[0].bias",
        "hidden2[1].bias",
    }
    hidden1 = [entry.analytic / entry.numeric for entry in report.failures if entry.layer == "hidden1"]
    assert max(hidden1) - min(hidden1) > 0.05

    assert report.common_ratio is None
    assert report.layer_ratios == {"hidden2": pytest.approx(2.0, rel=1e-6)}
    assert "same ratio: backprop / finite difference = 2 for the 8 failing parameters feeding hidden2" in text
    assert "look at the derivative at hidden2's neurons" in text


# ---------------------------------------------------------------- gradients of your own: grads= and loss=


def _from_scratch(layout: str):
    """A 2-3-2 tanh/identity network held as numpy arrays, its mse gradients worked out here by hand."""
    W1, b1 = np.array([[0.5, -1.0], [2.0, 0.25], [0.0, 1.0]]), np.array([0.1, -0.2, 0.3])
    W2, b2 = np.array([[1.0, -0.5, 0.3], [0.2, 0.4, -0.6]]), np.array([0.05, -0.1])
    X = np.array([[0.0, 1.0], [1.0, 1.0], [0.5, -1.0], [-0.3, 0.2]])
    T = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [-1.0, 0.3]])
    n, k = T.shape
    A1 = np.tanh(X @ W1.T + b1)
    A2 = A1 @ W2.T + b2
    D2 = 2 * (A2 - T) / (n * k)  # mse is the mean over samples and outputs
    D1 = (D2 @ W2) * (1 - A1**2)
    grads = {"W1": D1.T @ X, "b1": D1.sum(axis=0), "W2": D2.T @ A1, "b2": D2.sum(axis=0)}
    weights = [W1, W2]
    if layout == "in_out":
        weights = [W.T for W in weights]
        grads["W1"], grads["W2"] = grads["W1"].T, grads["W2"].T
    net = ns.Network.from_arrays(weights, [b1, b2], ["tanh", "identity"], layout=layout)
    return net, X, T, grads


@pytest.mark.parametrize("layout", ["out_in", "in_out"])
def test_your_own_right_gradients_pass_by_your_names_in_your_layout(layout):
    net, X, T, grads = _from_scratch(layout)
    report = ns.gradient_check(net, X, T, "mse", grads=grads)
    assert report.ok and len(report.entries) == 9 + 8
    assert all(entry.verdict == "ok" for entry in report.entries)
    W1 = grads["W1"] if layout == "out_in" else grads["W1"].T
    entry = next(e for e in report.entries if e.name == "input[1] -> hidden1[2]")
    assert entry.analytic == W1[2, 1]


def test_your_gradients_by_neurosims_names_pass_and_a_bias_may_be_a_column():
    net, X, T, grads = _from_scratch("out_in")
    named = {"input->hidden1.weight": grads["W1"], "hidden1.bias": grads["b1"].reshape(-1, 1)}
    report = ns.gradient_check(net, X, T, "mse", grads=named)
    assert report.ok and len(report.entries) == 6 + 3  # only the arrays given


@pytest.mark.parametrize("factor", [4.0, 0.5, -1.0])
def test_your_gradients_off_by_a_factor_fail_with_that_common_ratio(factor):
    net, X, T, grads = _from_scratch("in_out")
    wrong = {name: factor * grad for name, grad in grads.items()}
    report = ns.gradient_check(net, X, T, "mse", grads=wrong)
    assert not report.ok and len(report.failures) == len(report.entries)
    assert report.common_ratio == pytest.approx(factor, rel=1e-6)
    if factor == 4.0:
        assert "4, the number of samples in X" in str(report)


def test_one_wrong_array_of_yours_fails_alone():
    net, X, T, grads = _from_scratch("out_in")
    grads["W2"] = grads["W2"] * 3
    report = ns.gradient_check(net, X, T, "mse", grads=grads)
    assert {entry.layer for entry in report.failures} == {"output"}
    assert {e.name for e in report.failures} == {
        f"hidden1[{s}] -> output[{t}]" for s in range(3) for t in range(2)
    }


def test_a_loss_function_of_your_own_is_what_the_finite_differences_measure():
    net, X, T, grads = _from_scratch("out_in")
    n, k = T.shape

    def summed_half_squares(outputs, targets):  # 1/2 sum of squares: n k / 2 times neurosim's mse
        return 0.5 * float(np.sum((outputs - targets) ** 2))

    report = ns.gradient_check(net, X, T, summed_half_squares, grads=grads)
    assert report.common_ratio == pytest.approx(2 / (n * k), rel=1e-6)
    scaled = {name: grad * n * k / 2 for name, grad in grads.items()}
    assert ns.gradient_check(net, X, T, summed_half_squares, grads=scaled).ok


def test_bad_grads_are_named():
    net, X, T, grads = _from_scratch("in_out")
    with pytest.raises(ns.UnknownNameError, match=r"'W3'.*expected one of: W1, dW1, b1"):
        ns.gradient_check(net, X, T, "mse", grads={"W3": grads["W1"]})
    with pytest.raises(ns.ShapeError, match=r"grads\['W1'\] has shape \(3, 2\); expected \(2, 3\)"):
        ns.gradient_check(net, X, T, "mse", grads={"W1": grads["W1"].T})
    with pytest.raises(ns.ParameterError, match="needs grads="):
        ns.gradient_check(net, X, T, lambda outputs, targets: 0.0)
