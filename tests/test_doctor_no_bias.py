"""``no-bias``: layers without biases on targets that need them, and none where they do not."""

import numpy as np
import pytest

import neurosim as ns
from neurosim.diagnostics.bias_checks import output_at_origin

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
NAND, AND = np.array([1, 1, 1, 0]), np.array([0, 0, 0, 1])


@pytest.mark.parametrize(("sizes", "where"), [([2, 1], ("output",)), ([2, 4, 1], ("hidden1", "output"))])
def test_without_biases_the_output_at_the_origin_is_fixed_and_nand_needs_another(sizes, where):
    net = ns.Network.from_shape(sizes, activation="tanh", output_activation="sigmoid", bias=False, seed=0)
    # z = W a with tanh(0) = 0 all the way: the output at (0, 0) is sigmoid(0) for any weights
    for scale in (1.0, 50.0):
        for block in net.blocks:
            block.weight = block.weight * scale
        assert net.predict(X[:1])[0, 0] == 0.5
    finding = ns.diagnose(net, X, NAND, loss="bce")["no-bias"]
    assert finding.severity == "warning" and finding.where == where
    assert finding.evidence["output_at_origin"] == [0.5] and finding.evidence["samples_at_origin"] == [0]
    assert "sigmoid(0) = 0.5 whatever the weights" in finding.message and "target 1" in finding.message


def test_and_with_a_target_of_0_at_the_origin_is_not_flagged_by_the_origin():
    net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", bias=False, seed=0)
    assert "no-bias" not in ns.diagnose(net, X, AND * 0.0 + np.array([0.4, 0, 0, 1]), loss="bce")


def test_the_same_networks_with_biases_are_not_flagged():
    for sizes in ([2, 1], [2, 4, 1]):
        net = ns.Network.from_shape(sizes, activation="tanh", output_activation="sigmoid", seed=0)
        assert "no-bias" not in ns.diagnose(net, X, NAND, loss="bce")


def test_a_perceptron_without_bias_on_data_away_from_the_origin():
    rng = np.random.default_rng(0)
    X_far = rng.normal(size=(200, 2)) + 3.0
    y = (X_far[:, 0] > 3.0).astype(int)
    net = ns.Network.from_shape([2, 1], bias=False, seed=0)
    finding = ns.diagnose(net, X_far, y, loss="bce")["no-bias"]
    assert finding.where == ("output",)
    # every point has x0 > 0 and x1 > 0 almost surely: a line through the origin cannot split them at x0 = 3
    assert finding.evidence["accuracy_through_origin"] < 0.9 <= finding.evidence["accuracy_with_bias"]


def test_data_split_by_a_line_through_the_origin_needs_no_bias():
    rng = np.random.default_rng(1)
    X_round = rng.normal(size=(300, 2))
    y = (X_round[:, 0] - 0.5 * X_round[:, 1] > 0).astype(int)
    for sizes in ([2, 1], [2, 6, 1]):
        net = ns.Network.from_shape(sizes, activation="tanh", output_activation="sigmoid", bias=False, seed=0)
        history = net.fit(X_round, y, epochs=100, lr=0.5, batch_size=32, loss="bce", seed=0, verbose=0)
        assert history.accuracy[-1] > 0.95 and "no-bias" not in history.diagnosis


def test_the_output_at_the_origin_is_fixed_only_when_no_weight_can_move_it():
    relu = ns.Network.from_shape([2, 3, 1], activation="relu", output_activation="sigmoid", bias=False)
    assert output_at_origin(relu).tolist() == [0.5]
    # sigmoid(0) = 0.5 is not 0: the output layer's z is W @ 0.5, which the weights move
    squashed = ns.Network.from_shape([2, 3, 1], activation="sigmoid", bias=False)
    assert output_at_origin(squashed) is None
    mixed = ns.Network(seed=0)
    mixed.add_layer(2)
    mixed.add_layer(3, activation="tanh")  # with biases
    mixed.add_layer(1, name="output", activation="sigmoid", bias=False)
    mixed.connect("input", "hidden1")
    mixed.connect("hidden1", "output")
    assert output_at_origin(mixed) is None
