"""Two moons: watch a network bend its decision boundary around two interleaved half circles.

What it teaches: each neuron of the first hidden layer draws one soft
straight line across the input plane; the next layer bends and combines
those lines into curves; the output neuron ends up drawing the curve between
the two moons. Training pauses at a few epochs so you can see the boundary
and every neuron's map as the network learns, and an animated GIF replays
the whole run. Pictures and the trained network go into an output folder
(``neurosim-output/moons`` unless ``--output`` says otherwise).

Run it with ``neurosim demo moons`` or ``python demos/moons.py``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np

import neurosim as ns
from neurosim.demos._common import (
    add_seed_option,
    begin,
    demo_parser,
    heading,
    save_pictures,
)

SIZES = [2, 8, 8, 1]
TRAINING = {"lr": 0.2, "batch_size": 32, "loss": "bce", "engine": "compiled"}
#: the epochs after which training pauses so that we can look at the network
LOOK_AT = (0, 10, 40, 300)
FAST_LOOK_AT = (30,)
#: stretches of training in the GIF (it shows one more picture: the network before training)
GIF_FRAMES = 15
FAST_GIF_FRAMES = 2


class Split(NamedTuple):
    """Data split into points to train on and points to test on."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


def moons_data(seed: int = 0) -> Split:
    """640 noisy points on two moons: 480 to train on (15 batches of 32) and 160 to test on."""
    X, y = ns.datasets.moons(640, noise=0.15, seed=seed)
    return Split(*ns.datasets.split(X, y, test_fraction=0.25, seed=seed))


def moons_network(seed: int = 0) -> ns.Network:
    """Two hidden layers of 8 tanh neurons, and one sigmoid output: the chance of class 1."""
    return ns.Network.from_shape(SIZES, activation="tanh", output_activation="sigmoid", seed=seed)


def main(argv: Sequence[str] | None = None) -> int:
    """Train on the moons in stages, print the accuracies, and draw the boundaries, neuron maps and a GIF."""
    parser = demo_parser("moons", __doc__)
    add_seed_option(parser, "the data, the weights and the shuffling")
    args = begin(parser, argv, __doc__)
    look_at = FAST_LOOK_AT if args.fast else LOOK_AT
    data = moons_data(args.seed)

    heading("The data")
    print(f"Two moons of noisy points: {len(data.X_train)} to train on, {len(data.X_test)} to test on.")

    heading(f"Training a {'-'.join(map(str, SIZES))} tanh network, pausing to look at epochs {list(look_at)}")
    net = moons_network(args.seed)
    history, pictures = train_and_look(net, data, look_at, args.seed, **TRAINING)
    print(f"\nFinal test accuracy: {accuracy(net, data.X_test, data.y_test):.1%} after {look_at[-1]} epochs")
    pictures.append(("loss.png", ns.plot.history(history, validation_label="test")))
    save_pictures(args.output, pictures)
    save_network(net, args.output / "moons.json")

    heading("The same training again, as an animation")
    frames = FAST_GIF_FRAMES if args.fast else GIF_FRAMES
    gif = args.output / "training.gif"
    replay(moons_network(args.seed), data, look_at[-1], frames, gif, args.seed, **TRAINING)
    return 0


