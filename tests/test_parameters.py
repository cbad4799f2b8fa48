"""The parameter store: stable names, state dicts, loading them, and where each parameter lives."""

from __future__ import annotations

import numpy as np
import pytest
from test_bad_input import refused

import neurosim as ns

X, y = ns.datasets.xor()


def wired(seed: int = 0) -> ns.Network:
    """2-3-1 with a skip connection into the output and a pruned synapse."""
    net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=seed)
    net.connect("input[1]", "output[0]", weight=0.25)
    net.disconnect("input[0]", "hidden1[2]")
    return net


def test_names_follow_the_layers_weights_before_bias():
    net = wired()
    names = [name for name, _ in net.named_parameters()]
    assert names == [
        "input->hidden1.weight",
        "hidden1.bias",
        "input->output.weight",
        "hidden1->output.weight",
        "output.bias",
    ]
    arrays = dict(net.named_parameters())
    assert arrays["hidden1.bias"] is net["hidden1"].bias
    assert arrays["input->hidden1.weight"][1, 0] == net.synapse("input[0]", "hidden1[1]").weight
    assert arrays["input->hidden1.weight"][2, 0] == 0.0  # the pruned synapse
    assert arrays["input->output.weight"].tolist() == [[0.0, 0.25]]
    assert [name for name, _ in net.named_gradients()] == names


def test_every_weight_and_bias_has_one_entry_that_finds_it():
    net = wired()
    net.backward(X, y, loss="bce")
    store = net.parameter_store
    entries = list(store.entries())
    assert len(entries) == net.n_parameters
    synapse_entries = entries[: len(net.synapses)]
    for entry, synapse in zip(synapse_entries, net.synapses, strict=True):
        values, grads = store.arrays(entry.array)
        assert entry.name == synapse.name
        assert (values[entry.index], grads[entry.index]) == (synapse.weight, synapse.grad)
    for entry, neuron in zip(entries[len(net.synapses) :], net.neurons[2:], strict=True):
        values, grads = store.arrays(entry.array)
        assert entry.name == f"{neuron.name}.bias"
        assert (values[entry.index], grads[entry.index]) == (neuron.bias, neuron.bias_grad)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_state_dict_round_trip_is_bit_for_bit(dtype):
    trained = wired(seed=0)
    trained.compile(dtype=dtype)
    trained.fit(X, y, epochs=30, lr=0.5, loss="bce", engine="compiled", seed=0, verbose=0)
    fresh = wired(seed=7)
    fresh.compile(dtype=dtype)
    assert fresh.load_state_dict(trained.state_dict()) == ([], [])
    for (name, expected), (_, got) in zip(trained.named_parameters(), fresh.named_parameters(), strict=True):
        assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes(), name
    assert np.array_equal(fresh.predict(X), trained.predict(X))


def test_a_state_dict_is_a_copy():
    net = wired()
    state = net.state_dict()
    net.synapse("input[0]", "hidden1[0]").weight = 9.0
    net["output[0]"].bias = -9.0
    assert state["input->hidden1.weight"][0, 0] != 9.0 and state["output.bias"][0] != -9.0


def test_a_strict_load_names_every_problem_at_once_and_changes_nothing():
    net = wired()
    state = net.state_dict()
    del state["hidden1.bias"]  # missing
    state["hidden2.bias"] = np.zeros(3)  # unexpected
    state["input->hidden1.weight"] = np.zeros((2, 3))  # mis-shaped
    state["output.bias"] = np.array([np.nan])  # not finite
    state["input->output.weight"] = state["input->output.weight"].copy()
    state["hidden1->output.weight"] = np.ones((1, 3))
    net.disconnect("hidden1[1]", "output[0]")  # now an absent synapse that the state gives a weight
    with refused(net, ns.StateDictError, "nothing was changed") as info:
        net.load_state_dict(state)
    error = info.value
    assert error.missing == ["hidden1.bias"] and error.unexpected == ["hidden2.bias"]
    message = str(error)
    for expected in (
        "missing: hidden1.bias",
        "unexpected: hidden2.bias",
        "input->hidden1.weight: expected shape (3, 2), got (2, 3)",
        "output.bias: holds NaN or infinity",
        "hidden1->output.weight: entry (0, 1) is 1, but there is no synapse hidden1[1] -> output[0]",
    ):
        assert expected in message
    assert len(error.problems) == 3


def test_a_loose_load_takes_what_it_is_given():
    net, source = wired(seed=0), wired(seed=3)
    state = {"hidden1.bias": source["hidden1"].bias.copy(), "extra.bias": np.zeros(2)}
    before = net.state_dict()
    result = net.load_state_dict(state, strict=False)
    assert result.unexpected == ["extra.bias"]
    assert result.missing == [name for name in before if name != "hidden1.bias"]
    assert np.array_equal(net["hidden1"].bias, source["hidden1"].bias)
    assert np.array_equal(net.state_dict()["input->hidden1.weight"], before["input->hidden1.weight"])
    with refused(net, ns.StateDictError, r"hidden1\.bias: expected shape \(3,\), got \(4,\)"):
        net.load_state_dict({"hidden1.bias": np.zeros(4)}, strict=False)


