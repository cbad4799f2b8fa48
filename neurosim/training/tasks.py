"""Choosing what to learn from the targets: classification or regression, the output layer and the loss.

The targets ``y`` decide the task, and the task decides the output layer and
the loss:

| targets ``y``                  | task           | output layer                 | loss              |
|--------------------------------|----------------|------------------------------|-------------------|
| 2 distinct whole numbers       | classification | 1 sigmoid neuron             | ``bce``           |
| 3 to 20 distinct whole numbers | classification | one softmax neuron per class | ``cross_entropy`` |
| anything else                  | regression     | 1 identity neuron            | ``mse``           |

Each choice can be made instead, with ``task``, ``output_activation`` and
``loss``. Given one of the last two, the other is chosen to fit it; given
both, they must fit each other. Classes are numbered 0, 1, ... in the order
of their values, so labels such as -1 and 1, or 3, 7 and 10, work too.

Examples
--------
>>> import numpy as np
>>> import neurosim as ns
>>> y = np.array([3, 7, 10, 7, 3])
>>> task = ns.training.tasks.infer_task(y)
>>> task.kind, task.output_activation, task.loss, task.n_outputs
('classification', 'softmax', 'cross_entropy', 3)
>>> task.labels(y).tolist()
[0, 1, 2, 1, 0]
>>> task.targets(y)[:2]  # what fit trains on, with loss=task.loss
array([[1., 0., 0.],
       [0., 1., 0.]])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurosim.activations import get_activation
from neurosim.errors import DataError, IncompatibleLossError, ParameterError, ShapeError
from neurosim.losses import get_loss
from neurosim.validation import as_float_array, check_finite

__all__ = [
    "MAX_CLASSES",
    "TargetError",
    "Task",
    "check_learnable",
    "check_loss_fits_output",
    "class_indices",
    "class_values",
    "infer_task",
]

#: targets of whole numbers with at most this many distinct values are taken as class labels
MAX_CLASSES = 20
TASKS = ("classification", "regression")
#: the output layer for classification with a given loss, and the loss for a given output layer
OUTPUT_FOR_LOSS = {"cross_entropy": "softmax", "bce": "sigmoid", "mse": "sigmoid"}
LOSS_FOR_OUTPUT = {"softmax": "cross_entropy", "sigmoid": "bce"}


def infer_task(
    y: object,
    *,
    task: str | None = None,
    output_activation: str | None = None,
    loss: str | None = None,
) -> Task:
    """Choose classification or regression, the output layer and the loss for the targets ``y``.

    Parameters
    ----------
    y : array-like, shape (n_samples,)
        One target per sample: class values or numbers to predict.
    task : {None, "classification", "regression"}
        What to learn. ``None`` (default): classification when ``y`` holds
        2 to ``MAX_CLASSES`` distinct whole numbers, else regression.
        ``"classification"`` takes any whole numbers.
    output_activation : str, optional
        The output layer's activation; by default chosen to fit the task and ``loss``.
    loss : str, optional
        The loss; by default chosen to fit the task and ``output_activation``.

    Returns
    -------
    Task
        The classes (or ``None``), the output activation, the loss and the number of outputs.

    Raises
    ------
    IncompatibleLossError
        If ``loss`` cannot follow ``output_activation`` (``check_loss_fits_output``).
    TargetError
        If ``y`` cannot be learned (``check_learnable``), or not as ``task`` or ``loss`` asks.

    Examples
    --------
    >>> infer_task([0, 1, 1, 0])
    Task(classes=[0, 1], output_activation='sigmoid', loss='bce', n_outputs=1)
    >>> infer_task([0, 1, 1, 0], output_activation="softmax")
    Task(classes=[0, 1], output_activation='softmax', loss='cross_entropy', n_outputs=2)
    >>> infer_task([0.5, 1.7, 3.2])
    Task(classes=None, output_activation='identity', loss='mse', n_outputs=1)
    >>> infer_task([0.2, 0.9, 0.4], loss="bce")
    Task(classes=None, output_activation='sigmoid', loss='bce', n_outputs=1)
    >>> infer_task([1, 2, 1], task="regression")
    Task(classes=None, output_activation='identity', loss='mse', n_outputs=1)
    """
    _check_choices(task, output_activation, loss)
    targets = _as_targets(y)
    check_learnable(targets)
    classes = _classes(targets, task)
    if classes is None:
        return _regression(targets, output_activation, loss)
    return _classification(classes, output_activation, loss)


#: the choices that only classification can make: a softmax output needs one neuron per class
NEEDS_CLASSES = {"loss": "cross_entropy", "output_activation": "softmax"}


def _check_choices(task: object, output_activation: object, loss: object) -> None:
    """Refuse arguments that are not names, or that contradict one another, before looking at ``y``."""
    if task is not None and task not in TASKS:
        raise ParameterError(f"task must be 'classification', 'regression' or None; got {task!r}")
    for argument, value, example in (
        ("output_activation", output_activation, "sigmoid"),
        ("loss", loss, "bce"),
    ):
        if value is not None and not isinstance(value, str):
            raise ParameterError(f"{argument} must be a name such as {example!r}, or None; got {value!r}")
    check_loss_fits_output(loss, output_activation)
    chosen = {"loss": loss, "output_activation": output_activation}
    for argument, value in NEEDS_CLASSES.items():
        if task == "regression" and chosen[argument] == value:
            raise ParameterError(
                f"task='regression' cannot go with {argument}={value!r}, which needs classes; "
                "leave out either"
            )


class TargetError(DataError):
    """Targets that cannot be learned, or not in the way an argument asks.

    The message names the argument and the sample; the attributes hold the
    same facts for a caller that words them its own way (the command line
    names its options and the lines of a CSV file).

    Attributes
    ----------
    problem : str
        ``"too_few_samples"`` (fewer than 2), ``"constant"`` (the same
        target in every sample), ``"not_labels"`` (not class labels),
        ``"too_many_classes"`` (whole numbers, but more distinct values than
        ``MAX_CLASSES``; ``value`` is how many) or ``"outside_0_1"`` (a
        target below 0 or above 1).
    argument : str or None
        The argument whose choice the targets cannot meet, ``"task"``,
        ``"loss"`` or ``"output_activation"``; ``None`` when no choice could
        learn from them.
    sample : int or None
        The index of the first target concerned.
    value : float or None
        That target.

    Examples
    --------
    >>> try:
    ...     infer_task([0.5, 2.0, 1.0], loss="bce")
    ... except TargetError as error:
    ...     print(error)
    ...     print(error.problem, error.argument, error.sample, error.value)
    loss='bce' needs targets from 0 to 1, but y has 2 at index 1; use loss='mse' for regression
    outside_0_1 loss 1 2.0
    """

    def __init__(
        self,
        message: str,
        *,
        problem: str,
        argument: str | None = None,
        sample: int | None = None,
        value: float | None = None,
    ) -> None:
        super().__init__(message)
        self.problem = problem
        self.argument = argument
        self.sample = sample
        self.value = value


@dataclass(frozen=True, eq=False)
class Task:
    """What a network learns from its targets, and with which output layer and loss.

    Made by ``infer_task``.

    Attributes
    ----------
    classes : ndarray or None
        The distinct target values, sorted, for classification; ``None`` for regression.
    output_activation : str
        The activation of the output layer.
    loss : str
        The loss to train with.
    n_outputs : int
        The number of output neurons.

    Examples
    --------
    >>> task = infer_task([-1, 1, 1, -1])
    >>> task
    Task(classes=[-1, 1], output_activation='sigmoid', loss='bce', n_outputs=1)
    >>> task.kind, task.labels([1, -1]).tolist()
    ('classification', [1, 0])
    """

    classes: np.ndarray | None
    output_activation: str
    loss: str
    n_outputs: int

    @property
    def kind(self) -> str:
        """``"classification"`` or ``"regression"``."""
        return "regression" if self.classes is None else "classification"

    def labels(self, y: object) -> np.ndarray:
        """The targets ``y`` as class indices ``0 .. len(classes) - 1``, in the order of ``classes``.

        Examples
        --------
        >>> infer_task([3, 7, 10]).labels([10, 3, 7, 7]).tolist()
        [2, 0, 1, 1]
        """
        if self.classes is None:
            raise ParameterError("labels need classes, and this task is regression; its targets are y itself")
        return class_indices(y, self.classes)

    def targets(self, y: object) -> np.ndarray:
        """What ``fit`` trains on, shape ``(n_samples, n_outputs)``.

        For regression ``y`` itself, for one output the class index, and for
        several outputs one-hot rows.

        Examples
        --------
        >>> infer_task([0, 1, 2]).targets([2, 0])
        array([[0., 0., 1.],
               [1., 0., 0.]])
        >>> infer_task([5, 9]).targets([9, 5]).tolist()
        [[1.0], [0.0]]
        """
        if self.classes is None:
            return _as_targets(y).reshape(-1, 1)
        labels = self.labels(y)
        if self.n_outputs == 1:
            return labels.astype(float).reshape(-1, 1)
        return np.eye(self.n_outputs)[labels]

    def __repr__(self) -> str:
        shown = "None" if self.classes is None else f"[{', '.join(f'{value:g}' for value in self.classes)}]"
        return (
            f"Task(classes={shown}, output_activation={self.output_activation!r}, loss={self.loss!r}, "
            f"n_outputs={self.n_outputs})"
        )


def check_loss_fits_output(loss: str | None, output_activation: str | None) -> None:
    """Refuse a ``loss`` that cannot follow ``output_activation``; ``None`` for either fits anything.

    The rule is the loss's own (``Loss.check_output``): ``bce`` needs a
    sigmoid output layer, ``cross_entropy`` a softmax one, ``mse`` follows
    any. Unknown names raise ``UnknownNameError``.

    Examples
    --------
    >>> check_loss_fits_output("mse", "tanh")
    >>> check_loss_fits_output("bce", "relu")
    Traceback (most recent call last):
    ...
    neurosim.errors.IncompatibleLossError: loss='bce' needs output_activation='sigmoid', not 'relu'; ...
    """
    chosen_loss = None if loss is None else get_loss(loss)
    activation = None if output_activation is None else get_activation(output_activation)
    if chosen_loss is None or activation is None:
        return
    try:
        chosen_loss.check_output(activation, "output")
    except IncompatibleLossError:
        raise IncompatibleLossError(
            f"loss={loss!r} needs output_activation={chosen_loss.required_activation!r}, "
            f"not {output_activation!r}; leave out either and it is chosen to fit the other"
        ) from None


def check_learnable(y: object) -> None:
    """Refuse targets with fewer than 2 samples, or with the same value in every sample.

    Examples
    --------
    >>> check_learnable([0.0, 1.0])
    >>> check_learnable([4, 4, 4])
    Traceback (most recent call last):
    ...
    neurosim.training.tasks.TargetError: y is 4 in all 3 samples, so there is nothing to learn
    """
    targets = _as_targets(y)
    n = len(targets)
    if n < 2:
        raise TargetError(
            f"y has only {n} sample{'' if n == 1 else 's'}; training needs at least 2",
            problem="too_few_samples",
        )
    if (targets == targets[0]).all():
        raise TargetError(
            f"y is {targets[0]:g} in all {n} samples, so there is nothing to learn",
            problem="constant",
            sample=0,
            value=float(targets[0]),
        )


def class_values(y: object) -> np.ndarray | None:
    """The distinct values of ``y``, sorted, when they look like class labels; else ``None``.

    Class labels are whole numbers with at least 2 and at most
    ``MAX_CLASSES`` distinct values.

    Examples
    --------
    >>> class_values([5, -1, 5, 2]).tolist()
    [-1.0, 2.0, 5.0]
    >>> class_values([0.5, 1.0]) is None, class_values([1, 1]) is None
    (True, True)
    """
    targets = _as_targets(y)
    if not np.array_equal(targets, np.round(targets)):
        return None
    values = np.unique(targets)
    return values if 2 <= len(values) <= MAX_CLASSES else None


def class_indices(y: object, classes: np.ndarray) -> np.ndarray:
    """The targets ``y`` as indices into the sorted ``classes``: class ``classes[i]`` becomes ``i``.

    Examples
    --------
    >>> class_indices([5, -1, 5, 2], np.array([-1.0, 2.0, 5.0])).tolist()
    [2, 0, 2, 1]
    >>> class_indices([2, 4], np.array([2.0, 3.0]))
    Traceback (most recent call last):
    ...
    neurosim.errors.DataError: y has 4 at index 1, which is not one of the classes 2, 3
    """
    targets = _as_targets(y)
    indices = np.searchsorted(classes, targets)
    found = indices < len(classes)
    found[found] = classes[indices[found]] == targets[found]
    if not found.all():
        sample = int(np.argmin(found))
        listing = ", ".join(f"{value:g}" for value in classes)
        raise DataError(
            f"y has {targets[sample]:g} at index {sample}, which is not one of the classes {listing}"
        )
    return indices


def _as_targets(y: object) -> np.ndarray:
    """``y`` as a 1-D array of finite floats."""
    targets = as_float_array(y, "y")
    if targets.ndim != 1:
        hint = " (use y.ravel() for one column)" if targets.ndim == 2 and targets.shape[1] == 1 else ""
        raise ShapeError(f"y must be a 1-D array of one target per sample; got shape {targets.shape}{hint}")
    check_finite(targets, "y")
    return targets


def _classes(y: np.ndarray, task: str | None) -> np.ndarray | None:
    """The class values, or ``None`` for regression; ``task="classification"`` takes any whole numbers."""
    if task == "regression":
        return None
    classes = class_values(y)
    if task is None or classes is not None:
        return classes
    fractional = y != np.round(y)
    if fractional.any():
        sample = int(np.argmax(fractional))
        raise TargetError(
            "task='classification' needs class labels (whole numbers) in y; "
            f"y has {y[sample]:g} at index {sample}",
            problem="not_labels",
            argument="task",
            sample=sample,
            value=float(y[sample]),
        )
    return np.unique(y)


def _classification(classes: np.ndarray, output_activation: str | None, loss: str | None) -> Task:
    default = "sigmoid" if len(classes) == 2 else "softmax"
    output = output_activation or (default if loss is None else OUTPUT_FOR_LOSS.get(loss, default))
    loss = loss or LOSS_FOR_OUTPUT.get(output, "mse")
    n_outputs = 1 if len(classes) == 2 and output != "softmax" else len(classes)
    return Task(classes, output, loss, n_outputs)


def _regression(y: np.ndarray, output_activation: str | None, loss: str | None) -> Task:
    chosen = {"loss": loss, "output_activation": output_activation}
    for argument, value in NEEDS_CLASSES.items():
        if chosen[argument] == value:
            raise _not_classes(y, argument, value)
    loss = loss or "mse"
    outside = (y < 0) | (y > 1)
    if loss == "bce" and outside.any():
        sample = int(np.argmax(outside))
        raise TargetError(
            f"loss='bce' needs targets from 0 to 1, but y has {y[sample]:g} at index {sample}; "
            "use loss='mse' for regression",
            problem="outside_0_1",
            argument="loss",
            sample=sample,
            value=float(y[sample]),
        )
    output = output_activation or ("sigmoid" if loss == "bce" else "identity")
    return Task(None, output, loss, 1)


def _not_classes(y: np.ndarray, argument: str, value: str) -> TargetError:
    """Why ``argument=value``, which needs classes, cannot learn from ``y``."""
    fractional = y != np.round(y)
    if not fractional.any():
        count = len(np.unique(y))
        return TargetError(
            f"{argument}={value!r} needs class labels, but y has {count} distinct values, more than the "
            f"{MAX_CLASSES} taken as classes; pass task='classification' to make each one a class",
            problem="too_many_classes",
            argument=argument,
            value=float(count),
        )
    sample = int(np.argmax(fractional))
    return TargetError(
        f"{argument}={value!r} needs class labels, but y is not a few distinct whole numbers "
        f"(it has {y[sample]:g} at index {sample}); use loss='mse' for regression",
        problem="not_labels",
        argument=argument,
        sample=sample,
        value=float(y[sample]),
    )
