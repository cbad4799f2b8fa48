"""neurosim.plot.network: what the network drawing draws, checked against the network itself."""

import matplotlib as mpl
import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgb

import neurosim as ns
from neurosim.plot._style import NEGATIVE, POSITIVE, SIGNED_CMAP, VALUE_CMAP
from neurosim.plot.network import network


def skip_net(seed=0):
    """2-3-1 with a skip connection input[0] -> output[0] and the synapse input[1] -> hidden1[0] pruned."""
    net = ns.Network(seed=seed)
    net.add_layer(2)
    net.add_layer(3, activation="sigmoid")
    net.add_layer(1, name="output", activation="sigmoid")
    net.connect("input", "hidden1")
    net.connect("hidden1", "output")
    net.connect("input[0]", "output[0]", weight=0.3)
    net.disconnect("input[1]", "hidden1[0]")
    return net


def one(ax, gid, where="collections"):
    found = [artist for artist in getattr(ax, where) if artist.get_gid() == gid]
    assert len(found) == 1, f"expected one artist with gid {gid!r} in ax.{where}, found {len(found)}"
    return found[0]


def neuron_positions(ax, net):
    """Where each neuron is, for a network without blocks: the 'neurons' markers are in net.neurons order."""
    offsets = one(ax, "neurons").get_offsets()
    return {neuron.name: tuple(offsets[i]) for i, neuron in enumerate(net.neurons)}


def is_skip(synapse, net):
    order = net.layer_order()
    return order.index(synapse.target.layer) - order.index(synapse.source.layer) > 1


def drawn_pairs(ax, net):
    """(source name, target name) of each straight and each curved edge, read back from the geometry."""
    where = {tuple(np.round(xy, 9)): name for name, xy in neuron_positions(ax, net).items()}
    pairs = {}
    for gid in ("synapses", "skip-synapses"):
        pairs[gid] = [
            (where[tuple(np.round(line[0], 9))], where[tuple(np.round(line[-1], 9))])
            for line in one(ax, gid).get_segments()
        ]
    return pairs


def edge_rgb(collection):
    return [tuple(colour[:3]) for colour in collection.get_colors()]


def expected_rgb(value):
    return to_rgb(POSITIVE) if value > 0 else to_rgb(NEGATIVE)


# ---------------------------------------------------------------------- edges


def test_every_synapse_is_drawn_once_skip_connections_curved():
    net = skip_net()
    fig, ax = plt.subplots()
    assert network(net, ax=ax) is ax
    pairs = drawn_pairs(ax, net)
    names = [(s.source.name, s.target.name) for s in net.synapses]
    assert len(names) == 9
    assert pairs["synapses"] == [
        pair for pair, s in zip(names, net.synapses, strict=True) if not is_skip(s, net)
    ]
    assert pairs["skip-synapses"] == [("input[0]", "output[0]")]
    assert len(pairs["synapses"]) + len(pairs["skip-synapses"]) == len(net.synapses)
    assert ("input[1]", "hidden1[0]") not in pairs["synapses"]

    # the curve bows clear of the column it jumps over instead of running through it
    curve = one(ax, "skip-synapses").get_segments()[0]
    hidden_y = [xy[1] for name, xy in neuron_positions(ax, net).items() if name.startswith("hidden1")]
    assert len(curve) > 2
    assert np.abs(curve[:, 1]).max() > np.abs(hidden_y).max()
    plt.close(fig)


def test_edges_follow_net_synapses_order_with_several_skip_blocks_into_one_layer():
    net = ns.Network.from_shape([2, 3, 3, 2], seed=4)
    net.connect("input", "output")
    net.connect("hidden1", "output")
    fig, ax = plt.subplots()
    network(net, ax=ax)
    pairs = drawn_pairs(ax, net)
    skips = [(s.source.name, s.target.name) for s in net.synapses if is_skip(s, net)]
    assert len(skips) == 2 * 2 + 3 * 2
    assert (
        pairs["skip-synapses"] == skips
    )  # output[0]'s synapses (from input, then hidden1), then output[1]'s
    weights = [s.weight for s in net.synapses if is_skip(s, net)]
    assert edge_rgb(one(ax, "skip-synapses")) == [expected_rgb(w) for w in weights]
    plt.close(fig)


