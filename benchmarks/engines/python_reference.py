"""The plain-Python reference: an MLP trained with SGD one connection at a time, as tightly as Python allows.

Nothing here comes from neurosim's engines, and no numpy runs in its loops:
weights are lists of floats, one list per neuron (the weights into it), and
every product of a weight and a value is one Python multiplication. It is
written the way a person who knows Python well writes a fast loop over the
connections by hand:

* **dot products with** ``sum(map(mul, weights, values), bias)``, whose loop
  runs in C, with the bias as the starting value;
* **each layer's activation and derivative on the whole list** of its
  values (``list(map(tanh, z))``, ``[g * (1 - a * a) for ...]``), with no
  call per value that a comprehension can do inline;
* **the learning rate folded into the output delta**: the delta of the
  output layer is multiplied by ``lr / (batch * outputs)``, so that every
  gradient is already the step;
* **the weights read by columns once per batch** (``zip(*rows)``) for the
  backward pass, since they do not change within a batch;
* **two ways to take the step**, by batch size: up to ``STEPS_BY_SAMPLE``
  samples, the weights take each sample's step in turn (one product and one
  subtraction per weight); beyond, each weight takes one step, the dot
  product over the batch of its target's deltas and its source's values
  (``sum(map(mul, deltas, values))``), which is faster than adding the
  samples one at a time.

It visits the samples in ``fit``'s order, so it reaches neurosim's weights,
to float rounding. The output layer is a sigmoid and the loss binary
cross-entropy, as in the moons and xor workloads; the sigmoid is computed
from ``exp(-|z|)``, which never overflows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from operator import mul

import numpy as np

from neurosim.benchmarks.engines.workloads import SHUFFLE_SEED, ParamSet, epoch_orders

Rows = list[list[float]]
#: ``forward(z)`` gives a layer's outputs, ``backward(g, a)`` turns ``dL/da`` into ``dL/dz`` given them
LayerFunctions = tuple[
    Callable[[list[float]], list[float]], Callable[[list[float], list[float]], list[float]]
]
_exp, _tanh = math.exp, math.tanh


def _sigmoid(z: float) -> float:
    e = _exp(-abs(z))  # exp(-|z|) never overflows
    return 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)


#: each activation on a layer's list of values, with its derivative in terms of the outputs ``a``
ACTIVATIONS: dict[str, LayerFunctions] = {
    "sigmoid": (
        lambda z: list(map(_sigmoid, z)),
        lambda g, a: [gi * (ai * (1.0 - ai)) for gi, ai in zip(g, a, strict=True)],
    ),
    "tanh": (
        lambda z: list(map(_tanh, z)),
        lambda g, a: [gi * (1.0 - ai * ai) for gi, ai in zip(g, a, strict=True)],
    ),
    "relu": (
        lambda z: [v if v > 0.0 else 0.0 for v in z],
        lambda g, a: [gi if ai > 0.0 else 0.0 for gi, ai in zip(g, a, strict=True)],
    ),
}
#: up to this many samples, the weights take each sample's step in turn; beyond, each weight one summed step
STEPS_BY_SAMPLE = 4


class PythonMLP:
    """A fully connected MLP with sigmoid outputs and binary cross-entropy, trained with plain SGD in Python.

    Parameters
    ----------
    params : ParamSet
        Initial weights (``(n_out, n_in)``) and biases; they are copied into lists.
    activation : {"sigmoid", "tanh", "relu"}
        Hidden activation (the output layer is a sigmoid).
    lr : float
        Learning rate.
    X : ndarray of shape (n_samples, n_in)
    y : ndarray of shape (n_samples,) or (n_samples, n_out)
        Targets in [0, 1]: labels 0 and 1 for one output.
    batch_size : int or None
        ``None`` is the full set.

    Examples
    --------
    One sample, one sigmoid neuron with weight 0 and bias 0: its output is
    0.5, its delta ``0.5 - 1``, and one step of ``lr = 1`` moves the weight
    by ``0.5 * x = 1`` and the bias by 0.5:

    >>> import numpy as np
    >>> params = ([np.zeros((1, 1))], [np.zeros(1)])
    >>> mlp = PythonMLP(params, "tanh", 1.0, np.array([[2.0]]), np.array([1]), batch_size=1)
    >>> mlp.train(1)
    >>> [p.tolist() for p in mlp.parameters()]
    [[[1.0]], [0.5]]
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
        weights, biases = params
        self.initial = ([w.tolist() for w in weights], [b.tolist() for b in biases])
        self.hidden = ACTIVATIONS[activation]
        self.lr = lr
        self.n = X.shape[0]
        self.batch = self.n if batch_size is None else min(batch_size, self.n)
        self.rows = X.tolist()
        n_out = weights[-1].shape[0]
        self.targets = np.asarray(y, dtype=float).reshape(self.n, n_out).tolist()
        self.weights: list[Rows] = []
        self.biases: list[list[float]] = []
        self.reset()

    def reset(self) -> None:
        """Restore the initial weights."""
        weights, biases = self.initial
        self.weights = [[row[:] for row in rows] for rows in weights]
        self.biases = [bias[:] for bias in biases]

    def parameters(self) -> list[np.ndarray]:
        """The weights (``(n_out, n_in)``) then the biases, as arrays."""
        return [np.array(rows) for rows in self.weights] + [np.array(bias) for bias in self.biases]

    def train(self, epochs: int, seed: int = SHUFFLE_SEED) -> None:
        """Train ``epochs`` epochs, visiting the samples in ``fit``'s order for ``seed``."""
        orders = epoch_orders(self.n, seed)
        for _ in range(epochs):
            order = np.arange(self.n) if self.batch == self.n else next(orders)
            self.train_epoch(order.tolist())

    def train_epoch(self, order: list[int]) -> None:
        """One epoch of mini-batch SGD over the samples in ``order``."""
        rows, targets, batch = self.rows, self.targets, self.batch
        for start in range(0, len(order), batch):
            chosen = order[start : start + batch]
            self.train_batch([rows[i] for i in chosen], [targets[i] for i in chosen])

    def train_batch(self, xs: Rows, ts: Rows) -> None:
        """Forward, backward and update on one batch of samples (lists of floats)."""
        scale = self.lr / (len(xs) * len(ts[0]))
        columns = [list(zip(*rows, strict=True)) for rows in self.weights[1:]]
        values = [self._forward(x) for x in xs]
        deltas = [self._backward(sample, t, columns, scale) for sample, t in zip(values, ts, strict=True)]
        if len(xs) <= STEPS_BY_SAMPLE:
            for sample, sample_deltas in zip(values, deltas, strict=True):
                self._step_one(sample, sample_deltas)
        else:
            self._step_many(values, deltas)

    def _forward(self, x: list[float]) -> list[list[float]]:
        """Every layer's outputs for one sample, input first."""
        activate = self.hidden[0]
        sigmoid = ACTIVATIONS["sigmoid"][0]
        values = [x]
        a = x
        last = len(self.weights) - 1
        for layer, (rows, bias) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = [sum(map(mul, row, a), b) for row, b in zip(rows, bias, strict=True)]
            a = sigmoid(z) if layer == last else activate(z)
            values.append(a)
        return values

    def _backward(
        self, values: list[list[float]], t: list[float], columns: list[list[tuple[float, ...]]], scale: float
    ) -> list[list[float]]:
        """Every layer's deltas for one sample, times ``scale``, first hidden layer first."""
        slope = self.hidden[1]
        d = [(a - target) * scale for a, target in zip(values[-1], t, strict=True)]
        deltas = [d]
        for layer in range(len(columns) - 1, -1, -1):
            d = slope([sum(map(mul, column, d)) for column in columns[layer]], values[layer + 1])
            deltas.append(d)
        deltas.reverse()
        return deltas

    def _step_one(self, values: list[list[float]], deltas: list[list[float]]) -> None:
        """One sample's step: each weight minus its target's delta times its source's value."""
        for rows, bias, a, d in zip(self.weights, self.biases, values[:-1], deltas, strict=True):
            for i, step in enumerate(d):
                rows[i] = [w - step * x for w, x in zip(rows[i], a, strict=True)]
                bias[i] -= step

    def _step_many(self, values: list[list[list[float]]], deltas: list[list[list[float]]]) -> None:
        """A batch's step: each weight minus a dot product over the samples."""
        for layer, (rows, bias) in enumerate(zip(self.weights, self.biases, strict=True)):
            sources = list(zip(*[sample[layer] for sample in values], strict=True))
            targets = zip(*[sample[layer] for sample in deltas], strict=True)
            for i, d in enumerate(targets):
                rows[i] = [w - sum(map(mul, d, a)) for w, a in zip(rows[i], sources, strict=True)]
                bias[i] -= sum(d)
