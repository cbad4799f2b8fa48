"""The engine ``fit(engine="auto")`` trains with: the compiled one, unless something needs the object one.

Both engines give the same weights, to float rounding, and leave them in
the network's synapses; the compiled engine computes a layer at a time
with matrices and is many times faster, so ``"auto"`` takes it. It takes
the object engine only when one of these needs it:

* **an activation that runs only one neuron at a time.** The compiled
  engine calls an activation (and its derivative) on a whole layer, an
  ``(n_samples, layer size)`` array; the object engine on one neuron's
  ``(n_samples,)`` values. An activation of your own written for
  one-dimensional arrays (a loop over ``z``, ``math.tanh`` of each value)
  fails, or computes something else, on a matrix. Each activation of
  yours is tried once on a small matrix, column by column and whole,
  before it first trains.
* **a callback of yours with a per-batch hook** (``on_backward_end`` or
  ``on_batch_end``). Only the object engine keeps every neuron's ``z``,
  ``a`` and ``delta`` current batch by batch; the compiled engine writes
  them into the ``Neuron`` objects when training ends. Your hook may read
  them (``net["hidden1"][0].a``), so it gets the engine that has them.
  neurosim's own callbacks (watches, the doctor, schedules, early
  stopping, the progress display) read the ``Batch`` view, which both
  engines give, and never need it.

Pass ``engine="compiled"`` to train a network with such a callback fast
anyway (its hooks can read the same numbers from ``batch.a(layer)``,
``batch.delta(layer)`` and ``batch.grad(name)``), or ``engine="object"``
to watch backpropagation neuron by neuron.

Examples
--------
>>> import math
>>> import numpy as np
>>> import neurosim as ns
>>> net = ns.Network.from_shape([2, 3, 1], seed=0)
>>> choose_engine(net)
EngineChoice(name='compiled', reason='nothing needs the object engine')
>>> class PrintFirstNeuron(ns.training.Callback):
...     def on_batch_end(self, run, batch):
...         print(run.network["hidden1"][0].a)
>>> choose_engine(net, [PrintFirstNeuron()]).name
'object'
>>> one_at_a_time = ns.activations.Activation(
...     "tanh_by_value",
...     lambda z: np.array([math.tanh(v) for v in z]),
...     lambda z: np.array([1 - math.tanh(v) ** 2 for v in z]),
... )
>>> net = ns.Network.from_shape([2, 3, 1], activation=one_at_a_time, seed=0)
>>> print(choose_engine(net).reason)
activation 'tanh_by_value' of layer 'hidden1' does not run on a whole layer at once (TypeError: ...)
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from neurosim import engines
from neurosim.errors import ParameterError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from neurosim.activations import Activation
    from neurosim.core import Network

#: the hooks called once per batch, during which only the object engine keeps the neurons' values current
BATCH_HOOKS = ("on_backward_end", "on_batch_end")

#: where neurosim's own callbacks are written
_PACKAGE = Path(__file__).resolve().parents[1]

#: a small layer's worth of inputs on which an activation is tried: 3 samples of 4 neurons
_PROBE = np.linspace(-2.5, 2.5, 12).reshape(3, 4)


class EngineChoice(NamedTuple):
    """The engine ``"auto"`` picks, ``"compiled"`` or ``"object"``, and why, in words."""

    name: str
    reason: str


def engine_for(network: Network, engine: object, callbacks: Sequence[object] = ()) -> engines.Engine:
    """The engine ``engine`` names: ``"auto"`` (see ``choose_engine``), ``"object"``, ``"compiled"`` or one.

    Examples
    --------
    >>> import neurosim as ns
    >>> net = ns.Network.from_shape([2, 1], seed=0)
    >>> type(engine_for(net, "auto")).__name__
    'CompiledNetwork'
    >>> engine_for(net, "gpu")
    Traceback (most recent call last):
    ...
    neurosim.errors.ParameterError: engine must be 'auto', 'object' or 'compiled'; got 'gpu'
    """
    if isinstance(engine, str) and engine == "auto":
        engine = choose_engine(network, callbacks).name
    elif isinstance(engine, str) and engine not in engines.ENGINES:
        raise ParameterError(f"engine must be 'auto', 'object' or 'compiled'; got {engine!r}")
    return engines.create(network, engine)


def choose_engine(network: Network, callbacks: Sequence[object] = ()) -> EngineChoice:
    """The engine to train ``network`` with when ``fit`` is given ``engine="auto"``.

    ``callbacks`` are every callback of the run (those attached to the
    network as well). See the module's documentation for the rule.
    """
    for layer in network.layers:
        failure = None if layer.activation is None else _matrix_failure(layer.activation)
        if failure is not None:
            return EngineChoice(
                "object",
                f"activation {layer.activation.name!r} of layer {layer.name!r} does not run on a whole "
                f"layer at once ({failure})",
            )
    for callback in callbacks:
        hooks = [name for name in BATCH_HOOKS if _own_hook(callback, name)]
        if hooks:
            return EngineChoice(
                "object",
                f"callback {type(callback).__name__} has {' and '.join(hooks)}, which may read the neurons' "
                "values batch by batch",
            )
    return EngineChoice("compiled", "nothing needs the object engine")


def _own_hook(callback: object, name: str) -> bool:
    """Whether ``callback`` has hook ``name`` written outside the neurosim package."""
    method = getattr(callback, name, None)
    if not callable(method):
        return False
    code = getattr(getattr(method, "__func__", method), "__code__", None)
    return code is None or not Path(code.co_filename).resolve().is_relative_to(_PACKAGE)


def _matrix_failure(activation: Activation) -> str | None:
    """Why ``activation`` cannot run on a whole layer at once, in a few words, or ``None`` if it can.

    neurosim's own activations run on matrices; one of yours is tried the
    first time it is asked about, and the answer kept for as long as the
    activation exists (its functions are fixed when it is made).
    """
    if not activation.elementwise or activation.is_built_in:
        return None  # a whole-layer activation (a softmax) gets whole layers from both engines
    if activation in _TRIED:
        return _TRIED[activation]
    try:
        _compare_with_columns(activation)
        failure = None
    except Exception as error:  # whatever a user's function raises, it cannot run on matrices
        failure = f"{type(error).__name__}: {error}"
    _TRIED[activation] = failure
    return failure


#: each activation of yours tried on a matrix, and why it failed (``None`` where it did not)
_TRIED: weakref.WeakKeyDictionary[Activation, str | None] = weakref.WeakKeyDictionary()


def _compare_with_columns(activation: Activation) -> None:
    """Raise unless the function and the backward pass give on ``_PROBE`` what they give column by column."""
    z = _PROBE
    with np.errstate(all="ignore"):
        a = np.asarray(activation(z), dtype=float)
        grad_a = np.asarray(activation.backward(z, a, np.ones_like(z)), dtype=float)
        a_by_column = np.column_stack([activation(z[:, j]) for j in range(z.shape[1])])
        grad_by_column = np.column_stack(
            [activation.backward(z[:, j], a[:, j], np.ones(z.shape[0])) for j in range(z.shape[1])]
        )
    if not np.allclose(a, a_by_column, equal_nan=True) or not np.allclose(
        grad_a, grad_by_column, equal_nan=True
    ):
        raise ValueError("it gives other values on a matrix than on each of its columns")
