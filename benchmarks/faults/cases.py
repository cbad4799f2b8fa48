"""The fault cases: networks broken the way users break theirs, with what the doctor must say.

Each case returns the doctor's report and the culprits it must name
(computed here, independently of the doctor, or fixed by the way the case
breaks the network). A case trains through ``fit`` (the doctor as a
callback, ``history.diagnosis``) or examines a network with
``ns.diagnose``, as a user would.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import neurosim as ns
from neurosim.benchmarks.faults import reference


@dataclass(frozen=True)
class Case:
    """One fault: what a user did, the code the doctor must report, and how to run it."""

    name: str
    story: str
    code: str | None
    run: Callable[[], tuple[ns.Report, frozenset[str]]]


FAULTS: list[Case] = []


def fault(name: str, code: str, story: str) -> Callable:
    """Register the decorated function as the fault case ``name``."""

    def register(run: Callable[[], tuple[ns.Report, frozenset[str]]]) -> Callable:
        FAULTS.append(Case(name, story, code, run))
        return run

    return register


def fit(net: ns.Network, X: np.ndarray, y: np.ndarray, **options: object) -> ns.History:
    """``net.fit`` with the doctor, its warnings kept out of the benchmark's output."""
    options = {"verbose": 0, "seed": 0, "engine": "compiled", **options}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ns.DiagnosisWarning)
        warnings.simplefilter("ignore", ns.DivergenceWarning)
        return net.fit(X, y, **options)


def moons(n: int = 200, noise: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    """The moons data every moons case uses: ``n`` points, seed 0."""
    return ns.datasets.moons(n, noise=noise, seed=0)


def names(layer: ns.Layer, indices: object = None) -> frozenset[str]:
    """The names of ``layer``'s neurons (those at ``indices``)."""
    chosen = range(layer.size) if indices is None else indices
    return frozenset(layer[i].name for i in chosen)


def layers(net: ns.Network, *which: str) -> frozenset[str]:
    """The layers ``which`` by name, or every layer but the input layer."""
    return frozenset(which or (layer.name for layer in net.layers[1:]))


# ---------------------------------------------------------------- dead relus: "predicts the same class"


@fault("relu-huge-lr", "dead-neurons", "relu moons network trained with lr=20: its hidden neurons die")
def _relu_huge_lr():
    X, y = moons()
    net = ns.Network.from_shape([2, 16, 16, 1], activation="relu", output_activation="sigmoid", seed=0)
    history = fit(net, X, y, epochs=30, lr=20.0, batch_size=32, loss="bce")
    return history.diagnosis, reference.dead_neurons(net, X)


@fault("relu-negative-biases", "dead-neurons", "five of eight relu neurons start with bias -50")
def _relu_negative_biases():
    X, y = moons()
    net = ns.Network.from_shape([2, 8, 1], activation="relu", output_activation="sigmoid", init="he", seed=0)
    net["hidden1"].bias[:5] = -50.0
    return ns.diagnose(net, X, y, loss="bce"), reference.dead_neurons(net, X)


@fault("relu-xor-predicts-zero", "dead-neurons", "a relu output neuron below 0 on every XOR input")
def _relu_xor_output():
    X, y = ns.datasets.xor()
    net = ns.Network.from_shape([2, 3, 1], activation="relu", output_activation="relu", init="he", seed=1)
    net["output"].bias[:] = -10.0
    return ns.diagnose(net, X, y, loss="mse"), reference.dead_neurons(net, X)


@fault("relu-second-layer-dead", "dead-neurons", "the second relu layer's biases pushed far below 0")
def _relu_second_layer():
    X, y = moons()
    net = ns.Network.from_shape(
        [2, 8, 8, 1], activation="relu", output_activation="sigmoid", init="he", seed=0
    )
    net["hidden2"].bias[:] = -100.0
    return ns.diagnose(net, X, y, loss="bce"), reference.dead_neurons(net, X)


# ---------------------------------------------------------------- saturation


@fault("sigmoid-unscaled-saturated", "saturated-neurons", "sigmoid hidden layer fed inputs in the thousands")
def _sigmoid_unscaled():
    X, y = moons()
    X = X * 2000.0
    net = ns.Network.from_shape([2, 6, 1], activation="sigmoid", seed=0)
    return ns.diagnose(net, X, y, loss="bce"), reference.saturated_neurons(net, X)


@fault("tanh-init-std-100", "saturated-neurons", "tanh weights drawn with standard deviation 100")
def _tanh_huge_weights():
    X, y = moons()
    net = ns.Network.from_shape(
        [2, 16, 1], activation="tanh", output_activation="sigmoid", init=ns.initializers.normal(100.0), seed=0
    )
    return ns.diagnose(net, X, y, loss="bce"), reference.saturated_neurons(net, X)


@fault("sigmoid-output-mse-saturated", "saturated-neurons", "a sigmoid output with mse and a bias of +30")
def _sigmoid_output_mse():
    X, y = moons()
    net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    net["output"].bias[:] = 30.0
    return ns.diagnose(net, X, y, loss="mse"), frozenset({"output[0]"})


# ---------------------------------------------------------------- the same output for every input


@fault("dead-layer-constant-output", "constant-output", "every hidden relu dead: one output for all inputs")
def _dead_constant():
    X, y = moons()
    net = ns.Network.from_shape([2, 6, 1], activation="relu", output_activation="sigmoid", seed=0)
    net["hidden1"].bias[:] = -100.0
    return ns.diagnose(net, X, y, loss="bce"), frozenset({"output[0]"})


@fault(
    "softmax-huge-lr-one-class", "constant-output", "a softmax classifier trained with lr=30 picks one class"
)
def _softmax_one_class():
    X, y = ns.datasets.spiral(300, classes=3, seed=0)
    net = ns.Network.from_shape([2, 16, 3], activation="relu", output_activation="softmax", seed=0)
    history = fit(net, X, y, epochs=20, lr=30.0, batch_size=32, loss="cross_entropy")
    return history.diagnosis, names(net.output_layer)


@fault("zero-output-weights", "constant-output", "the output's incoming weights all set to 0")
def _zero_output_weights():
    X, y = moons()
    net = ns.Network.from_shape([2, 5, 1], activation="tanh", output_activation="sigmoid", seed=0)
    net.blocks[1].weight = np.zeros_like(net.blocks[1].weight)
    return ns.diagnose(net, X, y, loss="bce"), frozenset({"output[0]"})


# ---------------------------------------------------------------- NaN


@fault("unscaled-identity-diverges", "non-finite", "an identity network on inputs up to 100 diverges")
def _unscaled_diverges():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 100, size=(100, 3))
    y = X @ np.array([0.5, -0.2, 0.1]) + 3.0
    net = ns.Network.from_shape([3, 4, 1], activation="identity", seed=0)
    history = fit(net, X, y, epochs=100, lr=0.01, loss="mse")
    return history.diagnosis, _first_non_finite(net, X)


