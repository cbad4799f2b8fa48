"""One playground session: its points, its network, its training so far, and what the page is shown.

A ``Session`` trains batch by batch with ``Network.fit`` (one call per
batch, on a batch order drawn for each epoch from the seed and the epoch's
number), so "one batch", "one epoch" and "play" reach the same weights
however the page asks for them, and a reset (the same seed) starts from the
same weights again. ``state`` is what the page draws: the points, the
decision boundary and every neuron's output over the plane (quantised to
bytes), the synapses, the loss curves and the doctor's findings.

Examples
--------
>>> from neurosim.playground.config import Config
>>> session = Session(Config(dataset="xor", hidden=(3,), activations=("tanh",), lr=0.5, batch_size=4))
>>> before = session.losses()["train"]
>>> _ = session.step(epochs=200)
>>> session.epoch, session.losses()["train"] < before
(200, True)
"""

from __future__ import annotations

import base64
import math
import re
import secrets
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from neurosim import datasets
from neurosim.core import Network, Neuron, Synapse
from neurosim.diagnostics import diagnose
from neurosim.errors import DivergenceWarning, NeurosimError, UnknownNameError
from neurosim.io import save
from neurosim.optim import get_optimizer
from neurosim.playground.config import Config, ConfigError, is_finite_number, shown
from neurosim.playground.upload import Upload
from neurosim.training import History
from neurosim.training.tasks import Task, infer_task

#: one training call at a time in the whole server: the warnings filter that hides fit's
#: DivergenceWarning (the page shows the message instead) belongs to the process
TRAINING = threading.Lock()
#: the side of the grid each neuron's small map is computed on
NODE_GRID = 20
#: the most points a loss curve and a synapse's history keep (every other one goes when full)
MAX_RECORDS = 1000
#: the largest weight the page may set
MAX_WEIGHT = 100.0
#: the most batches and epochs one request may train
MAX_BATCHES, MAX_EPOCHS = 1000, 200
#: the seconds one ``step`` may train before it returns with what it did (it holds ``TRAINING``)
MAX_STEP_SECONDS = 3.0
#: how much wider than the points the plane is drawn
MARGIN = 1.4


