"""``Network.to_numpy_source``: the forward pass as a numpy program, run apart from neurosim."""

from __future__ import annotations

import ast

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference_mlp import reference_pass
from strategies import ACTIVATIONS, cases, network_settings

import neurosim as ns


def run(source: str, X: np.ndarray) -> np.ndarray:
    """Execute the program in a namespace of its own and call its ``forward``."""
    namespace: dict[str, object] = {}
    exec(compile(source, "<numpy source>", "exec"), namespace)
    return namespace["forward"](X)


@network_settings(max_examples=40)
@given(st.data())
def test_the_program_computes_the_networks_outputs(data):
    hidden = data.draw(st.sampled_from(ACTIVATIONS), label="hidden activation")
    output = data.draw(st.sampled_from(ACTIVATIONS), label="output activation")
    net, X, _, _, _ = data.draw(cases(hidden, output, "mse"), label="case")
    np.testing.assert_allclose(run(net.to_numpy_source(), X), net.predict(X), rtol=1e-12, atol=1e-15)


def test_the_program_matches_an_independent_pass_with_skips_and_a_pruned_synapse():
    net = ns.Network.from_shape([3, 4, 2], activation="tanh", output_activation="softmax", seed=5)
    net.connect("input", "output")
    net.disconnect("input[0]", "hidden1[1]")
    X = np.random.default_rng(0).normal(size=(6, 3))
    expected = reference_pass(net, X, np.eye(2)[[0, 1, 1, 0, 0, 1]], "cross_entropy").a["output"]
    np.testing.assert_allclose(run(net.to_numpy_source(), X), expected, rtol=1e-12, atol=1e-15)


def test_the_program_needs_numpy_alone_and_writes_every_weight_exactly():
    net = ns.Network.from_shape([2, 3, 1], activation="relu", output_activation="sigmoid", seed=1)
    source = net.to_numpy_source()
    tree = ast.parse(source)
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert imported == {"numpy"} and not any(isinstance(node, ast.ImportFrom) for node in ast.walk(tree))
    namespace: dict[str, object] = {}
    exec(compile(source, "<numpy source>", "exec"), namespace)
    assert np.array_equal(
        namespace["W_input_hidden1"], net.parameter_store.block(net["input"], net["hidden1"]).weight
    )
    assert np.array_equal(namespace["b_output"], net["output"].bias)


def test_layer_names_that_are_not_python_names_still_give_a_program():
    net = ns.Network(seed=2)
    net.add_layer(2, name="input")
    net.add_layer(3, name="2nd layer", activation="relu")
    net.add_layer(2, name="relu", activation="tanh")  # the name of an activation the program defines
    net.add_layer(1, name="class", activation="sigmoid", bias=False)  # a Python keyword, no biases
    for source, target in (("input", "2nd layer"), ("2nd layer", "relu"), ("relu", "class")):
        net.connect(source, target)
    X = np.random.default_rng(1).normal(size=(4, 2))
    np.testing.assert_allclose(run(net.to_numpy_source(), X), net.predict(X), rtol=1e-12, atol=1e-15)


def test_an_activation_of_your_own_is_refused_by_name():
    cube = ns.Activation("cube_source_test", lambda z: z**3, lambda z: 3 * z**2)
    net = ns.Network.from_shape([2, 2, 1], activation=cube, output_activation="sigmoid", seed=0)
    with pytest.raises(ns.ParameterError, match="layer 'hidden1' uses 'cube_source_test'"):
        net.to_numpy_source()
