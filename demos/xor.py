"""XOR: one training step by hand, 2-2-1 vs 2-3-1 over 20 seeds, a stuck run explained.

What it teaches: how the object engine trains, written out for one sample
(each neuron's value, each delta, one synapse's gradient and the weight
before and after the step); that one straight line cannot separate XOR's
classes but a hidden layer can; that a 2-3-1 sigmoid network learns XOR
from every one of 20 random starts while a 2-2-1 network gets stuck from
some; and why a stuck run is stuck, read off its neurons' values.
Pictures of the trained network, its decision boundary, neuron maps and
loss, of the 20-seed survey and of the stuck run go into an output folder
(``neurosim-output/xor`` unless ``--output`` says otherwise).

Run it with ``neurosim demo xor`` or ``python demos/xor.py``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

import neurosim as ns
from neurosim.cli.arguments import positive_float, positive_int
from neurosim.cli.parser import ArgumentParser
from neurosim.demos._common import (
    add_seed_option,
    begin,
    demo_parser,
    heading,
    save_pictures,
)

X, labels = ns.datasets.xor()
Y = labels.astype(float)
PATTERNS = ["(0, 0)", "(0, 1)", "(1, 0)", "(1, 1)"]

#: random starts in the survey, and with --fast
SEEDS, FAST_SEEDS = 20, 5
#: a run has converged when every output is on the right side of 0.5 and the loss is below this
CONVERGED_LOSS = 0.01
#: the loss of a run stuck with two samples' outputs at 0.5 and the other two right: (0.5^2 + 0.5^2) / 4
PLATEAU_LOSS = 0.125
#: how close to the plateau a stuck run must be, in loss and in those two outputs, to be explained as on it
NEAR_PLATEAU_LOSS, NEAR_HALF = 0.01, 0.05
#: a sigmoid neuron is saturated where sigmoid'(z) = a (1 - a) is below this: it passes on little gradient
SATURATED_SLOPE = 0.01


def main(argv: Sequence[str] | None = None) -> int:
    """Run the lesson: one step by hand, one network trained, 20 seeds surveyed, one stuck run explained."""
    parser = command_line()
    args = begin(parser, argv, __doc__)
    seeds = range(args.seeds or (FAST_SEEDS if args.fast else SEEDS))

    heading("One training step, neuron by neuron (object engine, one sample)")
    step_one_sample(new_network(3, args.seed), lr=args.lr)

    heading(f"Training a 2-3-1 network on XOR (object engine, {args.epochs} epochs, all four samples)")
    net, history = train(3, args.seed, args.epochs, args.lr)
    report_training(net, history)
    pictures = trained_pictures(net, history)

    heading(f"2-2-1 against 2-3-1, from {len(seeds)} random starts")
    surveys = {hidden: survey(hidden, seeds, args.epochs, args.lr) for hidden in (2, 3)}
    report_survey(surveys, args.epochs)
    pictures.append(("survey.png", draw_survey(surveys)))
    pictures += look_at_a_stuck_run(surveys, args.epochs, args.lr)

    save_pictures(args.output, pictures)
    return 0


def command_line() -> ArgumentParser:
    """The demo's options: every number is checked as the command line is read."""
    parser = demo_parser("xor", __doc__)
    parser.add_argument(
        "--epochs",
        type=positive_int,
        default=2000,
        metavar="N",
        help="training epochs of each run (default 2000)",
    )
    parser.add_argument("--lr", type=positive_float, default=2.0, help="learning rate (default 2.0)")
    add_seed_option(parser, "the 2-3-1 network trained first")
    parser.add_argument(
        "--seeds",
        type=positive_int,
        metavar="N",
        help=f"random starts in the survey (default {SEEDS}; {FAST_SEEDS} with --fast, unless N is given)",
    )
    return parser


def new_network(hidden: int, seed: int) -> ns.Network:
    """A fresh 2-``hidden``-1 sigmoid network with weights drawn from ``seed``."""
    return ns.Network.from_shape([2, hidden, 1], activation="sigmoid", init="xavier", seed=seed)


