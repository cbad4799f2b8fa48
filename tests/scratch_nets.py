"""A network written from scratch in numpy, as people write their own: forward, loss and backward by hand.

``ScratchNet`` holds its weights either way round (``"out_in"``: ``W @ x``,
samples in columns, biases ``(n, 1)``; ``"in_out"``: ``x @ W``, samples in
rows, biases ``(1, n)``) and can plant one bug in its backward pass, so that
the tests compare neurosim's verdicts with a network neurosim did not write.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

FUNCTIONS = {
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda a: a * (1 - a)),
    "tanh": (np.tanh, lambda a: 1 - a**2),
    "identity": (lambda z: z, np.ones_like),
}


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


class ScratchNet:
    """Layers of ``sizes`` with ``activations`` (the last may be ``"softmax"``), in ``layout``."""

    def __init__(self, sizes: list[int], activations: list[str], layout: str, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.layout, self.activations = layout, activations
        self.rows = layout == "in_out"
        self.W, self.b = [], []
        for n_in, n_out in pairwise(sizes):
            W = rng.normal(0, 1.0, size=(n_out, n_in))
            b = rng.normal(0, 0.5, size=(n_out, 1))
            self.W.append(W.T.copy() if self.rows else W)
            self.b.append(b.T.copy() if self.rows else b)

    def data(self, n: int, seed: int = 1, loss: str = "mse") -> tuple[np.ndarray, np.ndarray]:
        """Inputs and targets for ``loss``, held as this network holds samples."""
        rng = np.random.default_rng(seed)
        n_in = self.W[0].shape[0 if self.rows else 1]
        n_out = self.W[-1].shape[1 if self.rows else 0]
        X = rng.normal(size=(n, n_in))
        if loss == "cross_entropy":
            Y = np.eye(n_out)[rng.integers(0, n_out, n)]
        elif loss == "bce":
            Y = rng.integers(0, 2, size=(n, n_out)).astype(float)
        else:
            Y = rng.normal(size=(n, n_out))
        return (X, Y) if self.rows else (X.T, Y.T)

    def forward(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        Zs, As = [], [X]
        for W, b, name in zip(self.W, self.b, self.activations, strict=True):
            Z = As[-1] @ W + b if self.rows else W @ As[-1] + b
            if name == "softmax":
                E = np.exp(Z - Z.max(axis=1 if self.rows else 0, keepdims=True))
                A = E / E.sum(axis=1 if self.rows else 0, keepdims=True)
            else:
                A = FUNCTIONS[name][0](Z)
            Zs.append(Z)
            As.append(A)
        return Zs, As

    def gradients(self, X: np.ndarray, Y: np.ndarray, loss: str, bug: str = "", at: int = 0) -> dict:
        """``{"W1": dW1, "b1": db1, ...}`` of the mean loss, ``bug`` planted at layer ``at`` (0-based)."""
        _, As = self.forward(X)
        n = X.shape[0 if self.rows else 1]
        out = As[-1]
        m = out.shape[1 if self.rows else 0]
        error = out - Y if bug != "sign" else Y - out
        if loss == "mse":
            dZ = 2 * error / (n * m) * FUNCTIONS[self.activations[-1]][1](out)
        elif loss == "bce":
            dZ = error / (n * m)
        else:
            dZ = error / n
        if bug == "sum":  # the loss summed over the samples
            dZ = dZ * n
        grads = {}
        for i in range(len(self.W) - 1, -1, -1):
            if bug == "twice" and i == at:
                dZ = dZ * FUNCTIONS[self.activations[i]][1](As[i + 1])
            A_prev = As[i]
            dW = A_prev.T @ dZ if self.rows else dZ @ A_prev.T
            db = dZ.sum(axis=0, keepdims=True) if self.rows else dZ.sum(axis=1, keepdims=True)
            if i == at:
                dW, db = self._plant(bug, dW, db, dZ, A_prev, n)
            grads[f"W{i + 1}"], grads[f"b{i + 1}"] = dW, db
            if i > 0:
                dA = dZ @ self.W[i].T if self.rows else self.W[i].T @ dZ
                derivative = FUNCTIONS[self.activations[i - 1]][1]
                a = As[i]
                if bug == "of-a" and i - 1 == at:
                    a = FUNCTIONS[self.activations[i - 1]][0](As[i])
                dZ = dA * derivative(a)
        return dict(sorted(grads.items(), key=lambda item: (int(item[0][1:]), item[0][0] != "W")))

    def _plant(self, bug: str, dW, db, dZ, A_prev, n):
        batch_axis, neuron_axis = (0, 1) if self.rows else (1, 0)
        if bug == "not-averaged":
            dW = dW * n
        elif bug == "double":
            dW = dW * 2
        elif bug == "transposed":
            dW = dW.T
        elif bug == "missing-source":
            dW = dZ.sum(axis=batch_axis, keepdims=True) * np.ones_like(dW)
        elif bug == "summed-over-all":
            db = np.sum(dZ)
        elif bug == "wrong-axis":
            db = dZ.sum(axis=neuron_axis, keepdims=True)
        elif bug == "unsummed":
            db = dZ
        elif bug == "typo":
            dW = dW.copy()
            dW.flat[0] += 0.5 * np.max(np.abs(dW)) + 0.1
        return dW, db
