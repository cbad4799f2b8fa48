"""Text helpers of the printed report: plurals, left-aligned tables and footnote marks."""

from __future__ import annotations

from collections.abc import Sequence

from neurosim.benchmarks.engines.timing import Contender


def plural(count: int, word: str) -> str:
    """``count`` and ``word``, in the plural unless ``count`` is 1.

    Parameters
    ----------
    count : int
    word : str
        Singular noun: ``"batch"`` becomes ``"batches"``, anything else takes an ``s``.

    Returns
    -------
    str
    """
    if count == 1:
        return f"1 {word}"
    return f"{count} {'batches' if word == 'batch' else word + 's'}"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], indent: int = 2) -> None:
    """Print left-aligned columns.

    Parameters
    ----------
    headers : sequence of str
    rows : sequence of sequence of str
    indent : int
    """
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    pad = " " * indent
    for line in [headers, ["-" * w for w in widths], *rows]:
        print(pad + "  ".join(str(cell).ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


def footnote_marks(contenders: Sequence[Contender]) -> dict[str, str]:
    """A footnote mark for each contender with a note.

    Parameters
    ----------
    contenders : sequence of Contender

    Returns
    -------
    dict
        Contender name to mark.
    """
    symbols = iter(["*", "**", "***", "+", "++"])
    return {c.name: next(symbols) for c in contenders if c.note}
