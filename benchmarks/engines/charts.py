"""The benchmark's charts: each engine's time per epoch on each workload, and the scaling curves.

They are drawn on a bare ``matplotlib.figure.Figure`` (no pyplot, no window)
and saved as PNG files when the run is given ``--plot-dir``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from neurosim.io.atomic import write_atomically

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: the order and colour of each engine's bars
ENGINE_COLOURS = {
    "reference": "#4d4d4d",
    "reference+bookkeeping": "#999999",
    "compiled": "#2166ac",
    "compiled32": "#67a9cf",
    "object": "#e08214",
    "torch": "#8073ac",
    "sklearn": "#b2abd2",
}
ENGINES_FILE = "engines.png"
SCALING_FILE = "scaling.png"


def engines_figure(workloads: dict[str, Any]) -> Figure:
    """Bars of each engine's time per epoch on each workload (log scale), labelled with its ratio.

    Parameters
    ----------
    workloads : dict
        ``Report.workloads``: per workload, ``{"engines": {name: {"ms_per_epoch", "ratio"}}}``.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; each bar's label is its engine's time over the bare reference's.
    """
    from matplotlib.figure import Figure

    names = [name for name in ENGINE_COLOURS if any(name in w["engines"] for w in workloads.values())]
    fig = Figure(figsize=(11, 4.8), layout="constrained")
    ax = fig.add_subplot()
    width = 0.8 / len(names)
    for place, result in enumerate(workloads.values()):
        present = [name for name in names if name in result["engines"]]  # side by side, centred
        for index, name in enumerate(present):
            run = result["engines"][name]
            x = place + (index - (len(present) - 1) / 2) * width
            bars = ax.bar(x, run["ms_per_epoch"], width, color=ENGINE_COLOURS[name], label=name)
            ax.bar_label(bars, [_ratio_label(run["ratio"])], fontsize=7, padding=2, rotation=90)
    handles = {handle.get_label(): handle for handle in ax.containers}
    ax.legend(
        [handles[name] for name in names],
        names,
        ncols=len(names),
        fontsize=8,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        frameon=False,
    )
    ax.set_yscale("log")
    ax.set_xticks(range(len(workloads)), list(workloads))
    ax.set_ylabel("time per epoch (ms, log scale)")
    fig.suptitle("time per epoch of each engine (labels: multiple of the bare reference's time)")
    low, high = ax.get_ylim()
    ax.set_ylim(low, high * 8)  # room for the labels above the tallest bars
    return fig


def _ratio_label(ratio: float) -> str:
    return f"{ratio:.2f}x" if ratio < 10 else f"{ratio:.0f}x"


def scaling_figure(scaling: dict[str, Any]) -> Figure:
    """Two panels: the compiled ``fit``'s time over the reference's, against hidden width and batch size.

    Parameters
    ----------
    scaling : dict
        As ``scaling.run_scaling`` returns it: ``scaling["width"]`` and
        ``scaling["batch"]`` each hold ``values`` and ``ratio``.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes with log-scaled x axes, one line of ratios each and a dashed
        line at 1.0 (as fast as the reference).
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4), layout="constrained")
    panels = fig.subplots(1, 2, sharey=True)
    by_width, by_batch = scaling["width"], scaling["batch"]
    titles = (
        f"against hidden width (16-w-w-4, batch {by_width['batch']})",
        f"against batch size (16-{by_batch['width']}-{by_batch['width']}-4)",
    )
    top = max(1.5, 1.1 * max(by_width["ratio"] + by_batch["ratio"]))
    for ax, sweep, title, xlabel in zip(
        panels, (by_width, by_batch), titles, ("hidden width", "batch size"), strict=True
    ):
        ax.axhline(1.0, color="#4d4d4d", linestyle="--", linewidth=1, label="as fast as the reference")
        ax.plot(
            sweep["values"],
            sweep["ratio"],
            marker="o",
            color=ENGINE_COLOURS["compiled"],
            label="compiled fit",
        )
        for value, ratio in zip(sweep["values"], sweep["ratio"], strict=True):
            ax.annotate(
                f"{ratio:.2f}",
                (value, ratio),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                fontsize=7,
            )
        ax.set_xscale("log", base=2)
        ax.set_xticks(sweep["values"], [str(value) for value in sweep["values"]])
        ax.minorticks_off()
        ax.set_xlabel(xlabel)
        ax.set_title(title, fontsize=10)
        ax.set_ylim(0, top)
        ax.grid(True, axis="y", alpha=0.3)
    panels[0].set_ylabel("compiled time / reference time")
    panels[0].legend(loc="lower left", fontsize=8)
    fig.suptitle(f"compiled fit over the independent numpy reference, {scaling['samples']} samples per epoch")
    return fig


def save_engines_chart(workloads: dict[str, Any], folder: Path) -> Path:
    """Draw :func:`engines_figure` and save it as ``engines.png`` in ``folder``.

    Parameters
    ----------
    workloads : dict
    folder : Path

    Returns
    -------
    Path
        The file written.
    """
    return _save(engines_figure(workloads), folder / ENGINES_FILE)


def save_scaling_chart(scaling: dict[str, Any], folder: Path) -> Path:
    """Draw :func:`scaling_figure` and save it as ``scaling.png`` in ``folder``.

    Parameters
    ----------
    scaling : dict
    folder : Path

    Returns
    -------
    Path
        The file written.
    """
    return _save(scaling_figure(scaling), folder / SCALING_FILE)


def _save(figure: Figure, path: Path) -> Path:
    """Write ``figure`` as a PNG at ``path``, whole or not at all, and return ``path``."""
    write_atomically(path, lambda handle: figure.savefig(handle, format="png", dpi=100), binary=True)
    return path
