"""The object model: neurons, synapses and layers in a ``networkx.DiGraph``."""

from neurosim.core.layer import Layer
from neurosim.core.network import Network
from neurosim.core.neuron import Neuron
from neurosim.core.synapse import Synapse

__all__ = ["Layer", "Network", "Neuron", "Synapse"]
