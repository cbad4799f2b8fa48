"""The object model: layers, neurons, synapses, the graph, names and order."""

import copy

import networkx as nx
import numpy as np
import pytest

import neurosim as ns


@pytest.fixture
def net() -> ns.Network:
    return ns.Network.from_shape([2, 3, 1], seed=0)


def test_from_shape_layers_names_and_counts(net):
    assert [(layer.name, layer.size) for layer in net.layers] == [("input", 2), ("hidden1", 3), ("output", 1)]
    assert len(net.neurons) == 6
    assert len(net.synapses) == 2 * 3 + 3 * 1
    assert net.n_parameters == 9 + 4
    assert repr(net) == "Network(layers=[2, 3, 1], synapses=9, parameters=13)"


def test_names_reach_the_same_objects(net):
    neuron = net["hidden1"][2]
    assert neuron is net["hidden1[2]"] is net["hidden1"].neurons[2] is net["hidden1"][-1]
    assert isinstance(neuron, ns.Neuron) and neuron.name == "hidden1[2]"
    assert neuron.layer is net["hidden1"]
    assert neuron.activation is ns.get_activation("sigmoid")
    assert "hidden1[2]" in net and "hidden1[3]" not in net and "nope" not in net


def test_graph_holds_neurons_and_synapses(net):
    assert isinstance(net.graph, nx.DiGraph)
    assert set(net.graph.nodes) == set(net.neurons)
    for source, target, data in net.graph.edges(data=True):
        synapse = data["synapse"]
        assert (synapse.source, synapse.target) == (source, target)
    assert nx.is_directed_acyclic_graph(net.graph)


def test_incoming_and_outgoing(net):
    neuron = net["hidden1[1]"]
    assert [s.source.name for s in neuron.incoming] == ["input[0]", "input[1]"]
    assert [s.target.name for s in neuron.outgoing] == ["output[0]"]
    assert net["input[0]"].incoming == ()


def test_input_neurons_have_no_bias_or_activation(net):
    neuron = net["input[0]"]
    assert neuron.bias is None and neuron.bias_grad is None and neuron.activation is None
    assert net.layers[0].activation is None


def test_synapses_are_ordered_by_target_then_source():
    net = ns.Network(seed=0)
    net.add_layer(2)
    net.add_layer(2, activation="tanh")
    net.add_layer(1, name="output")
    net.connect("hidden1", "output")  # connection order differs from the documented order
    net.connect("input[1]", "output[0]")
    net.connect("input", "hidden1")
    names = [s.name for s in net.synapses]
    assert names == [
        "input[0] -> hidden1[0]",
        "input[1] -> hidden1[0]",
        "input[0] -> hidden1[1]",
        "input[1] -> hidden1[1]",
        "input[1] -> output[0]",
        "hidden1[0] -> output[0]",
        "hidden1[1] -> output[0]",
    ]


def test_setting_a_weight_changes_the_next_forward_by_hand():
    net = ns.Network.from_shape([2, 1], activation="identity", init="zeros")
    net.synapse("input[0]", "output[0]").weight = 3.0
    net.synapse("input[1]", "output[0]").weight = -2.0
    net["output[0]"].bias = 0.5
    assert net.forward([1.0, 4.0]) == pytest.approx([3.0 - 8.0 + 0.5])


def test_skip_connection_and_pruning_change_the_weighted_sum():
    net = ns.Network.from_shape([1, 1, 1], activation="identity", init="constant")  # all weights 0
    net.synapse("input[0]", "hidden1[0]").weight = 2.0
    net.synapse("hidden1[0]", "output[0]").weight = 3.0
    assert net.forward([1.0]) == pytest.approx([6.0])
    net.connect("input[0]", "output[0]", weight=0.5)
    assert net.forward([1.0]) == pytest.approx([6.5])
    net.disconnect("hidden1[0]", "output[0]")
    assert net.forward([1.0]) == pytest.approx([0.5])
    assert [s.name for s in net["output[0]"].incoming] == ["input[0] -> output[0]"]


def test_disconnecting_layers_removes_every_synapse_between_them(net):
    net.disconnect("hidden1", "output")
    assert net["output[0]"].incoming == ()
    assert len(net.synapses) == 6
    assert net.n_parameters == 6 + 4


def test_layer_order_follows_the_wiring_not_the_order_added():
    net = ns.Network(seed=0)
    net.add_layer(1)
    late = net.add_layer(1, name="late")
    early = net.add_layer(1, name="early")
    net.add_layer(1, name="output")
    net.connect("input", "early")
    net.connect("early", "late")
    net.connect("late", "output")
    assert [layer.name for layer in net.layer_order()] == ["input", "early", "late", "output"]
    early_weight = net.synapse("input[0]", "early[0]")
    early_weight.weight = 1.0
    net.synapse("early[0]", "late[0]").weight = 1.0
    net.forward([2.0])
    assert late[0].z == pytest.approx(late[0].bias + 1.0 * early[0].a)


