"""Logic gates learned by one step neuron with the perceptron rule.

What it teaches: a single neuron with a step activation fires on one side of
a straight line, ``w1*x1 + w2*x2 + b = 0``. The perceptron rule moves that
line after every mistake, and one neuron learns AND, OR, NAND and NOR. The
bias is what lets the line leave the origin: held at 0, AND, OR and NAND can
no longer be learned. XOR needs two lines, so no single neuron learns it:
the rule goes round in a loop forever. Pictures of each learned line go into
an output folder (``neurosim-output/perceptron`` unless ``--output`` says
otherwise).

Run it with ``neurosim demo perceptron`` or ``python demos/perceptron.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product

import matplotlib.pyplot as plt
import numpy as np

import neurosim as ns
from neurosim.demos._common import begin, demo_parser, heading, save_pictures

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
GATES = {
    "AND": [0, 0, 0, 1],
    "OR": [0, 1, 1, 1],
    "NAND": [1, 1, 1, 0],
    "NOR": [1, 0, 0, 0],
}
XOR = [0, 1, 1, 0]
LEARNING_RATE = 1.0

# Why each gate needs (or does not need) a bias, for the step convention step(0) = 1.
WITHOUT_BIAS = {
    "AND": "needs 0 at (0, 0), where z = 0 and step(0) = 1 whatever the weights",
    "OR": "needs 0 at (0, 0), where z = 0 and step(0) = 1 whatever the weights",
    "NAND": "needs w2 >= 0 and w1 >= 0 for (0, 1) and (1, 0), but then w1 + w2 >= 0 fires at (1, 1)",
    "NOR": "a line through the origin does it: w1 < 0 and w2 < 0",
}


# ---------------------------------------------------------------- the rule


def step_neuron(bias: bool = True) -> ns.Network:
    """A 2-1 network: one neuron with the step activation, its weights (and bias) starting at 0.

    ``bias=False`` leaves the neuron without a bias: it stays 0 whatever the rule does.
    """
    return ns.Network.from_shape([2, 1], activation="step", init="zeros", bias=bias)


def perceptron_update(net: ns.Network, x: Sequence[float], target: float, lr: float = LEARNING_RATE) -> float:
    """Apply the perceptron rule (``ns.training.perceptron``) to one sample; return ``target - output``.

    The rule, ``w += lr * (t - y) * x`` and ``b += lr * (t - y)``, moves the
    neuron's weights and bias: nothing changes when the neuron was right
    (``t - y = 0``).

    Examples
    --------
    >>> net = step_neuron()
    >>> perceptron_update(net, [1.0, 1.0], target=0)  # z = 0 and step(0) = 1: a mistake
    -1.0
    >>> neuron = net["output[0]"]
    >>> [synapse.weight for synapse in neuron.incoming], neuron.bias
    ([-1.0, -1.0], -1.0)
    """
    output = float(net.forward(x)[0])
    ns.training.perceptron(net, [x], [target], epochs=1, lr=lr, shuffle=False)
    return float(target) - output


def perceptron_epoch(
    net: ns.Network, X: np.ndarray, targets: Sequence[float], lr: float = LEARNING_RATE
) -> int:
    """One pass of the rule over the samples, in order; return how many the neuron got wrong."""
    history = ns.training.perceptron(net, X, targets, epochs=1, lr=lr, shuffle=False)
    return round(history.loss[0] * len(X))


def train_perceptron(
    net: ns.Network, X: np.ndarray, targets: Sequence[float], lr: float = LEARNING_RATE, max_epochs: int = 100
) -> int | None:
    """Run epochs of the perceptron rule, the samples in order, until one has no mistakes.

    Parameters
    ----------
    net : Network
        A network whose output layer is one step neuron.
    X : array of shape (n_samples, n_inputs)
        The inputs, taken in order every epoch.
    targets : sequence of 0 and 1
        The output wanted for each sample.
    lr : float
        The learning rate.
    max_epochs : int
        When to give up.

    Returns
    -------
    int or None
        The number of epochs run, the last one without a mistake, or
        ``None`` if every one of ``max_epochs`` epochs had a mistake.

    Examples
    --------
    >>> net = step_neuron()
    >>> train_perceptron(net, X, GATES["OR"])
    4
    >>> net.predict(X).ravel().tolist()
    [0.0, 1.0, 1.0, 1.0]
    """
    history = ns.training.perceptron(net, X, targets, epochs=max_epochs, lr=lr, shuffle=False)
    return history.epochs if history.loss[-1] == 0 else None


def weights_and_bias(net: ns.Network) -> tuple[float, float, float]:
    """``(w1, w2, b)`` of the step neuron, read from its synapses and its bias."""
    neuron = net.output_layer[0]
    w1, w2 = (synapse.weight for synapse in neuron.incoming)
    return w1, w2, neuron.bias


def lines_that_fit(
    targets: Sequence[int], values: np.ndarray, learn_bias: bool = True
) -> tuple[int, int, int]:
    """Try every line ``(w1, w2, b)`` with each of ``w1, w2, b`` in ``values`` (``b = 0`` without a bias).

    Returns how many lines were tried, how many get all four samples right,
    and the most samples any of them gets right.
    """
    biases = values if learn_bias else np.zeros(1)
    lines = np.array(list(product(values, values, biases)))
    z = lines[:, :2] @ X.T + lines[:, 2:]
    right = ((z >= 0) == np.asarray(targets, dtype=bool)).sum(axis=1)
    return len(lines), int((right == len(X)).sum()), int(right.max())


# ---------------------------------------------------------------- the lesson


def main(argv: Sequence[str] | None = None) -> int:
    """Learn the four gates, then show what the bias does and why XOR is out of reach."""
    parser = demo_parser("perceptron", __doc__)
    args = begin(parser, argv, __doc__)
    max_epochs = 20 if args.fast else 100
    grid = np.linspace(-2.0, 2.0, 17 if args.fast else 41)

    learned = learn_the_gates(max_epochs)
    without_bias = learn_without_bias(max_epochs, grid)
    loop, mistakes = try_xor(max_epochs, grid)

    pictures = [
        ("gates.png", draw_gates(learned, "learned with the perceptron rule")),
        ("no_bias.png", draw_gates(without_bias, "the same rule with the bias held at 0")),
        ("xor.png", draw_xor(loop, mistakes)),
    ]
    save_pictures(args.output, pictures)
    return 0


def learn_the_gates(max_epochs: int) -> dict[str, ns.Network]:
    """Train one step neuron per gate and print its epochs, line and truth table."""
    heading("AND, OR, NAND and NOR, each learned by one step neuron")
    print("The neuron computes z = w1*x1 + w2*x2 + b and outputs y = step(z) = 1 if z >= 0 else 0.")
    print("Weights and bias start at 0. After each sample the perceptron rule moves them:")
    print(f"  w += lr * (t - y) * x,  b += lr * (t - y),  with lr = {LEARNING_RATE:g}")
    print("until an epoch (one pass over the four samples) has no mistakes.")
    learned = {}
    for gate, targets in GATES.items():
        net = step_neuron()
        epochs = train_perceptron(net, X, targets, max_epochs=max_epochs)
        w1, w2, b = weights_and_bias(net)
        print(f"\n{gate}: learned in {epochs} epochs (the last one without a mistake)")
        print(
            f"  w1 = {w1:g}, w2 = {w2:g}, b = {b:g}: the neuron fires where {line_equation(w1, w2, b)} >= 0"
        )
        print_truth_table(gate, targets, net)
        learned[gate] = net
    return learned


def print_truth_table(gate: str, targets: Sequence[int], net: ns.Network) -> None:
    """Print the four inputs, the gate's output and the neuron's output."""
    outputs = net.predict(X)[:, 0]
    print(f"  x1 x2  {gate:>4}  neuron")
    for (x1, x2), target, output in zip(X, targets, outputs, strict=True):
        verdict = "" if output == target else "  wrong"
        print(f"   {x1:g}  {x2:g}  {target:4d}  {output:6g}{verdict}")


def learn_without_bias(max_epochs: int, grid: np.ndarray) -> dict[str, ns.Network]:
    """Run the rule with the bias held at 0 and explain which gates it can no longer learn."""
    heading("Why the bias matters: the same rule with the bias held at 0")
    print("With b = 0 the line w1*x1 + w2*x2 = 0 goes through the origin. At input (0, 0)")
    print("z = 0 whatever the weights, and step(0) = 1: the neuron always fires there.")
    trained = {}
    for gate, targets in GATES.items():
        net = step_neuron(bias=False)
        epochs = train_perceptron(net, X, targets, max_epochs=max_epochs)
        if epochs is None:
            wrong = int((net.predict(X)[:, 0] != targets).sum())
            outcome = f"not learned in {max_epochs} epochs ({wrong} of 4 still wrong)"
        else:
            outcome = f"learned in {epochs} epochs"
        print(f"  {gate:<5} {outcome}:\n        {WITHOUT_BIAS[gate]}")
        trained[gate] = net
    print("\nA search agrees. Of the lines through the origin with w1 and w2 each one of")
    print(f"{describe_grid(grid)}, these many get all four samples right:")
    for gate, targets in GATES.items():
        tried, fitting, _ = lines_that_fit(targets, grid, learn_bias=False)
        print(f"  {gate:<5} {fitting:5d} of {tried}")
    return trained


def try_xor(max_epochs: int, grid: np.ndarray) -> tuple[list[tuple[float, float, float]], list[int]]:
    """Run the rule on XOR, show it going round a loop, and show why no line can do it."""
    heading("XOR: one neuron cannot learn it")
    net = step_neuron()
    mistakes, ends = [], []
    for _ in range(max_epochs):
        mistakes.append(perceptron_epoch(net, X, XOR))
        ends.append(weights_and_bias(net))
    print(f"The same rule on XOR for {max_epochs} epochs. Mistakes in each epoch:")
    print("  " + runs_of(mistakes))
    print(f"Fewest mistakes in an epoch: {min(mistakes)}, never 0.")
    repeat = first_repeat(ends)
    if repeat is not None:
        first, again = repeat
        print(f"The weights after epoch {again} are those after epoch {first}, (w1, w2, b) = {w1_w2_b(net)}:")
        print("the rule goes round the same loop forever. One more epoch, sample by sample:")
    loop = show_one_epoch(net)
    print("Here each update puts right the sample just seen, and the next sample is wrong again.")
    explain_xor(grid)
    return loop, mistakes


def runs_of(values: list[int]) -> str:
    """``values`` by runs of equal values: ``3 in epochs 1-2, 4 in epochs 3-100``."""
    runs: list[list[int]] = []
    for epoch, value in enumerate(values, start=1):
        if runs and runs[-1][0] == value:
            runs[-1][2] = epoch
        else:
            runs.append([value, epoch, epoch])
    return ", ".join(
        f"{value} in epoch {first}" if first == last else f"{value} in epochs {first}-{last}"
        for value, first, last in runs
    )


def first_repeat(states: list[tuple[float, ...]]) -> tuple[int, int] | None:
    """The first epoch (1-based) whose state an earlier epoch had, and that earlier epoch."""
    seen: dict[tuple[float, ...], int] = {}
    for epoch, state in enumerate(states, start=1):
        if state in seen:
            return seen[state], epoch
        seen[state] = epoch
    return None


def show_one_epoch(net: ns.Network) -> list[tuple[float, float, float]]:
    """Run and print one more epoch of the rule on XOR, sample by sample; return the weights after each."""
    states = []
    print(f"  at the start                     (w1, w2, b) = {w1_w2_b(net)}")
    for x, target in zip(X, XOR, strict=True):
        error = perceptron_update(net, x, target)
        states.append(weights_and_bias(net))
        sample = f"x = ({x[0]:g}, {x[1]:g}), t = {target}, y = {target - error:g}"
        print(f"  {sample}: {'wrong, so' if error else 'right,   '} (w1, w2, b) = {w1_w2_b(net)}")
    return states


def w1_w2_b(net: ns.Network) -> str:
    """The step neuron's weights and bias written as ``(w1, w2, b)``."""
    return "(" + ", ".join(f"{value:g}" for value in weights_and_bias(net)) + ")"


