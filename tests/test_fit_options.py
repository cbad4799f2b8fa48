"""fit's defaults and options: epochs and engine by default, one History across calls, schedules, stopping."""

from __future__ import annotations

import inspect
import math
import re

import numpy as np
import pytest

import neurosim as ns
from neurosim.engines import CompiledNetwork, ObjectEngine
from neurosim.training.fit import DEFAULT_EPOCHS, fit

FIT = dict(verbose=0, diagnose=False)


def regression_data(n=8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), rng.normal(size=(n, 2))


def small_network():
    net = ns.Network.from_shape([3, 4, 2], activation="tanh", output_activation="identity", seed=4)
    net.connect("input[0]", "output[1]", weight=0.3)
    net.disconnect("input[2]", "hidden1[1]")
    return net


def weights_and_biases(net):
    return {name: values.copy() for name, values in net.named_parameters()}


def assert_same_parameters(got, want):
    assert set(got) == set(want)
    for key in want:
        assert np.array_equal(got[key], want[key]), key


class RunSpy(ns.training.Callback):
    """Remembers the run's engine and optimizer; it has no per-batch hook, so it leaves the engine to fit."""

    def on_fit_begin(self, run):
        self.engine, self.lr, self.epochs = run.engine, run.optimizer.lr, run.epochs


class ReadsNeurons(ns.training.Callback):
    """A per-batch hook that reads a neuron object, as a learner's callback may."""

    def __init__(self):
        self.first_activations = []

    def on_batch_end(self, run, batch):
        value = run.network["hidden1"][0].a
        self.first_activations.append(None if value is None else np.copy(value))


# ---------------------------------------------------------------- defaults


def test_epochs_defaults_to_the_documented_number():
    assert inspect.signature(fit).parameters["epochs"].default == DEFAULT_EPOCHS == 100
    assert "default 100" in inspect.getdoc(fit)
    X, Y = regression_data()
    spy = RunSpy()
    history = small_network().fit(X, Y, lr=0.01, callbacks=[spy], **FIT)
    assert history.epochs == 100 and spy.epochs == 100


@pytest.mark.parametrize(("optimizer", "lr"), [("sgd", 1e-3), ("adam", 1e-3), ("rmsprop", 1e-2)])
def test_lr_defaults_to_the_optimizers_own(optimizer, lr):
    X, Y = regression_data()
    spy = RunSpy()
    small_network().fit(X, Y, epochs=1, optimizer=optimizer, callbacks=[spy], **FIT)
    assert spy.lr == lr


def test_the_default_engine_is_auto_and_trains_with_the_compiled_engine():
    assert inspect.signature(fit).parameters["engine"].default == "auto"
    X, Y = regression_data()
    spy = RunSpy()
    net = small_network()
    net.fit(X, Y, epochs=5, lr=0.1, batch_size=3, seed=1, callbacks=[spy], **FIT)
    assert isinstance(spy.engine, CompiledNetwork)
    compiled = small_network()
    compiled.fit(X, Y, epochs=5, lr=0.1, batch_size=3, seed=1, engine="compiled", **FIT)
    assert_same_parameters(weights_and_biases(net), weights_and_biases(compiled))  # bit for bit


def test_neurosims_own_callbacks_keep_the_compiled_engine():
    X, Y = regression_data()
    net = small_network()
    net.watch("input[0]", "hidden1[0]")
    spy = RunSpy()
    net.fit(X, Y, epochs=3, lr=0.1, callbacks=[spy], verbose=0)  # with the doctor
    assert isinstance(spy.engine, CompiledNetwork)


