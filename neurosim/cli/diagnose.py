"""``neurosim diagnose MODEL --data DATA``: what the doctor finds wrong with a saved network on some data.

The data is read as ``neurosim train`` reads it, and the loss is chosen
from the target column and the network's output layer as ``train`` chose
it. The doctor (``ns.diagnose``) checks the data, the weights and one
forward and backward pass, and the findings are printed most severe first.

The exit status says what it found, so that a script can test it: 0 when
nothing is an error or a warning, 1 when something is, and 2 when it could
not diagnose (a bad command line, a file that cannot be read, data that
does not fit the network).
"""

from __future__ import annotations

import argparse
import math
import textwrap
from dataclasses import fields
from pathlib import Path

import neurosim as ns
from neurosim.cli._data import Data, check_data_fits, read_data
from neurosim.cli.arguments import loss_name, random_seed
from neurosim.cli.findings import first_culprit, print_report, write_findings
from neurosim.cli.output import check_output_file
from neurosim.cli.parser import usage_error
from neurosim.cli.targets import choose_task
from neurosim.diagnostics.settings import Settings, checked_settings
from neurosim.errors import IncompatibleLossError, ParameterError, ShapeError
from neurosim.training import tasks

PROG = "neurosim diagnose"
#: the exit statuses: nothing wrong (information at most), warnings or errors found, could not diagnose
HEALTHY, FINDINGS, CANNOT_DIAGNOSE = 0, 1, 2
EPILOG = """examples:
  neurosim diagnose runs/moons/model.json --data moons
  neurosim diagnose model.json --data houses.csv --target price --json findings.json
  neurosim diagnose model.json --data moons --setting dead_fraction=0.25

The doctor checks the data (unscaled inputs, targets the output layer cannot
produce), the weights (symmetric initialisation, no nonlinearity) and one
forward and backward pass on all the samples (dead or saturated neurons,
a constant output, zero, vanishing or exploding gradients, values that are
not finite). Each finding names the neurons, synapses, layers or input
columns concerned and quotes the numbers behind it.

exit status: 0 when nothing is an error or a warning, 1 when something is,
2 when the network could not be diagnosed (a bad command line, a file that
cannot be read, data that does not fit the network).

the thresholds --setting NAME=VALUE changes, with their defaults (the
reference of neurosim.diagnostics.Settings says what each one means):
%(settings)s"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add ``neurosim diagnose`` to the command line's ``commands``."""
    parser = commands.add_parser(
        "diagnose",
        help="find what is wrong with a saved network on some data",
        description="Run the doctor on a network saved by neurosim train or net.save, and some data;\n"
        "print what it finds wrong, most severe first.",
        epilog=EPILOG % {"settings": _thresholds()},
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model", type=Path, metavar="MODEL", help="a saved network (model.json)")
    parser.add_argument(
        "--data", required=True, metavar="DATA", help="a built-in dataset's name, or a CSV file"
    )
    parser.add_argument(
        "--target",
        metavar="COLUMN",
        help="the target column of a CSV file: its header name or its number counting from 1 "
        "(default: the last column)",
    )
    parser.add_argument(
        "--loss",
        type=loss_name,
        metavar="NAME",
        help="the loss the network is trained with (default: chosen from the target and the output layer, "
        "as neurosim train chooses it)",
    )
    parser.add_argument(
        "--seed", type=random_seed, default=0, metavar="N", help="seed of generated data (default: 0)"
    )
    parser.add_argument(
        "--setting",
        type=setting,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="change one of the doctor's thresholds (listed below); repeat for more",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the findings to this JSON file")
    parser.set_defaults(run=run, command_parser=parser, failure_status=CANNOT_DIAGNOSE)


def _thresholds() -> str:
    """The thresholds' names and defaults, wrapped to the help's width."""
    defaults = Settings()
    listed = ", ".join(f"{field.name}={getattr(defaults, field.name):g}" for field in fields(Settings))
    return textwrap.fill(listed, width=76, initial_indent="  ", subsequent_indent="  ")


def setting(text: str) -> tuple[str, float]:
    """Argument type: ``NAME=VALUE``, a threshold's name and a number; whether it is one is checked later.

    Examples
    --------
    >>> setting("dead_fraction=0.25"), setting("patience=5")
    (('dead_fraction', 0.25), ('patience', 5))
    """
    name, equals, value = (part.strip() for part in text.partition("="))
    expected = f"expected NAME=VALUE, such as dead_fraction=0.25; got {text!r}"
    if not equals or not name:
        raise argparse.ArgumentTypeError(expected)
    try:
        number = int(value) if value.lstrip("+-").isdigit() else float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(expected) from None
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"expected a finite number after '='; got {text!r}")
    return name, number


def checked_thresholds(settings: list[tuple[str, float]]) -> Settings:
    """The doctor's thresholds with the ``--setting`` changes; a usage error names a bad one."""
    for name, value in settings:
        try:
            checked_settings({name: value})
        except ParameterError as error:
            raise usage_error(PROG, f"--setting {name}={value:g}: {error}") from None
    return checked_settings(dict(settings))


# ------------------------------------------------------------------------------------- the command


def run(args: argparse.Namespace, extra: list[str]) -> int:
    """Load the model and the data, run the doctor, print its findings; the exit status says what it found."""
    settings = checked_thresholds(args.setting)
    if args.json is not None:
        check_output_file(PROG, "--json", args.json)
    net = ns.load(args.model)
    check_loss_fits_network(net, args.loss)
    data = read_data(PROG, args.data, target=args.target, seed=args.seed)
    check_data_fits(net, data)
    task = network_task(net, data, args.loss)
    report = ns.diagnose(net, data.X, task.targets(data.targets), loss=task.loss, settings=settings)
    print(f"{args.model}: {net!r}")
    print(
        f"Data: {data.source}, {len(data.X)} samples, {data.X.shape[1]} inputs, target "
        f"{data.target_name!r}; loss {task.loss}\n"
    )
    print_report(report, net, data)
    culprit = first_culprit(net, report)
    if culprit is not None:
        print(f"\nLook closer: neurosim inspect {args.model} --neuron '{culprit}'")
    if args.json is not None:
        about = {"model": str(args.model), "data": data.source, "samples": len(data.X), "loss": task.loss}
        write_findings(args.json, report, about)
        print(f"\nFindings written to {args.json}")
    return HEALTHY if report.ok else FINDINGS


def check_loss_fits_network(net: ns.Network, loss: str | None) -> None:
    """Refuse a ``--loss`` that cannot follow the network's output layer (``bce`` needs sigmoid, ...)."""
    output = net.output_layer.activation.name
    try:
        tasks.check_loss_fits_output(loss, output)
    except IncompatibleLossError:
        needed = ns.get_loss(loss).required_activation
        raise usage_error(
            PROG, f"--loss {loss} needs a {needed} output layer, but the network's output layer is {output}"
        ) from None


def network_task(net: ns.Network, data: Data, loss: str | None) -> tasks.Task:
    """What the network learns from ``data``: the task as ``train`` chose it for this output layer.

    Raises ``ShapeError`` when the network has not one output per class
    (or one output for two classes, or for regression).
    """
    output = net.output_layer.activation.name
    task = choose_task(
        data,
        task="classification" if output == "softmax" else None,
        output_activation=output,
        loss=loss,
        classification_by=f"the network's {output} output layer",
    )
    size = net.output_layer.size
    if task.n_outputs != size:
        outputs = f"{size} output{'s' if size != 1 else ''}"
        if task.classes is None:
            what = "one number to predict per sample"
        else:
            each = "one output" if task.n_outputs == 1 else "one output per class"
            what = f"{len(task.classes)} classes ({each})"
        raise ShapeError(f"{data.source} has {what}, but the network has {outputs}")
    return task
