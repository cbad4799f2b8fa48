"""The moons and spiral demos: their pictures, their GIF, and accuracies checked against the saved network."""

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
from neurosim.demos import moons, spiral

DEMOS = {
    "moons": SimpleNamespace(
        module=moons,
        data=moons.moons_data,
        untrained=moons.moons_network,
        train=moons.train_moons,
        network="moons.json",
    ),
    "spiral": SimpleNamespace(
        module=spiral,
        data=spiral.spiral_data,
        untrained=spiral.spiral_network,
        train=spiral.train_spiral,
        network="spiral.json",
    ),
}


@pytest.fixture(scope="module", params=sorted(DEMOS))
def fast_run(request, tmp_path_factory):
    """Each demo run once in its fast mode: what it printed, its folder, its exit code, figures left open."""
    demo = DEMOS[request.param]
    folder = tmp_path_factory.mktemp(request.param)
    figures_before = set(plt.get_fignums())
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = demo.module.main(["--fast", "--output", str(folder)])
    left_open = set(plt.get_fignums()) - figures_before
    plt.close("all")
    return SimpleNamespace(demo=demo, name=request.param, text=printed.getvalue(), folder=folder, code=code,
                           left_open=left_open)  # fmt: skip


def labels_read_by(net: ns.Network, X: np.ndarray) -> np.ndarray:
    """The class the object engine's outputs say, by the demo's rule written out again."""
    outputs = net.predict(X)
    return (outputs[:, 0] >= 0.5).astype(int) if outputs.shape[1] == 1 else outputs.argmax(axis=1)


def test_the_fast_run_succeeds_and_leaves_no_figure_open(fast_run):
    assert fast_run.code == 0
    assert not fast_run.left_open


def test_the_fast_run_writes_its_pictures_and_network(fast_run):
    module = fast_run.demo.module
    names = ["boundaries.png", "loss.png"] + [f"neuron_maps_epoch_{e:03d}.png" for e in module.FAST_LOOK_AT]
    if fast_run.name == "spiral":
        names.append("small_network.png")
    for name in names:
        with Image.open(fast_run.folder / name) as picture:
            assert picture.format == "PNG" and min(picture.size) > 200, name
        assert name in fast_run.text  # the demo says what it wrote
    assert (fast_run.folder / fast_run.demo.network).is_file()


def test_the_gif_has_a_picture_before_training_and_one_after_each_stretch(fast_run):
    with Image.open(fast_run.folder / "training.gif") as gif:
        assert gif.n_frames == fast_run.demo.module.FAST_GIF_FRAMES + 1
        gif.seek(0)
        first = np.asarray(gif.convert("RGB"))
        gif.seek(gif.n_frames - 1)
        last = np.asarray(gif.convert("RGB"))
    assert not np.array_equal(first, last)  # the network changed as it trained


def test_the_printed_accuracies_are_those_of_the_saved_network(fast_run):
    data = fast_run.demo.data(0)
    net = ns.load(fast_run.folder / fast_run.demo.network)
    test_accuracy = np.mean(labels_read_by(net, data.X_test) == data.y_test)
    train_accuracy = np.mean(labels_read_by(net, data.X_train) == data.y_train)
    epochs = fast_run.demo.module.FAST_LOOK_AT[-1]
    assert f"Final test accuracy: {test_accuracy:.1%} after {epochs} epochs" in fast_run.text
    last_row = re.search(rf"^\s+{epochs}\s+\S+\s+(\S+)%\s+(\S+)%$", fast_run.text, re.MULTILINE)
    assert last_row is not None
    assert float(last_row[1]) == pytest.approx(100 * train_accuracy, abs=0.05)
    assert float(last_row[2]) == pytest.approx(100 * test_accuracy, abs=0.05)


def test_the_saved_network_is_the_one_the_training_function_trains(fast_run):
    """train_moons / train_spiral, used below for the full mode, train exactly what main trained."""
    net, history = fast_run.demo.train(fast_run.demo.module.FAST_LOOK_AT, seed=0)
    saved = ns.load(fast_run.folder / fast_run.demo.network)
    for synapse in net.synapses:
        assert saved.synapse(synapse.source.name, synapse.target.name).weight == synapse.weight
    assert history.epochs == fast_run.demo.module.FAST_LOOK_AT[-1]


def test_the_small_spiral_network_does_worse_than_the_bigger_one():
    data = spiral.spiral_data(0)
    small = spiral.spiral_network(spiral.SMALL_SIZES, seed=0)
    small.fit(data.X_train, data.y_train, epochs=300, seed=0, verbose=0, **spiral.TRAINING)
    big, _ = spiral.train_spiral(seed=0)
    small_accuracy = np.mean(labels_read_by(small, data.X_test) == data.y_test)
    big_accuracy = np.mean(labels_read_by(big, data.X_test) == data.y_test)
    assert small_accuracy < 0.8 and big_accuracy >= 0.95


def test_the_full_moons_training_classifies_at_least_97_percent_of_the_test_points():
    data = moons.moons_data(0)
    net, history = moons.train_moons(seed=0)
    assert history.epochs == moons.LOOK_AT[-1]
    assert np.mean(labels_read_by(net, data.X_test) == data.y_test) >= 0.97


def test_both_demos_are_listed_with_their_first_docstring_line():
    names = demo_command.available()
    assert {"moons", "spiral", "digits"} <= set(names)
    for module in (moons, spiral):
        name = module.__name__.rsplit(".", 1)[1]
        assert demo_command.description(name) == module.__doc__.splitlines()[0].rstrip(".")
        assert module.__doc__.splitlines()[2].startswith("What it teaches:")


@pytest.mark.parametrize("module", [moons, spiral], ids=["moons", "spiral"])
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--seed", "-1"], "argument --seed: expected a whole number >= 0; got '-1'"),
        (["--seed", "one"], "argument --seed: expected a whole number >= 0; got 'one'"),
        (["--frames", "3"], "unrecognized arguments: --frames 3"),
    ],
)
def test_a_bad_command_line_is_one_line_and_exit_status_2(module, arguments, message, capsys, tmp_path):
    name = module.__name__.rsplit(".", 1)[1]
    with pytest.raises(SystemExit) as exit_info:
        module.main([*arguments, "--output", str(tmp_path)])
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"neurosim demo {name}: {message} (see: neurosim demo {name} --help)\n"
    assert not any(tmp_path.iterdir())  # nothing trained, nothing written
