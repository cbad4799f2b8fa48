"""Saving and loading reproduce a network exactly."""

import json

import numpy as np
import pytest

import neurosim as ns

SWISH = ns.Activation(
    "swish_io",
    lambda z: z / (1 + np.exp(-z)),
    lambda z: (1 + np.exp(-z) + z * np.exp(-z)) / (1 + np.exp(-z)) ** 2,
)


@pytest.fixture
def rewired() -> ns.Network:
    """Four layers, mixed activations, a skip connection and pruned synapses, trained a little."""
    net = ns.Network(seed=3)
    net.add_layer(3)
    net.add_layer(4, activation="tanh")
    net.add_layer(3, name="middle", activation=SWISH)
    net.add_layer(2, name="output", activation="softmax")
    net.connect("input", "hidden1")
    net.connect("hidden1", "middle")
    net.connect("middle", "output")
    net.connect("input[0]", "output[1]", weight=0.3)
    net.connect("input[2]", "middle[0]")
    net.disconnect("input[1]", "hidden1[2]")
    net.disconnect("hidden1[0]", "middle[1]")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3))
    net.fit(X, rng.integers(0, 2, 8), epochs=3, lr=0.1, loss="cross_entropy", seed=0, verbose=0)
    return net


def structure(net: ns.Network) -> list:
    return [
        [(layer.name, layer.size, layer.activation and layer.activation.name) for layer in net.layers],
        [(s.source.name, s.target.name) for s in net.synapses],
    ]


def test_round_trip_is_bit_for_bit(rewired, tmp_path):
    path = tmp_path / "net.json"
    rewired.save(path)
    loaded = ns.load(path, activations=[SWISH])
    assert structure(loaded) == structure(rewired)
    assert [s.weight for s in loaded.synapses] == [s.weight for s in rewired.synapses]
    original_biases = [n.bias for n in rewired.neurons]
    assert [n.bias for n in loaded.neurons] == original_biases
    assert np.array_equal(
        np.array([s.weight for s in loaded.synapses]).view(np.uint64),
        np.array([s.weight for s in rewired.synapses]).view(np.uint64),
    )


def test_loaded_network_computes_the_same_outputs(rewired, tmp_path):
    path = tmp_path / "net.json"
    rewired.save(path)
    loaded = ns.load(path, activations=[SWISH])
    X = np.random.default_rng(1).normal(size=(5, 3))
    assert np.array_equal(loaded.predict(X), rewired.predict(X))
    assert loaded["middle"].activation is SWISH


def test_pruned_and_skip_synapses_survive(rewired, tmp_path):
    path = tmp_path / "net.json"
    rewired.save(path)
    loaded = ns.load(path, activations=[SWISH])
    with pytest.raises(ns.UnknownNameError):
        loaded.synapse("input[1]", "hidden1[2]")
    with pytest.raises(ns.UnknownNameError):
        loaded.synapse("hidden1[0]", "middle[1]")
    assert loaded.synapse("input[0]", "output[1]").weight == rewired.synapse("input[0]", "output[1]").weight
    assert loaded.graph.number_of_edges() == rewired.graph.number_of_edges()


def test_file_has_a_format_version_and_null_for_missing_synapses(rewired, tmp_path):
    path = tmp_path / "net.json"
    rewired.save(path)
    data = json.loads(path.read_text())
    assert data["format_version"] == ns.io.FORMAT_VERSION == 1
    block = next(c for c in data["connections"] if (c["source"], c["target"]) == ("input", "hidden1"))
    assert block["weights"][2][1] is None
    assert sum(value is None for row in block["weights"] for value in row) == 1


def test_custom_activation_must_be_supplied(rewired, tmp_path):
    path = tmp_path / "net.json"
    rewired.save(path)
    with pytest.raises(ns.ModelFileError, match="swish_io"):
        ns.load(path)


def test_saving_over_a_file_replaces_it(tmp_path):
    path = tmp_path / "net.json"
    first = ns.Network.from_shape([2, 1], seed=0)
    second = ns.Network.from_shape([2, 3, 1], seed=1)
    first.save(path)
    second.save(path)
    assert ns.load(path).layers[1].size == 3
    assert [p.name for p in tmp_path.iterdir()] == ["net.json"]


def test_a_saved_file_gets_the_permissions_of_any_new_file(tmp_path):
    import os

    mask = os.umask(0o022)
    try:
        path = tmp_path / "net.json"
        ns.Network.from_shape([2, 1], seed=0).save(path)
        assert path.stat().st_mode & 0o777 == 0o644  # not the 0o600 of a temporary file
    finally:
        os.umask(mask)
