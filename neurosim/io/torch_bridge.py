"""PyTorch export and import: ``to_torch`` and ``from_torch``.

``to_torch(net)`` gives a ``torch.nn.Module`` computing exactly ``net``'s
function, in float64: one weight matrix per pair of connected layers (with
a buffer of its synapses, so that pruned synapses stay zero through
training), one bias vector per layer with biases, each layer's dropout,
and the layers in ``net``'s computing order, so any acyclic wiring
exports. ``from_torch(module)`` brings back a module that ``to_torch``
made, or any module whose ``forward`` ``torch.fx`` can trace into Linear
layers and activations (an ``nn.Sequential`` of them, or a module of your
own with skip connections), as a neurosim network to look inside.
PyTorch is needed (``pip install "neurosim-learn[torch]"``).

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

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from neurosim.activations import LEAKY_SLOPE, Activation
from neurosim.core import Network
from neurosim.errors import MissingDependencyError, ParameterError, ShapeError

if TYPE_CHECKING:
    from neurosim.core import Layer

try:
    import torch
    from torch import nn
except ImportError as error:  # pragma: no cover - the tests skip without torch
    raise MissingDependencyError(
        'to_torch and from_torch need PyTorch: pip install "neurosim-learn[torch]"'
    ) from error

from neurosim.io.torch_graph import read_module

__all__ = ["NeurosimModule", "from_torch", "to_torch"]

#: a torch form of an activation: tensor of weighted sums in, tensor of outputs out
TorchFunction = Callable[[torch.Tensor], torch.Tensor]
#: where a torch form given to ``to_torch`` is compared with the activation it stands for
TORCH_FORM_POINTS = np.linspace(-4.0, 4.0, 40).reshape(8, 5)
TORCH_FORM_TOLERANCE = 1e-9


def _built_in_function(name: str) -> TorchFunction:
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

    ``layers`` lists ``(name, size, activation name, has biases, dropout)``
    in computing order, input first; ``blocks`` lists ``(source index,
    target index)`` of each weight matrix ``weights[k]`` (rows are the
    target's neurons), whose buffer ``masks[k]`` is 1 where a synapse
    exists. ``activations`` holds the activations of your own, by name, with
    their torch forms. Dropout drops in training mode only, as neurosim's
    does: call ``module.eval()`` to predict.
    """

    def __init__(
        self,
        layers: list[tuple[str, int, str | None, bool, float]],
        blocks: list[tuple[int, int]],
        activations: Mapping[str, tuple[Activation, TorchFunction]] | None = None,
    ) -> None:
        super().__init__()
        self.layers = layers
        self.blocks = blocks
        self.activations = dict(activations or {})
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterDict()
        for k, (source, target) in enumerate(blocks):
            shape = (layers[target][1], layers[source][1])
            self.weights.append(nn.Parameter(torch.zeros(shape, dtype=torch.float64)))
            self.register_buffer(f"mask{k}", torch.ones(shape, dtype=torch.float64))
        for i, (_, size, _, has_bias, _) in enumerate(layers):
            if i and has_bias:
                self.biases[str(i)] = nn.Parameter(torch.zeros(size, dtype=torch.float64))

    def mask(self, k: int) -> torch.Tensor:
        """Which synapses block ``k`` has: 1 where one exists, 0 where it is absent."""
        return getattr(self, f"mask{k}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The outputs for a batch ``x`` of shape ``(n_samples, n_inputs)``."""
        values = [self._dropped(x, 0)]
        for i, (_, size, activation, _, _) in enumerate(self.layers[1:], start=1):
            z = torch.zeros((x.shape[0], size), dtype=x.dtype)
            for k, (source, target) in enumerate(self.blocks):
                if target == i:
                    z = z + values[source] @ (self.weights[k] * self.mask(k)).T
            if str(i) in self.biases:
                z = z + self.biases[str(i)]
            values.append(self._dropped(self._function(activation)(z), i))
        return values[-1]

    def _function(self, name: str) -> TorchFunction:
        if name in self.activations:
            return self.activations[name][1]
        return _built_in_function(name)

    def _dropped(self, values: torch.Tensor, i: int) -> torch.Tensor:
        rate = self.layers[i][4]
        return nn.functional.dropout(values, rate, self.training) if rate else values


def to_torch(network: Network, *, activations: Mapping[str, TorchFunction] | None = None) -> NeurosimModule:
    """A ``torch.nn.Module`` computing ``network``'s function, with its weights and biases, in float64.

    Parameters
    ----------
    network : Network
        The network to export.
    activations : mapping of str to callable, optional
        The torch forms of the activations of your own that ``network``
        uses, by their names: each takes a tensor of weighted sums and
        returns the layer's outputs, as ``activation(z)`` does with numpy.
        Each is compared with its activation at 40 points in [-4, 4]
        before it is used.

    Raises
    ------
    ParameterError
        If a layer uses an activation of your own without a torch form, or
        a torch form is not a function, names no activation the network
        uses, or computes something else than its activation.

    Examples
    --------
    >>> import numpy as np
    >>> import neurosim as ns
    >>> torch = __import__("pytest").importorskip("torch")
    >>> cube = ns.Activation("cube", lambda z: z**3, lambda z: 3 * z**2)
    >>> net = ns.Network.from_shape([2, 2, 1], activation=cube, output_activation="identity", seed=0)
    >>> module = ns.to_torch(net, activations={"cube": lambda z: z**3})
    >>> X = np.array([[0.5, -1.0]])
    >>> bool(np.allclose(module(torch.from_numpy(X)).detach().numpy(), net.predict(X), rtol=1e-12))
    True
    """
    network.check_graph()
    order = network.layer_order()
    own = _own_activations(order[1:], activations or {})
    index = {layer: i for i, layer in enumerate(order)}
    layers = [
        (
            layer.name,
            layer.size,
            None if layer.is_input else layer.activation.name,
            layer.has_bias,
            layer.dropout,
        )
        for layer in order
    ]
    blocks = [(index[block.source], index[block.target]) for block in network.blocks]
    module = NeurosimModule(layers, blocks, own)
    with torch.no_grad():
        for k, block in enumerate(network.blocks):
            module.weights[k].copy_(torch.from_numpy(np.asarray(block.weight * block.mask, dtype=np.float64)))
            module.mask(k).copy_(torch.from_numpy(block.mask.astype(np.float64)))
        for layer in order[1:]:
            if layer.has_bias:
                module.biases[str(index[layer])].copy_(torch.from_numpy(layer.bias.astype(np.float64)))
    return module


def _own_activations(
    layers: list[Layer], forms: Mapping[str, TorchFunction]
) -> dict[str, tuple[Activation, TorchFunction]]:
    """The activations of your own that ``layers`` use, each with its torch form from ``forms``, checked."""
    if not isinstance(forms, Mapping) or not all(isinstance(name, str) for name in forms):
        raise ParameterError(
            "to_torch: activations must be a mapping of activation names (str) to torch functions; "
            f"got {forms!r}"
        )
    own: dict[str, tuple[Activation, TorchFunction]] = {}
    for layer in layers:
        activation = layer.activation
        if activation.is_built_in:
            continue
        if activation.name not in forms:
            raise ParameterError(
                f"to_torch: layer {layer.name!r} uses {activation.name!r}, an activation of your own whose "
                f"torch form neurosim does not know; pass it as to_torch(net, activations={{"
                f"{activation.name!r}: function}})"
            )
        own[activation.name] = (activation, _checked_form(layer, forms[activation.name]))
    unused = sorted(set(forms) - set(own))
    if unused:
        raise ParameterError(
            f"to_torch: activations names {', '.join(map(repr, unused))}, which no layer uses as an "
            f"activation of your own (those used: {sorted(own) or 'none'})"
        )
    return own


def _checked_form(layer: Layer, form: object) -> TorchFunction:
    """``form`` once it is seen to compute ``layer``'s activation, or an error quoting where it does not."""
    name = layer.activation.name
    if not callable(form):
        raise ParameterError(f"to_torch: the torch form of {name!r} must be a function; got {form!r}")
    z = TORCH_FORM_POINTS
    try:
        with torch.no_grad():
            got = np.asarray(form(torch.from_numpy(z.copy())).detach().numpy(), dtype=np.float64)
    except Exception as error:  # the user's function, which may raise anything
        raise ParameterError(
            f"to_torch: the torch form of {name!r} fails on a tensor of weighted sums: {error!r}"
        ) from None
    expected = layer.activation(z)
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=TORCH_FORM_TOLERANCE, atol=1e-12):
        where = "" if got.shape != expected.shape else _worst_point(z, got, expected)
        raise ParameterError(
            f"to_torch: the torch form of {name!r} (layer {layer.name!r}) does not compute {name!r}"
            f"{where or f': it returns shape {got.shape} for {expected.shape}'} (compared at {z.size} points "
            f"in [{z.min():g}, {z.max():g}])"
        )
    return form


