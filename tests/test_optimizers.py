"""The optimizers: the same weights with both engines, the same numbers as torch.optim, Adam by hand."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import cases, network_settings
from torch_mirror import TorchMirror, train

import neurosim as ns

#: one object of every optimizer, with settings that exercise its options
SETTINGS = {
    "sgd": dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adam": dict(lr=0.01, betas=(0.8, 0.99), weight_decay=1e-3),
    "adamw": dict(lr=0.01, weight_decay=0.1),
    "rmsprop": dict(lr=0.01, alpha=0.9, weight_decay=1e-3, momentum=0.5),
    "adagrad": dict(lr=0.1, weight_decay=1e-3),
    "rprop": dict(lr=0.01, etas=(0.4, 1.3), step_sizes=(1e-4, 0.5)),
}
CLASSES = {
    "sgd": ns.optim.SGD,
    "adam": ns.optim.Adam,
    "adamw": ns.optim.AdamW,
    "rmsprop": ns.optim.RMSprop,
    "adagrad": ns.optim.Adagrad,
    "rprop": ns.optim.Rprop,
}
FIT = dict(verbose=0, diagnose=False)


def weights_and_biases(net):
    return {name: values.copy() for name, values in net.named_parameters()}


# ---------------------------------------------------------------- the engines agree


COMBINATIONS = [("tanh", "sigmoid", "bce"), ("relu", "identity", "mse"), ("sigmoid", "tanh", "mse")]


@pytest.mark.parametrize("name", list(SETTINGS))
@given(
    combination_and_case=st.sampled_from(COMBINATIONS).flatmap(
        lambda combination: st.tuples(st.just(combination[2]), cases(*combination))
    )
)
@network_settings(max_examples=8)
def test_both_engines_give_the_same_weights_after_20_steps(name, combination_and_case):
    loss, (net, X, Y, pruned, _skips) = combination_and_case
    start = net.state_dict()
    batch_size = None if name == "rprop" else 2  # Rprop is a full-batch method
    epochs = 20 if batch_size is None else -(-20 // -(-len(X) // 2))
    trained = {}
    for engine in ("object", "compiled"):
        net.load_state_dict(start)
        optimizer = CLASSES[name](**SETTINGS[name])
        net.fit(
            X,
            Y,
            epochs=epochs,
            optimizer=optimizer,
            loss=loss,
            batch_size=batch_size,
            seed=1,
            engine=engine,
            **FIT,
        )
        assert optimizer.steps >= 20
        trained[engine] = weights_and_biases(net)
    for key, want in trained["object"].items():
        np.testing.assert_allclose(trained["compiled"][key], want, rtol=0, atol=1e-10, err_msg=key)
    for block in net.blocks:
        assert np.all(block.weight[~block.mask] == 0.0)  # pruned and never-made synapses stay exactly 0
    for source, target in pruned:
        assert all(s.name != f"{source} -> {target}" for s in net.synapses)


# ---------------------------------------------------------------- torch.optim


def small_network():
    """3 inputs, 4 tanh neurons, 2 identity outputs, a skip connection and a pruned synapse."""
    net = ns.Network.from_shape([3, 4, 2], activation="tanh", output_activation="identity", seed=4)
    net.connect("input[0]", "output[1]", weight=0.3)
    net.disconnect("input[2]", "hidden1[1]")
    return net


#: the torch.optim class of each optimizer
TORCH_CLASSES = {
    "sgd": "SGD",
    "adam": "Adam",
    "adamw": "AdamW",
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
    "rprop": "Rprop",
}


def torch_training(torch, net, X, Y, name, epochs, batch_size, seed):
    """Train a torch copy of ``net`` (masked weights, the same forward pass) with ``torch.optim``."""
    mirror = TorchMirror(torch, net)
    optimizer = getattr(torch.optim, TORCH_CLASSES[name])(list(mirror.params.values()), **SETTINGS[name])
    train(torch, mirror, optimizer, X, Y, epochs=epochs, batch_size=batch_size, seed=seed)
    return mirror.weights()


@pytest.mark.parametrize("name", list(SETTINGS))
def test_every_optimizer_matches_torch_optim(name):
    torch = pytest.importorskip("torch", reason="the comparison with torch.optim needs PyTorch")
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    net = small_network()
    batch_size = None if name == "rprop" else 3
    epochs = 20 if batch_size is None else 7  # 20 or 21 updates
    want = torch_training(torch, net, X, Y, name, epochs, batch_size, seed=5)
    net.fit(
        X,
        Y,
        epochs=epochs,
        optimizer=CLASSES[name](**SETTINGS[name]),
        batch_size=batch_size,
        seed=5,
        engine="compiled",
        **FIT,
    )
    got = weights_and_biases(net)
    assert set(got) == set(want)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=0, atol=1e-10, err_msg=key)
    assert not np.allclose(got["input->hidden1.weight"], small_network().blocks[0].weight)  # it did train


# ---------------------------------------------------------------- Adam by hand


def test_two_steps_of_adam_by_hand():
    # one weight w and bias b, identity output, x = 1, t = 2: loss (w + b - 2)^2, both gradients 2(w + b - 2)
    net = ns.Network.from_shape([1, 1], activation="identity", init="zeros")
    synapse, neuron = net.synapse("input[0]", "output[0]"), net["output[0]"]
    synapse.weight = 0.5
    adam = ns.optim.Adam(net, lr=0.1, betas=(0.9, 0.999), eps=1e-8)
    # step 1: g = 2(0.5 - 2) = -3; m = 0.1 * -3 = -0.3; v = 0.001 * 9 = 0.009
    # m / (1 - 0.9) = -3, v / (1 - 0.999) = 9: w = 0.5 + 0.1 * 3 / (3 + 1e-8), b = 0 + the same
    net.backward([[1.0]], [[2.0]])
    adam.step()
    step1 = 0.1 * 3 / (3 + 1e-8)
    assert synapse.weight == pytest.approx(0.5 + step1, abs=1e-15)
    assert neuron.bias == pytest.approx(step1, abs=1e-15)
    assert adam.state_of(synapse) == pytest.approx({"m": -0.3, "v": 0.009}, abs=1e-15)
    # step 2: g = 2(w + b - 2); m = 0.9 * -0.3 + 0.1 * g; v = 0.999 * 0.009 + 0.001 * g^2
    g = 2 * (0.5 + 2 * step1 - 2)  # about -2.6
    m, v = 0.9 * -0.3 + 0.1 * g, 0.999 * 0.009 + 0.001 * g * g
    step2 = 0.1 / (1 - 0.9**2) * m / (math.sqrt(v) / math.sqrt(1 - 0.999**2) + 1e-8)
    net.backward([[1.0]], [[2.0]])
    adam.step()
    assert synapse.weight == pytest.approx(0.5 + step1 - step2, abs=1e-14)
    assert neuron.bias == pytest.approx(step1 - step2, abs=1e-14)
    assert adam.state_of("output[0].bias") == pytest.approx({"m": m, "v": v}, abs=1e-15)
    assert adam.steps == 2


def test_state_of_shows_each_synapse_and_bias_in_its_own_place():
    net = ns.Network.from_shape([2, 3, 1], seed=0)
    net.connect("input[0]", "output[0]", weight=0.1)  # a skip connection, stored apart from the packed vector
    adam = ns.optim.Adam(net, lr=0.01, betas=(0.5, 0.75))
    net.backward([[1.0, -2.0]], [[1.0]])
    grads = {s.name: s.grad for s in net.synapses} | {
        f"{n.name}.bias": float(layer.bias_grad[n.index]) for layer in net.layers[1:] for n in layer
    }
    adam.step()
    for synapse in net.synapses:
        g = grads[synapse.name]
        assert adam.state_of(synapse) == pytest.approx({"m": 0.5 * g, "v": 0.25 * g * g}, abs=1e-15)
    for layer in net.layers[1:]:
        for neuron in layer:
            g = grads[f"{neuron.name}.bias"]
            assert adam.state_of(neuron) == pytest.approx({"m": 0.5 * g, "v": 0.25 * g * g}, abs=1e-15)
    assert len({adam.state_of(s)["m"] for s in net.synapses}) > 1  # not one number for all


def test_a_name_picks_the_optimizer_and_sgd_stays_the_default():
    X, Y = ns.datasets.xor()
    by_default, by_name, by_object = (ns.Network.from_shape([2, 3, 1], seed=2) for _ in range(3))
    by_default.fit(X, Y, epochs=5, lr=0.3, momentum=0.5, seed=0, **FIT)
    by_name.fit(X, Y, epochs=5, lr=0.3, momentum=0.5, optimizer="sgd", seed=0, **FIT)
    by_object.fit(X, Y, epochs=5, optimizer=ns.optim.SGD(lr=0.3, momentum=0.5), seed=0, **FIT)
    for twin in (by_name, by_object):
        for key, value in weights_and_biases(by_default).items():
            assert np.array_equal(weights_and_biases(twin)[key], value)
    adam = ns.Network.from_shape([2, 3, 1], seed=2)
    history = adam.fit(X, Y, epochs=5, optimizer="Adam", seed=0, **FIT)
    assert history.epochs == 5
    assert not np.array_equal(
        weights_and_biases(adam)["hidden1.bias"], weights_and_biases(by_default)["hidden1.bias"]
    )


def test_an_optimizer_object_keeps_its_state_across_fit_calls():
    X, Y = ns.datasets.xor()
    once, twice = ns.Network.from_shape([2, 3, 1], seed=2), ns.Network.from_shape([2, 3, 1], seed=2)
    once.fit(X, Y, epochs=6, optimizer=ns.optim.Adam(lr=0.05), shuffle=False, **FIT)
    adam = ns.optim.Adam(lr=0.05)
    twice.fit(X, Y, epochs=3, optimizer=adam, shuffle=False, **FIT)
    twice.fit(X, Y, epochs=3, optimizer=adam, shuffle=False, **FIT)
    assert adam.steps == 6
    for key, value in weights_and_biases(once).items():
        np.testing.assert_allclose(weights_and_biases(twice)[key], value, rtol=0, atol=1e-15)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("options", "error", "pattern"),
    [
        (
            dict(optimizer="lbfgs", lr=0.1),
            ns.UnknownNameError,
            r"unknown optimizer 'lbfgs'; expected one of: sgd, adam",
        ),
        (dict(optimizer=3, lr=0.1), ns.UnknownNameError, r"unknown optimizer 3"),
        (dict(optimizer="adam", momentum=0.9), ns.ParameterError, r"momentum is a setting of SGD"),
        (dict(optimizer=ns.optim.Adam(), lr=0.1), ns.ParameterError, r"^lr: give it to the optimizer object"),
        (dict(optimizer="adam", lr=-1.0), ns.ParameterError, r"lr must be a positive number; got -1.0"),
    ],
)
def test_fit_refuses_a_bad_optimizer_and_leaves_the_network_unchanged(options, error, pattern):
    X, Y = ns.datasets.xor()
    net = ns.Network.from_shape([2, 3, 1], seed=0)
    before = weights_and_biases(net)
    with pytest.raises(error, match=pattern):
        net.fit(X, Y, epochs=2, **options, **FIT)
    assert all(np.array_equal(values, before[key]) for key, values in weights_and_biases(net).items())


@pytest.mark.parametrize(
    ("make", "pattern"),
    [
        (lambda: ns.optim.Adam(betas=(0.9, 1.0)), r"betas\[1\] must be a number in \[0, 1\); got 1.0"),
        (lambda: ns.optim.Adam(betas=(-0.1, 0.9)), r"betas\[0\] must be a number in \[0, 1\); got -0.1"),
        (lambda: ns.optim.Adam(betas=0.9), r"betas must be a pair"),
        (lambda: ns.optim.AdamW(weight_decay=-1e-4), r"weight_decay must be a number >= 0; got -0.0001"),
        (lambda: ns.optim.SGD(lr=0.1, weight_decay=-1), r"weight_decay must be a number >= 0"),
        (lambda: ns.optim.Adam(eps=0), r"eps must be a positive number; got 0"),
        (lambda: ns.optim.RMSprop(lr=0), r"lr must be a positive number; got 0"),
        (lambda: ns.optim.RMSprop(alpha=1.5), r"alpha must be a number in \[0, 1\)"),
        (lambda: ns.optim.SGD(lr=0.1, nesterov=True), r"nesterov=True needs a momentum above 0"),
        (lambda: ns.optim.Rprop(etas=(1.2, 0.5)), r"etas must satisfy 0 < etas\[0\] < 1 < etas\[1\]"),
        (lambda: ns.optim.SGD(0.1), r"network must be a Network; got 0.1"),
    ],
)
def test_bad_settings_are_refused_by_name(make, pattern):
    with pytest.raises(ns.ParameterError, match=pattern):
        make()


def test_an_optimizer_object_is_not_reused_on_another_network():
    X, Y = ns.datasets.xor()
    first, second = ns.Network.from_shape([2, 3, 1], seed=0), ns.Network.from_shape([2, 3, 1], seed=1)
    adam = ns.optim.Adam(lr=0.01)
    first.fit(X, Y, epochs=1, optimizer=adam, **FIT)
    before = weights_and_biases(second)
    with pytest.raises(ns.ParameterError, match=r"^optimizer: this Adam already trains another network"):
        second.fit(X, Y, epochs=1, optimizer=adam, **FIT)
    assert all(np.array_equal(values, before[key]) for key, values in weights_and_biases(second).items())
    assert adam.network is first


def test_state_of_refuses_what_the_optimizer_does_not_train():
    net, other = ns.Network.from_shape([2, 1], seed=0), ns.Network.from_shape([2, 1], seed=0)
    with pytest.raises(ns.ParameterError, match="not bound to a network yet"):
        ns.optim.Adam().state_of("input[0] -> output[0]")
    adam = ns.optim.Adam(net)
    with pytest.raises(ns.UnknownNameError, match="parameter must be a synapse"):
        adam.state_of(other.synapse("input[0]", "output[0]"))
    with pytest.raises(ns.UnknownNameError, match="parameter must be a synapse"):
        adam.state_of("input[0] -> output[7]")


def test_a_deep_copy_trains_with_the_optimizer_copied_along_with_it():
    X, y = ns.datasets.xor()
    net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    net.fit(X, y, optimizer="adam", lr=0.1, loss="bce", epochs=5, verbose=0, diagnose=False)
    copied = copy.deepcopy(net)
    # the copy's optimizer is a copy too, bound to the copy; it starts again on the copy's arrays
    assert copied.optimizer is not net.optimizer and copied.optimizer.network is copied
    fresh = copy.deepcopy(net)
    copied.fit(X, y, optimizer=copied.optimizer, loss="bce", epochs=5, verbose=0, diagnose=False)
    fresh.fit(X, y, optimizer=ns.optim.Adam(lr=0.1), loss="bce", epochs=5, verbose=0, diagnose=False)
    for name, values in fresh.state_dict().items():
        assert not np.array_equal(values, net.state_dict()[name])  # it trained
        np.testing.assert_allclose(copied.state_dict()[name], values, rtol=1e-12)  # as a new Adam from there
    state = copied.synapse("input[0]", "hidden1[0]").optimizer_state
    assert set(state) == {"m", "v"} and state["v"] > 0
