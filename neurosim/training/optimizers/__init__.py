"""The optimizers: one small class each, sharing the interface of ``Optimizer``.

Each follows the ``torch.optim`` class of the same name (the differences
are in its documentation), so numbers can be compared with PyTorch.
``fit(optimizer="adam")`` picks one by name; ``fit(optimizer=Adam(...))``
uses the object given.

Examples
--------
>>> get_optimizer("adam", lr=0.01)
Adam(lr=0.01, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0)
>>> get_optimizer("lbfgs")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
neurosim.errors.UnknownNameError: unknown optimizer 'lbfgs'; expected one of: sgd, adam, adamw, ...
"""

from __future__ import annotations

from neurosim.errors import UnknownNameError
from neurosim.training.optimizers.adagrad import Adagrad
from neurosim.training.optimizers.adam import Adam, AdamW
from neurosim.training.optimizers.base import Optimizer
from neurosim.training.optimizers.quickprop import Quickprop
from neurosim.training.optimizers.rmsprop import RMSprop
from neurosim.training.optimizers.rprop import Rprop
from neurosim.training.optimizers.sgd import SGD

#: the optimizers by the name ``fit(optimizer=...)`` knows them by
OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Rprop, Quickprop)
}


def get_optimizer(name: object, lr: float | None = None) -> Optimizer:
    """A new optimizer of the class named ``name``, with learning rate ``lr`` (or its default)."""
    cls = OPTIMIZERS.get(name.lower()) if isinstance(name, str) else None
    if cls is None:
        raise UnknownNameError(f"unknown optimizer {name!r}; expected one of: {', '.join(OPTIMIZERS)}")
    return cls(lr=lr)


__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Optimizer",
    "Quickprop",
    "RMSprop",
    "Rprop",
    "get_optimizer",
]
