"""``neurosim demo``: its own help, and each demo's help after the demo's name."""

import pytest

from neurosim.cli import main


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_after_a_demo_name_is_that_demos_own_help(capsys, flag):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "xor", flag])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: neurosim demo xor ")
    assert "--seeds" in out and "--fast" in out  # options only the xor demo's parser has


def test_help_after_another_option_still_reaches_the_demo(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "inspect", "--fast", "--help"])
    assert exit_info.value.code == 0
    assert "--interactive" in capsys.readouterr().out


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_without_a_demo_is_the_demo_commands_help(capsys, flag):
    assert main(["demo", flag]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: neurosim demo ")
    assert "--list" in out and "examples:" in out
    assert "--seeds" not in out
