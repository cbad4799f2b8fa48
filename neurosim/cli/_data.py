"""Data for the commands: a built-in dataset by name, or a CSV file of numbers.

A CSV file holds one sample per row: numbers separated by commas, the
target in the last column (or the column ``--target`` names), and
optionally a header row of column names first. Every problem with the file
is reported with its line and column, as the user's editor numbers them.
"""

from __future__ import annotations

import csv
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from neurosim import datasets
from neurosim.cli.parser import usage_error
from neurosim.errors import DataError, ShapeError

if TYPE_CHECKING:
    from neurosim.core.network import Network


@dataclass
class Data:
    """Samples read for a command: inputs, the target column and where they came from.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_inputs)
        The input columns.
    targets : ndarray of shape (n_samples,)
        The target column, as read.
    source : str
        How to name the data in messages: ``"built-in dataset 'moons'"`` or ``"'data.csv'"``.
    name : str
        A short name: the dataset's, or the file's without its extension.
    target_name : str
        The target column's name.
    lines : list of int, optional
        The line of the file each sample came from (CSV files only).
    input_names : list of str, optional
        The input columns' names, in the order of ``X``'s columns (CSV
        files only): from the header row, else ``"column 1"``, ``"column 2"``, ...
    """

    X: np.ndarray
    targets: np.ndarray
    source: str
    name: str
    target_name: str
    lines: list[int] | None = None
    input_names: list[str] | None = None

    def where(self, sample: int) -> str:
        """Where sample ``sample`` is: its line in the file, or its index."""
        if self.lines is None:
            return f"sample {sample}"
        return f"line {self.lines[sample]}"


def built_in() -> dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]]:
    """The datasets of ``neurosim.datasets``, by name."""
    return {name: getattr(datasets, name) for name in datasets.__all__ if name != "split"}


def read_data(prog: str, spec: str, *, target: str | None = None, seed: int = 0) -> Data:
    """Read ``spec``: the name of a built-in dataset, or the path of a CSV file.

    A built-in name wins over a file of the same name (write ``./moons`` for
    the file). Generated datasets are drawn with ``seed``.
    """
    makers = built_in()
    if spec in makers:
        if target is not None:
            raise usage_error(
                prog, f"--target applies to CSV files only; built-in dataset {spec!r} has a fixed target"
            )
        return _built_in(spec, makers[spec], seed)
    path = Path(spec)
    if not path.exists() and not path.suffix and len(path.parts) == 1:
        raise usage_error(
            prog,
            f"unknown dataset {spec!r}; choose from: {', '.join(makers)}, or give the path of a CSV file",
        )
    return read_csv(prog, path, target)


def check_data_fits(net: Network, data: Data) -> None:
    """Refuse data whose number of input columns is not the network's number of inputs."""
    size = net.input_layer.size
    if data.X.shape[1] != size:
        raise ShapeError(
            f"{data.source} has {data.X.shape[1]} input columns, but the network has {size} inputs"
        )


def _built_in(name: str, make: Callable[..., tuple[np.ndarray, np.ndarray]], seed: int) -> Data:
    takes_seed = "seed" in inspect.signature(make).parameters
    X, y = make(seed=seed) if takes_seed else make()
    return Data(
        np.asarray(X, dtype=float), np.asarray(y, dtype=float), f"built-in dataset {name!r}", name, "class"
    )


def read_csv(prog: str, path: Path, target: str | None = None) -> Data:
    """Read a CSV file of numbers; the target is the last column unless ``target`` names another."""
    rows = _rows(path)
    header = _header(rows)
    first_line, first_cells = header if header is not None else rows[0]
    if header is not None:
        rows = rows[1:]
    width = len(first_cells)
    if width < 2:
        raise DataError(
            f"{str(path)!r} has only one column; expected input columns and a target column "
            f"(the last one, or the one --target names){_separator_hint(first_cells[0])}"
        )
    if not rows:
        raise DataError(f"{str(path)!r} has a header row but no rows of numbers")
    header_names = None if header is None else header[1]
    column = _target_column(prog, target, header_names, width)
    values = np.array(
        [_numbers(path, line, cells, (first_line, width), header_names) for line, cells in rows]
    )
    names = header_names or [f"column {i}" for i in range(1, width + 1)]
    inputs = [i for i in range(width) if i != column]
    lines = [line for line, _ in rows]
    return Data(
        values[:, inputs],
        values[:, column],
        repr(str(path)),
        path.stem,
        names[column],
        lines,
        [names[i] for i in inputs],
    )


