"""Time per training epoch of neurosim's engines beside a hand-written numpy MLP, PyTorch and scikit-learn.

Run from the repository root::

    python benchmarks/engines.py                 # every workload and section (a few minutes)
    python benchmarks/engines.py --quick         # a smoke test of every path (about half a minute)
    python benchmarks/engines.py --only moons,build --json results.json

Every engine trains the same network (the same sizes, activations, loss and
initial weights, read from ``ns.Network.from_shape``) on the same data in the
same batch order (``fit``'s: ``rng = np.random.default_rng(seed)`` once, then
``rng.permutation(n)`` each epoch), except scikit-learn, which shuffles with
its own random state. Shared machines are noisy, so times are reported as
ratios to the numpy reference measured in the same run: the engines take turns
(interleaved), each run starts from the initial weights, and each engine keeps
its fastest of several runs.

Before timing, each workload trains every engine for a few epochs from the same
start and prints how far its weights end from the reference's, so that the
timings compare the same arithmetic.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import math
import os
import platform
import random
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

import neurosim as ns
from neurosim import datasets
from neurosim._files import write_atomically

#: the numpy functions of each hidden activation: ``forward(h)`` in place, ``derivative(a, g, scratch)``
ActivationPair = tuple[Callable[[np.ndarray], None], Callable[[np.ndarray, np.ndarray, np.ndarray], None]]
#: ``(weights, biases)``: weights of shape ``(n_out, n_in)`` (rows are targets), biases of shape ``(n_out,)``
ParamSet = tuple[list[np.ndarray], list[np.ndarray]]

NETWORK_SEED = 0
SHUFFLE_SEED = 0


# --------------------------------------------------------------------------------------------- workloads


@dataclass(frozen=True)
class Workload:
    """One network, data set and training setup that every engine is timed on.

    Attributes
    ----------
    name : str
        Name used by ``--only`` and in the output.
    sizes : tuple of int
        Layer sizes, input first.
    activation, output_activation : str
        neurosim activation names of the hidden layers and of the output layer.
    loss : {"bce", "cross_entropy"}
        neurosim loss name.
    batch_size : int or None
        Samples per update; ``None`` is the full set.
    lr : float
        Learning rate of plain SGD.
    check_epochs : int
        Epochs trained before comparing the engines' weights.
    object_batches : int or None
        Time the object engine on this many batches and scale to one epoch;
        ``None`` times whole epochs.
    """

    name: str
    sizes: tuple[int, ...]
    activation: str
    output_activation: str
    loss: str
    batch_size: int | None
    lr: float
    check_epochs: int
    object_batches: int | None = None

    def describe(self, n_samples: int) -> str:
        """A one-line description of the setup.

        Parameters
        ----------
        n_samples : int
            Number of training samples.

        Returns
        -------
        str
            Architecture, activations, loss, batching and learning rate.
        """
        shape = "-".join(str(size) for size in self.sizes)
        batch = "full batch" if self.batch_size is None else f"batch {self.batch_size}"
        n_batches = math.ceil(n_samples / (self.batch_size or n_samples))
        return (
            f"{shape}, {self.activation} hidden, {self.output_activation} output, loss {self.loss}, "
            f"{batch}, lr {self.lr:g}, {n_samples} samples ({plural(n_batches, 'batch')} per epoch)"
        )


WORKLOADS: dict[str, Workload] = {
    "xor": Workload("xor", (2, 4, 1), "sigmoid", "sigmoid", "bce", None, 1.0, check_epochs=100),
    "moons": Workload("moons", (2, 16, 16, 1), "tanh", "sigmoid", "bce", 32, 0.1, check_epochs=3),
    "digits": Workload(
        "digits", (64, 64, 10), "relu", "softmax", "cross_entropy", 32, 0.1, check_epochs=2, object_batches=8
    ),
    "wide": Workload(
        "wide",
        (784, 256, 256, 10),
        "relu",
        "softmax",
        "cross_entropy",
        128,
        0.01,
        check_epochs=1,
        object_batches=1,
    ),
}
SECTIONS = ("instance", "watch", "micrograd", "build", "plot")
WIDE_SAMPLES = 20000
WIDE_SAMPLES_QUICK = 2048


def load_data(name: str, quick: bool) -> tuple[np.ndarray, np.ndarray]:
    """The inputs and integer labels of a workload.

    Parameters
    ----------
    name : str
        Workload name.
    quick : bool
        Use fewer samples for ``wide``.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    """
    if name == "xor":
        return datasets.xor()
    if name == "moons":
        return datasets.moons(1000, noise=0.1, seed=0)
    if name == "digits":
        return datasets.digits()
    n = WIDE_SAMPLES_QUICK if quick else WIDE_SAMPLES
    rng = np.random.default_rng(0)
    return rng.random((n, 784)), rng.integers(0, 10, n)


def target_matrix(y: np.ndarray, loss: str, n_outputs: int) -> np.ndarray:
    """The labels as the float targets neurosim trains on.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Integer labels.
    loss : str
        ``"bce"`` gives ``y`` as one column, ``"cross_entropy"`` one-hot rows.
    n_outputs : int
        Output layer size.

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
    """
    if loss == "cross_entropy":
        return np.eye(n_outputs)[y]
    return y.astype(float).reshape(-1, n_outputs)


def build_network(workload: Workload) -> ns.Network:
    """A fresh neurosim network for ``workload``, with the benchmark's weight seed.

    Parameters
    ----------
    workload : Workload

    Returns
    -------
    neurosim.Network
    """
    return ns.Network.from_shape(
        list(workload.sizes),
        activation=workload.activation,
        output_activation=workload.output_activation,
        seed=NETWORK_SEED,
    )


def network_parameters(net: ns.Network) -> ParamSet:
    """Copies of a neurosim network's weights and biases, layer by layer.

    Parameters
    ----------
    net : neurosim.Network
        A layered network, as ``from_shape`` builds.

    Returns
    -------
    ParamSet
        ``(weights, biases)``; weights are ``(n_out, n_in)``.
    """
    weights = [block.weight.copy() for block in net.blocks]
    biases = [layer.bias.copy() for layer in net.layers[1:]]
    return weights, biases


def set_network_parameters(net: ns.Network, params: ParamSet) -> None:
    """Write ``params`` into a neurosim network's own arrays, in place.

    Parameters
    ----------
    net : neurosim.Network
    params : ParamSet
    """
    weights, biases = params
    for block, weight in zip(net.blocks, weights, strict=True):
        np.copyto(block.weight, weight)
    for layer, bias in zip(net.layers[1:], biases, strict=True):
        np.copyto(layer.bias, bias)


def epoch_orders(n: int, seed: int) -> Iterator[np.ndarray]:
    """The sample order of each epoch, exactly as ``fit`` draws it.

    Parameters
    ----------
    n : int
        Number of samples.
    seed : int
        ``fit``'s ``seed``.

    Yields
    ------
    ndarray of shape (n,)
    """
    rng = np.random.default_rng(seed)
    while True:
        yield rng.permutation(n)


# ------------------------------------------------------------------------------------- numpy reference


def _sigmoid(h: np.ndarray) -> None:
    np.negative(h, out=h)
    np.exp(h, out=h)
    h += 1.0
    np.reciprocal(h, out=h)


def _sigmoid_derivative(a: np.ndarray, g: np.ndarray, scratch: np.ndarray) -> None:
    np.subtract(1.0, a, out=scratch)
    scratch *= a
    g *= scratch


def _tanh(h: np.ndarray) -> None:
    np.tanh(h, out=h)


def _tanh_derivative(a: np.ndarray, g: np.ndarray, scratch: np.ndarray) -> None:
    np.multiply(a, a, out=scratch)
    np.subtract(1.0, scratch, out=scratch)
    g *= scratch


def _relu(h: np.ndarray) -> None:
    np.maximum(h, 0.0, out=h)


def _relu_derivative(a: np.ndarray, g: np.ndarray, scratch: np.ndarray) -> None:
    np.greater(a, 0.0, out=scratch, casting="unsafe")
    g *= scratch


REFERENCE_ACTIVATIONS: dict[str, ActivationPair] = {
    "sigmoid": (_sigmoid, _sigmoid_derivative),
    "tanh": (_tanh, _tanh_derivative),
    "relu": (_relu, _relu_derivative),
}


class _Batch:
    """Views and preallocated buffers for one batch position of an epoch."""

    __slots__ = ("a", "d", "pred", "rows", "scale", "scratch", "t", "x", "z")

    def __init__(
        self, views: tuple[np.ndarray, ...], buffers: tuple[list[np.ndarray], ...], rows: slice, scale: float
    ) -> None:
        self.x, self.t, self.z, self.pred = views
        self.a, self.d, self.scratch = buffers
        self.rows = rows
        self.scale = scale


class NumpyMLP:
    """A fully connected MLP trained with SGD in tight, vectorized numpy.

    It does per batch what neurosim's ``fit`` does: forward pass, loss,
    backward pass and ``W -= lr * grad``, and per epoch the mean loss and the
    training accuracy. Every array is preallocated. The epoch's targets, and
    its inputs when they fit in ``gather_limit`` bytes, are gathered once per
    epoch into epoch-long buffers in the epoch's order, so that a batch is a
    view; larger inputs are gathered batch by batch into one buffer, which
    then stays in cache for the batch's products. Each batch writes its
    output logits and predictions into epoch-long buffers, and the mean loss
    and the correct count are summed from them once per epoch. All weights
    and biases are views into one flat vector, so the update of a small
    network is two vector operations; a large network's layers are updated
    one by one during the backward pass, right after their last use, while
    their weights and gradients are still in cache. The arithmetic of every
    step is neurosim's compiled engine's, operation for operation, so the two
    end with the same weights.

    Parameters
    ----------
    params : ParamSet
        Initial weights (``(n_out, n_in)``) and biases; they are copied.
    activation : {"sigmoid", "tanh", "relu"}
        Hidden activation.
    loss : {"bce", "cross_entropy"}
        ``"bce"`` means a sigmoid output, ``"cross_entropy"`` a softmax output.
    lr : float
        Learning rate.
    X : ndarray of shape (n_samples, n_in)
    y : ndarray of shape (n_samples,)
        Integer labels.
    batch_size : int or None
        ``None`` is the full set.
    gather_limit : int, optional
        Largest input array, in bytes, gathered once per epoch.
    update_limit : int, optional
        Largest number of parameters updated as one flat vector.
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
        gather_limit: int = 2**22,
        update_limit: int = 2**16,
    ) -> None:
        weights, biases = params
        self.lr = lr
        self.loss = loss
        self.activate, self.derivative = REFERENCE_ACTIVATIONS[activation]
        sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
        n, n_out = X.shape[0], sizes[-1]
        self.X = np.ascontiguousarray(X, dtype=np.float64)
        self.labels = np.asarray(y)
        self.T = target_matrix(self.labels, loss, n_out)
        self.theta, self.W, self.b = _flat_views(weights, biases)
        self.grad, self.gW, self.gb = _flat_views(weights, biases)
        self.step = np.empty_like(self.theta)
        self.per_layer_update = self.theta.size > update_limit
        self.initial = self.theta.copy()
        self.Xep = None if self.X.nbytes > gather_limit else np.empty_like(self.X)
        self.Tep = np.empty_like(self.T)
        self.Zep = np.empty((n, n_out))
        self.pred = np.empty(n, np.intp) if loss == "cross_entropy" else np.empty((n, n_out), bool)
        self.batches = self._plan_batches(n, n if batch_size is None else min(batch_size, n), sizes)

    def _plan_batches(self, n: int, batch: int, sizes: list[int]) -> list[_Batch]:
        """One :class:`_Batch` per batch of an epoch; batches of one size share their buffers."""
        shared: dict[int, tuple[np.ndarray | None, list[np.ndarray], list[np.ndarray], list[np.ndarray]]] = {}
        plan = []
        for start in range(0, n, batch):
            stop = min(start + batch, n)
            rows = stop - start
            if rows not in shared:
                shared[rows] = (
                    np.empty((rows, sizes[0])) if self.Xep is None else None,  # inputs gathered per batch
                    [np.empty((rows, size)) for size in sizes[1:-1]],  # activations
                    [np.empty((rows, size)) for size in sizes[1:]],  # deltas
                    [np.empty((rows, size)) for size in sizes[1:-1]],  # scratch
                )
            x, *buffers = shared[rows]
            if self.Xep is not None:
                x = self.Xep[start:stop]
            views = (x, self.Tep[start:stop], self.Zep[start:stop], self.pred[start:stop])
            scale = 1.0 / rows if self.loss == "cross_entropy" else (1.0 / rows) / sizes[-1]
            plan.append(_Batch(views, tuple(buffers), slice(start, stop), scale))
        return plan

    def reset(self) -> None:
        """Restore the initial weights."""
        np.copyto(self.theta, self.initial)

    def parameters(self) -> list[np.ndarray]:
        """Copies of the weights then the biases.

        Returns
        -------
        list of ndarray
        """
        return [w.copy() for w in self.W] + [b.copy() for b in self.b]

    def train(self, epochs: int, seed: int = SHUFFLE_SEED) -> list[tuple[float, float]]:
        """Train ``epochs`` epochs in ``fit``'s batch order.

        Parameters
        ----------
        epochs : int
        seed : int
            Shuffling seed, as ``fit``'s ``seed``.

        Returns
        -------
        list of (float, float)
            Mean loss and training accuracy of each epoch.
        """
        history = []
        orders = epoch_orders(self.X.shape[0], seed)
        for _ in range(epochs):
            history.append(self.train_epoch(next(orders)))
        return history

    def train_epoch(self, order: np.ndarray) -> tuple[float, float]:
        """One epoch of mini-batch SGD over the samples in ``order``.

        Parameters
        ----------
        order : ndarray of shape (n_samples,)

        Returns
        -------
        loss : float
            Mean loss over the epoch's batches (each at the weights it was computed with).
        accuracy : float
            Fraction of samples predicted correctly.
        """
        np.take(self.T, order, axis=0, out=self.Tep)
        if self.Xep is None:
            for batch in self.batches:
                np.take(self.X, order[batch.rows], axis=0, out=batch.x)
                self._train_batch(batch)
        else:
            np.take(self.X, order, axis=0, out=self.Xep)
            for batch in self.batches:
                self._train_batch(batch)
        return self._epoch_loss(), self._epoch_accuracy(order)

    def _train_batch(self, batch: _Batch) -> None:
        """Forward, output delta, backward and update for one batch."""
        W, b = self.W, self.b
        last = len(W) - 1
        a = batch.x
        for layer in range(last):
            h = batch.a[layer]
            np.matmul(a, W[layer].T, out=h)
            h += b[layer]
            self.activate(h)
            a = h
        z, d = batch.z, batch.d[last]
        np.matmul(a, W[last].T, out=z)
        z += b[last]
        if self.loss == "cross_entropy":
            np.subtract(z, z.max(axis=1, keepdims=True), out=d)
            np.exp(d, out=d)
            d /= d.sum(axis=1, keepdims=True)
            np.argmax(d, axis=1, out=batch.pred)
        else:
            np.negative(z, out=d)
            np.exp(d, out=d)
            d += 1.0
            np.reciprocal(d, out=d)
            np.greater_equal(d, 0.5, out=batch.pred)
        d -= batch.t
        d *= batch.scale
        per_layer, lr = self.per_layer_update, self.lr
        for layer in range(last, -1, -1):
            a_prev = batch.a[layer - 1] if layer else batch.x
            gW, gb = self.gW[layer], self.gb[layer]
            np.matmul(d.T, a_prev, out=gW)
            d.sum(axis=0, out=gb)
            if layer:
                g = batch.d[layer - 1]
                np.matmul(d, W[layer], out=g)
                self.derivative(a_prev, g, batch.scratch[layer - 1])
                d = g
            if per_layer:
                gW *= lr
                W[layer] -= gW
                gb *= lr
                b[layer] -= gb
        if not per_layer:
            np.multiply(self.grad, lr, out=self.step)
            self.theta -= self.step

    def _epoch_loss(self) -> float:
        """Mean loss of the epoch, from every batch's logits."""
        Z, T = self.Zep, self.Tep
        if self.loss == "cross_entropy":
            shift = Z.max(axis=1, keepdims=True)
            log_sum_exp = np.log(np.exp(Z - shift).sum(axis=1)) + shift[:, 0]
            return float(log_sum_exp.sum() - np.vdot(T, Z)) / Z.shape[0]
        return float(np.logaddexp(0.0, Z).sum() - np.vdot(T, Z)) / Z.size

    def _epoch_accuracy(self, order: np.ndarray) -> float:
        """Fraction of correct predictions of the epoch."""
        if self.loss == "cross_entropy":
            return np.count_nonzero(self.pred == self.labels[order]) / self.pred.shape[0]
        return np.count_nonzero(self.pred == (self.Tep >= 0.5)) / self.pred.size