def test_a_callback_with_a_batch_hook_gets_the_object_engine_and_sees_each_batchs_neurons():
    X, Y = regression_data(n=6)
    spy, reader = RunSpy(), ReadsNeurons()
    net = small_network()
    net.fit(X, Y, epochs=2, lr=0.1, batch_size=3, shuffle=False, callbacks=[spy, reader], **FIT)
    assert isinstance(spy.engine, ObjectEngine)
    assert len(reader.first_activations) == 4
    for got, want in zip(reader.first_activations, hidden_activations_batch_by_batch(X, Y), strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def hidden_activations_batch_by_batch(X, Y):
    """hidden1[0]'s activations on each batch of 3 (2 epochs, in order), before that batch's SGD update."""
    replay = small_network()
    expected = []
    for _ in range(2):
        for start in (0, 3):
            X_batch, Y_batch = X[start : start + 3], Y[start : start + 3]
            weights = replay.blocks[0].weight[0]  # input -> hidden1[0]
            expected.append(np.tanh(replay["hidden1"].bias[0] + X_batch @ weights))
            replay.fit(X_batch, Y_batch, epochs=1, lr=0.1, engine="object", **FIT)
    return expected


def test_an_engine_named_explicitly_is_used_even_with_a_batch_hook():
    X, Y = regression_data(n=6)
    spy, reader = RunSpy(), ReadsNeurons()
    net = small_network()
    net.fit(
        X, Y, epochs=2, lr=0.1, batch_size=3, shuffle=False, engine="compiled", callbacks=[spy, reader], **FIT
    )
    assert isinstance(spy.engine, CompiledNetwork)
    # what the auto choice avoids: the compiled engine fills the neurons only when training ends
    assert reader.first_activations == [None] * 4


def one_value_at_a_time():
    """tanh written for one neuron's values: a loop over a 1-D array, which a matrix breaks."""
    return ns.activations.Activation(
        "tanh_by_value",
        lambda z: np.array([math.tanh(v) for v in z]),
        lambda z: np.array([1 - math.tanh(v) ** 2 for v in z]),
    )


def test_an_activation_that_runs_one_neuron_at_a_time_gets_the_object_engine():
    X, Y = regression_data()
    net = ns.Network.from_shape(
        [3, 4, 2], activation=one_value_at_a_time(), output_activation="identity", seed=4
    )
    start = net.state_dict()
    with pytest.raises(TypeError):  # the compiled engine calls it on a whole layer
        net.fit(X, Y, epochs=1, lr=0.1, engine="compiled", **FIT)
    net.load_state_dict(start)
    spy = RunSpy()
    net.fit(X, Y, epochs=3, lr=0.1, batch_size=4, seed=0, callbacks=[spy], **FIT)
    assert isinstance(spy.engine, ObjectEngine)
    # it trains like the built-in tanh: the same function, computed one value at a time
    twin = ns.Network.from_shape([3, 4, 2], activation="tanh", output_activation="identity", seed=4)
    twin.load_state_dict(start)
    twin.fit(X, Y, epochs=3, lr=0.1, batch_size=4, seed=0, engine="object", **FIT)
    for key, want in weights_and_biases(twin).items():
        np.testing.assert_allclose(dict(net.named_parameters())[key], want, rtol=0, atol=1e-14)


def test_an_activation_that_gives_other_values_on_a_matrix_gets_the_object_engine():
    # its function squashes by the mean of whatever it is given: per neuron in the object engine,
    # per layer in the compiled one
    centred = ns.activations.Activation(
        "centred", lambda z: z - z.mean(), lambda z: np.ones_like(z) - 1 / z.size, check=False
    )
    net = ns.Network.from_shape([2, 3, 1], activation=centred, seed=0)
    choice = ns.training.engine_choice.choose_engine(net)
    assert choice.name == "object"
    assert "'centred' of layer 'hidden1'" in choice.reason and "other values on a matrix" in choice.reason


def test_an_activation_of_yours_is_tried_on_a_matrix_once_and_a_built_in_never(monkeypatch):
    from neurosim.training import engine_choice
    from neurosim.training.engine_choice import _compare_with_columns as compare

    tried = []
    monkeypatch.setattr(engine_choice, "_compare_with_columns", lambda a: (tried.append(a.name), compare(a)))
    slow = one_value_at_a_time()
    net = ns.Network.from_shape([2, 3, 1], activation=slow, output_activation="sigmoid", seed=0)
    reasons = {engine_choice.choose_engine(net).reason for _ in range(3)}
    assert tried == ["tanh_by_value"]  # asked three times, tried once
    assert len(reasons) == 1 and "TypeError" in reasons.pop()  # and the same reason each time
    built_in = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    assert engine_choice.choose_engine(built_in).name == "compiled"
    assert tried == ["tanh_by_value"]
    # the same function in a new Activation is tried again: only the object it was tried as is known
    again = ns.Network.from_shape([2, 3, 1], activation=one_value_at_a_time(), output_activation="sigmoid")
    assert engine_choice.choose_engine(again).name == "object"
    assert tried == ["tanh_by_value", "tanh_by_value"]


# ---------------------------------------------------------------- one History across calls

HISTORY_LISTS = ("loss", "accuracy", "val_loss", "val_accuracy")


def classification_data():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(10, 3))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    return X[:7], y[:7], X[7:], y[7:]


