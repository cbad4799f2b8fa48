"""A playground session: it trains, its edits do what they say, its pictures and files hold its network."""

from __future__ import annotations

import base64
import json
import math

import numpy as np
import pytest

import neurosim as ns
from neurosim.playground import session as session_module
from neurosim.playground.config import Config, ConfigError
from neurosim.playground.session import Session, Sessions
from neurosim.playground.upload import read_upload

XOR_TRUTH = [0, 1, 1, 0]  # exactly one input is 1
XOR = Config(dataset="xor", hidden=(4,), activations=("tanh",), lr=0.5, batch_size=4, seed=1)


def parameters(net: ns.Network) -> dict[str, np.ndarray]:
    return {name: values.copy() for name, values in net.named_parameters()}


def same_parameters(a: ns.Network, b: ns.Network) -> bool:
    first, second = parameters(a), parameters(b)
    return first.keys() == second.keys() and all(np.array_equal(first[k], second[k]) for k in first)


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def forward_by_hand(net: ns.Network, x: list[float]) -> float:
    """The output of a 2-H-1 tanh/sigmoid network, one synapse at a time (a missing synapse counts 0)."""
    names = {synapse.name: synapse.weight for synapse in net.synapses}
    hidden = net["hidden1"]
    h = [
        math.tanh(
            sum(names.get(f"input[{i}] -> hidden1[{j}]", 0.0) * x[i] for i in range(2))
            + net[f"hidden1[{j}]"].bias
        )
        for j in range(hidden.size)
    ]
    z = (
        sum(names.get(f"hidden1[{j}] -> output[0]", 0.0) * h[j] for j in range(hidden.size))
        + net["output[0]"].bias
    )
    return sigmoid(z)


def test_training_on_xor_lowers_the_loss_and_classifies_all_four_points():
    session = Session(XOR)
    before = session.losses()["train"]
    session.step(epochs=200)
    session.step(epochs=200)
    assert session.epoch == 400 and session.losses()["train"] < before / 4
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    assert (session.net.predict(X)[:, 0] > 0.5).astype(int).tolist() == XOR_TRUTH
    assert [point[3] for point in session.state()["data"]["train"]] == XOR_TRUTH


def test_the_first_weights_are_those_of_from_shape_with_the_same_seed_and_reset_brings_them_back():
    config = Config(hidden=(4, 3), activations=("tanh", "tanh"), seed=5, init="he")
    session = Session(config)
    reference = ns.Network.from_shape(
        [2, 4, 3, 1], activation="tanh", output_activation="sigmoid", seed=5, init="he"
    )
    assert same_parameters(session.net, reference)
    session.step(epochs=3)
    assert not same_parameters(session.net, reference)
    session.reset()
    assert same_parameters(session.net, reference) and session.epoch == 0 and session.curve["epoch"] == [0.0]


def test_one_batch_is_one_gradient_step_on_that_batch():
    session = Session(XOR.changed({"optimizer": "sgd", "lr": 0.3}))  # the 4 points make one batch
    copy = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=1)
    X, y = ns.datasets.xor()
    copy.backward(X, y.reshape(-1, 1).astype(float), "bce")
    expected = {
        name: values - 0.3 * grad
        for (name, values), (_, grad) in zip(copy.named_parameters(), copy.named_gradients(), strict=True)
    }
    session.step(batches=1)
    got = parameters(session.net)
    assert got.keys() == expected.keys()
    for name in got:
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-12, atol=1e-14)


def test_training_reaches_the_same_weights_however_it_is_asked_for():
    config = Config(
        dataset="moons",
        samples=60,
        batch_size=7,
        hidden=(3,),
        activations=("relu",),
        optimizer="adam",
        lr=0.01,
    )
    by_epochs, one_by_one, by_batches = Session(config), Session(config), Session(config)
    by_epochs.step(epochs=3)
    for _ in range(3):
        one_by_one.step(epochs=1)
    by_batches.step(batches=by_batches.batches_per_epoch * 3 - 2)
    by_batches.step(batches=2)
    assert by_epochs.batches_per_epoch == math.ceil(30 / 7)  # half of the 60 points train
    assert same_parameters(by_epochs.net, one_by_one.net) and same_parameters(by_epochs.net, by_batches.net)
    assert by_epochs.epoch == one_by_one.epoch == by_batches.epoch == 3


