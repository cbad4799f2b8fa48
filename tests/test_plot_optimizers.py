"""Pictures for comparing optimizers: what is drawn is the loss computed here, and the paths given."""

from __future__ import annotations

import copy

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import LogNorm

import neurosim as ns
from neurosim.errors import DataError, ParameterError, ShapeError
from neurosim.plot.optimizers import first_below, loss_grid

X, y = ns.datasets.xor()


def xor_net() -> ns.Network:
    return ns.Network.from_shape([2, 2, 1], activation="tanh", output_activation="sigmoid", seed=3)


def output_pair(net: ns.Network) -> list[ns.Synapse]:
    return [net.synapse("hidden1[0]", "output[0]"), net.synapse("hidden1[1]", "output[0]")]


def bce_with(net: ns.Network, w0: float, w1: float) -> float:
    """The mean binary cross-entropy with the output's two weights set to w0, w1, by the object engine."""
    twin = copy.deepcopy(net)
    first, second = output_pair(twin)
    first.weight, second.weight = w0, w1
    p = twin.predict(X)[:, 0]
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


def test_loss_grid_is_the_loss_with_the_two_weights_set_and_leaves_the_network_as_it_was():
    net = xor_net()
    net.backward(X, y, "bce")  # gradients and neuron values that must survive
    before, grads = net.state_dict(), {name: g.copy() for name, g in net.named_gradients()}
    a_before = net["hidden1"][0].a_samples.copy()
    xs, ys = np.array([-2.0, 0.5, 3.0]), np.array([-1.0, 4.0])
    losses = loss_grid(net, X, y, output_pair(net), xs, ys, loss="bce")
    assert losses.shape == (2, 3)
    for i, w1 in enumerate(ys):
        for j, w0 in enumerate(xs):
            assert losses[i, j] == pytest.approx(bce_with(net, w0, w1), rel=1e-12)
    for name, values in net.state_dict().items():
        np.testing.assert_array_equal(values, before[name])
    for name, g in net.named_gradients():
        np.testing.assert_array_equal(g, grads[name])
    np.testing.assert_array_equal(net["hidden1"][0].a_samples, a_before)


def test_the_surface_drawn_holds_the_loss_at_its_grid_points_and_the_paths_as_given():
    net = xor_net()
    path = np.array([[0.0, 0.0], [0.5, -0.25], [1.0, -0.5]])
    ax = ns.plot.loss_surface(net, X, y, output_pair(net), loss="bce", paths={"mine": path}, resolution=9)
    mesh = ax.collections[0]
    nodes, values = mesh.get_coordinates(), np.asarray(mesh.get_array())
    assert values.shape == (9, 9) and nodes.shape == (9, 9, 2)
    for i, j in [(0, 0), (0, 8), (4, 4), (8, 3)]:
        w0, w1 = nodes[i, j]
        assert values[i, j] == pytest.approx(bce_with(net, w0, w1), rel=1e-12)
    # the view: the path and the network's own weights, a quarter of their span (at least 0.5) further out
    here = [s.weight for s in output_pair(net)]
    points = np.vstack([path, here])
    low, high = points.min(axis=0), points.max(axis=0)
    pad = np.maximum(0.25 * (high - low), 0.5)
    assert ax.get_xlim() == pytest.approx((low[0] - pad[0], high[0] + pad[0]))
    assert ax.get_ylim() == pytest.approx((low[1] - pad[1], high[1] + pad[1]))
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["mine"].get_xydata(), path)
    np.testing.assert_array_equal(lines["_start"].get_xydata(), path[:1])
    np.testing.assert_array_equal(lines["_end"].get_xydata(), path[-1:])
    lowest = np.unravel_index(np.argmin(values), values.shape)
    np.testing.assert_array_equal(lines["_lowest"].get_xydata()[0], nodes[lowest])
    assert ax.get_xlabel() == "weight hidden1[0] -> output[0]"
    assert ax.get_ylabel() == "weight hidden1[1] -> output[0]"
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["mine"]
    colourbar = ax.figure.axes[-1]
    assert colourbar.get_ylabel() == "loss (bce)"
    plt.close(ax.figure)