def classifier():
    return ns.Network.from_shape([3, 4, 1], activation="tanh", output_activation="sigmoid", seed=2)


@pytest.mark.parametrize("engine", ["object", "compiled"])
def test_two_calls_of_sgd_continue_one_history_as_one_long_run_bit_for_bit(engine):
    X, y, X_val, y_val = classification_data()
    options = dict(
        lr=0.5, loss="bce", batch_size=3, shuffle=False, validation_data=(X_val, y_val), engine=engine, **FIT
    )
    long = classifier()
    long_history = long.fit(X, y, epochs=10, **options)
    net = classifier()
    history = net.fit(X, y, epochs=4, **options)
    same = net.fit(X, y, epochs=6, history=history, **options)
    assert same is history
    assert history.epochs == 10
    for name in HISTORY_LISTS:
        assert len(getattr(history, name)) == 10
        assert getattr(history, name) == getattr(long_history, name), name
    assert (history.stopped_at, history.diverged_at, history.loss_name) == (None, None, "bce")
    assert_same_parameters(weights_and_biases(net), weights_and_biases(long))


def test_an_optimizer_object_keeps_its_state_across_the_calls_and_a_named_one_starts_afresh():
    X, Y = regression_data()
    options = dict(batch_size=3, shuffle=False, **FIT)
    long = small_network()
    long_history = long.fit(X, Y, epochs=8, optimizer=ns.optim.Adam(lr=0.05), **options)
    net = small_network()
    adam = ns.optim.Adam(lr=0.05)
    history = net.fit(X, Y, epochs=3, optimizer=adam, **options)
    net.fit(X, Y, epochs=5, optimizer=adam, history=history, **options)
    assert adam.steps == 8 * 3
    assert history.loss == long_history.loss
    assert_same_parameters(weights_and_biases(net), weights_and_biases(long))
    # by name, each call makes a new Adam whose moments start at 0 again: another run
    named = small_network()
    history = named.fit(X, Y, epochs=3, optimizer="adam", lr=0.05, **options)
    named.fit(X, Y, epochs=5, optimizer="adam", lr=0.05, history=history, **options)
    assert history.loss[:3] == long_history.loss[:3]
    assert history.loss[3] != long_history.loss[3]


