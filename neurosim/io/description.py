"""A model file's description checked whole before any of the network is built.

``check_description`` walks the parsed JSON once and refuses, naming the
place, anything ``from_dict`` could not build: a missing or unknown key, a
name or size of the wrong type, a duplicate layer, a connection that names a
neuron or a layer the file does not have, biases and weights of the wrong
shape or beyond the file's dtype, and sizes over ``neurosim.limits``. Only the
file's own numbers are turned into arrays; nothing of the declared sizes is
allocated until every check has passed.

Examples
--------
>>> from neurosim.activations import ACTIVATIONS
>>> huge = {"name": "out", "size": 10**9, "activation": "relu", "bias": None}
>>> data = {"format_version": 1, "layers": [{"name": "input", "size": 2}, huge], "connections": []}
>>> check_description(data, ACTIVATIONS)
Traceback (most recent call last):
...
neurosim.errors.ResourceError: layers[1] ('out') asks for a layer of 1,000,000,000 neurons; ...
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neurosim import limits
from neurosim.activations import Activation
from neurosim.errors import DataError, FormatVersionError, ModelFileError
from neurosim.validation import check_finite

FORMAT_VERSION = 1

#: The keys each part of a model file may have; any other key is refused by name.
TOP_KEYS = ("format_version", "dtype", "layers", "connections")
INPUT_LAYER_KEYS = ("name", "size")
LAYER_KEYS = ("name", "size", "activation", "bias", "dropout")
CONNECTION_KEYS = ("source", "target", "weights")

#: The dtypes a file may declare; a file without ``"dtype"`` (written before it existed) is float64.
FILE_DTYPES = ("float64", "float32")


@dataclass
class LayerEntry:
    """One checked layer: ``bias`` is ``None`` for the input layer and a layer without biases."""

    name: str
    size: int
    activation: Activation | None = None
    bias: np.ndarray | None = None
    dropout: float = 0.0


@dataclass
class ConnectionEntry:
    """One checked connection: ``weights`` with 0 where ``present`` is False."""

    source: str
    target: str
    weights: np.ndarray
    present: np.ndarray


@dataclass
class Description:
    """A model file's contents, checked: what ``from_dict`` builds a network from."""

    dtype: np.dtype
    layers: list[LayerEntry] = field(default_factory=list)
    connections: list[ConnectionEntry] = field(default_factory=list)

    @property
    def parameter_count(self) -> int:
        """Biases and present weights, as the built network will count them."""
        biases = sum(layer.size for layer in self.layers if layer.bias is not None)
        return biases + sum(int(c.present.sum()) for c in self.connections)


def check_description(data: object, activations: Mapping[str, Activation]) -> Description:
    """``data`` (a parsed model file) checked whole, or a ``ModelFileError`` naming what is wrong.

    Sizes over ``neurosim.limits`` raise its ``ResourceError``, before
    anything of that size is allocated.
    """
    if not isinstance(data, dict):
        raise ModelFileError(f"expected a JSON object at the top level; got {describe(data)}")
    _check_version(data)
    _only_keys(data, TOP_KEYS, "the top level")
    description = Description(dtype=_file_dtype(data))
    layers = field_of(data, "layers", list, "the top level")
    connections = field_of(data, "connections", list, "the top level")
    if len(layers) < 2:
        raise ModelFileError(f"a network needs at least 2 layers; the file has {len(layers)}")
    for i, entry in enumerate(layers):
        description.layers.append(_checked_layer(entry, i, activations, description))
    sizes = {layer.name: layer.size for layer in description.layers}
    for i, entry in enumerate(connections):
        description.connections.append(_checked_connection(entry, i, sizes, description.dtype))
    limits.check_network(list(sizes.values()), description.parameter_count, "the file", description.dtype)
    return description


