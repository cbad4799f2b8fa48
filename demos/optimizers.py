"""Optimizers: SGD, momentum, Adam, RMSprop and Rprop train the same network from the same start.

What it teaches: an optimizer is the rule that turns a gradient into a
step. Five of them train copies of one 2-8-8-1 network on the same moons,
from the same starting weights, each step computed on the whole training
set, and a table and a plot of their losses show how fast each gets
where. Then, to see the steps themselves, only two weights of that network
are left free to learn: the loss as those two weights vary is then a
landscape that can be drawn exactly, and each optimizer's path across it
shows what its rule does: SGD follows the slope, momentum gathers speed,
Adam and RMSprop take steps of about the same size whatever the slope,
and Rprop moves each weight by a step of its own that grows while the
gradient keeps its sign. Pictures go into an output folder
(``neurosim-output/optimizers`` unless ``--output`` says otherwise).

Run it with ``neurosim demo optimizers`` or ``python demos/optimizers.py``.
"""

from __future__ import annotations

import copy
import textwrap
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

import neurosim as ns
from neurosim.demos._common import add_seed_option, begin, demo_parser, heading, save_pictures
from neurosim.plot.optimizers import first_below

SIZES = [2, 8, 8, 1]
EPOCHS = 300
FAST_EPOCHS = 60
#: the loss the table counts the epochs to
THRESHOLD = 0.1
#: the two weights whose paths are drawn: from two neurons of the last hidden layer into the output
PAIR = (("hidden2[0]", "output[0]"), ("hidden2[1]", "output[0]"))
#: where the two weights start, the same for every optimizer: on the side of the valley of the loss
PATH_START = (-1.0, 5.5)
PATH_EPOCHS = 200
FAST_PATH_EPOCHS = 20
TRAINING = {"loss": "bce", "engine": "compiled", "verbose": 0, "shuffle": False}


