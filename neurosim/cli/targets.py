"""What to learn from the target column, and its refusals worded with the command line's options.

The choice is the library's (``neurosim.training.tasks.infer_task``); the
commands word its refusals with their options and the lines of the file.

Examples
--------
>>> import numpy as np
>>> from neurosim.cli._data import Data
>>> data = Data(np.zeros((3, 1)), np.array([0.0, 1.0, 2.5]), "'p.csv'", "p", "y", [2, 3, 4])
>>> choose_task(data, loss="cross_entropy")
Traceback (most recent call last):
...
neurosim.errors.DataError: --loss cross_entropy needs class labels, but the target 'y' of 'p.csv' \
is not a few distinct whole numbers (it has 2.5 at line 4); use --loss mse for regression
"""

from __future__ import annotations

from neurosim.cli._data import Data
from neurosim.errors import DataError
from neurosim.training import tasks


def choose_task(
    data: Data,
    *,
    task: str | None = None,
    output_activation: str | None = None,
    loss: str | None = None,
    classification_by: str = "--task classification",
) -> tasks.Task:
    """Classification or regression, the output layer and the loss, from the data and the choices made.

    Parameters
    ----------
    data : Data
        The samples; their target column decides what is not chosen.
    task, output_activation, loss : str, optional
        What the command line (or the network) chose, as for ``tasks.infer_task``.
    classification_by : str
        What asked for classification with ``task="classification"``, as
        the refusal of a target that is not class labels names it.

    Raises
    ------
    DataError
        If the target column cannot be learned as chosen, in one line
        naming the option, the column and the line of the file.
    """
    try:
        return tasks.infer_task(data.targets, task=task, output_activation=output_activation, loss=loss)
    except tasks.TargetError as error:
        raise DataError(_refusal(error, data, classification_by)) from None


def _refusal(error: tasks.TargetError, data: Data, classification_by: str) -> str:
    """The library's refusal of the target column, in the command line's words."""
    column = f"the target {data.target_name!r} of {data.source}"
    if error.problem == "too_few_samples":
        return f"{data.source} has only {len(data.X)} sample; training needs at least 2"
    if error.problem == "constant":
        return (
            f"{column} is {error.value:g} in all {len(data.X)} samples, so there is nothing to learn "
            "(--target picks another column)"
        )
    if error.problem == "outside_0_1":
        return (
            f"--loss bce needs targets from 0 to 1, but {column} has {error.value:g} at "
            f"{data.where(error.sample)}; use --loss mse for regression"
        )
    if error.argument == "task":
        return (
            f"{classification_by} needs class labels (whole numbers) in the target {data.target_name!r}; "
            f"{data.source} has {error.value:g} at {data.where(error.sample)}"
        )
    # the option that needs classes: --loss cross_entropy or --output-activation softmax
    option = f"--{error.argument.replace('_', '-')} {tasks.NEEDS_CLASSES[error.argument]}"
    if error.problem == "too_many_classes":
        return (
            f"{option} needs class labels, but {column} has {error.value:g} distinct values, more than the "
            f"{tasks.MAX_CLASSES} taken as classes; add --task classification to make each one a class"
        )
    found = f"{error.value:g} at {data.where(error.sample)}"
    return (
        f"{option} needs class labels, but {column} is not a few distinct whole numbers "
        f"(it has {found}); use --loss mse for regression"
    )
