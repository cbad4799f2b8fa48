"""Training callbacks by their public name: ``ns.callbacks.EarlyStopping(patience=10)``.

``Callback`` is the base class of your own; ``Run`` and ``Batch`` are what
its hooks receive. They live in ``neurosim.training``; see
``neurosim.training.callbacks`` for when each hook is called, and
``docs/training.md`` for early stopping. The learning-rate schedules are
callbacks too, named with the optimizers: ``ns.optim.StepLR``.

Examples
--------
>>> import neurosim as ns
>>> ns.callbacks.EarlyStopping(patience=5, restore_best=True)
EarlyStopping(patience=5, min_delta=0.0, monitor='val_loss', restore_best=True)
"""

from neurosim.training.callbacks import Batch, Callback, Run
from neurosim.training.early_stopping import EarlyStopping

__all__ = ["Batch", "Callback", "EarlyStopping", "Run"]
