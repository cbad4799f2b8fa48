"""The ``neurosim`` command line.

``neurosim --help`` lists the commands. Every error, whether a bad argument,
a bad file or bad data, is one line on stderr and a non-zero exit status,
never a traceback: 2 for a bad command line, 1 for anything else.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from neurosim.cli import demo
from neurosim.cli._parser import ArgumentParser, UsageError
from neurosim.errors import NeurosimError

COMMANDS = (demo,)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 0
    if extra and not getattr(args, "takes_extra_arguments", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.run(args, extra)
    except UsageError as error:
        print(error, file=sys.stderr)
        return 2
    except NeurosimError as error:
        print(f"neurosim: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"neurosim: {_describe_os_error(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("neurosim: interrupted", file=sys.stderr)
        return 130


def _parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="neurosim",
        description="A neuron-level neural-network simulator for learning and debugging neural networks.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=ArgumentParser)
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def _describe_os_error(error: OSError) -> str:
    reason = error.strerror or str(error)
    return f"{reason}: {error.filename}" if error.filename else reason


if __name__ == "__main__":
    raise SystemExit(main())
