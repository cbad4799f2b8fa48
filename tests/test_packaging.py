"""What the package ships: every package of the source, the version written once, the files it needs."""

from __future__ import annotations

from pathlib import Path

import pytest

import neurosim

ROOT = Path(__file__).resolve().parent.parent
tomllib = pytest.importorskip("tomllib", reason="tomllib, to read pyproject.toml, comes with Python 3.11")


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_package_of_the_source_is_listed_for_the_wheel():
    setuptools = project()["tool"]["setuptools"]
    folders = {"neurosim": ROOT / "neurosim"} | {
        name: ROOT / folder for name, folder in setuptools["package-dir"].items()
    }
    on_disk = set()
    for root_name, folder in folders.items():
        for init in folder.rglob("__init__.py"):
            parts = init.parent.relative_to(folder).parts
            on_disk.add(".".join((root_name, *parts)))
    # a folder of data files only (the playground's page) is listed as a package too, with its files
    data_only = set(setuptools["package-data"]) - on_disk
    assert on_disk | data_only == set(setuptools["packages"])
    for name in data_only:
        folder = ROOT.joinpath(*name.split("."))
        files = {path for path in folder.iterdir() if path.is_file()}
        shipped = {path for pattern in setuptools["package-data"][name] for path in folder.glob(pattern)}
        assert files and shipped == files, name


def test_the_version_is_written_once_and_the_package_says_it_is_typed():
    meta = project()["project"]
    assert "version" not in meta and "version" in meta["dynamic"]
    assert project()["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "neurosim.__version__"}
    assert neurosim.__version__.count(".") == 2
    assert (ROOT / "neurosim" / "py.typed").exists()
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert neurosim.__version__ in (ROOT / "CHANGELOG.md").read_text()
