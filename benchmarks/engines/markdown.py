"""The README's performance tables, written from a run's JSON file.

Run it on the file ``neurosim bench --json`` wrote::

    python -m neurosim.benchmarks.engines.markdown results.json

It prints one Markdown table per figure set (the workloads, the object
engine against a plain-Python loop, the scaling curves by width and by
batch size), ready to paste over the old ones.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: the README's name for each workload
WORKLOAD_TITLES = {
    "xor": "xor 2-4-1, full batch",
    "moons": "moons 2-16-16-1, batch 32",
    "digits": "digits 64-64-10, batch 32",
    "wide": "wide 784-256-256-10, 20000 samples, batch 128",
}


def times(ratio: float | None) -> str:
    """A ratio as the tables show it: two decimals below 10, none above.

    Parameters
    ----------
    ratio : float or None

    Returns
    -------
    str

    Examples
    --------
    >>> times(1.234), times(45.6), times(None)
    ('1.23x', '46x', '')
    """
    if ratio is None:
        return ""
    return f"{ratio:.2f}x" if ratio < 10 else f"{ratio:.0f}x"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table.

    Parameters
    ----------
    headers : sequence of str
    rows : sequence of sequence of str

    Returns
    -------
    str

    Examples
    --------
    >>> print(table(["a", "b"], [["1", "2"]]))
    | a | b |
    |---|---|
    | 1 | 2 |
    """
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def workloads_table(workloads: dict[str, Any]) -> str:
    """One row per workload: the bare reference's time, and every engine over it; compiled over both.

    Parameters
    ----------
    workloads : dict
        The JSON file's ``workloads``.

    Returns
    -------
    str
    """
    headers = [
        "workload",
        "reference",
        "reference + bookkeeping",
        "compiled",
        "compiled / (reference + bookkeeping)",
        "object",
        "PyTorch",
        "scikit-learn",
    ]
    rows = []
    for name, result in workloads.items():
        engines = result["engines"]

        def ratio(engine: str, engines: dict[str, Any] = engines) -> float | None:
            return engines[engine]["ratio"] if engine in engines else None

        rows.append(
            [
                WORKLOAD_TITLES.get(name, name),
                f"{engines['reference']['ms_per_epoch']:.3g} ms",
                times(ratio("reference+bookkeeping")),
                times(ratio("compiled")),
                times(engines["compiled"]["ratio_bookkeeping"]),
                times(ratio("object")),
                times(ratio("torch")),
                times(ratio("sklearn")),
            ]
        )
    return table(headers, rows)


def sweep_table(sweep: dict[str, Any], name: str) -> str:
    """The ratios of one scaling sweep, as one row under a row of its sizes.

    Parameters
    ----------
    sweep : dict
        ``scaling["width"]`` or ``scaling["batch"]`` of the JSON file.
    name : str
        What varies: the first header.

    Returns
    -------
    str

    Examples
    --------
    >>> print(sweep_table({"values": [8, 16], "ratio": [1.234, 1.1]}, "hidden width"))
    | hidden width | 8 | 16 |
    |---|---|---|
    | compiled / reference | 1.23 | 1.10 |
    """
    headers = [name, *(str(value) for value in sweep["values"])]
    return table(headers, [["compiled / reference", *(f"{ratio:.2f}" for ratio in sweep["ratio"])]])


def object_table(object_speed: dict[str, Any]) -> str:
    """The object engine and the plain-Python loop per sample at each batch size, and their ratio.

    Parameters
    ----------
    object_speed : dict
        The JSON file's ``object_speed``: ``{"batches": {batch: {"object_us", "python_us", "ratio"}}}``.

    Returns
    -------
    str

    Examples
    --------
    >>> print(object_table({"batches": {"1": {"object_us": 60.0, "python_us": 50.0, "ratio": 1.2}}}))
    | batch size | object engine | plain-Python loop | object / loop |
    |---|---|---|---|
    | 1 | 60.0 us | 50.0 us | 1.20 |
    """
    rows = [
        [str(batch), f"{row['object_us']:.1f} us", f"{row['python_us']:.1f} us", f"{row['ratio']:.2f}"]
        for batch, row in object_speed["batches"].items()
    ]
    return table(["batch size", "object engine", "plain-Python loop", "object / loop"], rows)


def readme_tables(results: dict[str, Any]) -> str:
    """Every table the README shows that the run measured, each under a line naming it.

    Parameters
    ----------
    results : dict
        The JSON file ``neurosim bench --json`` wrote.

    Returns
    -------
    str
    """
    parts = []
    if results.get("workloads"):
        parts.append("Workloads:\n\n" + workloads_table(results["workloads"]))
    if results.get("object_speed", {}).get("batches"):
        parts.append("Object engine per sample:\n\n" + object_table(results["object_speed"]))
    scaling = results.get("scaling")
    if scaling:
        parts.append("Scaling by width:\n\n" + sweep_table(scaling["width"], "hidden width"))
        parts.append("Scaling by batch size:\n\n" + sweep_table(scaling["batch"], "batch size"))
    return "\n\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the tables of the JSON file named on the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        One path.

    Returns
    -------
    int
        Exit status.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m neurosim.benchmarks.engines.markdown RESULTS.json", file=sys.stderr)
        return 2
    print(readme_tables(json.loads(Path(args[0]).read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