def test_columns_follow_layer_order_not_the_order_layers_were_added():
    net = ns.Network(seed=0)
    net.add_layer(2)
    net.add_layer(1, name="output")
    net.add_layer(3, name="hidden")
    net.connect("input", "hidden")
    net.connect("hidden", "output")
    assert [layer.name for layer in net.layers] == ["input", "output", "hidden"]
    fig, ax = plt.subplots()
    network(net, ax=ax)
    xy = neuron_positions(ax, net)
    assert xy["input[0]"][0] < xy["hidden[0]"][0] < xy["output[0]"][0]
    assert drawn_pairs(ax, net)["synapses"] == [(s.source.name, s.target.name) for s in net.synapses]
    headers = sorted((t.get_position()[0], t.get_text()) for t in ax.texts if t.get_gid() == "layer-name")
    assert [name for _, name in headers] == ["input", "hidden", "output"]
    plt.close(fig)


def test_edge_colours_follow_weight_signs_and_widths_grow_with_abs_weight():
    net = skip_net()
    weights = [0.9, -0.2, -1.5, 0.05, 2.0, -0.7, 0.4, -3.0, 1.1]
    for synapse, weight in zip(net.synapses, weights, strict=True):
        synapse.weight = weight
    fig, ax = plt.subplots()
    network(net, ax=ax)
    straight, curved = one(ax, "synapses"), one(ax, "skip-synapses")
    drawn = [s for s in net.synapses if not is_skip(s, net)] + [s for s in net.synapses if is_skip(s, net)]
    colours = edge_rgb(straight) + edge_rgb(curved)
    widths = np.concatenate([straight.get_linewidths(), curved.get_linewidths()])
    values = np.array([s.weight for s in drawn])
    assert colours == [expected_rgb(v) for v in values]
    assert sorted(set(colours)) == sorted({to_rgb(POSITIVE), to_rgb(NEGATIVE)})
    # widths ordered like |weight|, the strongest at 4 points, the weakest near the 0.3-point floor
    assert list(np.argsort(widths)) == list(np.argsort(np.abs(values)))
    assert widths.max() == pytest.approx(4.0)
    assert widths.min() == pytest.approx(0.3 + 3.7 * 0.05 / 3.0)
    plt.close(fig)


def test_gradients_are_drawn_by_their_own_signs():
    net = ns.Network.from_shape([2, 2, 1], activation="identity", init="constant", seed=0)
    weights = {
        ("input[0]", "hidden1[0]"): 1.0,
        ("input[1]", "hidden1[0]"): -0.5,
        ("input[0]", "hidden1[1]"): 0.5,
        ("input[1]", "hidden1[1]"): 1.0,
        ("hidden1[0]", "output[0]"): 2.0,
        ("hidden1[1]", "output[0]"): -1.0,
    }
    for (source, target), weight in weights.items():
        net.synapse(source, target).weight = weight
    net.backward([[1.0, 1.0]], [[3.0]], loss="mse")
    grads = np.array([s.grad for s in net.synapses])
    signs_differ = np.sign(grads) != np.sign([s.weight for s in net.synapses])
    assert signs_differ.any() and (~signs_differ).any()  # the case tells the two apart
    assert (grads != 0).all()

    fig, ax = plt.subplots()
    network(net, show="gradients", ax=ax)
    lines = one(ax, "synapses")
    assert edge_rgb(lines) == [expected_rgb(g) for g in grads]
    assert list(np.argsort(lines.get_linewidths())) == list(np.argsort(np.abs(grads)))
    assert ax.get_title() == "gradients"
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["gradient > 0", "gradient < 0"]
    colorbar_axes = [other for other in fig.axes if other is not ax]
    assert [other.get_ylabel() for other in colorbar_axes] == ["neuron colour: bias gradient"]
    plt.close(fig)

    fig, ax = plt.subplots()
    network(net, ax=ax, title="after one step")
    assert edge_rgb(one(ax, "synapses")) == [expected_rgb(s.weight) for s in net.synapses]
    assert ax.get_title() == "after one step"
    plt.close(fig)


