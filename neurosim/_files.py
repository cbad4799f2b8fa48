"""Writing files whole or not at all."""

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

    The file is flushed to disk and given the permissions a new file normally
    gets (``0o666`` less the umask) before it replaces ``path``, so a failure
    at any point leaves an earlier file at ``path`` as it was, and no
    temporary file behind. An ``OSError`` becomes a :class:`ModelFileError`
    naming the path (``"cannot {action} 'path': ..."``).
    """
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise ModelFileError(f"cannot {action} {str(path)!r}: folder {str(directory)!r} does not exist")
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "wb" if binary else "w", encoding=None if binary else "utf-8") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
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
