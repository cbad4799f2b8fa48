"""A training run as an animation: the network graph and what it computes, epoch by epoch."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation, PillowWriter

from neurosim.errors import ModelFileError, ParameterError
from neurosim.io.atomic import replace_atomically
from neurosim.io.json_format import from_dict, to_dict
from neurosim.plot.boundary import decision_boundary
from neurosim.plot.network import network as draw_network
from neurosim.plot.scales import largest_magnitude
from neurosim.training.progress import Progress
from neurosim.validation import positive_integer

if TYPE_CHECKING:
    from neurosim.core.network import Network
    from neurosim.training.history import History

#: dots per inch of the frames a notebook plays: 11 by 4.8 inches make 792 by 346 pixels
NOTEBOOK_DPI = 72


def animate_training(
    net: Network,
    X: object,
    y: object,
    *,
    epochs: int,
    lr: float,
    frames: int = 20,
    path: str | os.PathLike[str] | None = None,
    fps: int = 4,
    seed: int | None = None,
    progress: bool = False,
    **fit_options: object,
) -> TrainingAnimation:
    """Train ``net`` and animate it: its graph and its decision boundary (or loss) after each stretch.

    Training is split into ``frames`` stretches of ``epochs / frames``
    epochs each (``net.fit(X, y, lr=lr, ...)``; pass any other ``fit``
    option, such as ``loss``, ``batch_size`` or ``engine``, as a keyword).
    Frame 0 shows the network before training. For a network with two
    inputs the right panel is the decision boundary over ``X`` (``y`` as
    class labels); otherwise it is the loss so far. ``net`` ends trained.

    Parameters
    ----------
    net : Network
    X, y : array-like
        Training data, as for ``Network.fit``.
    epochs : int
        Epochs in all.
    lr : float
        Learning rate.
    frames : int, default 20
        Stretches of training, so ``frames + 1`` pictures.
    path : str or path, optional
        Save the animation there as a GIF (written whole or not at all).
    fps : int, default 4
        Frames per second of the GIF.
    seed : int, optional
        Seed of the shuffling (stretch ``k`` uses ``seed + k``).
    progress : bool, default False
        While the GIF is written, show a progress bar of the frames drawn
        (on a terminal or in a notebook, like ``fit``'s ``verbose=1``).

    Returns
    -------
    TrainingAnimation
        A ``matplotlib.animation.FuncAnimation``. Keep a reference while it
        is shown; ``anim.save(...)`` writes other formats. In a notebook,
        make it the cell's value (or ``display(anim)``) and it plays there,
        every frame in the page; its figure is not shown as a still picture.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import matplotlib.pyplot as plt
    >>> import neurosim as ns
    >>> X, y = ns.datasets.xor()
    >>> net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    >>> gif = Path(tempfile.mkdtemp()) / "xor.gif"
    >>> anim = ns.plot.animate_training(net, X, y, epochs=40, lr=0.5, frames=4, loss="bce", path=gif)
    >>> len(list(anim.new_frame_seq())), gif.stat().st_size > 0
    (5, True)
    >>> plt.close("all")
    """
    epochs = positive_integer(epochs, "epochs")
    frames = positive_integer(frames, "frames")
    fps = positive_integer(fps, "fps")
    if frames > epochs:
        raise ParameterError(
            f"frames must be at most epochs ({epochs}), one stretch of training each; got {frames}"
        )
    if path is not None:
        path = _gif_path(path)
    if not isinstance(progress, bool):
        raise ParameterError(f"progress must be True or False; got {progress!r}")
    if "epochs" in fit_options:
        raise ParameterError("pass epochs once, as animate_training's own argument")
    fit_options.setdefault("verbose", 0)

    snapshots, losses = _train_in_stretches(net, X, y, epochs, frames, lr, seed, fit_options)
    twin = _twin(net)
    two_inputs = net.input_layer.size == 2
    X_plot = np.asarray(X, dtype=float)
    stretch = [round(epochs * k / frames) for k in range(frames + 1)]
    figure = plt.figure(figsize=(11.0, 4.8), layout="constrained")
    largest_bias, largest_weight = _largest_over_frames(twin, snapshots)

    def draw(frame: int) -> list:
        _show_frame(twin, snapshots[frame])
        figure.clear()
        left, right = figure.subplots(1, 2, width_ratios=[1.2, 1.0])
        # one colour bar and one line-width scale for every frame, so the frames compare
        draw_network(
            twin,
            ax=left,
            title="weights",
            fill_limits=(-largest_bias, largest_bias),
            width_scale=largest_weight,
        )
        if two_inputs:
            decision_boundary(twin, X_plot, y, ax=right)
        else:
            _loss_so_far(right, losses, stretch[frame], epochs)
        figure.suptitle(f"epoch {stretch[frame]} of {epochs}")
        return []

    animation = TrainingAnimation(figure, draw, frames=frames + 1, interval=1000 / fps, repeat=False)
    if "inline" in mpl.get_backend():
        plt.close(figure)  # in a notebook the animation plays, rather than pyplot showing one frame
    if path is not None:
        _save_gif(animation, path, fps, Progress(frames + 1, int(progress), unit="frame"))
    return animation


class TrainingAnimation(FuncAnimation):
    """The animation of ``animate_training``: a ``FuncAnimation`` that a notebook plays.

    A notebook shows it as matplotlib's JavaScript player, with every frame
    in the page (``to_jshtml()``, at ``NOTEBOOK_DPI`` dots per inch, so that
    it fits the page and the notebook stays small), or as a video where
    ``matplotlib.rcParams["animation.html"]`` is ``"html5"``.
    """

    def _repr_html_(self) -> str:
        if mpl.rcParams["animation.html"] == "html5":
            return super()._repr_html_()
        with mpl.rc_context({"savefig.dpi": NOTEBOOK_DPI}):
            return offline_player(self.to_jshtml())


#: the player's buttons, drawn with characters rather than an icon font fetched from elsewhere
BUTTONS = {
    "minus": "\u2212",
    "fast-backward": "|\u25c0\u25c0",
    "step-backward": "|\u25c0",
    "play fa-flip-horizontal": "\u25c0",
    "pause": "\u275a\u275a",
    "play": "\u25b6",
    "step-forward": "\u25b6|",
    "fast-forward": "\u25b6\u25b6|",
    "plus": "+",
}


def offline_player(html: str) -> str:
    """The JavaScript player of ``to_jshtml()`` without its icon font, which it loads from a CDN.

    The player works offline and in a page that loads nothing from
    elsewhere: each button's icon becomes characters (``BUTTONS``).

    Examples
    --------
    >>> offline_player('<link rel="stylesheet" href="https://x/font-awesome.css">'
    ...                '<button><i class="fa fa-play"></i></button>')
    '<button>▶</button>'
    """
    html = re.sub(r"<link\b[^>]*font-awesome[^>]*>", "", html)
    return re.sub(r'<i class="fa fa-([a-z -]+)"></i>', lambda match: BUTTONS.get(match[1], ""), html)


def _train_in_stretches(
    net: Network,
    X: object,
    y: object,
    epochs: int,
    frames: int,
    lr: float,
    seed: int | None,
    fit_options: dict,
) -> tuple[list[list[np.ndarray]], list[float]]:
    """Train ``frames`` stretches; the parameters before and after each, and every epoch's loss."""
    snapshots = [[values.copy() for values in _parameter_arrays(net)]]
    losses: list[float] = []
    done = 0
    for k in range(1, frames + 1):
        stretch = round(epochs * k / frames) - done
        history: History = net.fit(
            X, y, epochs=stretch, lr=lr, seed=None if seed is None else seed + k, **fit_options
        )
        done += stretch
        losses.extend(history.loss)
        snapshots.append([values.copy() for values in _parameter_arrays(net)])
        if history.diverged_at is not None:
            break
    while len(snapshots) < frames + 1:  # training stopped early: repeat the last picture
        snapshots.append(snapshots[-1])
    return snapshots, losses


def _show_frame(twin: Network, snapshot: list[np.ndarray]) -> None:
    """Give ``twin`` the parameters of one frame."""
    for values, saved in zip(_parameter_arrays(twin), snapshot, strict=True):
        values[...] = saved


def _largest_over_frames(twin: Network, snapshots: list[list[np.ndarray]]) -> tuple[float, float]:
    """The largest finite ``|bias|`` and ``|weight|`` of any frame (1 if none): the frames' shared scales."""
    largest_bias = largest_weight = 0.0
    for snapshot in snapshots:
        _show_frame(twin, snapshot)
        biases = [layer.bias for layer in twin.layers[1:] if layer.has_bias]
        weights = [block.weight[block.mask] for block in twin.blocks]
        largest_bias = max(largest_bias, largest_magnitude(*biases))
        largest_weight = max(largest_weight, largest_magnitude(*weights))
    return largest_bias or 1.0, largest_weight or 1.0


def _parameter_arrays(net: Network) -> list[np.ndarray]:
    return [values for values, _ in net.parameters()]


def _twin(net: Network) -> Network:
    """A separate copy of ``net`` to draw the frames with, so ``net`` keeps its trained weights."""
    activations = {layer.activation.name: layer.activation for layer in net.layers[1:]}
    return from_dict(to_dict(net), activations)


def _loss_so_far(ax: plt.Axes, losses: list[float], epoch: int, epochs: int) -> None:
    ax.plot(np.arange(1, epoch + 1), losses[:epoch], color="#2166ac")
    ax.set_xlim(0.5, epochs + 0.5)
    if losses:
        ax.set_ylim(0, max(losses) * 1.05)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.set_title("loss")


def _gif_path(path: object) -> Path:
    """``path`` as a Path, checked before any training: a .gif in a folder that exists."""
    if not isinstance(path, (str, os.PathLike)):
        raise ParameterError(f"path must be a file path for the GIF; got {path!r}")
    path = Path(path)
    if path.suffix.lower() != ".gif":
        raise ParameterError(f"path must end in .gif (the animation is saved as a GIF); got {str(path)!r}")
    if not path.parent.is_dir():
        raise ModelFileError(f"cannot write {str(path)!r}: the folder {str(path.parent)!r} does not exist")
    return path


def _save_gif(animation: FuncAnimation, path: Path, fps: int, progress: Progress) -> None:
    """Write the GIF beside ``path`` first, then move it into place: never a half-written file."""

    def drawn(frame: int, total: int) -> None:
        progress.update(frame + 1)

    def render(descriptor: int, temporary: str) -> None:
        os.close(descriptor)  # Pillow opens the file by its name
        animation.save(temporary, writer=PillowWriter(fps=fps), progress_callback=drawn)

    try:
        replace_atomically(path, render)
    finally:
        progress.close()
