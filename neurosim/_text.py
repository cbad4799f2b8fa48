"""Small text helpers for reports that read well in a REPL."""

from __future__ import annotations


class Text(str):
    r"""A string that a REPL shows as text, not as a quoted literal.

    Examples
    --------
    >>> Text("a\nb")
    a
    b
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)


def number(value: float, digits: int = 4) -> str:
    """Format ``value`` with ``digits`` significant digits, negatives in parentheses: a term of a sum.

    Examples
    --------
    >>> number(0.5), number(-0.31234), number(1234.5)
    ('0.5', '(-0.3123)', '1234')
    """
    text = f"{value:.{digits}g}"
    return f"({text})" if value < 0 else text


def plain(value: float, digits: int = 4) -> str:
    """Format ``value`` with ``digits`` significant digits, as a value standing on its own.

    Examples
    --------
    >>> plain(-0.31234), plain(2.0)
    ('-0.3123', '2')
    """
    return f"{value:.{digits}g}"


def table(header: list[str], rows: list[list[str]]) -> str:
    """Render rows as a plain text table with aligned columns.

    Examples
    --------
    >>> print(table(["a", "bb"], [["1", "2"], ["333", "4"]]))
    a    bb
    ---  --
    1    2
    333  4
    """
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [header, ["-" * width for width in widths], *rows]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )
