"""Bad input is refused with a specific, named error and leaves everything as it was.

Every test checks three things: the exact exception class (a
:class:`neurosim.NeurosimError` subclass), a message that names the culprit
and what was expected, and that the network is exactly unchanged afterwards
(compared with :func:`snapshot`). Loading cannot leave a network unchanged,
so there the tests check that nothing else was touched.
"""

from __future__ import annotations

import errno
import inspect
import json
import math
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import neurosim as ns
from neurosim import errors
from neurosim.activations import ACTIVATIONS
from neurosim.io import atomic, json_format

X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, -0.5]])
Y = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
LABELS = np.array([0, 1, 2, 1])
FIT = {"epochs": 2, "lr": 0.1, "verbose": 0}


# --------------------------------------------------------------------------- helpers


def rewire(net: ns.Network) -> ns.Network:
    """Add a skip connection and prune one synapse."""
    net.connect("input[0]", "output[1]", weight=0.3)
    net.disconnect("input[1]", "hidden1[0]")
    return net


def trained(net: ns.Network, Y_: object, loss: str) -> ns.Network:
    """Two forward+backward passes with a step between, so weights, biases, grads and states are set."""
    net.backward(X, Y_, loss)
    net.step(0.5)
    net.backward(X, Y_, loss)
    return net


def snapshot(net: ns.Network) -> dict[str, Any]:
    """Everything observable about ``net``, keyed by a readable description."""
    snap: dict[str, Any] = {
        "structure_version": net.structure_version,
        "graph edge count": net.graph.number_of_edges(),
        "graph node count": net.graph.number_of_nodes(),
        "graph edges": sorted((s.name, t.name) for s, t in net.graph.edges),
        "layers": [
            (layer.name, layer.size, None if layer.activation is None else layer.activation.name)
            for layer in net.layers
        ],
        "layer order": [layer.name for layer in net.layer_order()],
        "initializer": repr(net.init),
        "rng state": net.rng.bit_generator.state,
    }
    for synapse in net.synapses:
        key = f"synapse {synapse.source.name} -> {synapse.target.name}"
        snap[key] = {"weight": synapse.weight, "grad": synapse.grad}
    for block in net.blocks:
        key = f"block {block.source.name} -> {block.target.name}"
        snap[key] = {"weight": block.weight.copy(), "grad": block.grad.copy(), "mask": block.mask.copy()}
    for layer in net.layers:
        snap[f"layer {layer.name} bias vector"] = None if layer.bias is None else layer.bias.copy()
        snap[f"layer {layer.name} bias_grad vector"] = (
            None if layer.bias_grad is None else layer.bias_grad.copy()
        )
    for neuron in net.neurons:
        snap[f"neuron {neuron.name}"] = {
            "bias": neuron.bias,
            "bias_grad": neuron.bias_grad,
            "z": neuron.z,
            "a": neuron.a,
            "delta": neuron.delta,
        }
    return snap


