"""Argument types the commands and the demos share, and the check of an ``--input`` sample.

An argument type turns the text of one option into a value, or raises
``argparse.ArgumentTypeError`` with a message saying what was expected, which
the parser prints in one line: ``argument --epochs: expected a positive whole
number; got '0'``.

Examples
--------
>>> from neurosim.cli.parser import ArgumentParser
>>> parser = ArgumentParser(prog="neurosim example")
>>> _ = parser.add_argument("--epochs", type=positive_int, default=10)
>>> parser.parse_args(["--epochs", "30"]).epochs
30
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from neurosim.activations import get_activation
from neurosim.cli.parser import usage_error
from neurosim.errors import UnknownNameError
from neurosim.initializers import get_initializer
from neurosim.losses import get_loss

if TYPE_CHECKING:
    from neurosim.core.network import Network


def positive_int(text: str) -> int:
    """Argument type: a whole number above zero."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive whole number; got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive whole number; got {text!r}")
    return value


def random_seed(text: str) -> int:
    """Argument type: a random seed, a whole number from zero up."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0; got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0; got {text!r}")
    return value


def positive_float(text: str) -> float:
    """Argument type: a finite number above zero."""
    value = _number(text, "a positive number")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number; got {text!r}")
    return value


def fraction(text: str) -> float:
    """Argument type: a number in [0, 1)."""
    value = _number(text, "a number from 0 up to (not including) 1")
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a number from 0 up to (not including) 1; got {text!r}")
    return value


def number_list(text: str) -> list[float]:
    """Argument type: comma-separated finite numbers, such as ``0.5,1``.

    Examples
    --------
    >>> number_list("0.5, -1")
    [0.5, -1.0]
    """
    cells = [cell.strip() for cell in text.split(",")]
    return [_number(cell, "comma-separated numbers, such as 0.5,1") for cell in cells]


def _number(text: str, expected: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}; got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected {expected}; got {text!r}")
    return value


def registry_name(lookup: Callable[[str], object]) -> Callable[[str], str]:
    """Argument type: a name that ``lookup`` knows (an activation, a loss, an initializer).

    Examples
    --------
    >>> loss_name("bce")
    'bce'
    >>> loss_name("hinge")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: unknown loss 'hinge'; expected one of: mse, bce, cross_entropy
    """

    def check(text: str) -> str:
        try:
            lookup(text)
        except UnknownNameError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
        return text

    return check


activation_name = registry_name(get_activation)
loss_name = registry_name(get_loss)
initializer_name = registry_name(get_initializer)


def check_input(prog: str, net: Network, values: list[float]) -> None:
    """Refuse an ``--input`` whose length is not the network's number of inputs."""
    size = net.input_layer.size
    if len(values) != size:
        names = [neuron.name for neuron in net.input_layer.neurons[:3]] + (["..."] if size > 3 else [])
        given = f"{len(values)} value{'s' if len(values) != 1 else ''}"
        raise usage_error(prog, f"--input has {given} but the network has {size} inputs ({', '.join(names)})")
