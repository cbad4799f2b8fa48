"""ONNX export: ``to_onnx`` writes a network as an ONNX model file.

The network goes through ``to_torch`` (any acyclic wiring, pruned synapses
as zeros) and PyTorch's ``torch.export``-based ONNX exporter, into a model
with one input, ``"inputs"``, of shape ``(batch, n_inputs)``, and one output,
``"outputs"``, of shape ``(batch, n_outputs)``, for any number of samples.
It needs PyTorch, onnx and onnxscript (``pip install "neurosim-learn[onnx]"``);
onnxruntime (``pip install onnxruntime``) runs the file.

Two precisions:

- ``dtype="float32"`` (the default) is the type every ONNX runtime runs,
  in standard operators (``MatMul``, ``Add``, ``Tanh``, ``Relu``,
  ``LeakyRelu``, ``Softmax``, ``Exp``, ``Where``); the outputs agree with
  ``net.predict`` to single precision (about ``1e-6``, relative).
- ``dtype="float64"`` computes in double precision, as neurosim does, and
  agrees with ``net.predict`` to about ``1e-15``. onnxruntime runs every
  operator used in double, but has no double ``LeakyRelu``: a leaky relu
  is written as ``Where(z > 0, z, 0.01 * z)`` in this precision.

Two activations are written in operators that keep their precision far
from 0, as neurosim computes them, rather than in the exporter's own forms:
a sigmoid as ``e = exp(-|z|)``, then ``1 / (1 + e)`` for ``z >= 0`` and
``e / (1 + e)`` below (onnxruntime's ``Sigmoid`` returns 0 from
``z = -20`` in float32, where the sigmoid is 2e-9, and loses the relative
precision below ``z = -30`` in float64), and a softplus as
``max(z, 0) + log1p(exp(-|z|))``, as numpy's ``logaddexp(0, z)``
(the exporter's ``log(exp(z) + 1)`` gives infinity above ``z = 88`` in
float32). A step layer is ``z >= 0`` cast to the float type.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import numpy as np

from neurosim.core import Network
from neurosim.errors import MissingDependencyError, ModelFileError, ParameterError
from neurosim.io.atomic import checked_path, write_atomically

try:
    import onnx
    import onnxscript
    import torch
    from onnxscript import opset18 as op

    from neurosim.io.torch_bridge import to_torch
except ImportError as error:  # pragma: no cover - the tests skip without these packages
    raise MissingDependencyError(
        f"to_onnx needs PyTorch, onnx and onnxscript, and {error.name or 'one of them'} is not installed: "
        'pip install "neurosim-learn[onnx]"'
    ) from error

__all__ = ["INPUT_NAME", "OUTPUT_NAME", "to_onnx"]

#: the name of the model's input, of shape ``(batch, n_inputs)``
INPUT_NAME = "inputs"
#: the name of the model's output, of shape ``(batch, n_outputs)``
OUTPUT_NAME = "outputs"

#: the precisions a model can compute in, by name
_TORCH_DTYPES = {"float32": torch.float32, "float64": torch.float64}
#: the oldest operator set the exporter converts these models to (``Shape`` took its form in 15)
_LOWEST_OPSET = 15
#: what ``write_atomically`` says it could not do
_ACTION = "write the ONNX file"


def to_onnx(
    network: Network,
    path: str | os.PathLike[str],
    *,
    activations: Mapping[str, Callable[[torch.Tensor], torch.Tensor]] | None = None,
    dtype: str | np.dtype | type = "float32",
    opset: int | None = None,
) -> None:
    """Write ``network`` to ``path`` as an ONNX model computing its outputs for a batch of any size.

    The model's input is ``"inputs"``, shape ``(batch, n_inputs)``, and its
    output ``"outputs"``, shape ``(batch, n_outputs)``, both of ``dtype``.
    The file is written whole or not at all: an export that fails at any
    point leaves an earlier file at ``path`` as it was.

    Parameters
    ----------
    network : Network
        The network to export.
    path : str or os.PathLike
        The file to write, such as ``"model.onnx"``, in an existing folder.
    activations : mapping of str to callable, optional
        The torch forms of the activations of your own that ``network``
        uses, by their names, as ``to_torch`` takes them (and checks them);
        the exporter writes them in ONNX operators.
    dtype : {"float32", "float64"}, default "float32"
        The precision the model computes in: ``"float32"`` for any ONNX
        runtime, ``"float64"`` for neurosim's own precision (onnxruntime
        runs it; some runtimes run single precision only).
    opset : int, optional
        The ONNX operator set version, from 15 up to the newest the
        installed onnx knows; by default the exporter's own choice
        (20 with PyTorch 2.13).

    Raises
    ------
    MissingDependencyError
        When PyTorch, onnx or onnxscript is not installed (raised when
        ``ns.to_onnx`` is first looked up).
    ParameterError
        If ``network`` is not a ``Network``, ``dtype`` or ``opset`` is not
        one of those above, ``path`` is not a file name, a layer uses an
        activation of your own without a torch form (the message names the
        layer), or the exporter cannot write a torch form in ONNX.
    ModelFileError
        If ``path``'s folder does not exist, ``path`` is a folder, or the
        file cannot be written.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "net.onnx"
    >>> ns.to_onnx(net, path)
    >>> ort = __import__("pytest").importorskip("onnxruntime")
    >>> session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    >>> X = np.array([[0.0, 1.0], [1.0, 0.5], [-2.0, 0.25]], dtype=np.float32)
    >>> outputs = session.run(["outputs"], {"inputs": X})[0]
    >>> outputs.shape, bool(np.allclose(outputs, net.predict(X), rtol=1e-6, atol=1e-7))
    ((3, 1), True)
    """
    if not isinstance(network, Network):
        raise ParameterError(f"to_onnx exports a neurosim Network; got {type(network).__name__}")
    torch_dtype = _checked_dtype(dtype)
    opset = _checked_opset(opset)
    target = _checked_target(path)
    module = to_torch(network, activations=activations).to(torch_dtype).eval()
    model = _exported_model(module, network.input_layer.size, torch_dtype, opset, own=bool(activations))
    _check_written_opset(model, opset)
    model.doc_string = f"neurosim {network!r} in {str(torch_dtype).removeprefix('torch.')}"
    data = model.SerializeToString()
    write_atomically(target, lambda handle: handle.write(data), binary=True, action=_ACTION)


def _checked_dtype(dtype: object) -> torch.dtype:
    """The torch type for ``dtype``, if it names float32 or float64; else ``ParameterError``."""
    try:
        name = np.dtype(dtype).name if dtype is not None else None  # type: ignore[call-overload]
    except TypeError:
        name = None
    if name not in _TORCH_DTYPES:
        raise ParameterError(f"to_onnx: dtype must be 'float32' or 'float64'; got {dtype!r}")
    return _TORCH_DTYPES[name]


def _checked_opset(opset: object) -> int | None:
    """``opset``, if it is None or an operator set version ONNX has; else ``ParameterError``."""
    newest = onnx.defs.onnx_opset_version()
    if opset is None:
        return None
    if (
        isinstance(opset, bool)
        or not isinstance(opset, (int, np.integer))
        or not _LOWEST_OPSET <= opset <= newest
    ):
        raise ParameterError(f"to_onnx: opset must be an int from {_LOWEST_OPSET} to {newest}; got {opset!r}")
    return int(opset)


def _check_written_opset(model: onnx.ModelProto, opset: int | None) -> None:
    """``ParameterError`` if the exporter could not bring ``model`` to operator set ``opset``.

    Below the version it writes itself, the exporter converts the model down,
    and leaves it as it was where it cannot (below 15: ``Shape`` came then).
    """
    written = next(entry.version for entry in model.opset_import if entry.domain in ("", "ai.onnx"))
    if opset is not None and written != opset:
        raise ParameterError(
            f"to_onnx: the exporter cannot write this network in opset {opset} (it wrote {written}); "
            "choose a newer opset"
        )


def _checked_target(path: object) -> Path:
    """``path`` as a ``Path`` to write, checked before the export (which takes a while)."""
    target = checked_path(path, _ACTION)
    folder = target.parent
    if not folder.is_dir():
        raise ModelFileError(f"cannot {_ACTION} {str(target)!r}: folder {str(folder)!r} does not exist")
    if target.is_dir():
        raise ModelFileError(
            f"cannot {_ACTION} {str(target)!r}: it is a folder; expected a file name such as 'model.onnx'"
        )
    return target


def _exported_model(
    module: torch.nn.Module, n_inputs: int, torch_dtype: torch.dtype, opset: int | None, *, own: bool
) -> onnx.ModelProto:
    """The ONNX model of ``module``, with a batch dimension of any size.

    ``own`` says whether ``module`` computes activations of your own, whose
    torch forms the exporter may not know how to write: a ``ParameterError``
    then says so.
    """
    example = torch.zeros((2, n_inputs), dtype=torch_dtype)  # a batch of 2: 0 and 1 would be specialized
    with _quiet_exporter(), _exporter_errors_named(own):
        program = torch.onnx.export(
            module,
            (example,),
            dynamo=True,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_shapes=({0: torch.export.Dim("batch")},),
            opset_version=opset,
            custom_translation_table=_translations(torch_dtype),
            external_data=False,
            verbose=False,
        )
    return program.model_proto


@contextlib.contextmanager
def _exporter_errors_named(own: bool) -> Iterator[None]:
    """An exporter failure, where the network has activations of your own, as a ``ParameterError``."""
    try:
        yield
    except Exception as error:
        if not own:
            raise
        raise ParameterError(
            f"to_onnx: PyTorch's exporter cannot write the network with the torch forms of its "
            f"activations of your own in ONNX operators: {_root_cause(error)}"
        ) from error


def _root_cause(error: BaseException) -> str:
    """The first line of the error at the bottom of ``error``'s chain, with its type."""
    while error.__cause__ is not None:
        error = error.__cause__
    lines = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


