"""Adagrad: steps scaled by the root of the sum of every squared gradient so far."""

from __future__ import annotations

import numpy as np

from neurosim.core import Network
from neurosim.training.optimizers.base import Optimizer
from neurosim.validation import non_negative_number, positive_number


class Adagrad(Optimizer):
    """Adagrad, as ``torch.optim.Adagrad`` (without ``lr_decay``, the sum starting at 0).

    ``g = grad + weight_decay * w``, ``sum += g**2``, ``w -= lr * g / (sqrt(sum) + eps)``.

    Parameters
    ----------
    network : Network, optional
        Bind to it now (``fit`` binds it otherwise).
    lr : float, default 0.01
    eps : float > 0, default 1e-10
    weight_decay : float >= 0, default 0

    Examples
    --------
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([1, 1], activation="identity", init="constant", seed=0)
    >>> _ = net.backward([[1.0]], [[1.0]])        # grad = -2: sum = 4, the step is lr * 2 / 2
    >>> ns.optim.Adagrad(net, lr=0.5).step()
    >>> round(net.synapse("input[0]", "output[0]").weight, 6)
    0.5
    """

    name = "adagrad"
    hyperparameters = ("lr", "eps", "weight_decay")
    default_lr = 1e-2
    state_names = ("sum",)

    def __init__(
        self,
        network: Network | None = None,
        lr: float | None = None,
        eps: float = 1e-10,
        weight_decay: float = 0.0,
    ) -> None:
        self.eps = positive_number(eps, "eps")
        self.weight_decay = non_negative_number(weight_decay, "weight_decay")
        super().__init__(network, lr=lr)

    def update(self, values: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        """One Adagrad step."""
        grad = self.with_weight_decay(grad, values)
        total = state["sum"]
        total += grad * grad
        values -= self.lr * grad / (np.sqrt(total) + self.eps)
