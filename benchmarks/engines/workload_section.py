"""One workload's section: the agreement check, then every engine timed in turns, as one table of two ratios.

Each engine's time per epoch is given over the bare reference's (the
independent ``TightMLP``, training alone) and over the reference that also
keeps ``fit``'s books (each epoch's mean loss and training accuracy), so a
reader sees both what neurosim costs beside the tightest numpy training loop
and beside one that records what ``fit`` records.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

import neurosim as ns
from neurosim.benchmarks.engines.agreement import check_agreement, print_check
from neurosim.benchmarks.engines.gflops import wide_gflops
from neurosim.benchmarks.engines.neurosim_runs import NeurosimRun, float32_run
from neurosim.benchmarks.engines.printing import footnote_marks, plural, print_table
from neurosim.benchmarks.engines.report import Settings
from neurosim.benchmarks.engines.sklearn_reference import SklearnMLP
from neurosim.benchmarks.engines.threads import print_threads, thread_limits
from neurosim.benchmarks.engines.tight_reference import TightMLP
from neurosim.benchmarks.engines.timing import Contender, time_contenders
from neurosim.benchmarks.engines.torch_reference import TorchMLP
from neurosim.benchmarks.engines.workloads import (
    ParamSet,
    Workload,
    build_network,
    load_data,
    network_parameters,
)

#: the workloads timed with the thread pools at their defaults; the others run with one thread
DEFAULT_THREADS = frozenset({"wide"})
#: the names of the two references, the first the bare one
REFERENCE, BOOKKEEPING = "reference", "reference+bookkeeping"


def workload_contenders(
    workload: Workload,
    net: ns.Network,
    params: ParamSet,
    X: np.ndarray,
    y: np.ndarray,
    have: dict[str, bool],
    quick: bool,
) -> tuple[list[Contender], list[str]]:
    """The engines to time on one workload, the two references first, and lines saying what was skipped.

    Parameters
    ----------
    workload : Workload
    net : neurosim.Network
        The workload's network, shared by the neurosim engines.
    params : ParamSet
        Initial weights and biases.
    X, y : ndarray
    have : dict
    quick : bool

    Returns
    -------
    contenders : list of Contender
    skipped : list of str
    """
    n = X.shape[0]
    setup = (params, workload.activation, workload.loss, workload.lr, X, y, workload.batch_size)
    bare, books = TightMLP(*setup), TightMLP(*setup, bookkeeping=True)
    compiled = NeurosimRun(net, workload, params, X, y, "compiled")
    contenders = [
        Contender(REFERENCE, bare.train, bare.reset),
        Contender(BOOKKEEPING, books.train, books.reset, note="also records each epoch's loss and accuracy"),
        Contender("compiled", compiled.train, compiled.reset),
    ]
    if workload.name == "wide":
        single = float32_run(workload, params, X, y)
        note = "compiled with dtype='float32': weights and arithmetic in single precision"
        contenders.append(Contender("compiled32", single.train, single.reset, note=note))
    skipped = []
    if workload.object_batches is None:
        obj = NeurosimRun(net, workload, params, X, y, "object")
        contenders.append(Contender("object", obj.train, obj.reset))
    elif quick and workload.name == "wide":
        skipped.append("object: not timed with --quick (one batch takes seconds)")
    else:
        rows = min(n, workload.object_batches * (workload.batch_size or n))
        subset = NeurosimRun(net, workload, params, X[:rows], y[:rows], "object")
        batches = rows // (workload.batch_size or n)
        note = f"timed on {plural(batches, 'batch')} ({rows} samples), scaled to one epoch"
        contenders.append(
            Contender("object", subset.train, subset.reset, per_unit=n / rows, note=note, max_seconds=12.0)
        )
    if have["torch"]:
        model = TorchMLP(*setup)
        contenders.append(Contender("torch", model.train, model.reset, note="float32"))
    else:
        skipped.append("torch: not installed, skipped")
    if have["sklearn"]:
        clf = SklearnMLP(params, workload.activation, workload.lr, X, y, workload.batch_size)
        note = "shuffles with its own random state: its batch order is the only difference"
        contenders.append(Contender("sklearn", clf.train, clf.reset, note=note))
    else:
        skipped.append("sklearn: not installed, skipped")
    return contenders, skipped


def engine_times(contenders: list[Contender]) -> dict[str, dict[str, Any]]:
    """Each contender's time per epoch and its ratios to the two references (the first two contenders).

    Parameters
    ----------
    contenders : list of Contender
        Timed, the bare reference first and the reference with bookkeeping second.

    Returns
    -------
    dict
        Per engine: ``ms_per_epoch``, ``ratio`` (to the bare reference),
        ``ratio_bookkeeping`` (to the reference with bookkeeping),
        ``epochs_per_run``, ``runs``, ``spread`` (median run over fastest,
        minus 1) and ``note``.

    Examples
    --------
    >>> runs = [Contender(name, print, print, best=s) for name, s in [("a", 2.0), ("b", 2.5), ("c", 3.0)]]
    >>> times = engine_times(runs)
    >>> times["c"]["ratio"], times["c"]["ratio_bookkeeping"]
    (1.5, 1.2)
    """
    bare, books = contenders[0].best, contenders[1].best
    return {
        c.name: {
            "ms_per_epoch": c.best * 1e3,
            "ratio": c.best / bare,
            "ratio_bookkeeping": c.best / books,
            "epochs_per_run": c.count,
            "runs": c.runs,
            "spread": c.spread,
            "note": c.note,
        }
        for c in contenders
    }


def print_engine_table(contenders: list[Contender], engines: dict[str, dict[str, Any]]) -> None:
    """Print one row per engine: time per epoch, both ratios, spread, and epochs per run times runs.

    Parameters
    ----------
    contenders : list of Contender
    engines : dict
        As :func:`engine_times` returns.
    """
    marks = footnote_marks(contenders)
    rows = [
        [
            c.name + marks.get(c.name, ""),
            f"{engines[c.name]['ms_per_epoch']:.3f}",
            f"{engines[c.name]['ratio']:.2f}",
            f"{engines[c.name]['ratio_bookkeeping']:.2f}",
            f"{c.spread:.0%}",
            f"{c.count} x {c.runs}",
        ]
        for c in contenders
    ]
    headers = ["engine", "time/epoch (ms)", "/ reference", f"/ {BOOKKEEPING}", "spread", "epochs x runs"]
    print_table(headers, rows)
    for c in contenders:
        if c.name in marks:
            print(f"  {marks[c.name]} {c.name}: {c.note}")
    print("  (spread: how much slower the median timed run was than the fastest, which is the one shown)")


def run_workload(workload: Workload, settings: Settings, have: dict[str, bool]) -> dict[str, Any]:
    """Check agreement, time every engine on one workload, and print its table.

    Parameters
    ----------
    workload : Workload
    settings : Settings
    have : dict

    Returns
    -------
    dict
        ``n_samples``; ``engines`` as :func:`engine_times` returns; ``check``,
        the agreement check; ``threads``, what was done with the thread pools;
        and, for ``wide``, ``gflops``.
    """
    if settings.quick:
        workload = replace(
            workload,
            check_epochs=min(workload.check_epochs, 10),
            object_batches=workload.object_batches and 1,
        )
    X, y = load_data(workload.name, settings.quick)
    n = X.shape[0]
    net = build_network(workload)
    params = network_parameters(net)
    print(f"\n== {workload.name}: {workload.describe(n)}")
    with thread_limits(pin=workload.name not in DEFAULT_THREADS) as threads:
        print_threads(threads)
        check = check_agreement(workload, net, params, X, y, have)
        contenders, skipped = workload_contenders(workload, net, params, X, y, have, settings.quick)
        time_contenders(contenders, settings.target_s, settings.repeats)
        engines = engine_times(contenders)
        print_engine_table(contenders, engines)
        for line in skipped:
            print(f"  {line}")
        print_check(workload.check_epochs, check)
        result: dict[str, Any] = {"n_samples": n, "engines": engines, "check": check, "threads": threads}
        if workload.name == "wide":
            ref_s, compiled_s = contenders[0].best, engines["compiled"]["ms_per_epoch"] / 1e3
            result["gflops"] = wide_gflops(workload, n, ref_s, compiled_s, settings)
    return result
