"""Your own forward pass next to neurosim's: the first layer where they part, and why.

``compare_forward`` reads each layer's values from your code (``a``, or
``(z, a)``), samples in rows or in columns, and finds the first layer where
they differ from neurosim's: a wrong activation, a softmax over the wrong
axis, a bias left out, or a plain mismatch with the neuron and sample.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from neurosim.activations import ACTIVATIONS, get_activation
from neurosim.diagnostics.verdicts import (
    Comparison,
    Verdict,
    agrees,
    relative_difference,
    samples_in_rows,
    user_array,
)
from neurosim.engines import create
from neurosim.errors import ParameterError, UnknownNameError
from neurosim.validation import positive_number

if TYPE_CHECKING:
    from neurosim.core import Layer, Network


class ForwardComparison(Comparison):
    """The result of ``compare_forward``: a ``Verdict`` per layer you gave, in network order.

    ``first_difference`` names the first layer whose values part from
    neurosim's (``None`` when all match); the layers after it have the
    verdict ``follows-earlier``.
    """

    title = "forward pass"

    @property
    def first_difference(self) -> str | None:
        """The first layer whose values differ from neurosim's, or ``None``."""
        return next((item.name for item in self.items if not item.ok), None)


def compare_forward(
    network: Network,
    X: object,
    values: Mapping[str, object],
    *,
    samples: str | None = None,
    tolerance: float = 1e-6,
) -> ForwardComparison:
    """Compare your own forward pass with neurosim's, layer by layer, and find where they part.

    Parameters
    ----------
    network : Network
        The network your values were computed with (``Network.from_arrays``).
    X : array_like
        The inputs, samples in rows or in columns as your code holds them.
    values : mapping
        ``{layer name: a}`` or ``{layer name: (z, a)}``: your activations
        (and weighted inputs) of the layers ``"hidden1"``, ..., ``"output"``,
        held the same way round as ``X``.
    samples : {"rows", "columns"}, optional
        Where ``X`` holds its samples; found from its shape when ``None`` (a
        square ``X`` must say).
    tolerance : float
        The largest difference, relative to the largest value of neurosim's,
        at which two arrays still agree.

    Returns
    -------
    ForwardComparison
        A ``Verdict`` per layer given, in network order. Up to the first
        layer that differs, ``match``; that layer gets one of
        ``wrong-shape`` (its shape fits neither orientation),
        ``softmax-wrong-axis`` (normalised over the samples: your columns
        sum to 1, not your rows), ``wrong-activation`` (``z`` agrees but
        ``a`` does not; the message names the function your ``a`` is of
        ``z``), ``missing-bias`` (your ``z`` is neurosim's less the bias),
        or ``mismatch`` (with the neuron and sample where they differ
        most); every layer after it gets ``follows-earlier``.

    Examples
    --------
    >>> import numpy as np
    >>> import neurosim as ns
    >>> W1, b1 = np.array([[1.0, -1.0], [0.5, 2.0], [-1.0, 0.0]]), np.array([[0.1], [0.2], [0.3]])
    >>> W2, b2 = np.array([[1.0, 1.0, -1.0]]), np.array([[0.0]])
    >>> X = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    >>> Z1 = W1 @ X + b1; A1 = np.maximum(Z1, 0)            # relu where sigmoid was meant
    >>> A2 = 1 / (1 + np.exp(-(W2 @ A1 + b2)))
    >>> net = ns.Network.from_arrays([W1, W2], [b1, b2], ["sigmoid", "sigmoid"])
    >>> result = ns.compare_forward(net, X, {"hidden1": (Z1, A1), "output": A2})
    >>> [(item.name, item.verdict) for item in result.items]
    [('hidden1', 'wrong-activation'), ('output', 'follows-earlier')]
    >>> print(result["hidden1"].message)
    z agrees but a does not: your a is relu(z), where hidden1 computes sigmoid(z)
    """
    tolerance = positive_number(tolerance, "tolerance")
    X_rows, orientation = samples_in_rows(user_array(X, "X"), network.input_layer.size, samples)
    passed = create(network, "compiled").activations(X_rows)
    items, parted = [], None
    for layer, given in _layer_values(network, values):
        if parted is not None:
            message = f"differs as a consequence: it follows from the earlier difference at {parted}"
            items.append(Verdict(layer.name, "follows-earlier", message))
            continue
        z = np.array(passed.z(layer), dtype=float)
        a = np.array(passed.a(layer), dtype=float)
        verdict = _layer_verdict(layer, given, z, a, orientation, tolerance)
        parted = None if verdict.ok else layer.name
        items.append(verdict)
    return ForwardComparison(items, tolerance)


def _layer_values(network: Network, values: Mapping[str, object]) -> list[tuple[Layer, tuple]]:
    """Your values by layer, in network order, each as ``(z or None, a)``."""
    if not isinstance(values, Mapping) or not values:
        raise ParameterError("values must be a dict {layer name: a} or {layer name: (z, a)}")
    names = [layer.name for layer in network.layers[1:]]
    unknown = [name for name in values if name not in names]
    if unknown:
        raise UnknownNameError(
            f"values has the layer {unknown[0]!r}; the network's layers are {', '.join(names)}"
        )
    given = []
    for layer in network.layers[1:]:
        if layer.name not in values:
            continue
        entry = values[layer.name]
        if isinstance(entry, tuple):
            if len(entry) != 2:
                raise ParameterError(
                    f"values[{layer.name!r}] must be a or (z, a); got a tuple of {len(entry)}"
                )
            z, a = (user_array(part, f"values[{layer.name!r}]") for part in entry)
        else:
            z, a = None, user_array(entry, f"values[{layer.name!r}]")
        given.append((layer, (z, a)))
    return given


