"""The plotting maths without drawing: the network picture's layout and the input plane.

Expected values are worked by hand, taken from the object model
(``net.synapses``, each synapse's weight and gradient) or from a brute-force
or hand-written numpy computation, never from the code under test. The
layout modules are also checked to import no matplotlib.
"""

from __future__ import annotations

import ast
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurosim as ns
from neurosim.plot.graph_layout import (
    Edges,
    Layout,
    band_lines,
    bands,
    curves,
    keep_strongest,
    largest_k,
    notes,
    skip_peaks,
    synapse_edges,
)
from neurosim.plot.plane import (
    MAX_RESOLUTION,
    activation_maps,
    check_margin,
    check_resolution,
    class_labels,
    data_ranges,
    extent_ranges,
    grid,
    grid_outputs,
    pixel_extent,
    plane_ranges,
)

ROOT = Path(__file__).resolve().parent.parent
LAYOUT_MODULES = {
    "neurosim.plot.graph_layout": ROOT / "neurosim" / "plot" / "graph_layout.py",
    "neurosim.plot.plane": ROOT / "neurosim" / "plot" / "plane.py",
}


NEURON_ORDER_2_3_1 = ["input[0]", "input[1]", "hidden1[0]", "hidden1[1]", "hidden1[2]", "output[0]"]


def names(neurons):
    return [neuron.name for neuron in neurons]


# --------------------------------------------------------------------------- neuron positions


def test_neuron_positions_of_a_2_3_1_network_worked_by_hand():
    # columns 1 apart; 3 neurons at most, so neighbours 0.6 apart, centred on 0, index 0 on top
    layout = Layout(ns.Network.from_shape([2, 3, 1], seed=0), max_neurons_per_layer=32)
    assert names(layout.neurons) == NEURON_ORDER_2_3_1
    expected = [[0, 0.3], [0, -0.3], [1, 0.6], [1, 0.0], [1, -0.6], [2, 0.0]]
    np.testing.assert_allclose(layout.xy, expected, atol=1e-12)
    assert layout.spacing == pytest.approx(0.6)
    assert [layout.column[layer] for layer in layout.order] == [0, 1, 2]
    assert layout.collapsed == []


def test_the_tallest_column_spans_2_when_neighbours_would_be_further_than_0_6_apart():
    # 5 neurons: 4 gaps share a height of 2, so 0.5 apart
    layout = Layout(ns.Network.from_shape([2, 5, 1], seed=0), max_neurons_per_layer=32)
    assert layout.spacing == pytest.approx(0.5)
    np.testing.assert_allclose(layout.xy[:2], [[0, 0.25], [0, -0.25]])
    np.testing.assert_allclose(layout.xy[2:7, 1], [1.0, 0.5, 0.0, -0.5, -1.0], atol=1e-12)
    np.testing.assert_allclose(layout.xy[2:7, 0], [1, 1, 1, 1, 1])
    assert layout.half_height(layout.order[1]) == pytest.approx(1.0)
    assert layout.half_height(layout.order[0]) == pytest.approx(0.25)


def test_a_layer_larger_than_the_limit_becomes_a_block_and_its_neurons_are_not_placed():
    net = ns.Network.from_shape([3, 40, 2], seed=0)
    layout = Layout(net, max_neurons_per_layer=32)
    assert [layer.name for layer in layout.collapsed] == ["hidden1"]
    assert names(layout.neurons) == ["input[0]", "input[1]", "input[2]", "output[0]", "output[1]"]
    np.testing.assert_allclose(layout.xy, [[0, 0.6], [0, 0.0], [0, -0.6], [2, 0.3], [2, -0.3]], atol=1e-12)
    # the tallest column drawn one by one has 3 neurons (reaching 0.6), but a block reaches at least 0.9
    assert layout.block_half_height == pytest.approx(0.9)
    assert layout.half_height(net["hidden1"]) == pytest.approx(0.9)
    assert layout.half_height(net["input"]) == pytest.approx(0.6)


