"""Your own backpropagation's gradients next to neurosim's: which are right, and what is wrong with the rest.

``compare_gradients`` takes a network made with ``Network.from_arrays`` and
the gradients your code computed for it, read in your layout, and gives each
array a verdict (see ``compare_gradients`` for the list and their order).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from neurosim.diagnostics.verdicts import (
    Comparison,
    Verdict,
    close_to,
    is_multiple,
    relative_difference,
    samples_in_rows,
    scale_factor,
    user_array,
)
from neurosim.engines import create
from neurosim.errors import ParameterError, StructureError, UnknownNameError
from neurosim.losses import Loss, get_loss
from neurosim.validation import positive_number

if TYPE_CHECKING:
    from neurosim.core import Network

#: the ways a derivative is commonly got wrong: applied to the activation a instead of z, or once too often
DERIVATIVE_SLIPS = {
    "of-a": "applied to the activation a instead of to z",
    "twice": "applied twice",
}


class GradientComparison(Comparison):
    """The result of ``compare_gradients``: a ``Verdict`` per array, in network order.

    ``items`` holds them (``W1``, ``b1``, ``W2``, ...); ``ok`` is True when
    every array matches or differs only by a loss convention;
    ``comparison["W1"]`` is the verdict on ``W1``. ``n_samples`` and
    ``n_outputs`` are the batch's sizes the factors are read against.
    """

    title = "gradients"

    def __init__(self, items: list[Verdict], tolerance: float, n_samples: int, n_outputs: int) -> None:
        super().__init__(items, tolerance)
        self.n_samples, self.n_outputs = n_samples, n_outputs

    def __getitem__(self, name: str) -> Verdict:
        return super().__getitem__(_array_name(name, None)[1] if name[:1] == "d" else name)


@dataclass
class _Pass:
    """neurosim's pass on the batch: what every verdict is read against."""

    network: Network
    loss: Loss
    T: np.ndarray
    z: list[np.ndarray]  # per layer after the inputs, (n, size)
    a: list[np.ndarray]  # per layer, inputs first, (n, size)
    deltas: list[np.ndarray]  # d(mean loss)/dz per sample, per layer after the inputs
    weights: list[np.ndarray]  # out_in
    orientation: str  # where your X holds its samples: "rows" or "columns"

    @property
    def n(self) -> int:
        return self.T.shape[0]

    def gradients(self, deltas: list[np.ndarray]) -> dict[str, np.ndarray]:
        """The weight (out_in) and bias gradients that ``deltas`` give, by array name."""
        grads = {}
        for i, delta in enumerate(deltas):
            grads[f"W{i + 1}"] = delta.T @ self.a[i]
            grads[f"b{i + 1}"] = delta.sum(axis=0)
        return grads

    def slipped_deltas(self, layer: int, slip: str) -> list[np.ndarray] | None:
        """The deltas when ``layer``'s derivative is got wrong by ``slip``; ``None`` where it cannot be."""
        activation = self.network.layers[layer + 1].activation
        if not activation.elementwise:
            return None
        deltas = list(self.deltas)
        z, a = self.z[layer], self.a[layer + 1]
        if slip == "twice":
            deltas[layer] = self.deltas[layer] * activation.derivative(z)
        elif layer + 1 < len(self.deltas):
            deltas[layer] = (self.deltas[layer + 1] @ self.weights[layer + 1]) * activation.derivative(a)
        elif self.loss.name == "mse":
            deltas[layer] = 2 * (a - self.T) / self.T.size * activation.derivative(a)
        else:
            return None
        for below in range(layer - 1, -1, -1):
            function = self.network.layers[below + 1].activation
            upstream = deltas[below + 1] @ self.weights[below + 1]
            deltas[below] = function.backward(self.z[below], self.a[below + 1], upstream)
        return deltas


