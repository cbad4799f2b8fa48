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

How it runs fast enough to use: each neuron's synapses are looked up once
and kept in a plan of the network until its structure changes
(``neurosim.engines.object_plan``); a pass of up to ``FLOAT_SAMPLES``
samples computes one sample at a time with Python floats
(``neurosim.engines.object_floats``), a larger one with one numpy
operation per synapse over all the samples
(``neurosim.engines.object_arrays``), whichever is faster for the batch
size. Both leave the same values in the neurons and the same gradients in
the synapses, to float rounding.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np

from neurosim.engines.base import PassValues, StoredPassValues, no_pass
from neurosim.engines.object_arrays import ArrayPass
from neurosim.engines.object_floats import FloatPass
from neurosim.engines.object_plan import plan_for

if TYPE_CHECKING:
    from neurosim.core import Layer, Network
    from neurosim.losses import Loss

Masks = dict["Layer", np.ndarray]

#: passes of up to this many samples compute sample by sample with floats; larger ones with arrays
FLOAT_SAMPLES = 10


def forward(network: Network, X: np.ndarray, masks: Masks | None = None) -> np.ndarray:
    """Forward pass of a validated ``(n_samples, n_inputs)`` batch; returns the outputs.

    ``masks`` (``DropoutMasks.draw``'s) drops neurons as a training pass
    does. Raises ``StructureError`` first if ``network.graph`` was changed
    directly (see ``Network.check_graph``), as the compiled engine does.
    """
    values = _pass(network, X, masks)
    values.store()
    return values.outputs()[1]


def _pass(network: Network, X: np.ndarray, masks: Masks | None) -> FloatPass | ArrayPass:
    """The forward pass of ``X``, not yet left in the neurons."""
    plan = plan_for(network)
    if X.shape[0] <= FLOAT_SAMPLES:
        return FloatPass(plan, X, masks)
    return ArrayPass(plan, X, masks)


def backward(network: Network, X: np.ndarray, T: np.ndarray, loss: Loss) -> float:
    """Forward then backward pass; sets every gradient and returns the mean loss."""
    values, value = _backward_pass(network, X, T, loss, None)
    values.store()
    values.write_gradients()
    return value


def _backward_pass(
    network: Network, X: np.ndarray, T: np.ndarray, loss: Loss, masks: Masks | None
) -> tuple[FloatPass | ArrayPass, float]:
    """The forward and backward pass of ``X`` with its mean loss, not yet in the neurons or gradients."""
    values = _pass(network, X, masks)
    value = values.mean_loss(T, loss)
    values.backward(T, loss)
    return values, value


