"""The engine comparison: time per epoch of each engine, from the benchmark's results."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from neurosim.errors import DataError, ModelFileError, ParameterError
from neurosim.plot._style import axes_or_new

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: bar order and colours; engines the results do not hold are left out
ENGINE_COLOURS = {
    "object": "#e08214",
    "compiled": "#2166ac",
    "compiled32": "#67a9cf",
    "reference": "#4d4d4d",
    "torch": "#8073ac",
    "sklearn": "#b2abd2",
}


def engines(results: Mapping | str | os.PathLike[str], *, ax: Axes | None = None) -> Axes:
    """Bar chart of each engine's time per epoch on each benchmark workload (log scale).

    Parameters
    ----------
    results : dict or path
        What ``neurosim bench --json PATH`` wrote (the path, or
        the loaded dict): ``results["workloads"][name]["engines"][engine]``
        holds ``"ms_per_epoch"``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        One group of bars per workload, one bar per engine, labelled with
        the engine's time as a multiple of the reference's.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> results = {"workloads": {"xor": {"engines": {
    ...     "reference": {"ms_per_epoch": 0.05}, "compiled": {"ms_per_epoch": 0.06},
    ...     "object": {"ms_per_epoch": 0.3}}}}}
    >>> ax = engines(results)
    >>> [text.get_text() for text in ax.texts]
    ['6.0x', '1.2x', '1.0x']
    >>> plt.close(ax.figure)
    """
    workloads = _workloads(_load(results))
    names = list(workloads)
    present = [engine for engine in ENGINE_COLOURS if any(engine in workloads[w] for w in names)]
    created = ax is None
    ax = axes_or_new(ax, figsize=(max(6.4, 2.4 * len(names) + 1.0), 4.8))
    if created:
        ax.figure.set_layout_engine("constrained")
    width = 0.8 / len(present)
    handles = []
    for k, engine in enumerate(present):
        label: str | None = engine
        for i, workload in enumerate(names):
            times = workloads[workload]
            if engine not in times:
                continue
            x = i - 0.4 + width * (k + 0.5)
            bars = ax.bar(x, times[engine], width, color=ENGINE_COLOURS[engine], label=label)
            if label is not None:
                handles.append(bars)
            label = None  # one legend entry per engine
            if "reference" in times:
                ratio = times[engine] / times["reference"]
                multiple = f"{ratio:.1f}x" if ratio < 10 else f"{ratio:.0f}x"
                ax.text(x, times[engine] * 1.08, multiple, ha="center", va="bottom", fontsize=7)
    ax.set_yscale("log")
    ax.set_xticks(np.arange(len(names)), names)
    ax.set_ylabel("time per epoch (ms, log scale)")
    ax.set_title("engines: time per epoch (labels: multiple of the reference's time)")
    ax.legend(handles=handles, fontsize="small", ncols=3)
    ax.margins(y=0.15)
    return ax


def _load(results: Mapping | str | os.PathLike[str]) -> Mapping:
    if isinstance(results, Mapping):
        return results
    if not isinstance(results, (str, os.PathLike)):
        raise ParameterError(
            f"results must be the benchmark's results (a dict) or the path of its JSON file; "
            f"got {type(results).__name__}"
        )
    try:
        with open(results, encoding="utf-8") as file:
            return json.load(file)
    except OSError as error:
        raise ModelFileError(
            f"cannot read benchmark results {os.fspath(results)!r}: {error.strerror}"
        ) from None
    except json.JSONDecodeError as error:
        raise ModelFileError(f"{os.fspath(results)!r} is not JSON: {error}") from None


def _workloads(results: Mapping) -> dict[str, dict[str, float]]:
    """``{workload: {engine: ms per epoch}}``, checked."""
    workloads = results.get("workloads") if isinstance(results, Mapping) else None
    if not isinstance(workloads, Mapping) or not workloads:
        raise DataError("benchmark results must hold a non-empty 'workloads' mapping (neurosim bench --json)")
    times: dict[str, dict[str, float]] = {}
    for name, workload in workloads.items():
        engines_ = workload.get("engines") if isinstance(workload, Mapping) else None
        if not isinstance(engines_, Mapping):
            raise DataError(f"workload {name!r} of the benchmark results has no 'engines' mapping")
        times[name] = {}
        for engine, entry in engines_.items():
            value = entry.get("ms_per_epoch") if isinstance(entry, Mapping) else None
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise DataError(
                    f"results['workloads'][{name!r}]['engines'][{engine!r}]['ms_per_epoch'] must be a "
                    f"positive number; got {value!r}"
                )
            times[name][engine] = float(value)
    return times