@fault("relu-regression-diverges", "non-finite", "a relu regression with lr=1 on targets in the hundreds")
def _relu_regression_diverges():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(100, 2))
    y = 300.0 * X[:, 0] ** 2 + 100.0
    net = ns.Network.from_shape([2, 8, 1], activation="relu", output_activation="identity", seed=0)
    history = fit(net, X, y, epochs=100, lr=1.0, loss="mse")
    return history.diagnosis, _first_non_finite(net, X)


@fault("huge-weights-overflow", "non-finite", "two weights of 1e308 loaded into one neuron")
def _huge_weights():
    X, y = moons()
    net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    net.blocks[0].weight[2] = [1e308, 1e308]
    return ns.diagnose(net, X, y, loss="bce"), frozenset({reference.first_non_finite_neuron(net, X)})


@fault("exp-activation-overflows", "non-finite", "a home-made exp activation overflows on large z")
def _exp_overflow():
    X, y = moons()
    growth = ns.Activation("exp_growth", np.exp, np.exp)
    net = ns.Network.from_shape([2, 3, 1], activation=growth, seed=0)
    net.synapse("input[0]", "hidden1[1]").weight = 800.0
    with np.errstate(over="ignore"):
        return ns.diagnose(net, X, y, loss="mse"), frozenset({"hidden1[1]"})


def _first_non_finite(net: ns.Network, X: np.ndarray) -> frozenset[str]:
    """The neuron whose value first stops being finite in a pass of the weights where training stopped."""
    name = reference.first_non_finite_neuron(net, X)
    return frozenset({name} if name else {"output[0]"})  # else: finite outputs whose loss overflows


# ---------------------------------------------------------------- zero gradients


@fault("step-hidden", "zero-gradients", "a step activation in the hidden layer, trained with fit")
def _step_hidden():
    X, y = ns.datasets.xor()
    net = ns.Network.from_shape([2, 3, 1], activation="step", output_activation="sigmoid", seed=0)
    return ns.diagnose(net, X, y, loss="bce"), frozenset({"hidden1"})


