"""``neurosim plot MODEL``: pictures of a saved network, and of what it does to some data."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import neurosim as ns
from neurosim.cli._data import Data, check_data_fits, read_data
from neurosim.cli.arguments import check_input, number_list, random_seed
from neurosim.cli.output import Picture, check_output_folder, print_written, staged_folder, write_pictures
from neurosim.cli.parser import usage_error
from neurosim.training import tasks

PROG = "neurosim plot"
EPILOG = """examples:
  neurosim plot runs/moons/model.json --data moons
  neurosim plot model.json --input 0.5,1 --output pictures/sample
  neurosim plot model.json --data points.csv --target label

The pictures go into a folder called pictures beside the model file
(runs/moons/pictures for the first example) unless --output names another.

Always drawn: network.png (the graph, synapses coloured by sign) and
weights.png (one heatmap per pair of connected layers). For a network with
two inputs also neuron_maps.png (each neuron's activation over the input
plane) and, with --data, decision_boundary.png."""
#: the default folder for the pictures, beside the model file
PICTURES = "pictures"


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add ``neurosim plot`` to the command line's ``commands``."""
    parser = commands.add_parser(
        "plot",
        help="draw a saved network and its decision regions",
        description="Draw pictures of a network saved by neurosim train or net.save.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model", type=Path, metavar="MODEL", help="a saved network (model.json)")
    parser.add_argument(
        "--data", metavar="DATA", help="a built-in dataset's name or a CSV file, drawn over the input plane"
    )
    parser.add_argument("--target", metavar="COLUMN", help="the target column of a CSV --data file")
    parser.add_argument(
        "--seed", type=random_seed, default=0, metavar="N", help="seed of generated --data (default: 0)"
    )
    parser.add_argument(
        "--input", type=number_list, metavar="X1,X2,...", help="colour the graph's neurons by this sample"
    )
    parser.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        help="folder for the pictures (default: pictures/ beside MODEL)",
    )
    parser.set_defaults(run=run, command_parser=parser)


def run(args: argparse.Namespace, extra: list[str]) -> int:
    """Load the model (and data), draw the pictures and say where they went."""
    if args.target is not None and args.data is None:
        raise usage_error(PROG, "--target picks a column of the --data file; give --data too")
    folder = args.output if args.output is not None else args.model.parent / PICTURES
    net = ns.load(args.model)
    if args.input is not None:
        check_input(PROG, net, args.input)
    data = None if args.data is None else read_data(PROG, args.data, target=args.target, seed=args.seed)
    if data is not None:
        check_data_fits(net, data)
    check_output_folder(PROG, folder)
    print(f"{args.model}: {net!r}")
    with staged_folder(folder) as stage:
        paths = write_pictures(stage, pictures(net, data, args.input, args.model.name))
    print_written(folder, [folder / path.name for path in paths])
    return 0


def pictures(net: ns.Network, data: Data | None, x: list[float] | None, name: str) -> list[Picture]:
    """What to draw for this network and data."""
    from neurosim.plot.boundary import MAX_CLASSES

    title = f"{name}, for input ({', '.join(f'{value:g}' for value in x)})" if x is not None else name
    drawn: list[Picture] = [
        ("network.png", lambda: ns.plot.network(net, x=x, title=title)),
        ("weights.png", lambda: ns.plot.weights(net)),
    ]
    if net.input_layer.size != 2:
        return drawn
    X = None if data is None else data.X
    labels = None if data is None else class_labels(net, data)
    drawn.append(("neuron_maps.png", lambda: ns.plot.neuron_maps(net, X, labels)))
    if data is not None and net.output_layer.size <= MAX_CLASSES:
        drawn.append(("decision_boundary.png", lambda: ns.plot.decision_boundary(net, X, labels)))
    return drawn


def class_labels(net: ns.Network, data: Data) -> np.ndarray | None:
    """The data's classes as numbers 0, 1, ..., one per class the network tells apart; else ``None``.

    Labels that already are 0, 1, ... are kept; other class values are
    numbered in sorted order, as ``neurosim train`` numbers them.
    """
    classes = tasks.class_values(data.targets)
    n_classes = 2 if net.output_layer.size == 1 else net.output_layer.size
    if classes is None or len(classes) > n_classes:
        return None
    if classes.min() >= 0 and classes.max() < n_classes:
        return data.targets.astype(int)
    return tasks.class_indices(data.targets, classes) if len(classes) == n_classes else None
