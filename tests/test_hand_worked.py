"""A 2-2-1 network with fixed weights, its forward values and gradients worked out by hand.

Every expected number below was computed on paper from the weights, not by
neurosim. The first network uses relu and identity so all the arithmetic is
exact decimals; the second uses sigmoids, with each step written out with
``math.exp``.
"""

import math

import numpy as np
import pytest

import neurosim as ns


def build(hidden: str, output: str) -> ns.Network:
    net = ns.Network.from_shape([2, 2, 1], activation=hidden, output_activation=output, init="zeros")
    weights = {
        ("input[0]", "hidden1[0]"): 0.5,
        ("input[1]", "hidden1[0]"): -0.25,
        ("input[0]", "hidden1[1]"): -1.0,
        ("input[1]", "hidden1[1]"): 0.75,
        ("hidden1[0]", "output[0]"): 2.0,
        ("hidden1[1]", "output[0]"): -1.0,
    }
    for (source, target), weight in weights.items():
        net.synapse(source, target).weight = weight
    net["hidden1[0]"].bias = 0.1
    net["hidden1[1]"].bias = -0.2
    net["output[0]"].bias = 0.5
    return net


@pytest.fixture
def relu_net() -> ns.Network:
    return build("relu", "identity")


def test_forward_one_sample_by_hand(relu_net):
    y = relu_net.forward([1.0, 2.0])
    # hidden1[0]: z = 0.5*1 + (-0.25)*2 + 0.1 = 0.1,  a = relu(0.1) = 0.1
    # hidden1[1]: z = -1*1 + 0.75*2 - 0.2 = 0.3,      a = 0.3
    # output[0]:  z = 2*0.1 + (-1)*0.3 + 0.5 = 0.4,   a = 0.4
    assert relu_net["hidden1[0]"].z == pytest.approx(0.1, abs=1e-15)
    assert relu_net["hidden1[1]"].a == pytest.approx(0.3, abs=1e-15)
    assert relu_net["output[0]"].z == pytest.approx(0.4, abs=1e-15)
    assert y == pytest.approx([0.4], abs=1e-15)


def test_backward_one_sample_by_hand(relu_net):
    loss = relu_net.backward([[1.0, 2.0]], [[1.0]], loss="mse")
    # loss = (0.4 - 1)^2 = 0.36
    assert loss == pytest.approx(0.36, abs=1e-15)
    # output delta = 2 (a - t) = -1.2 (identity' = 1)
    assert relu_net["output[0]"].delta == pytest.approx(-1.2)
    # hidden deltas: relu'(z) * w * delta_out
    assert relu_net["hidden1[0]"].delta == pytest.approx(1 * 2.0 * -1.2)  # -2.4
    assert relu_net["hidden1[1]"].delta == pytest.approx(1 * -1.0 * -1.2)  # 1.2
    expected = {
        ("hidden1[0]", "output[0]"): -1.2 * 0.1,  # -0.12
        ("hidden1[1]", "output[0]"): -1.2 * 0.3,  # -0.36
        ("input[0]", "hidden1[0]"): -2.4 * 1.0,
        ("input[1]", "hidden1[0]"): -2.4 * 2.0,
        ("input[0]", "hidden1[1]"): 1.2 * 1.0,
        ("input[1]", "hidden1[1]"): 1.2 * 2.0,
    }
    for (source, target), grad in expected.items():
        assert relu_net.synapse(source, target).grad == pytest.approx(grad, abs=1e-14), (source, target)
    assert relu_net["output[0]"].bias_grad == pytest.approx(-1.2)
    assert relu_net["hidden1[0]"].bias_grad == pytest.approx(-2.4)
    assert relu_net["hidden1[1]"].bias_grad == pytest.approx(1.2)


