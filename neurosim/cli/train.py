"""``neurosim train DATA``: train a network on a built-in dataset or a CSV file, save it and draw it.

The task, the output layer and the loss are read from the target column by
``neurosim.training.tasks.infer_task``: whole numbers with a few distinct
values are class labels (2 classes: one sigmoid output and loss ``bce``;
more: a softmax output and loss ``cross_entropy``), anything else is
regression (an identity output and loss ``mse``). Every choice is printed,
and each can be overridden on the command line.
"""

from __future__ import annotations

import argparse
import itertools
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import neurosim as ns
from neurosim import limits
from neurosim._text import table
from neurosim.classes import predicted_classes
from neurosim.cli._data import Data, read_data
from neurosim.cli.arguments import (
    activation_name,
    fraction,
    initializer_name,
    loss_name,
    positive_float,
    positive_int,
    random_seed,
)
from neurosim.cli.findings import first_culprit, print_report
from neurosim.cli.output import (
    Picture,
    check_output_folder,
    print_written,
    staged_folder,
    write_pictures,
)
from neurosim.cli.parser import usage_error
from neurosim.cli.targets import choose_task
from neurosim.diagnostics import Report
from neurosim.errors import ParameterError
from neurosim.training import tasks

PROG = "neurosim train"
EPILOG = """examples:
  neurosim train moons --hidden 16,16 --epochs 300 --output runs/moons
  neurosim train xor --hidden 3 --activation sigmoid --lr 2 --batch-size full --epochs 2000
  neurosim train houses.csv --target price --hidden 32 --activation relu --init he --lr 0.01

DATA is a built-in dataset (%(datasets)s) or a CSV file: one
sample per row, numbers separated by commas, an optional header row, the
target in the last column unless --target names another. Inputs are used as
they are: scale them to a range of a few units first.

After the results, the doctor's findings are printed if it found anything
wrong during training: dead or saturated neurons, unscaled inputs, ...
(neurosim diagnose MODEL --data DATA looks again, on all the samples)."""
#: with fewer samples than this, none are held out for testing unless --test-fraction says so
MIN_SAMPLES_FOR_TEST = 10
DEFAULT_TEST_FRACTION = 0.2


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add ``neurosim train`` to the command line's ``commands``."""
    from neurosim.cli._data import built_in

    parser = commands.add_parser(
        "train",
        help="train a network on data, save it and draw it",
        description="Train a fully connected network, save it as model.json and draw its loss\n"
        "curve, its graph and (for 2 inputs) its decision regions.",
        epilog=EPILOG % {"datasets": ", ".join(built_in())},
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_data_options(parser)
    _add_network_options(parser.add_argument_group("network"))
    _add_training_options(parser.add_argument_group("training"))
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("neurosim-output") / "train",
        metavar="DIR",
        help="the folder to write model.json and the pictures into (default: %(default)s); "
        "not to be confused with --output-activation",
    )
    parser.add_argument("--no-pictures", action="store_true", help="save the model only, without pictures")
    parser.set_defaults(run=run, command_parser=parser)


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", metavar="DATA", help="a built-in dataset's name, or a CSV file")
    parser.add_argument(
        "--target",
        metavar="COLUMN",
        help="the target column of a CSV file: its header "
        "name or its number counting from 1 (default: the last column)",
    )
    parser.add_argument(
        "--task",
        choices=("classification", "regression"),
        help="what to learn (default: classification when the target holds a few "
        "distinct whole numbers, else regression)",
    )
    parser.add_argument(
        "--test-fraction",
        type=fraction,
        metavar="F",
        help=f"share of the samples held out for testing (default: {DEFAULT_TEST_FRACTION}, "
        f"or 0 with fewer than {MIN_SAMPLES_FOR_TEST} samples)",
    )


def _add_network_options(network: argparse._ArgumentGroup) -> None:
    network.add_argument(
        "--hidden",
        type=hidden_sizes,
        default=[16],
        metavar="SIZES",
        help="hidden layer sizes, comma-separated, or 'none' (default: 16)",
    )
    network.add_argument(
        "--activation",
        type=activation_name,
        default="tanh",
        metavar="NAME",
        help="activation of the hidden layers (default: tanh)",
    )
    network.add_argument(
        "--output-activation",
        type=activation_name,
        metavar="NAME",
        help="activation of the network's output layer (default: chosen from the task); "
        "not to be confused with --output, the folder written to",
    )
    network.add_argument(
        "--init",
        type=initializer_name,
        default="xavier",
        metavar="NAME",
        help="how weights are drawn (default: xavier)",
    )


def _add_training_options(training: argparse._ArgumentGroup) -> None:
    training.add_argument(
        "--loss", type=loss_name, metavar="NAME", help="the loss (default: chosen from the task)"
    )
    training.add_argument(
        "--epochs", type=positive_int, default=200, metavar="N", help="passes over the data (default: 200)"
    )
    training.add_argument("--lr", type=positive_float, default=0.1, help="learning rate (default: 0.1)")
    training.add_argument(
        "--momentum", type=fraction, default=0.0, metavar="M", help="momentum in [0, 1) (default: 0)"
    )
    training.add_argument(
        "--batch-size",
        type=batch_size,
        default=32,
        metavar="N",
        help="samples per update, or 'full' for the whole set (default: 32)",
    )
    training.add_argument(
        "--engine",
        choices=("compiled", "object"),
        default="compiled",
        help="compiled: matrices, fast; object: neuron by neuron (default: compiled)",
    )
    training.add_argument(
        "--seed",
        type=random_seed,
        default=0,
        metavar="N",
        help="seed of the weights, the shuffling, the split and generated data (default: 0)",
    )


