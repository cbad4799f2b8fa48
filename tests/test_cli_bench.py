"""``neurosim bench``: the benchmark script, run from the command line with its own options."""

import re

import pytest

from neurosim.cli import main


def test_quick_xor_prints_a_positive_ratio_of_compiled_to_reference(capsys):
    assert main(["bench", "--quick", "--only", "xor", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
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


def test_an_unknown_workload_is_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--only", "nope"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        "neurosim bench: --only takes names among xor, moons, digits, wide, instance, watch, micrograd, "
        "build, plot; got 'nope' (see: neurosim bench --help)\n"
    )


def test_a_bad_option_value_is_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--repeats", "many"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        "neurosim bench: argument --repeats: invalid int value: 'many' (see: neurosim bench --help)\n"
    )


def test_help_is_the_benchmark_options_with_examples(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: neurosim bench [-h] [--quick] [--only NAME[,NAME]]")
    assert "examples:\n  neurosim bench --quick" in out
