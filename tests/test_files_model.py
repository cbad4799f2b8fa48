"""Model files: what save refuses to write, the dtype kept, every file checked whole before it is built."""

import copy
import json
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import neurosim as ns
from neurosim import limits


@pytest.fixture
def net() -> ns.Network:
    return ns.Network.from_shape([2, 3, 1], activation="tanh", seed=0)


@pytest.fixture
def good_file(net, tmp_path) -> tuple[Path, bytes]:
    path = tmp_path / "net.json"
    net.save(path)
    return path, path.read_bytes()


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def saved_dict(net: ns.Network, tmp_path: Path) -> dict:
    path = tmp_path / "source.json"
    net.save(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    path.unlink()
    return data


def weights(net: ns.Network) -> list[float]:
    return [s.weight for s in net.synapses]


# --------------------------------------------------------------------------- a file that will not load


def test_a_network_that_would_not_load_is_not_saved_over_a_good_file(good_file):
    path, content = good_file
    lonely = ns.Network()
    lonely.add_layer(2)  # one layer: load refuses "a network needs at least 2 layers"
    with pytest.raises(ns.ModelFileError, match=r"would not load back: a network needs at least 2 layers"):
        lonely.save(path)
    assert path.read_bytes() == content
    assert [p.name for p in path.parent.iterdir()] == ["net.json"]


def test_a_bias_of_another_length_is_refused_and_the_saved_file_still_loads(net, good_file):
    path, _ = good_file
    with pytest.raises(ns.ShapeError, match=r"expected shape \(3,\), got \(5,\)"):
        net["hidden1"].bias = np.zeros(5)
    assert net["hidden1"].bias.shape == (3,)
    net["hidden1"].bias = [0.5, -0.25, 0.125]
    net.save(path)
    loaded = ns.load(path)
    assert loaded["hidden1"].bias.tolist() == [0.5, -0.25, 0.125]
    assert weights(loaded) == weights(net)


# --------------------------------------------------------------------------- custom activations


def test_a_custom_activation_named_like_a_built_in_is_refused_when_saved(tmp_path):
    fake_relu = ns.Activation("relu", lambda z: np.maximum(z, 0.0) * 2, lambda z: (z > 0) * 2.0)
    net = ns.Network.from_shape([2, 3, 1], activation=fake_relu, seed=0)
    path = tmp_path / "net.json"
    with pytest.raises(
        ns.ModelFileError, match=r"layer 'hidden1' uses an activation of your own named 'relu'"
    ):
        net.save(path)
    assert list(tmp_path.iterdir()) == []


def test_the_built_in_activation_of_a_deep_copied_network_still_saves(tmp_path):
    net = ns.Network.from_shape([2, 3, 1], activation="relu", seed=0)
    twin = copy.deepcopy(net)
    assert twin["hidden1"].activation is ns.activations.ACTIVATIONS["relu"]  # copies share the built-in
    twin.save(tmp_path / "twin.json")
    assert ns.load(tmp_path / "twin.json")["hidden1"].activation is ns.activations.ACTIVATIONS["relu"]


def test_a_custom_activation_with_its_own_name_saves_and_needs_itself_to_load(tmp_path):
    doubled = ns.Activation("doubled_relu_files", lambda z: 2 * np.maximum(z, 0.0), lambda z: 2.0 * (z > 0))
    net = ns.Network.from_shape([2, 3, 1], activation=doubled, seed=0)
    net.save(tmp_path / "net.json")
    with pytest.raises(ns.ModelFileError, match="doubled_relu_files"):
        ns.load(tmp_path / "net.json")
    loaded = ns.load(tmp_path / "net.json", activations=[doubled])
    assert loaded["hidden1"].activation is doubled


# --------------------------------------------------------------------------- dtype


def test_a_float32_network_loads_back_as_float32_bit_for_bit(tmp_path):
    net = ns.Network.from_shape([2, 4, 3, 1], activation="tanh", seed=2)
    net.compile(dtype="float32")
    path = tmp_path / "net.json"
    net.save(path)
    assert json.loads(path.read_text())["dtype"] == "float32"
    loaded = ns.load(path)
    assert loaded.dtype == np.float32
    pairs = zip(net.named_parameters(), loaded.named_parameters(), strict=True)
    for (name, mine), (loaded_name, theirs) in pairs:
        assert loaded_name == name
        assert theirs.dtype == np.float32, name
        assert np.array_equal(theirs.view(np.uint32), mine.view(np.uint32)), name
    X = np.random.default_rng(0).normal(size=(6, 2))
    assert np.array_equal(loaded.predict(X), net.predict(X))


def test_a_float64_file_says_so_and_an_old_file_without_dtype_loads_as_float64(net, tmp_path):
    data = saved_dict(net, tmp_path)
    assert data["dtype"] == "float64"
    del data["dtype"]
    loaded = ns.load(write_json(tmp_path / "old.json", data))
    assert loaded.dtype == np.float64
    assert weights(loaded) == weights(net)


def test_a_float32_file_with_a_number_beyond_float32_is_refused(net, tmp_path):
    data = saved_dict(net, tmp_path)
    data["dtype"] = "float32"
    data["connections"][0]["weights"][1][0] = 1e39  # finite as a float64, inf as a float32
    with pytest.raises(ns.ModelFileError, match=r"connections\[0\]\.weights holds 1e\+39, beyond .* float32"):
        ns.load(write_json(tmp_path / "big.json", data))


@pytest.mark.parametrize("dtype", ["float16", 32, None])
def test_an_unknown_dtype_is_refused(net, tmp_path, dtype):
    data = saved_dict(net, tmp_path)
    data["dtype"] = dtype
    with pytest.raises(ns.ModelFileError, match=r"'dtype' must be 'float64' or 'float32'; got "):
        ns.load(write_json(tmp_path / "dtype.json", data))


# --------------------------------------------------------------------------- checked before built


def huge_layer_file(path: Path, size: int) -> Path:
    data = {
        "format_version": 1,
        "layers": [
            {"name": "input", "size": 2},
            {"name": "hidden1", "size": size, "activation": "relu", "bias": [0.0, 0.0, 0.0]},
            {"name": "output", "size": 1, "activation": "sigmoid", "bias": [0.0]},
        ],
        "connections": [],
    }
    return write_json(path, data)


def never_built(monkeypatch):
    """Make building any network from a file fail the test: what is refused must be refused before."""

    def built(self, *args, **kwargs):
        raise AssertionError("a layer was built from a file that should have been refused first")

    monkeypatch.setattr(ns.Network, "add_layer", built)


def test_a_small_file_declaring_a_billion_neurons_is_refused_at_once_with_the_size(tmp_path, monkeypatch):
    path = huge_layer_file(tmp_path / "huge.json", 10**9)
    assert path.stat().st_size < 1000
    never_built(monkeypatch)
    tracemalloc.start()
    try:
        with pytest.raises(ns.ResourceError) as info:
            ns.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20  # nothing of the billion neurons was allocated
    message = str(info.value)
    assert "huge.json" in message
    assert "layers[1] ('hidden1') asks for a layer of 1,000,000,000 neurons" in message
    assert f"at most {limits.MAX_LAYER_SIZE:,}" in message


def test_a_layer_within_the_limit_whose_biases_do_not_match_is_refused_before_it_is_built(
    tmp_path, monkeypatch
):
    path = huge_layer_file(tmp_path / "big.json", 10**6)
    never_built(monkeypatch)
    with pytest.raises(
        ns.ModelFileError, match=r"layers\[1\]\.bias must have shape \(1000000,\); got \(3,\)"
    ):
        ns.load(path)


def test_a_connection_naming_a_neuron_instead_of_a_layer(net, tmp_path):
    data = saved_dict(net, tmp_path)
    data["connections"][0]["source"] = "input[0]"
    with pytest.raises(
        ns.ModelFileError, match=r"connections\[0\]\.source is 'input\[0\]', a neuron of layer"
    ):
        ns.load(write_json(tmp_path / "neuron.json", data))


def test_deeply_nested_json_is_refused(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(ns.ModelFileError, match="nested too deeply"):
        ns.load(path)


def test_nesting_inside_the_fields_is_refused_with_a_short_message(net, tmp_path):
    data = saved_dict(net, tmp_path)
    deep: list = [1.0]
    for _ in range(500):
        deep = [deep]
    data["layers"][1]["name"] = deep
    data["connections"][0]["weights"][0][0] = deep
    with pytest.raises(ns.ModelFileError, match=r"'name' must be a str; got a list of 1 items$"):
        ns.load(write_json(tmp_path / "name.json", data))
    data["layers"][1]["name"] = "hidden1"
    with pytest.raises(ns.ModelFileError, match=r"connections\[0\]\.weights must hold only numbers"):
        ns.load(write_json(tmp_path / "weights.json", data))


@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        (lambda d: d.update(comment="mine"), r"the top level has unknown key 'comment'"),
        (
            lambda d: d["layers"][1].update(colour="red"),
            r"layers\[1\] \('hidden1'\) has unknown key 'colour'",
        ),
        (lambda d: d["connections"][1].update(note=1), r"connections\[1\] has unknown key 'note'"),
        (
            lambda d: d["layers"][0].update(activation="relu"),
            r"layers\[0\] \('input'\) has unknown key 'activation' \(the input layer has no activation",
        ),
        (lambda d: d["layers"][0].update(bias=[0.0, 0.0]), r"layers\[0\] \('input'\) has unknown key 'bias'"),
    ],
    ids=["top", "layer", "connection", "input-activation", "input-bias"],
)
def test_unknown_keys_are_refused_by_name(net, tmp_path, edit, pattern):
    data = saved_dict(net, tmp_path)
    edit(data)
    with pytest.raises(ns.ModelFileError, match=pattern):
        ns.load(write_json(tmp_path / "keys.json", data))