def _check_version(data: dict) -> None:
    if "format_version" not in data:
        raise ModelFileError("not a neurosim model: it has no 'format_version' field")
    version = data["format_version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise ModelFileError(f"'format_version' must be an integer; got {describe(version)}")
    if version > FORMAT_VERSION:
        raise FormatVersionError(
            f"the file has format_version {version}, but this neurosim reads versions up to "
            f"{FORMAT_VERSION}; upgrade neurosim to load it"
        )
    if version < 1:
        raise ModelFileError(f"'format_version' must be at least 1; got {version}")


def _file_dtype(data: dict) -> np.dtype:
    name = data.get("dtype", "float64")
    if name not in FILE_DTYPES:
        expected = " or ".join(repr(d) for d in FILE_DTYPES)
        raise ModelFileError(f"'dtype' must be {expected}; got {describe(name)}")
    return np.dtype(name)


def _only_keys(entry: dict, allowed: tuple[str, ...], where: str, hint: str = "") -> None:
    unknown = [key for key in entry if key not in allowed]
    if unknown:
        listed = ", ".join(repr(key) for key in unknown)
        expected = ", ".join(repr(key) for key in allowed)
        raise ModelFileError(f"{where} has unknown key {listed}{hint}; expected only {expected}")


def field_of(entry: object, key: str, kind: type, where: str) -> Any:
    """``entry[key]`` if ``entry`` is a JSON object that has it, of type ``kind``; else ``ModelFileError``."""
    if not isinstance(entry, dict):
        raise ModelFileError(f"{where} must be a JSON object; got {describe(entry)}")
    if key not in entry:
        raise ModelFileError(f"{where} has no {key!r} field")
    value = entry[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ModelFileError(f"{where}: {key!r} must be a {kind.__name__}; got {describe(value)}")
    return value


def describe(value: object) -> str:
    """A short description of a JSON value for a message, however large or deeply nested it is.

    Examples
    --------
    >>> describe("relu"), describe([[[1]]]), describe({"a": 1})
    ("'relu'", 'a list of 1 items', 'a JSON object')
    """
    if isinstance(value, list):
        return f"a list of {len(value)} items"
    if isinstance(value, dict):
        return "a JSON object"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return "an integer of more than 30 digits"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _checked_layer(
    entry: object, i: int, activations: Mapping[str, Activation], description: Description
) -> LayerEntry:
    where = f"layers[{i}]"
    name = field_of(entry, "name", str, where)
    if not name:
        raise ModelFileError(f"{where}: 'name' must not be empty")
    if any(layer.name == name for layer in description.layers):
        raise ModelFileError(f"{where}: the name {describe(name)} is used by an earlier layer too")
    named = f"{where} ({describe(name)})"
    size = field_of(entry, "size", int, where)
    if size < 1:
        raise ModelFileError(
            f"the file describes an invalid network: size must be a positive integer; got {size} ({named})"
        )
    limits.check_layer_size(size, named, description.dtype)
    if i == 0:
        _only_keys(entry, INPUT_LAYER_KEYS, named, " (the input layer has no activation and no biases)")
        return LayerEntry(name, size)
    _only_keys(entry, LAYER_KEYS, named)
    activation_name = field_of(entry, "activation", str, where)
    if activation_name not in activations:
        raise ModelFileError(
            f"{named} uses activation {activation_name!r}, which is not built in; pass it "
            f"to load(path, activations=[...]) or register it with neurosim.register_activation"
        )
    dropout = _dropout(entry, where)
    if "bias" in entry and entry["bias"] is None:
        return LayerEntry(name, size, activations[activation_name], dropout=dropout)
    values = field_of(entry, "bias", list, where)
    bias = numbers(values, (size,), f"{where}.bias", description.dtype)
    return LayerEntry(name, size, activations[activation_name], bias, dropout)


def _dropout(entry: dict, where: str) -> float:
    """The layer's dropout rate: 0 without the key (files written before it existed), else in [0, 1)."""
    rate = entry.get("dropout", 0.0)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise ModelFileError(f"{where}.dropout must be a number in [0, 1); got {describe(rate)}")
    return float(rate)


def _checked_connection(entry: object, i: int, sizes: dict[str, int], dtype: np.dtype) -> ConnectionEntry:
    where = f"connections[{i}]"
    if isinstance(entry, dict):
        _only_keys(entry, CONNECTION_KEYS, where)
    source = _layer_name(field_of(entry, "source", str, where), sizes, f"{where}.source")
    target = _layer_name(field_of(entry, "target", str, where), sizes, f"{where}.target")
    rows = field_of(entry, "weights", list, where)
    shape = (sizes[target], sizes[source])
    if len(rows) != shape[0] or not all(isinstance(row, list) and len(row) == shape[1] for row in rows):
        raise ModelFileError(f"{where}.weights must be {shape[0]} rows of {shape[1]} entries")
    present = np.array([[value is not None for value in row] for row in rows], dtype=bool).reshape(shape)
    filled = [[0.0 if value is None else value for value in row] for row in rows]
    return ConnectionEntry(source, target, numbers(filled, shape, f"{where}.weights", dtype), present)


def _layer_name(name: str, sizes: dict[str, int], where: str) -> str:
    if name in sizes:
        return name
    layers = ", ".join(repr(layer) for layer in sizes)
    owner = name.split("[", 1)[0]
    if owner in sizes and name.endswith("]"):
        raise ModelFileError(
            f"{where} is {describe(name)}, a neuron of layer {owner!r}; a connection joins two layers, "
            f"named as in 'layers': {layers}"
        )
    raise ModelFileError(
        f"the file describes an invalid network: no layer named {describe(name)} ({where}); "
        f"the layers are {layers}"
    )


def numbers(values: list, shape: tuple[int, ...], where: str, dtype: np.dtype) -> np.ndarray:
    """``values`` (lists of JSON numbers) as a float array of ``shape``, finite and within ``dtype``."""
    flat = values if len(shape) == 1 else [value for row in values for value in row]
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
    largest = np.abs(array).max(initial=0.0)
    if largest > np.finfo(dtype).max:
        raise ModelFileError(f"{where} holds {largest:g}, beyond the range of the file's dtype {dtype.name}")
    return array
