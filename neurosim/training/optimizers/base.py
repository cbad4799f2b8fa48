"""The interface every optimizer shares: settings when made, state per parameter once bound to a network."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from neurosim.core import Network, Neuron, Synapse
from neurosim.errors import ParameterError, UnknownNameError
from neurosim.validation import positive_number

if TYPE_CHECKING:
    from neurosim.core import ParameterStore


def fraction(value: object, name: str) -> float:
    """``value`` as a float in [0, 1), or a ``ParameterError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterError(f"{name} must be a number in [0, 1); got {value!r}")
    if not 0 <= value < 1:
        raise ParameterError(f"{name} must be a number in [0, 1); got {value!r}")
    return float(value)


class Optimizer:
    """Updates every weight and bias of one network from its gradients.

    Made with settings only (``Adam(lr=1e-3)``); ``fit`` binds it to the
    network it trains (or pass the network first, as ``torch.optim`` takes
    the parameters first: ``Adam(net, lr=1e-3)``). Once bound it trains
    that network only, and keeps its state from one ``fit`` call to the
    next. Its state is a few numbers per weight and bias
    (``state_of``); it starts again when the network's arrays are replaced
    (a change of structure or of dtype).

    Subclasses name their hyperparameters in ``hyperparameters`` and their
    per-parameter state in ``state_names``, and implement ``update``.
    """

    #: the name ``fit(optimizer=...)`` knows it by
    name: ClassVar[str] = ""
    #: the learning rate when none is given (``torch.optim``'s default)
    default_lr: ClassVar[float] = 1e-3
    #: the names of the arrays of state it keeps per parameter, as ``state_of`` gives them
    state_names: ClassVar[tuple[str, ...]] = ()
    #: the names of its settings, as attributes, in the order ``settings`` and the repr give them
    hyperparameters: ClassVar[tuple[str, ...]] = ("lr",)

    def __init__(self, network: Network | None = None, *, lr: float | None = None) -> None:
        self.lr = positive_number(self.default_lr if lr is None else lr, "lr")
        self.network: Network | None = None
        #: how many updates since the state (re)started
        self.steps = 0
        self._groups: list[tuple[np.ndarray, np.ndarray]] = []
        self._states: list[dict[str, np.ndarray]] = []
        self._version: int | None = None
        if network is not None:
            self.bind(network)

    def bind(self, network: Network) -> Optimizer:
        """Train ``network`` from now on; refused if this optimizer already trains another one.

        The network remembers it as ``network.optimizer``, whose state
        ``synapse.optimizer_state`` and ``neuron.bias_optimizer_state`` show.
        """
        if not isinstance(network, Network):
            raise ParameterError(
                f"network must be a Network; got {network!r} (give the learning rate as lr=...)"
            )
        if self.network is not None and self.network is not network:
            raise ParameterError(
                f"optimizer: this {type(self).__name__} already trains another network "
                f"({self.network!r}); make a new {type(self).__name__} for this one"
            )
        self.network = network
        network.optimizer = self
        return self

    def step(self) -> None:
        """Update every parameter in place from its gradient (of the last backward pass)."""
        self._refresh()
        self.steps += 1
        for (values, grad), state in zip(self._groups, self._states, strict=True):
            self.update(values, grad, state)

    def update(self, values: np.ndarray, grad: np.ndarray, state: dict[str, np.ndarray]) -> None:
        """Update ``values`` in place from ``grad`` and its ``state`` (``self.steps`` counts from 1)."""
        raise NotImplementedError

    def new_state(self, values: np.ndarray) -> dict[str, np.ndarray]:
        """The state of a parameter array before the first update: zeros of its shape."""
        return {name: np.zeros_like(values) for name in self.state_names}

    def state_of(self, parameter: Synapse | Neuron | str) -> dict[str, float]:
        """The state for one weight (a synapse) or one bias (a neuron), by name.

        ``parameter`` is a ``Synapse``, a ``Neuron`` (its bias), or the name
        of either (``"input[0] -> output[0]"``, ``"output[0].bias"``).
        """
        store = self._refresh()
        array, index = self._entry(store, parameter)
        flat_values, _, position = store.locate(array, index)
        for (values, _), state in zip(self._groups, self._states, strict=True):
            if np.shares_memory(values, flat_values):
                return {name: float(state[name].reshape(-1)[position]) for name in self.state_names}
        raise UnknownNameError(f"parameter: {parameter!r} is not one of the network's parameters")

    def _refresh(self) -> ParameterStore:
        """The store, with the arrays looked up again (and the state restarted) if they were replaced."""
        if self.network is None:
            raise ParameterError(
                f"optimizer: this {type(self).__name__} is not bound to a network yet; "
                "give it to fit, or call bind(network)"
            )
        store = self.network.parameter_store
        if self._version != store.version:
            self._groups = store.update_groups()
            self._states = [self.new_state(values) for values, _ in self._groups]
            self._version = store.version
            self.steps = 0
        return store

    def _entry(self, store: ParameterStore, parameter: object) -> tuple[str, tuple[int, ...]]:
        network = self.network
        if isinstance(parameter, Synapse) and parameter.target.layer.network is network:
            return f"{parameter.block.name}.weight", parameter.position
        if isinstance(parameter, Neuron) and parameter.layer.network is network and parameter.layer.has_bias:
            return f"{parameter.layer.name}.bias", (parameter.index,)
        if isinstance(parameter, str):
            for entry in store.entries():
                if entry.name == parameter:
                    return entry.array, entry.index
        raise UnknownNameError(
            f"parameter must be a synapse, a neuron with a bias, or the name of one, of the network this "
            f"optimizer trains; got {parameter!r}"
        )

    def settings(self) -> dict[str, object]:
        """The hyperparameters, by name."""
        return {name: getattr(self, name) for name in self.hyperparameters}

    def with_weight_decay(self, grad: np.ndarray, values: np.ndarray) -> np.ndarray:
        """``grad + weight_decay * values``: the L2 penalty's gradient added, as ``torch.optim`` does."""
        weight_decay = getattr(self, "weight_decay", 0.0)
        return grad + weight_decay * values if weight_decay else grad

    def __repr__(self) -> str:
        shown = ", ".join(f"{key}={value!r}" for key, value in self.settings().items())
        return f"{type(self).__name__}({shown})"
