"""The object engine's pass over a few samples: one sample at a time, every value a Python float.

For a batch of a few samples, a numpy call per synapse costs more than
the arithmetic it does, so each sample goes through the network on its
own, with floats: each layer's values are a list (one float per neuron,
in index order), each neuron's weighted input is one product per incoming
synapse, added up, plus its bias::

    z = sum(map(mul, weights, source_values)) + bias    # w_1 a_1 + w_2 a_2 + ... + bias

and each synapse's gradient is one product per sample (``delta * a`` for
one sample; for more, each sample's products are added up, with the
deltas divided by the number of samples first, which gives the mean). The
weights are read from the weight blocks once per pass (``tolist()``), the
gradients written into them once per pass. The built-in activations are
applied to floats with ``math`` (``scalar_activation``), computing what
their numpy functions compute; any other activation, and a whole-layer one
like the softmax, gets numpy arrays of the layer's values of one sample.

Examples
--------
>>> import neurosim as ns
>>> from neurosim.engines.object_plan import plan_for
>>> net = ns.Network.from_shape([1, 1], activation="tanh", init="constant", seed=0)
>>> net.synapse("input[0]", "output[0]").weight = 0.5
>>> loss, X, T = net.prepare_batch([[2.0]], [[0.0]], "mse")
>>> values = FloatPass(plan_for(net), X, None)
>>> values.Z[0], values.A[0]                     # sample 0, by layer: z = 0.5 * 2, a = tanh(z)
([[2.0], [1.0]], [[2.0], [0.7615941559557649]])
>>> values.backward(T, loss)                     # delta = 2 (a - 0) (1 - a^2)
>>> values.write_gradients()
>>> net.synapse("input[0]", "output[0]").grad == 2 * 0.7615941559557649 * (1 - 0.7615941559557649**2) * 2.0
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from itertools import repeat
from operator import add, mul
from typing import TYPE_CHECKING

import numpy as np

from neurosim.activations import ACTIVATIONS, LEAKY_SLOPE, Activation
from neurosim.losses import LOSSES, ONE_HOT_CROSS_ENTROPY, Loss

if TYPE_CHECKING:
    from neurosim.engines.object_plan import Plan

Floats = list[float]
#: ``forward(z)`` gives the layer's ``a``; ``backward(z, a, g)`` turns ``dL/da`` (any iterable) into ``dL/dz``
ScalarActivation = tuple[Callable[[Floats], Floats], Callable[[Floats, Floats, Iterable[float]], Floats]]

_exp, _expm1, _log1p, _tanh = math.exp, math.expm1, math.log1p, math.tanh


def _sigmoid(z: float) -> float:
    e = _exp(-abs(z))  # as the built-in: exp(-|z|) never overflows
    return 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)


def _softplus(z: float) -> float:
    # log(1 + e^z) as numpy's logaddexp(0, z) computes it: never overflows
    if z > 0:
        return z + _log1p(_exp(-z))
    if z <= 0:
        return _log1p(_exp(z))
    return z  # NaN


#: the built-in activations on floats: each computes what its numpy function does, value by value
_SCALAR: dict[str, ScalarActivation] = {
    "identity": (list, lambda z, a, g: [gi * 1.0 for gi in g]),
    "sigmoid": (
        lambda z: list(map(_sigmoid, z)),
        lambda z, a, g: [gi * (ai * (1.0 - ai)) for gi, ai in zip(g, a, strict=True)],
    ),
    "tanh": (
        lambda z: list(map(_tanh, z)),
        lambda z, a, g: [gi * (1.0 - ai * ai) for gi, ai in zip(g, a, strict=True)],
    ),
    "relu": (
        lambda z: [v if v > 0.0 or v != v else 0.0 for v in z],
        lambda z, a, g: [gi * (1.0 if ai > 0 else 0.0) for gi, ai in zip(g, a, strict=True)],
    ),
    "leaky_relu": (
        lambda z: [v if v > 0 else LEAKY_SLOPE * v for v in z],
        lambda z, a, g: [gi * (1.0 if ai > 0 else LEAKY_SLOPE) for gi, ai in zip(g, a, strict=True)],
    ),
    "softplus": (
        lambda z: list(map(_softplus, z)),
        lambda z, a, g: [gi * -_expm1(-ai) for gi, ai in zip(g, a, strict=True)],
    ),
    "step": (lambda z: [1.0 if v >= 0 else 0.0 for v in z], lambda z, a, g: [gi * 0.0 for gi in g]),
}
_BUILT_IN = {ACTIVATIONS[name]: functions for name, functions in _SCALAR.items()}


def scalar_activation(activation: Activation) -> ScalarActivation:
    """``(forward, backward)`` of ``activation`` on one sample's list of the layer's values.

    A built-in gets its float version; any other activation numpy arrays
    of the layer's values (a whole-layer one, like the softmax, one row).

    Examples
    --------
    >>> forward, backward = scalar_activation(ACTIVATIONS["tanh"])
    >>> a = forward([0.0, 1.0])
    >>> [round(v, 6) for v in a], [round(v, 6) for v in backward([0.0, 1.0], a, [1.0, 2.0])]
    ([0.0, 0.761594], [1.0, 0.839949])
    """
    functions = _BUILT_IN.get(activation)
    if functions is not None:
        return functions
    rows = (
        (lambda values: np.array(values)) if activation.elementwise else (lambda values: np.array([values]))
    )
    first = (lambda result: result) if activation.elementwise else (lambda result: result[0])

    def forward(z: Floats) -> Floats:
        with np.errstate(over="ignore", invalid="ignore"):
            return first(activation(rows(z))).tolist()

    def backward(z: Floats, a: Floats, g: Iterable[float]) -> Floats:
        with np.errstate(over="ignore", invalid="ignore"):
            return first(activation.backward(rows(z), rows(a), rows(list(g)))).tolist()

    return forward, backward


class FloatPass:
    """One pass over a few samples, sample by sample in floats; ``store`` leaves it in the neurons.

    ``Z[k][p]``, ``A[k][p]`` and (after ``backward``) ``D[k][p]`` are the
    ``z``, ``a`` and ``delta`` lists of the layer at position ``p`` of
    ``plan.order`` for sample ``k``; ``A`` is what the layer passes on (after
    dropout), ``U[k][p]`` its activations before dropout, for layers that
    drop (``U`` is ``None`` when none does).
    """

    def __init__(self, plan: Plan, X: np.ndarray, masks: dict | None) -> None:
        self.plan = plan
        self.n = X.shape[0]
        steps = plan.steps
        self.weights = [block.weight.tolist() for block in plan.blocks]
        self.functions = [scalar_activation(step.layer.activation) for step in steps]
        #: per layer (as ``plan.steps``), the dropout factor of each sample and neuron, or None
        self.drops: list[list[Floats] | None] = (
            [masks[step.layer].tolist() if step.layer in masks else None for step in steps]
            if masks
            else [None] * len(steps)
        )
        self.D: list[list[Floats | None]] | None = None
        self._targets: list[Floats] | None = None
        self.Z, self.A, self.U = self._forward(X.tolist())

    def _forward(self, rows: list[Floats]) -> tuple[list, list, list | None]:
        weights, size = self.weights, len(self.plan.order)
        work = [
            (step.position, step.single_in, step.inflows, step.layer.bias.tolist(), functions[0], drop)
            for step, functions, drop in zip(self.plan.steps, self.functions, self.drops, strict=True)
        ]
        masked = any(drop is not None for drop in self.drops)
        Z, A, U = [], [], [] if masked else None
        for k, x in enumerate(rows):
            z_all, a_all = [x] * size, [x] * size
            before = [None] * size if masked else None
            for p, single, inflows, bias, activate, drop in work:
                if single is not None:
                    a_in = a_all[single[1]]
                    z = [
                        sum(map(mul, row, a_in)) + b for row, b in zip(weights[single[0]], bias, strict=True)
                    ]
                else:
                    z = [
                        _weighted_sum(groups, weights, a_all, b)
                        for groups, b in zip(inflows, bias, strict=True)
                    ]
                a = activate(z)
                if drop is not None:
                    before[p] = a
                    a = list(map(mul, a, drop[k]))
                z_all[p] = z
                a_all[p] = a
            Z.append(z_all)
            A.append(a_all)
            if masked:
                U.append(before)
        return Z, A, U

    def outputs(self) -> tuple[np.ndarray, np.ndarray]:
        """The output layer's ``z`` and ``a``, ``(n_samples, n_outputs)`` arrays."""
        p = self.plan.output.position
        return np.array([z[p] for z in self.Z]), np.array([a[p] for a in self.A])

    def write_outputs(self, logits: np.ndarray, outputs: np.ndarray) -> None:
        """Write the output layer's ``z`` and ``a`` into two ``(n_samples, n_outputs)`` arrays."""
        p = self.plan.output.position
        logits[...] = [z[p] for z in self.Z]
        outputs[...] = [a[p] for a in self.A]

    def layer_values(self, kind: str, p: int) -> np.ndarray:
        """The ``"z"`` or ``"a"`` values of the layer at position ``p``, ``(n_samples, size)``."""
        return np.array([sample[p] for sample in (self.Z if kind == "z" else self.A)])

    def targets(self, T: np.ndarray) -> list[Floats]:
        """``T`` as lists of floats (made once per pass)."""
        if self._targets is None:
            self._targets = T.tolist()
        return self._targets

    def mean_loss(self, T: np.ndarray, loss: Loss) -> float:
        """The mean loss over the samples and outputs, as ``loss.value`` computes it."""
        p, targets = self.plan.output.position, self.targets(T)
        size = len(targets) * len(targets[0])
        if loss is LOSSES["bce"]:
            # log(1 + e^z) - t z, with log(1 + e^z) as logaddexp(0, z) computes it
            return (
                sum(
                    [
                        _softplus(z) - t * z
                        for z_all, row in zip(self.Z, targets, strict=True)
                        for z, t in zip(z_all[p], row, strict=True)
                    ]
                )
                / size
            )
        if loss is LOSSES["mse"]:
            errors = [
                a - t
                for a_all, row in zip(self.A, targets, strict=True)
                for a, t in zip(a_all[p], row, strict=True)
            ]
            return sum(map(mul, errors, errors)) / size
        Z, A = self.outputs()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return loss.value(Z, A, T)

    def backward(self, T: np.ndarray, loss: Loss) -> None:
        """Every sample's deltas, from the output layer's (the loss's) back."""
        plan, weights = self.plan, self.weights
        columns = {k: list(zip(*weights[k], strict=True)) for k in plan.read_backwards}
        from_loss = self._output_deltas(T, loss)
        work = [
            (
                step.position,
                step.gather,
                step.single_out,
                step.outflows,
                len(step.neurons),
                functions[1],
                drop,
            )
            for step, functions, drop in zip(plan.steps, self.functions, self.drops, strict=True)
        ][::-1]
        output, size = plan.output.position, len(plan.order)
        self.D = D = []
        for k, (z_all, a_all) in enumerate(zip(self.Z, self.A, strict=True)):
            before = self.U[k] if self.U is not None else None
            d_all = [None] * size
            for p, gather, single, outflows, width, slope, drop in work:
                if gather == "one target":  # each neuron feeds the one neuron of the next layer
                    g = map(mul, weights[single[0]][0], repeat(d_all[single[1]][0]))
                elif gather == "one block":
                    g = map(sum, map(map, repeat(mul), columns[single[0]], repeat(d_all[single[1]])))
                elif gather == "groups":
                    g = [_backward_sum(groups, columns, d_all) for groups in outflows]
                elif p == output and drop is None:
                    d_all[p] = from_loss[k]
                    continue
                else:
                    g = [0.0] * width
                if drop is None:
                    delta = slope(z_all[p], a_all[p], g)
                else:
                    delta = slope(z_all[p], before[p], map(mul, g, drop[k]))
                d_all[p] = list(map(add, delta, from_loss[k])) if p == output else delta
            D.append(d_all)

    def _output_deltas(self, T: np.ndarray, loss: Loss) -> list[Floats]:
        """``d loss_k / d z`` of the output layer for each sample ``k``."""
        step = self.plan.output
        p, targets = step.position, self.targets(T)
        m = len(targets[0])
        if loss is LOSSES["bce"]:
            return [
                [(a - t) / m for a, t in zip(a_all[p], row, strict=True)]
                for a_all, row in zip(self.A, targets, strict=True)
            ]
        if loss is LOSSES["cross_entropy"] or loss is ONE_HOT_CROSS_ENTROPY:  # one-hot: a * 1.0 - t
            return [
                [a * sum(row) - t for a, t in zip(a_all[p], row, strict=True)]
                for a_all, row in zip(self.A, targets, strict=True)
            ]
        if loss is LOSSES["mse"]:
            slope = scalar_activation(step.layer.activation)[1]
            return [
                slope(z_all[p], a_all[p], [2.0 * (a - t) / m for a, t in zip(a_all[p], row, strict=True)])
                for z_all, a_all, row in zip(self.Z, self.A, targets, strict=True)
            ]
        Z, A = self.outputs()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return loss.output_delta(Z, A, T, step.layer.activation).tolist()

    def store(self) -> None:
        """Leave every neuron's ``z``, ``a``, ``delta`` and dropout factor in it: floats for one sample."""
        if self.n == 1:
            values = self.Z[0], self.A[0], self.D[0] if self.D is not None else None
            factors = [drop[0] if drop is not None else None for drop in self.drops]
        else:
            values = (
                [_by_neuron(values, p) for p in range(len(self.plan.order))] if values is not None else None
                for values in (self.Z, self.A, self.D)
            )
            factors = [list(zip(*drop, strict=True)) if drop is not None else None for drop in self.drops]
        _store(self.plan, *values, factors)

    def write_gradients(self) -> None:
        """Each synapse's gradient into its block, each bias's into its layer: means over the samples."""
        plan, n, D, A = self.plan, self.n, self.D, self.A
        views = plan.gradient_views()
        for block, (target, source, present), (flat, by_column) in zip(
            plan.blocks, plan.block_ends, views, strict=True
        ):
            if n == 1:
                deltas, values = D[0][target], A[0][source]
                if present is None:  # one product each, as below: numpy makes them in one call
                    np.multiply.outer(deltas, values, out=block.grad)
                    continue
                means = _pruned_means([deltas], [values], present, by_column)
            else:
                deltas, values = [d[target] for d in D], [a[source] for a in A]
                means = (
                    _means(deltas, values, by_column)
                    if present is None
                    else _pruned_means(deltas, values, present, by_column)
                )
            write(block.grad, flat, means)
        for step in plan.steps:
            p = step.position
            if n == 1:
                step.layer.bias_grad[...] = D[0][p]
            else:
                step.layer.bias_grad[...] = [
                    sum(deltas) / n for deltas in zip(*[d[p] for d in D], strict=True)
                ]


