"""Saving figures whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from neurosim.errors import ParameterError
from neurosim.io.atomic import write_atomically


def save(figure: Figure | Axes, path: str | os.PathLike[str], *, dpi: int = 110, close: bool = True) -> Path:
    """Save a figure (or the figure of an Axes) to ``path``, atomically, and return the path.

    The picture is written to a temporary file beside ``path`` and then
    moved into place, so a failed save leaves any earlier file as it was.
    The format follows the file's extension (``.png``, ``.svg``, ``.pdf``).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import neurosim as ns
    >>> ax = ns.plot.network(ns.Network.from_shape([2, 3, 1], seed=0))
    >>> path = ns.plot.save(ax, Path(tempfile.mkdtemp()) / "network.png")
    >>> path.stat().st_size > 0
    True
    """
    if isinstance(figure, Axes):
        figure = figure.get_figure(root=True)
    if not isinstance(figure, Figure):
        raise ParameterError(f"save() takes a matplotlib Figure or Axes; got {type(figure).__name__}")
    if not isinstance(path, (str, os.PathLike)):
        raise ParameterError(f"path must be a file path; got {path!r}")
    path = Path(path)
    formats = figure.canvas.get_supported_filetypes()
    if path.suffix.lower().lstrip(".") not in formats:
        raise ParameterError(
            f"path {str(path)!r} must end in a picture format's extension, one of: "
            f"{', '.join('.' + name for name in sorted(formats))}"
        )
    fmt = path.suffix.lower().lstrip(".")
    write_atomically(
        path, lambda handle: figure.savefig(handle, format=fmt, dpi=dpi, bbox_inches="tight"), binary=True
    )
    if close:
        plt.close(figure)
    return path
