"""The doctor's checks before training.

The codes: unscaled-inputs, targets-out-of-range, symmetric-init and
no-nonlinearity.

Each fault is made on purpose and the finding is compared with numbers
computed here with numpy (the columns' statistics, the targets outside
the activation's range, the rows of the weight blocks, least-squares fits,
the accuracy of XOR's best straight line worked by hand); each has a
healthy twin that must not raise it.
"""

from __future__ import annotations

import numpy as np
import pytest

import neurosim as ns


def g4(value: float) -> str:
    """A number as the doctor's messages quote it: four significant digits."""
    return f"{value:.4g}"


def standardised(X: np.ndarray) -> np.ndarray:
    return (X - X.mean(axis=0)) / X.std(axis=0)


def moons(n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    return ns.datasets.moons(n, noise=0.15, seed=0)


def tanh_net(sizes: list[int], output: str = "sigmoid", **options: object) -> ns.Network:
    return ns.Network.from_shape(sizes, activation="tanh", output_activation=output, seed=0, **options)


def fit_with_doctor(net: ns.Network, X: object, y: object, **options: object) -> tuple[ns.History, list[str]]:
    """``net.fit`` with the doctor; the history and the DiagnosisWarnings' messages."""
    with pytest.warns(ns.DiagnosisWarning) as record:
        history = net.fit(X, y, verbose=0, seed=0, **options)
    return history, [str(w.message) for w in record]


# ------------------------------------------------------------------ unscaled-inputs


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda column: column + 50.0, "mean far from 0"),
        (lambda column: (column - column.mean()) * 50.0, "spread far from 1"),
    ],
)
def test_unscaled_inputs_names_the_column_with_its_numbers(change, why):
    X, y = moons()
    X[:, 1] = change(X[:, 1])
    finding = ns.diagnose(tanh_net([2, 8, 1]), X, y, loss="bce")["unscaled-inputs"]

    column = X[:, 1]
    expected = {"min": column.min(), "max": column.max(), "mean": column.mean(), "std": column.std()}
    assert finding.severity == "warning", why
    assert finding.where == ("input[1]",), why  # input[0] is left alone: it is at unit scale
    assert finding.evidence == {"input[1]": pytest.approx(expected, rel=1e-12)}
    for name in ("min", "max", "std"):
        assert g4(expected[name]) in finding.message
    if why == "mean far from 0":  # otherwise the mean is rounding noise around 0
        assert f"mean {g4(expected['mean'])}" in finding.message
    assert finding.epoch is None


def test_unscaled_inputs_counts_the_other_columns_alike():
    X, y = moons()
    finding = ns.diagnose(tanh_net([2, 8, 1]), X * 100.0, y, loss="bce")["unscaled-inputs"]
    assert finding.where == ("input[0]", "input[1]")
    assert "(1 more column alike)" in finding.message


def test_inputs_at_unit_scale_raise_nothing():
    X, y = moons()
    report = ns.diagnose(tanh_net([2, 8, 1]), standardised(X), y, loss="bce")
    assert "unscaled-inputs" not in report
    assert report.ok, report


def test_fit_warns_of_unscaled_inputs_before_training():
    X, y = moons()
    X[:, 0] = X[:, 0] * 300.0 + 1000.0
    history, messages = fit_with_doctor(tanh_net([2, 4, 1]), X, y, epochs=3, lr=0.01, loss="bce")
    assert any(m.startswith(f"unscaled-inputs: input[0] ranges from {g4(X[:, 0].min())}") for m in messages)
    assert history.diagnosis["unscaled-inputs"].epoch is None  # found before the first epoch


# ------------------------------------------------------------------ targets-out-of-range


