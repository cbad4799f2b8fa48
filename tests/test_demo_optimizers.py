"""The optimizers demo: five optimizers from one start, a true table, and paths over a true surface."""

from __future__ import annotations

import contextlib
import copy
import io
import re
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest
from pictures import assert_real_picture

import neurosim as ns
from neurosim.cli import demo as demo_command
from neurosim.demos import optimizers as demo

NAMES = ["SGD", "momentum", "Adam", "RMSprop", "Rprop"]


def bce(net: ns.Network, X: np.ndarray, y: np.ndarray) -> float:
    """The mean binary cross-entropy of ``net`` on ``X``, ``y``, from the object engine's outputs."""
    p = net.predict(X)[:, 0]
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


def accuracy(net: ns.Network, X: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((net.predict(X)[:, 0] >= 0.5) == y))


@pytest.fixture(scope="module")
def data():
    return demo.moons_data(0)


@pytest.fixture(scope="module")
def trained(data):
    return demo.train_each(demo.start_network(0), data, demo.FAST_EPOCHS)


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory, data):
    """The demo's --fast run, with the figures it saves kept aside to look at before they are saved."""
    folder = tmp_path_factory.mktemp("optimizers")
    saved = {}

    def keep_and_save(where, figures):
        for name, figure in figures:
            saved[name] = figure
        return demo_save(where, figures)

    demo_save = demo.save_pictures
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.setattr(demo, "save_pictures", keep_and_save)
        code = demo.main(["--fast", "--output", str(folder)])
    left_open = set(plt.get_fignums())
    plt.close("all")
    return SimpleNamespace(
        text=printed.getvalue(), folder=folder, code=code, figures=saved, left_open=left_open
    )


def test_every_optimizer_starts_from_the_same_loss_and_lowers_it(trained, data):
    start_loss = bce(demo.start_network(0), data.X_train, data.y_train)
    for name, (_, history) in trained.items():
        # full batch: the first epoch's loss is measured before its one update, at the shared start
        assert history.loss[0] == pytest.approx(start_loss, rel=1e-12), name
        assert history.loss[-1] < 0.75 * start_loss, name
    assert list(trained) == NAMES


def test_the_five_networks_end_apart_though_they_started_together(trained):
    final = {name: net.state_dict() for name, (net, _) in trained.items()}
    for first, second in [("SGD", "momentum"), ("Adam", "RMSprop"), ("SGD", "Rprop")]:
        assert not np.allclose(final[first]["input->hidden1.weight"], final[second]["input->hidden1.weight"])


def test_the_table_prints_each_optimizers_own_numbers(fast_run, trained, data):
    assert fast_run.code == 0 and not fast_run.left_open
    for name, (net, history) in trained.items():
        below = [epoch for epoch, value in enumerate(history.loss, start=1) if value < demo.THRESHOLD]
        reached = f"epoch {below[0]}" if below else "never"
        final = bce(net, data.X_train, data.y_train)  # after the last update: a pass the history never made
        train, test = accuracy(net, data.X_train, data.y_train), accuracy(net, data.X_test, data.y_test)
        row = re.search(rf"^{name} +(\S+) +(\S+)% +(\S+)% +(.+)$", fast_run.text, re.MULTILINE)
        assert row is not None, name
        assert float(row[1]) == pytest.approx(history.loss[-1], abs=5e-5)
        assert abs(final - history.loss[-1]) < 0.05  # the last update moved it only a little
        assert float(row[2]) == pytest.approx(100 * train, abs=0.05)
        assert float(row[3]) == pytest.approx(100 * test, abs=0.05)
        assert row[4].strip() == reached


def test_only_the_chosen_two_weights_move_when_only_they_learn(data):
    start = demo.two_weight_start(demo.start_network(0))
    before = start.state_dict()
    for name, optimizer in demo.optimizers().items():
        net = copy.deepcopy(start)
        pair = [net.synapse(*ends) for ends in demo.PAIR]
        net.fit(data.X_train, data.y_train, epochs=5, optimizer=optimizer, callbacks=[demo.OnlyThese(pair)],
                diagnose=False, **demo.TRAINING)  # fmt: skip
        moved = {key: np.flatnonzero(net.state_dict()[key] != before[key]) for key in before}
        assert moved.pop("hidden2->output.weight").tolist() == [0, 1], name
        assert all(changed.size == 0 for changed in moved.values()), name


