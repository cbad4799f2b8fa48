"""Networks as JSON files.

The file is a JSON object::

    {
      "format_version": 1,
      "layers": [
        {"name": "input", "size": 2},
        {"name": "hidden1", "size": 3, "activation": "sigmoid", "bias": [0.0, 0.1, -0.2]},
        ...
      ],
      "connections": [
        {"source": "input", "target": "hidden1", "weights": [[0.5, null], [0.3, -0.1], [1.2, 0.7]]},
        ...
      ]
    }

``weights`` has one row per target neuron and one column per source neuron;
``null`` marks a synapse that does not exist (pruned or never made), and
``"bias": null`` a layer without biases (``add_layer(..., bias=False)``). Floats
are written with Python's shortest round-trip repr, so a loaded network has
every weight and bias bit for bit. Activations are stored by name: a custom
activation must be passed to ``load`` (or registered) to load.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from neurosim.activations import ACTIVATIONS, Activation
from neurosim.errors import DataError, FormatVersionError, ModelFileError, NeurosimError, ParameterError
from neurosim.io.atomic import write_atomically
from neurosim.validation import check_finite

if TYPE_CHECKING:
    from neurosim.core import Network

FORMAT_VERSION = 1


def to_dict(network: Network) -> dict[str, Any]:
    """The JSON-ready description of ``network``."""
    layers = []
    for layer in network.layers:
        entry: dict[str, Any] = {"name": layer.name, "size": layer.size}
        if not layer.is_input:
            entry["activation"] = layer.activation.name
            # a layer without biases is written with "bias": null
            entry["bias"] = (
                _finite_list(layer.bias, f"bias of layer {layer.name!r}") if layer.has_bias else None
            )
        layers.append(entry)
    connections = []
    for block in network.blocks:
        _finite_list(block.weight, f"weights {block.source.name!r} -> {block.target.name!r}")
        weights = [
            [float(w) if present else None for w, present in zip(row, mask_row, strict=True)]
            for row, mask_row in zip(block.weight, block.mask, strict=True)
        ]
        connections.append({"source": block.source.name, "target": block.target.name, "weights": weights})
    return {"format_version": FORMAT_VERSION, "layers": layers, "connections": connections}


def _finite_list(values: np.ndarray, what: str) -> list:
    if not np.isfinite(values).all():
        raise DataError(f"cannot save: the {what} contain NaN or infinity (did training diverge?)")
    return values.tolist()


def save(network: Network, path: str | os.PathLike[str]) -> None:
    """Write ``network`` to ``path`` as JSON.

    The file is written to a temporary file beside ``path`` and moved into
    place only when complete, so a save that fails half-way leaves any
    earlier file intact.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([2, 2, 1], seed=0)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "net.json"
    >>> net.save(path)
    >>> loaded = ns.load(path)
    >>> [s.weight for s in loaded.synapses] == [s.weight for s in net.synapses]
    True
    """
    path = Path(path)
    text = json.dumps(to_dict(network), allow_nan=False, indent=1)
    write_atomically(path, lambda handle: handle.write(text), action="save to")


def load(path: str | os.PathLike[str], *, activations: Iterable[Activation] = ()) -> Network:
    """Read a network saved by ``Network.save``.

    ``activations`` supplies custom activations by object, for layers whose
    activation is not built in or registered.

    Raises ``ModelFileError`` for a missing, truncated
    or corrupted file, and ``FormatVersionError`` for a
    file written by a newer format.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> import neurosim as ns
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "net.json"
    >>> ns.Network.from_shape([2, 3, 1], activation="tanh", seed=0).save(path)
    >>> ns.load(path)
    Network(layers=[2, 3, 1], synapses=9, parameters=13)
    >>> _ = path.write_text(json.dumps({"format_version": 7, "layers": [], "connections": []}))
    >>> ns.load(path)
    Traceback (most recent call last):
    ...
    neurosim.errors.FormatVersionError: cannot load '...': the file has format_version 7, but ...
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelFileError(f"cannot load {str(path)!r}: no such file") from None
    except IsADirectoryError:
        raise ModelFileError(
            f"cannot load {str(path)!r}: it is a folder; expected a model file such as model.json"
        ) from None
    except UnicodeDecodeError:
        raise ModelFileError(f"cannot load {str(path)!r}: not a neurosim model (not JSON text)") from None
    except OSError as error:
        raise ModelFileError(f"cannot load {str(path)!r}: {error}") from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError) as error:
        raise ModelFileError(
            f"cannot load {str(path)!r}: not valid JSON ({error}); the file may be truncated or corrupted"
        ) from None
    known = dict(ACTIVATIONS)
    known.update(_custom_activations(activations))
    try:
        return from_dict(data, known)
    except ModelFileError as error:
        raise type(error)(f"cannot load {str(path)!r}: {error}") from None


