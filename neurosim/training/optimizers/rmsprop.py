"""RMSprop: steps scaled by a running mean of the squared gradient."""

from __future__ import annotations

import numpy as np

from neurosim.core import Network
from neurosim.training.optimizers.base import Optimizer, fraction
from neurosim.validation import non_negative_number, positive_number


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop`` (not ``centered``).

    ``g = grad + weight_decay * w``, ``square_avg = alpha * square_avg + (1 - alpha) * g**2``
    (from 0), ``d = g / (sqrt(square_avg) + eps)``; with ``momentum``,
    ``velocity = momentum * velocity + d`` (from 0) and ``d = velocity``; then
    ``w -= lr * d``.

    Parameters
    ----------
    network : Network, optional
        Bind to it now (``fit`` binds it otherwise).
    lr : float, default 0.01
    alpha : float in [0, 1), default 0.99
    eps : float > 0, default 1e-8
    weight_decay : float >= 0, default 0
    momentum : float in [0, 1), default 0

    Examples
    --------
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([1, 1], activation="identity", init="constant", seed=0)
    >>> _ = net.backward([[1.0]], [[1.0]])        # grad = -2: square_avg = 0.01 * 4
    >>> ns.optim.RMSprop(net, lr=0.01).step()     # w = 0.01 * 2 / sqrt(0.04) = 0.1
    >>> round(net.synapse("input[0]", "output[0]").weight, 6)
    0.1
    """

    name = "rmsprop"
    hyperparameters = ("lr", "alpha", "eps", "weight_decay", "momentum")
    default_lr = 1e-2

    def __init__(
        self,
        network: Network | None = None,
        lr: float | None = None,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
    ) -> None:
        self.alpha = fraction(alpha, "alpha")
        self.eps = positive_number(eps, "eps")
        self.weight_decay = non_negative_number(weight_decay, "weight_decay")
        self.momentum = fraction(momentum, "momentum")
        self.state_names = ("square_avg", "velocity") if self.momentum else ("square_avg",)
        super().__init__(network, lr=lr)

    def update(self, values: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        """One RMSprop step."""
        grad = self.with_weight_decay(grad, values)
        square_avg = state["square_avg"]
        square_avg *= self.alpha
        square_avg += (1 - self.alpha) * grad * grad
        direction = grad / (np.sqrt(square_avg) + self.eps)
        if self.momentum:
            velocity = state["velocity"]
            velocity *= self.momentum
            velocity += direction
            direction = velocity
        values -= self.lr * direction
