"""Activations, softmax and losses stay finite, and quiet, on extreme inputs."""

from __future__ import annotations

import math
import warnings
from contextlib import contextmanager

import numpy as np
import pytest

import neurosim as ns

Z_VALUES = [-1e4, -800.0, -40.0, 0.0, 40.0, 800.0, 1e4]
ELEMENTWISE = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "step"]


@contextmanager
def strict():
    """Any RuntimeWarning, or numpy overflow / division by zero / invalid operation, is an error."""
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        yield


# ------------------------------------------------------------- independent reference formulas


def sigmoid_ref(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    return math.exp(z) / (1.0 + math.exp(z))


def sigmoid_prime_ref(z: float) -> float:
    e = math.exp(-abs(z))
    return e / (1.0 + e) ** 2


def tanh_prime_ref(z: float) -> float:
    # 1 / cosh(z)^2 = 4 e^(-2|z|) / (1 + e^(-2|z|))^2
    e = math.exp(-2.0 * abs(z))
    return 4.0 * e / (1.0 + e) ** 2


def softplus_ref(z: float) -> float:
    if z > 0:
        return z + math.log1p(math.exp(-z))
    return math.log1p(math.exp(z))


REFERENCE = {
    # name: (f(z), f'(z)); f' is not asked at the kinks (z == 0) of relu, leaky_relu and step.
    "identity": (lambda z: z, lambda z: 1.0),
    "sigmoid": (sigmoid_ref, sigmoid_prime_ref),
    "tanh": (math.tanh, tanh_prime_ref),
    "relu": (lambda z: max(z, 0.0), lambda z: 1.0 if z > 0 else 0.0),
    "leaky_relu": (lambda z: z if z > 0 else 0.01 * z, lambda z: 1.0 if z > 0 else 0.01),
    "softplus": (softplus_ref, sigmoid_ref),
    "step": (lambda z: 1.0 if z > 0 else 0.0, lambda z: 0.0),
}
KINKS = {"relu", "leaky_relu", "step"}


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_activation_and_derivative_finite_on_extreme_inputs(name):
    activation = ns.get_activation(name)
    z = np.array(Z_VALUES)
    with strict():
        a = activation(z)
        derivative = activation.derivative(z)
        grad_z = activation.backward(z, a, np.ones_like(z))
        grad_z_big = activation.backward(z, a, np.full_like(z, 1e4))
    for values in (a, derivative, grad_z, grad_z_big):
        assert values.shape == z.shape
        assert np.isfinite(values).all(), (name, values)
    np.testing.assert_array_equal(grad_z, derivative)


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("z", Z_VALUES)
def test_activation_matches_independent_formula(name, z):
    activation = ns.get_activation(name)
    f, f_prime = REFERENCE[name]
    with strict():
        value = float(activation(np.array([z]))[0])
        derivative = float(activation.derivative(np.array([z]))[0])
    if name == "step" and z == 0.0:
        assert value in (0.0, 1.0)
    else:
        assert value == pytest.approx(f(z), rel=1e-12, abs=1e-300)
    if name in KINKS and z == 0.0:
        assert math.isfinite(derivative)
    else:
        # f'(a) forms lose digits where f saturates (sigmoid(40) rounds to 1): absolute 1e-15 there.
        assert derivative == pytest.approx(f_prime(z), rel=1e-9, abs=1e-15)


def test_known_limits_are_exact():
    sigmoid, softplus, tanh = (ns.get_activation(n) for n in ("sigmoid", "softplus", "tanh"))
    with strict():
        assert sigmoid(np.array([-1e4]))[0] == 0.0
        assert sigmoid(np.array([1e4]))[0] == 1.0
        assert sigmoid(np.array([0.0]))[0] == 0.5
        assert softplus(np.array([1e4]))[0] == 1e4
        assert softplus(np.array([-1e4]))[0] == 0.0
        assert softplus(np.array([800.0]))[0] == 800.0
        assert tanh(np.array([-1e4]))[0] == -1.0
        assert tanh(np.array([1e4]))[0] == 1.0
        assert sigmoid.derivative(np.array([1e4]))[0] == 0.0
        assert softplus.derivative(np.array([1e4]))[0] == 1.0
        assert softplus.derivative(np.array([-1e4]))[0] == 0.0
        # Moderate z, where math.exp is safe.
        for z in (-30.0, -3.0, -0.2, 0.2, 3.0, 30.0):
            assert sigmoid(np.array([z]))[0] == pytest.approx(1.0 / (1.0 + math.exp(-z)), rel=1e-14)
            assert softplus(np.array([z]))[0] == pytest.approx(math.log(1.0 + math.exp(z)), rel=1e-12)


# ------------------------------------------------------------------------------------ softmax


def softmax_ref(row):
    top = max(row)
    exps = [math.exp(v - top) for v in row]
    total = sum(exps)
    return [e / total for e in exps]


@pytest.mark.parametrize(
    "row",
    [
        [1e4, -1e4, 0.0],
        [-1e4, -1e4, -1e4],
        [1e4, 1e4, 1e4],
        [800.0, -800.0, 799.0],
        [-1e4, 0.0, 1e4 - 1.0],
        [40.0, -40.0, 0.0],
        [0.5, -1.5, 2.0],
    ],
)
def test_softmax_finite_sums_to_one_and_matches_reference(row):
    softmax = ns.get_activation("softmax")
    z = np.array([row])
    with strict():
        a = softmax(z)
        grad = softmax.backward(z, a, np.array([[1e4, -1e4, 3.0]]))
    assert np.isfinite(a).all() and np.isfinite(grad).all()
    assert a.sum() == pytest.approx(1.0, abs=1e-15)
    assert ((a >= 0) & (a <= 1)).all()
    np.testing.assert_allclose(a[0], softmax_ref(row), rtol=1e-12, atol=1e-300)
    # The Jacobian-vector product equals J^T g with J = diag(a) - a a^T, computed by hand.
    p = softmax_ref(row)
    g = [1e4, -1e4, 3.0]
    expected = [p[i] * (g[i] - sum(pj * gj for pj, gj in zip(p, g, strict=True))) for i in range(3)]
    np.testing.assert_allclose(grad[0], expected, rtol=1e-9, atol=1e-9)


def test_softmax_extreme_rows_exact():
    softmax = ns.get_activation("softmax")
    with strict():
        a = softmax(np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 0.0], [1e4, 1e4, -1e4]]))
    np.testing.assert_array_equal(a, [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.5, 0.5, 0.0]])


