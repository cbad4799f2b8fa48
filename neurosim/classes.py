"""The class a network's outputs predict: one rule, used everywhere in neurosim.

- one output (a sigmoid neuron for two classes): class 1 where the output
  is >= 0.5, else class 0;
- several outputs (a softmax layer, one neuron per class): the class of the
  largest output, the first one where several are equally large.

Training accuracy, ``Network.predict_classes`` and ``score``, the pictures
of decision boundaries, the command line and the demos all use
``predicted_classes``, so they agree on every sample, 0.5 included.

Examples
--------
>>> import numpy as np
>>> import neurosim as ns
>>> ns.predicted_classes(np.array([[0.2], [0.5], [0.9]])).tolist()
[0, 1, 1]
"""

from __future__ import annotations

import numpy as np

from neurosim.errors import ShapeError
from neurosim.validation import as_float_array

__all__ = ["NO_CLASS", "predicted_classes"]

#: what ``predicted_classes`` gives a row with a NaN output: no class, so it never counts as right
NO_CLASS = -1


def predicted_classes(outputs: object) -> np.ndarray:
    """The class each row of ``outputs`` predicts: class 1 where a single output is >= 0.5, else the largest.

    Parameters
    ----------
    outputs : array-like, shape (n_samples, n_outputs)
        A network's outputs, one row per sample (what ``Network.predict``
        returns).

    Returns
    -------
    ndarray of int, shape (n_samples,)
        The class of each sample, ``0 .. n_classes - 1`` (``n_classes`` is 2
        for one output, else ``n_outputs``); ``NO_CLASS`` (-1) for a row with
        a NaN, which predicts nothing.

    Raises
    ------
    ShapeError
        If ``outputs`` is not 2-D with at least one column.
    DataError
        If ``outputs`` is not numbers.

    Examples
    --------
    >>> import numpy as np
    >>> predicted_classes(np.array([[0.7], [0.5], [0.2]])).tolist()
    [1, 1, 0]
    >>> predicted_classes(np.array([[0.1, 0.7, 0.2], [0.6, 0.3, 0.1], [0.4, 0.4, 0.2]])).tolist()
    [1, 0, 0]
    >>> predicted_classes([[0.9], [np.nan]]).tolist()
    [1, -1]
    >>> predicted_classes(np.array([0.1, 0.7, 0.2]))
    Traceback (most recent call last):
    ...
    neurosim.errors.ShapeError: outputs must be 2-D, one row per sample: (n_samples, n_outputs); got shape \
(3,) (reshape(1, -1) for one sample, reshape(-1, 1) for one output per sample)
    """
    array = _as_outputs(outputs)
    classes = (array[:, 0] >= 0.5).astype(np.intp) if array.shape[1] == 1 else array.argmax(axis=1)
    missing = np.isnan(array).any(axis=1)
    if missing.any():
        classes[missing] = NO_CLASS
    return classes


def _as_outputs(outputs: object) -> np.ndarray:
    """``outputs`` as a 2-D float array with at least one column (no copy when it is one already)."""
    if isinstance(outputs, np.ndarray) and outputs.dtype.kind == "f":
        array = outputs
    else:
        array = as_float_array(outputs, "outputs")
    if array.ndim != 2 or array.shape[1] == 0:
        hint = ""
        if array.ndim == 1:
            hint = " (reshape(1, -1) for one sample, reshape(-1, 1) for one output per sample)"
        raise ShapeError(
            f"outputs must be 2-D, one row per sample: (n_samples, n_outputs); got shape {array.shape}{hint}"
        )
    return array
