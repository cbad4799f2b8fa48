"""Learning-rate schedules: the rates and weights of torch.optim.lr_scheduler, and rates by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from torch_mirror import TorchMirror, train

import neurosim as ns
from neurosim.training.callbacks import Run

FIT = dict(verbose=0, diagnose=False, engine="compiled")


def small_network():
    """3 inputs, 4 tanh neurons, 2 identity outputs, a skip connection and a pruned synapse."""
    net = ns.Network.from_shape([3, 4, 2], activation="tanh", output_activation="identity", seed=4)
    net.connect("input[0]", "output[1]", weight=0.3)
    net.disconnect("input[2]", "hidden1[1]")
    return net


def weights_and_biases(net):
    return {name: values.copy() for name, values in net.named_parameters()}


# ---------------------------------------------------------------- torch.optim.lr_scheduler

#: each schedule of neurosim, with the torch scheduler made with the same settings
SCHEDULES = {
    "step": (
        lambda: ns.optim.StepLR(every=3, gamma=0.5),
        lambda torch, opt: torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5),
    ),
    "exponential": (
        lambda: ns.optim.ExponentialLR(gamma=0.8),
        lambda torch, opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.8),
    ),
    "cosine": (  # 12 epochs: down to eta_min at step 4, up again, down again at 12
        lambda: ns.optim.CosineAnnealingLR(t_max=4, eta_min=0.002),
        lambda torch, opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=0.002),
    ),
    "plateau-val_loss": (
        lambda: ns.optim.ReduceLROnPlateau(factor=0.5, patience=1, threshold=0.02),
        lambda torch, opt: torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt, factor=0.5, patience=1, threshold=0.02
        ),
    ),
    "plateau-loss-abs": (
        lambda: ns.optim.ReduceLROnPlateau(
            monitor="loss",
            factor=0.3,
            patience=0,
            threshold=0.05,
            threshold_mode="abs",
            cooldown=1,
            min_lr=1e-3,
        ),
        lambda torch, opt: torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt, factor=0.3, patience=0, threshold=0.05, threshold_mode="abs", cooldown=1, min_lr=1e-3
        ),
    ),
}
OPTIMIZERS = {
    "sgd": (
        lambda: ns.optim.SGD(lr=0.05, momentum=0.9),
        lambda torch, p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
    ),
    "adam": (lambda: ns.optim.Adam(lr=0.02), lambda torch, p: torch.optim.Adam(p, lr=0.02)),
}


def torch_scheduler_step(name, scheduler):
    """Step once after an epoch: with the monitored number for ReduceLROnPlateau."""

    def step(run):
        if name == "plateau-val_loss":
            scheduler.step(run.val_loss[-1])
        elif name == "plateau-loss-abs":
            scheduler.step(run.loss[-1])
        else:
            scheduler.step()

    return step


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("name", list(SCHEDULES))
def test_every_schedule_matches_torch(name, optimizer):
    torch = pytest.importorskip("torch", reason="the comparison with torch.optim needs PyTorch")
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(9, 3)), rng.normal(size=(9, 2))
    validation = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    epochs, batch_size, seed = 12, 4, 3
    make, make_torch = SCHEDULES[name]
    make_optimizer, make_torch_optimizer = OPTIMIZERS[optimizer]

    mirror = TorchMirror(torch, small_network())
    torch_optimizer = make_torch_optimizer(torch, list(mirror.params.values()))
    scheduler = make_torch(torch, torch_optimizer)
    want = train(
        torch,
        mirror,
        torch_optimizer,
        X,
        Y,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        step_scheduler=torch_scheduler_step(name, scheduler),
        validation=validation,
    )

    net, schedule = small_network(), make()
    history = net.fit(
        X,
        Y,
        epochs=epochs,
        optimizer=make_optimizer(),
        batch_size=batch_size,
        seed=seed,
        validation_data=validation,
        callbacks=[schedule],
        **FIT,
    )
    np.testing.assert_allclose(history.val_loss, want.val_loss, rtol=0, atol=1e-10)
    assert schedule.lrs == want.lrs  # the same floats: the rate of every epoch
    assert schedule.lr == scheduler.get_last_lr()[0]
    assert len(set(schedule.lrs)) >= 3  # the rate did change, more than once
    got = weights_and_biases(net)
    for key, values in mirror.weights().items():
        np.testing.assert_allclose(got[key], values, rtol=0, atol=1e-10, err_msg=key)


def test_the_cosine_rates_equal_the_closed_form_to_rounding():
    net = small_network()
    X, Y = np.zeros((2, 3)), np.zeros((2, 2))
    schedule = ns.optim.CosineAnnealingLR(t_max=5, eta_min=0.01)
    net.fit(X, Y, epochs=23, optimizer=ns.optim.SGD(lr=0.1), callbacks=[schedule], **FIT)
    closed = [0.01 + (0.1 - 0.01) * (1 + math.cos(math.pi * e / 5)) / 2 for e in range(23)]
    np.testing.assert_allclose(schedule.lrs, closed, rtol=1e-13, atol=0)
    assert schedule.lrs[5] == pytest.approx(0.01, abs=1e-15)  # the bottom, then up again
    assert schedule.lrs[10] == pytest.approx(0.1, abs=1e-15)


# ---------------------------------------------------------------- rates by hand


def test_step_exponential_and_cosine_rates_by_hand():
    X, Y = np.zeros((2, 3)), np.zeros((2, 2))
    step, exponential = ns.optim.StepLR(every=3, gamma=0.1), ns.optim.ExponentialLR(gamma=0.5)
    cosine = ns.optim.CosineAnnealingLR(t_max=2)
    for schedule in (step, exponential, cosine):
        small_network().fit(X, Y, epochs=7, optimizer=ns.optim.SGD(lr=1.0), callbacks=[schedule], **FIT)
    assert step.lrs == pytest.approx([1, 1, 1, 0.1, 0.1, 0.1, 0.01], rel=1e-15)
    assert exponential.lrs == [1, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625]
    # 1 + cos(pi e / 2) over 2: 1, 1/2, 0, 1/2, 1, 1/2, 0
    assert cosine.lrs == pytest.approx([1, 0.5, 0, 0.5, 1, 0.5, 0], abs=1e-15)
    assert (step.epoch, step.lr) == (7, pytest.approx(0.01, rel=1e-15))


def test_the_optimizer_trains_each_epoch_with_the_scheduled_rate():
    # one weight, identity output, x = 1, t = 0, no bias: loss w^2, gradient 2w, one SGD step per epoch
    net = ns.Network.from_shape([1, 1], activation="identity", bias=False, init="zeros")
    net.synapse("input[0]", "output[0]").weight = 1.0
    schedule = ns.optim.StepLR(every=1, gamma=0.5)
    net.fit([[1.0]], [[0.0]], epochs=3, optimizer=ns.optim.SGD(lr=0.25), callbacks=[schedule], **FIT)
    # w = 1 * (1 - 2 * 0.25) * (1 - 2 * 0.125) * (1 - 2 * 0.0625)
    assert net.synapse("input[0]", "output[0]").weight == 0.5 * 0.75 * 0.875


def hand_run(lr=1.0, loss="mse", targets=((0.3,),)):
    """A real ``Run`` whose history the test fills in by hand, to step a callback with chosen numbers."""
    net = ns.Network.from_shape([1, 1], seed=0)
    T = np.array(targets, dtype=float)
    history = ns.History(loss_name=loss)
    optimizer = ns.optim.SGD(net, lr=lr)
    return Run(
        net, None, ns.get_loss(loss), optimizer, history, epochs=100, batch_size=1, n_samples=len(T), T=T
    )


def play(callback, run, numbers, name="loss"):
    """Record each number as an epoch's ``name`` (and loss) and call the epoch-end hook after it."""
    callback.on_fit_begin(run)
    for epoch, value in enumerate(numbers, start=1):
        run.epoch = epoch
        run.history.loss.append(value)
        if name != "loss":
            getattr(run.history, name).append(value)
        callback.on_epoch_end(run, epoch)
        if run.stopped:
            break


