"""ns.plot.diagnosis: what is marked is exactly what each finding names, in its severity's colour."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from pictures import assert_real_picture

import neurosim as ns
from neurosim.diagnostics import Finding, Report
from neurosim.plot.diagnosis import SEVERITY_COLOURS, summary
from neurosim.plot.network import network

GREY_EDGE = to_rgba("#404040")  # the edge of a neuron that network() draws


def finding(code, severity, where, message="something is wrong: because."):
    return Finding(code, severity, tuple(where), {}, message, "try something")


def skip_net():
    """2-3-2 with a skip connection input[0] -> output[1]."""
    net = ns.Network.from_shape([2, 3, 2], seed=0)
    net.connect("input[0]", "output[1]", weight=0.5)
    return net


def one(ax, gid, where="collections"):
    found = [artist for artist in getattr(ax, where) if artist.get_gid() == gid]
    assert len(found) == 1, f"expected one artist {gid!r} in ax.{where}, found {len(found)}"
    return found[0]


def all_of(ax, gid, where):
    return [artist for artist in getattr(ax, where) if artist.get_gid() == gid]


def network_axes(fig):
    return next(ax for ax in fig.axes if any(c.get_gid() == "neurons" for c in ax.collections))


def caption_axes(fig):
    every = [axes for ax in fig.axes for axes in (ax, *ax.child_axes)]
    return next(ax for ax in every if ax.get_gid() == "diagnosis-caption")


def edge_colours(ax, net):
    """Each neuron's edge colour by name: the 'neurons' markers are in net.neurons order."""
    neurons = one(ax, "neurons")
    colours = neurons.get_edgecolors()
    colours = np.broadcast_to(colours, (len(net.neurons), 4)) if len(colours) == 1 else colours
    return {neuron.name: tuple(colour) for neuron, colour in zip(net.neurons, colours, strict=True)}


def positions(ax, net):
    offsets = one(ax, "neurons").get_offsets()
    return {neuron.name: tuple(np.round(offsets[i], 9)) for i, neuron in enumerate(net.neurons)}


def marked(ax, net):
    """The neurons whose edge is not network()'s grey: {name: colour}."""
    return {name: colour for name, colour in edge_colours(ax, net).items() if colour != GREY_EDGE}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------------- neurons


def test_the_neurons_marked_are_those_named_each_in_the_colour_of_its_most_severe_finding():
    net = skip_net()
    report = Report(
        [
            finding("saturated-neurons", "warning", ["hidden1[0]", "hidden1[2]"]),
            finding("dead-neurons", "error", ["hidden1[2]"]),
            finding("unscaled-inputs", "warning", ["input[1]"]),
            finding("constant-output", "info", ["output[0]"]),
        ]
    )
    fig = ns.plot.diagnosis(report, net)
    ax = network_axes(fig)
    assert marked(ax, net) == {
        "hidden1[0]": to_rgba(SEVERITY_COLOURS["warning"]),
        "hidden1[2]": to_rgba(SEVERITY_COLOURS["error"]),  # named by an error and a warning
        "input[1]": to_rgba(SEVERITY_COLOURS["warning"]),
        "output[0]": to_rgba(SEVERITY_COLOURS["info"]),
    }
    widths = one(ax, "neurons").get_linewidths()
    thick = {neuron.name for neuron, width in zip(net.neurons, widths, strict=True) if width > 2}
    assert thick == set(marked(ax, net))


def test_each_neuron_named_has_its_codes_beside_it_and_no_other_neuron_has_a_label():
    net = skip_net()
    report = Report(
        [
            finding("dead-neurons", "error", ["hidden1[2]"]),
            finding("saturated-neurons", "warning", ["hidden1[0]", "hidden1[2]"]),
        ]
    )
    ax = network_axes(ns.plot.diagnosis(report, net))
    labels = {text.get_text() for text in all_of(ax, "neuron-name", "texts")}
    assert labels == {"hidden1[2]: dead-neurons, saturated-neurons", "hidden1[0]: saturated-neurons"}
    # each label sits by its neuron: the text's anchor is the neuron's position
    where = positions(ax, net)
    for text in all_of(ax, "neuron-name", "texts"):
        name = text.get_text().split(":")[0]
        assert tuple(np.round(text.xy, 9)) == where[name]


