"""Activation functions and their derivatives.

An ``Activation`` pairs a function ``f(z)`` with its derivative
``f'(z)``. The built-in ones live in a small registry, looked up by name::

    identity, sigmoid, tanh, relu, leaky_relu, softplus, step, softmax

Every built-in is written to stay finite, without RuntimeWarnings, for any
finite input (``sigmoid(-1e4)`` is ``0.0``, not an overflow). ``softmax`` is a
whole-layer activation: each neuron's output depends on the whole layer.

Define your own with its derivative. ``check_activation`` compares the
derivative with the function's numeric slope (it runs when the activation
is made, and refuses a function or derivative that changes its argument in
place); ``neurosim.gradient_check`` checks it inside a network:

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
from dataclasses import dataclass

import numpy as np

from neurosim._text import Text, table
from neurosim.errors import ActivationPickleError, DataError, ParameterError, ShapeError, UnknownNameError
from neurosim.validation import as_float_array

ArrayFunction = Callable[[np.ndarray], np.ndarray]

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "ActivationCheck",
    "Softmax",
    "check_activation",
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
    acts_as : {"sigmoid", "softmax"}, optional
        Says that ``function`` is the sigmoid, or the softmax, written your
        own way, so that the loss ``bce`` (or ``cross_entropy``) accepts it
        as an output layer. It is compared with the built-in at 161 points
        in [-20, 20] (the softmax: on the rows of a matrix of them) when the
        activation is made, and refused if it differs anywhere by more than
        ``1e-6``. A softmax of your own works on whole layers, ``(n_samples,
        size)``, and needs no derivative: backpropagation uses the softmax's
        Jacobian.

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
        check: bool = True,
        acts_as: str | None = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise ParameterError(f"Activation name must be a non-empty string; got {name!r}")
        if not callable(function):
            raise ParameterError(f"Activation {name!r}: function must be callable; got {function!r}")
        if derivative is None and output_derivative is None and acts_as != "softmax":
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
        if acts_as == "softmax":
            self.elementwise = False  # a whole-layer activation, like the built-in softmax
        #: the built-in this function was declared to be (``"sigmoid"``, ``"softmax"``), or ``None``
        self.acts_as = _declared_as(self, acts_as)
        if check and self.elementwise:
            _refuse_a_failed_check(check_activation(self))
        #: the in-place ``(forward, backward)`` kernels for the compiled engine, or ``None``
        self.kernels = None if kernels is None else _checked_kernels(self, kernels)

    @property
    def is_built_in(self) -> bool:
        """Whether this is one of neurosim's own activations, not one of yours.

        An activation of your own is not built in even when it is registered
        under a built-in's name, so code that knows the built-ins by name
        (exporters, the compiled engine's kernels) can tell the two apart.

        Examples
        --------
        >>> get_activation("tanh").is_built_in
        True
        >>> Activation("cube", lambda z: z**3, lambda z: 3 * z**2).is_built_in
        False
        """
        return self in _BUILT_IN  # by identity: activations have no __eq__

    @property
    def functions(self) -> dict[str, ArrayFunction]:
        """The functions this activation was made with, by role: ``function``, ``derivative``, ...

        Only the roles given appear (``derivative``, ``output_derivative`` or both).
        """
        given = {
            "function": self._function,
            "derivative": self._derivative,
            "output_derivative": self._output_derivative,
        }
        return {role: function for role, function in given.items() if function is not None}

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """Apply the activation to ``z`` (any shape)."""
        return self._checked("function", self._function, z)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        """Return ``f'(z)``, element-wise."""
        if self.acts_as == "softmax":
            raise ParameterError(
                f"{self.name!r} is a softmax: it has a Jacobian, not an element-wise derivative; "
                "use backward(z, a, grad_a)"
            )
        if self._derivative is not None:
            return self._checked("derivative", self._derivative, z)
        return self._checked("output_derivative", self._output_derivative, self(z))

    def backward(self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        """Turn ``dL/da`` into ``dL/dz`` given the forward pass's ``z`` and ``a``."""
        if self.acts_as == "softmax":  # the softmax's Jacobian, as for the built-in
            return a * (grad_a - np.sum(grad_a * a, axis=-1, keepdims=True))
        if self._output_derivative is not None:
            return grad_a * self._checked("output_derivative", self._output_derivative, a)
        return grad_a * self._checked("derivative", self._derivative, z)

    def _checked(self, role: str, function: ArrayFunction, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        if self in _BUILT_IN:  # is_built_in, without a property call on this busy path
            return np.asarray(function(values), dtype=float)
        result = self._user_result(role, function(values.copy()), values)  # it may work in place
        if result.shape != values.shape:
            if result.ndim == 0:
                result = np.full(values.shape, float(result))
            else:
                raise ShapeError(
                    f"activation {self.name!r}: its {role} returned shape {result.shape} "
                    f"for an input of shape {values.shape}; it must work element-wise"
                )
        return result

    def _user_result(self, role: str, result: object, values: np.ndarray) -> np.ndarray:
        """What a user's function returned, as floats; ``ParameterError`` unless real and NaN-free."""
        try:
            array = as_float_array(result, f"the {role} of activation {self.name!r}")
        except DataError as error:
            raise ParameterError(f"{error}; it must return an array of numbers") from None
        with np.errstate(invalid="ignore"):
            made_nan = np.isnan(array) & ~np.isnan(values) if array.shape == values.shape else np.isnan(array)
        if made_nan.any():
            where = np.argwhere(made_nan)[0] if made_nan.ndim else ()
            given = f" for {values[tuple(where)]:g}" if array.shape == values.shape else ""
            raise ParameterError(
                f"activation {self.name!r}: its {role} returned NaN{given}; it must return a number "
                "for every number it is given"
            )
        return array

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle a built-in by its name, and any other activation with its functions, by reference.

        A function can be pickled only where it can be found again by its
        module and name: a lambda, or a function defined inside another,
        cannot, and pickling an activation made with one raises
        ``ActivationPickleError`` naming it.
        """
        if self.is_built_in:
            return get_activation, (self.name,)
        for role, function in self.functions.items():
            _check_picklable(self.name, role, function)
        for role, kernel in zip(("forward kernel", "backward kernel"), self.kernels or (), strict=False):
            _check_picklable(self.name, role, kernel)
        return super().__reduce__()

    def __copy__(self) -> Activation:
        return self  # an activation is a pair of functions that never changes: copies share it

    def __deepcopy__(self, memo: dict) -> Activation:
        return self


def _check_picklable(name: str, role: str, function: Callable[..., object]) -> None:
    """Raise ``ActivationPickleError`` if ``function`` cannot be found again by its module and name."""
    qualname = getattr(function, "__qualname__", "")
    if "<lambda>" in qualname or "<locals>" in qualname:
        kind = "a lambda" if "<lambda>" in qualname else f"{qualname!r}, defined inside a function,"
        raise ActivationPickleError(
            f"activation {name!r} cannot be pickled: its {role} is {kind} which pickle cannot find again "
            "by name; define it with def at the top level of a module"
        )


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


# ------------------------------------------------------------------ checking a derivative

#: where ``check_activation`` compares a derivative with the slope: 40 points in [-4, 4], none at 0
CHECK_POINTS = np.linspace(-4.0, 4.0, 40)
#: the largest error ``|derivative - slope| / max(1, |slope|)`` that still counts as agreeing
CHECK_TOLERANCE = 1e-6
WORST_POINTS = 5
#: how far apart (relative) the ratios derivative / slope may be and still count as one factor
FACTOR_TOLERANCE = 0.01

#: what ``ActivationCheck.cause`` may be, and what each means
CAUSES = {
    "ok": "the derivative matches the numeric slope",
    "in-place": "the function or a derivative changes the array it is given",
    "takes-output": "the derivative is written for the output a = f(z) but is given z",
    "takes-input": "the output_derivative is written for z but is given a = f(z): f is applied twice",
    "scaled": "the derivative is a constant factor times the slope",
    "mismatch": "the derivative differs from the slope, and none of the other causes explains how",
}


@dataclass(frozen=True)
class ActivationCheck:
    """The result of ``check_activation``: an activation's derivative next to its numeric slope.

    ``z`` holds the points compared (kinks and points where either value is
    not finite are left out), ``derivative`` what the activation's derivative
    gives there (``output_derivative(f(z))`` when it has one of those) and
    ``slope`` the central difference ``(f(z + h) - f(z - h)) / 2h``.
    ``cause`` is one of ``CAUSES``: ``"ok"``, ``"in-place"`` (``role`` names
    the function that changes its argument), ``"takes-output"``,
    ``"takes-input"``, ``"scaled"`` (by ``factor``) or ``"mismatch"``.
    ``str(report)`` says it in words, with the worst points.
    """

    name: str
    cause: str
    z: np.ndarray
    derivative: np.ndarray
    slope: np.ndarray
    tolerance: float = CHECK_TOLERANCE
    factor: float | None = None
    role: str | None = None
    changed: tuple[float, float] | None = None

    @property
    def ok(self) -> bool:
        """Whether the derivative matches the slope and nothing works in place."""
        return self.cause == "ok"

    @property
    def errors(self) -> np.ndarray:
        """``|derivative - slope| / max(1, |slope|)`` at each point."""
        return np.abs(self.derivative - self.slope) / np.maximum(1.0, np.abs(self.slope))

    @property
    def max_error(self) -> float:
        """The largest of ``errors`` (0 when no point was compared)."""
        return float(np.max(self.errors, initial=0.0))

    @property
    def worst(self) -> list[tuple[float, float, float]]:
        """The points with the largest errors, worst first, as ``(z, derivative, slope)``."""
        order = np.argsort(-self.errors, kind="stable")[:WORST_POINTS]
        return [(float(self.z[i]), float(self.derivative[i]), float(self.slope[i])) for i in order]

    @property
    def message(self) -> str:
        """One sentence on what is wrong (or right), with the numbers and what to change."""
        if self.cause == "ok":
            return (
                f"activation {self.name!r}: its derivative matches the slope of f at {len(self.z)} points "
                f"in [{CHECK_POINTS[0]:g}, {CHECK_POINTS[-1]:g}] (largest error {self.max_error:.2g}, "
                f"tolerance {self.tolerance:g})"
            )
        if self.cause == "in-place":
            return f"activation {self.name!r}: {self._in_place_message()}"
        z, derivative, slope = self.worst[0]
        where = f"at z = {z:.4g} it gives {derivative:.6g} where the slope of f is {slope:.6g}"
        if self.cause == "scaled":
            return (
                f"activation {self.name!r}: its derivative is {self.factor:.4g} times the slope of f at "
                f"every point: {where}; {_factor_meaning(self.factor)}"
            )
        messages = {
            "takes-output": f"its derivative is written for the output a = f(z) but is given z: {where}, "
            "and given f(z) instead it matches; pass it as output_derivative=, or write it in terms of z "
            "(f(z) * (1 - f(z)) for a sigmoid, not z * (1 - z))",
            "takes-input": f"its output_derivative is written for z but is given a = f(z), so f is "
            f"applied twice: {where}, and given z instead it matches; pass it as derivative=",
            "mismatch": f"its derivative does not match the slope of f: {where}",
        }
        return f"activation {self.name!r}: {messages[self.cause]}"

    def _in_place_message(self) -> str:
        before, after = self.changed or (0.0, 0.0)
        return (
            f"its {self.role} changes the array it is given (z = {before:.4g} became {after:.4g}): it "
            "works in place, so in your own code it overwrites the values you pass it; compute a new "
            "array instead (np.where(z > 0, 1.0, alpha), not z[z > 0] = 1)"
        )

    def __str__(self) -> str:
        verdict = "OK" if self.ok else f"FAILED ({self.cause})"
        lines = [f"activation check {verdict}: {self.message}"]
        if not self.ok and len(self.z):
            rows = [[f"{z:.4g}", f"{d:.6g}", f"{s:.6g}"] for z, d, s in self.worst]
            lines.append(table(["z", "derivative", "slope of f"], rows))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(Text(str(self)))


def check_activation(
    activation: Activation, *, step: float = 1e-5, tolerance: float = CHECK_TOLERANCE
) -> ActivationCheck:
    """Compare an activation's derivative with the numeric slope of its function.

    At 40 points in [-4, 4] (``CHECK_POINTS``, none at 0) the derivative the
    activation uses in backpropagation is compared with the central
    difference ``(f(z + step) - f(z - step)) / (2 step)``; they agree where
    ``|derivative - slope| <= tolerance * max(1, |slope|)``. For an activation
    with ``smooth=False``, points where the slopes to the left and to the
    right differ (a kink) are left out, and so is any point where either
    value is not finite.

    When they disagree, the report names the likely cause: a derivative
    written for the output ``a = f(z)`` but given ``z`` (``z * (1 - z)`` for
    a sigmoid, ``1 - z**2`` for tanh), an ``output_derivative`` written for
    ``z`` and so applied to ``f(z)``, a constant factor (2, 1/2, -1, ...), or
    none of these. First of all, it calls the function and each derivative
    on a copy of the points and reports one that changes its argument.

    Examples
    --------
    >>> import numpy as np
    >>> import neurosim as ns
    >>> def sigmoid(z):
    ...     return 0.5 * (1 + np.tanh(z / 2))
    >>> right = ns.Activation("logistic", sigmoid, lambda z: sigmoid(z) * (1 - sigmoid(z)))
    >>> ns.check_activation(right).ok
    True

    The derivative in terms of the output, given ``z``:

    >>> wrong = ns.Activation("logistic_z", sigmoid, lambda z: z * (1 - z))
    >>> report = ns.check_activation(wrong)
    >>> report.ok, report.cause
    (False, 'takes-output')
    >>> z, derivative, slope = report.worst[0]  # z (1 - z) at z = -4 is -20
    >>> z, derivative, round(slope, 6)
    (-4.0, -20.0, 0.017663)
    """
    if not isinstance(activation, Activation):
        raise ParameterError(f"check_activation expects an Activation; got {activation!r}")
    if not activation.elementwise:
        raise ParameterError(
            f"check_activation compares element-wise derivatives; {activation.name!r} is a whole-layer "
            "activation with a Jacobian"
        )
    z = CHECK_POINTS.copy()
    in_place = _in_place(activation, z)
    if in_place is not None:
        return in_place
    with np.errstate(all="ignore"):
        values = _Slopes(activation, z, step)
    derivative, slope = values.derivative, values.slope
    errors = np.abs(derivative - slope) / np.maximum(1.0, np.abs(slope))
    cause, factor = "ok", None
    if not np.all(errors <= tolerance):
        cause, factor = _cause(values, tolerance)
    return ActivationCheck(activation.name, cause, values.z, derivative, slope, tolerance, factor)


class _Slopes:
    """An activation's derivative, its numeric slope, and the other readings of the derivative."""

    def __init__(self, activation: Activation, z: np.ndarray, h: float) -> None:
        f = activation.functions["function"]
        a, right, left = (_call(activation, "function", f, values) for values in (z, z + h, z - h))
        keep = np.isfinite(a) & np.isfinite(right) & np.isfinite(left)
        if not activation.smooth:
            keep &= np.abs((right - a) - (a - left)) / h <= 1e-3 * np.maximum(1.0, np.abs(right - left) / h)
        self.activation, self.z, self.a = activation, z[keep], a[keep]
        self.slope = (right[keep] - left[keep]) / (2 * h)
        self.derivative = activation.derivative(self.z)
        keep = np.isfinite(self.derivative)
        self.z, self.a, self.slope, self.derivative = (
            self.z[keep],
            self.a[keep],
            self.slope[keep],
            self.derivative[keep],
        )

    def matches(self, candidate: np.ndarray, tolerance: float) -> bool:
        return bool(np.all(np.abs(candidate - self.slope) <= tolerance * np.maximum(1.0, np.abs(self.slope))))


def _cause(values: _Slopes, tolerance: float) -> tuple[str, float | None]:
    """Why the derivative and the slope differ, and the factor between them if that is why."""
    functions = values.activation.functions
    if "derivative" in functions:
        if values.matches(
            _call(values.activation, "derivative", functions["derivative"], values.a.copy()), tolerance
        ):
            return "takes-output", None
    elif values.matches(
        _call(values.activation, "output_derivative", functions["output_derivative"], values.z.copy()),
        tolerance,
    ):
        return "takes-input", None
    factor = _common_factor(values.derivative, values.slope)
    return ("mismatch", None) if factor is None else ("scaled", factor)


def _common_factor(derivative: np.ndarray, slope: np.ndarray) -> float | None:
    """The ratio derivative / slope, if it is the same (within 1%) wherever the slope is not tiny."""
    resolved = np.abs(slope) > 1e-3
    if np.count_nonzero(resolved) < 2:
        return None
    ratios = derivative[resolved] / slope[resolved]
    median = float(np.median(ratios))
    if median == 0 or np.any(np.abs(ratios - median) > FACTOR_TOLERANCE * abs(median)):
        return None
    return median


def _factor_meaning(factor: float | None) -> str:
    """What a derivative off by ``factor`` likely means."""
    meanings = {
        2.0: "likely an extra factor 2 (a 2 brought down from a square that is not there)",
        0.5: "likely a missing factor 2",
        -1.0: "the sign is flipped",
    }
    for value, meaning in meanings.items():
        if factor is not None and abs(factor - value) <= FACTOR_TOLERANCE * abs(value):
            return meaning
    return "look for a constant factor in it"


def _in_place(activation: Activation, z: np.ndarray) -> ActivationCheck | None:
    """A failed check if the function or a derivative changes the array it is given."""
    functions = activation.functions
    a = _call(activation, "function", functions["function"], z.copy())
    for role, function in functions.items():
        argument = a if role == "output_derivative" else z
        given = argument.copy()
        _call(activation, role, function, given)
        changed = np.flatnonzero(~np.isclose(given, argument, rtol=0.0, atol=0.0, equal_nan=True))
        if changed.size:
            i = changed[0]
            empty = np.empty(0)
            return ActivationCheck(
                activation.name,
                "in-place",
                empty,
                empty,
                empty,
                role=role,
                changed=(float(argument[i]), float(given[i])),
            )
    return None


def _call(activation: Activation, role: str, function: ArrayFunction, values: np.ndarray) -> np.ndarray:
    """``function(values)`` as an array of floats, or a ParameterError naming the activation."""
    try:
        with np.errstate(all="ignore"):
            result = np.asarray(function(values), dtype=float)
    except Exception as error:
        raise ParameterError(
            f"Activation {activation.name!r}: its {role} failed on an array of shape {values.shape}: "
            f"{type(error).__name__}: {error}"
        ) from error
    if result.ndim == 0:
        return np.broadcast_to(result, values.shape).copy()
    if result.shape != values.shape:
        raise ParameterError(
            f"Activation {activation.name!r}: its {role} returned shape {result.shape} for an input of "
            f"shape {values.shape}; it must work element-wise"
        )
    return result


def _refuse_a_failed_check(report: ActivationCheck) -> None:
    """Raise a ParameterError with the report if its function or a derivative works in place."""
    if report.cause == "in-place":
        raise ParameterError(f"{report.message}; pass check=False to make it anyway\n{report}")


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
        super().__init__("softmax", _softmax, output_derivative=_unused_derivative, check=False)

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
    with np.errstate(over="ignore"):  # a difference below -1.8e308 is -inf, whose exp is exactly 0
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
ACTS_AS = {"sigmoid": _sigmoid, "softmax": _softmax}


def _declared_as(activation: Activation, acts_as: str | None) -> str | None:
    """``acts_as`` once ``activation``'s function is seen to compute that built-in."""
    if acts_as is None:
        return None
    if acts_as not in ACTS_AS:
        raise ParameterError(
            f"Activation {activation.name!r}: acts_as must be one of {', '.join(map(repr, ACTS_AS))} "
            f"or None; got {acts_as!r}"
        )
    z = ACTS_AS_POINTS if acts_as != "softmax" else ACTS_AS_POINTS[:160].reshape(32, 5)
    got, expected = activation(z), ACTS_AS[acts_as](z)
    z, got, expected = z.ravel(), got.ravel(), expected.ravel()
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
#: the activations defined here, trusted not to change the arrays they are given
_BUILT_IN: list[Activation] = []


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


def get_activation(spec: str | Activation, argument: str | None = None) -> Activation:
    """Return the activation named ``spec`` (or ``spec`` itself if it is one).

    ``argument`` names the argument ``spec`` was given as, for the error.

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
    known = ", ".join(ACTIVATIONS)
    prefix = "" if argument is None else f"{argument}: "
    raise UnknownNameError(f"{prefix}unknown activation {spec!r}; expected one of: {known}")


def _identity(z: np.ndarray) -> np.ndarray:
    return z


def _sigmoid_slope(a: np.ndarray) -> np.ndarray:
    return a * (1.0 - a)


def _tanh_slope(a: np.ndarray) -> np.ndarray:
    return 1.0 - a * a


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def _relu_slope(a: np.ndarray) -> np.ndarray:
    return (a > 0).astype(float)


def _leaky_relu_slope(a: np.ndarray) -> np.ndarray:
    return np.where(a > 0, 1.0, LEAKY_SLOPE)


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, z)


def _softplus_slope(a: np.ndarray) -> np.ndarray:
    # softplus(z) = log(1 + e^z); its derivative, the sigmoid, is 1 - e^(-a)
    return -np.expm1(-a)


def _step(z: np.ndarray) -> np.ndarray:
    return (z >= 0).astype(float)


# the built-ins' functions are named module-level functions, so that networks using them can be pickled
for _activation in (
    Activation("identity", _identity, output_derivative=np.ones_like),
    Activation("sigmoid", _sigmoid, output_derivative=_sigmoid_slope),
    Activation("tanh", np.tanh, output_derivative=_tanh_slope),
    Activation("relu", _relu, output_derivative=_relu_slope, smooth=False),
    Activation("leaky_relu", _leaky_relu, output_derivative=_leaky_relu_slope, smooth=False),
    Activation("softplus", _softplus, output_derivative=_softplus_slope),
    Activation("step", _step, output_derivative=np.zeros_like, smooth=False),
    Softmax(),
):
    _BUILT_IN.append(register_activation(_activation))
