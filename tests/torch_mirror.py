"""A PyTorch copy of a neurosim network, trained with ``torch.optim`` the way ``fit`` trains, for comparisons.

The copy has the network's weight matrices (times their masks, so that
absent synapses stay absent), biases and element-wise activations, and
computes the same forward pass with torch's autograd. ``train`` visits the
samples in ``fit``'s order (a numpy generator seeded like ``fit``'s
``seed``), adds an optional penalty term (L1, L2) to each batch's loss,
records each epoch's loss as ``fit`` does (the batches' mean losses of the
data before their updates, weighted by batch size, without the penalty) and
the validation loss after it, and steps a ``torch.optim.lr_scheduler`` once
per epoch. ``weight_params`` and ``bias_params`` give the tensors apart, for
parameter groups such as weight decay on the weights only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

import neurosim as ns


@dataclass
class TorchRun:
    """What ``train`` saw: the rate of each epoch, the epoch losses and validation losses."""

    lrs: list[float] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)


class TorchMirror:
    """The parameters of ``net`` as float64 torch tensors, and its forward pass."""

    def __init__(self, torch: object, net: ns.Network) -> None:
        self.torch, self.net = torch, net
        self.params = {
            key: torch.tensor(value, dtype=torch.float64, requires_grad=True)
            for key, value in net.named_parameters()
        }
        self.masks = {
            f"{block.name}.weight": torch.tensor(block.mask, dtype=torch.float64) for block in net.blocks
        }
        functions = {
            "tanh": torch.tanh,
            "sigmoid": torch.sigmoid,
            "relu": torch.relu,
            "identity": lambda z: z,
        }
        self.activation = {layer.name: functions[layer.activation.name] for layer in net.layers[1:]}

    def forward(self, x: object) -> object:
        net, params = self.net, self.params
        a = {net.layers[0].name: x}
        for layer in net.layer_order()[1:]:
            z = params[f"{layer.name}.bias"].clone()
            for block in net.blocks:
                if block.target is layer:
                    key = f"{block.name}.weight"
                    z = z + a[block.source.name] @ (params[key] * self.masks[key]).T
            a[layer.name] = self.activation[layer.name](z)
        return a[net.output_layer.name]

    def weight_params(self) -> list[object]:
        """The weight tensors, in the order of ``net.blocks``."""
        return [self.params[key] for key in self.masks]

    def bias_params(self) -> list[object]:
        """The bias tensors, one per layer after the input layer."""
        return [value for key, value in self.params.items() if key not in self.masks]

    def weights(self) -> dict[str, np.ndarray]:
        return {key: value.detach().numpy().copy() for key, value in self.params.items()}


def train(
    torch: object,
    mirror: TorchMirror,
    optimizer: object,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    epochs: int,
    batch_size: int | None,
    seed: int,
    step_scheduler: Callable[[TorchRun], None] | None = None,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    penalty: Callable[[], object] | None = None,
) -> TorchRun:
    """Train ``mirror`` with ``optimizer`` on the MSE loss; call ``step_scheduler`` after each epoch.

    ``penalty``, when given, returns a scalar tensor that is added to each
    batch's loss before ``backward`` (and left out of the recorded losses).
    """
    mse = torch.nn.functional.mse_loss
    X_t, Y_t = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64)
    rng = np.random.default_rng(seed)  # fit's batch order
    n = len(X)
    batch = n if batch_size is None else batch_size
    run = TorchRun()
    for _ in range(epochs):
        run.lrs.append(optimizer.param_groups[0]["lr"])
        order = torch.from_numpy(rng.permutation(n))
        total = 0.0
        for start in range(0, n, batch):
            index = order[start : start + batch]
            optimizer.zero_grad()
            loss = mse(mirror.forward(X_t[index]), Y_t[index])
            total += float(loss.detach()) * len(index)
            if penalty is not None:
                loss = loss + penalty()
            loss.backward()
            optimizer.step()
        run.loss.append(total / n)
        if validation is not None:
            with torch.no_grad():
                X_v, Y_v = (torch.tensor(v, dtype=torch.float64) for v in validation)
                run.val_loss.append(float(mse(mirror.forward(X_v), Y_v)))
        if step_scheduler is not None:
            step_scheduler(run)
    return run
