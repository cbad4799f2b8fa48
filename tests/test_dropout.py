"""Dropout per layer: masks drawn once for both engines, inverted scaling, training passes only."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import cases, network_settings

import neurosim as ns
from neurosim.diagnostics.doctor import Doctor
from neurosim.engines.dropout import DropoutMasks, dropout_generator
from neurosim.io.json_format import to_dict

ENGINES = ["object", "compiled"]
FIT = dict(verbose=0, diagnose=False)


def parameters(net):
    return {name: values.copy() for name, values in net.named_parameters()}


def hidden_layers(net):
    return [layer for layer in net.layers[1:] if layer is not net.output_layer]


class DropRecorder(ns.training.Callback):
    """Every batch's dropped neurons, and a check that each dropped neuron passed on 0."""

    def __init__(self, layers):
        self.layers = layers
        self.dropped = []
        self.indices = []

    def on_backward_end(self, run, batch):
        masks = {}
        for layer in self.layers:
            dropped = batch.dropped(layer)
            if dropped is not None:
                assert np.all(batch.a(layer)[dropped] == 0)
                masks[layer.name] = dropped.copy()
        self.dropped.append(masks)
        self.indices.append(batch.indices.copy())


def spiral_like(n=12, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    return X, y


# ---------------------------------------------------------------- rate 0 is no dropout


def train_by_hand(net, X, y, engine_name, *, seed, epochs, batch_size):
    """The training loop without dropout, written out: the same shuffling, no masks, SGD with momentum."""
    loss, X, T = net.prepare_batch(X, y, "bce")
    engine = ns.engines.create(net, engine_name)
    X, T = engine.prepare(X), engine.prepare(T)
    optimizer = ns.optim.SGD(lr=0.1, momentum=0.9).bind(net)
    rng = np.random.default_rng(seed)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(epochs):
            order = rng.permutation(len(X))
            for start in range(0, len(X), batch_size):
                rows = order[start : start + batch_size]
                engine.train_batch(X[rows], T[rows], loss)
                optimizer.step()


@pytest.mark.parametrize("engine", ENGINES)
def test_rate_zero_trains_bit_for_bit_as_without_dropout(engine):
    X, y = spiral_like()
    shape = dict(sizes=[3, 5, 4, 1], activation="tanh", output_activation="sigmoid", seed=2)
    plain = ns.Network.from_shape(**shape)
    zero = ns.Network.from_shape(**shape, dropout=0.5)
    for layer in hidden_layers(zero):
        layer.dropout = 0.0  # was dropping; set back to none
    by_hand = ns.Network.from_shape(**shape)
    options = dict(epochs=6, batch_size=5, loss="bce", seed=7, engine=engine, **FIT)
    history_plain = plain.fit(X, y, optimizer=ns.optim.SGD(lr=0.1, momentum=0.9), **options)
    history_zero = zero.fit(X, y, optimizer=ns.optim.SGD(lr=0.1, momentum=0.9), **options)
    train_by_hand(by_hand, X, y, engine, seed=7, epochs=6, batch_size=5)
    assert history_zero.loss == history_plain.loss
    assert history_zero.accuracy == history_plain.accuracy
    for name, values in parameters(plain).items():
        assert np.array_equal(parameters(zero)[name], values), name
        assert np.array_equal(parameters(by_hand)[name], values), name
    assert all(layer.dropped is None for layer in zero.layers)


def test_no_layer_dropping_draws_no_random_number():
    net = ns.Network.from_shape([2, 3, 1], seed=0)
    rng = np.random.default_rng(5)
    before = rng.bit_generator.state
    assert DropoutMasks(net, rng).draw(10) is None
    assert rng.bit_generator.state == before


def test_dropout_leaves_the_shuffling_as_it_was():
    X, y = spiral_like(n=10)
    net = ns.Network.from_shape(
        [3, 6, 1], activation="relu", output_activation="sigmoid", dropout=0.5, seed=0
    )
    recorder = DropRecorder(hidden_layers(net))
    net.fit(X, y, epochs=3, lr=0.1, batch_size=4, seed=11, engine="compiled", callbacks=[recorder], **FIT)
    rng = np.random.default_rng(11)
    expected = np.concatenate([rng.permutation(10) for _ in range(3)])
    assert np.array_equal(np.concatenate(recorder.indices), expected)
    assert any(masks["hidden1"].any() for masks in recorder.dropped)


# ---------------------------------------------------------------- both engines agree


def with_dropout(case_and_rates):
    (net, X, Y, pruned, _skips), rates = case_and_rates
    for layer, rate in zip(hidden_layers(net), rates, strict=False):
        layer.dropout = rate
    if not any(layer.dropout for layer in net.layers):
        net.layers[1].dropout = 0.5
    return net, X, Y, pruned


COMBINATIONS = [
    ("tanh", "sigmoid", "bce"),
    ("relu", "identity", "mse"),
    ("sigmoid", "softmax", "cross_entropy"),
]


@given(
    data=st.sampled_from(COMBINATIONS).flatmap(
        lambda combination: st.tuples(
            st.just(combination[2]),
            st.tuples(cases(*combination), st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.8]), min_size=3)),
        )
    )
)
@network_settings(max_examples=25)
def test_both_engines_drop_the_same_neurons_and_reach_the_same_weights(data):
    loss, case_and_rates = data
    net, X, Y, pruned = with_dropout(case_and_rates)
    start = net.state_dict()
    trained, recorded = {}, {}
    for engine in ENGINES:
        net.load_state_dict(start)
        recorder = DropRecorder(hidden_layers(net))
        net.fit(
            X,
            Y,
            epochs=4,
            optimizer=ns.optim.SGD(lr=0.05, momentum=0.9),
            loss=loss,
            batch_size=2,
            seed=3,
            engine=engine,
            callbacks=[recorder],
            **FIT,
        )
        trained[engine], recorded[engine] = parameters(net), recorder.dropped
    assert len(recorded["object"]) == len(recorded["compiled"]) >= 4
    for masks_object, masks_compiled in zip(recorded["object"], recorded["compiled"], strict=True):
        assert masks_object.keys() == masks_compiled.keys()
        assert masks_object  # some layer drops in every batch
        for name, dropped in masks_object.items():
            assert np.array_equal(masks_compiled[name], dropped), name
    for key, want in trained["object"].items():
        np.testing.assert_allclose(trained["compiled"][key], want, rtol=0, atol=1e-10, err_msg=key)
    for block in net.blocks:
        assert np.all(block.weight[~block.mask] == 0.0)
    for source, target in pruned:
        assert all(s.name != f"{source} -> {target}" for s in net.synapses)