def test_edges_of_value_zero_are_neither_positive_nor_negative():
    net = skip_net()
    net.zero_grad()
    fig, ax = plt.subplots()
    network(net, show="gradients", ax=ax)
    colours = set(edge_rgb(one(ax, "synapses")) + edge_rgb(one(ax, "skip-synapses")))
    assert colours.isdisjoint({to_rgb(POSITIVE), to_rgb(NEGATIVE)})
    assert "gradient = 0" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(fig)


# ---------------------------------------------------------------------- neurons


def test_neurons_are_filled_by_their_activation_for_x():
    net = skip_net(seed=3)
    x = [0.8, -1.3]
    net.forward(x)
    activations = np.array([float(n.a) for n in net.neurons])  # inputs' a is the input itself
    fig, ax = plt.subplots()
    network(net, x=x, ax=ax)
    fills = one(ax, "neurons").get_facecolors()
    cmap = mpl.colormaps[VALUE_CMAP]
    assert len(fills) == len(net.neurons)
    np.testing.assert_allclose(fills[np.argmax(activations)], cmap(1.0))
    np.testing.assert_allclose(fills[np.argmin(activations)], cmap(0.0))
    low, high = activations.min(), activations.max()
    np.testing.assert_allclose(fills, cmap((activations - low) / (high - low)))
    (colorbar_axes,) = [other for other in fig.axes if other is not ax]
    assert colorbar_axes.get_ylabel() == "neuron colour: activation a"
    np.testing.assert_allclose(colorbar_axes.get_ylim(), (activations.min(), activations.max()))
    plt.close(fig)


def test_without_x_neurons_are_filled_by_bias_centred_on_zero_and_inputs_neutral():
    net = skip_net()
    for neuron, bias in zip(net["hidden1"], [0.5, -1.0, 0.25], strict=True):
        neuron.bias = bias
    net["output[0]"].bias = 0.0
    fig, ax = plt.subplots()
    network(net, ax=ax)
    fills = dict(zip([n.name for n in net.neurons], one(ax, "neurons").get_facecolors(), strict=True))
    cmap = mpl.colormaps[SIGNED_CMAP]
    np.testing.assert_allclose(fills["hidden1[1]"], cmap(0.0))  # -1: the bottom of -1..1
    np.testing.assert_allclose(fills["hidden1[0]"], cmap(0.75))  # 0.5 of -1..1
    np.testing.assert_allclose(fills["output[0]"], cmap(0.5))  # 0: the middle
    assert tuple(fills["input[0]"]) == tuple(fills["input[1]"])
    assert not any(np.allclose(fills["input[0]"], cmap(v)) for v in np.linspace(0, 1, 101))
    (colorbar_axes,) = [other for other in fig.axes if other is not ax]
    assert colorbar_axes.get_ylabel() == "neuron colour: bias"
    np.testing.assert_allclose(colorbar_axes.get_ylim(), (-1.0, 1.0))
    plt.close(fig)


def test_columns_follow_layer_order_and_neurons_are_centred():
    net = skip_net()
    fig, ax = plt.subplots()
    network(net, ax=ax)
    xy = neuron_positions(ax, net)
    for layer in net.layers:
        points = np.array([xy[n.name] for n in layer])
        assert len(set(points[:, 0])) == 1  # one column per layer
        assert points[:, 1].mean() == pytest.approx(0.0)  # centred
        assert list(points[:, 1]) == sorted(points[:, 1], reverse=True)  # index 0 on top
    columns = [xy[layer[0].name][0] for layer in net.layer_order()]
    assert columns == sorted(columns) and len(set(columns)) == 3
    plt.close(fig)


def test_labels_name_every_neuron_and_layer_of_a_small_network():
    net = skip_net()
    fig, ax = plt.subplots()
    network(net, ax=ax)
    texts = [t.get_text() for t in ax.texts]
    assert {n.name for n in net.neurons} <= set(texts)
    assert {layer.name for layer in net.layers} <= set(texts)
    assert not any(t.get_gid() == "note" for t in ax.texts)  # nothing was left out
    plt.close(fig)

    fig, ax = plt.subplots()
    network(net, ax=ax, neuron_labels=False)
    texts = {t.get_text() for t in ax.texts}
    assert texts.isdisjoint(n.name for n in net.neurons)
    assert {"input", "hidden1", "output"} <= texts
    plt.close(fig)


