"""compare_forward against forward passes written from scratch in numpy, with one slip planted or none."""

from __future__ import annotations

import numpy as np
import pytest
from scratch_nets import ScratchNet, sigmoid

import neurosim as ns

N = 7


def setup(layout: str, output: str = "sigmoid"):
    scratch = ScratchNet([3, 4, 2], ["sigmoid", output], layout)
    net = ns.Network.from_arrays(scratch.W, scratch.b, scratch.activations, layout=layout)
    X, _ = scratch.data(N)
    Zs, As = scratch.forward(X)
    return scratch, net, X, Zs, As


@pytest.mark.parametrize("layout", ["out_in", "in_out"])
@pytest.mark.parametrize("output", ["sigmoid", "softmax", "identity"])
def test_a_correct_forward_pass_matches(layout, output):
    _, net, X, Zs, As = setup(layout, output)
    result = ns.compare_forward(net, X, {"hidden1": (Zs[0], As[1]), "output": As[2]})
    assert result.ok and result.first_difference is None
    assert [item.verdict for item in result.items] == ["match", "match"]


@pytest.mark.parametrize("layout", ["out_in", "in_out"])
def test_relu_for_sigmoid_is_a_wrong_activation_and_the_rest_follows(layout):
    scratch, net, X, Zs, _ = setup(layout)
    A1 = np.maximum(Zs[0], 0)
    A2 = sigmoid(A1 @ scratch.W[1] + scratch.b[1] if layout == "in_out" else scratch.W[1] @ A1 + scratch.b[1])
    result = ns.compare_forward(net, X, {"hidden1": (Zs[0], A1), "output": A2})
    assert [item.verdict for item in result.items] == ["wrong-activation", "follows-earlier"]
    assert "your a is relu(z)" in result["hidden1"].message
    assert result.first_difference == "hidden1"


@pytest.mark.parametrize("layout", ["out_in", "in_out"])
def test_softmax_over_the_samples_is_found(layout):
    _, net, X, Zs, _ = setup(layout, "softmax")
    axis = 0 if layout == "in_out" else 1  # the samples' axis: the wrong one
    E = np.exp(Zs[1])
    result = ns.compare_forward(net, X, {"output": E / E.sum(axis=axis, keepdims=True)})
    assert result["output"].verdict == "softmax-wrong-axis"


@pytest.mark.parametrize("layout", ["out_in", "in_out"])
def test_a_bias_left_out_is_found(layout):
    scratch, net, X, _, _ = setup(layout)
    Z1 = X @ scratch.W[0] if layout == "in_out" else scratch.W[0] @ X
    result = ns.compare_forward(net, X, {"hidden1": (Z1, sigmoid(Z1))})
    assert result["hidden1"].verdict == "missing-bias"
    only_a = ns.compare_forward(net, X, {"hidden1": sigmoid(Z1)})  # the activations alone tell it too
    assert only_a["hidden1"].verdict == "missing-bias"


def test_a_mismatch_names_the_neuron_and_the_sample():
    _, net, X, _, As = setup("out_in")
    A1 = As[1].copy()
    A1[2, 5] += 0.3  # neuron 2, sample 5: samples in columns
    item = ns.compare_forward(net, X, {"hidden1": A1})["hidden1"]
    assert item.verdict == "mismatch"
    assert item.where == "hidden1[2], sample 5"
    assert item.yours == pytest.approx(A1[2, 5]) and item.expected == pytest.approx(As[1][2, 5])


def test_a_shape_that_fits_no_reading_is_a_wrong_shape_verdict():
    _, net, X, _, As = setup("out_in")
    result = ns.compare_forward(net, X, {"hidden1": As[1][:3]})
    assert result["hidden1"].verdict == "wrong-shape"
    assert "expected (4, 7)" in result["hidden1"].message


def test_a_square_batch_must_say_where_its_samples_are():
    scratch = ScratchNet([3, 2], ["sigmoid"], "in_out")
    net = ns.Network.from_arrays(scratch.W, scratch.b, scratch.activations, layout="in_out")
    X = np.eye(3)
    with pytest.raises(ns.ParameterError, match="samples='rows'"):
        ns.compare_forward(net, X, {"output": np.zeros((3, 2))})
    _, As = scratch.forward(X)
    assert ns.compare_forward(net, X, {"output": As[1]}, samples="rows").ok


def test_unknown_layers_are_refused():
    _, net, X, _, As = setup("out_in")
    with pytest.raises(ns.UnknownNameError, match="hidden2"):
        ns.compare_forward(net, X, {"hidden2": As[1]})