@pytest.mark.parametrize(
    ("activation", "low", "high", "targets"),
    [
        ("sigmoid", 0.0, 1.0, lambda y: 5.0 * y),
        ("tanh", -1.0, 1.0, lambda y: 3.0 * (2.0 * y - 1.0) + 0.1),
        ("relu", 0.0, np.inf, lambda y: y - 0.5),
    ],
)
def test_targets_out_of_range_counts_the_targets_the_output_cannot_reach(activation, low, high, targets):
    X, y = moons()
    t = targets(y.astype(float))[:, None]
    net = tanh_net([2, 4, 1], output=activation)
    finding = ns.diagnose(net, X, t, loss="mse")["targets-out-of-range"]

    outside = int(np.sum((t < low) | (t > high)))
    assert outside > 0
    assert finding.severity == "error"
    assert finding.where == ("output[0]",)
    assert finding.evidence["output[0]"] == {
        "min": t.min(),
        "max": t.max(),
        "outside": outside,
        "range": [low, high],
    }
    reach = f"[{g4(low)}, {g4(high)}]"
    assert f"{outside} of {len(t)} targets of output[0] lie outside {reach}" in finding.message
    assert f"(from {g4(t.min())} to {g4(t.max())}), which {activation} cannot output" in finding.message


def test_softmax_targets_whose_rows_do_not_sum_to_one():
    X, _ = moons()
    T = np.full((len(X), 3), 0.5)
    T[0] = [1.0, 0.0, 0.0]  # one proper row: the sums run from 1 to 1.5
    net = tanh_net([2, 4, 3], output="softmax")
    finding = ns.diagnose(net, X, T, loss="cross_entropy")["targets-out-of-range"]

    sums = T.sum(axis=1)
    assert finding.severity == "error"
    assert finding.where == ("output",)
    assert finding.evidence == {"output": {"row_sum_min": sums.min(), "row_sum_max": sums.max()}}
    assert f"row sums from {g4(sums.min())} to {g4(sums.max())}" in finding.message
    assert "one-hot" in finding.advice


@pytest.mark.parametrize(
    ("output", "loss", "targets"),
    [
        ("sigmoid", "bce", lambda y: y),
        ("identity", "mse", lambda y: 1000.0 * y[:, None] - 300.0),  # identity outputs any number
        ("softmax", "cross_entropy", lambda y: y),  # class labels, made one-hot
        ("softmax", "cross_entropy", lambda y: np.column_stack([0.2 + 0.6 * y, 0.8 - 0.6 * y])),
    ],
)
def test_targets_the_output_can_reach_raise_nothing(output, loss, targets):
    X, y = moons()
    n_outputs = 2 if output == "softmax" else 1
    report = ns.diagnose(tanh_net([2, 8, n_outputs], output=output), standardised(X), targets(y), loss=loss)
    assert "targets-out-of-range" not in report
    assert report.ok, report


def test_fit_warns_of_targets_out_of_range_before_training():
    X, y = moons()
    history, messages = fit_with_doctor(tanh_net([2, 4, 1]), X, 5.0 * y, epochs=2, lr=0.1, loss="mse")
    outside = int(np.sum(y == 1))
    start = f"targets-out-of-range: {outside} of {len(y)} targets of output[0] lie outside [0, 1]"
    assert any(message.startswith(start) for message in messages)
    assert history.diagnosis["targets-out-of-range"].severity == "error"


# ------------------------------------------------------------------ symmetric-init


def identical_groups(net: ns.Network, layer_name: str) -> list[list[int]]:
    """Neurons of a layer whose incoming weights, bias and outgoing weights are all equal."""
    layer = net[layer_name]
    incoming = np.hstack([b.weight for b in net.blocks if b.target is layer])
    outgoing = np.hstack([b.weight.T for b in net.blocks if b.source is layer])
    rows = np.hstack([incoming, layer.bias[:, None], outgoing])
    groups: list[list[int]] = []
    for i in range(layer.size):
        for group in groups:
            if np.array_equal(rows[group[0]], rows[i]):
                group.append(i)
                break
        else:
            groups.append([i])
    return [group for group in groups if len(group) > 1]


def test_constant_init_makes_every_hidden_neuron_alike():
    X, y = moons()
    net = tanh_net([2, 4, 1], init=ns.initializers.constant(0.3))
    finding = ns.diagnose(net, X, y, loss="bce")["symmetric-init"]

    assert identical_groups(net, "hidden1") == [[0, 1, 2, 3]]
    names = [f"hidden1[{i}]" for i in range(4)]
    assert finding.severity == "warning"
    assert finding.where == tuple(names)
    for name in names:
        assert finding.evidence[name] == {
            "same_as": [other for other in names if other != name],
            "bias": 0.0,
            "weights": [0.3, 0.3],
        }
    assert "4 of 4 neurons of layer 'hidden1'" in finding.message
    assert "works like one neuron" in finding.message


