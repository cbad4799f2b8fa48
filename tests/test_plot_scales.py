"""Colour scales that hold a series: neuron maps keep one scale across epochs, and say what they leave out."""

from __future__ import annotations

import copy

import matplotlib.pyplot as plt
import numpy as np
import pytest

import neurosim as ns
from neurosim.plot.boundary import MAX_ROWS, neuron_maps


def images_of(fig):
    """{neuron name: image} of every thumbnail."""
    return {ax.get_title(): ax.images[0] for ax in fig.axes if ax.images}


def relu_net(seed=0):
    return ns.Network.from_shape([2, 5, 1], activation="relu", output_activation="sigmoid", seed=seed)


def test_a_layer_without_a_range_is_scaled_to_its_own_values_and_limits_override_any_scale():
    net = relu_net()
    extent = (-1.0, 1.0, -1.0, 1.0)
    fig = neuron_maps(net, extent=extent, resolution=9)
    images = images_of(fig)
    # the relu layer's values, computed here from the weights: relu(W p + b) over the same pixels
    x0, x1, y0, y1 = images["hidden1[0]"].get_extent()  # the pixels' centres
    xs, ys = (low + (np.arange(9) + 0.5) * (high - low) / 9 for low, high in ((x0, x1), (y0, y1)))
    points = np.array([(x, y) for y in ys for x in xs])
    values = np.maximum(points @ net.blocks[0].weight.T + net["hidden1"].bias, 0.0)
    (low, high), *others = {(im.norm.vmin, im.norm.vmax) for n, im in images.items() if n[:7] == "hidden1"}
    assert not others and (low, high) == (pytest.approx(values.min()), pytest.approx(values.max()))
    assert (images["output[0]"].norm.vmin, images["output[0]"].norm.vmax) == (0.0, 1.0)
    plt.close(fig)
    fig = neuron_maps(net, extent=extent, resolution=9, limits={"hidden1": (-2.0, 5.0)})
    images = images_of(fig)
    assert {(im.norm.vmin, im.norm.vmax) for im in images.values()} == {(-2.0, 5.0), (0.0, 1.0)}
    plt.close(fig)
    fig = neuron_maps(net, extent=extent, resolution=9, limits=(0.0, 3.0))
    assert {(im.norm.vmin, im.norm.vmax) for im in images_of(fig).values()} == {(0.0, 3.0)}
    plt.close(fig)


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ((1.0, 1.0), r"low < high; got \(1, 1\)"),
        ("wide", "two numbers"),
        ({"hidden1": (0.0, np.nan)}, r"limits\['hidden1'\] must be finite"),
    ],
)
def test_bad_limits_are_refused_by_name_before_anything_is_drawn(limits, message):
    before = plt.get_fignums()
    with pytest.raises(ns.ParameterError, match=message):
        neuron_maps(relu_net(), limits=limits)
    assert plt.get_fignums() == before


def test_pictures_of_one_network_at_several_epochs_share_one_scale_with_map_limits():
    X, y = ns.datasets.xor()
    net = relu_net(seed=1)
    series = [copy.deepcopy(net)]
    for _ in range(2):
        net.fit(X, y, epochs=150, lr=0.5, loss="bce", verbose=0)
        series.append(copy.deepcopy(net))
    limits = ns.plot.map_limits(series, X)
    figures = [neuron_maps(member, X, limits=limits, resolution=12) for member in series]
    scales = [{(im.norm.vmin, im.norm.vmax) for im in images_of(fig).values()} for fig in figures]
    assert scales[0] == scales[1] == scales[2]
    # the shared scale holds every picture's values: no colour is clipped in any of them
    for fig in figures:
        for image in images_of(fig).values():
            values = np.asarray(image.get_array())
            assert image.norm.vmin <= values.min() and values.max() <= image.norm.vmax
        plt.close(fig)
    # and it is no wider than the values need: some picture reaches the top of the relu scale
    tops = [max(np.asarray(im.get_array()).max() for n, im in images_of(f).items() if n[:6] == "hidden")
            for f in [neuron_maps(m, X, limits=limits, resolution=12) for m in series]]  # fmt: skip
    assert max(tops) == pytest.approx(limits["hidden1"][1])
    plt.close("all")


