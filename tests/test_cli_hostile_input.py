"""Input that once broke the command line: each is one line on stderr, or printed safely."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from command_line import run

import neurosim as ns
from neurosim import limits
from neurosim.cli import main

RUN_MAIN = "import sys; from neurosim.cli import main; sys.exit(main(sys.argv[1:]))"


def model_with_layer_name(path, name):
    """A saved [2, 2, 1] network whose hidden layer is renamed ``name`` in the file."""
    ns.Network.from_shape([2, 2, 1], seed=0).save(path)
    text = path.read_text().replace('"hidden1"', json.dumps(name))
    path.write_text(text)
    return path


class Terminal:
    """A stdout or stderr that encodes like a terminal set to ``encoding``, strictly as Python does."""

    def __init__(self, encoding):
        self.buffer = io.BytesIO()
        self.stream = io.TextIOWrapper(self.buffer, encoding=encoding, errors="strict")

    def text(self):
        self.stream.flush()
        return self.buffer.getvalue().decode("ascii")


def ascii_terminal(monkeypatch):
    """Point stdout and stderr at ASCII terminals; called in a test's body, as pytest's capture
    puts its own streams back between a fixture and the test."""
    out, err = Terminal("ascii"), Terminal("ascii")
    monkeypatch.setattr(sys, "stdout", out.stream)
    monkeypatch.setattr(sys, "stderr", err.stream)
    return out, err


# ------------------------------------------------------------------------------ names on any terminal


def test_a_lone_surrogate_in_a_layer_name_is_printed_escaped(tmp_path, capsys):
    model = model_with_layer_name(tmp_path / "model.json", "hid\udc80")
    status, out, err = run(["inspect", str(model)], capsys)
    assert (status, err) == (0, "")
    assert "hid\\udc80" in out
    out.encode("utf-8")  # strictly encodable: the surrogate did not reach the terminal


def test_a_non_ascii_model_name_on_an_ascii_terminal_is_printed_escaped(tmp_path, monkeypatch):
    terminals = ascii_terminal(monkeypatch)
    model = tmp_path / "modèle.json"
    ns.Network.from_shape([2, 2, 1], seed=0).save(model)
    assert main(["inspect", str(model)]) == 0
    out, err = (terminal.text() for terminal in terminals)
    assert err == ""
    assert "mod\\xe8le.json: Network(layers=[2, 2, 1]" in out


def test_an_error_naming_a_non_ascii_file_on_an_ascii_terminal_is_one_escaped_line(tmp_path, monkeypatch):
    terminals = ascii_terminal(monkeypatch)
    assert main(["inspect", str(tmp_path / "modèle.json")]) == 1
    out, err = (terminal.text() for terminal in terminals)
    assert out == ""
    assert err.count("\n") == 1 and "mod\\xe8le.json" in err


def test_the_streams_are_left_as_they_were(tmp_path, monkeypatch):
    ascii_terminal(monkeypatch)
    ns.Network.from_shape([2, 2, 1], seed=0).save(tmp_path / "modèle.json")
    main(["inspect", str(tmp_path / "modèle.json")])
    assert sys.stdout.errors == "strict" and sys.stderr.errors == "strict"


def test_train_into_a_non_ascii_folder_from_an_ascii_terminal_process(tmp_path):
    folder = tmp_path / "sortie-é"
    command = [sys.executable, "-c", RUN_MAIN, "train", "xor", "--epochs", "2", "--output", str(folder)]
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    done = subprocess.run(command, capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode("ascii", "replace")
    assert done.stderr == b""
    assert (
        "Files written to " + str(tmp_path).encode("ascii").decode() + "/sortie-\\xe9:"
        in done.stdout.decode()
    )
    assert ns.load(folder / "model.json").input_layer.size == 2


# ----------------------------------------------------------------------------------------- CSV files


def test_a_csv_cell_longer_than_the_csv_module_reads_is_one_line_naming_line_and_column(tmp_path, capsys):
    limit = csv.field_size_limit()
    data = tmp_path / "long.csv"
    data.write_text("a,b,y\n1,2,0\n3," + "1" * (limit + 1) + ",1\n")
    status, _, err = run(["train", str(data), "--output", str(tmp_path / "run")], capsys)
    assert status == 1
    assert err.count("\n") == 1
    assert f"'{data}' line 3, column 2 ('b'): the cell has {limit + 1:,} characters" in err
    assert len(err) < 300
    assert not (tmp_path / "run").exists()


def test_a_long_cell_that_is_not_a_number_is_shown_shortened(tmp_path, capsys):
    data = tmp_path / "long.csv"
    data.write_text("a,b,y\n1,2,0\n3," + "x" * 50_000 + ",1\n")
    status, _, err = run(["train", str(data), "--output", str(tmp_path / "run")], capsys)
    assert status == 1
    assert err.count("\n") == 1 and len(err) < 300
    assert "line 3, column 2 ('b'): 'xxxxxxxx" in err and "...' (50,000 characters) is not a number" in err


# --------------------------------------------------------------------------------- options and sizes


def test_a_test_fraction_that_leaves_nothing_to_train_on_names_the_option(tmp_path, capsys):
    data = tmp_path / "small.csv"
    data.write_text("a,b,y\n1,2,0\n3,4,1\n5,6,0\n")
    status, _, err = run(
        ["train", str(data), "--test-fraction", "0.99", "--output", str(tmp_path / "r")], capsys
    )
    assert status == 2
    assert err.count("\n") == 1
    assert "--test-fraction 0.99 holds out all 3 samples of" in err
    assert "no samples" not in err.replace("holds out all 3 samples", "")


def test_a_test_fraction_that_leaves_one_sample_trains_on_it(tmp_path, capsys):
    data = tmp_path / "small.csv"
    data.write_text("a,b,y\n1,2,0\n3,4,1\n5,6,0\n")
    status, out, _ = run(
        ["train", str(data), "--test-fraction", "0.5", "--output", str(tmp_path / "r")], capsys
    )
    assert status == 0
    assert "Split: 1 samples to train on, 2 held out for testing" in out  # round(3 * 0.5) = 2 held out


@pytest.mark.parametrize(
    ("hidden", "message"),
    [
        ("100000000", "--hidden asks for a layer of 100,000,000 neurons; neurosim allows at most"),
        ("16,100000000", "--hidden asks for a layer of 100,000,000 neurons; neurosim allows at most"),
        ("9000000,9000000", "--hidden asks for 81,"),
    ],
)
def test_a_hidden_layer_too_large_is_one_line_and_exit_1(hidden, message, tmp_path, capsys):
    status, out, err = run(["train", "xor", "--hidden", hidden, "--output", str(tmp_path / "r")], capsys)
    assert status == 1
    assert err.count("\n") == 1 and err.startswith("neurosim: " + message)
    assert "Training" not in out
    assert not (tmp_path / "r").exists()


def test_the_hidden_limit_is_the_libraries(tmp_path, capsys):
    size = limits.MAX_LAYER_SIZE + 1
    _, _, err = run(["train", "xor", "--hidden", str(size), "--output", str(tmp_path / "r")], capsys)
    assert f"{size:,} neurons; neurosim allows at most {limits.MAX_LAYER_SIZE:,} per layer" in err