def compare_gradients(
    network: Network,
    X: object,
    Y: object,
    loss: str | Loss = "mse",
    grads: Mapping[str, object] | None = None,
    *,
    samples: str | None = None,
    tolerance: float = 1e-6,
) -> GradientComparison:
    """Compare the gradients your own code computed with neurosim's, array by array.

    neurosim computes the gradients of the MEAN loss (see
    ``neurosim.losses``) on ``X``, ``Y`` and reads each of your arrays the
    way your code holds it: weights in ``network.array_layout`` (``"in_out"``:
    ``dW`` has shape ``(n_in, n_out)``), biases as ``(n,)``, ``(n, 1)``,
    ``(1, n)`` or a scalar.

    Parameters
    ----------
    network : Network
        A chain of fully connected layers, as ``Network.from_arrays`` makes,
        holding the weights your gradients were computed with.
    X, Y : array_like
        The batch, samples in rows or in columns as your code holds them
        (``samples``); ``Y`` for ``cross_entropy`` may be class labels.
    loss : str or Loss
        ``"mse"``, ``"bce"`` (sigmoid output) or ``"cross_entropy"`` (softmax
        output).
    grads : mapping
        Your gradients by name: ``"W1"``, ``"b1"``, ``"W2"``, ... (weights
        ``i`` feed layer ``i`` after the inputs), or ``"dW1"``, ``"db1"``, ...
    samples : {"rows", "columns"}, optional
        Where ``X`` holds its samples; found from its shape when ``None``
        (a square ``X`` must say).
    tolerance : float
        The largest difference, relative to the largest entry of neurosim's
        array, at which two arrays still agree.

    Returns
    -------
    GradientComparison
        A ``Verdict`` per array. The verdicts, tried in this order:

        - ``wrong-shape``: the array's shape fits no reading (the message
          gives the shapes expected);
        - ``match``: equal to ``tolerance``;
        - ``convention``: more than half the arrays (two at least) are the
          same factor times neurosim's, a factor a different loss convention
          gives (the sum over samples instead of the mean: the number of
          samples ``n``; mse summed over the outputs too: ``n * m``; 1/2 of
          the squared error: 1/2): not a bug; the rest are judged against
          that convention;
        - ``wrong-derivative``: the arrays of a layer and the layers below
          are what they would be if that layer's derivative were applied to
          ``a`` instead of ``z``, or applied twice;
        - ``sign-flipped``: ``-1`` times neurosim's (climbing the loss);
        - ``not-averaged``: ``n`` times neurosim's: summed over the batch and
          not divided by the number of samples (this rule, not ``scaled``,
          for the factor ``n``);
        - ``scaled``: another constant factor (named when it is 2, 1/2, the
          number of outputs or 1/n);
        - ``transposed``: the weight gradient the other way round;
        - ``missing-source-activation``: each row of a weight gradient is
          the target neuron's bias gradient (not multiplied by the source's
          ``a``);
        - ``summed-over-all``: a bias gradient that is one number (or the
          same number for every neuron): the sum over all entries;
        - ``summed-over-wrong-axis``: a bias gradient with one value per
          sample: summed over the neurons instead of the samples;
        - ``mismatch``: none of these, with the neuron or synapse where they
          differ most.

    Afterwards the network holds a backward pass on ``X``, ``Y``.

    Examples
    --------
    A network of your own, samples in columns, its gradients by hand:

    >>> import numpy as np
    >>> import neurosim as ns
    >>> rng = np.random.default_rng(0)
    >>> W1, b1, W2, b2 = rng.normal(size=(3, 2)), np.zeros((3, 1)), rng.normal(size=(1, 3)), np.zeros((1, 1))
    >>> X = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]]); Y = np.array([[0.0, 1.0, 1.0, 0.0]])
    >>> A1 = np.tanh(W1 @ X + b1); A2 = W2 @ A1 + b2
    >>> dZ2 = 2 * (A2 - Y) / 4
    >>> dZ1 = (W2.T @ dZ2) * (1 - A1**2)
    >>> grads = {"W1": dZ1 @ X.T, "b1": dZ1.sum(axis=1, keepdims=True),
    ...          "W2": dZ2 @ A1.T, "b2": dZ2.sum()}
    >>> net = ns.Network.from_arrays([W1, W2], [b1, b2], ["tanh", "identity"])
    >>> ns.compare_gradients(net, X, Y, "mse", grads).ok
    True

    Forgetting to divide one of them by the number of samples:

    >>> grads["W2"] = 4 * grads["W2"]
    >>> result = ns.compare_gradients(net, X, Y, "mse", grads)
    >>> result["W2"].verdict, result["W2"].factor
    ('not-averaged', 4.0)
    >>> print(result["W2"].message)  # doctest: +NORMALIZE_WHITESPACE
    W2 is 4 times neurosim's: summed over the 4 samples but not averaged:
    divide by m = 4, the number of samples
    """
    tolerance = positive_number(tolerance, "tolerance")
    layout = network.array_layout or "out_in"
    reference = _reference_pass(network, X, Y, loss, samples)
    wanted = _read_names(grads, len(reference.deltas))
    right = reference.gradients(reference.deltas)
    readings = {
        name: _read(name, user_array(values, given), right[name], layout, reference)
        for name, (given, values) in wanted.items()
    }
    judge = _Judge(reference, right, readings, tolerance, layout)
    items = judge.verdicts()
    return GradientComparison(items, tolerance, reference.n, reference.T.shape[1])


