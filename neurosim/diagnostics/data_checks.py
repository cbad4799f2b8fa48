"""The doctor's checks before training: from the data, the targets and the network alone."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np

from neurosim._text import plain
from neurosim.classes import predicted_classes
from neurosim.diagnostics.bias_checks import no_bias
from neurosim.diagnostics.report import Finding

if TYPE_CHECKING:
    from neurosim.core import Layer, Network
    from neurosim.diagnostics.settings import Settings
    from neurosim.losses import Loss

#: what each built-in output activation can produce, for ``targets-out-of-range``
OUTPUT_RANGES = {
    "sigmoid": (0.0, 1.0),
    "tanh": (-1.0, 1.0),
    "relu": (0.0, np.inf),
    "softplus": (0.0, np.inf),
    "step": (0.0, 1.0),
    "softmax": (0.0, 1.0),
}
#: activations that are straight lines: a network of them computes a linear function
LINEAR = ("identity",)
#: at most this many samples go into the linear fit of ``no-nonlinearity``
LINEAR_FIT_SAMPLES = 1000
#: ``no-nonlinearity``: how much better a fit with squared (and cubed) terms must do than a linear one
CURVED_GAIN = 0.05
LOGISTIC_STEPS = 200
LOGISTIC_STARTS = 5
#: how many boundary accuracies are remembered (a fit on the same data again costs nothing)
REMEMBERED = 16
_ACCURACIES: dict[tuple, float] = {}


def data_findings(
    network: Network, X: np.ndarray, T: np.ndarray, loss: Loss, settings: Settings
) -> list[Finding]:
    """Every finding that the data, the targets and the network show before any pass."""
    found = [
        unscaled_inputs(network, X, settings),
        targets_out_of_range(network, T),
        *symmetric_init(network),
        no_nonlinearity(network, X, T, loss, settings),
        no_bias(network, X, T, loss, settings),
    ]
    return [finding for finding in found if finding is not None]


def unscaled_inputs(network: Network, X: np.ndarray, settings: Settings) -> Finding | None:
    """Input columns whose mean or spread is far from unit scale: too large, or (all of them) too small.

    A column whose largest value is below ``1 / input_scale**2`` in size is
    tiny; a column of zeros is left alone.
    """
    largest = np.abs(X).max(axis=0)
    scale = np.where(largest > 0, largest, 1.0)  # scaled first, so that the mean and std cannot overflow
    scaled = X / scale
    means, spreads = scaled.mean(axis=0) * scale, scaled.std(axis=0) * scale
    large = (np.abs(means) > settings.input_scale) | (spreads > settings.input_scale)
    tiny = (largest > 0) & (largest < 1 / settings.input_scale**2)
    far = np.flatnonzero(large | tiny)
    if far.size == 0:
        return None
    inputs = network.input_layer
    evidence = {
        inputs[int(j)].name: {
            "min": float(X[:, j].min()),
            "max": float(X[:, j].max()),
            "mean": float(means[j]),
            "std": float(spreads[j]),
        }
        for j in far
    }
    first = inputs[int(far[0])].name
    numbers = evidence[first]
    others = f" ({len(far) - 1} more column{'s' if len(far) > 2 else ''} alike)" if len(far) > 1 else ""
    squashing = any(layer.activation.name in ("sigmoid", "tanh") for layer in network.layers[1:])
    effect = "sigmoid and tanh neurons saturate and updates overshoot" if squashing else "updates overshoot"
    if not large[far[0]]:
        effect = "the first layer's weights must grow huge to use them, and learn slowly until they do"
    else:
        effect = f"they make the first layer's z large, so {effect}"
    message = (
        f"{first} ranges from {plain(numbers['min'])} to {plain(numbers['max'])} "
        f"(mean {plain(numbers['mean'])}, std {plain(numbers['std'])}){others}: with inputs this far from "
        f"unit scale {effect}."
    )
    advice = (
        "standardise every input column with the training set's mean and std: "
        "X = (X - X.mean(axis=0)) / X.std(axis=0), and the same numbers for later inputs"
    )
    return Finding("unscaled-inputs", "warning", tuple(evidence), evidence, message, advice)


def targets_out_of_range(network: Network, T: np.ndarray) -> Finding | None:
    """Targets that the output activation cannot produce."""
    output = network.output_layer
    name = output.activation.name
    if name not in OUTPUT_RANGES:
        return None
    low, high = OUTPUT_RANGES[name]
    slack = 1e-9 * max(1.0, float(np.abs(T).max()))  # rounding, not a target out of reach
    evidence = {}
    for j, neuron in enumerate(output):
        column = T[:, j]
        outside = int(np.count_nonzero((column < low - slack) | (column > high + slack)))
        if outside:
            evidence[neuron.name] = {
                "min": float(column.min()),
                "max": float(column.max()),
                "outside": outside,
                "range": [low, high],
            }
    if name == "softmax" and not evidence:
        sums = T.sum(axis=1)
        off = np.flatnonzero(~np.isclose(sums, 1.0, rtol=0, atol=1e-6))
        if off.size:
            evidence[output.name] = {"row_sum_min": float(sums.min()), "row_sum_max": float(sums.max())}
    if not evidence:
        return None
    culprit = next(iter(evidence))
    numbers = evidence[culprit]
    if "outside" in numbers:
        message = (
            f"{numbers['outside']} of {len(T)} targets of {culprit} lie outside "
            f"[{plain(low)}, {plain(high)}] "
            f"(from {plain(numbers['min'])} to {plain(numbers['max'])}), which {name} cannot output: "
            "the loss can never reach 0, and the outputs are pushed against their limits."
        )
        advice = (
            "for regression use an identity output layer (output_activation='identity'), "
            f"or rescale the targets into [{plain(low)}, {plain(high)}]"
        )
    else:
        message = (
            f"the targets of softmax layer {culprit!r} are rows that do not sum to 1 (row sums from "
            f"{plain(numbers['row_sum_min'])} to {plain(numbers['row_sum_max'])}): a softmax layer's outputs "
            "always sum to 1, so they can never equal these targets."
        )
        advice = (
            "give each sample's targets as a one-hot row, or probabilities that sum to 1, "
            "or as class labels 0..n_classes-1 with loss='cross_entropy'"
        )
    return Finding("targets-out-of-range", "error", tuple(evidence), evidence, message, advice)


def symmetric_init(network: Network) -> list[Finding]:
    """Hidden neurons of one layer with identical incoming weights, bias and outgoing weights.

    Such neurons compute the same value and get the same gradient, so they
    stay identical. (Neurons alike only in their incoming weights differ in
    the error coming back through their outgoing weights, so they part.)
    """
    findings = []
    for layer in network.layers[1:-1]:
        groups = _identical_neurons(network, layer)
        if not groups:
            continue
        evidence = {}
        for group in groups:
            first = layer[group[0]]
            weights = [float(s.weight) for s in first.incoming]
            for index in group:
                evidence[layer[index].name] = {
                    "same_as": [layer[i].name for i in group if i != index],
                    "bias": float(first.bias),
                    "weights": weights[:8],
                }
        largest = max(groups, key=len)
        names = [layer[i].name for i in largest]
        distinct = layer.size - sum(len(group) - 1 for group in groups)
        works_like = "one neuron" if distinct == 1 else f"{distinct} neurons, not {layer.size}"
        message = (
            f"{len(evidence)} of {layer.size} neurons of layer {layer.name!r} have identical incoming "
            "weights and bias and the same outgoing weights "
            f"({', '.join(names[:4])}{', ...' if len(names) > 4 else ''}: bias "
            f"{plain(layer[largest[0]].bias)}): they compute the same value and get the same gradient, so "
            f"they stay identical and the layer works like {works_like}."
        )
        advice = "initialise the weights randomly (init='xavier' for sigmoid and tanh, init='he' for relu)"
        findings.append(Finding("symmetric-init", "warning", tuple(evidence), evidence, message, advice))
    return findings


def _identical_neurons(network: Network, layer: Layer) -> list[list[int]]:
    """Groups (two or more) of ``layer``'s neurons with identical incoming and outgoing weights and bias."""
    incoming = [block.weight for block in network.blocks if block.target is layer]
    outgoing = [block.weight.T for block in network.blocks if block.source is layer]
    if not incoming or layer.size < 2:
        return []
    rows = np.ascontiguousarray(np.hstack([*incoming, layer.bias[:, None], *outgoing]))
    twins: dict[bytes, list[int]] = {}
    for index, row in enumerate(rows + 0.0):  # + 0.0: -0.0 and 0.0 are the same weight
        twins.setdefault(row.tobytes(), []).append(index)
    return [group for group in twins.values() if len(group) > 1]


