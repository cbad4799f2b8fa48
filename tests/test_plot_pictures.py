"""Decision boundaries, neuron maps, learning curves and weight heatmaps: what is drawn, read back.

Every picture is checked against an expectation computed independently of
the plotting code: the true labels of the data, the object engine's or a
hand-written numpy forward pass, the History's lists, each synapse's weight.
"""

from __future__ import annotations

import io
import math

import matplotlib as mpl
import matplotlib.colors as mcolors
import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgb
from matplotlib.contour import ContourSet
from test_bad_input import assert_unchanged, refused, snapshot

import neurosim as ns
from neurosim.plot._style import SIGNED_CMAP, VALUE_CMAP
from neurosim.plot.boundary import MAX_NEURONS_PER_LAYER, decision_boundary, neuron_maps
from neurosim.plot.history import _TRAIN_COLOUR, _VALIDATION_COLOUR, history
from neurosim.plot.weights import ABSENT_COLOUR, weights

# --------------------------------------------------------------------------- networks and data


@pytest.fixture(scope="module", params=["compiled", "object"])
def xor_net(request):
    """A 2-4-1 network that has learned XOR, trained by each engine."""
    X, y = ns.datasets.xor()
    net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    net.fit(X, y, epochs=1500, lr=1.0, loss="bce", engine=request.param, seed=0, verbose=0)
    outputs = net.predict(X)[:, 0]
    assert ((outputs >= 0.5).astype(int) == y).all(), f"the network did not learn XOR: {outputs}"
    assert np.abs(outputs - y).max() < 0.1
    return net


BLOB_CENTRES = np.array([[0.0, 0.0], [3.0, 0.0], [1.5, 2.6]])


@pytest.fixture(scope="module")
def blobs():
    """Three Gaussian blobs (classes 0, 1, 2) and a 2-8-3 softmax network trained on them."""
    rng = np.random.default_rng(0)
    X = np.concatenate([centre + rng.normal(scale=0.5, size=(40, 2)) for centre in BLOB_CENTRES])
    y = np.repeat([0, 1, 2], 40)
    net = ns.Network.from_shape([2, 8, 3], activation="tanh", output_activation="softmax", seed=0)
    hist = net.fit(
        X, y, epochs=200, lr=0.5, batch_size=16, loss="cross_entropy", engine="compiled", seed=0, verbose=0
    )
    assert hist.accuracy[-1] > 0.97
    assert net.predict(BLOB_CENTRES).argmax(axis=1).tolist() == [0, 1, 2]
    return net, X, y


# --------------------------------------------------------------------------- reading pictures back


def drawn_at(image, x, y):
    """The image's data value at data point (x, y) (images drawn with origin="lower")."""
    x0, x1, y0, y1 = image.get_extent()
    data = image.get_array()
    rows, cols = data.shape
    col = math.floor((x - x0) / (x1 - x0) * cols)
    row = math.floor((y - y0) / (y1 - y0) * rows)
    return data[row, col]


def pixel_centres(image):
    """The grid points at the centres of the image's pixels, row by row from the bottom."""
    x0, x1, y0, y1 = image.get_extent()
    rows, cols = image.get_array().shape
    xs = x0 + (np.arange(cols) + 0.5) * (x1 - x0) / cols
    ys = y0 + (np.arange(rows) + 0.5) * (y1 - y0) / rows
    XX, YY = np.meshgrid(xs, ys)
    return np.column_stack([XX.ravel(), YY.ravel()])


