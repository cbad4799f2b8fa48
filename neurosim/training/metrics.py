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

    It counts as ``predicted_classes`` would, NaN rows never right, with
    fewer array operations: training calls it once per epoch.

    Examples
    --------
    >>> counter = CorrectCounter(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]))
    >>> counter(np.array([[0.8, 0.2], [0.6, 0.4]]), np.array([0, 2]))   # rows 0 and 2 of the targets
    1.0
    >>> CorrectCounter(np.array([[1.0], [0.0]]))(np.array([[0.7], [np.nan]]))   # a NaN is never right
    1.0
    """

    def __init__(self, targets: np.ndarray) -> None:
        self.single_label = _single_label(targets)
        self.one_output = targets.shape[1] == 1
        if self.single_label:
            self.labels = predicted_classes(targets)
            self.is_class_1 = self.labels == 1
        else:
            self.labels = targets >= 0.5
            self.per_row = targets.shape[1]

    def __call__(self, outputs: np.ndarray, rows: np.ndarray | None = None) -> float:
        """How many of the samples ``rows`` (indices into the targets; all if ``None``) it gets right."""
        return float(self.count_each(outputs[None], None if rows is None else rows[None])[0])

    def count_each(self, outputs: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """The count of ``__call__`` for each batch of a stack: outputs ``(k, n, m)``, rows ``(k, n)``.

        Training records its epochs with it, several at once.

        Examples
        --------
        >>> counter = CorrectCounter(np.array([[1.0], [0.0]]))
        >>> counter.count_each(np.array([[[0.9], [0.2]], [[0.1], [0.3]]])).tolist()
        [2.0, 1.0]
        """
        if not self.single_label:
            labels = self.labels if rows is None else self.labels[rows]
            return np.count_nonzero((outputs >= 0.5) == labels, axis=(1, 2)) / self.per_row
        if self.one_output:
            is_class_1 = self.is_class_1 if rows is None else self.is_class_1[rows]
            right = np.count_nonzero((outputs[:, :, 0] >= 0.5) == is_class_1, axis=1)
        else:
            labels = self.labels if rows is None else self.labels[rows]
            right = np.count_nonzero(outputs.argmax(axis=2) == labels, axis=1)
        right = right.astype(float)
        sums = np.add.reduce(outputs.reshape(outputs.shape[0], -1), axis=1)
        for i in np.flatnonzero(~np.isfinite(sums)):  # NaN rows predict nothing: not right
            labels = self.labels if rows is None else self.labels[rows[i]]
            right[i] = np.count_nonzero(predicted_classes(outputs[i]) == labels)
        return right
