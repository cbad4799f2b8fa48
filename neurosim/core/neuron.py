"""The ``Neuron``: one node of the network graph."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from neurosim._text import Text, html_or_plain, html_pre
from neurosim.errors import StructureError
from neurosim.validation import check_in_range, finite_number

if TYPE_CHECKING:
    from neurosim.activations import Activation
    from neurosim.core.layer import Layer
    from neurosim.core.synapse import Synapse

Value = float | np.ndarray | None
Raw = float | Sequence[float] | np.ndarray | None


class Neuron:
    """A neuron: a bias, a weighted sum ``z``, an activation ``a`` and a ``delta``.

    After a forward pass ``z`` and ``a`` hold what the neuron computed: a float
    when the pass had one sample, an array with one value per sample otherwise.
    After a backward pass ``delta`` holds ``d loss_k / d z`` for each sample
    ``k``, and ``bias_grad`` holds the gradient of the mean loss.

    The bias lives in the layer's bias vector; reading or setting
    ``neuron.bias`` reads or sets that entry.

    ``z_samples``, ``a_samples`` and ``delta_samples`` are the arrays behind
    ``z``, ``a`` and ``delta``: one entry per sample of the last pass, even
    for one sample (``None`` before any pass, and ``delta_samples`` after a
    forward pass). Read them where an array is handier than a float, and do
    not change them. The engines leave each value in ``z_raw``, ``a_raw``,
    ``delta_raw`` and ``mask_raw`` as they computed it (a float for a pass
    of one sample, a sequence of floats, one per sample, or an array), and
    it becomes an array when first read through ``z_samples`` and the others.

    ``incoming`` and ``outgoing`` are looked up in the network's graph once
    and kept until the graph changes (``connect``, ``disconnect``,
    ``add_layer``, or a change made to ``net.graph`` directly).

    A training pass through a layer with ``dropout`` (see
    ``Layer.dropout``) drops the neuron from some samples: ``dropped`` says
    which, ``a`` is 0 for those and ``activation(z) / (1 - dropout)`` for
    the others, and ``mask_samples`` holds the factor (0 or
    ``1 / (1 - dropout)``) of each sample; ``None`` for a pass that dropped
    nothing in the layer.

    Examples
    --------
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([2, 3, 1], init="constant", seed=0)
    >>> n = net["hidden1"][2]
    >>> n.name, n.layer.name, n.index, len(n.incoming), len(n.outgoing)
    ('hidden1[2]', 'hidden1', 2, 2, 1)
    >>> _ = net.forward([1.0, 2.0])
    >>> n
    Neuron('hidden1[2]', sigmoid, bias=0, z=0, a=0.5, in=2, out=1)
    """

    __slots__ = (
        "__weakref__",
        "_incoming",
        "_outgoing",
        "_wiring",
        "a_raw",
        "delta_raw",
        "index",
        "layer",
        "mask_raw",
        "z_raw",
    )

    def __init__(self, layer: Layer, index: int) -> None:
        self.layer = layer
        self.index = index
        #: what the last pass left: ``None``, a float (one sample), floats (one per sample) or an array
        self.z_raw: Raw = None
        self.a_raw: Raw = None
        self.delta_raw: Raw = None
        self.mask_raw: Raw = None
        self._forget_wiring()

    def _forget_wiring(self) -> None:
        self._incoming: tuple[Synapse, ...] = ()
        self._outgoing: tuple[Synapse, ...] = ()
        self._wiring: object = None  # the graph's wiring token when they were looked up

    def __getstate__(self) -> tuple[None, dict[str, object]]:
        """A copy (``copy.deepcopy``, ``pickle``) keeps the values, and looks its synapses up again."""
        kept = ("a_raw", "delta_raw", "index", "layer", "mask_raw", "z_raw")
        return None, {name: getattr(self, name) for name in kept}

    def __setstate__(self, state: tuple[None, dict[str, object]]) -> None:
        for name, value in state[1].items():
            setattr(self, name, value)
        self._forget_wiring()

    @property
    def z_samples(self) -> np.ndarray | None:
        """The weighted inputs of the last pass, one per sample (``None`` before any pass)."""
        raw = self.z_raw
        if raw is None or type(raw) is np.ndarray:
            return raw
        self.z_raw = values = as_samples(raw)
        return values

    @z_samples.setter
    def z_samples(self, values: Raw) -> None:
        self.z_raw = values

    @property
    def a_samples(self) -> np.ndarray | None:
        """The activations of the last pass, one per sample (``None`` before any pass)."""
        raw = self.a_raw
        if raw is None or type(raw) is np.ndarray:
            return raw
        self.a_raw = values = as_samples(raw)
        return values

    @a_samples.setter
    def a_samples(self, values: Raw) -> None:
        self.a_raw = values

    @property
    def delta_samples(self) -> np.ndarray | None:
        """``d loss_k / d z`` of the last backward pass, one per sample (``None`` after a forward pass)."""
        raw = self.delta_raw
        if raw is None or type(raw) is np.ndarray:
            return raw
        self.delta_raw = values = as_samples(raw)
        return values

    @delta_samples.setter
    def delta_samples(self, values: Raw) -> None:
        self.delta_raw = values

    @property
    def mask_samples(self) -> np.ndarray | None:
        """The dropout factor of each sample in the last pass (``None`` when it dropped nothing here)."""
        raw = self.mask_raw
        if raw is None or type(raw) is np.ndarray:
            return raw
        self.mask_raw = values = as_samples(raw)
        return values

    @mask_samples.setter
    def mask_samples(self, values: Raw) -> None:
        self.mask_raw = values

    @property
    def name(self) -> str:
        """The neuron's name, ``"layer[index]"``."""
        return f"{self.layer.name}[{self.index}]"

    @property
    def activation(self) -> Activation | None:
        """The layer's activation (``None`` for input neurons)."""
        return self.layer.activation

    @property
    def bias(self) -> float | None:
        """The bias (``None`` for input neurons, which have none)."""
        if self.layer.bias is None:
            return None
        return float(self.layer.bias[self.index])

    @bias.setter
    def bias(self, value: float) -> None:
        if self.layer.bias is None:
            raise StructureError(f"neuron {self.name!r} is in the input layer, which has no bias")
        if not self.layer.has_bias:
            raise StructureError(
                f"neuron {self.name!r} has no bias: layer {self.layer.name!r} was added with bias=False"
            )
        value = finite_number(value, f"bias of neuron {self.name!r}")
        check_in_range(np.asarray(value), f"bias of neuron {self.name!r}", self.layer.bias.dtype)
        self.layer.bias[self.index] = value

    @property
    def bias_grad(self) -> float | None:
        """``d(mean loss)/d(bias)`` of the last backward pass (``None`` for inputs and bias=False)."""
        if self.layer.bias_grad is None or not self.layer.has_bias:
            return None
        return float(self.layer.bias_grad[self.index])

    @property
    def bias_optimizer_state(self) -> dict[str, float] | None:
        """What the optimizer that last trained the network keeps for this bias, by name.

        As ``Synapse.optimizer_state``, for the bias: Adam's ``{"m": ..., "v": ...}``,
        and so on. ``None`` for inputs, a layer without biases, or when no
        optimizer has trained the network.

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([1, 1], activation="identity", init="constant", seed=0)
        >>> _ = net.fit([[1.0]], [[1.0]], epochs=1, optimizer=ns.optim.Adam(lr=0.1), verbose=0)
        >>> {name: round(value, 6) for name, value in net["output[0]"].bias_optimizer_state.items()}
        {'m': -0.2, 'v': 0.004}
        """
        optimizer = self.layer.network.optimizer
        if optimizer is None or self.layer.bias is None or not self.layer.has_bias:
            return None
        return optimizer.state_of(self)

    @property
    def z(self) -> Value:
        """Weighted input ``bias + sum(w * a_source)`` of the last forward pass."""
        raw = self.z_raw
        return raw if type(raw) is float else _public(self.z_samples)

    @property
    def a(self) -> Value:
        """Output ``activation(z)`` of the last forward pass."""
        raw = self.a_raw
        return raw if type(raw) is float else _public(self.a_samples)

    @property
    def dropped(self) -> bool | np.ndarray | None:
        """Whether the last pass dropped this neuron: per sample, or ``None`` if that pass dropped nothing.

        A bool for a pass of one sample, an array of bools otherwise. Only
        training passes through a layer with ``dropout`` drop neurons (see
        ``Layer.dropout``).

        Examples
        --------
        >>> import neurosim as ns
        >>> net = ns.Network.from_shape([2, 4, 1], activation="tanh", dropout=0.5, seed=0)
        >>> X, y = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [1, 0, 1]
        >>> _ = net.fit(X, y, epochs=1, lr=0.1, seed=0, verbose=0, diagnose=False)
        >>> neuron = net["hidden1[0]"]           # it holds the last batch: all 3 samples
        >>> neuron.dropped.tolist(), neuron.a.round(4).tolist()
        ([False, True, True], [-1.1392, -0.0, -0.0])
        >>> _ = net.forward(X)                   # not training: nothing dropped
        >>> print(neuron.dropped)
        None
        """
        if self.mask_samples is None:
            return None
        dropped = self.mask_samples == 0
        return bool(dropped[0]) if len(dropped) == 1 else dropped

    @property
    def delta(self) -> Value:
        """``d loss_k / d z`` of the last backward pass, per sample ``k``."""
        raw = self.delta_raw
        return raw if type(raw) is float else _public(self.delta_samples)

    @property
    def incoming(self) -> tuple[Synapse, ...]:
        """Synapses that end at this neuron, in the order they were connected."""
        wiring = getattr(self.layer.network.graph, "wiring", None)
        if wiring is None or self._wiring is not wiring:
            self._look_up_synapses(wiring)
        return self._incoming

    @property
    def outgoing(self) -> tuple[Synapse, ...]:
        """Synapses that start at this neuron, in the order they were connected."""
        wiring = getattr(self.layer.network.graph, "wiring", None)
        if wiring is None or self._wiring is not wiring:
            self._look_up_synapses(wiring)
        return self._outgoing

    def _look_up_synapses(self, wiring: object) -> None:
        """Read the synapses from the graph, and keep them while its ``wiring`` token stays ``wiring``.

        A graph without one (a plain ``networkx.DiGraph`` assigned to
        ``net.graph``) gives ``None``, and is read every time.
        """
        graph = self.layer.network.graph
        self._incoming = tuple(data["synapse"] for data in graph.pred[self].values())
        self._outgoing = tuple(data["synapse"] for data in graph.succ[self].values())
        self._wiring = wiring

    def explain(self, sample: int | None = None) -> Text:
        """The last forward and backward pass of this neuron, as arithmetic.

        ``sample`` picks one sample of a batch (default: the first).
        See ``neurosim.diagnostics.explain.explain_neuron``.
        """
        from neurosim.diagnostics.explain import explain_neuron

        return explain_neuron(self, sample)

    def _repr_html_(self) -> str:
        """A notebook shows a neuron as its ``repr`` and its ``explain()``: the last pass as arithmetic."""
        return html_or_plain(lambda: html_pre(f"{self!r}\n\n{self.explain()}"), self)

    def __repr__(self) -> str:
        parts = [repr(self.name)]
        if self.activation is not None:
            parts.append(self.activation.name)
            parts.append(f"bias={self.bias:.4g}" if self.layer.has_bias else "no bias")
        for label, value in (("z", self.z_samples), ("a", self.a_samples), ("delta", self.delta_samples)):
            if value is not None and len(value) == 1:
                parts.append(f"{label}={float(value[0]):.4g}")
        graph = self.layer.network.graph
        parts.append(f"in={graph.in_degree(self)}, out={graph.out_degree(self)}")
        return f"Neuron({', '.join(parts)})"


def _public(values: np.ndarray | None) -> Value:
    if values is None:
        return None
    if len(values) == 1:
        return float(values[0])
    return values.copy()


def as_samples(raw: float | Sequence[float] | np.ndarray) -> np.ndarray:
    """A pass's value as an array of one entry per sample (a float is one sample).

    Examples
    --------
    >>> as_samples(0.5), as_samples((1.0, 2.0))
    (array([0.5]), array([1., 2.]))
    """
    if isinstance(raw, float):
        return np.array([raw])
    return np.array(raw, dtype=float)