def _flat_views(weights: list[np.ndarray], biases: list[np.ndarray]) -> tuple[np.ndarray, list, list]:
    """One flat float64 vector holding copies of ``weights`` and ``biases``, and views of each.

    Parameters
    ----------
    weights, biases : list of ndarray

    Returns
    -------
    flat : ndarray
    weight_views, bias_views : list of ndarray
        Views into ``flat`` with the shapes of ``weights`` and ``biases``.
    """
    flat = np.empty(sum(w.size for w in weights) + sum(b.size for b in biases))
    views = []
    offset = 0
    for array in [*weights, *biases]:
        view = flat[offset : offset + array.size].reshape(array.shape)
        view[...] = array
        views.append(view)
        offset += array.size
    return flat, views[: len(weights)], views[len(weights) :]


# ---------------------------------------------------------------------------------------------- torch


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


# -------------------------------------------------------------------------------------------- sklearn


class SklearnMLP:
    """scikit-learn's ``MLPClassifier`` with plain SGD, one ``partial_fit`` call per epoch.

    It starts from the same weights (``coefs_`` are ``(n_in, n_out)``, so the
    weights are transposed) but shuffles with its own random state.

    Parameters
    ----------
    params : ParamSet
    activation : {"sigmoid", "tanh", "relu"}
    lr : float
    X : ndarray of shape (n_samples, n_in)
    y : ndarray of shape (n_samples,)
    batch_size : int or None
    """

    def __init__(
        self,
        params: ParamSet,
        activation: str,
        lr: float,
        X: np.ndarray,
        y: np.ndarray,
        batch_size: int | None,
    ) -> None:
        from sklearn.neural_network import MLPClassifier

        weights, _ = params
        batch = X.shape[0] if batch_size is None else min(batch_size, X.shape[0])
        self.model = MLPClassifier(
            hidden_layer_sizes=tuple(w.shape[0] for w in weights[:-1]),
            activation={"sigmoid": "logistic", "tanh": "tanh", "relu": "relu"}[activation],
            solver="sgd",
            learning_rate="constant",
            learning_rate_init=lr,
            momentum=0.0,
            nesterovs_momentum=False,
            alpha=0.0,
            batch_size=batch,
            shuffle=True,
            random_state=SHUFFLE_SEED,
        )
        self.X, self.y = X, y
        self.initial = params
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.model.partial_fit(X[:batch], y[:batch], classes=np.unique(y))
        shapes = [c.shape for c in self.model.coefs_]
        if shapes != [w.T.shape for w in weights]:
            raise RuntimeError(f"scikit-learn built layers {shapes}; expected {[w.T.shape for w in weights]}")
        self.reset()

    def reset(self) -> None:
        """Copy the initial weights into ``coefs_`` and ``intercepts_``."""
        weights, biases = self.initial
        for coef, weight in zip(self.model.coefs_, weights, strict=True):
            np.copyto(coef, weight.T)
        for intercept, bias in zip(self.model.intercepts_, biases, strict=True):
            np.copyto(intercept, bias)

    def train(self, epochs: int) -> None:
        """Train ``epochs`` epochs, one ``partial_fit`` each.

        Parameters
        ----------
        epochs : int
        """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(epochs):
                self.model.partial_fit(self.X, self.y)


