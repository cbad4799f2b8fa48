"""Classification accuracy from outputs and targets."""

from __future__ import annotations

import numpy as np


def is_classification(loss_is_classification: bool, targets: np.ndarray) -> bool:
    """Whether accuracy means something: a classification loss, or 0/1 targets."""
    return loss_is_classification or bool(np.isin(targets, (0.0, 1.0)).all())


def accuracy(outputs: np.ndarray, targets: np.ndarray) -> float:
    """Fraction of correct predictions.

    One output: the prediction is ``output >= 0.5``. Several outputs with
    one-hot targets: the prediction is the largest output. Several outputs
    otherwise (multi-label): each output is thresholded at 0.5.

    >>> accuracy(np.array([[0.9], [0.2]]), np.array([[1.0], [1.0]]))
    0.5
    >>> accuracy(np.array([[0.1, 0.7, 0.2]]), np.array([[0.0, 1.0, 0.0]]))
    1.0
    """
    if outputs.shape[1] > 1 and np.allclose(targets.sum(axis=1), 1.0) and (targets.max(axis=1) == 1).all():
        return float(np.mean(outputs.argmax(axis=1) == targets.argmax(axis=1)))
    return float(np.mean((outputs >= 0.5) == (targets >= 0.5)))