@pytest.mark.parametrize(
    ("state", "error", "match"),
    [
        (
            [("hidden1.bias", [0, 0, 0])],
            ns.ParameterError,
            "state must be a dict of arrays by name; got list",
        ),
        (
            {"hidden1.bias": "abc"},
            ns.StateDictError,
            "hidden1.bias: expected an array of real numbers, got str",
        ),
        (
            {"hidden1.bias": np.array([1j, 0, 0])},
            ns.StateDictError,
            "hidden1.bias: expected an array of real numbers, got ndarray of complex128",
        ),
        ({"hidden1.bias": np.zeros(3, dtype=bool)}, ns.StateDictError, "got ndarray of bool"),
    ],
)
def test_a_state_that_is_not_arrays_by_name_is_refused(state, error, match):
    net = wired()
    with refused(net, error, match):
        net.load_state_dict(state, strict=False)


def test_strict_must_be_true_or_false():
    net = wired()
    with refused(net, ns.ParameterError, "strict must be True or False; got 'no'"):
        net.load_state_dict(net.state_dict(), strict="no")


def test_numbers_too_large_for_float32_are_refused():
    net = wired()
    net.compile(dtype="float32")
    state = net.state_dict()
    state["output.bias"] = np.array([1e39])
    with refused(net, ns.StateDictError, "output.bias: holds numbers too large for float32"):
        net.load_state_dict(state)


def test_the_version_changes_when_arrays_change_and_not_when_values_do():
    net = wired()
    store = net.parameter_store
    version = store.version
    net.synapse("input[0]", "hidden1[0]").weight = 0.5
    net.fit(X, y, epochs=2, lr=0.1, loss="bce", verbose=0)
    assert store.version == version
    for change in (
        lambda: net.disconnect("input[1]", "hidden1[0]"),
        lambda: net.add_layer(2, name="side", activation="relu"),
        lambda: net.connect("input", "side"),
        store.pack,
        lambda: store.set_dtype(np.dtype(np.float32)),
    ):
        change()
        assert store.version > version
        version = store.version


def test_update_groups_cover_every_parameter_exactly_once():
    net = wired()  # the skip block was made after packing: it lives apart
    groups = net.parameter_store.update_groups()
    assert [values.size for values, _ in groups] == [6 + 3 + 3 + 1, 2]
    for values, grads in groups:
        values[...] = 1.0
        grads[...] = 2.0
    for name, values in net.named_parameters():
        assert (values == 1.0).all(), name  # absent synapses included: the groups hold the arrays
    assert all((grads == 2.0).all() for _, grads in net.named_gradients())


def test_locate_gives_the_flat_arrays_and_position_of_each_parameter():
    net = wired()
    store = net.parameter_store
    for entry in store.entries():
        values, grads, position = store.locate(entry.array, entry.index)
        assert values.ndim == 1
        array_values, array_grads = store.arrays(entry.array)
        values[position] = 3.5
        grads[position] = -1.5
        assert (array_values[entry.index], array_grads[entry.index]) == (3.5, -1.5), entry.name
    with pytest.raises(ns.UnknownNameError, match=r"no parameter array named 'input->output\.bias'"):
        store.arrays("input->output.bias")
    with pytest.raises(ns.UnknownNameError, match=r"hidden1\.bias has shape \(3,\); it has no entry \(7,\)"):
        store.locate("hidden1.bias", (7,))


def test_assigning_a_bias_or_weight_array_copies_into_the_array_the_engines_compute_with():
    net = wired()
    compiled = net.compile()
    bias, weights = net["hidden1"].bias, net.blocks[0].weight
    net["hidden1"].bias = [0.5, -0.5, 0.25]
    net.blocks[0].weight = np.full((3, 2), 0.1) * net.blocks[0].mask
    assert net["hidden1"].bias is bias and net.blocks[0].weight is weights
    assert bias.tolist() == [0.5, -0.5, 0.25] and net.synapse("input[1]", "hidden1[2]").weight == 0.1
    assert np.allclose(compiled.forward(X), net.predict(X), rtol=1e-12)


@pytest.mark.parametrize(
    ("assign", "error", "match"),
    [
        (
            lambda net: setattr(net["hidden1"], "bias", [1.0, 2.0]),
            ns.ShapeError,
            r"expected shape \(3,\), got \(2,\)",
        ),
        (lambda net: setattr(net["hidden1"], "bias", [1.0, np.nan, 2.0]), ns.DataError, "NaN or infinity"),
        (lambda net: setattr(net["hidden1"], "bias", [True, False, True]), ns.DataError, "real numbers"),
        (
            lambda net: setattr(net["input"], "bias", [1.0, 2.0]),
            ns.StructureError,
            "input layer, which has no biases",
        ),
        (
            lambda net: setattr(net.blocks[0], "weight", np.ones((3, 2))),
            ns.DataError,
            r"there is no synapse input\[0\] -> hidden1\[2\]",
        ),
    ],
)
def test_a_bad_bias_or_weight_array_is_refused_and_nothing_changes(assign, error, match):
    net = wired()
    with refused(net, error, match):
        assign(net)
