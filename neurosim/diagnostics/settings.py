"""The doctor's thresholds: documented numbers a user can change.

Examples
--------
>>> settings = checked_settings({"dead_fraction": 0.25})
>>> settings.dead_fraction, settings.saturation_slope
(0.25, 0.001)
>>> checked_settings({"dead_fracton": 0.25})
Traceback (most recent call last):
...
neurosim.errors.ParameterError: settings has no threshold 'dead_fracton'; did you mean 'dead_fraction'? ...
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, fields, replace

from neurosim.errors import ParameterError
from neurosim.validation import positive_integer, positive_number


@dataclass(frozen=True)
class Settings:
    """Thresholds of the doctor's checks (pass a dict of the ones to change to ``ns.diagnose``).

    Attributes
    ----------
    input_scale : float
        ``unscaled-inputs``: a column whose mean or standard deviation is
        larger than this (in absolute value) is far from unit scale.
    dead_fraction : float
        ``dead-neurons`` is a warning when at least this fraction of a
        layer's relu neurons is dead (an error when all of them are), and
        information below it: a few dead relus are common and harmless.
    saturation_slope : float
        ``saturated-neurons``: the derivative, as a fraction of the
        activation's largest (0.25 for sigmoid, 1 for tanh), below which a
        neuron counts as saturated on a sample.
    saturation_samples : float
        ... and the fraction of samples on which it must be saturated.
    saturated_fraction : float
        ``saturated-neurons`` is a warning from this fraction of a layer.
    constant_spread : float
        ``constant-output``: outputs whose range over the samples is below
        this fraction of the targets' range hardly vary with the input.
    vanishing_ratio, exploding_ratio : float
        ``vanishing-gradients`` / ``exploding-gradients``: the ratio of the
        first weight layer's gradient size to the last's below / above which
        gradients shrink / grow on their way back.
    linear_accuracy : float
        ``no-nonlinearity``: a network without a nonlinear hidden neuron is
        flagged when the best linear classifier on the data scores below this
        accuracy (for regression: when a least-squares line explains less
        than this fraction of the targets' variance).
    rising_loss, rise_of_first : float
        ``learning-rate-too-large``: an epoch's loss is this many times the
        lowest before it, and above it by at least ``rise_of_first`` times
        the first epoch's loss.
    small_update_ratio : float
        ``learning-rate-too-small``: updates this small relative to the
        weights, while the loss stays flat ...
    working_gradient : float
        ... and the gradients are not small themselves: ``|grad| / |w|``
        above this.
    flat_loss : float
        ``learning-rate-too-small``: the loss changed by less than this
        fraction over training.
    overfit_rise : float
        ``overfitting``: the validation loss stayed above its lowest value by
        this fraction for ``patience`` epochs, and ended above it by this
        fraction of the first epoch's validation loss, while the training
        loss fell by this fraction.
    patience : int
        Epochs a loss-based finding waits for before it is judged.
    samples : int
        During training, the doctor looks at the neurons on at most this
        many training samples ...
    look_every : int
        ... at the end of epochs 1, 2, 4, 8, ..., but only once at least
        this many batches have been trained since its last look (so that
        looking costs a few percent of training), and at the end.
    """

    input_scale: float = 10.0
    dead_fraction: float = 0.5
    saturation_slope: float = 1e-3
    saturation_samples: float = 0.9
    saturated_fraction: float = 0.5
    constant_spread: float = 1e-3
    vanishing_ratio: float = 1e-4
    exploding_ratio: float = 1e4
    linear_accuracy: float = 0.95
    rising_loss: float = 1.5
    rise_of_first: float = 0.5
    small_update_ratio: float = 1e-6
    working_gradient: float = 1e-4
    flat_loss: float = 1e-3
    overfit_rise: float = 0.1
    patience: int = 10
    samples: int = 256
    look_every: int = 200


def checked_settings(settings: Settings | dict[str, float] | None) -> Settings:
    """``settings`` as a ``Settings``: ``None`` for the defaults, or a dict of thresholds to change."""
    if settings is None:
        return Settings()
    if isinstance(settings, Settings):
        return settings
    if not isinstance(settings, dict):
        raise ParameterError(f"settings must be a dict of thresholds or a Settings; got {settings!r}")
    known = {f.name for f in fields(Settings)}
    for name in settings:
        if name not in known:
            close = difflib.get_close_matches(str(name), known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ParameterError(
                f"settings has no threshold {name!r}; {hint}the thresholds are {', '.join(sorted(known))}"
            )
    checked = {
        name: positive_integer(value, f"settings[{name!r}]")
        if name in ("patience", "samples", "look_every")
        else positive_number(value, f"settings[{name!r}]")
        for name, value in settings.items()
    }
    return replace(Settings(), **checked)
