"""The doctor's findings on the command line: printed with the file's column names, or written as JSON.

``neurosim diagnose`` prints a ``Report`` of ``ns.diagnose``, and
``neurosim train`` the one its training left in ``history.diagnosis``.
The doctor names inputs ``input[0]``, ``input[1]``, ...; for a CSV file the
commands add which of its columns each one is.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import IO

import numpy as np

from neurosim.cli._data import Data
from neurosim.core.network import Network
from neurosim.diagnostics import Report
from neurosim.io.atomic import write_atomically


def print_report(report: Report, net: Network, data: Data) -> None:
    """Print the findings, most severe first, and the file's columns they name."""
    print(report)
    columns = named_columns(net, report, data)
    if columns is not None:
        print(f"\n{columns}")


def named_columns(net: Network, report: Report, data: Data) -> str | None:
    """Which column of the file each input the findings name is: ``input[1] is 'income'``.

    ``None`` when the findings name no input, or the data is not from a file.
    """
    if data.input_names is None:
        return None
    inputs = {neuron.name: neuron.index for neuron in net.input_layer}
    named = dict.fromkeys(name for finding in report for name in finding.where if name in inputs)
    if not named:
        return None
    pairs = ", ".join(f"{name} is {data.input_names[inputs[name]]!r}" for name in named)
    return f"Columns of {data.source}: {pairs}"


def first_culprit(net: Network, report: Report) -> str | None:
    """The first hidden or output neuron the findings name, else the first such layer, for ``inspect``."""
    layers = {layer.name for layer in net.layers if not layer.is_input}
    named = [name for finding in report for name in finding.where if "->" not in name]
    named = [name for name in named if name.split("[", 1)[0] in layers]
    neurons = [name for name in named if "[" in name]
    return (neurons or named or [None])[0]


def write_findings(path: Path, report: Report, about: dict[str, object]) -> None:
    """Write ``about`` (the model, the data, ...) and the findings to ``path`` as JSON, whole or not at all.

    Numbers that are not finite (in the evidence of a ``non-finite``
    finding) are written as the strings ``"nan"``, ``"inf"`` and ``"-inf"``:
    JSON has no numbers for them.
    """
    findings = [
        {
            "code": finding.code,
            "severity": finding.severity,
            "where": list(finding.where),
            "evidence": finding.evidence,
            "message": finding.message,
            "advice": finding.advice,
        }
        for finding in report
    ]
    payload = {**about, "ok": report.ok, "findings": findings}
    text = json.dumps(as_json(payload), indent=2, allow_nan=False) + "\n"

    def write(handle: IO) -> None:
        handle.write(text)

    write_atomically(path, write)


def as_json(value: object) -> object:
    """``value`` with numpy numbers and arrays as plain ones, and non-finite floats as strings.

    Examples
    --------
    >>> as_json({"z": np.float64(-0.5), "a": np.array([1.0, np.inf]), "n": np.int64(3), 0: (True,)})
    {'z': -0.5, 'a': [1.0, 'inf'], 'n': 3, '0': [True]}
    """
    if isinstance(value, dict):
        return {str(key): as_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [as_json(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