@pytest.mark.parametrize(
    ("shape", "limit", "expected"),
    [
        ([2, 3, 1], 32, (7.2, 4.8)),  # 1.9 * 3 + 1.5 wide; 0.26 * 3 + 2 is under the least height 4.8
        ([2, 30, 1], 32, (7.2, 9.8)),  # 0.26 * 30 + 2 high
        ([2, 100, 1], 200, (7.2, 12.0)),  # 28 high, capped at 12
        ([2, 3, 3, 3, 3, 3, 3, 3, 3, 1], 32, (16.0, 4.8)),  # 20.5 wide, capped at 16
        ([1, 1], 32, (6.4, 4.8)),  # the least size
        ([2, 100, 1], 32, (7.2, 4.8)),  # a block counts as 8 rows: 0.26 * 8 + 2 = 4.08
    ],
)
def test_figure_size_grows_with_columns_and_rows_within_limits(shape, limit, expected):
    layout = Layout(ns.Network.from_shape(shape, seed=0), max_neurons_per_layer=limit)
    assert layout.figsize() == pytest.approx(expected)


# --------------------------------------------------------------------------- synapses drawn one by one

NEURON_ORDER = ["input[0]", "input[1]", "hidden1[0]", "hidden1[1]", "hidden1[2]", "output[0]", "output[1]"]


@pytest.fixture
def skip_net():
    """A 2-3-2 network with a skip synapse input[1] -> output[0] and input[0] -> hidden1[1] pruned."""
    net = ns.Network.from_shape([2, 3, 2], activation="tanh", seed=3)
    net.connect("input[1]", "output[0]", weight=0.7)
    net.disconnect("input[0]", "hidden1[1]")
    return net


def expected_edges(net, value_of):
    """(source place, target place, value, skip) of every synapse, read from the object model."""
    return [
        (
            NEURON_ORDER.index(s.source.name),
            NEURON_ORDER.index(s.target.name),
            value_of(s),
            (s.source.name, s.target.name) == ("input[1]", "output[0]"),
        )
        for s in net.synapses
    ]


def edge_tuples(edges):
    arrays = (edges.source, edges.target, edges.value, edges.skip)
    return list(zip(*(array.tolist() for array in arrays), strict=True))


def test_edges_are_every_synapse_in_net_synapses_order_with_its_weight(skip_net):
    edges = synapse_edges(skip_net, Layout(skip_net, 32), "weights", max_synapses=300)
    expected = expected_edges(skip_net, lambda s: s.weight)
    assert len(expected) == 6 + 6 - 1 + 1
    assert edge_tuples(edges) == expected
    assert edges.total == len(expected) and edges.k is None


def test_edges_carry_gradients_when_asked(skip_net):
    X = np.array([[0.5, -1.0], [1.0, 0.25]])
    skip_net.backward(X, np.array([[1.0, 0.0], [0.0, 1.0]]), loss="mse")
    edges = synapse_edges(skip_net, Layout(skip_net, 32), "gradients", max_synapses=300)
    expected = expected_edges(skip_net, lambda s: s.grad)
    assert any(value != 0 for _, _, value, _ in expected)
    assert edge_tuples(edges) == expected


def test_synapses_touching_a_block_are_not_edges():
    net = ns.Network.from_shape([3, 40, 2], seed=0)
    net.connect("input[2]", "output[1]", weight=-1.5)
    edges = synapse_edges(net, Layout(net, 32), "weights", max_synapses=300)
    # input is column 0 and output column 2, so the one synapse left is a skip
    assert edge_tuples(edges) == [(2, 4, -1.5, True)]
    assert edges.total == 1


def test_past_max_synapses_each_neuron_keeps_its_strongest_incoming(skip_net):
    # 12 synapses, incoming: hidden1[0..2] 2, 1, 2; output[0..1] 4, 3
    # k = 2 keeps 2 + 1 + 2 + 2 + 2 = 9, and k = 3 would keep 11
    edges = synapse_edges(skip_net, Layout(skip_net, 32), "weights", max_synapses=9)
    assert edges.k == 2 and edges.total == 12 and len(edges.value) == 9
    for target in set(edges.target.tolist()):
        into = [s for s in skip_net.synapses if s.target.name == NEURON_ORDER[target]]
        strongest = sorted(abs(s.weight) for s in into)[-2:]
        assert sorted(np.abs(edges.value[edges.target == target]).tolist()) == strongest


# --------------------------------------------------------------------------- strongest k


def test_keep_strongest_worked_by_hand():
    # neuron 0 has 3 incoming, neuron 1 has 1: k = 2 keeps 2 + 1 = 3 synapses; k = 3 would keep 4
    edges = Edges(
        source=np.array([10, 11, 12, 13]),
        target=np.array([0, 0, 0, 1]),
        value=np.array([0.1, -0.5, 0.3, 2.0]),
        skip=np.array([False, True, False, False]),
        total=4,
    )
    kept = keep_strongest(edges, max_synapses=3)
    assert kept.k == 2
    assert kept.source.tolist() == [11, 12, 13]
    assert kept.value.tolist() == [-0.5, 0.3, 2.0]
    assert kept.skip.tolist() == [True, False, False]
    assert kept.total == 4


