"""The neurosim exception hierarchy.

Every error neurosim raises on purpose is a ``NeurosimError``, so one
``except ns.NeurosimError`` catches them all. Each subclass also derives from
the closest built-in exception (``ValueError``, ``LookupError``) so code that
already catches those keeps working.

Messages name the argument, layer, neuron or synapse concerned, what was
expected, and what was received.
"""

from __future__ import annotations

import inspect
import pickle


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


class StateDictError(NeurosimError, ValueError):
    """Parameter arrays given by name do not fit the network (``Network.load_state_dict``).

    ``missing`` lists the names the network expected but was not given,
    ``unexpected`` the names it does not have, and ``problems`` one line for
    each array that has the wrong shape or values; the message lists them all.
    """

    def __init__(
        self,
        message: str,
        missing: list[str] | None = None,
        unexpected: list[str] | None = None,
        problems: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.missing = list(missing or [])
        self.unexpected = list(unexpected or [])
        self.problems = list(problems or [])

    @classmethod
    def collected(
        cls, missing: list[str], unexpected: list[str], problems: list[str], *, strict: bool
    ) -> StateDictError:
        """One error that names every missing, unexpected and unusable array at once."""
        lines = []
        if strict and missing:
            lines.append(f"missing: {', '.join(missing)}")
        if strict and unexpected:
            lines.append(f"unexpected: {', '.join(unexpected)}")
        lines += problems
        heading = "cannot load the state dict; nothing was changed:"
        return cls("\n  ".join([heading, *lines]), missing, unexpected, problems)


class IncompatibleLossError(NeurosimError, ValueError):
    """A loss cannot be used with the output layer's activation."""


class ModelFileError(NeurosimError):
    """A saved network cannot be read or written."""


class FormatVersionError(ModelFileError):
    """A saved network was written by a newer neurosim file format."""


class ResourceError(NeurosimError, MemoryError):
    """A size is over neurosim's limits or would not fit in the memory available (``neurosim.limits``).

    Raised before anything is allocated; the message gives the size asked
    for and the memory it would need. It derives from ``MemoryError`` so
    code that already catches that keeps working.
    """


class MissingDependencyError(NeurosimError, ImportError):
    """An optional package that a function needs is not installed."""


class ActivationPickleError(NeurosimError, pickle.PicklingError):
    """An activation whose functions pickle cannot find again by name (a lambda, a nested function)."""


class DivergenceWarning(UserWarning):
    """Training stopped because the loss stopped being a finite number."""


class DiagnosisWarning(UserWarning):
    """The doctor found something wrong with a network while it trained (see ``neurosim.diagnose``)."""


def outside_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside neurosim."""
    frame, level = inspect.currentframe().f_back, 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("neurosim."):
        frame, level = frame.f_back, level + 1
    return level