def write(array: np.ndarray, flat: np.ndarray | None, values: list[float]) -> None:
    """Copy ``values`` into ``array`` through ``flat``, its 1-D view in storage order, if it has one."""
    if flat is not None:
        flat[:] = values
    else:
        array[...] = np.reshape(values, array.shape)


def _store(plan: Plan, Z: list, A: list, D: list | None, factors: list) -> None:
    """Leave each neuron's values (a float or a tuple of floats each) in it."""
    for neuron, x in zip(plan.input_neurons, Z[0], strict=True):
        neuron.z_raw = neuron.a_raw = x
        neuron.delta_raw = neuron.mask_raw = None
    for step, factor in zip(plan.steps, factors, strict=True):
        p, none = step.position, [None] * len(step.neurons)
        deltas = D[p] if D is not None else none
        values = zip(step.neurons, Z[p], A[p], deltas, factor if factor is not None else none, strict=True)
        for neuron, z, a, delta, mask in values:
            neuron.z_raw = z
            neuron.a_raw = a
            neuron.delta_raw = delta
            neuron.mask_raw = mask


def _weighted_sum(groups: tuple, weights: list, a_all: list, bias: float) -> float:
    """One neuron's weight times value over its incoming synapses, block by block, plus its bias."""
    z = 0
    for block, row, source, present in groups:
        w, a = weights[block][row], a_all[source]
        if present is not None:
            w, a = [w[j] for j in present], [a[j] for j in present]
        z = sum(map(mul, w, a), z)
    return z + bias


