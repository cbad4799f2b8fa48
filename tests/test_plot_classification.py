"""The confusion matrix and input-weight images: what is drawn, read back and compared with plain loops."""

from __future__ import annotations

import io

import matplotlib as mpl
import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from test_bad_input import refused

import neurosim as ns
from neurosim.plot._style import SIGNED_CMAP
from neurosim.plot.classification import ABSENT_COLOUR, COUNT_CMAP, MAX_ANNOTATED_CLASSES

Y_TRUE = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 3])
Y_PRED = np.array([0, 1, 0, 1, 1, 2, 0, 2, 2, 1])


def counted(y_true, y_pred, n_classes: int) -> list[list[int]]:
    matrix = [[0] * n_classes for _ in range(n_classes)]
    for true, predicted in zip(y_true, y_pred, strict=True):
        matrix[true][predicted] += 1
    return matrix


def rendered_colour(ax, column: float, row: float) -> np.ndarray:
    """The RGB colour the saved picture shows at data point (column, row) of ``ax``."""
    figure = ax.figure
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=figure.dpi)
    buffer.seek(0)
    picture = mpimg.imread(buffer)
    x, y = ax.transData.transform((column, row))
    return picture[round(picture.shape[0] - float(y)), round(float(x)), :3]


def cell_texts(ax) -> dict[tuple[int, int], str]:
    return {
        (round(text.get_position()[1]), round(text.get_position()[0])): text.get_text() for text in ax.texts
    }


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ------------------------------------------------------------------------------ confusion matrix


def test_the_confusion_matrix_counts_each_true_class_against_each_prediction():
    ax = ns.plot.confusion_matrix(Y_TRUE, Y_PRED)
    expected = counted(Y_TRUE, Y_PRED, 4)
    image = ax.images[0]
    assert image.get_array().tolist() == expected
    assert image.get_cmap().name == COUNT_CMAP
    assert image.norm.vmin == 0 and image.norm.vmax == max(max(row) for row in expected)
    texts = cell_texts(ax)
    assert texts == {(i, j): str(expected[i][j]) for i in range(4) for j in range(4) if expected[i][j]}
    assert ax.get_title() == "confusion matrix (accuracy 70.0%)"  # 7 of the 10 on the diagonal
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["0", "1", "2", "3"]


def test_the_saved_picture_shows_each_cell_in_the_colour_of_its_count():
    ax = ns.plot.confusion_matrix(Y_TRUE, Y_PRED)
    cmap, top = mpl.colormaps[COUNT_CMAP], 3  # class 2 predicted right three times: the darkest cell
    for (row, column), count in [((2, 2), 3), ((0, 1), 1), ((3, 0), 0)]:
        # a point inside the cell, off its number
        shown = rendered_colour(ax, column + 0.3, row + 0.3)
        np.testing.assert_allclose(shown, cmap(count / top)[:3], atol=0.02)


def test_a_normalized_matrix_divides_each_row_by_its_samples():
    ax = ns.plot.confusion_matrix(Y_TRUE, Y_PRED, normalize=True)
    counts = counted(Y_TRUE, Y_PRED, 4)
    expected = [[count / sum(row) for count in row] for row in counts]
    np.testing.assert_allclose(ax.images[0].get_array(), expected)
    assert ax.images[0].norm.vmax == 1.0
    assert cell_texts(ax)[(2, 2)] == "0.75"  # three of class 2's four samples


def test_names_label_the_classes_and_cover_classes_never_seen():
    names = ["cat", "dog", "bird", "fish", "frog"]
    ax = ns.plot.confusion_matrix(Y_TRUE, Y_PRED, labels=names)
    assert ax.images[0].get_array().shape == (5, 5)
    assert not np.asarray(ax.images[0].get_array())[4].any()  # no frog in the data
    assert [tick.get_text() for tick in ax.get_yticklabels()] == names


def test_a_given_axes_is_drawn_on_and_returned():
    _, (left, right) = plt.subplots(1, 2)
    assert ns.plot.confusion_matrix(Y_TRUE, Y_PRED, ax=right) is right
    assert right.images and not left.images


def test_many_classes_are_drawn_without_numbers_in_the_cells():
    rng = np.random.default_rng(0)
    n = MAX_ANNOTATED_CLASSES + 1
    y = rng.integers(0, n, size=500)
    ax = ns.plot.confusion_matrix(y, (y + rng.integers(0, 2, size=500)) % n)
    assert ax.images[0].get_array().shape == (n, n) and not ax.texts


def test_dark_cells_get_white_numbers_and_light_ones_black():
    ax = ns.plot.confusion_matrix([0] * 9 + [1], [0] * 9 + [0])
    colours = {position: text.get_color() for position, text in zip(cell_texts(ax), ax.texts, strict=True)}
    assert colours == {(0, 0): "white", (1, 0): "black"}


