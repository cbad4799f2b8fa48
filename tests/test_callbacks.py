"""Training callbacks: what they see at each batch, when they are called, and how they stop training."""

from __future__ import annotations

import numpy as np
import pytest
from reference_mlp import reference_pass
from test_bad_input import refused
from test_engines_agree import assert_close

import neurosim as ns

X, y = ns.datasets.moons(10, noise=0.1, seed=0)
ENGINES = ["object", "compiled"]


def moons_net() -> ns.Network:
    net = ns.Network.from_shape([2, 4, 3, 1], activation="tanh", output_activation="sigmoid", seed=1)
    net.connect("input[1]", "output[0]", weight=0.2)  # a skip connection
    net.disconnect("hidden1[0]", "hidden2[2]")  # a pruned synapse
    return net


class Recorder(ns.training.Callback):
    """Copies everything a batch shows, and the weights each update started from."""

    def __init__(self) -> None:
        self.seen: list[dict[str, object]] = []

    def on_backward_end(self, run, batch):
        record = {
            "epoch": batch.epoch,
            "number": batch.number,
            "indices": batch.indices.copy(),
            "X": batch.X.copy(),
            "T": batch.T.copy(),
            "outputs": batch.outputs.copy(),
            "loss": batch.loss,
            "weights": run.network.state_dict(),
            "grads": {name: grads.copy() for name, grads in batch.grads().items()},
        }
        for layer in run.network.layers:
            record[f"{layer.name} z"] = batch.z(layer).copy()
            record[f"{layer.name} a"] = batch.a(layer.name).copy()
            delta = batch.delta(layer)
            record[f"{layer.name} delta"] = None if delta is None else delta.copy()
        self.seen.append(record)


def train_with(engine: str, *callbacks: object, **options: object) -> tuple[ns.Network, ns.History]:
    net = moons_net()
    settings = {"epochs": 2, "lr": 0.5, "batch_size": 4, "loss": "bce", "seed": 3, "verbose": 0}
    settings.update(options)
    history = net.fit(X, y, engine=engine, callbacks=list(callbacks), **settings)
    return net, history


@pytest.mark.parametrize("engine", ENGINES)
def test_each_batch_shows_the_values_and_gradients_of_an_independent_pass(engine):
    recorder = Recorder()
    train_with(engine, recorder)
    assert [(r["epoch"], r["number"]) for r in recorder.seen] == [
        (1, 1),
        (1, 2),
        (1, 3),
        (2, 1),
        (2, 2),
        (2, 3),
    ]
    assert [len(r["indices"]) for r in recorder.seen] == [4, 4, 2] * 2
    for record in recorder.seen:
        # the same pass, computed independently from the weights this update started from
        net = moons_net()
        net.load_state_dict(record["weights"])
        assert np.array_equal(record["X"], X[record["indices"]])
        reference = reference_pass(net, record["X"], record["T"], "bce")
        for layer in net.layers:
            assert_close(record[f"{layer.name} z"], reference.z[layer.name], f"{layer.name} z")
            assert_close(record[f"{layer.name} a"], reference.a[layer.name], f"{layer.name} a")
            if layer.is_input:
                assert record[f"{layer.name} delta"] is None
            else:
                assert_close(
                    record[f"{layer.name} delta"], reference.delta[layer.name], f"{layer.name} delta"
                )
        for name, grads in record["grads"].items():
            assert_close(grads, reference.grads[name], name)
        assert_close(record["outputs"], reference.a["output"], "outputs")
        assert_close(record["loss"], reference.loss, "loss")


def test_both_engines_show_callbacks_the_same_numbers():
    records = []
    for engine in ENGINES:
        recorder = Recorder()
        train_with(engine, recorder, momentum=0.5)
        records.append(recorder.seen)
    assert len(records[0]) == len(records[1]) == 6
    for left, right in zip(*records, strict=True):
        assert left.keys() == right.keys()
        for key in left:
            if key in ("weights", "grads"):
                for name in left[key]:
                    assert_close(left[key][name], right[key][name], f"{key} {name}")
            elif left[key] is None:
                assert right[key] is None, key
            else:
                assert_close(left[key], right[key], key)


class Log(ns.training.Callback):
    def __init__(self) -> None:
        self.calls: list[str] = []

    def on_fit_begin(self, run):
        self.calls.append("fit_begin")

    def on_epoch_begin(self, run, epoch):
        self.calls.append(f"epoch_begin {epoch}")

    def on_backward_end(self, run, batch):
        self.calls.append(f"backward_end {batch.epoch}.{batch.number}")

    def on_batch_end(self, run, batch):
        self.calls.append(f"batch_end {batch.epoch}.{batch.number}")

    def on_epoch_end(self, run, epoch):
        self.calls.append(f"epoch_end {epoch} ({run.history.epochs} in history)")

    def on_fit_end(self, run):
        self.calls.append("fit_end")


