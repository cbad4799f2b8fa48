"""compare_gradients against networks written from scratch in numpy, each with one bug planted or none."""

from __future__ import annotations

import html

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scratch_nets import ScratchNet

import neurosim as ns

N = 7  # samples: a number no layer size equals, so that no shape reads two ways
LOSS_OUTPUTS = {"mse": "tanh", "bce": "sigmoid", "cross_entropy": "softmax"}


def setup(layout: str, loss: str = "mse", sizes=(3, 4, 2), hidden: str = "sigmoid", bias_shape=None):
    scratch = ScratchNet(list(sizes), [hidden] * (len(sizes) - 2) + [LOSS_OUTPUTS[loss]], layout)
    biases = scratch.b if bias_shape is None else [b.reshape(bias_shape) for b in scratch.b]
    net = ns.Network.from_arrays(scratch.W, biases, scratch.activations, layout=layout)
    X, Y = scratch.data(N, loss=loss)
    return scratch, net, X, Y


def verdicts(result) -> dict[str, tuple[str, float | None]]:
    return {item.name: (item.verdict, item.factor) for item in result.items}


@pytest.mark.parametrize("layout", ["out_in", "in_out"])
@pytest.mark.parametrize("loss", ["mse", "bce", "cross_entropy"])
@pytest.mark.parametrize("bias_shape", [None, (-1,)])
def test_a_correct_network_matches_everywhere(layout, loss, bias_shape):
    scratch, net, X, Y = setup(layout, loss, bias_shape=bias_shape)
    grads = scratch.gradients(X, Y, loss)
    if bias_shape is not None:
        grads = {name: g.reshape(-1) if name[0] == "b" else g for name, g in grads.items()}
    result = ns.compare_gradients(net, X, Y, loss, grads)
    assert result.ok
    assert [item.name for item in result.items] == ["W1", "b1", "W2", "b2"]
    assert all(item.verdict == "match" and item.error < 1e-10 for item in result.items)
    assert "4 of 4 right" in str(result)


def test_reference_is_the_mean_loss_gradient_of_backward():
    """neurosim's own backward gives the numbers the verdicts are read against."""
    scratch, net, X, Y = setup("out_in")
    grads = scratch.gradients(X, Y, "mse")
    net.backward(X.T, Y.T, "mse")
    np.testing.assert_allclose(net.blocks[0].grad, grads["W1"], rtol=1e-10)
    np.testing.assert_allclose(net["hidden1"].bias_grad, grads["b1"].ravel(), rtol=1e-10)


@pytest.mark.parametrize("layout", ["out_in", "in_out"])
def test_the_loss_summed_over_samples_is_a_convention(layout):
    scratch, net, X, Y = setup(layout)
    result = ns.compare_gradients(net, X, Y, "mse", scratch.gradients(X, Y, "mse", bug="sum"))
    assert result.ok
    assert list(verdicts(result).values()) == [("convention", pytest.approx(N))] * 4
    assert f"sums over the {N} samples" in result["W1"].message


@pytest.mark.parametrize(
    ("convention", "factor"),
    [
        ("half of the mean squared error", 0.5),  # L = mean((a - t)**2) / 2
        ("half the squared error summed over outputs, mean over samples", 1.5),  # sum / 2n, m = 3 outputs
    ],
)
def test_half_the_squared_error_is_a_convention(convention, factor):
    scratch, net, X, Y = setup("out_in", sizes=(3, 4, 3))  # m = 3 outputs: m / 2 is not 1
    grads = {name: g * factor for name, g in scratch.gradients(X, Y, "mse").items()}
    result = ns.compare_gradients(net, X, Y, "mse", grads)
    assert result.ok, convention
    assert list(verdicts(result).values()) == [("convention", pytest.approx(factor))] * 4


@pytest.mark.parametrize(
    ("factor", "named"),
    [(2.0, "2"), (0.5, "1/2"), (2 / 3, None), (3.0, "outputs"), (1 / 3, "outputs"), (1 / N, "samples")],
)
def test_one_array_off_by_a_factor_is_scaled_and_the_factor_is_named(factor, named):
    scratch, net, X, Y = setup("out_in", sizes=(3, 4, 3))  # 3 outputs, 7 samples
    grads = scratch.gradients(X, Y, "mse")
    grads["W2"] = grads["W2"] * factor
    result = ns.compare_gradients(net, X, Y, "mse", grads)
    assert verdicts(result)["W2"] == ("scaled", pytest.approx(factor))
    assert all(verdict == "match" for name, (verdict, _) in verdicts(result).items() if name != "W2")
    if named == "outputs":
        assert "3" in result["W2"].message and "output" in result["W2"].message
    elif named == "samples":
        assert f"{N}" in result["W2"].message and "sample" in result["W2"].message


