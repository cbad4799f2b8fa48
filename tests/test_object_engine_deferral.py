"""``fit`` with the object engine writes only the last batch's values into the neurons, and exactly those."""

from __future__ import annotations

import numpy as np

import neurosim as ns

X = np.array([[0.1, 0.9], [0.8, 0.3], [-0.5, 0.4], [0.7, -0.2], [0.3, 0.6]])
y = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
TRAINING = {"epochs": 1, "lr": 0.3, "batch_size": 1, "shuffle": False, "loss": "bce", "verbose": 0}


def net():
    return ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=4)


def last_sample_pass(before_last_step):
    """The hidden and output ``z`` of the last sample, by hand, with the weights it was computed with."""
    W1, W2 = (block.weight for block in before_last_step.blocks)
    z1 = W1 @ X[-1] + before_last_step["hidden1"].bias
    z2 = W2 @ np.tanh(z1) + before_last_step["output"].bias
    return z1, z2


def test_after_fit_the_neurons_hold_the_last_batch_computed_before_its_update():
    trained = net()
    trained.fit(X, y, engine="object", **TRAINING)
    before_last_step = net()  # the same start and the same first four steps
    before_last_step.fit(X[:-1], y[:-1], engine="object", **TRAINING)
    z1, z2 = last_sample_pass(before_last_step)
    # to rounding: the hand computation sums in numpy's order (a stale value would be off by far more)
    np.testing.assert_allclose([neuron.z for neuron in trained["hidden1"]], z1, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(trained["output"][0].z, z2[0], rtol=1e-13)
    assert [neuron.a for neuron in trained["input"]] == list(X[-1])


class Reader(ns.callbacks.Callback):
    """Reads a neuron at the end of each epoch, as a user's callback may."""

    def __init__(self):
        self.seen = []

    def on_epoch_end(self, run, epoch):
        self.seen.append(run.network["output"][0].z)


def test_a_callback_at_the_end_of_an_epoch_reads_that_epochs_last_batch():
    reader = Reader()
    trained = net()
    trained.fit(X, y, engine="object", callbacks=[reader], **TRAINING)
    before_last_step = net()
    before_last_step.fit(X[:-1], y[:-1], engine="object", **TRAINING)
    np.testing.assert_allclose(reader.seen, [last_sample_pass(before_last_step)[1][0]], rtol=1e-13)
