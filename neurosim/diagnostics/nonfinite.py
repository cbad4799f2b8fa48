"""``non-finite``: the first quantity of a pass that is not a finite number, in the order it was computed.

The forward pass computes, layer by layer, each neuron's ``z`` from the
weights, biases and the previous layer's ``a``, then ``a``; then the loss;
then the backward pass each ``delta`` from the output back, and the
gradients. The first non-finite value in that order is where the trouble
starts: everything after it inherits it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from neurosim._text import plain
from neurosim.diagnostics.report import Finding

if TYPE_CHECKING:
    from neurosim.core import Layer, Network
    from neurosim.engines import PassValues
    from neurosim.losses import Loss

#: targets larger than this (in absolute value) are far from unit scale: an overflowing loss may be theirs
LARGE_TARGET = 1e3


def first_non_finite(
    network: Network,
    X: np.ndarray,
    values: PassValues,
    loss: Loss,
    T: np.ndarray,
    rows: np.ndarray | None = None,
) -> Finding | None:
    """The ``non-finite`` finding for the first non-finite value of a pass; ``None`` when all are finite.

    ``rows`` numbers the pass's samples as the user knows them (a shuffled
    batch's rows of the training data); by default they count from 0.
    """
    row = _row_namer(rows)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for check in (_inputs, _forward, _loss, _backward):
            finding = check(network, X, values, loss, T, row)
            if finding is not None:
                return finding
    return None


def _row_namer(rows: np.ndarray | None) -> Callable[[int], int]:
    """The function that gives a sample's number as the user knows it."""

    def row(sample: int) -> int:
        return int(sample) if rows is None else int(rows[sample])

    return row


def _finding(where: str, what: str, evidence: dict, cause: str, advice: str) -> Finding:
    message = f"the first value that is not a finite number is {what}: {cause}"
    return Finding("non-finite", "error", (where,), {where: evidence}, message, advice)


def _first_bad(values: np.ndarray) -> tuple[int, int] | None:
    bad = np.argwhere(~np.isfinite(values))
    return None if bad.size == 0 else (int(bad[0][0]), int(bad[0][1]))


def _inputs(
    network: Network, X: np.ndarray, values: PassValues, loss: Loss, T: np.ndarray, row: Callable
) -> Finding | None:
    spot = _first_bad(X)
    if spot is None:
        return None
    sample, column = spot
    name = network.input_layer[int(column)].name
    return _finding(
        name,
        f"{name} on sample {row(sample)} ({X[sample, column]})",
        {"sample": row(sample), "value": float(X[sample, column])},
        "the data itself holds it.",
        "remove or fill in the missing values of the data",
    )


def _forward(
    network: Network, X: np.ndarray, values: PassValues, loss: Loss, T: np.ndarray, row: Callable
) -> Finding | None:
    for layer in network.layers[1:]:
        finding = _parameters(network, layer) or _weighted_input(network, layer, values, row)
        if finding is None:
            finding = _activation(layer, values, row)
        if finding is not None:
            return finding
    return None


def _parameters(network: Network, layer: Layer) -> Finding | None:
    for block in network.blocks:
        if block.target is layer and (spot := _first_bad(block.weight)) is not None:
            target, source = spot
            name = f"{block.source[source].name} -> {layer[target].name}"
            value = float(block.weight[target, source])
            return _finding(
                name,
                f"the weight of synapse {name} ({value})",
                {"weight": value},
                "an update overflowed it: each update was larger than the last until the numbers ran out.",
                "a smaller learning rate; scale the inputs to unit size",
            )
    spot = np.flatnonzero(~np.isfinite(layer.bias))
    if spot.size:
        neuron = layer[int(spot[0])]
        return _finding(
            neuron.name,
            f"the bias of {neuron.name} ({neuron.bias})",
            {"bias": float(neuron.bias)},
            "an update overflowed it: each update was larger than the last until the numbers ran out.",
            "a smaller learning rate; scale the inputs to unit size",
        )
    return None