# ------------------------------------------------------------------------------------- losses


def bce_ref(z: float, t: float) -> float:
    """-[t log a + (1-t) log(1-a)] with a = sigmoid(z), straight from the definition."""
    a = 1.0 / (1.0 + math.exp(-z))
    return -(t * math.log(a) + (1.0 - t) * math.log(1.0 - a))


def loss_parts(loss_name, activation_name, z, t):
    loss = ns.get_loss(loss_name)
    activation = ns.get_activation(activation_name)
    with strict():
        a = activation(z)
        value = loss.value(z, a, t)
        delta = loss.output_delta(z, a, t, activation)
    return value, delta


@pytest.mark.parametrize(
    ("z", "t", "expected"),
    [
        (-1e4, 1.0, 1e4),
        (1e4, 0.0, 1e4),
        (1e4, 1.0, 0.0),
        (-1e4, 0.0, 0.0),
        (-800.0, 1.0, 800.0),
        (800.0, 0.5, 400.0),
        (-1e4, 0.25, 2500.0),  # t * 1e4: log a = -1e4, log(1 - a) = 0
    ],
)
def test_bce_on_extreme_logits(z, t, expected):
    value, delta = loss_parts("bce", "sigmoid", np.array([[z]]), np.array([[t]]))
    assert math.isfinite(value)
    assert value == pytest.approx(expected, rel=1e-15, abs=1e-300)
    assert np.isfinite(delta).all()
    # d loss / dz = sigmoid(z) - t
    assert delta[0, 0] == pytest.approx(sigmoid_ref(z) - t, abs=1e-15)


def test_bce_batch_mean_on_extreme_logits():
    z = np.array([[1e4, -1e4], [-1e4, 1e4]])
    t = np.array([[0.0, 1.0], [0.0, 1.0]])
    value, delta = loss_parts("bce", "sigmoid", z, t)
    assert value == 5000.0  # (1e4 + 1e4 + 0 + 0) / 4
    np.testing.assert_allclose(delta, [[0.5, -0.5], [0.0, 0.0]])  # (a - t) / n_outputs


