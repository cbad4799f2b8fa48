"""Where a command writes: checking the ``--output`` folder or file first, then writing into it."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@contextmanager
def staged_folder(folder: Path) -> Iterator[Path]:
    """Yield a hidden folder to write into; move what it holds to ``folder`` when the block ends well.

    When the block raises (a full disk, an interrupt), the hidden folder is
    removed and ``folder`` is as it was: not created if it did not exist,
    and with its files untouched if it did. A new ``folder`` (and any
    missing folders above it) appears in one rename; into an existing one,
    each file written replaces the file of its name, and the others stay.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "runs" / "first"
    >>> with staged_folder(folder) as stage:
    ...     _ = (stage / "model.json").write_text("{}")
    ...     folder.exists()
    False
    >>> sorted(p.name for p in folder.iterdir())
    ['model.json']
    """
    top = _topmost_missing(folder)
    hidden = Path(
        tempfile.mkdtemp(prefix=f".{(top or folder).name}.", dir=folder if top is None else top.parent)
    )
    stage = hidden if top is None else hidden / folder.relative_to(top)
    try:
        stage.mkdir(parents=True, exist_ok=True)
        yield stage
        if top is None:
            for path in sorted(stage.iterdir()):
                os.replace(path, folder / path.name)
            hidden.rmdir()
        else:
            os.rename(hidden, top)
    finally:
        shutil.rmtree(hidden, ignore_errors=True)


def _topmost_missing(folder: Path) -> Path | None:
    """The highest of ``folder`` and the folders above it that does not exist; ``None`` if it exists."""
    missing = None
    while not folder.exists() and folder != folder.parent:
        missing, folder = folder, folder.parent
    return missing


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
