"""Pictures for classifiers with many inputs: the confusion matrix, and input weights drawn as images."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from neurosim.core.network import Network
from neurosim.errors import DataError, ParameterError, ShapeError, UnknownNameError
from neurosim.plot._style import SIGNED_CMAP, axes_or_new, new_figure, require_network
from neurosim.plot.scales import signed_norm
from neurosim.validation import as_float_array, check_finite

if TYPE_CHECKING:
    from neurosim.core.layer import Layer

__all__ = ["COUNT_CMAP", "MAX_ANNOTATED_CLASSES", "confusion_matrix", "input_weights"]

#: colour map of the confusion matrix: white for 0, darker for more (counts have no sign)
COUNT_CMAP = "Blues"
#: a confusion matrix of at most this many classes gets its values written in its cells
MAX_ANNOTATED_CLASSES = 20
#: colour of pixels whose synapse is absent (pruned)
ABSENT_COLOUR = "#bdbdbd"
#: how many neurons ``input_weights`` draws when not told which
DEFAULT_NEURONS = 16


# ------------------------------------------------------------------------------ confusion matrix


def confusion_matrix(
    y_true: object,
    y_pred: object,
    *,
    labels: Sequence[str] | None = None,
    normalize: bool = False,
    ax: Axes | None = None,
    top: float | None = None,
) -> Axes:
    """Draw how often each true class was predicted as each class: right on the diagonal, wrong off it.

    Row ``i``, column ``j`` counts the samples of true class ``i`` that were
    predicted as class ``j``. With ``normalize=True`` each row is divided by
    its number of samples, so the diagonal reads as each class's accuracy
    (a class without samples keeps a row of zeros). Cells are coloured from
    white (0) to dark blue (the largest value) and, for at most
    ``MAX_ANNOTATED_CLASSES`` (20) classes, show their value. The title
    gives the overall accuracy.

    Parameters
    ----------
    y_true, y_pred : array of shape (n_samples,)
        True and predicted class labels, whole numbers from 0 (a network's
        are ``y_pred = net.predict_classes(X)``).
    labels : sequence of str, optional
        A name for each class, which also sets the number of classes. By
        default the classes are 0 .. the largest label in either array.
    normalize : bool, default False
        Show the fraction of each true class instead of the count.
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure.
    top : float, optional
        The count (or fraction) drawn darkest, instead of the largest count
        (or 1): pass the same ``top`` to compare matrices of a series.

    Returns
    -------
    matplotlib Axes
        The axes drawn on. Its image (``ax.images[0].get_array()``) holds the
        matrix drawn.

    Raises
    ------
    ShapeError
        If ``y_true`` and ``y_pred`` are not 1-D arrays of the same, non-zero length.
    DataError
        If a label is not a whole number from 0, or not below ``len(labels)``.
    ParameterError
        If ``labels``, ``normalize``, ``ax`` or ``top`` is not one of the values above.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from neurosim.plot.classification import confusion_matrix
    >>> ax = confusion_matrix([0, 0, 1, 1, 2], [0, 1, 1, 1, 2])
    >>> ax.images[0].get_array().tolist()
    [[1, 1, 0], [0, 2, 0], [0, 0, 1]]
    >>> ax.get_title()
    'confusion matrix (accuracy 80.0%)'
    >>> plt.close(ax.figure)
    """
    true = _class_labels(y_true, "y_true")
    predicted = _class_labels(y_pred, "y_pred")
    if true.shape != predicted.shape:
        raise ShapeError(
            f"y_true and y_pred must hold one label per sample each; got {true.shape[0]} and "
            f"{predicted.shape[0]} labels"
        )
    names = _class_names(labels, max(true.max(), predicted.max()) + 1)
    if not isinstance(normalize, bool):
        raise ParameterError(f"normalize must be True or False; got {normalize!r}")
    if ax is not None and not isinstance(ax, Axes):
        raise ParameterError(f"ax must be a matplotlib Axes (or None for a new figure); got {ax!r}")
    if top is not None and (
        isinstance(top, bool) or not isinstance(top, numbers.Real) or not np.isfinite(top) or top <= 0
    ):
        raise ParameterError(f"top must be a finite number above 0 (the value drawn darkest); got {top!r}")

    n_classes = len(names)
    counts = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(counts, (true, predicted), 1)
    matrix = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) if normalize else counts

    ax = axes_or_new(ax, figsize=(max(4.0, 0.45 * n_classes + 2.6), max(3.4, 0.45 * n_classes + 2.0)))
    if top is None:
        top = 1.0 if normalize else max(int(counts.max()), 1)
    norm = Normalize(0.0, top)
    image = ax.imshow(matrix, cmap=COUNT_CMAP, norm=norm, interpolation="nearest")
    ticks = list(range(n_classes))
    ax.set_xticks(ticks, names, rotation=90 if max(map(len, names)) > 3 else 0)
    ax.set_yticks(ticks, names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    accuracy = float(np.trace(counts)) / len(true)
    ax.set_title(f"confusion matrix (accuracy {accuracy:.1%})")
    colourbar = ax.figure.colorbar(image, ax=ax, shrink=0.85)
    colourbar.set_label("fraction of the true class" if normalize else "samples")
    if n_classes <= MAX_ANNOTATED_CLASSES:
        _write_values(ax, matrix, norm, normalize)
    return ax


def _write_values(ax: Axes, matrix: np.ndarray, norm: Normalize, fractions: bool) -> None:
    """Each cell's value in its middle, white on dark cells, nothing in empty ones (they stay readable)."""
    size = "small" if matrix.shape[0] <= 12 else "x-small"
    for (i, j), value in np.ndenumerate(matrix):
        if value == 0:
            continue
        text = f"{value:.2f}" if fractions else f"{value:d}"
        colour = "white" if norm(value) > 0.55 else "black"
        ax.text(j, i, text, ha="center", va="center", fontsize=size, color=colour)


