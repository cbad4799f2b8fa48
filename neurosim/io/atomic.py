"""Writing files whole or not at all: a failed write leaves the earlier file as it was.

Examples
--------
>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
>>> write_atomically(path, lambda handle: handle.write("first"))
>>> def fail(handle):
...     handle.write("half")
...     raise RuntimeError("the writer failed")
>>> write_atomically(path, fail)
Traceback (most recent call last):
...
RuntimeError: the writer failed
>>> path.read_text(), sorted(p.name for p in path.parent.iterdir())
('first', ['notes.txt'])
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from neurosim.errors import ModelFileError


def write_atomically(
    path: Path, write: Callable[[IO], None], *, binary: bool = False, action: str = "write"
) -> None:
    """Call ``write(handle)`` on a temporary file beside ``path``, then move it into place.

    The file is flushed to disk before it replaces ``path``; see
    ``replace_atomically`` for what a failure leaves behind.
    """

    def write_and_flush(descriptor: int, temporary: str) -> None:
        with os.fdopen(descriptor, "wb" if binary else "w", encoding=None if binary else "utf-8") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())

    replace_atomically(path, write_and_flush, action=action)


def replace_atomically(path: Path, write: Callable[[int, str], None], *, action: str = "write") -> None:
    """Call ``write(descriptor, temporary_path)`` for a new file beside ``path``, then move it into place.

    ``write`` owns the open ``descriptor`` (it closes it, or hands it to
    ``os.fdopen``). The temporary file keeps ``path``'s extension, for
    writers that choose a format by it. Once written, it gets the
    permissions a new file normally gets (``0o666`` less the umask) and
    replaces ``path``, so a failure at any point leaves an earlier file at
    ``path`` as it was, and no temporary file behind. An ``OSError`` becomes
    a ``ModelFileError`` naming the path (``"cannot {action} 'path': ..."``).
    """
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise ModelFileError(f"cannot {action} {str(path)!r}: folder {str(directory)!r} does not exist")
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=f".tmp{path.suffix}", dir=directory
    )
    try:
        write(descriptor, temporary)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise ModelFileError(f"cannot {action} {str(path)!r}: {error.strerror or error}") from error
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