@dataclass(frozen=True)
class Points:
    """The points of a session, split, with what they teach: the task, the targets and the plane."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    task: Task
    bounds: tuple[float, float, float, float]
    #: the targets as ``fit`` takes them: ``task.targets(y_train)`` and ``task.targets(y_test)``
    train_targets: np.ndarray
    test_targets: np.ndarray


def make_points(config: Config, upload: Upload | None = None) -> Points:
    """The points ``config`` asks for (``upload``'s for the dataset ``"csv"``), split into train and test.

    Examples
    --------
    >>> points = make_points(Config(dataset="moons", samples=100, test_ratio=0.2))
    >>> len(points.X_train), len(points.X_test), points.task.loss
    (80, 20, 'bce')
    """
    X, y = _dataset(config, upload)
    task = infer_task(y)
    if config.dataset == "xor" or config.test_ratio == 0:
        X_train, X_test, y_train, y_test = X, X[:0], y, y[:0]
    else:
        X_train, X_test, y_train, y_test = datasets.split(
            X, y, test_fraction=config.test_ratio, seed=config.data_seed
        )
    return Points(
        X_train, y_train, X_test, y_test, task, _bounds(X), task.targets(y_train), task.targets(y_test)
    )


def _dataset(config: Config, upload: Upload | None) -> tuple[np.ndarray, np.ndarray]:
    name, n, noise, seed = config.dataset, config.samples, config.noise, config.data_seed
    if name == "xor":
        return datasets.xor()
    if name == "circles":
        return datasets.circles(n, noise=noise, seed=seed)
    if name == "moons":
        return datasets.moons(n, noise=noise, seed=seed)
    if name == "spiral":
        return datasets.spiral(n, classes=config.classes, noise=noise, seed=seed)
    if name == "blobs":
        return datasets.blobs(n, classes=config.classes, noise=noise, seed=seed)
    if name == "bumps":
        return datasets.bumps(n, noise=noise, seed=seed)
    if upload is None:
        raise ConfigError(
            "dataset",
            "'csv' is the file you upload, and none is loaded (a link does not carry it); upload one",
        )
    return upload.X, upload.y


def _bounds(X: np.ndarray) -> tuple[float, float, float, float]:
    """A square around the points, ``MARGIN`` times as wide: ``(x_min, x_max, y_min, y_max)``."""
    low, high = X.min(axis=0), X.max(axis=0)
    centre, half = (low + high) / 2, max(float(np.max(high - low)) / 2 * MARGIN, 0.5)
    return (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)


def build_network(config: Config, task: Task) -> Network:
    """The network ``config`` describes, its output layer chosen by ``task``, fully connected.

    Layers ``input`` (2 neurons), ``hidden1``, ..., ``output``; the weights
    are drawn with ``config.init`` from ``config.seed``, as
    ``Network.from_shape`` draws them, and the hidden biases start at
    ``config.bias_init``.

    Examples
    --------
    >>> net = build_network(Config(hidden=(3, 2), activations=("relu", "tanh")), infer_task([0, 1]))
    >>> [(layer.name, layer.size, layer.activation and layer.activation.name) for layer in net.layers]
    [('input', 2, None), ('hidden1', 3, 'relu'), ('hidden2', 2, 'tanh'), ('output', 1, 'sigmoid')]
    """
    net = Network(init=config.init, seed=config.seed)
    net.add_layer(2, name="input")
    for i, (size, activation) in enumerate(zip(config.hidden, config.activations, strict=True), start=1):
        layer = net.add_layer(size, name=f"hidden{i}", activation=activation)
        layer.bias = np.full(size, config.bias_init)
    net.add_layer(task.n_outputs, name="output", activation=task.output_activation)
    for source, target in zip(net.layers, net.layers[1:], strict=False):
        net.connect(source.name, target.name)
    net.parameter_store.pack()
    return net


class Session:
    """A network training on a set of points, as one page sees it.

    Parameters
    ----------
    config : Config
        What to train on, and how.
    upload : Upload, optional
        The user's points, for ``config.dataset == "csv"``.

    Every method that changes the session checks its arguments first and
    raises ``ConfigError`` (or another ``NeurosimError``) before changing
    anything. Callers that share a session between threads hold ``lock``.
    """

    def __init__(self, config: Config | None = None, upload: Upload | None = None) -> None:
        self.lock = threading.Lock()
        self.config = config or Config()
        self.upload = upload
        self.points = make_points(self.config, upload)
        self._start(build_network(self.config, self.points.task))

    def _start(self, net: Network) -> None:
        """Train ``net`` from its first epoch: no history, no optimizer state."""
        self.net = net
        self.optimizer = get_optimizer(self.config.optimizer, self.config.lr)
        self.epoch = 0
        self.cursor = 0
        self.batches = 0
        self.order = np.arange(0)
        self.diverged: str | None = None
        self.history = History(loss_name=self.loss)
        self.curve: dict[str, list[float | None]] = {"epoch": [], "train": [], "test": []}
        self.records: list[tuple[float, dict[str, int], np.ndarray, np.ndarray]] = []
        self.seen: dict[tuple[str, tuple[str, ...]], float] = {}
        self._record()

    # ------------------------------------------------------------------ what it learns

    @property
    def loss(self) -> str:
        """The loss the network trains with, chosen by the task."""
        return self.points.task.loss

    @property
    def batch_size(self) -> int:
        """The samples of a batch: the configured size, at most the training points."""
        return min(self.config.batch_size, len(self.points.X_train))

    @property
    def batches_per_epoch(self) -> int:
        """How many batches make an epoch (the last may be smaller)."""
        return math.ceil(len(self.points.X_train) / self.batch_size)

    @property
    def progress(self) -> float:
        """Epochs trained so far, a part of an epoch counting as a fraction."""
        return self.epoch + self.cursor / self.batches_per_epoch

    # ------------------------------------------------------------------ training

    def step(self, *, batches: int | None = None, epochs: int | None = None) -> float:
        """Train ``batches`` batches, or up to the end of ``epochs`` epochs; return the seconds it took.

        A step returns early, after the batch under way, once it has trained
        for ``MAX_STEP_SECONDS``: ``epoch`` and ``batches`` say how far it
        got, and the next step goes on from there to the same weights.
        Nothing trains once the loss has stopped being finite (``diverged``
        says why) until ``reset``.
        """
        if (batches is None) == (epochs is None):
            raise ConfigError("step", "give either batches or epochs")
        if batches is not None:
            _whole("batches", batches, MAX_BATCHES)
        if epochs is not None:
            _whole("epochs", epochs, MAX_EPOCHS)
        started = time.perf_counter()
        with TRAINING, warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)
            end = None if epochs is None else self.epoch + epochs
            trained = 0
            while self.diverged is None and (trained < batches if end is None else self.epoch < end):
                self._train_batch()
                trained += 1
                if time.perf_counter() - started >= MAX_STEP_SECONDS:
                    break
        if self.cursor:
            self._record()
        return time.perf_counter() - started

    def _train_batch(self) -> None:
        if self.cursor == 0:
            rng = np.random.default_rng([self.config.seed, self.epoch])
            self.order = rng.permutation(len(self.points.X_train))
        size = self.batch_size
        rows = self.order[self.cursor * size : (self.cursor + 1) * size]
        history = self.net.fit(
            self.points.X_train[rows],
            self.points.train_targets[rows],
            epochs=1,
            optimizer=self.optimizer,
            loss=self.loss,
            weight_decay=self.config.l2,
            l1=self.config.l1,
            shuffle=False,
            verbose=0,
            diagnose=False,
        )
        if history.diverged_at is not None:
            self.diverged = self._divergence(history.stop_reason)
            return
        self.batches += 1
        self.cursor += 1
        if self.cursor == self.batches_per_epoch:
            self.cursor = 0
            self.epoch += 1
            self._record(epoch_end=True)

    def _divergence(self, reason: str | None) -> str:
        """``fit``'s reason for stopping, at the session's own epoch and batch (``fit`` saw one batch)."""
        position = f"training stopped at epoch {self.epoch + 1}, batch {self.cursor + 1}: "
        why = re.sub(r"^training stopped at epoch \d+, batch \d+: ", "", reason or "")
        return position + (why or "the loss stopped being a finite number.")

    def _record(self, *, epoch_end: bool = False) -> None:
        """Add the current losses to the curves (and the history, at an epoch's end), and every weight."""
        losses = self.losses()
        if epoch_end and losses["train"] is not None:
            self.history.loss.append(losses["train"])
            if losses["test"] is not None:
                self.history.val_loss.append(losses["test"])
        for name, value in (("epoch", self.progress), ("train", losses["train"]), ("test", losses["test"])):
            self.curve[name].append(value)
        synapses = self.net.synapses
        grads = self._gradients(synapses)
        names = tuple(synapse.name for synapse in synapses)
        index = self.records[-1][1] if self.records else {}
        if tuple(index) != names:  # the first record, or one after a prune: a new index
            index = {name: i for i, name in enumerate(names)}
        weights = np.array([synapse.weight for synapse in synapses])
        self.records.append((self.progress, index, weights, grads))
        if len(self.records) > MAX_RECORDS:
            self.records = self.records[::2]
            self.curve = {name: values[::2] for name, values in self.curve.items()}

    def _gradients(self, synapses: list) -> np.ndarray:
        """Each synapse's gradient of the loss on all the training points (the penalty left out)."""
        with np.errstate(all="ignore"):
            self.net.backward(self.points.X_train, self.points.train_targets, self.loss)
        return np.array([synapse.grad for synapse in synapses])

    def losses(self) -> dict[str, float | None]:
        """The mean loss on the training and the test points (``None``: no test points, or not finite)."""
        return {
            "train": self._evaluate(self.points.X_train, self.points.train_targets).get("loss"),
            "test": self._evaluate(self.points.X_test, self.points.test_targets).get("loss"),
        }

    def _evaluate(self, X: np.ndarray, T: np.ndarray) -> dict[str, float]:
        if not len(X):
            return {}
        try:
            result = self.net.evaluate(X, T, self.loss)
        except NeurosimError:  # outputs that are not finite
            return {}
        return {name: value for name, value in result.items() if math.isfinite(value)}

    # ------------------------------------------------------------------ changes

    def reset(self) -> None:
        """Start again from the first weights: the same seed gives the same network."""
        self._start(build_network(self.config, self.points.task))

    def configure(self, changes: dict[str, Any]) -> None:
        """Change the fields of ``changes``; new points or a new network start training again.

        Changing only the learning rate, the batch size, the penalties or
        the grid goes on training the same network (the optimizer keeps
        its state); another optimizer starts with none.
        """
        config = self.config.changed(changes)
        new_points = config.data_fields() != self.config.data_fields()
        if new_points or config.network_fields() != self.config.network_fields():
            points = make_points(config, self.upload) if new_points else self.points
            net = build_network(config, points.task)
            self.config, self.points = config, points
            self._start(net)
            return
        if config.optimizer != self.config.optimizer:
            self.optimizer = get_optimizer(config.optimizer, config.lr)
        self.optimizer.lr = config.lr
        if config.batch_size != self.config.batch_size:
            self.cursor = 0  # the epoch under way starts again, in batches of the new size
        self.config = config

    def use_upload(self, upload: Upload) -> None:
        """Train on the uploaded points from now on (the dataset ``"csv"``), with a new network."""
        config = self.config.changed({"dataset": "csv"})
        points = make_points(config, upload)
        net = build_network(config, points.task)
        self.config, self.points, self.upload = config, points, upload
        self._start(net)

    def set_weight(self, source: object, target: object, weight: object) -> None:
        """Give synapse ``source -> target`` the weight ``weight``."""
        synapse = self._synapse(source, target)
        if not is_finite_number(weight) or abs(weight) > MAX_WEIGHT:
            raise ConfigError(
                "weight", f"expected a number from {-MAX_WEIGHT:g} to {MAX_WEIGHT:g}; got {shown(weight)}"
            )
        synapse.weight = float(weight)
        self._record()

    def prune(self, source: object, target: object) -> None:
        """Remove synapse ``source -> target`` (``net.disconnect``)."""
        synapse = self._synapse(source, target)
        self.net.disconnect(synapse.source, synapse.target)
        self._record()

    def _synapse(self, source: object, target: object) -> Synapse:
        for field, name in (("source", source), ("target", target)):
            if not isinstance(name, str) or not isinstance(self._lookup(name), Neuron):
                raise ConfigError(
                    field, f"expected the name of a neuron, like 'hidden1[0]'; got {shown(name)}"
                )
        try:
            return self.net.synapse(source, target)
        except NeurosimError as error:
            raise ConfigError("target", str(error)) from None

    def _lookup(self, name: str) -> object:
        try:
            return self.net[name]
        except UnknownNameError:
            return None

    # ------------------------------------------------------------------ looking inside

    def explain(self, neuron: object, sample: object = 0, split: object = "train") -> dict[str, Any]:
        """``neuron.explain()`` after a forward and backward pass on one sample, and the findings about it."""
        if not isinstance(neuron, str) or not isinstance(self._lookup(neuron), Neuron):
            raise ConfigError(
                "neuron", f"expected the name of a neuron, like 'hidden1[0]'; got {shown(neuron)}"
            )
        if split not in ("train", "test"):
            raise ConfigError("split", f"expected 'train' or 'test'; got {shown(split)}")
        X = self.points.X_train if split == "train" else self.points.X_test
        T = self.points.train_targets if split == "train" else self.points.test_targets
        if not len(X):
            raise ConfigError("split", "there are no test points (the test ratio is 0)")
        _whole("sample", sample, len(X) - 1, low=0)
        with np.errstate(all="ignore"):
            self.net.backward(X[sample : sample + 1], T[sample : sample + 1], self.loss)
        found = self.net[neuron]
        text = str(found.explain())  # before the doctor's own pass replaces the neurons' values
        names = {found.name, found.layer.name}
        return {
            "neuron": found.name,
            "text": text,
            "sample": {
                "split": split,
                "index": sample,
                "x": _rounded(X[sample]),
                "target": _rounded(T[sample]),
            },
            "findings": [item for item in self.findings() if names & set(item["where"])],
        }

    def synapse(self, source: object, target: object) -> dict[str, Any]:
        """A synapse's weight, and its weight and gradient at every recorded point."""
        synapse = self._synapse(source, target)
        epochs, weights, grads = [], [], []
        for epoch, index, w, g in self.records:
            if synapse.name in index:
                epochs.append(round(epoch, 4))
                weights.append(_number(w[index[synapse.name]]))
                grads.append(_number(g[index[synapse.name]]))
        return {
            "name": synapse.name,
            "weight": _number(synapse.weight),
            "history": {"epoch": epochs, "weight": weights, "grad": grads},
            "findings": [item for item in self.findings() if synapse.name in item["where"]],
        }

    def findings(self) -> list[dict[str, Any]]:
        """The doctor's findings on the training points now, each with the epoch it was first seen at."""
        history = self.history if self.history.epochs else None
        try:
            with np.errstate(all="ignore"):
                report = diagnose(
                    self.net, self.points.X_train, self.points.train_targets, self.loss, history=history
                )
        except NeurosimError as error:
            return [
                {
                    "code": "not-examined",
                    "severity": "info",
                    "where": [],
                    "message": str(error),
                    "advice": "",
                    "since": None,
                }
            ]
        keys = [(finding.code, finding.where) for finding in report]
        self.seen = {key: self.seen.get(key, round(self.progress, 3)) for key in keys}
        return [
            {
                "code": finding.code,
                "severity": finding.severity,
                "where": list(finding.where),
                "message": finding.message,
                "advice": finding.advice,
                "since": self.seen[key],
            }
            for finding, key in zip(report, keys, strict=True)
        ]

    def model_text(self) -> str:
        """The network as a neurosim model file (``ns.load`` opens it)."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.json"
            save(self.net, path)
            return path.read_text(encoding="utf-8")

    # ------------------------------------------------------------------ what the page draws

    def state(self) -> dict[str, Any]:
        """Everything the page draws, small: rounded numbers, maps as base64 bytes."""
        scores = {
            "train": self._evaluate(self.points.X_train, self.points.train_targets),
            "test": self._evaluate(self.points.X_test, self.points.test_targets),
        }
        findings = self.findings()
        return {
            "config": self.config.to_json(),
            "query": self.config.to_query(),
            "epoch": round(self.progress, 4),
            "epochs": self.epoch,
            "batches": self.batches,
            "batches_per_epoch": self.batches_per_epoch,
            "loss": {name: _number(score.get("loss")) for name, score in scores.items()},
            "accuracy": {name: _number(score.get("accuracy")) for name, score in scores.items()},
            "curve": {name: [_number(value) for value in values] for name, values in self.curve.items()},
            "data": self._data(),
            "boundary": self._boundary(),
            "network": self._network(),
            "findings": findings,
            "diverged": self.diverged,
        }

    def _data(self) -> dict[str, Any]:
        task, points = self.points.task, self.points
        return {
            "name": self.upload.name if self.config.dataset == "csv" and self.upload else self.config.dataset,
            "upload": self.upload.name if self.upload else None,
            "task": task.kind,
            "classes": None if task.classes is None else [_number(value) for value in task.classes],
            "loss": task.loss,
            "output": task.output_activation,
            "bounds": [round(value, 4) for value in points.bounds],
            "train": self._points(points.X_train, points.y_train),
            "test": self._points(points.X_test, points.y_test),
            "range": _number(self._value_range()),
        }

    def _points(self, X: np.ndarray, y: np.ndarray) -> list[list[float | None]]:
        """``[x0, x1, label, predicted]`` for each point (for regression, the target and the prediction)."""
        if not len(X):
            return []
        task = self.points.task
        labels = y if task.classes is None else task.labels(y)
        predicted = self._predicted(X)
        return [
            [_number(a), _number(b), _number(label), _number(guess)]
            for (a, b), label, guess in zip(X, labels, predicted, strict=True)
        ]

    def _outputs(self, X: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.nan_to_num(self.net.forward(X), nan=0.0, posinf=1e300, neginf=-1e300)

    def _predicted(self, X: np.ndarray) -> np.ndarray:
        """The class each point is given (classification), or the output (regression)."""
        outputs = self._outputs(X)
        if self.points.task.classes is None:
            return outputs[:, 0]
        if outputs.shape[1] == 1:
            return (outputs[:, 0] >= 0.5).astype(float)
        return outputs.argmax(axis=1).astype(float)

    def _value_range(self) -> float:
        """The symmetric range a regression's values are drawn in: the largest target's size."""
        y = np.concatenate([self.points.y_train, self.points.y_test])
        return max(float(np.max(np.abs(y))), 1e-9) if self.points.task.classes is None else 1.0

    def _grid(self, size: int) -> np.ndarray:
        """``size`` x ``size`` points over the plane, row by row from the top."""
        x0, x1, y0, y1 = self.points.bounds
        xs = x0 + (np.arange(size) + 0.5) * (x1 - x0) / size
        ys = y1 - (np.arange(size) + 0.5) * (y1 - y0) / size
        return np.column_stack([np.tile(xs, size), np.repeat(ys, size)])

    def _boundary(self) -> dict[str, Any]:
        """The output over the plane: class 1's probability, the class and its probability, or the value."""
        size = self.config.grid
        outputs = self._outputs(self._grid(size))
        if self.points.task.classes is None:
            top = self._value_range()
            return {
                "size": size,
                "kind": "value",
                "min": -top,
                "max": top,
                "values": _bytes(outputs[:, 0], -top, top),
            }
        if outputs.shape[1] == 1:
            return {
                "size": size,
                "kind": "probability",
                "min": 0,
                "max": 1,
                "values": _bytes(outputs[:, 0], 0, 1),
            }
        return {
            "size": size,
            "kind": "classes",
            "min": 0,
            "max": 1,
            "values": _bytes(outputs.max(axis=1), 0, 1),
            "classes": _bytes(outputs.argmax(axis=1), 0, 255),
        }

    def _network(self) -> dict[str, Any]:
        """The layers, each neuron with its map over the plane, and the synapses with their weights."""
        self._outputs(self._grid(NODE_GRID))  # every neuron keeps its values on the small grid
        neurons = []
        for neuron in self.net.neurons:
            values = np.nan_to_num(np.asarray(neuron.a_samples, dtype=float), nan=0.0)
            scale = float(np.max(np.abs(values))) if values.size else 0.0
            scale = scale if 0 < scale < math.inf else 1.0
            neurons.append(
                {
                    "name": neuron.name,
                    "layer": neuron.layer.name,
                    "index": neuron.index,
                    "bias": None if neuron.layer.is_input else _number(neuron.bias),
                    "scale": _number(scale),
                    "map": _bytes(values, -scale, scale),
                }
            )
        return {
            "node_grid": NODE_GRID,
            "layers": [
                {
                    "name": layer.name,
                    "size": layer.size,
                    "activation": layer.activation and layer.activation.name,
                }
                for layer in self.net.layers
            ],
            "neurons": neurons,
            "synapses": [
                {"source": s.source.name, "target": s.target.name, "weight": _number(s.weight)}
                for s in self.net.synapses
            ],
        }


def _whole(name: str, value: object, high: int, *, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(name, f"expected a whole number from {low} to {high}; got {shown(value)}")
    return value


def _number(value: object, digits: int = 5) -> float | None:
    """``value`` rounded to ``digits`` significant digits, or ``None`` when it is not a finite number."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        return None
    return float(f"{number:.{digits}g}")


def _rounded(values: np.ndarray) -> list[float | None]:
    return [_number(value) for value in np.ravel(values)]


def _bytes(values: np.ndarray, low: float, high: float) -> str:
    """``values`` from ``low`` to ``high`` as bytes 0 to 255, in base64."""
    scaled = (np.nan_to_num(np.asarray(values, dtype=float), nan=low) - low) / (high - low) * 255
    return base64.b64encode(np.clip(np.round(scaled), 0, 255).astype(np.uint8).tobytes()).decode("ascii")


class Sessions:
    """The sessions of a server, by id; idle ones expire, and there are at most ``most`` at once.

    Parameters
    ----------
    idle_seconds : float, default 1800
        A session not used for this long is forgotten.
    most : int, default 32
        When one more is made, the least recently used goes.

    Examples
    --------
    >>> sessions = Sessions()
    >>> key, session = sessions.create(Config(dataset="xor"))
    >>> sessions.get(key) is session, sessions.get("nope")
    (True, None)
    """

    def __init__(self, idle_seconds: float = 1800.0, most: int = 32) -> None:
        self.idle_seconds = idle_seconds
        self.most = most
        self._lock = threading.Lock()
        self._sessions: dict[str, tuple[Session, float]] = {}

    def create(self, config: Config, upload: Upload | None = None) -> tuple[str, Session]:
        """A new session for ``config``, and its id."""
        session = Session(config, upload)
        key = secrets.token_urlsafe(16)
        with self._lock:
            self._expire()
            while len(self._sessions) >= self.most:
                oldest = min(self._sessions, key=lambda name: self._sessions[name][1])
                del self._sessions[oldest]
            self._sessions[key] = (session, time.monotonic())
        return key, session

    def get(self, key: object) -> Session | None:
        """The session ``key``, marked as used now; ``None`` when there is none (or it expired)."""
        with self._lock:
            self._expire()
            found = self._sessions.get(key) if isinstance(key, str) else None
            if found is None:
                return None
            self._sessions[key] = (found[0], time.monotonic())
            return found[0]

    def close(self, key: object) -> None:
        """Forget session ``key`` (nothing happens when there is none)."""
        with self._lock:
            if isinstance(key, str):
                self._sessions.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._sessions)

    def _expire(self) -> None:
        now = time.monotonic()
        for key in [key for key, (_, used) in self._sessions.items() if now - used > self.idle_seconds]:
            del self._sessions[key]
