"""The demo "yours": its from-scratch networks are right but for the one bug each case plants.

The numpy code's gradients are checked here against finite differences of
its own cost, and against neurosim's backward pass on the same arrays.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from command_line import run

import neurosim as ns
from neurosim.demos import yours

CASES = {case.title[:3]: case for case in yours.CASES}
#: the correct from-scratch networks: bce with a sigmoid output, cross-entropy with softmax, mse
CORRECT = [yours.TwoLayer, yours.ThreeClasses, yours.SquaredError]
#: the name of each of the user's arrays in neurosim's named_gradients
NEUROSIM_NAMES = {
    "W1": "input->hidden1.weight",
    "b1": "hidden1.bias",
    "W2": "hidden1->output.weight",
    "b2": "output.bias",
}


def finite_differences(network: yours.TwoLayer, step: float = 1e-6) -> dict[str, np.ndarray]:
    """The gradient of ``network.cost`` by central differences, one entry of one array at a time."""
    X, Y = yours.X, network.targets
    grads = {}
    for name, array in network.params.items():
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            kept = array[index]
            array[index] = kept + step
            above = network.cost(X, Y)
            array[index] = kept - step
            below = network.cost(X, Y)
            array[index] = kept
            grad[index] = (above - below) / (2 * step)
        grads[name] = grad
    return grads


def neurosim_gradients(network: yours.TwoLayer) -> dict[str, np.ndarray]:
    """neurosim's gradients of its mean loss for the network's arrays, by the user's names (W @ x)."""
    p = network.params
    net = ns.Network.from_arrays(
        [p["W1"], p["W2"]], [p["b1"], p["b2"]], list(network.activations), layout="out_in"
    )
    net.backward(yours.X.T, network.targets.T, network.loss)
    found = dict(net.named_gradients())
    return {name: found[neurosim_name] for name, neurosim_name in NEUROSIM_NAMES.items()}


# ---------------------------------------------------------------------- the numpy code itself


@pytest.mark.parametrize("network", CORRECT, ids=lambda cls: cls.__name__)
def test_the_correct_numpy_gradients_are_the_finite_differences_of_its_cost(network):
    net = network()
    mine = net.gradients(yours.X, net.targets)
    for name, expected in finite_differences(net).items():
        assert mine[name].shape == expected.shape
        assert np.allclose(mine[name], expected, rtol=1e-6, atol=1e-9), name


@pytest.mark.parametrize("network", CORRECT, ids=lambda cls: cls.__name__)
def test_the_correct_numpy_gradients_are_neurosims(network):
    net = network()
    mine = net.gradients(yours.X, net.targets)
    for name, expected in neurosim_gradients(net).items():
        assert np.allclose(mine[name].reshape(expected.shape), expected, rtol=1e-9, atol=1e-12), name


def test_half_the_squared_error_has_the_right_gradients_of_its_own_cost_half_of_neurosims():
    half, whole = yours.HalfSquaredError(), yours.SquaredError()
    assert half.cost(yours.X, half.targets) == pytest.approx(whole.cost(yours.X, whole.targets) / 2)
    mine = half.gradients(yours.X, half.targets)
    for name, expected in finite_differences(half).items():
        assert np.allclose(mine[name], expected, rtol=1e-6, atol=1e-9), name
    for name, expected in neurosim_gradients(whole).items():
        assert np.allclose(mine[name].reshape(expected.shape), expected / 2), name


def test_the_data_is_the_cube_with_its_targets():
    assert yours.X.shape == (3, 8)
    assert {tuple(column) for column in yours.X.T} == {
        (a, b, c) for a in (0.0, 1.0) for b in (0.0, 1.0) for c in (0.0, 1.0)
    }
    for column, majority, classes in zip(yours.X.T, yours.Y_MAJORITY[0], yours.Y_CLASSES.T, strict=True):
        assert majority == (column.sum() >= 2)
        assert classes.sum() == 1 and classes[min(int(column.sum()), 2)] == 1


@pytest.mark.parametrize("key", list(CASES))
def test_each_buggy_copy_changes_one_method_and_the_demo_shows_that_line(key):
    case = CASES[key]
    own = {name for name, value in vars(case.buggy).items() if callable(value) and name[0] != "_"}
    assert case.method in own
    assert own <= {case.method, "cost"}  # the convention changes the cost with the delta
    assert case.wrong_line != case.right_line
    assert case.wrong_line.startswith(f"{case.method}(") and case.right_line.startswith(f"{case.method}(")
    assert issubclass(case.buggy, case.fixed)


