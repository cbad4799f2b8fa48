"""ns.plot.animate_training trains the network and animates it, frame by frame."""

from __future__ import annotations

import functools
import io
import os
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image
from test_bad_input import refused

import neurosim as ns
from neurosim.plot import animation

X, y = ns.datasets.xor()


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def xor_net() -> ns.Network:
    return ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=1)


def draw_frame(anim, frame: int) -> None:
    """Draw one frame the way the animation does, and tell matplotlib the animation was rendered."""
    anim._func(frame)
    anim._draw_was_started = True


def gif_frames(path) -> list[np.ndarray]:
    with Image.open(path) as image:
        frames = []
        for k in range(image.n_frames):
            image.seek(k)
            frames.append(np.asarray(image.convert("RGB")))
    return frames


def test_the_gif_has_one_frame_per_stretch_and_the_network_ends_trained(tmp_path):
    net, twin = xor_net(), xor_net()
    path = tmp_path / "xor.gif"
    ns.plot.animate_training(net, X, y, epochs=600, lr=1.0, frames=3, loss="bce", seed=5, path=path)
    frames = gif_frames(path)
    assert len(frames) == 4
    assert not np.array_equal(frames[0], frames[-1])  # the picture changed as the network learned
    # independently: the same three stretches of 200 epochs, seeds 6, 7, 8
    for k in range(1, 4):
        twin.fit(X, y, epochs=200, lr=1.0, loss="bce", seed=5 + k, verbose=0)
    for (trained, _), (expected, _) in zip(net.parameters(), twin.parameters(), strict=True):
        assert np.array_equal(trained, expected)
    assert (net.predict(X)[:, 0] > 0.5).tolist() == [False, True, True, False]


def test_each_frame_draws_the_network_as_it_was_then():
    net = xor_net()
    start = [values.copy() for values, _ in net.parameters()]
    anim = ns.plot.animate_training(net, X, y, epochs=30, lr=1.0, frames=3, loss="bce", seed=0)
    figure = anim._fig
    draw_frame(anim, 0)  # draw frame 0: the untrained network
    left = figure.axes[0]
    drawn = {tuple(np.round(c.get_linewidths(), 6)) for c in left.collections if c.get_gid() == "synapses"}
    assert figure.get_suptitle() == "epoch 0 of 30"
    draw_frame(anim, 3)  # the last frame: the trained network
    later = {
        tuple(np.round(c.get_linewidths(), 6))
        for c in figure.axes[0].collections
        if c.get_gid() == "synapses"
    }
    assert drawn and later and drawn != later
    assert figure.get_suptitle() == "epoch 30 of 30"
    assert not all(np.array_equal(a, b) for (a, _), b in zip(net.parameters(), start, strict=False))
    draw_frame(anim, 0)  # drawing an old frame does not change the trained network
    assert not all(np.array_equal(a, b) for (a, _), b in zip(net.parameters(), start, strict=False))


def test_a_network_without_two_inputs_shows_the_loss():
    net = ns.Network.from_shape([3, 4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    data = np.random.default_rng(0).normal(size=(20, 3))
    labels = (data.sum(axis=1) > 0).astype(int)
    anim = ns.plot.animate_training(net, data, labels, epochs=10, lr=0.5, frames=2, loss="bce", seed=0)
    draw_frame(anim, 2)
    right = anim._fig.axes[1]
    assert right.get_ylabel() == "training loss"
    assert len(right.get_lines()[0].get_xdata()) == 10


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"frames": 50}, ns.ParameterError, r"frames must be at most epochs \(10\)"),
        ({"path": "out.png"}, ns.ParameterError, "path must end in .gif"),
        ({"path": os.path.join("no-such-folder", "out.gif")}, ns.ModelFileError, "does not exist"),
        ({"loss": "cross_entropy"}, ns.IncompatibleLossError, "softmax"),
        ({"progress": "yes"}, ns.ParameterError, "progress must be True or False; got 'yes'"),
        ({"epochs_extra": 1}, TypeError, "epochs_extra"),
    ],
)
def test_bad_arguments_are_refused_before_training(options, error, match):
    net = xor_net()
    options = {"frames": 2, "loss": "bce", **options}
    if error is TypeError:
        with pytest.raises(TypeError, match=match):
            ns.plot.animate_training(net, X, y, epochs=10, lr=0.5, **options)
        return
    with refused(net, error, match):
        ns.plot.animate_training(net, X, y, epochs=10, lr=0.5, **options)


def test_a_failed_save_leaves_no_file(tmp_path, monkeypatch):
    path = tmp_path / "xor.gif"
    path.write_bytes(b"the old animation")

    def failing_replace(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(ns.ModelFileError, match="No space left on device"):
        ns.plot.animate_training(xor_net(), X, y, epochs=4, lr=0.5, frames=2, loss="bce", path=path)
    assert path.read_bytes() == b"the old animation"
    assert [p.name for p in tmp_path.iterdir()] == ["xor.gif"]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("progress", [True, False])
def test_progress_counts_the_frames_drawn_into_the_gif_on_a_terminal(tmp_path, monkeypatch, progress):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(animation, "Progress", functools.partial(animation.Progress, delay=0.0))
    path = tmp_path / "xor.gif"
    ns.plot.animate_training(
        xor_net(), X, y, epochs=30, lr=1.0, frames=3, loss="bce", path=path, progress=progress
    )
    bars = terminal.getvalue().split("\r")[1:]
    if not progress:
        assert terminal.getvalue() == ""
        return
    assert bars and bars[-1].startswith("[##############################] frame 4/4")
    assert "loss" not in bars[-1] and terminal.getvalue().endswith("\n")


def test_every_frame_shares_one_colour_bar_and_one_line_width_scale():
    net = xor_net()
    snapshots = [[values.copy() for values, _ in net.parameters()]]
    anim = ns.plot.animate_training(net, X, y, epochs=300, lr=2.0, frames=3, loss="bce", seed=0)
    # independently: the biases and weights of each frame, from the same stretches of training
    twin = xor_net()
    for k in range(1, 4):
        twin.fit(X, y, epochs=100, lr=2.0, loss="bce", seed=k, verbose=0)
        snapshots.append([values.copy() for values, _ in twin.parameters()])
    biases = [
        abs(b) for snapshot in snapshots for layer in twin.layers[1:] for b in _bias_of(snapshot, twin, layer)
    ]
    weights = [abs(w) for snapshot in snapshots for w in _weights_of(snapshot, twin)]
    scales, widest = set(), []
    for frame in range(4):
        draw_frame(anim, frame)
        colour_bar = next(ax for ax in anim._fig.axes if ax.get_ylabel() == "neuron colour: bias")
        scales.add(tuple(np.round(colour_bar.get_ylim(), 12)))
        legend = [text.get_text() for text in anim._fig.axes[0].get_legend().get_texts()]
        widest.append(legend[-2])
    assert scales == {(round(-max(biases), 12), round(max(biases), 12))}
    assert widest == [f"|weight| {max(weights):.3g}"] * 4


def _bias_of(snapshot, net, layer):
    """The biases of ``layer`` in a snapshot of ``net.parameters()`` (in named_parameters order)."""
    names = [name for name, _ in net.named_parameters()]
    return snapshot[names.index(f"{layer.name}.bias")]


def _weights_of(snapshot, net):
    names = [name for name, _ in net.named_parameters()]
    return np.concatenate([snapshot[i].ravel() for i, name in enumerate(names) if name.endswith(".weight")])
