"""Reading a PyTorch module's computation as neurosim layers, through ``torch.fx``.

``from_torch`` calls ``read_module`` for any module that ``to_torch`` did
not make. ``torch.fx`` traces the module's ``forward`` into a graph of
operations, and each operation is read as neurosim would compute it:

- ``nn.Linear`` applied to a layer's outputs is one block of synapses from
  that layer; Linear outputs added together (``a + b``, ``torch.add``) are
  the weighted sums of one layer with several incoming blocks, which is how
  skip connections come in;
- an activation (a module such as ``nn.Tanh``, a function such as
  ``torch.relu`` or ``F.softmax(x, dim=1)``, or a method such as
  ``x.sigmoid()``) applied to such a sum makes it a layer of neurons;
- ``nn.Dropout`` or ``F.dropout`` after a layer is that layer's
  ``dropout``, and ``nn.Identity`` changes nothing;
- a sum that is used without an activation (fed to another Linear, or
  returned) is a layer with the identity activation.

Anything else (a convolution, a recurrent layer, a normalisation, an
activation neurosim does not have, arithmetic other than adding Linear
outputs) is refused with a ``ParameterError`` naming the module or
operation. The layers are named ``input``, ``hidden1``, ``hidden2``, ...,
``output`` in computing order.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import fx, nn
from torch.nn import functional

from neurosim.activations import LEAKY_SLOPE
from neurosim.core import Network
from neurosim.errors import ParameterError

__all__ = ["read_module"]


@dataclass
class _Sum:
    """A weighted sum not yet made into a layer: ``(source layer index, Linear, its name)`` terms."""

    terms: list[tuple[int, nn.Linear, str]]
    #: the identity layer made of this sum where it is used without an activation
    layer: int | None = None


@dataclass
class _LayerPlan:
    """One layer to build: its size, activation, incoming terms and dropout.

    ``origin`` names the operation whose outputs the layer's neurons are, for errors.
    """

    size: int
    activation: str | None
    origin: str
    terms: list[tuple[int, nn.Linear, str]] = field(default_factory=list)
    dropout: float = 0.0


#: the torch activation modules neurosim has, by neurosim's name (LeakyReLU, Softmax and Softplus
#: are checked for their settings in ``_module_activation``)
MODULE_ACTIVATIONS = {nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.ReLU: "relu"}
#: the torch functions computing an activation neurosim has
FUNCTION_ACTIVATIONS = {
    torch.sigmoid: "sigmoid",
    functional.sigmoid: "sigmoid",
    torch.tanh: "tanh",
    functional.tanh: "tanh",
    torch.relu: "relu",
    functional.relu: "relu",
    functional.leaky_relu: "leaky_relu",
    functional.softplus: "softplus",
    torch.softmax: "softmax",
    functional.softmax: "softmax",
}
#: the tensor methods computing an activation neurosim has
METHOD_ACTIVATIONS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu", "softmax": "softmax"}
#: what to call the torch layers people most often try to bring in
KINDS = {
    (
        nn.Conv1d,
        nn.Conv2d,
        nn.Conv3d,
        nn.ConvTranspose1d,
        nn.ConvTranspose2d,
        nn.ConvTranspose3d,
    ): "a convolution",
    (nn.RNNBase, nn.RNNCellBase): "a recurrent layer",
    (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.LayerNorm, nn.GroupNorm): "a normalisation",
    (nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d, nn.AvgPool2d, nn.AdaptiveAvgPool2d): "a pooling layer",
    (nn.Embedding,): "an embedding",
    (nn.MultiheadAttention, nn.TransformerEncoderLayer): "an attention layer",
}
ADDING = (operator.add, torch.add)


def read_module(module: nn.Module) -> tuple[Network, str]:
    """``module``'s computation as a neurosim network, and the name of the module that takes its input.

    Raises
    ------
    ParameterError
        Naming the module or operation that neurosim's layers cannot compute.
    """
    if isinstance(module, nn.Linear):
        module = nn.Sequential(module)  # one Linear is a network without hidden layers
    if _is_leaf(module):
        raise ParameterError(
            f"from_torch takes a module made by to_torch, an nn.Sequential, or a module of your own "
            f"made of Linear layers and activations; got {_describe(module)}"
        )
    try:
        traced = fx.symbolic_trace(module)
    except Exception as error:  # tracing runs the user's forward, which may raise anything
        raise ParameterError(
            f"from_torch could not trace {type(module).__name__}'s forward with torch.fx ({error}); "
            "torch.fx traces a forward that does not branch on its input's values"
        ) from None
    traced.graph.eliminate_dead_code()
    reader = _GraphReader(traced)
    for node in traced.graph.nodes:
        reader.read(node)
    return reader.network(), reader.first_module


def _is_leaf(module: nn.Module) -> bool:
    """Whether ``module`` is one of torch's own layers, which fx would not trace into."""
    return fx.Tracer().is_leaf_module(module, "") and not isinstance(module, nn.Sequential)


