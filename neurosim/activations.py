"""Activation functions and their derivatives.

An ``Activation`` pairs a function ``f(z)`` with its derivative
``f'(z)``. The built-in ones live in a small registry, looked up by name::

    identity, sigmoid, tanh, relu, leaky_relu, softplus, step, softmax

Every built-in is written to stay finite, without RuntimeWarnings, for any
finite input (``sigmoid(-1e4)`` is ``0.0``, not an overflow). ``softmax`` is a
whole-layer activation: each neuron's output depends on the whole layer.

Define your own with its derivative; ``neurosim.gradient_check`` shows
whether the derivative is right:

Examples
--------
>>> import numpy as np
>>> import neurosim as ns
>>> swish = ns.Activation("swish", lambda z: z / (1 + np.exp(-z)),
...                       lambda z: (1 + np.exp(-z) + z * np.exp(-z)) / (1 + np.exp(-z)) ** 2)
>>> round(float(swish(np.array(1.0))), 4)
0.7311
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from neurosim.errors import ParameterError, ShapeError, UnknownNameError

ArrayFunction = Callable[[np.ndarray], np.ndarray]

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "Softmax",
    "get_activation",
    "register_activation",
]


class Activation:
    """An element-wise activation function with its derivative.

    Parameters
    ----------
    name : str
        The name used in reprs, summaries and saved files.
    function : callable
        ``f(z)``, applied element-wise to a numpy array.
    derivative : callable
        ``f'(z)``, the derivative with respect to the input ``z``.
    output_derivative : callable, optional
        ``f'`` written in terms of the output ``a = f(z)`` (for example
        ``a * (1 - a)`` for the sigmoid). When given, backpropagation uses it
        and saves recomputing ``f``.
    smooth : bool, default True
        ``False`` for functions with a kink (like relu at 0), where finite
        differences and backprop may legitimately disagree.
    kernels : (forward, backward), optional
        In-place versions for the compiled engine, which otherwise calls
        ``function`` and ``backward`` and copies their results:
        ``forward(z, out)`` writes ``f(z)`` into ``out``, and
        ``backward(z, a, g, out, scratch)`` writes ``g * f'(z)`` into ``out``
        (``a`` is ``f(z)``, ``g`` is ``dL/da``, ``out`` may be ``g``, and
        ``scratch`` is a spare array of the same shape). All are
        ``(n_samples, layer size)`` arrays. They are tried once on a few
        values when the activation is made, and refused if they disagree
        with ``function`` and its derivative.
    acts_as : {"sigmoid"}, optional
        Says that ``function`` is the sigmoid, written your own way, so that
        the loss ``bce`` accepts it as an output layer. It is compared with
        the built-in sigmoid at 161 points in [-20, 20] when the activation
        is made, and refused if it differs anywhere by more than ``1e-6``.

    Examples
    --------
    >>> import numpy as np
    >>> cube = Activation("cube", lambda z: z**3, lambda z: 3 * z**2)
    >>> cube(np.array([2.0])), cube.derivative(np.array([2.0]))
    (array([8.]), array([12.]))
    >>> cube
    Activation('cube')
    """

    elementwise = True

    def __init__(
        self,
        name: str,
        function: ArrayFunction,
        derivative: ArrayFunction | None = None,
        *,
        output_derivative: ArrayFunction | None = None,
        smooth: bool = True,
        kernels: tuple[Callable[..., None], Callable[..., None]] | None = None,
        acts_as: str | None = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise ParameterError(f"Activation name must be a non-empty string; got {name!r}")
        if not callable(function):
            raise ParameterError(f"Activation {name!r}: function must be callable; got {function!r}")
        if derivative is None and output_derivative is None:
            raise ParameterError(
                f"Activation {name!r} needs its derivative: pass derivative=f'(z) or output_derivative=f'(a)"
            )
        for label, candidate in (("derivative", derivative), ("output_derivative", output_derivative)):
            if candidate is not None and not callable(candidate):
                raise ParameterError(f"Activation {name!r}: {label} must be callable; got {candidate!r}")
        self.name = name
        self._function = function
        self._derivative = derivative
        self._output_derivative = output_derivative
        self.smooth = smooth
        #: the built-in this function was declared to be (``"sigmoid"``), or ``None``
        self.acts_as = _declared_as(self, acts_as)
        #: the in-place ``(forward, backward)`` kernels for the compiled engine, or ``None``
        self.kernels = None if kernels is None else _checked_kernels(self, kernels)

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """Apply the activation to ``z`` (any shape)."""
        return self._checked("function", self._function, z)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        """Return ``f'(z)``, element-wise."""
        if self._derivative is not None:
            return self._checked("derivative", self._derivative, z)
        return self._checked("output_derivative", self._output_derivative, self(z))

    def backward(self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        """Turn ``dL/da`` into ``dL/dz`` given the forward pass's ``z`` and ``a``."""
        if self._output_derivative is not None:
            return grad_a * self._checked("output_derivative", self._output_derivative, a)
        return grad_a * self._checked("derivative", self._derivative, z)

    def _checked(self, role: str, function: ArrayFunction, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        result = np.asarray(function(values), dtype=float)
        if result.shape != values.shape:
            if result.ndim == 0:
                result = np.full(values.shape, float(result))
            else:
                raise ShapeError(
                    f"activation {self.name!r}: its {role} returned shape {result.shape} "
                    f"for an input of shape {values.shape}; it must work element-wise"
                )
        return result

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


def _checked_kernels(
    activation: Activation, kernels: object
) -> tuple[Callable[..., None], Callable[..., None]]:
    """``kernels`` if they are two callables that compute what ``activation`` computes."""
    name = activation.name
    if not isinstance(kernels, (tuple, list)) or len(kernels) != 2 or not all(map(callable, kernels)):
        raise ParameterError(
            f"Activation {name!r}: kernels must be a pair (forward, backward) of functions; got {kernels!r}"
        )
    forward, backward = kernels
    z = np.linspace(-3.0, 3.0, 12).reshape(3, 4)
    g = np.linspace(1.0, -1.0, 12).reshape(3, 4)
    a, out, scratch = np.empty_like(z), np.empty_like(z), np.empty_like(z)
    _try_kernel(name, "forward", forward, z, a)
    expected = activation(z)
    if not np.allclose(a, expected, rtol=1e-7, atol=1e-12):
        raise ParameterError(
            f"Activation {name!r}: its forward kernel disagrees with its function: at z = {z.ravel()[:4]} "
            f"it wrote {a.ravel()[:4]} instead of {expected.ravel()[:4]}"
        )
    a = expected
    _try_kernel(name, "backward", backward, z, a, g, out, scratch)
    expected = activation.backward(z, a, g)
    if not np.allclose(out, expected, rtol=1e-7, atol=1e-12):
        raise ParameterError(
            f"Activation {name!r}: its backward kernel disagrees with its derivative: at z = {z.ravel()[:4]} "
            f"it wrote {out.ravel()[:4]} instead of {expected.ravel()[:4]}"
        )
    in_place = g.copy()  # the engine may pass the same array as g and as out
    _try_kernel(name, "backward", backward, z, a, in_place, in_place, scratch)
    if not np.allclose(in_place, expected, rtol=1e-7, atol=1e-12):
        raise ParameterError(
            f"Activation {name!r}: its backward kernel goes wrong when out is the same array as g (the "
            f"engine passes it so): it wrote {in_place.ravel()[:4]} instead of {expected.ravel()[:4]}; "
            "read g before writing out"
        )
    return forward, backward


def _try_kernel(name: str, role: str, kernel: Callable[..., None], *arrays: np.ndarray) -> None:
    try:
        kernel(*arrays)
    except Exception as error:
        raise ParameterError(
            f"Activation {name!r}: its {role} kernel failed on arrays of shape {arrays[0].shape}: "
            f"{type(error).__name__}: {error}"
        ) from error


class Softmax(Activation):
    """The softmax: a whole-layer activation, ``a_i = exp(z_i) / sum_j exp(z_j)``.

    It works along the last axis (the layer's neurons) and subtracts the row
    maximum first, so it never overflows.

    Examples
    --------
    >>> import numpy as np
    >>> softmax = ACTIVATIONS["softmax"]
    >>> softmax(np.array([[0.0, np.log(3.0)], [1e4, -1e4]])).round(3)
    array([[0.25, 0.75],
           [1.  , 0.  ]])
    """

    elementwise = False

    def __init__(self) -> None:
        super().__init__("softmax", _softmax, output_derivative=_unused_derivative)

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """Apply the softmax along the last axis."""
        return _softmax(np.asarray(z, dtype=float))

    def derivative(self, z: np.ndarray) -> np.ndarray:
        """Softmax has a Jacobian, not an element-wise derivative; use ``backward``."""
        raise ParameterError(
            "softmax is a whole-layer activation: it has a Jacobian, not an element-wise "
            "derivative; use Softmax.backward(z, a, grad_a)"
        )

    def backward(self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        """Jacobian-vector product: ``dL/dz_i = a_i (dL/da_i - sum_j a_j dL/da_j)``."""
        return a * (grad_a - np.sum(grad_a * a, axis=-1, keepdims=True))


def _softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - np.max(z, axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / np.sum(exp, axis=-1, keepdims=True)


def _unused_derivative(a: np.ndarray) -> np.ndarray:  # pragma: no cover - Softmax overrides backward
    raise AssertionError("softmax uses its Jacobian")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # exp(-|z|) never overflows; each branch divides by a number in [1, 2].
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _leaky_relu(z: np.ndarray) -> np.ndarray:
    return np.where(z > 0, z, LEAKY_SLOPE * z)


LEAKY_SLOPE = 0.01

#: where ``acts_as`` compares a function with the built-in it is declared to be, and how closely
ACTS_AS_POINTS = np.linspace(-20.0, 20.0, 161)
ACTS_AS_TOLERANCE = 1e-6
#: the built-ins a function of your own may be declared to be (``Activation(..., acts_as=...)``)
ACTS_AS = {"sigmoid": _sigmoid}


def _declared_as(activation: Activation, acts_as: str | None) -> str | None:
    """``acts_as`` once ``activation``'s function is seen to compute that built-in."""
    if acts_as is None:
        return None
    if acts_as not in ACTS_AS:
        raise ParameterError(
            f"Activation {activation.name!r}: acts_as must be one of {', '.join(map(repr, ACTS_AS))} "
            f"or None; got {acts_as!r}"
        )
    z = ACTS_AS_POINTS
    got, expected = activation(z), ACTS_AS[acts_as](z)
    difference = np.abs(got - expected)
    if not np.all(difference <= ACTS_AS_TOLERANCE):  # a NaN counts as a difference
        worst = int(np.argmax(np.where(np.isnan(difference), np.inf, difference)))
        raise ParameterError(
            f"Activation {activation.name!r} is declared acts_as={acts_as!r} but is not the {acts_as}: "
            f"at z = {z[worst]:g} it gives {got[worst]:.6g} where the {acts_as} gives {expected[worst]:.6g} "
            f"(compared at {z.size} points in [{z[0]:g}, {z[-1]:g}], to within {ACTS_AS_TOLERANCE:g})"
        )
    return acts_as


ACTIVATIONS: dict[str, Activation] = {}


def register_activation(activation: Activation, *, overwrite: bool = False) -> Activation:
    """Make ``activation`` available by its name (for layers and ``neurosim.load``).

    Examples
    --------
    >>> import numpy as np
    >>> import neurosim as ns
    >>> square = ns.Activation("square_demo", np.square, lambda z: 2 * z)
    >>> ns.register_activation(square) is ns.get_activation("square_demo")
    True
    """
    if not isinstance(activation, Activation):
        raise ParameterError(f"register_activation expects an Activation; got {activation!r}")
    if activation.name in ACTIVATIONS and not overwrite and ACTIVATIONS[activation.name] is not activation:
        raise ParameterError(
            f"an activation named {activation.name!r} is already registered; "
            "pass overwrite=True to replace it"
        )
    ACTIVATIONS[activation.name] = activation
    return activation


def get_activation(spec: str | Activation) -> Activation:
    """Return the activation named ``spec`` (or ``spec`` itself if it is one).

    Examples
    --------
    >>> get_activation("tanh")
    Activation('tanh')
    >>> get_activation("tanhh")
    Traceback (most recent call last):
    ...
    neurosim.errors.UnknownNameError: unknown activation 'tanhh'; expected one of: identity, ...
    """
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, str) and spec in ACTIVATIONS:
        return ACTIVATIONS[spec]
    raise UnknownNameError(f"unknown activation {spec!r}; expected one of: {', '.join(ACTIVATIONS)}")


for _activation in (
    Activation("identity", lambda z: z, output_derivative=np.ones_like),
    Activation("sigmoid", _sigmoid, output_derivative=lambda a: a * (1.0 - a)),
    Activation("tanh", np.tanh, output_derivative=lambda a: 1.0 - a * a),
    Activation(
        "relu", lambda z: np.maximum(z, 0.0), output_derivative=lambda a: (a > 0).astype(float), smooth=False
    ),
    Activation(
        "leaky_relu", _leaky_relu, output_derivative=lambda a: np.where(a > 0, 1.0, LEAKY_SLOPE), smooth=False
    ),
    # softplus(z) = log(1 + e^z); its derivative, the sigmoid, is 1 - e^(-a).
    Activation("softplus", lambda z: np.logaddexp(0.0, z), output_derivative=lambda a: -np.expm1(-a)),
    Activation("step", lambda z: (z >= 0).astype(float), output_derivative=np.zeros_like, smooth=False),
    Softmax(),
):
    register_activation(_activation)
