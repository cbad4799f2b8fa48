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

A temporary file is named after its target, the writing process and the
machine, so that a later save of the same target can remove one that a
killed process left behind (``leftovers``).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import stat
import tempfile
import zlib
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
    writers that choose a format by it, names the writing process and
    machine, and is short enough for any legal ``path``. Before it is
    created, the temporary files that earlier saves of ``path`` left when
    their process was killed are removed (``remove_leftovers``). Once
    written, it gets the permissions of the file it replaces, or those a
    new file normally gets (``0o666`` less the umask),
    and replaces ``path``; where ``path`` is a symbolic link, the file it
    points to is replaced and the link kept. A failure at any point leaves
    an earlier file at ``path`` as it was, and no temporary file behind. An
    ``OSError`` becomes a ``ModelFileError`` naming the path
    (``"cannot {action} 'path': ..."``); a ``path`` that is not a file name
    a ``ParameterError``.
    """
    path = checked_path(path, action)
    try:  # a name too long for the system fails here already
        target = Path(os.path.realpath(path)) if path.is_symlink() else path
    except OSError as error:
        raise ModelFileError(f"cannot {action} {str(path)!r}: {error.strerror or error}") from error
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise ModelFileError(f"cannot {action} {str(path)!r}: folder {str(directory)!r} does not exist")
    try:
        remove_leftovers(target)
        mode = _mode_for(target)
        descriptor, temporary = tempfile.mkstemp(
            prefix=_temporary_prefix(target, os.getpid()), suffix=_temporary_suffix(target), dir=directory
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


def leftovers(target: str | os.PathLike[str]) -> list[Path]:
    """The temporary files of saves of ``target`` on this machine whose process is no longer alive.

    Only regular files named as ``replace_atomically`` names the temporary
    files for ``target`` count, written by a process of this machine (its
    host name is in the name) whose ID names no live process. A file being
    written by a live process is never listed, nor one written on another
    machine sharing the folder. Where processes cannot be asked whether
    they live without side effects (outside POSIX), nothing is listed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "model.json"
    >>> leftovers(path)
    []
    """
    target = Path(target)
    if os.name != "posix":
        return []
    pattern = re.compile(
        re.escape(f".{_name_hint(target.name)}.")
        + r"([0-9]{1,10})"
        + re.escape(f"-{_host_tag()}.")
        + r"[a-z0-9_]+"
        + re.escape(_temporary_suffix(target))
    )
    found = []
    with contextlib.suppress(OSError), os.scandir(target.parent if str(target.parent) else ".") as entries:
        for entry in entries:
            match = pattern.fullmatch(entry.name)
            if match and entry.is_file(follow_symlinks=False) and not _alive(int(match.group(1))):
                found.append(Path(entry.path))
    return found


def remove_leftovers(target: str | os.PathLike[str]) -> None:
    """Remove the ``leftovers`` of ``target``: temporary files of saves whose process was killed.

    A file that cannot be removed is left as it is; this never fails.
    """
    for leftover in leftovers(target):
        with contextlib.suppress(OSError):
            os.unlink(leftover)


def _alive(pid: int) -> bool:
    """Whether a process with ID ``pid`` runs on this machine (or might: only a sure "no" is False)."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # another user's process, or an ID the system cannot hold
        return True
    return True


def _temporary_prefix(target: Path, pid: int) -> str:
    """``.NAME.PID-HOST.``: the start of the target's name, the writing process and its machine."""
    return f".{_name_hint(target.name)}.{pid}-{_host_tag()}."


def _host_tag() -> str:
    """Eight hexadecimal digits standing for this machine's host name."""
    return f"{zlib.crc32(socket.gethostname().encode('utf-8', 'surrogateescape')):08x}"


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
