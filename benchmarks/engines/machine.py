"""The machine the benchmark runs on: versions, processor, BLAS and threads, and the optional packages."""

from __future__ import annotations

import importlib.util
import os
import platform
from pathlib import Path
from typing import Any

import numpy as np

import neurosim as ns
from neurosim.benchmarks.engines.report import Settings
from neurosim.benchmarks.engines.threads import describe_pools, threadpool_record
from neurosim.benchmarks.engines.torch_reference import torch_module


def optional_engines() -> dict[str, bool]:
    """Which optional packages can be imported.

    Returns
    -------
    dict
        ``{"torch": bool, "sklearn": bool, "micrograd": bool}``.
    """
    return {name: importlib.util.find_spec(name) is not None for name in ("torch", "sklearn", "micrograd")}


def machine_facts(have: dict[str, bool]) -> dict[str, Any]:
    """Versions, thread counts, the BLAS numpy uses, and every thread pool loaded.

    Parameters
    ----------
    have : dict

    Returns
    -------
    dict
        ``threadpools`` lists the pools as ``threads.threadpool_record`` gives
        them (``None`` without ``threadpoolctl``), read after torch and
        scikit-learn are imported, so that their pools are listed too.
    """
    facts: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu_name(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "neurosim": ns.__version__,
    }
    if hasattr(os, "sched_getaffinity"):
        facts["cpus_usable"] = len(os.sched_getaffinity(0))
    facts["blas"] = blas_description()
    if have["torch"]:
        torch = torch_module()
        facts["torch"] = torch.__version__
        facts["torch_threads"] = torch.get_num_threads()
    if have["sklearn"]:
        import sklearn

        facts["sklearn"] = sklearn.__version__
    facts["threadpools"] = threadpool_record()
    return facts


def cpu_name() -> str:
    """The processor's model name, where the system says it.

    Returns
    -------
    str
    """
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def blas_description() -> str:
    """The BLAS library numpy calls and its threads, through ``threadpoolctl`` if installed.

    Returns
    -------
    str
    """
    if importlib.util.find_spec("threadpoolctl") is None:
        return "unknown (threadpoolctl not installed)"
    from threadpoolctl import threadpool_info

    blas = [info for info in threadpool_info() if info.get("user_api") == "blas"]
    numpy_blas = [info for info in blas if "numpy" in info.get("filepath", "")] or blas
    if not numpy_blas:
        return "unknown"
    info = numpy_blas[0]
    parts = [info.get("internal_api", "?"), info.get("version") or ""]
    extra = ", ".join(
        str(item) for item in (info.get("architecture"), f"{info.get('num_threads')} threads") if item
    )
    return " ".join(p for p in parts if p) + (f" ({extra})" if extra else "")


def print_machine(facts: dict[str, Any], settings: Settings) -> None:
    """Print the machine facts and the run's settings.

    Parameters
    ----------
    facts : dict
    settings : Settings
    """
    print(
        "neurosim engine benchmark"
        + (" (--quick: a smoke test, numbers are rough)" if settings.quick else "")
    )
    print(f"  python {facts['python']}, {facts['platform']}")
    usable = f", {facts['cpus_usable']} usable" if "cpus_usable" in facts else ""
    print(f"  cpu: {facts['cpu']}, {facts['cpu_count']} logical CPUs{usable}")
    print(f"  numpy {facts['numpy']}, BLAS: {facts['blas']}")
    print(f"  thread pools (threadpoolctl) at their defaults: {describe_pools(facts.get('threadpools'))}")
    if "torch" in facts:
        print(f"  torch {facts['torch']} (CPU), torch.get_num_threads() = {facts['torch_threads']}")
    if "sklearn" in facts:
        print(f"  scikit-learn {facts['sklearn']}")
    print(
        f"  timing: engines take turns, {settings.repeats} timed runs each of about {settings.target_s:g} s, "
        "fastest kept; ratios are to the numpy references of the same run"
    )
    print(
        "  threads: every section says what it did; the small workloads and the sections run with the "
        "thread pools limited to 1 thread, the wide workload with the defaults"
    )