# ---------------------------------------------------------------- gradients with a mask


def masked_loss(net, X, T, loss, masks):
    """The loss of a pass with dropout masks, computed here layer by layer from the weight matrices."""
    a = {net.input_layer: X}
    z = None
    for layer in net.layer_order()[1:]:
        z = layer.bias + sum(
            a[block.source] @ block.weight.T for block in net.blocks if block.target is layer
        )
        own = layer.activation(z)
        a[layer] = own * masks[layer] if layer in masks else own
    return loss.value(z, a[net.output_layer], T)


def finite_differences(net, X, T, loss, masks, step=1e-6):
    """Central differences of ``masked_loss`` for every present weight and every bias."""
    grads = {}
    for array, where in [(b.weight, b.mask) for b in net.blocks] + [
        (layer.bias, np.ones(layer.size, bool)) for layer in net.layers[1:] if layer.has_bias
    ]:
        grad = np.zeros_like(array)
        for index in zip(*np.nonzero(where), strict=True):
            kept = array[index]
            array[index] = kept + step
            up = masked_loss(net, X, T, loss, masks)
            array[index] = kept - step
            down = masked_loss(net, X, T, loss, masks)
            array[index] = kept
            grad[index] = (up - down) / (2 * step)
        grads[id(array)] = grad
    return grads


GRADIENT_CASES = [
    ("sigmoid", "tanh", "sigmoid", "bce"),
    ("tanh", "softplus", "identity", "mse"),
    ("softmax", "sigmoid", "softmax", "cross_entropy"),
    ("softplus", "softmax", "tanh", "mse"),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("first", "second", "output", "loss_name"), GRADIENT_CASES)
