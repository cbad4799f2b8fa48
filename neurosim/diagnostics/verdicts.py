"""Verdicts on your own arrays next to neurosim's: one per array or layer, and a report of them.

``compare_gradients`` and ``compare_forward`` read the arrays of code written
from scratch, set them next to what neurosim computes, and give each a
``Verdict``: a stable code (``"match"``, ``"scaled"``, ``"transposed"``, ...),
the factor found, the evidence and a message that names the line to change.
This module holds what both share: the verdict, the report, how close two
arrays are, and how a batch is read when its samples may be rows or columns.

Examples
--------
>>> import numpy as np
>>> relative_difference(np.array([1.0, 2.0]), np.array([1.0, 2.02]))
0.0099...
>>> scale_factor(np.array([2.0, 4.0]), np.array([1.0, 2.0]))
2.0
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from neurosim._text import Text, html_or_plain, html_table, table
from neurosim.errors import ParameterError, ShapeError
from neurosim.validation import as_float_array

#: the verdicts, worst first: the order in which a report lists its items
SEVERITY = (
    "wrong-shape",
    "mismatch",
    "wrong-derivative",
    "wrong-activation",
    "softmax-wrong-axis",
    "missing-bias",
    "missing-source-activation",
    "summed-over-wrong-axis",
    "summed-over-all",
    "transposed",
    "sign-flipped",
    "not-averaged",
    "scaled",
    "follows-earlier",
    "convention",
    "match",
)
#: the verdicts under which an array is right: ``ok`` holds when every item has one of them
RIGHT = ("match", "convention")
#: below this (times the largest reference value), an array counts as all zeros
ZERO = 1e-12


@dataclass(frozen=True)
class Verdict:
    """What one of your arrays is, next to neurosim's.

    ``name`` is the array's name (``"W1"``, ``"b2"``) or the layer's
    (``"hidden1"``); ``verdict`` a stable code from ``SEVERITY``;
    ``factor`` the constant your array is of neurosim's (``None`` where no
    single factor explains it); ``message`` says what differs and the line
    of code to change. The evidence: ``error``, the largest difference
    between your array and neurosim's read the same way, relative to the
    largest value of neurosim's; ``where``, the neuron or synapse where they
    differ most, with ``yours`` and ``expected`` there.
    """

    name: str
    verdict: str
    message: str
    factor: float | None = None
    error: float | None = None
    where: str = ""
    yours: float | None = None
    expected: float | None = None

    @property
    def ok(self) -> bool:
        """Whether your array is right: a match, or a different loss convention."""
        return self.verdict in RIGHT


class Comparison:
    """Verdicts on your arrays, one per array or layer, in network order.

    ``ok`` is True when every item is a ``match`` or a ``convention``;
    ``str()`` gives a table of the items and then the messages of those that
    do not match, worst first.
    """

    title = "comparison"

    def __init__(self, items: list[Verdict], tolerance: float) -> None:
        self.items = list(items)
        self.tolerance = tolerance

    @property
    def ok(self) -> bool:
        """Whether every array is right (``match`` or ``convention``)."""
        return all(item.ok for item in self.items)

    def __getitem__(self, name: str) -> Verdict:
        """The verdict on the array or layer called ``name``."""
        for item in self.items:
            if item.name == name:
                return item
        raise KeyError(
            f"no verdict on {name!r}; there are verdicts on {', '.join(i.name for i in self.items)}"
        )

    @property
    def worst_first(self) -> list[Verdict]:
        """The items, the worst verdict first (network order among equals)."""
        return sorted(self.items, key=lambda item: SEVERITY.index(item.verdict))

    def __str__(self) -> str:
        lines = [self._headline(), table(list(COLUMNS), self._rows())]
        lines += self._messages()
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(Text(str(self)))

    def _repr_html_(self) -> str:
        """A notebook shows the headline, a table of the verdicts, and what to change, worst first."""
        return html_or_plain(self._html, self)

    def _html(self) -> str:
        parts = [f"<p><b>{html.escape(self._headline())}</b></p>", html_table(list(COLUMNS), self._rows())]
        parts += [f"<p>{html.escape(message)}</p>" for message in self._messages()]
        return "<div>" + "\n".join(parts) + "</div>"

    def _headline(self) -> str:
        right = sum(item.ok for item in self.items)
        return f"{self.title}: {right} of {len(self.items)} right (tolerance {self.tolerance:g})"

    def _rows(self) -> list[list[str]]:
        return [
            [item.name, item.verdict, _factor_text(item.factor), _difference_text(item.error)]
            for item in self.items
        ]

    def _messages(self) -> list[str]:
        """What each array that is not a match says, worst first."""
        return [f"{item.name}: {item.message}" for item in self.worst_first if item.verdict != "match"]


#: the columns of a comparison's table
COLUMNS = ("array", "verdict", "factor", "difference")


def _factor_text(factor: float | None) -> str:
    return "" if factor is None else f"{factor:.4g}"


def _difference_text(error: float | None) -> str:
    return "" if error is None else f"{error:.3g}"


def relative_difference(yours: np.ndarray, expected: np.ndarray) -> float:
    """The largest ``|yours - expected|``, relative to the largest ``|expected|`` (absolute if that is 0)."""
    scale = float(np.max(np.abs(expected), initial=0.0))
    difference = float(np.max(np.abs(yours - expected), initial=0.0))
    return difference / scale if scale > ZERO else difference


def agrees(yours: np.ndarray, expected: np.ndarray, tolerance: float) -> bool:
    """Whether two arrays of the same shape agree to ``tolerance`` (``relative_difference``)."""
    return yours.shape == expected.shape and relative_difference(yours, expected) <= tolerance


def scale_factor(yours: np.ndarray, expected: np.ndarray) -> float | None:
    """The ``k`` that best makes ``yours = k * expected`` (least squares); ``None`` if ``expected`` is 0."""
    norm = float(np.vdot(expected, expected))
    if yours.shape != expected.shape or norm <= ZERO**2:
        return None
    return float(np.vdot(yours, expected)) / norm


def is_multiple(yours: np.ndarray, expected: np.ndarray, factor: float, tolerance: float) -> bool:
    """Whether ``yours`` is ``factor * expected`` to ``tolerance`` (relative to ``factor * expected``)."""
    return agrees(yours, factor * expected, tolerance)


def close_to(value: float, target: float, tolerance: float) -> bool:
    """Whether two factors are the same to ``tolerance`` (relative), with at least 1e-9 of room."""
    return abs(value - target) <= max(tolerance, 1e-9) * abs(target)


def user_array(values: object, name: str) -> np.ndarray:
    """``values`` as a float array, checked to be finite and numeric."""
    array = as_float_array(values, name)
    if not np.isfinite(array).all():
        raise ParameterError(f"{name} holds NaN or infinite values; compare finite arrays")
    return array


def samples_in_rows(
    X: np.ndarray, n_inputs: int, samples: str | None, name: str = "X"
) -> tuple[np.ndarray, str]:
    """``X`` with one sample per row, and how it came: ``"rows"`` or ``"columns"``.

    ``samples`` says which; ``None`` finds it from the shape, and refuses a
    square ``X`` (it reads both ways).

    Examples
    --------
    >>> import numpy as np
    >>> samples_in_rows(np.zeros((2, 5)), 2, None)[1]
    'columns'
    >>> samples_in_rows(np.zeros((2, 2)), 2, None)
    Traceback (most recent call last):
    ...
    neurosim.errors.ParameterError: X is square (2, 2), so its samples could be rows or columns: ...
    """
    if samples is not None and (not isinstance(samples, str) or samples not in ("rows", "columns")):
        raise ParameterError(f"samples must be 'rows', 'columns' or None (found from X); got {samples!r}")
    if X.ndim == 1 and len(X) > 0 and (n_inputs == 1 or len(X) == n_inputs):
        X = X.reshape(-1, 1) if n_inputs == 1 else X.reshape(1, -1)
        return X, samples or "rows"
    if X.ndim != 2 or 0 in X.shape:
        expected = f"one sample of {n_inputs} inputs or a 2-D array of samples"
        raise ShapeError(f"{name} must be {expected}; got shape {X.shape}")
    if samples is None:
        if X.shape[0] == X.shape[1] == n_inputs:
            raise ParameterError(
                f"{name} is square {X.shape}, so its samples could be rows or columns: "
                "say which with samples='rows' (one sample per row) or samples='columns'"
            )
        samples = "rows" if X.shape[1] == n_inputs else "columns"
    rows = X if samples == "rows" else X.T
    if rows.shape[1] != n_inputs:
        across = "row" if samples == "rows" else "column"
        raise ShapeError(
            f"{name} has shape {X.shape}: with samples in {samples}, each {across} must hold "
            f"the network's {n_inputs} inputs"
        )
    return rows, samples