def _as_rows(array: np.ndarray, n: int, size: int, orientation: str) -> np.ndarray | None:
    """Your array with samples in rows, or ``None`` when its shape fits neither way."""
    if array.ndim == 1 and array.size == n * size:
        array = array.reshape((n, size) if orientation == "rows" else (size, n))
    rows = array if orientation == "rows" else array.T
    return rows if rows.shape == (n, size) else None


def _layer_verdict(
    layer: Layer, given: tuple, z: np.ndarray, a: np.ndarray, orientation: str, tolerance: float
) -> Verdict:
    name, (user_z, user_a) = layer.name, given
    n, size = a.shape
    arrays = {"a": user_a} if user_z is None else {"z": user_z, "a": user_a}
    rows = {key: _as_rows(array, n, size, orientation) for key, array in arrays.items()}
    for key, array in rows.items():
        if array is None:
            expected = (n, size) if orientation == "rows" else (size, n)
            message = (
                f"your {key} has shape {arrays[key].shape}; expected {expected} "
                f"(samples in {orientation}, {size} neurons)"
            )
            return Verdict(name, "wrong-shape", message)
    yours_z, yours_a = rows.get("z"), rows["a"]
    if (yours_z is None or agrees(yours_z, z, tolerance)) and agrees(yours_a, a, tolerance):
        message = f"matches neurosim's to the tolerance {tolerance:g}"
        return Verdict(name, "match", message, error=relative_difference(yours_a, a))
    for check in (_softmax_axis, _activation, _missing_bias):
        verdict = check(layer, yours_z, yours_a, z, a, orientation, tolerance)
        if verdict is not None:
            return verdict
    return _mismatch(layer, yours_z, yours_a, z, a, orientation, tolerance)


def _softmax_axis(layer, yours_z, yours_a, z, a, orientation, tolerance) -> Verdict | None:
    if layer.activation is not ACTIVATIONS["softmax"] or yours_a.shape[0] < 2:
        return None
    over_samples = get_activation("softmax")((z if yours_z is None else yours_z).T).T
    if not agrees(yours_a, over_samples, tolerance):
        return None
    neurons, batch = ("row", "column") if orientation == "rows" else ("column", "row")
    axis = "axis=1" if orientation == "rows" else "axis=0"
    message = (
        f"softmax normalised over the samples: each {batch} of your a sums to 1, not each {neurons}: "
        f"divide exp(z) by its sum over the neurons, np.sum(e, {axis}, keepdims=True)"
    )
    return Verdict(layer.name, "softmax-wrong-axis", message, error=relative_difference(yours_a, a))


def _activation(layer, yours_z, yours_a, z, a, orientation, tolerance) -> Verdict | None:
    if yours_z is not None and not agrees(yours_z, z, tolerance):
        return None
    look_alike = [
        name
        for name, function in ACTIVATIONS.items()
        if function is not layer.activation and agrees(yours_a, function(z), tolerance)
    ]
    found = f"{look_alike[0]}(z)" if look_alike else "none of the activations of z"
    if not look_alike and yours_z is None:
        return None
    message = (
        f"z agrees but a does not: your a is {found}, where {layer.name} computes {layer.activation.name}(z)"
    )
    return Verdict(layer.name, "wrong-activation", message, error=relative_difference(yours_a, a))


def _missing_bias(layer, yours_z, yours_a, z, a, orientation, tolerance) -> Verdict | None:
    if not layer.has_bias or not np.any(layer.bias):
        return None
    without = z - layer.bias
    if yours_z is not None and not agrees(yours_z, without, tolerance):
        return None
    if not agrees(yours_a, layer.activation(without), tolerance):
        return None
    message = f"your z is neurosim's less the bias of {layer.name}: add the bias, z = W @ x + b"
    if orientation == "rows":
        message = f"your z is neurosim's less the bias of {layer.name}: add the bias, z = x @ W + b"
    return Verdict(layer.name, "missing-bias", message, error=relative_difference(yours_a, a))


def _mismatch(layer, yours_z, yours_a, z, a, orientation, tolerance) -> Verdict:
    key, yours, right = ("a", yours_a, a)
    if yours_z is not None and not agrees(yours_z, z, tolerance):
        key, yours, right = ("z", yours_z, z)
    sample, neuron = np.unravel_index(np.argmax(np.abs(yours - right)), yours.shape)
    where = f"{layer.name}[{neuron}], sample {sample}"
    message = (
        f"your {key} differs from neurosim's by up to {relative_difference(yours, right):.3g} of its "
        f"largest value, most at {where}: yours {yours[sample, neuron]:.6g}, "
        f"neurosim's {right[sample, neuron]:.6g}"
    )
    return Verdict(
        layer.name,
        "mismatch",
        message,
        error=relative_difference(yours, right),
        where=where,
        yours=float(yours[sample, neuron]),
        expected=float(right[sample, neuron]),
    )
