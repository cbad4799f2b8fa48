"""``neurosim bench``: time the engines with the benchmark of ``benchmarks/engines/``; print the ratios."""

from __future__ import annotations

import argparse
import functools

from neurosim.cli.parser import ArgumentParser

PROG = "neurosim bench"
EPILOG = """examples:
  neurosim bench --quick                 a smoke test of every workload, about half a minute
  neurosim bench --only xor,moons        two workloads, fully timed
  neurosim bench --json results.json     everything (three to four minutes), every number saved
  neurosim bench --only moons,scaling --plot-dir .
                                         moons and the scaling curves; engines.png and scaling.png here

Times are ratios to an independent, tightly written numpy MLP measured in
the same run, so they compare across machines better than milliseconds do.
PyTorch, scikit-learn and micrograd are compared, and BLAS threads pinned
for the small workloads, when installed: pip install "neurosim-learn[bench]".

--quick times too few runs to judge the performance targets: it prints
their measured values as "not judged", where a full run prints PASS or
FAIL."""


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Add ``neurosim bench`` to the command line's ``commands``.

    Its options belong to the benchmark's own parser, which reads every
    argument after ``bench`` (``--help`` included).
    """
    parser = commands.add_parser(
        "bench",
        help="time the engines against numpy, PyTorch and scikit-learn",
        add_help=False,
    )
    parser.set_defaults(run=run, takes_extra_arguments=True)


def run(args: argparse.Namespace, extra: list[str]) -> int:
    """Run the benchmark with the arguments after ``bench``."""
    from neurosim.benchmarks import engines

    parser_class = functools.partial(
        ArgumentParser, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    return engines.main(extra, prog=PROG, parser_class=parser_class)
