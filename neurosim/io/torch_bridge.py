"""PyTorch export and import: ``to_torch`` and ``from_torch``.

``to_torch(net)`` gives a ``torch.nn.Module`` computing exactly ``net``'s
function, in the network's dtype: one weight matrix per pair of connected
layers (with a buffer of its synapses, so that pruned synapses stay zero
through training), one bias vector per layer with biases, and the layers
in ``net``'s computing order, so any acyclic wiring exports.
``from_torch(module)`` brings back a module that ``to_torch`` made, or an
``nn.Sequential`` of ``Linear`` layers and supported activations, as a
neurosim network to look inside. PyTorch is needed (``pip install torch``).

Examples
--------
>>> import numpy as np
>>> import neurosim as ns
>>> torch = __import__("pytest").importorskip("torch")
>>> net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
>>> module = ns.to_torch(net)
>>> X = np.array([[0.0, 1.0], [1.0, 0.5]])
>>> bool(np.allclose(module(torch.from_numpy(X)).detach().numpy(), net.predict(X), rtol=1e-12))
True
>>> back = ns.from_torch(module)
>>> all(np.array_equal(a, b) for a, b in zip(back.state_dict().values(), net.state_dict().values()))
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from neurosim.activations import ACTIVATIONS, LEAKY_SLOPE
from neurosim.core import Network
from neurosim.errors import MissingDependencyError, ParameterError

if TYPE_CHECKING:
    from neurosim.core import Layer

try:
    import torch
    from torch import nn
except ImportError as error:  # pragma: no cover - the tests skip without torch
    raise MissingDependencyError("to_torch and from_torch need PyTorch: pip install torch") from error

__all__ = ["NeurosimModule", "from_torch", "to_torch"]


def _activation_function(name: str) -> object:
    """The torch function computing the built-in activation ``name`` as neurosim's does."""
    functions = {
        "identity": lambda z: z,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda z: nn.functional.leaky_relu(z, LEAKY_SLOPE),
        "softplus": lambda z: torch.logaddexp(z, torch.zeros_like(z)),  # as numpy's logaddexp(0, z)
        "step": lambda z: (z >= 0).to(z.dtype),
        "softmax": lambda z: torch.softmax(z, dim=1),
    }
    return functions[name]


