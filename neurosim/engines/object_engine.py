"""The object engine: forward and backward passes one neuron, one synapse at a time.

This is the engine to read when learning backpropagation. For a batch of
``n`` samples each neuron holds ``n`` values (one per sample), and

* **forward**, layer by layer in ``Network.layer_order``::

      neuron.z = neuron.bias + sum(synapse.weight * synapse.source.a for synapse in neuron.incoming)
      neuron.a = activation(neuron.z)

* **backward**, in the reverse order, for each sample's loss ``loss_k``::

      output neuron:  delta = d loss_k / d z            (from the loss)
      other neuron:   delta = activation'(z) * sum(synapse.weight * synapse.target.delta
                                                   for synapse in neuron.outgoing)
      synapse.grad    = mean over samples of (target.delta * source.a)
      neuron.bias_grad = mean over samples of delta

  so the gradients are those of the mean loss over the batch.

* **dropout**, in a training pass given masks (see
  ``neurosim.engines.dropout``): a layer that drops multiplies each neuron's
  output by its mask (0 where dropped, ``1 / (1 - rate)`` where kept), and
  its delta by the same mask::

      neuron.a     = activation(neuron.z) * mask
      neuron.delta = activation'(z) * mask * sum(synapse.weight * synapse.target.delta ...)

  where ``activation'`` is taken at ``z``, from ``activation(z)`` before the
  mask.

A softmax layer's activation couples its neurons, so activations (and their
derivatives) are applied to a whole layer once each neuron has its ``z``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from neurosim.engines.base import PassValues, StoredPassValues, no_pass

if TYPE_CHECKING:
    from neurosim.core import Layer, Network
    from neurosim.losses import Loss

Masks = dict["Layer", np.ndarray]


def forward(network: Network, X: np.ndarray, masks: Masks | None = None) -> np.ndarray:
    """Forward pass of a validated ``(n_samples, n_inputs)`` batch; returns the outputs.

    ``masks`` (``DropoutMasks.draw``'s) drops neurons as a training pass
    does. Raises ``StructureError`` first if ``network.graph`` was changed
    directly (see ``Network.check_graph``), as the compiled engine does.
    """
    network.check_graph()
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in network.layer_order():
            if layer.is_input:
                for neuron in layer:
                    neuron.z_samples = neuron.a_samples = X[:, neuron.index].copy()
                    neuron.delta_samples = neuron.mask_samples = None
                continue
            for neuron in layer:
                z = np.full(X.shape[0], neuron.bias)
                for synapse in neuron.incoming:
                    z += synapse.weight * synapse.source.a_samples
                neuron.z_samples = z
                neuron.delta_samples = neuron.mask_samples = None
            _activate(layer)
            if masks is not None and layer in masks:
                _drop(layer, masks[layer])
    return _stack(network.output_layer, "a_samples")


def _activate(layer: Layer) -> None:
    if layer.activation.elementwise:
        for neuron in layer:
            neuron.a_samples = layer.activation(neuron.z_samples)
        return
    a = layer.activation(_stack(layer, "z_samples"))
    for neuron in layer:
        neuron.a_samples = a[:, neuron.index]


def _drop(layer: Layer, mask: np.ndarray) -> None:
    """Multiply each neuron's outputs by its column of the dropout mask, and keep the column."""
    for neuron in layer:
        neuron.mask_samples = mask[:, neuron.index]
        neuron.a_samples = neuron.a_samples * neuron.mask_samples


def backward(network: Network, X: np.ndarray, T: np.ndarray, loss: Loss) -> float:
    """Forward then backward pass; sets every gradient and returns the mean loss."""
    return _backward(network, X, T, loss)[0]


def _backward(
    network: Network, X: np.ndarray, T: np.ndarray, loss: Loss, masks: Masks | None = None
) -> tuple[float, np.ndarray, np.ndarray]:
    """``backward``, also returning the output layer's ``z`` and ``a`` it stacked for the loss."""
    forward(network, X, masks)
    output = network.output_layer
    Z, A = _stack(output, "z_samples"), _stack(output, "a_samples")
    with np.errstate(over="ignore", invalid="ignore"):
        value = loss.value(Z, A, T)
        output_delta = loss.output_delta(Z, A, T, output.activation)
        for layer in reversed(network.layer_order()):
            if layer.is_input:
                continue
            _backpropagate_into(layer)
            if layer is output:
                for neuron in layer:
                    neuron.delta_samples = neuron.delta_samples + output_delta[:, neuron.index]
            _set_gradients(layer)
    return value, Z, A


def _backpropagate_into(layer: Layer) -> None:
    """Each neuron's delta from the deltas of the neurons it feeds."""
    grad_a = []
    for neuron in layer:
        g = np.zeros_like(neuron.z_samples)
        for synapse in neuron.outgoing:
            g += synapse.weight * synapse.target.delta_samples
        if neuron.mask_samples is not None:
            g = g * neuron.mask_samples  # a dropped neuron passes no gradient back
        grad_a.append(g)
    activation = layer.activation
    dropping = layer[0].mask_samples is not None
    if activation.elementwise:
        for neuron, g in zip(layer, grad_a, strict=True):
            a = activation(neuron.z_samples) if dropping else neuron.a_samples
            neuron.delta_samples = activation.backward(neuron.z_samples, a, g)
        return
    Z = _stack(layer, "z_samples")
    A = activation(Z) if dropping else _stack(layer, "a_samples")
    delta = activation.backward(Z, A, np.column_stack(grad_a))
    for neuron in layer:
        neuron.delta_samples = delta[:, neuron.index]


def _set_gradients(layer: Layer) -> None:
    """Each incoming synapse's gradient and each neuron's bias gradient (means over the batch)."""
    for neuron in layer:
        delta, n = neuron.delta_samples, len(neuron.delta_samples)
        layer.bias_grad[neuron.index] = np.add.reduce(delta) / n
        for synapse in neuron.incoming:
            # the mean over samples of delta * source.a, as one dot product
            synapse.block.grad[synapse.position] = np.dot(delta, synapse.source.a_samples) / n


def _stack(layer: Layer, attribute: str) -> np.ndarray:
    """The neurons' per-sample arrays side by side: ``(n_samples, layer size)``, a new array."""
    return np.array([getattr(neuron, attribute) for neuron in layer]).T


class NeuronPassValues(PassValues):
    """The pass the neurons hold now, gathered into ``(n_samples, size)`` arrays (copies) when asked.

    ``stacked`` may hold the output layer's ``z`` and ``a`` of a pass, with
    the array of the first input neuron it was made from: while that array
    is still the neuron's (no later pass replaced it), they are the logits
    and outputs, with no need to gather them again.
    """

    def __init__(self, network: Network, n_samples: int) -> None:
        super().__init__(network, n_samples)
        self.stacked: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._first_input = network.input_layer[0]

    @property
    def logits(self) -> np.ndarray | None:
        """The output layer's weighted inputs ``z``."""
        return self._output(0, "z")

    @property
    def outputs(self) -> np.ndarray | None:
        """The output layer's activations."""
        return self._output(1, "a")

    def _output(self, which: int, kind: str) -> np.ndarray | None:
        if self.stacked is not None and self.stacked[2] is self._first_input.a_samples:
            return self.stacked[which]
        return self._values(kind, self.network.output_layer)

    def _values(self, kind: str, layer: Layer) -> np.ndarray | None:
        columns = [getattr(neuron, f"{kind}_samples") for neuron in layer]
        if any(column is None for column in columns):
            return None
        values = np.array(columns).T
        values.flags.writeable = False  # a copy: nothing to protect but the promise
        return values


class ObjectEngine:
    """The object engine behind the ``Engine`` interface: every value lives in the ``Neuron`` objects.

    Its passes leave each neuron's ``z``, ``a`` (and ``delta``) in the
    neuron, as ``Network.forward`` and ``Network.backward`` do, except
    ``activations``, which puts them back as they were.

    Examples
    --------
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([2, 2, 1], seed=0)
    >>> loss, X, T = net.prepare_batch([[0.0, 1.0]], [1.0], "mse")
    >>> engine = ObjectEngine(net)
    >>> engine.train_batch(X, T, loss)
    True
    >>> float(engine.last_pass().delta("output")[0, 0]) == net["output[0]"].delta
    True
    """

    def __init__(self, network: Network) -> None:
        network.check_graph()
        self.network = network
        # the input layer never changes; its first neuron holds one value per sample of the last pass
        self._first_input = network.input_layer[0]
        self._values = NeuronPassValues(network, 0)

    @property
    def dtype(self) -> np.dtype:
        """The engine computes in float64."""
        return np.dtype(np.float64)

    def prepare(self, values: np.ndarray) -> np.ndarray:
        """``values`` as they are: the object engine takes any float array."""
        return values

    def forward(self, x: object) -> np.ndarray:
        """The outputs for one sample (1-D) or a batch, as ``Network.forward``."""
        return self.network.forward(x)

    def train_batch(self, X: np.ndarray, T: np.ndarray, loss: Loss, dropout: Masks | None = None) -> bool:
        """Forward and backward pass, neuron by neuron; return whether the mean loss is finite.

        ``dropout`` (``DropoutMasks.draw``'s masks) drops neurons as training does.
        """
        value, Z, A = _backward(self.network, X, T, loss, dropout)
        Z.flags.writeable = A.flags.writeable = False  # copies: nothing to protect but the promise
        self._values.stacked = (Z, A, self._first_input.a_samples)
        return math.isfinite(value)

    def last_pass(self) -> PassValues:
        """The values the neurons hold: those of the last pass."""
        first = self._first_input.a_samples
        if first is None:
            return no_pass(self.network)
        self._values.n_samples = len(first)
        return self._values

    def evaluate(self, X: np.ndarray, T: np.ndarray, loss: Loss) -> tuple[float, np.ndarray]:
        """Mean loss and outputs of a forward pass (the neurons hold it; gradients stay)."""
        outputs = forward(self.network, X)
        return loss.value(_stack(self.network.output_layer, "z_samples"), outputs, T), outputs

    def activations(self, X: np.ndarray) -> PassValues:
        """Every layer's ``z`` and ``a`` on ``X``; the neurons are put back as they were."""
        neurons = self.network.neurons
        saved = [(n.z_samples, n.a_samples, n.delta_samples, n.mask_samples) for n in neurons]
        try:
            forward(self.network, X)
            layers = self.network.layer_order()
            stored = {kind: {layer: _stack(layer, f"{kind}_samples") for layer in layers} for kind in "za"}
        finally:
            for neuron, (z, a, delta, mask) in zip(neurons, saved, strict=True):
                neuron.z_samples, neuron.a_samples = z, a
                neuron.delta_samples, neuron.mask_samples = delta, mask
        stored["delta"] = {}
        return StoredPassValues(self.network, stored)

    def publish(self) -> None:
        """Nothing to do: the neurons already hold the last pass."""

    def __repr__(self) -> str:
        return f"ObjectEngine({self.network!r})"
