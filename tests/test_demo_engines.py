"""The engines demo: the two engines end at the same weights, checked by training two copies here."""

import contextlib
import io
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.image import imread

import neurosim as ns
from neurosim.cli import main
from neurosim.demos import engines

EPOCHS = 2


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory):
    """``neurosim demo engines --fast --epochs 2`` run once: (exit status, stdout, output folder).

    ``--fast`` alone trains for 3 epochs; the 2 asked for must win.
    """
    folder = tmp_path_factory.mktemp("engines")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["demo", "engines", "--fast", "--epochs", str(EPOCHS), "--output", str(folder)])
    assert plt.get_fignums() == [], "the demo left figures open"
    return status, out.getvalue(), folder


def fresh_network():
    return ns.Network.from_shape([2, 16, 16, 1], activation="tanh", output_activation="sigmoid", seed=0)


def trained_copy(engine):
    """The fast run's network and training (200 moons samples, 2 epochs), set up here."""
    X, y = ns.datasets.moons(200, seed=0)
    net = fresh_network()
    history = net.fit(
        X, y, epochs=EPOCHS, lr=0.1, batch_size=32, loss="bce", seed=0, engine=engine, verbose=0
    )
    return net, history


def largest_difference(a, b):
    pairs = zip(a.parameters(), b.parameters(), strict=True)
    return max(np.max(np.abs(values_a - values_b)) for (values_a, _), (values_b, _) in pairs)


def printed_number(pattern, out):
    return float(re.search(pattern, out)[1])


def test_fast_run_succeeds_and_says_what_it_teaches(fast_run):
    status, out, _ = fast_run
    assert status == 0
    assert engines.__doc__.split("\n\n")[1].startswith("What it teaches:")
    for chapter in (
        "Two copies of one network",
        f"Training each copy on 200 moons samples: {EPOCHS} epochs",
        "The same weights?",
        "One sample at a time",
    ):
        assert f"== {chapter}" in out


def test_two_copies_trained_here_agree_as_the_demo_says(fast_run):
    out = fast_run[1]
    (by_objects, objects_history), (by_matrices, matrices_history) = map(trained_copy, ("object", "compiled"))
    assert largest_difference(by_objects, by_matrices) <= 1e-12
    assert largest_difference(by_objects, fresh_network()) > 1e-3  # not equal because training did nothing

    assert printed_number(r"Largest difference between their weights: (\S+)", out) == 0.0
    printed = printed_number(r"engines' weights after training: (\S+)", out)
    assert printed <= 1e-12
    for engine, history in (("object", objects_history), ("compiled", matrices_history)):
        final = printed_number(rf"{engine} +engine: final loss ([\d.]+)", out)
        assert final == pytest.approx(history.loss[-1], abs=6e-7)


def test_timing_table_ratios_follow_from_its_times(fast_run):
    out = fast_run[1]
    rows = re.findall(r"^  (object|compiled) +(\d+) +([\d.]+) us +([\d.]+)x$", out, re.MULTILINE)
    times = {(engine, int(batch)): float(micros) for engine, batch, micros, _ in rows}
    assert set(times) == {("object", 32), ("object", 1), ("compiled", 32), ("compiled", 1)}
    fastest = min(times.values())
    for *_, micros, multiple in rows:  # times are printed to 0.1 us, multiples to 0.1
        assert float(multiple) == pytest.approx(float(micros) / fastest, rel=0.05, abs=0.06)
    for engine in ("object", "compiled"):
        ratio = printed_number(rf"the {engine} engine takes ([\d.]+) times as long", out)
        assert ratio == pytest.approx(times[engine, 1] / times[engine, 32], rel=0.05, abs=0.06)


def test_fast_run_writes_its_pictures(fast_run):
    _, out, folder = fast_run
    assert f"Pictures written to {folder}:" in out
    assert sorted(path.name for path in folder.iterdir()) == ["loss.png", "timings.png"]
    for path in folder.iterdir():
        image = imread(path)
        assert image.shape[0] > 300 and image.shape[1] > 500, path.name
        rgb = np.round(image[..., :3] * 255).astype(np.int64)
        assert len(np.unique(rgb[..., 0] * 65536 + rgb[..., 1] * 256 + rgb[..., 2])) > 20, path.name


def test_zero_epochs_is_one_line_and_exit_2_before_anything_runs(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "engines", "--epochs", "0", "--output", str(tmp_path / "pictures")])
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    message = "argument --epochs: expected a positive whole number; got '0'"
    assert err == f"neurosim demo engines: {message} (see: neurosim demo engines --help)\n"
    assert not (tmp_path / "pictures").exists()
