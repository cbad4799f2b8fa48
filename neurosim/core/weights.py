"""Weight blocks: the storage behind every synapse between two layers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from neurosim.core.layer import Layer


class WeightBlock:
    """The weights from ``source`` layer to ``target`` layer, as matrices.

    ``weight[i, j]`` is the weight from ``source[j]`` to ``target[i]`` (rows are
    targets, like ``torch.nn.Linear.weight``). ``mask[i, j]`` says whether that
    synapse exists; where it does not, ``weight`` and ``grad`` stay exactly 0.
    Synapse objects read and write these arrays, so they are the one copy of
    every weight.
    """

    __slots__ = ("grad", "mask", "source", "target", "weight")

    def __init__(self, source: Layer, target: Layer) -> None:
        self.source = source
        self.target = target
        shape = (target.size, source.size)
        dtype = target.network.dtype
        self.weight = np.zeros(shape, dtype)
        self.grad = np.zeros(shape, dtype)
        self.mask = np.zeros(shape, dtype=bool)

    @property
    def n_synapses(self) -> int:
        """How many synapses exist in this block."""
        return int(self.mask.sum())

    def __repr__(self) -> str:
        return f"WeightBlock({self.source.name!r} -> {self.target.name!r}, synapses={self.n_synapses})"
