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
from neurosim.losses import LOSSES, Loss

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


# ---------------------------------------------------------------------------- losses

LossKernel = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float], float]
"""``kernel(z, a, t, delta, scratch, scale) -> check``.

It fills ``delta`` with ``scale`` times the per-sample ``d loss_k / dz`` (or
``d loss_k / da`` for losses whose entry says so) and returns a number that
is finite whenever the loss is; training computes the loss itself once per
epoch, from the logits and outputs of every batch.
"""


def _mse(
    z: np.ndarray, a: np.ndarray, t: np.ndarray, delta: np.ndarray, scratch: np.ndarray, scale: float
) -> float:
    # delta here is dL/da; the engine then applies the output activation's derivative
    np.subtract(a, t, out=delta)
    check = float(np.vdot(delta, delta))  # the summed squared error
    delta *= 2.0 * scale / delta.shape[1]
    return check


def _bce(
    z: np.ndarray, a: np.ndarray, t: np.ndarray, delta: np.ndarray, scratch: np.ndarray, scale: float
) -> float:
    np.subtract(a, t, out=delta)
    delta *= scale / delta.shape[1]
    return float(np.add.reduce(z, axis=None))  # the loss is finite exactly when the logits are


def _cross_entropy(
    z: np.ndarray, a: np.ndarray, t: np.ndarray, delta: np.ndarray, scratch: np.ndarray, scale: float
) -> float:
    np.multiply(a, t.sum(axis=1, keepdims=True), out=delta)
    delta -= t
    delta *= scale
    return float(np.add.reduce(z, axis=None))  # the loss is finite exactly when the logits are


_LOSS_KERNELS: dict[str, tuple[LossKernel, bool]] = {
    # name: (kernel, whether its delta still needs the output activation's derivative)
    "mse": (_mse, True),
    "bce": (_bce, False),
    "cross_entropy": (_cross_entropy, False),
}


def loss_kernel(loss: Loss, activation: Activation) -> tuple[LossKernel, bool]:
    """The in-place kernel for ``loss`` after ``activation``, and whether its delta is ``dL/da``.

    When the second value is true the engine still applies the output
    activation's derivative to the delta; otherwise the delta is ``dL/dz``.

    Examples
    --------
    >>> import numpy as np
    >>> kernel, needs_activation = loss_kernel(LOSSES["mse"], ACTIVATIONS["identity"])
    >>> delta = np.empty((2, 1))
    >>> kernel(None, np.array([[1.0], [3.0]]), np.array([[0.0], [0.0]]), delta, None, 0.5)  # 1 + 9
    10.0
    >>> delta.ravel().tolist(), needs_activation                                              # 2 (a - t) / 2
    ([1.0, 3.0], True)
    """
    for name, (kernel, needs_activation) in _LOSS_KERNELS.items():
        if loss is LOSSES[name]:
            return kernel, needs_activation

    def kernel(
        z: np.ndarray, a: np.ndarray, t: np.ndarray, delta: np.ndarray, scratch: np.ndarray, scale: float
    ) -> float:
        np.multiply(loss.output_delta(z, a, t, activation), scale, out=delta)
        return loss.value(z, a, t)

    return kernel, False