@pytest.mark.parametrize("engine", ENGINES)
def test_hooks_are_called_in_order(engine):
    log = Log()
    train_with(engine, log, batch_size=6)
    assert log.calls == [
        "fit_begin",
        "epoch_begin 1",
        "backward_end 1.1",
        "batch_end 1.1",
        "backward_end 1.2",
        "batch_end 1.2",
        "epoch_end 1 (1 in history)",
        "epoch_begin 2",
        "backward_end 2.1",
        "batch_end 2.1",
        "backward_end 2.2",
        "batch_end 2.2",
        "epoch_end 2 (2 in history)",
        "fit_end",
    ]


class StopAt(ns.training.Callback):
    """Stops at a given hook, epoch and batch, and keeps the weights it saw then."""

    def __init__(self, hook: str, epoch: int, number: int = 0) -> None:
        self.hook, self.epoch, self.number = hook, epoch, number
        self.weights: dict[str, np.ndarray] | None = None

    def _maybe_stop(self, hook, run, epoch, number=0):
        if (hook, epoch, number) == (self.hook, self.epoch, self.number):
            self.weights = run.network.state_dict()
            run.stop(f"{hook} at {epoch}.{number}")

    def on_backward_end(self, run, batch):
        self._maybe_stop("backward_end", run, batch.epoch, batch.number)

    def on_batch_end(self, run, batch):
        self._maybe_stop("batch_end", run, batch.epoch, batch.number)

    def on_epoch_end(self, run, epoch):
        self._maybe_stop("epoch_end", run, epoch)


def updates_made(engine: str, count: int) -> dict[str, np.ndarray]:
    """The weights after exactly ``count`` updates, counted by an independent callback."""

    class Count(ns.training.Callback):
        def __init__(self):
            self.updates = 0
            self.weights = None

        def on_batch_end(self, run, batch):
            self.updates += 1
            if self.updates == count:
                self.weights = run.network.state_dict()

    counter = Count()
    train_with(engine, counter, epochs=3)
    return counter.weights


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("hook", "epoch", "number", "updates", "epochs_recorded"),
    [
        ("backward_end", 2, 2, 4, 1),  # before the update of batch 2 of epoch 2: 3 + 1 updates made
        ("batch_end", 2, 2, 5, 1),  # after it
        ("epoch_end", 2, 0, 6, 2),
    ],
)
def test_a_callback_stops_training(engine, hook, epoch, number, updates, epochs_recorded):
    stopper = StopAt(hook, epoch, number)
    net, history = train_with(engine, stopper, epochs=3)
    expected = updates_made(engine, updates)
    for name, values in net.state_dict().items():
        assert np.array_equal(values, expected[name]), name
        assert np.array_equal(values, stopper.weights[name]), name
    assert history.epochs == epochs_recorded
    assert (history.stopped_at, history.stop_reason) == (epoch, f"{hook} at {epoch}.{number}")
    assert history.diverged_at is None


def test_callbacks_attached_to_the_network_run_at_every_fit_until_removed():
    net = moons_net()
    log = Log()
    handle = net.add_callback(log)
    assert net.callbacks == [log] and handle.attached
    net.fit(X, y, epochs=1, lr=0.1, loss="bce", verbose=0)
    net.fit(X, y, epochs=1, lr=0.1, loss="bce", verbose=0)
    assert log.calls.count("fit_begin") == 2
    handle.remove()
    net.fit(X, y, epochs=1, lr=0.1, loss="bce", verbose=0)
    assert log.calls.count("fit_begin") == 2 and net.callbacks == [] and not handle.attached


def test_fit_end_is_called_when_a_hook_raises():
    class Broken(Log):
        def on_batch_end(self, run, batch):
            raise RuntimeError("broken callback")

    log = Broken()
    with pytest.raises(RuntimeError, match="broken callback"):
        train_with("compiled", log)
    assert log.calls[-1] == "fit_end"


def test_a_watch_records_through_the_callback_mechanism():
    net = moons_net()
    watch = net.watch("hidden2")
    assert net.callbacks == [watch]
    recorder = Recorder()
    net.fit(X, y, epochs=2, lr=0.5, batch_size=4, loss="bce", seed=3, verbose=0, callbacks=[recorder])
    # the watch's gradients are those each update used, as the recorder saw them
    expected = [
        r["grads"]["hidden1->hidden2.weight"][net["hidden2"].neurons[0].index, 0] for r in recorder.seen
    ]
    assert watch.grads[1:, 0] == pytest.approx(expected, rel=1e-12)
    watch.stop()
    assert net.callbacks == []


