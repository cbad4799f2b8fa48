"""A float32 network refuses numbers float32 cannot hold; compiled predict gives numbers or an error."""

import numpy as np
import pytest

import neurosim as ns


@pytest.fixture
def net32():
    net = ns.Network.from_shape([2, 1], activation="identity", seed=0)
    net.compile("float32")
    return net


def test_a_weight_or_bias_beyond_float32_is_refused_and_nothing_changes(net32):
    synapse, neuron = net32.synapse("input[0]", "output[0]"), net32["output[0]"]
    before = (synapse.weight, neuron.bias)
    with pytest.raises(ns.DataError, match=r"weight of synapse 'input\[0\] -> output\[0\]' holds 1e\+39"):
        synapse.weight = 1e39
    with pytest.raises(ns.DataError, match=r"bias of neuron 'output\[0\]' holds 1e\+39.*float32's range"):
        neuron.bias = 1e39
    assert (synapse.weight, neuron.bias) == before
    synapse.weight = 3e38  # within float32's range (about 3.4e38)
    assert synapse.weight == pytest.approx(3e38, rel=1e-7)


def test_the_compiled_engine_refuses_inputs_beyond_float32(net32):
    compiled = net32.compile()
    with pytest.raises(ns.DataError, match=r"^X holds 1e\+39 at row 0, column 0, outside float32's range"):
        compiled.predict([[1e39, 0.0]])
    with pytest.raises(ns.DataError, match=r"^x holds 1e\+39"):
        compiled.forward([1e39, 0.0])


def test_compiled_predict_gives_numbers_or_an_error_like_network_predict():
    net = ns.Network.from_shape([2, 1], activation="identity", seed=0)
    net.synapse("input[0]", "output[0]").weight = 1e300
    X = np.array([[1e300, 0.0]])
    assert np.isinf(net.forward(X[0])).all()  # forward shows the overflow, to look into
    for predict in (net.predict, net.compile().predict):
        with pytest.raises(ns.DataError, match=r"output output\[0\] is inf for sample 0.*= 1e\+300"):
            predict(X)
