"""What a notebook shows for neurosim's objects: the HTML and pictures of their ``_repr_*_`` methods.

Each table is read back with Python's own HTML parser, and its numbers are
checked against values computed here with numpy from the network's arrays.
"""

from __future__ import annotations

import base64
import io
import re
import sys
import types
from html.parser import HTMLParser

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

import neurosim as ns
from neurosim.diagnostics.report import Finding, Report
from neurosim.plot import notebook
from neurosim.plot._style import NotebookFigure

X_XOR = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


class Tables(HTMLParser):
    """The tables of an HTML text: each a list of rows, each a list of cell texts (headers included)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.captions: list[str] = []
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "caption":
            self._caption = []

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None
        elif tag == "caption":
            self.captions.append("".join(self._caption))
            self._caption = None

    def handle_data(self, data):
        for part in (self._cell, self._caption):
            if part is not None:
                part.append(data)


def rows_by_name(table: list[list[str]]) -> dict[str, dict[str, str]]:
    """A table's rows by their first cell, each as {column header: cell}."""
    header, *rows = table
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows}


def close_to(text: str, value: float, digits: int = 4) -> bool:
    """Whether ``text``, a number written with ``digits`` significant digits, is ``value``."""
    return abs(float(text) - value) <= 10 ** (1 - digits) * max(abs(value), 1e-12)


def tanh_net() -> ns.Network:
    W1 = np.array([[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]])
    W2 = np.array([[1.0, -0.5, 0.3]])
    return ns.Network.from_arrays(
        [W1, W2], [np.array([0.1, -0.2, 0.3]), np.array([0.05])], ["tanh", "sigmoid"]
    )


