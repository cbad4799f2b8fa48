"""The object model: neurons, synapses and layers in a ``networkx.DiGraph``, and their parameter store."""

from neurosim.core.handles import CallbackHandle
from neurosim.core.layer import Layer
from neurosim.core.network import Network
from neurosim.core.neuron import Neuron
from neurosim.core.parameters import LoadResult, ParameterEntry, ParameterStore, WeightBlock
from neurosim.core.synapse import Synapse

__all__ = [
    "CallbackHandle",
    "Layer",
    "LoadResult",
    "Network",
    "Neuron",
    "ParameterEntry",
    "ParameterStore",
    "Synapse",
    "WeightBlock",
]