class NeurosimModule(nn.Module):
    """A neurosim network as a ``torch.nn.Module``; ``to_torch`` makes one.

    ``layers`` lists ``(name, size, activation name, has biases)`` in computing
    order, input first; ``blocks`` lists ``(source index, target index)`` of
    each weight matrix ``weights[k]`` (rows are the target's neurons), whose
    buffer ``masks[k]`` is 1 where a synapse exists.
    """

    def __init__(
        self, layers: list[tuple[str, int, str | None, bool]], blocks: list[tuple[int, int]]
    ) -> None:
        super().__init__()
        self.layers = layers
        self.blocks = blocks
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterDict()
        for k, (source, target) in enumerate(blocks):
            shape = (layers[target][1], layers[source][1])
            self.weights.append(nn.Parameter(torch.zeros(shape, dtype=torch.float64)))
            self.register_buffer(f"mask{k}", torch.ones(shape, dtype=torch.float64))
        for i, (_, size, _, has_bias) in enumerate(layers):
            if i and has_bias:
                self.biases[str(i)] = nn.Parameter(torch.zeros(size, dtype=torch.float64))

    def mask(self, k: int) -> torch.Tensor:
        """Which synapses block ``k`` has: 1 where one exists, 0 where it is absent."""
        return getattr(self, f"mask{k}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The outputs for a batch ``x`` of shape ``(n_samples, n_inputs)``."""
        values = [x]
        for i, (_, size, activation, _) in enumerate(self.layers[1:], start=1):
            z = torch.zeros((x.shape[0], size), dtype=x.dtype)
            for k, (source, target) in enumerate(self.blocks):
                if target == i:
                    z = z + values[source] @ (self.weights[k] * self.mask(k)).T
            if str(i) in self.biases:
                z = z + self.biases[str(i)]
            values.append(_activation_function(activation)(z))
        return values[-1]


def to_torch(network: Network) -> NeurosimModule:
    """A ``torch.nn.Module`` computing ``network``'s function, with its weights and biases, in float64.

    Raises
    ------
    ParameterError
        If a layer uses an activation of your own, whose torch form is not known.
    """
    network.check_graph()
    order = network.layer_order()
    for layer in order[1:]:
        _check_built_in(layer)
    index = {layer: i for i, layer in enumerate(order)}
    layers = [
        (layer.name, layer.size, None if layer.is_input else layer.activation.name, layer.has_bias)
        for layer in order
    ]
    blocks = [(index[block.source], index[block.target]) for block in network.blocks]
    module = NeurosimModule(layers, blocks)
    with torch.no_grad():
        for k, block in enumerate(network.blocks):
            module.weights[k].copy_(torch.from_numpy(np.asarray(block.weight * block.mask, dtype=np.float64)))
            module.mask(k).copy_(torch.from_numpy(block.mask.astype(np.float64)))
        for layer in order[1:]:
            if layer.has_bias:
                module.biases[str(index[layer])].copy_(torch.from_numpy(layer.bias.astype(np.float64)))
    return module


def from_torch(module: nn.Module) -> Network:
    """A neurosim network with ``module``'s structure, weights and biases.

    ``module`` is one ``to_torch`` made, or an ``nn.Sequential`` of
    ``nn.Linear`` layers, each followed by at most one supported activation
    (``Sigmoid``, ``Tanh``, ``ReLU``, ``LeakyReLU(0.01)``, ``Softplus``,
    ``Softmax(dim=1)``, ``Identity``). A ``Softplus`` comes in as
    neurosim's softplus, ``log(1 + e^z)`` everywhere, where torch's returns
    ``z`` itself above ``z = 20``: the two differ there by less than 2.1e-9.

    Raises
    ------
    ParameterError
        For any other module, naming the part neurosim cannot bring in.
    """
    if isinstance(module, NeurosimModule):
        return _from_neurosim_module(module)
    if isinstance(module, nn.Sequential):
        return _from_sequential(module)
    raise ParameterError(
        f"from_torch takes a module made by to_torch or an nn.Sequential of Linear layers and "
        f"activations; got {type(module).__name__}"
    )


def _from_neurosim_module(module: NeurosimModule) -> Network:
    net = Network()
    for name, size, activation, has_bias in module.layers:
        if activation is None:
            net.add_layer(size, name=name)
        else:
            net.add_layer(size, name=name, activation=activation, bias=has_bias)
    with torch.no_grad():
        for k, (source, target) in enumerate(module.blocks):
            mask = module.mask(k).numpy().astype(bool)
            rows, cols = np.nonzero(mask)
            source_name, target_name = module.layers[source][0], module.layers[target][0]
            weights = module.weights[k].detach().numpy()
            net.connect(source_name, target_name)
            for row, col in zip(*np.nonzero(~mask), strict=True):
                net.disconnect(f"{source_name}[{col}]", f"{target_name}[{row}]")
            block = net.parameter_store.block(net[source_name], net[target_name])
            block.weight[rows, cols] = weights[rows, cols]
        for key, bias in module.biases.items():
            net.layers[int(key)].bias = bias.detach().numpy()
    net.parameter_store.pack()
    return net


#: the torch activation modules neurosim can bring in, by their neurosim name
_SEQUENTIAL_ACTIVATIONS = {
    nn.Sigmoid: "sigmoid",
    nn.Tanh: "tanh",
    nn.ReLU: "relu",
    nn.Softplus: "softplus",
    nn.Identity: "identity",
}


def _from_sequential(module: nn.Sequential) -> Network:
    parts = list(module)
    linears: list[tuple[nn.Linear, str]] = []
    position = 0
    while position < len(parts):
        part = parts[position]
        if not isinstance(part, nn.Linear):
            raise ParameterError(f"from_torch: part {position} of the Sequential is {part!r}, not nn.Linear")
        activation = "identity"
        if position + 1 < len(parts) and not isinstance(parts[position + 1], nn.Linear):
            activation = _sequential_activation(parts[position + 1], position + 1)
            position += 1
        linears.append((part, activation))
        position += 1
    net = Network()
    net.add_layer(linears[0][0].in_features, name="input")
    for i, (linear, activation) in enumerate(linears, start=1):
        name = "output" if i == len(linears) else f"hidden{i}"
        net.add_layer(linear.out_features, name=name, activation=activation, bias=linear.bias is not None)
        net.connect(net.layers[i - 1].name, name)
    net.parameter_store.pack()
    with torch.no_grad():
        for i, (linear, _) in enumerate(linears, start=1):
            net.blocks[i - 1].weight = linear.weight.detach().double().numpy()
            if linear.bias is not None:
                net.layers[i].bias = linear.bias.detach().double().numpy()
    return net


def _sequential_activation(part: nn.Module, position: int) -> str:
    if isinstance(part, nn.LeakyReLU) and part.negative_slope == LEAKY_SLOPE:
        return "leaky_relu"
    if isinstance(part, nn.Softmax) and part.dim in (1, -1):
        return "softmax"
    if isinstance(part, nn.Softplus) and (part.beta != 1 or part.threshold != 20):
        raise ParameterError(f"from_torch: part {position}, {part!r}, is a softplus neurosim does not have")
    for kind, name in _SEQUENTIAL_ACTIVATIONS.items():
        if type(part) is kind:
            return name
    raise ParameterError(
        f"from_torch: part {position} of the Sequential, {part!r}, is not a supported activation"
    )


def _check_built_in(layer: Layer) -> None:
    name = layer.activation.name
    if ACTIVATIONS.get(name) is not layer.activation:
        raise ParameterError(
            f"to_torch exports the built-in activations only; layer {layer.name!r} uses {name!r}, "
            "whose torch form neurosim does not know"
        )
