"""Adam and AdamW: adaptive moments, with the L2 penalty in the gradient or decoupled from it."""

from __future__ import annotations

import math

import numpy as np

from neurosim.core import Network
from neurosim.errors import ParameterError
from neurosim.training.optimizers.base import Optimizer, fraction
from neurosim.validation import non_negative_number, positive_number


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam`` (without ``amsgrad``).

    At step ``t`` (from 1): ``g = grad + weight_decay * w``,
    ``m = beta1 * m + (1 - beta1) * g``, ``v = beta2 * v + (1 - beta2) * g**2``,
    then ``w -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)``.
    ``m`` and ``v`` (``torch``'s ``exp_avg`` and ``exp_avg_sq``) start at 0;
    ``state_of`` shows them for one weight or bias.

    Parameters
    ----------
    network : Network, optional
        Bind to it now (``fit`` binds it otherwise).
    lr : float, default 0.001
    betas : (float, float), each in [0, 1), default (0.9, 0.999)
    eps : float > 0, default 1e-8
    weight_decay : float >= 0, default 0
        L2 penalty added to the gradient (``AdamW`` decouples it instead).

    Examples
    --------
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([1, 1], activation="identity", init="constant", seed=0)
    >>> adam = ns.optim.Adam(net, lr=0.1)
    >>> _ = net.backward([[1.0]], [[1.0]])        # grad = -2: m = -0.2, v = 0.004
    >>> adam.step()                               # the first step moves by lr: w = 0.1
    >>> round(net.synapse("input[0]", "output[0]").weight, 6)
    0.1
    >>> {name: round(value, 6) for name, value in adam.state_of("input[0] -> output[0]").items()}
    {'m': -0.2, 'v': 0.004}
    """

    name = "adam"
    hyperparameters = ("lr", "betas", "eps", "weight_decay")
    state_names = ("m", "v")
    #: whether the weight decay is decoupled from the gradient (AdamW)
    decoupled = False

    def __init__(
        self,
        network: Network | None = None,
        lr: float | None = None,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ParameterError(f"betas must be a pair (beta1, beta2), each in [0, 1); got {betas!r}")
        self.betas = (fraction(betas[0], "betas[0]"), fraction(betas[1], "betas[1]"))
        self.eps = positive_number(eps, "eps")
        self.weight_decay = non_negative_number(weight_decay, "weight_decay")
        super().__init__(network, lr=lr)

    def update(self, values: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        """One Adam step."""
        beta1, beta2 = self.betas
        if self.decoupled:
            values *= 1 - self.lr * self.weight_decay
        else:
            grad = self.with_weight_decay(grad, values)
        m, v = state["m"], state["v"]
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad * grad
        step_size = self.lr / (1 - beta1**self.steps)
        denominator = np.sqrt(v) / math.sqrt(1 - beta2**self.steps) + self.eps
        values -= step_size * m / denominator


class AdamW(Adam):
    """Adam with decoupled weight decay, as ``torch.optim.AdamW``.

    Each step first shrinks the weights, ``w *= 1 - lr * weight_decay``,
    then takes an ``Adam`` step on the gradient alone. The weight decay
    defaults to 0.01, as in ``torch``.

    Examples
    --------
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([1, 1], activation="identity", init="constant", seed=0)
    >>> net.synapse("input[0]", "output[0]").weight = 1.0
    >>> _ = net.backward([[1.0]], [[1.0]])        # z = 1 = t: the gradient is 0
    >>> ns.optim.AdamW(net, lr=0.1, weight_decay=0.5).step()
    >>> round(net.synapse("input[0]", "output[0]").weight, 6)     # 1 * (1 - 0.1 * 0.5)
    0.95
    """

    name = "adamw"
    decoupled = True

    def __init__(
        self,
        network: Network | None = None,
        lr: float | None = None,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(network, lr, betas, eps, weight_decay)