def _describe(module: nn.Module, name: str | None = None) -> str:
    """``module`` as an error names it: its name, what it is, and what kind of layer that is."""
    kind = next((words for base, words in KINDS.items() if isinstance(module, base)), None)
    what = f"{type(module).__name__}" + (f", {kind}" if kind else "")
    return what if name is None else f"module {name!r} ({what})"


class _GraphReader:
    """Reads an fx graph node by node into ``_LayerPlan``s; ``network()`` builds them."""

    def __init__(self, traced: fx.GraphModule) -> None:
        self.traced = traced
        self.plans: list[_LayerPlan] = [_LayerPlan(size=0, activation=None, origin="the network's input")]
        #: what each node computes: a layer (its index in ``plans``) or a ``_Sum``
        self.values: dict[fx.Node, int | _Sum] = {}
        self.first_module = ""
        self.output: int | None = None

    def read(self, node: fx.Node) -> None:
        """Read one node of the graph, in the graph's order."""
        if node.op == "placeholder":
            if self.values:
                raise ParameterError(f"from_torch: forward takes more than one input ({node.name!r})")
            self.values[node] = 0
        elif node.op == "call_module":
            self.values[node] = self._module(node, self.traced.get_submodule(node.target))
        elif node.op == "call_function":
            self.values[node] = self._function(node)
        elif node.op == "call_method":
            self.values[node] = self._method(node)
        elif node.op == "output":
            self.output = self._layer_of(self._argument(node, node.args[0]), node)
        else:
            raise ParameterError(
                f"from_torch: {_what(node)} ({node.op} {node.target}) reads a tensor of the module "
                "directly; neurosim brings in Linear layers and activations"
            )

    def _module(self, node: fx.Node, module: nn.Module) -> int | _Sum:
        name = str(node.target)
        value = self._argument(node, node.args[0])
        if isinstance(module, nn.Linear):
            return self._linear(node, module, name, value)
        if type(module) is nn.Identity:
            return value
        if type(module) is nn.Dropout:
            return self._dropout(node, value, module.p)
        activation = _module_activation(module, name)
        _check_in_place(node, getattr(module, "inplace", False))
        return self._activation(node, value, activation)

    def _function(self, node: fx.Node) -> int | _Sum:
        target = node.target
        if target in ADDING:
            return self._add(node)
        if target is functional.dropout:
            rate = node.kwargs.get("p", node.args[1] if len(node.args) > 1 else 0.5)
            training = node.kwargs.get("training", node.args[2] if len(node.args) > 2 else True)
            value = self._argument(node, node.args[0])
            return self._dropout(node, value, rate) if training else value  # training=False drops nothing
        if target in FUNCTION_ACTIVATIONS:
            activation = FUNCTION_ACTIVATIONS[target]
            _check_in_place(node, _in_place_argument(node, activation))
            _check_settings(node, activation)
            return self._activation(node, self._argument(node, node.args[0]), activation)
        raise ParameterError(
            f"from_torch: {_what(node)} calls {getattr(target, '__name__', target)}, "
            "which neurosim's layers do not compute"
        )

    def _method(self, node: fx.Node) -> int | _Sum:
        if node.target in ("add", "__add__"):
            return self._add(node)
        if node.target in METHOD_ACTIVATIONS:
            activation = METHOD_ACTIVATIONS[node.target]
            _check_settings(node, activation)
            return self._activation(node, self._argument(node, node.args[0]), activation)
        raise ParameterError(
            f"from_torch: {_what(node)} calls the tensor method {node.target!r}, "
            "which neurosim's layers do not compute"
        )

    def _argument(self, node: fx.Node, argument: object) -> int | _Sum:
        if not isinstance(argument, fx.Node) or argument not in self.values:
            raise ParameterError(
                f"from_torch: {_what(node)} uses {argument!r}, not the output of a layer or of Linear layers"
            )
        return self.values[argument]

    def _linear(self, node: fx.Node, linear: nn.Linear, name: str, value: int | _Sum) -> _Sum:
        source = self._layer_of(value, node)
        if not self.first_module and source == 0:
            self.first_module = name
        plan = self.plans[source]
        if source == 0 and plan.size == 0:
            plan.size = linear.in_features
        if linear.in_features != plan.size:
            raise ParameterError(
                f"from_torch: module {name!r} ({linear}) takes {linear.in_features} inputs, but the "
                f"{plan.origin} it is given has {plan.size} values"
            )
        return _Sum([(source, linear, name)])

    def _add(self, node: fx.Node) -> _Sum:
        if node.kwargs.get("alpha", 1) != 1 or len(node.args) != 2:
            raise ParameterError(f"from_torch: {_what(node)} is not a plain sum of two tensors")
        left, right = (self._argument(node, argument) for argument in node.args)
        if not isinstance(left, _Sum) or not isinstance(right, _Sum):
            raise ParameterError(
                f"from_torch: {_what(node)} adds the outputs of a layer, where neurosim adds only "
                "the outputs of Linear layers (the weighted sums a layer's neurons take)"
            )
        sizes = {linear.out_features for _, linear, _ in left.terms + right.terms}
        if len(sizes) > 1:
            names = ", ".join(repr(name) for _, _, name in left.terms + right.terms)
            raise ParameterError(
                f"from_torch: {_what(node)} adds Linear outputs of sizes {sizes} (from {names})"
            )
        return _Sum(left.terms + right.terms)

    def _activation(self, node: fx.Node, value: int | _Sum, activation: str) -> int:
        if not isinstance(value, _Sum):
            raise ParameterError(
                f"from_torch: {_what(node)} applies {activation} to {self.plans[value].origin}, "
                "not to the output of Linear layers: a neurosim neuron applies one activation to one "
                "weighted sum"
            )
        return self._new_layer(value, activation, node)

    def _dropout(self, node: fx.Node, value: int | _Sum, rate: object) -> int:
        if isinstance(value, _Sum) or value == 0:
            where = "the network's input" if value == 0 else "the output of Linear layers"
            raise ParameterError(
                f"from_torch: {_what(node)} drops out {where}; neurosim drops out the "
                "outputs of hidden layers"
            )
        if not isinstance(rate, (int, float)):
            raise ParameterError(f"from_torch: {_what(node)} has a dropout rate {rate!r}, not a number")
        plan = self.plans[value]
        if self._used_besides(node, value) or plan.dropout:
            raise ParameterError(
                f"from_torch: the outputs of {plan.origin} are used both with and without the "
                f"dropout of {_what(node)}; a neurosim layer's dropout applies to every use"
            )
        plan.dropout = float(rate)
        return value

    def _used_besides(self, node: fx.Node, layer: int) -> bool:
        """Whether the outputs of ``layer`` are used other than through ``node`` (``nn.Identity`` aside)."""
        for other, value in self.values.items():
            if isinstance(value, int) and value == layer:
                for user in other.users:
                    passing = (
                        user.op == "call_module"
                        and type(self.traced.get_submodule(user.target)) is nn.Identity
                    )
                    if user is not node and not passing:
                        return True
        return False

    def _layer_of(self, value: int | _Sum, node: fx.Node) -> int:
        """The layer computing ``value``: a sum used without an activation becomes an identity layer."""
        if not isinstance(value, _Sum):
            return value
        if value.layer is None:
            value.layer = self._new_layer(value, "identity", node)
        return value.layer

    def _new_layer(self, value: _Sum, activation: str, node: fx.Node) -> int:
        size = value.terms[0][1].out_features
        origin = (
            f"the outputs of {_what(node)}"
            if activation != "identity"
            else ("the sum of " + " and ".join(repr(name) for _, _, name in value.terms))
        )
        self.plans.append(_LayerPlan(size, activation, origin, value.terms))
        return len(self.plans) - 1

    def network(self) -> Network:
        """The network the graph computes, with the Linear layers' weights and biases."""
        if self.output in (None, 0):
            raise ParameterError("from_torch: the module returns its input without any Linear layer")
        if self.output != len(self.plans) - 1:  # dead code is gone, so every layer leads to the output
            raise ParameterError(
                f"from_torch: the module returns {self.plans[self.output].origin}, but computes "
                f"{self.plans[-1].origin} after it"
            )
        names = ["input"] + [f"hidden{i}" for i in range(1, len(self.plans) - 1)] + ["output"]
        net = Network()
        net.add_layer(self.plans[0].size, name="input")
        for name, plan in zip(names[1:], self.plans[1:], strict=True):
            has_bias = any(linear.bias is not None for _, linear, _ in plan.terms)
            net.add_layer(plan.size, name=name, activation=plan.activation, bias=has_bias)
            for source in sorted({source for source, _, _ in plan.terms}):
                net.connect(names[source], name)
        net.parameter_store.pack()
        with torch.no_grad():
            for name, plan in zip(names, self.plans, strict=True):
                self._copy_parameters(net, name, names, plan)
        return net

    def _copy_parameters(self, net: Network, name: str, names: list[str], plan: _LayerPlan) -> None:
        target = net[name]
        target.dropout = plan.dropout
        bias = np.zeros(plan.size)
        weights: dict[int, np.ndarray] = {}
        for source, linear, _ in plan.terms:
            weight = linear.weight.detach().cpu().double().numpy()
            weights[source] = weights[source] + weight if source in weights else weight.copy()
            if linear.bias is not None:
                bias = bias + linear.bias.detach().cpu().double().numpy()
        for source, weight in weights.items():
            net.parameter_store.block(net[names[source]], target).weight = weight
        if target.has_bias and plan.terms:
            target.bias = bias


