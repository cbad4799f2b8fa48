"""The ``Synapse``: one weighted edge of the network graph."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from neurosim._text import Text, html_or_plain, html_pre
from neurosim.errors import StructureError
from neurosim.validation import check_in_range, finite_number

if TYPE_CHECKING:
    from neurosim.core.neuron import Neuron
    from neurosim.core.parameters import WeightBlock


class Synapse:
    """A connection from ``source`` to ``target`` with a ``weight`` and its ``grad``.

    The weight lives in the weight block between the two layers (row: target
    neuron, column: source neuron); ``synapse.weight`` reads and sets that
    entry, so there is only ever one copy of it.

    Examples
    --------
    >>> import math
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([2, 1], init="constant", seed=0)
    >>> s = net.synapse("input[1]", "output[0]")
    >>> s.weight = -0.5
    >>> s
    Synapse('input[1]' -> 'output[0]', weight=-0.5, grad=0)
    >>> float(net.forward([0.0, 2.0])[0]) - 1 / (1 + math.exp(1.0)) < 1e-15   # sigmoid(-0.5 * 2.0)
    True
    """

    __slots__ = ("block", "position", "source", "target")

    def __init__(self, source: Neuron, target: Neuron, block: WeightBlock) -> None:
        self.source = source
        self.target = target
        #: the weight block that stores this synapse's weight and gradient
        self.block = block
        #: ``(row, column)`` of this synapse in its block: (target's index, source's index)
        self.position = (target.index, source.index)

    @property
    def name(self) -> str:
        """``"source -> target"``, the name gradient reports use."""
        return f"{self.source.name} -> {self.target.name}"

    @property
    def weight(self) -> float:
        """The weight (settable)."""
        return float(self.block.weight[self.position])

    @weight.setter
    def weight(self, value: float) -> None:
        value = finite_number(value, f"weight of synapse {self.name!r}")
        check_in_range(np.asarray(value), f"weight of synapse {self.name!r}", self.block.weight.dtype)
        if not self.connected:
            raise StructureError(f"synapse {self.name!r} was disconnected; its weight can no longer be set")
        self.block.weight[self.position] = value

    @property
    def connected(self) -> bool:
        """Whether this synapse is still in its network (not disconnected)."""
        return self.source.layer.network.graph.succ[self.source].get(self.target, {}).get("synapse") is self

    @property
    def grad(self) -> float:
        """``d(mean loss)/d(weight)`` from the last backward pass."""
        return float(self.block.grad[self.position])

    @property
    def optimizer_state(self) -> dict[str, float] | None:
        """What the optimizer that last trained the network keeps for this weight, by name.

        Adam's moments ``{"m": ..., "v": ...}``, SGD's ``{"velocity": ...}``
        with momentum (``{}`` without), and so on: see each optimizer's
        ``state_names``. The network remembers the optimizer that last
        trained it (``fit``, or ``Optimizer.bind``); this is that
        optimizer's ``state_of(synapse)``. ``None`` when no optimizer has
        trained the network, or the synapse was disconnected.

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([1, 1], activation="identity", init="constant", seed=0)
        >>> s = net.synapse("input[0]", "output[0]")
        >>> s.optimizer_state is None
        True
        >>> _ = net.fit([[1.0]], [[1.0]], epochs=1, optimizer=ns.optim.Adam(lr=0.1), verbose=0)
        >>> {name: round(value, 6) for name, value in s.optimizer_state.items()}   # grad -2
        {'m': -0.2, 'v': 0.004}
        """
        optimizer = self.target.layer.network.optimizer
        if optimizer is None or not self.connected:
            return None
        return optimizer.state_of(self)

    def explain(self) -> Text:
        """How the last backward pass computed ``grad``, sample by sample, as arithmetic.

        See ``neurosim.diagnostics.explain.explain_synapse``.
        """
        from neurosim.diagnostics.explain import explain_synapse

        return explain_synapse(self)

    def _repr_html_(self) -> str:
        """A notebook shows a synapse as its ``repr`` and its ``explain()``: its gradient as arithmetic."""
        return html_or_plain(lambda: html_pre(f"{self!r}\n\n{self.explain()}"), self)

    def __repr__(self) -> str:
        return (
            f"Synapse({self.source.name!r} -> {self.target.name!r}, "
            f"weight={self.weight:.4g}, grad={self.grad:.4g})"
        )
