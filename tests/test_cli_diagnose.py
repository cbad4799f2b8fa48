"""``neurosim diagnose``: the doctor's findings on a saved network, checked with numpy; its exit status."""

import json
import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
from command_line import run

import neurosim as ns
from neurosim.cli import main
from neurosim.diagnostics import Settings

#: the doctor's default thresholds that these tests recompute (neurosim.diagnostics.Settings)
DEAD_FRACTION = 0.5
INPUT_SCALE = 10.0


def train(folder, options):
    """Train with ``neurosim train OPTIONS`` into ``folder``; return the saved model's path."""
    status = main(["train", *options.split(), "--no-pictures", "--output", str(folder)])
    assert status == 0
    return folder / "model.json"


@pytest.fixture(scope="module")
def healthy(tmp_path_factory):
    """A tanh network that learned moons."""
    return train(tmp_path_factory.mktemp("healthy"), "moons --hidden 8 --epochs 30 --lr 0.2")


@pytest.fixture(scope="module")
def dead(tmp_path_factory):
    """A relu network trained with a learning rate so large that most of its hidden neurons died."""
    return train(tmp_path_factory.mktemp("dead"), "moons --hidden 8 --activation relu --lr 50 --epochs 20")


def saved_layers(model):
    """``(W, b, activation)`` of each layer after the input, read from the model file with json alone."""
    saved = json.loads(Path(model).read_text())
    weights = {c["target"]: np.array(c["weights"]) for c in saved["connections"]}
    return [
        (weights[layer["name"]], np.array(layer["bias"]), layer["activation"])
        for layer in saved["layers"][1:]
    ]


def hidden_z(model, X):
    """The first hidden layer's ``z = x W^T + b`` for every sample, shape (n_samples, n_neurons)."""
    W, b, _ = saved_layers(model)[0]
    with np.errstate(over="ignore", invalid="ignore"):
        return X @ W.T + b


def listed(out, code):
    """``(severity, names)`` from a finding's first line, ``severity  code  name, name, ...``."""
    match = re.search(rf"^(error|warning|info)\s+{code}\s+(.*)$", out, re.MULTILINE)
    assert match, out
    return match.group(1), match.group(2).split(", ")


def diagnose(argv, capsys):
    return run(["diagnose", *map(str, argv)], capsys)


# ----------------------------------------------------------------------------------------- findings


def test_a_healthy_network_has_no_findings_and_exit_0(healthy, capsys, tmp_path):
    status, out, err = diagnose([healthy, "--data", "moons", "--json", tmp_path / "f.json"], capsys)
    assert (status, err) == (0, "")
    assert "Data: built-in dataset 'moons', 1000 samples, 2 inputs, target 'class'; loss bce" in out
    assert "no findings: nothing the doctor checks for looks wrong" in out
    assert json.loads((tmp_path / "f.json").read_text())["findings"] == []

    # why it is healthy, computed here: no tanh neuron is flat on almost every sample, and the output varies
    X, _ = ns.datasets.moons(1000, seed=0)
    slope = 1 - np.tanh(hidden_z(healthy, X)) ** 2
    assert ((slope < 1e-3).mean(axis=0) < 0.99).all()
    outputs = ns.load(healthy).predict(X)[:, 0]
    assert outputs.max() - outputs.min() > 0.5


def test_dead_relu_neurons_are_named_as_numpy_finds_them(dead, capsys, tmp_path):
    findings = tmp_path / "f.json"
    status, out, err = diagnose([dead, "--data", "moons", "--json", findings], capsys)
    X, _ = ns.datasets.moons(1000, seed=0)
    z = hidden_z(dead, X)
    is_dead = (z <= 0).all(axis=0)
    names = [f"hidden1[{i}]" for i in np.flatnonzero(is_dead)]
    assert 0 < len(names) <= 8

    # the documented rule: an error when a whole layer is dead, a warning from dead_fraction of it
    expected = "error" if is_dead.all() else "warning" if is_dead.mean() >= DEAD_FRACTION else "info"
    assert listed(out, "dead-neurons") == (expected, names)
    assert (status, err) == (1, "")
    assert f"Look closer: neurosim inspect {dead} --neuron '" in out

    saved = json.loads(findings.read_text())
    assert saved["ok"] is False
    finding = next(f for f in saved["findings"] if f["code"] == "dead-neurons")
    assert finding["where"] == names
    for i, name in zip(np.flatnonzero(is_dead), names, strict=True):
        assert finding["evidence"][name] == {"z_max": pytest.approx(z[:, i].max()), "samples": 1000}
    assert {"message", "advice", "severity"} <= set(finding)


