"""Networks as JSON files.

The file is a JSON object::

    {
      "format_version": 1,
      "dtype": "float64",
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
``"bias": null`` a layer without biases (``add_layer(..., bias=False)``). A
layer with dropout has ``"dropout": rate`` (see ``Layer.dropout``); a layer
without the key, as in files written before it existed, has none. Floats
are written with Python's shortest round-trip repr, so a loaded network has
every weight and bias bit for bit. ``dtype`` is the network's storage dtype
(``"float64"`` or ``"float32"``; a file without it, written before it existed,
loads as float64). Activations are stored by name: a custom activation must be
passed to ``load`` (or registered) to load, and one named like a built-in is
refused when saved, since it would load as the built-in.

``save`` checks what it writes as ``load`` will read it, so it never replaces
a good file with one that will not load. ``load`` reads only regular files up
to ``MAX_FILE_BYTES``, and checks the whole file (``check_description``) before
building anything.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from neurosim import limits
from neurosim.activations import ACTIVATIONS, Activation
from neurosim.errors import DataError, ModelFileError, NeurosimError, ParameterError, ResourceError
from neurosim.io.atomic import checked_path, write_atomically
from neurosim.io.description import FORMAT_VERSION, Description, check_description

if TYPE_CHECKING:
    from neurosim.core import Network

__all__ = ["FORMAT_VERSION", "MAX_FILE_BYTES", "from_dict", "load", "save", "to_dict"]

#: The largest model file ``load`` reads: ten times a file of ``neurosim.limits.MAX_PARAMETERS``
#: parameters written with short numbers, far more than any network that fits in memory.
MAX_FILE_BYTES = 2 * 10**9

#: Memory that reading a model file takes, per byte of the file: the bytes, the text, and the
#: parsed lists of numbers.
MEMORY_PER_FILE_BYTE = 4


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
            if layer.dropout:
                entry["dropout"] = layer.dropout
        layers.append(entry)
    connections = []
    for block in network.blocks:
        _finite_list(block.weight, f"weights {block.source.name!r} -> {block.target.name!r}")
        weights = [
            [float(w) if present else None for w, present in zip(row, mask_row, strict=True)]
            for row, mask_row in zip(block.weight, block.mask, strict=True)
        ]
        connections.append({"source": block.source.name, "target": block.target.name, "weights": weights})
    return {
        "format_version": FORMAT_VERSION,
        "dtype": network.dtype.name,
        "layers": layers,
        "connections": connections,
    }


def _finite_list(values: np.ndarray, what: str) -> list:
    if not np.isfinite(values).all():
        raise DataError(f"cannot save: the {what} contain NaN or infinity (did training diverge?)")
    return values.tolist()


def save(network: Network, path: str | os.PathLike[str]) -> None:
    """Write ``network`` to ``path`` as JSON.

    The description is checked as ``load`` will check it before anything is
    written, then written to a temporary file beside ``path`` and moved into
    place only when complete, so a save that fails at any point leaves any
    earlier file intact. Replacing a file keeps its permissions; replacing a
    symbolic link replaces the file it points to.

    Raises ``ParameterError`` for a ``path`` that is not a file name,
    ``DataError`` for NaN or infinite parameters, and ``ModelFileError`` for a
    network the file could not describe (a custom activation named like a
    built-in) or a file that cannot be written.

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
    path = checked_path(path, "save to")
    _check_activations_keep_their_identity(network)
    data = to_dict(network)
    own = {layer.activation.name: layer.activation for layer in network.layers[1:]}
    try:
        check_description(data, own)
    except (ModelFileError, ResourceError) as error:
        raise ModelFileError(
            f"cannot save to {str(path)!r}: the network would not load back: {error}"
        ) from None
    text = json.dumps(data, allow_nan=False, indent=1)
    write_atomically(path, lambda handle: handle.write(text), action="save to")


def _check_activations_keep_their_identity(network: Network) -> None:
    for layer in network.layers[1:]:
        activation = layer.activation
        builtin = ACTIVATIONS.get(activation.name)
        if builtin is not None and builtin is not activation and builtin.functions != activation.functions:
            raise ModelFileError(
                f"cannot save: layer {layer.name!r} uses an activation of your own named "
                f"{activation.name!r}, the name of a built-in one; a file stores activations by name, "
                f"so it would load as the built-in {activation.name!r}. Give yours a name of its own"
            )


