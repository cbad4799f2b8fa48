"""The training loop: epochs of shuffled mini-batches, each followed by an optimizer's update.

``fit`` drives any engine through the ``neurosim.engines.Engine``
interface, one straight line per batch: forward and backward pass
(``engine.train_batch``), then the update (``optimizer.step``), with the
callbacks of ``neurosim.training.callbacks`` called between.
"""

from __future__ import annotations

import warnings
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from neurosim import engines, limits
from neurosim.engines.dropout import DropoutMasks, dropout_generator
from neurosim.errors import DivergenceWarning, NeurosimError, ParameterError, ShapeError, outside_stacklevel
from neurosim.losses import Loss
from neurosim.training.batches import EpochData
from neurosim.training.callbacks import Batch, Callback, CallbackList, Run, checked_callbacks
from neurosim.training.early_stopping import EarlyStopping
from neurosim.training.engine_choice import engine_for
from neurosim.training.history import History
from neurosim.training.metrics import CorrectCounter, accuracy, is_classification
from neurosim.training.optimizers import SGD, Optimizer, get_optimizer
from neurosim.training.progress import ProgressCallback
from neurosim.training.records import EpochRecords
from neurosim.training.regularization import Penalty
from neurosim.training.schedules import Schedule
from neurosim.validation import boolean, checked_seed, positive_integer, positive_number, random_generator

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from neurosim.core import Network


class _NotGiven:
    """The default of ``fit``'s ``lr`` and ``momentum``: the optimizer's own setting."""

    def __repr__(self) -> str:
        return "the optimizer's"


NOT_GIVEN: Any = _NotGiven()

#: how many epochs ``fit`` trains when not told
DEFAULT_EPOCHS = 100


