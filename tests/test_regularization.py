"""Weight decay (L2) and L1 through fit: by hand, against finite differences, both engines, torch.optim."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference_mlp import reference_pass
from strategies import cases, network_settings
from torch_mirror import TorchMirror, train

import neurosim as ns
from neurosim.training.regularization import Penalty

FIT = dict(verbose=0, diagnose=False)


class GradientsBeforeUpdate(ns.training.Callback):
    """Copies every gradient array as the optimizer is about to see it, batch after batch."""

    def __init__(self):
        self.seen = []

    def on_backward_end(self, run, batch):
        self.seen.append({name: grad.copy() for name, grad in batch.grads().items()})


def weights_and_biases(net):
    return {name: values.copy() for name, values in net.named_parameters()}


# ---------------------------------------------------------------- by hand


@pytest.mark.parametrize("engine", ["object", "compiled"])
def test_one_weight_by_hand(engine):
    # out = w x + b with w = -2, b = 0; x = 1, 2 and t = 0, 1: errors e = out - t = -2, -5
    # mse = mean(e^2): dL/dw = mean(2 e x) = (-4 - 20) / 2 = -12, dL/db = mean(2 e) = (-4 - 10) / 2 = -7
    # the penalty adds 0.5 * w + 0.1 * sign(w) = -1 - 0.1 to the weight's gradient, nothing to the bias's
    net = ns.Network.from_shape([1, 1], activation="identity", init="zeros")
    synapse, neuron = net.synapse("input[0]", "output[0]"), net["output[0]"]
    synapse.weight = -2.0
    spy = GradientsBeforeUpdate()
    net.fit(
        [[1.0], [2.0]],
        [[0.0], [1.0]],
        epochs=1,
        optimizer=ns.optim.SGD(lr=0.01),
        weight_decay=0.5,
        l1=0.1,
        engine=engine,
        callbacks=[spy],
        **FIT,
    )
    (grads,) = spy.seen
    assert grads["input->output.weight"][0, 0] == pytest.approx(-13.1, abs=1e-14)
    assert grads["output.bias"][0] == pytest.approx(-7.0, abs=1e-14)
    assert synapse.grad == pytest.approx(-13.1, abs=1e-14)  # the synapse shows the same gradient
    assert synapse.weight == pytest.approx(-2.0 + 0.01 * 13.1, abs=1e-14)
    assert neuron.bias == pytest.approx(0.07, abs=1e-14)


def test_penalty_value_by_hand():
    net = ns.Network.from_shape([2, 1], activation="identity", init="zeros")
    net.synapse("input[0]", "output[0]").weight = 3.0
    net.synapse("input[1]", "output[0]").weight = -0.5
    net["output[0]"].bias = 10.0  # biases are not penalised
    # 0.2 / 2 * (9 + 0.25) + 0.01 * (3 + 0.5)
    assert Penalty(weight_decay=0.2, l1=0.01).value(net) == pytest.approx(0.925 + 0.035, abs=1e-15)
    assert Penalty().value(net) == 0.0
    assert not Penalty().active and Penalty(l1=1e-9).active


# ---------------------------------------------------------------- finite differences


def objective(net, X, T, weight_decay, l1):
    """The loss of the data plus the penalty, computed here (the loss by the reference pass)."""
    weights = [block.weight[block.mask] for block in net.blocks]
    penalty = sum(weight_decay / 2 * np.sum(w**2) + l1 * np.sum(np.abs(w)) for w in weights)
    return reference_pass(net, X, T, "mse").loss + penalty


@pytest.mark.parametrize("engine", ["object", "compiled"])
def test_gradients_with_the_penalty_match_finite_differences_of_loss_plus_penalty(engine):
    net = ns.Network.from_shape([3, 4, 2], activation="tanh", output_activation="identity", seed=7)
    net.connect("input[1]", "output[0]", weight=-0.7)  # a skip connection
    net.disconnect("input[0]", "hidden1[2]")  # a pruned synapse
    rng = np.random.default_rng(3)
    X, T = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    weight_decay, l1 = 0.3, 0.05
    start = net.state_dict()
    spy = GradientsBeforeUpdate()
    net.fit(X, T, epochs=1, lr=0.1, weight_decay=weight_decay, l1=l1, engine=engine, callbacks=[spy], **FIT)
    (grads,) = spy.seen
    net.load_state_dict(start)
    h = 1e-6
    compared = 0
    for name, values in net.named_parameters():
        mask = next((b.mask for b in net.blocks if f"{b.name}.weight" == name), np.ones(values.shape, bool))
        for index in np.ndindex(values.shape):
            if not mask[index]:
                assert grads[name][index] == 0.0  # a pruned synapse feels no penalty either
                continue
            original = values[index]
            values[index] = original + h
            up = objective(net, X, T, weight_decay, l1)
            values[index] = original - h
            down = objective(net, X, T, weight_decay, l1)
            values[index] = original
            assert grads[name][index] == pytest.approx((up - down) / (2 * h), rel=1e-6, abs=1e-8), (
                name,
                index,
            )
            compared += 1
    assert compared == len(net.synapses) + sum(layer.size for layer in net.layers[1:])


# ---------------------------------------------------------------- both engines agree


OPTIMIZERS = {
    "sgd": lambda: ns.optim.SGD(lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda: ns.optim.Adam(lr=0.01),
    "adamw": lambda: ns.optim.AdamW(lr=0.01, weight_decay=0.0),
    "rmsprop": lambda: ns.optim.RMSprop(lr=0.01, momentum=0.5),
    "adagrad": lambda: ns.optim.Adagrad(lr=0.1),
    "rprop": lambda: ns.optim.Rprop(lr=0.01),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@given(case=cases("tanh", "identity", "mse"), l1=st.sampled_from([0.0, 1e-3]))
@network_settings(max_examples=6)
def test_both_engines_give_the_same_weights_with_weight_decay_and_l1(name, case, l1):
    net, X, Y, _pruned, _skips = case
    start = net.state_dict()
    batch_size = None if name == "rprop" else 2
    trained = {}
    for engine in ("object", "compiled"):
        net.load_state_dict(start)
        net.fit(
            X,
            Y,
            epochs=20 if batch_size is None else 10,
            optimizer=OPTIMIZERS[name](),
            batch_size=batch_size,
            weight_decay=0.05,
            l1=l1,
            seed=2,
            engine=engine,
            **FIT,
        )
        trained[engine] = weights_and_biases(net)
    for key, want in trained["object"].items():
        np.testing.assert_allclose(trained["compiled"][key], want, rtol=0, atol=1e-10, err_msg=key)
    for block in net.blocks:
        assert np.all(block.weight[~block.mask] == 0.0)
        assert np.all(block.grad[~block.mask] == 0.0)


# ---------------------------------------------------------------- torch.optim


def small_network():
    """3 inputs, 4 tanh neurons, 2 identity outputs, a skip connection and a pruned synapse."""
    net = ns.Network.from_shape([3, 4, 2], activation="tanh", output_activation="identity", seed=4)
    net.connect("input[0]", "output[1]", weight=0.3)
    net.disconnect("input[2]", "hidden1[1]")
    return net


#: each optimizer as neurosim and torch make it, without its own weight decay
TORCH_SETTINGS = {
    "sgd": ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    "adam": ("Adam", dict(lr=0.01, betas=(0.8, 0.99))),
    "adamw": ("AdamW", dict(lr=0.01, weight_decay=0.0)),
    "rmsprop": ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5)),
    "adagrad": ("Adagrad", dict(lr=0.1)),
    "rprop": ("Rprop", dict(lr=0.01)),
}
#: those whose torch class adds ``weight_decay * w`` to the gradient (AdamW's decays the weights apart)
COUPLED = {"sgd", "adam", "rmsprop", "adagrad"}


def torch_training(torch, net, X, Y, name, epochs, batch_size, seed, weight_decay, l1):
    """Train a torch copy of ``net`` with ``torch.optim``: weight decay on the weights only, L1 in the loss.

    Where the torch class has a coupled ``weight_decay`` it is given to the
    weights' parameter group (the biases' group has none); otherwise the L2
    term ``weight_decay / 2 * sum(w ** 2)`` is added to the loss, as L1's
    ``l1 * sum(|w|)`` always is, and autograd differentiates them.
    """
    mirror = TorchMirror(torch, net)
    weights = mirror.weight_params()
    torch_class, settings = TORCH_SETTINGS[name]
    coupled = name in COUPLED
    groups = [
        {"params": weights, "weight_decay": weight_decay if coupled else 0.0},
        {"params": mirror.bias_params(), "weight_decay": 0.0},
    ]
    optimizer = getattr(torch.optim, torch_class)(groups, **settings)

    def penalty():
        l2 = 0.0 if coupled else weight_decay / 2 * sum((w**2).sum() for w in weights)
        return l2 + l1 * sum(w.abs().sum() for w in weights)

    train(torch, mirror, optimizer, X, Y, epochs=epochs, batch_size=batch_size, seed=seed, penalty=penalty)
    return mirror.weights()


def neurosim_optimizer(name):
    return getattr(ns.optim, TORCH_SETTINGS[name][0])(**TORCH_SETTINGS[name][1])


@pytest.mark.parametrize("name", list(TORCH_SETTINGS))
@pytest.mark.parametrize(("weight_decay", "l1"), [(0.1, 0.0), (0.0, 0.02), (0.1, 0.02)])
def test_weight_decay_and_l1_match_torch_optim(name, weight_decay, l1):
    torch = pytest.importorskip("torch", reason="the comparison with torch.optim needs PyTorch")
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    net = small_network()
    batch_size = None if name == "rprop" else 3
    epochs = 20 if batch_size is None else 7  # 20 or 21 updates
    want = torch_training(torch, net, X, Y, name, epochs, batch_size, 5, weight_decay, l1)
    net.fit(
        X,
        Y,
        epochs=epochs,
        optimizer=neurosim_optimizer(name),
        batch_size=batch_size,
        seed=5,
        weight_decay=weight_decay,
        l1=l1,
        engine="compiled",
        **FIT,
    )
    got = weights_and_biases(net)
    assert set(got) == set(want)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=0, atol=1e-10, err_msg=key)
    without = small_network()
    without.fit(X, Y, epochs=epochs, optimizer=neurosim_optimizer(name), batch_size=batch_size, seed=5, **FIT)
    assert not np.allclose(got["input->hidden1.weight"], without.blocks[0].weight, rtol=0, atol=1e-6)


def test_fit_weight_decay_adds_to_the_optimizers_own_which_also_decays_biases():
    # SGD's own weight_decay a acts on every parameter, fit's b on the weights: a + b on weights, a on biases
    torch = pytest.importorskip("torch", reason="the comparison with torch.optim needs PyTorch")
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    net = small_network()
    mirror = TorchMirror(torch, net)
    groups = [
        {"params": mirror.weight_params(), "weight_decay": 0.01 + 0.2},
        {"params": mirror.bias_params(), "weight_decay": 0.01},
    ]
    train(torch, mirror, torch.optim.SGD(groups, lr=0.1), X, Y, epochs=10, batch_size=2, seed=3)
    want = mirror.weights()
    optimizer = ns.optim.SGD(lr=0.1, weight_decay=0.01)
    net.fit(X, Y, epochs=10, optimizer=optimizer, weight_decay=0.2, batch_size=2, seed=3, **FIT)
    for key, value in net.named_parameters():
        np.testing.assert_allclose(value, want[key], rtol=0, atol=1e-10, err_msg=key)


# ---------------------------------------------------------------- history, refusals


def test_history_records_the_loss_of_the_data_without_the_penalty():
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    net = small_network()
    start = net.state_dict()
    first_loss = reference_pass(net, X, Y, "mse").loss
    history = net.fit(X, Y, epochs=1, lr=0.1, weight_decay=10.0, l1=1.0, **FIT)
    assert history.loss == [pytest.approx(first_loss, rel=1e-12)]  # full batch: the loss before the update
    net.load_state_dict(start)
    assert Penalty(10.0, 1.0).value(net) > 1.0  # large next to the loss, and not in it


@pytest.mark.parametrize(
    ("options", "argument"),
    [
        (dict(weight_decay=-1e-4), "weight_decay"),
        (dict(weight_decay=float("nan")), "weight_decay"),
        (dict(weight_decay=float("inf")), "weight_decay"),
        (dict(weight_decay="0.1"), "weight_decay"),
        (dict(l1=-0.5), "l1"),
        (dict(l1=float("inf")), "l1"),
        (dict(l1=None), "l1"),
    ],
)
def test_a_bad_penalty_is_refused_naming_it_and_the_network_is_unchanged(options, argument):
    net = small_network()
    before = net.state_dict()
    X, Y = np.ones((3, 3)), np.zeros((3, 2))
    with pytest.raises(ns.errors.ParameterError, match=f"^{argument} must be a number >= 0"):
        net.fit(X, Y, epochs=2, lr=0.1, **options, **FIT)
    for key, value in net.state_dict().items():
        assert np.array_equal(value, before[key])