def test_setting_a_weight_changes_the_output_to_the_value_computed_by_hand():
    session = Session(XOR.changed({"hidden": [2]}))
    session.step(epochs=20)
    x = [1.0, 0.0]
    before = float(session.net.predict([x])[0, 0])
    session.set_weight("hidden1[0]", "output[0]", 3.25)
    assert session.net.synapse("hidden1[0]", "output[0]").weight == 3.25
    after = float(session.net.predict([x])[0, 0])
    assert after == pytest.approx(forward_by_hand(session.net, x), rel=1e-12)
    assert abs(after - before) > 1e-3
    assert {"source": "hidden1[0]", "target": "output[0]", "weight": 3.25} in session.state()["network"][
        "synapses"
    ]


def test_pruning_removes_the_synapse_and_the_output_follows():
    session = Session(XOR.changed({"hidden": [2]}))
    session.prune("input[0]", "hidden1[1]")
    names = [synapse.name for synapse in session.net.synapses]
    assert "input[0] -> hidden1[1]" not in names and len(names) == 5
    with pytest.raises(ns.UnknownNameError):
        session.net.synapse("input[0]", "hidden1[1]")
    for x in ([0.0, 1.0], [1.0, 1.0], [0.3, -2.0]):
        assert float(session.net.predict([x])[0, 0]) == pytest.approx(
            forward_by_hand(session.net, x), rel=1e-12
        )
    state_names = [(s["source"], s["target"]) for s in session.state()["network"]["synapses"]]
    assert ("input[0]", "hidden1[1]") not in state_names
    session.step(epochs=5)  # trains on without it
    assert "input[0] -> hidden1[1]" not in [synapse.name for synapse in session.net.synapses]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda s: s.set_weight("hidden1[0]", "output[0]", float("inf")), "weight"),
        (lambda s: s.set_weight("hidden1[0]", "output[0]", 1e6), "weight"),
        (lambda s: s.set_weight("hidden1[0]", "output[0]", "2"), "weight"),
        (lambda s: s.set_weight("input[0]", "hidden1[0]", 10**400), "weight"),  # too big for a float
        (lambda s: s.set_weight("hidden9[0]", "output[0]", 1.0), "source"),
        (lambda s: s.prune("input[0]", "output[0]"), "target"),  # not connected
        (lambda s: s.prune("input", "hidden1"), "source"),  # layers, not neurons
        (lambda s: s.configure({"hidden": [2, 99]}), "hidden[1]"),
        (lambda s: s.configure({"dataset": "csv"}), "dataset"),  # nothing uploaded
        (lambda s: s.step(epochs=10**6), "epochs"),
        (lambda s: s.step(batches=0), "batches"),
        (lambda s: s.step(), "step"),
        (lambda s: s.explain("hidden1[7]"), "neuron"),
        (lambda s: s.explain("output[0]", sample=4), "sample"),
        (lambda s: s.explain("output[0]", split="test"), "split"),  # xor has no test points
    ],
)
def test_a_refused_change_names_its_field_and_changes_nothing(call, field):
    session = Session(XOR.changed({"hidden": [2]}))
    session.step(epochs=3)
    before, config, epoch = parameters(session.net), session.config, session.epoch
    with pytest.raises(ConfigError) as raised:
        call(session)
    assert raised.value.field == field
    assert session.config == config and session.epoch == epoch
    after = parameters(session.net)
    assert after.keys() == before.keys() and all(np.array_equal(after[k], before[k]) for k in after)


def test_a_huge_weight_is_refused_with_the_range_expected():
    session = Session(XOR.changed({"hidden": [2]}))
    with pytest.raises(ConfigError, match=r"weight: expected a number from -100 to 100; got 1000"):
        session.set_weight("input[0]", "hidden1[0]", 10**400)


HUGE = ["A" * 400_000, [1] * 130_000]


@pytest.mark.parametrize(
    "call",
    [
        lambda s, huge: s.explain(huge),
        lambda s, huge: s.explain("output[0]", sample=huge),
        lambda s, huge: s.explain("output[0]", split=huge),
        lambda s, huge: s.set_weight("input[0]", "hidden1[0]", huge),
        lambda s, huge: s.set_weight(huge, "hidden1[0]", 1.0),
        lambda s, huge: s.synapse("input[0]", huge),
        lambda s, huge: s.prune(huge, "hidden1[0]"),
        lambda s, huge: s.step(epochs=huge),
        lambda s, huge: s.step(batches=huge),
    ],
)
@pytest.mark.parametrize("huge", HUGE, ids=["text", "list"])
def test_a_huge_value_is_shown_shortened_in_the_message(call, huge):
    session = Session(XOR.changed({"hidden": [2]}))
    with pytest.raises(ConfigError) as raised:
        call(session, huge)
    message = str(raised.value)
    assert len(message) < 300 and "characters)" in message
    assert (repr(huge)[:20] in message) and f"{len(repr(huge)):,} characters" in message


