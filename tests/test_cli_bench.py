"""``neurosim bench``: the benchmark script, run from the command line with its own options."""

import json
import os
import re

import pytest
from command_line import run

from neurosim.cli import main


def target_rows(out):
    """``{target: (shown value, status)}`` from the printed targets table, whose every row must parse."""
    block = out.split("== targets\n")[1].split("\n\n")[0].splitlines()
    rows = [line for line in block[2:] if not re.match(r"  (\d+ |\()", line)]  # not the counts below
    parsed = [
        re.fullmatch(r"  (\S.*?\S)\s{2,}(\S+(?: s)?)\s{2,}(PASS|FAIL|SKIP|not judged)", line) for line in rows
    ]
    assert all(parsed), rows
    return {match[1]: (match[2], match[3]) for match in parsed}


def engine_rows(out, workload):
    """``{engine: (ms per epoch, / reference, / reference+bookkeeping)}`` from a workload's printed table."""
    table = out.split(f"== {workload}:")[1].split("agreement after")[0]
    pattern = r"^  ([a-z0-9+]+)\**\s+(\d\S*)\s+(\d\S*)\s+(\d\S*)\s"
    return {match[0]: tuple(map(float, match[1:])) for match in re.findall(pattern, table, re.MULTILINE)}


def test_quick_xor_prints_both_ratios_and_saves_them_with_timed_targets_not_judged(capsys, tmp_path):
    path = tmp_path / "results.json"
    status, out, _ = run(["bench", "--quick", "--only", "xor", "--repeats", "1", "--json", str(path)], capsys)
    assert status == 0
    rows = engine_rows(out, "xor")
    reference_ms, reference_ratio, _ = rows["reference"]
    books_ms, _, books_ratio = rows["reference+bookkeeping"]
    compiled_ms, compiled_ratio, compiled_books_ratio = rows["compiled"]
    assert (reference_ratio, books_ratio) == (1.0, 1.0)
    # each ratio is the engine's time over that reference's (times printed to 3 decimals)
    assert compiled_ratio == pytest.approx(compiled_ms / reference_ms, rel=0.1, abs=0.02)
    assert compiled_books_ratio == pytest.approx(compiled_ms / books_ms, rel=0.1, abs=0.02)

    # --quick shows each timed target's value but judges none of them; agreement is judged
    targets = target_rows(out)
    assert targets["xor: compiled / reference <= 1.4"] == (f"{compiled_ratio:.2f}", "not judged")
    assert targets["xor: compiled weights within 1e-12 of the reference's"][1] == "PASS"
    assert targets["xor: object weights within 1e-12 of the reference's"][1] == "PASS"
    timed = {status for target, (_, status) in targets.items() if "weights" not in target}
    assert timed <= {"not judged", "SKIP"}

    # the file holds the printed numbers, and nothing else is left beside it
    saved = json.loads(path.read_text())
    compiled = saved["workloads"]["xor"]["engines"]["compiled"]
    assert compiled["ratio"] == pytest.approx(compiled_ratio, abs=5e-3)
    assert compiled["ratio_bookkeeping"] == pytest.approx(compiled_books_ratio, abs=5e-3)
    assert saved["settings"]["quick"] is True
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_the_thread_pools_are_recorded_and_xor_is_timed_with_one_thread(capsys, tmp_path):
    from threadpoolctl import threadpool_info

    path = tmp_path / "results.json"
    status, out, _ = run(["bench", "--quick", "--only", "xor", "--repeats", "1", "--json", str(path)], capsys)
    assert status == 0
    saved = json.loads(path.read_text())
    # the pools at their defaults, as threadpoolctl lists them in this process
    defaults = {(info["internal_api"], info["version"], info["num_threads"]) for info in threadpool_info()}
    recorded = saved["machine"]["threadpools"]
    assert {(pool["library"], pool["version"], pool["threads"]) for pool in recorded} == defaults
    assert any(pool["user_api"] == "blas" for pool in recorded)
    # xor is timed with every pool limited to one thread, and the report says so
    threads = saved["workloads"]["xor"]["threads"]
    assert threads["pinned"] is True
    assert threads["pools"] and {pool["threads"] for pool in threads["pools"]} == {1}
    section = out.split("== xor:")[1].split("\n== ")[0]
    assert "  threads: limited to 1 thread with threadpoolctl.threadpool_limits(1)" in section
    assert "thread pools (threadpoolctl) at their defaults: " in out.split("== xor:")[0]


