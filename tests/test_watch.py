"""net.watch records weights and gradients at every update, with either engine."""

from __future__ import annotations

import numpy as np
import pytest
from test_bad_input import refused

import neurosim as ns

X, y = ns.datasets.xor()


def xor_net() -> ns.Network:
    return ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)


@pytest.mark.parametrize("engine", ["object", "compiled"])
def test_watch_records_each_update_and_the_gradient_it_used(engine):
    net, twin = xor_net(), xor_net()
    watch = net.watch("input[0]", "hidden1[2]")
    net.fit(X, y, epochs=6, lr=0.5, loss="bce", shuffle=False, engine=engine, verbose=0)
    # independently: the twin takes the same full-batch steps one fit call at a time
    synapse = twin.synapse("input[0]", "hidden1[2]")
    expected_weights, expected_grads = [synapse.weight], [np.nan]
    for _ in range(6):
        twin.backward(X, y, loss="bce")
        expected_grads.append(synapse.grad)
        twin.step(lr=0.5)
        expected_weights.append(synapse.weight)
    assert watch.weights[:, 0] == pytest.approx(expected_weights, rel=1e-12)
    assert watch.grads[1:, 0] == pytest.approx(expected_grads[1:], rel=1e-10)
    assert np.isnan(watch.grads[0, 0])
    assert watch.epochs.tolist() == [0, 1, 2, 3, 4, 5, 6]


def test_watching_a_layer_a_neuron_and_a_layer_pair():
    net = xor_net()
    net.connect("input[1]", "output[0]", weight=0.5)  # a skip connection into the output
    assert net.watch("hidden1").names == [s.name for n in net["hidden1"] for s in n.incoming]
    assert net.watch("output[0]").names == [
        "hidden1[0] -> output[0]",
        "hidden1[1] -> output[0]",
        "hidden1[2] -> output[0]",
        "input[1] -> output[0]",
    ]
    assert net.watch("input", "output").names == ["input[1] -> output[0]"]
    assert len(net.watches) == 3


def test_both_engines_record_the_same_trajectories():
    records = []
    for engine in ("object", "compiled"):
        net = xor_net()
        watch = net.watch("hidden1")
        net.fit(
            X, y, epochs=10, lr=0.5, batch_size=2, loss="bce", momentum=0.5, seed=1, engine=engine, verbose=0
        )
        records.append((watch.weights, watch.grads))
    assert len(records[0][0]) == 1 + 10 * 2
    assert np.allclose(records[0][0], records[1][0], rtol=1e-10, atol=1e-14)
    assert np.allclose(records[0][1][1:], records[1][1][1:], rtol=1e-10, atol=1e-14)


def test_each_fit_adds_a_starting_row_and_stop_ends_recording():
    net = xor_net()
    watch = net.watch("output[0]")
    net.fit(X, y, epochs=2, lr=0.5, loss="bce", verbose=0)
    net.fit(X, y, epochs=3, lr=0.5, loss="bce", verbose=0)
    assert watch.epochs.tolist() == [0, 1, 2, 0, 1, 2, 3]
    assert np.array_equal(watch.weights[2], watch.weights[3])  # nothing changed between the fits
    watch.stop()
    net.fit(X, y, epochs=2, lr=0.5, loss="bce", verbose=0)
    assert len(watch) == 7 and net.watches == []
    assert repr(watch) == "Watch(3 synapses, 7 records, stopped)"


def test_many_records_grow_the_storage():
    net = xor_net()
    watch = net.watch("hidden1")
    net.fit(X, y, epochs=50, lr=0.5, batch_size=1, loss="bce", engine="compiled", seed=0, verbose=0)
    assert watch.weights.shape == (1 + 200, 6)
    assert np.array_equal(watch.weights[-1], [s.weight for n in net["hidden1"] for s in n.incoming])


def test_watch_of_unknown_or_empty_things_is_refused():
    net = xor_net()
    with refused(net, ns.UnknownNameError, "no layer named 'hiden1'"):
        net.watch("hiden1")
    with refused(net, ns.StructureError, "no synapses to watch into layer 'input'"):
        net.watch("input")
    with refused(net, ns.UnknownNameError, "there is no synapse 'input\\[0\\]' -> 'output\\[0\\]'"):
        net.watch("input[0]", "output[0]")
    with refused(net, ns.StructureError, "watch two layers, two neurons"):
        net.watch("input", "hidden1[0]")
    assert net.watches == []


