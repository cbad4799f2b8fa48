"""Training: gradient descent, the perceptron rule, callbacks, history, watches and the progress display."""

from neurosim.training.callbacks import Batch, Callback, Run
from neurosim.training.fit import fit
from neurosim.training.history import History
from neurosim.training.optimizer import SGD
from neurosim.training.perceptron import perceptron
from neurosim.training.tasks import infer_task
from neurosim.training.watch import Watch

__all__ = ["SGD", "Batch", "Callback", "History", "Run", "Watch", "fit", "infer_task", "perceptron"]