# -------------------------------------------------------------------------------------------- neurosim


class NeurosimRun:
    """``net.fit`` with one engine, starting each run from the initial weights.

    Several runs may share one network: each run first writes the initial
    weights into it.

    Parameters
    ----------
    net : neurosim.Network
        A network built for ``workload``.
    workload : Workload
    params : ParamSet
        Initial weights and biases, written into the network before each run.
    X, y : ndarray
        Training data (labels as integers).
    engine : {"compiled", "object"}
    batch_size : int or None, optional
        Overrides the workload's.
    """

    def __init__(
        self,
        net: ns.Network,
        workload: Workload,
        params: ParamSet,
        X: np.ndarray,
        y: np.ndarray,
        engine: str,
        batch_size: int | str | None = "workload",
    ) -> None:
        self.net = net
        self.workload = workload
        self.params = params
        self.X, self.y = X, y
        self.engine = engine
        self.batch_size = workload.batch_size if batch_size == "workload" else batch_size
        self.reset()

    def reset(self) -> None:
        """Restore the initial weights."""
        set_network_parameters(self.net, self.params)

    def parameters(self) -> list[np.ndarray]:
        """Copies of the weights then the biases.

        Returns
        -------
        list of ndarray
        """
        weights, biases = network_parameters(self.net)
        return weights + biases

    def train(self, epochs: int) -> list[tuple[float, float]]:
        """Train with ``net.fit``.

        Parameters
        ----------
        epochs : int

        Returns
        -------
        list of (float, float)
            Mean loss and training accuracy of each epoch, from the history.
        """
        history = self.net.fit(
            self.X,
            self.y,
            epochs=epochs,
            lr=self.workload.lr,
            batch_size=self.batch_size,
            loss=self.workload.loss,
            engine=self.engine,
            seed=SHUFFLE_SEED,
            verbose=0,
        )
        if history.diverged_at is not None:
            raise RuntimeError(
                f"{self.workload.name}: {self.engine} training diverged at epoch {history.diverged_at}"
            )
        return list(zip(history.loss, history.accuracy, strict=True))