def no_nonlinearity(
    network: Network, X: np.ndarray, T: np.ndarray, loss: Loss, settings: Settings
) -> Finding | None:
    """A network that can only draw straight lines, on data that needs more."""
    hidden = network.layers[1:-1]
    if any(layer.activation.name not in LINEAR for layer in hidden):
        return None
    rows = np.unique(np.linspace(0, len(X) - 1, min(len(X), LINEAR_FIT_SAMPLES)).astype(int))
    X, T = _unit_columns(X[rows]), T[rows]  # spread over the data, which may be sorted by class
    where = tuple(layer.name for layer in hidden) or (network.output_layer.name,)
    kind = "identity hidden layers" if hidden else "no hidden layer"
    advice = (
        "add a hidden layer with a nonlinear activation (e.g. [n_inputs, 4, n_outputs] with "
        "activation='tanh'); without one, the network computes a linear function of its inputs"
    )
    if loss.classification or _binary_targets(T):
        linear, curved = _boundary_accuracies(X, T, settings.linear_accuracy)
        if linear >= settings.linear_accuracy or curved - linear < CURVED_GAIN:
            return None
        evidence = {"linear_accuracy": linear, "curved_accuracy": curved, "samples": len(X)}
        message = (
            f"the network has {kind}, so its decision boundary is a straight line (a hyperplane), but the "
            f"best linear boundary classifies only {linear:.1%} of these {len(X)} samples correctly, and a "
            f"boundary with squared and cubed terms {curved:.1%}: the classes are not linearly separable."
        )
        return Finding("no-nonlinearity", "warning", where, evidence, message, advice)
    linear, curved = _explained_variance(X, _unit_columns(T))
    if curved - linear < CURVED_GAIN or (1 - curved) > 0.5 * (1 - linear):
        return None
    evidence = {"linear_r2": linear, "quadratic_r2": curved, "samples": len(X)}
    message = (
        f"the network has {kind}, so it computes a linear function, which explains {linear:.1%} of "
        f"the targets' variance here; a fit with squared terms explains {curved:.1%}: the targets "
        "depend on the inputs nonlinearly."
    )
    return Finding("no-nonlinearity", "warning", where, evidence, message, advice)


