"""Training: stochastic gradient descent, its history and progress display."""

from neurosim.training.fit import fit
from neurosim.training.history import History
from neurosim.training.optimizer import SGD

__all__ = ["SGD", "History", "fit"]