@contextlib.contextmanager
def _quiet_exporter() -> Iterator[None]:
    """Keep the exporter's progress messages and its warnings about PyTorch's own internals quiet."""
    loggers = [logging.getLogger(name) for name in ("torch", "onnxscript")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _translations(torch_dtype: torch.dtype) -> dict[object, object]:
    """The ONNX forms of the torch operators that the exporter's own forms would compute differently."""
    table: dict[object, object] = {
        torch.ops.aten.sigmoid.default: _sigmoid,
        torch.ops.aten.logaddexp.default: _logaddexp,
    }
    if torch_dtype == torch.float64:  # onnxruntime has no double LeakyRelu
        table[torch.ops.aten.leaky_relu.default] = _leaky_relu_double
    return table


def _sigmoid(z: onnxscript.tensor.Tensor) -> onnxscript.tensor.Tensor:
    """The sigmoid as neurosim computes it: ``e = exp(-|z|)``, then ``1 / (1 + e)`` or ``e / (1 + e)``."""
    e = op.Exp(op.Neg(op.Abs(z)))
    one = op.CastLike(1.0, z)
    denominator = op.Add(one, e)
    return op.Where(
        op.GreaterOrEqual(z, op.CastLike(0.0, z)), op.Div(one, denominator), op.Div(e, denominator)
    )


def _logaddexp(a: onnxscript.tensor.Tensor, b: onnxscript.tensor.Tensor) -> onnxscript.tensor.Tensor:
    """``log(exp(a) + exp(b))`` as ``max(a, b) + log1p(exp(-|a - b|))``, without overflow.

    ONNX has no ``log1p``: ``log1p(x)`` is ``log(u) * x / (u - 1)`` with
    ``u = 1 + x`` (exact to a few units in the last place), or ``x`` where
    ``u`` rounds to 1.
    """
    x = op.Exp(op.Neg(op.Abs(op.Sub(a, b))))
    one = op.CastLike(1.0, x)
    u = op.Add(one, x)
    log1p = op.Where(op.Equal(u, one), x, op.Div(op.Mul(op.Log(u), x), op.Sub(u, one)))
    return op.Add(op.Max(a, b), log1p)


def _leaky_relu_double(z: onnxscript.tensor.Tensor, negative_slope: float = 0.01) -> onnxscript.tensor.Tensor:
    """A double-precision leaky relu, ``z`` where ``z > 0``, else ``negative_slope * z``."""
    slope = op.Constant(value=onnx.numpy_helper.from_array(np.array(negative_slope, dtype=np.float64)))
    return op.Where(op.Greater(z, op.CastLike(0.0, z)), z, op.Mul(z, slope))