def test_two_copied_neurons_are_named_and_stay_identical_through_training():
    X, y = moons()
    net = tanh_net([2, 4, 1])
    into, out_of = net.blocks
    into.weight[2] = into.weight[0]
    net["hidden1"].bias[2] = net["hidden1"].bias[0]
    out_of.weight[0, 2] = out_of.weight[0, 0]
    finding = ns.diagnose(net, X, y, loss="bce")["symmetric-init"]

    assert identical_groups(net, "hidden1") == [[0, 2]]
    assert finding.where == ("hidden1[0]", "hidden1[2]")
    assert finding.evidence["hidden1[2]"]["same_as"] == ["hidden1[0]"]
    assert finding.evidence["hidden1[0]"]["weights"] == into.weight[0].tolist()
    assert "2 of 4 neurons" in finding.message
    assert "works like 3 neurons, not 4" in finding.message

    # what the message claims: they get the same gradient, so they stay identical
    net.fit(X, y, epochs=50, lr=0.5, loss="bce", verbose=0, diagnose=False)
    assert np.allclose(into.weight[0], into.weight[2], rtol=1e-12, atol=0)
    assert not np.allclose(into.weight[0], into.weight[1])


def test_neurons_alike_only_in_their_incoming_weights_part_and_are_not_flagged():
    X, y = moons()
    net = tanh_net([2, 4, 1])
    into = net.blocks[0]
    into.weight[2] = into.weight[0]
    net["hidden1"].bias[2] = net["hidden1"].bias[0]  # the outgoing weights still differ
    assert "symmetric-init" not in ns.diagnose(net, X, y, loss="bce")

    net.fit(X, y, epochs=50, lr=0.5, loss="bce", verbose=0, diagnose=False)
    assert np.abs(into.weight[0] - into.weight[2]).max() > 1e-3  # they parted


def test_random_init_is_not_symmetric():
    X, y = moons()
    for init in ("xavier", "he", "uniform"):
        assert "symmetric-init" not in ns.diagnose(tanh_net([2, 8, 8, 1], init=init), X, y, loss="bce")


def test_fit_warns_of_symmetric_init_before_training():
    X, y = ns.datasets.xor()
    net = tanh_net([2, 4, 1], init="constant")
    history, messages = fit_with_doctor(net, X, y, epochs=20, lr=0.5, loss="bce")
    assert messages[0].startswith("symmetric-init: 4 of 4 neurons of layer 'hidden1'")
    assert identical_groups(net, "hidden1") == [[0, 1, 2, 3]]  # still, after training
    assert history.diagnosis["symmetric-init"].epoch is None


# ------------------------------------------------------------------ no-nonlinearity


@pytest.mark.parametrize(("sizes", "where"), [([2, 1], ("output",)), ([2, 4, 1], ("hidden1",))])
def test_xor_without_a_nonlinear_hidden_layer(sizes, where):
    X, y = ns.datasets.xor()
    net = ns.Network.from_shape(sizes, activation="identity", output_activation="sigmoid", seed=0)
    finding = ns.diagnose(net, X, y, loss="bce")["no-nonlinearity"]

    # by hand: a straight line puts at most 3 of XOR's 4 corners on their side; x1*x2 separates all
    assert finding.severity == "warning"
    assert finding.where == where
    assert finding.evidence == {"linear_accuracy": 0.75, "curved_accuracy": 1.0, "samples": 4}
    assert "only 75.0% of these 4 samples" in finding.message
    assert "100.0%" in finding.message


