"""In-place array kernels for the compiled engine.

The compiled engine keeps one preallocated buffer per layer for ``Z``, ``A``
and ``delta``, and fills them with these kernels instead of allocating new
arrays at every step. Each built-in activation and loss has a kernel that
computes the same function as its definition in ``neurosim.activations``
and ``neurosim.losses`` (to float rounding, which the engine tests check);
any other activation or loss runs through its own Python functions.

Kernels run inside ``np.errstate(over="ignore")`` set by the engine: the
sigmoid below is ``1 / (1 + exp(-z))``, whose overflow for ``z < -709`` gives
``inf`` and so exactly the right answer, ``0.0``.

Shapes: ``z``, ``a``, ``g`` (``dL/da``), ``out`` and ``scratch`` are
``(n_samples, layer size)``. ``out`` may be the same array as ``g``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from neurosim.activations import ACTIVATIONS, LEAKY_SLOPE, Activation
from neurosim.losses import LOSSES, ONE_HOT_CROSS_ENTROPY, Loss

Forward = Callable[[np.ndarray, np.ndarray], None]
Backward = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray], None]


# ------------------------------------------------------------------ activations: a = f(z)


def _identity(z: np.ndarray, out: np.ndarray) -> None:
    np.copyto(out, z)


def _sigmoid(z: np.ndarray, out: np.ndarray) -> None:
    np.negative(z, out=out)
    np.exp(out, out=out)
    out += 1.0
    np.reciprocal(out, out=out)


def _tanh(z: np.ndarray, out: np.ndarray) -> None:
    np.tanh(z, out=out)


def _relu(z: np.ndarray, out: np.ndarray) -> None:
    np.maximum(z, 0.0, out=out)


def _leaky_relu(z: np.ndarray, out: np.ndarray) -> None:
    # max(z, slope * z) is z where z > 0 and slope * z elsewhere
    np.multiply(z, LEAKY_SLOPE, out=out)
    np.maximum(z, out, out=out)


def _softplus(z: np.ndarray, out: np.ndarray) -> None:
    np.logaddexp(0.0, z, out=out)


def _step(z: np.ndarray, out: np.ndarray) -> None:
    np.greater_equal(z, 0.0, out=out, casting="unsafe")


def _softmax(z: np.ndarray, out: np.ndarray) -> None:
    np.subtract(z, z.max(axis=1, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=1, keepdims=True)


# ------------------------------------------------------- derivatives: out = g * f'(z)


def _identity_backward(
    z: np.ndarray, a: np.ndarray, g: np.ndarray, out: np.ndarray, scratch: np.ndarray
) -> None:
    if out is not g:
        np.copyto(out, g)


def _sigmoid_backward(
    z: np.ndarray, a: np.ndarray, g: np.ndarray, out: np.ndarray, scratch: np.ndarray
) -> None:
    np.subtract(1.0, a, out=scratch)
    scratch *= a
    np.multiply(g, scratch, out=out)


def _tanh_backward(z: np.ndarray, a: np.ndarray, g: np.ndarray, out: np.ndarray, scratch: np.ndarray) -> None:
    np.multiply(a, a, out=scratch)
    np.subtract(1.0, scratch, out=scratch)
    np.multiply(g, scratch, out=out)


def _relu_backward(z: np.ndarray, a: np.ndarray, g: np.ndarray, out: np.ndarray, scratch: np.ndarray) -> None:
    np.greater(a, 0.0, out=scratch, casting="unsafe")
    np.multiply(g, scratch, out=out)


def _leaky_relu_backward(
    z: np.ndarray, a: np.ndarray, g: np.ndarray, out: np.ndarray, scratch: np.ndarray
) -> None:
    np.greater(a, 0.0, out=scratch, casting="unsafe")  # 1 where a > 0, else 0
    scratch *= 1.0 - LEAKY_SLOPE
    scratch += LEAKY_SLOPE
    np.multiply(g, scratch, out=out)


def _softplus_backward(
    z: np.ndarray, a: np.ndarray, g: np.ndarray, out: np.ndarray, scratch: np.ndarray
) -> None:
    np.negative(a, out=scratch)
    np.expm1(scratch, out=scratch)
    np.negative(scratch, out=scratch)
    np.multiply(g, scratch, out=out)


def _step_backward(z: np.ndarray, a: np.ndarray, g: np.ndarray, out: np.ndarray, scratch: np.ndarray) -> None:
    np.multiply(g, 0.0, out=out)


def _softmax_backward(
    z: np.ndarray, a: np.ndarray, g: np.ndarray, out: np.ndarray, scratch: np.ndarray
) -> None:
    np.multiply(g, a, out=scratch)
    np.subtract(g, scratch.sum(axis=1, keepdims=True), out=out)
    out *= a


_BUILT_IN: dict[str, tuple[Forward, Backward]] = {
    "identity": (_identity, _identity_backward),
    "sigmoid": (_sigmoid, _sigmoid_backward),
    "tanh": (_tanh, _tanh_backward),
    "relu": (_relu, _relu_backward),
    "leaky_relu": (_leaky_relu, _leaky_relu_backward),
    "softplus": (_softplus, _softplus_backward),
    "step": (_step, _step_backward),
    "softmax": (_softmax, _softmax_backward),
}


def activation_kernels(activation: Activation) -> tuple[Forward, Backward]:
    """In-place ``forward(z, out)`` and ``backward(z, a, g, out, scratch)`` for ``activation``.

    An activation's own ``kernels`` come first, then the built-in ones; any
    other activation runs through its own functions, whose results are
    copied into place.

    Examples
    --------
    >>> import numpy as np
    >>> forward, backward = activation_kernels(ACTIVATIONS["tanh"])
    >>> z = np.array([[0.0, 1.0]]); a = np.empty_like(z)
    >>> forward(z, a)
    >>> bool(np.allclose(a, np.tanh(z)))
    True
    """
    if activation.kernels is not None:
        return activation.kernels
    for name, kernels in _BUILT_IN.items():
        if activation is ACTIVATIONS.get(name):
            return kernels

    def forward(z: np.ndarray, out: np.ndarray) -> None:
        out[...] = activation(z)

    def backward(z: np.ndarray, a: np.ndarray, g: np.ndarray, out: np.ndarray, scratch: np.ndarray) -> None:
        out[...] = activation.backward(z, a, g)

    return forward, backward


# ------------------------------------------------------------ the output layer and the loss


class OutputWork:
    """Work arrays of the output kernels for one batch size, shaped like the output layer's ``z``.

    ``ones`` is a vector of ones as long as ``z`` has values: ``np.vdot(z,
    ones)``, the sum of the logits, is finite exactly when every logit
    is. ``row`` and ``row_2`` are ``(n,)`` vectors
    (``row_column`` and ``row_2_column`` the same as ``(n, 1)`` columns) and
    ``ones_out`` a vector of ones of the output layer's size, for row sums
    as matrix-vector products.
    """

    __slots__ = ("ones", "ones_out", "row", "row_2", "row_2_column", "row_column", "scratch")

    def __init__(self, z: np.ndarray, scratch: np.ndarray) -> None:
        n, m = z.shape
        self.ones = np.ones(n * m, z.dtype)
        self.ones_out = np.ones(m, z.dtype)
        self.row, self.row_2 = np.empty(n, z.dtype), np.empty(n, z.dtype)
        self.row_column, self.row_2_column = self.row[:, None], self.row_2[:, None]
        self.scratch = scratch

    def logit_sum(self, z: np.ndarray) -> float:
        """The sum of the logits ``z``: finite exactly when each of them is (or when the sum overflows)."""
        return np.vdot(z, self.ones)


OutputKernel = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, OutputWork, float], float]
"""``kernel(z, a, t, delta, work, scale) -> check``.