def test_a_nan_value_is_weaker_than_0_and_ties_keep_the_first():
    # two neurons of 3 incoming each, at most 2 in all: k = 1
    edges = Edges(
        source=np.arange(6),
        target=np.array([0, 0, 0, 1, 1, 1]),
        value=np.array([np.nan, 0.0, -0.0, 0.5, -0.5, np.nan]),
        skip=np.zeros(6, bool),
        total=6,
    )
    kept = keep_strongest(edges, max_synapses=2)
    assert kept.k == 1
    assert kept.source.tolist() == [1, 3]


@pytest.mark.parametrize(
    ("incoming", "max_synapses", "k"),
    [
        ([3, 1], 3, 2),
        ([3, 1], 4, 3),
        ([3, 1], 100, 3),  # never more than the most incoming synapses
        ([5, 5, 5], 2, 1),  # at least 1, even past the limit
        ([0, 4, 0, 4], 6, 3),  # neurons without incoming synapses do not count
    ],
)
def test_largest_k_worked_by_hand(incoming, max_synapses, k):
    assert largest_k(np.array(incoming), max_synapses) == k


def brute_force_strongest(targets, values, max_synapses):
    """The k and the kept positions, by trying every k and sorting each neuron's synapses."""
    counts = [targets.count(t) for t in set(targets)]
    fitting = [k for k in range(1, max(counts) + 1) if sum(min(c, k) for c in counts) <= max_synapses]
    k = max(fitting, default=1)

    def strength(i):
        return -1.0 if math.isnan(values[i]) else abs(values[i])

    kept = []
    for t in set(targets):
        mine = [i for i in range(len(targets)) if targets[i] == t]
        mine.sort(key=lambda i: (-strength(i), i))
        kept += mine[:k]
    return k, sorted(kept)


@settings(max_examples=200, deadline=None)
@given(
    pairs=st.lists(
        st.tuples(st.integers(0, 5), st.floats(allow_infinity=False, allow_nan=True, width=32)),
        min_size=1,
        max_size=40,
    ),
    max_synapses=st.integers(1, 45),
)
def test_keep_strongest_agrees_with_a_brute_force_selection(pairs, max_synapses):
    targets = [t for t, _ in pairs]
    values = [v for _, v in pairs]
    n = len(pairs)
    edges = Edges(np.arange(n), np.array(targets), np.array(values), np.zeros(n, bool), total=n)
    kept = keep_strongest(edges, max_synapses)
    k, expected = brute_force_strongest(targets, values, max_synapses)
    assert kept.k == k
    assert kept.source.tolist() == expected
    np.testing.assert_array_equal(kept.value, np.array(values)[expected])


# --------------------------------------------------------------------------- bands of blocks


def test_bands_hold_the_mean_of_each_block_that_touches_a_collapsed_layer():
    net = ns.Network.from_shape([3, 40, 2], seed=0)
    net.disconnect("input[0]", "hidden1[5]")  # a pruned synapse is not in the mean
    found = bands(net, Layout(net, 32), "weights")
    assert [(band.source.name, band.target.name) for band in found] == [
        ("input", "hidden1"),
        ("hidden1", "output"),
    ]
    for band in found:
        weights = np.array([s.weight for s in net.synapses if s.target.layer is band.target])
        assert band.count == len(weights)
        assert band.mean == pytest.approx(np.mean(weights), rel=1e-12)
        assert band.mean_abs == pytest.approx(np.mean(np.abs(weights)), rel=1e-12)
    assert [band.count for band in found] == [3 * 40 - 1, 40 * 2]


def test_bands_average_gradients_when_asked():
    net = ns.Network.from_shape([3, 40, 2], activation="tanh", seed=1)
    net.backward(np.array([[1.0, -0.5, 2.0]]), np.array([[1.0, 0.0]]), loss="mse")
    found = bands(net, Layout(net, 32), "gradients")
    for band in found:
        grads = np.array([s.grad for s in net.synapses if s.target.layer is band.target])
        assert np.abs(grads).max() > 0
        assert band.mean == pytest.approx(np.mean(grads), rel=1e-12)
        assert band.mean_abs == pytest.approx(np.mean(np.abs(grads)), rel=1e-12)


