"""Your own network: six from-scratch numpy networks, each with one bug, checked against neurosim.

What it teaches: how to check a network you wrote yourself in numpy
against neurosim. Your weight and bias arrays go in as they are
(``ns.Network.from_arrays``); your activations go to
``ns.compare_forward`` and your gradients to ``ns.compare_gradients``,
which say, array by array, whether they match neurosim's and, when they do
not, which mistake makes that difference. Six copies of one small 3-4-1
sigmoid network, written the way many tutorials write them (``W @ X``,
samples in columns), each carry one planted bug: weight gradients not
divided by the number of samples, a bias gradient summed over the whole
matrix, the sigmoid's derivative taken of the activation, a softmax over
the wrong axis, a weight gradient without the incoming activation, and a
loss with another convention (half the squared error), which is not a bug
at all. Each is shown with its wrong line, what neurosim says about it,
and the fixed line matching.

Run it with ``neurosim demo yours`` or ``python demos/yours.py``.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

import neurosim as ns
from neurosim.demos._common import begin, demo_parser, heading

# ----------------------------------------------------------------- the data

#: the eight corners of the unit cube, one sample per column (3 inputs x 8 samples)
X = np.array([[(k >> bit) & 1 for k in range(8)] for bit in range(3)], dtype=float)
#: how many of each sample's three inputs are on
ONES = X.sum(axis=0)
#: the binary target: 1 where at least two of the three inputs are on, shape (1, 8)
Y_MAJORITY = (ONES >= 2).astype(float)[np.newaxis, :]
#: three classes, one-hot in columns (3 x 8): no input on, one on, two or more on
Y_CLASSES = np.eye(3)[np.minimum(ONES, 2).astype(int)].T


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, 1 / (1 + e^-z)."""
    return 1 / (1 + np.exp(-z))


