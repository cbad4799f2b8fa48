"""XOR, learned neuron by neuron.

What it teaches: one neuron draws a single straight line, so it cannot
separate XOR's classes; a hidden layer of three sigmoid neurons can. The
object engine trains the network one neuron and one synapse at a time, and
at the end one hidden neuron explains its own arithmetic. Pictures of the
network, its decision boundary, its neuron maps and its loss curve go into
an output folder (``neurosim-output/xor`` unless ``--output`` says otherwise).

Run it with ``neurosim demo xor`` or ``python demos/xor.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

import neurosim as ns
from neurosim.demos._common import demo_parser, save_pictures

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([0.0, 1.0, 1.0, 0.0])


def train_xor(epochs: int = 2000, lr: float = 2.0, seed: int = 0) -> tuple[ns.Network, ns.History]:
    """Train a 2-3-1 sigmoid network on XOR with full-batch gradient descent."""
    net = ns.Network.from_shape([2, 3, 1], activation="sigmoid", init="xavier", seed=seed)
    history = net.fit(X, Y, epochs=epochs, lr=lr, batch_size=4, loss="mse", seed=seed)
    return net, history


def main(argv: Sequence[str] | None = None) -> int:
    """Train XOR and print the truth table, the loss milestones and one neuron's explanation."""
    parser = demo_parser("xor", __doc__)
    parser.add_argument("--epochs", type=int, default=2000, help="training epochs (default 2000)")
    parser.add_argument("--lr", type=float, default=2.0, help="learning rate (default 2.0)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and shuffling")
    args = parser.parse_args(argv)

    print("Training a 2-3-1 sigmoid network on XOR with the object engine...")
    net, history = train_xor(args.epochs, args.lr, args.seed)
    print(net.summary(), end="\n\n")

    print("Loss (mean squared error) as training went on:")
    milestones = sorted({0, *(int(f * (history.epochs - 1)) for f in (0.1, 0.25, 0.5, 0.75, 1.0))})
    for epoch in milestones:
        print(f"  epoch {epoch + 1:5d}  loss {history.loss[epoch]:.5f}")

    print("\nTruth table:")
    outputs = net.predict(X)[:, 0]
    for x, target, output in zip(X, Y, outputs, strict=True):
        verdict = "right" if (output > 0.5) == (target > 0.5) else "WRONG"
        print(f"  {int(x[0])} XOR {int(x[1])} = {int(target)}   network says {output:.3f}  ({verdict})")

    net.backward(X, Y, loss="mse")
    print("\nHow hidden neuron hidden1[0] computes its output for input (0, 1):")
    print(net["hidden1[0]"].explain(sample=1))

    draw_pictures(net, history, args.output)
    return 0 if all((outputs > 0.5) == (Y > 0.5)) else 1


def draw_pictures(net: ns.Network, history: ns.History, folder: Path) -> list[Path]:
    """Draw the trained network, its decision boundary, neuron maps and loss curve into ``folder``."""
    pictures = [
        ("network.png", ns.plot.network(net, x=[0.0, 1.0], title="the trained network, for input (0, 1)")),
        ("decision_boundary.png", ns.plot.decision_boundary(net, X, Y.astype(int))),
        ("neuron_maps.png", ns.plot.neuron_maps(net, X, Y.astype(int))),
        ("loss.png", ns.plot.history(history, metrics=("loss",))),
    ]
    return save_pictures(folder, pictures)


if __name__ == "__main__":
    raise SystemExit(main())