def test_a_disconnected_watched_synapse_stops_fit_before_training():
    net = xor_net()
    net.watch("input[0]", "hidden1[2]")
    net.disconnect("input[0]", "hidden1[2]")
    with refused(net, ns.StructureError, "watched synapse 'input\\[0\\] -> hidden1\\[2\\]' was disconnected"):
        net.fit(X, y, epochs=2, lr=0.5, loss="bce", verbose=0)


@pytest.mark.parametrize("engine", ["object", "compiled"])
def test_a_watch_follows_arrays_replaced_during_a_fit(engine):
    """Packing the parameters mid-run moves every array; the watch keeps recording the live ones."""

    class PackAfterEpoch1(ns.training.Callback):
        def on_epoch_end(self, run, epoch):
            if epoch == 1:
                run.network.parameter_store.pack()

    net = xor_net()
    net.connect("input[0]", "output[0]", weight=0.1)  # a block outside the packed vector
    watch = net.watch("output[0]")
    net.fit(X, y, epochs=4, lr=0.5, loss="bce", engine=engine, verbose=0, callbacks=[PackAfterEpoch1()])
    assert np.array_equal(watch.weights[-1], [s.weight for s in net["output[0]"].incoming])
    assert len(np.unique(watch.weights[:, -1])) == 5  # the skip weight changed at each of the 4 updates


@pytest.mark.parametrize("engine", ["object", "compiled"])
def test_a_hand_built_network_with_a_pruned_synapse_is_watched_right(engine):
    """Unpacked arrays, and watched entries that do not follow one another in memory."""
    net = ns.Network(seed=0)
    net.add_layer(3)
    net.add_layer(4, activation="tanh")
    net.add_layer(1, name="output", activation="sigmoid")
    net.connect("input", "hidden1")
    net.connect("hidden1", "output")
    net.disconnect("input[1]", "hidden1[2]")
    watch = net.watch("hidden1")
    assert len(watch.names) == 11
    X3 = np.column_stack([X, X[:, 0] * X[:, 1]])
    trajectory = []

    class Snapshot(ns.training.Callback):
        def on_batch_end(self, run, batch):
            trajectory.append([s.weight for s in watch.synapses])

    net.fit(
        X3,
        y,
        epochs=3,
        lr=0.5,
        batch_size=2,
        loss="bce",
        engine=engine,
        seed=1,
        verbose=0,
        callbacks=[Snapshot()],
    )
    assert np.array_equal(watch.weights[1:], np.array(trajectory))


@pytest.mark.parametrize("repack", [False, True])
def test_a_packed_layer_is_recorded_in_the_order_of_its_synapses(repack):
    """Packed weights lie column by column, not in the synapses' order; the records follow the synapses."""
    net = ns.Network.from_shape([3, 4, 2], activation="tanh", output_activation="sigmoid", seed=2)
    watch = net.watch("hidden1")  # 12 synapses, listed neuron by neuron: a different order from memory's
    trajectory = []

    class Snapshot(ns.training.Callback):
        def on_batch_end(self, run, batch):
            trajectory.append([s.weight for s in watch.synapses])

        def on_epoch_end(self, run, epoch):
            if repack and epoch == 1:
                run.network.parameter_store.pack()  # every array moves while the watch records

    X3 = np.column_stack([X, X[:, 0] * X[:, 1]])
    Y2 = np.column_stack([y, 1 - y])
    net.fit(X3, Y2, epochs=3, lr=0.5, batch_size=2, seed=1, loss="bce", verbose=0, callbacks=[Snapshot()])
    assert watch.names == [s.name for s in net["hidden1[0]"].incoming + net["hidden1[1]"].incoming] + [
        s.name for neuron in ("hidden1[2]", "hidden1[3]") for s in net[neuron].incoming
    ]
    assert np.array_equal(watch.weights[1:], np.array(trajectory))
    assert np.array_equal(watch.grads[-1], [s.grad for s in watch.synapses])
