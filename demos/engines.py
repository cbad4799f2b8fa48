"""Object engine vs compiled engine: the same weights after training, and the time each takes.

What it teaches: the object engine (one neuron and one synapse at a time,
the code to read) and the compiled engine (a layer at a time, with
matrices) do the same arithmetic, so two copies of one network, one trained
by each, end with the same weights, to about 15 decimal places (float64
rounding); the compiled engine is tens of times faster; and one sample at a
time costs far more per sample than batches of 32, with either engine.
Every speed is a ratio measured in the same run, because a machine's speed
varies from run to run. The two engines' loss curves and a bar chart of the
timings go into an output folder (``neurosim-output/engines`` unless
``--output`` says otherwise).

Run it with ``neurosim demo engines`` or ``python demos/engines.py``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

import neurosim as ns
from neurosim.cli.arguments import positive_int
from neurosim.demos._common import begin, demo_parser, heading, save_pictures

SIZES = [2, 16, 16, 1]
BATCH_SIZE = 32
LR = 0.1
#: training epochs, and with --fast
EPOCHS, FAST_EPOCHS = 20, 3
ENGINES = ("object", "compiled")
COLOURS = {"object": "#e08214", "compiled": "#2166ac"}


def main(argv: Sequence[str] | None = None) -> int:
    """Train one network with each engine, compare the weights, then time batches against single samples."""
    parser = demo_parser("engines", __doc__)
    parser.add_argument(
        "--epochs",
        type=positive_int,
        metavar="N",
        help=f"training epochs (default {EPOCHS}; {FAST_EPOCHS} with --fast, unless N is given)",
    )
    args = begin(parser, argv, __doc__)
    epochs = args.epochs or (FAST_EPOCHS if args.fast else EPOCHS)
    X, y = ns.datasets.moons(200 if args.fast else 1000, seed=0)

    heading("Two copies of one network")
    nets = {engine: make_network() for engine in ENGINES}
    print(f"Two {'-'.join(map(str, SIZES))} networks (tanh hidden, sigmoid output) built from seed 0.")
    print(f"Largest difference between their weights: {largest_difference(*nets.values()):g}")

    heading(f"Training each copy on {len(X)} moons samples: {epochs} epochs, batches of {BATCH_SIZE}")
    histories, seconds = {}, {}
    for engine, net in nets.items():
        print(f"  {engine} engine...")
        start = time.perf_counter()
        histories[engine] = net.fit(
            X, y, epochs=epochs, lr=LR, batch_size=BATCH_SIZE, loss="bce", seed=0, engine=engine
        )
        seconds[engine] = time.perf_counter() - start
    report_training(histories, seconds, epochs)

    heading("The same weights?")
    difference = largest_difference(*nets.values())
    print(f"Largest difference between the two engines' weights after training: {difference:.3g}")
    print(
        "The engines add the same products in a different order (one synapse at a time, or in a matrix\n"
        "product), and float64 rounding depends on the order: the weights agree to about 15 decimal\n"
        "places, not to the last bit."
    )

    heading("One sample at a time against batches of 32 (time per sample, best of 5)")
    timings = time_batch_sizes(X, y, single_samples=64 if args.fast else 128)
    report_timings(timings)

    pictures = [("loss.png", draw_losses(histories)), ("timings.png", draw_timings(timings))]
    save_pictures(args.output, pictures)
    return 0


def make_network() -> ns.Network:
    """The network both engines train: built from seed 0, so every copy starts with the same weights."""
    return ns.Network.from_shape(SIZES, activation="tanh", output_activation="sigmoid", seed=0)


def largest_difference(a: ns.Network, b: ns.Network) -> float:
    """The largest absolute difference between two networks' weights and biases, synapse by synapse."""
    weights = [abs(s.weight - t.weight) for s, t in zip(a.synapses, b.synapses, strict=True)]
    biases = [abs(m.bias - n.bias) for m, n in zip(a.neurons, b.neurons, strict=True) if m.bias is not None]
    return max(weights + biases)


def report_training(histories: dict[str, ns.History], seconds: dict[str, float], epochs: int) -> None:
    """Print each engine's final loss and time per epoch, and how many times faster the compiled one was."""
    for engine in ENGINES:
        per_epoch = 1000 * seconds[engine] / epochs
        print(
            f"  {engine:8} engine: final loss {histories[engine].loss[-1]:.6f}, {per_epoch:8.2f} ms per epoch"
        )
    print(f"The compiled engine trained {seconds['object'] / seconds['compiled']:.0f} times as fast.")