def _worst_point(z: np.ndarray, got: np.ndarray, expected: np.ndarray) -> str:
    worst = _farthest(got, expected)
    return f": at z = {z[worst]:g} it gives {got[worst]:.10g} where {expected[worst]:.10g} is expected"


def from_torch(module: nn.Module, *, example_input: object = None) -> Network:
    """A neurosim network with ``module``'s structure, weights and biases.

    Parameters
    ----------
    module : torch.nn.Module
        One ``to_torch`` made (wrapped in ``DistributedDataParallel`` or
        not), or one whose ``forward`` ``torch.fx`` can trace into
        ``nn.Linear`` layers, sums of their outputs (skip connections), and
        supported activations: ``Sigmoid``, ``Tanh``, ``ReLU``,
        ``LeakyReLU(0.01)``, ``Softplus``, ``Softmax(dim=1)``, as modules,
        functions or tensor methods; ``Identity``; and ``Dropout`` after a
        hidden layer, which becomes that layer's ``dropout``. An
        ``nn.Sequential`` of them is such a module. The layers are named
        ``input``, ``hidden1``, ... and ``output`` in computing order.
    example_input : array-like of shape (n_samples, n_inputs), optional
        A few inputs to check the import with: their number of features
        must be what the module takes, and the network's outputs for them
        must be the module's (in eval mode, to 1e-9 in float64, 1e-4 in
        float32 and 1e-2 in half precision). Without it, the import is
        checked the same way on a few inputs drawn at random, which catches
        what reading ``forward`` cannot see (hooks, changes in place).

    Raises
    ------
    ParameterError
        For any part of ``module`` neurosim's layers cannot compute (a
        convolution, a recurrent layer, an activation it does not have),
        naming it, or if the network's outputs are not the module's.
    ShapeError
        If ``example_input`` does not have the shape the module takes.

    Notes
    -----
    A ``Softplus`` comes in as neurosim's softplus, ``log(1 + e^z)``
    everywhere, where torch's returns ``z`` itself above ``z = 20``: the
    two differ there by less than 2.1e-9.

    Examples
    --------
    >>> import numpy as np
    >>> import neurosim as ns
    >>> torch = __import__("pytest").importorskip("torch")
    >>> class Skip(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden, self.out = torch.nn.Linear(2, 3), torch.nn.Linear(3, 1)
    ...         self.skip = torch.nn.Linear(2, 1)
    ...
    ...     def forward(self, x):
    ...         return torch.sigmoid(self.out(torch.tanh(self.hidden(x))) + self.skip(x))
    >>> net = ns.from_torch(Skip(), example_input=np.zeros((1, 2)))
    >>> [(block.source.name, block.target.name) for block in net.blocks]
    [('input', 'hidden1'), ('input', 'output'), ('hidden1', 'output')]
    """
    if isinstance(module, nn.parallel.DistributedDataParallel):
        module = module.module
    if not isinstance(module, nn.Module):
        raise ParameterError(f"from_torch: module must be a torch.nn.Module; got {type(module).__name__}")
    _check_parameters_readable(module)
    if isinstance(module, NeurosimModule):
        net, first = _from_neurosim_module(module), "its first weight matrix"
    else:
        net, name = read_module(module)
        first = f"module {name!r}"
    inputs = _check_inputs(example_input, net, first) if example_input is not None else _trial_inputs(net)
    _check_outputs(module, net, inputs, "example_input" if example_input is not None else "trial inputs")
    return net