def test_the_dead_neurons_the_doctor_marks_are_those_whose_z_is_never_above_0():
    X = np.random.default_rng(0).uniform(0, 1, size=(50, 2))  # inputs >= 0
    y = (X[:, 0] > X[:, 1]).astype(float)
    net = ns.Network.from_shape([2, 4, 1], activation="relu", output_activation="sigmoid", seed=1)
    # negative weights and bias on inputs >= 0: z < 0 on every sample; positive weights: z > 0 on some
    for neuron, bias, sign in zip(net["hidden1"], (0.1, -3.0, 0.0, -0.5), (1, -1, 1, -1), strict=True):
        neuron.bias = bias
        for synapse in neuron.incoming:
            synapse.weight = sign * abs(synapse.weight)
    report = ns.diagnose(net, X, y, loss="bce")

    weights = np.array([[s.weight for s in n.incoming] for n in net["hidden1"]])
    z = X @ weights.T + np.array([n.bias for n in net["hidden1"]])
    dead = {f"hidden1[{i}]" for i in np.flatnonzero(z.max(axis=0) <= 0)}
    assert dead == {"hidden1[1]", "hidden1[3]"}
    assert set(report["dead-neurons"].where) == dead

    ax = network_axes(ns.plot.diagnosis(report, net))
    named_neurons = {name for f in report for name in f.where if name in net and "[" in name}
    assert set(marked(ax, net)) == named_neurons
    colour = to_rgba(SEVERITY_COLOURS[report["dead-neurons"].severity])
    assert all(marked(ax, net)[name] == colour for name in dead)


# ---------------------------------------------------------------------- synapses and layers


def test_each_synapse_named_is_drawn_thick_between_its_neurons_a_skip_one_as_a_curve():
    net = skip_net()
    report = Report(
        [
            finding("non-finite", "error", ["input[0] -> output[1]"]),
            finding("exploding-gradients", "warning", ["hidden1[1] -> output[0]", "input[1] -> hidden1[2]"]),
        ]
    )
    ax = network_axes(ns.plot.diagnosis(report, net))
    lines = one(ax, "culprit-synapses")
    where = {xy: name for name, xy in positions(ax, net).items()}
    ends = [
        (where[tuple(np.round(line[0], 9))], where[tuple(np.round(line[-1], 9))])
        for line in lines.get_segments()
    ]
    # in net.synapses order: by target neuron, then source
    assert ends == [("input[1]", "hidden1[2]"), ("hidden1[1]", "output[0]"), ("input[0]", "output[1]")]
    colours = [tuple(c) for c in lines.get_colors()]
    assert colours == [to_rgba(SEVERITY_COLOURS[s]) for s in ("warning", "warning", "error")]
    assert len(lines.get_segments()[2]) > 2 and len(lines.get_segments()[0]) == 2  # the skip one is a curve
    assert min(lines.get_linewidths()) > max(one(ax, "synapses").get_linewidths())
    assert marked(ax, net) == {}  # naming a synapse marks no neuron


def test_a_layer_named_is_framed_round_its_neurons_with_the_code_under_the_frame():
    net = skip_net()
    report = Report([finding("zero-gradients", "error", ["hidden1"]), finding("overfitting", "warning", [])])
    ax = network_axes(ns.plot.diagnosis(report, net))
    frame = one(ax, "culprit-layer", "patches")
    assert frame.get_label() == "hidden1"
    assert frame.get_edgecolor() == to_rgba(SEVERITY_COLOURS["error"])
    box = frame.get_path().transformed(frame.get_patch_transform()).get_extents()
    inside = {name for name, (x, y) in positions(ax, net).items() if box.contains(x, y)}
    assert inside == {"hidden1[0]", "hidden1[1]", "hidden1[2]"}
    code = one(ax, "finding-codes", "texts")
    assert code.get_text() == "zero-gradients" and code.xy[1] == pytest.approx(box.y0)
    assert marked(ax, net) == {}


def test_in_a_layer_drawn_as_a_block_the_block_is_framed_and_says_how_many_neurons_are_named():
    net = ns.Network.from_shape([2, 40, 1], activation="relu", seed=0)
    report = Report(
        [
            finding("dead-neurons", "warning", ["hidden1[3]", "hidden1[7]", "hidden1[30]"]),
            finding("non-finite", "error", ["input[0] -> hidden1[5]"]),
        ]
    )
    ax = network_axes(ns.plot.diagnosis(report, net))
    frame = one(ax, "culprit-layer", "patches")
    assert frame.get_label() == "hidden1" and frame.get_edgecolor() == to_rgba(SEVERITY_COLOURS["error"])
    block = one(ax, "collapsed-layer", "patches")
    outer = frame.get_path().transformed(frame.get_patch_transform()).get_extents()
    inner = block.get_path().transformed(block.get_patch_transform()).get_extents()
    assert outer.x0 < inner.x0 and outer.x1 > inner.x1 and outer.y0 < inner.y0 and outer.y1 > inner.y1
    codes = [text.get_text() for text in all_of(ax, "finding-codes", "texts")]
    assert codes == ["non-finite: 1 synapse", "dead-neurons: 3 of 40"]
    assert len(one(ax, "culprit-synapses").get_segments()) == 0