@pytest.fixture
def plot_timed_in(monkeypatch):
    """Make the ``plot`` section report a chosen time instead of drawing the 784-256-256-10 network."""
    from neurosim.benchmarks.engines import cli as engines

    def use(seconds):
        monkeypatch.setattr(engines, "run_plot", lambda: {"seconds": seconds})

    return use


PLOT_TARGET = "ns.plot.network(784-256-256-10) drawn and rendered < 10 s"


@pytest.mark.parametrize(
    ("options", "seconds", "status"),
    [("", 3.0, "PASS"), ("", 12.5, "FAIL"), ("--quick", 3.0, "not judged"), ("--quick", 12.5, "not judged")],
)
def test_a_full_run_judges_each_target_and_a_quick_run_does_not(
    capsys, plot_timed_in, options, seconds, status
):
    plot_timed_in(seconds)
    code, out, _ = run(["bench", "--only", "plot", *options.split()], capsys)
    assert code == 0
    assert target_rows(out) == {PLOT_TARGET: (f"{seconds:.2f} s", status)}
    explained = "(not judged in --quick: too few repeats; run without --quick for PASS or FAIL)"
    assert (explained in out) == (options == "--quick")


def test_a_json_file_that_cannot_be_written_is_one_line_and_leaves_the_earlier_one_whole(
    capsys, plot_timed_in, tmp_path, monkeypatch
):
    from neurosim.benchmarks.engines import cli as engines

    plot_timed_in(3.0)
    path = tmp_path / "results.json"
    path.write_text('{"earlier": "results"}\n')

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(engines.json, "dumps", full_disk)
    code, _, err = run(["bench", "--only", "plot", "--json", str(path)], capsys)
    assert (code, err) == (1, f"neurosim: cannot write {str(path)!r}: No space left on device\n")
    assert path.read_text() == '{"earlier": "results"}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]  # no temporary file left behind