def test_the_progress_display_is_a_callback(capsys):
    net = moons_net()
    net.fit(X, y, epochs=20, lr=0.1, loss="bce", verbose=2)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("epoch 1/20  loss ") and lines[-1].startswith("epoch 20/20  loss ")


@pytest.mark.parametrize(
    ("callbacks", "match"),
    [
        (["not a callback"], r"callbacks\[0\] \(a str\) has none of the hooks"),
        ([ns.training.Callback()], r"callbacks\[0\] \(a Callback\) has none of the hooks"),
        (Log(), "callbacks must be a list of callbacks"),
    ],
)
def test_a_bad_callbacks_argument_is_refused_before_training(callbacks, match):
    net = moons_net()
    with refused(net, ns.ParameterError, match):
        net.fit(X, y, epochs=1, lr=0.1, loss="bce", verbose=0, callbacks=callbacks)


def test_a_stop_before_the_first_epoch_trains_nothing():
    class StopAtOnce(Log):
        def on_fit_begin(self, run):
            super().on_fit_begin(run)
            run.stop("not today")

    net, log = moons_net(), StopAtOnce()
    before = net.state_dict()
    history = net.fit(X, y, epochs=3, lr=0.5, loss="bce", verbose=0, callbacks=[log])
    assert log.calls == ["fit_begin", "fit_end"]
    assert (history.epochs, history.stopped_at, history.stop_reason) == (0, 0, "not today")
    assert all(np.array_equal(values, before[name]) for name, values in net.state_dict().items())


def test_a_callback_is_called_once_even_when_given_twice_is_refused():
    net = moons_net()
    watch = net.watch("hidden2")
    with refused(net, ns.ParameterError, r"callbacks\[0\] \(a Watch\) is attached to the network already"):
        net.fit(X, y, epochs=1, lr=0.1, loss="bce", verbose=0, callbacks=[watch])
    with refused(net, ns.ParameterError, "is attached to this network already"):
        net.add_callback(watch)
    log = Log()
    with refused(net, ns.ParameterError, r"callbacks\[1\] \(a Log\) is given twice"):
        net.fit(X, y, epochs=1, lr=0.1, loss="bce", verbose=0, callbacks=[log, log])
    with refused(net, ns.ParameterError, r"callback is the class Log; pass an instance: Log\(\)"):
        net.add_callback(Log)
    with refused(net, ns.ParameterError, r"callback \(a int\) has none of the hooks"):
        net.add_callback(42)
    assert net.callbacks == [watch]


def test_an_object_with_hook_attributes_is_a_callback():
    from types import SimpleNamespace

    epochs = []
    callback = SimpleNamespace(on_epoch_end=lambda run, epoch: epochs.append(epoch))
    moons_net().fit(X, y, epochs=3, lr=0.1, loss="bce", verbose=0, callbacks=[callback])
    assert epochs == [1, 2, 3]


@pytest.mark.parametrize("engine", ENGINES)
def test_what_a_batch_shows_cannot_change_training(engine):
    """Views of the engine's arrays cannot be written, nor made writable; copies can, to no effect."""

    class Vandal(ns.training.Callback):
        refused = 0

        def on_backward_end(self, run, batch):
            shown = (batch.X, batch.T, batch.indices, batch.a("hidden1"), batch.z("output"),
                     batch.delta("hidden2"), batch.grad("hidden1.bias"),
                     batch.grad("hidden1->hidden2.weight"), batch.outputs)  # fmt: skip
            for array in shown:
                with pytest.raises(ValueError, match=r"read-only"):
                    array[...] = 0
                try:
                    array.flags.writeable = True
                    array[...] = 0
                except ValueError:
                    self.refused += 1

    vandal = Vandal()
    vandalised, _ = train_with(engine, vandal, epochs=2)
    untouched, _ = train_with(engine, epochs=2)
    for name, values in vandalised.state_dict().items():
        assert np.array_equal(values, untouched.state_dict()[name]), name
    # inputs, targets, indices and gradients are views of live arrays in both engines
    assert vandal.refused >= 5 * 6
    with pytest.raises(ns.UnknownNameError, match=r"no parameter array named 'hidden1\.weight'"):
        train_with(engine, _GradOf("hidden1.weight"), epochs=1)


class _GradOf(ns.training.Callback):
    def __init__(self, name):
        self.name = name

    def on_batch_end(self, run, batch):
        batch.grad(self.name)
