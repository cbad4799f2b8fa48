"""The playground's configuration: what data, which network, how it trains, checked field by field.

A ``Config`` is made from JSON (``from_json``, all fields optional, each
checked) or from the page's address (``from_query``, the query string that
``to_query`` writes), so that a configuration can be shared as a link and
restored on reload. Anything out of bounds raises ``ConfigError``, which
names the field and says what was expected.

Examples
--------
>>> config = from_json({"dataset": "xor", "hidden": [3], "activations": ["tanh"]})
>>> config.dataset, config.hidden, config.lr
('xor', (3,), 0.1)
>>> from_query(config.to_query()) == config
True
>>> from_json({"hidden": [4, 99]})
Traceback (most recent call last):
...
neurosim.playground.config.ConfigError: hidden[1]: expected a whole number from 1 to 8; got 99
"""

from __future__ import annotations

import dataclasses
import math
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from neurosim.errors import ParameterError
from neurosim.optim import OPTIMIZERS

#: the datasets of the page; "csv" is the file the user uploads
DATASETS = ("circles", "xor", "moons", "spiral", "blobs", "bumps", "csv")
#: the hidden layers' activations the page offers
ACTIVATIONS = ("tanh", "relu", "leaky_relu", "sigmoid", "softplus", "identity")
#: the weight initialisations the page offers (see ``neurosim.initializers``)
INITS = ("xavier", "he", "uniform", "normal", "zeros")
MAX_HIDDEN_LAYERS = 6
MAX_NEURONS = 8
#: samples drawn for a generated dataset
MIN_SAMPLES, MAX_SAMPLES = 10, 1000
MAX_CLASSES = 6
MIN_GRID, MAX_GRID = 10, 80
MAX_SEED = 2**31 - 1
MAX_LR = 10.0
MAX_PENALTY = 1.0
MAX_BIAS_INIT = 10.0
MAX_TEST_RATIO = 0.9


