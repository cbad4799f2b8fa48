"""Running the ``neurosim`` command inside a test."""

from neurosim.cli import main


def run(argv, capsys):
    """Exit status, stdout and stderr of ``neurosim ARGV``; argparse's errors exit from inside it."""
    try:
        status = main(argv)
    except SystemExit as exit_info:
        status = exit_info.code
    out, err = capsys.readouterr()
    return status, out, err