def _backward_sum(groups: tuple, columns: dict, d_all: list) -> float:
    """One neuron's ``dL/da``: weight times delta over its outgoing synapses, block by block."""
    g = 0
    for block, column, target, present in groups:
        w, d = columns[block][column], d_all[target]
        if present is not None:
            w, d = [w[i] for i in present], [d[i] for i in present]
        g = sum(map(mul, w, d), g)
    return g + 0.0


def _by_neuron(values: list, p: int) -> list[tuple[float, ...]] | None:
    """Layer ``p``'s values of every sample, one tuple per neuron (``None`` where there are none)."""
    if values[0][p] is None:
        return None
    return list(zip(*[sample[p] for sample in values], strict=True))


def _means(deltas: list, values: list, by_column: bool) -> list[float]:
    """Every ``mean_k(deltas[k][i] * values[k][j])``, row by row (or column by column).

    Each sample's products, added up sample by sample: for the few samples
    of a float pass, this costs less than a dot product per synapse. The
    deltas are divided by the number of samples first, which gives the
    mean as dividing each sum would (exactly so for a power of 2).
    """
    n = len(deltas)
    total = None
    for d_k, a_k in zip(deltas, values, strict=True):
        if n > 1:
            d_k = [d / n for d in d_k]
        products = [d * a for a in a_k for d in d_k] if by_column else [d * a for d in d_k for a in a_k]
        total = products if total is None else list(map(add, total, products))
    return total


def _pruned_means(deltas: list, values: list, present: list, by_column: bool) -> list[float]:
    """As ``_means``, for the synapses ``present`` only, and 0 where there is none."""
    n, width = len(deltas), len(values[0])
    means = [[0.0] * width for _ in present]
    for i, columns in enumerate(present):
        for j in columns:
            means[i][j] = sum([d_k[i] * a_k[j] for d_k, a_k in zip(deltas, values, strict=True)]) / n
    if by_column:
        return [row[j] for j in range(width) for row in means]
    return [g for row in means for g in row]
