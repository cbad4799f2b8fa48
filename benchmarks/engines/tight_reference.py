"""The independent reference: an MLP trained with SGD in numpy, as tightly as numpy allows.

Nothing here comes from neurosim's engines. It is written the way a person
who knows numpy well writes a fast MLP by hand:

* **biases folded into the products**: each layer's weights and bias are one
  ``(n_in + 1, n_out)`` matrix (the weights transposed, the bias as the last
  row), and each layer's activations carry a column of ones, so that
  ``Z = [A, 1] @ [W.T; b]`` is one ``np.dot``, and so are the weight and
  bias gradients together;
* **the learning rate folded into the output delta**: the output layer's
  delta is multiplied by ``lr / batch``, so every gradient is already the
  step, and the update of all parameters is one subtraction from the one
  flat vector that holds them all (on a large network, each layer's right
  after its last use, while it is still in cache);
* **in-place ufuncs** with ``out=`` into buffers preallocated per batch size,
  and ``np.dot``, which is faster than ``np.matmul`` on small matrices; the
  hidden layers are stored feature by feature, so that every elementwise
  pass runs over contiguous memory;
* **fused output kernels**: a sigmoid output with binary cross-entropy
  computes its delta in tanh form, ``sigmoid(z) - t = (tanh(z / 2) - (2t - 1)) / 2``;
  a softmax with cross-entropy shifts once per row and sums the rows with
  one matrix-vector product.

It visits the samples in ``fit``'s order, so it reaches neurosim's weights
to float rounding. With one batch of every sample it neither shuffles nor
gathers: that batch's gradient is a sum no order changes. ``bookkeeping=True``
also records what ``fit`` records after every epoch, the mean loss and the
training accuracy, from the logits every batch writes into one epoch-long
array.
"""

from __future__ import annotations

import numpy as np

from neurosim.benchmarks.engines.workloads import SHUFFLE_SEED, ParamSet, epoch_orders, target_matrix

#: inputs up to this many bytes are gathered into epoch order once per epoch, larger ones batch by batch
GATHER_LIMIT = 2**22
#: networks with more parameters than this are updated layer by layer during the backward pass
UPDATE_LIMIT = 2**16


def _sigmoid(a: np.ndarray) -> None:
    # sigmoid(z) = (1 + tanh(z / 2)) / 2: one transcendental call, and no overflow
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5


def _sigmoid_derivative(a: np.ndarray, g: np.ndarray, scratch: np.ndarray) -> None:
    np.subtract(1.0, a, out=scratch)
    scratch *= a
    g *= scratch


def _tanh(a: np.ndarray) -> None:
    np.tanh(a, out=a)


def _tanh_derivative(a: np.ndarray, g: np.ndarray, scratch: np.ndarray) -> None:
    np.multiply(a, a, out=scratch)
    np.subtract(1.0, scratch, out=scratch)
    g *= scratch


def _relu(a: np.ndarray) -> None:
    np.maximum(a, 0.0, out=a)


def _relu_derivative(a: np.ndarray, g: np.ndarray, scratch: np.ndarray) -> None:
    np.greater(a, 0.0, out=scratch, casting="unsafe")  # a > 0 exactly where z > 0
    g *= scratch


#: each hidden activation's ``forward(a)`` (``a = f(a)``, in place) and ``derivative(a, g, scratch)``
HIDDEN_ACTIVATIONS = {
    "sigmoid": (_sigmoid, _sigmoid_derivative),
    "tanh": (_tanh, _tanh_derivative),
    "relu": (_relu, _relu_derivative),
}