class ConfigError(ParameterError):
    """A field of the configuration, or of a request, is missing, unknown or out of bounds.

    ``field`` names it, as the page and the address write it.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class Config:
    """Everything the page chooses: the data, the network, the training, and the picture's grid.

    Attributes
    ----------
    dataset : str
        One of ``DATASETS``; ``"csv"`` is the file uploaded last.
    samples : int
        How many points a generated dataset has (``xor`` always has its four).
    noise : float
        The dataset's noise: the standard deviation of each point's noise
        (the angle's, in radians, for ``spiral``; the target's for ``bumps``).
    classes : int
        The classes of ``spiral`` and ``blobs``.
    test_ratio : float
        The fraction of the points held out as test points (none for ``xor``).
    data_seed : int
        Seed of the points and of the split.
    hidden : tuple of int
        The hidden layers' sizes, first first; empty for none.
    activations : tuple of str
        One activation per hidden layer.
    init : str
        How the weights are drawn (one of ``INITS``).
    bias_init : float
        What every hidden neuron's bias starts at (neurosim starts them at 0).
    seed : int
        Seed of the weights and of the batch order.
    lr : float
        The learning rate.
    batch_size : int
        Samples per batch (at most the training points).
    optimizer : str
        One of ``neurosim.optim.OPTIMIZERS``.
    l1, l2 : float
        ``fit``'s ``l1`` and ``weight_decay``: penalties on the weights.
    grid : int
        The decision boundary's resolution: ``grid`` x ``grid`` points.
    """

    dataset: str = "circles"
    samples: int = 200
    noise: float = 0.1
    classes: int = 2
    test_ratio: float = 0.5
    data_seed: int = 0
    hidden: tuple[int, ...] = (4, 2)
    activations: tuple[str, ...] = ("tanh", "tanh")
    init: str = "xavier"
    bias_init: float = 0.0
    seed: int = 0
    lr: float = 0.1
    batch_size: int = 10
    optimizer: str = "sgd"
    l1: float = 0.0
    l2: float = 0.0
    grid: int = 40

    def to_json(self) -> dict[str, Any]:
        """The configuration as JSON-ready values (lists for the layers)."""
        return {
            field.name: list(value) if isinstance(value, tuple) else value
            for field in dataclasses.fields(self)
            for value in [getattr(self, field.name)]
        }

    def to_query(self) -> str:
        """The configuration as a query string, every field written out.

        Examples
        --------
        >>> Config(hidden=(3,), activations=("relu",)).to_query()[:60]
        'dataset=circles&samples=200&noise=0.1&classes=2&test_ratio=0'
        """
        pairs = [
            (name, ",".join(map(str, value)) if isinstance(value, list) else str(value))
            for name, value in self.to_json().items()
        ]
        return urlencode(pairs, safe=",")

    def changed(self, changes: dict[str, Any]) -> Config:
        """A copy with the fields of ``changes`` (JSON values) checked and replaced."""
        return _checked({**self.to_json(), **_known(changes)}, set(changes))

    def data_fields(self) -> tuple[object, ...]:
        """What decides the points: the dataset and its settings."""
        return (self.dataset, self.samples, self.noise, self.classes, self.test_ratio, self.data_seed)

    def network_fields(self) -> tuple[object, ...]:
        """What decides the network as it starts: its shape, activations, initialisation and seed."""
        return (self.hidden, self.activations, self.init, self.bias_init, self.seed)


#: (kind, low, high, choices) of each field: "int", "float", "choice", "ints" or "choices"
FIELDS: dict[str, tuple[str, float, float, tuple[str, ...]]] = {
    "dataset": ("choice", 0, 0, DATASETS),
    "samples": ("int", MIN_SAMPLES, MAX_SAMPLES, ()),
    "noise": ("float", 0.0, 1.0, ()),
    "classes": ("int", 2, MAX_CLASSES, ()),
    "test_ratio": ("float", 0.0, MAX_TEST_RATIO, ()),
    "data_seed": ("int", 0, MAX_SEED, ()),
    "hidden": ("ints", 1, MAX_NEURONS, ()),
    "activations": ("choices", 0, 0, ACTIVATIONS),
    "init": ("choice", 0, 0, INITS),
    "bias_init": ("float", -MAX_BIAS_INIT, MAX_BIAS_INIT, ()),
    "seed": ("int", 0, MAX_SEED, ()),
    "lr": ("float", 0.0, MAX_LR, ()),
    "batch_size": ("int", 1, MAX_SAMPLES, ()),
    "optimizer": ("choice", 0, 0, tuple(OPTIMIZERS)),
    "l1": ("float", 0.0, MAX_PENALTY, ()),
    "l2": ("float", 0.0, MAX_PENALTY, ()),
    "grid": ("int", MIN_GRID, MAX_GRID, ()),
}
#: fields that must be above their low bound, not equal to it
STRICTLY_ABOVE = {"lr"}


def choices() -> dict[str, Any]:
    """What the page may choose from, and the bounds of each number, for its controls.

    Examples
    --------
    >>> choices()["fields"]["hidden"]
    {'kind': 'ints', 'low': 1, 'high': 8}
    """
    fields = {
        name: {"kind": kind, **({"choices": list(options)} if options else {"low": low, "high": high})}
        for name, (kind, low, high, options) in FIELDS.items()
    }
    return {"fields": fields, "max_hidden_layers": MAX_HIDDEN_LAYERS, "defaults": Config().to_json()}


def from_json(values: object) -> Config:
    """The configuration of a JSON object: its fields replace the defaults, each checked.

    Examples
    --------
    >>> from_json({"lr": 0.5, "optimizer": "adam"}).optimizer
    'adam'
    >>> from_json({"learning_rate": 0.5})
    Traceback (most recent call last):
    ...
    neurosim.playground.config.ConfigError: learning_rate: unknown field; expected one of: dataset, ...
    """
    if not isinstance(values, dict):
        raise ConfigError("config", f"expected a JSON object of fields; got {shown(values)}")
    return Config().changed(values)


def from_query(query: str) -> Config:
    """The configuration written in a query string (``a=1&b=2``, with or without the leading ``?``).

    Lists are written with commas (``hidden=4,2``; ``hidden=`` for no
    hidden layer). Fields not given keep their defaults.

    Examples
    --------
    >>> from_query("?dataset=moons&hidden=8,8&activations=relu,relu").hidden
    (8, 8)
    >>> from_query("lr=fast")
    Traceback (most recent call last):
    ...
    neurosim.playground.config.ConfigError: lr: expected a number from 0 to 10 (0 excluded); got 'fast'
    """
    if not isinstance(query, str):
        raise ConfigError("query", f"expected the text of a query string; got {shown(query)}")
    values: dict[str, Any] = {}
    for name, text in parse_qsl(query.lstrip("?"), keep_blank_values=True):
        if name in values:
            raise ConfigError(name, "given twice; give each field once")
        values[name] = _from_text(name, text)
    return from_json(values)


def _from_text(name: str, text: str) -> object:
    """The JSON value that a field's text in a query string stands for (checked later)."""
    kind = FIELDS.get(name, ("choice",))[0]
    if kind in ("ints", "choices"):
        items = [item.strip() for item in text.split(",")] if text.strip() else []
        return [_number_text(item) for item in items] if kind == "ints" else items
    if kind in ("int", "float"):
        return _number_text(text)
    return text