def test_gradients_with_a_mask_match_finite_differences(engine, first, second, output, loss_name):
    net = ns.Network(seed=4)
    net.add_layer(3)
    net.add_layer(4, activation=first, dropout=0.5)
    net.add_layer(3, activation=second, dropout=0.25)
    net.add_layer(2, name="output", activation=output)
    for source, target in [("input", "hidden1"), ("hidden1", "hidden2"), ("hidden2", "output")]:
        net.connect(source, target)
    net.connect("input[1]", "output[0]", weight=0.4)  # a skip connection
    net.disconnect("hidden1[2]", "hidden2[0]")  # a pruned synapse
    for layer in net.layers[1:]:
        layer.bias = np.linspace(-0.3, 0.4, layer.size)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 3))
    Y = rng.integers(0, 2, size=5) if loss_name == "cross_entropy" else rng.uniform(0.1, 0.9, size=(5, 2))
    loss, X, T = net.prepare_batch(X, Y, loss_name)
    masks = DropoutMasks(net, np.random.default_rng(1)).draw(5)
    assert all(mask.min() == 0 for mask in masks.values())  # some neuron of each layer is dropped
    ns.engines.create(net, engine).train_batch(X, T, loss, dropout=masks)
    expected = finite_differences(net, X, T, loss, masks)
    for block in net.blocks:
        np.testing.assert_allclose(block.grad, expected[id(block.weight)], rtol=1e-6, atol=1e-9)
    for layer in net.layers[1:]:
        np.testing.assert_allclose(layer.bias_grad, expected[id(layer.bias)], rtol=1e-6, atol=1e-9)


# ---------------------------------------------------------------- only training drops


@pytest.mark.parametrize("engine", ENGINES)
def test_predict_forward_evaluate_and_backward_never_drop(engine):
    X, y = spiral_like()
    dropping = ns.Network.from_shape([3, 8, 6, 1], activation="relu", output_activation="sigmoid", seed=1)
    dropping.fit(X, y, epochs=3, lr=0.2, batch_size=4, loss="bce", seed=0, engine=engine, **FIT)
    for layer in hidden_layers(dropping):
        layer.dropout = 0.9
    kept = ns.Network.from_shape([3, 8, 6, 1], activation="relu", output_activation="sigmoid", seed=1)
    kept.load_state_dict(dropping.state_dict())
    assert np.array_equal(dropping.predict(X), kept.predict(X))
    assert np.array_equal(dropping.predict(X), dropping.predict(X))
    assert np.array_equal(dropping.forward(X), kept.forward(X))
    assert dropping.backward(X, y, "bce") == kept.backward(X, y, "bce")
    assert all(layer.dropped is None for layer in dropping.layers)
    loss, X_ready, T = dropping.prepare_batch(X, y, "bce")
    runners = [ns.engines.create(net, engine) for net in (dropping, kept)]
    evaluated = [runner.evaluate(runner.prepare(X_ready), runner.prepare(T), loss) for runner in runners]
    assert evaluated[0][0] == evaluated[1][0]
    assert np.array_equal(evaluated[0][1], evaluated[1][1])
    seen = [runner.activations(runner.prepare(X_ready)) for runner in runners]
    for layer in hidden_layers(dropping):
        assert np.array_equal(seen[0].a(layer.name), seen[1].a(layer.name))
        assert seen[0].dropped(layer.name) is None


def test_validation_loss_is_measured_without_dropout():
    X, y = spiral_like(n=16)
    X_val, y_val = spiral_like(n=8, seed=1)
    net = ns.Network.from_shape(
        [3, 8, 1], activation="tanh", output_activation="sigmoid", dropout=0.5, seed=0
    )
    history = net.fit(
        X, y, epochs=3, lr=0.5, loss="bce", seed=0, engine="compiled", validation_data=(X_val, y_val), **FIT
    )
    p = net.predict(X_val)[:, 0]
    by_hand = -np.mean(y_val * np.log(p) + (1 - y_val) * np.log(1 - p))
    assert history.val_loss[-1] == pytest.approx(by_hand, rel=1e-12)
    assert net["hidden1"].dropped is None  # the neurons hold the validation pass, which drops nothing