#: how many inputs, drawn at random, check an import that has no example_input
TRIAL_SAMPLES = 8
#: how closely the network's outputs must be the module's, by the module's dtype (else: half precision)
OUTPUT_TOLERANCES = {torch.float64: 1e-9, torch.float32: 1e-4}


def _check_parameters_readable(module: nn.Module) -> None:
    """Refuse a module whose parameters hold no values to read (on the meta device)."""
    for name, parameter in module.named_parameters():
        if parameter.is_meta:
            raise ParameterError(
                f"from_torch: parameter {name!r} of the module is on the meta device, which holds no "
                "values; move the module to a device with its weights first (module.to_empty and a load, "
                "or module.to('cpu') on real weights)"
            )


def _from_neurosim_module(module: NeurosimModule) -> Network:
    net = Network()
    for name, size, activation, has_bias, dropout in module.layers:
        if activation is None:
            net.add_layer(size, name=name, dropout=dropout)
        else:
            own = module.activations.get(activation, (activation,))[0]
            net.add_layer(size, name=name, activation=own, bias=has_bias, dropout=dropout)
    with torch.no_grad():
        for k, (source, target) in enumerate(module.blocks):
            mask = module.mask(k).detach().cpu().double().numpy().astype(bool)
            rows, cols = np.nonzero(mask)
            source_name, target_name = module.layers[source][0], module.layers[target][0]
            weights = module.weights[k].detach().cpu().double().numpy()
            net.connect(source_name, target_name)
            for row, col in zip(*np.nonzero(~mask), strict=True):
                net.disconnect(f"{source_name}[{col}]", f"{target_name}[{row}]")
            block = net.parameter_store.block(net[source_name], net[target_name])
            block.weight[rows, cols] = weights[rows, cols]
        for key, bias in module.biases.items():
            net.layers[int(key)].bias = bias.detach().cpu().double().numpy()
    net.parameter_store.pack()
    return net


