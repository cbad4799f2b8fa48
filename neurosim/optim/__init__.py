"""The optimizers, by their public name: ``ns.optim.Adam(lr=1e-3)``.

They live in ``neurosim.training.optimizers``; see there, and
``docs/training.md``, for what each computes.

Examples
--------
>>> import neurosim as ns
>>> ns.optim.SGD(lr=0.1, momentum=0.9, nesterov=True)
SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.0)
"""

from neurosim.training.optimizers import (
    OPTIMIZERS,
    SGD,
    Adagrad,
    Adam,
    AdamW,
    Optimizer,
    RMSprop,
    Rprop,
    get_optimizer,
)

__all__ = ["OPTIMIZERS", "SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "Rprop", "get_optimizer"]