def test_moons_without_a_hidden_layer():
    X, y = moons(300)
    finding = ns.diagnose(ns.Network.from_shape([2, 1], seed=0), X, y, loss="bce")["no-nonlinearity"]

    # a least-squares line is one straight boundary: the best one does at least as well
    features = np.column_stack([X, np.ones(len(X))])
    coefficients, *_ = np.linalg.lstsq(features, 2.0 * y - 1.0, rcond=None)
    line_accuracy = np.mean((features @ coefficients > 0) == (y == 1))
    linear = finding.evidence["linear_accuracy"]
    assert line_accuracy - 1 / len(X) <= linear < 0.95
    assert finding.evidence["curved_accuracy"] >= linear + 0.05
    assert f"only {linear:.1%} of these 300 samples" in finding.message


def test_regression_on_a_curve_without_a_hidden_layer():
    x = np.linspace(-1.0, 1.0, 101)[:, None]
    T = x**2
    net = ns.Network.from_shape([1, 1], activation="identity", seed=0)
    finding = ns.diagnose(net, x, T)["no-nonlinearity"]

    def r2(features: np.ndarray) -> float:
        coefficients, *_ = np.linalg.lstsq(features, T, rcond=None)
        return 1.0 - np.sum((T - features @ coefficients) ** 2) / np.sum((T - T.mean()) ** 2)

    ones = np.ones_like(x)
    linear, quadratic = r2(np.hstack([x, ones])), r2(np.hstack([x, ones, x**2]))
    assert linear < 1e-6 and quadratic == pytest.approx(1.0)  # x**2 is symmetric: no line explains it
    assert finding.evidence == pytest.approx({"linear_r2": linear, "quadratic_r2": quadratic, "samples": 101})
    assert f"explains {linear:.1%}" in finding.message
    assert f"explains {quadratic:.1%}" in finding.message


def test_classes_sorted_by_label_are_sampled_across_the_whole_set():
    rng = np.random.default_rng(0)
    corners = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])  # XOR: class 0, 0, 1, 1
    X = np.repeat(corners, 600, axis=0) + rng.normal(0.0, 0.05, (2400, 2))
    y = np.repeat([0, 0, 1, 1], 600)  # sorted: the first 1200 samples are all class 0
    report = ns.diagnose(ns.Network.from_shape([2, 1], seed=0), X, y, loss="bce")
    assert report["no-nonlinearity"].evidence["linear_accuracy"] < 0.95


@pytest.mark.parametrize(
    ("case", "sizes", "activation", "data"),
    [
        ("XOR with tanh", [2, 4, 1], "tanh", ns.datasets.xor),
        ("XOR with relu", [2, 8, 1], "relu", ns.datasets.xor),
        ("AND with no hidden layer", [2, 1], "sigmoid", lambda: (ns.datasets.xor()[0], [0, 0, 0, 1])),
    ],
)
def test_networks_that_can_draw_the_boundary_raise_nothing(case, sizes, activation, data):
    X, y = data()
    net = ns.Network.from_shape(sizes, activation=activation, output_activation="sigmoid", seed=0)
    assert "no-nonlinearity" not in ns.diagnose(net, X, y, loss="bce"), case


def test_overlapping_classes_that_no_curve_separates_better_raise_nothing():
    # two Gaussian clouds: the best boundary is a straight line, which misclassifies the overlap
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-1.0, 1.0, (200, 2)), rng.normal(1.0, 1.0, (200, 2))])
    y = np.repeat([0, 1], 200)
    report = ns.diagnose(ns.Network.from_shape([2, 1], seed=0), X, y, loss="bce")
    assert "no-nonlinearity" not in report
    assert report.ok, report


def test_a_line_fitted_by_a_linear_network_raises_nothing():
    x = np.linspace(-1.0, 1.0, 50)[:, None]
    net = ns.Network.from_shape([1, 4, 1], activation="identity", seed=0)
    assert "no-nonlinearity" not in ns.diagnose(net, x, 2.0 * x + 1.0)


def test_fit_warns_of_no_nonlinearity_before_training():
    X, y = ns.datasets.xor()
    net = ns.Network.from_shape([2, 1], seed=0)
    history, messages = fit_with_doctor(net, X, y, epochs=5, lr=1.0, loss="bce")
    assert any(m.startswith("no-nonlinearity: the network has no hidden layer") for m in messages)
    assert history.diagnosis["no-nonlinearity"].evidence["linear_accuracy"] == 0.75
