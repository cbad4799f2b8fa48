"""A guided tour of a network at the Python prompt: look at a neuron, explain, change, prune, check.

What it teaches: every neuron and synapse of a neurosim network is an object
you can stop at, read and change. The tour trains a small XOR network, looks
at one hidden neuron (its repr, ``z``, ``a`` and synapses), asks it to
explain its arithmetic, changes one synapse's weight and watches the output
move, prunes the weakest synapse, and gradient-checks an activation written
by hand with a wrong derivative, which the check catches and names. Each
line is printed as ``>>> line`` with Python's answer below it, as at the
prompt. Pictures of the network before and after pruning and of the
gradient check go into an output folder (``neurosim-output/inspect`` unless
``--output`` says otherwise). ``--interactive`` ends at a Python prompt
holding the tour's variables, to carry on by hand. The tour takes a couple
of seconds, so ``--fast`` runs all of it.

Run it with ``neurosim demo inspect`` or ``python demos/inspect_tour.py``.
"""

from __future__ import annotations

import ast
import code
import textwrap
from collections.abc import Sequence
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np

import neurosim as ns
from neurosim.demos._common import begin, demo_parser, heading, save_pictures


class Step(NamedTuple):
    """One stop of the tour: a title, what to notice, and the source typed at the prompt."""

    title: str
    explanation: str
    source: str


BUILD = Step(
    "Build a network and train it",
    """
    A 2-3-1 sigmoid network learns XOR with the object engine, one neuron and one synapse
    at a time. The network is a graph of Neuron objects joined by Synapse objects.
    """,
    """
    import numpy as np
    import neurosim as ns
    X, y = ns.datasets.xor()
    net = ns.Network.from_shape([2, 3, 1], activation="sigmoid", seed=0)
    history = net.fit(X, y, epochs=2000, lr=2.0, loss="mse", seed=0, verbose=0)
    net
    net.predict(X).round(3)
    """,
)

LOOK = Step(
    "Look at a neuron",
    """
    Look a neuron up by layer and index. After a forward pass it holds what it computed:
    z, its bias plus the weighted sum of its inputs, and a, its activation of z.
    Its synapses are objects too, each with its weight and gradient.
    """,
    """
    neuron = net["hidden1"][2]
    net.forward([1.0, 0.0])
    neuron
    neuron.z, neuron.a
    neuron.incoming
    neuron.outgoing
    """,
)

EXPLAIN = Step(
    "Ask it to explain itself",
    """
    A backward pass leaves each neuron its delta (how the loss changes with its z) and
    each synapse its gradient. explain() writes the neuron's arithmetic out with its own
    numbers; sample 2 is the input (1, 0).
    """,
    """
    net.backward(X, y, loss="mse")
    print(neuron.explain(sample=2))
    """,
)

CHANGE = Step(
    "Change one synapse and see the output change",
    """
    Setting synapse.weight changes the one stored copy of that weight, and the next
    forward pass uses it. For the input (1, 0), where input[0] is 1, the neuron's z
    moves by exactly the change, 2.0; the output moves with it.
    """,
    """
    x = [1.0, 0.0]
    synapse = net.synapse("input[0]", "hidden1[2]")
    synapse
    original = synapse.weight
    before = net.forward(x)
    z_before = neuron.z
    synapse.weight = original + 2.0
    after = net.forward(x)
    before, after
    neuron.z - z_before
    synapse.weight = original
    """,
)

PRUNE = Step(
    "Prune a synapse",
    """
    net.disconnect removes a synapse from the graph. The weakest one, hidden1[2] ->
    output[0], carried the neuron we looked at to the output. Without it the network
    still computes XOR, less surely, and hidden1[2] feeds nothing.
    """,
    """
    weakest = min(net.synapses, key=lambda synapse: abs(synapse.weight))
    weakest
    net.disconnect(weakest.source, weakest.target)
    len(net.synapses)
    neuron.outgoing
    try:
        net.synapse("hidden1[2]", "output[0]")
    except ns.UnknownNameError as error:
        print(error)
    net.predict(X).round(3)
    """,
)

