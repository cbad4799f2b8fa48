"""Networks survive pickle and deepcopy whole: structure, every weight and bias, activations, and training."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import neurosim as ns


def cube(z: np.ndarray) -> np.ndarray:
    """A custom activation defined at module level, so that pickle can find it again by name."""
    return z**3


def cube_slope(z: np.ndarray) -> np.ndarray:
    return 3 * z**2


CUBE = ns.Activation("cube_pickle_test", cube, cube_slope)


def pickled(net: ns.Network) -> ns.Network:
    return pickle.loads(pickle.dumps(net))


def trained_network() -> tuple[ns.Network, np.ndarray, np.ndarray]:
    """A skip connection, a pruned synapse, dropout, a layer without biases, a custom activation, Adam."""
    X, y = ns.datasets.moons(60, noise=0.1, seed=0)
    net = ns.Network(seed=3)
    net.add_layer(2, name="input")
    net.add_layer(5, name="wide", activation="tanh", dropout=0.2)
    net.add_layer(3, name="cubed", activation=CUBE, bias=False)
    net.add_layer(1, name="output", activation="sigmoid")
    for source, target in (("input", "wide"), ("wide", "cubed"), ("cubed", "output"), ("input", "output")):
        net.connect(source, target)
    net.disconnect("wide[1]", "cubed[2]")
    net.fit(X, y, epochs=4, optimizer="adam", lr=0.01, loss="bce", seed=0, verbose=0, diagnose=False)
    return net, X, y


@pytest.mark.parametrize("duplicate", [pickled, copy.deepcopy], ids=["pickle", "deepcopy"])
def test_a_trained_network_comes_back_whole(duplicate):
    net, X, y = trained_network()
    twin = duplicate(net)

    def layers(network: ns.Network) -> list[tuple]:
        return [(layer.name, layer.size, getattr(layer.activation, "name", None)) for layer in network.layers]

    assert layers(twin) == layers(net)
    assert [s.name for s in twin.synapses] == [s.name for s in net.synapses]
    assert twin["cubed"].has_bias is False and twin["wide"].dropout == 0.2
    for name, values in net.state_dict().items():
        assert np.array_equal(twin.state_dict()[name], values), name  # bit for bit
    assert np.array_equal(twin.predict(X), net.predict(X))
    assert twin["output"].activation is ns.get_activation("sigmoid")  # a built-in comes back as itself
    # the copy trains on its own, to the same weights as the original trained the same way
    for each in (net, twin):
        each.fit(X, y, epochs=2, lr=0.01, loss="bce", seed=1, verbose=0, diagnose=False)
    for name, values in net.state_dict().items():
        assert np.array_equal(twin.state_dict()[name], values), name


def test_a_module_level_custom_activation_pickles_with_its_functions():
    back = pickle.loads(pickle.dumps(CUBE))
    z = np.linspace(-2, 2, 9)
    assert back.name == "cube_pickle_test"
    assert np.array_equal(back(z), z**3)
    assert np.array_equal(back.derivative(z), 3 * z**2)


def test_a_lambda_activation_is_refused_by_name():
    square = ns.Activation("square_lambda", lambda z: z * z, lambda z: 2 * z)
    net = ns.Network.from_shape([2, 2, 1], activation=square, output_activation="sigmoid", seed=0)
    with pytest.raises(ns.ActivationPickleError, match=r"'square_lambda'.*function is a lambda"):
        pickle.dumps(net)
    with pytest.raises(pickle.PicklingError):  # also what code that pickles things already catches
        pickle.dumps(square)
    assert copy.deepcopy(net)["hidden1"].activation is square  # copies share the activation: no pickling


def test_a_nested_function_is_named_in_the_refusal():
    def shifted(z):
        return z + 1.0

    activation = ns.Activation("shifted_nested", shifted, np.ones_like)
    with pytest.raises(ns.ActivationPickleError, match=r"shifted.*defined inside a function"):
        pickle.dumps(activation)
