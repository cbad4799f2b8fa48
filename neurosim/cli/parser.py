"""The command line's parser: its errors are one line, never a usage block or a traceback."""

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
        """Print ``message`` as the one line described above, and exit with status 2."""
        print(f"{self.prog}: {message} (see: {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


def usage_error(prog: str, message: str) -> UsageError:
    """A bad command line found after parsing, in the parser's one-line format.

    Examples
    --------
    >>> print(usage_error("neurosim train", "--target applies to CSV files only"))
    neurosim train: --target applies to CSV files only (see: neurosim train --help)
    """
    return UsageError(f"{prog}: {message} (see: {prog} --help)")