def test_a_divergence_names_the_epoch_and_batch_of_the_session():
    session = Session(
        Config(dataset="bumps", samples=100, hidden=(8, 8), activations=("relu", "relu"), init="normal")
    )  # 50 training points in batches of 10: 5 batches an epoch
    session.configure({"lr": 0.001})
    session.step(epochs=9)
    session.step(batches=3)
    assert session.diverged is None
    session.configure({"lr": 10.0})
    epoch, batch = 9, 3  # done so far: 9 epochs, and 3 batches of the tenth
    for _ in range(500):
        session.step(batches=1)
        if session.diverged is not None:
            break
        epoch, batch = (epoch + 1, 0) if batch == 4 else (epoch, batch + 1)
    assert session.diverged is not None, "the run was expected to diverge at lr=10"
    assert epoch >= 9 and session.diverged.startswith(
        f"training stopped at epoch {epoch + 1}, batch {batch + 1}: the loss became"
    ), session.diverged


def test_a_step_returns_early_when_its_time_is_up_and_goes_on_to_the_same_weights(monkeypatch):
    config = Config(dataset="moons", samples=60, batch_size=6, hidden=(3,), activations=("tanh",))
    whole = Session(config)
    whole.step(epochs=2)
    monkeypatch.setattr(session_module, "MAX_STEP_SECONDS", 0.0)
    cut = Session(config)
    cut.step(epochs=2)
    assert (cut.epoch, cut.batches) == (0, 1)  # the time is up after the first batch
    for _ in range(2 * 5 - 1):  # 30 training points in batches of 6: 5 batches an epoch
        cut.step(epochs=2)
    assert cut.epoch == 2 and cut.batches == whole.batches == 10
    assert same_parameters(cut.net, whole.net)


def test_a_new_learning_rate_trains_on_and_a_new_shape_starts_again():
    session = Session(XOR)
    session.step(epochs=10)
    weights = parameters(session.net)
    session.configure({"lr": 0.05, "l2": 0.001})
    assert session.epoch == 10 and session.optimizer.lr == 0.05
    assert all(np.array_equal(weights[k], v) for k, v in parameters(session.net).items())
    session.configure({"hidden": [4, 2]})
    assert session.epoch == 0 and [layer.size for layer in session.net.layers] == [2, 4, 2, 1]
    assert session.config.activations == ("tanh", "tanh")


def test_the_saved_model_loads_with_ns_load_and_predicts_the_same(tmp_path):
    session = Session(
        Config(dataset="spiral", classes=3, samples=90, hidden=(5, 4), activations=("relu", "tanh"))
    )
    session.step(epochs=5)
    session.prune("hidden1[0]", "hidden2[1]")
    path = tmp_path / "model.json"
    path.write_text(session.model_text())
    loaded = ns.load(path)
    grid = np.random.default_rng(0).uniform(-1.5, 1.5, size=(50, 2))
    np.testing.assert_array_equal(loaded.predict(grid), session.net.predict(grid))
    assert loaded.output_layer.activation.name == "softmax" and loaded.output_layer.size == 3
    assert "hidden1[0] -> hidden2[1]" not in [synapse.name for synapse in loaded.synapses]


def test_explain_is_the_neurons_own_explanation_of_that_sample(tmp_path):
    session = Session(Config(dataset="moons", samples=40, hidden=(3,), activations=("tanh",)))
    session.step(epochs=4)
    answer = session.explain("hidden1[2]", sample=5, split="test")
    path = tmp_path / "model.json"
    path.write_text(session.model_text())
    copy = ns.load(path)
    X, y = session.points.X_test[5:6], session.points.y_test[5:6]
    copy.backward(X, y.reshape(-1, 1).astype(float), "bce")
    assert answer["text"] == str(copy["hidden1[2]"].explain())
    assert answer["text"].startswith("hidden1[2] (tanh), one sample") and "delta" in answer["text"]
    assert answer["sample"]["x"] == pytest.approx(X[0].tolist(), rel=1e-4)