def _rows(path: Path) -> list[tuple[int, list[str]]]:
    """The file's non-blank rows, each with the line it starts on and its cells (stripped)."""
    if path.is_dir():
        raise DataError(f"{str(path)!r} is a folder; expected a CSV file (or a built-in dataset's name)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"cannot read {str(path)!r}: no such file") from None
    except UnicodeDecodeError:
        raise DataError(f"cannot read {str(path)!r}: it is not a text file; expected a CSV file") from None
    except OSError as error:
        raise DataError(f"cannot read {str(path)!r}: {error.strerror or error}") from None
    reader = csv.reader(text.splitlines())
    rows = []
    line = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((line, [cell.strip() for cell in cells]))
            line = reader.line_num + 1
    except csv.Error:  # the only error of csv's default dialect: a cell longer than it reads
        raise DataError(_too_long(path, text, line, rows)) from None
    if not rows:
        raise DataError(f"{str(path)!r} is empty; expected rows of comma-separated numbers")
    return rows


def _too_long(path: Path, text: str, line: int, rows: list[tuple[int, list[str]]]) -> str:
    """The message for a cell longer than ``csv.field_size_limit()`` in the row starting on ``line``."""
    limit = csv.field_size_limit()
    cells = text.splitlines()[line - 1].split(",")
    long = [(i, len(cell)) for i, cell in enumerate(cells) if len(cell) > limit]
    if not long:  # a quoted cell running over several lines
        return (
            f"{str(path)!r} line {line}: a cell is longer than the {limit:,} characters a CSV cell may hold"
        )
    column, length = long[0]
    header = _header(rows) if rows else None
    name = f" ({header[1][column]!r})" if header is not None and column < len(header[1]) else ""
    return (
        f"{str(path)!r} line {line}, column {column + 1}{name}: the cell has {length:,} characters, "
        f"more than the {limit:,} a CSV cell may hold; expected a number"
    )


def _shown(cell: str, most: int = 40) -> str:
    """``repr(cell)``, shortened to its start and its length when longer than ``most`` characters.

    Examples
    --------
    >>> _shown("1.5"), _shown("x" * 1000, most=5)
    ("'1.5'", "'xxxxx...' (1,000 characters)")
    """
    if len(cell) <= most:
        return repr(cell)
    return f"{cell[:most]!r}"[:-1] + f"...' ({len(cell):,} characters)"


def _header(rows: list[tuple[int, list[str]]]) -> tuple[int, list[str]] | None:
    """The first row, if it is a header: none of its cells is a number."""
    line, cells = rows[0]
    if any(_is_number(cell) for cell in cells):
        return None
    return line, [cell or f"column {i}" for i, cell in enumerate(cells, start=1)]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _numbers(
    path: Path, line: int, cells: list[str], first: tuple[int, int], names: list[str] | None
) -> list[float]:
    """The numbers of one row, which must be as wide as the ``first`` row: ``(line, width)``."""
    first_line, width = first
    if len(cells) != width:
        raise DataError(
            f"{str(path)!r} line {line} has {len(cells)} values, but line {first_line} has {width}; "
            "every row needs the same number of columns"
        )
    values = []
    for i, cell in enumerate(cells):
        where = f"{str(path)!r} line {line}, column {i + 1}" + ("" if names is None else f" ({names[i]!r})")
        try:
            value = float(cell)
        except ValueError:
            raise DataError(f"{where}: {_not_a_number(cell)}") from None
        if not math.isfinite(value):
            raise DataError(f"{where}: {_shown(cell)} is not a finite number; expected numbers only")
        values.append(value)
    return values


def _not_a_number(cell: str) -> str:
    if not cell:
        return "the cell is empty; expected a number"
    return f"{_shown(cell)} is not a number{_separator_hint(cell)}"


def _separator_hint(cell: str) -> str:
    """A hint for a cell that looks like several columns separated by something else than commas."""
    for separator, name in ((";", "';'"), ("\t", "tabs"), (" ", "spaces")):
        if separator in cell.strip():
            return f"; columns must be separated by commas, and this file seems to use {name}"
    return ""


def _target_column(prog: str, target: str | None, names: list[str] | None, width: int) -> int:
    """The index of the target column: the last, or the one ``target`` names (by name or number from 1)."""
    if target is None:
        return width - 1
    if names is not None and target in names:
        return names.index(target)
    if target.isdigit() and 1 <= int(target) <= width:
        return int(target) - 1
    choices = (
        "the file has no header row" if names is None else f"the columns are {', '.join(map(repr, names))}"
    )
    raise usage_error(
        prog, f"--target {target!r} is not a column; give a name or a number from 1 to {width} ({choices})"
    )