def train(
    hidden: int, seed: int, epochs: int, lr: float, engine: str = "object", verbose: int = 1
) -> tuple[ns.Network, ns.History]:
    """Train a fresh 2-``hidden``-1 network on the four XOR samples with full-batch gradient descent."""
    net = new_network(hidden, seed)
    with warnings.catch_warnings():
        # the doctor's findings are in history.diagnosis: the lesson prints them where a run went wrong
        warnings.simplefilter("ignore", ns.DiagnosisWarning)
        history = net.fit(X, Y, epochs=epochs, lr=lr, loss="mse", seed=seed, engine=engine, verbose=verbose)
    return net, history


def mse(net: ns.Network) -> float:
    """The mean squared error of ``net`` on the four samples, after training."""
    return float(np.mean((net.predict(X)[:, 0] - Y) ** 2))


# ----------------------------------------------------------------- one step


def step_one_sample(net: ns.Network, lr: float) -> tuple[float, float, float]:
    """One gradient-descent step on the sample (0, 1), printed neuron by neuron.

    Returns the shown synapse's ``(weight before, gradient, weight after)``.
    """
    sample = 1
    x, target = X[sample : sample + 1], Y[sample : sample + 1]
    print(f"A fresh 2-3-1 sigmoid network sees one sample, x = {PATTERNS[sample]}, target {target[0]:g}.")
    print("net.forward(x) computes one neuron at a time, layer by layer (z = bias + sum of weight * a):")
    net.forward(x)
    for neuron in net.neurons:
        if neuron.activation is None:
            print(f"  {neuron.name:10}  a = x[{neuron.index}] = {neuron.a:g}")
        else:
            print(f"  {neuron.name:10}  z = {neuron.z:8.4f}   a = sigmoid(z) = {neuron.a:.4f}")

    loss = net.backward(x, target, loss="mse")
    print(
        f"net.backward(x, target): loss (a - target)^2 = {loss:.4f}; each delta = d loss / d z, output first:"
    )
    for neuron in reversed(net.neurons[2:]):
        print(f"  {neuron.name:10}  delta = {neuron.delta:9.5f}")

    synapse = net.synapse("input[1]", "hidden1[0]")
    before, grad = synapse.weight, synapse.grad
    print(f"Synapse {synapse.name}: grad = hidden1[0].delta * input[1].a = {grad:.5f}")
    print("(the synapses from input[0] get grad 0: input[0] is 0 for this sample)")
    net.step(lr)
    after = synapse.weight
    print(
        f"net.step(lr={lr:g}): weight {before:.5f} -> {after:.5f}  (weight - lr * grad, every weight at once)"
    )
    net.zero_grad()
    print(f"net.zero_grad() clears the gradients for the next step: grad is now {synapse.grad:g}")
    print("fit(X, Y, batch_size=1) is this step again and again, one sample after another.")
    return before, grad, after


# ----------------------------------------------------------- one trained net


def report_training(net: ns.Network, history: ns.History) -> None:
    """Print the falling loss, the truth table and a hidden neuron's arithmetic; say if XOR is not learned."""
    print(net.summary(), end="\n\n")
    print("Loss (mean squared error) as training went on:")
    milestones = sorted({0, *(int(f * (history.epochs - 1)) for f in (0.1, 0.25, 0.5, 0.75, 1.0))})
    for epoch in milestones:
        print(f"  epoch {epoch + 1:5d}  loss {history.loss[epoch]:.5f}")

    print("\nTruth table:")
    outputs = net.predict(X)
    right = ns.predicted_classes(outputs) == labels  # class 1 where the output is >= 0.5
    for x, target, output, correct in zip(X, Y, outputs[:, 0], right, strict=True):
        verdict = "right" if correct else "WRONG"
        print(f"  {int(x[0])} XOR {int(x[1])} = {int(target)}   network says {output:.3f}  ({verdict})")

    net.backward(X, Y, loss="mse")
    print("\nHow hidden neuron hidden1[0] computes its output for input (0, 1):")
    print(net["hidden1[0]"].explain(sample=1))
    if not right.all():
        print("\n" + not_learned(history))
        print_diagnosis(history)


def print_diagnosis(history: ns.History) -> None:
    """What the doctor found while the network trained (``history.diagnosis``), if anything."""
    report = history.diagnosis
    if report is not None and len(report):
        print(f"\nWhat the doctor found as it trained (history.diagnosis):\n{report}")