def test_dead_relus_are_found_and_named_as_the_data_shows_them():
    session = Session(Config(dataset="moons", hidden=(4, 4), activations=("relu", "relu"), bias_init=-3.0))
    net, X = session.net, session.points.X_train
    # each hidden1 neuron's z on every training point, from its weights
    z = np.array(
        [
            [
                sum(net.synapse(f"input[{i}]", f"hidden1[{j}]").weight * x[i] for i in range(2)) - 3.0
                for j in range(4)
            ]
            for x in X
        ]
    )
    assert (z <= 0).all()
    dead = next(finding for finding in session.findings() if finding["code"] == "dead-neurons")
    assert {f"hidden1[{j}]" for j in range(4)} <= set(dead["where"]) and dead["severity"] == "error"
    assert dead["since"] == 0.0
    explained = session.explain("hidden1[0]")
    assert "dead-neurons" in [finding["code"] for finding in explained["findings"]]


def test_the_pictures_are_the_networks_outputs_over_the_plane():
    session = Session(Config(dataset="circles", grid=12, hidden=(3,), activations=("tanh",)))
    session.step(epochs=2)
    state = json.loads(json.dumps(session.state(), allow_nan=False))
    x0, x1, y0, y1 = state["data"]["bounds"]
    size = state["boundary"]["size"]
    xs = [x0 + (j + 0.5) * (x1 - x0) / size for j in range(size)]
    ys = [y1 - (i + 0.5) * (y1 - y0) / size for i in range(size)]
    grid = [[x, y] for y in ys for x in xs]  # row by row from the top
    expected = session.net.predict(grid)[:, 0] * 255
    drawn = np.frombuffer(base64.b64decode(state["boundary"]["values"]), dtype=np.uint8)
    assert state["boundary"]["kind"] == "probability" and np.abs(drawn - expected).max() <= 0.5 + 1e-9
    node = next(n for n in state["network"]["neurons"] if n["name"] == "input[0]")
    values = np.frombuffer(base64.b64decode(node["map"]), dtype=np.uint8).reshape(20, 20)
    assert (np.diff(values.astype(int), axis=1) >= 0).all() and (
        values[0] == values[-1]
    ).all()  # x grows to the right
    assert len(state["data"]["train"]) == len(state["data"]["test"]) == 100


def test_a_regression_trains_and_its_points_carry_their_targets():
    session = Session(
        Config(dataset="bumps", samples=100, hidden=(6,), activations=("tanh",), optimizer="adam", lr=0.02)
    )
    before = session.losses()["train"]
    session.step(epochs=30)
    state = session.state()
    assert (
        state["data"]["task"] == "regression"
        and state["data"]["loss"] == "mse"
        and state["boundary"]["kind"] == "value"
    )
    assert session.losses()["train"] < before
    targets = sorted(point[2] for point in state["data"]["train"] + state["data"]["test"])
    _, y = ns.datasets.bumps(100, noise=Config().noise, seed=0)
    assert targets == pytest.approx(sorted(y), rel=1e-4, abs=1e-5)


def test_a_diverging_run_stops_says_why_and_still_draws():
    session = Session(
        Config(dataset="bumps", hidden=(8, 8), activations=("relu", "relu"), lr=10.0, init="normal")
    )
    session.step(epochs=50)
    assert session.diverged is not None and "loss" in session.diverged
    epoch = session.progress
    session.step(epochs=5)
    assert session.progress == epoch  # nothing trains until a reset
    json.dumps(session.state(), allow_nan=False)
    session.reset()
    assert session.diverged is None


def test_an_uploaded_file_replaces_the_points():
    session = Session(Config(test_ratio=0.25))
    rows = [(x / 10, (x * 7 % 10) / 10, int(x % 3 == 0)) for x in range(40)]
    session.use_upload(read_upload("a,b,c\n" + "\n".join(",".join(map(str, r)) for r in rows), "mine.csv"))
    assert session.config.dataset == "csv" and session.state()["data"]["name"] == "mine.csv"
    got = sorted(map(tuple, np.vstack([session.points.X_train, session.points.X_test]).tolist()))
    assert got == sorted((a, b) for a, b, _ in rows) and len(session.points.X_test) == 10
    session.configure({"lr": 0.2})  # the file stays for later changes
    session.configure({"hidden": [3]})
    assert session.config.dataset == "csv" and len(session.points.X_train) == 30


def test_sessions_expire_when_idle_and_the_oldest_goes_when_full():
    sessions = Sessions(most=2)
    first, _ = sessions.create(XOR)
    second, _ = sessions.create(XOR)
    sessions.get(first)  # used: the second is now the oldest
    third, _ = sessions.create(XOR)
    assert sessions.get(second) is None and sessions.get(first) is not None and len(sessions) == 2
    sessions.close(third)
    assert sessions.get(third) is None
    idle = Sessions(idle_seconds=0.0)
    key, _ = idle.create(XOR)
    assert idle.get(key) is None
