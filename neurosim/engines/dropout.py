"""Dropout masks: which neurons a training pass drops, drawn once for every engine.

A layer with ``dropout = p`` (see ``Layer.dropout``) drops each of its
neurons from each sample of a training batch with probability ``p``.
``DropoutMasks`` draws, for a batch of ``n`` samples, one ``(n, size)``
mask per such layer: 0 where the neuron is dropped, ``1 / (1 - p)`` where it
is kept (inverted dropout: the kept outputs are scaled up so that each
neuron's expected output is its output without dropout). Both engines take
the masks as they are (``engine.train_batch(X, T, loss, dropout=masks)``),
so that they drop the same neurons and compute the same numbers::

    a_kept = activation(z) * mask                    what the next layers receive
    delta  = activation'(z) * mask * (sum of weight * delta downstream)

The derivative is that of the activation itself, at ``z``: dropping
scales what a neuron passes on, not how it computes.

Examples
--------
>>> import numpy as np
>>> import neurosim as ns
>>> net = ns.Network.from_shape([2, 4, 1], activation="relu", seed=0)
>>> net["hidden1"].dropout = 0.5
>>> masks = DropoutMasks(net, np.random.default_rng(0)).draw(3)
>>> masks[net["hidden1"]]
array([[2., 0., 0., 0.],
       [2., 2., 2., 2.],
       [2., 2., 2., 0.]])
>>> net["hidden1"].dropout = 0.0
>>> print(DropoutMasks(net, np.random.default_rng(0)).draw(3))    # no layer drops: nothing drawn
None
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from neurosim.core import Network
from neurosim.core.layer import output_dropout_message
from neurosim.errors import ParameterError, StructureError
from neurosim.validation import checked_seed

if TYPE_CHECKING:
    from collections.abc import Callable

    from neurosim.core import Layer


def dropout_generator(seed: int | None) -> np.random.Generator:
    """The generator of ``fit``'s dropout masks for ``seed``: a stream of its own, apart from the shuffling.

    It is seeded with the first child of ``np.random.SeedSequence(seed)``,
    so that the same ``seed`` drops the same neurons, and the shuffling,
    seeded with ``seed`` itself, draws the same orders as without dropout.

    Examples
    --------
    >>> a, b = dropout_generator(3), dropout_generator(3)
    >>> shuffling = np.random.default_rng(3)
    >>> bool(a.random() == b.random()), bool(dropout_generator(3).random() == shuffling.random())
    (True, False)
    """
    seed = checked_seed(seed)  # as the shuffling checks it
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])


class DropoutMasks:
    """Draws the dropout masks of ``network``'s training batches from ``rng``.

    ``draw(n)`` reads every layer's ``dropout`` at each call (a callback may
    change it between batches) and returns ``{layer: mask}`` for the layers
    that drop, each mask of shape ``(n, layer size)`` in float64, or
    ``None`` when no layer drops, without drawing any random number: a
    network without dropout trains exactly as if there were no masks.

    Masks are drawn layer by layer in the order the layers were added, each
    as ``rng.random((n, size)) < dropout`` for the dropped neurons. ``rng``
    may also be a function that makes the generator: it is called at the
    first draw that drops (most runs drop nothing, and need none).

    Raises
    ------
    StructureError
        When made, and at each draw that drops, if the output layer has a dropout rate.
    ParameterError
        If ``network`` is not a ``Network``, or ``rng`` not a numpy ``Generator``.
    """

    def __init__(
        self, network: Network, rng: np.random.Generator | Callable[[], np.random.Generator]
    ) -> None:
        if not isinstance(network, Network):
            raise ParameterError(f"network must be a neurosim Network; got {type(network).__name__}")
        if not isinstance(rng, np.random.Generator) and not callable(rng):
            raise ParameterError(
                f"rng must be a numpy random Generator or a function that makes one; got {rng!r}"
            )
        self.network = network
        self.rng = rng
        self._check_output(network.output_layer)
        self._layers: tuple[Layer, ...] = ()
        self._structure = -1

    def drops(self) -> bool:
        """Whether any layer drops neurons now (has a ``dropout`` rate above 0)."""
        return any(layer.dropout for layer in self.network.layers)

    def draw(self, n_samples: int) -> dict[Layer, np.ndarray] | None:
        """One mask per layer that drops, for a batch of ``n_samples``; ``None`` if no layer drops."""
        if self._structure != self.network.structure_version:
            self._layers, self._structure = tuple(self.network.layers), self.network.structure_version
        masks = None
        for layer in self._layers:
            rate = layer.dropout
            if not rate:
                continue
            if masks is None:
                self._check_output(self.network.output_layer)
                masks = {}
                if not isinstance(self.rng, np.random.Generator):
                    self.rng = self.rng()
            dropped = self.rng.random((n_samples, layer.size)) < rate
            masks[layer] = np.where(dropped, 0.0, 1.0 / (1.0 - rate))
        return masks

    @staticmethod
    def _check_output(output: Layer) -> None:
        if output.dropout > 0:
            raise StructureError(
                f"{output_dropout_message(output)}; add the layers that come after it, or set "
                f"net[{output.name!r}].dropout = 0"
            )

    def __repr__(self) -> str:
        rates = ", ".join(f"{layer.name}={layer.dropout:g}" for layer in self.network.layers if layer.dropout)
        return f"DropoutMasks({rates or 'no layer drops'})"
