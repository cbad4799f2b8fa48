"""``Network.from_arrays``: your arrays as your code holds them, either way round, with any bias shape."""

import numpy as np
import pytest

import neurosim as ns

rng = np.random.default_rng(0)
W1, W2 = rng.normal(size=(4, 3)), rng.normal(size=(2, 4))  # W @ x: (n_out, n_in)
b1, b2 = rng.normal(size=4), rng.normal(size=2)
X = rng.normal(size=(5, 3))


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def numpy_forward(X):
    """The user's own forward pass, samples in rows: tanh hidden layer, sigmoid output."""
    return sigmoid(np.tanh(X @ W1.T + b1) @ W2.T + b2)


@pytest.mark.parametrize(
    ("weights", "biases", "layout"),
    [
        ([W1, W2], [b1[:, None], b2[:, None]], "out_in"),  # W @ x + b, b of shape (n, 1)
        ([W1, W2], [b1, b2], "out_in"),
        ([W1.T, W2.T], [b1[None, :], b2[None, :]], "in_out"),  # x @ W + b, b of shape (1, n)
        ([W1.T, W2.T], [b1, b2], "in_out"),
    ],
)
def test_either_layout_and_any_bias_shape_compute_the_users_function(weights, biases, layout):
    net = ns.Network.from_arrays(weights, biases, ["tanh", "sigmoid"])
    assert net.array_layout == layout  # found from the shapes, which chain only one way
    assert [layer.size for layer in net.layers] == [3, 4, 2]
    assert np.allclose(net.predict(X), numpy_forward(X), rtol=1e-12)
    assert net.synapse("input[2]", "hidden1[1]").weight == W1[1, 2]  # to hidden1[1] from input[2]
    assert net["output[1]"].bias == b2[1]


def test_the_arrays_are_copied_not_shared():
    W = W1.copy()
    net = ns.Network.from_arrays([W, W2], [b1, b2], "tanh")
    W[0, 0] = 100.0
    assert net.synapse("input[0]", "hidden1[0]").weight == W1[0, 0]


def test_a_square_matrix_needs_the_layout_said():
    square = rng.normal(size=(3, 3))
    with pytest.raises(ns.ParameterError, match=r"weights\[0\] is square \(3, 3\).*layout='out_in'"):
        ns.Network.from_arrays([square, W1], [None, None])
    net = ns.Network.from_arrays([square, W1.T], layout="in_out")
    assert net.array_layout == "in_out" and [layer.size for layer in net.layers] == [3, 3, 4]
    assert net.blocks[0].weight.tolist() == square.T.tolist()


def test_shapes_that_do_not_chain_are_refused_naming_the_layer():
    with pytest.raises(ns.ShapeError, match=r"weights\[1\] takes 5 inputs but weights\[0\] gives 4 outputs"):
        ns.Network.from_arrays([W1, rng.normal(size=(2, 5))], layout="out_in")
    with pytest.raises(ns.ShapeError, match="do not chain either way round"):
        ns.Network.from_arrays([W1, rng.normal(size=(2, 5))])
    with pytest.raises(ns.ShapeError, match=r"biases\[0\] has 3 values but weights\[0\] gives 4 outputs"):
        ns.Network.from_arrays([W1, W2], [np.zeros(3), b2], layout="out_in")


def test_one_matrix_whose_shape_chains_both_ways_needs_the_layout_said():
    with pytest.raises(ns.ParameterError, match="chain both ways round"):
        ns.Network.from_arrays([W1])
    assert ns.Network.from_arrays([W1], [b1]).array_layout == "out_in"  # the bias tells


def test_a_layer_without_a_bias_and_bad_arguments():
    net = ns.Network.from_arrays([W1, W2], [None, b2], "tanh")
    assert not net["hidden1"].has_bias and net["output"].has_bias
    assert np.allclose(net.predict(X), np.tanh(np.tanh(X @ W1.T) @ W2.T + b2), rtol=1e-12)
    with pytest.raises(ns.ParameterError, match="a list of 2"):
        ns.Network.from_arrays([W1, W2], [b1], "tanh")
    with pytest.raises(ns.ShapeError, match=r"biases\[0\] must have shape \(n,\), \(n, 1\) or \(1, n\)"):
        ns.Network.from_arrays([W1, W2], [np.zeros((2, 2)), b2])
    with pytest.raises(ns.ShapeError, match=r"weights\[0\] must be a 2-D matrix"):
        ns.Network.from_arrays([np.zeros(3)])
    with pytest.raises(ns.ParameterError, match="one per weight matrix"):
        ns.Network.from_arrays([W1, W2], activations=["tanh"])
    with pytest.raises(ns.ParameterError, match="layout must be 'out_in'"):
        ns.Network.from_arrays([W1, W2], layout="rows")