# ------------------------------------------------------------------------------------ argument types


def hidden_sizes(text: str) -> list[int]:
    """Argument type: hidden layer sizes such as ``16,16``, or ``none`` for no hidden layer.

    Examples
    --------
    >>> hidden_sizes("16,8"), hidden_sizes("none")
    ([16, 8], [])
    """
    if text.strip().lower() == "none":
        return []
    sizes = []
    for cell in text.split(","):
        cell = cell.strip()
        if not cell.isdigit() or int(cell) == 0:
            raise argparse.ArgumentTypeError(
                f"expected sizes separated by commas, such as 16,16 (or 'none'); got {text!r}"
            )
        sizes.append(int(cell))
    return sizes


def batch_size(text: str) -> int | None:
    """Argument type: a positive whole number, or ``full`` (``None``: the whole set at once)."""
    if text.strip().lower() == "full":
        return None
    try:
        return positive_int(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected a positive whole number or 'full'; got {text!r}"
        ) from None


# -------------------------------------------------------------------------------------- the task


def check_loss_fits_output(args: argparse.Namespace) -> None:
    """Refuse a ``--loss`` that cannot follow the ``--output-activation`` given with it.

    The rule is the library's (``tasks.check_loss_fits_output``). When only
    one of the two is given, the other is chosen to fit it.
    """
    for option, value in tasks.NEEDS_CLASSES.items():
        if args.task == "regression" and getattr(args, option) == value:
            raise usage_error(
                PROG,
                f"--task regression cannot go with --{option.replace('_', '-')} {value}, which needs classes",
            )
    try:
        tasks.check_loss_fits_output(args.loss, args.output_activation)
    except ns.IncompatibleLossError:
        needed = ns.get_loss(args.loss).required_activation
        raise usage_error(
            PROG,
            f"--loss {args.loss} needs --output-activation {needed}, not {args.output_activation}; "
            "leave out either option and it is chosen to fit the other",
        ) from None


def describe_task(data: Data, task: tasks.Task) -> None:
    """Print the data and what was chosen to learn from it."""
    print(
        f"Data: {data.source}, {len(data.X)} samples, {data.X.shape[1]} inputs, target {data.target_name!r}"
    )
    outputs = f"{task.n_outputs} {task.output_activation} output{'s' if task.n_outputs > 1 else ''}"
    override = "      (choose otherwise with --task, --output-activation and --loss)"
    if task.classes is None:
        print(f"Task: regression -> {outputs}, loss {task.loss}\n{override}")
        return
    count = len(task.classes)
    print(f"Task: classification into {count} classes -> {outputs}, loss {task.loss}\n{override}")
    if not np.array_equal(task.classes, np.arange(count)):
        pairs = ", ".join(f"{i} = {value:g}" for i, value in enumerate(task.classes))
        print(f"Classes, numbered in the order of the target's values: {pairs}")


def check_network_size(sizes: list[int]) -> None:
    """Refuse a network too large to build (``neurosim.limits``), naming ``--hidden``."""
    parameters = sum((fan_in + 1) * size for fan_in, size in itertools.pairwise(sizes))
    limits.check_network(sizes, parameters, "--hidden")


# ------------------------------------------------------------------------------------- training


@dataclass
class Split:
    """The rows trained on and the rows held out for testing (maybe none)."""

    train: np.ndarray
    test: np.ndarray


def split_rows(data: Data, test_fraction: float | None, seed: int) -> Split:
    """Shuffle the rows with ``seed`` and hold out ``test_fraction`` of them (``ns.datasets.split``)."""
    n = len(data.X)
    if test_fraction is None:
        test_fraction = DEFAULT_TEST_FRACTION if n >= MIN_SAMPLES_FOR_TEST else 0.0
    if test_fraction == 0:
        print(f"Split: all {n} samples are trained on; none held out for testing")
        return Split(np.arange(n), np.arange(0))
    try:
        _, _, train, test = ns.datasets.split(data.X, np.arange(n), test_fraction=test_fraction, seed=seed)
    except ParameterError:  # the fraction is in (0, 1): only a split with no training rows is refused
        train = np.arange(0)
    if len(train) == 0:
        raise usage_error(
            PROG,
            f"--test-fraction {test_fraction:g} holds out all {n} samples of {data.source}, leaving none "
            "to train on; give a smaller fraction, or 0 to train on every sample",
        )
    print(
        f"Split: {len(train)} samples to train on, {len(test)} held out for testing "
        f"(--test-fraction {test_fraction:g}, shuffled with seed {seed})"
    )
    return Split(train, test)


