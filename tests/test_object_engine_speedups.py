"""The object engine's fast paths: its kept plan of the network, and its float and array passes.

The engine keeps each neuron's synapses (and a plan of the network made
from them) until the structure changes, so every test of the first part
changes the structure between two passes and checks that the second pass
computes the new network: its outputs and gradients against
``reference_mlp``, an independent numpy pass written in the tests.

The second part checks the two ways the engine computes a pass: sample by
sample with Python floats (a few samples) and one numpy operation per
synapse over the samples (many samples). Each is forced on the same batch
(``FLOAT_SAMPLES``) and compared with ``reference_mlp``, and with the
activations' own numpy functions for those ``reference_mlp`` lacks.
"""

from __future__ import annotations

import copy
import math
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference_mlp import reference_pass
from strategies import COMBINATIONS, cases, network_settings

import neurosim as ns
from neurosim.activations import ACTIVATIONS
from neurosim.engines import object_engine
from neurosim.engines.dropout import DropoutMasks
from neurosim.engines.object_plan import plan_for

RELATIVE = 1e-12
FLOOR = 1e-14


def assert_close(got, expected, what: str) -> None:
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    assert got.shape == expected.shape, what
    limit = RELATIVE * np.maximum(np.abs(got), np.abs(expected)) + FLOOR
    assert (np.abs(got - expected) <= limit).all(), f"{what}: {got} vs {expected}"


def data(net: ns.Network, n: int, loss: str, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, net.input_layer.size))
    m = net.output_layer.size
    if loss == "cross_entropy":
        return X, np.eye(m)[rng.integers(0, m, n)]
    if loss == "bce":
        return X, rng.integers(0, 2, (n, m)).astype(float)
    return X, rng.normal(size=(n, m))


def assert_like_reference(net: ns.Network, X: np.ndarray, T: np.ndarray, loss: str) -> None:
    """``net.backward`` (the object engine) gives the reference's loss, values and every gradient."""
    value = net.backward(X, T, loss)
    expected = reference_pass(net, X, T, loss)
    assert value == pytest.approx(expected.loss, rel=1e-12)
    for layer in net.layers:
        stacked = {kind: np.column_stack([getattr(n, f"{kind}_samples") for n in layer]) for kind in "za"}
        assert_close(stacked["z"], expected.z[layer.name], f"z of {layer.name}")
        assert_close(stacked["a"], expected.a[layer.name], f"a of {layer.name}")
        if not layer.is_input:
            deltas = np.column_stack([n.delta_samples for n in layer])
            assert_close(deltas, expected.delta[layer.name], f"delta of {layer.name}")
    for name, grads in net.named_gradients():
        assert_close(grads, expected.grads[name], f"gradient {name}")


@pytest.fixture
def net() -> ns.Network:
    return ns.Network.from_shape([2, 3, 2], activation="tanh", output_activation="sigmoid", seed=0)


# ------------------------------------------------------------------ the kept plan sees every change


@pytest.mark.parametrize("n", [1, 4, 40])
def test_a_new_synapse_takes_part_in_the_next_pass(net, n):
    X, T = data(net, n, "bce")
    net.backward(X, T, "bce")
    net.connect("input[1]", "output[0]", weight=0.7)  # a skip connection
    assert_like_reference(net, X, T, "bce")
    assert net.synapse("input[1]", "output[0]").grad != 0.0


@pytest.mark.parametrize("n", [1, 4, 40])
def test_a_removed_or_pruned_synapse_takes_no_part_in_the_next_pass(net, n):
    X, T = data(net, n, "bce")
    net.backward(X, T, "bce")
    net.disconnect("input[0]", "hidden1[1]")  # prunes one synapse of a full block
    assert_like_reference(net, X, T, "bce")
    net.disconnect("hidden1", "output")  # removes a whole block: the output sees only its biases
    net.connect("input", "output")
    assert_like_reference(net, X, T, "bce")
    assert net.output_layer.bias_grad.tolist() == pytest.approx(
        reference_pass(net, X, T, "bce").grads["output.bias"].tolist(), rel=1e-12
    )


@pytest.mark.parametrize("n", [1, 40])
def test_a_new_layer_becomes_the_output_layer_of_the_next_pass(net, n):
    X, _ = data(net, n, "mse")
    before = net.forward(X)
    net.add_layer(1, name="head", activation="identity")
    net.connect("output", "head", weight=np.array([[2.0, -1.0]]))
    after = net.forward(X)
    assert after.shape == (n, 1)
    assert_close(after[:, 0], 2.0 * before[:, 0] - 1.0 * before[:, 1] + net["head"].bias[0], "new output")