class Split(NamedTuple):
    """Data split into points to train on and points to test on."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


def optimizers() -> dict[str, ns.optim.Optimizer]:
    """The five optimizers, new (with no state), by the name the table and the pictures use.

    Each has a learning rate that trains this network steadily, found by
    trying a few; at other settings the race could end in another order.
    """
    return {
        "SGD": ns.optim.SGD(lr=0.5),
        "momentum": ns.optim.SGD(lr=0.1, momentum=0.9),
        "Adam": ns.optim.Adam(lr=0.02),
        "RMSprop": ns.optim.RMSprop(lr=0.01),
        "Rprop": ns.optim.Rprop(lr=0.01),
    }


def moons_data(seed: int = 0) -> Split:
    """400 noisy points on two moons: 300 to train on, 100 to test on."""
    X, y = ns.datasets.moons(400, noise=0.2, seed=seed)
    return Split(*ns.datasets.split(X, y, test_fraction=0.25, seed=seed))


def start_network(seed: int = 0) -> ns.Network:
    """The network every optimizer starts from: two hidden layers of 8 tanh neurons, one sigmoid output."""
    return ns.Network.from_shape(SIZES, activation="tanh", output_activation="sigmoid", seed=seed)


def train_each(start: ns.Network, data: Split, epochs: int) -> dict[str, tuple[ns.Network, ns.History]]:
    """Train a copy of ``start`` with each optimizer, on the whole training set at every step."""
    trained = {}
    for name, optimizer in optimizers().items():
        net = copy.deepcopy(start)
        history = net.fit(data.X_train, data.y_train, epochs=epochs, optimizer=optimizer, **TRAINING)
        trained[name] = net, history
    return trained


class OnlyThese(ns.training.Callback):
    """Let only ``synapses`` learn: every other gradient is set to 0 before each update.

    With a zero gradient, none of the five optimizers moves a weight: SGD's
    velocity, Adam's and RMSprop's averages stay 0, and Rprop's step is
    ``sign(0) = 0``.
    """

    def __init__(self, synapses: Sequence[ns.Synapse]) -> None:
        self.synapses = list(synapses)

    def on_backward_end(self, run: ns.training.Run, batch: ns.training.Batch) -> None:
        """Zero every gradient but those of ``synapses``."""
        kept = [synapse.grad for synapse in self.synapses]
        for _, grads in run.network.named_gradients():
            grads.fill(0.0)
        for synapse, grad in zip(self.synapses, kept, strict=True):
            synapse.block.grad[synapse.position] = grad


def two_weight_start(start: ns.Network) -> ns.Network:
    """A copy of ``start`` with the ``PAIR`` weights set to ``PATH_START``: where their paths begin."""
    net = copy.deepcopy(start)
    for synapse, value in zip((net.synapse(*ends) for ends in PAIR), PATH_START, strict=True):
        synapse.weight = value
    return net


def two_weight_paths(start: ns.Network, data: Split, epochs: int) -> dict[str, np.ndarray]:
    """Each optimizer's path of the ``PAIR`` weights when only they learn: ``(epochs + 1, 2)`` values."""
    paths = {}
    for name, optimizer in optimizers().items():
        net = copy.deepcopy(start)
        pair = [net.synapse(*ends) for ends in PAIR]
        watches = [net.watch(*ends) for ends in PAIR]
        net.fit(
            data.X_train, data.y_train, epochs=epochs, optimizer=optimizer, diagnose=False,
            callbacks=[OnlyThese(pair)], **TRAINING,
        )  # fmt: skip
        paths[name] = np.column_stack([watch.weights[:, 0] for watch in watches])
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """Train with each optimizer, print the table, and draw the loss curves and the two-weight paths."""
    parser = demo_parser("optimizers", __doc__)
    add_seed_option(parser, "the data and the starting weights")
    args = begin(parser, argv, __doc__)
    epochs = FAST_EPOCHS if args.fast else EPOCHS
    path_epochs = FAST_PATH_EPOCHS if args.fast else PATH_EPOCHS
    data = moons_data(args.seed)
    start = start_network(args.seed)

    heading(f"Five optimizers train a {'-'.join(map(str, SIZES))} network from the same start")
    print(f"{len(data.X_train)} moons points to train on, {len(data.X_test)} to test on;")
    print(f"every step uses all {len(data.X_train)} training points (full batch), for {epochs} epochs.")
    trained = train_each(start, data, epochs)
    print_table(trained, data)

    heading("Only two weights learn: their paths over the loss surface")
    names = " and ".join(f"{source} -> {target}" for source, target in PAIR)
    print(f"Now only {names} learn, for {path_epochs} epochs;")
    print(f"every other weight and bias stays at its starting value. The two start from {PATH_START}.")
    path_start = two_weight_start(start)
    paths = two_weight_paths(path_start, data, path_epochs)
    for name, path in paths.items():
        (x0, y0), (x1, y1) = path[0], path[-1]
        print(f"  {name:9s} from ({x0:+.2f}, {y0:+.2f}) to ({x1:+.2f}, {y1:+.2f})")

    histories = {name: history for name, (_, history) in trained.items()}
    curves = ns.plot.loss_curves(histories, threshold=THRESHOLD)
    curves.set_title(f"the same {'-'.join(map(str, SIZES))} network and start, five optimizers (full batch)")
    pair = [path_start.synapse(*ends) for ends in PAIR]
    surface = ns.plot.optimizer_paths(path_start, data.X_train, data.y_train, pair, paths, loss="bce")
    surface.suptitle(surface_title(), fontsize="medium")
    save_pictures(args.output, [("loss_curves.png", curves), ("paths.png", surface)])
    return 0


def print_table(trained: dict[str, tuple[ns.Network, ns.History]], data: Split) -> None:
    """Each optimizer's final loss, accuracies, first epoch with loss below THRESHOLD, settings."""
    row = "{:9s}  {:>10s}  {:>9s}  {:>8s}  {:>12s}"
    print("\n" + row.format("optimizer", "final loss", "train acc", "test acc", f"loss < {THRESHOLD:g}"))
    for name, (net, history) in trained.items():
        reached = first_below(history.loss, THRESHOLD)
        epoch = "never" if reached is None else f"epoch {reached}"
        train, test = net.score(data.X_train, data.y_train), net.score(data.X_test, data.y_test)
        print(row.format(name, f"{history.loss[-1]:.4f}", f"{train:.1%}", f"{test:.1%}", epoch))
    print("\nSettings:")
    for name, optimizer in optimizers().items():
        print(f"  {name:9s} {optimizer!r}")


def surface_title() -> str:
    """What the colours of the paths picture are, in words."""
    names = " and ".join(f"{source} -> {target}" for source, target in PAIR)
    text = (
        f"Only the weights {names} learn; every other weight and bias stays at its starting value, "
        "so the colours are the exact loss landscape all five paths cross (ring: the shared start, "
        "square: where each ended, cross: the lowest loss in view)"
    )
    return "\n".join(textwrap.wrap(text, 110))


if __name__ == "__main__":
    raise SystemExit(main())
