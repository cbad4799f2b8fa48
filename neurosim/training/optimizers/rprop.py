"""Rprop: a step size per parameter that grows while its gradient keeps its sign."""

from __future__ import annotations

import numpy as np

from neurosim.core import Network
from neurosim.errors import ParameterError
from neurosim.training.optimizers.base import Optimizer
from neurosim.validation import positive_number


class Rprop(Optimizer):
    """Resilient backpropagation, the iRprop- variant, as ``torch.optim.Rprop``.

    Each parameter has its own step size (from ``lr``). When its gradient
    keeps its sign the step grows (``* etas[1]``), when it flips the step
    shrinks (``* etas[0]``) and that parameter does not move this time
    (its gradient counts as 0 for the next comparison); the step stays
    within ``step_sizes``. Then ``w -= sign(grad) * step_size``. Only the
    sign of the gradient counts, so Rprop is meant for full-batch training
    (``batch_size=None``); with mini-batches the signs are noisy. There is no
    weight decay, as in ``torch``.

    Parameters
    ----------
    network : Network, optional
        Bind to it now (``fit`` binds it otherwise).
    lr : float, default 0.01
        The first step size of every parameter.
    etas : (float, float), default (0.5, 1.2)
        ``0 < etas[0] < 1 < etas[1]``.
    step_sizes : (float, float), default (1e-6, 50)
        The smallest and largest step size, ``0 < min <= max``.

    Examples
    --------
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([1, 1], activation="identity", init="constant", seed=0)
    >>> rprop = ns.optim.Rprop(net, lr=0.1)
    >>> _ = net.backward([[1.0]], [[1.0]])
    >>> rprop.step()                              # the gradient is negative: w += 0.1
    >>> _ = net.backward([[1.0]], [[1.0]])
    >>> rprop.step()                              # the same sign again: w += 0.1 * 1.2
    >>> round(net.synapse("input[0]", "output[0]").weight, 6)
    0.22
    """

    name = "rprop"
    hyperparameters = ("lr", "etas", "step_sizes")
    default_lr = 1e-2
    state_names = ("prev_grad", "step_size")

    def __init__(
        self,
        network: Network | None = None,
        lr: float | None = None,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50.0),
    ) -> None:
        if not isinstance(etas, (tuple, list)) or len(etas) != 2:
            raise ParameterError(f"etas must be a pair (decrease, increase); got {etas!r}")
        decrease, increase = positive_number(etas[0], "etas[0]"), positive_number(etas[1], "etas[1]")
        if not decrease < 1 < increase:
            raise ParameterError(f"etas must satisfy 0 < etas[0] < 1 < etas[1]; got {etas!r}")
        if not isinstance(step_sizes, (tuple, list)) or len(step_sizes) != 2:
            raise ParameterError(f"step_sizes must be a pair (smallest, largest); got {step_sizes!r}")
        smallest = positive_number(step_sizes[0], "step_sizes[0]")
        largest = positive_number(step_sizes[1], "step_sizes[1]")
        if smallest > largest:
            raise ParameterError(f"step_sizes must have smallest <= largest; got {step_sizes!r}")
        self.etas, self.step_sizes = (decrease, increase), (smallest, largest)
        super().__init__(network, lr=lr)

    def new_state(self, values: np.ndarray) -> dict[str, np.ndarray]:
        """No previous gradient, and every step size at ``lr``."""
        return {"prev_grad": np.zeros_like(values), "step_size": np.full_like(values, self.lr)}

    def update(self, values: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        """One iRprop- step."""
        prev_grad, step_size = state["prev_grad"], state["step_size"]
        agreement = np.sign(grad * prev_grad)
        factor = np.where(agreement > 0, self.etas[1], np.where(agreement < 0, self.etas[0], 1.0))
        step_size *= factor
        np.clip(step_size, *self.step_sizes, out=step_size)
        grad = np.where(agreement < 0, 0.0, grad)
        values -= np.sign(grad) * step_size
        prev_grad[...] = grad
