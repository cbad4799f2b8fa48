"""Learning-rate schedules: callbacks that change the optimizer's ``lr`` after every epoch.

Each follows the ``torch.optim.lr_scheduler`` class of the same name:
torch's ``scheduler.step()`` once after each epoch is ``on_epoch_end``
here, and the new rate is computed from the current one the way torch
computes it (its "chainable" form), so the rates are the same floats as
torch's. A schedule takes the optimizer's ``lr`` as its starting rate
(torch's ``base_lr``) in the first ``fit`` it is given to, and keeps its
count from one ``fit`` call to the next, as a torch scheduler object does:
two calls of 5 epochs give the rates of one call of 10. In a later call it
sets the optimizer's ``lr`` to the rate it has reached (an optimizer named
by a string is made anew at each call, with ``fit``'s ``lr``). Make a new
schedule to start again.

Rprop reads ``lr`` only for the first step size of each weight, as in
torch, so a schedule changes nothing for it after the first update.

Examples
--------
>>> import neurosim as ns
>>> X, y = ns.datasets.xor()
>>> net = ns.Network.from_shape([2, 3, 1], seed=0)
>>> schedule = ns.optim.StepLR(every=2, gamma=0.5)
>>> _ = net.fit(X, y, epochs=5, lr=0.8, loss="bce", lr_schedule=schedule, verbose=0)
>>> schedule.lrs                           # the rate of each epoch
[0.8, 0.8, 0.4, 0.4, 0.2]
>>> schedule.epoch, schedule.lr            # 5 steps taken; the rate of the next epoch
(5, 0.2)
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, ClassVar

from neurosim.errors import ParameterError
from neurosim.training.callbacks import Callback
from neurosim.training.monitor import Monitor
from neurosim.validation import non_negative_number, positive_integer, positive_number

if TYPE_CHECKING:
    from neurosim.training.callbacks import Run


def _count(value: object, name: str) -> int:
    """``value`` as an int >= 0, or a ``ParameterError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ParameterError(f"{name} must be a whole number >= 0; got {value!r}")
    return int(value)


