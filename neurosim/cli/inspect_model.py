"""``neurosim inspect MODEL``: a saved network's summary, its neurons and its synapses."""

from __future__ import annotations

import argparse
from pathlib import Path

from neurosim._text import table
from neurosim.cli.arguments import check_input, number_list
from neurosim.cli.parser import usage_error
from neurosim.core.layer import Layer
from neurosim.core.network import Network
from neurosim.core.neuron import Neuron
from neurosim.errors import UnknownNameError
from neurosim.io import load

PROG = "neurosim inspect"
EPILOG = """examples:
  neurosim inspect model.json
  neurosim inspect model.json --neuron 'hidden1[0]' --input 0.5,1
  neurosim inspect model.json --neuron output --synapses

Without --input a neuron shows its bias and synapses; with --input the
network runs that sample first, and each neuron writes out its arithmetic.
Quote neuron names: most shells read the brackets of hidden1[0] as a pattern."""
#: incoming synapses listed for a neuron before the rest are counted
MAX_LISTED = 8


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add ``neurosim inspect`` to the command line's ``commands``."""
    parser = commands.add_parser(
        "inspect",
        help="summarise a saved network and explain its neurons",
        description="Print the summary of a network saved by neurosim train or net.save,\n"
        "and look at its neurons and synapses.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model", type=Path, metavar="MODEL", help="a saved network (model.json)")
    parser.add_argument(
        "--neuron",
        action="append",
        default=[],
        metavar="NAME",
        help="a neuron ('hidden1[0]') or a whole layer (hidden1) to look at; repeat for more",
    )
    parser.add_argument(
        "--input",
        type=number_list,
        metavar="X1,X2,...",
        help="one sample to run first, so that neurons show their arithmetic for it",
    )
    parser.add_argument("--synapses", action="store_true", help="list every synapse with its weight")
    parser.set_defaults(run=run, command_parser=parser)


def run(args: argparse.Namespace, extra: list[str]) -> int:
    """Load the model and print what was asked for."""
    net = load(args.model)
    neurons = [neuron for name in args.neuron for neuron in find_neurons(net, name)]
    if args.input is not None:
        check_input(PROG, net, args.input)
    print(f"{args.model}: {net!r}\n")
    print(net.summary())
    if args.input is not None:
        run_forward(net, args.input)
    for neuron in neurons:
        print()
        print(neuron.explain() if args.input is not None else describe(neuron))
    if neurons and args.input is None:
        print(
            "\n(give --input to see each neuron compute z = weights * inputs + bias, then a = activation(z))"
        )
    if args.synapses:
        print()
        print(synapse_table(net))
    return 0


def run_forward(net: Network, x: list[float]) -> None:
    """Run one sample through the network, neuron by neuron, and print its outputs."""
    outputs = net.forward(x)
    print(f"\nFor input ({', '.join(f'{value:g}' for value in x)}):")
    for neuron, value in zip(net.output_layer, outputs, strict=True):
        print(f"  {neuron.name} = {value:.4g}")


def find_neurons(net: Network, name: str) -> list[Neuron]:
    """The neuron called ``name``, or every neuron of the layer called ``name``."""
    layer_name = name.split("[", 1)[0]
    layers = [layer.name for layer in net.layers]
    if layer_name not in layers:
        raise usage_error(
            PROG,
            f"--neuron {name!r}: no layer named {layer_name!r}; name a layer ({', '.join(layers)}) "
            f"or one of its neurons, such as '{layers[1]}[0]'",
        )
    try:
        found = net[name]
    except UnknownNameError as error:
        raise usage_error(PROG, f"--neuron {name!r}: {error}") from None
    return list(found) if isinstance(found, Layer) else [found]


def describe(neuron: Neuron) -> str:
    """A neuron as stored: its activation, its bias and its incoming synapses' weights."""
    if neuron.layer.is_input:
        return (
            f"{neuron.name} (input): holds input value {neuron.index}; feeds {len(neuron.outgoing)} neurons"
        )
    incoming = neuron.incoming
    bias = f"bias {neuron.bias:.4g}" if neuron.layer.has_bias else "no bias"
    lines = [f"{neuron.name} ({neuron.activation.name}): {bias}"]
    lines.append(f"  {len(incoming)} incoming synapses, {len(neuron.outgoing)} outgoing")
    for synapse in incoming[:MAX_LISTED]:
        lines.append(f"    from {synapse.source.name}: weight {synapse.weight:.4g}")
    if len(incoming) > MAX_LISTED:
        lines.append(f"    ... and {len(incoming) - MAX_LISTED} more (--synapses lists them all)")
    return "\n".join(lines)


def synapse_table(net: Network) -> str:
    """Every synapse: source, target and weight."""
    rows = [[s.source.name, s.target.name, f"{s.weight:.6g}"] for s in net.synapses]
    return table(["from", "to", "weight"], rows)
