"""Classification accuracy from outputs and targets."""

from __future__ import annotations

import numpy as np


def is_classification(loss_is_classification: bool, targets: np.ndarray) -> bool:
    """Whether accuracy means something: a classification loss, or 0/1 targets."""
    return loss_is_classification or bool(np.isin(targets, (0.0, 1.0)).all())


def predicted_classes(outputs: np.ndarray) -> np.ndarray:
    """The class each row of ``outputs`` predicts: class 1 where a single output is >= 0.5, else the largest.

    Examples
    --------
    >>> predicted_classes(np.array([[0.7], [0.5], [0.2]])).tolist()
    [1, 1, 0]
    >>> predicted_classes(np.array([[0.1, 0.7, 0.2], [0.6, 0.3, 0.1]])).tolist()
    [1, 0]
    """
    if outputs.shape[1] == 1:
        return (outputs[:, 0] >= 0.5).astype(int)
    return outputs.argmax(axis=1)


def accuracy(outputs: np.ndarray, targets: np.ndarray) -> float:
    """Fraction of correct predictions.

    One output: the prediction is ``output >= 0.5``. Several outputs with
    one-hot targets: the prediction is the largest output. Several outputs
    otherwise (multi-label): each output is thresholded at 0.5.

    Examples
    --------
    >>> accuracy(np.array([[0.9], [0.2]]), np.array([[1.0], [1.0]]))
    0.5
    >>> accuracy(np.array([[0.1, 0.7, 0.2]]), np.array([[0.0, 1.0, 0.0]]))
    1.0
    """
    if _one_hot(targets):
        return float(np.mean(outputs.argmax(axis=1) == targets.argmax(axis=1)))
    return float(np.mean((outputs >= 0.5) == (targets >= 0.5)))


def _one_hot(targets: np.ndarray) -> bool:
    return (
        targets.shape[1] > 1
        and bool(np.allclose(targets.sum(axis=1), 1.0))
        and bool((targets.max(axis=1) == 1).all())
    )


class CorrectCounter:
    """Count correct predictions batch by batch, with ``accuracy``'s rule chosen once for all targets.

    Examples
    --------
    >>> counter = CorrectCounter(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]))
    >>> counter(np.array([[0.8, 0.2], [0.6, 0.4]]), np.array([0, 2]))   # rows 0 and 2 of the targets
    1.0
    """

    def __init__(self, targets: np.ndarray) -> None:
        self.one_hot = _one_hot(targets)
        if self.one_hot:
            self.labels = targets.argmax(axis=1)
        else:
            self.labels = targets >= 0.5
            self.per_row = targets.shape[1]

    def __call__(self, outputs: np.ndarray, rows: np.ndarray) -> float:
        """How many of the samples ``rows`` (indices into the targets) ``outputs`` gets right."""
        if self.one_hot:
            return float(np.count_nonzero(outputs.argmax(axis=1) == self.labels[rows]))
        return int(np.count_nonzero((outputs >= 0.5) == self.labels[rows])) / self.per_row
