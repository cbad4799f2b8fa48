"""How ``fit`` runs each engine: epoch data in batches, and one runner per engine.

A runner trains one batch (forward and backward pass, gradients in place),
keeps what the epoch's loss and accuracy are computed from, and evaluates
validation data. ``fit`` itself owns the loop, the optimizer and the history.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from neurosim.engines import object_engine
from neurosim.errors import ParameterError
from neurosim.losses import Loss

if TYPE_CHECKING:
    from neurosim.core.network import Network

#: training inputs up to this size are gathered into epoch order once per epoch;
#: larger ones batch by batch, so that each batch's inputs are still in cache when used
_GATHER_LIMIT = 4 * 2**20


class EpochData:
    """The training samples of an epoch, visited in its order, batch by batch."""

    def __init__(self, X: np.ndarray, T: np.ndarray, batch: int) -> None:
        self.X, self.T, self.batch = X, T, batch
        self.X_epoch = np.empty_like(X) if X.nbytes <= _GATHER_LIMIT else None
        #: the targets in the order of the last epoch
        self.T_epoch = np.empty_like(T)

    def batches(self, order: np.ndarray) -> Iterator[tuple[int, int, np.ndarray, np.ndarray]]:
        """``(start, stop, X_batch, T_batch)`` for each batch of the epoch visiting ``order``."""
        self.T.take(order, axis=0, out=self.T_epoch)
        if self.X_epoch is not None:
            self.X.take(order, axis=0, out=self.X_epoch)
        n, batch = len(order), self.batch
        for start in range(0, n, batch):
            stop = min(start + batch, n)
            if self.X_epoch is not None:
                yield start, stop, self.X_epoch[start:stop], self.T_epoch[start:stop]
            else:
                yield start, stop, self.X[order[start:stop]], self.T_epoch[start:stop]


class ObjectRunner:
    """Training steps with the object engine."""

    def __init__(self, network: Network, target_shape: tuple[int, int]) -> None:
        self.network = network
        self.outputs = np.empty(target_shape)
        self.total = 0.0

    def prepare(self, values: np.ndarray) -> np.ndarray:
        """The array as this engine computes with it (unchanged: the object engine takes any floats)."""
        return values

    def train_batch(self, X: np.ndarray, T: np.ndarray, loss: Loss, start: int, stop: int) -> float:
        """Forward and backward pass; return the batch's mean loss."""
        value = object_engine.backward(self.network, X, T, loss)
        self.total += value * (stop - start)
        for neuron in self.network.output_layer:
            self.outputs[start:stop, neuron.index] = neuron._a
        return value

    def epoch_result(self, T: np.ndarray, loss: Loss) -> tuple[float, np.ndarray]:
        """The epoch's mean loss and its outputs (in epoch order)."""
        value, self.total = self.total / len(T), 0.0
        return value, self.outputs

    def evaluate(self, X: np.ndarray, T: np.ndarray, loss: Loss) -> tuple[float, np.ndarray]:
        """Mean loss and outputs of a forward pass (validation data)."""
        outputs = object_engine.forward(self.network, X)
        logits = np.column_stack([neuron._z for neuron in self.network.output_layer])
        return loss.value(logits, outputs, T), outputs

    def finish(self) -> None:
        """Nothing to do: the neurons already hold the last pass's values."""


class CompiledRunner:
    """Training steps with the compiled engine.

    The epoch's loss is computed once per epoch, from every batch's output
    logits and activations kept in epoch-long arrays; each batch only checks
    that its loss is finite.
    """

    def __init__(self, network: Network, target_shape: tuple[int, int]) -> None:
        self.compiled = network._compiled_engine()
        self.compiled._ensure_current()
        self.logits = np.empty(target_shape, self.compiled.dtype)
        self.outputs = np.empty(target_shape, self.compiled.dtype)

    def prepare(self, values: np.ndarray) -> np.ndarray:
        """The array in the network's dtype, as the compiled engine computes with it."""
        return values.astype(self.compiled.dtype, copy=False)

    def train_batch(self, X: np.ndarray, T: np.ndarray, loss: Loss, start: int, stop: int) -> float:
        """Forward and backward pass; return a number that is finite if and only if the loss is."""
        check = self.compiled._train_batch(X, T, loss)
        logits, outputs = self.compiled._output_values(stop - start)
        self.logits[start:stop] = logits
        self.outputs[start:stop] = outputs
        return check

    def epoch_result(self, T: np.ndarray, loss: Loss) -> tuple[float, np.ndarray]:
        """The epoch's mean loss and its outputs (in epoch order)."""
        return loss.value(self.logits, self.outputs, T), self.outputs

    def evaluate(self, X: np.ndarray, T: np.ndarray, loss: Loss) -> tuple[float, np.ndarray]:
        """Mean loss and outputs of a forward pass (validation data)."""
        return self.compiled._evaluate(X, T, loss)

    def finish(self) -> None:
        """Leave the last pass's values in the neurons, as the object engine does."""
        self.compiled._publish_last_pass()


RUNNERS = {"object": ObjectRunner, "compiled": CompiledRunner}


def make_runner(network: Network, engine: object, target_shape: tuple[int, int]) -> Runner:
    """The runner of ``engine`` ("object" or "compiled") for targets of ``target_shape``."""
    if not isinstance(engine, str) or engine not in RUNNERS:
        raise ParameterError(f"engine must be 'object' or 'compiled'; got {engine!r}")
    return RUNNERS[engine](network, target_shape)


Runner = ObjectRunner | CompiledRunner