def explain_xor(grid: np.ndarray) -> None:
    """Print why no line separates XOR, and a search over many lines that agrees."""
    print("\nWhy: one line would have to satisfy all four of")
    print("  (0, 0) -> 0:  b < 0")
    print("  (0, 1) -> 1:  w2 + b >= 0")
    print("  (1, 0) -> 1:  w1 + b >= 0")
    print("  (1, 1) -> 0:  w1 + w2 + b < 0")
    print("Adding the middle two gives w1 + w2 + b >= -b, and -b > 0 by the first: the last one fails.")
    print(f"\nA search agrees: every line with w1, w2 and b each one of {describe_grid(grid)}:")
    print("  gate  lines right on all 4  most right")
    for gate, targets in {**GATES, "XOR": XOR}.items():
        tried, fitting, best = lines_that_fit(targets, grid)
        print(f"  {gate:<5} {fitting:6d} of {tried}  {best} of 4")


def describe_grid(grid: np.ndarray) -> str:
    """``-2, -1.9, ..., 2 (41 values)``."""
    return f"{grid[0]:g}, {grid[1]:g}, ..., {grid[-1]:g} ({grid.size} values)"


def line_equation(w1: float, w2: float, b: float) -> str:
    """``w1*x1 + w2*x2 + b`` written out, like ``2*x1 + 1*x2 - 3``."""
    signs = ["-" if value < 0 else "+" for value in (w2, b)]
    return f"{w1:g}*x1 {signs[0]} {abs(w2):g}*x2 {signs[1]} {abs(b):g}"