def same(a: object, b: object) -> bool:
    """Exact equality that treats NaN as equal to NaN and tells arrays, floats and None apart."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[key], b[key]) for key in a)
    return a == b


def assert_unchanged(net: ns.Network, before: dict[str, Any]) -> None:
    after = snapshot(net)
    assert after.keys() == before.keys(), "the set of layers, synapses or neurons changed"
    changed = {key: (before[key], after[key]) for key in before if not same(before[key], after[key])}
    assert not changed, f"the failed call changed the network: {changed}"


@contextmanager
def refused(net: ns.Network, error: type[Exception], match: str) -> Iterator[pytest.ExceptionInfo]:
    """Expect exactly ``error`` (not a subclass, not a raw numpy error) and an unchanged ``net``."""
    before = snapshot(net)
    with pytest.raises(error, match=match) as info:
        yield info
    assert type(info.value) is error, f"expected {error.__name__}, got {type(info.value).__name__}"
    assert isinstance(info.value, ns.NeurosimError)
    assert_unchanged(net, before)


def quoted(text: str) -> str:
    """A regex for ``text`` literally (neuron names hold brackets)."""
    return re.escape(text)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def net() -> ns.Network:
    """2-3-2 (tanh, sigmoid) with a skip connection and a pruned synapse, after backward passes."""
    net = rewire(ns.Network.from_shape([2, 3, 2], activation="tanh", output_activation="sigmoid", seed=0))
    return trained(net, Y, "bce")


@pytest.fixture
def softmax_net() -> ns.Network:
    """2-3-3 with a softmax output, rewired like ``net``, after cross-entropy backward passes."""
    net = rewire(ns.Network.from_shape([2, 3, 3], activation="tanh", output_activation="softmax", seed=1))
    return trained(net, LABELS, "cross_entropy")


@pytest.fixture
def four_in_one_out() -> ns.Network:
    """4 inputs, 1 output: shapes that numpy would happily broadcast."""
    net = ns.Network.from_shape([4, 3, 1], seed=2)
    net.backward(np.arange(16.0).reshape(4, 4) / 16, np.array([0.0, 1.0, 1.0, 0.0]))
    return net


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda n: setattr(n.synapse("input[0]", "hidden1[1]"), "weight", 0.123), id="weight"),
        pytest.param(lambda n: setattr(n["output[0]"], "bias", 0.456), id="bias"),
        pytest.param(lambda n: n.zero_grad(), id="grads"),
        pytest.param(lambda n: n.forward([0.25, 0.75]), id="z-and-a"),
        pytest.param(lambda n: n.backward(X[:2], Y[:2], "bce"), id="deltas"),
        pytest.param(lambda n: n.disconnect("input[0]", "output[1]"), id="disconnect"),
        pytest.param(lambda n: n.connect("input[1]", "hidden1[0]", weight=0.0), id="connect"),
        pytest.param(lambda n: n.add_layer(1, name="extra"), id="add-layer"),
        pytest.param(lambda n: n.rng.random(), id="rng"),
    ],
)
def test_snapshot_sees_every_kind_of_change(net, change):
    """The helper itself must be able to fail, or the 'unchanged' checks prove nothing."""
    before = snapshot(net)
    assert_unchanged(net, before)
    change(net)
    with pytest.raises(AssertionError, match="changed"):
        assert_unchanged(net, before)


# --------------------------------------------------------------------------- the error hierarchy


def test_every_exception_class_in_errors_derives_from_neurosim_error():
    classes = [
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, BaseException) and cls.__module__ == errors.__name__
    ]
    exceptions = [cls for cls in classes if not issubclass(cls, Warning)]
    assert {cls.__name__ for cls in exceptions} == {
        "NeurosimError",
        "ShapeError",
        "DataError",
        "ParameterError",
        "UnknownNameError",
        "StructureError",
        "CycleError",
        "IncompatibleLossError",
        "ModelFileError",
        "FormatVersionError",
        "MissingDependencyError",
        "ResourceError",
        "StateDictError",
        "ActivationPickleError",
    }
    for cls in exceptions:
        assert issubclass(cls, ns.NeurosimError), cls
        assert getattr(ns, cls.__name__) is cls, f"{cls.__name__} is not exported as neurosim.{cls.__name__}"
    assert issubclass(ns.CycleError, ns.StructureError)
    assert issubclass(ns.FormatVersionError, ns.ModelFileError)
    # The only other classes are the warnings, which are issued, never raised.
    assert [cls for cls in classes if issubclass(cls, Warning)] == [ns.DiagnosisWarning, ns.DivergenceWarning]


# --------------------------------------------------------------------------- input shape


class TestInputShape:
    def test_forward_with_three_values_for_two_inputs(self, net):
        with refused(net, ns.ShapeError, r"x has 3 values but the input layer has 2 neurons"):
            net.forward([1.0, 2.0, 3.0])

    @pytest.mark.parametrize("method", ["forward", "predict"])
    def test_three_dimensional_input(self, net, method):
        with refused(net, ns.ShapeError, r"must be a 2-D array of shape \(n_samples, 2\); got 3-D"):
            getattr(net, method)(np.zeros((4, 2, 1)))

    def test_backward_with_three_dimensional_x(self, net):
        with refused(net, ns.ShapeError, r"X must be a 2-D array .*got 3-D with shape \(4, 2, 1\)"):
            net.backward(np.zeros((4, 2, 1)), Y)

    @pytest.mark.parametrize(
        "call",
        [
            pytest.param(lambda net: net.predict([0.0, 1.0]), id="predict"),
            pytest.param(lambda net: net.backward([0.0, 1.0], [[0.0, 1.0]]), id="backward"),
            pytest.param(lambda net: net.fit([0.0, 1.0], [[0.0, 1.0]], **FIT), id="fit"),
        ],
    )
    def test_one_dimensional_x_where_a_batch_is_needed(self, net, call):
        with refused(net, ns.ShapeError, r"X must be a 2-D array .*got 1-D .*reshape\(1, -1\)"):
            call(net)

    @pytest.mark.parametrize("method", ["predict", "backward", "fit"])
    def test_x_with_the_wrong_number_of_columns(self, net, method):
        calls = {
            "predict": lambda: net.predict(np.zeros((4, 3))),
            "backward": lambda: net.backward(np.zeros((4, 3)), Y),
            "fit": lambda: net.fit(np.zeros((4, 3)), Y, **FIT),
        }
        with refused(net, ns.ShapeError, r"X has 3 columns but the input layer has 2 neurons"):
            calls[method]()

    def test_empty_batch(self, net):
        with refused(net, ns.ShapeError, r"X has no samples"):
            net.predict(np.zeros((0, 2)))

    def test_ragged_input_is_a_data_error_not_a_numpy_error(self, net):
        with refused(net, ns.DataError, r"X must be numeric"):
            net.predict([[1.0, 2.0], [3.0]])

    def test_bad_input_leaves_a_never_run_network_without_states(self):
        fresh = ns.Network.from_shape([2, 3, 2], seed=0)
        with refused(fresh, ns.ShapeError, r"x has 3 values"):
            fresh.forward([1.0, 2.0, 3.0])
        assert all(n.z is None and n.a is None and n.delta is None for n in fresh.neurons)


# --------------------------------------------------------------------------- NaN and infinity


def _with(array: np.ndarray, row: int, col: int, value: float) -> np.ndarray:
    array = np.array(array, dtype=float)
    array[row, col] = value
    return array


NON_FINITE = [
    pytest.param(np.nan, id="nan"),
    pytest.param(np.inf, id="inf"),
    pytest.param(-np.inf, id="-inf"),
]


class TestNonFiniteData:
    @pytest.mark.parametrize("value", NON_FINITE)
    def test_forward_one_sample(self, net, value):
        with refused(net, ns.DataError, rf"x contains {value} at row 0, column 1 .*expected finite"):
            net.forward([0.5, value])

    @pytest.mark.parametrize("value", NON_FINITE)
    def test_forward_batch(self, net, value):
        with refused(net, ns.DataError, rf"x contains {value} at row 2, column 0"):
            net.forward(_with(X, 2, 0, value))

    @pytest.mark.parametrize("value", NON_FINITE)
    @pytest.mark.parametrize("method", ["backward", "fit"])
    def test_in_x(self, net, method, value):
        bad = _with(X, 3, 1, value)
        with refused(net, ns.DataError, rf"X contains {value} at row 3, column 1"):
            net.backward(bad, Y) if method == "backward" else net.fit(bad, Y, **FIT)

    @pytest.mark.parametrize("value", NON_FINITE)
    @pytest.mark.parametrize("method", ["backward", "fit"])
    def test_in_y(self, net, method, value):
        bad = _with(Y, 1, 0, value)
        with refused(net, ns.DataError, rf"Y contains {value} at row 1, column 0"):
            net.backward(X, bad) if method == "backward" else net.fit(X, bad, **FIT)

    def test_counts_every_non_finite_value(self, net):
        bad = _with(_with(X, 0, 0, np.nan), 2, 1, np.inf)
        with refused(net, ns.DataError, r"X contains nan at row 0, column 0 \(2 non-finite values in all\)"):
            net.backward(bad, Y)

    @pytest.mark.parametrize("value", NON_FINITE)
    def test_in_class_labels(self, softmax_net, value):
        labels = np.array([0.0, 1.0, value, 2.0])
        with refused(softmax_net, ns.DataError, rf"Y contains {value} at index 2"):
            softmax_net.backward(X, labels, "cross_entropy")

    def test_in_validation_data(self, net):
        with refused(net, ns.DataError, r"validation_data: X contains nan at row 0, column 0"):
            net.fit(X, Y, validation_data=(_with(X, 0, 0, np.nan), Y), **FIT)


# --------------------------------------------------------------------------- sample counts and target widths


class TestTargetShape:
    @pytest.mark.parametrize("method", ["backward", "fit"])
    def test_x_and_y_with_different_sample_counts(self, net, method):
        with refused(net, ns.ShapeError, r"Y has 3 samples but X has 4; they must match"):
            net.backward(X, Y[:3]) if method == "backward" else net.fit(X, Y[:3], **FIT)

    def test_class_labels_with_a_different_sample_count(self, softmax_net):
        with refused(softmax_net, ns.ShapeError, r"Y has 5 samples but X has 4"):
            softmax_net.backward(X, [0, 1, 2, 1, 0], "cross_entropy")

    def test_validation_data_with_different_sample_counts(self, net):
        with refused(net, ns.ShapeError, r"validation_data: Y has 2 samples but X has 3"):
            net.fit(X, Y, validation_data=(X[:3], Y[:2]), **FIT)

    @pytest.mark.parametrize("loss", ["mse", "bce"])
    @pytest.mark.parametrize("method", ["backward", "fit"])
    def test_y_of_the_wrong_width(self, net, loss, method):
        wide = np.zeros((4, 3))
        pattern = r"Y has 3 columns but the output layer has 2 neurons; expected shape \(4, 2\)"
        with refused(net, ns.ShapeError, pattern):
            net.backward(X, wide, loss) if method == "backward" else net.fit(X, wide, loss=loss, **FIT)

    def test_one_hot_rows_of_the_wrong_width(self, softmax_net):
        with refused(softmax_net, ns.ShapeError, r"Y has 2 columns but the output layer has 3 neurons"):
            softmax_net.backward(X, np.eye(2)[[0, 1, 1, 0]], "cross_entropy")

    def test_class_labels_as_a_column(self, softmax_net):
        pattern = r"Y has shape \(4, 1\): for loss 'cross_entropy' give class labels as a 1-D array"
        with refused(softmax_net, ns.ShapeError, pattern):
            softmax_net.backward(X, LABELS.reshape(-1, 1), "cross_entropy")

    def test_validation_data_of_the_wrong_width(self, net):
        with refused(net, ns.ShapeError, r"validation_data: X has 3 columns but the input layer has 2"):
            net.fit(X, Y, validation_data=(np.zeros((4, 3)), Y), **FIT)

    def test_validation_targets_of_the_wrong_width(self, net):
        with refused(net, ns.ShapeError, r"validation_data: Y has 1 columns but the output layer has 2"):
            net.fit(X, Y, validation_data=(X, np.zeros((4, 1))), **FIT)

    def test_validation_data_that_is_not_a_pair(self, net):
        with refused(net, ns.ShapeError, r"validation_data must be a pair \(X_val, Y_val\)"):
            net.fit(X, Y, validation_data=(X,), **FIT)


# --------------------------------------------------------------------------- numpy never broadcasts


class TestNoRawNumpyErrors:
    """Shapes numpy would broadcast (or fail on with its own message) must be a ShapeError."""

    @pytest.mark.parametrize("method", ["backward", "fit"])
    def test_two_target_columns_for_one_output(self, four_in_one_out, method):
        net, X4, Y42 = four_in_one_out, np.zeros((4, 4)), np.zeros((4, 2))
        with refused(net, ns.ShapeError, r"Y has 2 columns but the output layer has 1 neurons"):
            net.backward(X4, Y42) if method == "backward" else net.fit(X4, Y42, **FIT)

    def test_two_target_columns_for_one_output_in_validation(self, four_in_one_out):
        net, X4 = four_in_one_out, np.zeros((4, 4))
        with refused(net, ns.ShapeError, r"validation_data: Y has 2 columns but the output layer has 1"):
            net.fit(X4, np.zeros(4), validation_data=(X4, np.zeros((4, 2))), **FIT)

    @pytest.mark.parametrize(
        "call",
        [
            pytest.param(lambda net: net.predict(np.zeros(4)), id="predict"),
            pytest.param(lambda net: net.backward(np.zeros(4), np.zeros(4)), id="backward"),
            pytest.param(lambda net: net.fit(np.zeros(4), np.zeros(4), **FIT), id="fit"),
        ],
    )
    def test_a_flat_x_for_four_inputs(self, four_in_one_out, call):
        with refused(four_in_one_out, ns.ShapeError, r"X must be a 2-D array of shape \(n_samples, 4\)"):
            call(four_in_one_out)

    def test_a_single_column_x_for_four_inputs(self, four_in_one_out):
        with refused(four_in_one_out, ns.ShapeError, r"X has 1 columns but the input layer has 4 neurons"):
            four_in_one_out.predict(np.zeros((4, 1)))

    def test_one_target_row_for_four_samples(self, four_in_one_out):
        with refused(four_in_one_out, ns.ShapeError, r"Y has 1 samples but X has 4"):
            four_in_one_out.backward(np.zeros((4, 4)), np.zeros((1, 1)))

    def test_a_scalar_target(self, four_in_one_out):
        with refused(four_in_one_out, ns.ShapeError, r"Y must be a 2-D array .*got 0-D"):
            four_in_one_out.backward(np.zeros((4, 4)), 0.5)

    def test_a_flat_y_for_two_outputs(self, net):
        with refused(net, ns.ShapeError, r"Y must be a 2-D array of shape \(n_samples, 2\); got 1-D"):
            net.backward(X, np.zeros(4), "mse")

    def test_a_single_column_y_for_two_outputs(self, net):
        with refused(net, ns.ShapeError, r"Y has 1 columns but the output layer has 2 neurons"):
            net.backward(X, np.zeros((4, 1)), "mse")

    def test_class_labels_with_too_many_dimensions(self, softmax_net):
        with refused(softmax_net, ns.ShapeError, r"loss 'cross_entropy' must be labels .*shape \(4, 1, 1\)"):
            softmax_net.backward(X, np.zeros((4, 1, 1)), "cross_entropy")

    def test_a_weight_array_of_the_wrong_shape_in_connect(self, net):
        pattern = r"weight for neuron 'input\[1\]' -> neuron 'output\[0\]' must be .* got shape \(2,\)"
        with refused(net, ns.ShapeError, pattern):
            net.connect("input[1]", "output[0]", weight=[1.0, 2.0])


# --------------------------------------------------------------------------- class labels


class TestClassLabels:
    @pytest.mark.parametrize(
        ("labels", "text", "index"),
        [
            pytest.param([0, 1, 5, 2], "5", 2, id="too-large"),
            pytest.param([0, 3, 1, 2], "3", 1, id="one-past-the-end"),
            pytest.param([0, 1, -1, 2], "-1", 2, id="negative"),
            pytest.param([0, 1.5, 1, 2], "1.5", 1, id="not-an-integer"),
        ],
    )
    @pytest.mark.parametrize("method", ["backward", "fit"])
    def test_out_of_range_label(self, softmax_net, labels, text, index, method):
        pattern = (
            rf"class label {re.escape(text)} at index {index} of Y is out of range: "
            r"the output layer has 3 neurons, so labels must be integers 0\.\.2"
        )
        with refused(softmax_net, ns.DataError, pattern):
            if method == "backward":
                softmax_net.backward(X, labels, "cross_entropy")
            else:
                softmax_net.fit(X, labels, loss="cross_entropy", **FIT)

    def test_out_of_range_label_in_validation_data(self, softmax_net):
        with refused(softmax_net, ns.DataError, r"validation_data: class label 7 at index 0 of Y"):
            softmax_net.fit(X, LABELS, loss="cross_entropy", validation_data=(X, [7, 0, 1, 2]), **FIT)

    def test_negative_probability_rows(self, softmax_net):
        rows = np.eye(3)[LABELS]
        rows[1, 2] = -0.5
        with refused(softmax_net, ns.DataError, r"Y for loss 'cross_entropy' must be non-negative"):
            softmax_net.backward(X, rows, "cross_entropy")

    def test_bce_targets_outside_zero_one(self, net):
        with refused(
            net, ns.DataError, r"Y for loss 'bce' must lie in \[0, 1\]; got 2\.0 at row 0, column 1"
        ):
            net.backward(X, Y * 2, "bce")


# --------------------------------------------------------------------------- unknown names of functions


class TestUnknownFunctionNames:
    @pytest.mark.parametrize(
        ("options", "pattern"),
        [
            pytest.param(
                {"activation": "tanhh"}, r"unknown activation 'tanhh'; expected one of: .*tanh", id="act"
            ),
            pytest.param(
                {"output_activation": "softmaxx"}, r"unknown activation 'softmaxx'.*softmax", id="output-act"
            ),
            pytest.param({"activation": 3}, r"unknown activation 3; expected one of", id="act-not-str"),
            pytest.param(
                {"init": "glorot_normal"}, r"unknown initializer 'glorot_normal'.*xavier", id="init"
            ),
        ],
    )
    def test_from_shape(self, options, pattern):
        registry = dict(ACTIVATIONS)
        with pytest.raises(ns.UnknownNameError, match=pattern):
            ns.Network.from_shape([2, 3, 1], **options)
        assert registry == ACTIVATIONS

    def test_network_constructor_initializer(self):
        with pytest.raises(ns.UnknownNameError, match=r"unknown initializer 'nope'; expected one of: xavier"):
            ns.Network(init="nope")

    def test_add_layer(self, net):
        with refused(net, ns.UnknownNameError, r"unknown activation 'sigmoidd'; expected one of: .*sigmoid"):
            net.add_layer(2, name="extra", activation="sigmoidd")
        assert "extra" not in net

    @pytest.mark.parametrize("loss", ["mae", "MSE", None])
    def test_backward(self, net, loss):
        with refused(
            net, ns.UnknownNameError, rf"unknown loss {re.escape(repr(loss))}; expected one of: mse"
        ):
            net.backward(X, Y, loss)

    def test_fit(self, net):
        with refused(
            net, ns.UnknownNameError, r"unknown loss 'hinge'; expected one of: mse, bce, cross_entropy"
        ):
            net.fit(X, Y, loss="hinge", **FIT)


# --------------------------------------------------------------------------- wiring


class TestWiring:
    @pytest.mark.parametrize(
        ("source", "target", "pattern"),
        [
            ("hidden1[0]", "input[1]", r"'hidden1\[0\]' -> 'input\[1\]'.* input layer 'input'"),
            ("output[1]", "input[0]", r"'output\[1\]' -> 'input\[0\]'.* input layer 'input'"),
            ("hidden1", "input", r"'hidden1\[0\]' -> 'input\[0\]'.* input layer 'input'"),
        ],
    )
    def test_connection_into_the_input_layer(self, net, source, target, pattern):
        with refused(net, ns.StructureError, pattern):
            net.connect(source, target)

    @pytest.mark.parametrize(
        ("source", "target", "pattern"),
        [
            ("input[0]", "hidden1[1]", r"synapse 'input\[0\]' -> 'hidden1\[1\]' already exists"),
            ("input[0]", "output[1]", r"synapse 'input\[0\]' -> 'output\[1\]' already exists"),
            ("input", "hidden1", r"synapse 'input\[0\]' -> 'hidden1\[0\]' already exists"),
        ],
    )
    def test_duplicate_synapse(self, net, source, target, pattern):
        with refused(net, ns.StructureError, pattern):
            net.connect(source, target, weight=0.5)

    def test_duplicate_with_explicit_weights_keeps_the_old_weights(self, net):
        with refused(net, ns.StructureError, r"'hidden1\[0\]' -> 'output\[0\]' already exists"):
            net.connect("hidden1", "output", weight=np.full((2, 3), 9.0))

    @pytest.mark.parametrize("name", ["hidden1[1]", "output[0]"])
    def test_self_loop(self, net, name):
        with refused(net, ns.StructureError, rf"cannot connect {quoted(repr(name))} to itself"):
            net.connect(name, name)

    def test_layer_onto_itself(self, net):
        with refused(net, ns.StructureError, r"cannot connect 'hidden1\[0\]' to itself"):
            net.connect("hidden1", "hidden1")

    def test_synapse_within_one_layer(self, net):
        pattern = r"cannot connect 'hidden1\[0\]' -> 'hidden1\[2\]': both are in layer 'hidden1'"
        with refused(net, ns.StructureError, pattern):
            net.connect("hidden1[0]", "hidden1[2]")

    @pytest.mark.parametrize(("source", "target"), [("output[0]", "hidden1[0]"), ("output", "hidden1")])
    def test_cycle_between_two_layers(self, net, source, target):
        with refused(
            net, ns.CycleError, r"would close the cycle hidden1 -> output -> hidden1 between layers"
        ):
            net.connect(source, target)

    def test_longer_cycle_is_named_in_full(self):
        net = trained(rewire(ns.Network.from_shape([2, 3, 3, 2], seed=4)), Y, "mse")
        with refused(net, ns.CycleError, r"the cycle hidden1 -> hidden2 -> output -> hidden1 between"):
            net.connect("output[1]", "hidden1[2]")

    def test_connecting_a_neuron_to_a_layer(self, net):
        with refused(net, ns.StructureError, r"connect two layers or two neurons; got neuron 'input\[1\]'"):
            net.connect("input[1]", "output")

    @pytest.mark.parametrize("weight", [np.nan, np.inf, "heavy"])
    def test_connect_with_a_bad_weight(self, net, weight):
        with refused(net, ns.DataError, r"weight (contains|must be numeric)"):
            net.connect("input[1]", "output[0]", weight=weight)

    def test_a_neuron_of_another_network(self, net):
        other = ns.Network.from_shape([2, 3, 2], seed=0)
        with refused(net, ns.UnknownNameError, r"neuron 'input\[1\]' belongs to another network"):
            net.connect(other["input[1]"], "output[0]")


# --------------------------------------------------------------------------- unknown layers, neurons


class TestUnknownNames:
    @pytest.mark.parametrize(
        ("name", "pattern"),
        [
            ("nope", r"no layer named 'nope'; the layers are 'input', 'hidden1', 'output'"),
            ("hidden1[7]", r"layer 'hidden1' has 3 neurons \(indices 0\.\.2\); got index 7"),
            ("hidden1[-4]", r"layer 'hidden1' has 3 neurons \(indices 0\.\.2\); got index -4"),
            ("nope[0]", r"no layer named 'nope'"),
            ("", r"no layer named ''"),
        ],
    )
    def test_lookup(self, net, name, pattern):
        with refused(net, ns.UnknownNameError, pattern):
            net[name]

    def test_lookup_by_a_non_string(self, net):
        with refused(net, ns.UnknownNameError, r"look layers and neurons up by name, .*got 3"):
            net[3]

    def test_lookup_failures_are_also_lookup_errors(self, net):
        with pytest.raises(LookupError, match=r"no layer named 'nope'"):
            net["nope"]
        assert "nope" not in net
        assert "hidden1[7]" not in net

    def test_index_into_a_layer(self, net):
        with refused(
            net, ns.UnknownNameError, r"layer 'output' has 2 neurons \(indices 0\.\.1\); got index 2"
        ):
            net["output"][2]

    @pytest.mark.parametrize(
        ("source", "target", "pattern"),
        [
            ("input[1]", "hidden1[0]", r"there is no synapse 'input\[1\]' -> 'hidden1\[0\]'"),
            ("hidden1[0]", "input[0]", r"there is no synapse 'hidden1\[0\]' -> 'input\[0\]'"),
            ("input[1]", "output[0]", r"there is no synapse 'input\[1\]' -> 'output\[0\]'"),
            ("input[0]", "nope[0]", r"no layer named 'nope'"),
            ("input[0]", "output[5]", r"layer 'output' has 2 neurons .*got index 5"),
            ("input", "hidden1", r"synapse\(\) takes two neurons.*got layer 'input' and layer 'hidden1'"),
        ],
    )
    def test_missing_synapse(self, net, source, target, pattern):
        with refused(net, ns.UnknownNameError, pattern):
            net.synapse(source, target)

    @pytest.mark.parametrize(
        ("source", "target", "pattern"),
        [
            ("nope", "hidden1", r"no layer named 'nope'"),
            ("input[0]", "hidden1[9]", r"layer 'hidden1' has 3 neurons .*got index 9"),
            ("inptu[0]", "hidden1[0]", r"no layer named 'inptu'; the layers are 'input'"),
        ],
    )
    def test_connect_with_unknown_names(self, net, source, target, pattern):
        with refused(net, ns.UnknownNameError, pattern):
            net.connect(source, target)

    @pytest.mark.parametrize(
        ("source", "target", "pattern"),
        [
            ("nope", "hidden1", r"no layer named 'nope'"),
            ("input[0]", "hidden1[9]", r"layer 'hidden1' has 3 neurons .*got index 9"),
            ("input[1]", "hidden1[0]", r"there is no synapse 'input\[1\]' -> 'hidden1\[0\]'"),
            ("hidden1", "input", r"layers 'hidden1' and 'input' are not connected"),
        ],
    )
    def test_disconnect_with_unknown_names(self, net, source, target, pattern):
        with refused(net, ns.UnknownNameError, pattern):
            net.disconnect(source, target)

    def test_disconnecting_a_layer_from_a_neuron(self, net):
        with refused(net, ns.StructureError, r"disconnect two layers or two neurons; got layer 'input'"):
            net.disconnect("input", "hidden1[1]")


# --------------------------------------------------------------------------- numeric arguments


BAD_POSITIVE_NUMBERS = [
    pytest.param(0, id="zero"),
    pytest.param(0.0, id="zero-float"),
    pytest.param(-0.1, id="negative"),
    pytest.param(np.nan, id="nan"),
    pytest.param(np.inf, id="inf"),
    pytest.param("0.1", id="string"),
    pytest.param(True, id="bool"),
    pytest.param(None, id="none"),
    pytest.param(10**400, id="int-beyond-float"),
]
BAD_POSITIVE_INTEGERS = [
    pytest.param(0, id="zero"),
    pytest.param(-3, id="negative"),
    pytest.param(2.5, id="float"),
    pytest.param(2.0, id="whole-float"),
    pytest.param("3", id="string"),
    pytest.param(True, id="bool"),
    pytest.param(np.int64(0), id="numpy-zero"),
]


class TestNumericArguments:
    @pytest.mark.parametrize("lr", BAD_POSITIVE_NUMBERS)
    def test_fit_learning_rate(self, net, lr):
        with refused(net, ns.ParameterError, rf"lr must be a positive number; got {re.escape(repr(lr))}"):
            net.fit(X, Y, epochs=2, lr=lr, verbose=0)

    @pytest.mark.parametrize("lr", [0, -1.0, "fast"])
    def test_step_learning_rate(self, net, lr):
        with refused(net, ns.ParameterError, rf"lr must be a positive number; got {re.escape(repr(lr))}"):
            net.step(lr)

    def test_sgd_learning_rate(self, net):
        with refused(net, ns.ParameterError, r"lr must be a positive number; got -0\.5"):
            ns.SGD(net, lr=-0.5)

    @pytest.mark.parametrize("epochs", [*BAD_POSITIVE_INTEGERS, pytest.param(None, id="none")])
    def test_fit_epochs(self, net, epochs):
        pattern = rf"epochs must be a positive integer; got {re.escape(repr(epochs))}"
        with refused(net, ns.ParameterError, pattern):
            net.fit(X, Y, epochs=epochs, lr=0.1, verbose=0)

    @pytest.mark.parametrize("batch_size", BAD_POSITIVE_INTEGERS)
    def test_fit_batch_size(self, net, batch_size):
        pattern = rf"batch_size must be a positive integer; got {re.escape(repr(batch_size))}"
        with refused(net, ns.ParameterError, pattern):
            net.fit(X, Y, batch_size=batch_size, **FIT)

    @pytest.mark.parametrize("momentum", [-0.1, 1.0, "0.9", True])
    def test_fit_momentum(self, net, momentum):
        pattern = rf"momentum must be a number in \[0, 1\); got {re.escape(repr(momentum))}"
        with refused(net, ns.ParameterError, pattern):
            net.fit(X, Y, epochs=2, lr=0.1, momentum=momentum, verbose=0)

    def test_fit_verbose(self, net):
        with refused(net, ns.ParameterError, r"verbose must be 0, 1 or 2; got 3"):
            net.fit(X, Y, epochs=2, lr=0.1, verbose=3)

    @pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
    def test_fit_seed(self, net, seed):
        pattern = rf"seed must be a non-negative integer or None; got {re.escape(repr(seed))}"
        with refused(net, ns.ParameterError, pattern):
            net.fit(X, Y, epochs=2, lr=0.1, seed=seed, verbose=0)

    @pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
    def test_network_seed(self, seed):
        pattern = rf"seed must be a non-negative integer or None; got {re.escape(repr(seed))}"
        with pytest.raises(ns.ParameterError, match=pattern):
            ns.Network.from_shape([2, 3, 1], seed=seed)
        with pytest.raises(ns.ParameterError, match=pattern):
            ns.Network(seed=seed)

    @pytest.mark.parametrize(
        "make",
        [
            lambda seed: ns.datasets.moons(10, seed=seed),
            lambda seed: ns.datasets.spiral(12, seed=seed),
            lambda seed: ns.datasets.split(*ns.datasets.xor(), seed=seed),
        ],
        ids=["moons", "spiral", "split"],
    )
    def test_dataset_seed(self, make):
        with pytest.raises(ns.ParameterError, match=r"seed must be a non-negative integer or None; got -1"):
            make(-1)

    @pytest.mark.parametrize(
        ("sizes", "pattern"),
        [
            ([2, 0, 1], r"sizes\[1\] must be a positive integer; got 0"),
            ([2, 3, -1], r"sizes\[2\] must be a positive integer; got -1"),
            ([2.5, 3, 1], r"sizes\[0\] must be a positive integer; got 2\.5"),
            ([2, True, 1], r"sizes\[1\] must be a positive integer; got True"),
            ([3], r"sizes must be a list of at least 2 layer sizes; got \[3\]"),
            ("23", r"sizes must be a list of at least 2 layer sizes; got '23'"),
        ],
    )
    def test_from_shape_sizes(self, sizes, pattern):
        with pytest.raises(ns.ParameterError, match=pattern):
            ns.Network.from_shape(sizes)

    @pytest.mark.parametrize("size", [0, -2, 1.5, True])
    def test_add_layer_size(self, net, size):
        with refused(
            net, ns.ParameterError, rf"size must be a positive integer; got {re.escape(repr(size))}"
        ):
            net.add_layer(size, name="extra")

    def test_add_layer_with_a_taken_name(self, net):
        with refused(net, ns.StructureError, r"a layer named 'hidden1' already exists"):
            net.add_layer(2, name="hidden1")


# --------------------------------------------------------------------------- losses that don't fit the output


class TestIncompatibleLoss:
    @pytest.mark.parametrize("method", ["backward", "fit"])
    def test_bce_on_a_softmax_output(self, softmax_net, method):
        pattern = r"loss 'bce' needs a sigmoid output layer, but layer 'output' uses 'softmax'"
        with refused(softmax_net, ns.IncompatibleLossError, pattern):
            targets = np.eye(3)[LABELS]
            if method == "backward":
                softmax_net.backward(X, targets, "bce")
            else:
                softmax_net.fit(X, targets, loss="bce", **FIT)

    @pytest.mark.parametrize("method", ["backward", "fit"])
    def test_cross_entropy_on_a_sigmoid_output(self, net, method):
        pattern = r"loss 'cross_entropy' needs a softmax output layer, but layer 'output' uses 'sigmoid'"
        with refused(net, ns.IncompatibleLossError, pattern):
            if method == "backward":
                net.backward(X, [0, 1, 1, 0], "cross_entropy")
            else:
                net.fit(X, [0, 1, 1, 0], loss="cross_entropy", **FIT)


# --------------------------------------------------------------------------- setting weights and biases


BAD_VALUES = [
    pytest.param(np.nan, id="nan"),
    pytest.param(np.inf, id="inf"),
    pytest.param(-np.inf, id="-inf"),
    pytest.param(np.float64("nan"), id="numpy-nan"),
    pytest.param("0.5", id="string"),
    pytest.param(None, id="none"),
    pytest.param(True, id="bool"),
    pytest.param(1j, id="complex"),
    pytest.param(np.array([0.5]), id="array"),
    pytest.param(10**400, id="int-beyond-float"),
]


class TestSettingParameters:
    @pytest.mark.parametrize("value", BAD_VALUES)
    def test_synapse_weight(self, net, value):
        synapse = net.synapse("input[0]", "hidden1[1]")
        pattern = r"weight of synapse 'input\[0\] -> hidden1\[1\]' must be a finite number; got "
        with refused(net, ns.DataError, pattern):
            synapse.weight = value

    @pytest.mark.parametrize("value", BAD_VALUES)
    def test_neuron_bias(self, net, value):
        neuron = net["hidden1[2]"]
        with refused(net, ns.DataError, r"bias of neuron 'hidden1\[2\]' must be a finite number; got "):
            neuron.bias = value

    @pytest.mark.parametrize("value", [0.5, np.nan])
    def test_bias_of_an_input_neuron(self, net, value):
        neuron = net["input[0]"]
        with refused(net, ns.StructureError, r"neuron 'input\[0\]' is in the input layer, which has no bias"):
            neuron.bias = value
        assert neuron.bias is None

    def test_weight_of_a_disconnected_synapse(self, net):
        synapse = net.synapse("input[0]", "hidden1[1]")
        net.disconnect("input[0]", "hidden1[1]")
        with refused(net, ns.StructureError, r"synapse 'input\[0\] -> hidden1\[1\]' was disconnected"):
            synapse.weight = 5.0
        assert synapse.weight == 0.0


# --------------------------------------------------------------------------- loading


@pytest.fixture
def saved(net, tmp_path) -> Path:
    path = tmp_path / "net.json"
    net.save(path)
    return path


def _data(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _place(data: dict[str, Any], setter: Callable[[dict[str, Any]], None], literal: str) -> str:
    """JSON text of ``data`` with ``literal`` written verbatim where ``setter`` puts a marker."""
    setter(data)
    return json.dumps(data, indent=1).replace('"@@LITERAL@@"', literal)


def _set_bias(data: dict[str, Any]) -> None:
    data["layers"][1]["bias"][1] = "@@LITERAL@@"


def _set_weight(data: dict[str, Any]) -> None:
    data["connections"][0]["weights"][1][0] = "@@LITERAL@@"


def _edit(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], str]:
    def write(path: Path) -> str:
        data = _data(path)
        change(data)
        return json.dumps(data)

    return write


def _into_input(data: dict[str, Any]) -> None:
    data["connections"].append({"source": "hidden1", "target": "input", "weights": [[0.1] * 3] * 2})


BROKEN_FILES = [
    pytest.param(
        lambda p: p.read_text()[: len(p.read_text()) // 2],
        ns.ModelFileError,
        r"not valid JSON \(.*\); the file may be truncated or corrupted",
        id="truncated",
    ),
    pytest.param(lambda p: "", ns.ModelFileError, r"not valid JSON", id="empty"),
    pytest.param(
        lambda p: b"\x89PNG\r\n\x1a\n\x00\xff\xfe garbage",
        ns.ModelFileError,
        r"cannot load '.*broken\.json': not a neurosim model \(not JSON text\)$",
        id="garbage-bytes",
    ),
    pytest.param(lambda p: "model: weights", ns.ModelFileError, r"not valid JSON", id="garbage-text"),
    pytest.param(
        lambda p: "[1, 2]", ns.ModelFileError, r"expected a JSON object at the top level", id="list"
    ),
    pytest.param(
        _edit(lambda d: d["connections"][0].update(weights=d["connections"][0]["weights"][:-1])),
        ns.ModelFileError,
        r"connections\[0\]\.weights must be 3 rows of 2 entries",
        id="weights-missing-a-row",
    ),
    pytest.param(
        _edit(lambda d: d["connections"][2]["weights"][0].append(0.5)),
        ns.ModelFileError,
        r"connections\[2\]\.weights must be 2 rows of 3 entries",
        id="weights-row-too-long",
    ),
    pytest.param(
        _edit(lambda d: d["connections"][0]["weights"][0].__setitem__(0, "heavy")),
        ns.ModelFileError,
        r"connections\[0\]\.weights must hold only numbers",
        id="weight-is-a-string",
    ),
    pytest.param(
        _edit(lambda d: d["layers"][1].update(bias="zero")),
        ns.ModelFileError,
        r"layers\[1\]: 'bias' must be a list; got 'zero'",
        id="bias-is-a-string",
    ),
    pytest.param(
        _edit(lambda d: d["layers"][2]["bias"].__setitem__(0, "0.5")),
        ns.ModelFileError,
        r"layers\[2\]\.bias must hold only numbers",
        id="bias-entry-is-a-string",
    ),
    pytest.param(
        _edit(lambda d: d["layers"][1]["bias"].pop()),
        ns.ModelFileError,
        r"layers\[1\]\.bias must have shape \(3,\); got \(2,\)",
        id="bias-too-short",
    ),
    pytest.param(
        _edit(lambda d: d.pop("layers")),
        ns.ModelFileError,
        r"the top level has no 'layers' field",
        id="no-layers-key",
    ),
    pytest.param(
        _edit(lambda d: d["layers"][1].pop("activation")),
        ns.ModelFileError,
        r"layers\[1\] has no 'activation' field",
        id="no-activation-key",
    ),
    pytest.param(
        _edit(lambda d: d["layers"][1].update(activation="swishy")),
        ns.ModelFileError,
        r"layers\[1\] \('hidden1'\) uses activation 'swishy', which is not built in",
        id="unknown-activation",
    ),
    pytest.param(
        _edit(lambda d: d["connections"][0].update(source="nowhere")),
        ns.ModelFileError,
        r"invalid network: no layer named 'nowhere'",
        id="unknown-layer",
    ),
    pytest.param(
        _edit(_into_input),
        ns.ModelFileError,
        r"invalid network: cannot connect 'hidden1\[0\]' -> 'input\[0\]'.*input layer",
        id="connection-into-input",
    ),
    pytest.param(
        _edit(lambda d: d["layers"][1].update(size=-3)),
        ns.ModelFileError,
        r"invalid network: size must be a positive integer; got -3",
        id="negative-size",
    ),
    pytest.param(
        lambda p: _place(_data(p), _set_bias, "NaN"),
        ns.ModelFileError,
        r"NaN is not a finite number",
        id="bias-NaN",
    ),
    pytest.param(
        lambda p: _place(_data(p), _set_weight, "-Infinity"),
        ns.ModelFileError,
        r"-Infinity is not a finite number",
        id="weight-Infinity",
    ),
    pytest.param(
        lambda p: _place(_data(p), _set_weight, "1e400"),
        ns.ModelFileError,
        r"connections\[0\].*inf|'input' -> 'hidden1'.*inf",
        id="weight-overflows-to-inf",
    ),
    pytest.param(
        lambda p: _place(_data(p), _set_bias, "1e400"),
        ns.ModelFileError,
        r"layers\[1\]\.bias",
        id="bias-overflows-to-inf",
    ),
    pytest.param(
        lambda p: _place(_data(p), _set_weight, "1" + "0" * 400),
        ns.ModelFileError,
        r"connections\[0\]\.weights",
        id="weight-integer-beyond-float",
    ),
    pytest.param(
        lambda p: _place(_data(p), _set_bias, "1" + "0" * 400),
        ns.ModelFileError,
        r"layers\[1\]\.bias",
        id="bias-integer-beyond-float",
    ),
    pytest.param(
        _edit(lambda d: d.update(format_version=99)),
        ns.FormatVersionError,
        r"format_version 99, but this neurosim reads versions up to 1; upgrade neurosim",
        id="future-version",
    ),
    pytest.param(
        _edit(lambda d: d.update(format_version="1")),
        ns.ModelFileError,
        r"'format_version' must be an integer; got '1'",
        id="version-is-a-string",
    ),
    pytest.param(
        _edit(lambda d: d.pop("format_version")),
        ns.ModelFileError,
        r"not a neurosim model: it has no 'format_version' field",
        id="no-version",
    ),
]


def _contents(folder: Path) -> dict[str, bytes | None]:
    return {p.name: p.read_bytes() if p.is_file() else None for p in folder.iterdir()}


def load_refused(path: Path, error: type[Exception], match: str, *nets: ns.Network) -> BaseException:
    """``ns.load(path)`` raises exactly ``error``; the folder, the registry and ``nets`` stay as they were."""
    folder = path.parent
    files = _contents(folder)
    registry = dict(ACTIVATIONS)
    before = [snapshot(n) for n in nets]
    with pytest.raises(error, match=match) as info:
        ns.load(path)
    assert type(info.value) is error, f"expected {error.__name__}, got {type(info.value).__name__}"
    assert _contents(folder) == files, "loading changed the folder"
    assert registry == ACTIVATIONS, "loading changed the activation registry"
    for n, snap in zip(nets, before, strict=True):
        assert_unchanged(n, snap)
    return info.value


class TestLoading:
    def test_missing_file(self, net, tmp_path, saved):
        load_refused(
            tmp_path / "missing.json", ns.ModelFileError, r"cannot load '.*missing\.json': no such file", net
        )

    def test_a_folder_instead_of_a_file(self, net, tmp_path, saved):
        folder = tmp_path / "folder.json"
        folder.mkdir()
        load_refused(
            folder,
            ns.ModelFileError,
            r"cannot load '.*folder\.json': it is a folder; expected a model file such as model\.json",
            net,
        )

    @pytest.mark.parametrize(("make", "error", "pattern"), BROKEN_FILES)
    def test_broken_file(self, net, tmp_path, saved, make, error, pattern):
        content = make(saved)
        broken = tmp_path / "broken.json"
        if isinstance(content, bytes):
            broken.write_bytes(content)
        else:
            broken.write_text(content, encoding="utf-8")
        raised = load_refused(broken, error, pattern, net)
        assert re.search(r"cannot load '.*broken\.json'", str(raised)), "the message must name the file"

    @pytest.mark.parametrize("activations", [None, "relu", ["relu"], [object()]])
    def test_custom_activations_must_be_activation_objects(self, saved, activations):
        with pytest.raises(ns.ParameterError, match="activations must be a list of Activation objects"):
            ns.load(saved, activations=activations)

    def test_the_intact_file_still_loads_after_failures(self, net, saved, tmp_path):
        (tmp_path / "broken.json").write_text("{", encoding="utf-8")
        with pytest.raises(ns.ModelFileError):
            ns.load(tmp_path / "broken.json")
        loaded = ns.load(saved)
        assert [s.weight for s in loaded.synapses] == [s.weight for s in net.synapses]


# --------------------------------------------------------------------------- saving that fails half-way


class _Proxy:
    """A module stand-in: ``overrides`` first, then the real module."""

    def __init__(self, module: object, **overrides: object) -> None:
        self._module = module
        self.__dict__.update(overrides)

    def __getattr__(self, name: str) -> object:
        return getattr(self._module, name)


class _HalfWriter:
    """A file whose ``write`` writes half the text, then fails as a full disk would."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def __enter__(self) -> _HalfWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    def write(self, text: str) -> int:
        self._handle.write(text[: len(text) // 2])
        self._handle.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name: str) -> object:
        return getattr(self._handle, name)


class TestFailedSave:
    @pytest.fixture
    def earlier(self, net, tmp_path) -> tuple[Path, bytes]:
        """A file saved earlier; afterwards ``net`` changes so a new save would differ."""
        path = tmp_path / "net.json"
        net.save(path)
        net.synapse("input[0]", "hidden1[1]").weight = 1.25
        net["output[1]"].bias = -0.75
        return path, path.read_bytes()

    @staticmethod
    def assert_intact(folder: Path, path: Path, content: bytes) -> None:
        assert path.read_bytes() == content
        assert sorted(p.name for p in folder.iterdir()) == [path.name], "a temporary file was left behind"

    def test_write_fails_half_way(self, net, tmp_path, earlier, monkeypatch):
        path, content = earlier
        real_fdopen = os.fdopen
        fdopen = lambda fd, *args, **kwargs: _HalfWriter(real_fdopen(fd, *args, **kwargs))  # noqa: E731
        monkeypatch.setattr(atomic, "os", _Proxy(os, fdopen=fdopen))
        with refused(net, ns.ModelFileError, r"cannot save to '.*net\.json': No space left on device"):
            net.save(path)
        self.assert_intact(tmp_path, path, content)

    def test_fsync_fails(self, net, tmp_path, earlier, monkeypatch):
        path, content = earlier

        def fsync(fd: int) -> None:
            raise OSError(errno.EIO, "Input/output error")

        monkeypatch.setattr(atomic, "os", _Proxy(os, fsync=fsync))
        with refused(net, ns.ModelFileError, r"cannot save to '.*net\.json': Input/output error"):
            net.save(path)
        self.assert_intact(tmp_path, path, content)

    def test_replace_fails(self, net, tmp_path, earlier, monkeypatch):
        path, content = earlier

        def replace(source: object, target: object) -> None:
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr(atomic, "os", _Proxy(os, replace=replace))
        with refused(net, ns.ModelFileError, r"cannot save to '.*net\.json': Permission denied"):
            net.save(path)
        self.assert_intact(tmp_path, path, content)

    def test_unexpected_error_during_write_propagates_and_cleans_up(
        self, net, tmp_path, earlier, monkeypatch
    ):
        path, content = earlier

        def replace(source: object, target: object) -> None:
            raise RuntimeError("injected failure")

        monkeypatch.setattr(atomic, "os", _Proxy(os, replace=replace))
        before = snapshot(net)
        with pytest.raises(RuntimeError, match="injected failure"):
            net.save(path)
        assert_unchanged(net, before)
        self.assert_intact(tmp_path, path, content)

    def test_serialising_fails(self, net, tmp_path, earlier, monkeypatch):
        path, content = earlier

        def dumps(*args: object, **kwargs: object) -> str:
            raise RuntimeError("injected failure in json.dumps")

        monkeypatch.setattr(json_format, "json", _Proxy(json, dumps=dumps))
        before = snapshot(net)
        with pytest.raises(RuntimeError, match=r"injected failure in json\.dumps"):
            net.save(path)
        assert_unchanged(net, before)
        self.assert_intact(tmp_path, path, content)

    def test_diverged_network_is_not_saved_over_a_good_file(self, net, tmp_path, earlier):
        path, content = earlier
        net["hidden1"].bias[1] = np.nan  # what a diverged training run leaves behind
        pattern = r"cannot save: the bias of layer 'hidden1' contain NaN or infinity"
        with refused(net, ns.DataError, pattern):
            net.save(path)
        self.assert_intact(tmp_path, path, content)

    def test_missing_folder(self, net, tmp_path, earlier):
        path, content = earlier
        with refused(net, ns.ModelFileError, r"cannot save to '.*nope.*': folder '.*nope' does not exist"):
            net.save(tmp_path / "nope" / "net.json")
        self.assert_intact(tmp_path, path, content)