# ---------------------------------------------------------------------- legend and caption


def test_the_legend_says_what_each_colour_and_mark_drawn_means_and_no_more():
    net = skip_net()
    report = Report(
        [finding("dead-neurons", "error", ["hidden1[0]"]), finding("x-layer", "info", ["output"])]
    )
    caption = caption_axes(ns.plot.diagnosis(report, net))
    legend = caption.get_legend()
    texts = [text.get_text() for text in legend.get_texts()]
    weights = [s.weight for s in net.synapses]
    assert texts == [
        "error: cannot learn as it is",
        "info: worth knowing",
        "layer named",
        *(
            label
            for label, shown in (("weight > 0", max(weights) > 0), ("weight < 0", min(weights) < 0))
            if shown
        ),
        # what line width means: the widest line is the largest |weight|, the thinnest 0
        f"|weight| {max(abs(w) for w in weights):.3g}",
        "|weight| 0",
    ]
    rings = legend.legend_handles[:2]
    assert [to_rgba(h.get_markeredgecolor()) for h in rings] == [
        to_rgba(SEVERITY_COLOURS["error"]),
        to_rgba(SEVERITY_COLOURS["info"]),
    ]
    assert network_axes(caption.get_figure()).get_legend() is None  # one legend, under the drawing


def test_the_caption_lists_every_finding_with_its_code_and_first_clause_most_severe_first():
    net = skip_net()
    report = Report(
        [
            finding("learning-rate-too-large", "warning", [], "the loss rose from 0.6 to 3561: overshoot."),
            finding(
                "dead-neurons", "error", ["hidden1[1]"], "1 relu neuron is dead: z <= 0 on all 4 samples."
            ),
        ]
    )
    caption = caption_axes(ns.plot.diagnosis(report, net))
    codes = all_of(caption, "finding-code", "texts")
    summaries = all_of(caption, "finding-summary", "texts")
    assert [t.get_text() for t in codes] == ["dead-neurons", "learning-rate-too-large"]
    assert [t.get_text() for t in summaries] == ["1 relu neuron is dead.", "The loss rose from 0.6 to 3561."]
    assert [to_rgba(t.get_color()) for t in codes] == [
        to_rgba(SEVERITY_COLOURS[s]) for s in ("error", "warning")
    ]
    # each summary on its code's line, to the right of the widest code
    renderer = caption.get_figure().canvas.get_renderer()
    right = max(t.get_window_extent(renderer).x1 for t in codes)
    for code, text in zip(codes, summaries, strict=True):
        assert text.get_position()[1] == code.get_position()[1]
        assert text.get_window_extent(renderer).x0 > right


def test_findings_without_culprits_are_in_the_caption_only():
    net = skip_net()
    report = Report(
        [finding("overfitting", "warning", []), finding("learning-rate-too-large", "warning", [])]
    )
    fig = ns.plot.diagnosis(report, net)
    ax = network_axes(fig)
    assert marked(ax, net) == {}
    assert not all_of(ax, "culprit-layer", "patches") and not all_of(ax, "neuron-name", "texts")
    assert not all_of(ax, "culprit-synapses", "collections")
    assert [t.get_text() for t in all_of(caption_axes(fig), "finding-code", "texts")] == report.codes


def test_a_report_without_findings_draws_the_network_as_it_is_and_says_so():
    net = skip_net()
    fig = ns.plot.diagnosis(Report([]), net)
    ax = network_axes(fig)
    reference = network(net, ax=plt.subplots()[1])
    assert one(ax, "synapses").get_alpha() == one(reference, "synapses").get_alpha()  # not faded
    assert marked(ax, net) == {}
    texts = [t.get_text() for t in caption_axes(fig).texts]
    assert texts == ["no findings: nothing the doctor checks for looks wrong"]
    assert ax.get_title() == "the doctor found nothing wrong"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("8 relu neurons are dead: z <= 0 on all 200 samples.", "8 relu neurons are dead."),
        (
            "4 of 4 alike (hidden1[0], hidden1[1]: bias 0): they stay alike.",
            "4 of 4 alike (hidden1[0], hidden1[1]: bias 0).",
        ),
        ("the loss rose. It is too large: see.", "The loss rose."),
        ("input[0] ranges from 104 to 498: far from unit scale.", "input[0] ranges from 104 to 498."),
        ("no colon or stop at all", "No colon or stop at all."),
    ],
)
def test_a_summary_is_the_first_clause_and_keeps_a_names_spelling(message, expected):
    assert summary(message) == expected