def _reference_pass(network: Network, X: object, Y: object, loss: str | Loss, samples: str | None) -> _Pass:
    """The forward and backward pass of neurosim on the batch, read from samples in rows."""
    _check_chain(network)
    X_rows, orientation = samples_in_rows(user_array(X, "X"), network.input_layer.size, samples)
    Y = user_array(Y, "Y")
    if orientation == "columns" and Y.ndim == 2:
        Y = Y.T
    loss_fn, X_rows, T = network.prepare_batch(X_rows, Y, get_loss(loss))
    engine = create(network, "compiled")
    engine.train_batch(X_rows, T, loss_fn)
    values = engine.last_pass()
    layers = network.layers[1:]
    n = X_rows.shape[0]
    return _Pass(
        network,
        loss_fn,
        T,
        z=[np.array(values.z(layer), dtype=float) for layer in layers],
        a=[X_rows, *(np.array(values.a(layer), dtype=float) for layer in layers)],
        deltas=[np.array(values.delta(layer), dtype=float) / n for layer in layers],
        weights=[np.array(block.weight, dtype=float) for block in network.blocks],
        orientation=orientation,
    )


def _check_chain(network: Network) -> None:
    """Refuse a network that is not a chain of fully connected layers (what ``from_arrays`` makes)."""
    layers = network.layers
    pairs = [(block.source.name, block.target.name) for block in network.blocks]
    chain = [(source.name, target.name) for source, target in pairwise(layers)]
    if pairs != chain or any(
        block.weight.size != len(block.source) * len(block.target) for block in network.blocks
    ):
        raise StructureError(
            "compare_gradients needs a chain of fully connected layers, as Network.from_arrays makes; "
            f"this network connects {pairs}"
        )


def _array_name(key: object, n_layers: int | None) -> tuple[str, str]:
    """``("W", "W1")`` for the key ``"W1"`` or ``"dW1"``; an error naming the key if it is neither."""
    text = key if isinstance(key, str) else ""
    bare = text[1:] if text[:2] in ("dW", "db") else text
    kind, number = bare[:1], bare[1:]
    if (
        kind not in ("W", "b")
        or not number.isdigit()
        or int(number) < 1
        or (n_layers is not None and int(number) > n_layers)
    ):
        count = n_layers or 1
        expected = ", ".join(f"W{i}, b{i}" for i in range(1, count + 1))
        raise UnknownNameError(
            f"grads has the key {key!r}; expected {expected} (or dW1, db1, ...): W{{i}} is the gradient "
            "of the weights feeding layer i after the inputs"
        )
    return kind, f"{kind}{int(number)}"


