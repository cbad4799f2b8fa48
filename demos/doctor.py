"""The doctor: five broken networks, what ns.diagnose says about each, and the fix it advises.

What it teaches: how to read the doctor's report (``history.diagnosis``,
or ``ns.diagnose(net, X, Y)`` at any time) on five networks that fail the
way people's networks fail: one class for every input, a loss that
explodes to NaN, XOR stuck at 0.5, dead relu neurons, saturated sigmoid
neurons. Each report names the neurons, synapses or layers at fault, with
the numbers that show it, and says what to try; each network is then
trained again with that fix, and learns. A picture of each broken network
with the doctor's findings marked on it goes into an output folder
(``neurosim-output/doctor`` unless ``--output`` says otherwise).

Run it with ``neurosim demo doctor`` or ``python demos/doctor.py``.
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

import neurosim as ns
from neurosim.demos._common import begin, demo_parser, heading, save_pictures

#: how wide the doctor's report is printed
WIDTH = 100


@dataclass
class Trial:
    """One network trained on one data set, as a user would, and what came of it."""

    net: ns.Network
    history: ns.History
    X: np.ndarray
    y: np.ndarray
    #: the text of each warning other than the doctor's (a DivergenceWarning) raised while training
    warned: list[str] = field(default_factory=list)

    @property
    def report(self) -> ns.Report:
        """What the doctor found, as ``fit`` left it in ``history.diagnosis``."""
        return self.history.diagnosis

    def accuracy(self) -> float:
        """The share of training samples classified right: class 1 where the output is >= 0.5."""
        return float(np.mean(ns.predicted_classes(self.net.predict(self.X)) == self.y))

    def mse(self) -> float:
        """The mean squared error on the training samples."""
        return float(np.mean((self.net.predict(self.X)[:, 0] - self.y) ** 2))


@dataclass(frozen=True)
class Setup:
    """A network, its data and how it is trained: everything a fix may change."""

    sizes: tuple[int, ...]
    activation: str
    output_activation: str
    data: Callable[[], tuple[np.ndarray, np.ndarray]]
    loss: str
    lr: float
    epochs: int
    fast_epochs: int
    init: str = "xavier"
    batch_size: int | None = None
    standardise: bool = False

    def network(self) -> ns.Network:
        """The untrained network, its weights drawn from seed 0."""
        return ns.Network.from_shape(
            list(self.sizes),
            activation=self.activation,
            output_activation=self.output_activation,
            init=self.init,
            seed=0,
        )

    def inputs(self) -> tuple[np.ndarray, np.ndarray]:
        """The data, standardised if the setup says so."""
        X, y = self.data()
        return (standardised(X) if self.standardise else X), y

    def train(self, fast: bool) -> Trial:
        """Train a fresh network with the compiled engine, keeping the doctor's warnings out of the output.

        The doctor's findings are in ``history.diagnosis``, which the demo
        prints; any other warning (a ``DivergenceWarning``) is kept to print.
        """
        net, (X, y) = self.network(), self.inputs()
        epochs = self.fast_epochs if fast else self.epochs
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            history = net.fit(
                X, y, epochs=epochs, lr=self.lr, batch_size=self.batch_size, loss=self.loss,
                engine="compiled", seed=0, verbose=0,
            )  # fmt: skip
        warned = [str(w.message) for w in caught if not issubclass(w.category, ns.DiagnosisWarning)]
        return Trial(net, history, X, y, warned)


def standardised(X: np.ndarray) -> np.ndarray:
    """Each column less its mean, over its standard deviation: the doctor's advice for unscaled inputs."""
    return (X - X.mean(axis=0)) / X.std(axis=0)


def moons() -> tuple[np.ndarray, np.ndarray]:
    """200 points on two moons: cases (a) and (e)."""
    return ns.datasets.moons(200, noise=0.1, seed=0)