def train_and_look(
    net: ns.Network, data: Split, look_at: Sequence[int], seed: int, **training: object
) -> tuple[ns.History, list[tuple[str, object]]]:
    """Train in stages; after each, print the accuracies and draw the decision regions and neuron maps."""
    figure = plt.figure(figsize=(4.2 * len(look_at), 4.4), layout="constrained")
    panels = figure.subplots(1, len(look_at), sharex=True, sharey=True, squeeze=False)[0]
    snapshots = []
    print(f"{'epoch':>7}  {'loss':>7}  {'train accuracy':>14}  {'test accuracy':>13}")
    stages = train_in_stages(net, data, look_at, seed, **training)
    for panel, (epoch, history) in zip(panels, stages, strict=True):
        loss = f"{history.loss[-1]:.4f}" if history.loss else "-"
        train, test = accuracy(net, data.X_train, data.y_train), accuracy(net, data.X_test, data.y_test)
        print(f"{epoch:7d}  {loss:>7}  {train:14.1%}  {test:13.1%}")

        ns.plot.decision_boundary(net, data.X_test, data.y_test, ax=panel)
        panel.set_title(f"after {epoch} epochs: test accuracy {test:.1%}", fontsize="medium")
        panel.label_outer()  # the panels share their axes: label them once, on the left and below
        if panel is not panels[-1]:
            panel.get_legend().remove()  # one legend, beside the last panel, is enough
        snapshots.append((epoch, copy.deepcopy(net)))
    figure.suptitle("decision regions over the test points as training goes on", fontsize="large")
    return history, [("boundaries.png", figure), *neuron_map_series(snapshots, data)]


def neuron_map_series(snapshots: list[tuple[int, ns.Network]], data: Split) -> list[tuple[str, object]]:
    """Each snapshot's neuron maps, on one colour scale per layer for all, to compare colour for colour."""
    limits = ns.plot.map_limits([net for _, net in snapshots], data.X_train)
    maps = []
    for epoch, net in snapshots:
        picture = ns.plot.neuron_maps(net, data.X_train, data.y_train, limits=limits)
        picture.suptitle(f"what each neuron computes after {epoch} epochs", fontsize="large")
        maps.append((f"neuron_maps_epoch_{epoch:03d}.png", picture))
    return maps


def train_in_stages(
    net: ns.Network, data: Split, look_at: Sequence[int], seed: int = 0, **training: object
) -> Iterator[tuple[int, ns.History]]:
    """Train ``net`` up to each epoch of ``look_at`` in turn, pausing after each to yield it and the history.

    The history records the test points as validation data. Each stage is
    one ``net.fit(...)`` call with its own shuffling seed (``seed + stage``),
    so the same ``look_at`` and ``seed`` always train the same network.
    """
    history = ns.History()
    done = 0
    for stage, epoch in enumerate(look_at):
        if epoch > done:
            part = net.fit(
                data.X_train, data.y_train, epochs=epoch - done, seed=seed + stage,
                validation_data=(data.X_test, data.y_test), verbose=1, **training,
            )  # fmt: skip
            for record in ("loss", "accuracy", "val_loss", "val_accuracy"):
                getattr(history, record).extend(getattr(part, record))
            history.loss_name = part.loss_name
            done = epoch
        yield epoch, history


def accuracy(net: ns.Network, X: np.ndarray, y: np.ndarray) -> float:
    """The fraction of ``X`` classified right (``net.score``: output >= 0.5 means class 1)."""
    return net.score(X, y, engine="compiled")


def save_network(net: ns.Network, path: Path) -> None:
    """Save the trained network as JSON, and say how to look inside it."""
    net.save(path)
    print(f"  {path.name} (the trained network; look inside with: neurosim inspect {path})")


def replay(
    net: ns.Network, data: Split, epochs: int, frames: int, path: Path, seed: int, **training: object
) -> Path:
    """Train ``net`` from the start for ``epochs`` and save a GIF of it after each of ``frames`` stretches."""
    print(f"Training a fresh network for {epochs} epochs, drawing it every {epochs // frames} epochs...")
    ns.plot.animate_training(
        net,
        data.X_train,
        data.y_train,
        epochs=epochs,
        frames=frames,
        path=path,
        seed=seed,
        progress=True,
        **training,
    )
    plt.close("all")  # the animation's figure: it is saved
    print(f"Wrote {path} ({frames + 1} pictures)")
    return path


def train_moons(look_at: Sequence[int] = LOOK_AT, seed: int = 0) -> tuple[ns.Network, ns.History]:
    """The demo's training without the pictures: the trained network and its history."""
    net = moons_network(seed)
    *_, (_, history) = train_in_stages(net, moons_data(seed), look_at, seed, **TRAINING)
    return net, history


if __name__ == "__main__":
    raise SystemExit(main())