def _number_text(text: str) -> object:
    """``text`` as an int or a float where it reads as one, else the text itself (refused later)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _known(values: dict[str, Any]) -> dict[str, Any]:
    for name in values:
        if name not in FIELDS:
            raise ConfigError(field_name(name), f"unknown field; expected one of: {', '.join(FIELDS)}")
    return values


def _checked(values: dict[str, Any], given: set[str]) -> Config:
    """The ``Config`` of ``values``, each field checked; ``given`` names those the caller set."""
    fields = {name: _field(name, values[name]) for name in FIELDS}
    if len(fields["activations"]) != len(fields["hidden"]):
        if "hidden" in given and "activations" not in given:
            # a layer added or removed: the new ones take the activation of the last one
            last = fields["activations"][-1] if fields["activations"] else ACTIVATIONS[0]
            fields["activations"] = (fields["activations"] + (last,) * MAX_HIDDEN_LAYERS)[
                : len(fields["hidden"])
            ]
        else:
            raise ConfigError(
                "activations",
                f"expected one activation per hidden layer ({len(fields['hidden'])}); "
                f"got {len(fields['activations'])}",
            )
    return Config(**fields)


def _field(name: str, value: object) -> object:
    kind, low, high, choices = FIELDS[name]
    if kind == "choice":
        return _choice(name, value, choices)
    if kind == "int":
        return _whole(name, value, int(low), int(high))
    if kind == "float":
        return _number(name, value, low, high)
    if not isinstance(value, list):
        raise ConfigError(name, f"expected a list; got {shown(value)}")
    if kind == "ints" and len(value) > MAX_HIDDEN_LAYERS:
        raise ConfigError(name, f"expected at most {MAX_HIDDEN_LAYERS} hidden layers; got {len(value)}")
    if kind == "ints":
        return tuple(_whole(f"{name}[{i}]", item, int(low), int(high)) for i, item in enumerate(value))
    if len(value) > MAX_HIDDEN_LAYERS:
        raise ConfigError(name, f"expected at most {MAX_HIDDEN_LAYERS} activations; got {len(value)}")
    return tuple(_choice(f"{name}[{i}]", item, choices) for i, item in enumerate(value))


def _choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ConfigError(name, f"expected one of: {', '.join(choices)}; got {shown(value)}")
    return value


def _whole(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(name, f"expected a whole number from {low} to {high}; got {shown(value)}")
    return value


def _number(name: str, value: object, low: float, high: float) -> float:
    above = name in STRICTLY_ABOVE
    if not is_finite_number(value) or not (low < value if above else low <= value) or value > high:
        excluded = f" ({low:g} excluded)" if above else ""
        raise ConfigError(name, f"expected a number from {low:g} to {high:g}{excluded}; got {shown(value)}")
    return float(value)


def is_finite_number(value: object) -> bool:
    """Whether ``value`` is an int or a float (not a bool) that a float holds, and finite.

    Examples
    --------
    >>> is_finite_number(2), is_finite_number(float("inf")), is_finite_number(10**400), is_finite_number(True)
    (True, False, False, False)
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def field_name(name: object, most: int = 40) -> str:
    """``name`` as the field of an error: itself, or cut as ``shown`` cuts it when longer than ``most``.

    Examples
    --------
    >>> field_name("colour"), field_name("x" * 100, most=5)
    ('colour', "'xxxx... (102 characters)")
    """
    text = str(name)
    return text if len(text) <= most else shown(text, most)


def shown(value: object, most: int = 40) -> str:
    """``repr(value)``, cut to ``most`` characters, so that a huge value makes a short message.

    Examples
    --------
    >>> shown("ab"), shown("x" * 1000, most=5)
    ("'ab'", "'xxxx... (1,002 characters)")
    """
    try:
        text = repr(value)
    except ValueError:  # an int with more digits than Python writes out
        return f"a whole number of more than {sys.get_int_max_str_digits():,} digits"
    except RecursionError:  # lists in lists, deeper than repr goes
        return f"a {type(value).__name__} nested too deeply to write out"
    return text if len(text) <= most else text[:most] + f"... ({len(text):,} characters)"
