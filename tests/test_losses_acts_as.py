"""bce after a sigmoid of your own: declared with acts_as="sigmoid", checked when made, else refused."""

import re

import numpy as np
import pytest

import neurosim as ns


def my_sigmoid(name="my_sigmoid", **options):
    return ns.Activation(
        name, lambda z: 1.0 / (1.0 + np.exp(-z)), lambda z: np.exp(-z) / (1.0 + np.exp(-z)) ** 2, **options
    )


X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([0, 1, 1, 1])


@pytest.mark.parametrize("engine", ["object", "compiled"])
def test_a_declared_sigmoid_trains_with_bce_like_the_built_in(engine):
    nets = {}
    for output in ("sigmoid", my_sigmoid(acts_as="sigmoid")):
        net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation=output, seed=0)
        history = net.fit(X, Y, epochs=30, lr=0.5, batch_size=2, loss="bce", seed=1, verbose=0, engine=engine)
        nets[str(output)] = (net, history)
    (built_in, built_in_history), (mine, my_history) = nets.values()
    assert my_history.loss[-1] < my_history.loss[0]  # it learned something
    np.testing.assert_allclose(my_history.loss, built_in_history.loss, rtol=1e-9)
    for (name, value), (_, expected) in zip(
        mine.named_parameters(), built_in.named_parameters(), strict=True
    ):
        np.testing.assert_allclose(value, expected, rtol=1e-9, atol=1e-12, err_msg=name)


def test_a_declared_sigmoid_gives_the_bce_of_the_formula():
    net = ns.Network.from_shape([2, 1], output_activation=my_sigmoid(acts_as="sigmoid"), seed=0)
    a = 1.0 / (1.0 + np.exp(-(X @ net.blocks[0].weight.T + net.output_layer.bias)))[:, 0]
    expected = -np.mean(Y * np.log(a) + (1 - Y) * np.log(1 - a))
    assert net.backward(X, Y, loss="bce") == pytest.approx(expected, rel=1e-12)


def test_a_function_that_is_not_a_sigmoid_is_refused_when_made():
    # sigmoid(z - 1) differs most from sigmoid(z) at z = 0.5, where their slopes are equal (by symmetry):
    # sigmoid(-0.5) = 1 / (1 + e^0.5) = 0.377541 and sigmoid(0.5) = 0.622459
    message = (
        "Activation 'shifted' is declared acts_as='sigmoid' but is not the sigmoid: at z = 0.5 it gives "
        "0.377541 where the sigmoid gives 0.622459 (compared at 161 points in [-20, 20], to within 1e-06)"
    )
    with pytest.raises(ns.ParameterError, match=re.escape(message)):
        ns.Activation(
            "shifted",
            lambda z: 1 / (1 + np.exp(1 - z)),
            lambda z: np.exp(1 - z) / (1 + np.exp(1 - z)) ** 2,
            acts_as="sigmoid",
        )


def test_a_sigmoid_a_little_off_is_refused_and_an_unknown_declaration_too():
    with pytest.raises(ns.ParameterError, match=r"is not the sigmoid: at z = 0 it gives 0\.5001 "):
        ns.Activation(
            "off",
            lambda z: 1 / (1 + np.exp(-z)) + 1e-4 * np.exp(-z * z),  # off by 1e-4 at 0, less elsewhere
            lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2 - 2e-4 * z * np.exp(-z * z),
            acts_as="sigmoid",
        )
    with pytest.raises(
        ns.ParameterError, match=re.escape("acts_as must be one of 'sigmoid', 'softmax' or None; got 'tanh'")
    ):
        my_sigmoid(acts_as="tanh")


def test_an_undeclared_sigmoid_is_refused_by_bce_with_the_option_named():
    net = ns.Network.from_shape([2, 1], output_activation=my_sigmoid(), seed=0)
    message = (
        "loss 'bce' needs a sigmoid output layer, but layer 'output' uses 'my_sigmoid'; use 'cross_entropy' "
        "for a softmax output or 'mse' for any other. If 'my_sigmoid' is a sigmoid written your own way, "
        "make it with ns.Activation(..., acts_as='sigmoid')"
    )
    with pytest.raises(ns.IncompatibleLossError, match=re.escape(message)):
        net.fit(X, Y, epochs=1, lr=0.1, loss="bce", verbose=0)


def test_the_usual_mistake_keeps_its_message():
    net = ns.Network.from_shape([2, 1], output_activation="tanh", seed=0)
    message = (
        "loss 'bce' needs a sigmoid output layer, but layer 'output' uses 'tanh'; use 'cross_entropy' "
        "for a softmax output or 'mse' for any other"
    )
    with pytest.raises(ns.IncompatibleLossError, match=re.escape(message) + "$"):
        net.backward(X, Y, loss="bce")


def test_a_declared_sigmoid_is_still_refused_by_cross_entropy():
    net = ns.Network.from_shape([2, 2], output_activation=my_sigmoid(acts_as="sigmoid"), seed=0)
    with pytest.raises(
        ns.IncompatibleLossError, match="needs a softmax output layer, but layer 'output' uses 'my_sigmoid'"
    ):
        net.backward(X, Y, loss="cross_entropy")


def my_softmax(z):
    """A softmax written the way a user writes it: over the last axis, shifted by the row maximum."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("engine", ["object", "compiled"])
def test_a_softmax_of_your_own_trains_with_cross_entropy_like_the_built_in(engine):
    mine = ns.Activation("my_softmax", my_softmax, acts_as="softmax")
    X, y = ns.datasets.spiral(120, classes=3, seed=0)
    nets = []
    for output in ("softmax", mine):
        net = ns.Network.from_shape([2, 6, 3], activation="tanh", output_activation=output, seed=0)
        net.fit(
            X, y, epochs=10, lr=0.3, batch_size=16, loss="cross_entropy", engine=engine, seed=0, verbose=0
        )
        nets.append(net)
    for built_in, own in zip(nets[0].blocks, nets[1].blocks, strict=True):
        assert np.allclose(own.weight, built_in.weight, rtol=1e-9, atol=1e-12)
    z = np.array([[1.0, 2.0, 3.0]])
    assert np.allclose(mine(z), np.exp(z) / np.exp(z).sum())  # what it computes, written out
    with pytest.raises(ns.ParameterError, match="has a Jacobian"):
        mine.derivative(z)


def test_a_softmax_over_the_wrong_axis_is_refused_when_made_and_an_undeclared_one_by_the_loss():
    def over_columns(z):
        e = np.exp(z - z.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)

    with pytest.raises(ns.ParameterError, match="declared acts_as='softmax' but is not the softmax"):
        ns.Activation("columns", over_columns, acts_as="softmax")
    undeclared = ns.Activation("plain", my_softmax, lambda z: np.ones_like(z), check=False)
    net = ns.Network.from_shape([2, 3], output_activation=undeclared, seed=0)
    with pytest.raises(ns.IncompatibleLossError, match="acts_as='softmax'"):
        net.fit([[0.0, 1.0]], [2], epochs=1, lr=0.1, loss="cross_entropy", verbose=0)