def train(
    net: ns.Network, X: np.ndarray, T: np.ndarray, split: Split, task: tasks.Task, args: argparse.Namespace
) -> ns.History:
    """Train ``net`` on the training rows, measuring the test rows after every epoch."""
    batch = "the whole set at once" if args.batch_size is None else f"batches of {args.batch_size}"
    momentum = f", momentum {args.momentum:g}" if args.momentum else ""
    print(
        f"\nTraining {args.epochs} epochs with the {args.engine} engine: lr {args.lr:g}{momentum}, "
        f"{batch}, loss {task.loss}, seed {args.seed}"
    )
    validation = (X[split.test], T[split.test]) if len(split.test) else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ns.DivergenceWarning)  # reported below, in one line
        warnings.simplefilter("ignore", ns.DiagnosisWarning)  # the findings are in history.diagnosis
        history = net.fit(
            X[split.train],
            T[split.train],
            epochs=args.epochs,
            lr=args.lr,
            momentum=args.momentum,
            batch_size=args.batch_size,
            loss=task.loss,
            seed=args.seed,
            engine=args.engine,
            validation_data=validation,
            verbose=1,
        )
    if history.diverged_at is not None:
        raise ParameterError(
            f"training diverged at epoch {history.diverged_at}: the loss stopped being a finite number; "
            f"try a smaller --lr (got {args.lr:g}), or scale the data to a few units"
        )
    return history


def print_results(net: ns.Network, data: Data, T: np.ndarray, split: Split, task: tasks.Task) -> None:
    """The loss (and accuracy) of the trained network on the training and test rows."""
    engine = net.compile()
    rows = []
    for name, part in (("training", split.train), ("test", split.test)):
        if len(part) == 0:
            continue
        loss_fn, X, T_part = net.prepare_batch(data.X[part], T[part], task.loss)
        loss, outputs = engine.evaluate(engine.prepare(X), engine.prepare(T_part), loss_fn)
        row = [name, f"{loss:.6g}"]
        if task.classes is not None:
            predicted = predicted_classes(outputs)
            right = int(np.count_nonzero(predicted == task.labels(data.targets)[part]))
            row.append(f"{100 * right / len(part):.1f}% ({right} of {len(part)})")
        rows.append(row)
    header = ["samples", f"loss ({task.loss})"] + (["accuracy"] if task.classes is not None else [])
    print("\nAfter training:")
    print(table(header, rows))


def print_findings(report: Report | None, net: ns.Network, data: Data) -> None:
    """What the doctor found during training (``history.diagnosis``); nothing when it found nothing."""
    if report is None or len(report) == 0:
        return
    print("\nThe doctor's findings, from watching the training:")
    print_report(report, net, data)


# ------------------------------------------------------------------------------------- the command


def run(args: argparse.Namespace, extra: list[str]) -> int:
    """Train, print what happened, and write the model and its pictures."""
    check_loss_fits_output(args)
    for size in args.hidden:
        limits.check_layer_size(size, "--hidden")
    data = read_data(PROG, args.data, target=args.target, seed=args.seed)
    check_output_folder(PROG, args.output)
    task = choose_task(data, task=args.task, output_activation=args.output_activation, loss=args.loss)
    describe_task(data, task)
    split = split_rows(data, args.test_fraction, args.seed)
    sizes = [data.X.shape[1], *args.hidden, task.n_outputs]
    check_network_size(sizes)
    net = ns.Network.from_shape(
        sizes,
        activation=args.activation,
        output_activation=task.output_activation,
        init=args.init,
        seed=args.seed,
    )
    print()
    print(net.summary())
    T = task.targets(data.targets)
    history = train(net, data.X, T, split, task, args)
    print_results(net, data, T, split, task)
    print_findings(history.diagnosis, net, data)
    written = write_outputs(args.output, net, [] if args.no_pictures else _pictures(net, data, task, history))
    print_written(args.output, written)
    model = args.output / "model.json"
    culprit = None if history.diagnosis is None else first_culprit(net, history.diagnosis)
    print(f"\nLook inside: neurosim inspect {model} --neuron '{culprit or net.output_layer[0].name}'")
    return 0


def write_outputs(folder: Path, net: ns.Network, pictures: list[Picture]) -> list[Path]:
    """Save ``net`` as model.json and draw ``pictures`` into ``folder``, all of them or none."""
    with staged_folder(folder) as stage:
        net.save(stage / "model.json")
        written = [stage / "model.json", *write_pictures(stage, pictures)]
    return [folder / path.name for path in written]


def _pictures(net: ns.Network, data: Data, task: tasks.Task, history: ns.History) -> list[Picture]:
    from neurosim.plot.boundary import MAX_CLASSES

    pictures: list[Picture] = [
        ("loss.png", lambda: ns.plot.history(history)),
        ("network.png", lambda: ns.plot.network(net, title=f"trained on {data.name}")),
    ]
    if data.X.shape[1] == 2 and task.classes is not None and task.n_outputs <= MAX_CLASSES:
        labels = task.labels(data.targets)
        pictures.append(("decision_boundary.png", lambda: ns.plot.decision_boundary(net, data.X, labels)))
    return pictures