# ---------------------------------------------------------------------- big networks


def strongest_k(net, max_synapses):
    """The strongest incoming synapses of each neuron, computed directly: (k, {(source, target), ...})."""
    incoming = {}
    for synapse in net.synapses:
        incoming.setdefault(synapse.target.name, []).append(synapse)
    sizes = [len(found) for found in incoming.values()]
    k = max(
        [k for k in range(1, max(sizes) + 1) if sum(min(k, size) for size in sizes) <= max_synapses],
        default=1,
    )
    kept = set()
    for found in incoming.values():
        for synapse in sorted(found, key=lambda s: abs(s.weight), reverse=True)[:k]:
            kept.add((synapse.source.name, synapse.target.name))
    return k, kept


def test_just_above_max_synapses_only_the_strongest_k_per_neuron_are_drawn():
    net = ns.Network.from_shape([10, 30, 1], seed=1)  # 300 + 30 = 330 synapses
    k, kept = strongest_k(net, 300)
    assert (k, len(kept)) == (9, 9 * 31)
    fig, ax = plt.subplots()
    network(net, ax=ax)
    pairs = drawn_pairs(ax, net)
    assert pairs["skip-synapses"] == []
    assert set(pairs["synapses"]) == kept and len(pairs["synapses"]) == len(kept)
    # still in net.synapses order, and still coloured by sign
    order = [(s.source.name, s.target.name) for s in net.synapses]
    assert pairs["synapses"] == [pair for pair in order if pair in kept]
    weights = {(s.source.name, s.target.name): s.weight for s in net.synapses}
    assert edge_rgb(one(ax, "synapses")) == [expected_rgb(weights[pair]) for pair in pairs["synapses"]]
    assert one(ax, "note", "texts").get_text() == (
        "showing the 9 strongest incoming synapses per neuron (279 of 330)"
    )
    plt.close(fig)

    fig, ax = plt.subplots()
    network(net, ax=ax, max_synapses=330)  # everything fits: nothing left out
    assert len(one(ax, "synapses").get_segments()) == 330
    assert not any(t.get_gid() == "note" for t in ax.texts)
    plt.close(fig)


def test_the_strongest_k_keeps_skip_connections_curved():
    net = ns.Network.from_shape([6, 20, 20, 2], seed=2)
    net.connect("input", "output")  # 12 skip synapses
    k, kept = strongest_k(net, 200)
    fig, ax = plt.subplots()
    network(net, ax=ax, max_synapses=200)
    pairs = drawn_pairs(ax, net)
    assert set(pairs["synapses"]) | set(pairs["skip-synapses"]) == kept
    assert all(
        source.startswith("input") and target.startswith("output")
        for source, target in pairs["skip-synapses"]
    )
    assert f"the {k} strongest incoming synapses per neuron" in one(ax, "note", "texts").get_text()
    plt.close(fig)


def test_784_256_256_10_is_drawn_as_blocks_and_bands():
    # how long it takes is measured by neurosim bench --only plot, not asserted here
    net = ns.Network.from_shape([784, 256, 256, 10], seed=0)
    ax = network(net)
    ax.figure.canvas.draw()

    blocks = [p for p in ax.patches if p.get_gid() == "collapsed-layer"]
    assert [p.get_label() for p in blocks] == ["input", "hidden1", "hidden2"]
    labels = {t.get_text() for t in ax.texts}
    assert {"input (784 neurons)", "hidden1 (256 neurons)", "hidden2 (256 neurons)"} <= labels
    assert {f"output[{i}]" for i in range(10)} <= labels
    assert {"input", "hidden1", "hidden2", "output"} <= labels
    assert not any(label.startswith("hidden1[") for label in labels)
    assert len(one(ax, "neurons").get_offsets()) == 10
    assert len(one(ax, "synapses").get_segments()) == 0
    assert len(one(ax, "skip-synapses").get_segments()) == 0

    bands = one(ax, "blocks")
    assert len(bands.get_segments()) == 3
    compiled = net.compile()
    means = [
        compiled.matrix(s, t)[0]
        for s, t in [("input", "hidden1"), ("hidden1", "hidden2"), ("hidden2", "output")]
    ]
    assert edge_rgb(bands) == [expected_rgb(W.mean()) for W in means]
    widths = bands.get_linewidths()
    assert list(np.argsort(widths)) == list(np.argsort([np.abs(W).mean() for W in means]))

    note = one(ax, "note", "texts").get_text().replace("\n", " ")
    assert note.startswith("showing layers of more than 32 neurons as blocks (input, hidden1, hidden2)")
    assert "268,800 synapses as 3 bands of mean weight" in note
    plt.close(ax.figure)