# --------------------------------------------------------------------------------------------- timing


@dataclass
class Contender:
    """One thing to time: ``run(count)`` does ``count`` units of work from a fresh start.

    Attributes
    ----------
    name : str
        Row label.
    run : callable
        ``run(count)`` trains ``count`` units (epochs, or batches).
    reset : callable
        Restores the starting state; not timed.
    per_unit : float
        Factor from seconds per unit to the reported quantity (1 for epochs;
        epoch size over subset size for a subset; 1 / batch for per-sample times).
    note : str
        Footnote text, if any.
    max_seconds : float
        The most seconds its timed runs may take together, warm-up included.
    count : int
        Units per timed run (set by :func:`time_contenders`).
    best : float
        Fastest time per reported unit (set by :func:`time_contenders`).
    runs : int
        How many runs were timed.
    """

    name: str
    run: Callable[[int], object]
    reset: Callable[[], None]
    per_unit: float = 1.0
    note: str = ""
    max_seconds: float = math.inf
    count: int = 1
    best: float = math.inf
    runs: int = 0


def timed(contender: Contender, count: int) -> float:
    """Seconds of one run of ``count`` units, garbage collection off (as ``timeit`` does).

    Parameters
    ----------
    contender : Contender
    count : int

    Returns
    -------
    float
    """
    contender.reset()
    gc.disable()
    try:
        start = time.perf_counter()
        contender.run(count)
        return time.perf_counter() - start
    finally:
        gc.enable()


def time_contenders(contenders: Sequence[Contender], target_s: float, repeats: int) -> None:
    """Time each contender ``repeats`` times, taking turns, and keep each one's fastest.

    A warm-up run of one unit sets each contender's ``count`` so that a timed
    run lasts about ``target_s``; a contender whose runs would exceed its
    ``max_seconds`` is timed fewer times (at least once).

    Parameters
    ----------
    contenders : sequence of Contender
    target_s : float
        Wanted duration of one timed run.
    repeats : int
        Timed runs per contender.
    """
    plan = {}
    for contender in contenders:
        warm = timed(contender, 1)
        contender.count = max(1, math.ceil(target_s / max(warm, 1e-9)))
        runs_allowed = (contender.max_seconds - warm) / max(warm * contender.count, 1e-9)
        plan[contender.name] = max(
            1, min(repeats, int(runs_allowed) if math.isfinite(runs_allowed) else repeats)
        )
    for repeat in range(repeats):
        for contender in contenders:
            if repeat < plan[contender.name]:
                seconds = timed(contender, contender.count)
                contender.best = min(contender.best, seconds / contender.count * contender.per_unit)
                contender.runs += 1


# -------------------------------------------------------------------------------------------- sections


@dataclass
class Settings:
    """Run-wide options.

    Attributes
    ----------
    quick : bool
        Smoke test: short runs, few repeats, a smaller ``wide``.
    repeats : int
        Timed runs per contender.
    target_s : float
        Wanted duration of one timed run.
    """

    quick: bool
    repeats: int
    target_s: float


@dataclass
class Report:
    """Everything measured, for the printed summary and the JSON file."""

    machine: dict[str, Any] = field(default_factory=dict)
    workloads: dict[str, Any] = field(default_factory=dict)
    instance: dict[str, Any] = field(default_factory=dict)
    micrograd: dict[str, Any] = field(default_factory=dict)
    watch: dict[str, Any] = field(default_factory=dict)
    build: dict[str, Any] = field(default_factory=dict)
    plot: dict[str, Any] = field(default_factory=dict)
    targets: list[dict[str, Any]] = field(default_factory=list)


def optional_engines() -> dict[str, bool]:
    """Which optional packages can be imported.

    Returns
    -------
    dict
        ``{"torch": bool, "sklearn": bool, "micrograd": bool}``.
    """
    return {name: importlib.util.find_spec(name) is not None for name in ("torch", "sklearn", "micrograd")}


def check_agreement(
    workload: Workload,
    net: ns.Network,
    params: ParamSet,
    X: np.ndarray,
    y: np.ndarray,
    have: dict[str, bool],
) -> dict[str, dict[str, float]]:
    """Train every engine ``check_epochs`` epochs from the same start; compare with the reference.

    The object engine is compared only where it is timed on whole epochs.

    Parameters
    ----------
    workload : Workload
    net : neurosim.Network
        The workload's network, shared by the neurosim engines.
    params : ParamSet
        Initial weights and biases.
    X, y : ndarray
    have : dict
        Which optional engines are installed.

    Returns
    -------
    dict
        Per engine: ``max_abs_diff`` of all weights and biases from the
        reference's, and the last epoch's ``loss`` and ``accuracy``.
    """
    epochs = workload.check_epochs
    reference = NumpyMLP(params, workload.activation, workload.loss, workload.lr, X, y, workload.batch_size)
    trainers: dict[str, NumpyMLP | NeurosimRun | TorchMLP] = {"reference": reference}
    trainers["compiled"] = NeurosimRun(net, workload, params, X, y, "compiled")
    if workload.name == "wide":
        trainers["compiled32"] = float32_run(workload, params, X, y)
    if workload.object_batches is None:
        trainers["object"] = NeurosimRun(net, workload, params, X, y, "object")
    if have["torch"]:
        trainers["torch"] = TorchMLP(
            params, workload.activation, workload.loss, workload.lr, X, y, workload.batch_size
        )
    results = {}
    expected: list[np.ndarray] = []
    for name, trainer in trainers.items():
        trainer.reset()
        history = trainer.train(epochs)
        got = trainer.parameters()
        expected = expected or got
        diff = max(float(np.max(np.abs(g - e))) for g, e in zip(got, expected, strict=True))
        results[name] = {"max_abs_diff": diff, "loss": history[-1][0], "accuracy": history[-1][1]}
    return results


def float32_run(workload: Workload, params: ParamSet, X: np.ndarray, y: np.ndarray) -> NeurosimRun:
    """The compiled engine on a network of its own compiled with ``dtype="float32"``.

    Parameters
    ----------
    workload : Workload
    params : ParamSet
        Initial weights and biases (rounded to float32 when written in).
    X, y : ndarray

    Returns
    -------
    NeurosimRun
    """
    net = build_network(workload)
    net.compile(dtype="float32")
    return NeurosimRun(net, workload, params, X, y, "compiled")