# ---------------------------------------------------------------- inverted scaling


@pytest.mark.parametrize("engine", ENGINES)
def test_the_expected_output_over_every_mask_is_the_output_without_dropout(engine):
    rate = 0.3
    net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="identity", seed=5)
    net["hidden1"].dropout = rate
    loss, X, T = net.prepare_batch([[0.7, -1.2]], [[0.0]], "mse")
    runner = ns.engines.create(net, engine)
    expected_output, expected_hidden = 0.0, np.zeros(3)
    for kept in itertools.product([False, True], repeat=3):
        probability = math.prod((1 - rate) if k else rate for k in kept)
        mask = np.where(kept, 1 / (1 - rate), 0.0)[None, :]
        runner.train_batch(X, T, loss, dropout={net["hidden1"]: mask})
        values = runner.last_pass()
        assert np.array_equal(values.dropped("hidden1")[0], ~np.array(kept))
        expected_output += probability * values.outputs[0, 0]
        expected_hidden += probability * values.a("hidden1")[0]
    hidden = np.tanh(net["hidden1"].bias + X @ net.compile().matrix("input", "hidden1")[0].T)[0]
    np.testing.assert_allclose(expected_hidden, hidden, rtol=1e-12)
    assert expected_output == pytest.approx(net.predict(X)[0, 0], rel=1e-12)


def test_drawn_masks_drop_the_rate_and_keep_the_mean():
    rate, n, size = 0.3, 40_000, 5
    net = ns.Network.from_shape([2, size, 1], seed=0)
    net["hidden1"].dropout = rate
    mask = DropoutMasks(net, np.random.default_rng(0)).draw(n)[net["hidden1"]]
    assert mask.shape == (n, size)
    assert set(np.unique(mask)) == {0.0, 1 / (1 - rate)}
    # per neuron: the fraction dropped is a mean of n Bernoulli(rate) draws, and a mask value has
    # mean 1 and variance 1/(1-rate) - 1 = rate/(1-rate)
    dropped_sd = math.sqrt(rate * (1 - rate) / n)
    mean_sd = math.sqrt(rate / (1 - rate) / n)
    assert np.all(np.abs((mask == 0).mean(axis=0) - rate) < 4 * dropped_sd)
    assert np.all(np.abs(mask.mean(axis=0) - 1.0) < 4 * mean_sd)


def test_the_same_seed_drops_the_same_neurons():
    X, y = spiral_like()
    runs = []
    for _ in range(2):
        net = ns.Network.from_shape(
            [3, 6, 1], activation="relu", output_activation="sigmoid", dropout=0.4, seed=0
        )
        recorder = DropRecorder(hidden_layers(net))
        net.fit(X, y, epochs=2, lr=0.1, batch_size=4, seed=9, engine="object", callbacks=[recorder], **FIT)
        runs.append(recorder.dropped)
    assert all(np.array_equal(a["hidden1"], b["hidden1"]) for a, b in zip(*runs, strict=True))
    other = dropout_generator(10).random(3)
    assert not np.array_equal(dropout_generator(9).random(3), other)


# ---------------------------------------------------------------- inspection