def test_a_wide_layer_is_a_grid_of_readable_columns_with_the_plane_marked_on_the_outer_images():
    net = ns.Network.from_shape([2, 12, 1], activation="tanh", output_activation="sigmoid", seed=0)
    fig = neuron_maps(net, resolution=8)
    axes = {ax.get_title(): ax for ax in fig.axes if ax.images}
    fig.canvas.draw()
    boxes = {name: ax.get_window_extent() for name, ax in axes.items()}
    lefts = {round(boxes[f"hidden1[{i}]"].x0) for i in range(12)}
    assert len(lefts) == -(-12 // MAX_ROWS)  # 12 neurons in columns of at most MAX_ROWS
    first, last_of_column = axes["hidden1[0]"], axes[f"hidden1[{-(-12 // 2) - 1}]"]
    assert min(box.width for box in boxes.values()) >= fig.dpi  # every thumbnail at least an inch wide
    # numbers on the outer images only: the left column's y axis, each column's bottom x axis
    assert any(label.get_visible() and label.get_text() for label in first.get_yticklabels())
    assert not any(label.get_visible() and label.get_text() for label in first.get_xticklabels())
    assert any(label.get_visible() and label.get_text() for label in last_of_column.get_xticklabels())
    plt.close(fig)


def test_a_picture_of_some_neurons_says_how_many_it_shows():
    net = ns.Network.from_shape([2, 40, 1], activation="tanh", output_activation="sigmoid", seed=0)
    fig = neuron_maps(net, resolution=4)
    titles = [sub.get_suptitle() for sub in fig.subfigs]
    assert "(first 16 of 40 neurons)" in titles[0]
    assert sum(1 for ax in fig.axes if ax.images) == 16 + 1
    plt.close(fig)


def test_the_moons_demo_draws_its_epoch_series_on_one_scale_per_layer():
    from neurosim.demos.moons import moons_data, neuron_map_series

    data = moons_data(0)
    net = ns.Network.from_shape([2, 4, 1], activation="softplus", output_activation="sigmoid", seed=0)
    snapshots = [(0, copy.deepcopy(net))]
    net.fit(data.X_train, data.y_train, epochs=30, lr=0.5, loss="bce", verbose=0)
    snapshots.append((30, copy.deepcopy(net)))
    series = neuron_map_series(snapshots, data)
    assert [name for name, _ in series] == ["neuron_maps_epoch_000.png", "neuron_maps_epoch_030.png"]
    scales = [
        {name[:7]: (im.norm.vmin, im.norm.vmax) for name, im in images_of(fig).items()} for _, fig in series
    ]
    assert scales[0] == scales[1]
    # softplus has no upper bound: the shared scale reaches the larger of the two pictures' largest values
    largest = [max(np.asarray(im.get_array()).max() for n, im in images_of(fig).items() if n[:7] == "hidden1")
               for _, fig in series]  # fmt: skip
    assert scales[0]["hidden1"][1] == pytest.approx(max(largest))
    plt.close("all")


def test_the_history_says_test_where_the_validation_data_is_the_test_set():
    X, y = ns.datasets.xor()
    net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    hist = net.fit(X, y, epochs=5, lr=0.5, loss="bce", verbose=0, validation_data=(X, y))
    fig = ns.plot.history(hist, validation_label="test")
    assert [[line.get_label() for line in ax.lines] for ax in fig.axes] == [["train", "test"]] * 2
    assert [text.get_text() for text in fig.axes[0].get_legend().get_texts()] == ["train", "test"]
    plt.close(fig)
    with pytest.raises(ns.ParameterError, match="validation_label must be a non-empty string"):
        ns.plot.history(hist, validation_label="")


def test_a_confusion_matrix_and_a_loss_surface_take_a_fixed_scale():
    ax = ns.plot.confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], top=10)
    assert (ax.images[0].norm.vmin, ax.images[0].norm.vmax) == (0.0, 10.0)
    plt.close(ax.figure)
    with pytest.raises(ns.ParameterError, match="top must be a finite number above 0"):
        ns.plot.confusion_matrix([0, 1], [0, 1], top=0)
    X, y = ns.datasets.xor()
    net = ns.Network.from_shape([2, 2, 1], activation="tanh", output_activation="sigmoid", seed=0)
    pair = [net.synapse("hidden1[0]", "output[0]"), net.synapse("hidden1[1]", "output[0]")]
    ax = ns.plot.loss_surface(net, X, y, pair, loss="bce", resolution=9, loss_limits=(0.1, 2.0))
    surface = ax.collections[0]
    assert (surface.norm.vmin, surface.norm.vmax) == (0.1, 2.0)
    plt.close(ax.figure)
    with pytest.raises(ns.ParameterError, match="loss_limits must be finite with low < high"):
        ns.plot.loss_surface(net, X, y, pair, loss="bce", loss_limits=(2.0, 1.0))