def time_batch_sizes(X: np.ndarray, y: np.ndarray, single_samples: int) -> dict[tuple[str, int], float]:
    """Seconds per sample of one epoch, for each engine with batches of 1 and of ``BATCH_SIZE``.

    The object engine is slow one sample at a time, so that case is timed on
    the first ``single_samples`` samples only; a time per sample compares fairly.
    """
    timings = {}
    for engine in ENGINES:
        for batch_size in (BATCH_SIZE, 1):
            n = single_samples if (engine, batch_size) == ("object", 1) else len(X)
            timings[engine, batch_size] = seconds_per_sample(X[:n], y[:n], engine, batch_size)
    return timings


#: epochs of each timed run: enough that fit's start (checking the data, setting up) is shared out
TIMED_EPOCHS = 3


def seconds_per_sample(X: np.ndarray, y: np.ndarray, engine: str, batch_size: int, repeats: int = 5) -> float:
    """The fastest of ``repeats`` runs of ``TIMED_EPOCHS`` epochs of a fresh network, per sample and epoch.

    The doctor is left out (``diagnose=False``): its checks cost the same
    whichever engine trains, and would hide how the engines differ.
    """
    best = float("inf")
    for _ in range(repeats):
        net = make_network()
        start = time.perf_counter()
        net.fit(
            X,
            y,
            epochs=TIMED_EPOCHS,
            lr=LR,
            batch_size=batch_size,
            loss="bce",
            seed=0,
            engine=engine,
            verbose=0,
            diagnose=False,
        )
        best = min(best, time.perf_counter() - start)
    return best / (TIMED_EPOCHS * len(X))


def report_timings(timings: dict[tuple[str, int], float]) -> None:
    """Print the time per sample of each engine and batch size, as a multiple of the fastest."""
    fastest = min(timings.values())
    print("  engine    batch   time per sample   multiple of the fastest")
    for (engine, batch_size), seconds in timings.items():
        print(f"  {engine:8}  {batch_size:5d}   {1e6 * seconds:10.1f} us     {seconds / fastest:8.1f}x")
    for engine in ENGINES:
        ratio = timings[engine, 1] / timings[engine, BATCH_SIZE]
        print(f"One sample at a time, the {engine} engine takes {ratio:.1f} times as long per sample.")
    print(
        "Every update has a cost that does not grow with the batch (Python work for each neuron and\n"
        "synapse in the object engine, for each layer in the compiled one, and the step itself):\n"
        "a batch of 32 pays it once for 32 samples."
    )


def draw_losses(histories: dict[str, ns.History]) -> Figure:
    """The two engines' loss per epoch, drawn over each other."""
    fig, ax = plt.subplots(figsize=(6.4, 4), layout="constrained")
    styles = {"object": {"lw": 6, "alpha": 0.45}, "compiled": {"lw": 1.5, "ls": "--", "marker": "o", "ms": 3}}
    for engine, history in histories.items():
        epochs = np.arange(1, history.epochs + 1)
        ax.plot(epochs, history.loss, color=COLOURS[engine], label=f"{engine} engine", **styles[engine])
    gap = np.max(np.abs(np.subtract(histories["object"].loss, histories["compiled"].loss)))
    ax.set(xlabel="epoch", ylabel="training loss (binary cross-entropy)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("the two engines' loss per epoch: one curve on top of the other")
    ax.legend(title=f"largest difference: {gap:.2g}")
    return fig


def draw_timings(timings: dict[tuple[str, int], float]) -> Figure:
    """A bar per engine and batch size: time per sample (log scale), labelled as a multiple of the fastest."""
    fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    fastest = min(timings.values())
    names = [f"{engine}\nbatch {batch_size}" for engine, batch_size in timings]
    micros = [1e6 * seconds for seconds in timings.values()]
    colours = [COLOURS[engine] for engine, _ in timings]
    bars = ax.bar(names, micros, color=colours)
    multiples = [m / (1e6 * fastest) for m in micros]
    ax.bar_label(bars, labels=[f"{x:.1f}x" if x < 10 else f"{x:.0f}x" for x in multiples], padding=2)
    ax.set_yscale("log")
    ax.margins(y=0.15)
    ax.set_ylabel("time per sample (us, log scale)")
    ax.set_title("one training epoch, time per sample (labels: multiple of the fastest)")
    return fig


if __name__ == "__main__":
    raise SystemExit(main())
