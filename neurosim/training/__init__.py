"""Training: the optimizers, the perceptron rule, callbacks, history, watches and the progress display."""

from neurosim.training.callbacks import Batch, Callback, Run
from neurosim.training.fit import fit
from neurosim.training.history import History
from neurosim.training.optimizers import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop, Rprop
from neurosim.training.perceptron import perceptron
from neurosim.training.tasks import infer_task
from neurosim.training.watch import Watch

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Batch",
    "Callback",
    "History",
    "Optimizer",
    "RMSprop",
    "Rprop",
    "Run",
    "Watch",
    "fit",
    "infer_task",
    "perceptron",
]
