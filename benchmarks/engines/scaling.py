"""Scaling curves: the compiled ``fit``'s time per epoch over the bare reference's, against width and batch.

Two sweeps on one fixed synthetic data set (16 inputs, 4 classes, relu
hidden layers, a softmax output and cross-entropy): the hidden width of a
network with two hidden layers at batch 32, and the batch size of a
16-64-64-4 network. At each point the compiled engine and the reference take
turns and each keeps its fastest run, as everywhere in the benchmark, with
the thread pools limited to one thread at every size (where ``threadpoolctl``
is installed), so that the curves compare the same single-threaded
arithmetic from the smallest size to the largest.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from neurosim.benchmarks.engines.neurosim_runs import NeurosimRun
from neurosim.benchmarks.engines.printing import print_table
from neurosim.benchmarks.engines.report import Settings
from neurosim.benchmarks.engines.threads import print_threads, thread_limits
from neurosim.benchmarks.engines.tight_reference import TightMLP
from neurosim.benchmarks.engines.timing import Contender, time_contenders
from neurosim.benchmarks.engines.workloads import Workload, build_network, network_parameters

#: inputs and classes of the synthetic data set
INPUTS, CLASSES = 16, 4
#: the hidden width of the batch sweep, and the batch size of the width sweep
BATCH_SWEEP_WIDTH, WIDTH_SWEEP_BATCH = 64, 32
#: learning rate of every point (small enough that the widest network does not diverge)
LEARNING_RATE = 0.01
#: wanted duration of one timed run, in seconds, in a full run (the sweep times many small things)
TARGET_S = 0.15


@dataclass(frozen=True)
class Sweep:
    """The points of the two sweeps, and the data set's size.

    Attributes
    ----------
    samples : int
        Samples in the data set (one epoch).
    widths : tuple of int
        Hidden widths of the width sweep.
    batches : tuple of int
        Batch sizes of the batch sweep.
    """

    samples: int
    widths: tuple[int, ...]
    batches: tuple[int, ...]


#: a full run: widths 8 to 1024 and batches 1 to 1024, in powers of two
FULL = Sweep(2048, tuple(2**k for k in range(3, 11)), tuple(2**k for k in range(11)))
#: ``--quick``: three points of each, on fewer samples
QUICK = Sweep(512, (8, 32, 128), (1, 16, 256))


def scaling_data(samples: int) -> tuple[np.ndarray, np.ndarray]:
    """The fixed synthetic data set: normal inputs, labels from a random linear rule.

    Parameters
    ----------
    samples : int

    Returns
    -------
    X : ndarray of shape (samples, 16)
    y : ndarray of shape (samples,)
        Integer labels in ``0 .. 3``.

    Examples
    --------
    >>> X, y = scaling_data(100)
    >>> X.shape, sorted(set(y.tolist()))
    ((100, 16), [0, 1, 2, 3])
    """
    rng = np.random.default_rng(0)
    X = rng.standard_normal((samples, INPUTS))
    return X, np.argmax(X @ rng.standard_normal((INPUTS, CLASSES)), axis=1)


def scaling_workload(width: int, batch: int) -> Workload:
    """The network and training setup of one point: ``16-width-width-4`` at ``batch``.

    Parameters
    ----------
    width, batch : int

    Returns
    -------
    Workload

    Examples
    --------
    >>> scaling_workload(64, 32).sizes
    (16, 64, 64, 4)
    """
    return Workload(
        f"scaling-{width}-{batch}",
        (INPUTS, width, width, CLASSES),
        "relu",
        "softmax",
        "cross_entropy",
        batch,
        LEARNING_RATE,
        check_epochs=1,
    )


def time_point(workload: Workload, X: np.ndarray, y: np.ndarray, target_s: float, repeats: int) -> dict:
    """Time an epoch of the compiled ``fit`` and of the bare reference on one point, taking turns.

    Parameters
    ----------
    workload : Workload
    X, y : ndarray
    target_s : float
        Wanted duration of one timed run.
    repeats : int

    Returns
    -------
    dict
        ``{"reference_ms", "compiled_ms", "ratio", "spread"}``: milliseconds per
        epoch, compiled over reference, and the larger of the two spreads
        (median run over fastest, minus 1).
    """
    net = build_network(workload)
    params = network_parameters(net)
    setup = (params, workload.activation, workload.loss, workload.lr, X, y, workload.batch_size)
    reference = TightMLP(*setup)
    compiled = NeurosimRun(net, workload, params, X, y, "compiled")
    contenders = [
        Contender("reference", reference.train, reference.reset),
        Contender("compiled", compiled.train, compiled.reset),
    ]
    time_contenders(contenders, target_s, repeats)
    del net, compiled
    gc.collect()
    ref, comp = contenders
    return {
        "reference_ms": ref.best * 1e3,
        "compiled_ms": comp.best * 1e3,
        "ratio": comp.best / ref.best,
        "spread": max(ref.spread, comp.spread),
    }


def sweep(
    name: str,
    values: tuple[int, ...],
    workloads: list[Workload],
    X: np.ndarray,
    y: np.ndarray,
    settings: Settings,
) -> dict[str, Any]:
    """Time every point of one sweep, and print its table.

    Parameters
    ----------
    name : {"width", "batch"}
        What varies, the first column's header.
    values : tuple of int
        The values of the varied size.
    workloads : list of Workload
        The point of each value.
    X, y : ndarray
    settings : Settings

    Returns
    -------
    dict
        ``{"values", "reference_ms", "compiled_ms", "ratio", "spread"}``, one
        list entry per value.
    """
    target_s = settings.target_s if settings.quick else TARGET_S
    points = [time_point(workload, X, y, target_s, settings.repeats) for workload in workloads]
    result: dict[str, Any] = {"values": list(values)}
    for key in ("reference_ms", "compiled_ms", "ratio", "spread"):
        result[key] = [point[key] for point in points]
    rows = [
        [
            str(value),
            f"{p['reference_ms']:.3f}",
            f"{p['compiled_ms']:.3f}",
            f"{p['ratio']:.2f}",
            f"{p['spread']:.0%}",
        ]
        for value, p in zip(values, points, strict=True)
    ]
    print_table([name, "reference (ms/epoch)", "compiled (ms/epoch)", "compiled / reference", "spread"], rows)
    return result


def run_scaling(settings: Settings) -> dict[str, Any]:
    """The scaling section: both sweeps, their tables, and the chart if ``settings.plot_dir`` is set.

    Parameters
    ----------
    settings : Settings

    Returns
    -------
    dict
        ``{"samples", "width", "batch", "threads", "image"}``: the two sweeps
        as :func:`sweep` returns them, what was done with the thread pools,
        and the chart's path (``None`` when none was drawn).
    """
    plan = QUICK if settings.quick else FULL
    X, y = scaling_data(plan.samples)
    print(
        f"\n== scaling: time per epoch, compiled fit / bare reference; {plan.samples} samples of "
        f"{INPUTS} inputs, {CLASSES} classes, relu hidden, softmax output, lr {LEARNING_RATE:g}"
    )
    with thread_limits(pin=True) as threads:
        print_threads(threads)
        print(f"  against the hidden width: {INPUTS}-w-w-{CLASSES}, batch {WIDTH_SWEEP_BATCH}")
        by_width = sweep(
            "width",
            plan.widths,
            [scaling_workload(width, WIDTH_SWEEP_BATCH) for width in plan.widths],
            X,
            y,
            settings,
        )
        print(f"  against the batch size: {INPUTS}-{BATCH_SWEEP_WIDTH}-{BATCH_SWEEP_WIDTH}-{CLASSES}")
        by_batch = sweep(
            "batch",
            plan.batches,
            [scaling_workload(BATCH_SWEEP_WIDTH, batch) for batch in plan.batches],
            X,
            y,
            settings,
        )
    result: dict[str, Any] = {
        "samples": plan.samples,
        "width": {**by_width, "batch": WIDTH_SWEEP_BATCH},
        "batch": {**by_batch, "width": BATCH_SWEEP_WIDTH},
        "threads": threads,
        "image": None,
    }
    if settings.plot_dir is not None:
        from neurosim.benchmarks.engines.charts import save_scaling_chart

        path = save_scaling_chart(result, Path(settings.plot_dir))
        result["image"] = str(path)
        print(f"  chart saved to {path}")
    return result