class _BatchBuffers:
    """The arrays of one batch size.

    Hidden layers are stored feature by feature: ``A[l]`` is ``(size + 1,
    rows)``, the layer's activations with a last row of ones (so that the
    next product adds the biases), and ``D[l]`` and ``S[l]`` its deltas and
    scratch, ``(size, rows)``; every elementwise operation then runs on
    contiguous memory. The output layer is stored sample by sample, as the
    targets are.
    """

    __slots__ = ("A", "D", "S", "bce_scale", "delta", "logits", "rowmax", "rowsum", "x")

    def __init__(self, rows: int, sizes: list[int], gathers_per_batch: bool, bce_scale: float) -> None:
        hidden = sizes[1:-1]
        #: what multiplies tanh(z / 2) in the output delta of bce: lr / 2 / rows / outputs
        self.bce_scale = bce_scale
        self.x = np.ones((rows, sizes[0] + 1)) if gathers_per_batch else None
        self.A = [np.ones((size + 1, rows)) for size in hidden]  # the last row stays 1
        self.D = [np.empty((size, rows)) for size in hidden]
        self.S = [np.empty((size, rows)) for size in hidden]
        self.delta = np.empty((rows, sizes[-1]))
        self.logits = np.empty((rows, sizes[-1]))
        self.rowmax = np.empty(rows)
        self.rowsum = np.empty(rows)