def fit(
    network: Network,
    X: object,
    Y: object,
    *,
    epochs: int = DEFAULT_EPOCHS,
    lr: float = NOT_GIVEN,
    optimizer: str | Optimizer = "sgd",
    batch_size: int | None = None,
    loss: str | Loss = "mse",
    momentum: float = NOT_GIVEN,
    shuffle: bool = True,
    seed: int | None = None,
    validation_data: tuple[object, object] | None = None,
    verbose: int = 1,
    engine: str | engines.Engine = "auto",
    callbacks: Sequence[object] = (),
    weight_decay: float = 0.0,
    l1: float = 0.0,
    lr_schedule: Schedule | None = None,
    early_stopping: EarlyStopping | None = None,
    history: History | None = None,
) -> History:
    """Train ``network`` on ``X``, ``Y`` with gradient descent (SGD unless ``optimizer`` says otherwise).

    Parameters
    ----------
    network : Network
        The network to train, in place (``net.fit(...)`` passes itself).
    X : array-like, shape (n_samples, n_inputs)
        Training inputs.
    Y : array-like
        Targets: ``(n_samples, n_outputs)`` values, or for classification
        ``(n_samples,)`` integer class labels (0/1 for one sigmoid output,
        ``0..n_outputs-1`` for a softmax layer).
    epochs : int, default 100
        Passes over the training data in this call (with ``history``, the
        epochs it adds). 100 is a starting point, not advice: how many
        a problem needs depends on the data, the network, the optimizer
        and ``lr``. Set it for yours, or set it large and let
        ``early_stopping`` end the run.
    lr : float, optional
        Learning rate of the optimizer named by ``optimizer``; by default
        that optimizer's own (``torch.optim``'s: 0.001 for SGD, Adam and
        AdamW, 0.01 for RMSprop, Adagrad and Rprop). Not with an optimizer
        object, which has its own.
    optimizer : {"sgd", "adam", "adamw", "rmsprop", "adagrad", "rprop", "quickprop"} or Optimizer
        What updates the weights after each batch (see
        ``neurosim.optim``). A name makes a new one with its default
        settings and ``lr``; an object (``ns.optim.Adam(lr=1e-3)``) is
        used as it is, and keeps its state from one ``fit`` call to the
        next. An object trains one network only: giving it to ``fit`` for
        another network is refused.
    batch_size : int, optional
        Samples per update: ``1`` is online training, ``None`` (default) the
        whole set at once (full batch), anything else mini-batches (the last
        one may be smaller).
    loss : {"mse", "bce", "cross_entropy"}
        See ``neurosim.losses``.
    momentum : float in [0, 1), default 0
        For SGD only: ``torch.optim.SGD``'s convention,
        ``v = momentum * v + grad; w -= lr * v``.
    shuffle : bool
        Visit samples in a new random order each epoch. With one batch of
        every sample (``batch_size=None``, or at least the number of
        samples) the order changes nothing, the gradient being a sum over
        the samples, so they are taken as they are.
    seed : int, optional
        Seed of the shuffling, and of the dropout masks of layers that have
        a ``dropout`` rate (see ``Layer.dropout``; they use a stream of
        their own, so dropout leaves the shuffling as it is).
    validation_data : (X_val, Y_val), optional
        Measured after every epoch into ``val_loss`` (and ``val_accuracy``).
    verbose : {0, 1, 2}
        0 silent; 1 a progress bar on a terminal, or in a notebook's cell (updated in place), after half a
        second; 2 a line every tenth of the run.
    engine : {"auto", "compiled", "object"} or Engine
        ``"object"`` computes neuron by neuron and synapse by synapse;
        ``"compiled"`` computes a layer at a time with matrices (see
        ``Network.compile``), many times faster. Both give the same
        weights, to float rounding, and both leave the trained weights in
        the network's synapses. ``"auto"`` (default) takes the compiled
        engine unless something needs the object one: an activation of
        your own that runs only one neuron at a time, or a callback of
        yours with a per-batch hook, which may read the neurons' values
        (see ``neurosim.training.engine_choice``; ``run.engine`` says which
        it took). An engine object of this network (see
        ``neurosim.engines``) is used as it is.
    callbacks : list of Callback
        Called as training goes on, after those attached to the network
        (``Network.add_callback``, ``Network.watch``); see
        ``neurosim.training.callbacks``.
    weight_decay : float >= 0, default 0
        L2 penalty ``weight_decay / 2 * sum(w ** 2)`` on the weights (not
        the biases): ``weight_decay * w`` is added to each weight's
        gradient after every backward pass, before the callbacks'
        ``on_backward_end`` and the update, so ``synapse.grad`` shows it.
        This is ``torch.optim``'s coupled ``weight_decay``; an optimizer's
        own ``weight_decay`` acts on the biases too, and ``AdamW``'s is
        decoupled. See ``neurosim.training.regularization``.
    l1 : float >= 0, default 0
        L1 penalty ``l1 * sum(|w|)`` on the weights: ``l1 * sign(w)`` is
        added to each weight's gradient, in the same place.
        ``history.loss`` is the loss of the data, without either penalty.
    lr_schedule : Schedule, optional
        Changes the optimizer's ``lr`` after every epoch
        (``ns.optim.StepLR(every=10, gamma=0.5)``, ``ExponentialLR``,
        ``CosineAnnealingLR``, ``ReduceLROnPlateau``). It is a callback:
        this is the same as putting it last in ``callbacks``.
    early_stopping : EarlyStopping, optional
        Ends the run once the number it watches (the validation loss by
        default) stops improving, and can put back the best epoch's
        weights (``ns.callbacks.EarlyStopping(patience=10,
        restore_best=True)``). A callback too, called after
        ``lr_schedule``.
    history : History, optional
        The ``History`` of an earlier ``fit`` of this network, to append
        this run's epochs to (and return); by default a new one. It must
        record the same loss, and validation data and accuracy in the same
        way, so that its lists stay one entry per epoch. Its epochs count
        on across the calls: ``diverged_at`` and ``stopped_at`` say how
        the latest call ended, in the history's numbering (``None`` if it
        ran all its epochs). With SGD and ``shuffle=False`` two calls of 5
        epochs give exactly the weights and history of one call of 10; an
        optimizer object keeps its state across the calls, while one named
        by a string starts afresh in each; with ``shuffle=True`` each call
        draws its own batch order from its ``seed``.

    Returns
    -------
    History
        Per-epoch loss (and accuracy, validation loss and accuracy).

    Notes
    -----
    If the loss stops being finite, training stops before that update, a
    ``DivergenceWarning`` says when and why, and ``history.diverged_at``
    records the epoch. Every argument is checked before training starts; a
    bad one raises a ``NeurosimError`` that names it and leaves the network
    untouched. After training, the neurons hold the last pass: of the last
    batch, or of the validation data when there is some.

    Examples
    --------
    >>> import numpy as np
    >>> import neurosim as ns
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> Y = np.array([0, 1, 1, 1])                         # OR
    >>> net = ns.Network.from_shape([2, 1], seed=0)
    >>> history = net.fit(X, Y, epochs=500, lr=2.0, loss="bce", seed=0, verbose=0)
    >>> history.accuracy[-1], net.predict_classes(X).tolist()
    (1.0, [0, 1, 1, 1])
    >>> net = ns.Network.from_shape([2, 1], seed=0)
    >>> history = net.fit(X, Y, epochs=100, optimizer="adam", lr=0.1, loss="bce", seed=0, verbose=0)
    >>> history.accuracy[-1]
    1.0

    Continue the same run for 50 more epochs, with an L2 penalty from now on:

    >>> history = net.fit(X, Y, epochs=50, optimizer="adam", lr=0.1, loss="bce", seed=0, verbose=0,
    ...                   weight_decay=1e-3, history=history)
    >>> history.epochs, history.accuracy[-1]
    (150, 1.0)
    """
    loss_fn, X, T = network.prepare_batch(X, Y, loss)
    epochs = positive_integer(epochs, "epochs")
    if epochs > limits.MAX_EPOCHS:
        raise ParameterError(f"epochs must be at most {limits.MAX_EPOCHS:,}; got {epochs!r}")
    shuffle = boolean(shuffle, "shuffle")
    optimizer = _optimizer(optimizer, lr, momentum)
    penalty = Penalty(weight_decay, l1)
    n = X.shape[0]
    batch = n if batch_size is None else min(positive_integer(batch_size, "batch_size"), n)
    if verbose not in (0, 1, 2):
        raise ParameterError(f"verbose must be 0, 1 or 2; got {verbose!r}")
    seed = checked_seed(seed)
    validation = _validation_batch(network, validation_data, loss)
    attached = network.callbacks
    given = checked_callbacks(callbacks, attached)
    given += _schedule_and_stopping(lr_schedule, early_stopping, [*attached, *given])
    progress = [ProgressCallback(verbose)] if verbose else []
    hooks = CallbackList([*attached, *given, *progress])
    engine = engine_for(network, engine, hooks.callbacks)
    # made at the first batch that drops neurons, if any does
    dropout = DropoutMasks(network, partial(dropout_generator, seed))
    history = _history_to_continue(
        history, loss_fn.name, is_classification(loss_fn.classification, T), validation
    )
    optimizer.bind(network)
    epochs_before = _continue(history, loss_fn.name)
    run = Run(
        network, engine, loss_fn, optimizer, history, epochs=epochs, batch_size=batch, n_samples=n, X=X, T=T
    )
    takes_ones = getattr(engine, "takes_inputs_with_ones", None)
    data = EpochData(
        engine.prepare(X), engine.prepare(T), batch, with_ones=callable(takes_ones) and takes_ones(batch)
    )
    loop = _Loop(run, hooks, data, epochs_before)
    loop.penalty = penalty if penalty.active else None
    if validation is not None:
        loop.validation = engine.prepare(validation[0]), engine.prepare(validation[1])
    loop.dropout = dropout
    hooks.call("on_fit_begin", run)
    # one batch of every sample needs no order: its gradient is a sum, which no order changes
    shuffle = shuffle and not loop.data.whole
    in_order = np.arange(n)
    rng = random_generator(seed) if shuffle else None
    orders = (rng.permutation(n) if shuffle else in_order for _ in range(epochs))
    # the targets as the engine computes with them: a float32 network records float32 losses
    loop.records = EpochRecords(
        history, run.loss, loop.counter, loop.data.T, loop.data.bounds, in_order=not shuffle, epochs=epochs
    )
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loop.run_epochs(epochs, orders)
    finally:
        try:
            loop.records.flush()
        finally:
            engine.publish()
        if history.stopped_at is not None:
            history.stopped_at += epochs_before
        hooks.call("on_fit_end", run)
    return history


