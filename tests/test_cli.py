"""The neurosim command line."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import neurosim as ns
from neurosim.cli import main

DEMOS = Path(__file__).resolve().parent.parent / "demos"
COMMANDS = ["demo", "train", "inspect", "diagnose", "plot", "bench", "playground"]


def demo_summaries():
    """The first line of every demo script's docstring."""
    files = [path for path in DEMOS.glob("*.py") if not path.name.startswith("_")]
    return sorted(
        ast.get_docstring(ast.parse(path.read_text())).splitlines()[0].rstrip(".") for path in files
    )


def test_demo_list_shows_every_demo_with_its_summary(capsys):
    assert main(["demo", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sorted(line.split(maxsplit=1)[1] for line in lines) == demo_summaries()


def test_unknown_demo_is_one_line_listing_the_demos_and_exit_2(capsys):
    main(["demo", "--list"])
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert main(["demo", "nope"]) == 2
    err = capsys.readouterr().err
    assert err == f"neurosim demo: unknown demo 'nope'; choose from: {', '.join(names)}\n"
    assert len(names) == len(demo_summaries())


def test_bad_demo_argument_exits_non_zero_without_traceback(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "xor", "--epochs", "many"])
    assert exit_info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "neurosim"
    result = subprocess.run([str(script), "demo", "--list"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "xor" in result.stdout


def test_help_lists_every_command_with_one_line_of_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    # each command's help starts on its own line, beside its name (spaces, not a line break, between)
    listed = re.findall(r"^    (\w+) {2,}\S", out, re.MULTILINE)
    assert listed == list(COMMANDS)
    assert "examples:" in out


def test_no_command_prints_the_help(capsys):
    assert main([]) == 0
    assert capsys.readouterr().out.startswith("usage: neurosim [-h] [--version] COMMAND ...")


def test_version_is_the_installed_package_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"neurosim {version('neurosim-learn')}\n"


@pytest.mark.parametrize("argv", [["--bogus"], ["--bogus", "--other"], ["-x"]])
def test_an_unknown_option_without_a_command_is_one_line_and_exit_2(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"neurosim: unrecognized arguments: {' '.join(argv)} (see: neurosim --help)\n")


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_help_ends_with_examples_of_itself(capsys, command):
    try:
        status = main([command, "--help"])
    except SystemExit as exit_info:  # argparse's own --help ends the program from inside the parser
        status = exit_info.code
    assert status == 0
    epilog = capsys.readouterr().out.split("\nexamples:\n")[1]
    assert epilog.startswith(f"  neurosim {command} ")


def raise_(error):
    def run(*args, **kwargs):
        raise error

    return run


def test_ctrl_c_is_one_line_and_exit_130(capsys, monkeypatch):
    import neurosim.cli.train

    monkeypatch.setattr(neurosim.cli.train, "run", raise_(KeyboardInterrupt()))
    assert main(["train", "moons"]) == 130
    assert capsys.readouterr().err == "neurosim: interrupted\n"


def test_a_neurosim_error_in_a_command_is_one_line_and_exit_1(capsys, monkeypatch):
    import neurosim.cli.inspect_model

    monkeypatch.setattr(neurosim.cli.inspect_model, "run", raise_(ns.DataError("the data is wrong here")))
    assert main(["inspect", "model.json"]) == 1
    assert capsys.readouterr().err == "neurosim: the data is wrong here\n"


def test_an_error_in_diagnose_is_exit_2_because_1_means_it_found_something(capsys, monkeypatch):
    import neurosim.cli.diagnose

    monkeypatch.setattr(neurosim.cli.diagnose, "run", raise_(ns.DataError("the data is wrong here")))
    assert main(["diagnose", "model.json", "--data", "moons"]) == 2
    assert capsys.readouterr().err == "neurosim: the data is wrong here\n"
    monkeypatch.setattr(
        neurosim.cli.diagnose, "run", raise_(PermissionError(13, "Permission denied", "m.json"))
    )
    assert main(["diagnose", "m.json", "--data", "moons"]) == 2
    assert capsys.readouterr().err == "neurosim: Permission denied: m.json\n"


def test_a_neurosim_error_in_a_demo_is_one_line_and_exit_1(capsys, monkeypatch):
    import neurosim.demos.xor

    monkeypatch.setattr(neurosim.demos.xor, "main", raise_(ns.ParameterError("lr must be positive; got -1")))
    assert main(["demo", "xor"]) == 1
    assert capsys.readouterr().err == "neurosim: lr must be positive; got -1\n"


def test_an_os_error_is_one_line_naming_the_file_and_exit_1(capsys, monkeypatch):
    import neurosim.cli.plot

    error = PermissionError(13, "Permission denied", "pictures/network.png")
    monkeypatch.setattr(neurosim.cli.plot, "run", raise_(error))
    assert main(["plot", "model.json"]) == 1
    assert capsys.readouterr().err == "neurosim: Permission denied: pictures/network.png\n"


def test_a_reader_that_goes_away_ends_the_command_quietly(capsys, monkeypatch):
    import neurosim.cli.train

    monkeypatch.setattr(neurosim.cli.train, "run", raise_(BrokenPipeError(32, "Broken pipe")))
    assert main(["train", "moons"]) == 1
    assert capsys.readouterr().err == ""


def test_an_unknown_option_is_named_with_its_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["inspect", "model.json", "--colour"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        "neurosim inspect: unrecognized arguments: --colour (see: neurosim inspect --help)\n"
    )


def test_every_demo_starts_by_saying_what_it_teaches(capsys):
    from neurosim.demos._common import introduce

    for path in sorted(DEMOS.glob("[!_]*.py")):
        introduce(ast.get_docstring(ast.parse(path.read_text())))
        out = capsys.readouterr().out
        assert out.startswith("What it teaches: "), path.name
        assert len(out.split()) > 30 and "``" not in out, path.name
