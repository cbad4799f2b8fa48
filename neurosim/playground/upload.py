r"""The user's own points, uploaded as CSV text: two input columns and a label column.

One sample per row, numbers separated by commas, optionally a header row of
column names first (a first row with no finite number in it: ``nan,inf,label``
is a header too). The label column is
the last one: 2 to 20 distinct whole numbers make classes, anything else a
target to predict (``neurosim.training.tasks.infer_task``). Every problem
is reported with its line and column, as an editor numbers them.

Examples
--------
>>> upload = read_upload("x,y,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n", "xor.csv")
>>> upload.X.tolist(), upload.y.tolist(), upload.name
([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 1.0, 1.0, 0.0], 'xor.csv')
>>> read_upload("1,2\n3,4\n", "two.csv")
Traceback (most recent call last):
...
neurosim.playground.config.ConfigError: file: 'two.csv' line 1 has 2 columns; expected 3: two input ...
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass

import numpy as np

from neurosim.errors import NeurosimError
from neurosim.playground.config import ConfigError, shown
from neurosim.training.tasks import infer_task

#: the most rows of numbers an upload may have
MAX_ROWS = 2000
#: the most characters of CSV text an upload may have
MAX_CHARACTERS = 200_000
MIN_ROWS = 4
#: the largest size of a number in the file: the page draws the plane around the points
MAX_VALUE = 1e6
COLUMNS = 3


@dataclass(frozen=True)
class Upload:
    """The points of an uploaded file: ``X`` of shape ``(n, 2)``, the labels ``y``, and the file's name."""

    X: np.ndarray
    y: np.ndarray
    name: str


def read_upload(text: object, name: object = "upload.csv") -> Upload:
    """Read CSV ``text``; raise ``ConfigError`` (field ``file``) naming the line and column of any problem."""
    if not isinstance(name, str) or len(name) > 200:
        raise ConfigError("name", "expected the file's name, at most 200 characters")
    if not isinstance(text, str):
        raise ConfigError("text", "expected the file's text")
    if len(text) > MAX_CHARACTERS:
        raise ConfigError(
            "text", f"{name!r} has {len(text):,} characters; the playground reads at most {MAX_CHARACTERS:,}"
        )
    rows = _rows(text.lstrip("\ufeff"), name)
    if not any(_is_finite_number(cell) for cell in rows[0][1]):
        rows = rows[1:]  # the header
    if len(rows) < MIN_ROWS:
        raise ConfigError("file", f"{name!r} has {len(rows)} rows of numbers; expected at least {MIN_ROWS}")
    if len(rows) > MAX_ROWS:
        raise ConfigError(
            "file", f"{name!r} has {len(rows):,} rows; the playground reads at most {MAX_ROWS:,}"
        )
    values = np.array([_numbers(name, line, cells) for line, cells in rows])
    X, y = values[:, :2], values[:, 2]
    try:
        infer_task(y)
    except NeurosimError as error:
        raise ConfigError("file", f"{name!r}, its label column (the last): {error}") from None
    return Upload(X, y, name)


def _rows(text: str, name: str) -> list[tuple[int, list[str]]]:
    """The non-blank rows, each with its line number and its cells, every row 3 cells wide."""
    rows = []
    try:
        for line, cells in enumerate(csv.reader(text.splitlines()), start=1):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != COLUMNS:
                raise ConfigError(
                    "file",
                    f"{name!r} line {line} has {len(cells)} column{'s' if len(cells) != 1 else ''}; "
                    f"expected {COLUMNS}: two input columns and a label column, separated by commas",
                )
            rows.append((line, [cell.strip() for cell in cells]))
    except csv.Error as error:
        raise ConfigError("file", f"{name!r} is not CSV text: {error}") from None
    if not rows:
        raise ConfigError("file", f"{name!r} is empty; expected rows of three comma-separated numbers")
    return rows


def _numbers(name: str, line: int, cells: list[str]) -> list[float]:
    values = []
    for column, cell in enumerate(cells, start=1):
        where = f"{name!r} line {line}, column {column}"
        try:
            value = float(cell)
        except ValueError:
            raise ConfigError(
                "file", f"{where}: {shown(cell) if cell else 'the cell is empty'}; expected a number"
            ) from None
        if not math.isfinite(value) or abs(value) > MAX_VALUE:
            raise ConfigError(
                "file", f"{where}: {shown(cell)} is not a number from {-MAX_VALUE:g} to {MAX_VALUE:g}"
            )
        values.append(value)
    return values


def _is_finite_number(cell: str) -> bool:
    """Whether ``cell`` reads as a finite number (``nan`` and ``inf``, which ``float`` reads, are words)."""
    try:
        return math.isfinite(float(cell))
    except ValueError:
        return False