@pytest.mark.parametrize(
    ("y_true", "y_pred", "options", "error", "match"),
    [
        (
            [[0, 1]],
            [0, 1],
            {},
            ns.ShapeError,
            r"y_true must be a 1-D array of class labels.*got shape \(1, 2\)",
        ),
        ([], [], {}, ns.ShapeError, r"y_true must be a 1-D array .*got shape \(0,\)"),
        ([0, 1, 1], [0, 1], {}, ns.ShapeError, "one label per sample each; got 3 and 2 labels"),
        ([0, -1], [0, 1], {}, ns.DataError, r"y_true must hold class labels 0, 1, 2.*got -1 at index 1"),
        ([0, 1], [0, 0.5], {}, ns.DataError, r"y_pred must hold class labels .*got 0.5 at index 1"),
        ([0, 1], [0, np.nan], {}, ns.DataError, "y_pred contains nan at index 1"),
        ([0, 1], ["a", 1], {}, ns.DataError, "y_pred must be numeric"),
        ([0, 3], [0, 1], {"labels": ["a", "b"]}, ns.DataError, r"labels names 2 classes \(0 .. 1\).*label 3"),
        ([0, 1], [0, 1], {"labels": "ab"}, ns.ParameterError, "labels must be a non-empty sequence"),
        ([0, 1], [0, 1], {"labels": []}, ns.ParameterError, "labels must be a non-empty sequence"),
        ([0, 1], [0, 1], {"normalize": "rows"}, ns.ParameterError, "normalize must be True or False"),
        ([0, 1], [0, 1], {"ax": "left"}, ns.ParameterError, "ax must be a matplotlib Axes"),
    ],
)
def test_bad_confusion_input_is_refused_before_drawing(y_true, y_pred, options, error, match):
    before = plt.get_fignums()
    with pytest.raises(error, match=match) as info:
        ns.plot.confusion_matrix(y_true, y_pred, **options)
    assert type(info.value) is error
    assert plt.get_fignums() == before


# ------------------------------------------------------------------------------ input weights


@pytest.fixture
def pixels_net() -> ns.Network:
    """16 inputs (a 4x4 image), 6 hidden neurons, one of their synapses pruned, then 3 outputs."""
    net = ns.Network.from_shape([16, 6, 3], activation="tanh", output_activation="softmax", seed=2)
    net.disconnect("input[5]", "hidden1[1]")
    return net


def weights_one_by_one(net: ns.Network, neuron: str, shape: tuple[int, int]) -> np.ndarray:
    """Neuron's weight from each input pixel, read one synapse at a time; NaN where there is none."""
    height, width = shape
    image = np.full(shape, np.nan)
    for row in range(height):
        for column in range(width):
            source = f"input[{row * width + column}]"
            if (source, neuron) in {(s.source.name, s.target.name) for s in net[neuron].incoming}:
                image[row, column] = net.synapse(source, neuron).weight
    return image


@pytest.mark.parametrize("shape", [(4, 4), (2, 8)])
def test_each_image_holds_the_neurons_weights_pixel_by_pixel(pixels_net, shape):
    chosen = [4, 1, 0]
    figure = ns.plot.input_weights(pixels_net, neurons=chosen, image_shape=shape)
    panels = [ax for ax in figure.axes if ax.images]
    assert [ax.get_title() for ax in panels] == ["hidden1[4]", "hidden1[1]", "hidden1[0]"]
    for ax, index in zip(panels, chosen, strict=True):
        drawn = ax.images[0].get_array()
        expected = weights_one_by_one(pixels_net, f"hidden1[{index}]", shape)
        assert drawn.shape == shape
        np.testing.assert_array_equal(np.ma.getmaskarray(drawn), np.isnan(expected))
        np.testing.assert_array_equal(drawn.filled(np.nan), expected)


def test_all_images_share_one_colour_scale_symmetric_around_zero(pixels_net):
    figure = ns.plot.input_weights(pixels_net, image_shape=(4, 4))
    largest = max(abs(s.weight) for s in pixels_net.synapses if s.target.layer.name == "hidden1")
    norms = {(ax.images[0].norm.vmin, ax.images[0].norm.vmax) for ax in figure.axes if ax.images}
    assert norms == {(-largest, largest)}
    cmap = figure.axes[0].images[0].get_cmap()
    assert cmap(np.ma.masked_invalid([np.nan]))[0].tolist() == list(to_rgba(ABSENT_COLOUR))
    assert len(figure.axes) == 6 + 1  # every neuron of the layer (6 < 16), then the colour bar


def test_the_default_is_the_first_sixteen_neurons_laid_out_in_a_square():
    net = ns.Network.from_shape([64, 20, 10], seed=0)
    figure = ns.plot.input_weights(net)
    panels = [ax for ax in figure.axes if ax.images]
    assert [ax.get_title() for ax in panels] == [f"hidden1[{i}]" for i in range(16)]
    rows = sorted({round(ax.get_position().y0, 3) for ax in panels})
    assert len(rows) == 4


