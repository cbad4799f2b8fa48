"""Handwritten digits: a 64-64-10 network learns to read 8x8 images in seconds.

What it teaches: an image is just numbers, here 64 pixels for 64 input
neurons; a softmax output layer gives one probability per digit and is
trained with cross-entropy; the compiled engine trains it, a layer at a
time, to at least 97% accuracy on test images it never saw. The confusion
matrix shows which digits it still mixes up, and each hidden neuron's 64
input weights, drawn as an 8x8 image, show the pattern of pixels it looks
for. Pictures and the trained network go into an output folder
(``neurosim-output/digits`` unless ``--output`` says otherwise).

Run it with ``neurosim demo digits`` or ``python demos/digits.py``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

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

SIZES = [64, 64, 10]
TRAINING = {"lr": 0.1, "batch_size": 32, "loss": "cross_entropy", "engine": "compiled"}
EPOCHS = 60
FAST_EPOCHS = 10
#: characters for the pixel values 0 (blank) to 1 (ink), to print a digit as text
INK = " .:-=+*#%@"


def digits_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's 1797 digits, split into 1438 images to train on and 359 to test on."""
    images, labels = ns.datasets.digits()
    return ns.datasets.split(images, labels, test_fraction=0.2, seed=0)


def digits_network(seed: int = 0) -> ns.Network:
    """64 inputs (one per pixel), 64 relu neurons, and 10 softmax outputs (one per digit)."""
    return ns.Network.from_shape(SIZES, activation="relu", output_activation="softmax", init="he", seed=seed)


def train_digits(epochs: int = EPOCHS, seed: int = 0) -> tuple[ns.Network, ns.History]:
    """Train on the training images with the compiled engine, measuring the test images after each epoch."""
    X_train, X_test, y_train, y_test = digits_data()
    net = digits_network(seed)
    history = net.fit(
        X_train, y_train, epochs=epochs, seed=seed, validation_data=(X_test, y_test), verbose=1, **TRAINING
    )
    return net, history


def main(argv: Sequence[str] | None = None) -> int:
    """Train on the digits, print the accuracies and the confusions, and draw what the network learned."""
    parser = demo_parser("digits", __doc__)
    add_seed_option(parser, "the weights and the shuffling")
    args = begin(parser, argv, __doc__)
    epochs = FAST_EPOCHS if args.fast else EPOCHS
    X_train, X_test, y_train, y_test = digits_data()

    heading("The data")
    total = len(X_train) + len(X_test)
    print(f"{total} images of 8x8 pixels: {len(X_train)} to train on, {len(X_test)} to test on.")
    print(f"To the network an image is 64 numbers from 0 to 1. The first training image, a {y_train[0]}:")
    print(as_text(X_train[0]))

    heading(f"Training a {'-'.join(map(str, SIZES))} relu/softmax network with the compiled engine")
    start = time.perf_counter()
    net, history = train_digits(epochs, args.seed)
    print(f"{epochs} epochs in {time.perf_counter() - start:.1f} s (batches of 32, learning rate 0.1)")
    for epoch in sorted({1, epochs // 4, epochs // 2, epochs} - {0}):
        train, test = history.accuracy[epoch - 1], history.val_accuracy[epoch - 1]
        loss = history.loss[epoch - 1]
        print(f"  epoch {epoch:3d}  loss {loss:.4f}  train accuracy {train:.1%}  test accuracy {test:.1%}")

    predicted = net.predict_classes(X_test)
    heading("How well it reads digits it never saw")
    train_accuracy = np.mean(net.predict_classes(X_train) == y_train)
    print(f"Train accuracy {train_accuracy:.1%}, test accuracy {np.mean(predicted == y_test):.1%}")
    print_per_digit(y_test, predicted)
    print_confusions(y_test, predicted)

    pictures = [
        ("confusion_matrix.png", ns.plot.confusion_matrix(y_test, predicted)),
        ("input_weights.png", ns.plot.input_weights(net, "hidden1", neurons=range(16), image_shape=(8, 8))),
        ("misclassified.png", draw_mistakes(X_test, y_test, predicted)),
        ("curves.png", ns.plot.history(history, validation_label="test")),
    ]
    save_pictures(args.output, pictures)
    path = args.output / "digits.json"
    net.save(path)
    print(f"  {path.name} (the trained network; look inside with: neurosim inspect {path})")
    return 0


def as_text(image: np.ndarray) -> str:
    """An 8x8 image as 8 lines of characters, darker characters for more ink."""
    levels = np.minimum((image * len(INK)).astype(int), len(INK) - 1).reshape(8, 8)
    return "\n".join("    " + "".join(INK[level] * 2 for level in row) for row in levels)


def print_per_digit(y_true: np.ndarray, y_pred: np.ndarray) -> None:
    """How many test images of each digit the network read right."""
    print("\nPer digit:")
    for digit in range(10):
        of_digit = y_true == digit
        right = int(np.sum(y_pred[of_digit] == digit))
        print(f"  {digit}: {right:2d} of {int(of_digit.sum()):2d} right ({right / of_digit.sum():.1%})")


def print_confusions(y_true: np.ndarray, y_pred: np.ndarray, most: int = 5) -> None:
    """The pairs (true digit, digit read instead) the network mixed up most often."""
    pairs, counts = np.unique(np.column_stack([y_true, y_pred])[y_true != y_pred], axis=0, return_counts=True)
    print("\nMost confused (true digit -> what the network read):")
    if len(pairs) == 0:
        print("  none: every test image was read right")
    for k in np.argsort(-counts, kind="stable")[:most]:
        (true, read), count = pairs[k], counts[k]
        print(f"  {true} -> {read}: {count} time{'s' if count > 1 else ''}")


def draw_mistakes(images: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray, most: int = 12) -> plt.Figure:
    """The first test images the network read wrong, each titled with the truth and the network's reading."""
    wrong = np.flatnonzero(y_true != y_pred)[:most]
    columns = 6
    rows = max(1, -(-len(wrong) // columns))
    figure, axes = plt.subplots(rows, columns, figsize=(1.6 * columns, 1.9 * rows + 0.6), squeeze=False)
    for axis in axes.ravel():
        axis.set_axis_off()
    for axis, k in zip(axes.ravel(), wrong, strict=False):
        axis.imshow(images[k].reshape(8, 8), cmap="gray_r", vmin=0.0, vmax=1.0, interpolation="nearest")
        axis.set_title(f"a {y_true[k]}, read {y_pred[k]}", fontsize="small")
    figure.suptitle(f"test images read wrong ({len(wrong)} shown of {int(np.sum(y_true != y_pred))})")
    figure.set_layout_engine("constrained")
    return figure


if __name__ == "__main__":
    raise SystemExit(main())
