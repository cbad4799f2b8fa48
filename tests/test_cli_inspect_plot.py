"""``neurosim inspect`` and ``neurosim plot``: a saved network's numbers and pictures; bad input."""

import json
import re
from pathlib import Path

import numpy as np
import pytest
from command_line import run
from pictures import assert_real_picture

import neurosim as ns


@pytest.fixture
def model(tmp_path, monkeypatch):
    """A saved 2-3-1 tanh/sigmoid network, in the working directory."""
    monkeypatch.chdir(tmp_path)
    ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=4).save(
        "model.json"
    )
    return tmp_path / "model.json"


def stored(path):
    """Weights (targets x sources) and biases of each layer, read from the JSON file itself."""
    data = json.loads(path.read_text())
    weights = [np.array(c["weights"], dtype=float) for c in data["connections"]]
    biases = [np.array(layer["bias"]) for layer in data["layers"][1:]]
    return weights, biases


# ------------------------------------------------------------------------------------------- inspect


def test_inspect_prints_the_summary_with_counts_worked_out_by_hand(model, capsys):
    status, out, _ = run(["inspect", "model.json"], capsys)
    assert status == 0
    synapses, parameters = 2 * 3 + 3 * 1, 2 * 3 + 3 + 3 * 1 + 1
    assert out.startswith(
        f"model.json: Network(layers=[2, 3, 1], synapses={synapses}, parameters={parameters})"
    )
    assert re.search(rf"^total\s+6\s+{parameters}$", out, re.MULTILINE)


def test_inspect_a_neuron_without_input_shows_its_stored_bias_and_weights(model, capsys):
    status, out, _ = run(["inspect", "model.json", "--neuron", "hidden1[1]"], capsys)
    assert status == 0
    (W1, _), (b1, _) = stored(model)
    assert f"hidden1[1] (tanh): bias {b1[1]:.4g}" in out
    assert f"    from input[0]: weight {W1[1, 0]:.4g}\n    from input[1]: weight {W1[1, 1]:.4g}" in out
    assert "give --input" in out


def test_inspect_with_input_shows_the_arithmetic_of_a_forward_pass_done_here_in_numpy(model, capsys):
    x = np.array([0.5, -1.0])
    status, out, _ = run(["inspect", "model.json", "--input", "0.5,-1", "--neuron", "hidden1"], capsys)
    assert status == 0
    (W1, W2), (b1, b2) = stored(model)
    z = W1 @ x + b1
    a = np.tanh(z)
    output = 1 / (1 + np.exp(-(W2 @ a + b2)))
    assert f"For input (0.5, -1):\n  output[0] = {output[0]:.4g}\n" in out
    for i in range(3):  # the whole layer, one explanation per neuron
        assert f"hidden1[{i}] (tanh), one sample" in out
        shown = re.search(rf"hidden1\[{i}\] \(tanh\), one sample\n  z = .* = (\S+)\n", out).group(1)
        assert float(shown.strip("()")) == pytest.approx(z[i], rel=1e-3)


def test_inspect_synapses_lists_every_stored_weight(model, capsys):
    status, out, _ = run(["inspect", "model.json", "--synapses"], capsys)
    assert status == 0
    rows = re.findall(
        r"^(input\[\d\]|hidden1\[\d\])\s+(hidden1\[\d\]|output\[0\])\s+(\S+)$", out, re.MULTILINE
    )
    (W1, W2), _ = stored(model)
    expected = {(f"input[{j}]", f"hidden1[{i}]"): W1[i, j] for i in range(3) for j in range(2)}
    expected |= {(f"hidden1[{j}]", "output[0]"): W2[0, j] for j in range(3)}
    assert {(source, target): float(weight) for source, target, weight in rows} == pytest.approx(
        expected, rel=1e-5
    )


def case(argv, code, *message):
    return pytest.param(argv.split(), code, "".join(message), id=argv)


INSPECT_HELP = " (see: neurosim inspect --help)"
BAD_MODELS = {
    "garbage.json": "not json at all",
    "other.json": '{"name": "not a network"}',
    "newer.json": '{"format_version": 99, "layers": [], "connections": []}',
}
#: the first bytes of a PNG file, which are not UTF-8 text
PNG_START = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
NOT_A_MODEL = "neurosim: cannot load 'pic.png': not a neurosim model (not JSON text)"


