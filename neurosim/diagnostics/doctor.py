"""The doctor: what is wrong with a network, which neurons and synapses, and the numbers that show it.

``diagnose`` checks a network on data before training (the data, the
targets, the network's structure and weights) and on one forward and
backward pass. ``Doctor`` is the same checks as a training callback:
``net.fit`` runs it by default (``diagnose=True``), looking at the
neurons after epochs 1, 2, 4, 8, ... (at least 200 batches apart) and at
the end, on at most a few hundred training samples, so that it costs
little; it warns once per new finding
with a ``DiagnosisWarning`` and leaves its ``Report`` in
``history.diagnosis``.

The catalogue, by code:

=========================  ====================================================================
``unscaled-inputs``        input columns far from unit scale (before training)
``targets-out-of-range``   targets the output activation cannot produce (before training)
``symmetric-init``         hidden twins: identical weights in and out, and bias
``no-nonlinearity``        a linear network on data that needs a curved boundary or fit
``no-bias``                layers without biases (``bias=False``) on targets that need them
``non-finite``             the first value of a pass that is not a finite number, and why
``dead-neurons``           relu neurons with ``z <= 0`` on every sample
``saturated-neurons``      sigmoid / tanh neurons stuck where their slope is ~0
``constant-output``        the same output for every input
``zero-gradients``         weights whose gradient is exactly 0 while the loss is not
``vanishing-gradients``    gradients shrinking by orders of magnitude towards the first layer
``exploding-gradients``    ... or growing
``learning-rate-too-large`` the loss rising, or updates as large as the weights
``learning-rate-too-small`` a flat loss with updates tiny next to the weights
``overfitting``            validation loss rising while the training loss falls
=========================  ====================================================================

The thresholds are ``neurosim.diagnostics.settings.Settings``.

Examples
--------
A relu network trained with a learning rate far too large:

>>> import neurosim as ns
>>> X, y = ns.datasets.moons(200, noise=0.1, seed=0)
>>> net = ns.Network.from_shape([2, 8, 1], activation="relu", output_activation="sigmoid", seed=0)
>>> history = net.fit(X, y, epochs=20, lr=50.0, loss="bce", seed=0, verbose=0, diagnose=False)
>>> report = ns.diagnose(net, X, y, loss="bce")
>>> report.ok, report.codes
(False, ['dead-neurons', 'zero-gradients', 'constant-output'])
>>> report["dead-neurons"].severity, report["dead-neurons"].where[:3]
('error', ('hidden1[0]', 'hidden1[1]', 'hidden1[2]'))
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from neurosim import engines
from neurosim._text import plain
from neurosim.diagnostics.backprop import layer_deltas, pass_gradients
from neurosim.diagnostics.data_checks import data_findings
from neurosim.diagnostics.history_checks import (
    flat_loss,
    overfitting,
    rising_loss,
    update_ratios,
)
from neurosim.diagnostics.nonfinite import first_non_finite
from neurosim.diagnostics.pass_checks import RECTIFIERS, dead_neuron_names, gradient_findings, neuron_findings
from neurosim.diagnostics.report import Finding, Report
from neurosim.diagnostics.settings import Settings, checked_settings
from neurosim.errors import DiagnosisWarning, ParameterError, outside_stacklevel
from neurosim.training import Callback

if TYPE_CHECKING:
    from neurosim.core import Network
    from neurosim.losses import Loss
    from neurosim.training import History
    from neurosim.training.callbacks import Batch, Run

#: codes judged from the network's state at each look: replaced, not kept, by the next look
STATE_CODES = (
    "dead-neurons",
    "saturated-neurons",
    "constant-output",
    "zero-gradients",
    "vanishing-gradients",
    "exploding-gradients",
)


def diagnose(
    network: Network,
    X: object,
    Y: object,
    loss: str | Loss = "mse",
    *,
    settings: Settings | dict[str, float] | None = None,
    history: History | None = None,
) -> Report:
    """Check ``network`` on ``X``, ``Y``: the data, the targets, the weights, one forward and backward pass.

    Parameters
    ----------
    network : Network
        The network to examine, trained or not.
    X, Y : array-like
        Inputs and targets, as for ``fit``.
    loss : {"mse", "bce", "cross_entropy"} or Loss
        The loss the network is (to be) trained with.
    settings : dict or Settings, optional
        Thresholds to change (see ``neurosim.diagnostics.settings.Settings``).
    history : History, optional
        A training run's history: adds the findings about the course of
        the loss (``learning-rate-too-large``, ``overfitting``).

    Returns
    -------
    Report
        The findings, most severe first; ``report.ok`` is ``False`` when
        any is an error or a warning.

    Notes
    -----
    Afterwards the neurons and gradients hold the pass on ``X``, ``Y``, as
    after ``net.backward(X, Y, loss)``, so ``neuron.explain()`` shows what
    the doctor saw.

    Examples
    --------
    >>> import numpy as np
    >>> import neurosim as ns
    >>> X, y = ns.datasets.xor()
    >>> net = ns.Network.from_shape([2, 1], seed=0)          # a perceptron: no hidden layer
    >>> report = ns.diagnose(net, X, y, loss="bce")
    >>> report.codes, report["no-nonlinearity"].evidence["linear_accuracy"]
    (['no-nonlinearity'], 0.75)
    """
    loss_fn, X, T = network.prepare_batch(X, Y, loss)
    settings = checked_settings(settings)
    findings = data_findings(network, X, T, loss_fn, settings)
    engine = engines.create(network, "compiled")
    with np.errstate(all="ignore"):
        finite = engine.train_batch(engine.prepare(X), engine.prepare(T), loss_fn)
        values = engine.last_pass()
        broken = first_non_finite(network, X, values, loss_fn, T)
        if broken is not None:
            findings.append(broken)
        elif finite:
            loss_value = loss_fn.value(values.logits, values.outputs, T)
            grads = {block: block.grad for block in network.blocks}
            deltas = {layer: values.delta(layer) for layer in network.layers[1:]}
            trained = history is not None and stalled(history.loss, settings)
            findings += neuron_findings(network, values, loss_fn, T, settings, trained=trained)
            findings += gradient_findings(network, values, grads, deltas, loss_value, settings)
    engine.publish()
    if history is not None:
        findings += _course_findings(history, settings)
    return Report(findings)


def stalled(losses: list[float], settings: Settings) -> bool:
    """Whether ``settings.patience`` epochs have passed and the loss fell under 1% over the last of them."""
    if len(losses) < settings.patience:
        return False
    before, now = losses[-settings.patience], losses[-1]
    return bool(before - now < 0.01 * abs(before))


def _course_findings(history: History, settings: Settings) -> list[Finding]:
    found = [rising_loss(history.loss, None, settings), overfitting(history.loss, history.val_loss, settings)]
    return [finding for finding in found if finding is not None]


def doctor_for(diagnose: object) -> Doctor | None:
    """The ``Doctor`` that ``net.fit(..., diagnose=...)`` adds: True, a dict of thresholds, or False."""
    if diagnose is False:
        return None
    if diagnose is True:
        return Doctor()
    if isinstance(diagnose, (dict, Settings)):
        return Doctor(diagnose)
    raise ParameterError(
        f"diagnose must be True, False or a dict of the doctor's thresholds; got {diagnose!r}"
    )


class Doctor(Callback):
    """The doctor as a training callback: ``net.fit(..., diagnose=True)`` (the default) adds one.

    Before the first epoch it checks the data, the targets and the
    network; at the end of epochs 1, 2, 4, 8, ... (once at least
    ``settings.look_every`` batches have passed since its last look) and
    at the end of training it looks at every neuron, and at the gradients,
    on at most ``settings.samples`` training
    samples (computing them itself, so that the network's own gradients and
    neuron values stay as training leaves them), and at the losses so far. Each finding of severity
    warning or error warns once with a ``DiagnosisWarning`` when first
    seen. At the end, ``history.diagnosis`` is the ``Report``: what held at
    the end, and the findings about the course of training.

    Parameters
    ----------
    settings : dict or Settings, optional
        Thresholds to change (see ``neurosim.diagnostics.settings.Settings``).
    warn : bool, default True
        Whether to warn as findings appear.

    Examples
    --------
    >>> import warnings
    >>> import neurosim as ns
    >>> X, y = ns.datasets.xor()
    >>> net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid",
    ...                            init="constant", seed=0)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     history = net.fit(X, y, epochs=50, lr=0.5, loss="bce", verbose=0)
    >>> history.diagnosis.codes
    ['zero-gradients', 'symmetric-init', 'constant-output']
    >>> print(caught[0].message)        # doctest: +ELLIPSIS
    symmetric-init: 4 of 4 neurons of layer 'hidden1' have identical incoming weights and bias ...
    """

    def __init__(self, settings: Settings | dict[str, float] | None = None, *, warn: bool = True) -> None:
        self.settings = checked_settings(settings)
        self.warn = warn
        self.report = Report()
        self._reset()

    def _reset(self) -> None:
        self.before: list[Finding] = []
        self.state: dict[str, Finding] = {}
        self.course: dict[str, Finding] = {}
        self.broken: Finding | None = None
        self.warned: set[str] = set()
        self.dead_seen: dict[str, int] = {}
        #: per relu layer, the epoch from which each neuron has been 0 on the last batch of every epoch
        self.off_since: dict[str, np.ndarray] = {}
        self.looked_at = -1

    def on_fit_begin(self, run: Run) -> None:
        """Check the data, the targets and the network; choose the samples to look at."""
        self._reset()
        rng = np.random.default_rng(0)
        n = run.X.shape[0]
        picked = (
            np.sort(rng.choice(n, self.settings.samples, replace=False))
            if n > self.settings.samples
            else slice(None)
        )
        self.X, self.T = run.X[picked], run.T[picked]
        with np.errstate(all="ignore"):
            self.before = data_findings(run.network, run.X, run.T, run.loss, self.settings)
        self._announce(self.before)

    def on_epoch_end(self, run: Run, epoch: int) -> None:
        """Note the relus at 0 on the epoch's last batch; look after epochs 1, 2, 4, 8, ... now and then."""
        self._note_silent_relus(run, epoch)
        since = (epoch - max(self.looked_at, 0)) * run.batches_per_epoch
        if epoch & (epoch - 1) == 0 and since >= self.settings.look_every:
            self._look(run, epoch)

    def on_fit_end(self, run: Run) -> None:
        """Look once more, and leave the report in ``history.diagnosis``."""
        epoch = run.history.epochs
        if run.history.diverged_at is not None:
            # the weights are past use, but the losses up to the divergence still tell their story
            with np.errstate(all="ignore"):
                course = [rising_loss(run.history.loss, run.optimizer.lr, self.settings)]
                course.append(overfitting(run.history.loss, run.history.val_loss, self.settings))
            self.course = _keep_first_epochs(self.course, course, max(epoch, 1))
        elif epoch > 0 and self.looked_at != epoch:
            self._look(run, epoch)
        findings = [*self.before, *self.state.values(), *self.course.values()]
        if self.broken is not None:
            findings.append(self.broken)
        self.report = Report(findings)
        run.history.diagnosis = self.report

    def divergence_cause(self, run: Run, batch: Batch) -> str | None:
        """Name the first value that stopped being finite in the batch's pass (``fit`` asks on divergence)."""
        finding = first_non_finite(run.network, batch.X, batch.values, run.loss, batch.T, batch.indices)
        if finding is None:
            return None
        finding = _at_epoch(finding, batch.epoch)
        losses = run.history.loss
        context = ""
        if len(losses) >= 2 and losses[-1] > min(losses):
            context = (
                f" The loss had risen from {plain(min(losses))} to {plain(losses[-1])} in the epochs before, "
                f"so the learning rate lr={run.optimizer.lr:g} is too large."
            )
        self.broken = replace(finding, message=finding.message + context)
        self.warned.add(finding.code)  # the DivergenceWarning says it
        message = self.broken.message
        return f"{message[:1].upper()}{message[1:]} Try: {self.broken.advice}."

    def _look(self, run: Run, epoch: int) -> None:
        self.looked_at = epoch
        network, settings, lr = run.network, self.settings, run.optimizer.lr
        with np.errstate(all="ignore"):
            values = run.engine.activations(run.engine.prepare(self.X))
            dead = dead_neuron_names(network, values)
            self.dead_seen = {name: self._dead_since(name, epoch) for name in dead}
            trained = stalled(run.history.loss, settings)
            found = neuron_findings(network, values, run.loss, self.T, settings, trained=trained)
            found = [_with_first_seen(f, self.dead_seen) if f.code == "dead-neurons" else f for f in found]
            losses = run.history.loss
            deltas = layer_deltas(network, values, run.loss, self.T)
            grads = pass_gradients(network, values, run.loss, self.T, deltas)
            loss_value = run.loss.value(values.logits, values.outputs, self.T)
            found += gradient_findings(network, values, grads, deltas, loss_value, settings)
            ratios = update_ratios(network, grads, lr)
            course = [
                rising_loss(losses, lr, settings),
                flat_loss(losses, ratios, lr, settings),
                overfitting(losses, run.history.val_loss, settings),
            ]
        self.state = _keep_first_epochs(self.state, found, epoch)
        self.course = _keep_first_epochs(self.course, course, epoch)
        self._announce([*self.state.values(), *self.course.values()])

    def _note_silent_relus(self, run: Run, epoch: int) -> None:
        """Every epoch, almost for free: which relus had z <= 0 on all of the last batch, and since when."""
        values = run.engine.last_pass()
        for layer in run.network.layers[1:]:
            z = values.z(layer) if layer.activation.name in RECTIFIERS else None
            if z is None:
                continue
            off = z.max(axis=0) <= 0
            since = self.off_since.get(layer.name)
            if since is None or since.shape != off.shape:
                since = np.zeros(off.shape, dtype=int)
            self.off_since[layer.name] = np.where(off, np.where(since > 0, since, epoch), 0)

    def _dead_since(self, name: str, epoch: int) -> int:
        """The epoch from which the dead neuron ``name`` has been 0 on every last batch (or ``epoch``)."""
        layer, index = name[: name.index("[")], int(name[name.index("[") + 1 : -1])
        since = self.off_since.get(layer)
        first = int(since[index]) if since is not None and since[index] > 0 else epoch
        return min(self.dead_seen.get(name, epoch), first)

    def _announce(self, findings: list[Finding]) -> None:
        for finding in findings:
            if finding.severity == "info" or finding.code in self.warned:
                continue
            self.warned.add(finding.code)
            if self.warn:
                warnings.warn(
                    f"{finding.code}: {finding.message}", DiagnosisWarning, stacklevel=outside_stacklevel()
                )


def _keep_first_epochs(
    previous: dict[str, Finding], found: list[Finding | None], epoch: int
) -> dict[str, Finding]:
    """The findings of one look by code (the first of a code wins), dated when the code was first seen."""
    current: dict[str, Finding] = {}
    for finding in found:
        if finding is None or finding.code in current:
            continue
        first = previous[finding.code].epoch if finding.code in previous else epoch
        current[finding.code] = _at_epoch(finding, finding.epoch or first)
    return current


def _at_epoch(finding: Finding, epoch: int) -> Finding:
    return replace(finding, epoch=epoch)


def _with_first_seen(finding: Finding, seen: dict[str, int]) -> Finding:
    """Date the dead neurons: since when each has been 0 (on each epoch's last batch, then on the look)."""
    for name, numbers in finding.evidence.items():
        numbers["dead_since_epoch"] = seen[name]
    first = min(seen[name] for name in finding.where)
    return _at_epoch(finding, first)
