"""The ``Layer``: a named, ordered group of neurons sharing an activation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from neurosim._text import html_or_plain, html_table, plain
from neurosim.core.neuron import Neuron
from neurosim.core.parameters import assign_in_place
from neurosim.errors import ParameterError, StructureError, UnknownNameError
from neurosim.validation import non_negative_number

if TYPE_CHECKING:
    from neurosim.activations import Activation
    from neurosim.core.network import Network


#: the most neurons a notebook's table of a layer shows
ROWS_SHOWN = 64


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

    ``layer.dropout`` is the fraction of the layer's neurons that training
    drops from each sample (0, the default, drops none). Inverted dropout:
    in each training pass (``fit``, or an engine's ``train_batch`` given
    masks, see ``neurosim.engines.dropout``), every neuron of the layer is
    dropped from each sample with probability ``dropout``: its output is 0
    for that sample, and no gradient flows back through it. The neurons
    kept pass on ``a / (1 - dropout)``, so that each neuron's expected
    output is its output without dropout. Nothing is dropped outside
    training: ``forward``, ``predict`` and ``backward`` use every neuron.
    Set it with ``add_layer(..., dropout=0.2)`` or ``layer.dropout = 0.2``:
    a number in [0, 1), on a layer other than the input and the output
    layer (a layer added with ``dropout`` is the output layer until another
    is added after it; training refuses dropout on the output layer).
    ``layer.dropped`` shows which neurons the pass the neurons hold dropped.

    Examples
    --------
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([2, 3, 1], activation="tanh", seed=0)
    >>> hidden = net["hidden1"]
    >>> hidden, len(hidden), hidden.activation.name, hidden[-1].name
    (Layer('hidden1', 3), 3, 'tanh', 'hidden1[2]')
    >>> hidden.dropout = 0.5
    >>> hidden
    Layer('hidden1', 3, dropout=0.5)
    >>> net["output"].dropout = 0.5
    Traceback (most recent call last):
    ...
    neurosim.errors.StructureError: layer 'output' is the output layer: dropping its neurons would drop \
predictions; dropout is for hidden layers
    """

    def __init__(
        self,
        network: Network,
        name: str,
        size: int,
        activation: Activation | None,
        *,
        bias: bool = True,
        dropout: float = 0.0,
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
        #: the fraction of the neurons dropped from each sample in training (see the class's documentation)
        self.dropout = dropout  # checked by __setattr__

    def __setattr__(self, name: str, value: object) -> None:
        if name == "dropout":
            value = self._checked_dropout(value)
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

    def _checked_dropout(self, value: object) -> float:
        """``value`` as this layer's dropout rate, or an error naming the layer (``__setattr__`` calls it)."""
        rate = dropout_rate(value, f"dropout of layer {self.name!r}")
        if rate > 0 and self.is_input:
            raise StructureError(input_dropout_message(self.name, value))
        if rate > 0 and "dropout" in self.__dict__ and self is self.network.output_layer:
            raise StructureError(output_dropout_message(self))
        return rate

    def replace_arrays(self, bias: np.ndarray, bias_grad: np.ndarray) -> None:
        """Hold the biases and their gradients in other arrays (the parameter store packs them this way).

        The network's parameter ``version`` changes, so that engines and
        optimizers look the arrays up again.
        """
        self.__dict__["bias"], self.__dict__["bias_grad"] = bias, bias_grad
        self.network.parameter_store.changed()

    @property
    def dropped(self) -> np.ndarray | None:
        """Which neurons the pass the neurons hold dropped: ``(n_samples, size)`` booleans, or ``None``.

        ``None`` when that pass dropped nothing in this layer: a pass that
        is not training (``forward``, ``backward``, the validation data of
        ``fit``), or a layer with ``dropout`` 0. After ``fit`` the neurons
        hold its last batch (or its validation data, when it has some); during
        training a callback sees every batch's with ``batch.dropped(layer)``.
        """
        masks = [neuron.mask_samples for neuron in self.neurons]
        if any(mask is None for mask in masks):
            return None
        return np.array(masks).T == 0

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
        dropout = f", dropout={self.dropout:g}" if self.dropout else ""
        return f"Layer({self.name!r}, {self.size}{no_bias}{dropout})"

    def _repr_html_(self) -> str:
        """A notebook shows a layer as a table of its neurons: bias, activation, the last pass's z and a."""
        return html_or_plain(self._html_table, self)

    def _html_table(self) -> str:
        shown = self.neurons[:ROWS_SHOWN]
        samples = {len(values) for n in shown if (values := n.z_samples) is not None}
        n_samples = samples.pop() if len(samples) == 1 else None
        has_delta = n_samples is not None and all(n.delta_samples is not None for n in shown)
        suffix = "" if n_samples in (None, 1) else f" (mean of {n_samples} samples)"
        names = ["z", "a", "delta"] if has_delta else ["z", "a"]
        header = ["neuron", "activation", "bias", *(f"{name}{suffix}" for name in names)]
        rows = []
        for neuron in shown:
            arrays = [neuron.z_samples, neuron.a_samples, neuron.delta_samples][: len(names)]
            values = ["-" if n_samples is None else plain(float(np.mean(array))) for array in arrays]
            rows.append([neuron.name, self._activation_name(), self._bias_text(neuron), *values])
        return html_table(header, rows, caption=self._caption(n_samples))

    def _activation_name(self) -> str:
        return "input" if self.activation is None else self.activation.name

    def _bias_text(self, neuron: Neuron) -> str:
        if self.is_input:
            return "-"
        return plain(neuron.bias) if self.has_bias else "none"

    def _caption(self, n_samples: int | None) -> str:
        what = f"layer {self.name!r}: {self.size} neuron{'s' if self.size != 1 else ''}"
        if self.dropout:
            what += f", dropout {self.dropout:g}"
        if n_samples is None:
            what += "; no pass yet (net.forward(x) fills in z and a)"
        else:
            what += f"; last pass: {n_samples} sample{'s' if n_samples != 1 else ''}"
        if self.size > ROWS_SHOWN:
            what += f"; the first {ROWS_SHOWN} neurons shown"
        return what


def dropout_rate(value: object, name: str) -> float:
    """``value`` as a dropout rate: a number in [0, 1), or a ``ParameterError`` naming ``name``.

    Examples
    --------
    >>> dropout_rate(0.25, "dropout")
    0.25
    >>> dropout_rate(1, "dropout")
    Traceback (most recent call last):
    ...
    neurosim.errors.ParameterError: dropout must be a number in [0, 1) (the fraction of the layer's neurons \
dropped from each sample in training); got 1
    """
    try:
        rate = non_negative_number(value, name)
    except ParameterError:
        rate = None
    if rate is None or rate >= 1.0:
        raise ParameterError(
            f"{name} must be a number in [0, 1) (the fraction of the layer's neurons dropped from each "
            f"sample in training); got {value!r}"
        )
    return rate


def input_dropout_message(name: str, value: object) -> str:
    """Why dropout on the input layer ``name`` is refused."""
    return (
        f"layer {name!r} is the input layer: its values are the data, which dropout does not drop; "
        f"give dropout to a hidden layer; got dropout={value!r}"
    )


def output_dropout_message(layer: Layer) -> str:
    """Why dropout on ``layer``, the output layer, is refused."""
    return (
        f"layer {layer.name!r} is the output layer: dropping its neurons would drop predictions; "
        "dropout is for hidden layers"
    )