def test_the_colours_are_logarithmic_only_when_the_loss_spans_more_than_a_factor_of_10():
    net = xor_net()
    linear = ns.Network.from_shape([2, 2, 1], activation="tanh", output_activation="identity", seed=3)
    narrow = ns.plot.loss_surface(net, X, y, output_pair(net), loss="bce", limits=((0, 0.1), (0, 0.1)))
    wide = ns.plot.loss_surface(linear, X, y, output_pair(linear), loss="mse", limits=((-40, 40), (-40, 40)))
    for ax in (narrow, wide):
        values = np.asarray(ax.collections[0].get_array())
        assert isinstance(ax.collections[0].norm, LogNorm) == (values.max() > 10 * values.min())
    assert not isinstance(narrow.collections[0].norm, LogNorm)
    assert isinstance(wide.collections[0].norm, LogNorm)
    assert narrow.get_xlim() == (0, 0.1) and wide.get_ylim() == (-40, 40)
    plt.close("all")


def test_optimizer_paths_draws_one_panel_per_path_and_one_with_all_over_one_surface():
    net = xor_net()
    paths = {
        "down": np.array([[0.0, 0.0], [-1.0, -1.0]]),
        "up": np.array([[0.0, 0.0], [1.0, 2.0], [1.5, 2.5]]),
    }
    figure = ns.plot.optimizer_paths(net, X, y, output_pair(net), paths, loss="bce", resolution=7)
    panels = [axis for axis in figure.axes if axis.get_title()]
    assert [panel.get_title() for panel in panels] == ["down", "up", "all together"]
    meshes = [panel.collections[0] for panel in panels]
    for mesh in meshes[1:]:  # the same surface and colour scale in every panel
        np.testing.assert_array_equal(mesh.get_array(), meshes[0].get_array())
        assert (mesh.norm.vmin, mesh.norm.vmax) == (meshes[0].norm.vmin, meshes[0].norm.vmax)
    w0, w1 = meshes[0].get_coordinates()[3, 5]
    assert np.asarray(meshes[0].get_array())[3, 5] == pytest.approx(bce_with(net, w0, w1), rel=1e-12)
    for panel, names in zip(panels, [["down"], ["up"], ["down", "up"]], strict=True):
        drawn = {line.get_label(): line.get_xydata() for line in panel.get_lines()}
        assert [name for name in drawn if not name.startswith("_")] == names
        for name in names:
            np.testing.assert_array_equal(drawn[name], paths[name])
    assert panels[0].get_title() and panels[0].title.get_color() != panels[1].title.get_color()
    assert [panel.get_xlabel() for panel in panels] == ["weight hidden1[0] -> output[0]"] * 3
    assert panels[0].get_ylabel() == "weight hidden1[1] -> output[0]" and panels[1].get_ylabel() == ""
    assert any(axis.get_ylabel() == "loss (bce)" for axis in figure.axes)  # the colour bar
    plt.close(figure)


def test_without_the_panel_of_all_a_panel_above_an_empty_cell_keeps_its_weight_labels():
    net = xor_net()
    paths = {name: np.array([[0.0, 0.0], [k, -k]]) for k, name in enumerate("abcd", start=1)}
    figure = ns.plot.optimizer_paths(net, X, y, output_pair(net), paths, resolution=5, together=False)
    panels = [axis for axis in figure.axes if axis.get_title()]
    assert [panel.get_title() for panel in panels] == ["a", "b", "c", "d"]
    labelled = [panel.get_title() for panel in panels if panel.get_xlabel()]
    assert labelled == ["b", "c", "d"]  # "b" has an empty cell below it
    figure.canvas.draw()
    assert any(label.get_visible() and label.get_text() for label in panels[1].get_xticklabels())
    assert not any(label.get_visible() and label.get_text() for label in panels[0].get_xticklabels())
    plt.close(figure)


def test_loss_curves_draw_each_history_and_say_when_each_fell_below_the_threshold():
    net = xor_net()
    histories = {
        name: copy.deepcopy(net).fit(
            X, y, epochs=40, optimizer=name, lr=0.1, loss="bce", verbose=0, diagnose=False
        )
        for name in ["sgd", "rprop"]
    }
    ax = ns.plot.loss_curves(histories, threshold=0.5)
    lines = ax.get_lines()
    for line, (name, hist) in zip(lines, histories.items(), strict=False):
        np.testing.assert_array_equal(line.get_ydata(), hist.loss)
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 41))
        below = [epoch for epoch, value in enumerate(hist.loss, start=1) if value < 0.5]
        said = f"below 0.5 at epoch {below[0]}" if below else "never below 0.5"
        assert line.get_label() == f"{name} ({said})"
    assert lines[-1].get_ydata() == [0.5, 0.5] and lines[-1].get_label() == "loss 0.5"
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "loss (bce)" and ax.get_xlabel() == "epoch"
    assert lines[0].get_color() != lines[1].get_color()
    plt.close(ax.figure)


