"""The benchmark's plain-Python reference trains to the weights neurosim's compiled engine reaches.

``PythonMLP`` (``benchmarks/engines/python_reference.py``) shares no code
with neurosim's engines; from the same start, visiting the samples in
``fit``'s order, it must reach the compiled engine's weights and biases to
1e-12 after a few epochs, at every batch size and with each hidden
activation it offers. One step is also worked out by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import neurosim as ns
from neurosim.benchmarks.engines.python_reference import PythonMLP
from neurosim.benchmarks.engines.workloads import SHUFFLE_SEED, network_parameters


def compiled_weights(net: ns.Network, X, y, *, epochs: int, lr: float, batch_size: int | None) -> list:
    net.fit(
        X,
        y,
        epochs=epochs,
        lr=lr,
        batch_size=batch_size,
        loss="bce",
        engine="compiled",
        seed=SHUFFLE_SEED,
        verbose=0,
        diagnose=False,
    )
    return network_parameters(net)[0] + network_parameters(net)[1]


def largest_difference(got: list, expected: list) -> float:
    assert [g.shape for g in got] == [e.shape for e in expected]
    return max(float(np.max(np.abs(g - e))) for g, e in zip(got, expected, strict=True))


@pytest.mark.parametrize("batch_size", [1, 3, 4, 5, 32, None])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_the_loop_reaches_the_compiled_engines_weights_on_moons(activation, batch_size):
    X, y = ns.datasets.moons(200, noise=0.1, seed=0)
    net = ns.Network.from_shape([2, 16, 16, 1], activation=activation, output_activation="sigmoid", seed=0)
    loop = PythonMLP(network_parameters(net), activation, 0.1, X, y, batch_size)
    loop.train(3)
    expected = compiled_weights(net, X, y, epochs=3, lr=0.1, batch_size=batch_size)
    assert largest_difference(loop.parameters(), expected) <= 1e-12


def test_the_loop_reaches_the_compiled_engines_weights_on_xor():
    X, y = ns.datasets.xor()
    net = ns.Network.from_shape([2, 4, 1], activation="sigmoid", seed=0)
    start = network_parameters(net)
    loop = PythonMLP(start, "sigmoid", 1.0, X, y, None)
    loop.train(100)
    expected = compiled_weights(net, X, y, epochs=100, lr=1.0, batch_size=None)
    assert largest_difference(loop.parameters(), expected) <= 1e-12
    assert largest_difference(loop.parameters(), [*start[0], *start[1]]) > 0.1  # it did train


def test_one_step_by_hand():
    # one tanh neuron feeding one sigmoid output, one sample x = 1, target 1, lr 0.5
    weights = [np.array([[0.5]]), np.array([[2.0]])]
    biases = [np.array([0.0]), np.array([-1.0])]
    loop = PythonMLP((weights, biases), "tanh", 0.5, np.array([[1.0]]), np.array([1]), 1)
    loop.train(1)
    h = math.tanh(0.5)
    out = 1.0 / (1.0 + math.exp(-(2.0 * h - 1.0)))
    d_out = out - 1.0  # d bce / d z of the output
    d_h = 2.0 * d_out * (1.0 - h * h)
    expected = [[[0.5 - 0.5 * d_h * 1.0]], [[2.0 - 0.5 * d_out * h]], [0.0 - 0.5 * d_h], [-1.0 - 0.5 * d_out]]
    got = [p.tolist() for p in loop.parameters()]
    assert np.allclose(
        np.concatenate([np.ravel(g) for g in got]),
        np.concatenate([np.ravel(e) for e in expected]),
        rtol=1e-15,
        atol=0,
    )


def test_reset_restores_the_starting_weights():
    X, y = ns.datasets.moons(40, noise=0.1, seed=1)
    params = network_parameters(ns.Network.from_shape([2, 3, 1], activation="tanh", seed=0))
    loop = PythonMLP(params, "tanh", 0.1, X, y, 8)
    loop.train(2)
    trained = loop.parameters()
    loop.reset()
    assert largest_difference(loop.parameters(), [*params[0], *params[1]]) == 0.0
    loop.train(2)
    assert largest_difference(loop.parameters(), trained) == 0.0