@pytest.mark.parametrize("engine", ENGINES)
def test_the_neurons_show_which_were_dropped_on_the_last_batch(engine):
    X, y = spiral_like(n=8)
    net = ns.Network.from_shape([3, 6, 1], activation="sigmoid", dropout=0.5, seed=0)
    recorder = DropRecorder(hidden_layers(net))
    net.fit(X, y, epochs=2, lr=0.5, batch_size=4, seed=0, engine=engine, callbacks=[recorder], **FIT)
    layer = net["hidden1"]
    assert np.array_equal(layer.dropped, recorder.dropped[-1]["hidden1"])
    rows = np.flatnonzero(layer.dropped.any(axis=1) & ~layer.dropped.all(axis=1))
    k = int(rows[0])  # a sample on which some neurons were dropped and some kept
    for neuron in layer:
        assert np.array_equal(neuron.dropped, layer.dropped[:, neuron.index])
        own = 1 / (1 + np.exp(-neuron.z))
        np.testing.assert_allclose(neuron.a, np.where(neuron.dropped, 0.0, own / 0.5), rtol=1e-12)
        assert np.all(neuron.delta[neuron.dropped] == 0)
        text = str(neuron.explain(k))
        if neuron.dropped[k]:
            assert "dropped by dropout on this sample" in text
            assert "delta = 0: dropped on this sample" in text
        else:
            assert f"kept by dropout (rate 0.5), so it passes on a / (1 - rate) = {neuron.a[k]:.4g}" in text
            assert f"sigmoid({neuron.z[k]:.4g}) = {own[k]:.4g}" in text
    assert net["output"].dropped is None


@pytest.mark.parametrize("engine", ENGINES)
def test_the_doctor_does_not_take_dropped_neurons_for_dead_ones(engine):
    rng = np.random.default_rng(0)
    X = rng.uniform(0.5, 1.5, size=(64, 2))
    y = (X[:, 0] > X[:, 1]).astype(int)
    net = ns.Network.from_shape([2, 8, 1], activation="relu", output_activation="sigmoid", seed=0)
    net["hidden1"].bias = np.full(8, 2.0)  # every relu but hidden1[0] is well above 0 on every sample
    net["hidden1[0]"].bias = -10.0
    for synapse in net["hidden1[0]"].incoming:
        synapse.weight = -1.0  # and hidden1[0] below 0 on every sample: dead
    net["hidden1"].dropout = 0.75
    doctor = Doctor(warn=False)
    net.fit(
        X, y, epochs=3, lr=0.01, batch_size=1, loss="bce", seed=0, engine=engine, callbacks=[doctor], **FIT
    )
    dropped = net["hidden1"].dropped[0]
    assert dropped[1:].sum() >= 2  # the last batch (one sample) dropped living neurons
    assert all(np.all(neuron.z > 0) for neuron in net["hidden1"].neurons[1:])
    assert doctor.report["dead-neurons"].where == ("hidden1[0]",)
    for neuron in net["hidden1"].neurons[1:]:
        assert "dead" not in str(neuron.explain())


# ---------------------------------------------------------------- refused input


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, float("nan"), float("inf"), "0.2", True, None, [0.2]])
def test_a_rate_outside_zero_to_one_is_refused_by_name_and_nothing_changes(rate):
    net = ns.Network.from_shape([2, 3, 1], dropout=0.25, seed=0)
    before = (repr(net), net.structure_version, [layer.dropout for layer in net.layers])
    with pytest.raises(ns.ParameterError, match=r"^dropout must be a number in \[0, 1\)"):
        net.add_layer(2, dropout=rate)
    with pytest.raises(ns.ParameterError, match=r"^dropout of layer 'hidden1' must be a number in \[0, 1\)"):
        net["hidden1"].dropout = rate
    with pytest.raises(ns.ParameterError, match=r"^dropout(\[1\])? must be a number in \[0, 1\)"):
        ns.Network.from_shape([2, 3, 3, 1], dropout=[0.1, rate])
    assert (repr(net), net.structure_version, [layer.dropout for layer in net.layers]) == before


def test_dropout_on_the_input_or_the_output_layer_is_refused():
    net = ns.Network(seed=0)
    with pytest.raises(ns.StructureError, match="'input' is the input layer"):
        net.add_layer(2, dropout=0.5)
    assert net.layers == []
    net = ns.Network.from_shape([2, 3, 1], seed=0)
    with pytest.raises(ns.StructureError, match="'output' is the output layer"):
        net["output"].dropout = 0.5
    with pytest.raises(ns.StructureError, match="'input' is the input layer"):
        net["input"].dropout = 0.5
    assert [layer.dropout for layer in net.layers] == [0.0, 0.0, 0.0]
    with pytest.raises(ns.ParameterError, match="one per hidden layer \\(2\\); got 1 rates"):
        ns.Network.from_shape([2, 3, 3, 1], dropout=[0.1])