def _what(node: fx.Node) -> str:
    """``node`` as an error names it: the module it calls, or the operation."""
    return f"module {node.target!r}" if node.op == "call_module" else f"operation {node.name!r}"


def _module_activation(module: nn.Module, name: str) -> str:
    """The neurosim name of the activation module ``module``, or an error naming it."""
    if isinstance(module, nn.LeakyReLU) and module.negative_slope == LEAKY_SLOPE:
        return "leaky_relu"
    if isinstance(module, nn.Softmax) and module.dim in (1, -1):
        return "softmax"
    if type(module) is nn.Softplus and module.beta == 1 and module.threshold == 20:
        return "softplus"
    if type(module) in MODULE_ACTIVATIONS:
        return MODULE_ACTIVATIONS[type(module)]
    settings = (nn.LeakyReLU, nn.Softmax, nn.Softplus)
    if isinstance(module, settings):
        raise ParameterError(
            f"from_torch: module {name!r} ({module}) has settings neurosim's activation does not have "
            f"(neurosim has LeakyReLU({LEAKY_SLOPE}), Softmax(dim=1) and Softplus(beta=1))"
        )
    raise ParameterError(
        f"from_torch: {_describe(module, name)} is not something neurosim's layers compute; "
        "neurosim brings in Linear layers and the activations Sigmoid, Tanh, ReLU, LeakyReLU, "
        "Softplus, Softmax and Identity"
    )