class _Loop:
    """One run's epochs: batches through the engine, the updates, the records and the hooks."""

    def __init__(self, run: Run, hooks: CallbackList, data: EpochData, epochs_before: int = 0) -> None:
        self.run, self.hooks, self.data = run, hooks, data
        self.validation: tuple[np.ndarray, np.ndarray] | None = None
        #: the weight penalty whose gradient is added after each backward pass, if any
        self.penalty: Penalty | None = None
        self.dropout: DropoutMasks | None = None
        T = data.T
        #: the loss as the engine computes each batch's delta fastest for these targets (the same numbers)
        self.batch_loss = run.loss.for_targets(T)
        self.counter = CorrectCounter(T) if is_classification(run.loss.classification, T) else None
        #: every batch's output logits and activations, in epoch order, for the epochs' loss and accuracy
        self.records: EpochRecords | None = None
        self.batch = Batch(run)
        #: ``engine.train_batch``, writing each pass's output values into ``record`` whatever the engine
        self.train = _recording(run.engine)
        self.backward_end = hooks.hooks["on_backward_end"]
        self.batch_end = hooks.hooks["on_batch_end"]
        self.batch_hooks = bool(self.backward_end or self.batch_end)
        # called only for a batch whose loss is not finite, so that it costs nothing otherwise
        causes = [
            c.divergence_cause for c in hooks.callbacks if callable(getattr(c, "divergence_cause", None))
        ]
        self.divergence = DivergenceStop(causes, epochs_before)

    def run_epochs(self, epochs: int, orders: Iterator[np.ndarray]) -> None:
        """Train ``epochs`` epochs, visiting the samples in each order of ``orders``.

        With no callback hook, penalty, dropout or validation data, nothing
        reads the history or the neurons until the run ends: the epochs then
        run straight on, their records are made a few epochs at a time
        (``EpochRecords``), and the neurons get only the last batch's values.
        """
        run, hooks = self.run, self.hooks.hooks
        if run.stopped:  # by a callback's on_fit_begin
            return
        lean = not (
            hooks["on_epoch_begin"]
            or hooks["on_epoch_end"]
            or self.batch_hooks
            or self.penalty is not None
            or self.validation is not None
            or self.dropout.drops()
        )
        if not lean:
            for epoch, order in enumerate(orders, start=1):
                if run.stopped:
                    break
                self.epoch(epoch, order)
            return
        records, train, step = self.records, self.train, run.optimizer.step
        with run.engine.deferring():
            if self.data.whole:
                self._whole_epochs(orders, train, step)
                return
            for epoch, order in enumerate(orders, start=1):
                run.epoch = epoch
                if not self._plain_batches(epoch, order, train, step):
                    return
                records.done(order)

    def _whole_epochs(
        self, orders: Iterator[np.ndarray], train: Callable[..., bool], step: Callable[[], None]
    ) -> None:
        """The lean run's epochs when each is one batch of every sample: ``_plain_batches``, unrolled."""
        run, records, loss = self.run, self.records, self.batch_loss
        start, stop, X, T, X_ones = self.data.whole_batch()
        if X_ones is not None:
            train = partial(train, X_ones=X_ones)
        rows = records.rows
        for epoch, order in enumerate(orders, start=1):
            run.epoch = epoch
            if not train(X, T, loss, record=rows[records.held]):
                self.diverged(epoch, 1, order, start, stop, X, T)
                return
            step()
            records.done(order)

    def epoch(self, epoch: int, order: np.ndarray) -> None:
        """Train one epoch and record it, unless a callback stops training first."""
        run, hooks = self.run, self.hooks.hooks
        run.epoch = epoch
        for hook in hooks["on_epoch_begin"]:
            hook(run, epoch)
        if run.stopped:
            return
        plain = not (self.batch_hooks or self.penalty is not None or self.dropout.drops())
        if not (self.plain_batches(epoch, order) if plain else self.batches(epoch, order)):
            return
        self.records.done(order)
        self.records.flush()
        self.record_validation()
        for hook in hooks["on_epoch_end"]:
            hook(run, epoch)

    def plain_batches(self, epoch: int, order: np.ndarray) -> bool:
        """``batches`` with nothing between a batch's passes and its update: no hook, penalty or dropout.

        Nothing reads the neurons between the batches, so the engine may
        write only the last batch's values into them (``Engine.deferring``).
        """
        engine = self.run.engine
        with engine.deferring():
            return self._plain_batches(epoch, order, self.train, self.run.optimizer.step)

    def _plain_batches(
        self, epoch: int, order: np.ndarray, train: Callable[..., bool], step: Callable[[], None]
    ) -> bool:
        loss = self.batch_loss
        for number, ((start, stop, X, T, X_ones), record) in enumerate(
            zip(self.data.batches(order), self.records.batch_rows(), strict=True), start=1
        ):
            # X_ones is None unless the engine takes it
            if X_ones is None:
                finite = train(X, T, loss, record=record)
            else:
                finite = train(X, T, loss, X_ones=X_ones, record=record)
            if not finite:
                return self.diverged(epoch, number, order, start, stop, X, T)
            step()
        return True

    def diverged(
        self, epoch: int, number: int, order: np.ndarray, start: int, stop: int, X: np.ndarray, T: np.ndarray
    ) -> bool:
        """Stop the run at a batch whose loss is not finite, before its update; return ``False``."""
        self.records.flush()  # the divergence causes may read the history
        self.run.engine.publish()  # what the divergence check reads: the neurons hold the failed pass
        self.batch.update(epoch, number, order, start, stop, X, T, False)
        self.divergence.on_backward_end(self.run, self.batch)
        return False

    def batches(self, epoch: int, order: np.ndarray) -> bool:
        """Every batch of the epoch; return whether all of them were trained on."""
        run, batch, batch_hooks = self.run, self.batch, self.batch_hooks
        train, loss, step, penalty = self.train, self.batch_loss, run.optimizer.step, self.penalty
        draw_masks = self.dropout.draw
        for number, ((start, stop, X, T, X_ones), record) in enumerate(
            zip(self.data.batches(order), self.records.batch_rows(), strict=True), start=1
        ):
            masks = draw_masks(stop - start)
            if X_ones is None:
                finite = train(X, T, loss, dropout=masks, record=record)
            else:
                finite = train(X, T, loss, dropout=masks, X_ones=X_ones, record=record)
            if penalty is not None:
                penalty.add_gradient(run.network)
            if batch_hooks or not finite:
                batch.update(epoch, number, order, start, stop, X, T, finite)
                if not finite:
                    self.divergence.on_backward_end(run, batch)
                for hook in self.backward_end:
                    hook(run, batch)
                if run.stopped:
                    return False
            step()
            if batch_hooks:
                for hook in self.batch_end:
                    hook(run, batch)
                if run.stopped:
                    return False
        return True

    def record_validation(self) -> None:
        """The validation data's loss and accuracy into the history, if there are validation data."""
        run, history = self.run, self.run.history
        if self.validation is not None:
            X_val, T_val = self.validation
            value, outputs = run.engine.evaluate(X_val, T_val, run.loss)
            history.val_loss.append(value)
            if self.counter is not None:
                history.val_accuracy.append(accuracy(outputs, T_val))


