"""The example notebooks of ``docs/notebooks``, run and shown as pages of the site.

mkdocs runs this file as a hook (``mkdocs.yml``: ``hooks``). Each notebook
is run in a Jupyter kernel (nbclient) when the site is built, and written
as a page beside it: its Markdown cells as they are, its code as Python
blocks, and what each cell showed (text as text, pictures as PNG images
inside the page, HTML such as neurosim's tables and an animation's player
as it is), so that the page needs nothing from elsewhere. A cell that
raises stops the build with its error. The ``.ipynb`` files stay on the
site, to download and run.
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

import nbformat
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from nbclient import NotebookClient

#: the folder of the notebooks, inside the docs
FOLDER = "notebooks/"
#: how long one cell may run, in seconds
CELL_TIMEOUT = 300


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add a page for each notebook, made by running it."""
    for file in list(files):
        if file.src_uri.startswith(FOLDER) and file.src_uri.endswith(".ipynb"):
            page = notebook_page(Path(file.abs_src_path), download=Path(file.src_uri).name)
            files.append(File.generated(config, file.src_uri.removesuffix(".ipynb") + ".md", content=page))
    return files


def notebook_page(path: Path, download: str) -> str:
    """The Markdown page of the notebook at ``path``, run from the start in a temporary folder."""
    notebook = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as folder:
        NotebookClient(
            notebook, timeout=CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": folder}}
        ).execute()
    parts = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            parts.append(cell.source)
        elif cell.cell_type == "code" and cell.source.strip():
            fence = "`" * max(3, _longest_run(cell.source, "`") + 1)  # longer than any run of ` in the code
            parts.append(f"{fence}python\n{cell.source}\n{fence}")
            parts.extend(output_markdown(output) for output in cell.outputs)
        if index == 0:  # under the title
            parts.append(f"This page is the notebook [{download}]({download}), run when the site was built.")
    return "\n\n".join(part for part in parts if part) + "\n"


def _longest_run(text: str, character: str) -> int:
    """The length of the longest run of ``character`` in ``text``."""
    longest = run = 0
    for each in text:
        run = run + 1 if each == character else 0
        longest = max(longest, run)
    return longest


def output_markdown(output: dict) -> str:
    """What one output of a cell showed, as Markdown or as HTML that Markdown leaves alone."""
    if output["output_type"] == "stream":
        return _text_block(
            output["text"], "notebook-output notebook-stderr" if output["name"] == "stderr" else None
        )
    if output["output_type"] == "error":  # pragma: no cover - a cell that raises stops the build first
        return _text_block("\n".join(output["traceback"]))
    data = output.get("data", {})
    if "text/html" in data:
        return f'<div class="notebook-output">\n{_joined(data["text/html"])}\n</div>'
    if "image/svg+xml" in data:
        return f'<div class="notebook-output">\n{_joined(data["image/svg+xml"])}\n</div>'
    for kind in ("image/png", "image/jpeg"):
        if kind in data:
            source = f"data:{kind};base64,{_joined(data[kind]).strip()}"
            return f'<p class="notebook-output"><img alt="a picture the cell drew" src="{source}"></p>'
    if "text/markdown" in data:
        return _joined(data["text/markdown"])
    if "text/plain" in data:
        return _text_block(_joined(data["text/plain"]))
    return ""


def _text_block(text: str, classes: str | None = None) -> str:
    """Text as the notebook printed it: preformatted, escaped, so Markdown does not read it."""
    escaped = html.escape(text.rstrip()).replace("`", "&#96;")  # a run of ` would open a fenced block
    return f'<pre class="{classes or "notebook-output"}">{escaped}</pre>'


def _joined(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)
