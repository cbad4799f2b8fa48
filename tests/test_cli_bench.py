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


def test_quick_xor_prints_a_positive_ratio_and_saves_it_with_targets_not_judged(capsys, tmp_path):
    path = tmp_path / "results.json"
    status, out, _ = run(["bench", "--quick", "--only", "xor", "--repeats", "1", "--json", str(path)], capsys)
    assert status == 0
    table = out.split("== xor:")[1].split("agreement after")[0]
    rows = {
        match[0]: match[1:] for match in re.findall(r"^  (\w+)\*{0,2}\s+(\S+)\s+(\S+)\s", table, re.MULTILINE)
    }
    reference_ms, reference_ratio = map(float, rows["reference"])
    compiled_ms, compiled_ratio = map(float, rows["compiled"])
    assert reference_ratio == 1.0
    assert compiled_ratio > 0
    # the ratio is the compiled engine's time over the reference's (both printed to 3 decimals)
    assert compiled_ratio == pytest.approx(compiled_ms / reference_ms, rel=0.1, abs=0.02)

    # --quick shows each measured target's value but judges none of them
    targets = target_rows(out)
    assert targets["xor: compiled time <= 1.25 x reference"] == (f"{compiled_ratio:.2f}", "not judged")
    assert {status for _, status in targets.values()} <= {"not judged", "SKIP"}

    # the file holds the printed numbers, and nothing else is left beside it
    saved = json.loads(path.read_text())
    assert saved["workloads"]["xor"]["engines"]["compiled"]["ratio"] == pytest.approx(
        compiled_ratio, abs=5e-3
    )
    assert saved["settings"]["quick"] is True
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


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
        "micrograd, build, plot; got 'nope' (see: neurosim bench --help)\n"
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