def _recording(engine: engines.Engine) -> Callable[..., bool]:
    """``engine.train_batch``, or for an engine of your own without ``record`` a function that copies.

    Both engines of neurosim write a pass's output ``z`` and ``a`` into the
    ``record`` arrays they are given (``records_outputs``); for another
    engine the two are copied from its ``last_pass()``.
    """
    if getattr(engine, "records_outputs", False):
        return engine.train_batch

    def train(
        X: np.ndarray, T: np.ndarray, loss: Loss, *, record: tuple[np.ndarray, np.ndarray], **options: object
    ) -> bool:
        finite = engine.train_batch(X, T, loss, **options)
        values = engine.last_pass()
        np.copyto(record[0], values.logits)
        np.copyto(record[1], values.outputs)
        return finite

    return train


class DivergenceStop(Callback):
    """Stop training before the update of a batch whose loss is not finite, and say so.

    ``fit`` always uses it, before the other callbacks' ``on_backward_end``
    (and only on such a batch, so that it costs nothing otherwise): it
    records the epoch in ``history.diverged_at`` and warns with a
    ``DivergenceWarning`` that names the epoch, the batch and the loss, and
    why: the first answer of ``causes`` (the callbacks' ``divergence_cause``
    methods) that is not ``None``, or else the learning rate.
    """

    def __init__(
        self, causes: Sequence[Callable[[Run, Batch], str | None]] = (), epochs_before: int = 0
    ) -> None:
        self.causes = list(causes)
        #: the epochs of the history before this run (``fit(history=...)``), which the epoch counts on from
        self.epochs_before = epochs_before

    def on_backward_end(self, run: Run, batch: Batch) -> None:
        """Stop if the batch's loss is not finite."""
        if batch.finite:
            return
        value = batch.loss
        cause = next((text for text in (c(run, batch) for c in self.causes) if text is not None), None)
        if cause is None:
            cause = (
                f"The weights or outputs overflowed. The learning rate lr={run.optimizer.lr:g} is probably "
                "too large for this network and data; try a smaller one, or scale the inputs."
            )
        epoch = self.epochs_before + batch.epoch
        message = f"training stopped at epoch {epoch}, batch {batch.number}: the loss became {value}. {cause}"
        run.history.diverged_at = epoch
        run.stop(message)
        warnings.warn(message, DivergenceWarning, stacklevel=outside_stacklevel())


