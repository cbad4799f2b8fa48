"""Where a command writes: checking the ``--output`` folder or file first, then writing into it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from neurosim.cli.parser import usage_error

#: picture file name and a function that draws it (a Figure or Axes)
Picture = tuple[str, Callable[[], object]]


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


def check_output_file(prog: str, option: str, path: Path) -> None:
    """Raise a usage error unless a file can be written at ``path``, which ``option`` gave.

    Its folder must exist and be writable, so that a command finds out
    before it works, not after.

    Examples
    --------
    >>> check_output_file("neurosim diagnose", "--json", Path("no-such-folder") / "findings.json")
    Traceback (most recent call last):
    ...
    neurosim.cli.parser.UsageError: neurosim diagnose: --json 'no-such-folder/findings.json': \
folder 'no-such-folder' does not exist (see: neurosim diagnose --help)
    """
    folder = path.parent if str(path.parent) else Path(".")
    named = f"{option} {str(path)!r}"
    if path.is_dir():
        raise usage_error(prog, f"{named} is a folder; expected the name of a file")
    if not folder.exists():
        raise usage_error(prog, f"{named}: folder {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise usage_error(prog, f"{named}: {str(folder)!r} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise usage_error(prog, f"{named}: cannot write in {str(folder)!r} (read-only, or no permission)")


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