def test_the_planted_bugs_do_what_their_titles_say():
    reference = yours.TwoLayer().gradients(yours.X, yours.Y_MAJORITY)
    m = yours.X.shape[1]

    def planted(network):
        return network().gradients(yours.X, yours.Y_MAJORITY)

    summed = planted(yours.SummedWeightGradients)
    assert np.allclose(summed["W1"], m * reference["W1"]) and np.allclose(summed["W2"], m * reference["W2"])
    assert np.array_equal(summed["b1"], reference["b1"])
    over_all = planted(yours.BiasSummedOverAll)
    assert np.ndim(over_all["b1"]) == 0 and np.isclose(over_all["b1"], reference["b1"].sum())
    without = planted(yours.WithoutTheIncomingActivation)
    assert np.allclose(without["W1"], reference["b1"]) and np.allclose(without["W2"], reference["b2"])
    Z2 = yours.ThreeClasses().forward(yours.X)[2]
    wrong_axis = yours.SoftmaxOverTheBatch().output_activation(Z2)
    assert np.allclose(wrong_axis.sum(axis=1), 1) and not np.allclose(wrong_axis.sum(axis=0), 1)


# ---------------------------------------------------------------------- neurosim's verdicts on each case

#: for each case, the verdict on each array (or layer) the bug touches; every other one must match
EXPECTED = {
    "(a)": ({"W1": "not-averaged", "W2": "not-averaged"}, 8.0),
    "(b)": ({"b1": "summed-over-all"}, None),
    "(c)": ({"W1": "wrong-derivative", "b1": "wrong-derivative"}, None),
    "(d)": ({"output": "softmax-wrong-axis"}, None),
    "(e)": ({"W1": "missing-source-activation", "W2": "missing-source-activation"}, None),
    "(f)": ({"W1": "convention", "b1": "convention", "W2": "convention", "b2": "convention"}, 0.5),
}


@pytest.mark.parametrize("key", list(CASES))
def test_neurosim_names_each_planted_bug_on_the_arrays_it_touches(key):
    case = CASES[key]
    flagged, factor = EXPECTED[key]
    comparison = yours.compare(case.buggy, case.compared)
    names = ["hidden1", "output"] if case.compared == "forward" else ["W1", "b1", "W2", "b2"]
    assert [item.name for item in comparison.items] == names
    for item in comparison.items:
        assert item.verdict == flagged.get(item.name, "match"), item
        if item.name in flagged and factor is not None:
            assert item.factor == pytest.approx(factor)
    assert comparison.ok == (key == "(f)")  # a loss convention is no bug


def test_the_factor_of_case_a_is_the_number_of_samples_and_case_f_names_the_half():
    m = yours.X.shape[1]
    assert EXPECTED["(a)"][1] == m
    message = yours.compare(yours.HalfSquaredError, "gradients")["W1"].message
    assert "1/2" in message and "not a bug" in message


def test_case_c_names_the_hidden_layer_and_case_d_the_output():
    assert "hidden1" in yours.compare(yours.DerivativeOfTheActivation, "gradients")["W1"].message
    assert "axis=0" in yours.compare(yours.SoftmaxOverTheBatch, "forward")["output"].message


@pytest.mark.parametrize("key", list(CASES))
def test_the_copy_without_the_bug_matches_everywhere(key):
    case = CASES[key]
    comparison = yours.compare(case.fixed, case.compared)
    assert comparison.ok
    assert {item.verdict for item in comparison.items} == {"match"}


def test_what_the_update_applies_is_the_gradient_spread_over_the_weights_shape():
    params = yours.TwoLayer().params
    column = np.arange(4.0).reshape(4, 1)
    applied = yours.as_applied({"W1": column, "b1": np.float64(2.0)}, params)
    updated = params["W1"].copy()
    updated -= 0.1 * column  # what numpy does in the user's update
    assert np.allclose(params["W1"] - 0.1 * applied["W1"], updated)
    assert applied["W1"].shape == (4, 3) and applied["b1"].shape == (4, 1)
    assert np.all(applied["b1"] == 2.0)


# ---------------------------------------------------------------------- the run


def test_neurosim_demo_yours_prints_every_case_with_its_wrong_and_fixed_line(capsys):
    status, out, err = run(["demo", "yours"], capsys)
    assert status == 0 and err == ""
    for case in yours.CASES:
        assert f"== {case.title}\n" in out
        assert f"the line in your code:  {case.wrong_line}\n" in out
        assert f"{case.fixed_label + ':':<24}{case.right_line}\n" in out
        assert str(yours.compare(case.buggy, case.compared)).replace("\n", "\n  ") in out
    assert out.count("4 of 4 right") == 6  # five fixed copies and the convention
    assert out.count("2 of 2 right") == 1


def test_the_demo_runs_as_a_script():
    script = Path(__file__).parents[1] / "demos" / "yours.py"
    result = subprocess.run(
        [sys.executable, str(script), "--fast"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n== ") == len(yours.CASES)
