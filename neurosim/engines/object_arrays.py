"""The object engine's pass over many samples: each neuron's values an array, one entry per sample.

For a batch of many samples, one numpy operation per synapse over all the
samples costs less than the samples' arithmetic in Python, so each neuron
holds an array of its values, and::

    neuron z     = w_1 * a_1 + w_2 * a_2 + ... + bias     over its incoming synapses
    neuron g     = w_1 * delta_1 + w_2 * delta_2 + ...     over its outgoing synapses
    synapse grad = dot(target delta, source a) / n_samples

where each product is one numpy operation over the samples, one synapse at
a time, written into a row of scratch space, and the rows are then added
up in order (what the float pass adds up, in the same order). A layer's
neurons are the rows of one ``(layer size, n_samples)`` array, so that a
built-in activation is one call for the layer; an activation of your own
is called neuron by neuron (it may work on one-dimensional arrays only),
and a whole-layer one, like the softmax, on the layer's values of each
sample.

Examples
--------
>>> import numpy as np
>>> import neurosim as ns
>>> from neurosim.engines.object_plan import plan_for
>>> net = ns.Network.from_shape([1, 1], activation="identity", init="constant", seed=0)
>>> net.synapse("input[0]", "output[0]").weight = 2.0
>>> loss, X, T = net.prepare_batch([[1.0], [3.0]], [[1.0], [5.0]], "mse")
>>> values = ArrayPass(plan_for(net), X, None)
>>> values.A[1]                                   # the output neuron's a, sample by sample
array([[2., 6.]])
>>> values.backward(T, loss)                      # delta = 2 (a - t): 2 and 2
>>> values.write_gradients()
>>> net.synapse("input[0]", "output[0]").grad     # mean of delta * x: (2 + 6) / 2
4.0
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from neurosim.activations import ACTIVATIONS, Activation
from neurosim.engines.object_floats import write

if TYPE_CHECKING:
    from collections.abc import Iterator

    from neurosim.engines.object_plan import LayerStep, Plan
    from neurosim.losses import Loss

_BUILT_IN = frozenset(ACTIVATIONS.values())


class ArrayPass:
    """One pass over a batch, each neuron's values an array; ``store`` leaves it in the neurons.

    ``Z[p]``, ``A[p]`` and (after ``backward``) ``D[p]`` are the
    ``(layer size, n_samples)`` arrays of the layer at position ``p`` of
    ``plan.order``, row ``i`` for neuron ``i``; ``A`` is what the layer
    passes on (after dropout), ``U[p]`` its activations before dropout,
    for layers that drop.
    """

    def __init__(self, plan: Plan, X: np.ndarray, masks: dict | None) -> None:
        self.plan = plan
        self.n = X.shape[0]
        size = len(plan.order)
        self.weights = [block.weight.tolist() for block in plan.blocks]
        self.drops = [masks[step.layer].T if masks and step.layer in masks else None for step in plan.steps]
        self.Z: list[np.ndarray | None] = [None] * size
        self.A: list[np.ndarray | None] = [None] * size
        self.U: list[np.ndarray | None] = [None] * size
        self.D: list[np.ndarray | None] | None = None
        self.Z[0] = self.A[0] = np.array(X.T, dtype=float)
        with np.errstate(over="ignore", invalid="ignore"):
            for step, drop in zip(plan.steps, self.drops, strict=True):
                self._forward(step, drop)

    def _forward(self, step: LayerStep, drop: np.ndarray | None) -> None:
        p, layer = step.position, step.layer
        z = np.empty((layer.size, self.n))
        bias = layer.bias.tolist()
        if step.single_in is not None:
            block, source = step.single_in
            a_in = list(self.A[source])
            products = self._scratch(step.fan_in)
            for z_i, w_i, b in zip(z, self.weights[block], bias, strict=True):
                _sum_of_products(z_i, w_i, a_in, products)
                z_i += b
        else:
            products = self._scratch(step.fan_in)
            for z_i, groups, b in zip(z, step.inflows, bias, strict=True):
                pairs = (
                    (self.weights[block][row][j], self.A[source][j])
                    for block, row, source, present in groups
                    for j in (range(len(self.weights[block][row])) if present is None else present)
                )
                _weighted_sum(z_i, b, pairs, products)
        a = _activate(layer.activation, z)
        if drop is not None:
            self.U[p] = a
            a = a * drop
        self.Z[p], self.A[p] = z, a

    def _scratch(self, rows: int) -> tuple[np.ndarray, list[np.ndarray]]:
        """A new ``(rows, n_samples)`` array, and its rows, where a neuron's products are written."""
        products = np.empty((max(rows, 1), self.n))
        return products, list(products)

    def outputs(self) -> tuple[np.ndarray, np.ndarray]:
        """The output layer's ``z`` and ``a``, ``(n_samples, n_outputs)`` arrays."""
        p = self.plan.output.position
        return self.layer_values("z", p), self.layer_values("a", p)

    def write_outputs(self, logits: np.ndarray, outputs: np.ndarray) -> None:
        """Write the output layer's ``z`` and ``a`` into two ``(n_samples, n_outputs)`` arrays."""
        p = self.plan.output.position
        np.copyto(logits, self.Z[p].T)
        np.copyto(outputs, self.A[p].T)

    def layer_values(self, kind: str, p: int) -> np.ndarray:
        """The ``"z"`` or ``"a"`` values of the layer at position ``p``, ``(n_samples, size)``."""
        return (self.Z[p] if kind == "z" else self.A[p]).T.copy()

    def mean_loss(self, T: np.ndarray, loss: Loss) -> float:
        """The mean loss over the samples and outputs (``loss.value``)."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return loss.value(*self.outputs(), T)

    def backward(self, T: np.ndarray, loss: Loss) -> None:
        """Every neuron's deltas, from the output layer's (the loss's) back."""
        with np.errstate(over="ignore", invalid="ignore"):
            self._backward(T, loss)

    def _backward(self, T: np.ndarray, loss: Loss) -> None:
        plan = self.plan
        output = plan.output
        Z, A = self.outputs()
        from_loss = loss.output_delta(Z, A, T, output.layer.activation).T
        columns = {k: list(zip(*self.weights[k], strict=True)) for k in plan.read_backwards}
        self.D = D = [None] * len(plan.order)
        for step, drop in reversed(list(zip(plan.steps, self.drops, strict=True))):
            p = step.position
            if step is output and drop is None and not step.gives:
                D[p] = np.ascontiguousarray(from_loss)
                continue
            g = np.empty((len(step.neurons), self.n))
            if step.gather == "one target":  # each neuron feeds the one neuron of the next layer
                block, target = step.single_out
                d = D[target][0]
                for g_j, w in zip(g, self.weights[block][0], strict=True):
                    np.multiply(d, w, out=g_j)
            elif step.gather == "one block":
                block, target = step.single_out
                d_out = list(D[target])
                products = self._scratch(step.fan_out)
                for g_j, column in zip(g, columns[block], strict=True):
                    _sum_of_products(g_j, column, d_out, products)
            elif step.gather == "groups":
                products = self._scratch(step.fan_out)
                for g_j, groups in zip(g, step.outflows, strict=True):
                    pairs = (
                        (columns[block][column][i], D[target][i])
                        for block, column, target, present in groups
                        for i in (range(len(columns[block][column])) if present is None else present)
                    )
                    _weighted_sum(g_j, None, pairs, products)
            else:
                g.fill(0.0)
            if drop is not None:
                g *= drop
            a = self.A[p] if drop is None else self.U[p]
            delta = _slope(step.layer.activation, self.Z[p], a, g)
            D[p] = delta + from_loss if step is output else delta

    def store(self) -> None:
        """Leave every neuron's ``z``, ``a``, ``delta`` and dropout factor in it, as arrays."""
        plan = self.plan
        for neuron, x in zip(plan.input_neurons, self.A[0], strict=True):
            neuron.z_raw = neuron.a_raw = x
            neuron.delta_raw = neuron.mask_raw = None
        for step, drop in zip(plan.steps, self.drops, strict=True):
            p, none = step.position, [None] * len(step.neurons)
            deltas = self.D[p] if self.D is not None else none
            factors = drop if drop is not None else none
            for neuron, z, a, delta, factor in zip(
                step.neurons, self.Z[p], self.A[p], deltas, factors, strict=True
            ):
                neuron.z_raw, neuron.a_raw, neuron.delta_raw = z, a, delta
                neuron.mask_raw = None if factor is None else np.array(factor)

    def write_gradients(self) -> None:
        """Each synapse's gradient into its block, each bias's into its layer: means over the samples."""
        with np.errstate(over="ignore", invalid="ignore"):
            self._write_gradients()

    def _write_gradients(self) -> None:
        plan, n = self.plan, self.n
        for block, (target, source, present), (flat, by_column) in zip(
            plan.blocks, plan.block_ends, plan.gradient_views(), strict=True
        ):
            deltas, values = list(self.D[target]), list(self.A[source])
            if present is None:  # one dot product over the samples per synapse
                if by_column:
                    means = [d.dot(a) / n for a in values for d in deltas]
                else:
                    means = [d.dot(a) / n for d in deltas for a in values]
            else:
                means = _pruned_means(deltas, values, present, by_column, n)
            write(block.grad, flat, means)
        for step in plan.steps:
            # each neuron's mean delta over the samples: the rows of the layer's deltas, each summed alone
            step.layer.bias_grad[...] = np.add.reduce(self.D[step.position], axis=1) / n


def _sum_of_products(
    out: np.ndarray, weights: list[float], values: list[np.ndarray], products: tuple[np.ndarray, list]
) -> None:
    """``out = weights[0] * values[0] + weights[1] * values[1] + ...``, one product per synapse.

    ``_weighted_sum`` for synapses from (or to) every neuron of a layer:
    ``products`` has exactly a row for each.
    """
    array, rows = products
    deque(map(np.multiply, values, weights, rows), maxlen=0)
    if len(rows) == 1:
        out[...] = rows[0]
    elif len(rows) == 2:
        np.add(rows[0], rows[1], out)
    else:
        np.add.reduce(array, 0, None, out)


def _weighted_sum(
    out: np.ndarray,
    bias: float | None,
    pairs: Iterator[tuple[float, np.ndarray]],
    products: tuple[np.ndarray, list[np.ndarray]],
) -> None:
    """``out = w_1 * values_1 + w_2 * values_2 + ... + bias``: one product per synapse, then their sum.

    Each product is written into a row of ``products`` (one numpy
    operation per synapse over the samples; it has a row for every synapse
    of the neuron), and the rows are added up in order, as the float pass
    adds its products, then the bias.
    """
    array, rows = products
    count = 0
    for row, (w, values) in zip(rows, pairs, strict=False):
        np.multiply(values, w, row)
        count += 1
    if count == 0:
        out.fill(0.0)
    elif count == 1:
        out[...] = rows[0]
    else:
        np.add.reduce(array[:count], 0, None, out)
    if bias is not None:
        out += bias


def _pruned_means(deltas: list, values: list, present: list, by_column: bool, n: int) -> list[float]:
    """Each present synapse's ``dot(deltas[i], values[j]) / n``, and 0 where there is none."""
    width = len(values)
    means = [[0.0] * width for _ in deltas]
    for i, (d, columns) in enumerate(zip(deltas, present, strict=True)):
        for j in columns:
            means[i][j] = d.dot(values[j]) / n
    if by_column:
        return [row[j] for j in range(width) for row in means]
    return [g for row in means for g in row]


def _activate(activation: Activation, z: np.ndarray) -> np.ndarray:
    """``activation`` of a layer's ``(size, n_samples)`` weighted inputs."""
    if not activation.elementwise:
        return np.ascontiguousarray(activation(z.T).T)
    if activation in _BUILT_IN:
        return activation(z)
    return np.array([activation(z_i) for z_i in z])


def _slope(activation: Activation, z: np.ndarray, a: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``dL/dz`` of a layer from its ``dL/da``, all ``(size, n_samples)``."""
    if not activation.elementwise:
        return np.ascontiguousarray(activation.backward(z.T, a.T, g.T).T)
    if activation in _BUILT_IN:
        return activation.backward(z, a, g)
    return np.array([activation.backward(z_i, a_i, g_i) for z_i, a_i, g_i in zip(z, a, g, strict=True)])