def not_learned(history: ns.History) -> str:
    """What to try, for a network that has not learned XOR, and where its loss went at the end."""
    first, earlier, last = loss_trend(history)
    lead = f"The network did not learn XOR in {history.epochs} epochs"
    if last < 0.99 * earlier:
        advice = f"{lead}, but its loss is still falling: try more --epochs."
    else:
        advice = f"{lead}: try more --epochs, another --lr or another --seed."
    trend = f"(Its loss went from {earlier:.4f} at epoch {first} to {last:.4f} at epoch {history.epochs}.)"
    return f"{advice}\n{trend}"


def loss_trend(history: ns.History) -> tuple[int, float, float]:
    """The last tenth of training: the epoch it starts from, the loss there and the loss at the end."""
    first = max(1, history.epochs - max(1, history.epochs // 10))
    return first, history.loss[first - 1], history.loss[-1]


def trained_pictures(net: ns.Network, history: ns.History) -> list[tuple[str, object]]:
    """The trained network, its decision boundary, its neuron maps and its loss curve."""
    return [
        ("network.png", ns.plot.network(net, x=[0.0, 1.0], title="the trained network, for input (0, 1)")),
        ("decision_boundary.png", ns.plot.decision_boundary(net, X, labels)),
        ("neuron_maps.png", ns.plot.neuron_maps(net, X, labels)),
        ("loss.png", ns.plot.history(history, metrics=("loss",))),
    ]


# -------------------------------------------------------------- the survey


@dataclass
class Run:
    """One training run of the survey."""

    hidden: int
    seed: int
    loss: float
    converged: bool
    losses: list[float]


def survey(hidden: int, seeds: Sequence[int], epochs: int, lr: float) -> list[Run]:
    """Train a 2-``hidden``-1 network from each seed and say which runs converged.

    The compiled engine does the work: it computes the same numbers as the
    object engine, a layer at a time, many times faster.
    """
    runs = []
    for seed in seeds:
        net, history = train(hidden, seed, epochs, lr, engine="compiled", verbose=0)
        right_side = net.score(X, labels) == 1.0
        loss = mse(net)
        runs.append(Run(hidden, seed, loss, bool(right_side and loss < CONVERGED_LOSS), history.loss))
    return runs


def report_survey(surveys: dict[int, list[Run]], epochs: int) -> None:
    """Print how many runs of each size converged, and which seeds got stuck."""
    print(
        f"Converged means: after {epochs} epochs every output is on the right side of 0.5 "
        f"and the loss is below {CONVERGED_LOSS:g}.\n(Trained with the compiled engine, which gives "
        "the object engine's numbers a layer at a time.)\n"
    )
    print("  network  converged  stuck seeds (final loss)")
    for hidden, runs in surveys.items():
        stuck = [f"{run.seed} ({run.loss:.3f})" for run in runs if not run.converged]
        converged = sum(run.converged for run in runs)
        print(f"  2-{hidden}-1    {converged:2d} of {len(runs):<2d}   {', '.join(stuck) or '-'}")


def draw_survey(surveys: dict[int, list[Run]]) -> Figure:
    """Every run's loss curve, one panel per network size, stuck runs in red."""
    fig, axes = plt.subplots(1, len(surveys), figsize=(10, 4), sharey=True, layout="constrained")
    for ax, (hidden, runs) in zip(axes, surveys.items(), strict=True):
        for run in runs:
            colour = "#2166ac" if run.converged else "#d6604d"
            ax.plot(np.arange(1, len(run.losses) + 1), run.losses, color=colour, lw=1, alpha=0.8)
        converged = sum(run.converged for run in runs)
        ax.axhline(CONVERGED_LOSS, color="grey", ls="--", lw=1)
        ax.set(yscale="log", xlabel="epoch", title=f"2-{hidden}-1: {converged} of {len(runs)} converged")
    stuck = [run.loss for runs in surveys.values() for run in runs if not run.converged]
    on_plateau = all(abs(loss - PLATEAU_LOSS) < NEAR_PLATEAU_LOSS for loss in stuck)
    axes[0].set_ylabel("loss (mean squared error)")
    axes[0].plot([], [], color="#2166ac", label="converged")
    axes[0].plot([], [], color="#d6604d", label="stuck (loss near 0.125)" if on_plateau else "stuck")
    axes[0].plot([], [], color="grey", ls="--", label=f"loss {CONVERGED_LOSS:g}")
    axes[0].legend(loc="lower left", fontsize="small")
    return fig


# ------------------------------------------------------------ a stuck run


def look_at_a_stuck_run(surveys: dict[int, list[Run]], epochs: int, lr: float) -> list[tuple[str, object]]:
    """Train one run the survey found stuck again, with the object engine, and read its neurons' values.

    A run whose loss is near the plateau loss 0.125 is taken if there is one.
    Returns the run's pictures, or none if every run converged.
    """
    stuck = [run for hidden in (2, 3) for run in surveys[hidden] if not run.converged]
    if not stuck:
        print("\nEvery run converged: there is no stuck run to look at.")
        return []
    run = next((run for run in stuck if abs(run.loss - PLATEAU_LOSS) < NEAR_PLATEAU_LOSS), stuck[0])
    heading(f"A stuck run up close: 2-{run.hidden}-1, seed {run.seed}")
    net, history = train(run.hidden, run.seed, epochs, lr)
    print(
        f"Trained again, with the object engine: loss {mse(net):.6f} "
        f"(the compiled engine's run in the survey: {run.loss:.6f})."
    )
    explain_stuck_run(net, history, lr)
    return stuck_pictures(net, run.seed)


def explain_stuck_run(net: ns.Network, history: ns.History, lr: float) -> None:
    """Print the neurons' values on the four samples, and what they show."""
    loss = net.backward(X, Y, loss="mse")  # every neuron keeps its a and delta for the four samples
    hidden, output = net["hidden1"], net["output[0]"]
    names = "".join(f"  {neuron.name:>10}" for neuron in hidden)
    print(f"\nEach neuron's value a on the four samples:\n  input   target{names}   output[0]")
    for k, pattern in enumerate(PATTERNS):
        values = "".join(f"  {neuron.a[k]:10.4f}" for neuron in hidden)
        print(f"  {pattern}  {Y[k]:4.0f}  {values}  {output.a[k]:10.4f}")

    pair = plateau_pair(net, loss, history)
    if pair is None:
        describe_values(net, loss, history, lr)
    else:
        explain_plateau(net, loss, lr, pair)
    print_diagnosis(history)


def plateau_pair(net: ns.Network, loss: float, history: ns.History) -> tuple[int, int, float] | None:
    """The two samples ``net`` cannot tell apart and their hidden values' gap, if it sits on the plateau.

    On the plateau the loss is near 0.125 and has stopped falling, two samples
    with different targets get almost the same hidden values and outputs near
    0.5, the other two samples are right, and the hidden neurons are saturated
    on the two. Off the plateau: None.
    """
    hidden, output = net["hidden1"], net["output[0]"]
    i, j, gap = closest_opposite_pair(np.column_stack([neuron.a for neuron in hidden]))
    _, earlier, last = loss_trend(history)
    others = [k for k in range(len(Y)) if k not in (i, j)]
    premises = (
        abs(loss - PLATEAU_LOSS) < NEAR_PLATEAU_LOSS,
        last >= 0.99 * earlier,
        gap < NEAR_HALF,
        abs(output.a[i] - 0.5) < NEAR_HALF and abs(output.a[j] - 0.5) < NEAR_HALF,
        all(classified_right(output)[others]),
        hidden_slope(net, (i, j)) < SATURATED_SLOPE,
    )
    return (i, j, gap) if all(premises) else None


def classified_right(output: ns.Neuron) -> np.ndarray:
    """Which samples of the last pass the output neuron puts on the right side of 0.5."""
    return ns.predicted_classes(output.a_samples[:, None]) == labels


def hidden_slope(net: ns.Network, samples: Sequence[int]) -> float:
    """The largest sigmoid'(z) = a (1 - a) of any hidden neuron on ``samples``."""
    return max(neuron.a[k] * (1 - neuron.a[k]) for neuron in net["hidden1"] for k in samples)


def explain_plateau(net: ns.Network, loss: float, lr: float, pair: tuple[int, int, float]) -> None:
    """Why a run on the plateau is stuck: the ``pair`` of samples look the same to the output neuron."""
    hidden, output = net["hidden1"], net["output[0]"]
    i, j, gap = pair
    print(
        f"\nSamples {PATTERNS[i]} and {PATTERNS[j]} want different outputs ({Y[i]:g} and {Y[j]:g}), "
        f"but the hidden neurons give\nthem almost the same values (they differ by at most {gap:.4f}). "
        f"The output neuron cannot tell them\napart: it says {output.a[i]:.2f} and {output.a[j]:.2f}. "
        f"With both at 0.5 and the other two samples right,\nthe loss is (0.5^2 + 0.5^2) / 4 = 0.125; "
        f"here it is {loss:.4f}. Their output deltas, {output.delta[i]:.3f} and\n"
        f"{output.delta[j]:.3f}, pull in opposite directions and cancel: "
        f"the output's bias_grad = mean(delta) = {output.bias_grad:.2g}."
    )
    print(
        "To tell the two apart a hidden neuron would have to change its values on them, but there\n"
        f"sigmoid'(z) = a (1 - a) is at most {hidden_slope(net, (i, j)):.4f}, so little of the error "
        "reaches the hidden\nneurons. For example:"
    )
    flattest = min(hidden, key=lambda neuron: neuron.a[i] * (1 - neuron.a[i]))
    print(flattest.explain(sample=i))
    print_largest_gradient(net, lr)
    print(
        "The run sits on a plateau (see survey.png): its loss has stopped falling. More hidden\n"
        "neurons give gradient descent more ways round it."
    )


def describe_values(net: ns.Network, loss: float, history: ns.History, lr: float) -> None:
    """What a stuck run's values show when it is not on the plateau: wrong outputs, saturated neurons."""
    output = net["output[0]"]
    wrong = [PATTERNS[k] for k in np.flatnonzero(~classified_right(output))]
    if wrong:
        print(f"\nThe output is on the wrong side of 0.5 for {', '.join(wrong)}; the loss is {loss:.4f}.")
    else:
        print(
            f"\nEvery output is on the right side of 0.5, but the loss {loss:.4f} "
            f"is not below {CONVERGED_LOSS:g}."
        )
    saturated = [
        neuron.name
        for neuron in net.neurons
        if neuron.activation is not None and np.all(neuron.a * (1 - neuron.a) < SATURATED_SLOPE)
    ]
    if saturated:
        print(
            f"Saturated: {', '.join(saturated)}. On all four samples sigmoid'(z) = a (1 - a) is below "
            f"{SATURATED_SLOPE:g} there,\nso little gradient passes through them."
        )
    else:
        print(
            f"No neuron is saturated (sigmoid'(z) = a (1 - a) below {SATURATED_SLOPE:g}) on all four samples."
        )
    first, earlier, last = loss_trend(history)
    print(f"Its loss went from {earlier:.4f} at epoch {first} to {last:.4f} at epoch {history.epochs}.")
    print_largest_gradient(net, lr)


def print_largest_gradient(net: ns.Network, lr: float) -> None:
    """How far gradient descent moves the weights now: the largest gradient of any synapse, times lr."""
    largest = max(net.synapses, key=lambda synapse: abs(synapse.grad))
    print(
        f"The largest gradient of any synapse is {largest.grad:.2g} ({largest.name}): at lr {lr:g} "
        f"no weight moves\nby more than {lr * abs(largest.grad):.2g} an epoch."
    )


def closest_opposite_pair(hidden_values: np.ndarray) -> tuple[int, int, float]:
    """The two samples with different targets whose hidden values are closest, and that distance."""
    pairs = [(i, j) for i, j in combinations(range(len(Y)), 2) if Y[i] != Y[j]]
    distances = [np.max(np.abs(hidden_values[i] - hidden_values[j])) for i, j in pairs]
    best = int(np.argmin(distances))
    return *pairs[best], float(distances[best])


def stuck_pictures(net: ns.Network, seed: int) -> list[tuple[str, object]]:
    """The stuck network's decision boundary and its neuron maps."""
    ax = ns.plot.decision_boundary(net, X, labels)
    ax.set_title(f"stuck: 2-{net['hidden1'].size}-1, seed {seed}")
    return [
        ("stuck_decision_boundary.png", ax),
        ("stuck_neuron_maps.png", ns.plot.neuron_maps(net, X, labels)),
    ]


if __name__ == "__main__":
    raise SystemExit(main())
