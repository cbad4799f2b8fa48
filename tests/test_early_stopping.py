"""Early stopping: patience counted by hand, the best epoch's weights restored exactly, bad input refused."""

from __future__ import annotations

import math

import numpy as np
import pytest

import neurosim as ns
from neurosim.training.callbacks import Run

FIT = dict(verbose=0, diagnose=False)


def weights_and_biases(net):
    return {name: values.copy() for name, values in net.named_parameters()}


def same_weights(net, want):
    return all(np.array_equal(values, want[key]) for key, values in weights_and_biases(net).items())


def noisy_sine(seed=1):
    """12 training samples of sin(3x) with noise, and 40 validation samples: a wide network overfits them."""
    rng = np.random.default_rng(seed)
    X, X_val = rng.uniform(-1, 1, size=(12, 1)), rng.uniform(-1, 1, size=(40, 1))
    noise, noise_val = 0.3 * rng.normal(size=(12, 1)), 0.3 * rng.normal(size=(40, 1))
    return X, np.sin(3 * X) + noise, X_val, np.sin(3 * X_val) + noise_val


def wide_network():
    return ns.Network.from_shape([1, 32, 1], activation="tanh", output_activation="identity", seed=0)


TRAINING = dict(optimizer="adam", lr=0.003, batch_size=4, seed=0)


# ---------------------------------------------------------------- restore_best (acceptance 5)


@pytest.mark.parametrize("engine", ["object", "compiled"])
def test_restore_best_leaves_exactly_the_weights_of_the_best_epoch(engine):
    X, Y, X_val, Y_val = noisy_sine()
    net = wide_network()
    stopper = ns.callbacks.EarlyStopping(patience=10, restore_best=True)
    history = net.fit(
        X,
        Y,
        epochs=1000,
        validation_data=(X_val, Y_val),
        engine=engine,
        callbacks=[stopper],
        **TRAINING,
        **FIT,
    )
    best = stopper.best_epoch
    assert (
        history.epochs == stopper.stopped_epoch == best + 10 < 1000
    )  # it stopped early, 10 epochs after the best
    assert history.val_loss[best - 1] == min(history.val_loss)
    assert stopper.restored

    by_hand = wide_network()  # the same start, stopped by hand after the best epoch
    by_hand.fit(X, Y, epochs=best, validation_data=(X_val, Y_val), engine=engine, **TRAINING, **FIT)
    assert same_weights(net, weights_and_biases(by_hand))  # bit for bit

    last = wide_network()  # the run as it ended, without the restore: other weights
    last.fit(X, Y, epochs=history.epochs, engine=engine, **TRAINING, **FIT)
    assert not same_weights(net, weights_and_biases(last))
    val_mse = float(np.mean((net.predict(X_val) - Y_val) ** 2))
    assert val_mse == pytest.approx(history.val_loss[best - 1], rel=1e-12)


def test_without_restore_best_the_weights_are_those_of_the_last_epoch():
    X, Y, X_val, Y_val = noisy_sine()
    net = wide_network()
    stopper = ns.callbacks.EarlyStopping(patience=4)
    history = net.fit(
        X,
        Y,
        epochs=1000,
        validation_data=(X_val, Y_val),
        engine="compiled",
        callbacks=[stopper],
        **TRAINING,
        **FIT,
    )
    assert stopper.best_epoch < history.epochs == stopper.stopped_epoch < 1000
    assert not stopper.restored
    twin = wide_network()
    twin.fit(X, Y, epochs=history.epochs, engine="compiled", **TRAINING, **FIT)
    assert same_weights(net, weights_and_biases(twin))


def test_restore_best_also_restores_when_the_epochs_run_out():
    X, Y, X_val, Y_val = noisy_sine()
    net = wide_network()
    stopper = ns.callbacks.EarlyStopping(patience=100, restore_best=True)
    history = net.fit(
        X,
        Y,
        epochs=40,
        validation_data=(X_val, Y_val),
        engine="compiled",
        callbacks=[stopper],
        **TRAINING,
        **FIT,
    )
    assert history.epochs == 40 and stopper.stopped_epoch == 0 and history.stop_reason is None
    assert 1 <= stopper.best_epoch < 40
    twin = wide_network()
    twin.fit(X, Y, epochs=stopper.best_epoch, engine="compiled", **TRAINING, **FIT)
    assert same_weights(net, weights_and_biases(twin))


