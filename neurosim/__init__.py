"""neurosim: a neuron-level neural-network simulator for learning and debugging.

Every neuron and synapse is an object in a ``networkx.DiGraph``; the object
engine computes them one at a time so you can stop anywhere and look.

Examples
--------
>>> import numpy as np
>>> import neurosim as ns
>>> net = ns.Network.from_shape([2, 3, 1], seed=0)
>>> net
Network(layers=[2, 3, 1], synapses=9, parameters=13)
>>> y = net.forward([1.0, 0.0])
>>> net["hidden1"][2].a == net["hidden1[2]"].a
True
"""

from neurosim import callbacks, datasets, diagnostics, engines, optim, training
from neurosim.activations import Activation, check_activation, get_activation, register_activation
from neurosim.classes import predicted_classes
from neurosim.core import Layer, Network, Neuron, Synapse
from neurosim.diagnostics import (
    ForwardComparison,
    GradientComparison,
    Report,
    compare_forward,
    compare_gradients,
    diagnose,
)
from neurosim.diagnostics.gradient_check import GradientCheckReport, gradient_check
from neurosim.engines.compiled import CompiledNetwork
from neurosim.errors import (
    ActivationPickleError,
    CycleError,
    DataError,
    DiagnosisWarning,
    DivergenceWarning,
    FormatVersionError,
    IncompatibleLossError,
    MissingDependencyError,
    ModelFileError,
    NeurosimError,
    ParameterError,
    ResourceError,
    ShapeError,
    StateDictError,
    StructureError,
    UnknownNameError,
)
from neurosim.initializers import Initializer, get_initializer
from neurosim.io import load
from neurosim.losses import Loss, get_loss
from neurosim.training import SGD, History

__version__ = "0.1.0"

__all__ = [
    "SGD",
    "Activation",
    "ActivationPickleError",
    "CompiledNetwork",
    "CycleError",
    "DataError",
    "DiagnosisWarning",
    "DivergenceWarning",
    "FormatVersionError",
    "ForwardComparison",
    "GradientCheckReport",
    "GradientComparison",
    "History",
    "IncompatibleLossError",
    "Initializer",
    "Layer",
    "Loss",
    "MissingDependencyError",
    "ModelFileError",
    "Network",
    "Neuron",
    "NeurosimError",
    "ParameterError",
    "Report",
    "ResourceError",
    "ShapeError",
    "StateDictError",
    "StructureError",
    "Synapse",
    "UnknownNameError",
    "callbacks",
    "check_activation",
    "compare_forward",
    "compare_gradients",
    "datasets",
    "diagnose",
    "diagnostics",
    "engines",
    "get_activation",
    "get_initializer",
    "get_loss",
    "gradient_check",
    "load",
    "optim",
    "predicted_classes",
    "register_activation",
    "training",
]


def __getattr__(name: str) -> object:
    # neurosim.plot imports matplotlib's pyplot, which takes a while, and neurosim.sklearn scikit-learn,
    # which is optional: load them on first use
    import importlib

    if name in ("plot", "sklearn"):
        return importlib.import_module(f"neurosim.{name}")
    if name in ("to_torch", "from_torch"):  # PyTorch is optional, and slow to import
        return getattr(importlib.import_module("neurosim.io.torch_bridge"), name)
    if name == "to_onnx":  # needs PyTorch, onnx and onnxscript (the onnx extra)
        return importlib.import_module("neurosim.io.onnx_export").to_onnx
    raise AttributeError(f"module 'neurosim' has no attribute {name!r}")