def test_a_block_shows_its_neurons_values_and_bands_meet_single_neurons():
    net = ns.Network.from_shape([40, 3, 1], seed=0)  # 123 synapses: only the 40-neuron layer is too big
    x = np.linspace(-1.0, 1.0, 40)
    fig, ax = plt.subplots()
    network(net, x=x, ax=ax)
    strip = one(ax, "collapsed-layer-values", "images")
    np.testing.assert_allclose(np.asarray(strip.get_array()).ravel(), x)  # input[0] at the top
    assert strip.get_extent()[3] > strip.get_extent()[2]
    assert len(one(ax, "blocks").get_segments()) == 1  # input -> hidden1: one band
    straight = one(ax, "synapses").get_segments()
    assert len(straight) == 3  # hidden1 -> output, neuron by neuron
    assert len(one(ax, "neurons").get_offsets()) == 4
    plt.close(fig)


def test_skip_bands_between_blocks_are_curved():
    net = ns.Network.from_shape([40, 40, 40], seed=0)
    net.connect("input", "output")
    fig, ax = plt.subplots()
    network(net, ax=ax)
    lines = one(ax, "blocks").get_segments()  # net.blocks order: (input, hidden1), (input, output), ...
    assert [len(line) > 2 for line in lines] == [False, True, False]
    block = next(p for p in ax.patches if p.get_label() == "hidden1")
    assert lines[1][:, 1].max() > block.get_y() + block.get_height()  # bows over the block it jumps
    plt.close(fig)


# ---------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"show": "biases"}, ns.ParameterError, ["show", "'weights'", "'gradients'", "'biases'"]),
        ({"show": None}, ns.ParameterError, ["show"]),
        ({"x": [1.0, 2.0, 3.0]}, ns.ShapeError, ["x", "3 values", "2 neurons"]),
        ({"x": [1.0, float("nan")]}, ns.DataError, ["x", "nan"]),
        ({"x": [[1.0, 0.0], [0.0, 1.0]]}, ns.ShapeError, ["x", "one sample"]),
        ({"x": "ab"}, ns.DataError, ["x"]),
        ({"max_synapses": 0}, ns.ParameterError, ["max_synapses"]),
        ({"max_neurons_per_layer": 2.5}, ns.ParameterError, ["max_neurons_per_layer"]),
    ],
)
def test_bad_arguments_raise_neurosim_errors_and_draw_nothing(kwargs, error, words):
    net = skip_net()
    fig, ax = plt.subplots()
    with pytest.raises(error) as raised:
        network(net, ax=ax, **kwargs)
    for word in words:
        assert word in str(raised.value)
    assert len(ax.collections) == len(ax.texts) == len(ax.patches) == len(ax.images) == 0
    assert fig.axes == [ax]  # no colour bar either
    plt.close(fig)

    figures = set(plt.get_fignums())
    with pytest.raises(error):
        network(net, **kwargs)
    assert set(plt.get_fignums()) == figures  # no figure made for nothing


def test_x_errors_are_the_ones_forward_raises():
    net = skip_net()
    for bad in ([1.0], [1.0, float("inf")]):
        with pytest.raises(ns.NeurosimError) as from_forward:
            net.forward(bad)
        with pytest.raises(ns.NeurosimError) as from_plot:
            network(net, x=bad)
        assert type(from_plot.value) is type(from_forward.value)
        assert str(from_plot.value) == str(from_forward.value)


def test_net_must_be_a_network():
    with pytest.raises(ns.ParameterError, match="net must be a neurosim Network"):
        network("not a network")