class StopDuring(ns.training.Callback):
    """Stops at the beginning of the given epoch of its call."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_begin(self, run, epoch):
        if epoch == self.epoch:
            run.stop("by hand")


def test_stopped_at_counts_the_epochs_of_the_whole_history():
    X, Y = regression_data()
    options = dict(lr=0.1, batch_size=3, shuffle=False, **FIT)
    long = small_network()
    long_history = long.fit(X, Y, epochs=10, callbacks=[StopDuring(8)], **options)
    net = small_network()
    history = net.fit(X, Y, epochs=5, **options)
    net.fit(X, Y, epochs=5, callbacks=[StopDuring(3)], history=history, **options)
    assert (long_history.stopped_at, long_history.epochs) == (8, 7)
    assert (history.stopped_at, history.stop_reason, history.epochs) == (8, "by hand", 7)
    assert history.loss == long_history.loss
    assert_same_parameters(weights_and_biases(net), weights_and_biases(long))
    net.fit(X, Y, epochs=2, history=history, **options)  # a later call that runs to its end
    assert (history.stopped_at, history.stop_reason, history.epochs) == (None, None, 9)


def test_diverged_at_counts_the_epochs_of_the_whole_history():
    X, Y = regression_data()
    net = ns.Network.from_shape([3, 4, 2], activation="identity", output_activation="identity", seed=4)
    history = net.fit(X, Y, epochs=3, lr=1e-3, **FIT)
    start = net.state_dict()
    with pytest.warns(ns.errors.DivergenceWarning) as fresh_warning:
        fresh = net.fit(X, Y, epochs=20, lr=1.0, seed=0, **FIT)  # far too large: the weights overflow
    k = fresh.diverged_at
    assert k is not None and 1 < k < 20
    net.load_state_dict(start)
    with pytest.warns(
        ns.errors.DivergenceWarning, match=f"training stopped at epoch {3 + k}, batch 1"
    ) as warned:
        net.fit(X, Y, epochs=20, lr=1.0, seed=0, history=history, **FIT)
    assert f"training stopped at epoch {k}, batch 1" in str(fresh_warning[0].message)
    assert len(warned) == 1
    assert (history.diverged_at, history.stopped_at, history.epochs) == (3 + k, 3 + k, 3 + k - 1)
    assert history.loss[3:] == fresh.loss


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        (
            dict(),
            dict(loss="mse"),
            "history records training with loss='bce', and this fit trains with loss='mse'",
        ),
        (
            dict(),
            dict(validation_data="val"),
            "history has no val_loss for its 2 epochs, and this fit has validation_data",
        ),
        (
            dict(validation_data="val"),
            dict(),
            "history has val_loss for its 2 epochs, and this fit has no validation_data",
        ),
    ],
)
def test_a_history_that_cannot_go_on_is_refused_and_nothing_changes(first, second, message):
    X, y, X_val, y_val = classification_data()
    val = dict(validation_data=(X_val, y_val))
    net = classifier()
    history = net.fit(X, y, epochs=2, lr=0.5, loss="bce", **(val if first else {}), **FIT)
    before, recorded = net.state_dict(), {name: list(getattr(history, name)) for name in HISTORY_LISTS}
    loss = second.get("loss", "bce")
    with pytest.raises(ns.errors.ParameterError, match="^" + re.escape(message)):
        net.fit(
            X,
            y,
            epochs=2,
            lr=0.5,
            loss=loss,
            history=history,
            **(val if second.get("validation_data") else {}),
            **FIT,
        )
    assert_same_parameters(net.state_dict(), before)
    assert {name: getattr(history, name) for name in HISTORY_LISTS} == recorded


def test_a_history_of_classification_cannot_go_on_with_targets_that_are_not_classes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 2))
    net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="identity", seed=0)
    history = net.fit(X, np.array([0.0, 1, 1, 0, 1, 0]), epochs=2, lr=0.1, **FIT)  # mse on 0/1: accuracy
    assert len(history.accuracy) == 2
    with pytest.raises(
        ns.errors.ParameterError,
        match=r"^history has accuracy for its 2 epochs, and this fit has no targets that are classes",
    ):
        net.fit(X, rng.normal(size=6), epochs=2, lr=0.1, history=history, **FIT)


def test_an_empty_history_takes_the_loss_of_its_first_run():
    X, Y = regression_data()
    history = ns.training.History()
    assert small_network().fit(X, Y, epochs=2, lr=0.1, history=history, **FIT) is history
    assert (history.epochs, history.loss_name) == (2, "mse")


# ---------------------------------------------------------------- lr_schedule and early_stopping


class RateSpy(ns.training.Callback):
    """The learning rate each epoch trains with."""

    def __init__(self):
        self.rates = []

    def on_epoch_begin(self, run, epoch):
        self.rates.append(run.optimizer.lr)


def test_lr_schedule_sets_each_epochs_rate_as_runs_at_those_rates_would():
    X, Y = regression_data()
    options = dict(batch_size=3, shuffle=False, **FIT)
    spy = RunSpy()
    rates = RateSpy()
    net = small_network()
    net.fit(
        X,
        Y,
        epochs=5,
        lr=0.8,
        lr_schedule=ns.optim.StepLR(every=2, gamma=0.5),
        callbacks=[spy, rates],
        **options,
    )
    assert rates.rates == [0.8, 0.8, 0.4, 0.4, 0.2]
    assert isinstance(spy.engine, CompiledNetwork)  # a schedule needs no object engine
    by_hand = small_network()
    for epochs, lr in ((2, 0.8), (2, 0.4), (1, 0.2)):
        by_hand.fit(X, Y, epochs=epochs, lr=lr, **options)
    assert_same_parameters(weights_and_biases(net), weights_and_biases(by_hand))


def test_early_stopping_ends_the_run_patience_epochs_after_the_best_validation_loss():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(12, 2)), rng.normal(size=(12, 1))  # noise: the validation loss soon rises
    X_val, Y_val = rng.normal(size=(12, 2)), rng.normal(size=(12, 1))
    net = ns.Network.from_shape([2, 16, 1], activation="tanh", output_activation="identity", seed=0)
    spy = RunSpy()
    stopper = ns.callbacks.EarlyStopping(patience=3)
    history = net.fit(
        X,
        Y,
        epochs=500,
        lr=0.2,
        validation_data=(X_val, Y_val),
        early_stopping=stopper,
        callbacks=[spy],
        **FIT,
    )
    assert isinstance(spy.engine, CompiledNetwork)
    best = int(np.argmin(history.val_loss)) + 1
    assert history.epochs == best + 3 < 500
    assert history.stopped_at == history.epochs and history.stop_reason.startswith("early stopping")
    assert all(value > history.val_loss[best - 1] for value in history.val_loss[best:])


A_SCHEDULE = "lr_schedule must be a Schedule such as ns.optim.StepLR(every=10, gamma=0.5), or None; got "
A_STOPPER = "early_stopping must be an EarlyStopping such as ns.callbacks.EarlyStopping(), or None; got "
SCHEDULE_OR_STOPPING_REFUSALS = [
    ("lr_schedule", "step", A_SCHEDULE + "'step'"),
    ("lr_schedule", ns.optim.StepLR, A_SCHEDULE + "the class StepLR; pass an instance"),
    ("lr_schedule", ns.callbacks.EarlyStopping(), A_SCHEDULE + "EarlyStopping(patience=10"),
    ("early_stopping", ns.optim.StepLR(every=2), A_STOPPER + "StepLR(every=2, gamma=0.1)"),
    ("early_stopping", 10, A_STOPPER + "10"),
]


@pytest.mark.parametrize(("argument", "value", "message"), SCHEDULE_OR_STOPPING_REFUSALS)
def test_a_schedule_or_stopper_of_the_wrong_kind_is_refused(argument, value, message):
    X, Y = regression_data()
    net = small_network()
    before = net.state_dict()
    with pytest.raises(ns.errors.ParameterError, match="^" + re.escape(message)):
        net.fit(X, Y, epochs=2, lr=0.1, **{argument: value}, **FIT)
    assert_same_parameters(net.state_dict(), before)


def test_a_schedule_given_also_as_a_callback_is_refused():
    X, Y = regression_data()
    schedule = ns.optim.StepLR(every=2)
    with pytest.raises(ns.errors.ParameterError, match=r"^lr_schedule .* is among the callbacks too"):
        small_network().fit(X, Y, epochs=2, lr=0.1, lr_schedule=schedule, callbacks=[schedule], **FIT)
    assert schedule.epoch == 0 and schedule.lrs == []


# ---------------------------------------------------------------- refused before training


@pytest.mark.parametrize(
    ("options", "argument"),
    [
        (dict(epochs=0), "epochs"),
        (dict(engine="fast"), "engine"),
        (dict(weight_decay=-1e-3), "weight_decay"),
        (dict(l1=float("nan")), "l1"),
        (dict(lr_schedule="cosine"), "lr_schedule"),
        (dict(early_stopping=True), "early_stopping"),
        (dict(history={"loss": []}), "history"),
    ],
)
def test_each_bad_option_raises_a_neurosim_error_naming_it_and_leaves_the_network_unchanged(
    options, argument
):
    X, Y = regression_data()
    net = small_network()
    before = net.state_dict()
    grads = {name: grad.copy() for name, grad in net.named_gradients()}
    with pytest.raises(ns.errors.NeurosimError, match=f"^{argument}\\b"):
        net.fit(X, Y, **{"lr": 0.1, **options}, **FIT)
    assert_same_parameters(net.state_dict(), before)
    assert_same_parameters({name: grad.copy() for name, grad in net.named_gradients()}, grads)