# ---------------------------------------------------------------- the pictures

PLANE = (-1.25, 2.25)
CLASS_COLOURS = ("#1f77b4", "#ff7f0e")  # output 0 blue, output 1 orange (matplotlib's tab10)
REGION_COLOURS = ("#c6dbef", "#fdd0a2")
WRONG = "#b2182b"


def draw_gates(nets: dict[str, ns.Network], title: str) -> plt.Figure:
    """One panel per gate: where the neuron fires, its line, and the four samples."""
    fig, axes = plt.subplots(1, len(nets), figsize=(3.2 * len(nets), 4.4), layout="constrained")
    for ax, (gate, net) in zip(axes, nets.items(), strict=True):
        draw_neuron(ax, net, GATES[gate], gate)
    add_legend(fig)
    fig.suptitle(f"One step neuron per gate, {title}")
    return fig


def draw_xor(loop: list[tuple[float, float, float]], mistakes: list[int]) -> plt.Figure:
    """The neuron after each sample of one epoch of the loop on XOR, and the mistakes in every epoch."""
    panels = [[str(number) for number in range(1, len(loop) + 1)], ["mistakes"] * len(loop)]
    fig, axes = plt.subplot_mosaic(panels, figsize=(12.8, 7.6), height_ratios=[1.4, 1], layout="constrained")
    for number, ((w1, w2, b), x) in enumerate(zip(loop, X, strict=True), start=1):
        title = f"after sample {number}, x = ({x[0]:g}, {x[1]:g})"
        draw_neuron(axes[str(number)], neuron_with(w1, w2, b), XOR, title)

    ax = axes["mistakes"]
    ax.plot(np.arange(1, len(mistakes) + 1), mistakes, marker="o", markersize=3, color=WRONG)
    ax.set(xlabel="epoch", ylabel="mistakes in the epoch", ylim=(-0.2, 4.2), yticks=range(5))
    ax.set_title("mistakes in each epoch: never 0", fontsize=10)
    ax.grid(alpha=0.3)
    add_legend(fig)
    fig.suptitle("XOR: each update puts one sample right and another wrong, round and round")
    return fig


