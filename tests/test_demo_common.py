"""What every demo shares: a bad --output folder is refused in one line, before the demo runs."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from neurosim.cli import main
from neurosim.cli.demo import available

DEMOS = [
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
]


def refused(name, output, capsys):
    """Run ``neurosim demo NAME --output OUTPUT``, which must stop with status 2: (stdout, stderr)."""
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", name, "--output", str(output)])
    assert exit_info.value.code == 2
    return capsys.readouterr()


def test_every_demo_is_checked_here():
    assert sorted(available()) == sorted(DEMOS)


@pytest.mark.parametrize("name", DEMOS)
def test_an_output_folder_under_a_file_is_refused_before_the_demo_runs(name, tmp_path, capsys):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    output = blocker / "pictures"
    out, err = refused(name, output, capsys)
    reason = f"cannot hold a folder: {str(blocker)!r} is a file, not a folder"
    assert (
        err == f"neurosim demo {name}: --output {str(output)!r} {reason} (see: neurosim demo {name} --help)\n"
    )
    assert out == ""  # not a line of the lesson: it stopped before starting
    assert sorted(tmp_path.iterdir()) == [blocker] and blocker.read_text() == "a file, not a folder"


def test_an_existing_file_as_the_output_folder_is_refused(tmp_path, capsys):
    output = tmp_path / "pictures.png"
    output.write_bytes(b"")
    out, err = refused("perceptron", output, capsys)
    assert out == "" and err.startswith(
        f"neurosim demo perceptron: --output {str(output)!r} is a file, not a folder"
    )


def test_a_folder_it_may_not_write_in_is_refused_before_the_demo_runs(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "read-only"
    folder.mkdir()
    real_access = os.access

    def no_writing_in_folder(path, mode, **kwargs):
        # what the system answers for a read-only folder (as root, chmod alone would not do it)
        return False if Path(path) == folder and mode & os.W_OK else real_access(path, mode, **kwargs)

    monkeypatch.setattr(os, "access", no_writing_in_folder)
    out, err = refused("xor", folder / "pictures", capsys)
    reason = f"cannot write in {str(folder)!r} (read-only, or no permission)"
    message = f"--output {str(folder / 'pictures')!r}: {reason}"
    assert err == f"neurosim demo xor: {message} (see: neurosim demo xor --help)\n"
    assert out == "" and not any(folder.iterdir())


def test_run_as_a_script_a_bad_output_folder_is_one_line_not_a_traceback(tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("")
    script = Path(__file__).parents[1] / "demos" / "engines.py"
    result = subprocess.run(
        [sys.executable, str(script), "--output", str(blocker / "pictures")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("neurosim demo engines: --output ")