def workload_contenders(
    workload: Workload,
    net: ns.Network,
    params: ParamSet,
    X: np.ndarray,
    y: np.ndarray,
    have: dict[str, bool],
    quick: bool,
) -> tuple[list[Contender], list[str]]:
    """The engines to time on one workload, and lines saying what was skipped.

    Parameters
    ----------
    workload : Workload
    net : neurosim.Network
        The workload's network, shared by the neurosim engines.
    params : ParamSet
        Initial weights and biases.
    X, y : ndarray
    have : dict
    quick : bool

    Returns
    -------
    contenders : list of Contender
    skipped : list of str
    """
    n = X.shape[0]
    reference = NumpyMLP(params, workload.activation, workload.loss, workload.lr, X, y, workload.batch_size)
    compiled = NeurosimRun(net, workload, params, X, y, "compiled")
    contenders = [
        Contender("reference", reference.train, reference.reset),
        Contender("compiled", compiled.train, compiled.reset),
    ]
    if workload.name == "wide":
        single = float32_run(workload, params, X, y)
        note = "compiled with dtype='float32': weights and arithmetic in single precision"
        contenders.append(Contender("compiled32", single.train, single.reset, note=note))
    skipped = []
    if workload.object_batches is None:
        obj = NeurosimRun(net, workload, params, X, y, "object")
        contenders.append(Contender("object", obj.train, obj.reset))
    elif quick and workload.name == "wide":
        skipped.append("object: not timed with --quick (one batch takes seconds)")
    else:
        rows = min(n, workload.object_batches * (workload.batch_size or n))
        subset = NeurosimRun(net, workload, params, X[:rows], y[:rows], "object")
        batches = rows // (workload.batch_size or n)
        note = f"timed on {plural(batches, 'batch')} ({rows} samples), scaled to one epoch"
        contenders.append(
            Contender("object", subset.train, subset.reset, per_unit=n / rows, note=note, max_seconds=12.0)
        )
    if have["torch"]:
        model = TorchMLP(params, workload.activation, workload.loss, workload.lr, X, y, workload.batch_size)
        contenders.append(Contender("torch", model.train, model.reset, note="float32"))
    else:
        skipped.append("torch: not installed, skipped")
    if have["sklearn"]:
        clf = SklearnMLP(params, workload.activation, workload.lr, X, y, workload.batch_size)
        note = "shuffles with its own random state: its batch order is the only difference"
        contenders.append(Contender("sklearn", clf.train, clf.reset, note=note))
    else:
        skipped.append("sklearn: not installed, skipped")
    return contenders, skipped


def run_workload(workload: Workload, settings: Settings, have: dict[str, bool]) -> dict[str, Any]:
    """Check agreement, time every engine on one workload, and print its table.

    Parameters
    ----------
    workload : Workload
    settings : Settings
    have : dict

    Returns
    -------
    dict
        Times per epoch, ratios, notes, the agreement check and (for ``wide``) GFLOP/s.
    """
    if settings.quick:
        workload = replace(
            workload,
            check_epochs=min(workload.check_epochs, 10),
            object_batches=workload.object_batches and 1,
        )
    X, y = load_data(workload.name, settings.quick)
    n = X.shape[0]
    net = build_network(workload)
    params = network_parameters(net)
    print(f"\n== {workload.name}: {workload.describe(n)}")
    check = check_agreement(workload, net, params, X, y, have)
    contenders, skipped = workload_contenders(workload, net, params, X, y, have, settings.quick)
    time_contenders(contenders, settings.target_s, settings.repeats)
    ref = contenders[0].best
    engines = {
        c.name: {
            "ms_per_epoch": c.best * 1e3,
            "ratio": c.best / ref,
            "epochs_per_run": c.count,
            "note": c.note,
        }
        for c in contenders
    }
    marks = footnote_marks(contenders)
    rows = [
        [
            c.name + marks.get(c.name, ""),
            f"{c.best * 1e3:.3f}",
            f"{c.best / ref:.2f}",
            f"{c.count} x {c.runs}",
        ]
        for c in contenders
    ]
    print_table(["engine", "time/epoch (ms)", "ratio to reference", "epochs x runs"], rows)
    for c in contenders:
        if c.name in marks:
            print(f"  {marks[c.name]} {c.name}: {c.note}")
    for line in skipped:
        print(f"  {line}")
    print_check(workload.check_epochs, check)
    result: dict[str, Any] = {"n_samples": n, "engines": engines, "check": check}
    if workload.name == "wide":
        result["gflops"] = wide_gflops(workload, n, ref, engines["compiled"]["ms_per_epoch"] / 1e3, settings)
    return result


def footnote_marks(contenders: Sequence[Contender]) -> dict[str, str]:
    """A footnote mark for each contender with a note.

    Parameters
    ----------
    contenders : sequence of Contender

    Returns
    -------
    dict
        Contender name to mark.
    """
    symbols = iter(["*", "**", "***", "+", "++"])
    return {c.name: next(symbols) for c in contenders if c.note}


def print_check(epochs: int, check: dict[str, dict[str, float]]) -> None:
    """Print how far each engine's weights end from the reference's.

    Parameters
    ----------
    epochs : int
    check : dict
        As :func:`check_agreement` returns.
    """
    print(
        f"  agreement after {plural(epochs, 'epoch')} from the same start "
        "(max |w - w_reference| over all weights and biases):"
    )
    for name, values in check.items():
        label = "torch (float32)" if name == "torch" else name
        print(
            f"    {label:<16} {values['max_abs_diff']:9.2e}   last epoch: loss {values['loss']:.6f}, "
            f"accuracy {values['accuracy']:.4f}"
        )
    print("    sklearn: not compared (its own batch order)")


def epoch_flops(sizes: Sequence[int], n: int) -> int:
    """Floating-point operations of the matrix products of one training epoch.

    Forward ``2 n in out`` per layer, weight gradients the same, and input
    gradients ``2 n in out`` for every layer but the first.

    Parameters
    ----------
    sizes : sequence of int
    n : int
        Samples per epoch.

    Returns
    -------
    int
    """
    products = [a * b for a, b in pairwise(sizes)]
    return 2 * n * (2 * sum(products) + sum(products[1:]))


def matmul_epoch_seconds(sizes: Sequence[int], n: int, batch: int, repeats: int) -> float:
    """Fastest time of one epoch's matrix products alone, into preallocated outputs.

    The products and layouts are the compiled engine's: ``A @ W.T``,
    ``D.T @ A`` and ``D @ W`` for every batch of the epoch.

    Parameters
    ----------
    sizes : sequence of int
    n, batch : int
    repeats : int

    Returns
    -------
    float
    """
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal((b, a)) * 0.05 for a, b in pairwise(sizes)]
    grads = [np.empty_like(w) for w in weights]
    batch_sizes = [min(batch, n - start) for start in range(0, n, batch)]
    arrays = {}
    for rows in set(batch_sizes):
        acts = [rng.random((rows, size)) for size in sizes]
        arrays[rows] = acts, [np.empty((rows, size)) for size in sizes], [a.copy() for a in acts]

    def epoch() -> None:
        for rows in batch_sizes:
            acts, outs, deltas = arrays[rows]
            for layer, weight in enumerate(weights):
                np.matmul(acts[layer], weight.T, out=outs[layer + 1])
            for layer, weight in enumerate(weights):
                np.matmul(deltas[layer + 1].T, acts[layer], out=grads[layer])
                if layer:
                    np.matmul(deltas[layer + 1], weight, out=outs[layer])

    epoch()
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        epoch()
        best = min(best, time.perf_counter() - start)
    return best


