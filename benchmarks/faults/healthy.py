"""The healthy cases: sensible networks, trained sensibly, on which the doctor must raise no alarm.

Each trains with ``fit`` (the doctor as a callback) and then runs
``ns.diagnose`` on the trained network; both reports count. Any finding of
severity warning or error is a false alarm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import neurosim as ns
from neurosim.benchmarks.faults.cases import Case, fit
from neurosim.diagnostics import Report


@dataclass(frozen=True)
class Setting:
    """A dataset, a network and how it is trained."""

    data: str
    hidden: tuple[int, ...]
    activation: str
    lr: float
    epochs: int
    batch_size: int | None = 32
    momentum: float = 0.0
    engine: str = "compiled"
    seed: int = 0
    validation: bool = False
    bias: bool = True

    @property
    def name(self) -> str:
        """One line: the data, the hidden layers and how they are trained."""
        sizes = "-".join(map(str, self.hidden)) or "none"
        extra = f", momentum {self.momentum:g}" if self.momentum else ""
        extra += "" if self.bias else ", no biases"
        return (
            f"{self.data} hidden {sizes} {self.activation}, lr {self.lr:g}, batch {self.batch_size}"
            f"{extra}, {self.engine}"
        )


def _circles(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi, n)
    y = rng.integers(0, 2, n)
    radius = np.where(y == 1, 1.0, 0.4) + rng.normal(scale=0.08, size=n)
    return np.c_[radius * np.cos(angle), radius * np.sin(angle)], y


def _blobs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n)
    centres = np.array([[-1.5, -1.5], [1.5, -1.5], [-1.5, 1.5], [1.5, 1.5]])
    return centres[y] + rng.normal(scale=0.5, size=(n, 2)), y


def _sine(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3, 3, size=(n, 1))
    return X, np.sin(X[:, 0]) + rng.normal(scale=0.05, size=n)


def _plane(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, X @ np.array([0.5, -1.0, 2.0]) + 0.3 + rng.normal(scale=0.1, size=n)


def _digits(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Eight-by-eight 'images' of four noisy prototypes, pixels in [0, 1] (no scikit-learn needed)."""
    rng = np.random.default_rng(seed)
    prototypes = rng.uniform(0, 1, size=(4, 64)) > 0.6
    y = rng.integers(0, 4, n)
    return np.clip(prototypes[y] + rng.normal(scale=0.25, size=(n, 64)), 0, 1), y


def _halves(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Points around the origin, classed by the side of a line through it: no bias needed."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    return X, (X[:, 0] - 0.5 * X[:, 1] > 0).astype(int)


DATA = {
    "halves": _halves,
    "xor": lambda n, seed: ns.datasets.xor(),
    "moons": lambda n, seed: ns.datasets.moons(n, noise=0.15, seed=seed),
    "spiral": lambda n, seed: ns.datasets.spiral(n, classes=3, noise=0.1, seed=seed),
    "circles": _circles,
    "blobs": _blobs,
    "sine": _sine,
    "plane": _plane,
    "digits": _digits,
}
REGRESSION = ("sine", "plane")

SETTINGS = [
    Setting("xor", (4,), "tanh", 0.5, 1000, batch_size=None),
    Setting("xor", (3,), "sigmoid", 2.0, 3000, batch_size=None, engine="object"),
    Setting("xor", (8,), "relu", 0.1, 1000, batch_size=None, seed=1),
    Setting("xor", (4,), "leaky_relu", 0.1, 1000, batch_size=1, seed=2),
    Setting("moons", (16, 16), "tanh", 0.1, 100),
    Setting("moons", (16, 16), "relu", 0.05, 100),
    Setting("moons", (8,), "sigmoid", 1.0, 200),
    Setting("moons", (32,), "leaky_relu", 0.05, 100, momentum=0.9),
    Setting("moons", (16, 16), "relu", 0.01, 100, momentum=0.9, batch_size=8),
    Setting("moons", (8, 8), "tanh", 0.3, 50, batch_size=None),
    Setting("moons", (16,), "tanh", 0.1, 60, engine="object", batch_size=50),
    Setting("moons", (64, 64), "relu", 0.02, 60, validation=True),
    Setting("moons", (8,), "tanh", 0.1, 100, validation=True, seed=3),
    Setting("circles", (8,), "tanh", 0.3, 150),
    Setting("circles", (16, 16), "relu", 0.05, 100),
    Setting("circles", (6,), "sigmoid", 2.0, 300),
    Setting("circles", (32,), "relu", 0.02, 100, momentum=0.5, validation=True),
    Setting("spiral", (32, 32), "relu", 0.05, 300),
    Setting("spiral", (64,), "tanh", 0.5, 300),
    Setting("spiral", (32, 32), "leaky_relu", 0.02, 300, momentum=0.9),
    Setting("blobs", (8,), "tanh", 0.1, 50),
    Setting("blobs", (), "identity", 0.2, 50),
    Setting("blobs", (16,), "relu", 0.05, 50, batch_size=1),
    Setting("sine", (16,), "tanh", 0.05, 300),
    Setting("sine", (32, 32), "relu", 0.01, 300),
    Setting("sine", (16,), "sigmoid", 0.5, 400),
    Setting("plane", (), "identity", 0.05, 50),
    Setting("plane", (8,), "tanh", 0.02, 100, validation=True),
    Setting("digits", (32,), "relu", 0.05, 30),
    Setting("digits", (16,), "tanh", 0.1, 30, batch_size=16),
    Setting("digits", (64, 32), "relu", 0.02, 30, momentum=0.9),
    Setting("digits", (), "identity", 0.1, 30),
    Setting("halves", (), "identity", 0.5, 100, bias=False),
    Setting("halves", (8,), "tanh", 0.2, 100, bias=False),
]


def run_setting(setting: Setting) -> tuple[Report, frozenset[str], str]:
    """Train the setting's network with the doctor, then diagnose it: both reports' findings together.

    The third value says how well the network learned: its first and last epoch's loss (and accuracy).
    """
    X, y = DATA[setting.data](400, setting.seed)
    regression = setting.data in REGRESSION
    classes = int(y.max()) + 1 if not regression else 1
    n_outputs = 1 if classes <= 2 else classes
    output = "identity" if regression else ("sigmoid" if n_outputs == 1 else "softmax")
    loss = "mse" if regression else ("bce" if n_outputs == 1 else "cross_entropy")
    sizes = [X.shape[1], *setting.hidden, n_outputs]
    init = "he" if "relu" in setting.activation else "xavier"
    net = ns.Network.from_shape(
        sizes,
        activation=setting.activation,
        output_activation=output,
        init=init,
        seed=setting.seed,
        bias=setting.bias,
    )
    options = {}
    if setting.validation:
        X, X_val, y, y_val = ns.datasets.split(X, y, test_fraction=0.25, seed=setting.seed)
        options["validation_data"] = (X_val, y_val)
    history = fit(
        net,
        X,
        y,
        epochs=setting.epochs,
        lr=setting.lr,
        batch_size=setting.batch_size,
        momentum=setting.momentum,
        loss=loss,
        engine=setting.engine,
        seed=setting.seed,
        **options,
    )
    after = ns.diagnose(net, X, y, loss=loss, history=history)
    learned = f"loss {history.loss[0]:.3g} -> {history.loss[-1]:.3g}"
    if history.accuracy:
        learned += f", accuracy {history.accuracy[-1]:.0%}"
    return Report([*history.diagnosis.findings, *after.findings]), frozenset(), learned


HEALTHY = [
    Case(setting.name, "a sensible network, trained sensibly", None, lambda s=setting: run_setting(s))
    for setting in SETTINGS
]