def test_neuron_synapses_follow_connect_and_disconnect(net):
    neuron = net["output[0]"]
    kept = neuron.incoming
    assert neuron.incoming is kept  # looked up once while nothing changes
    skip = net.connect("input[0]", "output[0]")[0]
    assert skip in neuron.incoming and len(neuron.incoming) == 4
    assert skip in net["input[0]"].outgoing
    net.disconnect("input[0]", "output[0]")
    assert skip not in neuron.incoming and skip not in net["input[0]"].outgoing
    assert [s.source.name for s in neuron.incoming] == ["hidden1[0]", "hidden1[1]", "hidden1[2]"]


def test_an_edge_added_to_the_graph_directly_is_refused_at_the_next_pass(net):
    X, T = data(net, 1, "bce")
    net.backward(X, T, "bce")  # the plan is made and kept
    net.graph.add_edge(net["input[0]"], net["output[0]"])
    with pytest.raises(ns.StructureError, match="input\\[0\\] -> output\\[0\\] with no synapse"):
        net.forward(X)
    with pytest.raises(ns.StructureError, match="with no synapse"):
        ns.engines.create(net, "object")
    net.graph.remove_edge(net["input[0]"], net["output[0]"])  # back as it was: it computes again
    assert_like_reference(net, X, T, "bce")


def test_an_edge_removed_from_the_graph_directly_is_refused_at_the_next_pass(net):
    X, _ = data(net, 2, "bce")
    engine = ns.engines.create(net, "object")
    engine.evaluate(X, np.zeros((2, 2)), ns.get_loss("bce"))
    net.graph.remove_edge(net["input[0]"], net["hidden1[0]"])
    with pytest.raises(ns.StructureError, match=r"nodes or edges were changed in net\.graph directly"):
        engine.evaluate(X, np.zeros((2, 2)), ns.get_loss("bce"))
    assert net["hidden1[0]"].incoming == (net.synapse("input[1]", "hidden1[0]"),)


def test_a_graph_assigned_to_the_network_is_read_at_every_pass(net):
    import networkx as nx

    X, T = data(net, 3, "bce")
    net.backward(X, T, "bce")
    plain = nx.DiGraph(net.graph)  # the same nodes and edges, in a graph that does not say when it changes
    net.graph = plain
    assert_like_reference(net, X, T, "bce")
    plain.remove_edge(net["hidden1[0]"], net["output[1]"])
    with pytest.raises(ns.StructureError):
        net.forward(X)


@pytest.mark.parametrize("n", [1, 40])
def test_an_engine_kept_across_a_change_trains_the_changed_network(net, n):
    X, T = data(net, n, "bce")
    loss, X, T = net.prepare_batch(X, T, "bce")
    engine = ns.engines.create(net, "object")
    assert engine.train_batch(X, T, loss)
    net.connect("input[0]", "output[1]", weight=-0.4)
    net.disconnect("hidden1[2]", "output[0]")
    assert engine.train_batch(X, T, loss)
    expected = reference_pass(net, X, T, "bce")
    for name, grads in net.named_gradients():
        assert_close(grads, expected.grads[name], f"gradient {name}")
    assert_close(engine.last_pass().outputs, expected.a["output"], "outputs of the last pass")


def test_a_loaded_network_computes_its_own_structure(net, tmp_path):
    net.connect("input[0]", "output[1]", weight=0.3)
    net.disconnect("input[1]", "hidden1[2]")
    X, T = data(net, 5, "bce")
    net.backward(X, T, "bce")
    path = tmp_path / "net.json"
    net.save(path)
    loaded = ns.load(path)
    assert_like_reference(loaded, X, T, "bce")
    assert_close(loaded.forward(X), net.forward(X), "outputs of the loaded network")
    state = net.state_dict()
    state["hidden1->output.weight"] = state["hidden1->output.weight"] * 2.0
    net.load_state_dict(state)  # new values in the same arrays: the next pass reads them
    assert_like_reference(net, X, T, "bce")


@pytest.mark.parametrize("n", [1, 40])
def test_a_deep_copy_computes_and_changes_on_its_own(net, n):
    X, T = data(net, n, "bce")
    net.backward(X, T, "bce")
    twin = copy.deepcopy(net)
    assert all(s.target.layer.network is twin for n_ in twin.neurons for s in n_.incoming)
    assert_like_reference(twin, X, T, "bce")
    original_outputs = net.forward(X)
    twin.connect("input[1]", "output[1]", weight=1.5)
    assert_like_reference(twin, X, T, "bce")
    assert_close(net.forward(X), original_outputs, "the original, untouched by the copy's change")
    assert not any(s.target.layer.network is twin for s in net["output[1]"].incoming)


