"""Engines that compute a network's passes: neuron by neuron, or a layer at a time with matrices.

Both implement the ``Engine`` interface of ``neurosim.engines.base``;
``create(network, "object")`` or ``create(network, "compiled")`` makes one.
"""

from __future__ import annotations

from neurosim.core import Network
from neurosim.engines.base import Engine, PassValues, StoredPassValues
from neurosim.engines.compiled import CompiledNetwork
from neurosim.engines.object_engine import ObjectEngine
from neurosim.errors import ParameterError

#: the engines by name
ENGINES = {"object": ObjectEngine, "compiled": CompiledNetwork}

__all__ = ["ENGINES", "CompiledNetwork", "Engine", "ObjectEngine", "PassValues", "StoredPassValues", "create"]


def create(network: Network, engine: str | Engine) -> Engine:
    """The engine named ``engine`` ("object" or "compiled") for ``network``, or ``engine`` itself.

    An engine object is accepted as it is if it computes ``network``. Either
    engine refuses a network that cannot compute (``Network.check_graph``).

    Examples
    --------
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([2, 1], seed=0)
    >>> create(net, "object")
    ObjectEngine(Network(layers=[2, 1], synapses=2, parameters=3))
    >>> create(net, "matrix")
    Traceback (most recent call last):
    ...
    neurosim.errors.ParameterError: engine must be 'object' or 'compiled'; got 'matrix'
    """
    if not isinstance(network, Network):
        raise ParameterError(f"network must be a neurosim Network; got {type(network).__name__}")
    if isinstance(engine, str) and engine in ENGINES:
        return ENGINES[engine](network)
    if not isinstance(engine, str) and isinstance(engine, Engine):
        if engine.network is not network:
            raise ParameterError("engine computes another network; make one for this network")
        return engine
    if isinstance(engine, str):
        raise ParameterError(f"engine must be 'object' or 'compiled'; got {engine!r}")
    raise ParameterError(f"engine must be 'object', 'compiled' or an engine of this network; got {engine!r}")