def _weighted_input(network: Network, layer: Layer, values: PassValues, row: Callable) -> Finding | None:
    z = values.z(layer)
    spot = None if z is None else _first_bad(z)
    if spot is None:
        return None
    sample, index = spot
    neuron = layer[index]
    incoming = neuron.incoming
    largest = max(incoming, key=lambda s: abs(s.weight), default=None)
    reaching = {s: float(values.a(s.source.layer)[sample, s.source.index]) for s in incoming}
    evidence = {"sample": row(sample), "z": float(z[sample, index])}
    cause = f"the weighted sum overflowed float{8 * z.dtype.itemsize}"
    if largest is not None:
        evidence["largest_weight"] = {"synapse": largest.name, "weight": float(largest.weight)}
        evidence["largest_term"] = max(abs(float(s.weight) * a) for s, a in reaching.items())
        cause += f"; its largest incoming weight is {plain(float(largest.weight), 3)} ({largest.name})"
    loudest = max(reaching, key=lambda s: abs(reaching[s]), default=None)
    if loudest is not None and not abs(reaching[loudest]) <= max(abs(float(largest.weight)), 1e6):
        cause += (
            f". The value reaching it from {loudest.source.name} on this sample is "
            f"{plain(reaching[loudest], 3)}: far too large for any weight."
        )
    elif largest is not None and abs(largest.weight) > 1e6:
        cause += ". Weights this large come from updates that overshoot: each larger than the last."
    else:
        cause += ". The values reaching it are too large."
    return _finding(
        neuron.name,
        f"{neuron.name}.z on sample {row(sample)} ({z[sample, index]})",
        evidence,
        cause,
        "a smaller learning rate; scale the inputs to unit size",
    )


def _activation(layer: Layer, values: PassValues, row: Callable) -> Finding | None:
    a = values.a(layer)
    spot = None if a is None else _first_bad(a)
    if spot is None:
        return None
    sample, index = spot
    neuron = layer[index]
    z = float(values.z(layer)[sample, index])
    return _finding(
        neuron.name,
        f"{neuron.name}.a on sample {row(sample)} ({a[sample, index]})",
        {"sample": row(sample), "z": z, "a": float(a[sample, index])},
        f"{layer.activation.name}({plain(z)}) is not finite: the activation function overflows for this z.",
        f"check the activation {layer.activation.name!r} for large inputs (write it so that it stays finite)",
    )


def _loss(
    network: Network, X: np.ndarray, values: PassValues, loss: Loss, T: np.ndarray, row: Callable
) -> Finding | None:
    value = loss.value(values.logits, values.outputs, T)
    if np.isfinite(value):
        return None
    outputs = values.outputs
    gap = np.abs(outputs - T)  # inf where the difference itself overflows
    sample, index = np.unravel_index(int(np.argmax(np.where(np.isnan(gap), -1.0, gap))), outputs.shape)
    neuron = network.output_layer[int(index)]
    a, t = float(outputs[sample, index]), float(T[sample, index])
    large_targets = abs(t) > abs(a)
    what = "targets" if large_targets else "outputs"
    return _finding(
        neuron.name,
        f"the {loss.name} loss ({value})",
        {"loss": float(value), "sample": row(sample), "a": a, "t": t},
        f"every value is finite but the {what} are so large that the loss overflows: {neuron.name}.a is "
        f"{plain(a, 3)} on sample {row(sample)}, its target {plain(t, 3)}.",
        "scale the targets to about unit size; a smaller learning rate"
        if large_targets or float(np.abs(T).max()) > LARGE_TARGET
        else "a smaller learning rate; scale the inputs to unit size",
    )


def _backward(
    network: Network, X: np.ndarray, values: PassValues, loss: Loss, T: np.ndarray, row: Callable
) -> Finding | None:
    for layer in reversed(network.layers[1:]):
        delta = values.delta(layer)
        spot = None if delta is None else _first_bad(delta)
        if spot is None:
            continue
        sample, index = spot
        neuron = layer[index]
        z, a = float(values.z(layer)[sample, index]), float(values.a(layer)[sample, index])
        if layer is network.output_layer:
            t = float(T[sample, index])
            cause = (
                f"the derivative of the {loss.name} loss at {neuron.name} is not finite for a = {plain(a)}, "
                f"target {plain(t)}"
                + (
                    " (a is exactly at the limit of its activation, where the derivative divides by 0)."
                    if a in (0.0, 1.0)
                    else "."
                )
            )
            advice = (
                "compute the loss from z (loss='bce' with a sigmoid output does), "
                "or clip the outputs away from 0 and 1"
            )
        else:
            cause = (
                f"{layer.activation.name}'(z) at z = {plain(z)} times the error coming back from the next "
                "layer is not finite: the weights after it, or the error at the output, are too large."
            )
            advice = "a smaller learning rate; smaller initial weights; targets scaled to about unit size"
        return _finding(
            neuron.name,
            f"{neuron.name}.delta on sample {row(sample)} ({delta[sample, index]})",
            {"sample": row(sample), "z": z, "a": a, "delta": float(delta[sample, index])},
            cause,
            advice,
        )
    return None
