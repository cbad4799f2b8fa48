r"""Printing on any terminal: a character the terminal cannot show is printed as its escape.

A name can hold characters that the terminal's encoding has no bytes for: an
accented model name on an ASCII terminal, or a lone surrogate read from a
JSON escape such as ``"\udc80"`` in a model file, which no encoding accepts.
Python's standard streams raise ``UnicodeEncodeError`` for those (or, with
``surrogateescape``, write bytes that are not text); inside
``printable_streams`` they print ``\xe8`` or ``\udc80`` instead.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def printable_streams() -> Iterator[None]:
    r"""Within the block, stdout and stderr print what they cannot encode as backslash escapes.

    The streams get their own error handling back when the block ends.

    Examples
    --------
    >>> import contextlib, io
    >>> terminal = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    >>> with contextlib.redirect_stdout(terminal), printable_streams():
    ...     print("modèle \udc80")
    >>> terminal.flush()
    >>> terminal.buffer.getvalue(), terminal.errors
    (b'mod\\xe8le \\udc80\n', 'strict')
    """
    streams = [stream for stream in (sys.stdout, sys.stderr) if hasattr(stream, "reconfigure")]
    before = [stream.errors for stream in streams]
    for stream in streams:
        stream.reconfigure(errors="backslashreplace")
    try:
        yield
    finally:
        for stream, errors in zip(streams, before, strict=True):
            stream.reconfigure(errors=errors)