def neuron_with(w1: float, w2: float, b: float) -> ns.Network:
    """A step neuron with the weights ``w1``, ``w2`` and the bias ``b``."""
    net = step_neuron()
    net.synapse("input[0]", "output[0]").weight = w1
    net.synapse("input[1]", "output[0]").weight = w2
    net.output_layer[0].bias = b
    return net


def draw_neuron(ax: plt.Axes, net: ns.Network, targets: Sequence[int], title: str) -> None:
    """Shade where the neuron outputs 1, draw its line and the samples, ringing the ones it gets wrong."""
    xs = np.linspace(*PLANE, 201)
    x1, x2 = np.meshgrid(xs, xs)
    fires = net.predict(np.column_stack([x1.ravel(), x2.ravel()]))[:, 0].reshape(x1.shape)
    ax.contourf(xs, xs, fires, levels=[-0.5, 0.5, 1.5], colors=REGION_COLOURS)
    w1, w2, b = weights_and_bias(net)
    draw_line(ax, w1, w2, b)
    outputs = net.predict(X)[:, 0]
    colours = [CLASS_COLOURS[t] for t in targets]
    ax.scatter(X[:, 0], X[:, 1], c=colours, s=180, edgecolors="black", linewidths=1.0, zorder=3)
    wrong = outputs != np.asarray(targets)
    ax.scatter(X[wrong, 0], X[wrong, 1], s=520, facecolors="none", edgecolors=WRONG, linewidths=2, zorder=3)
    ax.set(xlim=PLANE, ylim=PLANE, xlabel="x1", ylabel="x2", xticks=[0, 1], yticks=[0, 1])
    summary = "all right" if not wrong.any() else f"{int(wrong.sum())} wrong"
    ax.set_title(f"{title}: {summary}\n{line_equation(w1, w2, b)} = 0", fontsize=10)