class NeuronPassValues(PassValues):
    """The pass the neurons hold now, gathered into ``(n_samples, size)`` arrays (copies) when asked.

    ``stacked_from`` may hold a training pass, with the value the first
    input neuron held after it (``a_raw``, a new object at every pass):
    while that is still the neuron's (no later pass replaced it), the pass's
    output layer gives the logits and outputs, gathered once into
    ``stacked``, with no need to gather them from the neurons.
    """

    def __init__(self, network: Network, n_samples: int) -> None:
        super().__init__(network, n_samples)
        self.stacked: tuple[np.ndarray, np.ndarray] | None = None
        self.stacked_from: tuple[FloatPass | ArrayPass, object] | None = None
        self._first_input = network.input_layer[0]
        #: a pass the neurons do not hold yet (``ObjectEngine.deferring``), and what writes it into them
        self.pending: FloatPass | ArrayPass | None = None
        self.publish: Callable[[], None] = lambda: None

    @property
    def logits(self) -> np.ndarray | None:
        """The output layer's weighted inputs ``z``."""
        return self._output(0, "z")

    @property
    def outputs(self) -> np.ndarray | None:
        """The output layer's activations."""
        return self._output(1, "a")

    def _output(self, which: int, kind: str) -> np.ndarray | None:
        source = self.stacked_from
        if source is not None and (source[1] is self.pending or source[1] is self._first_input.a_raw):
            if self.stacked is None:
                Z, A = source[0].outputs()
                Z.flags.writeable = A.flags.writeable = False  # copies: nothing to protect but the promise
                self.stacked = Z, A
            return self.stacked[which]
        return self._values(kind, self.network.output_layer)

    def _values(self, kind: str, layer: Layer) -> np.ndarray | None:
        self.publish()  # a pending pass goes into the neurons before they are read
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
        self._values.publish = self.publish
        self._deferring = False

    @property
    def dtype(self) -> np.dtype:
        """The engine computes in float64."""
        return np.dtype(np.float64)

    def prepare(self, values: np.ndarray) -> np.ndarray:
        """``values`` as they are: the object engine takes any float array."""
        return values

    def forward(self, x: object) -> np.ndarray:
        """The outputs for one sample (1-D) or a batch, as ``Network.forward``."""
        self._values.pending = None  # this pass replaces it
        return self.network.forward(x)

    #: ``train_batch`` writes the output values into ``record``
    records_outputs = True

    def train_batch(
        self,
        X: np.ndarray,
        T: np.ndarray,
        loss: Loss,
        dropout: Masks | None = None,
        *,
        record: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> bool:
        """Forward and backward pass, neuron by neuron; return whether the mean loss is finite.

        ``dropout`` (``DropoutMasks.draw``'s masks) drops neurons as training does.
        ``record``, two ``(n_samples, n_outputs)`` arrays, gets the output
        layer's ``z`` and ``a``, as ``last_pass()`` would give them.
        """
        values, value = _backward_pass(self.network, X, T, loss, dropout)
        if self._deferring:  # the neurons get it when the block ends, unless another pass comes first
            self._values.pending = values
        else:
            self._values.pending = None
            values.store()
        values.write_gradients()
        if record is not None:
            values.write_outputs(*record)
        # the output layer's values are gathered into arrays only if asked for
        self._values.stacked = None
        self._values.stacked_from = (values, values if self._deferring else self._first_input.a_raw)
        return math.isfinite(value)

    @contextlib.contextmanager
    def deferring(self) -> Iterator[None]:
        """A block in which ``train_batch`` leaves only its last pass in the neurons, when the block ends.

        Writing every neuron's values takes about as long as computing them
        for one sample; ``fit`` trains its batches in such a block when no
        callback runs between them, so only the pass the neurons end with
        is written. ``last_pass`` answers as ever, writing a pending pass
        into the neurons first if it is asked for more than the outputs.
        """
        self._deferring = True
        try:
            yield
        finally:
            self._deferring = False
            self.publish()

    def last_pass(self) -> PassValues:
        """The values of the last pass: the neurons', or the one they are about to get."""
        pending = self._values.pending
        if pending is not None:
            self._values.n_samples = pending.n
            return self._values
        first = self._first_input.a_raw
        if first is None:
            return no_pass(self.network)
        self._values.n_samples = 1 if type(first) is float else len(first)
        return self._values

    def evaluate(self, X: np.ndarray, T: np.ndarray, loss: Loss) -> tuple[float, np.ndarray]:
        """Mean loss and outputs of a forward pass (the neurons hold it; gradients stay)."""
        self._values.pending = None  # this pass replaces it
        values = _pass(self.network, X, None)
        values.store()
        return values.mean_loss(T, loss), values.outputs()[1]

    def activations(self, X: np.ndarray) -> PassValues:
        """Every layer's ``z`` and ``a`` on ``X``; the neurons keep the values they held."""
        values = _pass(self.network, X, None)
        layers = values.plan.order
        stored = {
            kind: {layer: values.layer_values(kind, p) for p, layer in enumerate(layers)} for kind in "za"
        }
        stored["delta"] = {}
        return StoredPassValues(self.network, stored)

    def publish(self) -> None:
        """Write a pass ``deferring`` kept back into the neurons; otherwise they hold the last one."""
        pending = self._values.pending
        if pending is not None:
            self._values.pending = None
            pending.store()

    def __repr__(self) -> str:
        return f"ObjectEngine({self.network!r})"
