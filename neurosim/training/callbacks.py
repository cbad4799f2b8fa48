"""Training callbacks: code of yours that ``fit`` calls as training goes on.

A callback is an object with any of these methods (subclass ``Callback``
and override the ones you need)::

    on_fit_begin(run)              before the first epoch
    on_epoch_begin(run, epoch)     epochs count from 1 within each fit call
    on_backward_end(run, batch)    after a batch's forward and backward pass, before its update
    on_batch_end(run, batch)       after the batch's update
    on_epoch_end(run, epoch)       after the epoch's loss (and accuracy, validation) is in run.history
    on_fit_end(run)                once training has begun, when it ends (even by an error)

``run`` is the ``Run``: the network, the engine, the loss, the optimizer,
the ``History`` so far, and ``run.stop(reason)``, which ends training once
the current hook has been called on every callback: no later batch, no
later epoch, and from ``on_backward_end`` not even that batch's update.
An epoch stopped part of the way keeps the updates it made, but is not
recorded in the history (``history.stopped_at`` is the epoch during which
training was stopped, 0 before the first). ``batch`` is a ``Batch``: a
read-only view of the batch's inputs, targets, outputs, loss, every
layer's ``z``, ``a`` and ``delta``, the neurons dropout dropped, and every
gradient, valid while the hook runs.

Pass callbacks to one run with ``fit(..., callbacks=[...])``, or attach
them to the network for every later run with ``net.add_callback``.
``net.watch``, the progress display and the check that stops a diverging
run are callbacks too. A callback may also offer
``divergence_cause(run, batch)``: when a batch's loss is not finite, the
first such answer that is not ``None`` (a sentence or two) replaces the
learning-rate guess in the ``DivergenceWarning``; the doctor
(``neurosim.diagnostics.doctor``) names the neuron or synapse where the
numbers first stopped being finite.

Examples
--------
Stop once the loss is small enough, and look at a hidden layer on the way:

>>> import numpy as np
>>> import neurosim as ns
>>> class StopBelow(ns.training.Callback):
...     def __init__(self, target):
...         self.target = target
...         self.largest_delta = 0.0
...     def on_batch_end(self, run, batch):
...         delta = batch.delta("hidden1")              # (batch size, 3): d loss / dz per sample
...         self.largest_delta = max(self.largest_delta, float(np.abs(delta).max()))
...     def on_epoch_end(self, run, epoch):
...         if run.history.loss[-1] < self.target:
...             run.stop(f"loss below {self.target}")
>>> X, y = ns.datasets.xor()
>>> net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
>>> stopper = StopBelow(0.05)
>>> history = net.fit(X, y, epochs=5000, lr=1.0, loss="bce", seed=0, verbose=0, callbacks=[stopper])
>>> history.epochs < 5000, history.loss[-1] < 0.05, history.stop_reason
(True, True, 'loss below 0.05')
>>> stopper.largest_delta > 0
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from neurosim.engines.base import read_only
from neurosim.errors import ParameterError, UnknownNameError

if TYPE_CHECKING:
    from neurosim.core import Layer, Network
    from neurosim.engines import Engine, PassValues
    from neurosim.losses import Loss
    from neurosim.training.history import History
    from neurosim.training.optimizer import SGD

#: the hooks a callback may have, in the order fit calls them
HOOKS = (
    "on_fit_begin",
    "on_epoch_begin",
    "on_backward_end",
    "on_batch_end",
    "on_epoch_end",
    "on_fit_end",
)


class Callback:
    """Base class of training callbacks: every hook does nothing; override those you need.

    See ``neurosim.training.callbacks`` for when each hook is called.
    """

    def on_fit_begin(self, run: Run) -> None:
        """Before the first epoch."""

    def on_epoch_begin(self, run: Run, epoch: int) -> None:
        """Before epoch ``epoch`` (counting from 1)."""

    def on_backward_end(self, run: Run, batch: Batch) -> None:
        """After the batch's forward and backward pass, before its update."""

    def on_batch_end(self, run: Run, batch: Batch) -> None:
        """After the batch's update."""

    def on_epoch_end(self, run: Run, epoch: int) -> None:
        """After epoch ``epoch``; ``run.history`` holds its numbers."""

    def on_fit_end(self, run: Run) -> None:
        """When training ends."""