@pytest.fixture
def places(tmp_path, monkeypatch):
    """A working directory holding a file and a folder."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_file").write_text("not a folder\n")
    (tmp_path / "results").mkdir()
    return tmp_path


BENCH_HELP = " (see: neurosim bench --help)"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("missing/r.json", "--json 'missing/r.json' cannot be written: folder 'missing' does not exist"),
        ("a_file/r.json", "--json 'a_file/r.json' cannot be written: 'a_file' is a file, not a folder"),
        ("results", "--json 'results' is a folder; expected a file name such as results.json"),
    ],
)
def test_a_json_path_that_cannot_be_written_is_refused_before_anything_runs(capsys, places, path, message):
    code, out, err = run(["bench", "--quick", "--only", "xor", "--json", path], capsys)
    assert (code, out, err) == (2, "", f"neurosim bench: {message}{BENCH_HELP}\n")


def test_a_json_folder_without_write_permission_is_refused_before_anything_runs(capsys, places, monkeypatch):
    real_access = os.access

    def access(path, mode):  # as for a user other than the folder's owner (root may write anywhere)
        return False if os.path.abspath(path) == str(places / "results") else real_access(path, mode)

    monkeypatch.setattr(os, "access", access)
    code, out, err = run(["bench", "--quick", "--only", "xor", "--json", "results/r.json"], capsys)
    assert (code, out) == (2, "")
    assert err == (
        "neurosim bench: --json 'results/r.json' cannot be written in 'results' (read-only, or no permission)"
        f"{BENCH_HELP}\n"
    )


def test_an_unknown_workload_is_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--only", "nope"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        "neurosim bench: --only takes names among xor, moons, digits, wide, instance, watch, doctor, "
        "object, micrograd, scaling, build, plot; got 'nope' (see: neurosim bench --help)\n"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [("many", "argument --repeats: invalid int value: 'many'"), ("0", "--repeats must be at least 1")],
)
def test_a_bad_option_value_is_one_line_and_exit_2(capsys, value, message):
    code, out, err = run(["bench", "--repeats", value], capsys)
    assert (code, out, err) == (2, "", f"neurosim bench: {message}{BENCH_HELP}\n")


def test_help_is_the_benchmark_options_with_examples(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: neurosim bench [-h] [--quick] [--only NAME[,NAME]]")
    assert "examples:\n  neurosim bench --quick" in out


def test_without_the_object_section_its_run_says_so_and_skips_its_targets(capsys, monkeypatch):
    from neurosim.benchmarks.engines import sections

    monkeypatch.setattr(sections, "OBJECT_SPEED_MODULE", "neurosim.benchmarks.engines.no_such_section")
    code, out, _ = run(["bench", "--only", "object"], capsys)
    assert code == 0
    assert (
        "== object engine vs a plain-Python loop: skipped, neurosim.benchmarks.engines.no_such_section" in out
    )
    assert target_rows(out) == {
        f"moons: object engine per sample <= 1 x plain-Python loop at batch {batch}": ("n/a", "SKIP")
        for batch in (1, 32, 128)
    }


def test_the_object_section_runs_with_one_thread_and_its_ratios_are_judged(capsys, monkeypatch, tmp_path):
    import importlib.machinery
    import sys
    import types

    from threadpoolctl import threadpool_info

    seen = {}

    def run_object_speed(settings, have):
        seen["blas threads"] = {
            info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"
        }
        seen["quick"] = settings.quick
        rows = {
            batch: {"object_us": 10.0, "python_us": 10.0 / ratio, "ratio": ratio} for batch, ratio in RATIOS
        }
        return {"batches": rows, "agreement": {"object": 0.0, "python": 1e-15}}

    name = "neurosim.benchmarks.engines.fake_object_speed"
    module = types.ModuleType(name)
    module.__spec__ = importlib.machinery.ModuleSpec(name, None)
    module.run_object_speed = run_object_speed
    monkeypatch.setitem(sys.modules, name, module)
    from neurosim.benchmarks.engines import sections

    monkeypatch.setattr(sections, "OBJECT_SPEED_MODULE", name)
    path = tmp_path / "results.json"
    code, out, _ = run(["bench", "--only", "object", "--json", str(path)], capsys)
    assert code == 0
    assert seen == {"blas threads": {1}, "quick": False}
    assert target_rows(out) == {
        "moons: object engine per sample <= 1 x plain-Python loop at batch 1": ("0.80", "PASS"),
        "moons: object engine per sample <= 1 x plain-Python loop at batch 32": ("1.00", "PASS"),
        "moons: object engine per sample <= 1 x plain-Python loop at batch 128": ("1.30", "FAIL"),
    }
    assert "  threads: limited to 1 thread" in out
    saved = json.loads(path.read_text())["object_speed"]
    assert saved["batches"]["128"]["ratio"] == 1.3
    assert saved["threads"]["pinned"] is True


RATIOS = [(1, 0.8), (32, 1.0), (128, 1.3)]


@pytest.mark.parametrize(
    ("folder", "message"),
    [
        ("missing", "--plot-dir 'missing' does not exist"),
        ("a_file", "--plot-dir 'a_file' is a file, not a folder"),
    ],
)
def test_a_plot_folder_that_cannot_hold_the_charts_is_refused_before_anything_runs(
    capsys, places, folder, message
):
    code, out, err = run(["bench", "--quick", "--only", "xor", "--plot-dir", folder], capsys)
    assert (code, out, err) == (2, "", f"neurosim bench: {message}{BENCH_HELP}\n")