def test_no_bands_without_a_collapsed_layer():
    net = ns.Network.from_shape([2, 3, 1], seed=0)
    assert bands(net, Layout(net, 32), "weights") == []


# --------------------------------------------------------------------------- curves


def test_curves_run_from_start_to_end_through_their_peak_halfway():
    start = np.array([[0.0, 0.3], [1.0, -0.6]])
    end = np.array([[2.0, 0.0], [3.0, 0.6]])
    points = curves(start, end, np.array([0.82, -1.0]))
    assert points.shape == (2, 25, 2)
    np.testing.assert_allclose(points[:, 0], start)
    np.testing.assert_allclose(points[:, -1], end)
    np.testing.assert_allclose(points[:, 12], [[1.0, 0.82], [2.0, -1.0]])
    # the control point lies halfway across, so x moves evenly from start to end
    np.testing.assert_allclose(points[0, :, 0], np.linspace(0.0, 2.0, 25))


def test_skip_peaks_clear_the_columns_they_jump_worked_by_hand():
    # 2-3-1: hidden1 reaches 0.6, so a skip from column 0 to 2 bows to 0.6 + 0.12 + 0.1
    layout = Layout(ns.Network.from_shape([2, 3, 1], seed=0), 32)
    start = np.array([[0.0, 0.3], [0.0, -0.3]])
    end = np.array([[2.0, 0.0], [2.0, 0.0]])
    np.testing.assert_allclose(skip_peaks(layout, start, end), [0.82, -0.82])
    # 1-3-2-1: from column 0 to 3 jumps hidden1 (0.6) and hidden2 (0.3), and one column more adds 0.08
    layout = Layout(ns.Network.from_shape([1, 3, 2, 1], seed=0), 32)
    np.testing.assert_allclose(skip_peaks(layout, np.array([[0.0, 0.0]]), np.array([[3.0, 0.0]])), [0.9])


def test_band_lines_join_the_sides_of_their_columns():
    net = ns.Network.from_shape([2, 40, 3, 1], seed=0)
    net.connect("hidden1", "output")  # a band that skips hidden2
    layout = Layout(net, 32)
    lines = band_lines(layout, bands(net, layout, "weights"))
    assert len(lines) == 3
    # a block is 0.12 + 0.02 wide either side of its column, a column of neurons 0.2
    np.testing.assert_allclose(lines[0], [[0.2, 0.0], [0.86, 0.0]])
    np.testing.assert_allclose(lines[1], [[1.14, 0.0], [1.8, 0.0]])
    assert lines[2].shape == (25, 2)
    np.testing.assert_allclose(lines[2][[0, -1]], [[1.14, 0.0], [2.8, 0.0]])
    # hidden2 reaches 0.6: the band bows to 0.6 + 0.12 + 0.1 halfway
    np.testing.assert_allclose(lines[2][12], [(1.14 + 2.8) / 2, 0.82])


# --------------------------------------------------------------------------- notes


def made_edges(kept, total, k):
    return Edges(np.zeros(kept, int), np.zeros(kept, int), np.ones(kept), np.zeros(kept, bool), total, k)


def test_notes_say_what_was_left_out():
    small = ns.Network.from_shape([2, 3, 1], seed=0)
    layout = Layout(small, 32)
    assert notes(layout, made_edges(9, 9, None), [], "weight", 32) == []
    assert notes(layout, made_edges(4, 9, 1), [], "weight", 32) == [
        "showing the strongest incoming synapse per neuron (4 of 9)"
    ]
    assert notes(layout, made_edges(1200, 2345, 3), [], "gradient", 32) == [
        "showing the 3 strongest incoming synapses per neuron (1,200 of 2,345)"
    ]
    big = ns.Network.from_shape([40, 2], seed=0)
    layout = Layout(big, 32)
    found = bands(big, layout, "weights")
    assert notes(layout, made_edges(0, 0, None), found, "weight", 32) == [
        "showing layers of more than 32 neurons as blocks (input), "
        "and their 80 synapses as 1 band of mean weight"
    ]


# --------------------------------------------------------------------------- the input plane


def test_grid_points_run_row_by_row_from_the_bottom():
    xs, ys, points = grid((0.0, 1.0), (-1.0, 1.0), 3)
    assert xs.tolist() == [0.0, 0.5, 1.0]
    assert ys.tolist() == [-1.0, 0.0, 1.0]
    assert points.tolist() == [
        [0.0, -1.0], [0.5, -1.0], [1.0, -1.0],
        [0.0, 0.0], [0.5, 0.0], [1.0, 0.0],
        [0.0, 1.0], [0.5, 1.0], [1.0, 1.0],
    ]  # fmt: skip