def hidden_values(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """z and a of tanh_net's hidden layer, by numpy."""
    z = x @ np.array([[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]]).T + np.array([0.1, -0.2, 0.3])
    return z, np.tanh(z)


# ---------------------------------------------------------------------- layers and neurons


def test_a_layer_shows_each_neurons_bias_and_last_values():
    net = ns.Network.from_shape([2, 4, 1], activation="tanh", seed=0)
    biases = np.random.default_rng(3).normal(size=4)
    net["hidden1"].bias = biases
    x = np.array([0.3, -1.2])
    net.forward(x)
    weights = np.array(
        [[net.synapse(f"input[{i}]", f"hidden1[{j}]").weight for i in range(2)] for j in range(4)]
    )
    z = weights @ x + biases
    table = Tables(net["hidden1"]._repr_html_()).tables[0]
    rows = rows_by_name(table)
    assert list(rows) == [f"hidden1[{j}]" for j in range(4)]
    for j in range(4):
        row = rows[f"hidden1[{j}]"]
        assert row["activation"] == "tanh"
        assert close_to(row["bias"], biases[j])
        assert close_to(row["z"], z[j]) and close_to(row["a"], np.tanh(z[j]))


def test_after_a_batch_a_layer_shows_means_and_says_so():
    net = tanh_net()
    net.backward(X_XOR, np.array([[0.0], [1.0], [1.0], [0.0]]), loss="mse")
    z, a = hidden_values(X_XOR)
    parsed = Tables(net["hidden1"]._repr_html_())
    assert "last pass: 4 samples" in parsed.captions[0]
    header = parsed.tables[0][0]
    assert header[3:] == ["z (mean of 4 samples)", "a (mean of 4 samples)", "delta (mean of 4 samples)"]
    for j, row in enumerate(parsed.tables[0][1:]):
        assert close_to(row[3], z[:, j].mean()) and close_to(row[4], a[:, j].mean())
        # the mean delta of a neuron is the gradient of the mean loss by its bias
        assert close_to(row[5], net["hidden1"].bias_grad[j])


def test_a_layer_before_any_pass_and_the_input_layer():
    net = tanh_net()
    parsed = Tables(net["hidden1"]._repr_html_())
    assert "no pass yet" in parsed.captions[0]
    assert [row[3:] for row in parsed.tables[0][1:]] == [["-", "-"]] * 3
    net.forward([2.0, -3.0])
    inputs = rows_by_name(Tables(net["input"]._repr_html_()).tables[0])
    assert inputs["input[1]"]["bias"] == "-" and close_to(inputs["input[1]"]["a"], -3.0)


def test_a_big_layer_shows_its_first_neurons_and_says_how_many_there_are():
    net = ns.Network.from_shape([2, 100, 1], seed=0)
    parsed = Tables(net["hidden1"]._repr_html_())
    assert len(parsed.tables[0]) == 1 + 64
    assert "100 neurons" in parsed.captions[0] and "the first 64 neurons shown" in parsed.captions[0]


def test_a_neuron_shows_its_explanation():
    net = tanh_net()
    net.forward([1.0, 2.0])
    z, a = hidden_values(np.array([1.0, 2.0]))
    text = net["hidden1[2]"]._repr_html_()
    assert text.startswith("<pre>") and text.endswith("</pre>")
    assert f"= {z[2]:.4g}" in text and f"a = tanh({z[2]:.4g}) = {a[2]:.4g}" in text
    assert "Neuron(&#x27;hidden1[2]&#x27;, tanh" in text  # escaped, as HTML must be


def test_showing_never_fails_but_says_why_there_is_no_table(monkeypatch):
    net = tanh_net()

    def broken(self):
        raise RuntimeError("the values are gone")

    monkeypatch.setattr(ns.Layer, "_html_table", broken)
    text = net["hidden1"]._repr_html_()
    assert "Layer(&#x27;hidden1&#x27;, 3)" in text and "RuntimeError: the values are gone" in text


# ---------------------------------------------------------------------- reports


def test_a_doctor_report_names_the_dead_neurons_with_their_largest_z():
    X, y = ns.datasets.moons(300, noise=0.2, seed=0)
    net = ns.Network.from_shape([2, 8, 1], activation="relu", output_activation="sigmoid", init="he", seed=0)
    history = net.fit(X, y, epochs=30, lr=20.0, batch_size=32, loss="bce", seed=0, verbose=0, diagnose=False)
    report = ns.diagnose(net, X, y, loss="bce", history=history)
    weights = dict(net.named_parameters())
    z = X @ weights["input->hidden1.weight"].T + weights["hidden1.bias"]
    z_max = z.max(axis=0)
    dead = {f"hidden1[{j}]": z_max[j] for j in np.flatnonzero(z_max <= 0)}
    assert dead  # the learning rate killed some

    text = report._repr_html_()
    assert f"{len(report)} findings" in text
    assert all(f"<code>{code}</code>" in text for code in report.codes)
    evidence = [table for table in Tables(text).tables if table[0][:2] == ["where", "z_max"]]
    assert len(evidence) == 1
    rows = rows_by_name(evidence[0])
    assert set(rows) == set(dead)
    for name, largest in dead.items():
        assert close_to(rows[name]["z_max"], largest) and rows[name]["samples"] == "300"


def test_a_finding_shows_culprits_and_other_numbers_in_tables_of_their_own():
    evidence = {
        "hidden1[0]": {"z_max": -0.5, "samples": 10},
        "hidden1[3]": {"z_max": -2.25, "samples": 10},
        "shares": {0: 0.25, 1: 0.75},
        "lr": None,
        "epochs": 12,
    }
    finding = Finding("dead-neurons", "error", ("hidden1[0]", "hidden1[3]"), evidence, "dead <b>", "lower it")
    text = Report([finding])._repr_html_()
    assert "dead &lt;b&gt;" in text  # the message is escaped
    culprits, others = Tables(text).tables
    assert culprits == [
        ["where", "z_max", "samples"],
        ["hidden1[0]", "-0.5", "10"],
        ["hidden1[3]", "-2.25", "10"],
    ]
    assert others == [["number", "value"], ["shares", "0: 0.25, 1: 0.75"], ["lr", "-"], ["epochs", "12"]]


def test_an_empty_report():
    assert "no findings" in Report([])._repr_html_()


def mse(net: ns.Network, X: np.ndarray, Y: np.ndarray) -> float:
    return float(np.mean((net.predict(X) - Y) ** 2))


def test_a_gradient_check_report_shows_each_failure_with_both_gradients():
    X, Y = np.array([[0.0, 1.0], [1.0, 1.0]]), np.array([[1.0], [0.0]])
    double_tanh = ns.Activation("double_tanh", np.tanh, output_derivative=lambda a: 2 * (1 - a**2))
    net = ns.Network.from_shape([2, 3, 1], activation=double_tanh, output_activation="identity", seed=0)
    report = ns.gradient_check(net, X, Y, loss="mse")
    parsed = Tables(report._repr_html_())
    assert "failed: 9 of 13 parameters" in parsed.captions[0]
    rows = rows_by_name(parsed.tables[0])
    assert len(rows) == 9  # the 6 weights and 3 biases of the hidden layer, whose derivative is doubled
    h = 1e-6
    for name, row in rows.items():
        synapse_or_bias = name.removesuffix(".bias")
        if name.endswith(".bias"):
            neuron = net[synapse_or_bias]
            original = neuron.bias
            neuron.bias = original + h
            up = mse(net, X, Y)
            neuron.bias = original - h
            down = mse(net, X, Y)
            neuron.bias = original
        else:
            synapse = net.synapse(*name.split(" -> "))
            original = synapse.weight
            synapse.weight = original + h
            up = mse(net, X, Y)
            synapse.weight = original - h
            down = mse(net, X, Y)
            synapse.weight = original
        slope = (up - down) / (2 * h)
        assert abs(float(row["finite diff."]) - slope) <= 1e-5 * max(abs(slope), 1e-3)
        assert abs(float(row["backprop"]) - 2 * slope) <= 1e-5 * max(abs(slope), 1e-3)


def test_a_passing_gradient_check_shows_its_largest_errors():
    net = ns.Network.from_shape([2, 3, 1], activation="tanh", seed=0)
    report = ns.gradient_check(net, X_XOR, np.array([[0.0], [1.0], [1.0], [0.0]]))
    text = report._repr_html_()
    assert "gradient check OK" in text
    assert "largest relative errors: 5 of 13 parameters" in Tables(text).captions[0]


# ---------------------------------------------------------------------- the network


def test_a_network_shows_its_picture_and_its_table_of_layers():
    net = ns.Network.from_shape([2, 3, 1], seed=0)
    bundle = net._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/png"}
    picture = base64.b64decode(bundle["image/png"])
    with Image.open(io.BytesIO(picture)) as image:
        width_in, height_in = ns.plot.graph_layout.Layout(net, 32).figsize()
        assert image.size == (round(width_in * 80), round(height_in * 80))
        assert (
            len(np.unique(np.asarray(image.convert("RGB")).reshape(-1, 3), axis=0)) > 10
        )  # drawn, not blank
    text = bundle["text/html"]
    assert f"base64,{bundle['image/png']}" in text  # the same picture, inside the HTML
    assert "3 layers, 6 neurons, 9 synapses, 13 parameters" in text
    rows = rows_by_name(Tables(text).tables[0])
    # parameters: 2 * 3 weights and 3 biases; 3 weights and 1 bias
    assert [rows[name]["parameters"] for name in ("input", "hidden1", "output", "total")] == [
        "0",
        "9",
        "4",
        "13",
    ]
    assert rows["hidden1"]["inputs from"] == "input"
    assert not plt.get_fignums()  # drawn outside pyplot: the inline backend shows nothing more


@pytest.mark.parametrize(
    ("net", "reason"),
    [
        (ns.Network(), "the network has no layers yet"),
        (ns.Network.from_shape([2, *[3] * 17, 1], seed=0), "its 19 layers are more than the 16"),
    ],
    ids=["empty", "too-many-layers"],
)
def test_a_network_without_a_picture_says_why(net, reason):
    bundle = net._repr_mimebundle_()
    assert list(bundle) == ["text/html"]
    assert f"no picture: {reason}" in bundle["text/html"].replace("&#x27;", "'")
    assert Tables(bundle["text/html"]).tables  # the table of layers all the same


def test_a_picture_that_fails_leaves_the_table_and_the_reason(monkeypatch):
    def failing(net, dpi=80):
        raise ValueError("no room to draw")

    monkeypatch.setattr(notebook, "network_png", failing)
    bundle = ns.Network.from_shape([2, 3, 1], seed=0)._repr_mimebundle_()
    assert "no picture: it cannot be drawn: ValueError: no room to draw" in bundle["text/html"]
    assert "image/png" not in bundle


def test_ipython_in_a_terminal_shows_the_repr_and_nothing_is_drawn(monkeypatch):
    class Shell:
        def __init__(self, active_types):
            self.display_formatter = types.SimpleNamespace(active_types=active_types)

    net = ns.Network.from_shape([2, 3, 1], seed=0)
    terminal = types.SimpleNamespace(get_ipython=lambda: Shell(["text/plain"]))
    monkeypatch.setitem(sys.modules, "IPython", terminal)
    monkeypatch.setattr(notebook, "network_png", None)  # drawing would fail
    assert net._repr_mimebundle_() == {}
    kernel = types.SimpleNamespace(get_ipython=lambda: Shell(["text/plain", "text/html", "image/png"]))
    monkeypatch.setitem(sys.modules, "IPython", kernel)
    assert "no picture: it cannot be drawn" in net._repr_mimebundle_()["text/html"]


# ---------------------------------------------------------------------- figures shown once


def figures_made_by_every_picture():
    X, y = ns.datasets.xor()
    net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    history = net.fit(X, y, epochs=3, lr=0.5, loss="bce", verbose=0, diagnose=False)
    pair = [net.synapse("hidden1[0]", "output[0]"), net.synapse("hidden1[1]", "output[0]")]
    report = ns.diagnose(net, X, y, loss="bce")
    return {
        "network": ns.plot.network(net).figure,
        "decision_boundary": ns.plot.decision_boundary(net, X, y).figure,
        "neuron_maps": ns.plot.neuron_maps(net, X, y),
        "weights": ns.plot.weights(net),
        "history": ns.plot.history(history),
        "diagnosis": ns.plot.diagnosis(report, net),
        "input_weights": ns.plot.input_weights(net, "hidden1", image_shape=(1, 2)),
        "confusion_matrix": ns.plot.confusion_matrix([0, 1, 1, 0], [0, 1, 0, 0]).figure,
        "loss_surface": ns.plot.loss_surface(net, X, y, pair, loss="bce", resolution=5).figure,
        "optimizer_paths": ns.plot.optimizer_paths(
            net, X, y, pair, {"sgd": np.zeros((2, 2))}, loss="bce", resolution=5
        ),
    }


def test_every_picture_is_drawn_on_a_figure_a_notebook_shows_once():
    figures = figures_made_by_every_picture()
    try:
        assert {name: type(figure).__name__ for name, figure in figures.items()} == dict.fromkeys(
            figures, "NotebookFigure"
        )
        assert set(plt.get_fignums()) == {
            figure.number for figure in figures.values()
        }  # plt.show() shows them
    finally:
        plt.close("all")


def test_showing_the_figure_in_a_notebook_closes_it_in_pyplot(monkeypatch):
    figure = ns.plot.weights(ns.Network.from_shape([2, 3, 1], seed=0))
    assert isinstance(figure, NotebookFigure)
    with pytest.raises(NotImplementedError):  # not handled: off a notebook, shown as any figure
        figure._ipython_display_()
    assert plt.fignum_exists(figure.number)
    monkeypatch.setattr(mpl, "get_backend", lambda: "module://matplotlib_inline.backend_inline")
    with pytest.raises(NotImplementedError):  # IPython goes on to show it as a PNG, once
        figure._ipython_display_()
    assert not plt.fignum_exists(figure.number)


# ---------------------------------------------------------------------- the animation


def test_the_animation_plays_in_a_notebook_with_every_frame():
    X, y = ns.datasets.xor()
    net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    animation = ns.plot.animate_training(net, X, y, epochs=12, lr=0.5, frames=3, loss="bce", seed=0)
    try:
        text = animation._repr_html_()
    finally:
        plt.close("all")
    frames = re.findall(r"frames\[(\d+)\] = \"data:image/png;base64,", text)
    assert [int(k) for k in frames] == [0, 1, 2, 3]  # frames + 1 pictures, the untrained network first
    assert "<script" in text  # the player
    # it plays offline: nothing fetched from elsewhere, its buttons drawn with characters
    assert "https://" not in text and "http://" not in text
    assert 'class="fa' not in text
    assert text.count("<button") == 9 and "\u25b6" in text and "\u275a\u275a" in text
