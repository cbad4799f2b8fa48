"""GFLOP/s on the wide workload: the epoch's matrix products counted, and timed alone beside the engines."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from neurosim.benchmarks.engines.printing import print_table
from neurosim.benchmarks.engines.report import Settings
from neurosim.benchmarks.engines.workloads import Workload


def epoch_flops(sizes: Sequence[int], n: int) -> int:
    """Floating-point operations of the matrix products of one training epoch.

    Forward ``2 n in out`` per layer, weight gradients the same, and input
    gradients ``2 n in out`` for every layer but the first.

    Parameters
    ----------
    sizes : sequence of int
    n : int
        Samples per epoch.

    Returns
    -------
    int
    """
    products = [a * b for a, b in pairwise(sizes)]
    return 2 * n * (2 * sum(products) + sum(products[1:]))


def matmul_epoch_seconds(sizes: Sequence[int], n: int, batch: int, repeats: int) -> float:
    """Fastest time of one epoch's matrix products alone, into preallocated outputs.

    The products and layouts are the compiled engine's: ``A @ W.T``,
    ``D.T @ A`` and ``D @ W`` for every batch of the epoch.

    Parameters
    ----------
    sizes : sequence of int
    n, batch : int
    repeats : int

    Returns
    -------
    float
    """
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal((b, a)) * 0.05 for a, b in pairwise(sizes)]
    grads = [np.empty_like(w) for w in weights]
    batch_sizes = [min(batch, n - start) for start in range(0, n, batch)]
    arrays = {}
    for rows in set(batch_sizes):
        acts = [rng.random((rows, size)) for size in sizes]
        arrays[rows] = acts, [np.empty((rows, size)) for size in sizes], [a.copy() for a in acts]

    def epoch() -> None:
        for rows in batch_sizes:
            acts, outs, deltas = arrays[rows]
            for layer, weight in enumerate(weights):
                np.matmul(acts[layer], weight.T, out=outs[layer + 1])
            for layer, weight in enumerate(weights):
                np.matmul(deltas[layer + 1].T, acts[layer], out=grads[layer])
                if layer:
                    np.matmul(deltas[layer + 1], weight, out=outs[layer])

    epoch()
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        epoch()
        best = min(best, time.perf_counter() - start)
    return best


def wide_gflops(
    workload: Workload, n: int, reference_s: float, compiled_s: float, settings: Settings
) -> dict[str, float]:
    """Print and return the achieved GFLOP/s of the reference and compiled engine beside bare matmul.

    Parameters
    ----------
    workload : Workload
    n : int
        Samples per epoch.
    reference_s, compiled_s : float
        Seconds per epoch.
    settings : Settings

    Returns
    -------
    dict
    """
    flops = epoch_flops(workload.sizes, n)
    matmul_s = matmul_epoch_seconds(workload.sizes, n, workload.batch_size or n, settings.repeats)
    result = {
        "gflop_per_epoch": flops / 1e9,
        "numpy_matmul": flops / matmul_s / 1e9,
        "reference": flops / reference_s / 1e9,
        "compiled": flops / compiled_s / 1e9,
    }
    print(f"  achieved GFLOP/s ({result['gflop_per_epoch']:.2f} GFLOP of matrix products per epoch):")
    rows = [
        ["numpy matmul alone", f"{result['numpy_matmul']:.1f}", "the epoch's products, nothing else"],
        [
            "reference",
            f"{result['reference']:.1f}",
            f"{result['reference'] / result['numpy_matmul']:.0%} of matmul",
        ],
        [
            "compiled",
            f"{result['compiled']:.1f}",
            f"{result['compiled'] / result['reference']:.0%} of reference",
        ],
    ]
    print_table(["", "GFLOP/s", "share"], rows, indent=4)
    return result
