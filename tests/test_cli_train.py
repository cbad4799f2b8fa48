"""``neurosim train``: what it trains, what it prints and writes, and every bad input as one line."""

import re

import numpy as np
import pytest
from pictures import assert_real_picture

import neurosim as ns
from neurosim.cli import main


def result_row(out, name):
    """``(loss, right, total)`` from a row of the printed results table."""
    line = next(line for line in out.splitlines() if line.startswith(name + " "))
    match = re.fullmatch(rf"{name}\s+(\S+)(?:\s+\S+% \((\d+) of (\d+)\))?", line)
    loss, right, total = match.groups()
    return float(loss), right and int(right), total and int(total)


def train(options, output):
    """Run ``neurosim train OPTIONS --output OUTPUT``; return the exit status."""
    return main(["train", *options.split(), "--output", str(output)])


def write_csv(path, header, rows):
    lines = ([",".join(header)] if header else []) + [",".join(f"{v:g}" for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


# ------------------------------------------------------------------------------------------ success


def test_moons_trains_the_network_asked_for_and_reports_its_test_accuracy(capsys, tmp_path):
    folder = tmp_path / "run"
    assert train("moons --hidden 8 --epochs 30 --lr 0.2", folder) == 0
    out = capsys.readouterr().out
    assert "Task: classification into 2 classes -> 1 sigmoid output, loss bce" in out
    assert "Split: 800 samples to train on, 200 held out for testing" in out

    # the same training, done here with the library: the saved weights must be exactly these
    X, y = ns.datasets.moons(1000, seed=0)
    X_train, X_test, y_train, y_test = ns.datasets.split(X, y, test_fraction=0.2, seed=0)
    expected = ns.Network.from_shape([2, 8, 1], activation="tanh", output_activation="sigmoid", seed=0)
    options = {"batch_size": 32, "loss": "bce", "seed": 0, "verbose": 0, "diagnose": False}
    expected.fit(X_train, y_train, epochs=30, lr=0.2, engine="compiled", **options)
    saved = ns.load(folder / "model.json")
    assert [s.weight for s in saved.synapses] == [s.weight for s in expected.synapses]
    assert [n.bias for n in saved.neurons[2:]] == [n.bias for n in expected.neurons[2:]]

    # the printed test loss and accuracy, recomputed from the saved model
    a = saved.predict(X_test)[:, 0]
    bce = -np.mean(y_test * np.log(a) + (1 - y_test) * np.log(1 - a))
    loss, right, total = result_row(out, "test")
    assert (right, total) == (int(np.sum((a >= 0.5) == (y_test == 1))), 200)
    assert loss == pytest.approx(bce, rel=1e-5)
    assert right > 150  # it learned something
    assert "The doctor's findings" not in out  # a healthy run: the doctor adds nothing

    names = ["model.json", "loss.png", "network.png", "decision_boundary.png"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)
    for name in names[1:]:
        assert_real_picture(folder / name)
    assert f"Files written to {folder}:" in out


def test_csv_regression_uses_the_named_target_column(capsys, tmp_path):
    rng = np.random.default_rng(1)
    x1, x2 = rng.uniform(-1, 1, 40), rng.uniform(-1, 1, 40)
    y = 0.5 * x1 - 0.2 * x2 + 0.1
    data = write_csv(tmp_path / "line.csv", ["x1", "y", "x2"], np.column_stack([x1, y, x2]))
    options = "--target y --hidden none --epochs 400 --lr 0.5 --batch-size full --test-fraction 0"
    assert train(f"{data} {options}", tmp_path / "run") == 0
    out = capsys.readouterr().out
    assert "Task: regression -> 1 identity output, loss mse" in out
    assert "Split: all 40 samples are trained on; none held out for testing" in out

    saved = ns.load(tmp_path / "run" / "model.json")
    # the inputs are x1 and x2, in the file's order: gradient descent finds y's coefficients
    w1, w2 = saved.synapse("input[0]", "output[0]").weight, saved.synapse("input[1]", "output[0]").weight
    assert (w1, w2, saved["output[0]"].bias) == pytest.approx((0.5, -0.2, 0.1), abs=1e-3)
    mse = np.mean((saved.predict(np.column_stack([x1, x2]))[:, 0] - y) ** 2)
    assert result_row(out, "training")[0] == pytest.approx(mse, rel=1e-5)
    # regression: no classes, so no decision regions to draw
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["loss.png", "model.json", "network.png"]


def test_csv_labels_that_are_not_0_to_k_are_numbered_in_order(capsys, tmp_path):
    rng = np.random.default_rng(2)
    centres = np.array([[-2.0, 0.0], [0.0, 2.0], [2.0, 0.0]])
    labels = np.repeat([3, 5, 7], 20)
    X = centres[(labels - 3) // 2] + rng.normal(scale=0.3, size=(60, 2))
    data = write_csv(tmp_path / "blobs.csv", None, np.column_stack([X, labels]))
    assert train(f"{data} --epochs 50 --no-pictures", tmp_path / "run") == 0
    out = capsys.readouterr().out
    assert "Task: classification into 3 classes -> 3 softmax outputs, loss cross_entropy" in out
    assert "Classes, numbered in the order of the target's values: 0 = 3, 1 = 5, 2 = 7" in out

    saved = ns.load(tmp_path / "run" / "model.json")
    _, X_test, _, labels_test = ns.datasets.split(X, labels, test_fraction=0.2, seed=0)
    predicted = np.array([3, 5, 7])[saved.predict(X_test).argmax(axis=1)]
    _, right, total = result_row(out, "test")
    assert (right, total) == (int(np.sum(predicted == labels_test)), 12)
    assert right >= 11  # three well separated blobs
    assert [p.name for p in (tmp_path / "run").iterdir()] == ["model.json"]  # --no-pictures


def test_a_handful_of_samples_is_not_split_and_the_object_engine_trains_the_same(capsys, tmp_path):
    assert train("xor --hidden 3 --engine object --epochs 5 --lr 1 --no-pictures", tmp_path) == 0
    out = capsys.readouterr().out
    assert "Split: all 4 samples are trained on; none held out for testing" in out
    X, y = ns.datasets.xor()
    expected = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    options = {"batch_size": 32, "loss": "bce", "seed": 0, "verbose": 0, "diagnose": False}
    expected.fit(X, y, epochs=5, lr=1.0, engine="object", **options)
    saved = ns.load(tmp_path / "model.json")
    assert [s.weight for s in saved.synapses] == [s.weight for s in expected.synapses]


def test_two_samples_are_enough_to_train_on(capsys, tmp_path):
    data = write_csv(tmp_path / "two.csv", ["x", "label"], [[-1.0, 0.0], [1.0, 1.0]])
    assert train(f"{data} --hidden none --epochs 3 --lr 0.5 --no-pictures", tmp_path / "run") == 0
    assert "Split: all 2 samples are trained on; none held out for testing" in capsys.readouterr().out
    expected = ns.Network.from_shape([1, 1], activation="tanh", output_activation="sigmoid", seed=0)
    options = {"batch_size": 32, "loss": "bce", "seed": 0, "verbose": 0, "diagnose": False}
    expected.fit([[-1.0], [1.0]], [0, 1], epochs=3, lr=0.5, **options)
    assert ns.load(tmp_path / "run" / "model.json").synapses[0].weight == expected.synapses[0].weight


def test_the_doctors_findings_follow_the_results_and_name_the_dead_neurons(capsys, tmp_path):
    folder = tmp_path / "run"
    assert train("moons --hidden 8 --activation relu --lr 50 --epochs 20 --no-pictures", folder) == 0
    out = capsys.readouterr().out
    assert out.index("After training:") < out.index("The doctor's findings, from watching the training:")
    assert out.index("The doctor's findings") < out.index(f"Files written to {folder}:")
    found = re.search(
        r"^(?:error|warning|info)\s+dead-neurons \(seen after epoch \d+\)\s+(.*)$", out, re.MULTILINE
    )
    assert found, out
    named = found.group(1).split(", ")

    # neurons dead on every training sample are dead on the doctor's sample of them too
    X, y = ns.datasets.moons(1000, seed=0)
    X_train = ns.datasets.split(X, y, test_fraction=0.2, seed=0)[0]
    saved = ns.load(folder / "model.json")
    W = np.array([[saved.synapse(f"input[{j}]", f"hidden1[{i}]").weight for j in range(2)] for i in range(8)])
    b = np.array([saved[f"hidden1[{i}]"].bias for i in range(8)])
    dead = [f"hidden1[{i}]" for i in np.flatnonzero((X_train @ W.T + b <= 0).all(axis=0))]
    assert dead and set(dead) <= set(named)
    # the closing hint points at the first hidden or output neuron that the findings name
    heads = re.findall(r"^(?:error|warning|info)\s+\S+ \(seen after epoch \d+\)\s+(.*)$", out, re.MULTILINE)
    neurons = [
        name for head in heads for name in head.split(", ") if re.fullmatch(r"(hidden1|output)\[\d+\]", name)
    ]
    culprit = re.search(r"^Look inside: neurosim inspect \S+ --neuron '(.+)'$", out, re.MULTILINE).group(1)
    assert culprit == neurons[0]


def test_unscaled_columns_of_a_csv_file_are_named_after_training(capsys, tmp_path):
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(20, 60, 50), rng.uniform(-1, 1, 50), rng.uniform(2e4, 9e4, 50)])
    data = write_csv(
        tmp_path / "people.csv", ["age", "height", "income", "label"], np.column_stack([X, X[:, 1] > 0])
    )
    assert train(f"{data} --hidden 4 --epochs 5 --no-pictures", tmp_path / "run") == 0
    out = capsys.readouterr().out
    far = [j for j in range(3) if abs(X[:, j].mean()) > 10 or X[:, j].std() > 10]  # the doctor's input_scale
    assert far == [0, 2]
    assert re.search(r"^warning\s+unscaled-inputs\s+input\[0\], input\[2\]$", out, re.MULTILINE)
    assert f"Columns of {str(data)!r}: input[0] is 'age', input[2] is 'income'\n" in out


def test_help_tells_the_output_folder_from_the_output_activation(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = " ".join(capsys.readouterr().out.split())  # the help's lines joined, as one paragraph
    output = out.split("--output DIR ")[1].split(" --no-pictures")[0]
    activation = out.split("--output-activation NAME ")[1].split(" --init")[0]
    assert "folder" in output and "--output-activation" in output
    assert "output layer" in activation and "--output, the folder" in activation


def test_divergence_is_one_line_and_writes_no_model(capsys, tmp_path):
    x = np.linspace(-1, 1, 20)
    data = write_csv(tmp_path / "steep.csv", None, np.column_stack([x, 1000 * x]))
    folder = tmp_path / "run"
    assert train(f"{data} --lr 5", folder) == 1
    err = capsys.readouterr().err
    assert re.fullmatch(
        r"neurosim: training diverged at epoch \d+: the loss stopped being a finite number; "
        r"try a smaller --lr \(got 5\), or scale the data to a few units\n",
        err,
    )
    assert not folder.exists()


# --------------------------------------------------------------------------------------- bad input


@pytest.fixture
def files(tmp_path, monkeypatch):
    """Bad CSV files, in the working directory, so that messages show short relative names."""
    monkeypatch.chdir(tmp_path)
    contents = {
        "empty.csv": "\n  \n",
        "word.csv": "x,y,label\n1,2,0\n3,abc,1\n",
        "ragged.csv": "1,2,0\n3,4,1\n5,6\n",
        "nan.csv": "1,2,0\nnan,4,1\n",
        "inf.csv": "1,2,0\n3,-inf,1\n",
        "one.csv": "1\n2\n",
        "semicolons.csv": "x;y;label\n1;2;0\n",
        "header.csv": "x,y,label\n",
        "prices.csv": "a,b,price\n0.1,0.2,3.7\n0.3,0.1,1.2\n",
        "same.csv": "x,y,label\n1,2,1\n3,4,1\n5,6,1\n",
        "onerow.csv": "x,y,label\n1,2,0\n",
        "a_file": "not a folder\n",
    }
    for name, text in contents.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "folder.csv").mkdir()
    return tmp_path


HELP = " (see: neurosim train --help)"
HIDDEN = "neurosim train: argument --hidden: expected sizes separated by commas, such as 16,16 (or 'none'); "
ONE_COLUMN = "has only one column; expected input columns and a target column "
ONE_COLUMN += "(the last one, or the one --target names)"


def case(argv, code, *message):
    return pytest.param(argv.split(), code, "".join(message), id=argv)


BAD_INPUT = [
    case("missing.csv", 1, "neurosim: cannot read 'missing.csv': no such file"),
    case(
        "folder.csv",
        1,
        "neurosim: 'folder.csv' is a folder; expected a CSV file (or a built-in dataset's name)",
    ),
    case("empty.csv", 1, "neurosim: 'empty.csv' is empty; expected rows of comma-separated numbers"),
    case("word.csv", 1, "neurosim: 'word.csv' line 3, column 2 ('y'): 'abc' is not a number"),
    case(
        "ragged.csv",
        1,
        "neurosim: 'ragged.csv' line 3 has 2 values, but line 1 has 3; ",
        "every row needs the same number of columns",
    ),
    case(
        "nan.csv",
        1,
        "neurosim: 'nan.csv' line 2, column 1: 'nan' is not a finite number; expected numbers only",
    ),
    case(
        "inf.csv",
        1,
        "neurosim: 'inf.csv' line 2, column 2: '-inf' is not a finite number; expected numbers only",
    ),
    case("one.csv", 1, "neurosim: 'one.csv' ", ONE_COLUMN),
    case(
        "semicolons.csv",
        1,
        "neurosim: 'semicolons.csv' ",
        ONE_COLUMN,
        "; columns must be separated by commas, and this file seems to use ';'",
    ),
    case("header.csv", 1, "neurosim: 'header.csv' has a header row but no rows of numbers"),
    case(
        "word.csv --target z",
        2,
        "neurosim train: --target 'z' is not a column; give a name or a number from 1 to 3 ",
        "(the columns are 'x', 'y', 'label')",
        HELP,
    ),
    case(
        "moons --target 1",
        2,
        "neurosim train: --target applies to CSV files only; built-in dataset 'moons' has a fixed target",
        HELP,
    ),
    case(
        "mnist",
        2,
        "neurosim train: unknown dataset 'mnist'; choose from: ",
        ", ".join(name for name in ns.datasets.__all__ if name != "split"),
        ", or give the path of a CSV file",
        HELP,
    ),
    case("moons --hidden 16,x", 2, HIDDEN, "got '16,x'", HELP),
    case("moons --hidden 0", 2, HIDDEN, "got '0'", HELP),
    case("moons --hidden -3", 2, HIDDEN, "got '-3'", HELP),
    case(
        "moons --activation no_such_function",
        2,
        "neurosim train: argument --activation: unknown activation 'no_such_function'; expected one of: ",
        ", ".join(ns.activations.ACTIVATIONS),
        HELP,
    ),
    case(
        "moons --loss hinge",
        2,
        "neurosim train: argument --loss: unknown loss 'hinge'; expected one of: mse, bce, cross_entropy",
        HELP,
    ),
    case(
        "moons --engine gpu",
        2,
        "neurosim train: argument --engine: invalid choice: 'gpu' (choose from 'compiled', 'object')",
        HELP,
    ),
    case(
        "moons --epochs 0",
        2,
        "neurosim train: argument --epochs: expected a positive whole number; got '0'",
        HELP,
    ),
    case("moons --lr fast", 2, "neurosim train: argument --lr: expected a positive number; got 'fast'", HELP),
    case("moons --lr nan", 2, "neurosim train: argument --lr: expected a positive number; got 'nan'", HELP),
    case(
        "moons --batch-size 0",
        2,
        "neurosim train: argument --batch-size: expected a positive whole number or 'full'; got '0'",
        HELP,
    ),
    case(
        "moons --test-fraction 1",
        2,
        "neurosim train: argument --test-fraction: expected a number from 0 up to (not including) 1; got '1'",
        HELP,
    ),
    case(
        "moons --output a_file/run",
        2,
        "neurosim train: --output 'a_file/run' cannot hold a folder: 'a_file' is a file, not a folder",
        HELP,
    ),
    case("moons --output a_file", 2, "neurosim train: --output 'a_file' is a file, not a folder", HELP),
    case(
        "prices.csv --loss cross_entropy",
        1,
        "neurosim: --loss cross_entropy needs class labels, but the target 'price' of 'prices.csv' ",
        "is not a few distinct whole numbers (it has 3.7 at line 2); use --loss mse for regression",
    ),
    case(
        "prices.csv --loss bce",
        1,
        "neurosim: --loss bce needs targets from 0 to 1, but the target 'price' of 'prices.csv' has 3.7 at ",
        "line 2; use --loss mse for regression",
    ),
    case(
        "prices.csv --task classification",
        1,
        "neurosim: --task classification needs class labels (whole numbers) in the target 'price'; ",
        "'prices.csv' has 3.7 at line 2",
    ),
    case(
        "same.csv",
        1,
        "neurosim: the target 'label' of 'same.csv' is 1 in all 3 samples, so there is nothing to learn ",
        "(--target picks another column)",
    ),
    case(
        "same.csv --task regression",
        1,
        "neurosim: the target 'label' of 'same.csv' is 1 in all 3 samples, so there is nothing to learn ",
        "(--target picks another column)",
    ),
    case("onerow.csv", 1, "neurosim: 'onerow.csv' has only 1 sample; training needs at least 2"),
    case(
        "onerow.csv --test-fraction 0",
        1,
        "neurosim: 'onerow.csv' has only 1 sample; training needs at least 2",
    ),
    *[
        case(
            f"{data} --loss {loss} --output-activation {output}",
            2,
            f"neurosim train: --loss {loss} needs --output-activation {needed}, not {output}; ",
            "leave out either option and it is chosen to fit the other",
            HELP,
        )
        # the rule (bce after sigmoid, cross_entropy after softmax) is checked before the data is read
        for data, loss, output, needed in [
            ("moons", "bce", "tanh", "sigmoid"),
            ("same.csv", "bce", "relu", "sigmoid"),
            ("missing.csv", "bce", "softmax", "sigmoid"),
            ("spiral", "cross_entropy", "sigmoid", "softmax"),
            ("prices.csv", "cross_entropy", "identity", "softmax"),
        ]
    ],
]


@pytest.mark.parametrize(("argv", "code", "message"), BAD_INPUT)
def test_bad_input_is_one_line_and_a_non_zero_exit(files, capsys, argv, code, message):
    output = [] if "--output" in argv else ["--output", "out"]
    try:
        status = main(["train", *argv, *output])
    except SystemExit as exit_info:  # argparse's errors end the program from inside the parser
        status = exit_info.code
    out, err = capsys.readouterr()
    assert (status, err) == (code, message + "\n")
    assert out == ""  # refused before saying anything about the data or the network
    assert not (files / "out").exists()  # nothing written, not even an empty folder


def test_bad_input_on_the_installed_command_has_no_traceback(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).parent / "neurosim"
    result = subprocess.run(
        [str(script), "train", "missing.csv"], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert (result.returncode, result.stderr) == (1, "neurosim: cannot read 'missing.csv': no such file\n")