def test_first_below_counts_epochs_from_1():
    assert first_below([0.9, 0.5, 0.2, 0.3], 0.4) == 3
    assert first_below([0.3], 0.4) == 1
    assert first_below([0.9, 0.4], 0.4) is None  # below, not equal


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ("pair", "weights must be a pair of Synapses"),
        (["a", "b"], "weights must be a pair of Synapses"),
        ("same twice", "weights must be two different synapses"),
        ("another network's", "is not a synapse of this network"),
    ],
)
def test_weights_that_are_not_two_synapses_of_the_network_are_refused(weights, message):
    net = xor_net()
    first = output_pair(net)[0]
    named = {"same twice": [first, first], "another network's": [first, output_pair(xor_net())[1]]}
    given = named[weights] if isinstance(weights, str) and weights in named else weights
    with pytest.raises(ParameterError, match=message):
        ns.plot.loss_surface(net, X, y, given, loss="bce")
    assert plt.get_fignums() == []  # refused before a figure was made


@pytest.mark.parametrize(
    ("paths", "error", "message"),
    [
        ({"a": [1.0, 2.0]}, ShapeError, r"paths\['a'\] must have shape \(n_points, 2\); got \(2,\)"),
        ({"a": [[1.0, 2.0, 3.0]]}, ShapeError, r"paths\['a'\] must have shape \(n_points, 2\)"),
        ({"a": [[1.0, np.nan]]}, DataError, r"paths\['a'\] must hold finite numbers only"),
        ([[1.0, 2.0]], ParameterError, "paths must be a mapping of name to"),
    ],
)
def test_paths_that_are_not_rows_of_two_finite_weights_are_refused(paths, error, message):
    net = xor_net()
    with pytest.raises(error, match=message):
        ns.plot.loss_surface(net, X, y, output_pair(net), paths=paths)
    with pytest.raises((error, DataError)):
        ns.plot.optimizer_paths(net, X, y, output_pair(net), paths)


def test_other_bad_arguments_are_refused_by_name():
    net = xor_net()
    pair = output_pair(net)
    with pytest.raises(DataError, match="paths is empty"):
        ns.plot.optimizer_paths(net, X, y, pair, {})
    with pytest.raises(ParameterError, match="columns must be a whole number >= 1; got 0"):
        ns.plot.optimizer_paths(net, X, y, pair, {"a": [[0.0, 0.0]]}, columns=0)
    with pytest.raises(ParameterError, match="colours has no colour for 'a'"):
        ns.plot.loss_surface(net, X, y, pair, paths={"a": [[0.0, 0.0]]}, colours={"b": "red"})
    with pytest.raises(ParameterError, match="limits must be finite with min < max"):
        ns.plot.loss_surface(net, X, y, pair, limits=((1, 0), (0, 1)))
    with pytest.raises(ParameterError, match="limits must be"):
        ns.plot.loss_surface(net, X, y, pair, limits=3)
    with pytest.raises(ParameterError, match="resolution"):
        ns.plot.loss_surface(net, X, y, pair, resolution=1)
    with pytest.raises(DataError, match="xs must hold finite numbers only"):
        loss_grid(net, X, y, pair, [0.0, np.inf], [0.0])
    with pytest.raises(ParameterError, match="histories must be a non-empty mapping"):
        ns.plot.loss_curves({})
    with pytest.raises(ParameterError, match=r"histories\['a'\] must be a History; got a list"):
        ns.plot.loss_curves({"a": [0.5, 0.4]})
    with pytest.raises(DataError, match=r"histories\['a'\] has no epochs"):
        ns.plot.loss_curves({"a": ns.History()})
    hist = net.fit(X, y, epochs=2, lr=0.1, loss="bce", verbose=0, diagnose=False)
    with pytest.raises(ParameterError, match="threshold must be a positive number; got -1"):
        ns.plot.loss_curves({"a": hist}, threshold=-1)
    assert plt.get_fignums() == []