def _read_names(grads: Mapping[str, object] | None, n_layers: int) -> dict[str, tuple[str, object]]:
    """Your gradients by their names ``W1``, ``b1``, ..., in network order, with the key you gave."""
    if not isinstance(grads, Mapping) or not grads:
        raise ParameterError("grads must be a dict of your gradients, like {'W1': dW1, 'b1': db1, ...}")
    named = {}
    for key, values in grads.items():
        name = _array_name(key, n_layers)[1]
        if name in named:
            raise ParameterError(f"grads gives {name} twice: as {named[name][0]!r} and as {key!r}")
        named[name] = (key, values)
    order = [f"{kind}{i}" for i in range(1, n_layers + 1) for kind in "Wb"]
    return {name: named[name] for name in order if name in named}


@dataclass(frozen=True)
class _Reading:
    """Your array in neurosim's shape (``values``), or the way it came (``shape`` says which)."""

    values: np.ndarray | None  # W: out_in; b: flat
    shape: str  # "right", "transposed", "one-number", "per-sample", "wrong"
    given: tuple[int, ...]
    expected: str


def _read(name: str, array: np.ndarray, right: np.ndarray, layout: str, reference: _Pass) -> _Reading:
    if name[0] == "W":
        return _read_weights(array, right.shape, layout)
    return _read_bias(array, right.size, reference.n)


def _read_weights(array: np.ndarray, out_in: tuple[int, int], layout: str) -> _Reading:
    yours = out_in if layout == "out_in" else out_in[::-1]
    expected = (
        f"{yours} (n_out, n_in) as your code computes W @ x"
        if layout == "out_in"
        else (f"{yours} (n_in, n_out) as your code computes x @ W")
    )
    if array.shape == yours:
        return _Reading(array if layout == "out_in" else array.T, "right", array.shape, expected)
    if array.shape == yours[::-1]:
        return _Reading(array if layout == "in_out" else array.T, "transposed", array.shape, expected)
    return _Reading(None, "wrong", array.shape, expected)


def _read_bias(array: np.ndarray, size: int, n_samples: int) -> _Reading:
    expected = f"({size},), ({size}, 1) or (1, {size})"
    vector = array.ndim <= 1 or (array.ndim == 2 and 1 in array.shape)
    if vector and array.size == size:
        return _Reading(array.reshape(-1), "right", array.shape, expected)
    if array.size == 1:
        return _Reading(array.reshape(-1), "one-number", array.shape, expected)
    if vector and array.size == n_samples:
        return _Reading(array.reshape(-1), "per-sample", array.shape, expected)
    return _Reading(None, "wrong", array.shape, expected)


def _conventions(loss: str, n: int, m: int) -> list[tuple[float, str]]:
    """The factors other loss conventions put on every gradient, with what each convention is."""
    sums = [(n, f"your loss sums over the {n} samples where neurosim's averages")]
    if loss in ("mse", "bce") and m > 1:
        sums += [
            (m, f"your loss sums over the {m} outputs where neurosim's averages over them too"),
            (n * m, f"your loss sums over the {n} samples and the {m} outputs where neurosim's averages"),
        ]
    if loss == "mse":
        halves = [(factor / 2, f"{text}, and takes 1/2 of the squared error") for factor, text in sums]
        sums += [(0.5, "your loss is 1/2 of the mean squared error"), *halves]
    return [(float(factor), text) for factor, text in sums if factor != 1]