def test_the_saved_picture_shows_each_weight_in_its_signed_colour(pixels_net):
    figure = ns.plot.input_weights(pixels_net, neurons=[1], image_shape=(4, 4))
    ax = figure.axes[0]
    norm = ax.images[0].norm
    cmap = mpl.colormaps[SIGNED_CMAP]
    expected = weights_one_by_one(pixels_net, "hidden1[1]", (4, 4))
    for row, column in [(0, 0), (1, 1), (3, 2)]:  # (1, 1) is input[5], the pruned synapse
        colour = ABSENT_COLOUR if np.isnan(expected[row, column]) else cmap(norm(expected[row, column]))
        np.testing.assert_allclose(rendered_colour(ax, column, row), to_rgba(colour)[:3], atol=0.02)


def test_a_layer_fed_by_the_input_through_a_skip_connection_can_be_drawn():
    net = ns.Network.from_shape([4, 3, 2], seed=0)
    net.connect("input", "output")
    figure = ns.plot.input_weights(net, "output", image_shape=(2, 2))
    expected = weights_one_by_one(net, "output[1]", (2, 2))
    np.testing.assert_array_equal(figure.axes[1].images[0].get_array(), expected)


def test_an_empty_figure_given_is_drawn_in():
    figure = plt.figure()
    net = ns.Network.from_shape([4, 2, 1], seed=0)
    assert ns.plot.input_weights(net, image_shape=(2, 2), fig=figure) is figure


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        ({"layer": "hidden9"}, ns.UnknownNameError, "layer 'hidden9' is not in the network; its layers are"),
        ({"layer": 1}, ns.ParameterError, "layer must be the name of a layer, like 'hidden1'; got 1"),
        (
            {"layer": "output"},
            ns.ParameterError,
            "layer must be fed by the input layer 'input'.*got 'output'",
        ),
        ({"layer": "input"}, ns.ParameterError, "layer must be fed by the input layer 'input'.*got 'input'"),
        ({"neurons": [0, 6]}, ns.ParameterError, r"indices of 'hidden1'.s neurons, 0 .. 5; got 6 among them"),
        ({"neurons": [True]}, ns.ParameterError, "got True among them"),
        ({"neurons": []}, ns.ParameterError, r"neurons must be a non-empty list .*got \[\]"),
        ({"neurons": 3}, ns.ParameterError, "neurons must be a non-empty list .*got 3"),
        (
            {"image_shape": (8, 8)},
            ns.ShapeError,
            r"image_shape \(8, 8\) holds 64 pixels, but the input layer",
        ),
        ({"image_shape": (4,)}, ns.ParameterError, r"image_shape must be two positive whole numbers"),
        ({"image_shape": (4.0, 4)}, ns.ParameterError, r"image_shape must be two positive whole numbers"),
        ({"columns": 0}, ns.ParameterError, "columns must be a positive whole number"),
        ({"fig": "figure"}, ns.ParameterError, "fig must be an empty matplotlib Figure; got a str"),
    ],
)
def test_bad_input_weights_arguments_are_refused_and_leave_the_network_as_it_was(
    pixels_net, arguments, error, match
):
    options = {"image_shape": (4, 4), **arguments}
    before = plt.get_fignums()
    with refused(pixels_net, error, match):
        ns.plot.input_weights(pixels_net, **options)
    assert plt.get_fignums() == before


def test_input_weights_needs_a_network():
    with pytest.raises(ns.ParameterError, match="net must be a neurosim Network; got a dict"):
        ns.plot.input_weights({"hidden1": []})


def test_a_figure_that_holds_axes_is_refused():
    figure, _ = plt.subplots()
    net = ns.Network.from_shape([4, 2, 1], seed=0)
    with pytest.raises(ns.ParameterError, match="fig must be an empty matplotlib Figure; got a Figure that"):
        ns.plot.input_weights(net, image_shape=(2, 2), fig=figure)


@pytest.mark.parametrize(
    ("hidden", "neurons", "words"),
    [
        (64, None, "the first 16 of 64 neurons of 'hidden1'"),
        (10, [2, 5], "2 of 10 neurons of 'hidden1'"),
        (4, None, "all 4 neurons of 'hidden1'"),
    ],
)
def test_the_title_says_which_neurons_the_picture_shows(hidden, neurons, words):
    net = ns.Network.from_shape([64, hidden, 10], seed=0)
    fig = ns.plot.input_weights(net, neurons=neurons)
    assert words in fig.get_suptitle()
    assert sum(1 for ax in fig.axes if ax.images) == {64: 16, 10: 2, 4: 4}[hidden]
    plt.close(fig)


def test_a_shared_limit_puts_pictures_of_a_series_on_one_colour_scale():
    net = ns.Network.from_shape([4, 3, 2], seed=0)
    before = ns.plot.weights(net, limit=2.5)
    scales = {(im.norm.vmin, im.norm.vmax) for ax in before.axes for im in ax.images}
    assert scales == {(-2.5, 2.5)}
    pixels = ns.plot.input_weights(net, image_shape=(2, 2), limit=2.5)
    assert {(im.norm.vmin, im.norm.vmax) for ax in pixels.axes for im in ax.images} == {(-2.5, 2.5)}
    plt.close("all")
    with pytest.raises(ns.ParameterError, match="above 0"):
        ns.plot.weights(net, limit=0.0)
