"""The benchmark's scaling section: its tables, its JSON, and the chart it draws, on a tiny --quick run."""

import json
import re

import matplotlib.image
import numpy as np
import pytest
from command_line import run

from neurosim.benchmarks.engines.charts import engines_figure, scaling_figure
from neurosim.benchmarks.engines.scaling import QUICK, scaling_data


def sweep_table(out, name):
    """``[(value, reference ms, compiled ms, ratio)]`` from the printed table of one sweep."""
    block = out.split(f"  {name}  reference (ms/epoch)")[1].split("\n  against")[0].split("\n\n")[0]
    pattern = r"^  (\d+)\s+(\d\S*)\s+(\d\S*)\s+(\d\S*)\s+\d+%$"
    return [(int(v), float(r), float(c), float(q)) for v, r, c, q in re.findall(pattern, block, re.MULTILINE)]


def test_a_quick_scaling_run_prints_both_sweeps_saves_them_and_draws_them(capsys, tmp_path):
    path = tmp_path / "results.json"
    argv = ["bench", "--quick", "--only", "scaling", "--repeats", "1", "--json", str(path)]
    status, out, _ = run([*argv, "--plot-dir", str(tmp_path)], capsys)
    assert status == 0
    saved = json.loads(path.read_text())["scaling"]
    for name, values in (("width", QUICK.widths), ("batch", QUICK.batches)):
        rows = sweep_table(out, name)
        assert [row[0] for row in rows] == list(values) == saved[name]["values"]
        for (_, reference_ms, compiled_ms, ratio), saved_ratio in zip(
            rows, saved[name]["ratio"], strict=True
        ):
            assert reference_ms > 0 and compiled_ms > 0
            # the ratio is the compiled time over the reference's (times printed to 3 decimals)
            assert ratio == pytest.approx(compiled_ms / reference_ms, rel=0.05, abs=0.02)
            assert saved_ratio == pytest.approx(ratio, abs=5e-3)
    assert saved["samples"] == QUICK.samples
    assert saved["threads"]["pinned"] is True
    assert "  threads: limited to 1 thread" in out.split("== scaling")[1]
    # the chart: two panels side by side, 1000 x 400 pixels
    assert saved["image"] == str(tmp_path / "scaling.png")
    assert matplotlib.image.imread(tmp_path / "scaling.png").shape[:2] == (400, 1000)
    # what it draws: each sweep's measured ratios against its sizes
    for ax, name in zip(scaling_figure(saved).axes, ("width", "batch"), strict=True):
        line = next(line for line in ax.get_lines() if line.get_label() == "compiled fit")
        np.testing.assert_array_equal(line.get_xdata(), saved[name]["values"])
        np.testing.assert_array_equal(line.get_ydata(), saved[name]["ratio"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json", "scaling.png"]


SCALING = {
    "samples": 64,
    "width": {"values": [8, 16, 32], "ratio": [1.6, 1.3, 1.1], "batch": 32},
    "batch": {"values": [1, 4, 16, 64], "ratio": [1.2, 1.25, 0.9, 1.05], "width": 64},
}


def test_the_scaling_chart_draws_each_sweeps_ratios_on_a_log_axis_beside_a_line_at_one():
    fig = scaling_figure(SCALING)
    panels = fig.axes
    assert len(panels) == 2
    for ax, sweep in zip(panels, (SCALING["width"], SCALING["batch"]), strict=True):
        assert ax.get_xscale() == "log"
        lines = {line.get_label(): line for line in ax.get_lines()}
        ratios = lines["compiled fit"]
        np.testing.assert_array_equal(ratios.get_xdata(), sweep["values"])
        np.testing.assert_array_equal(ratios.get_ydata(), sweep["ratio"])
        level = lines["as fast as the reference"]
        assert list(level.get_ydata()) == [1.0, 1.0]
        # every point is labelled with its ratio, and every size is a tick
        assert [text.get_text() for text in ax.texts] == [f"{r:.2f}" for r in sweep["ratio"]]
        assert [tick.get_text() for tick in ax.get_xticklabels()] == [str(v) for v in sweep["values"]]
        low, high = ax.get_ylim()
        assert low == 0 and high > max(sweep["ratio"])
    assert "batch 32" in panels[0].get_title() and "16-64-64-4" in panels[1].get_title()


def test_the_engines_chart_has_one_bar_per_engine_and_workload_labelled_with_its_ratio():
    workloads = {
        "xor": {
            "engines": {
                "reference": {"ms_per_epoch": 0.01, "ratio": 1.0},
                "compiled": {"ms_per_epoch": 0.012, "ratio": 1.2},
            }
        },
        "wide": {
            "engines": {
                "reference": {"ms_per_epoch": 300.0, "ratio": 1.0},
                "compiled": {"ms_per_epoch": 315.0, "ratio": 1.05},
                "object": {"ms_per_epoch": 90000.0, "ratio": 300.0},
            }
        },
    }
    ax = engines_figure(workloads).axes[0]
    assert ax.get_yscale() == "log"
    heights = sorted(bar.get_height() for bar in ax.patches)
    assert heights == [0.01, 0.012, 300.0, 315.0, 90000.0]
    # each workload's bars stand side by side, centred on its tick: xor's two without a gap for "object"
    centres = {bar.get_height(): bar.get_x() + bar.get_width() / 2 for bar in ax.patches}
    bar_width = ax.patches[0].get_width()
    assert centres[0.01] == pytest.approx(-bar_width / 2) and centres[0.012] == pytest.approx(bar_width / 2)
    assert [centres[h] for h in (300.0, 315.0, 90000.0)] == pytest.approx([1 - bar_width, 1, 1 + bar_width])
    labels = sorted(text.get_text() for text in ax.texts)
    assert labels == sorted(["1.00x", "1.20x", "1.00x", "1.05x", "300x"])
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["xor", "wide"]


def test_the_scaling_data_is_fixed_and_its_labels_follow_a_linear_rule():
    X, y = scaling_data(200)
    again, labels = scaling_data(200)
    np.testing.assert_array_equal(X, again)
    np.testing.assert_array_equal(y, labels)
    # every class occurs, and a linear rule draws them: a least-squares linear classifier recovers most
    assert set(y.tolist()) == {0, 1, 2, 3}
    weights = np.linalg.lstsq(X, np.eye(4)[y] - 0.25, rcond=None)[0]
    assert np.mean(np.argmax(X @ weights, axis=1) == y) > 0.8