def _boundary_accuracies(X: np.ndarray, T: np.ndarray, enough: float) -> tuple[float, float]:
    """The best accuracies of a straight and of a curved boundary (the curved one only below ``enough``)."""
    linear = remembered_accuracy(X, T)
    # classes that overlap are misclassified by any boundary: only a curved one doing better says more
    curved = remembered_accuracy(curved_features(X), T) if linear < enough else linear
    return linear, curved


def remembered_accuracy(X: np.ndarray, T: np.ndarray, *, through_origin: bool = False) -> float:
    """``best_linear_accuracy``, remembered for the last few data sets: the same data again is free."""
    digest = hashlib.blake2b(X.tobytes() + T.tobytes(), digest_size=16).digest()
    key = (digest, X.shape, T.shape, through_origin)
    if key not in _ACCURACIES:
        if len(_ACCURACIES) >= REMEMBERED:
            del _ACCURACIES[next(iter(_ACCURACIES))]
        _ACCURACIES[key] = best_linear_accuracy(X, T, through_origin=through_origin)
    return _ACCURACIES[key]


def _unit_columns(values: np.ndarray) -> np.ndarray:
    """Each column divided by its largest absolute value: the same fits, and no overflow in their squares."""
    largest = np.abs(values).max(axis=0)
    return values / np.where(largest > 0, largest, 1.0)