class TightMLP:
    """A fully connected MLP trained with plain SGD, written for speed in numpy alone.

    Parameters
    ----------
    params : ParamSet
        Initial weights (``(n_out, n_in)``) and biases; they are copied.
    activation : {"sigmoid", "tanh", "relu"}
        Hidden activation.
    loss : {"bce", "cross_entropy"}
        ``"bce"``: one sigmoid output and binary cross-entropy;
        ``"cross_entropy"``: a softmax output.
    lr : float
        Learning rate.
    X : ndarray of shape (n_samples, n_in)
    y : ndarray of shape (n_samples,)
        Integer labels.
    batch_size : int or None
        Samples per update; ``None`` is the full set.
    bookkeeping : bool, default False
        Also compute each epoch's mean loss and training accuracy, as
        ``fit`` records them; without it, ``train`` and ``train_epoch``
        return ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> params = ([rng.normal(size=(3, 2)), rng.normal(size=(1, 3))], [np.zeros(3), np.zeros(1)])
    >>> X = rng.normal(size=(8, 2))
    >>> y = (X[:, 0] > 0).astype(int)  # the class is the sign of the first input
    >>> mlp = TightMLP(params, "tanh", "bce", 0.5, X, y, 4, bookkeeping=True)
    >>> history = mlp.train(30)  # (loss, accuracy) of each epoch
    >>> [round(loss, 2) for loss, accuracy in history[::10]]
    [0.5, 0.17, 0.09]
    >>> history[-1][1]
    1.0
    >>> mlp.reset()
    >>> [weight.shape for weight in mlp.parameters()]
    [(3, 2), (1, 3), (3,), (1,)]
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
        *,
        bookkeeping: bool = False,
    ) -> None:
        weights, biases = params
        self.loss, self.lr, self.bookkeeping = loss, lr, bookkeeping
        self.activate, self.derivative = HIDDEN_ACTIVATIONS[activation]
        sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
        n = X.shape[0]
        self.n = n
        self.batch = n if batch_size is None else min(batch_size, n)
        self.full_batch = self.batch == n
        self.labels = np.asarray(y)
        T = target_matrix(self.labels, loss, sizes[-1])
        # what the output delta subtracts: 2t - 1 in the tanh form of bce, t for a softmax
        self.T = 2.0 * T - 1.0 if loss == "bce" else T
        self.X = np.ones((n, sizes[0] + 1))
        self.X[:, :-1] = X
        self.per_batch_gather = self.X.nbytes > GATHER_LIMIT and not self.full_batch
        self.X_epoch = None if self.per_batch_gather else self.X if self.full_batch else np.empty_like(self.X)
        self.T_epoch = np.empty_like(self.T)
        # an epoch's targets, scaled row by row as the output delta needs them (the last batch may be short)
        rows = np.minimum(self.batch, n - np.arange(n) // self.batch * self.batch).astype(float)
        self.row_scale = (0.5 * lr / sizes[-1] if loss == "bce" else lr) / rows[:, None]
        if self.full_batch:  # scaled once: the samples keep their own order every epoch
            np.multiply(self.T, self.row_scale, out=self.T_epoch)
        self.logits_epoch = np.empty((n, sizes[-1])) if bookkeeping else None
        self.theta, self.W = _augmented(weights, biases)
        self.grad, self.G = _augmented(weights, biases)
        self.W_back = [w[:-1].T for w in self.W]  # the weights without the bias row, as the deltas flow back
        self.per_layer_update = self.theta.size > UPDATE_LIMIT
        self.initial = self.theta.copy()
        self.ones_out = np.ones(sizes[-1])
        self.buffers = {
            size: _BatchBuffers(size, sizes, self.per_batch_gather, 0.5 * lr / size / sizes[-1])
            for size in {self.batch, n % self.batch} - {0}
        }

    def reset(self) -> None:
        """Restore the initial weights."""
        np.copyto(self.theta, self.initial)

    def parameters(self) -> list[np.ndarray]:
        """Copies of the weights then the biases, in ``ParamSet``'s layout.

        Returns
        -------
        list of ndarray
            Each layer's weights of shape ``(n_out, n_in)``, then each layer's biases.
        """
        weights = [w[:-1].T.copy() for w in self.W]
        return weights + [w[-1].copy() for w in self.W]

    def train(self, epochs: int, seed: int = SHUFFLE_SEED) -> list[tuple[float, float]] | None:
        """Train ``epochs`` epochs in ``fit``'s batch order for ``seed``.

        Parameters
        ----------
        epochs : int
        seed : int
            ``fit``'s ``seed``: the epochs' sample orders (mini-batches only).

        Returns
        -------
        list of (float, float), or None
            With bookkeeping, each epoch's mean loss and training accuracy.
        """
        if self.full_batch:
            records = [self.train_epoch() for _ in range(epochs)]
        else:
            orders = epoch_orders(self.n, seed)
            records = [self.train_epoch(next(orders)) for _ in range(epochs)]
        return records if self.bookkeeping else None

    def train_epoch(self, order: np.ndarray | None = None) -> tuple[float, float] | None:
        """One epoch of mini-batch SGD over the samples in ``order``.

        Parameters
        ----------
        order : ndarray of shape (n_samples,), optional
            The epoch's sample order; needed for mini-batches only (one batch
            of every sample takes them in their own order).

        Returns
        -------
        (float, float) or None
            With bookkeeping, the epoch's mean loss (each batch at the weights
            it was computed with) and training accuracy.
        """
        if not self.full_batch:
            np.take(self.T, order, axis=0, out=self.T_epoch, mode="clip")
            self.T_epoch *= self.row_scale
            if not self.per_batch_gather:
                np.take(self.X, order, axis=0, out=self.X_epoch, mode="clip")
        n, batch = self.n, self.batch
        for start in range(0, n, batch):
            stop = min(start + batch, n)
            buffers = self.buffers[stop - start]
            if self.per_batch_gather:
                x = buffers.x
                np.take(self.X, order[start:stop], axis=0, out=x, mode="clip")
            else:
                x = self.X_epoch[start:stop]
            logits = buffers.logits if self.logits_epoch is None else self.logits_epoch[start:stop]
            self._train_batch(x, self.T_epoch[start:stop], logits, buffers)
        if not self.bookkeeping:
            return None
        labels = self.labels if self.full_batch else self.labels[order]
        return self._epoch_loss(labels), self._epoch_accuracy(labels)

    def _train_batch(self, x: np.ndarray, t: np.ndarray, logits: np.ndarray, buffers: _BatchBuffers) -> None:
        """Forward, output delta, backward and update for one batch (``t`` already scaled)."""
        W, G = self.W, self.G
        A, D, S = buffers.A, buffers.D, buffers.S
        activate, derivative = self.activate, self.derivative
        last = len(W) - 1
        inputs = x.T  # (n_in + 1, rows): the same layout as the hidden layers' A
        for layer in range(last):
            a = A[layer]
            np.dot(W[layer].T, inputs, out=a[:-1])
            activate(a[:-1])
            inputs = a
        np.dot(inputs.T, W[last], out=logits)
        d = buffers.delta
        self._output_delta(logits, t, d, buffers)
        per_layer = self.per_layer_update
        # the output layer, whose delta is stored sample by sample
        np.dot(inputs, d, out=G[last])
        if last:
            np.dot(W[last][:-1], d.T, out=D[last - 1])
            derivative(A[last - 1][:-1], D[last - 1], S[last - 1])
        if per_layer:
            W[last] -= G[last]
        for layer in range(last - 1, -1, -1):
            d = D[layer]
            np.dot(A[layer - 1] if layer else x.T, d.T, out=G[layer])
            if layer:
                np.dot(W[layer][:-1], d, out=D[layer - 1])
                derivative(A[layer - 1][:-1], D[layer - 1], S[layer - 1])
            if per_layer:
                W[layer] -= G[layer]
        if not per_layer:
            self.theta -= self.grad

    def _output_delta(self, z: np.ndarray, t: np.ndarray, d: np.ndarray, buffers: _BatchBuffers) -> None:
        """``d = (lr / batch) * dL/dz``: the step, folded into the output delta (``t`` is scaled already)."""
        if self.loss == "bce":
            # sigmoid(z) - t = (tanh(z / 2) - (2t - 1)) / 2, averaged over the outputs too
            np.multiply(z, 0.5, out=d)
            np.tanh(d, out=d)
            d *= buffers.bce_scale
            d -= t
            return
        rowmax, rowsum = buffers.rowmax, buffers.rowsum
        np.maximum.reduce(z, axis=1, out=rowmax)
        np.subtract(z, rowmax[:, None], out=d)
        np.exp(d, out=d)
        np.dot(d, self.ones_out, out=rowsum)
        np.divide(self.lr / z.shape[0], rowsum, out=rowsum)
        d *= rowsum[:, None]
        d -= t

    def _epoch_loss(self, labels: np.ndarray) -> float:
        """The mean loss of the epoch, from the logits every batch wrote (each at its own weights)."""
        Z = self.logits_epoch
        if self.loss == "bce":
            # -[t log s(z) + (1 - t) log(1 - s(z))] = log(1 + e^z) - t z
            return float(np.logaddexp(0.0, Z).sum() - np.dot(labels, Z[:, 0])) / Z.size
        shift = Z.max(axis=1, keepdims=True)
        log_sum_exp = np.log(np.exp(Z - shift).sum(axis=1)) + shift[:, 0]
        return float(log_sum_exp.sum() - np.take_along_axis(Z, labels[:, None], axis=1).sum()) / Z.shape[0]

    def _epoch_accuracy(self, labels: np.ndarray) -> float:
        """The fraction of samples the epoch's logits classify correctly."""
        Z = self.logits_epoch
        if self.loss == "bce":
            return int(np.count_nonzero((Z[:, 0] >= 0.0) == labels)) / Z.shape[0]
        return int(np.count_nonzero(Z.argmax(axis=1) == labels)) / Z.shape[0]


def _augmented(weights: list[np.ndarray], biases: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """One flat vector holding every layer's ``[W.T; b]``, and a ``(n_in + 1, n_out)`` view of each.

    Parameters
    ----------
    weights, biases : list of ndarray
        Weights of shape ``(n_out, n_in)`` and biases of shape ``(n_out,)``.

    Returns
    -------
    flat : ndarray
    views : list of ndarray
    """
    flat = np.empty(sum((w.shape[1] + 1) * w.shape[0] for w in weights))
    views, offset = [], 0
    for w, b in zip(weights, biases, strict=True):
        n_out, n_in = w.shape
        view = flat[offset : offset + (n_in + 1) * n_out].reshape(n_in + 1, n_out)
        view[:n_in] = w.T
        view[n_in] = b
        views.append(view)
        offset += view.size
    return flat, views