def load(path: str | os.PathLike[str], *, activations: Iterable[Activation] = ()) -> Network:
    """Read a network saved by ``Network.save``.

    ``activations`` supplies custom activations by object, for layers whose
    activation is not built in or registered. The network gets the file's
    dtype (float64 for files that do not give one).

    Raises ``ParameterError`` for a ``path`` that is not a file name,
    ``ModelFileError`` for a missing, truncated, corrupted or invalid file and
    for anything but a regular file, ``FormatVersionError`` for a file
    written by a newer format, and ``ResourceError`` for a file that declares
    sizes over ``neurosim.limits``; the whole file is checked before any of
    the network is built.

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
    path = checked_path(path, "load")
    known = dict(ACTIVATIONS)
    known.update(_custom_activations(activations))
    text = _read_model_text(path)
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ModelFileError(
            f"cannot load {str(path)!r}: the JSON is nested too deeply to be a neurosim model"
        ) from None
    except (json.JSONDecodeError, ValueError) as error:
        raise ModelFileError(
            f"cannot load {str(path)!r}: not valid JSON ({error}); the file may be truncated or corrupted"
        ) from None
    try:
        return from_dict(data, known)
    except (ModelFileError, ResourceError) as error:
        raise type(error)(f"cannot load {str(path)!r}: {error}") from None


def _read_model_text(path: Path) -> str:
    """The text of the regular file at ``path``, refusing anything else before reading from it."""
    where = f"cannot load {str(path)!r}"
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise ModelFileError(f"{where}: no such file") from None
    except IsADirectoryError:
        raise ModelFileError(f"{where}: it is a folder; expected a model file such as model.json") from None
    except OSError as error:
        raise ModelFileError(f"{where}: {error.strerror or error}") from None
    try:
        info = os.fstat(descriptor)
        _check_regular_file(info, where)
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            content = _read_at_most(handle, info.st_size, MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ModelFileError(f"{where}: {error.strerror or error}") from None
    finally:
        os.close(descriptor)
    _check_file_size(len(content), where)
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelFileError(f"{where}: not a neurosim model (not JSON text)") from None


#: what a file that grows while it is read is read on by, a piece at a time
READ_PIECE = 2**20


def _read_at_most(handle: BinaryIO, expected: int, most: int) -> bytes:
    """Up to ``most`` bytes of ``handle``: ``expected`` (its size when asked) in one read, then any more.

    Reading the size the file has, and not ``most`` at once, keeps Python
    from setting aside ``most`` bytes for a small file.
    """
    content = handle.read(min(expected + 1, most))
    if len(content) <= expected:  # the whole file, no larger than when it was asked
        return content
    pieces, total = [content], len(content)
    while total < most:  # it grew since: read on, a piece at a time
        piece = handle.read(min(READ_PIECE, most - total))
        if not piece:
            break
        pieces.append(piece)
        total += len(piece)
    return b"".join(pieces)


def _check_regular_file(info: os.stat_result, where: str) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise ModelFileError(f"{where}: it is a folder; expected a model file such as model.json")
    if not stat.S_ISREG(info.st_mode):
        raise ModelFileError(
            f"{where}: it is not a regular file (a pipe, a device or a socket); expected a model file"
        )
    _check_file_size(info.st_size, where)


def _check_file_size(size: int, where: str) -> None:
    if size > MAX_FILE_BYTES:
        raise ModelFileError(
            f"{where}: the file has {limits.format_bytes(size)}, more than the "
            f"{limits.format_bytes(MAX_FILE_BYTES)} a model file may have"
        )
    limits.check_memory(size * MEMORY_PER_FILE_BYTE, f"reading a file of {limits.format_bytes(size)}", where)


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
    """Rebuild a network from ``to_dict``'s description, checked whole first (``check_description``)."""
    description = check_description(data, activations)
    try:
        return _build(description)
    except ModelFileError:
        raise
    except NeurosimError as error:
        raise ModelFileError(f"the file describes an invalid network: {error}") from None


def _build(description: Description) -> Network:
    from neurosim.core import Network

    network = Network()
    network.parameter_store.set_dtype(description.dtype)
    for entry in description.layers:
        if entry.activation is None:
            network.add_layer(entry.size, name=entry.name)
            continue
        layer = network.add_layer(
            entry.size,
            name=entry.name,
            activation=entry.activation,
            bias=entry.bias is not None,
            dropout=entry.dropout,
        )
        if entry.bias is not None:
            layer.bias = entry.bias
    for connection in description.connections:
        source, target = network[connection.source], network[connection.target]
        network.connect(source, target, weight=connection.weights)
        for row, col in np.argwhere(~connection.present):
            network.disconnect(source[int(col)], target[int(row)])
    network.parameter_store.pack()
    return network