def wide_gflops(
    workload: Workload, n: int, reference_s: float, compiled_s: float, settings: Settings
) -> dict[str, float]:
    """Print and return the achieved GFLOP/s of the reference and compiled engine beside bare matmul.

    Parameters
    ----------
    workload : Workload
    n : int
        Samples per epoch.
    reference_s, compiled_s : float
        Seconds per epoch.
    settings : Settings

    Returns
    -------
    dict
    """
    flops = epoch_flops(workload.sizes, n)
    matmul_s = matmul_epoch_seconds(workload.sizes, n, workload.batch_size or n, settings.repeats)
    result = {
        "gflop_per_epoch": flops / 1e9,
        "numpy_matmul": flops / matmul_s / 1e9,
        "reference": flops / reference_s / 1e9,
        "compiled": flops / compiled_s / 1e9,
    }
    print(f"  achieved GFLOP/s ({result['gflop_per_epoch']:.2f} GFLOP of matrix products per epoch):")
    rows = [
        ["numpy matmul alone", f"{result['numpy_matmul']:.1f}", "the epoch's products, nothing else"],
        [
            "reference",
            f"{result['reference']:.1f}",
            f"{result['reference'] / result['numpy_matmul']:.0%} of matmul",
        ],
        [
            "compiled",
            f"{result['compiled']:.1f}",
            f"{result['compiled'] / result['reference']:.0%} of reference",
        ],
    ]
    print_table(["", "GFLOP/s", "share"], rows, indent=4)
    return result


def run_instance(settings: Settings) -> dict[str, Any]:
    """Moons one sample at a time (``batch_size=1``) against batches of 32, compiled and reference.

    Parameters
    ----------
    settings : Settings

    Returns
    -------
    dict
        Milliseconds per epoch for each engine and batch size, and the ratios.
    """
    workload = WORKLOADS["moons"]
    X, y = load_data("moons", settings.quick)
    net = build_network(workload)
    params = network_parameters(net)
    contenders = []
    for batch in (1, 32):
        ref = NumpyMLP(params, workload.activation, workload.loss, workload.lr, X, y, batch)
        run = NeurosimRun(net, workload, params, X, y, "compiled", batch_size=batch)
        contenders.append(Contender(f"reference/{batch}", ref.train, ref.reset))
        contenders.append(Contender(f"compiled/{batch}", run.train, run.reset))
    time_contenders(contenders, settings.target_s, settings.repeats)
    best = {c.name: c.best for c in contenders}
    print(f"\n== instance-wise vs batch-wise: moons, {X.shape[0]} samples, one epoch")
    result = {}
    rows = []
    for engine in ("reference", "compiled"):
        one, many = best[f"{engine}/1"], best[f"{engine}/32"]
        result[engine] = {"batch_1_ms": one * 1e3, "batch_32_ms": many * 1e3, "ratio": one / many}
        rows.append([engine, f"{one * 1e3:.2f}", f"{many * 1e3:.2f}", f"{one / many:.1f}"])
    compiled, reference = result["compiled"], result["reference"]
    print_table(["engine", "batch 1 (ms/epoch)", "batch 32 (ms/epoch)", "batch 1 / batch 32"], rows)
    print(
        f"  compiled / reference: {compiled['batch_1_ms'] / reference['batch_1_ms']:.2f} at batch 1, "
        f"{compiled['batch_32_ms'] / reference['batch_32_ms']:.2f} at batch 32"
    )
    return result


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


def run_watch(settings: Settings) -> dict[str, Any]:
    """Time compiled training on moons with and without ``net.watch`` recording every update.

    The watched network records a whole layer's incoming synapses
    (``net.watch("hidden2")``, 256 synapses) and one more synapse.

    Parameters
    ----------
    settings : Settings

    Returns
    -------
    dict
    """
    workload = WORKLOADS["moons"]
    print(f"\n== net.watch: moons, compiled engine, {workload.describe(1000)}")
    X, y = load_data("moons", settings.quick)
    plain_net, watched_net = build_network(workload), build_network(workload)
    params = network_parameters(plain_net)
    watched_net.watch("hidden2")
    watched_net.watch("input[0]", "hidden1[3]")
    plain = NeurosimRun(plain_net, workload, params, X, y, "compiled")
    watched = NeurosimRun(watched_net, workload, params, X, y, "compiled")
    contenders = [
        Contender("compiled", plain.train, plain.reset),
        Contender("compiled + watch", watched.train, watched.reset),
    ]
    time_contenders(contenders, settings.target_s, settings.repeats)
    plain_s, watched_s = contenders[0].best, contenders[1].best
    rows = [[c.name, f"{c.best * 1e3:.3f}"] for c in contenders]
    print_table(["engine", "time/epoch (ms)"], rows)
    extra = watched_s / plain_s - 1
    print(f"  recording 257 synapses at each of 32 updates per epoch costs {extra:.1%} extra time")
    return {"plain_ms_per_epoch": plain_s * 1e3, "watched_ms_per_epoch": watched_s * 1e3, "extra": extra}


def run_plot() -> dict[str, Any]:
    """Time drawing and rendering the 784-256-256-10 network with ``ns.plot.network``.

    Returns
    -------
    dict
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    print("\n== drawing ns.Network.from_shape([784, 256, 256, 10]) with ns.plot.network")
    net = ns.Network.from_shape([784, 256, 256, 10], seed=0)
    start = time.perf_counter()
    ax = ns.plot.network(net)
    ax.figure.canvas.draw()
    seconds = time.perf_counter() - start
    plt.close(ax.figure)
    print(f"  drawn and rendered in {seconds:.2f} s")
    return {"seconds": seconds}


def run_micrograd(settings: Settings, have: dict[str, bool]) -> dict[str, Any]:
    """Time micrograd against neurosim's object engine, microseconds per training sample on moons.

    Parameters
    ----------
    settings : Settings
    have : dict

    Returns
    -------
    dict
    """
    print("\n== micrograd vs object engine: moons 2-16-16-1, relu hidden, identity output, mse, batch 32")
    if not have["micrograd"]:
        print("  micrograd: not installed, skipped")
        return {}
    workload = Workload("moons-mse", (2, 16, 16, 1), "relu", "identity", "mse", 32, 0.1, check_epochs=1)
    X, y = load_data("moons", settings.quick)
    net = build_network(workload)
    params = network_parameters(net)
    obj = NeurosimRun(net, workload, params, X, y, "object")
    train, reset = micrograd_trainer(params, X, y, workload.lr)
    contenders = [
        Contender("object", obj.train, obj.reset, per_unit=1e6 / X.shape[0]),
        Contender("micrograd", train, reset, per_unit=1e6 / 32, max_seconds=6.0),
    ]
    time_contenders(contenders, settings.target_s, min(settings.repeats, 3))
    obj_us, micro_us = contenders[0].best, contenders[1].best
    rows = [
        [
            "object",
            f"{obj_us:.1f}",
            f"{plural(contenders[0].count, 'epoch')} of {X.shape[0]} samples per run",
        ],
        ["micrograd", f"{micro_us:.1f}", f"{plural(contenders[1].count, 'batch')} of 32 per run"],
    ]
    print_table(["engine", "us/sample", "timed on"], rows)
    print(f"  micrograd / object: {micro_us / obj_us:.1f}")
    return {"object_us_per_sample": obj_us, "micrograd_us_per_sample": micro_us, "ratio": micro_us / obj_us}


BUILD_PROBE = """
import gc, json, sys, time, tracemalloc
import neurosim as ns