# ---------------------------------------------------------------------- pixels


def colour_present(image, colour, tolerance=0.03):
    rgb = image[..., :3]
    return bool((np.abs(rgb - np.array(to_rgb(colour))) <= tolerance).all(axis=-1).any())


def test_saved_png_shows_positive_and_negative_edges(tmp_path):
    net = skip_net()
    weights = [2.0, -2.0, 1.5, -1.5, 2.5, -2.4, 1.0, -2.2, 0.8]  # the skip connection is negative
    for synapse, weight in zip(net.synapses, weights, strict=True):
        synapse.weight = weight
    assert net.synapse("input[0]", "output[0]").weight < 0

    def render(path):
        fig, ax = plt.subplots(figsize=(5, 4))
        network(net, x=[1.0, 0.0], ax=ax)  # neurons in viridis: no fill looks like an edge colour
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return mpimg.imread(path)

    image = render(tmp_path / "mixed.png")
    assert colour_present(image, POSITIVE) and colour_present(image, NEGATIVE)

    for synapse in net.synapses:  # the same network, every weight positive: no red left
        synapse.weight = abs(synapse.weight)
    image = render(tmp_path / "positive.png")
    assert colour_present(image, POSITIVE) and not colour_present(image, NEGATIVE)


def test_neuron_names_overlap_neither_each_other_nor_the_synapses():
    net = ns.Network.from_shape([2, 3, 1], activation="sigmoid", output_activation="sigmoid", seed=0)
    for name, value in [("input[0] -> hidden1[2]", 3.0), ("hidden1[0] -> output[0]", 5.0)]:
        net.synapse(*name.split(" -> ")).weight = value  # thick lines near the labels
    ax = network(net, x=[0.0, 1.0])
    fig = ax.figure
    fig.canvas.draw()
    boxes = [
        text.get_window_extent().shrunk(0.96, 0.9) for text in ax.texts if text.get_gid() == "neuron-name"
    ]
    assert len(boxes) == 6
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    # points along every synapse drawn, in pixels: none lies under a name
    lines = [segment for c in ax.collections if c.get_gid() == "synapses" for segment in c.get_segments()]
    points = np.concatenate(
        [ax.transData.transform(a + np.linspace(0, 1, 200)[:, None] * (b - a)) for a, b in lines]
    )
    covered = [
        int(
            np.sum(
                (points[:, 0] > box.x0)
                & (points[:, 0] < box.x1)
                & (points[:, 1] > box.y0)
                & (points[:, 1] < box.y1)
            )
        )
        for box in boxes
    ]
    assert covered == [0] * 6
    plt.close(fig)


def test_the_legend_says_what_line_width_means_and_width_scale_fixes_it():
    net = skip_net()
    ax = network(net)
    largest = max(abs(s.weight) for s in net.synapses)
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels[-2:] == [f"|weight| {largest:.3g}", "|weight| 0"]
    plt.close(ax.figure)
    ax = network(net, width_scale=2 * largest)
    widths = [
        w for c in ax.collections if c.get_gid() in ("synapses", "skip-synapses") for w in c.get_linewidths()
    ]
    assert max(widths) == pytest.approx(0.3 + (4.0 - 0.3) / 2)  # the largest |weight| is half the scale
    assert [text.get_text() for text in ax.get_legend().get_texts()][-2] == f"|weight| {2 * largest:.3g}"
    plt.close(ax.figure)


def test_fill_limits_set_the_colour_bar_and_bad_limits_are_refused():
    net = skip_net()
    ax = network(net, fill_limits=(-3.0, 3.0))
    (colorbar_axes,) = [other for other in ax.figure.axes if other is not ax]
    np.testing.assert_allclose(colorbar_axes.get_ylim(), (-3.0, 3.0))
    plt.close(ax.figure)
    before = plt.get_fignums()
    with pytest.raises(ns.ParameterError, match="fill_limits must be two numbers"):
        network(net, fill_limits=3.0)
    with pytest.raises(ns.ParameterError, match="width_scale must be a finite number above 0"):
        network(net, width_scale=-1.0)
    assert plt.get_fignums() == before
