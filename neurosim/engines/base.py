"""What every engine offers: the ``Engine`` interface, and ``PassValues``, what one pass computed.

Two engines compute a network: the object engine
(``neurosim.engines.object_engine.ObjectEngine``), neuron by neuron and
synapse by synapse, and the compiled engine
(``neurosim.engines.compiled.CompiledNetwork``), a layer at a time with
matrices. Both implement ``Engine``, so training, diagnostics and pictures
drive either one the same way::

    engine = ns.engines.create(net, "compiled")     # or "object"
    X, T = engine.prepare(X), engine.prepare(T)     # arrays as the engine computes with them
    finite = engine.train_batch(X, T, loss)         # forward and backward: gradients in place
    finite = engine.train_batch(X, T, loss, dropout=masks)   # the same, dropping neurons (training)
    values = engine.last_pass()                     # every layer's z, a and delta, read-only
    loss_value, outputs = engine.evaluate(X, T, loss)   # no gradients touched
    values = engine.activations(X)                  # z and a, the neurons left as they were
    engine.publish()                                # the last pass into the Neuron objects

``X`` and ``T`` are batches as ``Network.prepare_batch`` returns them:
``(n_samples, n_inputs)`` and ``(n_samples, n_outputs)`` float arrays.
The engine methods that take them check nothing, for speed: validate first.
``masks`` are dropout masks drawn by
``neurosim.engines.dropout.DropoutMasks``, so that both engines drop the
same neurons; only ``train_batch`` drops, and only when given masks.

The compiled engine also takes each batch next to a column of ones
(``train_batch(..., X_ones=...)``, where ``takes_inputs_with_ones(batch_size)``
says so), which ``fit`` gathers once per epoch so that no batch is copied.
Both engines write a training pass's output values into ``record`` arrays
(``records_outputs``); ``fit`` copies them from ``last_pass()`` for an
engine of your own without it.

Examples
--------
>>> import numpy as np
>>> import neurosim as ns
>>> net = ns.Network.from_shape([2, 3, 1], activation="tanh", seed=0)
>>> loss, X, T = net.prepare_batch([[0.0, 1.0], [1.0, 1.0]], [1, 0], "mse")
>>> values = [ns.engines.create(net, name).activations(X).a("hidden1") for name in ("object", "compiled")]
>>> bool(np.allclose(values[0], values[1], rtol=1e-12))
True
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
from numpy.lib.stride_tricks import as_strided

from neurosim.core import Layer
from neurosim.errors import UnknownNameError

if TYPE_CHECKING:
    from neurosim.core import Network
    from neurosim.losses import Loss


def read_only(values: np.ndarray) -> np.ndarray:
    """A view of ``values`` that cannot be written, nor made writable again (no copy is made).

    Examples
    --------
    >>> import numpy as np
    >>> view = read_only(np.zeros(3))
    >>> view.flags.writeable = True
    Traceback (most recent call last):
    ...
    ValueError: cannot set WRITEABLE flag to True of this array
    """
    return as_strided(values, writeable=False)


class PassValues(ABC):
    """What one pass over a batch computed: every layer's ``z``, ``a`` and ``delta``, one row per sample.

    ``z(layer)``, ``a(layer)`` and ``delta(layer)`` are read-only arrays of
    shape ``(n_samples, layer size)``; ``layer`` is a name or a ``Layer``.
    ``delta`` is ``d loss_k / d z`` of each sample ``k`` (as
    ``neuron.delta`` shows it), and ``None`` for a forward pass or the input
    layer. ``dropped(layer)`` says which neurons a training pass dropped
    (``None`` where it dropped none); ``a`` is then what the layer passed
    on: 0 where dropped. Each is ``None`` for a layer the pass did not compute (added
    since, or no pass made yet). The values of an engine's ``last_pass``
    are valid until its next pass; copy what you keep.
    """

    def __init__(self, network: Network, n_samples: int) -> None:
        self.network = network
        self.n_samples = n_samples

    def z(self, layer: str | Layer) -> np.ndarray:
        """The weighted inputs ``z`` of ``layer``'s neurons, ``(n_samples, size)``."""
        return self._values("z", self._layer(layer))

    def a(self, layer: str | Layer) -> np.ndarray:
        """The activations ``a`` of ``layer``'s neurons, ``(n_samples, size)``."""
        return self._values("a", self._layer(layer))

    def delta(self, layer: str | Layer) -> np.ndarray | None:
        """``d loss_k / d z`` of ``layer``'s neurons per sample, or ``None`` where there is none."""
        return self._values("delta", self._layer(layer))

    def dropped(self, layer: str | Layer) -> np.ndarray | None:
        """Which of ``layer``'s neurons the pass dropped, ``(n_samples, size)`` booleans, or ``None``.

        ``None`` when the pass dropped none of them: a pass that is not
        training, or a layer without ``dropout``.
        """
        masks = self._values("mask", self._layer(layer))
        return None if masks is None else masks == 0

    @property
    def outputs(self) -> np.ndarray:
        """The output layer's activations: what the network predicted."""
        return self.a(self.network.output_layer)

    @property
    def logits(self) -> np.ndarray:
        """The output layer's weighted inputs ``z``, from which ``bce`` and ``cross_entropy`` are computed."""
        return self.z(self.network.output_layer)

    def _layer(self, layer: str | Layer) -> Layer:
        found = self.network[layer]
        if not isinstance(found, Layer):
            raise UnknownNameError(f"pass values are per layer; got neuron {found.name!r}, name its layer")
        return found

    @abstractmethod
    def _values(self, kind: str, layer: Layer) -> np.ndarray | None:
        """The ``kind`` ("z", "a", "delta" or "mask", the dropout mask) values of ``layer``."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.n_samples} samples)"


class StoredPassValues(PassValues):
    """Pass values held in arrays of their own (what ``Engine.activations`` returns).

    The arrays are given to it: it makes them read-only and keeps them.
    """

    def __init__(self, network: Network, stored: dict[str, dict[Layer, np.ndarray | None]]) -> None:
        first = next(iter(stored["a"].values()), None)
        super().__init__(network, 0 if first is None else first.shape[0])
        for arrays in stored.values():
            for values in arrays.values():
                if values is not None:
                    values.flags.writeable = False
        self._stored = stored

    def _values(self, kind: str, layer: Layer) -> np.ndarray | None:
        return self._stored.get(kind, {}).get(layer)


def no_pass(network: Network) -> StoredPassValues:
    """The pass values of an engine that has made no pass yet: ``None`` for every layer."""
    return StoredPassValues(network, {"z": {}, "a": {}, "delta": {}})


@runtime_checkable
class Engine(Protocol):
    """The interface both engines implement; see the module's documentation for how to drive one."""

    network: Network

    @property
    def dtype(self) -> np.dtype:
        """The floating-point type the engine computes in."""

    def prepare(self, values: np.ndarray) -> np.ndarray:
        """``values`` as the engine computes with them (its dtype), without a copy when already so."""

    def forward(self, x: object) -> np.ndarray:
        """Validate one sample or a batch, compute the outputs, and leave every neuron's ``z`` and ``a``."""

    def train_batch(
        self,
        X: np.ndarray,
        T: np.ndarray,
        loss: Loss,
        dropout: dict[Layer, np.ndarray] | None = None,
        *,
        record: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> bool:
        """Forward and backward pass: set every gradient in place; return whether the loss is finite.

        ``dropout``, the masks of ``DropoutMasks.draw`` (one per layer that
        drops, 0 where a neuron is dropped and ``1 / (1 - rate)`` where it is
        kept), makes it a training pass with dropout: each such layer passes
        on ``activation(z) * mask``, and its delta is multiplied by the same
        mask. ``None`` drops nothing. The loss itself is one call away when it is wanted:
        ``loss.value(values.logits, values.outputs, T)`` with ``values =
        engine.last_pass()``. ``record``, two separate ``(n_samples, n_outputs)``
        arrays, gets the output layer's ``z`` and ``a`` (``values.logits``
        and ``values.outputs``) without a call to ``last_pass``.
        """

    def last_pass(self) -> PassValues:
        """The values of the last ``train_batch`` (with deltas), ``evaluate`` or ``forward`` pass."""

    def evaluate(self, X: np.ndarray, T: np.ndarray, loss: Loss) -> tuple[float, np.ndarray]:
        """The mean loss and the outputs on a batch, leaving every gradient as it was."""

    def activations(self, X: np.ndarray) -> PassValues:
        """Every layer's ``z`` and ``a`` on a batch, in arrays of their own; neurons and last pass stay."""

    def publish(self) -> None:
        """Write the last pass's values into the ``Neuron`` objects, as the object engine leaves them."""

    def deferring(self) -> AbstractContextManager[None]:
        """A block in which ``train_batch`` may leave the neurons' values until it ends (or ``publish``).

        Within it, nothing reads the ``Neuron`` objects but through the
        engine (``last_pass``), so an engine that writes every pass into
        them may write only the last one, when the block ends.
        """
