"""fit's records and inner loop: the same numbers however the epochs are run and recorded.

A fit with no callback hook runs its epochs straight on and records their
loss and accuracy a few epochs at a time (``EpochRecords``); a fit with an
epoch-end callback records each epoch as it ends. Both must give the same
history and weights, and both must agree with a loss and an accuracy
computed here from the outputs of each epoch.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import neurosim as ns
from neurosim.losses import LOSSES, Loss, _row_sum
from neurosim.training.batches import EpochData
from neurosim.training.metrics import CorrectCounter, accuracy
from neurosim.training.optimizers.sgd import DESCEND_PIECE, descend
from neurosim.training.records import MAX_HELD_EPOCHS


class EveryEpoch(ns.callbacks.Callback):
    """A callback that only watches: its epoch-end hook makes fit record each epoch as it ends."""

    def __init__(self) -> None:
        self.seen = []

    def on_epoch_end(self, run, epoch):
        self.seen.append(run.history.loss[-1])


def xor_net(seed=0):
    return ns.Network.from_shape([2, 4, 1], activation="sigmoid", seed=seed)


XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])


def weights(net):
    return [s.weight for s in net.synapses] + [n.bias for n in net.neurons if n.layer.has_bias]


@pytest.mark.parametrize(
    ("shape", "loss", "batch_size", "epochs"),
    [
        ([2, 4, 1], "bce", None, MAX_HELD_EPOCHS * 2 + 7),  # whole batches, held across several flushes
        ([2, 5, 3], "cross_entropy", 3, 40),  # shuffled mini-batches with a short last one
        ([2, 3, 1], "mse", 2, 25),
    ],
)
def test_a_run_without_hooks_records_and_trains_exactly_as_a_watched_run(shape, loss, batch_size, epochs):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(11, 2))
    y = rng.integers(0, shape[-1] if shape[-1] > 1 else 2, size=11)
    output = {"bce": "sigmoid", "cross_entropy": "softmax", "mse": "sigmoid"}[loss]
    nets = [ns.Network.from_shape(shape, activation="tanh", output_activation=output, seed=1) for _ in "ab"]
    options = {"epochs": epochs, "lr": 0.3, "batch_size": batch_size, "loss": loss, "seed": 4, "verbose": 0}
    lean = nets[0].fit(X, y, diagnose=False, **options)
    watcher = EveryEpoch()
    watched = nets[1].fit(X, y, diagnose=False, callbacks=[watcher], **options)
    assert lean.loss == watched.loss == watcher.seen
    assert lean.accuracy == watched.accuracy
    assert len(lean.loss) == epochs
    assert weights(nets[0]) == weights(nets[1])


def test_each_recorded_epoch_is_the_loss_and_accuracy_of_its_own_outputs_computed_here():
    # full batch: the epoch's outputs are those of the weights before its update, so retrace them by hand
    net = xor_net()
    W1, b1 = net.compile().matrix("input", "hidden1")[0].copy(), np.array([n.bias for n in net["hidden1"]])
    W2, b2 = net.compile().matrix("hidden1", "output")[0].copy(), np.array([n.bias for n in net["output"]])
    history = net.fit(XOR_X, XOR_Y, epochs=300, lr=2.0, loss="bce", verbose=0, diagnose=False)
    t = XOR_Y[:, None].astype(float)
    for epoch in range(300):
        h = 1 / (1 + np.exp(-(XOR_X @ W1.T + b1)))
        z = h @ W2.T + b2
        a = 1 / (1 + np.exp(-z))
        loss = float(np.mean(np.log1p(np.exp(z)) - t * z))
        assert history.loss[epoch] == pytest.approx(loss, rel=1e-12)
        assert history.accuracy[epoch] == float(np.mean((a >= 0.5) == t))
        delta = (a - t) / 4
        dh = delta @ W2 * h * (1 - h)
        W2, b2 = W2 - 2.0 * delta.T @ h, b2 - 2.0 * delta.sum(axis=0)
        W1, b1 = W1 - 2.0 * dh.T @ XOR_X, b1 - 2.0 * dh.sum(axis=0)
    assert np.allclose(net.compile().matrix("hidden1", "output")[0], W2, atol=1e-12)


@pytest.mark.parametrize("name", ["mse", "bce", "cross_entropy"])
def test_the_loss_of_a_stack_of_batches_is_each_batchs_value_exactly(name):
    rng = np.random.default_rng(0)
    loss = LOSSES[name]
    for n, m in [(1, 1), (4, 1), (33, 3), (1797, 10), (7, 40)]:
        z = rng.normal(size=(5, n, m)) * 30
        a = 1 / (1 + np.exp(-z))
        t = rng.uniform(size=(5, n, m))
        for targets in (t, t[0]):  # one target array per batch, or the same for all
            values = loss.values(z, a, targets)
            each = [
                loss.value(z[i].copy(), a[i].copy(), (targets if targets.ndim == 2 else targets[i]).copy())
                for i in range(5)
            ]
            assert values.tolist() == each


def test_a_few_outputs_are_summed_column_by_column_first_to_last_as_python_sums_a_list():
    # 1e16 + 1 rounds back to 1e16, so the order shows: first to last gives 1, not the true 8
    row = [1e16, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, -1e16, 1.0]
    rows = np.array([row, row[::-1]])
    summed = _row_sum(np.stack([rows, rows[::-1]]))  # two stacked batches, in either order
    assert summed[..., 0].tolist() == [[sum(row), sum(row[::-1])], [sum(row[::-1]), sum(row)]]
    assert sum(row) == 1.0
    wide = np.random.default_rng(0).normal(size=(3, 40))  # past ROW_COLUMNS: numpy's own reduction
    assert _row_sum(wide)[:, 0].tolist() == np.add.reduce(wide, axis=1).tolist()


def test_a_loss_of_your_own_records_through_its_value():
    class Absolute(Loss):
        name = "absolute"

        def value(self, z, a, t):
            return float(np.mean(np.abs(a - t)))

    z = np.arange(12.0).reshape(2, 3, 2)
    values = Absolute().values(z, z, np.zeros((3, 2)))
    assert values.tolist() == [2.5, 8.5]  # means of 0..5 and of 6..11


def test_counting_a_stack_of_epochs_agrees_with_accuracy_on_each_nan_rows_included():
    rng = np.random.default_rng(1)
    for targets in (
        np.eye(4)[rng.integers(0, 4, size=30)],  # one-hot
        rng.integers(0, 2, size=(30, 1)).astype(float),  # one output
        rng.integers(0, 2, size=(30, 3)).astype(float),  # multi-label
    ):
        outputs = rng.uniform(size=(6, 30, targets.shape[1]))
        outputs[2, 5, 0] = np.nan
        rows = np.array([rng.permutation(30) for _ in range(6)])
        counted = CorrectCounter(targets).count_each(outputs, rows)
        for i in range(6):
            right = accuracy(outputs[i], targets[rows[i]]) * 30
            assert counted[i] == pytest.approx(right, abs=1e-9)


def test_a_large_update_in_pieces_gives_the_numbers_of_two_whole_passes():
    rng = np.random.default_rng(2)
    size = 3 * DESCEND_PIECE + 17
    values, grad = rng.normal(size=size), rng.normal(size=size)
    expected = values - 0.01 * grad
    descend(values, grad, 0.01, np.empty(size))
    assert np.array_equal(values, expected)


def test_epoch_data_with_ones_gives_each_batch_next_to_a_column_of_ones_in_the_epochs_order():
    X = np.arange(20.0).reshape(10, 2)
    T = np.arange(10.0).reshape(10, 1)
    order = np.random.default_rng(0).permutation(10)
    data = EpochData(X, T, 4, with_ones=True)
    batches = list(data.batches(order))
    assert [stop - start for start, stop, *_ in batches] == [4, 4, 2]
    for start, stop, X_batch, T_batch, X_ones in batches:
        assert np.array_equal(X_batch, X[order[start:stop]])
        assert np.array_equal(X_ones, np.column_stack([X[order[start:stop]], np.ones(stop - start)]))
        assert np.array_equal(T_batch, T[order[start:stop]])


def test_the_compiled_engine_computes_the_same_gradients_from_a_batch_given_next_to_ones():
    X = np.random.default_rng(5).normal(size=(6, 2))
    T = np.array([[0.0], [1.0], [1.0], [0.0], [1.0], [0.0]])
    gradients = []
    for given in (False, True):
        net = xor_net(seed=3)
        engine = net.compile()
        X_ones = np.column_stack([X, np.ones(6)])
        kwargs = {"X_ones": X_ones} if given else {}
        assert engine.train_batch(X_ones[:, :-1] if given else X, T, ns.get_loss("bce"), **kwargs)
        gradients.append([s.grad for s in net.synapses] + [n.bias_grad for n in net.neurons[2:]])
    assert gradients[0] == gradients[1]
    reference = xor_net(seed=3)
    reference.backward(X, T, loss="bce")
    assert np.allclose(
        gradients[0],
        [s.grad for s in reference.synapses] + [n.bias_grad for n in reference.neurons[2:]],
        atol=1e-15,
    )


@pytest.mark.parametrize("engine_name", ["object", "compiled"])
@pytest.mark.parametrize("n_samples", [1, 3, 12])  # the object engine computes up to 10 samples in floats
def test_a_pass_records_the_output_values_that_the_last_pass_gives(engine_name, n_samples):
    net = ns.Network.from_shape([2, 3, 2], activation="tanh", output_activation="softmax", seed=2)
    rng = np.random.default_rng(n_samples)
    loss, X, T = net.prepare_batch(
        rng.normal(size=(n_samples, 2)), rng.integers(0, 2, n_samples), "cross_entropy"
    )
    engine = ns.engines.create(net, engine_name)
    record = np.full((n_samples, 2), np.nan), np.full((n_samples, 2), np.nan)
    assert engine.train_batch(engine.prepare(X), engine.prepare(T), loss, record=record)
    values = engine.last_pass()
    assert np.array_equal(record[0], values.logits)
    assert np.array_equal(record[1], values.outputs)
    # and both are the network's own forward pass, computed apart
    assert np.allclose(record[1], net.predict(X), rtol=1e-12)


def test_a_compiled_pass_written_into_its_record_is_what_last_pass_and_the_neurons_read_after_it():
    net = ns.Network.from_shape([2, 3, 2], activation="tanh", output_activation="softmax", seed=4)
    rng = np.random.default_rng(4)
    batches = [
        net.prepare_batch(rng.normal(size=(5, 2)), rng.integers(0, 2, 5), "cross_entropy") for _ in "ab"
    ]
    engine = net.compile()
    records = [(np.full((5, 2), np.nan), np.full((5, 2), np.nan)) for _ in batches]
    for (loss, X, T), record in zip(batches, records, strict=True):
        assert engine.train_batch(X, T, loss, record=record)
    _, X, _ = batches[1]
    expected = net.predict(X)  # computed apart, by the object engine, with the same weights
    assert np.allclose(records[1][1], expected, rtol=1e-12)
    engine.publish()  # what fit does last
    for i, neuron in enumerate(net["output"]):
        assert np.array_equal(neuron.a_raw, records[1][1][:, i])
        assert np.array_equal(neuron.z_raw, records[1][0][:, i])
    assert np.array_equal(engine.last_pass().outputs, records[1][1])
    assert np.array_equal(engine.last_pass().logits, records[1][0])
    # a pass without a record computes in the engine's own arrays again, and leaves the records alone
    kept = records[1][1].copy()
    X_next = rng.normal(size=(5, 2))
    outputs = engine.forward(X_next)
    assert np.array_equal(engine.last_pass().outputs, outputs)
    assert np.allclose(outputs, net.predict(X_next), rtol=1e-12)
    assert np.array_equal(records[1][1], kept)


@pytest.mark.parametrize("where", ["after the output", "before the output"])
def test_a_pass_written_into_its_record_reads_back_into_its_own_layers_after_the_network_grows(where):
    net = ns.Network.from_shape([2, 3, 3, 2], activation="tanh", output_activation="softmax", seed=1)
    rng = np.random.default_rng(1)
    loss, X, T = net.prepare_batch(rng.normal(size=(5, 2)), rng.integers(0, 2, 5), "cross_entropy")
    before = net.compile().activations(X)  # each layer's values, computed apart
    engine = net.compile()
    record = np.empty((5, 2)), np.empty((5, 2))
    assert engine.train_batch(X, T, loss, record=record)
    grown = net.add_layer(2, name="grown", activation="identity")
    if where == "after the output":
        net.connect("output", grown)
    else:  # computed before the output layer, so that every position from there on moves
        net.connect("hidden1", grown)
        net.connect(grown, "hidden2")
    engine.predict(X)  # compiles again; the last pass is still the one before
    values = engine.last_pass()
    for name in ("hidden1", "hidden2", "output"):
        assert np.array_equal(values.a(name), before.a(name)), name
        assert np.array_equal(values.z(name), before.z(name)), name


def test_the_compiled_engine_trains_an_output_layer_that_feeds_a_layer_computed_before_it():
    def build():
        net = ns.Network(seed=1)
        net.add_layer(3)
        net.add_layer(4, activation="tanh")  # hidden1, fed by the output layer and feeding nothing
        net.add_layer(3, name="output", activation="softmax")
        net.connect("input", "output")
        net.connect("output", "hidden1")
        return net

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 3, 6)
    nets = [build() for _ in "ab"]
    histories = [
        net.fit(X, y, epochs=3, lr=0.5, loss="cross_entropy", verbose=0, engine=engine, diagnose=False)
        for net, engine in zip(nets, ["object", "compiled"], strict=True)
    ]
    assert np.allclose(histories[0].loss, histories[1].loss, rtol=1e-12)
    weights = [[synapse.weight for synapse in net.synapses] for net in nets]
    assert np.allclose(weights[0], weights[1], rtol=1e-12)


@pytest.mark.parametrize(
    "case", ["mse", "fortran-ordered record", "float32 record of a float64 net", "misaligned record"]
)
def test_a_compiled_pass_copies_into_a_record_it_cannot_compute_in(case):
    net = ns.Network.from_shape([2, 3, 2], activation="tanh", output_activation="softmax", seed=5)
    rng = np.random.default_rng(5)
    loss_name = "mse" if case == "mse" else "cross_entropy"
    labels = rng.integers(0, 2, 4)
    loss, X, T = net.prepare_batch(rng.normal(size=(4, 2)), np.eye(2)[labels], loss_name)
    order = "F" if case == "fortran-ordered record" else "C"
    dtype = np.float32 if case.startswith("float32") else np.float64
    record = np.zeros((4, 2), dtype, order=order), np.zeros((4, 2), dtype, order=order)
    if case == "misaligned record":  # C-ordered, but one byte off the alignment np.dot writes into
        memory = np.zeros(2 * 4 * 2 * 8 + 1, np.uint8)
        record = tuple(np.ndarray((2, 4, 2), np.float64, buffer=memory, offset=1))
        assert record[0].flags.c_contiguous and not record[0].flags.aligned
    engine = net.compile()
    assert engine.train_batch(X, T, loss, record=record)
    outputs = engine.last_pass().outputs
    assert np.allclose(outputs, net.predict(X), rtol=1e-12)
    assert np.allclose(record[1], outputs, rtol=1e-6 if dtype == np.float32 else 0)
    record[1][...] = -1.0  # the copy is the caller's: the pass's own values stay in the engine
    assert np.allclose(engine.last_pass().outputs, net.predict(X), rtol=1e-12)


# ------------------------------------------------------------------ what a run with no hooks must still do


class StopAtBegin(ns.callbacks.Callback):
    def on_fit_begin(self, run):
        run.stop("nothing to do")


def test_a_stop_at_the_beginning_trains_nothing_even_without_epoch_hooks():
    net = xor_net()
    before = weights(net)
    history = net.fit(
        XOR_X, XOR_Y, epochs=20, lr=1.0, loss="bce", verbose=0, diagnose=False, callbacks=[StopAtBegin()]
    )
    assert history.loss == [] and history.stopped_at == 0
    assert weights(net) == before


def test_a_loss_of_your_own_built_on_a_built_in_one_records_its_own_value():
    class DoubledBCE(type(ns.get_loss("bce"))):
        def value(self, z, a, t):
            return 2.0 * super().value(z, a, t)

    nets = [xor_net(), xor_net()]
    doubled = nets[0].fit(XOR_X, XOR_Y, epochs=3, lr=1.0, loss=DoubledBCE(), verbose=0, diagnose=False)
    plain = nets[1].fit(XOR_X, XOR_Y, epochs=3, lr=1.0, loss="bce", verbose=0, diagnose=False)
    assert doubled.loss == [2.0 * value for value in plain.loss]


class Explains(ns.callbacks.Callback):
    """No hook between epochs, only a cause to give when the loss stops being finite."""

    def __init__(self):
        self.epochs_seen = None

    def on_fit_end(self, run):
        pass

    def divergence_cause(self, run, batch):
        self.epochs_seen = len(run.history.loss)
        return "explained"


def test_a_divergence_cause_reads_the_history_of_every_epoch_before_the_divergence():
    net = ns.Network.from_shape([2, 4, 1], activation="identity", output_activation="identity", seed=0)
    X = np.random.default_rng(0).normal(size=(8, 2)) * 3
    y = X.sum(axis=1)
    explains = Explains()
    with pytest.warns(ns.errors.DivergenceWarning, match="explained"):
        history = net.fit(
            X, y, epochs=500, lr=0.9, loss="mse", verbose=0, diagnose=False, callbacks=[explains]
        )
    assert history.diverged_at is not None and history.diverged_at > 3
    assert explains.epochs_seen == history.diverged_at - 1 == len(history.loss)


def test_a_float32_network_records_its_loss_in_float32_as_its_validation_loss_is():
    net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    net.compile(dtype="float32")
    engine = net.compile()
    loss, X, T = net.prepare_batch(XOR_X, XOR_Y, "bce")
    expected, _ = engine.evaluate(engine.prepare(X), engine.prepare(T), loss)  # before any update
    history = net.fit(
        XOR_X, XOR_Y, epochs=1, lr=1.0, loss="bce", verbose=0, diagnose=False, engine="compiled"
    )
    assert history.loss[0] == expected


def test_a_network_without_biases_trains_in_float32():
    net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", bias=False, seed=0)
    net.compile(dtype="float32")
    history = net.fit(
        XOR_X, XOR_Y, epochs=5, lr=0.5, loss="bce", verbose=0, diagnose=False, engine="compiled"
    )
    assert len(history.loss) == 5
    assert all(n.bias == 0.0 for n in net.neurons[2:])


class OlderEngine:
    """An engine of your own written before ``record``: it wraps the compiled one."""

    def __init__(self, net):
        self.inner = net.compile()
        self.network = net

    def __getattr__(self, name):
        if name in ("takes_inputs_with_ones", "records_outputs"):  # not known when it was written
            raise AttributeError(name)
        return getattr(self.inner, name)

    def train_batch(self, X, T, loss, dropout=None):
        return self.inner.train_batch(X, T, loss, dropout)


def test_an_engine_of_your_own_without_record_trains_and_records_as_the_compiled_one():
    nets = [xor_net(), xor_net()]
    mine = nets[0].fit(
        XOR_X, XOR_Y, epochs=30, lr=1.0, loss="bce", verbose=0, diagnose=False, engine=OlderEngine(nets[0])
    )
    compiled = nets[1].fit(
        XOR_X, XOR_Y, epochs=30, lr=1.0, loss="bce", verbose=0, diagnose=False, engine="compiled"
    )
    assert mine.loss == compiled.loss and mine.accuracy == compiled.accuracy
    assert weights(nets[0]) == weights(nets[1])


def test_a_notebook_shows_a_history_as_its_values_at_a_few_epochs_first_and_last_included():
    net = xor_net()
    history = net.fit(
        XOR_X, XOR_Y, epochs=40, lr=1.0, loss="bce", verbose=0, diagnose=False, validation_data=(XOR_X, XOR_Y)
    )
    page = history._repr_html_()
    rows = re.findall(r"<tr><th>(\d+)</th>((?:<td>[^<]*</td>)+)</tr>", page)
    epochs = [int(epoch) for epoch, _ in rows]
    assert epochs[0] == 1 and epochs[-1] == 40 and len(epochs) == 11
    assert epochs == sorted(set(epochs))
    for epoch, cells in rows:  # each row holds that epoch's four numbers, as recorded
        values = [float(v) for v in re.findall(r"<td>([^<]*)</td>", cells)]
        recorded = [history.loss, history.accuracy, history.val_loss, history.val_accuracy]
        assert values == pytest.approx([column[int(epoch) - 1] for column in recorded], rel=1e-3)
    assert "<th>loss (bce)</th>" in page and "<th>val_accuracy</th>" in page
    assert ns.training.History()._repr_html_() == "<pre>History(epochs=0)</pre>"
