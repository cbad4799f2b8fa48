"""Quickprop: a jump to the minimum of the parabola through each weight's last two slopes."""

from __future__ import annotations

import numpy as np

from neurosim.core import Network
from neurosim.training.optimizers.base import Optimizer
from neurosim.validation import non_negative_number, positive_number


class Quickprop(Optimizer):
    """Fahlman's Quickprop (1988), as his own reference code computes it.

    Each weight is treated on its own, as if the loss along it were a
    parabola: from the slope now ``s`` (the gradient, plus
    ``weight_decay * w``), the slope before ``p`` and the last step ``d``,
    the minimum of the parabola is a step ``d * s / (p - s)`` away. That
    jump is taken, but at most ``mu`` times the last step: when ``s`` is
    close to or past ``p`` in the direction of the last step (beyond
    ``mu / (1 + mu) * p``), or equal to it, the step is ``mu * d``. While
    the slope still points the way of the last step, the gradient step
    ``-lr * s`` is added to it; after a step of 0 (the first one), the
    gradient step is all there is. Only full-batch training fits the
    parabola (``batch_size=None``): with mini-batches the slopes of two
    steps come from different samples. ``torch.optim`` has no Quickprop.

    Parameters
    ----------
    network : Network, optional
        Bind to it now (``fit`` binds it otherwise).
    lr : float, default 0.01
        The rate of the gradient step (Fahlman's epsilon).
    mu : float, default 1.75
        The largest growth of a step from one update to the next.
    weight_decay : float >= 0, default 0
        Added to the slope as ``weight_decay * w`` (Fahlman used 1e-4).

    Examples
    --------
    One weight, loss ``w**2`` (slope ``2w``) from ``w = 1``: a gradient
    step, then the parabola's minimum, capped at ``mu`` times the first step.

    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([1, 1], activation="identity", bias=False, init="zeros")
    >>> net.synapse("input[0]", "output[0]").weight = 1.0
    >>> quickprop = ns.optim.Quickprop(net, lr=0.1, mu=1.75)
    >>> _ = net.backward([[1.0]], [[0.0]])
    >>> quickprop.step()                       # -0.1 * 2: w = 0.8
    >>> _ = net.backward([[1.0]], [[0.0]])
    >>> quickprop.step()                       # -0.1 * 1.6 and 1.75 * -0.2: w = 0.29
    >>> round(net.synapse("input[0]", "output[0]").weight, 12)
    0.29
    """

    name = "quickprop"
    hyperparameters = ("lr", "mu", "weight_decay")
    default_lr = 1e-2
    state_names = ("prev_grad", "prev_step")

    def __init__(
        self,
        network: Network | None = None,
        lr: float | None = None,
        mu: float = 1.75,
        weight_decay: float = 0.0,
    ) -> None:
        self.mu = positive_number(mu, "mu")
        self.weight_decay = non_negative_number(weight_decay, "weight_decay")
        super().__init__(network, lr=lr)

    def update(self, values: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        """One Quickprop step."""
        slope = self.with_weight_decay(grad, values)
        prev_slope, prev_step = state["prev_grad"], state["prev_step"]
        shrink = self.mu / (1 + self.mu)
        same_way = ((prev_step < 0) & (slope > 0)) | ((prev_step > 0) & (slope < 0)) | (prev_step == 0)
        step = np.where(same_way, -self.lr * slope, 0.0)
        too_far = np.where(prev_step < 0, slope >= shrink * prev_slope, slope <= shrink * prev_slope)
        capped = too_far | (slope == prev_slope)
        with np.errstate(divide="ignore", invalid="ignore"):
            jump = np.where(capped, self.mu * prev_step, prev_step * slope / (prev_slope - slope))
        step += np.where(prev_step == 0, 0.0, jump)
        values += step
        prev_step[...] = step
        prev_slope[...] = slope
