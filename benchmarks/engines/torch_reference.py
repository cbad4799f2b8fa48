"""The PyTorch reference: the same MLP in ``nn.Linear`` layers, trained with ``torch.optim.SGD``."""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np

from neurosim.benchmarks.engines.workloads import SHUFFLE_SEED, ParamSet, epoch_orders, target_matrix


def torch_module() -> Any | None:
    """PyTorch, or ``None`` if it is not installed.

    Returns
    -------
    module or None
    """
    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    return torch


class TorchMLP:
    """The same MLP in PyTorch: ``nn.Linear`` layers, ``torch.optim.SGD``, float32 by default.

    The loss is ``BCEWithLogitsLoss`` on the logits for a sigmoid output and
    ``CrossEntropyLoss`` for a softmax output. Like the reference, each epoch
    gathers the data in the epoch's order once; batches are slices.

    Parameters
    ----------
    params : ParamSet
        Initial weights and biases; copied into the layers.
    activation : {"sigmoid", "tanh", "relu"}
    loss : {"bce", "cross_entropy"}
    lr : float
    X : ndarray of shape (n_samples, n_in)
    y : ndarray of shape (n_samples,)
    batch_size : int or None
    dtype : torch.dtype, optional
        Default ``torch.float32``.
    """

    def __init__(
        self,
        params: ParamSet,
        activation: str,
        loss: str,
        lr: float,
        X: np.ndarray,
        y: np.ndarray,
        batch_size: int | None,
        dtype: Any = None,
    ) -> None:
        torch = torch_module()
        nn = torch.nn
        self.torch = torch
        self.dtype = torch.float32 if dtype is None else dtype
        self.initial = params
        weights, _ = params
        modules: list[Any] = []
        hidden = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}[activation]
        for i, weight in enumerate(weights):
            modules.append(nn.Linear(weight.shape[1], weight.shape[0], dtype=self.dtype))
            if i < len(weights) - 1:
                modules.append(hidden())
        self.model = nn.Sequential(*modules)
        self.linears = [m for m in modules if isinstance(m, nn.Linear)]
        self.lr = lr
        self.loss = loss
        self.criterion = nn.CrossEntropyLoss() if loss == "cross_entropy" else nn.BCEWithLogitsLoss()
        self.X = torch.from_numpy(np.ascontiguousarray(X)).to(self.dtype)
        if loss == "cross_entropy":
            self.T = torch.from_numpy(np.asarray(y, dtype=np.int64))
        else:
            self.T = torch.from_numpy(target_matrix(np.asarray(y), loss, weights[-1].shape[0])).to(self.dtype)
        self.n = X.shape[0]
        self.batch = self.n if batch_size is None else min(batch_size, self.n)
        self.reset()

    def reset(self) -> None:
        """Copy the initial weights into the layers and start a new optimizer."""
        weights, biases = self.initial
        with self.torch.no_grad():
            for linear, weight, bias in zip(self.linears, weights, biases, strict=True):
                linear.weight.copy_(self.torch.from_numpy(weight))
                linear.bias.copy_(self.torch.from_numpy(bias))
        self.optimizer = self.torch.optim.SGD(self.model.parameters(), lr=self.lr)

    def parameters(self) -> list[np.ndarray]:
        """The weights then the biases, as float64 numpy arrays.

        Returns
        -------
        list of ndarray
        """
        weights = [linear.weight.detach().double().numpy().copy() for linear in self.linears]
        return weights + [linear.bias.detach().double().numpy().copy() for linear in self.linears]

    def train(self, epochs: int, seed: int = SHUFFLE_SEED) -> list[tuple[float, float]]:
        """Train ``epochs`` epochs in ``fit``'s batch order.

        Parameters
        ----------
        epochs : int
        seed : int

        Returns
        -------
        list of (float, float)
            Mean loss and training accuracy of each epoch.
        """
        torch = self.torch
        history = []
        orders = epoch_orders(self.n, seed)
        for _ in range(epochs):
            order = torch.from_numpy(next(orders))
            X, T = self.X[order], self.T[order]
            total = torch.zeros((), dtype=torch.float64)
            correct = torch.zeros((), dtype=torch.int64)
            for start in range(0, self.n, self.batch):
                xb, tb = X[start : start + self.batch], T[start : start + self.batch]
                self.optimizer.zero_grad()
                logits = self.model(xb)
                loss = self.criterion(logits, tb)
                loss.backward()
                self.optimizer.step()
                with torch.no_grad():
                    total += loss.detach() * xb.shape[0]
                    if self.loss == "cross_entropy":
                        correct += (logits.argmax(dim=1) == tb).sum()
                    else:
                        correct += ((logits >= 0) == (tb >= 0.5)).sum()
            outputs = self.T.shape[1] if self.T.ndim == 2 else 1
            history.append((total.item() / self.n, correct.item() / (self.n * outputs)))
        return history