def test_a_setting_changes_when_dead_neurons_matter(dead, capsys, tmp_path):
    X, _ = ns.datasets.moons(1000, seed=0)
    fraction = float((hidden_z(dead, X) <= 0).all(axis=0).mean())
    assert 0 < fraction < 1  # some, not all: the threshold decides
    findings = tmp_path / "f.json"
    above = f"{(fraction + 1) / 2:.4f}"  # more than the dead share of the layer, so it is information only
    status, out, _ = diagnose(
        [dead, "--data", "moons", "--setting", f"dead_fraction={above}", "--json", findings], capsys
    )
    assert listed(out, "dead-neurons")[0] == "info"
    others = [f for f in json.loads(findings.read_text())["findings"] if f["code"] != "dead-neurons"]
    assert status == (1 if any(f["severity"] != "info" for f in others) else 0)


def write_people(path, rng):
    """A CSV file whose columns age and income are far from unit scale; height is not."""
    age, height, income = rng.uniform(20, 60, 50), rng.uniform(-1, 1, 50), rng.uniform(2e4, 9e4, 50)
    label = (height > 0).astype(int)
    rows = [f"{a:.1f},{h:.3f},{i:.0f},{t}" for a, h, i, t in zip(age, height, income, label, strict=True)]
    path.write_text("age,height,income,label\n" + "\n".join(rows) + "\n")
    return np.loadtxt(path, delimiter=",", skiprows=1)[:, :3]


def test_unscaled_csv_columns_are_named_by_their_header(capsys, tmp_path):
    X = write_people(tmp_path / "people.csv", np.random.default_rng(0))
    model = tmp_path / "model.json"
    ns.Network.from_shape([3, 4, 1], activation="tanh", output_activation="sigmoid", seed=0).save(model)
    status, out, _ = diagnose([model, "--data", tmp_path / "people.csv"], capsys)

    far = np.flatnonzero((np.abs(X.mean(axis=0)) > INPUT_SCALE) | (X.std(axis=0) > INPUT_SCALE))
    headers = ["age", "height", "income"]
    assert [headers[j] for j in far] == ["age", "income"]
    assert listed(out, "unscaled-inputs") == ("warning", [f"input[{j}]" for j in far])
    pairs = ", ".join(f"input[{j}] is {headers[j]!r}" for j in far)
    assert f"Columns of {str(tmp_path / 'people.csv')!r}: {pairs}\n" in out
    assert status == 1

    # a scale threshold above every column's mean and spread: no longer unscaled
    status, out, _ = diagnose(
        [model, "--data", tmp_path / "people.csv", "--setting", "input_scale=1e6"], capsys
    )
    assert "unscaled-inputs" not in out and "Columns of" not in out


def test_json_writes_numbers_that_are_not_finite_as_strings(capsys, tmp_path):
    net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    net.synapse("input[0]", "hidden1[0]").weight = 1e308
    net.save(tmp_path / "huge.json")
    status, _, _ = diagnose(
        [tmp_path / "huge.json", "--data", "moons", "--json", tmp_path / "f.json"], capsys
    )
    assert status == 1

    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON")

    saved = json.loads((tmp_path / "f.json").read_text(), parse_constant=refuse)
    finding = saved["findings"][0]
    # the first sample whose weighted sum overflows, found here with numpy
    X, _ = ns.datasets.moons(1000, seed=0)
    first = int(np.flatnonzero(~np.isfinite(hidden_z(tmp_path / "huge.json", X)[:, 0]))[0])
    assert (finding["code"], finding["where"]) == ("non-finite", ["hidden1[0]"])
    assert finding["evidence"]["hidden1[0]"]["sample"] == first
    assert finding["evidence"]["hidden1[0]"]["z"] in ("inf", "-inf")


@pytest.mark.parametrize(
    ("output", "data", "options", "loss"),
    [
        ("softmax", "spiral", [], "cross_entropy"),
        ("sigmoid", "moons", [], "bce"),
        ("sigmoid", "moons", ["--loss", "mse"], "mse"),
        ("identity", "line.csv", [], "mse"),
    ],
)
def test_the_loss_is_chosen_from_the_output_layer_as_train_chose_it(
    capsys, tmp_path, monkeypatch, output, data, options, loss
):
    monkeypatch.chdir(tmp_path)
    Path("line.csv").write_text("x,y\n0.1,0.3\n0.5,1.1\n0.9,1.75\n")
    outputs = 3 if output == "softmax" else 1
    ns.Network.from_shape([2 if data != "line.csv" else 1, 4, outputs], output_activation=output).save(
        "m.json"
    )
    status, out, err = diagnose(["m.json", "--data", data, *options], capsys)
    assert re.search(rf"^Data: .*; loss {loss}$", out, re.MULTILINE), out
    assert status in (0, 1) and err == ""