def test_pixel_extent_puts_pixel_centres_on_grid_points():
    # steps of 0.5 and 2: edges half a step beyond the first and last points
    assert pixel_extent(np.array([0.0, 0.5, 1.0]), np.array([-2.0, 0.0, 2.0, 4.0])) == pytest.approx(
        (-0.25, 1.25, -3.0, 5.0)
    )


def test_data_ranges_add_the_margin_and_widen_narrow_ranges_to_1():
    X = np.array([[-1.0, 3.0], [2.0, 3.2], [0.5, 3.1]])
    np.testing.assert_allclose(data_ranges(X, 0.5), [(-1.5, 2.5), (2.5, 3.7)])
    # y spans 0.2 + 2 * 0.1 = 0.4 < 1: widened about its middle 3.1
    np.testing.assert_allclose(data_ranges(X, 0.1), [(-1.1, 2.1), (2.6, 3.6)])


def test_plane_ranges_prefer_extent_then_data_then_the_unit_square():
    X = np.array([[0.0, 0.0], [4.0, 2.0]])
    assert plane_ranges(X, 1.0, extent=(-5, 5, 0, 1)) == ((-5.0, 5.0), (0.0, 1.0))
    np.testing.assert_allclose(plane_ranges(X, 1.0), [(-1.0, 5.0), (-1.0, 3.0)])
    np.testing.assert_allclose(plane_ranges(None, 0.25), [(-1.25, 1.25), (-1.25, 1.25)])


@pytest.mark.parametrize(
    "extent", [(0, 1, 0), (1, 0, 0, 1), (0, 1, 1, 1), (0, float("nan"), 0, 1), ("a", "b", "c", "d"), None]
)
def test_an_extent_that_is_not_four_increasing_pairs_is_refused(extent):
    with pytest.raises(ns.ParameterError, match=r"extent must be four finite numbers .*; got"):
        extent_ranges(extent)


def test_resolution_and_margin_checks():
    assert check_resolution(2) == 2 and check_resolution(np.int64(MAX_RESOLUTION)) == MAX_RESOLUTION
    for bad in (1, MAX_RESOLUTION + 1, True, 2.5, "10"):
        with pytest.raises(ns.ParameterError, match="resolution must be a whole number"):
            check_resolution(bad)
    assert check_margin(0) == 0.0 and check_margin(np.float64(0.25)) == 0.25
    for bad in (-0.1, float("inf"), float("nan"), True, "1"):
        with pytest.raises(ns.ParameterError, match="margin must be a finite number"):
            check_margin(bad)


# --------------------------------------------------------------------------- class labels


@pytest.mark.parametrize(
    ("y", "n_classes", "expected"),
    [
        ([0, 2, 1, 2], 3, [0, 2, 1, 2]),
        ([1.0, 0.0, 1.0, 1.0], 2, [1, 0, 1, 1]),
        ([[1], [0], [0], [1]], 2, [1, 0, 0, 1]),
        ([[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]], 3, [2, 0, 1, 2]),
    ],
)
def test_class_labels_from_labels_or_one_hot_rows(y, n_classes, expected):
    labels = class_labels(y, 4, n_classes)
    assert labels.tolist() == expected
    assert labels.dtype.kind == "i"


@pytest.mark.parametrize(
    ("y", "n_classes", "error", "message"),
    [
        ([0, 1.5], 2, ns.DataError, "got 1.5 at index 1"),
        ([0, -1], 2, ns.DataError, "class labels 0 .. 1"),
        ([0, 2], 2, ns.DataError, "got 2 at index 1"),
        ([[1, 0], [1, 1]], 2, ns.DataError, r"row 1 is \[1.0, 1.0\]"),
        ([[1, 0], [0.5, 0.5]], 2, ns.DataError, "one-hot rows"),
        ([0, float("nan")], 2, ns.DataError, "y"),
        ([0, 1, 1], 2, ns.ShapeError, "y has 3 samples but X has 2"),
        ([[0, 0, 1], [1, 0, 0]], 2, ns.ShapeError, r"got shape \(2, 3\)"),
    ],
)
def test_class_labels_refuse_what_is_not_a_label(y, n_classes, error, message):
    with pytest.raises(error, match=message):
        class_labels(y, 2, n_classes)


# --------------------------------------------------------------------------- the network on the grid