def test_a_flipped_sign_is_found_on_every_array():
    scratch, net, X, Y = setup("in_out")
    result = ns.compare_gradients(net, X, Y, "mse", scratch.gradients(X, Y, "mse", bug="sign"))
    assert not result.ok
    assert list(verdicts(result).values()) == [("sign-flipped", pytest.approx(-1.0))] * 4
    assert "climbs the loss" in result["W2"].message


@pytest.mark.parametrize("layout", ["out_in", "in_out"])
@pytest.mark.parametrize(
    ("bug", "at", "name", "verdict", "factor"),
    [
        ("not-averaged", 0, "W1", "not-averaged", N),
        ("double", 1, "W2", "scaled", 2.0),
        ("transposed", 0, "W1", "transposed", 1.0),
        ("missing-source", 1, "W2", "missing-source-activation", 1.0),
        ("summed-over-all", 0, "b1", "summed-over-all", 1.0),
        ("wrong-axis", 0, "b1", "summed-over-wrong-axis", 1.0),
        ("unsummed", 1, "b2", "wrong-shape", None),
        ("typo", 1, "W2", "mismatch", None),
    ],
)
def test_each_planted_bug_gets_its_verdict_on_its_array_only(layout, bug, at, name, verdict, factor):
    scratch, net, X, Y = setup(layout)
    result = ns.compare_gradients(net, X, Y, "mse", scratch.gradients(X, Y, "mse", bug=bug, at=at))
    found = verdicts(result)
    assert found.pop(name) == (verdict, pytest.approx(factor) if factor is not None else None)
    assert [verdict for verdict, _ in found.values()] == ["match"] * 3
    assert str(result).count(f"{name}: ") == 1


def test_not_averaged_says_divide_by_the_number_of_samples():
    scratch, net, X, Y = setup("out_in")
    result = ns.compare_gradients(net, X, Y, "mse", scratch.gradients(X, Y, "mse", bug="not-averaged"))
    assert f"divide by m = {N}, the number of samples" in result["W1"].message


def test_a_mismatch_names_the_synapse_and_both_numbers():
    scratch, net, X, Y = setup("in_out")
    grads = scratch.gradients(X, Y, "mse", bug="typo", at=1)
    right = scratch.gradients(X, Y, "mse")["W2"][0, 0]
    item = ns.compare_gradients(net, X, Y, "mse", grads)["W2"]
    assert item.where == "hidden1[0] -> output[0] (W2[0, 0])"
    assert item.yours == pytest.approx(grads["W2"][0, 0]) and item.expected == pytest.approx(right)
    assert f"{grads['W2'][0, 0]:.6g}" in item.message


@pytest.mark.parametrize("layout", ["out_in", "in_out"])
@pytest.mark.parametrize("hidden", ["sigmoid", "tanh"])
@pytest.mark.parametrize("slip", ["of-a", "twice"])
def test_a_derivative_of_a_or_applied_twice_is_a_wrong_derivative_at_its_layer(layout, hidden, slip):
    scratch, net, X, Y = setup(layout, sizes=(3, 4, 5, 2), hidden=hidden)
    result = ns.compare_gradients(net, X, Y, "mse", scratch.gradients(X, Y, "mse", bug=slip, at=1))
    found = verdicts(result)
    assert {name for name, (verdict, _) in found.items() if verdict == "wrong-derivative"} == {
        "W1",
        "b1",
        "W2",
        "b2",
    }
    assert found["W3"] == found["b3"] == ("match", 1.0)
    assert "derivative of hidden2" in result["W1"].message


def test_the_sigmoid_derivative_applied_again_after_bce_is_named():
    scratch, net, X, Y = setup("out_in", loss="bce")
    result = ns.compare_gradients(net, X, Y, "bce", scratch.gradients(X, Y, "bce", bug="twice", at=1))
    assert {item.verdict for item in result.items} == {"wrong-derivative"}
    assert "the output delta is a - y" in result["W2"].message


def test_square_weights_read_transposed_only_when_that_fits():
    scratch, net, X, Y = setup("out_in", sizes=(3, 3, 2))
    result = ns.compare_gradients(net, X, Y, "mse", scratch.gradients(X, Y, "mse", bug="transposed"))
    assert verdicts(result)["W1"] == ("transposed", pytest.approx(1.0))