It computes the output layer's activations ``a = f(z)``, fills ``delta``
with ``scale`` times the per-sample ``d loss_k / dz`` (or ``d loss_k / da``
for losses whose entry says so), and returns a number that is finite
whenever the loss is; training computes the loss itself once per epoch,
from the logits and outputs of every batch.
"""


def _softmax_rows(z: np.ndarray, a: np.ndarray, work: OutputWork) -> None:
    """``a = softmax(z)`` row by row, shifted by each row's largest logit, with a matrix-vector row sum."""
    np.maximum.reduce(z, axis=1, out=work.row)
    np.subtract(z, work.row_column, out=a)
    np.exp(a, out=a)
    np.dot(a, work.ones_out, out=work.row)
    np.divide(a, work.row_column, out=a)


def _mse(
    z: np.ndarray, a: np.ndarray, t: np.ndarray, delta: np.ndarray, work: OutputWork, scale: float
) -> float:
    # delta here is dL/da; the engine then applies the output activation's derivative
    np.subtract(a, t, out=delta)
    check = np.vdot(delta, delta)  # the summed squared error
    delta *= 2.0 * scale / delta.shape[1]
    return check


def _sigmoid_bce(
    z: np.ndarray, a: np.ndarray, t: np.ndarray, delta: np.ndarray, work: OutputWork, scale: float
) -> float:
    _sigmoid(z, a)
    np.subtract(a, t, out=delta)
    delta *= scale / delta.shape[1]
    return work.logit_sum(z)  # the loss is finite exactly when the logits are