def numpy_forward(net, points):
    """Each layer's activations for a 2-3-2 tanh/sigmoid network, from its synapses' weights by hand."""

    def weights(source, target):
        return np.array(
            [[net.synapse(f"{source}[{i}]", f"{target}[{j}]").weight for i in range(net[source].size)]
             for j in range(net[target].size)]
        )  # fmt: skip

    def biases(layer):
        return np.array([neuron.bias for neuron in net[layer]])

    hidden = np.tanh(points @ weights("input", "hidden1").T + biases("hidden1"))
    output = 1 / (1 + np.exp(-(hidden @ weights("hidden1", "output").T + biases("output"))))
    return {"hidden1": hidden, "output": output}


@pytest.fixture
def plane_net():
    return ns.Network.from_shape([2, 3, 2], activation="tanh", output_activation="sigmoid", seed=4)


def test_grid_outputs_match_a_hand_written_forward_pass_over_several_chunks(plane_net):
    _, _, points = grid((-3.0, 3.0), (-2.0, 2.0), 130)  # 16,900 points: more than one batched pass
    outputs = grid_outputs(plane_net, points)
    np.testing.assert_allclose(outputs, numpy_forward(plane_net, points)["output"], rtol=1e-10, atol=1e-12)


def test_activation_maps_match_a_hand_written_forward_pass_and_leave_the_neurons_as_they_were(plane_net):
    plane_net.forward([0.3, -0.2])
    before = {neuron.name: (neuron.z, neuron.a) for neuron in plane_net.neurons}
    _, _, points = grid((-1.0, 1.0), (-1.0, 1.0), 130)
    layers = [plane_net["hidden1"], plane_net["output"]]
    maps = activation_maps(plane_net, points, layers)
    expected = numpy_forward(plane_net, points)
    for layer in layers:
        np.testing.assert_allclose(maps[layer], expected[layer.name], rtol=1e-10, atol=1e-12)
    assert {neuron.name: (neuron.z, neuron.a) for neuron in plane_net.neurons} == before


@pytest.fixture
def overflowing_net():
    """A 2-1 identity network whose output is infinite at input[0] = 10."""
    net = ns.Network.from_shape([2, 1], activation="identity", seed=0)
    net.synapse("input[0]", "output[0]").weight = 1e308
    return net


def test_outputs_that_overflow_are_refused(overflowing_net):
    _, _, points = grid((0.0, 10.0), (0.0, 10.0), 3)
    with pytest.raises(ns.DataError, match=r"cannot predict: output output\[0\] is inf .*network is broken"):
        grid_outputs(overflowing_net, points)


def test_activations_that_overflow_are_refused(overflowing_net):
    _, _, points = grid((0.0, 10.0), (0.0, 10.0), 3)
    with pytest.raises(ns.DataError, match="activations are not finite"):
        activation_maps(overflowing_net, points, [overflowing_net["output"]])


# --------------------------------------------------------------------------- no matplotlib


IMPORT_EACH_ALONE = textwrap.dedent(
    """
    import importlib.util
    import sys

    import neurosim

    assert "matplotlib" not in sys.modules, "import neurosim loaded matplotlib"
    for name, path in zip(sys.argv[1::2], sys.argv[2::2]):
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        assert "matplotlib" not in sys.modules, f"importing {name} loaded matplotlib"
        assert "neurosim.plot" not in sys.modules, f"importing {name} ran neurosim.plot"
    print("imported", len(sys.argv[1:]) // 2)
    """
)


def test_the_layout_modules_run_without_loading_matplotlib():
    args = [str(part) for name, path in LAYOUT_MODULES.items() for part in (name, path)]
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH_ALONE, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"imported {len(LAYOUT_MODULES)}"


def imported_names(path):
    """Every module an import statement of ``path`` names, in full (``from a import b`` names a and a.b)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            found += [module, *(f"{module}.{alias.name}" for alias in node.names)]
    return found


@pytest.mark.parametrize("name", sorted(LAYOUT_MODULES))
def test_the_layout_modules_import_no_matplotlib_and_no_renderer(name):
    imported = imported_names(LAYOUT_MODULES[name])
    assert "numpy" in imported  # the walk does see the module's imports
    for module in imported:
        assert not module.startswith("."), f"{name} has a relative import {module}"
        assert module.split(".")[0] != "matplotlib", f"{name} imports {module}"
        assert not f"{module}.".startswith("neurosim.plot."), f"{name} imports {module}"
