"""Whether the engines compute the same thing: their weights after a few epochs beside the reference's."""

from __future__ import annotations

import numpy as np

import neurosim as ns
from neurosim.benchmarks.engines.neurosim_runs import NeurosimRun, float32_run
from neurosim.benchmarks.engines.printing import plural
from neurosim.benchmarks.engines.tight_reference import TightMLP
from neurosim.benchmarks.engines.torch_reference import TorchMLP
from neurosim.benchmarks.engines.workloads import ParamSet, Workload

#: the agreement every neurosim engine must reach with the reference (max |w - w_reference|)
AGREEMENT_TOLERANCE = 1e-12


def check_agreement(
    workload: Workload,
    net: ns.Network,
    params: ParamSet,
    X: np.ndarray,
    y: np.ndarray,
    have: dict[str, bool],
) -> dict[str, dict[str, float | None]]:
    """Train every engine ``check_epochs`` epochs from the same start; compare with the reference.

    The reference with bookkeeping is the one compared with, since it also
    reports the loss and accuracy ``fit`` records; the bare reference is
    compared too. The object engine is compared only where it is timed on
    whole epochs.

    Parameters
    ----------
    workload : Workload
    net : neurosim.Network
        The workload's network, shared by the neurosim engines.
    params : ParamSet
        Initial weights and biases.
    X, y : ndarray
    have : dict
        Which optional engines are installed.

    Returns
    -------
    dict
        Per engine: ``max_abs_diff`` of all weights and biases from the
        reference's, and the last epoch's ``loss`` and ``accuracy`` (``None``
        for the bare reference, which records neither).
    """
    epochs = workload.check_epochs
    setup = (params, workload.activation, workload.loss, workload.lr, X, y, workload.batch_size)
    trainers: dict[str, TightMLP | NeurosimRun | TorchMLP] = {
        "reference+bookkeeping": TightMLP(*setup, bookkeeping=True),
        "reference": TightMLP(*setup),
        "compiled": NeurosimRun(net, workload, params, X, y, "compiled"),
    }
    if workload.name == "wide":
        trainers["compiled32"] = float32_run(workload, params, X, y)
    if workload.object_batches is None:
        trainers["object"] = NeurosimRun(net, workload, params, X, y, "object")
    if have["torch"]:
        trainers["torch"] = TorchMLP(*setup)
    results = {}
    expected: list[np.ndarray] = []
    for name, trainer in trainers.items():
        trainer.reset()
        history = trainer.train(epochs)
        got = trainer.parameters()
        expected = expected or got
        diff = max(float(np.max(np.abs(g - e))) for g, e in zip(got, expected, strict=True))
        loss, accuracy = history[-1] if history else (None, None)
        results[name] = {"max_abs_diff": diff, "loss": loss, "accuracy": accuracy}
    return results


def print_check(epochs: int, check: dict[str, dict[str, float | None]]) -> None:
    """Print how far each engine's weights end from the reference's.

    Parameters
    ----------
    epochs : int
    check : dict
        As :func:`check_agreement` returns.
    """
    print(
        f"  agreement after {plural(epochs, 'epoch')} from the same start "
        "(max |w - w_reference| over all weights and biases):"
    )
    for name, values in check.items():
        label = "torch (float32)" if name == "torch" else name
        diff = "(compared with)" if name == "reference+bookkeeping" else f"{values['max_abs_diff']:.2e}"
        if values["loss"] is None:
            last = "records no loss"
        else:
            last = f"last epoch: loss {values['loss']:.6f}, accuracy {values['accuracy']:.4f}"
        print(f"    {label:<22} {diff:<16} {last}")
    print("    sklearn: not compared (its own batch order)")