def draw_line(ax: plt.Axes, w1: float, w2: float, b: float) -> None:
    """Draw ``w1*x1 + w2*x2 + b = 0`` across the plane (nothing when both weights are 0)."""
    ends = np.array(PLANE)
    if w2 != 0:
        ax.plot(ends, -(w1 * ends + b) / w2, color="black", linewidth=1.6)
    elif w1 != 0:
        ax.plot([-b / w1] * 2, ends, color="black", linewidth=1.6)


def add_legend(fig: plt.Figure) -> None:
    """The key shared by every panel."""
    handles = [
        plt.Line2D([], [], color="black", linewidth=1.6, label="z = 0 (on the line, step(0) = 1)"),
        plt.Rectangle((0, 0), 1, 1, color=REGION_COLOURS[1], label="neuron outputs 1"),
        plt.Rectangle((0, 0), 1, 1, color=REGION_COLOURS[0], label="neuron outputs 0"),
        dot("target 1", face=CLASS_COLOURS[1], edge="black"),
        dot("target 0", face=CLASS_COLOURS[0], edge="black"),
        dot("wrong", face="none", edge=WRONG, markersize=12, markeredgewidth=2),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)


def dot(label: str, *, face: str, edge: str, **style: float) -> plt.Line2D:
    """A round marker for the legend."""
    return plt.Line2D(
        [], [], marker="o", linestyle="", markerfacecolor=face, markeredgecolor=edge, label=label, **style
    )


if __name__ == "__main__":
    raise SystemExit(main())
