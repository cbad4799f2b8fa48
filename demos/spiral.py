"""Three spiral arms: a harder problem needs more neurons, and a second layer to combine them.

What it teaches: a tanh neuron of the first hidden layer can only draw one
soft straight line, and a spiral arm bends all the way round, so a network
with 4 hidden neurons cannot follow the arms however long it trains; two
layers of 16 neurons can. The three classes come out of a softmax layer
trained with cross-entropy, and the network pauses at a few epochs so you
can watch the decision regions wind around the centre. Pictures, the
trained network and a GIF go into an output folder
(``neurosim-output/spiral`` unless ``--output`` says otherwise). It uses the
training loop of the ``moons`` demo.

Run it with ``neurosim demo spiral`` or ``python demos/spiral.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

import neurosim as ns
from neurosim.demos._common import (
    add_seed_option,
    begin,
    demo_parser,
    heading,
    save_pictures,
)
from neurosim.demos.moons import Split, accuracy, replay, save_network, train_and_look, train_in_stages

SMALL_SIZES = [2, 4, 3]
SIZES = [2, 16, 16, 3]
TRAINING = {"lr": 0.2, "batch_size": 32, "loss": "cross_entropy", "engine": "compiled"}
#: the epochs after which training pauses so that we can look at the network
LOOK_AT = (0, 20, 80, 300)
FAST_LOOK_AT = (30,)
#: stretches of training in the GIF (it shows one more picture: the network before training)
GIF_FRAMES = 15
FAST_GIF_FRAMES = 2


def spiral_data(seed: int = 0) -> Split:
    """1024 points on three spiral arms: 768 to train on (24 batches of 32) and 256 to test on."""
    X, y = ns.datasets.spiral(1024, classes=3, noise=0.2, seed=seed)
    return Split(*ns.datasets.split(X, y, test_fraction=0.25, seed=seed))


def spiral_network(sizes: Sequence[int] = SIZES, seed: int = 0) -> ns.Network:
    """Hidden layers of tanh neurons, and a softmax output layer: one probability per arm."""
    return ns.Network.from_shape(sizes, activation="tanh", output_activation="softmax", seed=seed)


def main(argv: Sequence[str] | None = None) -> int:
    """Train a small and a bigger network on the spiral, print their accuracies and draw them learning."""
    parser = demo_parser("spiral", __doc__)
    add_seed_option(parser, "the data, the weights and the shuffling")
    args = begin(parser, argv, __doc__)
    look_at = FAST_LOOK_AT if args.fast else LOOK_AT
    epochs = look_at[-1]
    data = spiral_data(args.seed)

    heading("The data")
    print(
        f"Three spiral arms of noisy points: {len(data.X_train)} to train on, {len(data.X_test)} to test on."
    )

    heading(f"A small network, {'-'.join(map(str, SMALL_SIZES))}: four lines cannot follow a spiral")
    small = spiral_network(SMALL_SIZES, args.seed)
    small.fit(data.X_train, data.y_train, epochs=epochs, seed=args.seed, verbose=1, **TRAINING)
    print(
        f"After {epochs} epochs: train accuracy {accuracy(small, data.X_train, data.y_train):.1%}, ", end=""
    )
    print(f"test accuracy {accuracy(small, data.X_test, data.y_test):.1%}")
    small_picture = ns.plot.decision_boundary(small, data.X_test, data.y_test)
    small_picture.set_title(f"{'-'.join(map(str, SMALL_SIZES))} network after {epochs} epochs")

    heading(f"A bigger network, {'-'.join(map(str, SIZES))}, pausing to look at epochs {list(look_at)}")
    net = spiral_network(SIZES, args.seed)
    history, pictures = train_and_look(net, data, look_at, args.seed, **TRAINING)
    print(f"\nFinal test accuracy: {accuracy(net, data.X_test, data.y_test):.1%} after {epochs} epochs")
    pictures += [
        ("small_network.png", small_picture),
        ("loss.png", ns.plot.history(history, validation_label="test")),
    ]
    save_pictures(args.output, pictures)
    save_network(net, args.output / "spiral.json")

    heading("The bigger network's training again, as an animation")
    frames = FAST_GIF_FRAMES if args.fast else GIF_FRAMES
    gif = args.output / "training.gif"
    replay(spiral_network(SIZES, args.seed), data, epochs, frames, gif, args.seed, **TRAINING)
    return 0


def train_spiral(look_at: Sequence[int] = LOOK_AT, seed: int = 0) -> tuple[ns.Network, ns.History]:
    """The demo's training of the bigger network without the pictures: the network and its history."""
    net = spiral_network(SIZES, seed)
    *_, (_, history) = train_in_stages(net, spiral_data(seed), look_at, seed, **TRAINING)
    return net, history


if __name__ == "__main__":
    raise SystemExit(main())
