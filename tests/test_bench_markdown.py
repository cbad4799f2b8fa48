"""The README's performance tables, written from a hand-made results file."""

import json

from neurosim.benchmarks.engines.markdown import main, readme_tables

RESULTS = {
    "workloads": {
        "moons": {
            "engines": {
                "reference": {"ms_per_epoch": 0.5, "ratio": 1.0, "ratio_bookkeeping": 0.9},
                "reference+bookkeeping": {"ms_per_epoch": 0.555, "ratio": 1.11, "ratio_bookkeeping": 1.0},
                "compiled": {"ms_per_epoch": 0.6, "ratio": 1.2, "ratio_bookkeeping": 1.081},
                "object": {"ms_per_epoch": 20.0, "ratio": 40.0, "ratio_bookkeeping": 36.0},
            }
        }
    },
    "object_speed": {
        "batches": {
            "1": {"object_us": 62.87, "python_us": 56.4, "ratio": 1.1147},
            "32": {"object_us": 22.0, "python_us": 34.0, "ratio": 0.647},
        },
        "threads": {"pinned": True},
    },
    "scaling": {
        "width": {"values": [8, 1024], "ratio": [1.256, 1.004]},
        "batch": {"values": [1, 2, 4], "ratio": [1.1, 1.2, 1.3]},
    },
}


def rows(text, title):
    block = text.split(f"{title}:\n\n")[1].split("\n\n")[0]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in block.splitlines()]


def test_the_workloads_table_has_the_reference_time_every_ratio_and_blanks_for_engines_not_run():
    table = rows(readme_tables(RESULTS), "Workloads")
    assert table[0][:5] == [
        "workload",
        "reference",
        "reference + bookkeeping",
        "compiled",
        "compiled / (reference + bookkeeping)",
    ]
    assert table[2] == ["moons 2-16-16-1, batch 32", "0.5 ms", "1.11x", "1.20x", "1.08x", "40x", "", ""]


def test_each_scaling_sweep_is_a_row_of_sizes_over_a_row_of_ratios():
    text = readme_tables(RESULTS)
    assert rows(text, "Scaling by width") == [
        ["hidden width", "8", "1024"],
        ["---", "---", "---"],
        ["compiled / reference", "1.26", "1.00"],
    ]
    assert rows(text, "Scaling by batch size")[2] == ["compiled / reference", "1.10", "1.20", "1.30"]


def test_the_command_prints_the_tables_of_the_file_it_is_given(tmp_path, capsys):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(RESULTS))
    assert main([str(path)]) == 0
    assert capsys.readouterr().out == readme_tables(RESULTS) + "\n"
    assert main([]) == 2
    assert "usage: python -m neurosim.benchmarks.engines.markdown RESULTS.json" in capsys.readouterr().err


def test_the_object_table_has_each_batch_sizes_times_per_sample_and_ratio():
    assert rows(readme_tables(RESULTS), "Object engine per sample") == [
        ["batch size", "object engine", "plain-Python loop", "object / loop"],
        ["---", "---", "---", "---"],
        ["1", "62.9 us", "56.4 us", "1.11"],
        ["32", "22.0 us", "34.0 us", "0.65"],
    ]


def test_a_run_without_the_object_section_or_the_scaling_curves_prints_only_the_workloads():
    text = readme_tables({"workloads": RESULTS["workloads"], "object_speed": {"skipped": "not installed"}})
    assert text.startswith("Workloads:\n\n| workload |")
    assert "Object engine" not in text and "Scaling" not in text