def test_default_layer_names_when_building_by_hand():
    net = ns.Network()
    names = [net.add_layer(2).name for _ in range(3)]
    assert names == ["input", "hidden1", "hidden2"]
    assert net.output_layer.name == "hidden2"


def test_z_and_a_are_floats_for_one_sample_and_arrays_for_a_batch(net):
    net.forward([0.5, -0.5])
    assert isinstance(net["hidden1[0]"].z, float)
    net.predict(np.zeros((3, 2)))
    assert net["hidden1[0]"].a.shape == (3,)
    assert net["hidden1[0]"].delta is None


def test_zero_grad_clears_every_gradient(net):
    net.backward([[1.0, 0.0]], [[1.0]])
    assert any(s.grad != 0 for s in net.synapses)
    net.zero_grad()
    assert all(s.grad == 0 for s in net.synapses)
    assert all(n.bias_grad == 0 for n in net.neurons if n.bias is not None)


def test_reprs_read_like_the_objects():
    net = ns.Network.from_shape([2, 1], init="constant")
    synapse = net.synapse("input[0]", "output[0]")
    synapse.weight = -0.412
    assert repr(synapse) == "Synapse('input[0]' -> 'output[0]', weight=-0.412, grad=0)"
    assert repr(net["output"]) == "Layer('output', 1)"
    net.forward([1.0, 0.0])
    assert repr(net["output[0]"]) == "Neuron('output[0]', sigmoid, bias=0, z=-0.412, a=0.3984, in=2, out=0)"


class TestInitializers:
    def test_same_seed_same_network(self):
        a = ns.Network.from_shape([3, 4, 2], seed=7)
        b = ns.Network.from_shape([3, 4, 2], seed=7)
        c = ns.Network.from_shape([3, 4, 2], seed=8)
        assert [s.weight for s in a.synapses] == [s.weight for s in b.synapses]
        assert [s.weight for s in a.synapses] != [s.weight for s in c.synapses]

    def test_xavier_limit(self):
        net = ns.Network.from_shape([40, 60, 1], init="xavier", seed=0)
        weights = np.array([s.weight for s in net["hidden1[0]"].incoming])
        limit = np.sqrt(6 / (40 + 60))
        assert np.abs(weights).max() <= limit and np.abs(weights).max() > 0.8 * limit

    def test_he_standard_deviation(self):
        net = ns.Network.from_shape([200, 200, 1], activation="relu", init="he", seed=0)
        weights = np.array([s.weight for s in net.synapses if s.target.layer.name == "hidden1"])
        assert weights.std() == pytest.approx(np.sqrt(2 / 200), rel=0.02)

    @pytest.mark.parametrize(
        ("init", "check"),
        [
            ("zeros", lambda w: (w == 0).all()),
            (ns.initializers.constant(0.25), lambda w: (w == 0.25).all()),
            (ns.initializers.uniform(2.0, 3.0), lambda w: ((w >= 2) & (w < 3)).all()),
            (ns.initializers.normal(0.01), lambda w: abs(w.std() - 0.01) < 0.002),
        ],
    )
    def test_simple_initializers(self, init, check):
        net = ns.Network.from_shape([30, 30, 1], init=init, seed=0)
        assert check(np.array([s.weight for s in net.synapses]))

    def test_single_synapse_is_drawn_with_the_initializer(self):
        net = ns.Network.from_shape([2, 2, 1], init=ns.initializers.uniform(5.0, 6.0), seed=0)
        synapse = net.connect("input[0]", "output[0]")[0]
        assert 5.0 <= synapse.weight < 6.0


def test_summary_lists_every_layer(net):
    net.connect("input[0]", "output[0]")
    lines = net.summary().splitlines()
    assert lines[0].split() == ["layer", "size", "activation", "inputs", "from", "parameters"]
    assert lines[4].split() == ["output", "1", "sigmoid", "input,", "hidden1", "5"]
    assert lines[-1].split() == ["total", "6", "14"]


def test_explain_before_any_pass_says_so(net):
    assert "has not computed anything yet" in net["hidden1[0]"].explain()


def test_explain_picks_a_sample_of_a_batch(net):
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    net.backward(X, np.array([[1.0], [0.0]]))
    neuron = net["hidden1[0]"]
    text = neuron.explain(sample=1)
    assert "sample 1 (of 2, counting from 0)" in text
    assert f"= {neuron.z[1]:.4g}" in text
    assert "means over 2 samples" in text
    with pytest.raises(ns.ParameterError, match=r"sample must be an integer in 0\.\.1"):
        neuron.explain(sample=2)


def test_a_deep_copy_of_a_network_keeps_its_activations_and_trains_with_bce():
    X, y = ns.datasets.xor()
    net = ns.Network.from_shape([2, 2, 1], seed=0)
    twin = copy.deepcopy(net)
    assert twin["output"].activation is ns.get_activation("sigmoid")  # the same built-in, not a copy
    for network in (net, twin):
        network.fit(X, y, epochs=3, lr=0.5, loss="bce", seed=0, verbose=0, diagnose=False)
    assert np.array_equal(twin.blocks[0].weight, net.blocks[0].weight)