CHECK = Step(
    "Gradient-check an activation you wrote",
    """
    A common slip when writing tanh's derivative by hand: 1 - z**2 where 1 - tanh(z)**2
    is meant. gradient_check compares backpropagation with finite differences, parameter
    by parameter, and names the ones that disagree: every parameter whose gradient passes
    through the wrong derivative, and no other. In terms of the output a = tanh(z) the
    derivative is 1 - a**2, which Activation takes as output_derivative.
    """,
    """
    my_tanh = ns.Activation("my_tanh", np.tanh, lambda z: 1 - z**2)
    checked = ns.Network.from_shape([2, 3, 1], activation=my_tanh, output_activation="sigmoid", seed=1)
    report = ns.gradient_check(checked, X, y, loss="mse")
    print(report)
    fixed_tanh = ns.Activation("my_tanh", np.tanh, output_derivative=lambda a: 1 - a**2)
    fixed = ns.Network.from_shape([2, 3, 1], activation=fixed_tanh, output_activation="sigmoid", seed=1)
    fixed_report = ns.gradient_check(fixed, X, y, loss="mse")
    fixed_report.ok, fixed_report.max_rel_error
    """,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the tour, draw its pictures, and with ``--interactive`` hand over the prompt."""
    parser = demo_parser("inspect", __doc__)
    parser.add_argument(
        "--interactive", action="store_true", help="end at a Python prompt holding the tour's variables"
    )
    args = begin(parser, argv, __doc__)

    tour: dict[str, object] = {}
    run_steps([BUILD, LOOK, EXPLAIN, CHANGE], tour)
    before = draw_network(tour, "the trained network, for input (1, 0)")
    run_steps([PRUNE, CHECK], tour)
    pictures = [
        ("network_before.png", before),
        ("network_after.png", draw_network(tour, "after pruning the weakest synapse")),
        ("gradient_check.png", draw_gradient_check(tour["report"], tour["fixed_report"])),
    ]
    save_pictures(args.output, pictures)
    if args.interactive:
        carry_on(tour)
    return 0


# ---------------------------------------------------------------- the prompt


def run_steps(steps: Sequence[Step], namespace: dict[str, object]) -> dict[str, object]:
    """Print and run each step's lines in ``namespace``, as at the prompt; return the namespace."""
    for step in steps:
        heading(step.title)
        print(textwrap.dedent(step.explanation).strip(), end="\n\n")
        run_lines(textwrap.dedent(step.source).strip("\n"), namespace)
    return namespace


def run_lines(source: str, namespace: dict[str, object]) -> None:
    """Run ``source`` statement by statement: echo each one, then print an expression's repr."""
    lines = source.splitlines()
    for statement in ast.parse(source).body:
        typed = lines[statement.lineno - 1 : statement.end_lineno]
        print(">>> " + "\n... ".join(typed))
        if len(typed) > 1:
            print("...")  # the empty line that ends a block at the prompt
        if isinstance(statement, ast.Expr):
            value = eval(compile(ast.Expression(statement.value), "<tour>", "eval"), namespace)
            if value is not None:
                print(repr(value))
        else:
            exec(compile(ast.Module([statement], type_ignores=[]), "<tour>", "exec"), namespace)


def carry_on(namespace: dict[str, object]) -> None:
    """Hand the prompt over, with the tour's variables."""
    names = ", ".join(name for name in namespace if not name.startswith("_"))
    variables = textwrap.fill(f"Your turn. The tour's variables are here: {names}.", width=88)
    banner = f"\n{variables}\nCtrl-D (Ctrl-Z Enter on Windows) ends."
    code.interact(banner=banner, local=namespace, exitmsg="")


# ---------------------------------------------------------------- the pictures

HIGHLIGHT = "#ff7f0e"


def draw_network(tour: dict[str, object], title: str) -> plt.Axes:
    """The network for input (1, 0), the looked-at neuron ringed, a pruned synapse dashed."""
    net, neuron = tour["net"], tour["neuron"]
    ax = ns.plot.network(net, x=tour["x"], title=title)
    places = neuron_places(ax, net)
    ring = places[neuron]
    ax.scatter(*ring, s=1000, facecolors="none", edgecolors=HIGHLIGHT, linewidths=2.5, zorder=5)
    ax.annotate(
        "neuron",
        ring,
        xytext=(22, 0),
        textcoords="offset points",
        va="center",
        color=HIGHLIGHT,
        fontsize=10,
        fontweight="bold",
    )
    pruned = tour.get("weakest")
    if pruned is not None:
        (x0, y0), (x1, y1) = places[pruned.source], places[pruned.target]
        ax.plot([x0, x1], [y0, y1], linestyle=(0, (4, 3)), color="#555555", linewidth=1.2, zorder=0)
        ax.annotate(
            "pruned",
            ((x0 + x1) / 2, (y0 + y1) / 2),
            xytext=(-6, 6),
            textcoords="offset points",
            ha="right",
            fontsize=9,
        )
    return ax


def neuron_places(ax: plt.Axes, net: ns.Network) -> dict[ns.Neuron, tuple[float, float]]:
    """Where ``ns.plot.network`` drew each neuron (its ``"neurons"`` markers are in network order)."""
    markers = next(collection for collection in ax.collections if collection.get_gid() == "neurons")
    return {neuron: tuple(place) for neuron, place in zip(net.neurons, markers.get_offsets(), strict=True)}


def draw_gradient_check(wrong: ns.GradientCheckReport, fixed: ns.GradientCheckReport) -> plt.Figure:
    """Each parameter's relative error between backprop and finite differences, for both derivatives."""
    names = [entry.name for entry in wrong.entries]
    rows = np.arange(len(names))
    smallest = 1e-16  # a relative error of exactly 0 still gets a bar on the log scale
    fig, ax = plt.subplots(figsize=(8, 5.6), layout="constrained")
    for offset, report, colour, label in (
        (-0.2, wrong, "#b2182b", "derivative 1 - z**2 (wrong)"),
        (0.2, fixed, "#2166ac", "derivative 1 - a**2 (right)"),
    ):
        errors = [max(entry.rel_error, smallest) for entry in report.entries]
        ax.barh(rows + offset, errors, height=0.4, color=colour, label=label)
    ax.axvline(wrong.tolerance, color="black", linestyle="--", linewidth=1, label="tolerance")
    ax.set(
        xscale="log", yticks=rows, yticklabels=names, xlabel="relative error, backprop vs finite differences"
    )
    ax.invert_yaxis()
    ax.set_title("gradient_check of a hand-written tanh: which parameters disagree")
    ax.legend(loc="lower right", fontsize=9)
    return fig


if __name__ == "__main__":
    raise SystemExit(main())