def _class_labels(values: object, name: str) -> np.ndarray:
    """``values`` as a 1-D array of whole-number class labels from 0."""
    array = as_float_array(values, name)
    if array.ndim != 1 or array.shape[0] == 0:
        raise ShapeError(
            f"{name} must be a 1-D array of class labels, one per sample; got shape {array.shape}"
        )
    check_finite(array, name)
    bad = (array != np.round(array)) | (array < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{name} must hold class labels 0, 1, 2, ... (whole numbers); got {array[i]:g} at index {i}"
        )
    return array.astype(int)


def _class_names(labels: object, n_found: int) -> list[str]:
    """The class names: ``labels`` (checked to cover every label found), or the numbers 0 .. n_found - 1."""
    if labels is None:
        return [str(k) for k in range(n_found)]
    if isinstance(labels, (str, bytes)) or not isinstance(labels, Sequence) or not labels:
        raise ParameterError(f"labels must be a non-empty sequence of class names; got {labels!r}")
    names = [str(name) for name in labels]
    if n_found > len(names):
        raise DataError(
            f"labels names {len(names)} classes (0 .. {len(names) - 1}), but y_true or y_pred "
            f"holds the label {n_found - 1}"
        )
    return names


# ------------------------------------------------------------------------------ input weights


def input_weights(
    net: Network,
    layer: str = "hidden1",
    *,
    neurons: Sequence[int] | None = None,
    image_shape: tuple[int, int] = (8, 8),
    columns: int | None = None,
    fig: Figure | None = None,
    limit: float | None = None,
) -> Figure:
    """Draw the weights from the inputs into each chosen neuron as an image the shape of the input.

    When the inputs are the pixels of an image, a neuron's incoming weights
    have the image's shape too: the weight from ``input[i]`` is drawn at
    row ``i // width``, column ``i % width`` of ``image_shape = (height,
    width)``. Blue pixels push the neuron's ``z`` up when they are bright,
    red ones push it down: the picture is the pattern the neuron looks for.
    All images share one colour scale, symmetric around 0 (white), shown by
    one colour bar; absent (pruned) synapses are grey.

    Parameters
    ----------
    net : Network
    layer : str, default "hidden1"
        A layer fed by the input layer.
    neurons : sequence of int, optional
        Indices of the neurons of ``layer`` to draw; by default its first 16.
    image_shape : (height, width), default (8, 8)
        The shape of one input image: ``height * width`` must be the number of inputs.
    columns : int, optional
        Images per row; by default about the square root of their number.
    fig : matplotlib Figure, optional
        An empty figure to draw in; by default a new one.
    limit : float, optional
        The colour scale runs from ``-limit`` to ``limit``; by default to
        the largest ``|weight|`` drawn. Pass the same limit to compare
        pictures of a series colour for colour.

    Returns
    -------
    matplotlib Figure
        One Axes per neuron, titled with its name (``fig.axes[k].images[0]``
        holds its weights), then the colour bar.

    Raises
    ------
    UnknownNameError
        If ``net`` has no layer named ``layer``.
    ParameterError
        If ``layer`` is not fed by the input layer, ``neurons`` holds
        something other than indices of its neurons, or ``columns`` or
        ``fig`` is not one of the values above.
    ShapeError
        If ``image_shape`` does not hold as many pixels as the network has inputs.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import neurosim as ns
    >>> from neurosim.plot.classification import input_weights
    >>> net = ns.Network.from_shape([64, 10, 10], seed=0)
    >>> fig = input_weights(net, neurons=[0, 3])
    >>> [(ax.get_title(), ax.images[0].get_array().shape) for ax in fig.axes[:2]]
    [('hidden1[0]', (8, 8)), ('hidden1[3]', (8, 8))]
    >>> float(fig.axes[0].images[0].get_array()[0, 1]) == net.synapse("input[1]", "hidden1[0]").weight
    True
    >>> plt.close(fig)
    """
    require_network(net)
    target = _fed_layer(net, layer)
    chosen = _neuron_indices(neurons, target.size, target.name)
    height, width = _image_shape(image_shape, net.input_layer.size, net.input_layer.name)
    n_columns = _columns(columns, len(chosen))
    if fig is not None and (not isinstance(fig, Figure) or fig.axes or fig.subfigs):
        what = "a Figure that already holds axes" if isinstance(fig, Figure) else f"a {type(fig).__name__}"
        raise ParameterError(f"fig must be an empty matplotlib Figure; got {what}")

    W, _, _ = net.compile().matrix(net.input_layer.name, target.name)
    mask = next(b.mask for b in net.blocks if b.source is net.input_layer and b.target is target)
    images = np.ma.masked_array(np.array(W[chosen], dtype=float), mask=~mask[chosen])
    norm = signed_norm(images.compressed(), limit)  # symmetric: white is a weight of 0
    cmap = mpl.colormaps[SIGNED_CMAP].with_extremes(bad=ABSENT_COLOUR)

    n_rows = math.ceil(len(chosen) / n_columns)
    if fig is None:
        side = 1.3 if max(height, width) <= 16 else 1.8
        fig = new_figure(figsize=(n_columns * side + 1.2, n_rows * side * height / width + 1.0))
    if fig.get_layout_engine() is None:
        fig.set_layout_engine("constrained")
    axes = fig.subplots(n_rows, n_columns, squeeze=False).ravel()
    for axis, index, pixels in zip(axes, chosen, images, strict=False):
        image = axis.imshow(pixels.reshape(height, width), cmap=cmap, norm=norm, interpolation="nearest")
        axis.set_title(target[index].name, fontsize="small", pad=3)
        axis.set_xticks([])
        axis.set_yticks([])
    for axis in axes[len(chosen) :]:
        axis.remove()
    colourbar = fig.colorbar(image, ax=list(axes[: len(chosen)]), shrink=0.8)
    colourbar.set_label(f"weight from {net.input_layer.name}")
    shown = f"all {target.size} neurons" if len(chosen) == target.size else _subset(chosen, target.size)
    fig.suptitle(
        f"weights from each input pixel into {shown} of {target.name!r}\n(blue: a bright pixel excites it, "
        "red: it inhibits it)",
        fontsize="medium",
    )
    return fig