def _optimizer(optimizer: object, lr: object, momentum: object) -> Optimizer:
    """The optimizer ``fit`` was asked for, checked (not yet bound to the network)."""
    if isinstance(optimizer, Optimizer):
        for name, value in (("lr", lr), ("momentum", momentum)):
            if value is not NOT_GIVEN:
                raise ParameterError(
                    f"{name}: give it to the optimizer object ({type(optimizer).__name__}({name}=...)), "
                    f"not to fit as well; got {name}={value!r} and {optimizer!r}"
                )
        return optimizer
    chosen = get_optimizer(optimizer, None if lr is NOT_GIVEN else positive_number(lr, "lr"))
    if momentum is NOT_GIVEN:
        return chosen
    if not isinstance(chosen, SGD):
        raise ParameterError(
            f"momentum is a setting of SGD; for {optimizer!r} give an optimizer object "
            f"(ns.optim.{type(chosen).__name__}(...)) instead; got momentum={momentum!r}"
        )
    return SGD(lr=chosen.lr, momentum=momentum)


def _schedule_and_stopping(
    lr_schedule: object, early_stopping: object, others: Sequence[object]
) -> list[Callback]:
    """``lr_schedule`` and ``early_stopping``, checked, as callbacks of the run (those given)."""
    chosen = []
    for name, value, kind, expected in (
        ("lr_schedule", lr_schedule, Schedule, "a Schedule such as ns.optim.StepLR(every=10, gamma=0.5)"),
        (
            "early_stopping",
            early_stopping,
            EarlyStopping,
            "an EarlyStopping such as ns.callbacks.EarlyStopping()",
        ),
    ):
        if value is None:
            continue
        if not isinstance(value, kind):
            made = f"the class {value.__name__}; pass an instance" if isinstance(value, type) else repr(value)
            raise ParameterError(f"{name} must be {expected}, or None; got {made}")
        if any(value is other for other in others):
            raise ParameterError(
                f"{name} ({value!r}) is among the callbacks too (given, or attached to the network); "
                "give it once"
            )
        chosen.append(value)
    return chosen


