"""The perceptron rule: Rosenblatt's training rule for a single layer of step neurons.

After each sample every output neuron moves its weights and its bias by

    w += lr * (t - y) * x        b += lr * (t - y)

where ``y`` is what the neuron output and ``t`` what it should have output.
A neuron that was right (``t - y = 0``) does not move. When a line (a plane)
separates the classes, the rule finds one in finitely many mistakes; when
none does (XOR), it goes round a loop forever.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from neurosim.activations import ACTIVATIONS
from neurosim.errors import DataError, StructureError
from neurosim.training.history import History
from neurosim.validation import (
    as_input_batch,
    as_target_batch,
    positive_integer,
    positive_number,
    random_generator,
)

if TYPE_CHECKING:
    from neurosim.core import Network

__all__ = ["perceptron"]


def perceptron(
    network: Network,
    X: object,
    y: object,
    *,
    epochs: int = 100,
    lr: float = 1.0,
    shuffle: bool = True,
    seed: int | None = None,
) -> History:
    """Train a single layer of step neurons with the perceptron rule, one sample at a time.

    Parameters
    ----------
    network : Network
        An input layer feeding one output layer whose activation is
        ``"step"`` (1 where ``z >= 0``, else 0). A layer made with
        ``bias=False`` keeps its bias at 0: only the weights learn.
    X : array-like, shape (n_samples, n_inputs)
        The inputs.
    y : array-like of 0 and 1, shape (n_samples,) or (n_samples, n_outputs)
        The output wanted of each neuron for each sample (``(n_samples,)``
        when there is one output neuron).
    epochs : int, default 100
        The most passes over the samples. Training ends after the first
        epoch without a mistake.
    lr : float, default 1.0
        The learning rate.
    shuffle : bool, default True
        Visit the samples in a new random order each epoch; ``False`` keeps
        their order.
    seed : int, optional
        Seed of the shuffling.

    Returns
    -------
    History
        ``loss[e]`` is the fraction of samples that epoch ``e`` got wrong
        (counted before each sample's update; a sample is wrong when any
        output neuron is), and ``accuracy[e]`` the fraction right.
        ``history.loss[-1] == 0`` when the rule finished: the last epoch
        made no mistake.

    Examples
    --------
    >>> import numpy as np
    >>> import neurosim as ns
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> net = ns.Network.from_shape([2, 1], activation="step", init="zeros")
    >>> history = ns.training.perceptron(net, X, [0, 0, 0, 1], shuffle=False)   # AND
    >>> history.epochs, history.loss
    (6, [0.5, 0.75, 0.75, 0.5, 0.25, 0.0])
    >>> net.predict(X).ravel().tolist()
    [0.0, 0.0, 0.0, 1.0]
    """
    _check_step_layer(network)
    X, _ = as_input_batch(X, network.input_layer.size)
    T = _step_targets(y, X.shape[0], network.output_layer.size)
    epochs = positive_integer(epochs, "epochs")
    lr = positive_number(lr, "lr")
    rng = random_generator(seed)
    n = X.shape[0]
    history = History(loss_name="mistakes")
    for _ in range(epochs):
        order = rng.permutation(n) if shuffle else range(n)
        mistakes = sum(_update(network, X[k], T[k], lr) for k in order)
        history.loss.append(mistakes / n)
        history.accuracy.append(1.0 - mistakes / n)
        if mistakes == 0:
            break
    return history


def _update(network: Network, x: np.ndarray, t: np.ndarray, lr: float) -> bool:
    """Apply the rule to one sample; return whether any output neuron was wrong."""
    errors = t - network.forward(x)
    layer = network.output_layer
    for neuron, error in zip(layer, errors, strict=True):
        for synapse in neuron.incoming:
            synapse.weight += lr * error * synapse.source.a  # the source's a is this sample's input
        if layer.has_bias:
            neuron.bias += lr * error
    return bool(errors.any())


def _check_step_layer(network: Network) -> None:
    """Raise ``StructureError`` unless ``network`` is one layer of step neurons fed by its inputs."""
    layers = network.layers
    if len(layers) != 2:
        raise StructureError(
            f"the perceptron rule trains one layer of step neurons fed by the inputs; this network has "
            f"layers {[layer.name for layer in layers]} (use fit for a network with hidden layers)"
        )
    output = network.output_layer
    if output.activation is not ACTIVATIONS["step"]:
        raise StructureError(
            f"the perceptron rule needs a step output layer, but layer {output.name!r} uses "
            f"{output.activation.name!r}; build it with activation='step'"
        )


def _step_targets(y: object, n_samples: int, n_outputs: int) -> np.ndarray:
    T = as_target_batch(y, n_samples, n_outputs, name="y")
    if not np.isin(T, (0.0, 1.0)).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isin(T, (0.0, 1.0)))[0])
        raise DataError(
            f"y must be 0 or 1, what a step neuron outputs; got {T[bad]:g} at row {bad[0]}, column {bad[1]}"
        )
    return T
