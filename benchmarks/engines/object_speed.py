"""The object engine per sample beside a plain-Python loop over connections, on moons.

``net.fit(..., engine="object")`` is timed against ``PythonMLP`` (see
``python_reference``), the same network trained by mini-batch SGD in plain
Python, at batch sizes 1, 32 and 128, in microseconds per training sample.
Both visit the samples in ``fit``'s order from the same weights; every
contender is timed in turn, several times, and keeps its fastest run
(``timing.time_contenders``). An epoch of 1000 samples takes well under a
second either way, so whole epochs are timed.

Before timing, both train a few epochs at each batch size from the same
start beside the independent numpy reference (``tight_reference.TightMLP``),
and the largest difference of any weight or bias from it is reported.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neurosim.benchmarks.engines.neurosim_runs import NeurosimRun
from neurosim.benchmarks.engines.printing import print_table
from neurosim.benchmarks.engines.python_reference import PythonMLP
from neurosim.benchmarks.engines.report import Settings
from neurosim.benchmarks.engines.tight_reference import TightMLP
from neurosim.benchmarks.engines.timing import Contender, time_contenders
from neurosim.benchmarks.engines.workloads import (
    WORKLOADS,
    ParamSet,
    Workload,
    build_network,
    load_data,
    network_parameters,
)

#: the batch sizes timed
BATCHES = (1, 32, 128)


def run_object_speed(settings: Settings, have: dict[str, bool]) -> dict[str, Any]:
    """Time the object engine and the plain-Python loop per sample on moons, and check their weights.

    Parameters
    ----------
    settings : Settings
    have : dict
        Which optional packages are installed (neither contender needs one).

    Returns
    -------
    dict
        ``{"batches": {batch: {"object_us", "python_us", "ratio", "runs"}}, "agreement": {"object",
        "python"}, "epochs": ...}``: microseconds per sample, object / python, and the largest
        ``|w - w_reference|`` of each after ``epochs`` epochs at every batch size.
    """
    workload = WORKLOADS["moons"]
    X, y = load_data("moons", settings.quick)
    net = build_network(workload)
    params = network_parameters(net)
    n = X.shape[0]
    print(
        f"\n== object engine vs a plain-Python loop over connections: moons {_shape(workload)}, {n} samples"
    )
    agreement = check_agreement(workload, net, params, X, y)
    contenders = []
    for batch in BATCHES:
        run = NeurosimRun(net, workload, params, X, y, "object", batch_size=batch)
        loop = PythonMLP(params, workload.activation, workload.lr, X, y, batch)
        contenders.append(Contender(f"object/{batch}", run.train, run.reset, per_unit=1e6 / n))
        contenders.append(Contender(f"python/{batch}", loop.train, loop.reset, per_unit=1e6 / n))
    time_contenders(contenders, settings.target_s, settings.repeats)
    timed = {contender.name: contender for contender in contenders}
    batches, rows = {}, []
    for batch in BATCHES:
        obj, loop = timed[f"object/{batch}"], timed[f"python/{batch}"]
        ratio = obj.best / loop.best
        batches[batch] = {"object_us": obj.best, "python_us": loop.best, "ratio": ratio, "runs": obj.runs}
        runs = f"{obj.count} x {obj.runs}, {loop.count} x {loop.runs}"
        rows.append([str(batch), f"{obj.best:.1f}", f"{loop.best:.1f}", f"{ratio:.2f}", runs])
    print_table(
        ["batch", "object (us/sample)", "python loop (us/sample)", "object / python", "epochs x runs"], rows
    )
    print(
        f"  fastest of runs taken in turn; after {workload.check_epochs} epochs at each batch size from the "
        f"same start, max |w - w_reference|: object {agreement['object']:.1e}, "
        f"python loop {agreement['python']:.1e}"
    )
    return {"batches": batches, "agreement": agreement, "epochs": workload.check_epochs}


def check_agreement(
    workload: Workload, net: object, params: ParamSet, X: np.ndarray, y: np.ndarray
) -> dict[str, float]:
    """The largest ``|w - w_reference|`` of the object engine and of the loop, over the batch sizes timed.

    Each trains ``workload.check_epochs`` epochs from ``params`` at every
    batch size of ``BATCHES``, as does ``TightMLP``, the reference.

    Returns
    -------
    dict
        ``{"object": ..., "python": ...}``.
    """
    worst = {"object": 0.0, "python": 0.0}
    for batch in BATCHES:
        reference = TightMLP(params, workload.activation, workload.loss, workload.lr, X, y, batch)
        reference.train(workload.check_epochs)
        expected = reference.parameters()
        trainers = {
            "object": NeurosimRun(net, workload, params, X, y, "object", batch_size=batch),
            "python": PythonMLP(params, workload.activation, workload.lr, X, y, batch),
        }
        for name, trainer in trainers.items():
            trainer.reset()
            trainer.train(workload.check_epochs)
            got = trainer.parameters()
            difference = max(float(np.max(np.abs(g - e))) for g, e in zip(got, expected, strict=True))
            worst[name] = max(worst[name], difference)
    return worst


def _shape(workload: Workload) -> str:
    sizes = "-".join(str(size) for size in workload.sizes)
    return f"{sizes}, {workload.activation} hidden, {workload.output_activation} output, loss {workload.loss}"