def test_restore_best_puts_back_finite_weights_after_a_divergence():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    Y = X @ np.array([[2.0], [-1.0]])

    def linear_network():
        return ns.Network.from_shape([2, 4, 1], activation="identity", output_activation="identity", seed=0)

    net = linear_network()
    stopper = ns.callbacks.EarlyStopping(monitor="loss", patience=1000, restore_best=True)
    with pytest.warns(ns.DivergenceWarning, match="training stopped at epoch"):
        history = net.fit(X, Y, epochs=100, lr=0.5, seed=0, engine="compiled", callbacks=[stopper], **FIT)
    assert history.diverged_at is not None and stopper.best_epoch < history.diverged_at
    assert all(np.isfinite(values).all() for _, values in net.named_parameters())
    twin = linear_network()
    twin.fit(X, Y, epochs=stopper.best_epoch, lr=0.5, seed=0, engine="compiled", **FIT)
    assert same_weights(net, weights_and_biases(twin))


# ---------------------------------------------------------------- patience by hand


def hand_run(targets=((0.3,),), loss="mse"):
    """A real ``Run`` whose history the test fills in by hand, to step the callback with chosen numbers."""
    net = ns.Network.from_shape([1, 1], seed=0)
    T = np.array(targets, dtype=float)
    history = ns.History(loss_name=loss)
    optimizer = ns.optim.SGD(net, lr=0.1)
    return Run(
        net, None, ns.get_loss(loss), optimizer, history, epochs=100, batch_size=1, n_samples=len(T), T=T
    )


def play(stopper, run, numbers, name="val_loss"):
    """Record each number as an epoch's ``name`` (and training loss) and call the epoch-end hook after it."""
    stopper.on_fit_begin(run)
    for epoch, value in enumerate(numbers, start=1):
        run.epoch = epoch
        run.history.loss.append(value if name == "loss" else 1.0)
        if name != "loss":
            getattr(run.history, name).append(value)
        stopper.on_epoch_end(run, epoch)
        if run.stopped:
            break
    stopper.on_fit_end(run)


def test_patience_counts_epochs_without_an_improvement_larger_than_min_delta():
    stopper = ns.callbacks.EarlyStopping(patience=3, min_delta=0.05)
    run = hand_run()
    # an improvement is a value below best - 0.05
    # 1: 1.0 best | 2: 0.9 best | 3: 0.88 wait 1 | 4: 0.87 wait 2 | 5: 0.86 wait 3: stop
    play(stopper, run, [1.0, 0.9, 0.88, 0.87, 0.86, 0.5, 0.4])
    assert run.stopped and run.history.stopped_at == 5
    assert (stopper.best, stopper.best_epoch, stopper.stopped_epoch, stopper.wait) == (0.9, 2, 5, 3)
    assert run.history.stop_reason == (
        "early stopping: val_loss has not improved by more than 0.05 for 3 epochs (best 0.9 at epoch 2)"
    )


def test_without_min_delta_any_decrease_resets_the_count():
    stopper = ns.callbacks.EarlyStopping(patience=2)
    run = hand_run()
    # 1: best | 2: 1.0 is not below 1.0: wait 1 | 3: 0.99 best | 4: wait 1 | 5: nan is no improvement: stop
    play(stopper, run, [1.0, 1.0, 0.99, 0.995, math.nan, 0.1])
    assert (stopper.best, stopper.best_epoch, stopper.stopped_epoch) == (0.99, 3, 5)


def test_patience_1_stops_at_the_first_epoch_without_improvement():
    stopper = ns.callbacks.EarlyStopping(patience=1, monitor="loss")
    run = hand_run()
    # 1: 0.5 best | 2: 0.4 best | 3: 0.45 wait 1: stop
    play(stopper, run, [0.5, 0.4, 0.45, 0.3], name="loss")
    assert (stopper.best_epoch, stopper.stopped_epoch) == (2, 3)
    assert stopper.monitored == "loss"


def test_an_accuracy_is_better_when_higher():
    stopper = ns.callbacks.EarlyStopping(patience=2, monitor="val_accuracy")
    run = hand_run(targets=((0.0,), (1.0,)))
    # 1: 0.5 best | 2: 0.75 best | 3: 0.75 is not above 0.75: wait 1 | 4: 0.7 wait 2: stop
    play(stopper, run, [0.5, 0.75, 0.75, 0.7, 1.0], name="val_accuracy")
    assert (stopper.best, stopper.best_epoch, stopper.stopped_epoch) == (0.75, 2, 4)


def test_each_fit_call_counts_afresh():
    X, Y, X_val, Y_val = noisy_sine()
    net = wide_network()
    stopper = ns.callbacks.EarlyStopping(patience=3)
    options = dict(validation_data=(X_val, Y_val), engine="compiled", callbacks=[stopper], **TRAINING, **FIT)
    net.fit(X, Y, epochs=1000, **options)
    first = stopper.stopped_epoch
    history = net.fit(X, Y, epochs=2, **options)
    assert first > 0
    assert history.epochs == 2 and stopper.stopped_epoch == 0 and stopper.best_epoch >= 1


