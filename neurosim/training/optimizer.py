"""Stochastic gradient descent with optional momentum."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from neurosim.errors import ParameterError
from neurosim.validation import positive_number

if TYPE_CHECKING:
    from neurosim.core import Network


class SGD:
    """Gradient descent on every weight and bias of ``network``.

    With ``momentum`` it follows ``torch.optim.SGD``: ``v = momentum * v + grad``
    then ``w -= lr * v`` (``v`` starts at the first gradient, and starts
    again when the network's arrays are replaced: a change of structure or
    of dtype).

    Examples
    --------
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([1, 1], activation="identity", init="constant", seed=0)
    >>> _ = net.backward([[1.0]], [[1.0]])        # z = 0, so d(z - 1)^2/dw = -2
    >>> SGD(net, lr=0.25).step()
    >>> net.synapse("input[0]", "output[0]").weight
    0.5
    """

    def __init__(self, network: Network, lr: float, momentum: float = 0.0) -> None:
        self.network = network
        self.lr = positive_number(lr, "lr")
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0 <= momentum < 1:
            raise ParameterError(f"momentum must be a number in [0, 1); got {momentum!r}")
        self.momentum = float(momentum)
        #: (values, gradients, scratch) of each array the parameters are stored in, and its velocity
        self._parameters: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._velocities: list[np.ndarray | None] = []
        self._version: int | None = None

    def step(self) -> None:
        """Update every parameter in place from its gradient."""
        store = self.network.parameter_store
        if self._version != store.version:
            # the parameters in as few arrays as they are stored in (one flat vector, usually)
            self._parameters = [(value, grad, np.empty_like(value)) for value, grad in store.update_groups()]
            self._velocities = [None] * len(self._parameters)
            self._version = store.version
        if self.momentum == 0.0:
            lr = self.lr
            for value, grad, scratch in self._parameters:
                np.multiply(grad, lr, out=scratch)
                value -= scratch
            return
        for i, (value, grad, scratch) in enumerate(self._parameters):
            velocity = self._velocities[i]
            if velocity is None:
                velocity = self._velocities[i] = grad.copy()
            else:
                velocity *= self.momentum
                velocity += grad
            np.multiply(velocity, self.lr, out=scratch)
            value -= scratch