class Schedule(Callback):
    """Base class of the learning-rate schedules: sets ``run.optimizer.lr`` after every epoch.

    A subclass names its settings in ``settings`` and implements
    ``next_lr``, which ``on_epoch_end`` calls with ``epoch`` already
    counting the step (torch's ``last_epoch``).

    Attributes
    ----------
    epoch : int
        How many epochs it has stepped, across ``fit`` calls (torch's ``last_epoch``).
    base_lr : float or None
        The optimizer's ``lr`` when the schedule first ran (torch's ``base_lrs``).
    lr : float or None
        The rate it set last, which the next epoch trains with (torch's ``get_last_lr()``).
    lrs : list of float
        The rate each epoch trained with, in order, across ``fit`` calls.
    """

    #: the names of its settings, as attributes, in the order the repr gives them
    settings: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.epoch = 0
        self.base_lr: float | None = None
        self.lr: float | None = None
        self.lrs: list[float] = []

    def on_fit_begin(self, run: Run) -> None:
        """Take the optimizer's rate as the starting rate, or give it the rate reached so far."""
        self.begin(run)
        if self.base_lr is None:
            self.base_lr = self.lr = run.optimizer.lr
        else:
            run.optimizer.lr = self.lr

    def on_epoch_end(self, run: Run, epoch: int) -> None:
        """One step of the schedule: torch's ``scheduler.step()``."""
        current = run.optimizer.lr
        self.lrs.append(current)
        self.epoch += 1
        self.lr = self.next_lr(current, run)
        run.optimizer.lr = self.lr

    def begin(self, run: Run) -> None:
        """Called at the start of every ``fit`` call; nothing to do unless a subclass needs it."""

    def next_lr(self, lr: float, run: Run) -> float:
        """The rate after step ``self.epoch``, from the current rate ``lr``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.settings)
        return f"{type(self).__name__}({shown})"


class StepLR(Schedule):
    """Multiply the rate by ``gamma`` every ``every`` epochs, as ``torch.optim.lr_scheduler.StepLR``.

    ``every`` is torch's ``step_size``. Epoch ``e`` (from 1) trains with
    ``base_lr * gamma ** ((e - 1) // every)``.

    Parameters
    ----------
    every : int
        Epochs between two changes of the rate (torch's ``step_size``).
    gamma : float, default 0.1
        The factor, above 0.

    Examples
    --------
    >>> import neurosim as ns
    >>> ns.optim.StepLR(every=10, gamma=0.5)
    StepLR(every=10, gamma=0.5)
    >>> ns.optim.StepLR(every=0)
    Traceback (most recent call last):
    ...
    neurosim.errors.ParameterError: every must be a positive integer; got 0
    """

    settings = ("every", "gamma")

    def __init__(self, every: int, gamma: float = 0.1) -> None:
        super().__init__()
        self.every = positive_integer(every, "every")
        self.gamma = positive_number(gamma, "gamma")

    def next_lr(self, lr: float, run: Run) -> float:
        """``lr * gamma`` when ``epoch`` is a multiple of ``every``."""
        return lr * self.gamma if self.epoch % self.every == 0 else lr


class ExponentialLR(Schedule):
    """Multiply the rate by ``gamma`` after every epoch, as ``torch.optim.lr_scheduler.ExponentialLR``.

    Epoch ``e`` (from 1) trains with ``base_lr * gamma ** (e - 1)``.

    Parameters
    ----------
    gamma : float
        The factor, above 0.

    Examples
    --------
    >>> import neurosim as ns
    >>> ns.optim.ExponentialLR(gamma=0.9)
    ExponentialLR(gamma=0.9)
    """

    settings = ("gamma",)

    def __init__(self, gamma: float) -> None:
        super().__init__()
        self.gamma = positive_number(gamma, "gamma")

    def next_lr(self, lr: float, run: Run) -> float:
        """``lr * gamma``."""
        return lr * self.gamma


class CosineAnnealingLR(Schedule):
    """Follow half a cosine from the starting rate down to ``eta_min`` in ``t_max`` epochs.

    As ``torch.optim.lr_scheduler.CosineAnnealingLR`` (``t_max`` is torch's
    ``T_max``): after step ``e`` the rate is
    ``eta_min + (base_lr - eta_min) * (1 + cos(pi * e / t_max)) / 2``, so
    epoch ``t_max + 1`` trains with ``eta_min``; after that the cosine goes
    on and the rate rises again (period ``2 * t_max``), as torch's does.
    The rate is computed in torch's recursive form, from the current
    rate, so it is the same float as torch's; it equals the closed form
    above to rounding (about 1e-16 of the rate) as long as nothing else
    changes the rate.

    Parameters
    ----------
    t_max : int
        Epochs from the starting rate to ``eta_min`` (torch's ``T_max``).
    eta_min : float, default 0
        The lowest rate, >= 0.

    Examples
    --------
    >>> import neurosim as ns
    >>> ns.optim.CosineAnnealingLR(t_max=50, eta_min=1e-4)
    CosineAnnealingLR(t_max=50, eta_min=0.0001)
    """

    settings = ("t_max", "eta_min")

    def __init__(self, t_max: int, eta_min: float = 0.0) -> None:
        super().__init__()
        self.t_max = positive_integer(t_max, "t_max")
        self.eta_min = non_negative_number(eta_min, "eta_min")

    def next_lr(self, lr: float, run: Run) -> float:
        """Torch's recursive step of the cosine."""
        e, t, eta_min = self.epoch, self.t_max, self.eta_min
        if (e - 1 - t) % (2 * t) == 0:  # leaving the bottom of the cosine, where the ratio below is 0 / 0
            return lr + (self.base_lr - eta_min) * (1 - math.cos(math.pi / t)) / 2
        ratio = (1 + math.cos(math.pi * e / t)) / (1 + math.cos(math.pi * (e - 1) / t))
        return ratio * (lr - eta_min) + eta_min


class ReduceLROnPlateau(Schedule):
    """Multiply the rate by ``factor`` when the monitored number stops improving.

    As ``torch.optim.lr_scheduler.ReduceLROnPlateau``, stepped with the
    number ``monitor`` names after each epoch: an epoch is better when
    its number beats the best so far by more than ``threshold`` (in
    ``"rel"`` mode below ``best * (1 - threshold)`` for ``"min"``, above
    ``best * (1 + threshold)`` for ``"max"``; in ``"abs"`` mode
    ``best -/+ threshold``); otherwise it counts as a bad epoch. After more
    than ``patience`` bad epochs in a row the rate becomes
    ``max(lr * factor, min_lr)`` (unchanged if that changes it by ``eps``
    or less), and the next ``cooldown`` epochs count as good ones. Its
    best number and counts carry over from one ``fit`` call to the next,
    as torch's do.

    Differences from torch: the number comes from the history rather than
    from ``step(metrics)``, and ``mode`` follows the monitored number when
    not given (``"min"`` for a loss, torch's default; ``"max"`` for an
    accuracy). With ``monitor="val_loss"`` (or ``"val_accuracy"``) and no
    ``validation_data``, it watches the training loss (or accuracy).

    Parameters
    ----------
    monitor : {"val_loss", "loss", "val_accuracy", "accuracy"}, default "val_loss"
        The list of the ``History`` to watch.
    mode : {"min", "max"}, optional
        Whether lower or higher is better; by default from ``monitor``.
    factor : float in (0, 1), default 0.1
    patience : int >= 0, default 10
        Bad epochs in a row that are tolerated; the next one reduces the rate.
    threshold : float >= 0, default 1e-4
    threshold_mode : {"rel", "abs"}, default "rel"
    cooldown : int >= 0, default 0
        Epochs after a reduction that count as good.
    min_lr : float >= 0, default 0
    eps : float >= 0, default 1e-8
        A reduction smaller than this is not made.

    Attributes
    ----------
    best : float
        The best number so far.
    num_bad_epochs : int
        Bad epochs in a row so far.
    monitored : str or None
        The list of the history read in the last ``fit`` call (see ``monitor``).

    Examples
    --------
    >>> import neurosim as ns
    >>> ns.optim.ReduceLROnPlateau(factor=0.5, patience=3)
    ReduceLROnPlateau(monitor='val_loss', mode='min', factor=0.5, patience=3, threshold=0.0001,
                      threshold_mode='rel', cooldown=0, min_lr=0.0, eps=1e-08)
    >>> ns.optim.ReduceLROnPlateau(factor=2)
    Traceback (most recent call last):
    ...
    neurosim.errors.ParameterError: factor must be a number in (0, 1); got 2
    """

    settings = (
        "monitor",
        "mode",
        "factor",
        "patience",
        "threshold",
        "threshold_mode",
        "cooldown",
        "min_lr",
        "eps",
    )

    def __init__(
        self,
        *,
        monitor: str = "val_loss",
        mode: str | None = None,
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float = 0.0,
        eps: float = 1e-8,
    ) -> None:
        super().__init__()
        self._monitor = Monitor(monitor, "monitor")
        self.monitor = monitor
        self.mode = self._monitor.direction if mode is None else _choice(mode, "mode", ("min", "max"))
        if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not 0 < factor < 1:
            raise ParameterError(f"factor must be a number in (0, 1); got {factor!r}")
        self.factor = float(factor)
        self.patience = _count(patience, "patience")
        self.threshold = non_negative_number(threshold, "threshold")
        self.threshold_mode = _choice(threshold_mode, "threshold_mode", ("rel", "abs"))
        self.cooldown = _count(cooldown, "cooldown")
        self.min_lr = non_negative_number(min_lr, "min_lr")
        self.eps = non_negative_number(eps, "eps")
        self.best = math.inf if self.mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    @property
    def monitored(self) -> str | None:
        """The list of the history read in the last ``fit`` call: ``monitor``, or the training one."""
        return self._monitor.watched

    def begin(self, run: Run) -> None:
        """Check the monitored number can be read in this run."""
        self._monitor.begin(run)

    def next_lr(self, lr: float, run: Run) -> float:
        """Torch's ``step(metrics)`` with this epoch's monitored number."""
        current = self._monitor.value(run)
        if self._is_better(current):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs <= self.patience:
            return lr
        self.cooldown_counter = self.cooldown
        self.num_bad_epochs = 0
        reduced = max(lr * self.factor, self.min_lr)
        return reduced if lr - reduced > self.eps else lr

    def _is_better(self, value: float) -> bool:
        best, threshold = self.best, self.threshold
        if self.mode == "min":
            return value < (best * (1 - threshold) if self.threshold_mode == "rel" else best - threshold)
        return value > (best * (threshold + 1) if self.threshold_mode == "rel" else best + threshold)


def _choice(value: object, name: str, allowed: tuple[str, ...]) -> str:
    """``value`` if it is one of ``allowed``, or a ``ParameterError`` naming ``name``."""
    if not isinstance(value, str) or value not in allowed:
        raise ParameterError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value
