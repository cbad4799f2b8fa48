"""The ``neurosim`` command line.

``neurosim demo NAME`` runs a demo; ``neurosim demo --list`` lists them.
Errors are one line on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from neurosim.errors import NeurosimError

DEMOS = {
    "xor": "XOR learned by a 2-3-1 sigmoid network, neuron by neuron, with the object engine",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = _parser()
    args, rest = parser.parse_known_args(argv)
    if args.command != "demo":
        parser.print_help()
        return 0
    if args.list or args.name is None:
        for name, description in DEMOS.items():
            print(f"{name:10} {description}")
        return 0
    if args.name not in DEMOS:
        print(f"neurosim: unknown demo {args.name!r}; choose from: {', '.join(DEMOS)}", file=sys.stderr)
        return 2
    demo = importlib.import_module(f"neurosim.demos.{args.name}")
    try:
        return demo.main(rest)
    except NeurosimError as error:
        print(f"neurosim: {error}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="neurosim", description="A neuron-level neural-network simulator.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser("demo", help="run a demo (neurosim demo --list)")
    demo.add_argument("name", nargs="?", help="the demo to run")
    demo.add_argument("--list", action="store_true", help="list the demos")
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