def measurements() -> tuple[np.ndarray, np.ndarray]:
    """Three measurements between 100 and 500, and a target that depends on them linearly: case (b)."""
    X = np.random.default_rng(0).uniform(100, 500, size=(200, 3))
    return X, X @ np.array([0.02, -0.01, 0.005]) + 1.0


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR patterns, targets as floats: cases (c) and (d)."""
    X, y = ns.datasets.xor()
    return X.astype(float), y.astype(float)


def sensors() -> tuple[np.ndarray, np.ndarray]:
    """The moons as two sensors would read them: values around 500, spread by about 100 (case (e))."""
    X, y = moons()
    return 100 * X + 500, y


@dataclass(frozen=True)
class Case:
    """A broken setup, the symptom it shows, the finding whose advice fixes it, and the fixed setup.

    ``regression`` cases are measured by their mean squared error, the
    others by their accuracy.
    """

    name: str
    symptom: str
    setup: str
    broken: Setup
    advice_of: str
    fix: str
    fixed: Setup
    regression: bool = False


def case(
    name: str,
    symptom: str,
    setup: str,
    broken: Setup,
    advice_of: str,
    fix: str,
    *,
    regression: bool = False,
    **changes: object,
) -> Case:
    """A case whose fixed setup is the broken one with ``changes`` (``lr=2.0``, ``init="xavier"``, ...)."""
    return Case(name, symptom, setup, broken, advice_of, fix, replace(broken, **changes), regression)


CASES = (
    case(
        "same_class",
        "(a) It predicts the same class for every input",
        "A 2-8-1 relu network, trained on 200 points of two moons with lr=50 (bce loss, full batch).",
        Setup((2, 8, 1), "relu", "sigmoid", moons, "bce", lr=50.0, epochs=200, fast_epochs=100),
        "learning-rate-too-large",
        "lr=2, well under the largest the doctor suggests",
        lr=2.0,
    ),
    case(
        "explodes_to_nan",
        "(b) The loss explodes to NaN",
        "A linear regression (3 inputs, one identity output) on three measurements between 100 and 500, "
        "lr=0.01 in batches of 20.",
        Setup(
            (3, 1),
            "identity",
            "identity",
            measurements,
            "mse",
            lr=0.01,
            epochs=100,
            fast_epochs=50,
            batch_size=20,
        ),
        "unscaled-inputs",
        "the inputs standardised, nothing else changed",
        regression=True,
        standardise=True,
    ),
    case(
        "xor_stuck_at_half",
        "(c) XOR: the output is 0.5 for all four inputs",
        "A 2-4-1 sigmoid network on XOR whose weights all start at 0 (init='zeros'), lr=2, mse loss.",
        Setup(
            (2, 4, 1), "sigmoid", "sigmoid", xor, "mse", lr=2.0, epochs=2000, fast_epochs=1000, init="zeros"
        ),
        "symmetric-init",
        "init='xavier', nothing else changed",
        init="xavier",
    ),
    case(
        "dead_relu_xor",
        "(d) XOR with relu: stuck at 3 of 4",
        "A 2-4-1 relu network (He initialisation) on XOR, lr=3, bce loss.",
        Setup((2, 4, 1), "relu", "sigmoid", xor, "bce", lr=3.0, epochs=1000, fast_epochs=500, init="he"),
        "dead-neurons",
        "the inputs standardised (-1 and 1 instead of 0 and 1), nothing else changed",
        standardise=True,
    ),
    case(
        "saturated_sigmoid",
        "(e) Sigmoid neurons on inputs in the hundreds",
        "A 2-8-1 sigmoid network on the moons as two sensors read them (values about 400 to 700), lr=3.",
        Setup((2, 8, 1), "sigmoid", "sigmoid", sensors, "bce", lr=3.0, epochs=1000, fast_epochs=500),
        "unscaled-inputs",
        "the inputs standardised, nothing else changed",
        standardise=True,
    ),
)


# ----------------------------------------------------------------- the lesson


def main(argv: Sequence[str] | None = None) -> int:
    """Train each broken network, print the doctor's report, apply its advice and train again."""
    args = begin(demo_parser("doctor", __doc__), argv, __doc__)
    pictures = []
    for each in CASES:
        broken = run_case(each, args.fast)
        pictures.append(
            (f"{each.name}.png", ns.plot.diagnosis(broken.report, broken.net, title=each.symptom))
        )
    save_pictures(args.output, pictures)
    return 0


def run_case(case: Case, fast: bool) -> Trial:
    """Print one case: the broken run, the doctor's report, its advice, and the run with the fix."""
    heading(case.symptom)
    print(case.setup)
    before = ns.diagnose(case.broken.network(), *case.broken.inputs(), loss=case.broken.loss)
    print(f"Before training, ns.diagnose(net, X, y) finds {found(before)}")
    broken = case.broken.train(fast)
    print(f"After {broken.history.epochs} epochs: {outcome(case, broken)}")
    for text in broken.warned:
        print_wrapped(f"Training stopped with a warning: {text}", "  ")
    print("\nprint(history.diagnosis):")
    print_wrapped(str(broken.report), "  ")
    print(f"\nThe doctor's advice ({case.advice_of}):")
    print_wrapped(broken.report[case.advice_of].advice, "  ")
    fixed = case.fixed.train(fast)
    print(f"Trained again with {case.fix}: {outcome(case, fixed)}")
    print(f"The doctor now finds {found(fixed.report)}")
    return broken


def outcome(case: Case, trial: Trial) -> str:
    """How the run went, in the numbers that show the symptom."""
    losses = trial.history.loss
    if case.regression:
        if trial.history.diverged_at is not None:
            return f"the loss went from {losses[0]:.3g} to {losses[-1]:.3g}, then overflowed"
        return f"mean squared error {trial.mse():.2g} (it started at {losses[0]:.3g})"
    outputs = trial.net.predict(trial.X)[:, 0]
    if len(outputs) <= 4:
        shown = "outputs " + ", ".join(f"{value:.3f}" for value in outputs)
    else:
        shown = f"outputs from {outputs.min():.3f} to {outputs.max():.3f}"
    classes = np.unique(ns.predicted_classes(outputs[:, None]))
    if len(classes) == 1:
        shown += f": class {int(classes[0])} for every input"
    return f"accuracy {trial.accuracy():.1%}; {shown}"


def found(report: ns.Report) -> str:
    """What the doctor found, in a few words: the codes of the findings with their severities."""
    if not report.findings:
        return "nothing wrong"
    codes = ", ".join(f"{finding.code} ({finding.severity})" for finding in report)
    return f"{len(report)} finding{'s' if len(report) > 1 else ''}: {codes}"


def print_wrapped(text: str, indent: str) -> None:
    """Print ``text`` line by line, wrapping long lines under their own indentation."""
    for line in text.splitlines() or [""]:
        own = line[: len(line) - len(line.lstrip())]
        print(textwrap.fill(line, WIDTH, initial_indent=indent, subsequent_indent=indent + own + "  ") or "")


if __name__ == "__main__":
    raise SystemExit(main())
