"""The micrograd reference: ``micrograd.nn.MLP`` and its usual training loop, batches of 32."""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np

from neurosim.benchmarks.engines.workloads import SHUFFLE_SEED, ParamSet, epoch_orders


def micrograd_trainer(params: ParamSet, X: np.ndarray, y: np.ndarray, lr: float) -> tuple[Callable, Callable]:
    """The ``micrograd.nn.MLP(2, [16, 16, 1])`` and its usual training loop, batches of 32.

    Parameters
    ----------
    params : ParamSet
        Initial weights and biases, copied into micrograd's ``Value`` objects.
    X, y : ndarray
    lr : float

    Returns
    -------
    train : callable
        ``train(count)`` trains ``count`` batches of 32, in ``fit``'s order.
    reset : callable
        Restores the initial weights.
    """
    from micrograd.nn import MLP

    random.seed(0)
    model = MLP(X.shape[1], [w.shape[0] for w in params[0]])
    initial = [
        float(value)
        for weight, bias in zip(*params, strict=True)
        for row in range(weight.shape[0])
        for value in [*weight[row], bias[row]]
    ]
    parameters = model.parameters()
    rows, targets = X.tolist(), y.astype(float).tolist()
    order = next(epoch_orders(X.shape[0], SHUFFLE_SEED)).tolist()

    def reset() -> None:
        for p, value in zip(parameters, initial, strict=True):
            p.data, p.grad = value, 0.0

    def train(count: int) -> None:
        for k in range(count):
            batch = [order[(k * 32 + i) % len(order)] for i in range(32)]
            outputs = [model(rows[i]) for i in batch]
            loss = sum((out - targets[i]) ** 2 for out, i in zip(outputs, batch, strict=True)) * (1.0 / 32)
            model.zero_grad()
            loss.backward()
            for p in parameters:
                p.data -= lr * p.grad

    return train, reset