def test_a_network_whose_arrays_are_replaced_computes_with_the_new_ones(net):
    X, T = data(net, 3, "mse")
    net.backward(X, T, "mse")
    net.compile(dtype="float32")  # every array replaced by a float32 one, packed again
    expected = reference_pass(net, X, T, "mse")  # from the float32 weights, computed in float64
    net.backward(X, T, "mse")
    for name, grads in net.named_gradients():
        assert grads.dtype == np.float32
        np.testing.assert_allclose(grads, expected.grads[name], rtol=1e-6, atol=1e-7)


def test_the_plan_is_kept_while_nothing_changes_and_made_again_after_a_change(net):
    plan = plan_for(net)
    net.forward([[0.0, 1.0]])
    assert plan_for(net) is plan
    net["hidden1"].bias = [1.0, 2.0, 3.0]  # values change, the structure does not
    assert plan_for(net) is plan
    net.add_layer(2, name="extra", activation="relu")
    assert plan_for(net) is not plan


# ------------------------------------------------------------------ floats and arrays: the same numbers

NETWORKS = {
    "tanh-sigmoid-bce": ([3, 4, 2], "tanh", "sigmoid", "bce"),
    "sigmoid-softmax-cross_entropy": ([3, 4, 3], "sigmoid", "softmax", "cross_entropy"),
    "relu-identity-mse": ([3, 4, 4, 2], "relu", "identity", "mse"),
    "sigmoid-tanh-mse": ([2, 3, 3], "sigmoid", "tanh", "mse"),
}


def built(sizes, hidden, output, *, skip_and_prune: bool) -> ns.Network:
    net = ns.Network.from_shape(sizes, activation=hidden, output_activation=output, seed=4)
    for layer in net.layers[1:]:
        layer.bias = np.linspace(-0.5, 0.5, layer.size)  # relu away from its kink at 0
    if skip_and_prune:
        net.connect("input[0]", "output[1]", weight=0.6)
        net.disconnect("input[1]", "hidden1[0]")
        net.disconnect(net.layers[-2][1], net.output_layer[0])
    return net


@pytest.mark.parametrize("path", ["floats", "arrays"])
@pytest.mark.parametrize("n", [1, 3, 9])
@pytest.mark.parametrize("skip_and_prune", [False, True])
@pytest.mark.parametrize("name", NETWORKS)
def test_each_path_computes_what_the_reference_computes(monkeypatch, name, skip_and_prune, n, path):
    sizes, hidden, output, loss = NETWORKS[name]
    net = built(sizes, hidden, output, skip_and_prune=skip_and_prune)
    monkeypatch.setattr(object_engine, "FLOAT_SAMPLES", 100 if path == "floats" else 0)
    X, T = data(net, n, loss)
    assert_like_reference(net, X, T, loss)


@contextmanager
def samples_in_floats(limit: int):
    """Passes of up to ``limit`` samples in floats, larger ones in arrays, within the block."""
    kept = object_engine.FLOAT_SAMPLES
    object_engine.FLOAT_SAMPLES = limit
    try:
        yield
    finally:
        object_engine.FLOAT_SAMPLES = kept


def paths_agree(
    net: ns.Network, X, T, loss: str, masks=None, *, rtol: float = RELATIVE, atol: float = FLOOR
) -> dict:
    """Train one batch through each path from the same weights; return each path's values and gradients."""
    results = {}
    loss_fn, X, T = net.prepare_batch(X, T, loss)
    weights = net.state_dict()
    for path, limit in (("floats", 100), ("arrays", 0)):
        net.load_state_dict(weights)
        engine = ns.engines.create(net, "object")
        with samples_in_floats(limit):
            finite = engine.train_batch(X, T, loss_fn, dropout=masks)
        values = engine.last_pass()
        results[path] = {
            "finite": finite,
            **{f"{kind} {layer.name}": getattr(values, kind)(layer) for layer in net.layers for kind in "za"},
            **{f"delta {layer.name}": values.delta(layer) for layer in net.layers[1:]},
            **{f"grad {name}": grads.copy() for name, grads in net.named_gradients()},
        }
    floats, arrays = results["floats"], results["arrays"]
    assert floats["finite"] == arrays["finite"]
    for key in floats:
        if key != "finite":
            np.testing.assert_allclose(floats[key], arrays[key], rtol=rtol, atol=atol, err_msg=key)
    return results


