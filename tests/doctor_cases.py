"""What the doctor's tests share: the data, the reference pass, fitting with the doctor, killing relus."""

from __future__ import annotations

import numpy as np
import pytest
from reference_mlp import reference_pass

import neurosim as ns


def g(value: float, digits: int = 4) -> str:
    """A number as the doctor's messages quote it."""
    return f"{value:.{digits}g}"


def scaled_moons(n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Two moons, each column standardised."""
    X, y = ns.datasets.moons(n, noise=0.15, seed=0)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


def numpy_pass(net: ns.Network, X: np.ndarray, y: object, loss: str = "bce"):
    """The reference forward and backward pass, on the targets as the loss sees them."""
    _, X, T = net.prepare_batch(X, y, loss)
    with np.errstate(over="ignore"):  # cosh of a saturated tanh's z overflows: its slope is 0
        return reference_pass(net, X, T, loss)


def fit_with_doctor(net: ns.Network, X: object, y: object, **options: object) -> tuple[ns.History, list[str]]:
    """``net.fit`` with the doctor; the history and the DiagnosisWarnings' messages."""
    with pytest.warns(ns.DiagnosisWarning) as record:
        history = net.fit(X, y, verbose=0, seed=0, **options)
    return history, [str(w.message) for w in record]


def warned(messages: list[str], code: str) -> bool:
    """Whether a DiagnosisWarning with ``code`` is among ``messages``."""
    return any(message.startswith(f"{code}: ") for message in messages)


def relu_net(sizes: tuple[int, ...] = (2, 4, 1), activation: str = "relu") -> ns.Network:
    """A He-initialised network with a sigmoid output."""
    return ns.Network.from_shape(
        list(sizes), activation=activation, output_activation="sigmoid", init="he", seed=0
    )


def kill(net: ns.Network, indices: list[int]) -> None:
    """Push hidden neurons' z below 0 on every sample of scaled moons: small weights, bias -5."""
    net.blocks[0].weight[indices] *= 0.1
    net["hidden1"].bias[indices] = -5.0
