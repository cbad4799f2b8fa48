"""Weight penalties: L2 (weight decay) and L1, as terms of the loss whose gradients ``fit`` adds.

``fit(..., weight_decay=lam2, l1=lam1)`` trains on the loss of the data
plus a penalty on the size of the weights::

    penalty = lam2 / 2 * sum(w ** 2) + lam1 * sum(|w|)

After each batch's backward pass it adds the penalty's gradient
``lam2 * w + lam1 * sign(w)`` to every weight's gradient, before the
callbacks' ``on_backward_end`` and the optimizer's step, so that
``synapse.grad`` (and ``batch.grad``) shows the gradient of the whole
objective. The L2 term is ``torch.optim``'s ``weight_decay`` (``grad +=
weight_decay * w``, "coupled" weight decay), here applied to the weights
only. ``sign(0)`` is 0, so a weight at exactly 0 feels no L1 pull, and a
pruned synapse (weight and gradient 0) stays exactly 0.

Only weights are penalised, not biases: a bias shifts a neuron's input
without making the function steeper, and shrinking it towards 0 only
biases the fit (as in most textbooks, Keras' ``kernel_regularizer`` and
TensorFlow Playground). To decay biases as well, give the optimizer its
own ``weight_decay`` (``ns.optim.SGD(lr=0.1, weight_decay=1e-4)``), which
follows ``torch.optim`` and applies to every parameter; ``AdamW``'s own
``weight_decay`` is another thing again, "decoupled": it shrinks the
weights directly (``w -= lr * weight_decay * w``) instead of adding to the
gradient that Adam then rescales.

``history.loss`` records the loss of the data alone, so that it can be
compared with ``val_loss`` and with runs without a penalty;
``Penalty.value`` gives the penalty of the current weights.

Examples
--------
>>> import neurosim as ns
>>> net = ns.Network.from_shape([1, 1], activation="identity", init="zeros")
>>> synapse = net.synapse("input[0]", "output[0]")
>>> synapse.weight = -2.0
>>> penalty = Penalty(weight_decay=0.5, l1=0.1)
>>> penalty.value(net)                     # 0.5 / 2 * 4 + 0.1 * 2
1.2
>>> _ = net.backward([[0.0]], [[0.0]])     # the input is 0, so the loss's gradient is 0
>>> penalty.add_gradient(net)
>>> synapse.grad                           # 0.5 * -2 + 0.1 * sign(-2)
-1.1
>>> net["output[0]"].bias_grad             # biases are not penalised
0.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from neurosim.validation import non_negative_number

if TYPE_CHECKING:
    from neurosim.core import Network


class Penalty:
    """The L2 and L1 penalties on a network's weights (not its biases).

    Parameters
    ----------
    weight_decay : float >= 0, default 0
        ``lam2`` of the L2 term ``lam2 / 2 * sum(w ** 2)``, whose gradient is ``lam2 * w``.
    l1 : float >= 0, default 0
        ``lam1`` of the L1 term ``lam1 * sum(|w|)``, whose gradient is ``lam1 * sign(w)``.

    Raises
    ------
    ParameterError
        If either is negative or not a finite number, naming it.

    Examples
    --------
    >>> Penalty(weight_decay=1e-4)
    Penalty(weight_decay=0.0001, l1=0.0)
    >>> Penalty(l1=-1)
    Traceback (most recent call last):
    ...
    neurosim.errors.ParameterError: l1 must be a number >= 0; got -1
    """

    def __init__(self, weight_decay: float = 0.0, l1: float = 0.0) -> None:
        self.weight_decay = non_negative_number(weight_decay, "weight_decay")
        self.l1 = non_negative_number(l1, "l1")

    @property
    def active(self) -> bool:
        """Whether there is any penalty at all."""
        return bool(self.weight_decay or self.l1)

    def value(self, network: Network) -> float:
        """The penalty of ``network``'s weights now: ``weight_decay / 2 * sum(w ** 2) + l1 * sum(|w|)``."""
        total = 0.0
        for block in network.blocks:
            weight = block.weight.astype(float)
            total += self.weight_decay / 2 * float(np.vdot(weight, weight))
            total += self.l1 * float(np.abs(weight).sum())
        return total

    def add_gradient(self, network: Network) -> None:
        """Add the penalty's gradient to every weight's gradient, in place.

        Called after a backward pass, it turns the gradients of the loss
        into those of the loss plus the penalty.
        """
        for block in network.blocks:
            grad, weight = block.grad, block.weight  # the arrays themselves, added to in place
            if self.weight_decay:
                grad += self.weight_decay * weight
            if self.l1:
                grad += self.l1 * np.sign(weight)

    def __repr__(self) -> str:
        return f"Penalty(weight_decay={self.weight_decay!r}, l1={self.l1!r})"