def test_reduce_on_plateau_by_hand():
    schedule = ns.optim.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2, threshold=0.1, cooldown=1)
    run = hand_run(lr=1.0)
    # better means below best * 0.9
    # 1: 1.0 best | 2: 0.95 bad 1 | 3: 0.92 bad 2 | 4: 0.85 best | 5: 0.8 bad 1 | 6: 0.79 bad 2
    # 7: 0.78 bad 3 > 2: lr 0.5, cooldown 1 | 8: 0.775 bad, forgiven in the cooldown | 9: 0.77 bad 1
    # 10: 0.768 bad 2 | 11: 0.767 bad 3: lr 0.25 | 12: 0.6 below 0.85 * 0.9: best
    play(schedule, run, [1.0, 0.95, 0.92, 0.85, 0.8, 0.79, 0.78, 0.775, 0.77, 0.768, 0.767, 0.6])
    assert schedule.lrs == [1.0] * 7 + [0.5] * 4 + [0.25]
    assert (schedule.best, schedule.num_bad_epochs, run.optimizer.lr) == (0.6, 0, 0.25)
    assert schedule.monitored == "loss"


def test_reduce_on_plateau_stops_at_min_lr_and_watches_accuracy_upwards():
    schedule = ns.optim.ReduceLROnPlateau(
        monitor="accuracy", factor=0.1, patience=0, threshold=0, min_lr=0.05
    )
    run = hand_run(lr=1.0, targets=((0.0,), (1.0,)))
    # an accuracy is better when higher: 0.5 best | 0.5 bad: lr 0.1 | 0.75 best | 0.75 bad: lr max(0.01, 0.05)
    # | 0.7 bad: max(0.005, 0.05) changes nothing
    play(schedule, run, [0.5, 0.5, 0.75, 0.75, 0.7], name="accuracy")
    assert schedule.mode == "max"
    assert schedule.lrs == [1.0, 1.0, 0.1, 0.1, 0.05]
    assert run.optimizer.lr == 0.05


