"""The benchmark's sections beside the workloads: instance, watch, doctor, object, micrograd, build, plot.

(Each workload's table is ``workload_section``'s, the scaling curves
``scaling``'s.) Every section that times training limits the thread pools to
one thread, as the small workloads do, and says so.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import neurosim as ns
from neurosim.benchmarks.engines.micrograd_reference import micrograd_trainer
from neurosim.benchmarks.engines.neurosim_runs import NeurosimRun
from neurosim.benchmarks.engines.printing import plural, print_table
from neurosim.benchmarks.engines.report import Settings
from neurosim.benchmarks.engines.threads import print_threads, thread_limits
from neurosim.benchmarks.engines.tight_reference import TightMLP
from neurosim.benchmarks.engines.timing import Contender, time_contenders
from neurosim.benchmarks.engines.workloads import (
    WORKLOADS,
    Workload,
    build_network,
    load_data,
    network_parameters,
)

#: the sections beside the workloads, in the order they run (``--only`` names)
SECTIONS = ("instance", "watch", "doctor", "object", "micrograd", "scaling", "build", "plot")
#: the module of the object engine's section, which compares it with a plain-Python loop
OBJECT_SPEED_MODULE = "neurosim.benchmarks.engines.object_speed"


def run_instance(settings: Settings) -> dict[str, Any]:
    """Moons one sample at a time (``batch_size=1``) against batches of 32, compiled and reference.

    Parameters
    ----------
    settings : Settings

    Returns
    -------
    dict
        Milliseconds per epoch for each engine and batch size, and the ratios.
    """
    workload = WORKLOADS["moons"]
    X, y = load_data("moons", settings.quick)
    net = build_network(workload)
    params = network_parameters(net)
    print(f"\n== instance-wise vs batch-wise: moons, {X.shape[0]} samples, one epoch, bare reference")
    contenders = []
    for batch in (1, 32):
        ref = TightMLP(params, workload.activation, workload.loss, workload.lr, X, y, batch)
        run = NeurosimRun(net, workload, params, X, y, "compiled", batch_size=batch)
        contenders.append(Contender(f"reference/{batch}", ref.train, ref.reset))
        contenders.append(Contender(f"compiled/{batch}", run.train, run.reset))
    with thread_limits(pin=True) as threads:
        print_threads(threads)
        time_contenders(contenders, settings.target_s, settings.repeats)
    best = {c.name: c.best for c in contenders}
    result: dict[str, Any] = {"threads": threads}
    rows = []
    for engine in ("reference", "compiled"):
        one, many = best[f"{engine}/1"], best[f"{engine}/32"]
        result[engine] = {"batch_1_ms": one * 1e3, "batch_32_ms": many * 1e3, "ratio": one / many}
        rows.append([engine, f"{one * 1e3:.2f}", f"{many * 1e3:.2f}", f"{one / many:.1f}"])
    compiled, reference = result["compiled"], result["reference"]
    print_table(["engine", "batch 1 (ms/epoch)", "batch 32 (ms/epoch)", "batch 1 / batch 32"], rows)
    print(
        f"  compiled / reference: {compiled['batch_1_ms'] / reference['batch_1_ms']:.2f} at batch 1, "
        f"{compiled['batch_32_ms'] / reference['batch_32_ms']:.2f} at batch 32"
    )
    return result


def run_watch(settings: Settings) -> dict[str, Any]:
    """Time compiled training on moons with and without ``net.watch`` recording every update.

    The watched network records a whole layer's incoming synapses
    (``net.watch("hidden2")``, 256 synapses) and one more synapse.

    Parameters
    ----------
    settings : Settings

    Returns
    -------
    dict
    """

    def watched(net: ns.Network) -> None:
        net.watch("hidden2")
        net.watch("input[0]", "hidden1[3]")

    plain_ms, watched_ms, _, threads = time_overhead(
        settings, "net.watch", "compiled + watch", prepare=watched
    )
    extra = watched_ms / plain_ms - 1
    print(f"  recording 257 synapses at each of 32 updates per epoch costs {extra:.1%} extra time")
    return {
        "plain_ms_per_epoch": plain_ms,
        "watched_ms_per_epoch": watched_ms,
        "extra": extra,
        "threads": threads,
    }


def run_doctor(settings: Settings) -> dict[str, Any]:
    """Time compiled training on moons with and without the doctor (``fit``'s ``diagnose=True``).

    Parameters
    ----------
    settings : Settings

    Returns
    -------
    dict
    """
    plain_ms, doctor_ms, epochs, threads = time_overhead(
        settings, "the doctor", "compiled + doctor", diagnose=True
    )
    extra = doctor_ms / plain_ms - 1
    print(f"  the doctor's checks over fits of {epochs} epochs cost {extra:.1%} extra time")
    return {
        "plain_ms_per_epoch": plain_ms,
        "doctor_ms_per_epoch": doctor_ms,
        "epochs_per_fit": epochs,
        "extra": extra,
        "threads": threads,
    }


def time_overhead(
    settings: Settings,
    title: str,
    name: str,
    *,
    prepare: Callable[[ns.Network], None] | None = None,
    diagnose: bool = False,
) -> tuple[float, float, int, dict[str, Any]]:
    """Time compiled training on moons as it is and with something added, from the same weights.

    ``prepare`` changes the second network before it trains (attaching a
    watch); ``diagnose`` runs the doctor as it trains. Returns the
    milliseconds per epoch of each, the epochs per timed fit of the second,
    and what was done with the thread pools.
    """
    workload = WORKLOADS["moons"]
    print(f"\n== {title}: moons, compiled engine, {workload.describe(1000)}")
    X, y = load_data("moons", settings.quick)
    plain_net, other_net = build_network(workload), build_network(workload)
    params = network_parameters(plain_net)
    if prepare is not None:
        prepare(other_net)
    plain = NeurosimRun(plain_net, workload, params, X, y, "compiled")
    other = NeurosimRun(other_net, workload, params, X, y, "compiled", diagnose=diagnose)
    contenders = [Contender("compiled", plain.train, plain.reset), Contender(name, other.train, other.reset)]
    with thread_limits(pin=True) as threads:
        print_threads(threads)
        time_contenders(contenders, settings.target_s, settings.repeats)
    print_table(["engine", "time/epoch (ms)"], [[c.name, f"{c.best * 1e3:.3f}"] for c in contenders])
    return contenders[0].best * 1e3, contenders[1].best * 1e3, contenders[1].count, threads


def run_plot() -> dict[str, Any]:
    """Time drawing and rendering the 784-256-256-10 network with ``ns.plot.network``.

    Returns
    -------
    dict
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    print("\n== drawing ns.Network.from_shape([784, 256, 256, 10]) with ns.plot.network")
    net = ns.Network.from_shape([784, 256, 256, 10], seed=0)
    with thread_limits(pin=False) as threads:
        print_threads(threads)
        start = time.perf_counter()
        ax = ns.plot.network(net)
        ax.figure.canvas.draw()
        seconds = time.perf_counter() - start
    plt.close(ax.figure)
    print(f"  drawn and rendered in {seconds:.2f} s")
    return {"seconds": seconds, "threads": threads}


def run_micrograd(settings: Settings, have: dict[str, bool]) -> dict[str, Any]:
    """Time micrograd against neurosim's object engine, microseconds per training sample on moons.

    Parameters
    ----------
    settings : Settings
    have : dict

    Returns
    -------
    dict
    """
    print("\n== micrograd vs object engine: moons 2-16-16-1, relu hidden, identity output, mse, batch 32")
    if not have["micrograd"]:
        print("  micrograd: not installed, skipped")
        return {}
    workload = Workload("moons-mse", (2, 16, 16, 1), "relu", "identity", "mse", 32, 0.1, check_epochs=1)
    X, y = load_data("moons", settings.quick)
    net = build_network(workload)
    params = network_parameters(net)
    obj = NeurosimRun(net, workload, params, X, y, "object")
    train, reset = micrograd_trainer(params, X, y, workload.lr)
    contenders = [
        Contender("object", obj.train, obj.reset, per_unit=1e6 / X.shape[0]),
        Contender("micrograd", train, reset, per_unit=1e6 / 32, max_seconds=6.0),
    ]
    with thread_limits(pin=True) as threads:
        print_threads(threads)
        time_contenders(contenders, settings.target_s, min(settings.repeats, 3))
    obj_us, micro_us = contenders[0].best, contenders[1].best
    rows = [
        [
            "object",
            f"{obj_us:.1f}",
            f"{plural(contenders[0].count, 'epoch')} of {X.shape[0]} samples per run",
        ],
        ["micrograd", f"{micro_us:.1f}", f"{plural(contenders[1].count, 'batch')} of 32 per run"],
    ]
    print_table(["engine", "us/sample", "timed on"], rows)
    print(f"  micrograd / object: {micro_us / obj_us:.1f}")
    return {
        "object_us_per_sample": obj_us,
        "micrograd_us_per_sample": micro_us,
        "ratio": micro_us / obj_us,
        "threads": threads,
    }


def run_object(settings: Settings, have: dict[str, bool]) -> dict[str, Any]:
    """The object engine per sample beside a plain-Python loop over connections, with one thread.

    The section itself lives in ``object_speed`` (``run_object_speed``); if
    that module is not there, the section is skipped with a printed line.

    Parameters
    ----------
    settings : Settings
    have : dict

    Returns
    -------
    dict
        ``run_object_speed``'s result (``{"batches": {batch: {"object_us",
        "python_us", "ratio"}}, "agreement": {...}}``) and ``threads``; if
        skipped, ``{"skipped": reason}``.
    """
    if importlib.util.find_spec(OBJECT_SPEED_MODULE) is None:
        reason = f"{OBJECT_SPEED_MODULE} is not installed"
        print(f"\n== object engine vs a plain-Python loop: skipped, {reason}")
        return {"skipped": reason}
    run_object_speed = importlib.import_module(OBJECT_SPEED_MODULE).run_object_speed
    with thread_limits(pin=True) as threads:
        result = dict(run_object_speed(settings, have))
    print_threads(threads)
    result["threads"] = threads
    return result


BUILD_PROBE = """
import gc, json, sys, time, tracemalloc
import neurosim as ns

SIZES = [784, 256, 256, 10]


def peak_rss_mb():
    # VmHWM (Linux): this process's own peak resident set size; ru_maxrss would carry the parent's over
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


before = peak_rss_mb()
start = time.perf_counter()
net = ns.Network.from_shape(SIZES)
build_s = time.perf_counter() - start
after = peak_rss_mb()
start = time.perf_counter()
net.compile()
compile_s = time.perf_counter() - start
del net
gc.collect()
tracemalloc.start()
net = ns.Network.from_shape(SIZES)
traced_mb = tracemalloc.get_traced_memory()[1] / 2**20
rss_mb = None if before is None else after - before
print(json.dumps({"build_s": build_s, "compile_s": compile_s, "tracemalloc_mb": traced_mb, "rss_mb": rss_mb}))
"""


def run_build(settings: Settings) -> dict[str, Any]:
    """Time and memory of ``Network.from_shape([784, 256, 256, 10])``, and ``compile()``, in fresh processes.

    Each process imports neurosim, times one build and the network's first
    ``compile()``, and reads the growth of its peak resident set size across
    the build (``VmHWM``, where the system reports it). It then builds a second
    network under ``tracemalloc``, whose peak counts every Python and numpy
    allocation (the build is timed without it, since tracing slows it down).

    Parameters
    ----------
    settings : Settings

    Returns
    -------
    dict
        Fastest build and compile seconds and smallest memory figures (MB) over the processes;
        ``peak_mb`` is the larger of the two memory figures.
    """
    package_root = str(Path(ns.__file__).resolve().parents[1])
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
    )
    runs = []
    with thread_limits(pin=False) as threads:
        pass  # the build runs in fresh processes, with the defaults, and times no products
    for _ in range(1 if settings.quick else 3):
        out = subprocess.run(
            [sys.executable, "-c", BUILD_PROBE], capture_output=True, text=True, check=True, env=env
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    result: dict[str, Any] = {
        key: min(run[key] for run in runs) for key in ("build_s", "compile_s", "tracemalloc_mb")
    }
    rss = [run["rss_mb"] for run in runs if run["rss_mb"] is not None]
    result["rss_mb"] = min(rss) if rss else None
    result["peak_mb"] = max(result["tracemalloc_mb"], result["rss_mb"] or 0.0)
    result["processes"] = len(runs)
    result["threads"] = threads
    print(f"\n== building Network.from_shape([784, 256, 256, 10]) (best of {len(runs)} fresh processes)")
    print_threads(threads)
    memory = f"tracemalloc peak {result['tracemalloc_mb']:.0f} MB"
    if result["rss_mb"] is not None:
        memory += f", peak RSS growth {result['rss_mb']:.0f} MB (VmHWM)"
    rows = [
        ["from_shape", f"{result['build_s']:.3f} s", memory],
        ["compile()", f"{result['compile_s'] * 1e3:.2f} ms", ""],
    ]
    print_table(["step", "time", "memory"], rows)
    return result