def _custom_activations(activations: Iterable[Activation]) -> dict[str, Activation]:
    if isinstance(activations, (str, bytes)) or not isinstance(activations, Iterable):
        raise ParameterError(f"activations must be a list of Activation objects; got {activations!r}")
    activations = list(activations)
    for item in activations:
        if not isinstance(item, Activation):
            raise ParameterError(f"activations must be a list of Activation objects; got {item!r} in it")
    return {activation.name: activation for activation in activations}


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a finite number")


def from_dict(data: object, activations: dict[str, Activation]) -> Network:
    """Rebuild a network from ``to_dict``'s description."""
    from neurosim.core import Network

    if not isinstance(data, dict):
        raise ModelFileError("expected a JSON object at the top level")
    if "format_version" not in data:
        raise ModelFileError("not a neurosim model: it has no 'format_version' field")
    version = data["format_version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise ModelFileError(f"'format_version' must be an integer; got {version!r}")
    if version > FORMAT_VERSION:
        raise FormatVersionError(
            f"the file has format_version {version}, but this neurosim reads versions up to "
            f"{FORMAT_VERSION}; upgrade neurosim to load it"
        )
    if version < 1:
        raise ModelFileError(f"'format_version' must be at least 1; got {version}")
    layers = _field(data, "layers", list, "the top level")
    connections = _field(data, "connections", list, "the top level")
    network = Network()
    try:
        for i, layer in enumerate(layers):
            _add_layer(network, layer, i, activations)
        for i, connection in enumerate(connections):
            _add_connection(network, connection, i)
    except ModelFileError:
        raise
    except NeurosimError as error:
        raise ModelFileError(f"the file describes an invalid network: {error}") from None
    if len(network.layers) < 2:
        raise ModelFileError(f"a network needs at least 2 layers; the file has {len(network.layers)}")
    network.parameter_store.pack()
    return network


def _field(entry: object, key: str, kind: type, where: str) -> Any:
    if not isinstance(entry, dict) or key not in entry:
        raise ModelFileError(f"{where} has no {key!r} field")
    value = entry[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ModelFileError(f"{where}: {key!r} must be a {kind.__name__}; got {value!r:.60}")
    return value


def _add_layer(network: Network, entry: object, i: int, activations: dict[str, Activation]) -> None:
    where = f"layers[{i}]"
    name = _field(entry, "name", str, where)
    size = _field(entry, "size", int, where)
    if i == 0:
        network.add_layer(size, name=name)
        return
    activation_name = _field(entry, "activation", str, where)
    if activation_name not in activations:
        raise ModelFileError(
            f"{where} ({name!r}) uses activation {activation_name!r}, which is not built in; pass it "
            f"to load(path, activations=[...]) or register it with neurosim.register_activation"
        )
    if isinstance(entry, dict) and "bias" in entry and entry["bias"] is None:
        network.add_layer(size, name=name, activation=activations[activation_name], bias=False)
        return
    layer = network.add_layer(size, name=name, activation=activations[activation_name])
    layer.bias[:] = _numbers(_field(entry, "bias", list, where), (size,), f"{where}.bias")


def _add_connection(network: Network, entry: object, i: int) -> None:
    where = f"connections[{i}]"
    source = network[_field(entry, "source", str, where)]
    target = network[_field(entry, "target", str, where)]
    rows = _field(entry, "weights", list, where)
    shape = (target.size, source.size)
    if len(rows) != shape[0] or not all(isinstance(row, list) and len(row) == shape[1] for row in rows):
        raise ModelFileError(f"{where}.weights must be {shape[0]} rows of {shape[1]} entries")
    mask = np.array([[value is not None for value in row] for row in rows], dtype=bool)
    values = _numbers(
        [[0.0 if value is None else value for value in row] for row in rows], shape, f"{where}.weights"
    )
    network.connect(source, target, weight=values)
    for row, col in np.argwhere(~mask):
        network.disconnect(source[int(col)], target[int(row)])


def _numbers(values: list, shape: tuple[int, ...], where: str) -> np.ndarray:
    flat = np.ravel(np.array(values, dtype=object))
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in flat):
        raise ModelFileError(f"{where} must hold only numbers")
    try:
        array = np.array(values, dtype=float)
    except OverflowError:
        raise ModelFileError(f"{where} holds a number too large for a float") from None
    if array.shape != shape:
        raise ModelFileError(f"{where} must have shape {shape}; got {array.shape}")
    try:
        check_finite(array, where)
    except DataError as error:
        raise ModelFileError(str(error)) from None
    return array