def test_backward_batch_of_two_is_the_mean_by_hand(relu_net):
    X = [[1.0, 2.0], [0.0, 1.0]]
    Y = [[1.0], [0.0]]
    loss = relu_net.backward(X, Y, loss="mse")
    # sample 2: hidden1[0] z = -0.25 + 0.1 = -0.15 -> relu 0; hidden1[1] z = 0.75 - 0.2 = 0.55
    #           output z = 2*0 - 0.55 + 0.5 = -0.05; squared error 0.0025; delta_out = -0.1
    #           hidden1[0] delta = 0 (relu' = 0), hidden1[1] delta = -1 * -0.1 = 0.1
    assert loss == pytest.approx((0.36 + 0.0025) / 2, abs=1e-15)
    assert relu_net["output[0]"].z == pytest.approx([0.4, -0.05])
    expected = {
        ("hidden1[0]", "output[0]"): (-0.12 + -0.1 * 0.0) / 2,  # -0.06
        ("hidden1[1]", "output[0]"): (-0.36 + -0.1 * 0.55) / 2,  # -0.2075
        ("input[0]", "hidden1[0]"): (-2.4 + 0.0) / 2,  # -1.2
        ("input[1]", "hidden1[0]"): (-4.8 + 0.0) / 2,  # -2.4
        ("input[0]", "hidden1[1]"): (1.2 + 0.1 * 0.0) / 2,  # 0.6
        ("input[1]", "hidden1[1]"): (2.4 + 0.1 * 1.0) / 2,  # 1.25
    }
    for (source, target), grad in expected.items():
        assert relu_net.synapse(source, target).grad == pytest.approx(grad, abs=1e-14), (source, target)
    assert relu_net["output[0]"].bias_grad == pytest.approx((-1.2 - 0.1) / 2)
    assert relu_net["hidden1[0]"].bias_grad == pytest.approx(-1.2)
    assert relu_net["hidden1[1]"].bias_grad == pytest.approx((1.2 + 0.1) / 2)

    relu_net.step(lr=0.1)
    # w <- w - lr * grad
    assert relu_net.synapse("hidden1[1]", "output[0]").weight == pytest.approx(-1.0 + 0.1 * 0.2075)
    assert relu_net.synapse("input[1]", "hidden1[1]").weight == pytest.approx(0.75 - 0.1 * 1.25)
    assert relu_net["output[0]"].bias == pytest.approx(0.5 + 0.1 * 0.65)


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def test_sigmoid_network_with_bce_by_hand():
    net = build("sigmoid", "sigmoid")
    loss = net.backward([[1.0, 2.0]], [[1.0]], loss="bce")
    a0 = sigmoid(0.1)  # hidden1[0]: z = 0.1 as above
    a1 = sigmoid(0.3)  # hidden1[1]: z = 0.3
    z_out = 2.0 * a0 - 1.0 * a1 + 0.5
    a_out = sigmoid(z_out)
    assert net["hidden1[0]"].a == pytest.approx(a0, rel=1e-14)
    assert net["output[0]"].z == pytest.approx(z_out, rel=1e-14)
    # bce with t = 1 is -log(a)
    assert loss == pytest.approx(-math.log(a_out), rel=1e-13)
    # d(-log sigmoid(z))/dz = sigmoid(z) - 1
    delta_out = a_out - 1.0
    assert net["output[0]"].delta == pytest.approx(delta_out, rel=1e-13)
    delta0 = a0 * (1 - a0) * 2.0 * delta_out
    delta1 = a1 * (1 - a1) * -1.0 * delta_out
    assert net.synapse("hidden1[0]", "output[0]").grad == pytest.approx(delta_out * a0, rel=1e-13)
    assert net.synapse("input[1]", "hidden1[0]").grad == pytest.approx(delta0 * 2.0, rel=1e-13)
    assert net.synapse("input[0]", "hidden1[1]").grad == pytest.approx(delta1 * 1.0, rel=1e-13)
    assert net["hidden1[1]"].bias_grad == pytest.approx(delta1, rel=1e-13)


def test_softmax_cross_entropy_by_hand():
    net = ns.Network.from_shape([1, 2], activation="identity", output_activation="softmax", init="zeros")
    net.synapse("input[0]", "output[1]").weight = math.log(3.0)
    # x = 1: logits (0, log 3) -> softmax (1/4, 3/4); label 0 -> loss = -log(1/4) = log 4
    loss = net.backward([[1.0]], np.array([0]), loss="cross_entropy")
    assert loss == pytest.approx(math.log(4.0), rel=1e-14)
    # delta = softmax - onehot = (1/4 - 1, 3/4)
    assert net["output[0]"].delta == pytest.approx(-0.75)
    assert net["output[1]"].delta == pytest.approx(0.75)
    assert net.synapse("input[0]", "output[1]").grad == pytest.approx(0.75)


def test_explain_writes_out_the_hand_arithmetic(relu_net):
    relu_net.backward([[1.0, 2.0]], [[1.0]], loss="mse")
    text = relu_net["hidden1[1]"].explain()
    assert "z = (-1)*1 + 0.75*2 + (-0.2) = 0.3" in text
    assert "a = relu(0.3) = 0.3" in text
    assert "= 1 * ((-1)*(-1.2)) = 1.2" in text
    assert "input[1] -> hidden1[1]: grad = mean(delta * input[1].a) = 2.4" in text