@pytest.mark.parametrize(("hidden", "output", "loss"), COMBINATIONS)
@network_settings(max_examples=2)
@given(data=st.data())
def test_random_networks_give_the_same_numbers_in_both_paths(hidden, output, loss, data):
    """Mixed activations, skip connections and pruned synapses (``strategies.cases``), both paths."""
    net, X, Y, _, _ = data.draw(cases(hidden, output, loss))
    # the two paths apply the built-in activations with math and with numpy: last-bit differences
    paths_agree(net, X, Y, loss, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("activation", ["leaky_relu", "softplus", "step", "identity", "sigmoid"])
def test_the_float_activations_compute_what_the_numpy_ones_do(activation):
    net = ns.Network.from_shape([2, 5, 2], activation=activation, output_activation="tanh", seed=1)
    net["hidden1"].bias = [-0.9, -0.3, 0.2, 0.6, 1.1]
    X = np.array([[0.5, -1.0], [-2.0, 0.3], [1.5, 1.5], [-0.1, 0.0]])
    results = paths_agree(net, X, np.zeros((4, 2)), "mse")
    z = results["floats"]["z hidden1"]
    np.testing.assert_allclose(results["floats"]["a hidden1"], ACTIVATIONS[activation](z), rtol=1e-15)


def test_an_activation_written_for_one_value_at_a_time_runs_in_both_paths():
    by_value = ns.Activation(
        "tanh_value_by_value",
        lambda z: np.array([math.tanh(v) for v in z]),
        lambda z: np.array([1.0 - math.tanh(v) ** 2 for v in z]),
    )
    net = ns.Network.from_shape([2, 4, 1], activation=by_value, output_activation="sigmoid", seed=2)
    X, T = data(net, 6, "bce")
    results = paths_agree(net, X, T, "bce")
    tanh = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=2)
    expected = reference_pass(tanh, X, T, "bce")
    np.testing.assert_allclose(results["floats"]["a hidden1"], expected.a["hidden1"], rtol=1e-12)
    np.testing.assert_allclose(
        results["arrays"]["grad input->hidden1.weight"], expected.grads["input->hidden1.weight"], rtol=1e-12
    )


def test_dropout_drops_the_same_neurons_in_both_paths():
    net = ns.Network.from_shape([2, 6, 1], activation="relu", output_activation="sigmoid", seed=5)
    net["hidden1"].bias = np.full(6, 0.3)
    net["hidden1"].dropout = 0.5
    X, T = data(net, 5, "bce")
    masks = DropoutMasks(net, np.random.default_rng(0)).draw(5)
    assert (masks[net["hidden1"]] == 0).any()
    results = paths_agree(net, X, T, "bce", masks=masks)
    # a dropped neuron passes on nothing and takes no gradient back
    dropped = masks[net["hidden1"]] == 0
    assert (results["floats"]["a hidden1"][dropped] == 0).all()
    assert (results["floats"]["delta hidden1"][dropped] == 0).all()
    assert_close(net["hidden1"].dropped, dropped, "the neurons the last pass dropped")


def test_overflowing_values_give_the_same_non_finite_numbers_in_both_paths():
    net = ns.Network.from_shape([1, 2, 1], activation="identity", output_activation="sigmoid", seed=0)
    net.synapse("input[0]", "hidden1[0]").weight = 1e300
    X = np.array([[1e10], [-1e10], [1.0]])
    # no exception, and no warning (the tests turn warnings into errors)
    results = paths_agree(net, X, np.array([[0.0], [1.0], [0.0]]), "bce")
    assert results["floats"]["finite"] is False
    assert np.isinf(results["floats"]["z hidden1"][:2, 0]).all()


@pytest.mark.parametrize("n", [1, 2, 40])
def test_neurons_hold_floats_for_one_sample_and_arrays_for_more(net, n):
    X, T = data(net, n, "bce")
    net.backward(X, T, "bce")
    neuron = net["hidden1[1]"]
    assert neuron.z_samples.shape == neuron.a_samples.shape == neuron.delta_samples.shape == (n,)
    if n == 1:
        assert type(neuron.z) is float and neuron.z == neuron.z_samples[0]
        assert type(neuron.delta) is float
    else:
        np.testing.assert_array_equal(neuron.a, np.tanh(neuron.z))
    assert neuron.mask_samples is None and neuron.dropped is None
