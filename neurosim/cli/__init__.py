"""The ``neurosim`` command line.

``neurosim --help`` lists the commands. Every error, whether a bad argument,
a bad file or bad data, is one line on stderr and a non-zero exit status,
never a traceback: 2 for a bad command line, 1 for anything else, except
for a command whose own status 1 means something else (``diagnose``: "the
doctor found something"): there every error is 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from neurosim import __version__
from neurosim.cli import bench, demo, diagnose, inspect_model, playground, plot, train
from neurosim.cli.parser import ArgumentParser, UsageError
from neurosim.cli.terminal import printable_streams
from neurosim.errors import NeurosimError

COMMANDS = (demo, train, inspect_model, diagnose, plot, bench, playground)
EPILOG = """examples:
  neurosim demo --list
  neurosim train moons --hidden 16,16 --output runs/moons
  neurosim inspect runs/moons/model.json --neuron 'hidden1[0]' --input 0.5,0.2
  neurosim diagnose runs/moons/model.json --data moons
  neurosim plot runs/moons/model.json --data moons
  neurosim playground

'neurosim COMMAND --help' lists a command's options."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status.

    Names are printed safely on any terminal: what its encoding cannot
    show is printed as a backslash escape (``neurosim.cli.terminal``).
    """
    with printable_streams():
        return _run(argv)


def _run(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if not hasattr(args, "run"):
        if extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        parser.print_help()
        return 0
    if extra and not getattr(args, "takes_extra_arguments", False):
        getattr(args, "command_parser", parser).error(f"unrecognized arguments: {' '.join(extra)}")
    failure = getattr(args, "failure_status", 1)
    try:
        return args.run(args, extra)
    except UsageError as error:
        print(error, file=sys.stderr)
        return 2
    except NeurosimError as error:
        print(f"neurosim: {error}", file=sys.stderr)
        return failure
    except BrokenPipeError:  # the reader of the output went away, as in: neurosim bench | head
        _stop_writing_to_stdout()
        return failure
    except OSError as error:
        print(f"neurosim: {_describe_os_error(error)}", file=sys.stderr)
        return failure
    except KeyboardInterrupt:
        print("neurosim: interrupted", file=sys.stderr)
        return 130


class _CommandListFormatter(argparse.RawDescriptionHelpFormatter):
    """The top-level help, with each command's line beside its name, ``playground`` included.

    argparse measures the commands' names two columns less indented than it
    writes them, so the longest name would push its line onto the next one.
    """

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if isinstance(action.choices, dict):  # the commands: names as written, under the subparsers' line
            longest = max((len(name) for name in action.choices), default=0)
            self._action_max_length = max(self._action_max_length, self._current_indent + 2 + longest)


def _parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="neurosim",
        description="A neuron-level neural-network simulator for learning and debugging neural networks.",
        epilog=EPILOG,
        formatter_class=_CommandListFormatter,
    )
    parser.add_argument("--version", action="version", version=f"neurosim {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=ArgumentParser)
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def _stop_writing_to_stdout() -> None:
    """Point stdout at the null device, so that Python's final flush raises no second error."""
    try:
        descriptor = sys.stdout.fileno()
    except (OSError, ValueError):  # not a real file (captured): nothing will be flushed to a pipe
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, descriptor)
    os.close(null)


def _describe_os_error(error: OSError) -> str:
    reason = error.strerror or str(error)
    return f"{reason}: {error.filename}" if error.filename else reason


if __name__ == "__main__":
    raise SystemExit(main())
