"""The performance targets: each one's measured value, and PASS, FAIL, SKIP or not judged."""

from __future__ import annotations

from typing import Any

from neurosim.benchmarks.engines.agreement import AGREEMENT_TOLERANCE
from neurosim.benchmarks.engines.printing import print_table
from neurosim.benchmarks.engines.report import Report

#: the status of every timed target in a --quick run, whose few short repeats are too noisy to judge
NOT_JUDGED = "not judged"
#: the most the compiled ``fit`` may take over the bare reference, per workload
COMPILED_LIMITS = {"xor": 1.4, "moons": 1.25, "digits": 1.25, "wide": 1.05}
#: the most the compiled ``fit`` may take over the reference that also keeps ``fit``'s books
BOOKKEEPING_LIMITS = {"moons": 1.15, "digits": 1.15}
#: the workloads on which the object engine's weights must agree with the reference's
OBJECT_AGREEMENT = ("xor", "moons")
#: the batch sizes at which the object engine must be as fast per sample as a plain-Python loop
OBJECT_BATCHES = (1, 32, 128)
#: the most the object engine may take per sample over the plain-Python loop
OBJECT_LIMIT = 1.0
#: how many times faster than micrograd the object engine must train, per sample
MICROGRAD_FACTOR = 50


class _Targets:
    """The targets as they are added, each judged at once."""

    def __init__(self, quick: bool) -> None:
        self.quick = quick
        self.rows: list[dict[str, Any]] = []

    def add(
        self, target: str, measured: float | None, passed: bool, fmt: str = "{:.2f}", *, timed: bool = True
    ) -> None:
        """Add one target: SKIP without a measurement, else PASS or FAIL (not judged if timed in --quick)."""
        if measured is None:
            status = "SKIP"
        elif self.quick and timed:
            status = NOT_JUDGED
        else:
            status = "PASS" if passed else "FAIL"
        shown = "n/a" if measured is None else fmt.format(measured)
        self.rows.append({"target": target, "measured": measured, "shown": shown, "status": status})


def evaluate_targets(report: Report, quick: bool = False) -> list[dict[str, Any]]:
    """The performance targets, each with its measured value and whether it is met.

    Parameters
    ----------
    report : Report
    quick : bool, default False
        Whether the run was a ``--quick`` smoke test: timed targets are then
        ``NOT_JUDGED`` rather than passed or failed (the agreement of the
        weights, which no noise changes, is judged all the same).

    Returns
    -------
    list of dict
        ``{"target", "measured", "shown", "status"}`` with status ``PASS``,
        ``FAIL``, ``SKIP`` or ``NOT_JUDGED``.

    Examples
    --------
    >>> report = Report(micrograd={"ratio": 50.0})
    >>> [(t["target"], t["status"]) for t in evaluate_targets(report)]
    [('moons: object engine >= 50x faster per sample than micrograd', 'PASS')]
    """
    targets = _Targets(quick)
    _workload_targets(report, targets)
    _section_targets(report, targets)
    return targets.rows


def _workload_targets(report: Report, targets: _Targets) -> None:
    """The compiled engine against both references, the weights' agreement, and the other engines."""
    for name, result in report.workloads.items():
        engines = result["engines"]
        ratio = engines["compiled"]["ratio"]
        limit = COMPILED_LIMITS.get(name, 1.25)
        targets.add(f"{name}: compiled / reference <= {limit:g}", ratio, ratio <= limit)
        if name in BOOKKEEPING_LIMITS:
            ratio = engines["compiled"]["ratio_bookkeeping"]
            limit = BOOKKEEPING_LIMITS[name]
            targets.add(f"{name}: compiled / (reference + bookkeeping) <= {limit:g}", ratio, ratio <= limit)
        for engine in ("compiled", "object"):
            if engine == "object" and name not in OBJECT_AGREEMENT:
                continue
            diff = result["check"].get(engine, {}).get("max_abs_diff")
            passed = diff is not None and diff <= AGREEMENT_TOLERANCE
            label = f"{name}: {engine} weights within {AGREEMENT_TOLERANCE:.0e} of the reference's"
            targets.add(label, diff, passed, "{:.1e}", timed=False)
    for name in ("xor", "moons", "digits"):
        if name not in report.workloads:
            continue
        engines = report.workloads[name]["engines"]
        for other in ("torch", "sklearn"):
            if other in engines:
                ratio = engines["compiled"]["ms_per_epoch"] / engines[other]["ms_per_epoch"]
                targets.add(
                    f"{name}: compiled faster than {other} (compiled / {other} < 1)", ratio, ratio < 1
                )
            else:
                targets.add(f"{name}: compiled faster than {other} (not installed)", None, False)
    if "wide" in report.workloads:
        gflops = report.workloads["wide"]["gflops"]
        share = gflops["compiled"] / gflops["reference"]
        targets.add("wide: compiled GFLOP/s >= 80% of reference GFLOP/s", share, share >= 0.8, "{:.0%}")


def _section_targets(report: Report, targets: _Targets) -> None:
    """The object engine, micrograd, watch, doctor, plot and build targets of the sections that ran."""
    if report.object_speed:
        batches = report.object_speed.get("batches", {})
        for batch in OBJECT_BATCHES:
            ratio = batches.get(batch, batches.get(str(batch), {})).get("ratio")
            label = (
                f"moons: object engine per sample <= {OBJECT_LIMIT:g} x plain-Python loop at batch {batch}"
            )
            targets.add(label, ratio, ratio is not None and ratio <= OBJECT_LIMIT)
    if report.micrograd:
        ratio = report.micrograd["ratio"]
        label = f"moons: object engine >= {MICROGRAD_FACTOR}x faster per sample than micrograd"
        targets.add(label, ratio, ratio >= MICROGRAD_FACTOR, "{:.1f}x")
    if report.watch:
        extra = report.watch["extra"]
        label = "moons: net.watch costs <= 10% extra training time (compiled)"
        targets.add(label, extra, extra <= 0.10, "{:.1%}")
    if report.doctor:
        extra = report.doctor["extra"]
        label = "moons: the doctor costs <= 10% extra training time (compiled)"
        targets.add(label, extra, extra <= 0.10, "{:.1%}")
    if report.plot:
        seconds = report.plot["seconds"]
        label = "ns.plot.network(784-256-256-10) drawn and rendered < 10 s"
        targets.add(label, seconds, seconds < 10, "{:.2f} s")
    if report.build:
        build = report.build
        targets.add(
            "from_shape([784, 256, 256, 10]) < 5 s", build["build_s"], build["build_s"] < 5, "{:.2f} s"
        )
        targets.add(
            "from_shape([784, 256, 256, 10]) < 600 MB (larger of tracemalloc and RSS)",
            build["peak_mb"],
            build["peak_mb"] < 600,
            "{:.0f} MB",
        )
        targets.add("compile() < 1 s", build["compile_s"], build["compile_s"] < 1, "{:.4f} s")


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
