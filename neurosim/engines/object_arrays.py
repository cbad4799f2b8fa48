"""The object engine's pass over many samples: each neuron's values an array, one entry per sample.

For a batch of many samples, one numpy operation per synapse over all the
samples costs less than the samples' arithmetic in Python, so each neuron
holds an array of its values, and::

    neuron z  = bias, then z += weight * source_a for each incoming synapse
    neuron g  = 0,    then g += weight * target_delta for each outgoing synapse
    synapse grad = dot(target_delta, source_a) / n_samples

one synapse at a time. A layer's neurons are the rows of one
``(layer size, n_samples)`` array, so that a built-in activation is one
call for the layer; an activation of your own is called neuron by neuron
(it may work on one-dimensional arrays only), and a whole-layer one, like
the softmax, on the layer's values of each sample.

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

from typing import TYPE_CHECKING

import numpy as np

from neurosim.activations import ACTIVATIONS, Activation

if TYPE_CHECKING:
    from neurosim.engines.object_plan import Plan
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

    def _forward(self, step: object, drop: np.ndarray | None) -> None:
        p, layer = step.position, step.layer
        z = np.empty((layer.size, self.n))
        bias = layer.bias.tolist()
        if step.single_in is not None:
            block, source = step.single_in
            a_in = list(self.A[source])
            for z_i, w_i, b in zip(z, self.weights[block], bias, strict=True):
                z_i.fill(b)
                for w, a in zip(w_i, a_in, strict=True):
                    z_i += w * a
        else:
            for z_i, groups, b in zip(z, step.inflows, bias, strict=True):
                z_i.fill(b)
                for block, row, source, present in groups:
                    w_i, a_in = self.weights[block][row], self.A[source]
                    for j in range(len(w_i)) if present is None else present:
                        z_i += w_i[j] * a_in[j]
        a = _activate(layer.activation, z)
        if drop is not None:
            self.U[p] = a
            a = a * drop
        self.Z[p], self.A[p] = z, a

    def outputs(self) -> tuple[np.ndarray, np.ndarray]:
        """The output layer's ``z`` and ``a``, ``(n_samples, n_outputs)`` arrays."""
        p = self.plan.output.position
        return self.layer_values("z", p), self.layer_values("a", p)

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
            g = np.zeros((len(step.neurons), self.n))
            if step.gather == "one target":  # each neuron feeds the one neuron of the next layer
                block, target = step.single_out
                d = D[target][0]
                for g_j, w in zip(g, self.weights[block][0], strict=True):
                    g_j += w * d
            elif step.gather == "one block":
                block, target = step.single_out
                d_out = list(D[target])
                for g_j, column in zip(g, columns[block], strict=True):
                    for w, d in zip(column, d_out, strict=True):
                        g_j += w * d
            elif step.gather == "groups":
                for g_j, groups in zip(g, step.outflows, strict=True):
                    for block, column, target, present in groups:
                        w_j, d_out = columns[block][column], D[target]
                        for i in range(len(w_j)) if present is None else present:
                            g_j += w_j[i] * d_out[i]
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
        plan, n, dot = self.plan, self.n, np.dot
        for block, (target, source, present) in zip(plan.blocks, plan.block_ends, strict=True):
            deltas, values = list(self.D[target]), list(self.A[source])
            width = len(values)
            grads = np.zeros(block.grad.shape)
            flat = grads.reshape(-1)
            for i, d in enumerate(deltas):
                for j in range(width) if present is None else present[i]:
                    flat[i * width + j] = dot(d, values[j]) / n
            block.grad[...] = grads
        for step in plan.steps:
            step.layer.bias_grad[...] = [np.add.reduce(d) / n for d in self.D[step.position]]


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
