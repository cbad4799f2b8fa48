"""neurosim in a Jupyter kernel: the example notebooks run, pictures show once, progress updates in place.

Each test runs notebook cells in a real kernel with nbclient (the ``dev``
extra installs it, with nbformat and ipykernel) and reads the messages the
kernel sends, as a notebook would receive them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="running notebooks needs nbformat (the dev extra)")
nbclient = pytest.importorskip("nbclient", reason="running notebooks needs nbclient (the dev extra)")
pytest.importorskip("ipykernel", reason="running notebooks needs ipykernel (the dev extra)")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))
SHOWN = ("display_data", "update_display_data", "execute_result")


class Recording(nbclient.NotebookClient):
    """A notebook client that keeps every message of what the cells show, in the order they came."""

    def __init__(self, notebook, **options):
        super().__init__(notebook, **options)
        self.messages: list[tuple[int, str, dict]] = []

    def process_message(self, msg, cell, cell_index):
        if msg["msg_type"] in SHOWN:
            self.messages.append((cell_index, msg["msg_type"], msg["content"]))
        return super().process_message(msg, cell, cell_index)


@pytest.fixture
def kernel_env(monkeypatch):
    """The kernel imports this checkout's neurosim, and picks matplotlib's backend as a notebook does."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.delenv("MPLBACKEND", raising=False)


def run(cells: list[str], folder: Path, notebook=None) -> Recording:
    if notebook is None:
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    client = Recording(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    return client


def pictures(outputs: list[dict]) -> int:
    """How many pictures a list of outputs shows: a PNG, or an image inside HTML (the HTML is preferred)."""
    count = 0
    for output in outputs:
        data = output.get("data", {})
        if "text/html" in data:
            count += data["text/html"].count("<img ")
        elif "image/png" in data:
            count += 1
    return count


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_the_example_notebook_runs_without_errors_or_warnings(path, tmp_path, kernel_env):
    notebook = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells), "commit the notebook without outputs"
    run([], tmp_path, notebook)  # raises CellExecutionError on an error
    streams = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    assert not [output for output in streams if output.get("name") == "stderr"]


def test_there_are_example_notebooks():
    assert {path.stem for path in NOTEBOOKS} >= {
        "first-network",
        "inspect-a-neuron",
        "doctor",
        "compare-engines",
    }


def test_each_picture_shows_once(tmp_path, kernel_env):
    setup = """import neurosim as ns
X, y = ns.datasets.xor()
net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
history = net.fit(X, y, epochs=5, lr=0.5, loss="bce", verbose=0, diagnose=False)"""
    cells = {
        "a figure, the cell's value": "ns.plot.weights(net)",
        "a figure, assigned": "figure = ns.plot.weights(net)",
        "two figures": "first = ns.plot.history(history)\nns.plot.neuron_maps(net, X, y)",
        "axes": "ns.plot.network(net)",
        "a figure shown by display()": "from IPython.display import display\ndisplay(ns.plot.weights(net))",
        "the network": "net",
        "the network, after a figure": "ax = ns.plot.decision_boundary(net, X, y)\nnet",
    }
    expected = [1, 1, 2, 1, 1, 1, 2]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in [setup, *cells.values()]]
    run([], tmp_path, notebook)
    shown = {name: pictures(cell.outputs) for name, cell in zip(cells, notebook.cells[1:], strict=True)}
    assert shown == dict(zip(cells, expected, strict=True))


def test_fit_shows_its_progress_in_place(tmp_path, kernel_env):
    fitting = """import neurosim as ns
X, y = ns.datasets.moons(200, noise=0.15, seed=0)
net = ns.Network.from_shape([2, 6, 6, 1], activation="tanh", output_activation="sigmoid", seed=0)
history = net.fit(X, y, epochs=300, lr=0.1, batch_size=4, loss="bce", engine="object", seed=0, verbose=1)"""
    client = run([fitting], tmp_path)
    messages = [(kind, content) for _, kind, content in client.messages]
    assert messages, "the fit showed nothing"
    assert messages[0][0] == "display_data" and {kind for kind, _ in messages[1:]} == {"update_display_data"}
    display_ids = {content["transient"]["display_id"] for _, content in messages}
    assert len(display_ids) == 1  # one display, updated in place
    epochs = []
    for _, content in messages:
        plain, markup = content["data"]["text/plain"], content["data"]["text/html"]
        epoch, total = map(int, re.search(r"epoch (\d+)/(\d+)", plain).groups())
        assert total == 300 and f'<progress value="{epoch}" max="300"' in markup
        epochs.append(epoch)
    assert len(epochs) >= 3 and epochs == sorted(set(epochs)) and epochs[-1] == 300
    # the notebook keeps the last state, and nothing went to the terminal streams
    outputs = client.nb.cells[0].outputs
    assert [output["output_type"] for output in outputs] == ["display_data"]
    assert "epoch 300/300" in outputs[0]["data"]["text/plain"]


def test_the_animation_plays_with_every_frame_and_no_still_picture(tmp_path, kernel_env):
    cell = """import neurosim as ns
X, y = ns.datasets.xor()
net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
animation = ns.plot.animate_training(net, X, y, epochs=20, lr=0.5, frames=5, loss="bce", seed=0)
animation"""
    client = run([cell], tmp_path)
    outputs = client.nb.cells[0].outputs
    assert [output["output_type"] for output in outputs] == ["execute_result"]
    markup = outputs[0]["data"]["text/html"]
    frames = re.findall(r"frames\[(\d+)\] = \"data:image/png;base64,", markup)
    assert [int(k) for k in frames] == list(range(6))  # frames + 1 pictures
    assert "image/png" not in outputs[0]["data"]