class Run:
    """One ``fit`` call, as its callbacks see it.

    Attributes
    ----------
    network : Network
        The network being trained.
    engine : Engine
        The engine computing it (``"object"`` or ``"compiled"``).
    loss : Loss
        The loss trained on.
    optimizer : SGD
        The optimizer making the updates (``optimizer.lr`` is the learning rate).
    history : History
        The per-epoch records so far.
    epochs : int
        How many epochs the run was asked for.
    batch_size : int
        Samples per update (the last batch of an epoch may be smaller).
    batches_per_epoch : int
        Updates per epoch.
    n_samples : int
        Training samples.
    X, T : ndarray
        The training inputs and targets as the engine computes with them,
        ``(n_samples, n_inputs)`` and ``(n_samples, n_outputs)``, read-only.
    """

    def __init__(
        self,
        network: Network,
        engine: Engine,
        loss: Loss,
        optimizer: SGD,
        history: History,
        *,
        epochs: int,
        batch_size: int,
        n_samples: int,
        X: np.ndarray | None = None,
        T: np.ndarray | None = None,
    ) -> None:
        self.network = network
        self.engine = engine
        self.loss = loss
        self.optimizer = optimizer
        self.history = history
        self.epochs = epochs
        self.batch_size = batch_size
        self.n_samples = n_samples
        self.X = None if X is None else read_only(X)
        self.T = None if T is None else read_only(T)
        self.batches_per_epoch = -(-n_samples // batch_size)
        #: the epoch being trained (0 before the first)
        self.epoch = 0
        self.stopped = False

    @property
    def updates(self) -> int:
        """How many updates the run makes if nothing stops it: epochs x batches per epoch."""
        return self.epochs * self.batches_per_epoch

    def stop(self, reason: str = "stopped by a callback") -> None:
        """End training once the current hook has run; ``reason`` goes into ``history.stop_reason``."""
        if not self.stopped:
            self.stopped = True
            self.history.stopped_at = self.epoch
            self.history.stop_reason = reason

    def __repr__(self) -> str:
        return f"Run(epoch {self.epoch} of {self.epochs}, {self.batches_per_epoch} batches per epoch)"


class Batch:
    """A read-only view of one batch of a run: valid while the hook that receives it runs.

    Attributes
    ----------
    epoch : int
        The epoch (counting from 1).
    number : int
        The batch within its epoch (counting from 1).
    finite : bool
        Whether the batch's loss is a finite number.
    """

    def __init__(self, run: Run) -> None:
        self.run = run
        self.epoch = 0
        self.number = 0
        self.finite = True
        self._order = np.zeros(0, dtype=int)
        self._start = self._stop = 0
        self._X: np.ndarray | None = None
        self._T: np.ndarray | None = None
        self._gradients: dict[str, np.ndarray] = {}
        self._gradients_version = -1

    def update(
        self,
        epoch: int,
        number: int,
        order: np.ndarray,
        start: int,
        stop: int,
        X: np.ndarray,
        T: np.ndarray,
        finite: bool,
    ) -> None:
        """Point the view at the next batch: samples ``order[start:stop]`` (``fit`` calls this)."""
        self.epoch, self.number, self.finite = epoch, number, finite
        self._order, self._start, self._stop, self._X, self._T = order, start, stop, X, T

    @property
    def indices(self) -> np.ndarray:
        """Which training samples (rows of ``X``) are in the batch, in order."""
        return read_only(self._order[self._start : self._stop])

    @property
    def size(self) -> int:
        """How many samples the batch has."""
        return self._stop - self._start

    @property
    def X(self) -> np.ndarray:  # noqa: N802 - the name of the inputs everywhere in neurosim
        """The batch's inputs, ``(size, n_inputs)``."""
        return read_only(self._X)

    @property
    def T(self) -> np.ndarray:  # noqa: N802 - the name of the targets everywhere in neurosim
        """The batch's targets as the loss sees them, ``(size, n_outputs)``."""
        return read_only(self._T)

    @property
    def values(self) -> PassValues:
        """Every layer's ``z``, ``a`` and ``delta`` on this batch (``neurosim.engines.PassValues``)."""
        return self.run.engine.last_pass()

    def z(self, layer: str | Layer) -> np.ndarray:
        """``layer``'s weighted inputs, ``(size, layer size)``."""
        return self.values.z(layer)

    def a(self, layer: str | Layer) -> np.ndarray:
        """``layer``'s activations, ``(size, layer size)``."""
        return self.values.a(layer)

    def delta(self, layer: str | Layer) -> np.ndarray | None:
        """``d loss_k / d z`` of ``layer``'s neurons for each sample ``k`` (``None`` for the input layer)."""
        return self.values.delta(layer)

    def dropped(self, layer: str | Layer) -> np.ndarray | None:
        """Which of ``layer``'s neurons dropout dropped, ``(size, layer size)`` booleans; ``None``: none."""
        return self.values.dropped(layer)

    @property
    def outputs(self) -> np.ndarray:
        """The output layer's activations, ``(size, n_outputs)``."""
        return self.values.outputs

    @property
    def loss(self) -> float:
        """The batch's mean loss, before its update (computed when asked)."""
        values = self.values
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self.run.loss.value(values.logits, values.outputs, self._T)

    def grad(self, name: str) -> np.ndarray:
        """The gradient of the parameter array ``name`` (see ``Network.named_parameters``), read-only."""
        gradients = self.grads()
        if not isinstance(name, str) or name not in gradients:
            known = ", ".join(map(repr, gradients))
            raise UnknownNameError(f"there is no parameter array named {name!r}; the names are {known}")
        return gradients[name]

    def grads(self) -> dict[str, np.ndarray]:
        """Every gradient array by name, read-only: ``d(mean loss of the batch)/d(parameter)``."""
        store = self.run.network.parameter_store
        if self._gradients_version != store.version:
            self._gradients = {name: read_only(grads) for name, grads in self.run.network.named_gradients()}
            self._gradients_version = store.version
        return self._gradients

    def __repr__(self) -> str:
        return f"Batch(epoch {self.epoch}, batch {self.number}, {self.size} samples)"


class CallbackList:
    """The callbacks of one run, each hook calling only those that have it."""

    def __init__(self, callbacks: Sequence[object]) -> None:
        self.callbacks = list(callbacks)
        self.hooks = {
            name: [getattr(c, name) for c in self.callbacks if _has_hook(c, name)] for name in HOOKS
        }

    def call(self, hook: str, *args: object) -> None:
        """Call ``hook`` of every callback that has it, in order."""
        for method in self.hooks[hook]:
            method(*args)


def _has_hook(callback: object, name: str) -> bool:
    """Whether ``callback`` has hook ``name``, other than ``Callback``'s, which does nothing."""
    method = getattr(callback, name, None)
    return callable(method) and getattr(method, "__func__", None) is not getattr(Callback, name)


def check_callback(callback: object, where: str) -> None:
    """Raise ``ParameterError`` unless ``callback`` is an object with at least one hook.

    Examples
    --------
    >>> check_callback(Callback(), "callbacks[0]")
    Traceback (most recent call last):
    ...
    neurosim.errors.ParameterError: callbacks[0] (a Callback) has none of the hooks on_fit_begin, ...
    """
    if isinstance(callback, type):
        raise ParameterError(
            f"{where} is the class {callback.__name__}; pass an instance: {callback.__name__}()"
        )
    if not any(_has_hook(callback, name) for name in HOOKS):
        raise ParameterError(
            f"{where} (a {type(callback).__name__}) has none of the hooks {', '.join(HOOKS)}; "
            "subclass neurosim.training.Callback and override the ones you need"
        )


def checked_callbacks(callbacks: object, attached: Sequence[object] = ()) -> list[object]:
    """``callbacks`` as a list of callbacks for one run, none of them twice nor among ``attached``.

    ``attached`` are the callbacks the network already has, which ``fit``
    calls by itself (``Network.add_callback``, ``Network.watch``).
    """
    if isinstance(callbacks, (str, bytes)) or not isinstance(callbacks, Sequence):
        raise ParameterError(f"callbacks must be a list of callbacks; got {callbacks!r}")
    seen = list(attached)
    for i, callback in enumerate(callbacks):
        check_callback(callback, f"callbacks[{i}]")
        if any(callback is other for other in seen):
            where = (
                "is attached to the network already"
                if any(callback is a for a in attached)
                else "is given twice"
            )
            raise ParameterError(
                f"callbacks[{i}] (a {type(callback).__name__}) {where}; fit calls each callback once, and "
                "those attached with net.add_callback or net.watch by itself"
            )
        seen.append(callback)
    return list(callbacks)
