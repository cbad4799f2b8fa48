"""``neuron.explain()`` says, in the doctor's words, when a neuron is dead or saturated on the last pass."""

import re

import numpy as np
import pytest

import neurosim as ns


def one_hidden(activation, weight, bias):
    net = ns.Network.from_shape([1, 2, 1], activation=activation, output_activation="sigmoid", seed=0)
    net.synapse("input[0]", "hidden1[0]").weight = weight
    net["hidden1[0]"].bias = bias
    return net


X = np.array([[-1.0], [0.5], [2.0]])


def test_a_dead_relu_says_so_with_its_largest_z():
    net = one_hidden("relu", 1.5, -4.0)
    net.forward(X)
    largest = max(1.5 * x - 4.0 for x in X[:, 0])  # -1.0, on the sample 2.0
    text = net["hidden1[0]"].explain()
    assert f"dead on this pass: z <= 0 on all 3 samples (largest {largest:g})" in text


def test_a_relu_alive_on_one_sample_is_not_called_dead():
    net = one_hidden("relu", 1.5, -2.9)  # z = 0.1 on the sample 2.0
    net.forward(X)
    assert "dead" not in net["hidden1[0]"].explain()


@pytest.mark.parametrize(("activation", "largest"), [("tanh", 1.0), ("sigmoid", 0.25)])
def test_a_saturated_squasher_says_so_and_a_working_one_does_not(activation, largest):
    net = one_hidden(activation, 40.0, 30.0)  # z = -10, 50, 110
    net.forward(X)
    z = 40.0 * X[:, 0] + 30.0
    tail = np.exp(-np.abs(z))
    slope = (1 - np.tanh(z) ** 2) if activation == "tanh" else tail / (1 + tail) ** 2
    assert np.all(slope / largest < 1e-3)  # the condition, computed here
    text = net["hidden1[0]"].explain()
    assert "saturated on this pass: on 100% of 3 samples z is so far from 0 (from -10 to 110)" in text
    net = one_hidden(activation, 0.5, 0.1)
    net.forward(X)
    assert "saturated" not in net["hidden1[0]"].explain()


def test_a_sigmoid_output_is_not_called_saturated():
    net = ns.Network.from_shape([1, 1], seed=0)
    net.synapse("input[0]", "output[0]").weight = 100.0
    net.forward(X)
    assert "saturated" not in net["output[0]"].explain()


def test_a_gradient_of_negative_zero_reads_as_zero_and_one_sample_as_one():
    # a relu neuron with z = 0 passes back 0 * (a negative delta) = -0.0 to its bias and weights
    net = ns.Network.from_shape([2, 2, 1], activation="relu", seed=0)
    net.backward([[0.0, 0.0]], [[1.0]], loss="mse")
    neuron = net["hidden1"][0]
    assert str(neuron.bias_grad) == "-0.0"  # what the arithmetic gives
    text = neuron.explain()
    assert re.search(r"-0(?![.\d])", text) is None  # no "-0" standing alone (a weight -0.5639 may)
    assert "bias_grad = mean(delta) = 0\n" in text
    assert "z = 0 <= 0 on its one sample" in text
    assert "samples" not in text
