"""The neurosim command line."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neurosim.cli import main


def test_demo_xor_learns_and_explains(capsys, tmp_path):
    assert main(["demo", "xor", "--output", str(tmp_path / "pictures")]) == 0
    out = capsys.readouterr().out
    table = [line for line in out.splitlines() if "XOR" in line and "network says" in line]
    assert len(table) == 4
    for line in table:
        target = int(line.split("=")[1].split()[0])
        output = float(line.split("network says")[1].split()[0])
        assert (output > 0.5) == (target == 1), line
    assert "hidden1[0] (sigmoid), sample 1 of 4" in out
    assert "epoch  2000" in out


def test_demo_list(capsys):
    assert main(["demo", "--list"]) == 0
    assert capsys.readouterr().out.startswith("xor")


def test_unknown_demo_is_one_line_and_exit_2(capsys):
    assert main(["demo", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "neurosim demo: unknown demo 'nope'; choose from: xor"


def test_bad_demo_argument_exits_non_zero_without_traceback(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "xor", "--epochs", "many"])
    assert exit_info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_neurosim_error_in_a_demo_is_one_line(capsys):
    assert main(["demo", "xor", "--epochs", "0"]) == 1
    err = capsys.readouterr().err
    assert err == "neurosim: epochs must be a positive integer; got 0\n"


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "neurosim"
    result = subprocess.run([str(script), "demo", "--list"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "xor" in result.stdout


def test_demo_xor_writes_its_pictures(capsys, tmp_path, monkeypatch):
    from matplotlib.image import imread

    monkeypatch.chdir(tmp_path)  # the default folder is relative to where the demo runs
    assert main(["demo", "xor", "--epochs", "300"]) in (0, 1)
    out = capsys.readouterr().out
    folder = tmp_path / "neurosim-output" / "xor"
    names = ["network.png", "decision_boundary.png", "neuron_maps.png", "loss.png"]
    assert "Pictures written to neurosim-output/xor:" in out
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)
    for name in names:
        image = imread(folder / name)
        assert image.shape[0] > 200 and image.shape[1] > 300, name
        assert len(np.unique(image.reshape(-1, image.shape[-1]), axis=0)) > 20, name  # a picture, not a blank