def _in_place_argument(node: fx.Node, activation: str) -> bool:
    """Whether a functional activation is asked to work in place (``inplace=True``, by name or position)."""
    position = {"relu": 1, "leaky_relu": 2}.get(activation)
    by_position = position is not None and len(node.args) > position and node.args[position]
    return bool(node.kwargs.get("inplace", False) or by_position)


def _check_in_place(node: fx.Node, in_place: bool) -> None:
    """Refuse an activation in place on a value something else also reads: that one would see it changed."""
    if in_place and len(node.args[0].users) > 1:
        raise ParameterError(
            f"from_torch: {_what(node)} changes its input in place, and its input is also used elsewhere, "
            "which then reads the changed values; neurosim's layers keep a neuron's weighted sum apart "
            "from its output: use inplace=False"
        )


def _check_settings(node: fx.Node, activation: str) -> None:
    """Refuse a functional activation whose arguments neurosim's activation does not have."""
    settings = {**dict(enumerate(node.args[1:], start=1)), **node.kwargs}
    settings.pop("inplace", None)
    settings.pop({"relu": 1, "leaky_relu": 2}.get(activation), None)  # where inplace goes by position
    if activation == "softmax":
        dim = settings.pop("dim", settings.pop(1, None))
        if dim not in (1, -1):
            raise ParameterError(
                f"from_torch: {_what(node)} is a softmax over dim={dim!r}; neurosim's softmax is "
                "over each sample's outputs, dim=1"
            )
        settings.pop("_stacklevel", None)
        if settings.get("dtype") is None:  # a dtype would compute the softmax in another precision
            settings.pop("dtype", None)
    elif activation == "leaky_relu":
        slope = settings.pop("negative_slope", settings.pop(1, 0.01))
        if slope != LEAKY_SLOPE:
            raise ParameterError(
                f"from_torch: {_what(node)} is a leaky relu of slope {slope}; neurosim's has "
                f"slope {LEAKY_SLOPE}"
            )
    elif activation == "softplus":
        beta = settings.pop("beta", settings.pop(1, 1))
        threshold = settings.pop("threshold", settings.pop(2, 20))
        if beta != 1 or threshold != 20:
            raise ParameterError(
                f"from_torch: {_what(node)} is a softplus with beta={beta}, threshold={threshold}; "
                "neurosim's has beta=1"
            )
    if settings:
        raise ParameterError(
            f"from_torch: {_what(node)} has settings neurosim's {activation} does not have: {settings}"
        )
