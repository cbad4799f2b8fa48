"""What the commands share: argument types, usage errors, the output folder and writing pictures."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from neurosim.cli._parser import UsageError

if TYPE_CHECKING:
    from neurosim.core.network import Network

#: picture file name and a function that draws it (a Figure or Axes)
Picture = tuple[str, Callable[[], object]]


def usage_error(prog: str, message: str) -> UsageError:
    """A bad command line found after parsing, in the parser's one-line format."""
    return UsageError(f"{prog}: {message} (see: {prog} --help)")


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


def check_input(prog: str, net: Network, values: list[float]) -> None:
    """Refuse an ``--input`` whose length is not the network's number of inputs."""
    size = net.input_layer.size
    if len(values) != size:
        names = [neuron.name for neuron in net.input_layer.neurons[:3]] + (["..."] if size > 3 else [])
        given = f"{len(values)} value{'s' if len(values) != 1 else ''}"
        raise usage_error(prog, f"--input has {given} but the network has {size} inputs ({', '.join(names)})")


def check_output_folder(prog: str, folder: Path) -> None:
    """Raise a usage error unless ``folder`` exists as a writable folder or can be created.

    Nothing is created, so a command that fails later leaves no empty folder behind.
    """
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        what = "is" if existing == folder else f"cannot hold a folder: {str(existing)!r} is"
        raise usage_error(prog, f"--output {str(folder)!r} {what} a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise usage_error(
            prog, f"--output {str(folder)!r}: cannot write in {str(existing)!r} (read-only, or no permission)"
        )


def write_pictures(folder: Path, pictures: list[Picture]) -> list[Path]:
    """Draw each picture and save it into ``folder`` (which must exist); return the paths.

    A figure whose drawing or saving fails is closed before the error goes on.
    """
    import matplotlib.pyplot as plt

    import neurosim as ns

    paths = []
    for name, draw in pictures:
        before = set(plt.get_fignums())
        try:
            paths.append(ns.plot.save(draw(), folder / name))
        finally:
            for number in set(plt.get_fignums()) - before:
                plt.close(number)
    return paths


def print_written(folder: Path, paths: list[Path]) -> None:
    """Say which files went into ``folder``."""
    print(f"\nFiles written to {folder}:")
    for path in paths:
        print(f"  {path.name}")
