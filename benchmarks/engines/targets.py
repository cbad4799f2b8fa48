"""The performance targets: each one's measured value, and PASS, FAIL, SKIP or not judged."""

from __future__ import annotations

from typing import Any

from neurosim.benchmarks.engines.printing import print_table
from neurosim.benchmarks.engines.report import Report

#: the status of every measured target in a --quick run, whose few short repeats are too noisy to judge
NOT_JUDGED = "not judged"


def evaluate_targets(report: Report, quick: bool = False) -> list[dict[str, Any]]:
    """The performance targets, each with its measured value and whether it is met.

    Parameters
    ----------
    report : Report
    quick : bool, default False
        Whether the run was a ``--quick`` smoke test: measured targets are then
        ``NOT_JUDGED`` rather than passed or failed.

    Returns
    -------
    list of dict
        ``{"target", "measured", "status"}`` with status ``PASS``, ``FAIL``, ``SKIP``
        or ``NOT_JUDGED``.
    """
    targets = []

    def add(target: str, measured: float | None, passed: bool, fmt: str = "{:.2f}") -> None:
        if measured is None:
            status = "SKIP"
        elif quick:
            status = NOT_JUDGED
        else:
            status = "PASS" if passed else "FAIL"
        shown = "n/a" if measured is None else fmt.format(measured)
        targets.append({"target": target, "measured": measured, "shown": shown, "status": status})

    for name, result in report.workloads.items():
        ratio = result["engines"]["compiled"]["ratio"]
        add(f"{name}: compiled time <= 1.25 x reference", ratio, ratio <= 1.25)
    for name in ("xor", "moons", "digits"):
        if name not in report.workloads:
            continue
        engines = report.workloads[name]["engines"]
        for other in ("torch", "sklearn"):
            if other in engines:
                ratio = engines["compiled"]["ms_per_epoch"] / engines[other]["ms_per_epoch"]
                add(f"{name}: compiled faster than {other} (compiled / {other} < 1)", ratio, ratio < 1)
            else:
                add(f"{name}: compiled faster than {other} (not installed)", None, False)
    if "wide" in report.workloads:
        gflops = report.workloads["wide"]["gflops"]
        share = gflops["compiled"] / gflops["reference"]
        add("wide: compiled GFLOP/s >= 80% of reference GFLOP/s", share, share >= 0.8, "{:.0%}")
    if report.watch:
        extra = report.watch["extra"]
        add("moons: net.watch costs <= 10% extra training time (compiled)", extra, extra <= 0.10, "{:.1%}")
    if report.doctor:
        extra = report.doctor["extra"]
        add("moons: the doctor costs <= 10% extra training time (compiled)", extra, extra <= 0.10, "{:.1%}")
    if report.plot:
        seconds = report.plot["seconds"]
        add("ns.plot.network(784-256-256-10) drawn and rendered < 10 s", seconds, seconds < 10, "{:.2f} s")
    if report.micrograd:
        ratio = report.micrograd["ratio"]
        add("moons: object engine >= 10x faster per sample than micrograd", ratio, ratio >= 10, "{:.1f}x")
    if report.build:
        build = report.build
        add("from_shape([784, 256, 256, 10]) < 5 s", build["build_s"], build["build_s"] < 5, "{:.2f} s")
        add(
            "from_shape([784, 256, 256, 10]) < 600 MB (larger of tracemalloc and RSS)",
            build["peak_mb"],
            build["peak_mb"] < 600,
            "{:.0f} MB",
        )
        add("compile() < 1 s", build["compile_s"], build["compile_s"] < 1, "{:.4f} s")
    return targets


def print_targets(targets: list[dict[str, Any]]) -> None:
    """Print the targets section.

    Parameters
    ----------
    targets : list of dict
        As :func:`evaluate_targets` returns.
    """
    print("\n== targets")
    print_table(["target", "measured", ""], [[t["target"], t["shown"], t["status"]] for t in targets])
    statuses = ("PASS", "FAIL", "SKIP", NOT_JUDGED)
    counts = {status: sum(t["status"] == status for t in targets) for status in statuses}
    print("  " + ", ".join(f"{count} {status}" for status, count in counts.items() if count))
    if counts[NOT_JUDGED]:
        print(f"  ({NOT_JUDGED} in --quick: too few repeats; run without --quick for PASS or FAIL)")
