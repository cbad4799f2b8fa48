"""The digits demo: at least 97% test accuracy in full mode, and what it prints matches the saved network."""

from __future__ import annotations

import contextlib
import io
import re
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

import neurosim as ns
from neurosim.cli import demo as demo_command
from neurosim.demos import digits


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("digits")
    figures_before = set(plt.get_fignums())
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = digits.main(["--fast", "--output", str(folder)])
    left_open = set(plt.get_fignums()) - figures_before
    plt.close("all")
    return SimpleNamespace(text=printed.getvalue(), folder=folder, code=code, left_open=left_open)


def split_again(part: str) -> tuple[np.ndarray, np.ndarray]:
    """The 359 test (or 1438 training) images, split again here from scikit-learn's own copy of the data."""
    from sklearn.datasets import load_digits

    data = load_digits()
    order = np.random.default_rng(0).permutation(len(data.target))
    chosen = order[:359] if part == "test" else order[359:]
    return data.data[chosen] / 16.0, data.target[chosen]


@pytest.fixture(scope="module")
def test_images():
    return split_again("test")


def read_by(net: ns.Network, images: np.ndarray) -> np.ndarray:
    """The digit each image is read as: the largest of the object engine's ten outputs."""
    return net.predict(images).argmax(axis=1)


def test_the_full_training_reads_at_least_97_percent_of_the_test_images(test_images):
    images, labels = test_images
    net, history = digits.train_digits(digits.EPOCHS, seed=0)
    accuracy = np.mean(read_by(net, images) == labels)
    assert accuracy >= 0.97
    assert history.epochs == digits.EPOCHS
    assert history.val_accuracy[-1] == pytest.approx(accuracy)  # the test images were the validation data


def test_the_fast_run_succeeds_writes_its_pictures_and_closes_them(fast_run):
    assert fast_run.code == 0 and not fast_run.left_open
    for name in ["confusion_matrix.png", "input_weights.png", "misclassified.png", "curves.png"]:
        with Image.open(fast_run.folder / name) as picture:
            assert picture.format == "PNG" and min(picture.size) > 200, name
        assert f"  {name}" in fast_run.text
    assert (fast_run.folder / "digits.json").is_file()


def test_the_printed_accuracy_and_per_digit_counts_are_those_of_the_saved_network(fast_run, test_images):
    images, labels = test_images
    net = ns.load(fast_run.folder / "digits.json")
    read = read_by(net, images)
    train_images, train_labels = split_again("train")
    train_accuracy = np.mean(read_by(net, train_images) == train_labels)
    assert (
        f"Train accuracy {train_accuracy:.1%}, test accuracy {np.mean(read == labels):.1%}\n" in fast_run.text
    )
    for digit in range(10):
        right, total = int(np.sum((read == digit) & (labels == digit))), int(np.sum(labels == digit))
        assert re.search(rf"^  {digit}: +{right} of +{total} right", fast_run.text, re.MULTILINE), digit


def test_the_most_confused_pairs_are_the_commonest_mistakes(fast_run, test_images):
    images, labels = test_images
    read = read_by(ns.load(fast_run.folder / "digits.json"), images)
    mistakes: dict[tuple[int, int], int] = {}
    for true, said in zip(labels, read, strict=True):
        if true != said:
            mistakes[(true, said)] = mistakes.get((true, said), 0) + 1
    listed = re.findall(r"^  (\d) -> (\d): (\d+) times?$", fast_run.text, re.MULTILINE)
    assert len(listed) == min(5, len(mistakes))
    for true, said, count in listed:
        assert mistakes[(int(true), int(said))] == int(count)
    fewest_listed = min(int(count) for _, _, count in listed)
    unlisted = set(mistakes) - {(int(t), int(s)) for t, s, _ in listed}
    assert all(mistakes[pair] <= fewest_listed for pair in unlisted)


def test_a_digit_prints_as_eight_rows_of_ink():
    image = np.zeros(64)
    image[[0, 9, 63]] = [1.0, 0.5, 0.05]
    rows = digits.as_text(image).splitlines()
    assert len(rows) == 8 and all(len(row) == 4 + 16 for row in rows)
    assert rows[0][4:6] == "@@" and rows[1][6:8] == digits.INK[5] * 2 and rows[7][-2:] == "  "


def test_the_demo_is_listed_with_its_first_docstring_line():
    assert demo_command.description("digits") == digits.__doc__.splitlines()[0].rstrip(".")
    assert digits.__doc__.splitlines()[2].startswith("What it teaches:")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--seed", "-2"], "argument --seed: expected a whole number >= 0; got '-2'"),
        (["--epochs", "5"], "unrecognized arguments: --epochs 5"),
    ],
)
def test_a_bad_command_line_is_one_line_and_exit_status_2(arguments, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        digits.main([*arguments, "--output", str(tmp_path)])
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"neurosim demo digits: {message} (see: neurosim demo digits --help)\n"
    assert not any(tmp_path.iterdir())