def test_the_paths_start_together_and_take_each_rules_first_step(data):
    start = demo.two_weight_start(demo.start_network(0))
    paths = demo.two_weight_paths(start, data, 3)
    assert list(paths) == NAMES
    gradient = finite_difference_gradient(start, data)
    lr = {name: optimizer.lr for name, optimizer in demo.optimizers().items()}
    for path in paths.values():
        assert path.shape == (4, 2)
        np.testing.assert_array_equal(path[0], demo.PATH_START)
    first_step = {name: path[1] - path[0] for name, path in paths.items()}
    # SGD and SGD with momentum: -lr * gradient (the velocity starts at the gradient itself)
    for name in ["SGD", "momentum"]:
        np.testing.assert_allclose(first_step[name], -lr[name] * gradient, rtol=1e-6)
    # Adam: m_hat / sqrt(v_hat) = g / |g|; RMSprop: g / sqrt((1 - alpha) g^2) = 10 sign(g); Rprop: lr sign(g)
    np.testing.assert_allclose(first_step["Adam"], -lr["Adam"] * np.sign(gradient), rtol=1e-6)
    np.testing.assert_allclose(first_step["RMSprop"], -lr["RMSprop"] * 10 * np.sign(gradient), rtol=1e-6)
    np.testing.assert_allclose(first_step["Rprop"], -lr["Rprop"] * np.sign(gradient), rtol=1e-12)


def finite_difference_gradient(start: ns.Network, data, h: float = 1e-6) -> np.ndarray:
    """d(mean bce)/d(the PAIR weights) at ``start``, by central differences of ``bce``."""
    gradient = np.empty(2)
    for k, ends in enumerate(demo.PAIR):
        losses = []
        for step in (h, -h):
            net = copy.deepcopy(start)
            net.synapse(*ends).weight += step
            losses.append(bce(net, data.X_train, data.y_train))
        gradient[k] = (losses[0] - losses[1]) / (2 * h)
    return gradient


def test_each_path_ends_lower_on_the_surface_than_it_began(data):
    start = demo.two_weight_start(demo.start_network(0))
    for name, path in demo.two_weight_paths(start, data, demo.FAST_PATH_EPOCHS).items():
        net = copy.deepcopy(start)
        for ends, value in zip(demo.PAIR, path[-1], strict=True):
            net.synapse(*ends).weight = value
        assert bce(net, data.X_train, data.y_train) < bce(start, data.X_train, data.y_train), name


def test_the_loss_curves_picture_holds_the_five_histories(fast_run, trained):
    assert_real_picture(fast_run.folder / "loss_curves.png")
    ax = fast_run.figures["loss_curves.png"]
    lines = ax.get_lines()
    assert [line.get_label().split(" (")[0] for line in lines] == [*NAMES, f"loss {demo.THRESHOLD:g}"]
    for line, (_, history) in zip(lines, trained.values(), strict=False):
        np.testing.assert_array_equal(line.get_ydata(), history.loss)
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss (bce)"
    assert len({line.get_color() for line in lines[:5]}) == 5


def test_the_paths_picture_draws_each_path_over_the_surface_of_the_shared_start(fast_run, data):
    assert_real_picture(fast_run.folder / "paths.png")
    figure = fast_run.figures["paths.png"]
    panels = [axis for axis in figure.axes if axis.get_title()]
    assert [panel.get_title() for panel in panels] == [*NAMES, "all together"]
    start = demo.two_weight_start(demo.start_network(0))
    paths = demo.two_weight_paths(start, data, demo.FAST_PATH_EPOCHS)
    for panel, name in zip(panels, NAMES, strict=False):
        np.testing.assert_array_equal(next(line for line in panel.get_lines() if line.get_label() == name)
                                      .get_xydata(), paths[name])  # fmt: skip
    mesh = panels[0].collections[0]
    for i, j in [(0, 0), (30, 30), (60, 10)]:
        net = copy.deepcopy(start)
        for ends, value in zip(demo.PAIR, mesh.get_coordinates()[i, j], strict=True):
            net.synapse(*ends).weight = value
        assert np.asarray(mesh.get_array())[i, j] == pytest.approx(bce(net, data.X_train, data.y_train))
    title = figure.get_suptitle()
    assert "Only the weights hidden2[0] -> output[0] and hidden2[1] -> output[0] learn" in title
    assert "stays" in title and "starting value" in title and "exact loss" in title


def test_the_demo_is_listed_with_its_first_docstring_line():
    assert "optimizers" in demo_command.available()
    assert demo_command.description("optimizers") == demo.__doc__.splitlines()[0].rstrip(".")
    assert demo.__doc__.splitlines()[2].startswith("What it teaches:")


def test_a_bad_seed_is_one_line_and_exit_status_2(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        demo.main(["--seed", "-1", "--output", str(tmp_path)])
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    message = "argument --seed: expected a whole number >= 0; got '-1'"
    assert (
        out == "" and err == f"neurosim demo optimizers: {message} (see: neurosim demo optimizers --help)\n"
    )
    assert not any(tmp_path.iterdir())