@pytest.mark.parametrize("z", [-30.0, -4.0, -0.7, 0.0, 0.3, 2.5, 15.0])
@pytest.mark.parametrize("t", [0.0, 0.2, 1.0])
def test_bce_matches_the_definition_for_moderate_logits(z, t):
    value, delta = loss_parts("bce", "sigmoid", np.array([[z]]), np.array([[t]]))
    assert value == pytest.approx(bce_ref(z, t), rel=1e-9, abs=1e-12)
    assert delta[0, 0] == pytest.approx(sigmoid_ref(z) - t, rel=1e-12, abs=1e-15)
    if abs(z) <= 5:  # where log(1 - a) keeps enough digits for a finite difference
        h = 1e-6
        numeric = (bce_ref(z + h, t) - bce_ref(z - h, t)) / (2 * h)
        assert delta[0, 0] == pytest.approx(numeric, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize(
    ("logits", "label", "expected"),
    [
        ([1e4, 0.0], 1, 1e4),
        ([1e4, 0.0], 0, 0.0),
        ([-1e4, 1e4], 0, 2e4),
        ([1e4, -1e4, 1e4], 1, 2e4 + math.log(2.0)),
        ([800.0, -800.0], 1, 1600.0),
        ([1e4, 1e4], 0, math.log(2.0)),
    ],
)
def test_cross_entropy_on_extreme_logits(logits, label, expected):
    z = np.array([logits])
    t = np.eye(len(logits))[[label]]
    value, delta = loss_parts("cross_entropy", "softmax", z, t)
    assert math.isfinite(value)
    assert value == pytest.approx(expected, rel=1e-15)
    assert np.isfinite(delta).all()
    np.testing.assert_allclose(delta[0], np.array(softmax_ref(logits)) - t[0], atol=1e-15)


def test_cross_entropy_labels_and_one_hot_agree_on_extreme_logits():
    loss = ns.get_loss("cross_entropy")
    z = np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]])
    from_labels = loss.targets(np.array([2, 1]), 2, 3)
    np.testing.assert_array_equal(from_labels, [[0, 0, 1], [0, 1, 0]])
    with strict():
        a = ns.get_activation("softmax")(z)
        value = loss.value(z, a, from_labels)
        delta = loss.output_delta(z, a, from_labels, ns.get_activation("softmax"))
    assert value == (2e4 + 0.0) / 2  # sample 0: 1e4 - (-1e4); sample 1: 0
    np.testing.assert_array_equal(delta, [[1.0, 0.0, -1.0], [0.0, 0.0, 0.0]])


@pytest.mark.parametrize(
    ("logits", "label"),
    [([0.5, -1.0, 2.0], 0), ([0.5, -1.0, 2.0], 2), ([-3.0, 3.0], 1), ([10.0, 9.0, -5.0, 0.0], 3)],
)
def test_cross_entropy_is_minus_log_softmax(logits, label):
    z = np.array([logits])
    t = np.eye(len(logits))[[label]]
    value, _ = loss_parts("cross_entropy", "softmax", z, t)
    exps = [math.exp(v) for v in logits]
    assert value == pytest.approx(-math.log(exps[label] / sum(exps)), rel=1e-12)


def test_mse_on_extreme_outputs():
    z = np.array([[1e4, -1e4]])
    value, delta = loss_parts("mse", "identity", z, np.array([[0.0, 1.0]]))
    assert value == pytest.approx((1e8 + (1e4 + 1) ** 2) / 2, rel=1e-15)
    np.testing.assert_allclose(delta, [[1e4, -1e4 - 1]], rtol=1e-15)  # 2 (a - t) / 2


# ------------------------------------------------------------------------ whole networks


NETWORK_SETUPS = [
    (hidden, output, loss)
    for hidden in [*ELEMENTWISE, "softmax"]
    for output, loss in [
        ("sigmoid", "bce"),
        ("softmax", "cross_entropy"),
        ("tanh", "mse"),
        ("identity", "mse"),
    ]
]


@pytest.mark.parametrize(("hidden", "output", "loss"), NETWORK_SETUPS)
def test_network_forward_backward_finite_on_extreme_inputs(hidden, output, loss):
    net = ns.Network(seed=5, init="uniform")
    net.add_layer(3, name="input")
    net.add_layer(4, activation=hidden)
    net.add_layer(3, activation=hidden)
    net.add_layer(2, name="output", activation=output)
    net.connect("input", "hidden1")
    net.connect("hidden1", "hidden2")
    net.connect("hidden2", "output")
    net.connect("input[0]", "output[1]", weight=3.0)  # a skip carrying ±1e4 straight to the logits
    X = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [1e4, 1e4, -1e4]])
    Y = {"bce": np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), "cross_entropy": np.array([0, 1, 1])}.get(
        loss, np.array([[0.5, -0.5], [1.0, 0.0], [0.0, 1.0]])
    )
    with strict():
        outputs = net.predict(X)
        value = net.backward(X, Y, loss)
    assert np.isfinite(outputs).all(), outputs
    assert math.isfinite(value), value
    for layer in net.layers[1:]:
        for neuron in layer:
            for quantity in (neuron.z, neuron.a, neuron.delta, neuron.bias_grad):
                assert np.isfinite(quantity).all(), neuron
    for synapse in net.synapses:
        assert math.isfinite(synapse.grad), synapse
    # A step of gradient descent keeps every parameter finite.
    with strict():
        net.step(0.01)
        assert np.isfinite(net.predict(X)).all()