@pytest.mark.parametrize("engine", ENGINES)
def test_fit_refuses_a_last_layer_that_drops_before_changing_anything(engine):
    net = ns.Network(seed=0)
    net.add_layer(2)
    net.add_layer(3, activation="tanh")
    net.add_layer(1, name="output", activation="sigmoid", dropout=0.5)  # added last: the output layer
    net.connect("input", "hidden1")
    net.connect("hidden1", "output")
    before = parameters(net)
    with pytest.raises(
        ns.StructureError, match=r"'output' is the output layer.*set net\['output'\]\.dropout = 0"
    ):
        net.fit([[0.0, 1.0], [1.0, 0.0]], [0, 1], epochs=2, lr=0.5, engine=engine, **FIT)
    for name, values in before.items():
        assert np.array_equal(parameters(net)[name], values)
    assert net["output[0]"].z is None  # no pass was made
    net.add_layer(1, name="after")  # once a layer follows it, it is a hidden layer that may drop
    net.connect("output", "after")
    assert DropoutMasks(net, np.random.default_rng(0)).draw(2).keys() == {net["output"]}


def test_masks_need_a_network_and_a_numpy_generator():
    net = ns.Network.from_shape([2, 3, 1], seed=0)
    with pytest.raises(ns.ParameterError, match="rng must be a numpy random Generator or a function"):
        DropoutMasks(net, 3)
    with pytest.raises(ns.ParameterError, match="network must be a neurosim Network; got list"):
        DropoutMasks([net], np.random.default_rng(0))


# ---------------------------------------------------------------- model files


def test_a_saved_network_keeps_its_dropout_rates(tmp_path):
    net = ns.Network.from_shape([2, 4, 3, 1], dropout=[0.25, 0.5], seed=0)
    path = tmp_path / "net.json"
    net.save(path)
    layers = json.loads(path.read_text())["layers"]
    assert [layer.get("dropout") for layer in layers] == [None, 0.25, 0.5, None]
    loaded = ns.load(path)
    assert [layer.dropout for layer in loaded.layers] == [0.0, 0.25, 0.5, 0.0]
    assert loaded.state_dict().keys() == net.state_dict().keys()


def test_a_file_without_dropout_loads_with_none(tmp_path):
    net = ns.Network.from_shape([2, 3, 1], seed=0)
    path = tmp_path / "old.json"
    net.save(path)
    assert "dropout" not in path.read_text()  # a network without dropout writes the file it always did
    assert [layer.dropout for layer in ns.load(path).layers] == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("rate", [1.0, -0.5, "0.5", True, None, [0.5]])
def test_a_file_with_a_bad_rate_is_refused_by_place(tmp_path, rate):
    data = to_dict(ns.Network.from_shape([2, 3, 1], seed=0))
    data["layers"][1]["dropout"] = rate
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ns.ModelFileError, match=r"layers\[1\]\.dropout must be a number in \[0, 1\)"):
        ns.load(path)


def test_a_file_with_dropout_on_the_input_layer_is_refused(tmp_path):
    data = to_dict(ns.Network.from_shape([2, 3, 1], seed=0))
    data["layers"][0]["dropout"] = 0.5
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ns.ModelFileError, match=r"unknown key 'dropout' \(the input layer"):
        ns.load(path)


def test_a_generator_given_as_a_function_is_made_at_the_first_draw_that_drops_and_draws_the_same():
    net = ns.Network.from_shape([2, 3, 1], seed=0)
    made = []

    def make():
        made.append(1)
        return np.random.default_rng(7)

    masks = DropoutMasks(net, make)
    assert masks.draw(4) is None and made == []  # no layer drops: no generator is needed
    net["hidden1"].dropout = 0.5
    drawn = [masks.draw(4)[net["hidden1"]] for _ in range(2)]
    assert made == [1]  # made once, at the first draw that dropped
    rng = np.random.default_rng(7)  # the same stream, drawn here by hand
    for mask in drawn:
        assert np.array_equal(mask, np.where(rng.random((4, 3)) < 0.5, 0.0, 2.0))
