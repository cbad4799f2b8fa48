"""The optimizers and learning-rate schedules, by their public name: ``ns.optim.Adam(lr=1e-3)``.

They live in ``neurosim.training.optimizers`` and
``neurosim.training.schedules``; see there, and ``docs/training.md``, for
what each computes.

Examples
--------
>>> import neurosim as ns
>>> ns.optim.SGD(lr=0.1, momentum=0.9, nesterov=True)
SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.0)
>>> ns.optim.StepLR(every=10, gamma=0.5)
StepLR(every=10, gamma=0.5)
"""

from neurosim.training.optimizers import (
    OPTIMIZERS,
    SGD,
    Adagrad,
    Adam,
    AdamW,
    Optimizer,
    Quickprop,
    RMSprop,
    Rprop,
    get_optimizer,
)
from neurosim.training.schedules import (
    CosineAnnealingLR,
    ExponentialLR,
    ReduceLROnPlateau,
    Schedule,
    StepLR,
)

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "CosineAnnealingLR",
    "ExponentialLR",
    "Optimizer",
    "Quickprop",
    "RMSprop",
    "ReduceLROnPlateau",
    "Rprop",
    "Schedule",
    "StepLR",
    "get_optimizer",
]
