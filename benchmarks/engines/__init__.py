"""Time per training epoch of neurosim's engines beside a hand-written numpy MLP, PyTorch and scikit-learn.

Run it as ``neurosim bench``, or::

    python -m neurosim.benchmarks.engines                 # every workload and section (a few minutes)
    python -m neurosim.benchmarks.engines --quick         # a smoke test of every path (about half a minute)
    python -m neurosim.benchmarks.engines --only moons,build --json results.json

Every engine trains the same network (the same sizes, activations, loss and
initial weights, read from ``ns.Network.from_shape``) on the same data in the
same batch order (``fit``'s: ``rng = np.random.default_rng(seed)`` once, then
``rng.permutation(n)`` each epoch), except scikit-learn, which shuffles with
its own random state. Shared machines are noisy, so times are reported as
ratios to the numpy reference measured in the same run: the engines take turns
(interleaved), each run starts from the initial weights, and each engine keeps
its fastest of several runs.

Before timing, each workload trains every engine for a few epochs from the same
start and prints how far its weights end from the reference's, so that the
timings compare the same arithmetic.
"""

from neurosim.benchmarks.engines.cli import main, parse_args

__all__ = ["main", "parse_args"]
