"""What every demo shares: its command line, its headings and its output folder."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from neurosim.cli.arguments import random_seed
from neurosim.cli.output import check_output_folder
from neurosim.cli.parser import ArgumentParser, UsageError


def demo_parser(name: str, doc: str | None) -> ArgumentParser:
    """A parser for ``neurosim demo NAME`` with the options every demo has.

    ``--output`` is the folder for the pictures (``neurosim-output/NAME``
    unless told otherwise) and ``--fast`` runs a shorter version, for tests
    and for a first look.
    """
    summary = (doc or name).strip().splitlines()[0]
    parser = ArgumentParser(prog=f"neurosim demo {name}", description=summary)
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("neurosim-output") / name,
        help="folder for the pictures (default: %(default)s)",
    )
    parser.add_argument("--fast", action="store_true", help="a shorter run, for a first look and for tests")
    return parser


def add_seed_option(parser: ArgumentParser, what: str) -> None:
    """Add ``--seed N`` (default 0, refused below 0) to a demo's parser; ``what`` says what it seeds."""
    help_text = f"seed of {what} (default: 0)"
    parser.add_argument("--seed", type=random_seed, default=0, metavar="N", help=help_text)


def begin(parser: ArgumentParser, argv: Sequence[str] | None, doc: str | None) -> argparse.Namespace:
    """Read the demo's command line, check its output folder, and print what it teaches.

    Everything that could make the demo fail for a bad option is checked here,
    before anything is trained or drawn.
    """
    args = parser.parse_args(argv)
    prepare_output(parser, args.output)
    introduce(doc)
    return args


def prepare_output(parser: ArgumentParser, folder: Path) -> None:
    """Stop before the demo runs if its pictures could not be written into ``folder``.

    A file in the way or a folder without permission to write is a bad
    ``--output``: one line on stderr naming it and the reason, and exit status
    2, as for any other bad option. The folder itself is made when the first
    picture is saved.
    """
    try:
        check_output_folder(parser.prog, folder)
    except UsageError as error:
        parser.exit(2, f"{error}\n")


def introduce(doc: str | None) -> None:
    """Print the "What it teaches" paragraph of a demo's docstring, so its output starts with it."""
    paragraphs = (doc or "").split("\n\n")
    lesson = next((text for text in paragraphs if text.startswith("What it teaches:")), None)
    if lesson is not None:
        print(lesson.replace("``", "").strip())


def heading(text: str) -> None:
    """Print a section heading, so a long demo's output reads as chapters."""
    print(f"\n== {text}")


def save_pictures(folder: Path, figures: list[tuple[str, object]]) -> list[Path]:
    """Save each ``(file name, figure or axes)`` into ``folder`` and say where they went."""
    import neurosim as ns

    folder.mkdir(parents=True, exist_ok=True)
    paths = [ns.plot.save(figure, folder / name) for name, figure in figures]
    print(f"\nPictures written to {folder}:")
    for path in paths:
        print(f"  {path.name}")
    return paths
