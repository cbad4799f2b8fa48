"""check_activation: an activation's derivative against the numeric slope of its function, the wrong
derivatives learners write named by their cause, and in-place functions kept away from neurosim's arrays."""

from __future__ import annotations

import numpy as np
import pytest

import neurosim as ns


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def sigmoid_slope(z):
    """The sigmoid's derivative, written here from the quotient rule: e^-z / (1 + e^-z)^2."""
    return np.exp(-z) / (1.0 + np.exp(-z)) ** 2


def leaky(z):
    return np.where(z > 0, z, 0.01 * z)


def leaky_derivative_in_place(z):
    z[z > 0] = 1.0  # overwrites the array it is given
    z[z <= 0] = 0.01
    return z


def doubling_tanh(z):
    z *= 2.0  # overwrites the array it is given
    return np.tanh(z)


def test_a_right_derivative_passes_in_either_form():
    by_z = ns.check_activation(ns.Activation("logistic_z_form", sigmoid, sigmoid_slope))
    by_a = ns.check_activation(
        ns.Activation("logistic_a_form", sigmoid, output_derivative=lambda a: a * (1 - a))
    )
    for report in (by_z, by_a):
        assert report.ok and report.cause == "ok"
        assert report.max_error < 1e-8
        np.testing.assert_allclose(report.derivative, sigmoid_slope(report.z), rtol=1e-12)
    assert "OK" in str(by_z) and "40 points" in str(by_z)


@pytest.mark.parametrize("name", ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "step"])
def test_every_built_in_element_wise_activation_passes(name):
    report = ns.check_activation(ns.get_activation(name))
    assert report.ok, str(report)
    assert len(report.z) == 40 and not np.any(report.z == 0)


def test_the_slope_is_the_central_difference_of_the_function():
    cube = ns.Activation("cube_check", lambda z: z**3, lambda z: 3 * z**2)
    report = ns.check_activation(cube)
    # (z+h)^3 - (z-h)^3 = 6 z^2 h + 2 h^3, so the central difference is 3 z^2 + h^2 exactly
    np.testing.assert_allclose(report.slope, 3 * report.z**2 + 1e-10, rtol=1e-6, atol=1e-8)
    assert report.ok


def test_a_sigmoid_derivative_written_for_the_output_and_given_z_is_named():
    report = ns.check_activation(ns.Activation("logistic_takes_a", sigmoid, lambda z: z * (1 - z)))
    assert not report.ok and report.cause == "takes-output"
    z, derivative, slope = report.worst[0]
    assert (z, derivative) == (-4.0, -20.0)  # -4 (1 - (-4)), the farthest point from where it is right
    assert slope == pytest.approx(sigmoid_slope(-4.0), rel=1e-8)
    assert "written for the output a = f(z)" in report.message
    assert "output_derivative=" in report.message and "-20" in report.message


def test_tanh_derivative_as_one_minus_z_squared_is_named():
    report = ns.check_activation(ns.Activation("tanh_takes_a", np.tanh, lambda z: 1 - z**2))
    assert report.cause == "takes-output"
    z, derivative, slope = report.worst[0]
    assert abs(z) == 4.0 and derivative == -15.0
    assert slope == pytest.approx(1 - np.tanh(4.0) ** 2, rel=1e-8)


def test_a_z_form_derivative_given_as_output_derivative_applies_f_twice():
    report = ns.check_activation(
        ns.Activation("logistic_twice", sigmoid, output_derivative=lambda a: sigmoid(a) * (1 - sigmoid(a)))
    )
    assert report.cause == "takes-input"
    np.testing.assert_allclose(report.derivative, sigmoid_slope(sigmoid(report.z)), rtol=1e-10)
    assert "applied twice" in report.message and "derivative=" in report.message


@pytest.mark.parametrize(
    ("factor", "meaning"), [(2.0, "extra factor 2"), (0.5, "missing factor 2"), (-1.0, "sign is flipped")]
)
def test_a_derivative_off_by_a_factor_is_named_by_it(factor, meaning):
    wrong = ns.Activation(f"logistic_times_{factor:g}", sigmoid, lambda z: factor * sigmoid_slope(z))
    report = ns.check_activation(wrong)
    assert report.cause == "scaled"
    assert report.factor == pytest.approx(factor, rel=1e-8)
    assert meaning in report.message


