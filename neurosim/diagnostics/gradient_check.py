"""Gradient checking: backpropagation against finite differences, parameter by parameter."""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from neurosim._text import Text, html_or_plain, html_table, table
from neurosim.engines import ObjectEngine
from neurosim.errors import ParameterError, ShapeError, UnknownNameError
from neurosim.losses import Loss
from neurosim.validation import non_negative_number, positive_number

if TYPE_CHECKING:
    from neurosim.core import Network

WORST_SHOWN = 5
#: how far apart (relative) the ratios backprop / finite difference may be and still count as one
RATIO_TOLERANCE = 0.01

#: a neuron's name and the samples on which a parameter's nudge carries its ``z`` across 0
Crossing = tuple[str, tuple[int, ...]]
#: a mean loss of your own: ``cost(outputs, targets)``, both ``(n_samples, n_outputs)``
Cost = Callable[[np.ndarray, np.ndarray], float]


@dataclass(frozen=True)
class GradientEntry:
    """One parameter's backprop gradient next to its finite-difference estimate, and the verdict.

    ``verdict`` is ``"ok"`` (the relative error is below the tolerance),
    ``"inconclusive"`` (it is not, but the finite difference crosses a kink
    and, rechecked without the samples at the kink, the gradient agrees) or
    ``"failed"``. ``layer`` is the layer the parameter feeds: a synapse's
    target layer, a bias's own. ``crossings`` names each neuron with a
    non-smooth activation whose ``z`` changes sign (or reaches 0) under this
    parameter's nudge, with the samples where it does; ``recheck_error`` is
    the relative error on the batch without those samples, where a failing
    entry was rechecked and samples were left.
    """

    name: str
    analytic: float
    numeric: float
    rel_error: float
    verdict: str = "ok"
    layer: str = ""
    crossings: tuple[Crossing, ...] = ()
    recheck_error: float | None = None
    given: bool = False

    @property
    def kink_samples(self) -> tuple[int, ...]:
        """The samples, in order, on which this parameter's nudge carries some ``z`` across a kink."""
        return tuple(sorted({sample for _, samples in self.crossings for sample in samples}))