# ---------------------------------------------------------------------- axes, pictures and errors


def test_drawn_into_given_axes_the_caption_goes_below_them(tmp_path):
    fig, (_, right) = plt.subplots(1, 2, figsize=(12, 5))
    report = Report([finding("dead-neurons", "error", ["hidden1[0]"])])
    assert ns.plot.diagnosis(report, skip_net(), ax=right) is fig
    caption = caption_axes(fig)
    assert caption.get_position().y1 <= right.get_position().y0
    assert caption.get_position().x0 == pytest.approx(right.get_position().x0)
    assert_real_picture(ns.plot.save(fig, tmp_path / "beside.png"))


def test_the_saved_picture_is_a_real_picture(tmp_path):
    net = ns.Network.from_shape([2, 8, 1], activation="relu", seed=0)
    report = Report(
        [
            finding("dead-neurons", "error", [f"hidden1[{i}]" for i in range(8)]),
            finding("zero-gradients", "error", ["hidden1"]),
        ]
    )
    fig = ns.plot.diagnosis(report, net, title="dead")
    assert network_axes(fig).get_title() == "dead"
    image = assert_real_picture(ns.plot.save(fig, tmp_path / "diagnosis.png"))
    orange = np.array(to_rgba(SEVERITY_COLOURS["error"])[:3])
    assert np.any(np.all(np.abs(image[..., :3] - orange) < 0.02, axis=-1))  # the marks are in the picture


def test_a_report_about_another_network_is_refused_naming_the_finding_and_the_name():
    report = Report([finding("dead-neurons", "error", ["hidden2[0]"])])
    with pytest.raises(ns.UnknownNameError, match=r"finding 'dead-neurons' names 'hidden2\[0\]'"):
        ns.plot.diagnosis(report, skip_net())
    report = Report([finding("non-finite", "error", ["input[1] -> output[1]"])])
    skip = skip_net()
    skip.disconnect("input[1]", "hidden1[0]")
    with pytest.raises(ns.UnknownNameError, match="no synapse"):
        ns.plot.diagnosis(Report([finding("x", "error", ["input[1] -> hidden1[0]"])]), skip)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("not a report", "net"), "report must be a Report"),
        ((Report([]), "not a network"), "net must be a neurosim Network"),
    ],
)
def test_wrong_arguments_are_refused(arguments, message):
    report, net = arguments
    net = skip_net() if net == "net" else net
    with pytest.raises(ns.ParameterError, match=message):
        ns.plot.diagnosis(report, net)


def test_a_bad_limit_is_refused():
    with pytest.raises(ns.ParameterError, match="max_neurons_per_layer must be a positive integer"):
        ns.plot.diagnosis(Report([]), skip_net(), max_neurons_per_layer=0)


# ---------------------------------------------------------------------- network()'s labels hook


def test_network_writes_the_labels_it_is_given_beside_those_neurons_only():
    net = skip_net()
    ax = plt.subplots()[1]
    network(net, ax=ax, neuron_labels={"hidden1[1]": "look here", "output[0]": "and here"})
    texts = {t.get_text(): tuple(np.round(t.xy, 9)) for t in all_of(ax, "neuron-name", "texts")}
    where = positions(ax, net)
    assert texts == {"look here": where["hidden1[1]"], "and here": where["output[0]"]}


@pytest.mark.parametrize(
    ("labels", "error", "message"),
    [
        ({"hidden1": "x"}, ns.ParameterError, "neuron_labels names neurons"),
        ({"hidden9[0]": "x"}, ns.UnknownNameError, "no layer named 'hidden9'"),
        ("yes", ns.ParameterError, "neuron_labels must be True, False, None or a dict"),
    ],
)
def test_network_refuses_labels_that_do_not_name_neurons(labels, error, message):
    with pytest.raises(error, match=message):
        network(skip_net(), neuron_labels=labels)
