"""Both engines through the one ``Engine`` interface, each against an independent numpy pass.

The same tests run for ``"object"`` and ``"compiled"``: ``forward``,
``train_batch``, ``last_pass``, ``evaluate``, ``activations`` and
``publish``, on networks with skip connections and pruned synapses, and
every number is compared with ``reference_mlp.reference_pass`` at the
engines' agreement tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest
from reference_mlp import reference_pass
from test_engines_agree import assert_close

import neurosim as ns

ENGINES = ["object", "compiled"]


def softmax_net() -> tuple[ns.Network, str]:
    net = ns.Network.from_shape([2, 4, 3], activation="tanh", output_activation="softmax", seed=3)
    net.connect("input", "output")  # skip connections
    net.disconnect("input[1]", "hidden1[2]")
    return net, "cross_entropy"


def deep_sigmoid_net() -> tuple[ns.Network, str]:
    net = ns.Network.from_shape([3, 5, 4, 1], activation="relu", output_activation="sigmoid", seed=4)
    net.disconnect("hidden1[0]", "hidden2[3]")
    net.connect("input[2]", "output[0]", weight=0.7)
    return net, "bce"


def regression_net() -> tuple[ns.Network, str]:
    net = ns.Network.from_shape([2, 3, 2], activation="sigmoid", output_activation="identity", seed=5)
    net.connect("input[0]", "output[1]", weight=-0.4)
    return net, "mse"


CASES = {"softmax": softmax_net, "deep sigmoid": deep_sigmoid_net, "regression": regression_net}


def batch(net: ns.Network, loss: str, n: int = 7, seed: int = 0) -> tuple[ns.Loss, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, net.input_layer.size))
    size = net.output_layer.size
    Y = rng.integers(0, size, n) if loss == "cross_entropy" else rng.uniform(0, 1, (n, size))
    return net.prepare_batch(X, Y, loss)


@pytest.fixture(params=ENGINES)
def engine_name(request):
    return request.param


@pytest.fixture(params=list(CASES))
def case(request):
    return CASES[request.param]()


def test_both_engines_implement_the_interface(engine_name):
    net, _ = regression_net()
    engine = ns.engines.create(net, engine_name)
    assert isinstance(engine, ns.engines.Engine)
    assert ns.engines.create(net, engine) is engine


def test_forward_gives_the_reference_outputs_and_leaves_them_in_the_neurons(engine_name, case):
    net, loss_name = case
    _, X, T = batch(net, loss_name)
    reference = reference_pass(net, X, T, loss_name)
    outputs = ns.engines.create(net, engine_name).forward(X)
    assert_close(outputs, reference.a["output"], "outputs")
    for neuron in net.neurons:
        assert_close(neuron.z, reference.z[neuron.layer.name][:, neuron.index], f"{neuron.name}.z")
        assert_close(neuron.a, reference.a[neuron.layer.name][:, neuron.index], f"{neuron.name}.a")


def test_train_batch_sets_every_gradient_and_the_last_pass(engine_name, case):
    net, loss_name = case
    loss, X, T = batch(net, loss_name)
    reference = reference_pass(net, X, T, loss_name)
    engine = ns.engines.create(net, engine_name)
    assert engine.train_batch(engine.prepare(X), engine.prepare(T), loss) is True
    for name, grads in net.named_gradients():
        assert_close(grads, reference.grads[name], name)
    values = engine.last_pass()
    for layer in net.layer_order():
        assert_close(values.z(layer), reference.z[layer.name], f"{layer.name} z")
        assert_close(values.a(layer.name), reference.a[layer.name], f"{layer.name} a")
        if layer.is_input:
            assert values.delta(layer) is None
        else:
            assert_close(values.delta(layer), reference.delta[layer.name], f"{layer.name} delta")
    assert_close(loss.value(values.logits, values.outputs, T), reference.loss, "loss")
    with pytest.raises(ValueError, match="read-only"):
        values.a("hidden1")[0, 0] = 1.0


def test_evaluate_gives_loss_and_outputs_and_leaves_the_gradients(engine_name, case):
    net, loss_name = case
    loss, X, T = batch(net, loss_name)
    engine = ns.engines.create(net, engine_name)
    _, X_other, T_other = batch(net, loss_name, n=4, seed=1)
    engine.train_batch(engine.prepare(X_other), engine.prepare(T_other), loss)
    before = {name: grads.copy() for name, grads in net.named_gradients()}
    reference = reference_pass(net, X, T, loss_name)
    value, outputs = engine.evaluate(engine.prepare(X), engine.prepare(T), loss)
    assert_close(value, reference.loss, "loss")
    assert_close(outputs, reference.a["output"], "outputs")
    for name, grads in net.named_gradients():
        assert np.array_equal(grads, before[name]), name


def test_activations_leave_the_neurons_and_the_last_pass_as_they_were(engine_name, case):
    net, loss_name = case
    loss, X, T = batch(net, loss_name)
    engine = ns.engines.create(net, engine_name)
    engine.train_batch(engine.prepare(X), engine.prepare(T), loss)
    engine.publish()
    neurons_before = {n.name: (n.z, n.a, n.delta) for n in net.neurons}
    last_before = {layer.name: engine.last_pass().a(layer).copy() for layer in net.layers}
    _, grid, T_grid = batch(net, loss_name, n=11, seed=2)
    values = engine.activations(engine.prepare(grid))
    reference = reference_pass(net, grid, T_grid, loss_name)
    for layer in net.layer_order():
        assert_close(values.z(layer), reference.z[layer.name], f"{layer.name} z")
        assert_close(values.a(layer), reference.a[layer.name], f"{layer.name} a")
    for neuron in net.neurons:
        for before, after in zip(
            neurons_before[neuron.name], (neuron.z, neuron.a, neuron.delta), strict=True
        ):
            assert np.array_equal(before, after), neuron.name
    for layer in net.layers:
        assert np.array_equal(engine.last_pass().a(layer), last_before[layer.name]), layer.name


def test_publish_writes_the_last_pass_into_the_neurons(engine_name, case):
    net, loss_name = case
    loss, X, T = batch(net, loss_name)
    reference = reference_pass(net, X, T, loss_name)
    engine = ns.engines.create(net, engine_name)
    engine.train_batch(engine.prepare(X), engine.prepare(T), loss)
    engine.publish()
    for neuron in net.neurons:
        layer = neuron.layer.name
        assert_close(neuron.z, reference.z[layer][:, neuron.index], f"{neuron.name}.z")
        assert_close(neuron.a, reference.a[layer][:, neuron.index], f"{neuron.name}.a")
        if not neuron.layer.is_input:
            assert_close(neuron.delta, reference.delta[layer][:, neuron.index], f"{neuron.name}.delta")


def test_train_batch_says_when_the_loss_is_not_finite(engine_name):
    net, _ = regression_net()
    for block in net.blocks:
        block.weight[block.mask] = 1e200
    loss, X, T = batch(net, "mse")
    engine = ns.engines.create(net, engine_name)
    with np.errstate(over="ignore", invalid="ignore"):
        assert engine.train_batch(engine.prepare(X), engine.prepare(T), loss) is False


def test_a_network_changed_after_the_engine_was_made_is_computed_as_it_is_now(engine_name):
    net, loss_name = regression_net()
    engine = ns.engines.create(net, engine_name)
    loss, X, T = batch(net, loss_name)
    engine.train_batch(engine.prepare(X), engine.prepare(T), loss)
    net.disconnect("hidden1[1]", "output[0]")
    net.add_layer(2, name="side", activation="tanh")
    net.connect("input", "side")
    reference = reference_pass(net, X, T, loss_name)
    engine.train_batch(engine.prepare(X), engine.prepare(T), loss)
    for name, grads in net.named_gradients():
        assert_close(grads, reference.grads[name], name)
    assert_close(engine.last_pass().a("side"), reference.a["side"], "side a")


def test_an_engine_of_another_network_or_an_unknown_name_is_refused():
    net, _ = regression_net()
    other, _ = regression_net()
    with pytest.raises(ns.ParameterError, match="computes another network"):
        ns.engines.create(net, ns.engines.create(other, "compiled"))
    with pytest.raises(ns.ParameterError, match="engine must be 'object' or 'compiled'; got 'gpu'"):
        ns.engines.create(net, "gpu")


def test_the_last_pass_holds_nothing_before_a_pass_and_for_layers_added_since(engine_name):
    net, loss_name = regression_net()
    engine = ns.engines.create(net, engine_name)
    assert engine.last_pass().a("hidden1") is None and engine.last_pass().outputs is None
    loss, X, T = batch(net, loss_name)
    engine.train_batch(engine.prepare(X), engine.prepare(T), loss)
    net.add_layer(2, name="side", activation="tanh")
    values = engine.last_pass()
    assert values.z("side") is None and values.a("side") is None and values.delta("side") is None
    assert values.a("hidden1").shape == (7, 3)
    with pytest.raises(ns.UnknownNameError, match="pass values are per layer; got neuron 'hidden1\\[0\\]'"):
        values.a("hidden1[0]")
    with pytest.raises(ns.UnknownNameError, match="no layer named 'hiden1'"):
        values.z("hiden1")