def _history_to_continue(
    history: object, loss_name: str, records_accuracy: bool, validation: object
) -> History:
    """The ``History`` this run appends to: ``history`` if it can go on, or a new one; changes nothing."""
    if history is None:
        return History(loss_name=loss_name)
    if not isinstance(history, History):
        raise ParameterError(
            f"history must be the History of an earlier fit, to continue it, or None; got {history!r}"
        )
    if history.loss_name is not None and history.loss_name != loss_name:
        raise ParameterError(
            f"history records training with loss={history.loss_name!r}, and this fit trains with "
            f"loss={loss_name!r}; its values would not continue the curve: train with "
            f"loss={history.loss_name!r}, or start a new History"
        )
    if history.epochs:
        for name, recorded, now, why in (
            ("val_loss", bool(history.val_loss), validation is not None, "validation_data"),
            ("accuracy", bool(history.accuracy), records_accuracy, "targets that are classes"),
        ):
            if recorded != now:
                has, would = ("has", "has no") if recorded else ("has no", "has")
                raise ParameterError(
                    f"history {has} {name} for its {history.epochs} epochs, and this fit {would} {why}; "
                    "its lists must stay one entry per epoch: train as in the runs it records, or start "
                    "a new History"
                )
    return history


def _continue(history: History, loss_name: str) -> int:
    """Make ``history`` ready for the run: it says how this run ends. Returns the epochs it holds."""
    history.loss_name = loss_name
    history.stopped_at = history.stop_reason = history.diverged_at = None
    return history.epochs


def _validation_batch(
    network: Network, validation_data: tuple[object, object] | None, loss: str | Loss
) -> tuple[np.ndarray, np.ndarray] | None:
    if validation_data is None:
        return None
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise ShapeError("validation_data must be a pair (X_val, Y_val)")
    try:
        _, X_val, T_val = network.prepare_batch(*validation_data, loss)
    except NeurosimError as error:
        raise type(error)(f"validation_data: {error}") from None
    return X_val, T_val