def _softmax_cross_entropy(
    z: np.ndarray, a: np.ndarray, t: np.ndarray, delta: np.ndarray, work: OutputWork, scale: float
) -> float:
    # d loss_k / dz = a * sum(t) - t: the targets' rows may be probabilities that do not sum to 1
    _softmax_rows(z, a, work)
    np.dot(t, work.ones_out, out=work.row_2)
    np.multiply(a, work.row_2_column, out=delta)
    delta -= t
    delta *= scale
    return work.logit_sum(z)  # the loss is finite exactly when the logits are


def _softmax_one_hot(
    z: np.ndarray, a: np.ndarray, t: np.ndarray, delta: np.ndarray, work: OutputWork, scale: float
) -> float:
    # each row of t sums to 1: d loss_k / dz = a - t
    _softmax_rows(z, a, work)
    np.subtract(a, t, out=delta)
    delta *= scale
    return work.logit_sum(z)  # the loss is finite exactly when the logits are


def _with_activation(forward: Forward, loss_kernel: OutputKernel) -> OutputKernel:
    def kernel(
        z: np.ndarray, a: np.ndarray, t: np.ndarray, delta: np.ndarray, work: OutputWork, scale: float
    ) -> float:
        forward(z, a)
        return loss_kernel(z, a, t, delta, work, scale)

    return kernel


def output_kernel(loss: Loss, activation: Activation) -> tuple[OutputKernel, bool]:
    """The kernel for the output layer's ``activation`` and ``loss``, and whether its delta is ``dL/da``.

    When the second value is true the engine still applies the output
    activation's derivative to the delta; otherwise the delta is ``dL/dz``.
    A sigmoid with ``bce`` and a softmax with ``cross_entropy`` (and its
    one-hot form, ``ONE_HOT_CROSS_ENTROPY``) have kernels of their own;
    ``mse`` follows any activation's kernel, and any other loss runs
    through its own Python functions.

    Examples
    --------
    >>> import numpy as np
    >>> kernel, needs_activation = output_kernel(LOSSES["mse"], ACTIVATIONS["identity"])
    >>> z, a, delta = np.array([[1.0], [3.0]]), np.empty((2, 1)), np.empty((2, 1))
    >>> float(kernel(z, a, np.zeros((2, 1)), delta, OutputWork(z, np.empty_like(z)), 0.5))   # 1 + 9
    10.0
    >>> a.ravel().tolist(), delta.ravel().tolist(), needs_activation                           # 2 (a - t) / 2
    ([1.0, 3.0], [1.0, 3.0], True)
    """
    if loss is LOSSES["bce"] and activation is ACTIVATIONS["sigmoid"]:
        return _sigmoid_bce, False
    if loss is LOSSES["cross_entropy"] and activation is ACTIVATIONS["softmax"]:
        return _softmax_cross_entropy, False
    if loss is ONE_HOT_CROSS_ENTROPY and activation is ACTIVATIONS["softmax"]:
        return _softmax_one_hot, False
    forward, _ = activation_kernels(activation)
    if loss is LOSSES["mse"]:
        return _with_activation(forward, _mse), True

    def kernel(
        z: np.ndarray, a: np.ndarray, t: np.ndarray, delta: np.ndarray, work: OutputWork, scale: float
    ) -> float:
        forward(z, a)
        np.multiply(loss.output_delta(z, a, t, activation), scale, out=delta)
        return loss.value(z, a, t)

    return kernel, False
