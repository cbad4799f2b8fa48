"""``SGD`` under its first module name; the optimizers live in ``neurosim.training.optimizers``."""

from neurosim.training.optimizers import SGD, Optimizer

__all__ = ["SGD", "Optimizer"]