@dataclass
class GradientCheckReport:
    """The result of ``gradient_check``.

    ``entries`` holds every synapse (named ``"source -> target"``) and every
    bias (named ``"neuron.bias"``) in network order, each with its
    ``verdict``; ``failures`` those judged ``"failed"`` and ``inconclusive``
    those judged ``"inconclusive"``, worst first; ``worst`` the few with the
    largest relative error, whatever their verdict. ``ok`` is True when no
    entry failed.

    ``common_ratio`` is the ratio backprop / finite difference shared by the
    failed entries, if they share one; ``layer_ratios`` the same layer by
    layer. ``n_samples`` and ``n_outputs`` are the batch's sizes, against
    which ``str(report)`` reads a ratio; ``resolution`` is the size of a
    gradient below which finite differences cannot resolve it
    (``floor * max(1, L)``).

    ``near_kinks`` names neurons with a non-differentiable activation (relu,
    leaky_relu, step) whose ``z`` came within ``kink_margin`` of the kink at 0.

    ``str(report)`` gives the verdict with the largest relative error among
    the entries it could judge (inconclusive ones left out; ``max_rel_error``
    counts them), a sentence on a shared ratio, the failures (or, if none,
    the worst entries), then each inconclusive entry with its reason.
    """

    entries: list[GradientEntry]
    tolerance: float
    near_kinks: list[str] = field(default_factory=list)
    n_samples: int = 0
    n_outputs: int = 0
    kink_margin: float = 1e-2
    resolution: float = 0.0

    @property
    def max_rel_error(self) -> float:
        """The largest relative error over all parameters, inconclusive ones included."""
        return max((entry.rel_error for entry in self.entries), default=0.0)

    @property
    def ok(self) -> bool:
        """Whether no parameter failed: every one is ``"ok"`` or ``"inconclusive"``."""
        return not self.failures

    @property
    def failures(self) -> list[GradientEntry]:
        """Entries whose verdict is ``"failed"``, worst first."""
        return self._judged("failed")

    @property
    def inconclusive(self) -> list[GradientEntry]:
        """Entries whose verdict is ``"inconclusive"`` (a kink, not a wrong gradient), worst first."""
        return self._judged("inconclusive")

    @property
    def common_ratio(self) -> float | None:
        """The ratio backprop / finite difference shared by every failed entry, or ``None``.

        Shared means within 1% (``RATIO_TOLERANCE``) of their median, over at
        least two failed entries whose finite difference is above
        ``resolution`` and crosses no kink.
        """
        return _shared_ratio(self._ratio_evidence())

    @property
    def layer_ratios(self) -> dict[str, float]:
        """``common_ratio`` layer by layer: each layer whose failed entries share a ratio, and the ratio."""
        by_layer = defaultdict(list)
        for entry in self._ratio_evidence():
            by_layer[entry.layer].append(entry)
        shared = {layer: _shared_ratio(entries) for layer, entries in by_layer.items()}
        return {layer: ratio for layer, ratio in shared.items() if ratio is not None}

    def _ratio_evidence(self) -> list[GradientEntry]:
        return [e for e in self.failures if not e.crossings and abs(e.numeric) > self.resolution]

    @property
    def worst(self) -> list[GradientEntry]:
        """The parameters with the largest relative errors, worst first."""
        return self._by_error()[:WORST_SHOWN]

    def _judged(self, verdict: str) -> list[GradientEntry]:
        return [entry for entry in self._by_error() if entry.verdict == verdict]

    def _by_error(self) -> list[GradientEntry]:
        return sorted(self.entries, key=lambda entry: entry.rel_error, reverse=True)

    def __str__(self) -> str:
        conclusive = self._conclusive()
        lines = [
            self._headline(conclusive),
            *self._ratio_lines(),
            table(["parameter", "backprop", "finite diff.", "rel. error"], self._rows(conclusive)),
            *self._inconclusive_lines(),
            *self._kink_notes(),
        ]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """A notebook shows the report as ``str(report)`` does, its parameters in an HTML table."""
        return html_or_plain(self._html, self)

    def _html(self) -> str:
        conclusive = self._conclusive()
        rows = self._rows(conclusive)
        shown = "failed" if self.failures else "largest relative errors"
        header = ["parameter", "backprop", "finite diff.", "rel. error"]
        parts = [f"<p><b>{html.escape(self._headline(conclusive))}</b></p>"]
        parts += [f"<p>{html.escape(line)}</p>" for line in self._ratio_lines()]
        caption = f"{shown}: {len(rows)} of {len(self.entries)} parameters"
        parts.append(html_table(header, rows, caption=caption))
        if self.inconclusive:
            why = [[*_numbers(e), _crossing_reason(e)] for e in self.inconclusive]
            caption = self._inconclusive_lines()[0]
            parts.append(html_table([*header, "why"], why, caption=caption))
        parts += [f"<p>{html.escape(note)}</p>" for note in self._kink_notes()]
        return "<div>" + "\n".join(parts) + "</div>"

    def _conclusive(self) -> list[GradientEntry]:
        return [entry for entry in self._by_error() if entry.verdict != "inconclusive"]

    def _rows(self, conclusive: list[GradientEntry]) -> list[list[str]]:
        """The failures, or if none, the entries with the largest errors: a row of numbers each."""
        return [_numbers(entry) for entry in (self.failures or conclusive[:WORST_SHOWN])]

    def _headline(self, conclusive: list[GradientEntry]) -> str:
        failed = len(self.failures)
        verdict = f"FAILED for {failed} of {len(self.entries)} parameters" if failed else "OK"
        largest = max((entry.rel_error for entry in conclusive), default=0.0)
        line = f"gradient check {verdict}: max relative error {largest:.3g} (tolerance {self.tolerance:g})"
        if self.inconclusive:
            more = "more " if failed else ""
            line += f"; {len(self.inconclusive)} {more}inconclusive at a kink, see below"
        return line

    def _ratio_lines(self) -> list[str]:
        evidence = self._ratio_evidence()
        if self.common_ratio is not None:
            where = f"all {len(evidence)} failing parameters"
            if len(evidence) < len(self.failures):
                where = (
                    f"all {len(evidence)} of the {len(self.failures)} failing parameters whose finite "
                    "difference is reliable (large enough, crossing no kink)"
                )
            return [self._ratio_sentence(self.common_ratio, where)]
        lines = []
        for layer, ratio in self.layer_ratios.items():
            count = sum(1 for entry in evidence if entry.layer == layer)
            where = f"the {count} failing parameters feeding {layer}"
            lines.append(f"{self._ratio_sentence(ratio, where)}; look at the derivative at {layer}'s neurons")
        return lines

    def _ratio_sentence(self, ratio: float, where: str) -> str:
        return f"same ratio: backprop / finite difference = {ratio:.4g} for {where}; " + _ratio_meaning(
            ratio, self.n_samples, self.n_outputs
        )

    def _inconclusive_lines(self) -> list[str]:
        if not self.inconclusive:
            return []
        lines = [
            "inconclusive: the finite difference crosses a kink, and without the samples there it agrees"
        ]
        for e in self.inconclusive:
            lines.append(
                f"  {e.name}: backprop {e.analytic:.6g}, finite diff. {e.numeric:.6g}, rel. error "
                f"{e.rel_error:.3g}; {_crossing_reason(e)}"
            )
        return lines

    def _kink_notes(self) -> list[str]:
        notes = [
            f"note: {e.name} crosses a kink ({_crossing_reason(e)}), and still disagrees: a real failure"
            for e in self.failures
            if e.crossings
        ]
        if self.near_kinks:
            notes.append(
                f"note: z came within {self.kink_margin:g} of the kink of its activation at 0 for "
                + ", ".join(self.near_kinks)
            )
        return notes

    def __repr__(self) -> str:
        return str(Text(str(self)))