class _Judge:
    """Gives each of your arrays its verdict, against neurosim's pass."""

    def __init__(
        self, reference: _Pass, right: dict, readings: dict[str, _Reading], tolerance: float, layout: str
    ) -> None:
        self.reference, self.right, self.readings = reference, right, readings
        self.tolerance, self.layout = tolerance, layout
        self.n, self.m = reference.n, reference.T.shape[1]
        self.factor, self.convention = self._convention()
        self.slips = self._derivative_slips()

    def _comparable(self) -> dict[str, np.ndarray]:
        return {name: r.values for name, r in self.readings.items() if r.shape == "right"}

    def _multiple(
        self, name: str, values: np.ndarray, factor: float, right: np.ndarray | None = None
    ) -> bool:
        return is_multiple(values, self.right[name] if right is None else right, factor, self.tolerance)

    def _convention(self) -> tuple[float, str]:
        """The convention factor more than half of your arrays (two at least) share, or 1."""
        arrays = {n: v for n, v in self._comparable().items() if scale_factor(v, self.right[n]) is not None}
        best, count = (1.0, ""), 0
        for factor, text in _conventions(self.reference.loss.name, self.n, self.m):
            fits = sum(self._multiple(name, values, factor) for name, values in arrays.items())
            if fits > count:
                best, count = (factor, text), fits
        return best if count >= 2 and 2 * count > len(arrays) else (1.0, "")

    def _derivative_slips(self) -> dict[str, tuple[int, str]]:
        """The arrays a slipped derivative explains, with the layer (index after the inputs) and the slip."""
        arrays = self._comparable()
        for layer in range(len(self.reference.deltas) - 1, -1, -1):
            affected = {n: v for n, v in arrays.items() if int(n[1:]) <= layer + 1}
            wrong = [n for n, v in affected.items() if not self._multiple(n, v, self.factor)]
            if not wrong:
                continue
            for slip in DERIVATIVE_SLIPS:
                deltas = self.reference.slipped_deltas(layer, slip)
                if deltas is None:
                    continue
                slipped = self.reference.gradients(deltas)
                if all(self._multiple(n, v, self.factor, slipped[n]) for n, v in affected.items()):
                    return {name: (layer, slip) for name in wrong}
        return {}

    def verdicts(self) -> list[Verdict]:
        return [self._verdict(name, reading) for name, reading in self.readings.items()]

    def _verdict(self, name: str, reading: _Reading) -> Verdict:
        if reading.shape == "wrong":
            return Verdict(
                name, "wrong-shape", f"{name} has shape {reading.given}; expected {reading.expected}"
            )
        values, right = reading.values, self.right[name]
        if reading.shape == "transposed":
            return self._transposed(name, reading, values)
        if reading.shape != "right":
            return self._bias_slip(name, reading, values) or self._wrong_shape(name, reading)
        for check in (self._right, self._slipped, self._scaled, self._square_transposed):
            verdict = check(name, values)
            if verdict is not None:
                return verdict
        if name[0] == "W":
            verdict = self._missing_source(name, values)
        else:
            verdict = self._bias_slip(name, reading, values)
        return verdict or self._mismatch(name, values, right)

    def _evidence(self, name: str, values: np.ndarray, factor: float) -> dict:
        right = factor * self.right[name]
        index = np.unravel_index(np.argmax(np.abs(values - right)), values.shape)
        return {
            "error": relative_difference(values, right),
            "where": self._where(name, index),
            "yours": float(values[index]),
            "expected": float(right[index]),
        }

    def _where(self, name: str, index: tuple) -> str:
        layer = int(name[1:])
        target = self.reference.network.layers[layer].name
        if name[0] == "b":
            return f"{target}[{index[0]}] ({name}[{index[0]}])"
        source = self.reference.network.layers[layer - 1].name
        t, s = index
        yours = (t, s) if self.layout == "out_in" else (s, t)
        return f"{source}[{s}] -> {target}[{t}] ({name}[{yours[0]}, {yours[1]}])"

    def _right(self, name: str, values: np.ndarray) -> Verdict | None:
        if self._multiple(name, values, 1.0):
            evidence = self._evidence(name, values, 1.0)
            message = (
                f"{name} matches neurosim's to the tolerance {self.tolerance:g} "
                f"(largest relative difference {evidence['error']:.2g})"
            )
            return Verdict(name, "match", message, 1.0, **evidence)
        if self.factor != 1.0 and self._multiple(name, values, self.factor):
            message = (
                f"{name} is {self.factor:g} times neurosim's, as are your other arrays: "
                f"{self.convention}: a different loss convention, not a bug (neurosim's gradients are "
                f"those of the mean loss)"
            )
            return Verdict(
                name, "convention", message, self.factor, **self._evidence(name, values, self.factor)
            )
        return None

    def _slipped(self, name: str, values: np.ndarray) -> Verdict | None:
        if name not in self.slips:
            return None
        layer, slip = self.slips[name]
        network_layer = self.reference.network.layers[layer + 1]
        function = network_layer.activation.name
        if slip == "of-a":
            fix = (
                f"take {function}'(z), or its form in a (sigmoid: a * (1 - a); tanh: 1 - a**2), "
                f"not {function}'(a)"
            )
        elif layer + 1 == len(self.reference.deltas) and self.reference.loss.name != "mse":
            loss = self.reference.loss.name
            fix = f"with {loss} on a {function} output, the output delta is a - y: no derivative there"
        else:
            fix = f"multiply by {function}'(z) once only"
        message = (
            f"{name} is what backprop gives when the derivative of {network_layer.name} ({function}) is "
            f"{DERIVATIVE_SLIPS[slip]}: {fix}"
        )
        evidence = self._evidence(name, values, self.factor)
        return Verdict(name, "wrong-derivative", message, None, **evidence)

    def _scaled(self, name: str, values: np.ndarray) -> Verdict | None:
        k = scale_factor(values, self.right[name])
        if k is None or not self._multiple(name, values, k) or close_to(k, self.factor, self.tolerance):
            return None
        ratio = k / self.factor
        evidence = self._evidence(name, values, self.factor)
        if ratio < 0:
            message = (
                f"{name} is {k:.4g} times neurosim's: the sign is flipped, so w -= lr * grad climbs the "
                "loss: the output error is a - y, not y - a"
            )
            return Verdict(name, "sign-flipped", message, k, **evidence)
        if self.n > 1 and close_to(ratio, self.n, self.tolerance):
            message = (
                f"{name} is {k:.4g} times neurosim's: summed over the {self.n} samples but not averaged: "
                f"divide by m = {self.n}, the number of samples"
            )
            return Verdict(name, "not-averaged", message, k, **evidence)
        return Verdict(
            name, "scaled", f"{name} is {k:.4g} times neurosim's: {self._meaning(ratio)}", k, **evidence
        )

    def _meaning(self, ratio: float) -> str:
        meanings = [
            (
                2.0,
                "an extra factor 2: the 2 of d/da (a - y)**2 where your loss takes 1/2 of it, "
                "or a term counted twice",
            ),
            (0.5, "a factor 2 missing: d/da (a - y)**2 = 2 (a - y)"),
            (
                self.m,
                f"summed over the {self.m} outputs where the loss averages over them: divide by {self.m}",
            ),
            (1 / self.m, f"divided by the {self.m} outputs once too often"),
            (1 / self.n, f"divided by m = {self.n}, the number of samples, twice: divide once"),
        ]
        for value, text in meanings:
            if value != 1 and close_to(ratio, value, self.tolerance):
                return text
        return "a constant factor: look for a stray constant in this array's line"

    def _square_transposed(self, name: str, values: np.ndarray) -> Verdict | None:
        if name[0] != "W" or values.shape[0] != values.shape[1]:
            return None
        return self._transposed_values(name, values.T, values.shape)

    def _transposed(self, name: str, reading: _Reading, values: np.ndarray) -> Verdict:
        return self._transposed_values(name, values, reading.given) or self._wrong_shape(name, reading)

    def _transposed_values(self, name: str, values: np.ndarray, given: tuple) -> Verdict | None:
        k = scale_factor(values, self.right[name])
        if k is None or not self._multiple(name, values, k):
            return None
        formula = "dW = delta @ A_prev.T, shape (n_out, n_in)"
        if self.layout == "in_out":
            formula = "dW = A_prev.T @ delta, shape (n_in, n_out)"
        message = f"{name} is neurosim's transposed (shape {given}): {formula}"
        if not close_to(k, 1.0, self.tolerance):
            message += f"; transposed, it is also {k:.4g} times neurosim's"
        return Verdict(name, "transposed", message, k, **self._evidence(name, values, k))

    def _missing_source(self, name: str, values: np.ndarray) -> Verdict | None:
        bias = self.right[f"b{name[1:]}"]
        rows = np.repeat(bias[:, None], values.shape[1], axis=1)
        k = scale_factor(values, rows)
        if k is None or not is_multiple(values, rows, k, self.tolerance):
            return None
        target = self.reference.network.layers[int(name[1:])].name
        formula = "delta @ A_prev.T" if self.layout == "out_in" else "A_prev.T @ delta"
        message = (
            f"for each neuron of {target}, the gradients of its incoming weights in {name} all equal "
            f"its bias gradient{_times(k)}: the incoming activation is missing: dW = {formula}"
        )
        return Verdict(name, "missing-source-activation", message, k, **self._evidence(name, values, k))

    def _bias_slip(self, name: str, reading: _Reading, values: np.ndarray) -> Verdict | None:
        layer = int(name[1:]) - 1
        right = self.right[name]
        axis = "axis=0" if self._rows else "axis=1, keepdims=True"
        constant = values.size in (1, right.size) and np.ptp(values) <= self.tolerance * np.max(
            np.abs(values)
        )
        total = float(right.sum())
        if right.size > 1 and constant and abs(total) > 0:
            k = float(values[0]) / total
            if any(close_to(k / self.factor, r, self.tolerance) for r in (1.0, self.n)):
                message = (
                    f"{name} is {values[0]:.6g} for every neuron, the sum of all {right.size * self.n} "
                    f"entries of the batch's deltas{_times(k)}: sum over the batch axis only: "
                    f"db = delta.sum({axis})"
                )
                return Verdict(
                    name, "summed-over-all", message, k, error=None, yours=float(values[0]), expected=total
                )
        per_sample = self.reference.deltas[layer].sum(axis=1)
        k = scale_factor(values, per_sample)
        fits = values.size == self.n and k is not None and is_multiple(values, per_sample, k, self.tolerance)
        if fits and any(close_to(k / self.factor, r, self.tolerance) for r in (1.0, self.n)):
            message = (
                f"{name} has {self.n} values, one per sample (shape {reading.given}): summed over the "
                f"neurons instead of over the samples: db = delta.sum({axis})"
            )
            return Verdict(name, "summed-over-wrong-axis", message, k)
        return None

    @property
    def _rows(self) -> bool:
        return self.reference.orientation == "rows"

    def _wrong_shape(self, name: str, reading: _Reading) -> Verdict:
        message = f"{name} has shape {reading.given}; expected {reading.expected}"
        if reading.shape == "transposed":
            message += "; read the other way round, it still differs from neurosim's"
        return Verdict(name, "wrong-shape", message)

    def _mismatch(self, name: str, values: np.ndarray, right: np.ndarray) -> Verdict:
        evidence = self._evidence(name, values, self.factor)
        message = (
            f"{name} differs from neurosim's by up to {evidence['error']:.3g} of its largest entry, most at "
            f"{evidence['where']}: yours {evidence['yours']:.6g}, neurosim's {evidence['expected']:.6g}"
        )
        return Verdict(name, "mismatch", message, None, **evidence)


def _times(factor: float) -> str:
    return "" if close_to(factor, 1.0, 1e-9) else f" (times {factor:.4g})"