def test_keys_with_d_and_samples_stated():
    scratch, net, X, Y = setup("in_out")
    grads = {f"d{name}": g for name, g in scratch.gradients(X, Y, "mse").items()}
    result = ns.compare_gradients(net, X, Y, "mse", grads, samples="rows")
    assert result.ok and result["dW1"].name == "W1"


def test_bad_input_is_refused_naming_it():
    _, net, X, Y = setup("out_in")
    with pytest.raises(ns.UnknownNameError, match=r"'W3'.*expected W1, b1, W2, b2"):
        ns.compare_gradients(net, X, Y, "mse", {"W3": np.zeros((2, 2))})
    with pytest.raises(ns.ParameterError, match="grads gives W1 twice"):
        ns.compare_gradients(net, X, Y, "mse", {"W1": np.zeros((4, 3)), "dW1": np.zeros((4, 3))})
    with pytest.raises(ns.ParameterError, match="samples must be"):
        ns.compare_gradients(net, X, Y, "mse", {"W1": np.zeros((4, 3))}, samples="cols")


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 5), min_size=3, max_size=4),
    hidden=st.sampled_from(["sigmoid", "tanh"]),
    layout=st.sampled_from(["out_in", "in_out"]),
    loss=st.sampled_from(["mse", "bce"]),
    seed=st.integers(0, 1000),
)
def test_random_correct_networks_match(sizes, hidden, layout, loss, seed):
    scratch = ScratchNet(sizes, [hidden] * (len(sizes) - 2) + [LOSS_OUTPUTS[loss]], layout, seed)
    net = ns.Network.from_arrays(scratch.W, scratch.b, scratch.activations, layout=layout)
    X, Y = scratch.data(N, seed, loss)
    result = ns.compare_gradients(net, X, Y, loss, scratch.gradients(X, Y, loss))
    assert result.ok, str(result)
    assert {item.verdict for item in result.items} == {"match"}


PLANTED = [
    ("not-averaged", "W", "not-averaged"),
    ("double", "W", "scaled"),
    ("missing-source", "W", "missing-source-activation"),
    ("summed-over-all", "b", "summed-over-all"),
    ("wrong-axis", "b", "summed-over-wrong-axis"),
    ("transposed", "W", "transposed"),
]


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(2, 5), min_size=3, max_size=4),
    hidden=st.sampled_from(["sigmoid", "tanh"]),
    layout=st.sampled_from(["out_in", "in_out"]),
    planted=st.sampled_from(PLANTED),
    data=st.data(),
)
def test_random_planted_bugs_get_their_verdict(sizes, hidden, layout, planted, data):
    bug, kind, verdict = planted
    at = data.draw(st.integers(0, len(sizes) - 2), label="layer")
    if bug == "transposed":
        sizes[at] = sizes[at + 1] + 1  # not square: square ones are tested on their own
    scratch = ScratchNet(sizes, [hidden] * (len(sizes) - 2) + ["identity"], layout, seed=at)
    net = ns.Network.from_arrays(scratch.W, scratch.b, scratch.activations, layout=layout)
    X, Y = scratch.data(N)
    result = ns.compare_gradients(net, X, Y, "mse", scratch.gradients(X, Y, "mse", bug=bug, at=at))
    name = f"{kind}{at + 1}"
    assert result[name].verdict == verdict, str(result)
    assert all(item.verdict == "match" for item in result.items if item.name != name), str(result)


def test_a_notebook_shows_the_verdicts_as_a_table_and_what_to_change_worst_first():
    from test_rich_display import Tables

    scratch, net, X, Y = setup("out_in")
    grads = scratch.gradients(X, Y, "mse")
    grads["W2"] = grads["W2"] * 2.0  # one array twice what it should be
    result = ns.compare_gradients(net, X, Y, "mse", grads)
    page = result._repr_html_()
    (rows,) = Tables(page).tables
    assert rows[0] == ["array", "verdict", "factor", "difference"]
    by_name = {row[0]: row[1:] for row in rows[1:]}
    assert list(by_name) == ["W1", "b1", "W2", "b2"]
    assert by_name["W1"][0] == "match" and by_name["W2"][:2] == ["scaled", "2"]
    expected = np.max(np.abs(grads["W2"] - grads["W2"] / 2)) / np.max(np.abs(grads["W2"] / 2))  # = 1
    assert float(by_name["W2"][2]) == pytest.approx(expected, rel=1e-3)
    text = html.unescape(page)
    assert f"<p><b>{result.title}: 3 of 4 right (tolerance {result.tolerance:g})</b></p>" in text
    assert f"<p>W2: {result['W2'].message}</p>" in text
