"""Classification accuracy from outputs and targets.

The class of each output row is ``neurosim.classes.predicted_classes``'s
(re-exported here); a target row's class follows the same rule, so a 0/1
target column and one-hot target rows name their class as the outputs do.
"""

from __future__ import annotations

import numpy as np

from neurosim.classes import predicted_classes

__all__ = ["CorrectCounter", "accuracy", "is_classification", "predicted_classes"]


def is_classification(loss_is_classification: bool, targets: np.ndarray) -> bool:
    """Whether accuracy means something: a classification loss, or 0/1 targets."""
    return loss_is_classification or bool(np.isin(targets, (0.0, 1.0)).all())


def accuracy(outputs: np.ndarray, targets: np.ndarray) -> float:
    """Fraction of correct predictions.

    One output, or several with one-hot targets: the prediction is the class
    of ``predicted_classes`` (``output >= 0.5`` for one output, else the
    largest), compared with the target's class. Several outputs otherwise
    (multi-label): each output is thresholded at 0.5 on its own, and the
    fraction is over samples and outputs.

    Examples
    --------
    >>> accuracy(np.array([[0.9], [0.2]]), np.array([[1.0], [1.0]]))
    0.5
    >>> accuracy(np.array([[0.1, 0.7, 0.2]]), np.array([[0.0, 1.0, 0.0]]))
    1.0
    >>> accuracy(np.array([[0.9, 0.8], [0.1, 0.6]]), np.array([[1.0, 1.0], [0.0, 0.0]]))  # multi-label
    0.75
    """
    if _single_label(targets):
        return float(np.mean(predicted_classes(outputs) == predicted_classes(targets)))
    return float(np.mean((outputs >= 0.5) == (targets >= 0.5)))


def _single_label(targets: np.ndarray) -> bool:
    """Whether each target row names one class: one column, or one-hot rows."""
    return targets.shape[1] == 1 or _one_hot(targets)


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
        self.single_label = _single_label(targets)
        if self.single_label:
            self.labels = predicted_classes(targets)
        else:
            self.labels = targets >= 0.5
            self.per_row = targets.shape[1]

    def __call__(self, outputs: np.ndarray, rows: np.ndarray) -> float:
        """How many of the samples ``rows`` (indices into the targets) ``outputs`` gets right."""
        if self.single_label:
            return float(np.count_nonzero(predicted_classes(outputs) == self.labels[rows]))
        return int(np.count_nonzero((outputs >= 0.5) == self.labels[rows])) / self.per_row