def _numbers(entry: GradientEntry) -> list[str]:
    """An entry's name, its two gradients and their relative error, as a report's table writes them."""
    return [entry.name, f"{entry.analytic:.6g}", f"{entry.numeric:.6g}", f"{entry.rel_error:.3g}"]


def _shared_ratio(entries: list[GradientEntry]) -> float | None:
    """The median ratio backprop / finite difference, if at least two entries have it within 1%."""
    ratios = [entry.analytic / entry.numeric for entry in entries]
    if len(ratios) < 2:
        return None
    median = float(np.median(ratios))
    return median if all(_close(ratio, median) for ratio in ratios) else None


def _close(value: float, target: float) -> bool:
    return abs(value - target) <= RATIO_TOLERANCE * abs(target)


def _ratio_meaning(ratio: float, n_samples: int, n_outputs: int) -> str:
    """What a constant ratio backprop / finite difference likely means, in a sentence."""
    if ratio == 0:
        return "backprop is 0 where finite differences are not: a derivative that returns 0"
    if _close(ratio, -1.0):
        return "the sign is flipped"
    meanings = [text for value, text in _known_factors(n_samples, n_outputs) if _close(abs(ratio), value)]
    if not meanings:
        return "a derivative off by a constant factor"
    meaning = "; or ".join(meanings)
    return f"the sign is flipped, and {meaning}" if ratio < 0 else f"likely {meaning}"