def test_a_duplicate_layer_name_is_refused(net, tmp_path):
    data = saved_dict(net, tmp_path)
    data["layers"][2]["name"] = "hidden1"
    with pytest.raises(
        ns.ModelFileError, match=r"layers\[2\]: the name 'hidden1' is used by an earlier layer"
    ):
        ns.load(write_json(tmp_path / "twice.json", data))


def test_a_very_long_name_is_shortened_in_the_message(net, tmp_path):
    data = saved_dict(net, tmp_path)
    data["connections"][0]["source"] = "x" * 100_000
    with pytest.raises(ns.ModelFileError) as info:
        ns.load(write_json(tmp_path / "long.json", data))
    assert "no layer named 'xxx" in str(info.value)
    assert len(str(info.value)) < 400


def test_loading_a_small_file_sets_aside_memory_for_that_file_only(net, tmp_path):
    path = tmp_path / "small.json"
    net.save(path)
    tracemalloc.start()
    try:
        ns.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * path.stat().st_size + 2**20  # not the largest file a model may have


@pytest.mark.parametrize(
    ("size_when_asked", "most", "read"),
    [(10, 100, 10), (3, 100, 10), (3, 8, 8), (10, 8, 8), (0, 100, 10)],  # a file of 10 bytes
)
def test_a_file_is_read_whole_even_when_it_grew_since_its_size_was_asked_up_to_the_limit(
    size_when_asked, most, read
):
    import io

    from neurosim.io.json_format import _read_at_most

    content = bytes(range(10))
    assert _read_at_most(io.BytesIO(content), size_when_asked, most) == content[:read]
