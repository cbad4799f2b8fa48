"""``neurosim demo NAME``: run one of the demos in ``neurosim.demos``."""

from __future__ import annotations

import argparse
import importlib
import pkgutil

from neurosim.cli.parser import UsageError

# the order a newcomer should take them in; any other demo module comes after, by name
ORDER = (
    "perceptron",
    "xor",
    "moons",
    "spiral",
    "digits",
    "optimizers",
    "engines",
    "inspect",
    "doctor",
    "yours",
    "scale",
)
# demos whose file has another name: a demos/inspect.py would hide the standard
# library's inspect module when a demo runs as `python demos/NAME.py`
FILES = {"inspect": "inspect_tour"}
NAMES = {file: name for name, file in FILES.items()}
EPILOG = """examples:
  neurosim demo --list
  neurosim demo xor
  neurosim demo digits --fast --output pictures/digits
  neurosim demo inspect --help

Every demo takes --fast (a shorter run) and --output FOLDER (where its
pictures go, neurosim-output/NAME by default)."""


def available() -> list[str]:
    """The names of the demos, in the order a newcomer should take them in."""
    # found by name when asked for: the demos sit above the command line, which runs them
    modules = pkgutil.iter_modules(importlib.import_module("neurosim.demos").__path__)
    found = {NAMES.get(module.name, module.name) for module in modules if module.name[0] != "_"}
    return [name for name in ORDER if name in found] + sorted(found - set(ORDER))


def description(name: str) -> str:
    """The first line of demo ``name``'s docstring: what it shows."""
    module = importlib.import_module(f"neurosim.demos.{FILES.get(name, name)}")
    return (module.__doc__ or "").strip().splitlines()[0].rstrip(".")


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add ``neurosim demo`` to the command line's ``commands``."""
    parser = commands.add_parser(
        "demo",
        help="run a demo that trains and plots a network (neurosim demo --list)",
        description="Run a demo. Each one prints what it does and writes its pictures\n"
        "into a folder it names. Options after the demo's name go to the demo.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        # -h after a demo's name is the demo's own help, so the demo gets to answer it
        add_help=False,
    )
    parser.add_argument("name", nargs="?", help="the demo to run")
    parser.add_argument("--list", action="store_true", help="list the demos")
    parser.add_argument(
        "-h", "--help", action="store_true", help="show this help; after a demo's name, that demo's options"
    )
    parser.set_defaults(run=run, takes_extra_arguments=True, command_parser=parser)


def run(args: argparse.Namespace, extra: list[str]) -> int:
    """List the demos, or run the one named, passing it the ``extra`` arguments."""
    if args.help and args.name is None:
        args.command_parser.print_help()
        return 0
    names = available()
    if args.list or args.name is None:
        width = max(map(len, names))
        for name in names:
            print(f"{name:{width}}  {description(name)}")
        return 0
    if args.name not in names:
        raise UsageError(f"neurosim demo: unknown demo {args.name!r}; choose from: {', '.join(names)}")
    demo = importlib.import_module(f"neurosim.demos.{FILES.get(args.name, args.name)}")
    return demo.main(["--help", *extra] if args.help else extra)
