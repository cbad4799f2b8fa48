"""Stochastic gradient descent, with momentum and Nesterov momentum."""

from __future__ import annotations

import numpy as np

from neurosim.core import Network
from neurosim.errors import ParameterError
from neurosim.training.optimizers.base import Optimizer, fraction
from neurosim.validation import boolean, non_negative_number


class SGD(Optimizer):
    """Gradient descent, as ``torch.optim.SGD`` (without dampening).

    ``g = grad + weight_decay * w``; with ``momentum``, ``v = momentum * v + g``
    (``v`` starts at the first ``g``) and ``g = v``, or with ``nesterov``
    ``g = g + momentum * v``; then ``w -= lr * g``.

    Parameters
    ----------
    network : Network, optional
        Bind to it now (``fit`` binds it otherwise).
    lr : float, default 0.001
    momentum : float in [0, 1), default 0
    nesterov : bool, default False
        Needs ``momentum > 0``.
    weight_decay : float >= 0, default 0
        L2 penalty added to the gradient.

    Examples
    --------
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([1, 1], activation="identity", init="constant", seed=0)
    >>> _ = net.backward([[1.0]], [[1.0]])        # z = 0, so d(z - 1)^2/dw = -2
    >>> ns.optim.SGD(net, lr=0.25).step()
    >>> net.synapse("input[0]", "output[0]").weight
    0.5
    """

    name = "sgd"
    hyperparameters = ("lr", "momentum", "nesterov", "weight_decay")

    def __init__(
        self,
        network: Network | None = None,
        lr: float | None = None,
        momentum: float = 0.0,
        *,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        self.momentum = fraction(momentum, "momentum")
        self.nesterov = boolean(nesterov, "nesterov")
        if self.nesterov and self.momentum == 0:
            raise ParameterError("nesterov=True needs a momentum above 0; got momentum=0")
        self.weight_decay = non_negative_number(weight_decay, "weight_decay")
        self.state_names = ("velocity",) if self.momentum else ()
        #: ``(values, grad, scratch)`` of each group for plain steps, and the states they were made from
        self._plain: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._plain_states: list[dict[str, np.ndarray]] | None = None
        super().__init__(network, lr=lr)

    def step(self) -> None:
        """Update every parameter in place from its gradient (of the last backward pass)."""
        if self.momentum or self.weight_decay:
            super().step()
            return
        network = self.network
        if network is None or self._version != network.parameter_store.version:
            self._refresh()
        if self._plain_states is not self._states:  # the arrays were looked up again
            self._plain = [
                (values, grad, state["scratch"])
                for (values, grad), state in zip(self._groups, self._states, strict=True)
            ]
            self._plain_states = self._states
        self.steps += 1
        lr = self.lr
        for values, grad, scratch in self._plain:
            descend(values, grad, lr, scratch)

    def new_state(self, values: np.ndarray) -> dict[str, np.ndarray]:
        """A velocity of zeros (with momentum) and a scratch array."""
        return {**super().new_state(values), "scratch": np.empty_like(values)}

    def update(self, values: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        """One step of ``w -= lr * g``."""
        scratch = state["scratch"]
        if not (self.momentum or self.weight_decay):
            descend(values, grad, self.lr, scratch)
            return
        grad = self.with_weight_decay(grad, values)
        if self.momentum:
            velocity = state["velocity"]
            if self.steps == 1:
                velocity[...] = grad
            else:
                velocity *= self.momentum
                velocity += grad
            grad = grad + self.momentum * velocity if self.nesterov else velocity
        np.multiply(grad, self.lr, out=scratch)
        values -= scratch


#: numbers of one piece of ``descend``'s update: a quarter of a megabyte in float64
DESCEND_PIECE = 2**15


def descend(values: np.ndarray, grad: np.ndarray, lr: float, scratch: np.ndarray) -> None:
    """``values -= lr * grad``, in place, through ``scratch`` (an array like ``values``).

    A large array is updated a piece at a time (``DESCEND_PIECE`` numbers),
    so that each piece of ``lr * grad`` is still in cache when it is
    subtracted: the same operations on the same numbers, in about half the
    time of two passes over the whole.

    Examples
    --------
    >>> values, grad = np.arange(3.0), np.ones(3)
    >>> descend(values, grad, 0.5, np.empty(3))
    >>> values.tolist()
    [-0.5, 0.5, 1.5]
    """
    size = values.shape[0] if values.ndim == 1 else 0
    if size <= DESCEND_PIECE:
        np.multiply(grad, lr, out=scratch)
        values -= scratch
        return
    for start in range(0, size, DESCEND_PIECE):
        stop = start + DESCEND_PIECE
        piece = scratch[start:stop]
        np.multiply(grad[start:stop], lr, out=piece)
        np.subtract(values[start:stop], piece, out=values[start:stop])
