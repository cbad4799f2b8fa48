"""The ``Layer``: a named, ordered group of neurons sharing an activation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from neurosim.core.neuron import Neuron
from neurosim.core.parameters import assign_in_place
from neurosim.errors import StructureError, UnknownNameError

if TYPE_CHECKING:
    from neurosim.activations import Activation
    from neurosim.core.network import Network


class Layer:
    """A group of neurons: ``layer[i]`` is its ``i``-th ``Neuron``.

    The layer owns its neurons' biases as one vector, ``layer.bias`` (``None``
    for the input layer, which has no bias and no activation), and their
    gradients as ``layer.bias_grad``. Assigning ``layer.bias = values``
    copies the values into that vector (after checking them), so the engines
    keep computing with the same array. A layer added with ``bias=False``
    has none either: ``has_bias`` is ``False``, its neurons compute
    ``z = sum(w * a)`` (``layer.bias`` stays zeros, which no training
    changes), and it has no ``"L.bias"`` parameter.

    Examples
    --------
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([2, 3, 1], activation="tanh", seed=0)
    >>> hidden = net["hidden1"]
    >>> hidden, len(hidden), hidden.activation.name, hidden[-1].name
    (Layer('hidden1', 3), 3, 'tanh', 'hidden1[2]')
    """

    def __init__(
        self, network: Network, name: str, size: int, activation: Activation | None, *, bias: bool = True
    ) -> None:
        self.network = network
        self.name = name
        self.size = size
        self.activation = activation
        self.neurons = [Neuron(self, i) for i in range(size)]
        is_input = activation is None
        #: whether the neurons have biases that training learns (``False`` for the input layer)
        self.has_bias = bias and not is_input
        self.bias: np.ndarray | None = None if is_input else np.zeros(size, network.dtype)
        self.bias_grad: np.ndarray | None = None if is_input else np.zeros(size, network.dtype)

    def __setattr__(self, name: str, value: object) -> None:
        # assigning biases or their gradients copies into the arrays the engines and neurons hold
        if name in ("bias", "bias_grad") and name in self.__dict__:
            current = self.__dict__[name]
            if current is None:
                raise StructureError(f"layer {self.name!r} is the input layer, which has no biases")
            if name == "bias" and not self.has_bias:
                raise StructureError(f"layer {self.name!r} has no biases: it was added with bias=False")
            what = "bias" if name == "bias" else "bias gradients"
            assign_in_place(current, value, f"{what} of layer {self.name!r}")
            return
        object.__setattr__(self, name, value)

    def replace_arrays(self, bias: np.ndarray, bias_grad: np.ndarray) -> None:
        """Hold the biases and their gradients in other arrays (the parameter store packs them this way).

        The network's parameter ``version`` changes, so that engines and
        optimizers look the arrays up again.
        """
        self.__dict__["bias"], self.__dict__["bias_grad"] = bias, bias_grad
        self.network.parameter_store.changed()

    @property
    def is_input(self) -> bool:
        """Whether this is the input layer."""
        return self.activation is None

    def __getitem__(self, index: int) -> Neuron:
        if not isinstance(index, int) or not -self.size <= index < self.size:
            raise UnknownNameError(
                f"layer {self.name!r} has {self.size} neurons (indices 0..{self.size - 1}); "
                f"got index {index!r}"
            )
        return self.neurons[index]

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[Neuron]:
        return iter(self.neurons)

    def __repr__(self) -> str:
        no_bias = "" if self.has_bias or self.is_input else ", bias=False"
        return f"Layer({self.name!r}, {self.size}{no_bias})"