def test_a_derivative_wrong_in_no_known_way_is_a_mismatch_showing_the_worst_point():
    cube = ns.Activation("cube_wrong_check", lambda z: z**3, lambda z: 3 * z)  # should be 3 z^2
    report = ns.check_activation(cube)
    assert report.cause == "mismatch" and report.factor is None
    errors = np.abs(3 * report.z - 3 * report.z**2) / np.maximum(1.0, 3 * report.z**2)
    z, derivative, slope = report.worst[0]
    assert z == report.z[np.argmax(errors)]
    assert derivative == pytest.approx(3 * z) and slope == pytest.approx(3 * z**2, rel=1e-8)
    assert "FAILED (mismatch)" in str(report)


def test_a_kink_is_left_out_of_a_non_smooth_activation():
    # hard tanh has kinks at -1 and 1; a grid point 1e-6 from a kink sees a one-sided mix there
    hard = ns.Activation(
        "hard_tanh_check", lambda z: np.clip(z, -1, 1), lambda z: (np.abs(z) < 1) * 1.0, smooth=False
    )
    report = ns.check_activation(hard)
    assert report.ok
    np.testing.assert_array_equal(report.derivative, (np.abs(report.z) < 1) * 1.0)


def test_an_in_place_derivative_is_refused_when_made_and_named_by_check_activation():
    with pytest.raises(
        ns.ParameterError, match=r"'leaky_in_place'.*derivative changes the array it is given"
    ):
        ns.Activation("leaky_in_place", leaky, leaky_derivative_in_place, smooth=False)
    made = ns.Activation("leaky_in_place", leaky, leaky_derivative_in_place, smooth=False, check=False)
    report = ns.check_activation(made)
    assert report.cause == "in-place" and report.role == "derivative"
    assert report.changed == (-4.0, 0.01)  # the first point, -4, became alpha


def test_an_in_place_function_is_refused_when_made():
    with pytest.raises(
        ns.ParameterError, match=r"its function changes the array it is given \(z = -4 became -8\)"
    ):
        ns.Activation("tanh_doubling", doubling_tanh, output_derivative=lambda a: 2 * (1 - a**2))


def test_check_activation_refuses_what_it_cannot_check():
    with pytest.raises(ns.ParameterError, match="whole-layer activation"):
        ns.check_activation(ns.get_activation("softmax"))
    with pytest.raises(ns.ParameterError, match="expects an Activation"):
        ns.check_activation("tanh")


def test_a_function_that_fails_is_named():
    def broken(z):
        raise ValueError("no")

    with pytest.raises(ns.ParameterError, match=r"'broken_check': its function failed .*ValueError: no"):
        ns.Activation("broken_check", broken, lambda z: z)


@pytest.mark.parametrize("engine", ["object", "compiled"])
def test_an_in_place_function_cannot_change_the_z_neurosim_holds(engine):
    doubling = ns.Activation(
        "tanh_doubling_engines", doubling_tanh, output_derivative=lambda a: 2 * (1 - a**2), check=False
    )
    W1, b1 = np.array([[0.5, -0.3], [0.2, 0.8], [-0.6, 0.1]]), np.array([0.1, -0.2, 0.05])
    W2, b2 = np.array([[0.7, -0.4, 0.3]]), np.array([0.2])
    net = ns.Network.from_arrays([W1, W2], [b1, b2], [doubling, "identity"], layout="out_in")
    X = np.array([[1.0, 0.5], [-0.3, 2.0], [0.4, -1.0]])
    Y = np.array([[0.3], [-0.2], [0.5]])
    z1 = X @ W1.T + b1  # written here, not by neurosim
    a1 = np.tanh(2 * z1)
    z2 = a1 @ W2.T + b2
    runner = ns.engines.create(net, engine)
    runner.train_batch(X, Y, ns.get_loss("mse"))
    values = runner.last_pass()
    np.testing.assert_allclose(values.z("hidden1"), z1, rtol=1e-12)
    np.testing.assert_allclose(values.a("hidden1"), a1, rtol=1e-12)
    np.testing.assert_allclose(values.z("output"), z2, rtol=1e-12)
    # dL/dz1 = dL/da1 * 2 (1 - a1^2): the derivative is given the true a, not a doubled copy
    delta2 = 2 * (z2 - Y)  # per sample, mse over one output
    np.testing.assert_allclose(values.delta("hidden1"), (delta2 @ W2) * 2 * (1 - a1**2), rtol=1e-10)
    if engine == "object":
        np.testing.assert_allclose(np.array([neuron.z for neuron in net["hidden1"]]).T, z1, rtol=1e-12)