def _binary_targets(T: np.ndarray) -> bool:
    return T.shape[1] == 1 and bool(np.all((T == 0) | (T == 1)))


def best_linear_accuracy(X: np.ndarray, T: np.ndarray, *, through_origin: bool = False) -> float:
    """The accuracy of a logistic (softmax) regression on ``X``: how well a straight boundary does.

    ``through_origin=True`` allows only boundaries through ``x = 0`` (no bias).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> best_linear_accuracy(X, np.array([[0.0], [0.0], [0.0], [1.0]]))  # AND
    1.0
    >>> best_linear_accuracy(X, np.array([[0.0], [1.0], [1.0], [0.0]]))  # XOR
    0.75
    """
    labels = predicted_classes(T)  # a target row's class, by the rule an output row's follows
    classes = max(2, T.shape[1])
    spread = X.std(axis=0)
    if through_origin:
        Z = X / np.where(spread > 0, spread, 1.0)
    else:
        Z = np.hstack([(X - X.mean(axis=0)) / np.where(spread > 0, spread, 1.0), np.ones((len(X), 1))])
    onehot = np.eye(classes)[labels]
    rng = np.random.default_rng(0)
    best = 0.0
    # gradient descent from zero can stay at a symmetric point (XOR): random starts find the best corner
    for start in range(LOGISTIC_STARTS):
        weights = np.zeros((Z.shape[1], classes)) if start == 0 else rng.normal(size=(Z.shape[1], classes))
        best = max(best, _logistic_descent(Z, onehot, labels, weights))
        if best == 1.0:
            break
    return best


def curved_features(X: np.ndarray) -> np.ndarray:
    """``X`` with its columns' squares, pairwise products (at most 200) and cubes: room for a curved boundary.

    Examples
    --------
    >>> curved_features(np.array([[2.0, 3.0]])).tolist()
    [[2.0, 3.0, 4.0, 6.0, 9.0, 8.0, 27.0]]
    """
    return np.hstack([X, *_products(X), X**3])


def _products(X: np.ndarray) -> list[np.ndarray]:
    """The columns' squares and pairwise products, at most 200 of them."""
    d = X.shape[1]
    return [X[:, i : i + 1] * X[:, j : j + 1] for i in range(d) for j in range(i, d)][:200]


def _logistic_descent(Z: np.ndarray, onehot: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> float:
    """The best accuracy met on the way down a softmax regression's loss from ``weights``."""
    best = 0.0
    for _ in range(LOGISTIC_STEPS):
        scores = Z @ weights
        best = max(best, _accuracy(scores, labels))
        if best == 1.0:
            break
        scores -= scores.max(axis=1, keepdims=True)
        probabilities = np.exp(scores)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        weights -= 2.0 * Z.T @ (probabilities - onehot) / len(Z)
    return best


def _accuracy(scores: np.ndarray, labels: np.ndarray) -> float:
    """The fraction of samples whose class scores higher than every other by a margin (ties are wrong)."""
    rows = np.arange(len(labels))
    own = scores[rows, labels]
    scores = scores.copy()
    scores[rows, labels] = -np.inf
    return float(np.mean(own - scores.max(axis=1) > 1e-9 * (1 + np.abs(own))))


def _explained_variance(X: np.ndarray, T: np.ndarray) -> tuple[float, float]:
    """R² of a least-squares fit of ``T`` on ``X``, and on ``X`` with its squares and products."""
    ones = np.ones((len(X), 1))
    return _r2(np.hstack([X, ones]), T), _r2(np.hstack([X, ones, *_products(X)]), T)


def _r2(features: np.ndarray, T: np.ndarray) -> float:
    total = float(np.sum((T - T.mean(axis=0)) ** 2))
    if total == 0:
        return 1.0
    coefficients, *_ = np.linalg.lstsq(features, T, rcond=None)
    return 1.0 - float(np.sum((T - features @ coefficients) ** 2)) / total