@fault("zeros-init", "zero-gradients", "every weight initialised to 0 (init='zeros')")
def _zeros_init():
    X, y = moons()
    net = ns.Network.from_shape(
        [2, 4, 1], activation="tanh", output_activation="sigmoid", init="zeros", seed=0
    )
    history = fit(net, X, y, epochs=20, lr=0.5, loss="bce")
    return history.diagnosis, layers(net)


# ---------------------------------------------------------------- symmetric initialisation: XOR at 0.5


@fault("constant-init-xor", "symmetric-init", "XOR with every weight 0.5: the hidden neurons stay twins")
def _constant_init():
    X, y = ns.datasets.xor()
    net = ns.Network.from_shape([2, 3, 1], activation="sigmoid", init=ns.initializers.constant(0.5), seed=0)
    history = fit(net, X, y, epochs=200, lr=1.0, loss="mse", engine="object")
    return history.diagnosis, names(net["hidden1"])


@fault(
    "copied-neurons",
    "symmetric-init",
    "two hidden neurons given the same weights in and out, and bias, by hand",
)
def _copied_neurons():
    X, y = moons()
    net = ns.Network.from_shape([2, 5, 1], activation="tanh", output_activation="sigmoid", seed=0)
    net.blocks[0].weight[3] = net.blocks[0].weight[1]
    net["hidden1"].bias[3] = net["hidden1"].bias[1]
    net.blocks[1].weight[:, 3] = net.blocks[1].weight[:, 1]
    return ns.diagnose(net, X, y, loss="bce"), frozenset({"hidden1[1]", "hidden1[3]"})


# ---------------------------------------------------------------- no nonlinearity


@fault("perceptron-xor", "no-nonlinearity", "a perceptron (no hidden layer) trained on XOR")
def _perceptron_xor():
    X, y = ns.datasets.xor()
    net = ns.Network.from_shape([2, 1], seed=0)
    history = fit(net, X, y, epochs=200, lr=1.0, loss="bce")
    return history.diagnosis, frozenset({"output"})


@fault("identity-hidden-moons", "no-nonlinearity", "an identity hidden layer on moons")
def _identity_moons():
    X, y = moons(300, noise=0.05)
    net = ns.Network.from_shape([2, 8, 1], activation="identity", output_activation="sigmoid", seed=0)
    return ns.diagnose(net, X, y, loss="bce"), frozenset({"hidden1"})


@fault("identity-hidden-circle", "no-nonlinearity", "identity hidden layers on a disc inside a ring")
def _identity_circle():
    rng = np.random.default_rng(0)
    angle, radius = rng.uniform(0, 2 * np.pi, 300), np.r_[rng.uniform(0, 1, 150), rng.uniform(2, 3, 150)]
    X = np.c_[radius * np.cos(angle), radius * np.sin(angle)]
    y = (radius > 1.5).astype(int)
    net = ns.Network.from_shape([2, 6, 6, 1], activation="identity", output_activation="sigmoid", seed=0)
    return ns.diagnose(net, X, y, loss="bce"), frozenset({"hidden1", "hidden2"})


@fault("linear-regression-of-a-square", "no-nonlinearity", "identity network fitting y = x^2")
def _linear_square():
    X = np.linspace(-2, 2, 200)[:, None]
    y = X[:, 0] ** 2
    net = ns.Network.from_shape([1, 4, 1], activation="identity", seed=0)
    return ns.diagnose(net, X, y, loss="mse"), frozenset({"hidden1"})


# ---------------------------------------------------------------- missing biases


@fault("perceptron-nand-no-bias", "no-bias", "a perceptron without a bias learns AND and OR but not NAND")
def _perceptron_nand():
    X, _ = ns.datasets.xor()
    net = ns.Network.from_shape([2, 1], bias=False, seed=0)
    history = fit(net, X, np.array([1, 1, 1, 0]), epochs=300, lr=1.0, loss="bce")
    return history.diagnosis, frozenset({"output"})


@fault("shifted-data-no-bias", "no-bias", "a perceptron without a bias on data far from the origin")
def _shifted_no_bias():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2)) + 3.0
    y = (X[:, 0] > 3.0).astype(int)
    net = ns.Network.from_shape([2, 1], bias=False, seed=0)
    return ns.diagnose(net, X, y, loss="bce"), frozenset({"output"})


@fault("deep-no-bias-nor", "no-bias", "a 2-4-1 tanh network without biases on NOR")
def _deep_nor():
    X, _ = ns.datasets.xor()
    net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", bias=False, seed=0)
    return ns.diagnose(net, X, np.array([1, 0, 0, 0]), loss="bce"), frozenset({"hidden1", "output"})


# ---------------------------------------------------------------- data: inputs and targets


