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

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from neurosim.errors import ModelFileError, ParameterError

#: The most bytes of the target's name a temporary file's name repeats, so the temporary
#: name stays within any file system's limit (255 bytes) whatever the target's length.
NAME_HINT_BYTES = 60

#: The longest extension a temporary file keeps (for writers that choose a format by it).
MAX_SUFFIX_CHARACTERS = 10


def checked_path(path: object, action: str) -> Path:
    """``path`` as a ``Path``, if it is a non-empty ``str`` or ``os.PathLike`` without NUL characters.

    Otherwise a ``ParameterError`` that says ``"cannot {action}: ..."``.

    Examples
    --------
    >>> checked_path("model.json", "load")
    PosixPath('model.json')
    >>> checked_path("", "load")
    Traceback (most recent call last):
    ...
    neurosim.errors.ParameterError: cannot load: the path is empty; expected a file name such as 'model.json'
    """
    text = os.fspath(path) if isinstance(path, (str, os.PathLike)) else None
    if not isinstance(text, str):
        raise ParameterError(
            f"cannot {action}: the path must be a str or os.PathLike such as 'model.json'; "
            f"got {type(path).__name__}"
        )
    if not text:
        raise ParameterError(f"cannot {action}: the path is empty; expected a file name such as 'model.json'")
    if "\0" in text:
        raise ParameterError(f"cannot {action} {text!r}: the path contains a NUL character")
    return Path(text)


def write_atomically(
    path: str | os.PathLike[str], write: Callable[[IO], None], *, binary: bool = False, action: str = "write"
) -> None:
    """Call ``write(handle)`` on a temporary file beside ``path``, then move it into place.

    The file is flushed to disk before it replaces ``path``; see
    ``replace_atomically`` for what a failure leaves behind.
    """

    def write_and_flush(descriptor: int, temporary: str) -> None:
        try:
            handle = os.fdopen(descriptor, "wb" if binary else "w", encoding=None if binary else "utf-8")
        except BaseException:
            os.close(descriptor)
            raise
        with handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())

    replace_atomically(path, write_and_flush, action=action)


def replace_atomically(
    path: str | os.PathLike[str], write: Callable[[int, str], None], *, action: str = "write"
) -> None:
    """Call ``write(descriptor, temporary_path)`` for a new file beside ``path``, then move it into place.

    ``write`` owns the open ``descriptor`` (it closes it, or hands it to
    ``os.fdopen``). The temporary file keeps ``path``'s extension, for
    writers that choose a format by it, and a name short enough for any
    legal ``path``. Once written, it gets the permissions of the file it
    replaces, or those a new file normally gets (``0o666`` less the umask),
    and replaces ``path``; where ``path`` is a symbolic link, the file it
    points to is replaced and the link kept. A failure at any point leaves
    an earlier file at ``path`` as it was, and no temporary file behind. An
    ``OSError`` becomes a ``ModelFileError`` naming the path
    (``"cannot {action} 'path': ..."``); a ``path`` that is not a file name
    a ``ParameterError``.
    """
    path = checked_path(path, action)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise ModelFileError(f"cannot {action} {str(path)!r}: folder {str(directory)!r} does not exist")
    try:
        mode = _mode_for(target)
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{_name_hint(target.name)}.", suffix=_temporary_suffix(target), dir=directory
        )
    except OSError as error:
        raise ModelFileError(f"cannot {action} {str(path)!r}: {error.strerror or error}") from error
    try:
        write(descriptor, temporary)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise ModelFileError(f"cannot {action} {str(path)!r}: {error.strerror or error}") from error
        raise


def _name_hint(name: str) -> str:
    """The start of ``name``, at most ``NAME_HINT_BYTES`` bytes long in the file system's encoding."""
    while len(os.fsencode(name)) > NAME_HINT_BYTES:
        name = name[:-1]
    return name


def _temporary_suffix(target: Path) -> str:
    suffix = target.suffix
    return ".tmp" + (suffix if len(suffix) <= MAX_SUFFIX_CHARACTERS else "")


def _mode_for(target: Path) -> int:
    """The permissions of the regular file at ``target``, or those a new file gets."""
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    if info is not None and stat.S_ISREG(info.st_mode):
        return stat.S_IMODE(info.st_mode)
    return 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
