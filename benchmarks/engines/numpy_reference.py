"""The numpy reference: a hand-written, vectorized MLP that every engine's time is compared with.

It does not use neurosim's engines: its training is numpy alone, written so
that each step is the compiled engine's arithmetic, operation for operation,
and the two end with the same weights.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from neurosim.benchmarks.engines.workloads import SHUFFLE_SEED, ParamSet, epoch_orders, target_matrix

#: the numpy functions of each hidden activation: ``forward(h)`` in place, ``derivative(a, g, scratch)``
ActivationPair = tuple[Callable[[np.ndarray], None], Callable[[np.ndarray, np.ndarray, np.ndarray], None]]


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
