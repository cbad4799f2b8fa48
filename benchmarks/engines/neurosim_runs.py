"""neurosim's own engines as the benchmark runs them: ``net.fit``, from the initial weights each time."""

from __future__ import annotations

import numpy as np

import neurosim as ns
from neurosim.benchmarks.engines.workloads import (
    SHUFFLE_SEED,
    ParamSet,
    Workload,
    build_network,
    network_parameters,
    set_network_parameters,
)


class NeurosimRun:
    """``net.fit`` with one engine, starting each run from the initial weights.

    Several runs may share one network: each run first writes the initial
    weights into it.

    Parameters
    ----------
    net : neurosim.Network
        A network built for ``workload``.
    workload : Workload
    params : ParamSet
        Initial weights and biases, written into the network before each run.
    X, y : ndarray
        Training data (labels as integers).
    engine : {"compiled", "object"}
    batch_size : int or None, optional
        Overrides the workload's.
    diagnose : bool, default False
        Whether the doctor runs as the network trains (``fit``'s own default
        is ``True``; the engines are timed without it, and the doctor's cost
        is measured on its own).
    """

    def __init__(
        self,
        net: ns.Network,
        workload: Workload,
        params: ParamSet,
        X: np.ndarray,
        y: np.ndarray,
        engine: str,
        batch_size: int | str | None = "workload",
        *,
        diagnose: bool = False,
    ) -> None:
        self.net = net
        self.workload = workload
        self.params = params
        self.X, self.y = X, y
        self.engine = engine
        self.batch_size = workload.batch_size if batch_size == "workload" else batch_size
        self.diagnose = diagnose
        self.reset()

    def reset(self) -> None:
        """Restore the initial weights."""
        set_network_parameters(self.net, self.params)

    def parameters(self) -> list[np.ndarray]:
        """Copies of the weights then the biases.

        Returns
        -------
        list of ndarray
        """
        weights, biases = network_parameters(self.net)
        return weights + biases

    def train(self, epochs: int) -> list[tuple[float, float]]:
        """Train with ``net.fit``.

        Parameters
        ----------
        epochs : int

        Returns
        -------
        list of (float, float)
            Mean loss and training accuracy of each epoch, from the history.
        """
        history = self.net.fit(
            self.X,
            self.y,
            epochs=epochs,
            lr=self.workload.lr,
            batch_size=self.batch_size,
            loss=self.workload.loss,
            engine=self.engine,
            seed=SHUFFLE_SEED,
            verbose=0,
            diagnose=self.diagnose,
        )
        if history.diverged_at is not None:
            raise RuntimeError(
                f"{self.workload.name}: {self.engine} training diverged at epoch {history.diverged_at}"
            )
        return list(zip(history.loss, history.accuracy, strict=True))


def float32_run(workload: Workload, params: ParamSet, X: np.ndarray, y: np.ndarray) -> NeurosimRun:
    """The compiled engine on a network of its own compiled with ``dtype="float32"``.

    Parameters
    ----------
    workload : Workload
    params : ParamSet
        Initial weights and biases (rounded to float32 when written in).
    X, y : ndarray

    Returns
    -------
    NeurosimRun
    """
    net = build_network(workload)
    net.compile(dtype="float32")
    return NeurosimRun(net, workload, params, X, y, "compiled")
