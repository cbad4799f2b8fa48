"""Small text helpers for reports that read well in a REPL, and their HTML for notebooks."""

from __future__ import annotations

import html
import sys
from collections.abc import Callable


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
    >>> number(0.5), number(-0.31234), number(1234.5), number(-0.0)
    ('0.5', '(-0.3123)', '1234', '0')
    """
    value = value + 0.0  # -0.0 (a zero gradient times a negative number) reads as 0
    text = f"{value:.{digits}g}"
    return f"({text})" if value < 0 else text


def plain(value: float, digits: int = 4) -> str:
    """Format ``value`` with ``digits`` significant digits, as a value standing on its own.

    Examples
    --------
    >>> plain(-0.31234), plain(2.0), plain(-0.0)
    ('-0.3123', '2', '0')
    """
    return f"{value + 0.0:.{digits}g}"


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


def html_table(header: list[str], rows: list[list[str]], *, caption: str | None = None) -> str:
    """Render rows as an HTML table, every cell escaped; the first column in bold.

    Examples
    --------
    >>> print(html_table(["name", "value"], [["a<b", "1"]], caption="one row"))
    <table><caption>one row</caption>
    <tr><th>name</th><th>value</th></tr>
    <tr><th>a&lt;b</th><td>1</td></tr>
    </table>
    """
    lines = ["<table>" + (f"<caption>{html.escape(caption)}</caption>" if caption else "")]
    lines.append("<tr>" + "".join(f"<th>{html.escape(cell)}</th>" for cell in header) + "</tr>")
    for row in rows:
        first, *rest = row or [""]
        cells = "".join(f"<td>{html.escape(cell)}</td>" for cell in rest)
        lines.append(f"<tr><th>{html.escape(first)}</th>{cells}</tr>")
    lines.append("</table>")
    return "\n".join(lines)


def html_pre(text: str) -> str:
    """``text`` escaped in a ``<pre>`` block: a notebook shows it as it reads in a terminal.

    Examples
    --------
    >>> html_pre("z = a < b")
    '<pre>z = a &lt; b</pre>'
    """
    return f"<pre>{html.escape(text)}</pre>"


def html_or_plain(render: Callable[[], str], item: object) -> str:
    r"""What ``render()`` returns; if it raises, ``repr(item)`` and the reason in a ``<pre>`` block.

    A notebook calls ``_repr_html_`` methods to show a value: they use this,
    so that showing a value never fails, whatever state it is in.

    Examples
    --------
    >>> def broken():
    ...     raise ValueError("no values yet")
    >>> html_or_plain(broken, [1, 2])
    '<pre>[1, 2]\n(no table: ValueError: no values yet)</pre>'
    """
    try:
        return render()
    except Exception as error:  # a notebook shows what it can rather than a traceback
        try:
            text = repr(item)
        except Exception:
            text = f"a {type(item).__name__}"
        return html_pre(f"{text}\n(no table: {type(error).__name__}: {error})")


def rich_output_shown() -> bool:
    """Whether what shows a value shows more than plain text: ``False`` in IPython in a terminal.

    Outside IPython, whatever asks for an object's HTML shows it.

    Examples
    --------
    >>> rich_output_shown()  # a test, not IPython in a terminal
    True
    """
    ipython = sys.modules.get("IPython")  # never imported here: only looked up where it is running
    shell = getattr(ipython, "get_ipython", lambda: None)()
    if shell is None:
        return True
    return "text/html" in getattr(getattr(shell, "display_formatter", None), "active_types", ["text/html"])