def initial_parameters(n_outputs: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Random weights and biases for a 3-4-``n_outputs`` network, W of shape (n_out, n_in), b (n_out, 1)."""
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.normal(0.0, 1.0, size=(4, 3)),
        "b1": rng.normal(0.0, 0.5, size=(4, 1)),
        "W2": rng.normal(0.0, 1.0, size=(n_outputs, 4)),
        "b2": rng.normal(0.0, 0.5, size=(n_outputs, 1)),
    }


# ----------------------------------------------------------------- the networks, written from scratch


class TwoLayer:
    """A 3-4-1 sigmoid network in numpy, as many tutorials write it: ``Z = W @ A + b``, samples in columns.

    Its loss is the binary cross-entropy averaged over the samples, so that
    the output layer's delta is simply ``A2 - Y``. Each step of the backward
    pass is a method of its own, so that a buggy copy differs from it in one
    line.
    """

    #: the arguments that name this network's output layer and loss in neurosim
    activations = ("sigmoid", "sigmoid")
    loss = "bce"
    n_outputs = 1

    def __init__(self, params: dict[str, np.ndarray] | None = None) -> None:
        self.params = initial_parameters(self.n_outputs) if params is None else params

    @property
    def targets(self) -> np.ndarray:
        """The targets this network learns: one row of 0s and 1s."""
        return Y_MAJORITY

    def output_activation(self, Z2: np.ndarray) -> np.ndarray:
        """The output layer's activation."""
        return sigmoid(Z2)

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Z1, A1, Z2, A2 for the samples in the columns of X."""
        p = self.params
        Z1 = p["W1"] @ X + p["b1"]
        A1 = sigmoid(Z1)
        Z2 = p["W2"] @ A1 + p["b2"]
        A2 = self.output_activation(Z2)
        return Z1, A1, Z2, A2

    def cost(self, X: np.ndarray, Y: np.ndarray) -> float:
        """The binary cross-entropy, averaged over the samples."""
        A2 = self.forward(X)[3]
        m = X.shape[1]
        return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m)

    def output_delta(self, A2: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """dZ2: the derivative of one sample's loss by the output layer's Z."""
        return A2 - Y

    def sigmoid_derivative(self, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        """The sigmoid's slope at Z, from A = sigmoid(Z)."""
        return A * (1 - A)

    def weight_gradient(self, dZ: np.ndarray, A_prev: np.ndarray, m: int) -> np.ndarray:
        """dW: the deltas times the incoming activations, averaged over the m samples."""
        return dZ @ A_prev.T / m

    def bias_gradient(self, dZ: np.ndarray, m: int) -> np.ndarray:
        """db: each neuron's deltas averaged over the m samples."""
        return np.sum(dZ, axis=1, keepdims=True) / m

    def gradients(self, X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
        """The gradient of the cost for every array, by the array's name (``W1``, ``b1``, ``W2``, ``b2``)."""
        m = X.shape[1]
        Z1, A1, _, A2 = self.forward(X)
        dZ2 = self.output_delta(A2, Y)
        dZ1 = (self.params["W2"].T @ dZ2) * self.sigmoid_derivative(Z1, A1)
        return {
            "W1": self.weight_gradient(dZ1, X, m),
            "b1": self.bias_gradient(dZ1, m),
            "W2": self.weight_gradient(dZ2, A1, m),
            "b2": self.bias_gradient(dZ2, m),
        }


class SummedWeightGradients(TwoLayer):
    """Bug (a): the weight gradients are not divided by m."""

    def weight_gradient(self, dZ, A_prev, m):
        """The weight gradient summed over the samples."""
        return dZ @ A_prev.T


class BiasSummedOverAll(TwoLayer):
    """Bug (b): a bias gradient summed over every neuron and sample."""

    def bias_gradient(self, dZ, m):
        """The bias gradient as one number for the whole layer."""
        return np.sum(dZ) / m


class DerivativeOfTheActivation(TwoLayer):
    """Bug (c): the sigmoid's derivative taken at A instead of Z."""

    def sigmoid_derivative(self, Z, A):
        """The slope at A: the sigmoid applied twice."""
        return sigmoid(A) * (1 - sigmoid(A))


class ThreeClasses(TwoLayer):
    """The same network with three softmax outputs and the cross-entropy: the delta is still ``A2 - Y``."""

    activations = ("sigmoid", "softmax")
    loss = "cross_entropy"
    n_outputs = 3

    @property
    def targets(self) -> np.ndarray:
        """Three classes, one-hot in the columns."""
        return Y_CLASSES

    def output_activation(self, Z2):
        """The softmax of each column: each sample's three outputs sum to 1."""
        return np.exp(Z2) / np.sum(np.exp(Z2), axis=0, keepdims=True)

    def cost(self, X, Y):
        """The cross-entropy, averaged over the samples."""
        return float(-np.sum(Y * np.log(self.forward(X)[3])) / X.shape[1])


class SoftmaxOverTheBatch(ThreeClasses):
    """Bug (d): the softmax normalised over the samples instead of the classes."""

    def output_activation(self, Z2):
        """Each row (one class over the batch) sums to 1."""
        return np.exp(Z2) / np.sum(np.exp(Z2), axis=1, keepdims=True)


class WithoutTheIncomingActivation(TwoLayer):
    """Bug (e): the weight gradient forgets the incoming activation."""

    def weight_gradient(self, dZ, A_prev, m):
        """The weight gradient as the deltas alone: one column, the bias gradient."""
        return np.sum(dZ, axis=1, keepdims=True) / m


class SquaredError(TwoLayer):
    """The same network with the mean squared error, as neurosim's ``mse`` (and torch's MSELoss) define it."""

    loss = "mse"

    def cost(self, X, Y):
        """The squared error, averaged over the samples and the outputs."""
        return float(np.mean((self.forward(X)[3] - Y) ** 2))

    def output_delta(self, A2, Y):
        """dZ2 of the squared error: 2 (A2 - Y) times the sigmoid's slope."""
        return 2 * (A2 - Y) * A2 * (1 - A2)


class HalfSquaredError(SquaredError):
    """(f): half the squared error, a common convention."""

    def cost(self, X, Y):
        """Half the squared error, averaged over the samples."""
        return float(np.sum((self.forward(X)[3] - Y) ** 2) / (2 * X.shape[1]))

    def output_delta(self, A2, Y):
        """dZ2 of half the squared error: the 2 is gone."""
        return (A2 - Y) * A2 * (1 - A2)


def changed_line(network: type[TwoLayer], method: str) -> str:
    """The line a buggy copy changes, after its method: ``weight_gradient(dZ, A_prev, m):  return ...``."""
    function = getattr(network, method)
    arguments = ", ".join(list(inspect.signature(function).parameters)[1:])
    last = inspect.getsource(function).strip().splitlines()[-1].strip()
    return f"{method}({arguments}):  {last}"


# ----------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    """One planted bug: the copy that has it, the method it changes, and the copy without it."""

    title: str
    buggy: type[TwoLayer]
    fixed: type[TwoLayer]
    method: str
    explanation: str
    #: "gradients" for a bug in the backward pass, "forward" for one in the forward pass
    compared: str = "gradients"
    #: what the copy without the bug is
    fixed_label: str = "the line fixed"

    @property
    def wrong_line(self) -> str:
        """The line of the buggy copy."""
        return changed_line(self.buggy, self.method)

    @property
    def right_line(self) -> str:
        """The same line in the copy without the bug."""
        return changed_line(self.fixed, self.method)


CASES = (
    Case(
        "(a) The weight gradients are summed over the samples, not averaged",
        SummedWeightGradients,
        TwoLayer,
        "weight_gradient",
        "The biases' gradients are averaged but the weights' are summed: the weights "
        "take steps 8 times (the number of samples) too large.",
    ),
    Case(
        "(b) A bias gradient summed over the whole matrix",
        BiasSummedOverAll,
        TwoLayer,
        "bias_gradient",
        "np.sum(dZ) adds up every neuron's delta into one number, so every bias of the layer "
        "takes the same step. The output layer has one neuron, so its b2 is right by luck.",
    ),
    Case(
        "(c) The sigmoid's derivative applied to the activation",
        DerivativeOfTheActivation,
        TwoLayer,
        "sigmoid_derivative",
        "sigmoid'(z) is a * (1 - a) with a = sigmoid(z); sigmoid(a) * (1 - sigmoid(a)) "
        "applies the sigmoid a second time.",
    ),
    Case(
        "(d) A softmax over the wrong axis",
        SoftmaxOverTheBatch,
        ThreeClasses,
        "output_activation",
        "With samples in columns, each column must sum to 1 (axis=0); axis=1 divides each "
        "class by its total over the batch.",
        compared="forward",
    ),
    Case(
        "(e) A weight gradient without the incoming activation",
        WithoutTheIncomingActivation,
        TwoLayer,
        "weight_gradient",
        "A synapse's gradient is the delta of the neuron it feeds times the activation it "
        "carries; without the activation every synapse into a neuron gets that neuron's "
        "bias gradient. `W -= lr * dW` broadcasts the (n, 1) column over the row, so nothing fails.",
    ),
    Case(
        "(f) Half the squared error: a convention, not a bug",
        HalfSquaredError,
        SquaredError,
        "output_delta",
        "cost = sum((A2 - Y)**2) / (2 * m) is half of neurosim's mse, so every gradient "
        "is half of neurosim's: the same factor on every array is a choice of loss, not a bug.",
        fixed_label="as neurosim's mse",
    ),
)


# ----------------------------------------------------------------- the lesson

#: how wide the explanations are printed
WIDTH = 100
#: what the demo does with each copy's arrays, as you would with yours
HOW = """For each copy, its arrays go into neurosim as the code holds them:
    net = ns.Network.from_arrays([W1, W2], [b1, b2], ["sigmoid", "sigmoid"], layout="out_in")
    grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    print(ns.compare_gradients(net, X, Y, loss="bce", grads=grads))"""


def network_of(code: TwoLayer) -> ns.Network:
    """The neurosim network of a copy's weights and biases, read as ``W @ X`` (layout "out_in")."""
    p = code.params
    return ns.Network.from_arrays(
        [p["W1"], p["W2"]], [p["b1"], p["b2"]], list(code.activations), layout="out_in"
    )


def as_applied(grads: dict[str, np.ndarray], params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each gradient as ``params[name] -= lr * grads[name]`` applies it: spread to the array's shape.

    A weight gradient of shape ``(n, 1)`` raises no error in numpy: the
    update spreads it over each row of ``W``. What reaches ``W`` is what to
    compare.
    """
    return {name: np.broadcast_to(grad, params[name].shape) for name, grad in grads.items()}


def compare(
    network: type[TwoLayer], compared: str
) -> ns.diagnostics.ForwardComparison | ns.diagnostics.GradientComparison:
    """The verdicts on a copy's forward pass or on its gradients, as ``compared`` says."""
    code = network()
    net = network_of(code)
    if compared == "forward":
        Z1, A1, Z2, A2 = code.forward(X)
        return ns.compare_forward(net, X, {"hidden1": (Z1, A1), "output": (Z2, A2)})
    grads = as_applied(code.gradients(X, code.targets), code.params)
    return ns.compare_gradients(net, X, code.targets, loss=code.loss, grads=grads)


def call(network: type[TwoLayer], compared: str) -> str:
    """The line that prints neurosim's verdicts on ``network``'s arrays."""
    if compared == "forward":
        return 'print(ns.compare_forward(net, X, {"hidden1": (Z1, A1), "output": (Z2, A2)}))'
    return f'print(ns.compare_gradients(net, X, Y, loss="{network.loss}", grads=grads))'


def main(argv: Sequence[str] | None = None) -> int:
    """Check each buggy copy against neurosim, then the copy without the bug."""
    begin(demo_parser("yours", __doc__), argv, __doc__)
    print()
    print(HOW)
    for case in CASES:
        show(case)
    return 0


def show(case: Case) -> None:
    """One case: the wrong line, what neurosim says about it, and the fixed line matching."""
    heading(case.title)
    print(f"{'the line in your code:':<24}{case.wrong_line}")
    print(textwrap.fill(case.explanation, WIDTH))
    print(f"\n{call(case.buggy, case.compared)}")
    print(textwrap.indent(str(compare(case.buggy, case.compared)), "  "))
    print(f"\n{case.fixed_label + ':':<24}{case.right_line}")
    fixed = compare(case.fixed, case.compared)
    verdicts = ", ".join(f"{item.name} {item.verdict}" for item in fixed.items)
    print(f"  {str(fixed).splitlines()[0]}: {verdicts}")


if __name__ == "__main__":
    raise SystemExit(main())