def write_bad_models(folder):
    for name, text in BAD_MODELS.items():
        (folder / name).write_text(text)
    (folder / "pic.png").write_bytes(PNG_START)


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        case("missing.json", 1, "neurosim: cannot load 'missing.json': no such file"),
        case(".", 1, "neurosim: cannot load '.': it is a folder; expected a model file such as model.json"),
        case(
            "garbage.json",
            1,
            "neurosim: cannot load 'garbage.json': not valid JSON ",
            "(Expecting value: line 1 column 1 (char 0)); the file may be truncated or corrupted",
        ),
        case(
            "other.json",
            1,
            "neurosim: cannot load 'other.json': not a neurosim model: it has no 'format_version' field",
        ),
        case(
            "newer.json",
            1,
            "neurosim: cannot load 'newer.json': the file has format_version 99, but this neurosim reads ",
            "versions up to 1; upgrade neurosim to load it",
        ),
        case("pic.png", 1, NOT_A_MODEL),
        case(
            "model.json --neuron hidden9[0]",
            2,
            "neurosim inspect: --neuron 'hidden9[0]': no layer named 'hidden9'; ",
            "name a layer (input, hidden1, output) or one of its neurons, such as 'hidden1[0]'",
            INSPECT_HELP,
        ),
        case(
            "model.json --neuron hidden1[3]",
            2,
            "neurosim inspect: --neuron 'hidden1[3]': ",
            "layer 'hidden1' has 3 neurons (indices 0..2); got index 3",
            INSPECT_HELP,
        ),
        case(
            "model.json --input 1,2,3",
            2,
            "neurosim inspect: --input has 3 values but the network has 2 inputs (input[0], input[1])",
            INSPECT_HELP,
        ),
        case(
            "model.json --input 1,x",
            2,
            "neurosim inspect: argument --input: expected comma-separated numbers, such as 0.5,1; got 'x'",
            INSPECT_HELP,
        ),
    ],
)
def test_inspect_bad_input_is_one_line_and_a_non_zero_exit(model, capsys, argv, code, message):
    write_bad_models(model.parent)
    assert run(["inspect", *argv], capsys) == (code, "", message + "\n")


# ---------------------------------------------------------------------------------------------- plot


def test_plot_draws_the_network_its_weights_and_with_data_its_decision_regions(model, capsys):
    status, out, _ = run(
        ["plot", "model.json", "--data", "xor", "--input", "0,1", "--output", "pics"], capsys
    )
    assert status == 0
    names = ["network.png", "weights.png", "neuron_maps.png", "decision_boundary.png"]
    assert out.endswith("Files written to pics:\n" + "".join(f"  {name}\n" for name in names))
    for name in names:
        assert_real_picture(model.parent / "pics" / name)


def test_plot_of_a_network_without_two_inputs_draws_no_plane_into_pictures_beside_it(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    ns.Network.from_shape([3, 2, 2], seed=0).save("runs/three.json")
    status, out, _ = run(["plot", "runs/three.json"], capsys)
    assert status == 0
    folder = tmp_path / "runs" / "pictures"  # the default folder: beside the model file
    assert sorted(p.name for p in folder.iterdir()) == ["network.png", "weights.png"]
    assert f"Files written to {Path('runs', 'pictures')}:" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]  # nothing in the working directory


PLOT_HELP = " (see: neurosim plot --help)"


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        case("missing.json", 1, "neurosim: cannot load 'missing.json': no such file"),
        case(
            "model.json --data wide.csv",
            1,
            "neurosim: 'wide.csv' has 3 input columns, but the network has 2 inputs",
        ),
        case(
            "model.json --data nope",
            2,
            "neurosim plot: unknown dataset 'nope'; choose from: ",
            ", ".join(name for name in ns.datasets.__all__ if name != "split"),
            ", or give the path of a CSV file",
            PLOT_HELP,
        ),
        case(
            "model.json --data points.csv", 1, "neurosim: 'points.csv' line 2, column 2: 'x' is not a number"
        ),
        case(
            "model.json --input 1",
            2,
            "neurosim plot: --input has 1 value but the network has 2 inputs (input[0], input[1])",
            PLOT_HELP,
        ),
        case(
            "model.json --output model.json",
            2,
            "neurosim plot: --output 'model.json' is a file, not a folder",
            PLOT_HELP,
        ),
        case("pic.png", 1, NOT_A_MODEL),
        case(
            "model.json --data moons --seed -1",
            2,
            "neurosim plot: argument --seed: expected a whole number >= 0; got '-1'",
            PLOT_HELP,
        ),
        case(
            "model.json --data moons --seed 1.5",
            2,
            "neurosim plot: argument --seed: expected a whole number >= 0; got '1.5'",
            PLOT_HELP,
        ),
        case(
            "model.json --target label",
            2,
            "neurosim plot: --target picks a column of the --data file; give --data too",
            PLOT_HELP,
        ),
        case(
            "model.json --data xor --target 1",
            2,
            "neurosim plot: --target applies to CSV files only; built-in dataset 'xor' has a fixed target",
            PLOT_HELP,
        ),
    ],
)
def test_plot_bad_input_is_one_line_and_a_non_zero_exit(model, capsys, argv, code, message):
    write_bad_models(model.parent)
    (model.parent / "points.csv").write_text("0,1,1\n1,x,0\n")
    (model.parent / "wide.csv").write_text("0,1,2,1\n1,0,2,0\n")
    assert run(["plot", *argv], capsys) == (code, "", message + "\n")
    assert not (model.parent / "pictures").exists()