def _check_inputs(example_input: object, net: Network, first: str) -> np.ndarray:
    """``example_input`` as a float array, or a ``ShapeError`` if it is not a batch the module takes."""
    if isinstance(example_input, torch.Tensor):
        example_input = example_input.detach().cpu()
    inputs = np.asarray(example_input)
    n_inputs = net.layers[0].size
    real = np.issubdtype(inputs.dtype, np.floating) or np.issubdtype(inputs.dtype, np.integer)
    if inputs.ndim != 2 or inputs.shape[1] != n_inputs or not real:
        raise ShapeError(
            f"from_torch: example_input has shape {inputs.shape} and dtype {inputs.dtype}, but {first} takes "
            f"{n_inputs} inputs: give an array of real numbers of shape (n_samples, {n_inputs})"
        )
    return inputs.astype(np.float64)


def _trial_inputs(net: Network) -> np.ndarray:
    """A few inputs drawn at random (the same every time) to check an import with."""
    return np.random.default_rng(0).normal(scale=2.0, size=(TRIAL_SAMPLES, net.layers[0].size))


def _check_outputs(module: nn.Module, net: Network, inputs: np.ndarray, what: str) -> None:
    """Refuse a network whose outputs for ``inputs`` are not ``module``'s (in eval mode).

    This catches what reading the module's operations cannot see: hooks,
    in-place changes through another name, anything ``torch.fx`` records
    otherwise than it runs.
    """
    parameter = next(module.parameters())
    training = module.training
    try:
        module.eval()
        with torch.no_grad():
            given = torch.as_tensor(inputs, dtype=parameter.dtype, device=parameter.device)
            expected = module(given)
    finally:
        module.train(training)
    if not isinstance(expected, torch.Tensor):
        raise ParameterError(f"from_torch: the module returns a {type(expected).__name__}, not one tensor")
    expected = expected.detach().cpu().double().numpy()
    got = net.predict(inputs)
    tolerance = OUTPUT_TOLERANCES.get(parameter.dtype, 1e-2)
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=tolerance, atol=tolerance):
        raise ParameterError(
            f"from_torch: the network read from {type(module).__name__} does not compute what the module "
            f"computes on {what}{_first_difference(got, expected)}; something in its forward (a hook, a "
            "change in place, an operation torch.fx records differently) is not a layer neurosim has"
        )


def _first_difference(got: np.ndarray, expected: np.ndarray) -> str:
    if got.shape != expected.shape:
        return f": it gives outputs of shape {got.shape} where the module gives {expected.shape}"
    sample, output = _farthest(got, expected)
    return (
        f": for sample {sample}, output {output} is {got[sample, output]:.10g} where the module gives "
        f"{expected[sample, output]:.10g}"
    )


def _farthest(got: np.ndarray, expected: np.ndarray) -> tuple[int, ...]:
    """Where ``got`` is farthest from ``expected`` (a NaN on either side counts as farthest)."""
    difference = np.abs(got - expected)
    return np.unravel_index(int(np.argmax(np.where(np.isnan(difference), np.inf, difference))), got.shape)