# ---------------------------------------------------------------- without validation data


def test_without_validation_data_it_watches_the_training_loss():
    X, Y, _, _ = noisy_sine()
    net = wide_network()
    stopper = ns.callbacks.EarlyStopping(patience=1, min_delta=10.0)  # no epoch improves by 10 on the first
    history = net.fit(X, Y, epochs=50, engine="compiled", callbacks=[stopper], **TRAINING, **FIT)
    assert stopper.monitored == "loss"
    assert (history.epochs, stopper.best_epoch, stopper.best) == (2, 1, history.loss[0])
    assert history.stop_reason.startswith(
        "early stopping: loss has not improved by more than 10 for 1 epoch "
    )


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("options", "pattern"),
    [
        (dict(patience=0), r"^patience must be a positive integer; got 0"),
        (dict(patience=2.5), r"^patience must be a positive integer; got 2.5"),
        (dict(min_delta=-0.1), r"^min_delta must be a number >= 0; got -0.1"),
        (dict(min_delta=math.inf), r"^min_delta must be a number >= 0; got inf"),
        (dict(monitor="val_acc"), r"^monitor must be one of 'val_loss', 'loss', 'val_accuracy', 'accuracy'"),
        (dict(restore_best="yes"), r"^restore_best must be True or False; got 'yes'"),
    ],
)
def test_bad_settings_are_refused_by_name(options, pattern):
    with pytest.raises(ns.ParameterError, match=pattern):
        ns.callbacks.EarlyStopping(**options)


def test_an_accuracy_in_a_regression_is_refused_with_the_network_unchanged():
    X, Y, X_val, Y_val = noisy_sine()
    net = wide_network()
    before = weights_and_biases(net)
    stopper = ns.callbacks.EarlyStopping(monitor="val_accuracy", restore_best=True)
    with pytest.raises(
        ns.ParameterError, match=r"^monitor='val_accuracy': an accuracy is recorded for classification"
    ):
        net.fit(X, Y, epochs=5, validation_data=(X_val, Y_val), engine="compiled", callbacks=[stopper], **FIT)
    assert same_weights(net, before)


def test_the_public_names():
    assert ns.callbacks.Callback is ns.training.Callback
    assert ns.callbacks.Run is ns.training.Run and ns.callbacks.Batch is ns.training.Batch
    assert isinstance(ns.callbacks.EarlyStopping(), ns.callbacks.Callback)
    assert repr(ns.callbacks.EarlyStopping(patience=3, min_delta=0.01, monitor="loss")) == (
        "EarlyStopping(patience=3, min_delta=0.01, monitor='loss', restore_best=False)"
    )


# ---------------------------------------------------------------- fit(early_stopping=...)


def test_fit_takes_early_stopping_by_its_own_argument():
    X, Y, X_val, Y_val = noisy_sine()
    net, twin = wide_network(), wide_network()
    stopper = ns.callbacks.EarlyStopping(patience=10, restore_best=True)
    history = net.fit(
        X, Y, epochs=1000, validation_data=(X_val, Y_val), early_stopping=stopper, **TRAINING, **FIT
    )
    assert history.epochs == stopper.best_epoch + 10 < 1000 and stopper.restored
    twin.fit(X, Y, epochs=stopper.best_epoch, validation_data=(X_val, Y_val), **TRAINING, **FIT)
    assert same_weights(net, weights_and_biases(twin))


@pytest.mark.parametrize(
    ("early_stopping", "pattern"),
    [
        (
            10,
            r"^early_stopping must be an EarlyStopping such as ns.callbacks.EarlyStopping\(\), or None; "
            r"got 10$",
        ),
        (
            ns.callbacks.EarlyStopping,
            r"^early_stopping must be an EarlyStopping .*; got the class EarlyStopping",
        ),
        (
            ns.optim.StepLR(every=2),
            r"^early_stopping must be an EarlyStopping .*; got StepLR\(every=2, gamma=0.1\)",
        ),
    ],
)
def test_fit_refuses_what_is_not_early_stopping_with_the_network_unchanged(early_stopping, pattern):
    X, Y, X_val, Y_val = noisy_sine()
    net = wide_network()
    before = weights_and_biases(net)
    with pytest.raises(ns.ParameterError, match=pattern):
        net.fit(
            X, Y, epochs=3, validation_data=(X_val, Y_val), early_stopping=early_stopping, **TRAINING, **FIT
        )
    assert same_weights(net, before)
