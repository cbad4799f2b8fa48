"""The training loop: epochs of shuffled mini-batches of stochastic gradient descent."""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING

import numpy as np

from neurosim.errors import DivergenceWarning, NeurosimError, ParameterError, ShapeError
from neurosim.losses import Loss
from neurosim.training.history import History
from neurosim.training.metrics import CorrectCounter, accuracy, is_classification
from neurosim.training.optimizer import SGD
from neurosim.training.progress import Progress
from neurosim.training.runners import EpochData, Runner, make_runner
from neurosim.training.watch import Recorder
from neurosim.validation import positive_integer, random_generator

if TYPE_CHECKING:
    from neurosim.core.network import Network


def fit(
    network: Network,
    X: object,
    Y: object,
    *,
    epochs: int,
    lr: float,
    batch_size: int | None = None,
    loss: str | Loss = "mse",
    momentum: float = 0.0,
    shuffle: bool = True,
    seed: int | None = None,
    validation_data: tuple[object, object] | None = None,
    verbose: int = 1,
    engine: str = "object",
) -> History:
    """Train ``network`` on ``X``, ``Y`` with stochastic gradient descent.

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
    epochs : int
        Passes over the training data.
    lr : float
        Learning rate.
    batch_size : int, optional
        Samples per update: ``1`` is online training, ``None`` (default) the
        whole set at once (full batch), anything else mini-batches (the last
        one may be smaller).
    loss : {"mse", "bce", "cross_entropy"}
        See ``neurosim.losses``.
    momentum : float in [0, 1)
        ``torch.optim.SGD``'s convention: ``v = momentum * v + grad; w -= lr * v``.
    shuffle : bool
        Visit samples in a new random order each epoch.
    seed : int, optional
        Seed of the shuffling.
    validation_data : (X_val, Y_val), optional
        Measured after every epoch into ``val_loss`` (and ``val_accuracy``).
    verbose : {0, 1, 2}
        0 silent; 1 a progress bar on a terminal only; 2 a line every tenth of the run.
    engine : {"object", "compiled"}
        ``"object"`` computes neuron by neuron and synapse by synapse;
        ``"compiled"`` computes a layer at a time with matrices (see
        ``Network.compile``), many times faster. Both give the same
        weights, to float rounding, and both leave the trained weights in
        the network's synapses.

    Returns
    -------
    History
        Per-epoch loss (and accuracy, validation loss and accuracy).

    Notes
    -----
    If the loss stops being finite, training stops before that update, a
    ``DivergenceWarning`` says when and why, and ``history.diverged_at``
    records the epoch. Every argument is checked before training starts; a
    bad one raises and leaves the network untouched.

    Examples
    --------
    >>> import numpy as np
    >>> import neurosim as ns
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> Y = np.array([0, 1, 1, 1])                         # OR
    >>> net = ns.Network.from_shape([2, 1], seed=0)
    >>> history = net.fit(X, Y, epochs=500, lr=2.0, loss="bce", seed=0, verbose=0)
    >>> history.accuracy[-1], (net.predict(X)[:, 0] > 0.5).astype(int).tolist()
    (1.0, [0, 1, 1, 1])
    """
    loss_fn, X, T = network.prepare_batch(X, Y, loss)
    epochs = positive_integer(epochs, "epochs")
    optimizer = SGD(network, lr, momentum)
    n = X.shape[0]
    batch = n if batch_size is None else min(positive_integer(batch_size, "batch_size"), n)
    if verbose not in (0, 1, 2):
        raise ParameterError(f"verbose must be 0, 1 or 2; got {verbose!r}")
    rng = random_generator(seed)
    validation = _validation_batch(network, validation_data, loss)
    runner = make_runner(network, engine, T.shape)
    data = EpochData(runner.prepare(X), runner.prepare(T), batch)
    if validation is not None:
        validation = runner.prepare(validation[0]), runner.prepare(validation[1])
    counter = CorrectCounter(T) if is_classification(loss_fn.classification, T) else None
    updates = epochs * -(-n // batch)  # epochs x batches per epoch
    recorder = Recorder(network._watches, updates) if network._watches else None

    history = History(loss_name=loss_fn.name)
    progress = Progress(epochs, verbose)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(1, epochs + 1):
            order = rng.permutation(n) if shuffle else np.arange(n)
            diverged = _train_epoch(runner, optimizer, data, order, loss_fn, recorder, epoch)
            if diverged is not None:
                _warn_diverged(epoch, *diverged, optimizer.lr)
                history.diverged_at = epoch
                break
            epoch_loss, outputs = runner.epoch_result(data.T_epoch, loss_fn)
            history.loss.append(epoch_loss)
            if counter is not None:
                history.accuracy.append(counter(outputs, order) / n)
            if validation is not None:
                _record_validation(runner, history, validation, loss_fn, counter is not None)
            progress.update(epoch, epoch_loss)
    progress.close()
    runner.finish()
    if recorder is not None:
        recorder.finish()
    return history


def _train_epoch(
    runner: Runner,
    optimizer: SGD,
    data: EpochData,
    order: np.ndarray,
    loss: Loss,
    recorder: Recorder | None,
    epoch: int,
) -> tuple[int, float] | None:
    """One epoch of updates; return ``(batch number, loss)`` of a batch whose loss is not finite, or None."""
    for number, (start, stop, X, T) in enumerate(data.batches(order), start=1):
        check = runner.train_batch(X, T, loss, start, stop)
        if not math.isfinite(check):
            return number, check
        optimizer.step()
        if recorder is not None:
            recorder.record(epoch)
    return None


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


def _record_validation(
    runner: Runner,
    history: History,
    validation: tuple[np.ndarray, np.ndarray],
    loss: Loss,
    track_accuracy: bool,
) -> None:
    X_val, T_val = validation
    value, outputs = runner.evaluate(X_val, T_val, loss)
    history.val_loss.append(value)
    if track_accuracy:
        history.val_accuracy.append(accuracy(outputs, T_val))


def _warn_diverged(epoch: int, batch: int, value: float, lr: float) -> None:
    warnings.warn(
        f"training stopped at epoch {epoch}, batch {batch}: the loss became {value} "
        f"(weights or outputs overflowed). The learning rate lr={lr:g} is probably too large "
        "for this network and data; try a smaller one, or scale the inputs.",
        DivergenceWarning,
        stacklevel=3,
    )
