"""The workloads every engine is timed on, their data, and the network's weights in and out.

A workload is a network, a data set and a training setup; ``WORKLOADS`` holds
the benchmark's four. The functions here load a workload's data, build its
network with the benchmark's seed, copy weights out of a network and into it,
and draw each epoch's sample order as ``fit`` does.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

import neurosim as ns
from neurosim import datasets
from neurosim.benchmarks.engines.printing import plural

#: ``(weights, biases)``: weights of shape ``(n_out, n_in)`` (rows are targets), biases of shape ``(n_out,)``
ParamSet = tuple[list[np.ndarray], list[np.ndarray]]

NETWORK_SEED = 0
SHUFFLE_SEED = 0


@dataclass(frozen=True)
class Workload:
    """One network, data set and training setup that every engine is timed on.

    Attributes
    ----------
    name : str
        Name used by ``--only`` and in the output.
    sizes : tuple of int
        Layer sizes, input first.
    activation, output_activation : str
        neurosim activation names of the hidden layers and of the output layer.
    loss : {"bce", "cross_entropy"}
        neurosim loss name.
    batch_size : int or None
        Samples per update; ``None`` is the full set.
    lr : float
        Learning rate of plain SGD.
    check_epochs : int
        Epochs trained before comparing the engines' weights.
    object_batches : int or None
        Time the object engine on this many batches and scale to one epoch;
        ``None`` times whole epochs.
    """

    name: str
    sizes: tuple[int, ...]
    activation: str
    output_activation: str
    loss: str
    batch_size: int | None
    lr: float
    check_epochs: int
    object_batches: int | None = None

    def describe(self, n_samples: int) -> str:
        """A one-line description of the setup.

        Parameters
        ----------
        n_samples : int
            Number of training samples.

        Returns
        -------
        str
            Architecture, activations, loss, batching and learning rate.
        """
        shape = "-".join(str(size) for size in self.sizes)
        batch = "full batch" if self.batch_size is None else f"batch {self.batch_size}"
        n_batches = math.ceil(n_samples / (self.batch_size or n_samples))
        return (
            f"{shape}, {self.activation} hidden, {self.output_activation} output, loss {self.loss}, "
            f"{batch}, lr {self.lr:g}, {n_samples} samples ({plural(n_batches, 'batch')} per epoch)"
        )


WORKLOADS: dict[str, Workload] = {
    "xor": Workload("xor", (2, 4, 1), "sigmoid", "sigmoid", "bce", None, 1.0, check_epochs=100),
    "moons": Workload("moons", (2, 16, 16, 1), "tanh", "sigmoid", "bce", 32, 0.1, check_epochs=3),
    "digits": Workload(
        "digits", (64, 64, 10), "relu", "softmax", "cross_entropy", 32, 0.1, check_epochs=2, object_batches=8
    ),
    "wide": Workload(
        "wide",
        (784, 256, 256, 10),
        "relu",
        "softmax",
        "cross_entropy",
        128,
        0.01,
        check_epochs=1,
        object_batches=1,
    ),
}


WIDE_SAMPLES = 20000
WIDE_SAMPLES_QUICK = 2048


def load_data(name: str, quick: bool) -> tuple[np.ndarray, np.ndarray]:
    """The inputs and integer labels of a workload.

    Parameters
    ----------
    name : str
        Workload name.
    quick : bool
        Use fewer samples for ``wide``.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    """
    if name == "xor":
        return datasets.xor()
    if name == "moons":
        return datasets.moons(1000, noise=0.1, seed=0)
    if name == "digits":
        return datasets.digits()
    n = WIDE_SAMPLES_QUICK if quick else WIDE_SAMPLES
    rng = np.random.default_rng(0)
    return rng.random((n, 784)), rng.integers(0, 10, n)


def target_matrix(y: np.ndarray, loss: str, n_outputs: int) -> np.ndarray:
    """The labels as the float targets neurosim trains on.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Integer labels.
    loss : str
        ``"bce"`` gives ``y`` as one column, ``"cross_entropy"`` one-hot rows.
    n_outputs : int
        Output layer size.

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
    """
    if loss == "cross_entropy":
        return np.eye(n_outputs)[y]
    return y.astype(float).reshape(-1, n_outputs)


def build_network(workload: Workload) -> ns.Network:
    """A fresh neurosim network for ``workload``, with the benchmark's weight seed.

    Parameters
    ----------
    workload : Workload

    Returns
    -------
    neurosim.Network
    """
    return ns.Network.from_shape(
        list(workload.sizes),
        activation=workload.activation,
        output_activation=workload.output_activation,
        seed=NETWORK_SEED,
    )


def network_parameters(net: ns.Network) -> ParamSet:
    """Copies of a neurosim network's weights and biases, layer by layer.

    Parameters
    ----------
    net : neurosim.Network
        A layered network, as ``from_shape`` builds.

    Returns
    -------
    ParamSet
        ``(weights, biases)``; weights are ``(n_out, n_in)``.
    """
    weights = [block.weight.copy() for block in net.blocks]
    biases = [layer.bias.copy() for layer in net.layers[1:]]
    return weights, biases


def set_network_parameters(net: ns.Network, params: ParamSet) -> None:
    """Write ``params`` into a neurosim network's own arrays, in place.

    Parameters
    ----------
    net : neurosim.Network
    params : ParamSet
    """
    weights, biases = params
    for block, weight in zip(net.blocks, weights, strict=True):
        np.copyto(block.weight, weight)
    for layer, bias in zip(net.layers[1:], biases, strict=True):
        np.copyto(layer.bias, bias)


def epoch_orders(n: int, seed: int) -> Iterator[np.ndarray]:
    """The sample order of each epoch, exactly as ``fit`` draws it.

    Parameters
    ----------
    n : int
        Number of samples.
    seed : int
        ``fit``'s ``seed``.

    Yields
    ------
    ndarray of shape (n,)
    """
    rng = np.random.default_rng(seed)
    while True:
        yield rng.permutation(n)