def _known_factors(n_samples: int, n_outputs: int) -> list[tuple[float, str]]:
    """Factors a gradient is often off by, each with what it likely means."""
    factors = [
        (2.0, "an extra factor 2 in a derivative (the 2 of d/dx x**2 with no square, or counted twice)"),
        (0.5, "a missing factor 2 in a derivative (for mse, a - t where 2 (a - t) is meant)"),
    ]
    for count, what in ((n_samples, "samples in X"), (n_outputs, "outputs")):
        if count > 1:
            by_count = f"{count}, the number of {what}: backprop sums over them where the loss averages"
            by_inverse = (
                f"1/{count}, one over the number of {what}: the loss sums over them where backprop averages"
            )
            factors += [(count, by_count), (1 / count, by_inverse)]
    return factors


def _crossing_reason(entry: GradientEntry) -> str:
    """Which ``z`` cross a kink under this entry's nudge, on which samples, and what the recheck found."""
    crossings = [f"{neuron} on {_samples(samples)}" for neuron, samples in entry.crossings]
    reason = f"z crosses 0 under the nudge for {', '.join(crossings)}"
    if len(entry.crossings) == 1:
        neuron, samples = entry.crossings[0]
        reason = f"z of {neuron} crosses 0 on {_samples(samples)} under the nudge"
    if entry.given:
        return f"{reason}; your gradient is for the whole batch, so it cannot be rechecked without them"
    if entry.recheck_error is None:
        return f"{reason}; no other sample is left to recheck it on"
    them = "it" if len(entry.kink_samples) == 1 else "them"
    return f"{reason}; without {them} the error is {entry.recheck_error:.2g}"


def _samples(samples: tuple[int, ...]) -> str:
    return ("sample " if len(samples) == 1 else "samples ") + ", ".join(map(str, samples))