def test_reduce_on_plateau_watches_the_training_loss_without_validation_data():
    X, Y = np.zeros((2, 3)), np.ones((2, 2))
    schedule = ns.optim.ReduceLROnPlateau(patience=0, threshold=0.9)  # monitor="val_loss"
    small_network().fit(X, Y, epochs=3, optimizer=ns.optim.SGD(lr=0.1), callbacks=[schedule], **FIT)
    assert schedule.monitored == "loss"
    # the loss goes 1.0, 0.58, 0.34: never below 0.1 of the first, so each later epoch reduces the rate
    assert schedule.lrs == pytest.approx([0.1, 0.1, 0.01], rel=1e-15)
    assert schedule.lr == pytest.approx(0.001, rel=1e-15)


# ---------------------------------------------------------------- across fit calls


def test_a_schedule_keeps_its_count_across_fit_calls():
    X, Y = np.random.default_rng(0).normal(size=(6, 3)), np.random.default_rng(1).normal(size=(6, 2))
    once, twice = small_network(), small_network()
    one_schedule = ns.optim.StepLR(every=2, gamma=0.5)
    once.fit(X, Y, epochs=6, optimizer=ns.optim.SGD(lr=0.1), shuffle=False, callbacks=[one_schedule], **FIT)
    schedule = ns.optim.StepLR(every=2, gamma=0.5)
    # a new optimizer at each call (SGD without momentum has no state): the schedule gives it the rate reached
    twice.fit(X, Y, epochs=3, optimizer=ns.optim.SGD(lr=0.1), shuffle=False, callbacks=[schedule], **FIT)
    assert schedule.lr == 0.05
    optimizer = ns.optim.SGD(lr=0.1)
    twice.fit(X, Y, epochs=3, optimizer=optimizer, shuffle=False, callbacks=[schedule], **FIT)
    assert schedule.lrs == one_schedule.lrs == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
    assert schedule.epoch == 6 and optimizer.lr == 0.0125
    for key, values in weights_and_biases(once).items():
        np.testing.assert_array_equal(weights_and_biases(twice)[key], values)


# ---------------------------------------------------------------- bad settings


