"""How the compiled engine lays its arrays out for speed, checked against an independent numpy pass.

The packed parameter vectors hold each weight matrix column by column with
the layer's biases after it, so that one product computes ``A @ W.T + b``;
hidden layers' buffers are stored feature by feature; small input batches
are copied next to a column of ones. Each of these is a different way to
the same numbers: every test compares a compiled pass with
``reference_mlp.reference_pass`` (numpy, written apart from the engines),
on networks that take each way and on networks that cannot.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from reference_mlp import reference_pass

import neurosim as ns
from neurosim.engines import compiled as compiled_module
from neurosim.losses import LOSSES, ONE_HOT_CROSS_ENTROPY
from neurosim.training.metrics import CorrectCounter

RTOL = 1e-12


def assert_matches_reference(net: ns.Network, X: np.ndarray, T: np.ndarray, loss: str) -> None:
    """One compiled backward pass over ``X``, ``T`` against the reference, gradients and values."""
    expected = reference_pass(net, X, T, loss)
    compiled = net.compile()
    value = compiled.backward(X, T, loss=loss)
    assert value == pytest.approx(expected.loss, rel=RTOL)
    for name, _, grads in net.parameter_store.named_arrays():
        np.testing.assert_allclose(grads, expected.grads[name], rtol=RTOL, atol=1e-14, err_msg=name)
    values = compiled.last_pass()
    for layer in net.layers[1:]:
        np.testing.assert_allclose(values.z(layer), expected.z[layer.name], rtol=RTOL, atol=1e-14)
        np.testing.assert_allclose(values.a(layer), expected.a[layer.name], rtol=RTOL, atol=1e-14)


def moons(n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    X, y = ns.datasets.moons(n, noise=0.1, seed=0)
    return X, y.astype(float).reshape(-1, 1)


def test_packed_weights_are_stored_column_by_column_with_the_biases_after_them():
    net = ns.Network.from_shape([3, 4, 2], seed=0)
    store = net.parameter_store
    for block in net.blocks:
        values, grads = store.augmented(block)
        assert values.shape == grads.shape == (block.source.size + 1, block.target.size)
        assert np.array_equal(values[:-1], block.weight.T)
        assert np.array_equal(values[-1], block.target.bias)
        assert np.shares_memory(values, block.weight) and np.shares_memory(values, block.target.bias)
        assert np.shares_memory(grads, block.grad) and np.shares_memory(grads, block.target.bias_grad)


def test_locate_finds_every_weight_and_bias_in_the_flat_vectors():
    net = ns.Network.from_shape([3, 4, 2], seed=1)
    store = net.parameter_store
    for entry in store.entries():
        flat_values, _, position = store.locate(entry.array, entry.index)
        owner = net.parameter_store.arrays(entry.array)[0]
        assert flat_values[position] == owner[entry.index]
        flat_values[position] = 123.0  # a write through the flat vector lands on that one parameter
        assert owner[entry.index] == 123.0


def test_no_augmented_view_where_the_biases_do_not_follow_the_weights():
    net = ns.Network.from_shape([2, 3, 1], seed=0, bias=False)
    assert all(net.parameter_store.augmented(block) is None for block in net.blocks)
    built = ns.Network(seed=0)  # built layer by layer: its arrays are separate, not packed
    built.add_layer(2, name="input")
    built.add_layer(3, name="hidden", activation="tanh")
    built.connect("input", "hidden")
    assert built.parameter_store.augmented(built.blocks[0]) is None
    skip = ns.Network.from_shape([2, 3, 1], seed=0)
    skip.connect("input", "output")  # a new block into the output: its biases follow the old one only
    assert skip.parameter_store.augmented(skip.parameter_store.block(skip["input"], skip["output"])) is None


@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_a_packed_network_matches_the_reference(loss):
    net = ns.Network.from_shape([2, 5, 4, 1], activation="tanh", output_activation="sigmoid", seed=3)
    X, T = moons()
    assert_matches_reference(net, X, T, loss)


def test_softmax_cross_entropy_matches_the_reference_with_probability_targets():
    net = ns.Network.from_shape([4, 6, 3], activation="relu", output_activation="softmax", seed=2)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(25, 4))
    T = rng.dirichlet(np.ones(3), size=25) * rng.uniform(0.5, 1.5, size=(25, 1))  # rows not summing to 1
    assert_matches_reference(net, X, T, "cross_entropy")


def test_a_network_built_layer_by_layer_matches_the_reference():
    net = ns.Network(seed=4)
    net.add_layer(2, name="input")
    net.add_layer(4, name="hidden", activation="sigmoid")
    net.add_layer(1, name="output", activation="identity")
    net.connect("input", "hidden")
    net.connect("hidden", "output")
    X, T = moons()
    assert_matches_reference(net, X, T, "mse")


def test_a_deep_copy_matches_the_reference():
    net = ns.Network.from_shape([2, 6, 1], activation="tanh", output_activation="sigmoid", seed=5)
    twin = copy.deepcopy(net)
    X, T = moons()
    assert_matches_reference(twin, X, T, "bce")


def test_skip_connections_and_a_pruned_synapse_match_the_reference():
    net = ns.Network.from_shape([2, 4, 3, 1], activation="tanh", output_activation="sigmoid", seed=6)
    net.connect("input", "output")
    net.connect("input", "hidden2")
    net.disconnect("hidden1[1]", "hidden2[2]")
    X, T = moons()
    assert_matches_reference(net, X, T, "bce")
    block = net.parameter_store.block(net["hidden1"], net["hidden2"])
    assert block.grad[2, 1] == 0.0


def test_inputs_too_large_to_copy_take_the_biases_apart_with_the_same_numbers(monkeypatch):
    X, T = moons(60)
    copied = ns.Network.from_shape([2, 5, 1], activation="relu", output_activation="sigmoid", seed=7)
    assert_matches_reference(copied, X, T, "bce")
    monkeypatch.setattr(compiled_module, "INPUT_COPY_LIMIT", 0)
    apart = ns.Network.from_shape([2, 5, 1], activation="relu", output_activation="sigmoid", seed=7)
    assert_matches_reference(apart, X, T, "bce")
    for (_, _, with_copy), (_, _, without) in zip(
        copied.parameter_store.named_arrays(), apart.parameter_store.named_arrays(), strict=True
    ):
        np.testing.assert_allclose(with_copy, without, rtol=RTOL, atol=1e-15)


def test_full_batch_training_is_the_same_with_or_without_shuffling():
    X, y = ns.datasets.moons(30, noise=0.1, seed=1)
    runs = []
    for shuffle, seed in ((True, 0), (True, 1), (False, None)):
        net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=0)
        history = net.fit(X, y, epochs=5, lr=0.5, loss="bce", shuffle=shuffle, seed=seed, verbose=0)
        runs.append((net.state_dict(), history.loss))
    for state, losses in runs[1:]:
        assert losses == runs[0][1]
        for name, values in state.items():
            assert np.array_equal(values, runs[0][0][name]), name


def test_cross_entropy_trains_one_hot_targets_with_the_same_numbers_as_its_general_form():
    t = np.eye(3)[[0, 2, 1, 1]]
    assert LOSSES["cross_entropy"].for_targets(t) is ONE_HOT_CROSS_ENTROPY
    assert LOSSES["cross_entropy"].for_targets(t * 0.5) is LOSSES["cross_entropy"]
    assert LOSSES["cross_entropy"].for_targets(np.array([[0.3, 0.7, 0.0]])) is LOSSES["cross_entropy"]
    rng = np.random.default_rng(1)
    z = rng.normal(size=(4, 3))
    a = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    softmax = ns.get_activation("softmax")
    general = LOSSES["cross_entropy"].output_delta(z, a, t, softmax)
    assert np.array_equal(ONE_HOT_CROSS_ENTROPY.output_delta(z, a, t, softmax), general)
    assert ONE_HOT_CROSS_ENTROPY.value(z, a, t) == LOSSES["cross_entropy"].value(z, a, t)


def test_the_correct_counter_counts_as_predicted_classes_and_never_a_nan_row():
    targets = np.array([[1.0], [0.0], [0.0], [1.0]])
    outputs = np.array([[0.7], [0.5], [np.nan], [0.2]])
    expected = np.count_nonzero(ns.predicted_classes(outputs) == np.array([1, 0, 0, 1]))
    assert CorrectCounter(targets)(outputs) == expected == 1
    one_hot = np.eye(3)[[2, 0, 1]]
    outputs = np.array([[0.1, 0.2, 0.7], [np.nan, 0.0, 0.0], [0.3, 0.6, 0.1]])
    assert CorrectCounter(one_hot)(outputs) == 2
    assert CorrectCounter(one_hot)(outputs[[2, 0]], np.array([2, 0])) == 2


@pytest.mark.parametrize("engine", ["object", "compiled"])
def test_a_full_batch_epoch_records_its_own_loss_even_when_a_hook_makes_another_pass(engine):
    X, T = moons(30)
    X_other = np.random.default_rng(3).normal(size=(7, 2))

    class Elsewhere(ns.training.Callback):
        def on_batch_end(self, run, batch):
            other = run.engine.prepare(X_other)
            run.engine.evaluate(other, run.engine.prepare(np.zeros((7, 1))), run.loss)

    net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=9)
    expected = reference_pass(net, X, T, "bce").loss  # the epoch's one pass is at the starting weights
    history = net.fit(X, T, epochs=1, lr=0.5, loss="bce", engine=engine, verbose=0, callbacks=[Elsewhere()])
    assert history.loss[0] == pytest.approx(expected, rel=1e-12)