def render(fig):
    """The figure as an RGB array, rendered to PNG at its own dpi (so ax.transData gives pixel positions)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    buffer.seek(0)
    return mpimg.imread(buffer)[:, :, :3]


def pixel_at(rgb, ax, x, y):
    """The rendered colour at data point (x, y) of ``ax``."""
    px, py = ax.transData.transform((x, y))
    return rgb[rgb.shape[0] - 1 - round(py - 0.5), round(px - 0.5)]


def points_of(ax):
    """The scatter of data points drawn on ``ax``."""
    found = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(found) == 1
    return found[0]


def nothing_drawn(ax):
    return not (ax.images or ax.collections or ax.lines or ax.texts or ax.patches or ax.get_legend())


# --------------------------------------------------------------------------- decision_boundary


def test_xor_regions_hold_the_true_class_at_each_point_and_agree_with_the_object_engine(xor_net):
    X, y = ns.datasets.xor()
    ax = decision_boundary(xor_net, X, y, resolution=101)
    image = ax.images[0]
    for (x0, x1), label in zip(X, y, strict=True):
        assert drawn_at(image, x0, x1) == label
    # every pixel: the object engine's class at that pixel's centre (except on the line itself)
    grid = pixel_centres(image)
    outputs = xor_net.predict(grid)[:, 0]
    expected = (outputs >= 0.5).astype(int).reshape(image.get_array().shape)
    differ = np.asarray(image.get_array()) != expected
    assert np.all(np.abs(outputs.reshape(expected.shape)[differ] - 0.5) < 1e-9)
    # the plane covers the data plus the margin
    assert ax.get_xlim() == pytest.approx((-0.5, 1.5)) and ax.get_ylim() == pytest.approx((-0.5, 1.5))
    plt.close(ax.figure)


def test_xor_decision_line_is_the_half_contour_of_the_output(xor_net):
    X, y = ns.datasets.xor()
    ax = decision_boundary(xor_net, X, y, resolution=151)
    contours = [c for c in ax.collections if isinstance(c, ContourSet)]
    assert len(contours) == 1
    vertices = np.concatenate([path.vertices for path in contours[0].get_paths()])
    assert len(vertices) > 50
    assert np.abs(xor_net.predict(vertices)[:, 0] - 0.5).max() < 0.02
    plt.close(ax.figure)


def test_xor_png_pixels_show_each_points_class_colour(xor_net):
    X, y = ns.datasets.xor()
    ax = decision_boundary(xor_net, X, y, resolution=101)
    fig, image = ax.figure, ax.images[0]
    region = {k: np.array(image.cmap(image.norm(k))[:3]) for k in (0, 1)}
    assert np.abs(region[0] - region[1]).max() > 0.2  # the two classes look different
    # with the points, each point's centre has its label's full colour
    rgb = render(fig)
    tab10 = mpl.colormaps["tab10"].colors
    for (x0, x1), label in zip(X, y, strict=True):
        assert pixel_at(rgb, ax, x0, x1) == pytest.approx(tab10[label], abs=2 / 255)
    # without them, the region under each point has the light colour of its true class
    points_of(ax).set_visible(False)
    rgb = render(fig)
    for (x0, x1), label in zip(X, y, strict=True):
        assert pixel_at(rgb, ax, x0, x1) == pytest.approx(region[label], abs=2 / 255)
    plt.close(fig)


def test_points_are_coloured_by_label_with_a_dark_edge_and_one_hot_labels_give_the_same(blobs):
    net, X, y = blobs
    ax = decision_boundary(net, X, y, resolution=40)
    points = points_of(ax)
    assert np.allclose(points.get_offsets(), X)
    tab10 = np.array(mpl.colormaps["tab10"].colors)
    assert np.allclose(points.get_facecolors()[:, :3], tab10[y])
    assert np.all(points.get_edgecolors()[:, :3].max(axis=1) < 0.2)
    one_hot = np.eye(3)[y]
    ax_hot = decision_boundary(net, X, one_hot, resolution=40)
    assert np.array_equal(points_of(ax_hot).get_facecolors(), points.get_facecolors())
    ax_none = decision_boundary(net, X, resolution=40)
    assert np.allclose(points_of(ax_none).get_facecolors()[:, :3], 1.0)  # white without labels
    for a in (ax, ax_hot, ax_none):
        plt.close(a.figure)


def test_three_classes_each_blob_centre_lies_in_its_own_region(blobs):
    net, X, y = blobs
    ax = decision_boundary(net, X, y)
    image = ax.images[0]
    for label, (x0, x1) in enumerate(BLOB_CENTRES):
        assert drawn_at(image, x0, x1) == label
    assert set(np.unique(image.get_array()).tolist()) == {0, 1, 2}
    grid = pixel_centres(image)
    outputs = net.predict(grid)
    top2 = np.sort(outputs, axis=1)[:, -2:]
    differ = np.asarray(image.get_array()).ravel() != outputs.argmax(axis=1)
    assert np.all(top2[differ, 1] - top2[differ, 0] < 1e-9)
    # the lines between regions, and a legend naming each class
    assert any(isinstance(c, ContourSet) for c in ax.collections)
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels[:3] == ["class 0", "class 1", "class 2"]
    plt.close(ax.figure)


def test_decision_boundary_draws_on_a_given_ax_and_changes_nothing_in_the_network(xor_net):
    X, y = ns.datasets.xor()
    _ = xor_net.forward(X[1])  # a neuron state that must survive
    before = snapshot(xor_net)
    fig, given = plt.subplots()
    ax = decision_boundary(xor_net, X, y, ax=given, resolution=30)
    assert ax is given and len(ax.images) == 1
    assert_unchanged(xor_net, before)
    plt.close(fig)


def many_outputs_net():
    return ns.Network.from_shape([2, 3, 11], output_activation="softmax", seed=0)


@pytest.mark.parametrize(
    ("make_net", "args", "kwargs", "error", "words"),
    [
        (lambda: ns.Network.from_shape([784, 4, 10], seed=0), "xor", {}, ns.ShapeError, "two inputs"),
        (many_outputs_net, "xor", {}, ns.ShapeError, "at most 10 classes"),
        (None, ([[0.0, 1.0, 2.0]], None), {}, ns.ShapeError, "X has 3 columns"),
        (None, ([[0.0, np.nan]], None), {}, ns.DataError, "X contains nan"),
        (None, (np.zeros((0, 2)), None), {}, ns.ShapeError, "X has no samples"),
        (None, ([[0.0, 1.0], [1.0, 0.0]], [0, 2]), {}, ns.DataError, r"y must hold class labels 0 \.\. 1"),
        (None, ([[0.0, 1.0], [1.0, 0.0]], [0.5, 1]), {}, ns.DataError, "y must hold class labels"),
        (None, ([[0.0, 1.0], [1.0, 0.0]], [0, 1, 1]), {}, ns.ShapeError, "y has 3 samples but X has 2"),
        (
            None,
            ([[0.0, 1.0], [1.0, 0.0]], [[0, 1, 0], [1, 0, 0]]),
            {},
            ns.ShapeError,
            "one-hot rows of shape",
        ),
        (None, ([[0.0, 1.0], [1.0, 0.0]], [[1, 1], [1, 0]]), {}, ns.DataError, "row 0 is"),
        (None, "xor", {"resolution": 1}, ns.ParameterError, "resolution must be"),
        (None, "xor", {"resolution": 2.5}, ns.ParameterError, "resolution must be"),
        (None, "xor", {"resolution": 10**6}, ns.ParameterError, "resolution must be"),
        (None, "xor", {"margin": -1}, ns.ParameterError, "margin must be"),
        (None, "xor", {"margin": float("nan")}, ns.ParameterError, "margin must be"),
    ],
)
def test_decision_boundary_refuses_bad_input_and_draws_nothing(make_net, args, kwargs, error, words):
    net = make_net() if make_net else ns.Network.from_shape([2, 3, 1], seed=0)
    X, y = ns.datasets.xor() if args == "xor" else args
    fig, ax = plt.subplots()
    with refused(net, error, words):
        decision_boundary(net, X, y, ax=ax, **kwargs)
    assert nothing_drawn(ax)
    plt.close(fig)


def test_decision_boundary_refuses_a_non_network_and_a_non_axes():
    X, y = ns.datasets.xor()
    with pytest.raises(ns.ParameterError, match="net must be a neurosim Network; got a list"):
        decision_boundary([1, 2], X, y)
    net = ns.Network.from_shape([2, 3, 1], seed=0)
    with refused(net, ns.ParameterError, "ax must be a matplotlib Axes"):
        decision_boundary(net, X, y, ax="left")
    assert plt.get_fignums() == []


def test_a_network_whose_outputs_overflowed_is_refused():
    X, y = ns.datasets.xor()
    net = ns.Network.from_shape([2, 3, 1], activation="identity", output_activation="identity", seed=0)
    net.synapse("input[0]", "hidden1[0]").weight = 1e308
    net.synapse("hidden1[0]", "output[0]").weight = 1e308
    with refused(net, ns.DataError, r"cannot predict: output output\[0\] is -?inf .* = 1e\+308"):
        decision_boundary(net, X, y)
    with refused(net, ns.DataError, "not finite"):
        neuron_maps(net, X)
    assert plt.get_fignums() == []


# --------------------------------------------------------------------------- neuron_maps


def by_hand_2_3_1(net, grid):
    """The activations of a from_shape([2, 3, 1], tanh, sigmoid) network, from its synapses, in numpy."""
    W1 = np.array([[net.synapse(f"input[{j}]", f"hidden1[{i}]").weight for j in range(2)] for i in range(3)])
    b1 = np.array([net[f"hidden1[{i}]"].bias for i in range(3)])
    w2 = np.array([net.synapse(f"hidden1[{j}]", "output[0]").weight for j in range(3)])
    hidden = np.tanh(grid @ W1.T + b1)
    output = 1.0 / (1.0 + np.exp(-(hidden @ w2 + net["output[0]"].bias)))
    return {"hidden1": hidden, "output": output[:, None]}


def images_of(fig):
    """{neuron name: image} of every thumbnail."""
    return {ax.get_title(): ax.images[0] for ax in fig.axes if ax.images}


def test_each_map_is_its_neurons_activation_computed_by_hand():
    net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=3)
    fig = neuron_maps(net, extent=(-2.0, 2.0, -1.0, 3.0), resolution=7)
    images = images_of(fig)
    assert list(images) == ["hidden1[0]", "hidden1[1]", "hidden1[2]", "output[0]"]
    # pixel centres on the grid points: 7 evenly spaced values from each end of the extent
    grid = pixel_centres(images["output[0]"])
    assert np.allclose(np.unique(grid[:, 0]), np.linspace(-2, 2, 7))
    assert np.allclose(np.unique(grid[:, 1]), np.linspace(-1, 3, 7))
    expected = by_hand_2_3_1(net, grid)
    for name, image in images.items():
        layer, index = name[:-3], int(name[-2])
        assert np.allclose(np.asarray(image.get_array()).ravel(), expected[layer][:, index], rtol=1e-12)
    plt.close(fig)


def test_moons_maps_match_the_object_engine_and_share_one_colour_scale_per_layer():
    X, y = ns.datasets.moons(200, seed=0)
    net = ns.Network.from_shape([2, 4, 4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    net.fit(X, y, epochs=100, lr=0.5, batch_size=20, loss="bce", engine="compiled", seed=0, verbose=0)
    fig = neuron_maps(net, X, y, resolution=25)
    images = images_of(fig)
    non_input = [n for layer in net.layer_order()[1:] for n in layer]
    assert list(images) == [n.name for n in non_input]
    grid = pixel_centres(images["hidden1[0]"])
    net.forward(grid)  # the object engine, neuron by neuron
    for neuron in non_input:
        assert np.allclose(
            np.asarray(images[neuron.name].get_array()).ravel(), neuron.a, rtol=1e-10, atol=1e-12
        )
    # each layer on its activation's whole range: tanh from -1 to 1, the sigmoid from 0 to 1
    for layer, scale in zip(net.layer_order()[1:], [(-1.0, 1.0), (-1.0, 1.0), (0.0, 1.0)], strict=True):
        layer_images = [images[n.name] for n in layer]
        assert {(im.norm.vmin, im.norm.vmax) for im in layer_images} == {scale}
        bars = [im.colorbar for im in layer_images if im.colorbar is not None]
        assert len(bars) == 1  # one colour bar per layer, on the layer's shared scale
        assert (bars[0].norm.vmin, bars[0].norm.vmax) == scale
        assert all(im.get_cmap().name == VALUE_CMAP for im in layer_images)
    # the data on every map, faint
    for ax in fig.axes:
        if ax.images:
            points = points_of(ax)
            assert np.allclose(points.get_offsets(), X) and points.get_alpha() < 1
    plt.close(fig)


def test_maps_are_laid_out_like_the_network():
    net = ns.Network.from_shape([2, 3, 2, 1], activation="relu", output_activation="sigmoid", seed=0)
    fig = neuron_maps(net, resolution=10)
    assert len(fig.subfigs) == 3  # one column per non-input layer, in layer order
    fig.canvas.draw()
    lefts = []
    for subfig, layer in zip(fig.subfigs, net.layer_order()[1:], strict=True):
        assert subfig.get_suptitle().startswith(f"{layer.name} ({layer.activation.name})")
        thumbnails = [ax for ax in subfig.axes if ax.images]
        assert [ax.get_title() for ax in thumbnails] == [n.name for n in layer]
        boxes = [ax.get_window_extent() for ax in thumbnails]  # in pixels of the whole figure
        tops = [box.y1 for box in boxes]
        assert tops == sorted(tops, reverse=True)  # top to bottom
        lefts.append(min(box.x0 for box in boxes))
    assert lefts == sorted(lefts)  # left to right
    plt.close(fig)


def test_a_big_layer_shows_its_first_neurons_and_says_so():
    net = ns.Network.from_shape([2, 20, 1], activation="tanh", output_activation="sigmoid", seed=0)
    fig = neuron_maps(net, resolution=8)
    titles = list(images_of(fig))
    assert titles == [f"hidden1[{i}]" for i in range(MAX_NEURONS_PER_LAYER)] + ["output[0]"]
    assert f"first {MAX_NEURONS_PER_LAYER} of 20" in fig.subfigs[0].get_suptitle()
    assert "first" not in fig.subfigs[1].get_suptitle()
    plt.close(fig)


def test_neuron_maps_leave_the_neurons_state_and_the_network_as_they_were():
    X, y = ns.datasets.xor()
    net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    net.backward(X, y, loss="bce")
    before = snapshot(net)
    fig = neuron_maps(net, X, y, resolution=12)
    assert_unchanged(net, before)
    assert np.array_equal(net["hidden1[1]"].a, before["neuron hidden1[1]"]["a"])
    plt.close(fig)


@pytest.mark.parametrize(
    ("make_net", "kwargs", "error", "words"),
    [
        (lambda: ns.Network.from_shape([784, 4, 10], seed=0), {}, ns.ShapeError, "two inputs"),
        (None, {"y": [0, 1, 1, 0]}, ns.ParameterError, "y .* was given without X"),
        (None, {"X": [[0.0, 1.0]], "y": [0, 1]}, ns.ShapeError, "y has 2 samples but X has 1"),
        (None, {"X": [[0.0, 1.0, 2.0]]}, ns.ShapeError, "X has 3 columns"),
        (None, {"extent": (1, 0, 0, 1)}, ns.ParameterError, "extent must be four finite numbers"),
        (None, {"extent": (0, 1, 0)}, ns.ParameterError, "extent must be four finite numbers"),
        (None, {"extent": "all"}, ns.ParameterError, "extent must be four finite numbers"),
        (None, {"resolution": 0}, ns.ParameterError, "resolution must be"),
        (None, {"margin": "wide"}, ns.ParameterError, "margin must be"),
        (None, {"fig": "new"}, ns.ParameterError, "fig must be an empty matplotlib Figure"),
    ],
)
def test_neuron_maps_refuse_bad_input(make_net, kwargs, error, words):
    net = make_net() if make_net else ns.Network.from_shape([2, 3, 1], seed=0)
    with refused(net, error, words):
        neuron_maps(net, **kwargs)
    assert plt.get_fignums() == []


def test_neuron_maps_draw_in_an_empty_figure_and_refuse_one_with_axes():
    net = ns.Network.from_shape([2, 3, 1], seed=0)
    fig = plt.figure()
    assert neuron_maps(net, fig=fig, resolution=5) is fig
    assert len(images_of(fig)) == 4
    used = plt.figure()
    ax = used.add_subplot()
    with refused(net, ns.ParameterError, "already holds axes"):
        neuron_maps(net, fig=used)
    assert used.axes == [ax] and nothing_drawn(ax)
    plt.close(fig)
    plt.close(used)


# --------------------------------------------------------------------------- history


def test_history_lines_are_the_recorded_values_from_epoch_1():
    X, y = ns.datasets.moons(100, seed=0)
    X_train, X_val, y_train, y_val = ns.datasets.split(X, y, seed=0)
    net = ns.Network.from_shape([2, 6, 1], activation="tanh", output_activation="sigmoid", seed=0)
    hist = net.fit(
        X_train, y_train, epochs=12, lr=0.5, loss="bce", seed=0, verbose=0, validation_data=(X_val, y_val)
    )
    fig = history(hist)
    loss_ax, accuracy_ax = fig.axes[:2]
    for ax, name in ((loss_ax, "loss"), (accuracy_ax, "accuracy")):
        train, validation = ax.lines
        assert (train.get_label(), validation.get_label()) == ("train", "validation")
        assert np.array_equal(train.get_xdata(), np.arange(1, 13))
        assert np.array_equal(train.get_ydata(), getattr(hist, name))
        assert np.array_equal(validation.get_xdata(), np.arange(1, 13))
        assert np.array_equal(validation.get_ydata(), getattr(hist, f"val_{name}"))
        assert ax.get_xlabel() == "epoch" and ax.get_xlim()[0] == 1
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "validation"]
    assert (loss_ax.get_ylabel(), accuracy_ax.get_ylabel()) == ("loss (bce)", "accuracy")
    plt.close(fig)


def test_history_without_validation_or_accuracy_draws_one_panel_with_one_line():
    X = np.array([[0.0], [1.0], [2.0]])
    net = ns.Network.from_shape([1, 1], activation="identity", seed=0)
    hist = net.fit(X, 2 * X + 0.5, epochs=5, lr=0.05, loss="mse", seed=0, verbose=0)
    assert hist.accuracy == []  # regression: no accuracy
    ax = history(hist)
    assert isinstance(ax, mpl.axes.Axes)
    assert len(ax.figure.axes) == 1 and [line.get_label() for line in ax.lines] == ["train"]
    assert np.array_equal(ax.lines[0].get_ydata(), hist.loss)
    plt.close(ax.figure)


def test_history_panels_can_be_chosen_and_given():
    hist = ns.History(loss=[0.9, 0.5, 0.4], accuracy=[0.5, 0.75, 1.0])
    ax = history(hist, metrics=("accuracy",))
    assert ax.get_ylabel() == "accuracy" and np.array_equal(ax.lines[0].get_ydata(), hist.accuracy)
    fig, (left, right) = plt.subplots(1, 2)
    assert history(hist, ax=[left, right]) is fig
    assert (left.get_ylabel(), right.get_ylabel()) == ("loss", "accuracy")
    plt.close(ax.figure)
    plt.close(fig)


def test_a_diverged_history_marks_the_epoch():
    hist = ns.History(loss=[0.7, 3.0, 4e5], diverged_at=4)
    ax = history(hist)
    marks = [line for line in ax.lines if line.get_label().startswith("diverged")]
    assert len(marks) == 1
    assert np.array_equal(marks[0].get_xdata(), [4, 4])
    assert marks[0].get_label() == "diverged at epoch 4"
    assert "diverged at epoch 4" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.get_xlim()[1] > 4  # the mark is inside the axes
    assert ax.get_yscale() == "log"  # the loss spans more than a factor of 1000
    plt.close(ax.figure)


def test_a_real_divergence_is_marked_where_fit_stopped():
    X = np.array([[1.0], [2.0]])
    net = ns.Network.from_shape([1, 4, 1], activation="identity", seed=0)
    with pytest.warns(ns.DivergenceWarning):
        hist = net.fit(X, 1e100 * X, epochs=50, lr=1.0, loss="mse", verbose=0)
    assert hist.diverged_at is not None and hist.loss
    ax = history(hist)
    assert any(np.array_equal(line.get_xdata(), [hist.diverged_at] * 2) for line in ax.lines)
    plt.close(ax.figure)


def test_history_names_the_loss_when_the_history_knows_it():
    hist = ns.History(loss=[0.7, 0.6])
    hist.loss_name = "bce"
    ax = history(hist)
    assert ax.get_ylabel() == "loss (bce)" and ax.get_yscale() == "linear"
    plt.close(ax.figure)


@pytest.mark.parametrize(
    ("hist", "kwargs", "error", "words"),
    [
        (ns.History(), {}, ns.DataError, "hist has no epochs"),
        (ns.History(diverged_at=1), {}, ns.DataError, "diverged in epoch 1"),
        ([0.5, 0.4], {}, ns.ParameterError, "hist must be the History"),
        (ns.History(loss=[1.0]), {"metrics": ("loss", "f1")}, ns.ParameterError, "metrics must be"),
        (ns.History(loss=[1.0]), {"metrics": ()}, ns.ParameterError, "metrics must be"),
        (ns.History(loss=[1.0]), {"metrics": ("accuracy",)}, ns.DataError, "recorded no accuracy"),
        (ns.History(loss=[1.0], accuracy=[1.0]), {"ax": "one"}, ns.ParameterError, "ax must be"),
        (ns.History(loss=[1.0], accuracy=[1.0]), {"ax": "given"}, ns.ParameterError, "one Axes per panel"),
    ],
)
def test_history_refuses_bad_input_and_draws_nothing(hist, kwargs, error, words):
    fig, ax = plt.subplots()
    if kwargs.get("ax") == "given":
        kwargs = {**kwargs, "ax": ax}
    with pytest.raises(error, match=words) as info:
        history(hist, **kwargs)
    assert type(info.value) is error
    assert nothing_drawn(ax) and plt.get_fignums() == [fig.number]
    plt.close(fig)


# --------------------------------------------------------------------------- weights


def pruned_net():
    """2-3-2, a skip connection input[0] -> output[1], input[1] -> hidden1[0] pruned; after a backward."""
    net = ns.Network.from_shape([2, 3, 2], activation="tanh", output_activation="sigmoid", seed=0)
    net.connect("input[0]", "output[1]", weight=-0.7)
    net.disconnect("input[1]", "hidden1[0]")
    X, _ = ns.datasets.xor()
    net.backward(X, np.array([[0, 1], [1, 0], [1, 0], [0, 1]]), loss="bce")
    return net


def expected_matrix(net, source, target, attribute):
    """The block read synapse by synapse: the value where a synapse exists, masked where not."""
    values = np.zeros((net[target].size, net[source].size))
    absent = np.ones_like(values, dtype=bool)
    for t in net[target]:
        for s in net[source]:
            if net.graph.has_edge(s, t):
                values[t.index, s.index] = getattr(net.synapse(s, t), attribute)
                absent[t.index, s.index] = False
    return np.ma.masked_array(values, mask=absent)


def heatmaps(fig):
    return [ax for ax in fig.axes if ax.images]


@pytest.mark.parametrize(("show", "attribute"), [("weights", "weight"), ("gradients", "grad")])
def test_each_heatmap_is_its_block_with_absent_synapses_masked(show, attribute):
    net = pruned_net()
    fig = weights(net, show=show)
    axes = heatmaps(fig)
    pairs = [(b.source.name, b.target.name) for b in net.blocks]
    assert pairs == [("input", "hidden1"), ("input", "output"), ("hidden1", "output")]
    assert [ax.get_title() for ax in axes] == [f"{s} -> {t}" for s, t in pairs]
    for ax, (source, target) in zip(axes, pairs, strict=True):
        image = ax.images[0]
        drawn, expected = image.get_array(), expected_matrix(net, source, target, attribute)
        assert np.array_equal(np.ma.getmaskarray(drawn), np.ma.getmaskarray(expected))
        assert np.array_equal(drawn.compressed(), expected.compressed())
        assert [t.get_text() for t in ax.get_xticklabels()] == [n.name for n in net[source]]
        assert [t.get_text() for t in ax.get_yticklabels()] == [n.name for n in net[target]]
        limit = np.abs(expected.compressed()).max()
        assert (image.norm.vmin, image.norm.vmax) == pytest.approx((-limit, limit))
        assert image.get_cmap().name.startswith(SIGNED_CMAP)
        assert image.colorbar is not None
        # absent synapses are grey, unlike any colour of the signed map
        assert np.allclose(image.get_cmap().get_bad()[:3], to_rgb("#bdbdbd"))
    assert "grey: no synapse" in fig.get_suptitle()
    plt.close(fig)


def test_small_matrices_have_their_values_written_in_and_large_ones_not():
    net = pruned_net()
    fig = weights(net)
    ax = heatmaps(fig)[0]  # input -> hidden1, 3 x 2 with one synapse absent
    written = sorted(float(t.get_text()) for t in ax.texts)
    expected = sorted(round(v, 2) for v in expected_matrix(net, "input", "hidden1", "weight").compressed())
    assert written == pytest.approx(expected, abs=1e-9)
    assert all(t.get_text() for t in ax.texts) and len(ax.texts) == 5
    fig_off = weights(net, annotate=False)
    assert all(not ax.texts for ax in heatmaps(fig_off))
    wide = ns.Network.from_shape([9, 8, 1], seed=0)  # 72 cells: above the automatic limit
    fig_wide = weights(wide)
    assert not heatmaps(fig_wide)[0].texts and len(heatmaps(fig_wide)[1].texts) == 8
    thin = ns.Network.from_shape([2, 16, 1], seed=0)  # hidden1 -> output: 16 cells in one row, too narrow
    fig_thin = weights(thin)
    assert not heatmaps(fig_thin)[1].texts
    for f in (fig, fig_off, fig_wide, fig_thin):
        plt.close(f)


def test_a_side_of_many_neurons_labels_every_kth_tick_with_the_right_name():
    net = ns.Network.from_shape([100, 40, 3], seed=0)
    fig = weights(net)
    ax = heatmaps(fig)[0]
    ticks, labels = ax.get_xticks(), [t.get_text() for t in ax.get_xticklabels()]
    assert 10 <= len(labels) <= 30
    assert labels == [f"input[{int(tick)}]" for tick in ticks]
    assert len(ax.get_yticklabels()) <= 30
    assert [t.get_text() for t in heatmaps(fig)[1].get_yticklabels()] == [
        "output[0]",
        "output[1]",
        "output[2]",
    ]
    plt.close(fig)


def test_weights_work_on_either_engines_training_and_change_nothing():
    X, y = ns.datasets.xor()
    for engine in ("object", "compiled"):
        net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=1)
        net.fit(X, y, epochs=30, lr=0.5, loss="bce", engine=engine, seed=0, verbose=0)
        before = snapshot(net)
        fig = weights(net, show="gradients")
        assert_unchanged(net, before)
        drawn = heatmaps(fig)[1].images[0].get_array()
        assert np.array_equal(
            drawn.compressed(), expected_matrix(net, "hidden1", "output", "grad").compressed()
        )
        plt.close(fig)


def test_weights_refuse_bad_input():
    net = pruned_net()
    with refused(net, ns.ParameterError, "show must be one of 'weights', 'gradients'; got 'biases'"):
        weights(net, show="biases")
    with refused(net, ns.ParameterError, "annotate must be True, False or None"):
        weights(net, annotate="yes")
    with refused(net, ns.ParameterError, "fig must be an empty matplotlib Figure"):
        weights(net, fig=3)
    with pytest.raises(ns.ParameterError, match="net must be a neurosim Network"):
        weights("net")
    loose = ns.Network(seed=0)
    loose.add_layer(2)
    loose.add_layer(1, name="output")
    with refused(loose, ns.StructureError, "no synapses"):
        weights(loose)
    assert plt.get_fignums() == []
    used = plt.figure()
    ax = used.add_subplot()
    with refused(net, ns.ParameterError, "already holds axes"):
        weights(net, fig=used)
    assert used.axes == [ax] and nothing_drawn(ax)
    plt.close(used)


# ------------------------------------------------------------------ rendered pictures


def contains_colour(rgb: np.ndarray, colour, tolerance: float = 0.02) -> bool:
    target = np.array(mcolors.to_rgb(colour))
    return bool((np.abs(rgb - target).max(axis=-1) < tolerance).any())


def test_rendered_history_shows_both_curves():
    X, y = ns.datasets.moons(80, seed=3)
    net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    hist = net.fit(X[:60], y[:60], epochs=5, lr=0.5, loss="bce", verbose=0, validation_data=(X[60:], y[60:]))
    fig = history(hist, metrics=("loss",)).figure
    rgb = render(fig)
    assert contains_colour(rgb, _TRAIN_COLOUR) and contains_colour(rgb, _VALIDATION_COLOUR)
    plt.close(fig)


def test_rendered_heatmap_shows_absent_synapses_grey_and_the_signed_extremes():
    net = ns.Network.from_shape([2, 3, 2], seed=0)
    net.disconnect("input[0]", "hidden1[1]")
    net.synapse("input[1]", "hidden1[1]").weight = 2.0  # the largest |weight|: the darkest blue
    fig = weights(net)
    rgb = render(fig)
    assert contains_colour(rgb, ABSENT_COLOUR)
    assert contains_colour(rgb, plt.get_cmap(SIGNED_CMAP)(1.0)[:3], tolerance=0.03)  # the +2.0 cell
    plt.close(fig)


def test_rendered_neuron_maps_span_their_colour_scale():
    X, y = ns.datasets.moons(100, seed=0)
    net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    net.fit(X, y, epochs=20, lr=0.5, batch_size=16, loss="bce", engine="compiled", verbose=0)
    fig = neuron_maps(net, X, y)
    rgb = render(fig)
    cmap = plt.get_cmap(VALUE_CMAP)
    assert contains_colour(rgb, cmap(0.0)[:3], tolerance=0.03) and contains_colour(
        rgb, cmap(1.0)[:3], tolerance=0.03
    )
    plt.close(fig)