def _subset(chosen: list[int], size: int) -> str:
    """Which neurons of a layer of ``size`` a picture shows, in words: ``first 16 of 64 neurons``."""
    if chosen == list(range(len(chosen))):
        return f"the first {len(chosen)} of {size} neurons"
    return f"{len(chosen)} of {size} neurons"


def _fed_layer(net: Network, layer: object) -> Layer:
    """The layer named ``layer``, checked to be fed by the input layer."""
    if not isinstance(layer, str):
        raise ParameterError(f"layer must be the name of a layer, like 'hidden1'; got {layer!r}")
    names = [each.name for each in net.layers]
    if layer not in names:
        raise UnknownNameError(
            f"layer {layer!r} is not in the network; its layers are {', '.join(map(repr, names))}"
        )
    target = net[layer]
    fed = [block.target.name for block in net.blocks if block.source is net.input_layer]
    if target.name not in fed:
        raise ParameterError(
            f"layer must be fed by the input layer {net.input_layer.name!r}, so that its weights line up "
            f"with the input's pixels; got {layer!r}. Layers fed by the input: "
            f"{', '.join(map(repr, fed)) or 'none'}"
        )
    return target


def _neuron_indices(neurons: object, size: int, layer: str) -> list[int]:
    """``neurons`` as a list of indices into a layer of ``size`` neurons (by default its first few)."""
    if neurons is None:
        return list(range(min(size, DEFAULT_NEURONS)))
    expected = f"neurons must be a non-empty list of indices of {layer!r}'s neurons, 0 .. {size - 1}"
    if (
        isinstance(neurons, (str, bytes))
        or not isinstance(neurons, (Sequence, np.ndarray))
        or len(neurons) == 0
    ):
        raise ParameterError(f"{expected}; got {neurons!r}")
    for index in neurons:
        if (
            isinstance(index, (bool, np.bool_))
            or not isinstance(index, numbers.Integral)
            or not 0 <= index < size
        ):
            raise ParameterError(f"{expected}; got {index!r} among them")
    return [int(index) for index in neurons]


def _image_shape(image_shape: object, n_inputs: int, input_name: str) -> tuple[int, int]:
    """``image_shape`` as ``(height, width)``, checked to have one pixel per input."""
    try:
        height, width = image_shape  # type: ignore[misc]
    except (TypeError, ValueError):
        height = width = None
    if not all(
        isinstance(n, numbers.Integral) and not isinstance(n, bool) and n > 0 for n in (height, width)
    ):
        raise ParameterError(
            f"image_shape must be two positive whole numbers (height, width); got {image_shape!r}"
        )
    if height * width != n_inputs:
        raise ShapeError(
            f"image_shape {tuple(image_shape)} holds {height * width} pixels, but the input layer "
            f"{input_name!r} has {n_inputs} neurons; expected height * width == {n_inputs}"
        )
    return int(height), int(width)


def _columns(columns: object, n_images: int) -> int:
    if columns is None:
        return math.ceil(math.sqrt(n_images))
    if isinstance(columns, bool) or not isinstance(columns, numbers.Integral) or columns <= 0:
        raise ParameterError(f"columns must be a positive whole number of images per row; got {columns!r}")
    return min(int(columns), n_images)
