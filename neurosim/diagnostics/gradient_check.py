"""Gradient checking: backpropagation against finite differences, parameter by parameter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from neurosim._text import Text, table
from neurosim.engines import ObjectEngine
from neurosim.losses import Loss
from neurosim.validation import positive_number

if TYPE_CHECKING:
    from neurosim.core import Network

WORST_SHOWN = 5


@dataclass(frozen=True)
class GradientEntry:
    """One parameter's backprop gradient next to its finite-difference estimate."""

    name: str
    analytic: float
    numeric: float
    rel_error: float


@dataclass
class GradientCheckReport:
    """The result of ``gradient_check``.

    ``entries`` holds every synapse (named ``"source -> target"``) and every
    bias (named ``"neuron.bias"``) in network order; ``worst`` the few with
    the largest relative error, largest first; ``failures`` those above
    ``tolerance``. ``near_kinks`` names neurons with a non-differentiable
    activation (relu, leaky_relu, step) whose ``z`` came within
    ``kink_margin`` of the kink at 0, where finite differences are unreliable.
    """

    entries: list[GradientEntry]
    tolerance: float
    near_kinks: list[str] = field(default_factory=list)

    @property
    def max_rel_error(self) -> float:
        """The largest relative error over all parameters."""
        return max((entry.rel_error for entry in self.entries), default=0.0)

    @property
    def ok(self) -> bool:
        """Whether every relative error is below ``tolerance``."""
        return self.max_rel_error < self.tolerance

    @property
    def failures(self) -> list[GradientEntry]:
        """Entries whose relative error is at or above ``tolerance``, worst first."""
        return [entry for entry in self._by_error() if entry.rel_error >= self.tolerance]

    @property
    def worst(self) -> list[GradientEntry]:
        """The parameters with the largest relative errors, worst first."""
        return self._by_error()[:WORST_SHOWN]

    def _by_error(self) -> list[GradientEntry]:
        return sorted(self.entries, key=lambda entry: entry.rel_error, reverse=True)

    def __str__(self) -> str:
        verdict = "OK" if self.ok else f"FAILED for {len(self.failures)} of {len(self.entries)} parameters"
        lines = [
            f"gradient check {verdict}: max relative error {self.max_rel_error:.3g} "
            f"(tolerance {self.tolerance:g})"
        ]
        rows = [
            [e.name, f"{e.analytic:.6g}", f"{e.numeric:.6g}", f"{e.rel_error:.3g}"]
            for e in (self.failures or self.worst)
        ]
        lines.append(table(["parameter", "backprop", "finite diff.", "rel. error"], rows))
        if self.near_kinks:
            lines.append(
                "note: these neurons had z near the kink of their activation at 0, where finite "
                "differences can disagree with backprop without a bug: " + ", ".join(self.near_kinks)
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(Text(str(self)))


def gradient_check(
    network: Network,
    X: object,
    Y: object,
    loss: str | Loss = "mse",
    *,
    step: float = 1e-4,
    tolerance: float = 1e-6,
    floor: float = 1e-4,
    kink_margin: float = 1e-2,
) -> GradientCheckReport:
    """Compare backprop's gradient of every synapse and bias with finite differences.

    Each parameter ``p`` is nudged to ``p ± step`` and ``p ± 2 step`` and the
    mean loss recomputed; the fourth-order central difference
    ``(-L(p+2h) + 8 L(p+h) - 8 L(p-h) + L(p-2h)) / 12h`` estimates the
    gradient. The relative error is
    ``|backprop - numeric| / max(|backprop|, |numeric|, floor * max(1, L))``,
    where ``L`` is the mean loss: relative for ordinary gradients, and for
    gradients too small for finite differences to resolve (rounding in ``L``
    leaves an error of about ``1e-16 * L / step``) an absolute error scaled by
    ``floor``. Every parameter is restored to its exact value; afterwards
    the network holds a backward pass on ``X``, ``Y`` as after
    ``net.backward(X, Y, loss)``.

    Examples
    --------
    >>> import numpy as np
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([2, 3, 1], activation="tanh", seed=0)
    >>> X, Y = np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([[1.0], [0.0]])
    >>> report = ns.gradient_check(net, X, Y, loss="mse")
    >>> report.ok, len(report.entries)
    (True, 13)
    """
    loss_fn, X, T = network.prepare_batch(X, Y, loss)
    step = positive_number(step, "step")
    tolerance = positive_number(tolerance, "tolerance")
    floor = positive_number(floor, "floor")
    engine = ObjectEngine(network)
    store = network.parameter_store
    parameters = [(entry, *store.arrays(entry.array)) for entry in store.entries()]
    numeric = [
        _central_difference(engine, X, T, loss_fn, values, entry.index, step)
        for entry, values, _ in parameters
    ]
    engine.train_batch(X, T, loss_fn)  # the network holds the backward pass, as after net.backward
    values = engine.last_pass()
    smallest = floor * max(1.0, abs(loss_fn.value(values.logits, values.outputs, T)))
    entries = []
    for (entry, _, grads), estimate in zip(parameters, numeric, strict=True):
        analytic = float(grads[entry.index])
        error = abs(analytic - estimate) / max(abs(analytic), abs(estimate), smallest)
        entries.append(GradientEntry(entry.name, analytic, estimate, error))
    return GradientCheckReport(entries, tolerance, _near_kinks(engine, kink_margin))


def _central_difference(
    engine: ObjectEngine, X: np.ndarray, T: np.ndarray, loss: Loss, values: np.ndarray, index: tuple, h: float
) -> float:
    original = values[index]
    losses = []
    for offset in (2 * h, h, -h, -2 * h):
        values[index] = original + offset
        losses.append(engine.evaluate(X, T, loss)[0])
    values[index] = original
    plus2, plus1, minus1, minus2 = losses
    # Differences first: a loss that does not change gives exactly 0.
    return (8 * (plus1 - minus1) - (plus2 - minus2)) / (12 * h)


def _near_kinks(engine: ObjectEngine, margin: float) -> list[str]:
    values = engine.last_pass()
    names = []
    for layer in engine.network.layers:
        if layer.activation is None or layer.activation.smooth:
            continue
        closest = np.min(np.abs(values.z(layer)), axis=0)
        names += [neuron.name for neuron, distance in zip(layer, closest, strict=True) if distance < margin]
    return names