# ---------------------------------------------------------------------------------------- bad usage

HELP = " (see: neurosim diagnose --help)"
THRESHOLDS = [field.name for field in fields(Settings)]


@pytest.fixture
def files(tmp_path, monkeypatch, healthy):
    """A healthy model and some bad files, in the working directory, so that messages show short names."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.json").write_bytes(healthy.read_bytes())
    (tmp_path / "three.csv").write_text("a,b,c,label\n1,2,3,0\n4,5,6,1\n")
    (tmp_path / "a_file").write_text("not a folder\n")
    return tmp_path


def case(argv, message):
    return pytest.param(argv.split(), message, id=argv)


BAD_USAGE = [
    case("missing.json --data moons", "neurosim: cannot load 'missing.json': no such file"),
    case(
        "model.json --data mnist",
        "neurosim diagnose: unknown dataset 'mnist'; choose from: "
        + ", ".join(name for name in ns.datasets.__all__ if name != "split")
        + ", or give the path of a CSV file"
        + HELP,
    ),
    case("model.json --data missing.csv", "neurosim: cannot read 'missing.csv': no such file"),
    case(
        "model.json --data three.csv",
        "neurosim: 'three.csv' has 3 input columns, but the network has 2 inputs",
    ),
    case(
        "model.json --data spiral",
        "neurosim: built-in dataset 'spiral' has 3 classes (one output per class), "
        "but the network has 1 output",
    ),
    case("model.json", "neurosim diagnose: the following arguments are required: --data" + HELP),
    case(
        "model.json --data moons --setting dead_fracton=0.2",
        "neurosim diagnose: --setting dead_fracton=0.2: settings has no threshold 'dead_fracton'; "
        f"did you mean 'dead_fraction'? the thresholds are {', '.join(sorted(THRESHOLDS))}" + HELP,
    ),
    case(
        "model.json --data moons --setting dead_fraction=-1",
        "neurosim diagnose: --setting dead_fraction=-1: settings['dead_fraction'] must be a positive number; "
        "got -1" + HELP,
    ),
    case(
        "model.json --data moons --setting patience=2.5",
        "neurosim diagnose: --setting patience=2.5: settings['patience'] must be a positive integer; got 2.5"
        + HELP,
    ),
    case(
        "model.json --data moons --setting dead_fraction",
        "neurosim diagnose: argument --setting: expected NAME=VALUE, such as dead_fraction=0.25; "
        "got 'dead_fraction'" + HELP,
    ),
    case(
        "model.json --data moons --loss cross_entropy",
        "neurosim diagnose: --loss cross_entropy needs a softmax output layer, "
        "but the network's output layer is sigmoid" + HELP,
    ),
    case(
        "model.json --data moons --target 2",
        "neurosim diagnose: --target applies to CSV files only; built-in dataset 'moons' has a fixed target"
        + HELP,
    ),
    case(
        "model.json --data moons --json nowhere/f.json",
        "neurosim diagnose: --json 'nowhere/f.json': folder 'nowhere' does not exist" + HELP,
    ),
    case(
        "model.json --data moons --json a_file/f.json",
        "neurosim diagnose: --json 'a_file/f.json': 'a_file' is a file, not a folder" + HELP,
    ),
]


@pytest.mark.parametrize(("argv", "message"), BAD_USAGE)
def test_bad_usage_is_one_line_and_exit_2(files, capsys, argv, message):
    status, out, err = run(["diagnose", *argv], capsys)
    assert (status, err) == (2, message + "\n")
    assert out == ""  # refused before printing anything


def test_a_failed_run_leaves_an_earlier_json_file_as_it_was(files, capsys):
    (files / "f.json").write_text("earlier\n")
    status, _, _ = run(["diagnose", "model.json", "--data", "three.csv", "--json", "f.json"], capsys)
    assert status == 2
    assert (files / "f.json").read_text() == "earlier\n"


def test_the_installed_command_exits_2_without_a_traceback(tmp_path):
    script = Path(sys.executable).parent / "neurosim"
    result = subprocess.run(
        [str(script), "diagnose", "missing.json", "--data", "moons"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert (result.returncode, result.stderr) == (2, "neurosim: cannot load 'missing.json': no such file\n")
