"""ns.plot.watched and ns.plot.engines draw what was recorded and measured."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.image import imread

import neurosim as ns

X, y = ns.datasets.xor()

RESULTS = {
    "workloads": {
        "xor": {"engines": {"reference": {"ms_per_epoch": 0.05}, "compiled": {"ms_per_epoch": 0.06}}},
        "wide": {
            "engines": {
                "reference": {"ms_per_epoch": 400.0},
                "compiled": {"ms_per_epoch": 420.0},
                "compiled32": {"ms_per_epoch": 230.0},
                "object": {"ms_per_epoch": 140000.0},
            }
        },
    }
}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def trained_watch(fits: int = 1) -> ns.training.watch.Watch:
    net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    watch = net.watch("output[0]")
    for _ in range(fits):
        net.fit(X, y, epochs=8, lr=1.0, batch_size=2, loss="bce", seed=0, engine="compiled", verbose=0)
    return watch


def pixels_of(fig, tmp_path) -> np.ndarray:
    path = tmp_path / "figure.png"
    fig.savefig(path, dpi=80)
    return imread(path)[..., :3]


def has_colour(image: np.ndarray, colour: str, tolerance: float = 0.02) -> bool:
    return bool((np.abs(image - np.array(to_rgb(colour))).max(axis=-1) < tolerance).any())


# ------------------------------------------------------------------------------ watched


def test_watched_draws_one_line_per_synapse_with_the_recorded_values(tmp_path):
    watch = trained_watch()
    ax = ns.plot.watched(watch)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == watch.names
    for column, line in enumerate(lines):
        assert np.array_equal(line.get_xdata(), np.arange(len(watch)))
        assert np.array_equal(line.get_ydata(), watch.weights[:, column])
    assert [text.get_text() for text in ax.get_legend().get_texts()] == watch.names
    assert ax.get_xlabel() == "update step" and ax.get_ylabel() == "weight"
    image = pixels_of(ax.figure, tmp_path)
    assert all(has_colour(image, line.get_color()) for line in lines)


def test_watched_gradients_and_later_fit_calls():
    watch = trained_watch(fits=2)
    ax = ns.plot.watched(watch, show="gradients")
    for column, line in enumerate(ax.get_lines()[: len(watch.names)]):
        assert np.array_equal(line.get_ydata(), watch.grads[:, column], equal_nan=True)
    second_start = 1 + 8 * 2  # the starting row, then 8 epochs of 2 updates
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert [line.get_xdata()[0] for line in dashed] == [second_start]
    assert "fit 2" in [text.get_text() for text in ax.texts]


def test_watched_without_a_legend_when_too_many_synapses():
    net = ns.Network.from_shape([4, 4, 1], seed=0)
    watch = net.watch("hidden1")
    net.fit(np.eye(4), [0, 1, 1, 0], epochs=2, lr=0.1, loss="bce", verbose=0)
    ax = ns.plot.watched(watch)
    assert ax.get_legend() is None and "16 synapses" in ax.get_title()


def test_watched_refuses_bad_input_and_draws_nothing():
    _, ax = plt.subplots()
    net = ns.Network.from_shape([2, 3, 1], seed=0)
    with pytest.raises(ns.DataError, match="recorded nothing yet"):
        ns.plot.watched(net.watch("hidden1"), ax=ax)
    with pytest.raises(ns.ParameterError, match="show must be 'weights' or 'gradients'; got 'grads'"):
        ns.plot.watched(trained_watch(), show="grads", ax=ax)
    with pytest.raises(ns.ParameterError, match=r"takes what net.watch"):
        ns.plot.watched(net, ax=ax)
    assert not ax.get_lines() and not ax.collections


# ------------------------------------------------------------------------------ engines


def test_engines_bars_are_the_measured_times_with_ratios(tmp_path):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(RESULTS))
    ax = ns.plot.engines(path)
    heights = sorted(round(patch.get_height(), 6) for patch in ax.patches)
    expected = sorted(e["ms_per_epoch"] for w in RESULTS["workloads"].values() for e in w["engines"].values())
    assert heights == pytest.approx(expected)
    assert sorted(text.get_text() for text in ax.texts) == sorted(
        ["1.2x", "1.0x", "1.1x", "0.6x", "350x", "1.0x"]
    )
    assert ax.get_yscale() == "log"
    assert [label.get_text() for label in ax.get_xticklabels()] == ["xor", "wide"]
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["object", "compiled", "compiled32", "reference"]  # each engine once
    image = pixels_of(ax.figure, tmp_path)
    colours = {patch.get_facecolor()[:3] for patch in ax.patches}
    assert len(colours) == 4 and all(has_colour(image, colour) for colour in colours)


@pytest.mark.parametrize(
    ("results", "error", "match"),
    [
        ({"workloads": {}}, ns.DataError, "non-empty 'workloads'"),
        (
            {"workloads": {"xor": {}}},
            ns.DataError,
            "workload 'xor' of the benchmark results has no 'engines'",
        ),
        (
            {"workloads": {"xor": {"engines": {"compiled": {"ms_per_epoch": -1}}}}},
            ns.DataError,
            r"\['compiled'\]\['ms_per_epoch'\] must be a positive number; got -1",
        ),
        (42, ns.ParameterError, "results must be the benchmark's results"),
        ("no-such-results.json", ns.ModelFileError, "cannot read benchmark results 'no-such-results.json'"),
    ],
)
def test_engines_refuses_bad_results_and_draws_nothing(results, error, match):
    _, ax = plt.subplots()
    with pytest.raises(error, match=match):
        ns.plot.engines(results, ax=ax)
    assert not ax.patches


def test_engines_refuses_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "results.json"
    path.write_text("{not json")
    with pytest.raises(ns.ModelFileError, match="is not JSON"):
        ns.plot.engines(path)