@pytest.mark.parametrize(
    ("make", "pattern"),
    [
        (lambda: ns.optim.StepLR(every=0), r"^every must be a positive integer; got 0"),
        (lambda: ns.optim.StepLR(every=2.5), r"^every must be a positive integer; got 2.5"),
        (lambda: ns.optim.StepLR(every=2, gamma=0), r"^gamma must be a positive number; got 0"),
        (lambda: ns.optim.ExponentialLR(gamma=-0.5), r"^gamma must be a positive number; got -0.5"),
        (lambda: ns.optim.ExponentialLR(gamma="0.5"), r"^gamma must be a positive number; got '0.5'"),
        (lambda: ns.optim.CosineAnnealingLR(t_max=0), r"^t_max must be a positive integer; got 0"),
        (lambda: ns.optim.CosineAnnealingLR(t_max=5, eta_min=-1), r"^eta_min must be a number >= 0"),
        (lambda: ns.optim.ReduceLROnPlateau(factor=1.0), r"^factor must be a number in \(0, 1\); got 1.0"),
        (lambda: ns.optim.ReduceLROnPlateau(factor=0), r"^factor must be a number in \(0, 1\); got 0"),
        (lambda: ns.optim.ReduceLROnPlateau(patience=-1), r"^patience must be a whole number >= 0; got -1"),
        (lambda: ns.optim.ReduceLROnPlateau(cooldown=True), r"^cooldown must be a whole number >= 0"),
        (
            lambda: ns.optim.ReduceLROnPlateau(mode="lowest"),
            r"^mode must be one of 'min', 'max'; got 'lowest'",
        ),
        (
            lambda: ns.optim.ReduceLROnPlateau(threshold_mode="x"),
            r"^threshold_mode must be one of 'rel', 'abs'",
        ),
        (lambda: ns.optim.ReduceLROnPlateau(threshold=-0.1), r"^threshold must be a number >= 0"),
        (lambda: ns.optim.ReduceLROnPlateau(min_lr=float("nan")), r"^min_lr must be a number >= 0"),
        (
            lambda: ns.optim.ReduceLROnPlateau(monitor="val_acc"),
            r"^monitor must be one of 'val_loss', 'loss'",
        ),
    ],
)
def test_bad_settings_are_refused_by_name(make, pattern):
    with pytest.raises(ns.ParameterError, match=pattern):
        make()


def test_monitoring_an_accuracy_in_a_regression_is_refused_before_training():
    X, Y = np.random.default_rng(0).normal(size=(6, 3)), np.random.default_rng(1).normal(size=(6, 2))
    net = small_network()
    before = weights_and_biases(net)
    schedule = ns.optim.ReduceLROnPlateau(monitor="val_accuracy")
    with pytest.raises(
        ns.ParameterError, match=r"^monitor='val_accuracy': an accuracy is recorded for classification"
    ):
        net.fit(X, Y, epochs=2, lr=0.1, validation_data=(X, Y), callbacks=[schedule], **FIT)
    assert all(np.array_equal(values, before[key]) for key, values in weights_and_biases(net).items())


# ---------------------------------------------------------------- fit(lr_schedule=...)


def test_fit_takes_a_schedule_as_lr_schedule():
    X, Y = np.random.default_rng(0).normal(size=(6, 3)), np.random.default_rng(1).normal(size=(6, 2))
    as_argument, as_callback = small_network(), small_network()
    schedule = ns.optim.CosineAnnealingLR(t_max=3)
    as_argument.fit(X, Y, epochs=5, optimizer=ns.optim.Adam(lr=0.05), lr_schedule=schedule, seed=0, **FIT)
    twin = ns.optim.CosineAnnealingLR(t_max=3)
    as_callback.fit(X, Y, epochs=5, optimizer=ns.optim.Adam(lr=0.05), callbacks=[twin], seed=0, **FIT)
    assert schedule.lrs == twin.lrs and schedule.epoch == 5
    for key, values in weights_and_biases(as_callback).items():
        np.testing.assert_array_equal(weights_and_biases(as_argument)[key], values)


@pytest.mark.parametrize(
    ("lr_schedule", "pattern"),
    [
        (
            "step",
            r"^lr_schedule must be a Schedule such as ns.optim.StepLR\(every=10, gamma=0.5\), or None; "
            r"got 'step'$",
        ),
        (ns.optim.StepLR, r"^lr_schedule must be a Schedule .*; got the class StepLR; pass an instance"),
        (ns.callbacks.EarlyStopping(), r"^lr_schedule must be a Schedule .*; got EarlyStopping\(patience=10"),
    ],
)
def test_fit_refuses_what_is_not_a_schedule_with_the_network_unchanged(lr_schedule, pattern):
    X, Y = np.random.default_rng(0).normal(size=(6, 3)), np.random.default_rng(1).normal(size=(6, 2))
    net = small_network()
    before = weights_and_biases(net)
    with pytest.raises(ns.ParameterError, match=pattern):
        net.fit(X, Y, epochs=2, lr=0.1, lr_schedule=lr_schedule, **FIT)
    assert all(np.array_equal(values, before[key]) for key, values in weights_and_biases(net).items())
