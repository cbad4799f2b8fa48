"""A network from the arrays of your own code: which way round your weight matrices are, and your biases.

Code written from scratch holds a layer's weights either as ``W`` of shape
``(n_out, n_in)``, used as ``W @ x`` (the ``"out_in"`` layout, as
``torch.nn.Linear`` and neurosim's own weight blocks), or of shape
``(n_in, n_out)``, used as ``x @ W`` (``"in_out"``). Biases come as
``(n,)``, ``(n, 1)`` or ``(1, n)``. ``Network.from_arrays`` uses these
helpers to read them as they are.

Examples
--------
>>> import numpy as np
>>> infer_layout([np.zeros((3, 2)), np.zeros((1, 3))], [None, None])
'out_in'
>>> infer_layout([np.zeros((2, 3)), np.zeros((3, 1))], [None, None])
'in_out'
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from neurosim.errors import ParameterError, ShapeError
from neurosim.validation import as_float_array

LAYOUTS = ("out_in", "in_out")


def weight_matrices(weights: object) -> list[np.ndarray]:
    """``weights`` as a list of 2-D float arrays, each checked."""
    if isinstance(weights, np.ndarray) or not isinstance(weights, Sequence) or not weights:
        raise ParameterError("weights must be a list of 2-D arrays, one per layer after the inputs")
    matrices = []
    for i, W in enumerate(weights):
        W = as_float_array(W, f"weights[{i}]")
        if W.ndim != 2:
            raise ShapeError(f"weights[{i}] must be a 2-D matrix; got shape {W.shape}")
        matrices.append(W)
    return matrices


def infer_layout(
    weights: list[np.ndarray], biases: list[np.ndarray | None], layout: str | None = None
) -> str:
    """Which layout the matrices chain in (checked, or found from the shapes when ``layout`` is None)."""
    if layout is not None:
        if layout not in LAYOUTS:
            raise ParameterError(f"layout must be 'out_in' (W @ x) or 'in_out' (x @ W); got {layout!r}")
        problem = _chain_problem(weights, biases, layout)
        if problem:
            raise ShapeError(f"with layout={layout!r}, {problem}")
        return layout
    square = [i for i, W in enumerate(weights) if W.shape[0] == W.shape[1]]
    if square:
        raise ParameterError(
            f"weights[{square[0]}] is square {weights[square[0]].shape}, so it reads the same either way "
            "round: say which with layout='out_in' (your code computes W @ x) or layout='in_out' (x @ W)"
        )
    fitting = [layout for layout in LAYOUTS if not _chain_problem(weights, biases, layout)]
    if len(fitting) == 1:
        return fitting[0]
    if not fitting:
        raise ShapeError(
            "the weight matrices do not chain either way round: "
            f"as W @ x, {_chain_problem(weights, biases, 'out_in')}; "
            f"as x @ W, {_chain_problem(weights, biases, 'in_out')}"
        )
    raise ParameterError(
        f"the shapes {[W.shape for W in weights]} chain both ways round: say which with "
        "layout='out_in' (your code computes W @ x) or layout='in_out' (x @ W)"
    )


def layer_sizes(weights: list[np.ndarray], layout: str) -> list[int]:
    """The sizes of the layers the matrices connect, inputs first."""
    shapes = [W.shape if layout == "out_in" else W.shape[::-1] for W in weights]
    return [shapes[0][1], *(n_out for n_out, _ in shapes)]


def _chain_problem(weights: list[np.ndarray], biases: list[np.ndarray | None], layout: str) -> str:
    """Why the matrices do not chain in ``layout`` (naming the layer), or ``""`` when they do."""
    shapes = [W.shape if layout == "out_in" else W.shape[::-1] for W in weights]
    for i in range(1, len(shapes)):
        if shapes[i][1] != shapes[i - 1][0]:
            return (
                f"weights[{i}] takes {shapes[i][1]} inputs but weights[{i - 1}] gives {shapes[i - 1][0]} "
                f"outputs (layer {i + 1} of the network)"
            )
    for i, (b, (n_out, _)) in enumerate(zip(biases, shapes, strict=True)):
        if b is not None and b.size != n_out:
            return f"biases[{i}] has {b.size} values but weights[{i}] gives {n_out} outputs"
    return ""


def bias_vectors(biases: object, count: int) -> list[np.ndarray | None]:
    """``biases`` as one flat vector (or ``None``, no bias) per layer, from (n,), (n, 1) or (1, n)."""
    if biases is None:
        return [None] * count
    if isinstance(biases, np.ndarray) or not isinstance(biases, Sequence) or len(biases) != count:
        raise ParameterError(
            f"biases must be a list of {count} arrays, one per weight matrix (None: a layer without biases)"
        )
    vectors = []
    for i, b in enumerate(biases):
        if b is None:
            vectors.append(None)
            continue
        b = as_float_array(b, f"biases[{i}]")
        if b.ndim > 2 or (b.ndim == 2 and 1 not in b.shape):
            raise ShapeError(f"biases[{i}] must have shape (n,), (n, 1) or (1, n); got {b.shape}")
        vectors.append(b.reshape(-1))
    return vectors
