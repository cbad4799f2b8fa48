"""Time per training epoch of neurosim's engines beside an independent numpy MLP, PyTorch and scikit-learn.

Run it as ``neurosim bench``, or::

    python -m neurosim.benchmarks.engines                 # every workload and section (a few minutes)
    python -m neurosim.benchmarks.engines --quick         # a smoke test of every path (about half a minute)
    python -m neurosim.benchmarks.engines --only moons,scaling --json results.json --plot-dir charts

Every engine trains the same network (the same sizes, activations, loss and
initial weights, read from ``ns.Network.from_shape``) on the same data in the
same batch order (``fit``'s: ``rng = np.random.default_rng(seed)`` once, then
``rng.permutation(n)`` each epoch), except scikit-learn, which shuffles with
its own random state. The reference is ``TightMLP`` (``tight_reference.py``):
an MLP written in numpy as tightly as numpy allows, independent of neurosim's
kernels, timed bare and with the bookkeeping ``fit`` does (each epoch's loss
and accuracy). Shared machines are noisy, so times are reported as ratios to
the references measured in the same run: the engines take turns
(interleaved), each run starts from the initial weights, and each engine
keeps its fastest of several runs. The small workloads are timed with the
thread pools limited to one thread (``threadpoolctl``), the wide one with the
defaults, and every section says which.

Before timing, each workload trains every engine for a few epochs from the same
start and prints how far its weights end from the reference's, so that the
timings compare the same arithmetic.
"""

from neurosim.benchmarks.engines.cli import main, parse_args

__all__ = ["main", "parse_args"]