def gradient_check(
    network: Network,
    X: object,
    Y: object,
    loss: str | Loss | Cost = "mse",
    *,
    grads: Mapping[str, object] | None = None,
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
    ``floor``.

    A parameter is ``"ok"`` when its relative error is below ``tolerance``.
    Otherwise, if the nudges carry some sample's ``z`` of a neuron with a
    non-smooth activation (``activation.smooth`` is False: relu, leaky_relu,
    step) across its kink at 0 (``z`` changes sign or reaches 0), the
    parameter is checked again on ``X`` without those samples: it is
    ``"inconclusive"`` if it then agrees (or no sample is left), and
    ``"failed"`` if not. A parameter that crosses no kink and disagrees has
    ``"failed"``. ``report.ok`` is True when none failed.

    ``grads`` checks gradients of your own instead of backprop's: a mapping
    from array names to arrays, by the names of ``net.named_gradients()``
    (``"input->hidden1.weight"`` as ``(target, source)``, ``"hidden1.bias"``)
    or, for a network made with ``Network.from_arrays``, by your names
    ``"W1"``, ``"b1"``, ``"W2"``, ... (or ``"dW1"``, ...) in your layout
    ``net.array_layout``, biases of shape ``(n,)``, ``(n, 1)`` or ``(1, n)``.
    Only the arrays given are checked. They are gradients of the mean loss
    over ``X``. A disagreement across a kink cannot be rechecked on fewer
    samples (your arrays are for the whole batch), so it is
    ``"inconclusive"``.

    ``loss`` may also be a function of your own, ``loss(outputs, targets)``
    returning the mean loss as a float (outputs and targets as
    ``(n_samples, n_outputs)`` arrays); the finite differences are then of
    it, and ``grads`` is required.

    Every parameter is restored to its exact value; afterwards the network
    holds a backward pass on ``X``, ``Y`` as after
    ``net.backward(X, Y, loss)`` (with ``"mse"`` for a loss function of
    your own).

    Examples
    --------
    >>> import numpy as np
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([2, 3, 1], activation="tanh", seed=0)
    >>> X, Y = np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([[1.0], [0.0]])
    >>> report = ns.gradient_check(net, X, Y, loss="mse")
    >>> report.ok, len(report.entries), report.common_ratio
    (True, 13, None)

    A derivative twice what it should be makes every gradient through it
    twice the finite difference, and the report says so:

    >>> double_tanh = ns.Activation("double_tanh", np.tanh, output_derivative=lambda a: 2 * (1 - a**2))
    >>> net = ns.Network.from_shape([2, 3, 1], activation=double_tanh, output_activation="identity", seed=0)
    >>> report = ns.gradient_check(net, X, Y, loss="mse")
    >>> report.ok, round(report.common_ratio, 6)
    (False, 2.0)

    Gradients of your own, by your names, here half what they should be:

    >>> W1, b1 = np.array([[0.5, -1.0], [2.0, 0.25], [0.0, 1.0]]), np.zeros(3)
    >>> W2, b2 = np.array([[1.0, -0.5, 0.3]]), np.zeros(1)
    >>> net = ns.Network.from_arrays([W1, W2], [b1, b2], ["tanh", "identity"], layout="out_in")
    >>> round(net.backward(X, Y, "mse"), 4)  # the mean loss; every block.grad is now set
    1.6316
    >>> right = {"W1": net.blocks[0].grad.copy(), "W2": net.blocks[1].grad.copy()}
    >>> ns.gradient_check(net, X, Y, "mse", grads=right).ok
    True
    >>> halved = {name: grad / 2 for name, grad in right.items()}
    >>> report = ns.gradient_check(net, X, Y, "mse", grads=halved)
    >>> report.ok, round(report.common_ratio, 6), len(report.entries)
    (False, 0.5, 9)
    """
    cost = None if isinstance(loss, (str, Loss)) else _cost(loss, grads)
    loss_fn, X, T = network.prepare_batch(X, Y, "mse" if cost is not None else loss)
    step = positive_number(step, "step")
    tolerance = positive_number(tolerance, "tolerance")
    floor = positive_number(floor, "floor")
    kink_margin = non_negative_number(kink_margin, "kink_margin")
    batch = _Batch(ObjectEngine(network), X, T, loss_fn, step, cost)
    store = network.parameter_store
    parameters = [(entry, *store.arrays(entry.array)) for entry in store.entries()]
    given = None if grads is None else _given_gradients(network, grads)
    if given is not None:
        parameters = [parameter for parameter in parameters if parameter[0].array in given]
    differences = [batch.difference(values, entry.index) for entry, values, _ in parameters]
    analytic, resolution = batch.gradients(parameters, floor)
    if given is not None:
        analytic = [float(given[entry.array][entry.index]) for entry, _, _ in parameters]
    layers = _layer_names(network)
    entries = []
    for (entry, _, _), gradient, (numeric, crossings) in zip(parameters, analytic, differences, strict=True):
        error = _relative_error(gradient, numeric, resolution)
        entries.append(
            GradientEntry(
                entry.name,
                gradient,
                numeric,
                error,
                "ok",
                layers[entry.name],
                crossings,
                given=given is not None,
            )
        )
    entries = _judge(batch, parameters, entries, tolerance, floor)
    return GradientCheckReport(
        entries,
        tolerance,
        _near_kinks(batch.engine, kink_margin),
        n_samples=X.shape[0],
        n_outputs=T.shape[1],
        kink_margin=kink_margin,
        resolution=resolution,
    )


class _Batch:
    """A batch to nudge parameters on: finite differences of its mean loss, and the kinks they cross."""

    def __init__(
        self,
        engine: ObjectEngine,
        X: np.ndarray,
        T: np.ndarray,
        loss: Loss,
        step: float,
        cost: Cost | None = None,
    ) -> None:
        self.engine, self.X, self.T, self.loss, self.step, self.cost = engine, X, T, loss, step, cost
        self.kinked = [
            layer
            for layer in engine.network.layers
            if layer.activation is not None and not layer.activation.smooth
        ]
        self.kink_neurons = [neuron.name for layer in self.kinked for neuron in layer]
        if self.kinked:
            engine.evaluate(X, T, loss)
        self.signs = self._signs()

    def difference(self, values: np.ndarray, index: tuple) -> tuple[float, tuple[Crossing, ...]]:
        """The finite difference of the mean loss in ``values[index]``, and the kinks its nudges cross."""
        h, original = self.step, values[index]
        losses, crossed = [], np.zeros(self.signs.shape, dtype=bool)
        for offset in (2 * h, h, -h, -2 * h):
            values[index] = original + offset
            losses.append(self._mean_loss())
            if self.kinked:
                crossed |= self._signs() != self.signs
        values[index] = original
        plus2, plus1, minus1, minus2 = losses
        # Differences first: a loss that does not change gives exactly 0.
        return (8 * (plus1 - minus1) - (plus2 - minus2)) / (12 * h), self._crossings(crossed)

    def gradients(self, parameters: list[tuple], floor: float) -> tuple[list[float], float]:
        """Backprop's gradient of each parameter on this batch, and ``floor * max(1, L)``."""
        self.engine.train_batch(self.X, self.T, self.loss)
        values = self.engine.last_pass()
        value = self.loss.value(values.logits, values.outputs, self.T)
        if self.cost is not None:
            value = self.cost(values.outputs.copy(), self.T.copy())
        return [float(grads[entry.index]) for entry, _, grads in parameters], floor * max(1.0, abs(value))

    def _mean_loss(self) -> float:
        value, outputs = self.engine.evaluate(self.X, self.T, self.loss)
        return value if self.cost is None else self.cost(outputs.copy(), self.T.copy())

    def without(self, samples: tuple[int, ...]) -> _Batch:
        """The same batch without ``samples``."""
        keep = np.ones(len(self.X), dtype=bool)
        keep[list(samples)] = False
        return _Batch(self.engine, self.X[keep], self.T[keep], self.loss, self.step, self.cost)

    def _signs(self) -> np.ndarray:
        """The sign of each sample's ``z`` (rows) at each neuron with a kink (columns), in the last pass."""
        if not self.kinked:
            return np.zeros((len(self.X), 0))
        values = self.engine.last_pass()
        return np.sign(np.hstack([values.z(layer) for layer in self.kinked]))

    def _crossings(self, crossed: np.ndarray) -> tuple[Crossing, ...]:
        return tuple(
            (name, tuple(int(sample) for sample in np.flatnonzero(column)))
            for name, column in zip(self.kink_neurons, crossed.T, strict=True)
            if column.any()
        )


def _judge(
    batch: _Batch, parameters: list[tuple], entries: list[GradientEntry], tolerance: float, floor: float
) -> list[GradientEntry]:
    """The entries with their verdicts; failing across a kink, checked again without the samples there."""
    judged = list(entries)
    suspects = defaultdict(list)
    for position, entry in enumerate(entries):
        if entry.rel_error < tolerance:
            continue
        if entry.crossings and entry.given:  # your arrays are for the whole batch: no recheck on fewer
            judged[position] = replace(entry, verdict="inconclusive")
        elif entry.crossings:
            suspects[entry.kink_samples].append(position)
        else:
            judged[position] = replace(entry, verdict="failed")
    for samples, positions in suspects.items():
        errors = _recheck(batch, samples, [parameters[position] for position in positions], floor)
        for position, error in zip(positions, errors, strict=True):
            verdict = "failed" if error is not None and error >= tolerance else "inconclusive"
            judged[position] = replace(entries[position], verdict=verdict, recheck_error=error)
    if suspects:
        batch.gradients(parameters, floor)  # the network holds the whole batch's backward pass again
    return judged


def _recheck(
    batch: _Batch, samples: tuple[int, ...], parameters: list[tuple], floor: float
) -> list[float | None]:
    """Each parameter's relative error on the batch without ``samples``; ``None`` if none are left."""
    if len(samples) == len(batch.X):
        return [None] * len(parameters)
    smaller = batch.without(samples)
    numeric = [smaller.difference(values, entry.index)[0] for entry, values, _ in parameters]
    analytic, resolution = smaller.gradients(parameters, floor)
    return [_relative_error(a, n, resolution) for a, n in zip(analytic, numeric, strict=True)]


def _relative_error(analytic: float, numeric: float, resolution: float) -> float:
    return abs(analytic - numeric) / max(abs(analytic), abs(numeric), resolution)


def _layer_names(network: Network) -> dict[str, str]:
    """The layer each parameter feeds, by parameter name."""
    names = {synapse.name: synapse.target.layer.name for synapse in network.synapses}
    for layer in network.layers:
        if not layer.is_input:
            names.update({f"{neuron.name}.bias": layer.name for neuron in layer})
    return names


def _near_kinks(engine: ObjectEngine, margin: float) -> list[str]:
    values = engine.last_pass()
    names = []
    for layer in engine.network.layers:
        if layer.activation is None or layer.activation.smooth:
            continue
        closest = np.min(np.abs(values.z(layer)), axis=0)
        names += [neuron.name for neuron, distance in zip(layer, closest, strict=True) if distance < margin]
    return names


def _cost(loss: object, grads: object) -> Cost:
    """``loss`` as a mean-loss function of your own, refused unless it is one and ``grads`` are given."""
    if not callable(loss):
        raise ParameterError(
            "loss must be a loss name, a Loss, or a function loss(outputs, targets) returning the mean "
            f"loss; got {loss!r}"
        )
    if grads is None:
        raise ParameterError(
            "gradient_check with a loss function of your own needs grads=: your gradients of it, "
            "since backprop cannot differentiate a function it does not know"
        )

    def cost(outputs: np.ndarray, targets: np.ndarray) -> float:
        value = loss(outputs, targets)
        if np.ndim(value) != 0:
            raise ParameterError(
                f"loss(outputs, targets) must return one number, the mean loss; got {value!r}"
            )
        return float(value)

    return cost


def _given_gradients(network: Network, grads: object) -> dict[str, np.ndarray]:
    """Your gradient arrays by neurosim's array names, held as neurosim holds them (out_in, flat biases)."""
    if not isinstance(grads, Mapping):
        raise ParameterError(
            f"grads must be a mapping from array names to arrays; got {type(grads).__name__}"
        )
    shapes = {name: values.shape for name, values in network.named_parameters()}
    aliases = _user_names(network)
    given = {}
    for key, value in grads.items():
        name, transposed = aliases.get(key, (key, False))
        if name not in shapes:
            known = ", ".join([*aliases, *shapes])
            raise UnknownNameError(
                f"grads has an array {key!r} that the network does not; expected one of: {known}"
            )
        array = np.asarray(value, dtype=float)
        if name.endswith(".bias"):
            array = array.reshape(-1) if array.size == shapes[name][0] else array
        elif transposed:
            array = array.T
        if array.shape != shapes[name]:
            expected = shapes[name][::-1] if transposed else shapes[name]
            raise ShapeError(f"grads[{key!r}] has shape {np.shape(value)}; expected {expected} like {name}")
        given[name] = array
    return given


def _user_names(network: Network) -> dict[str, tuple[str, bool]]:
    """For a network made from arrays: ``"W1"``, ``"dW1"``, ``"b1"``, ... -> (array name, transposed?)."""
    if network.array_layout is None:
        return {}
    layers = network.layer_order()
    names = {}
    for k, (source, target) in enumerate(pairwise(layers), start=1):
        weight = (f"{source.name}->{target.name}.weight", network.array_layout == "in_out")
        names.update({f"W{k}": weight, f"dW{k}": weight})
        if target.has_bias:
            names.update({f"b{k}": (f"{target.name}.bias", False), f"db{k}": (f"{target.name}.bias", False)})
    return names
