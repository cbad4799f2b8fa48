"""A ``neurosim train`` that fails while writing leaves the output folder as it found it."""

import errno
import os

import matplotlib.figure
import pytest

import neurosim as ns
from neurosim.cli import main

TRAIN = ["train", "xor", "--hidden", "2", "--epochs", "2"]


def disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.fixture(params=["the model", "a picture"])
def full_disk(request, monkeypatch):
    """A disk that fills up while the model, or else the second picture, is written."""
    if request.param == "the model":
        monkeypatch.setattr(os, "fsync", disk_full)
        return request.param
    fill_up_after_one_picture(monkeypatch)
    return request.param


def fill_up_after_one_picture(monkeypatch):
    """Make the disk fill up while the second picture is saved; return the list of saves tried."""
    real_savefig = matplotlib.figure.Figure.savefig
    calls = []

    def savefig_then_fill_up(figure, *args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            disk_full()
        return real_savefig(figure, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig_then_fill_up)
    return calls


def snapshot(folder):
    """Every file and folder under ``folder``, with the contents of the files."""
    return {
        path.relative_to(folder): path.read_bytes() if path.is_file() else None
        for path in sorted(folder.rglob("*"))
    }


def test_a_full_disk_leaves_no_new_folder_behind(full_disk, capsys, tmp_path):
    output = tmp_path / "runs" / "xor"
    assert main([*TRAIN, "--output", str(output)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err
    assert list(tmp_path.iterdir()) == []  # neither runs/ nor runs/xor/, nor a hidden temporary folder


def test_a_full_disk_leaves_an_existing_folder_as_it_was(full_disk, capsys, tmp_path):
    output = tmp_path / "run"
    output.mkdir()
    (output / "model.json").write_text("an earlier model")
    (output / "notes.txt").write_text("the user's own notes")
    (output / "figures").mkdir()
    (output / "figures" / "old.png").write_bytes(b"not really a picture")
    before = snapshot(output)
    assert main([*TRAIN, "--output", str(output)]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert snapshot(output) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_successful_run_into_an_existing_folder_keeps_the_users_other_files(capsys, tmp_path):
    output = tmp_path / "run"
    output.mkdir()
    (output / "model.json").write_text("an earlier model")
    (output / "notes.txt").write_text("the user's own notes")
    assert main([*TRAIN, "--no-pictures", "--output", str(output)]) == 0
    assert sorted(p.name for p in output.iterdir()) == ["model.json", "notes.txt"]
    assert (output / "notes.txt").read_text() == "the user's own notes"
    assert [layer.size for layer in ns.load(output / "model.json").layers] == [2, 2, 1]
    assert f"neurosim inspect {output / 'model.json'}" in capsys.readouterr().out


def test_an_interrupted_run_leaves_no_new_folder_behind(monkeypatch, capsys, tmp_path):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", interrupt)
    assert main([*TRAIN, "--output", str(tmp_path / "run")]) == 130
    assert list(tmp_path.iterdir()) == []


def test_plot_on_a_full_disk_leaves_no_pictures_folder(monkeypatch, capsys, tmp_path):
    model = tmp_path / "model.json"
    ns.Network.from_shape([2, 2, 1], seed=0).save(model)
    calls = fill_up_after_one_picture(monkeypatch)
    assert main(["plot", str(model)]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert len(calls) == 2  # the first picture was written, into the hidden folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]