SIZES = [784, 256, 256, 10]


def peak_rss_mb():
    # VmHWM (Linux): this process's own peak resident set size; ru_maxrss would carry the parent's over
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


before = peak_rss_mb()
start = time.perf_counter()
net = ns.Network.from_shape(SIZES)
build_s = time.perf_counter() - start
after = peak_rss_mb()
start = time.perf_counter()
net.compile()
compile_s = time.perf_counter() - start
del net
gc.collect()
tracemalloc.start()
net = ns.Network.from_shape(SIZES)
traced_mb = tracemalloc.get_traced_memory()[1] / 2**20
rss_mb = None if before is None else after - before
print(json.dumps({"build_s": build_s, "compile_s": compile_s, "tracemalloc_mb": traced_mb, "rss_mb": rss_mb}))
"""


def run_build(settings: Settings) -> dict[str, Any]:
    """Time and memory of ``Network.from_shape([784, 256, 256, 10])``, and ``compile()``, in fresh processes.

    Each process imports neurosim, times one build and the network's first
    ``compile()``, and reads the growth of its peak resident set size across
    the build (``VmHWM``, where the system reports it). It then builds a second
    network under ``tracemalloc``, whose peak counts every Python and numpy
    allocation (the build is timed without it, since tracing slows it down).

    Parameters
    ----------
    settings : Settings

    Returns
    -------
    dict
        Fastest build and compile seconds and smallest memory figures (MB) over the processes;
        ``peak_mb`` is the larger of the two memory figures.
    """
    package_root = str(Path(ns.__file__).resolve().parents[1])
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
    )
    runs = []
    for _ in range(1 if settings.quick else 3):
        out = subprocess.run(
            [sys.executable, "-c", BUILD_PROBE], capture_output=True, text=True, check=True, env=env
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    result: dict[str, Any] = {
        key: min(run[key] for run in runs) for key in ("build_s", "compile_s", "tracemalloc_mb")
    }
    rss = [run["rss_mb"] for run in runs if run["rss_mb"] is not None]
    result["rss_mb"] = min(rss) if rss else None
    result["peak_mb"] = max(result["tracemalloc_mb"], result["rss_mb"] or 0.0)
    result["processes"] = len(runs)
    print(f"\n== building Network.from_shape([784, 256, 256, 10]) (best of {len(runs)} fresh processes)")
    memory = f"tracemalloc peak {result['tracemalloc_mb']:.0f} MB"
    if result["rss_mb"] is not None:
        memory += f", peak RSS growth {result['rss_mb']:.0f} MB (VmHWM)"
    rows = [
        ["from_shape", f"{result['build_s']:.3f} s", memory],
        ["compile()", f"{result['compile_s'] * 1e3:.2f} ms", ""],
    ]
    print_table(["step", "time", "memory"], rows)
    return result


# ------------------------------------------------------------------------------------------- targets


#: the status of every measured target in a --quick run, whose few short repeats are too noisy to judge
NOT_JUDGED = "not judged"


def evaluate_targets(report: Report, quick: bool = False) -> list[dict[str, Any]]:
    """The performance targets, each with its measured value and whether it is met.

    Parameters
    ----------
    report : Report
    quick : bool, default False
        Whether the run was a ``--quick`` smoke test: measured targets are then
        ``NOT_JUDGED`` rather than passed or failed.

    Returns
    -------
    list of dict
        ``{"target", "measured", "status"}`` with status ``PASS``, ``FAIL``, ``SKIP``
        or ``NOT_JUDGED``.
    """
    targets = []

    def add(target: str, measured: float | None, passed: bool, fmt: str = "{:.2f}") -> None:
        if measured is None:
            status = "SKIP"
        elif quick:
            status = NOT_JUDGED
        else:
            status = "PASS" if passed else "FAIL"
        shown = "n/a" if measured is None else fmt.format(measured)
        targets.append({"target": target, "measured": measured, "shown": shown, "status": status})

    for name, result in report.workloads.items():
        ratio = result["engines"]["compiled"]["ratio"]
        add(f"{name}: compiled time <= 1.25 x reference", ratio, ratio <= 1.25)
    for name in ("xor", "moons", "digits"):
        if name not in report.workloads:
            continue
        engines = report.workloads[name]["engines"]
        for other in ("torch", "sklearn"):
            if other in engines:
                ratio = engines["compiled"]["ms_per_epoch"] / engines[other]["ms_per_epoch"]
                add(f"{name}: compiled faster than {other} (compiled / {other} < 1)", ratio, ratio < 1)
            else:
                add(f"{name}: compiled faster than {other} (not installed)", None, False)
    if "wide" in report.workloads:
        gflops = report.workloads["wide"]["gflops"]
        share = gflops["compiled"] / gflops["reference"]
        add("wide: compiled GFLOP/s >= 80% of reference GFLOP/s", share, share >= 0.8, "{:.0%}")
    if report.watch:
        extra = report.watch["extra"]
        add("moons: net.watch costs <= 10% extra training time (compiled)", extra, extra <= 0.10, "{:.1%}")
    if report.plot:
        seconds = report.plot["seconds"]
        add("ns.plot.network(784-256-256-10) drawn and rendered < 10 s", seconds, seconds < 10, "{:.2f} s")
    if report.micrograd:
        ratio = report.micrograd["ratio"]
        add("moons: object engine >= 10x faster per sample than micrograd", ratio, ratio >= 10, "{:.1f}x")
    if report.build:
        build = report.build
        add("from_shape([784, 256, 256, 10]) < 5 s", build["build_s"], build["build_s"] < 5, "{:.2f} s")
        add(
            "from_shape([784, 256, 256, 10]) < 600 MB (larger of tracemalloc and RSS)",
            build["peak_mb"],
            build["peak_mb"] < 600,
            "{:.0f} MB",
        )
        add("compile() < 1 s", build["compile_s"], build["compile_s"] < 1, "{:.4f} s")
    return targets


def print_targets(targets: list[dict[str, Any]]) -> None:
    """Print the targets section.

    Parameters
    ----------
    targets : list of dict
        As :func:`evaluate_targets` returns.
    """
    print("\n== targets")
    print_table(["target", "measured", ""], [[t["target"], t["shown"], t["status"]] for t in targets])
    statuses = ("PASS", "FAIL", "SKIP", NOT_JUDGED)
    counts = {status: sum(t["status"] == status for t in targets) for status in statuses}
    print("  " + ", ".join(f"{count} {status}" for status, count in counts.items() if count))
    if counts[NOT_JUDGED]:
        print(f"  ({NOT_JUDGED} in --quick: too few repeats; run without --quick for PASS or FAIL)")


# -------------------------------------------------------------------------------------- output helpers


def plural(count: int, word: str) -> str:
    """``count`` and ``word``, in the plural unless ``count`` is 1.

    Parameters
    ----------
    count : int
    word : str
        Singular noun: ``"batch"`` becomes ``"batches"``, anything else takes an ``s``.

    Returns
    -------
    str
    """
    if count == 1:
        return f"1 {word}"
    return f"{count} {'batches' if word == 'batch' else word + 's'}"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], indent: int = 2) -> None:
    """Print left-aligned columns.

    Parameters
    ----------
    headers : sequence of str
    rows : sequence of sequence of str
    indent : int
    """
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    pad = " " * indent
    for line in [headers, ["-" * w for w in widths], *rows]:
        print(pad + "  ".join(str(cell).ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


def machine_facts(have: dict[str, bool]) -> dict[str, Any]:
    """Versions, thread counts and the BLAS numpy uses.

    Parameters
    ----------
    have : dict

    Returns
    -------
    dict
    """
    facts: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu_name(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "neurosim": ns.__version__,
    }
    if hasattr(os, "sched_getaffinity"):
        facts["cpus_usable"] = len(os.sched_getaffinity(0))
    facts["blas"] = blas_description()
    if have["torch"]:
        torch = torch_module()
        facts["torch"] = torch.__version__
        facts["torch_threads"] = torch.get_num_threads()
    if have["sklearn"]:
        import sklearn

        facts["sklearn"] = sklearn.__version__
    return facts


def cpu_name() -> str:
    """The processor's model name, where the system says it.

    Returns
    -------
    str
    """
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def blas_description() -> str:
    """The BLAS library numpy calls and its threads, through ``threadpoolctl`` if installed.

    Returns
    -------
    str
    """
    if importlib.util.find_spec("threadpoolctl") is None:
        return "unknown (threadpoolctl not installed)"
    from threadpoolctl import threadpool_info

    blas = [info for info in threadpool_info() if info.get("user_api") == "blas"]
    numpy_blas = [info for info in blas if "numpy" in info.get("filepath", "")] or blas
    if not numpy_blas:
        return "unknown"
    info = numpy_blas[0]
    parts = [info.get("internal_api", "?"), info.get("version") or ""]
    extra = ", ".join(
        str(item) for item in (info.get("architecture"), f"{info.get('num_threads')} threads") if item
    )
    return " ".join(p for p in parts if p) + (f" ({extra})" if extra else "")


def print_machine(facts: dict[str, Any], settings: Settings) -> None:
    """Print the machine facts and the run's settings.

    Parameters
    ----------
    facts : dict
    settings : Settings
    """
    print(
        "neurosim engine benchmark"
        + (" (--quick: a smoke test, numbers are rough)" if settings.quick else "")
    )
    print(f"  python {facts['python']}, {facts['platform']}")
    usable = f", {facts['cpus_usable']} usable" if "cpus_usable" in facts else ""
    print(f"  cpu: {facts['cpu']}, {facts['cpu_count']} logical CPUs{usable}")
    print(f"  numpy {facts['numpy']}, BLAS: {facts['blas']}")
    if "torch" in facts:
        print(f"  torch {facts['torch']} (CPU), torch.get_num_threads() = {facts['torch_threads']}")
    if "sklearn" in facts:
        print(f"  scikit-learn {facts['sklearn']}")
    print(
        f"  timing: engines take turns, {settings.repeats} timed runs each of about {settings.target_s:g} s, "
        "fastest kept; ratios are to the numpy reference of the same run"
    )


# ------------------------------------------------------------------------------------------------ main


def parse_args(
    argv: Sequence[str] | None = None,
    *,
    prog: str | None = None,
    parser_class: Callable[..., argparse.ArgumentParser] = argparse.ArgumentParser,
) -> argparse.Namespace:
    """Parse the command line.

    Parameters
    ----------
    argv : sequence of str, optional
    prog : str, optional
        The program's name in usage and error messages (``neurosim bench``).
    parser_class : callable, default argparse.ArgumentParser
        Makes the parser from ``prog`` and ``description``.

    Returns
    -------
    argparse.Namespace
    """
    names = [*WORKLOADS, *SECTIONS]
    parser = parser_class(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few epochs and repeats: a smoke test")
    parser.add_argument(
        "--only",
        metavar="NAME[,NAME]",
        help=f"run only these workloads or sections: {', '.join(names)} (default: all)",
    )
    parser.add_argument("--json", metavar="PATH", help="write every result to this JSON file")
    parser.add_argument("--repeats", type=int, help="timed runs per engine (default 5, or 2 with --quick)")
    args = parser.parse_args(argv)
    chosen = names if args.only is None else [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(names))
    if unknown or not chosen:
        parser.error(f"--only takes names among {', '.join(names)}; got {args.only!r}")
    args.only = [name for name in names if name in chosen]
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.json is not None:
        problem = json_path_problem(Path(args.json))
        if problem is not None:
            parser.error(f"--json {args.json!r} {problem}")
    return args


def json_path_problem(path: Path) -> str | None:
    """Why the results could not be written to ``path``, checked before anything is timed; else ``None``.

    Parameters
    ----------
    path : Path

    Returns
    -------
    str or None
        What is wrong, to follow the path in a message.

    Examples
    --------
    >>> json_path_problem(Path("no-such-folder") / "results.json")
    "cannot be written: folder 'no-such-folder' does not exist"
    """
    folder = path.parent
    if path.is_dir():
        return "is a folder; expected a file name such as results.json"
    if not folder.exists():
        return f"cannot be written: folder {str(folder)!r} does not exist"
    if not folder.is_dir():
        return f"cannot be written: {str(folder)!r} is a file, not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot be written in {str(folder)!r} (read-only, or no permission)"
    return None


def main(
    argv: Sequence[str] | None = None,
    *,
    prog: str | None = None,
    parser_class: Callable[..., argparse.ArgumentParser] = argparse.ArgumentParser,
) -> int:
    """Run the benchmark.

    Parameters
    ----------
    argv : sequence of str, optional
    prog, parser_class
        As for ``parse_args``.

    Returns
    -------
    int
        Exit status: 0.
    """
    args = parse_args(argv, prog=prog, parser_class=parser_class)
    settings = Settings(
        quick=args.quick,
        repeats=args.repeats or (2 if args.quick else 5),
        target_s=0.03 if args.quick else 0.4,
    )
    have = optional_engines()
    report = Report(machine=machine_facts(have))
    print_machine(report.machine, settings)
    for name in ("torch", "sklearn", "micrograd"):
        if not have[name]:
            print(f"  {name}: not installed, its comparisons are skipped")
    started = time.perf_counter()
    for name in args.only:
        if name == "digits" and not have["sklearn"]:
            print("\n== digits: skipped, its data ships with scikit-learn, which is not installed")
        elif name in WORKLOADS:
            report.workloads[name] = run_workload(WORKLOADS[name], settings, have)
    if "instance" in args.only:
        report.instance = run_instance(settings)
    if "watch" in args.only:
        report.watch = run_watch(settings)
    if "micrograd" in args.only:
        report.micrograd = run_micrograd(settings, have)
    if "build" in args.only:
        report.build = run_build(settings)
    if "plot" in args.only:
        report.plot = run_plot()
    report.targets = evaluate_targets(report, quick=settings.quick)
    print_targets(report.targets)
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    if args.json:
        payload = {
            "settings": vars(settings),
            "machine": report.machine,
            "workloads": report.workloads,
            "instance_vs_batch": report.instance,
            "micrograd_vs_object": report.micrograd,
            "watch": report.watch,
            "build": report.build,
            "plot": report.plot,
            "targets": report.targets,
        }
        write_atomically(Path(args.json), lambda handle: handle.write(json.dumps(payload, indent=2) + "\n"))
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
