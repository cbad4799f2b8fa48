"""An argument parser whose errors are one line, never a usage block or a traceback."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn


class UsageError(Exception):
    """A bad command line; the message is the whole line the user sees."""


class ArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` that reports a bad command line in one line.

    The line names the command, what was wrong and where to read more:
    ``neurosim train: argument --epochs: invalid int value: 'many' (see: neurosim train --help)``.
    It is printed on stderr and the program exits with status 2.
    """

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message} (see: {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)