@fault("unscaled-column", "unscaled-inputs", "one input column in thousands, the other near 1")
def _unscaled_column():
    X, y = moons()
    X = X * np.array([1000.0, 1.0])
    net = ns.Network.from_shape([2, 8, 1], activation="tanh", output_activation="sigmoid", seed=0)
    history = fit(net, X, y, epochs=10, lr=0.1, batch_size=32, loss="bce")
    return history.diagnosis, frozenset({"input[0]"})


@fault("offset-column", "unscaled-inputs", "a column around 500 (a year, a price) left as it is")
def _offset_column():
    X, y = moons()
    X = X + np.array([0.0, 500.0])
    net = ns.Network.from_shape([2, 8, 1], activation="relu", output_activation="sigmoid", seed=0)
    return ns.diagnose(net, X, y, loss="bce"), frozenset({"input[1]"})


@fault("digits-raw-pixels", "unscaled-inputs", "pixel values 0..255 fed as they are")
def _raw_pixels():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(200, 16)).astype(float)
    y = (X[:, :8].sum(axis=1) > X[:, 8:].sum(axis=1)).astype(int)
    net = ns.Network.from_shape([16, 8, 1], activation="tanh", output_activation="sigmoid", seed=0)
    return ns.diagnose(net, X, y, loss="bce"), frozenset(f"input[{j}]" for j in range(16))


@fault("sigmoid-regression-targets", "targets-out-of-range", "a sigmoid output asked for prices 10..100")
def _sigmoid_targets():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    y = 55.0 + 20.0 * X[:, 0]
    net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    return ns.diagnose(net, X, y, loss="mse"), frozenset({"output[0]"})


@fault("tanh-targets", "targets-out-of-range", "a tanh output asked for targets 0..5")
def _tanh_targets():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(100, 2))
    y = np.round(np.abs(X[:, 0]) * 2)
    net = ns.Network.from_shape([2, 4, 1], activation="tanh", seed=0)
    return ns.diagnose(net, X, y.astype(float) + 0.5, loss="mse"), frozenset({"output[0]"})


@fault("relu-negative-targets", "targets-out-of-range", "a relu output asked for negative targets")
def _relu_targets():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(100, 2))
    y = X[:, 0] - X[:, 1]
    net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="relu", seed=0)
    return ns.diagnose(net, X, y, loss="mse"), frozenset({"output[0]"})


# ---------------------------------------------------------------- gradients on their way back


@fault("deep-sigmoid-vanishing", "vanishing-gradients", "ten sigmoid layers with small weights")
def _deep_sigmoid():
    X, y = moons()
    net = ns.Network.from_shape(
        [2, *[8] * 10, 1], activation="sigmoid", init=ns.initializers.normal(0.3), seed=0
    )
    return ns.diagnose(net, X, y, loss="bce"), layers(net)


@fault("deep-identity-exploding", "exploding-gradients", "eight identity layers with weights of std 2")
def _deep_exploding():
    X, y = moons()
    net = ns.Network.from_shape(
        [2, *[8] * 8, 1],
        activation="identity",
        output_activation="sigmoid",
        init=ns.initializers.normal(2.0),
        seed=0,
    )
    return ns.diagnose(net, X, y, loss="bce"), layers(net)


# ---------------------------------------------------------------- learning rate and training course


@fault("sigmoid-lr-50", "learning-rate-too-large", "a sigmoid moons network with lr=50: the loss climbs")
def _lr_too_large():
    X, y = moons()
    net = ns.Network.from_shape([2, 8, 1], activation="tanh", output_activation="sigmoid", seed=0)
    history = fit(net, X, y, epochs=40, lr=50.0, batch_size=16, loss="bce")
    return history.diagnosis, frozenset()


@fault("lr-tiny", "learning-rate-too-small", "lr=1e-7: nothing moves in 40 epochs")
def _lr_too_small():
    X, y = moons()
    net = ns.Network.from_shape([2, 8, 1], activation="tanh", output_activation="sigmoid", seed=0)
    history = fit(net, X, y, epochs=40, lr=1e-7, batch_size=32, loss="bce")
    return history.diagnosis, layers(net)


@fault("small-data-big-net", "overfitting", "a 2-64-64-1 network on 24 noisy samples for 1500 epochs")
def _overfitting():
    X, y = ns.datasets.moons(424, noise=0.35, seed=3)
    net = ns.Network.from_shape([2, 64, 64, 1], activation="tanh", output_activation="sigmoid", seed=0)
    history = fit(net, X[:24], y[:24], epochs=1500, lr=0.5, loss="bce", validation_data=(X[24:], y[24:]))
    return history.diagnosis, frozenset()
