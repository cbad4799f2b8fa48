"""The documentation: every Python block in the README and docs runs, and the site builds cleanly."""

import importlib.util
import inspect
import re
import subprocess
import sys
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pytest

import neurosim as ns

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def blocks():
    for page in PAGES:
        name = page.relative_to(ROOT).as_posix()
        for number, match in enumerate(BLOCK.finditer(page.read_text()), start=1):
            yield pytest.param(match.group(1), id=f"{name}-{number}")


def test_pages_have_code():
    assert sum(1 for _ in blocks()) >= 6


#: packages a page's code may import that neurosim does not need: its block is skipped without them
OPTIONAL = ("torch", "sklearn", "onnx", "onnxruntime")


@pytest.mark.parametrize("code", list(blocks()))
def test_code_block_runs(code, tmp_path, monkeypatch, capsys):
    for package in OPTIONAL:
        imported = re.search(rf"^(import|from) {package}\b", code, re.MULTILINE)
        if imported and importlib.util.find_spec(package) is None:
            pytest.skip(f"this block imports {package}, which is not installed")
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    registered = dict(ns.activations.ACTIVATIONS)  # a page may register an activation of its own
    try:
        exec(compile(code, "<docs>", "exec"), {"__name__": "__docs__"})
    except ns.MissingDependencyError as error:  # a package the block needs but does not import itself
        pytest.skip(str(error))
    finally:  # ... which the tests after it must not see
        ns.activations.ACTIVATIONS.clear()
        ns.activations.ACTIVATIONS.update(registered)
    # a page may leave its figure open, as a reader at a prompt would
    plt.close("all")


def test_site_builds_without_warnings(tmp_path):
    pytest.importorskip("mkdocs", reason="the site's build needs mkdocs (the dev or docs extra)")
    # --strict turns every warning into a failure: a broken link, a missing
    # page or image, an API name mkdocstrings cannot find
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "reference" / "network" / "index.html").exists()
    _check_served_from_the_site(tmp_path / "site")
    _check_every_public_name_is_documented(tmp_path / "site" / "reference")
    _check_notebooks_are_pages(tmp_path / "site")


#: a script or stylesheet the page would fetch from another host
REMOTE_ASSET = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)=\"(?:https?:)?//[^\"]*\"")


def _check_served_from_the_site(site: Path) -> None:
    """Every page reads the same offline: no script or stylesheet from elsewhere, code coloured at build."""
    pages = sorted(site.rglob("*.html"))
    remote = {page.relative_to(site).as_posix(): REMOTE_ASSET.findall(page.read_text()) for page in pages}
    assert not {page: found for page, found in remote.items() if found}
    start = (site / "getting-started" / "index.html").read_text()
    # Pygments' spans for a keyword and a name, styled by the site's own stylesheet
    assert '<span class="kn">import</span>' in start
    stylesheet = (site / "css" / "pygments.css").read_text()
    assert ".codehilite .kn {" in stylesheet
    assert 'href="../css/pygments.css"' in start


def _check_every_public_name_is_documented(reference: Path) -> None:
    """Every name ``neurosim`` exports, and every public method and property of its classes, has an entry."""
    entries = set()
    for page in reference.rglob("*.html"):
        entries |= set(re.findall(r'id="neurosim\.([A-Za-z0-9_.]+)"', page.read_text()))
    documented = {entry.split(".")[-1] for entry in entries}
    missing = []
    for name in ns.__all__:
        thing = getattr(ns, name)
        if inspect.ismodule(thing):
            continue  # a module's names are documented on their own
        if name not in documented:
            missing.append(name)
        if inspect.isclass(thing):
            for member, value in vars(thing).items():
                public = not member.startswith("_") and (callable(value) or isinstance(value, property))
                if public and not any(entry.endswith(f"{name}.{member}") for entry in entries):
                    missing.append(f"{name}.{member}")
    assert not missing, f"not on any reference page: {missing}"


def _check_notebooks_are_pages(site: Path) -> None:
    """Each example notebook is a page of the site, run when it was built, and can be downloaded."""
    for notebook in sorted((ROOT / "docs" / "notebooks").glob("*.ipynb")):
        page = (site / "notebooks" / notebook.stem / "index.html").read_text()
        assert (site / "notebooks" / notebook.name).exists()
        # what the cells showed: neurosim's HTML tables, or pictures inside the page
        assert 'class="notebook-output"' in page, notebook.name
        assert "<table" in page or 'src="data:image/png;base64,' in page, notebook.name
        assert "Traceback" not in page, notebook.name
    first = (site / "notebooks" / "first-network" / "index.html").read_text()
    assert first.count('src="data:image/png;base64,') >= 2  # the network's picture and the history's
