"""The neurosim exception hierarchy.

Every error neurosim raises on purpose is a ``NeurosimError``, so one
``except ns.NeurosimError`` catches them all. Each subclass also derives from
the closest built-in exception (``ValueError``, ``LookupError``) so code that
already catches those keeps working.

Messages name the argument, layer, neuron or synapse concerned, what was
expected, and what was received.
"""

from __future__ import annotations


class NeurosimError(Exception):
    """Base class of every error neurosim raises on purpose."""


class ShapeError(NeurosimError, ValueError):
    """An array has the wrong number of dimensions, length or width."""


class DataError(NeurosimError, ValueError):
    """Data has values the operation cannot use (NaN, infinity, bad labels)."""


class ParameterError(NeurosimError, ValueError):
    """An argument such as a learning rate or a layer size is out of range."""


class UnknownNameError(NeurosimError, LookupError):
    """No activation, loss, initializer, layer, neuron or synapse has that name."""

    def __str__(self) -> str:  # LookupError would quote the message like a key
        return str(self.args[0]) if self.args else ""


class StructureError(NeurosimError, ValueError):
    """A change to the network's wiring would make it invalid."""


class CycleError(StructureError):
    """A synapse would close a cycle between layers."""


class IncompatibleLossError(NeurosimError, ValueError):
    """A loss cannot be used with the output layer's activation."""


class ModelFileError(NeurosimError):
    """A saved network cannot be read or written."""


class FormatVersionError(ModelFileError):
    """A saved network was written by a newer neurosim file format."""


class MissingDependencyError(NeurosimError, ImportError):
    """An optional package that a function needs is not installed."""


class DivergenceWarning(UserWarning):
    """Training stopped because the loss stopped being a finite number."""
