"""Comparing optimizers: loss curves side by side, and paths of two weights over their loss surface.

``loss_curves`` draws several training runs' losses on one plot.
``loss_surface`` draws the loss as two chosen weights vary, every other
parameter held at the value it has in the network given, with recorded
paths of those two weights on top; ``optimizer_paths`` draws one such
panel per path over one shared surface. ``loss_grid`` computes the
surface: it only reads the network, and leaves it as it was.

A path drawn over a surface is only the path "over that surface" when
nothing but those two weights changed along it; otherwise each point of the
path lay on a surface of its own. Say which in the title.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from neurosim.core import Network, Synapse
from neurosim.errors import DataError, ParameterError, ShapeError
from neurosim.losses import Loss
from neurosim.plot._style import VALUE_CMAP, axes_or_new, new_figure, require_network
from neurosim.plot.plane import check_resolution
from neurosim.plot.scales import check_limits
from neurosim.training.history import History
from neurosim.validation import boolean

__all__ = ["RUN_COLOURS", "loss_curves", "loss_grid", "loss_surface", "optimizer_paths"]

#: the colour of each run, in the order given: the Okabe-Ito palette, clear with colour-vision deficiencies
RUN_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#f0e442", "#000000")
#: a surface whose loss spans more than this factor is coloured on a logarithmic scale
_LOG_SPAN = 10.0
#: how far the surface reaches beyond the paths and the network's weights, as a fraction of their span
_PAD = 0.25
#: the least the surface reaches beyond them, in weight units
_MIN_PAD = 0.5
_CONTOURS = 14


def loss_grid(
    net: Network,
    X: object,
    Y: object,
    weights: Sequence[Synapse],
    xs: object,
    ys: object,
    *,
    loss: str | Loss = "mse",
) -> np.ndarray:
    """The mean loss on ``X``, ``Y`` with ``weights[0] = xs[j]`` and ``weights[1] = ys[i]``, at ``[i, j]``.

    Every other weight and bias keeps the value it has in ``net``; the two
    weights are put back afterwards, so the network is left as it was
    (gradients and neurons included). Each point is one pass of the
    compiled engine over the whole of ``X``.

    Parameters
    ----------
    net : Network
    X, Y : array-like
        The data the loss is measured on, as ``Network.fit`` takes it.
    weights : pair of Synapse
        Two different synapses of ``net``.
    xs, ys : 1-D array-like of finite numbers
        The values of ``weights[0]`` (columns) and of ``weights[1]`` (rows).
    loss : str or Loss, default "mse"

    Returns
    -------
    ndarray of shape (len(ys), len(xs))

    Examples
    --------
    >>> import neurosim as ns
    >>> from neurosim.plot.optimizers import loss_grid
    >>> net = ns.Network.from_shape([2, 1], activation="identity", init="constant", seed=0)
    >>> pair = [net.synapse("input[0]", "output[0]"), net.synapse("input[1]", "output[0]")]
    >>> X, Y = [[1.0, 0.0], [0.0, 1.0]], [[2.0], [3.0]]          # the loss is 0 where the pair is (2, 3)
    >>> loss_grid(net, X, Y, pair, [2.0, 0.0], [3.0], loss="mse")
    array([[0., 2.]])
    """
    require_network(net)
    pair = _weight_pair(net, weights)
    loss_fn, X_batch, T = net.prepare_batch(X, Y, loss)
    columns, rows = _axis_values(xs, "xs"), _axis_values(ys, "ys")
    engine = net.compile()
    saved = [synapse.weight for synapse in pair]
    losses = np.empty((len(rows), len(columns)))
    try:
        for i, row in enumerate(rows):
            pair[1].weight = row
            for j, column in enumerate(columns):
                pair[0].weight = column
                losses[i, j] = engine.evaluate(X_batch, T, loss_fn)[0]
    finally:
        for synapse, value in zip(pair, saved, strict=True):
            synapse.weight = value
    return losses


def loss_surface(
    net: Network,
    X: object,
    Y: object,
    weights: Sequence[Synapse],
    *,
    loss: str | Loss = "mse",
    paths: Mapping[str, object] | None = None,
    colours: Mapping[str, str] | None = None,
    limits: tuple[tuple[float, float], tuple[float, float]] | None = None,
    resolution: int = 61,
    ax: Axes | None = None,
    loss_limits: tuple[float, float] | None = None,
) -> Axes:
    """Draw the loss as two weights vary, the others as in ``net``, and paths of those two weights on top.

    The colours are the loss (on a logarithmic scale when it spans more
    than a factor of 10), with contour lines at equally spaced quantiles of
    the loss in view (as many lines in a flat valley as on a steep side,
    so they are not equally spaced in loss); a grey cross marks the lowest
    loss in view. Each path is a line through its points, a dot per point,
    with a ring where it starts and a square where it ends. The surface is
    the one ``loss_grid`` computes: a path lies on it only if nothing but
    those two weights changed along the path.

    Parameters
    ----------
    net : Network
        Its other parameters hold the surface in place.
    X, Y : array-like
        The data the loss is measured on.
    weights : pair of Synapse
        The weights on the x axis and the y axis.
    loss : str or Loss, default "mse"
    paths : mapping of name to array of shape (n_points, 2), optional
        Recorded values of the two weights, e.g. the columns of a
        ``Watch``'s ``weights``; each is drawn and named in the legend.
    colours : mapping of name to colour, optional
        By default the paths take ``RUN_COLOURS`` in order.
    limits : ((x_min, x_max), (y_min, y_max)), optional
        By default the paths and the two weights' values in ``net``, plus a
        quarter of their span (at least 0.5) on every side.
    resolution : int, default 61
        Grid points along each axis.
    ax : matplotlib Axes, optional
    loss_limits : (low, high), optional
        The losses at the ends of the colour scale, instead of the lowest
        and highest in view: pass the same limits to compare surfaces.

    Returns
    -------
    matplotlib Axes
        Its ``collections[0]`` is the surface (a ``QuadMesh`` whose array
        holds the losses), and its lines are the paths.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import neurosim as ns
    >>> X, y = ns.datasets.xor()
    >>> net = ns.Network.from_shape([2, 2, 1], activation="tanh", output_activation="sigmoid", seed=0)
    >>> pair = [net.synapse("hidden1[0]", "output[0]"), net.synapse("hidden1[1]", "output[0]")]
    >>> ax = ns.plot.loss_surface(net, X, y, pair, loss="bce", resolution=11)
    >>> ax.get_xlabel(), ax.collections[0].get_array().shape
    ('weight hidden1[0] -> output[0]', (11, 11))
    >>> plt.close(ax.figure)
    """
    require_network(net)
    pair = _weight_pair(net, weights)
    drawn = _paths(paths)
    palette = _colours(list(drawn), colours)
    resolution = check_resolution(resolution)
    x_range, y_range = _limits(limits, pair, drawn)
    scale = None if loss_limits is None else check_limits(loss_limits, "loss_limits")
    xs, ys = np.linspace(*x_range, resolution), np.linspace(*y_range, resolution)
    losses = loss_grid(net, X, Y, pair, xs, ys, loss=loss)
    ax = axes_or_new(ax, figsize=(6.0, 5.0))
    _draw_surface(ax, xs, ys, losses, _loss_name(loss), scale)
    for name, points in drawn.items():
        _draw_path(ax, points, name, palette[name])
    ax.set_xlim(*x_range)
    ax.set_ylim(*y_range)
    ax.set_xlabel(f"weight {pair[0].name}")
    ax.set_ylabel(f"weight {pair[1].name}")
    if drawn:
        ax.legend(loc="best", fontsize="small", framealpha=0.85)
    return ax


def optimizer_paths(
    net: Network,
    X: object,
    Y: object,
    weights: Sequence[Synapse],
    paths: Mapping[str, object],
    *,
    loss: str | Loss = "mse",
    colours: Mapping[str, str] | None = None,
    resolution: int = 61,
    columns: int = 3,
    together: bool = True,
) -> Figure:
    """One panel per path, each over the same loss surface of two weights (see ``loss_surface``).

    The panels share their axes and colour scale, which covers every path;
    with ``together`` a last panel draws every path at once. Give the
    figure a title (``figure.suptitle``) that says what the surface is: it
    is the loss with every other parameter as in ``net``.

    Parameters
    ----------
    net, X, Y, weights, loss, colours, resolution
        As for ``loss_surface``.
    paths : mapping of name to array of shape (n_points, 2)
        One panel each, in order.
    columns : int, default 3
        Panels per row.
    together : bool, default True
        Add a panel with every path, titled "all together", when there is
        more than one.

    Returns
    -------
    matplotlib Figure

    Examples
    --------
    >>> import copy
    >>> import matplotlib.pyplot as plt
    >>> import neurosim as ns
    >>> X, y = ns.datasets.xor()
    >>> net = ns.Network.from_shape([2, 2, 1], activation="tanh", output_activation="sigmoid", seed=0)
    >>> pair = [net.synapse("hidden1[0]", "output[0]"), net.synapse("hidden1[1]", "output[0]")]
    >>> paths = {}
    >>> for name in ["sgd", "adam"]:
    ...     twin = copy.deepcopy(net)
    ...     watch = twin.watch("output[0]")
    ...     _ = twin.fit(X, y, epochs=5, optimizer=name, lr=0.1, loss="bce", verbose=0, diagnose=False)
    ...     paths[name] = watch.weights                            # its two columns are the two weights
    >>> figure = ns.plot.optimizer_paths(net, X, y, pair, paths, loss="bce", resolution=11)
    >>> [panel.get_title() for panel in figure.axes if panel.get_title()]
    ['sgd', 'adam', 'all together']
    >>> plt.close(figure)
    """
    require_network(net)
    pair = _weight_pair(net, weights)
    drawn = _paths(paths)
    if not drawn:
        raise DataError("paths is empty; expected at least one path to draw")
    palette = _colours(list(drawn), colours)
    resolution = check_resolution(resolution)
    if isinstance(columns, bool) or not isinstance(columns, int) or columns < 1:
        raise ParameterError(f"columns must be a whole number >= 1; got {columns!r}")
    x_range, y_range = _limits(None, pair, drawn)
    xs, ys = np.linspace(*x_range, resolution), np.linspace(*y_range, resolution)
    losses = loss_grid(net, X, Y, pair, xs, ys, loss=loss)
    panels = [{name: points} for name, points in drawn.items()]
    if boolean(together, "together") and len(drawn) > 1:
        panels.append(drawn)
    figure, axes = _panel_grid(len(panels), columns)
    for axis, panel in zip(axes.ravel(), panels, strict=False):
        mesh = _draw_surface(axis, xs, ys, losses, None)
        for name, points in panel.items():
            _draw_path(axis, points, name, palette[name])
        if len(panel) == 1:
            axis.set_title(name, color=palette[name], fontweight="bold")
        else:
            axis.set_title("all together", fontweight="bold")
            axis.legend(loc="best", fontsize="small", framealpha=0.85)
        axis.set_xlim(*x_range)
        axis.set_ylim(*y_range)
    _label_weight_axes(axes, len(panels), pair)
    figure.colorbar(mesh, ax=axes.ravel().tolist(), shrink=0.8).set_label(f"loss ({_loss_name(loss)})")
    return figure


def loss_curves(
    histories: Mapping[str, History],
    *,
    colours: Mapping[str, str] | None = None,
    threshold: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw several training runs' loss per epoch on one plot, one line per run.

    The loss axis is logarithmic, so that the small differences near the
    end show as clearly as the large ones at the start. With ``threshold``
    a dashed line marks that loss, and each run's legend entry says at
    which epoch its loss first fell below it (or that it never did).

    Parameters
    ----------
    histories : mapping of name to History
        What ``Network.fit`` returned for each run, by the name in the legend.
    colours : mapping of name to colour, optional
        By default the runs take ``RUN_COLOURS`` in order.
    threshold : float, optional
        A loss worth reaching.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import copy
    >>> import matplotlib.pyplot as plt
    >>> import neurosim as ns
    >>> X, y = ns.datasets.xor()
    >>> net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    >>> runs = {name: copy.deepcopy(net).fit(X, y, epochs=50, optimizer=name, lr=0.1, loss="bce",
    ...                                      verbose=0, diagnose=False) for name in ["sgd", "adam"]}
    >>> ax = ns.plot.loss_curves(runs)
    >>> [line.get_label() for line in ax.get_lines()], ax.get_yscale()
    (['sgd', 'adam'], 'log')
    >>> plt.close(ax.figure)
    """
    if not isinstance(histories, Mapping) or not histories:
        raise ParameterError(
            f"histories must be a non-empty mapping of name to History; got {type(histories).__name__}"
        )
    for name, hist in histories.items():
        if not isinstance(hist, History):
            raise ParameterError(f"histories[{name!r}] must be a History; got a {type(hist).__name__}")
        if not hist.loss:
            raise DataError(f"histories[{name!r}] has no epochs to draw")
        if min(hist.loss) <= 0 or not np.all(np.isfinite(hist.loss)):
            raise DataError(f"histories[{name!r}] has a loss that is not a positive number: no log scale")
    if threshold is not None and (
        isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not threshold > 0
    ):
        raise ParameterError(f"threshold must be a positive number; got {threshold!r}")
    palette = _colours(list(histories), colours)
    ax = axes_or_new(ax, figsize=(7.0, 4.5))
    for name, hist in histories.items():
        label = name if threshold is None else f"{name} ({reached_text(hist.loss, threshold)})"
        ax.plot(np.arange(1, len(hist.loss) + 1), hist.loss, color=palette[name], label=label, linewidth=1.8)
    if threshold is not None:
        ax.axhline(threshold, color="0.4", linestyle="--", linewidth=1.0, label=f"loss {threshold:g}")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(_plain_number))
    ax.yaxis.set_minor_formatter(FuncFormatter(_plain_number_at_2_3_5))
    ax.set_xlabel("epoch")
    names = {getattr(hist, "loss_name", None) for hist in histories.values()}
    (loss_name,) = names if len(names) == 1 else (None,)
    ax.set_ylabel(f"loss ({loss_name})" if isinstance(loss_name, str) else "loss")
    ax.set_xlim(1, max(max(len(hist.loss) for hist in histories.values()), 2))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="best", fontsize="small")
    return ax


def first_below(losses: Sequence[float], threshold: float) -> int | None:
    """The first epoch (counting from 1) whose loss is below ``threshold``, or ``None``.

    Examples
    --------
    >>> first_below([0.9, 0.5, 0.2, 0.3], 0.4), first_below([0.9], 0.4)
    (3, None)
    """
    below = np.flatnonzero(np.asarray(losses) < threshold)
    return int(below[0]) + 1 if below.size else None


def reached_text(losses: Sequence[float], threshold: float) -> str:
    """``"below 0.1 at epoch 12"`` or ``"never below 0.1"``."""
    epoch = first_below(losses, threshold)
    return f"never below {threshold:g}" if epoch is None else f"below {threshold:g} at epoch {epoch}"


def _plain_number(value: float, _: object = None) -> str:
    """A tick label such as 0.3, where matplotlib's logarithmic axis would write 3 x 10^-1."""
    return f"{value:g}"


def _plain_number_at_2_3_5(value: float, _: object = None) -> str:
    """A label for the minor ticks 0.2, 0.3, 0.5, 2, 3, 5, ...; none for the others, which would crowd."""
    if value <= 0:
        return ""
    mantissa = round(value / 10 ** np.floor(np.log10(value)), 6)
    return _plain_number(value) if mantissa in (2.0, 3.0, 5.0) else ""


# ---------------------------------------------------------------- checks


def _weight_pair(net: Network, weights: object) -> list[Synapse]:
    """``weights`` as two different, connected synapses of ``net``."""
    if (
        isinstance(weights, (str, bytes))
        or not isinstance(weights, Sequence)
        or len(weights) != 2
        or not all(isinstance(w, Synapse) for w in weights)
    ):
        raise ParameterError(
            f"weights must be a pair of Synapses, e.g. [net.synapse('input[0]', 'hidden1[0]'), ...]; "
            f"got {weights!r}"
        )
    for synapse in weights:
        if synapse.source.layer.network is not net or not synapse.connected:
            raise ParameterError(f"weights: synapse {synapse.name!r} is not a synapse of this network")
    if weights[0] is weights[1]:
        raise ParameterError(f"weights must be two different synapses; got {weights[0].name!r} twice")
    return list(weights)


def _axis_values(values: object, name: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a 1-D array of numbers; got {values!r}") from None
    if array.ndim != 1 or array.size == 0:
        raise ShapeError(f"{name} must be a non-empty 1-D array of numbers; got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise DataError(f"{name} must hold finite numbers only")
    return array


def _paths(paths: object) -> dict[str, np.ndarray]:
    """``paths`` as arrays of shape (n_points, 2) of finite numbers, by name."""
    if paths is None:
        return {}
    if not isinstance(paths, Mapping):
        raise ParameterError(f"paths must be a mapping of name to (n_points, 2) array; got {paths!r}")
    checked = {}
    for name, points in paths.items():
        array = np.asarray(points, dtype=float)
        if array.ndim != 2 or array.shape[1] != 2 or array.shape[0] == 0:
            raise ShapeError(f"paths[{name!r}] must have shape (n_points, 2); got {array.shape}")
        if not np.all(np.isfinite(array)):
            raise DataError(f"paths[{name!r}] must hold finite numbers only")
        checked[str(name)] = array
    return checked


def _colours(names: list[str], colours: Mapping[str, str] | None) -> dict[str, str]:
    if colours is None:
        return {name: RUN_COLOURS[k % len(RUN_COLOURS)] for k, name in enumerate(names)}
    missing = [name for name in names if name not in colours]
    if missing:
        raise ParameterError(f"colours has no colour for {', '.join(map(repr, missing))}")
    return {name: colours[name] for name in names}


def _limits(
    limits: object, pair: list[Synapse], paths: dict[str, np.ndarray]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The surface's ``(x_range, y_range)``: as given, or around the paths and the current weights."""
    if limits is not None:
        try:
            (x0, x1), (y0, y1) = limits
            ranges = ((float(x0), float(x1)), (float(y0), float(y1)))
        except (TypeError, ValueError):
            raise ParameterError(f"limits must be ((x_min, x_max), (y_min, y_max)); got {limits!r}") from None
        if not all(np.isfinite(low) and np.isfinite(high) and low < high for low, high in ranges):
            raise ParameterError(f"limits must be finite with min < max on each axis; got {limits!r}")
        return ranges
    points = np.vstack([[[synapse.weight for synapse in pair]], *paths.values()])
    low, high = points.min(axis=0), points.max(axis=0)
    pad = np.maximum(_PAD * (high - low), _MIN_PAD)
    return (low[0] - pad[0], high[0] + pad[0]), (low[1] - pad[1], high[1] + pad[1])


def _loss_name(loss: str | Loss) -> str:
    return loss if isinstance(loss, str) else getattr(loss, "name", type(loss).__name__)


# ---------------------------------------------------------------- drawing


def _draw_surface(
    ax: Axes,
    xs: np.ndarray,
    ys: np.ndarray,
    losses: np.ndarray,
    loss_name: str | None,
    scale: tuple[float, float] | None = None,
):
    """The losses as colours with contour lines, and a cross at the lowest; a colour bar if named."""
    finite = losses[np.isfinite(losses)]
    low, high = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    if scale is not None:
        low, high = scale
    logarithmic = low > 0 and high > _LOG_SPAN * low
    norm = LogNorm(low, high) if logarithmic else Normalize(low, high)
    mesh = ax.pcolormesh(xs, ys, losses, shading="gouraud", cmap=VALUE_CMAP, norm=norm, rasterized=True)
    # contours at quantiles of the loss, so that flat valleys get as many lines as steep slopes
    levels = np.unique(np.quantile(finite, np.linspace(0, 1, _CONTOURS + 1)[1:-1])) if finite.size else []
    if len(levels) > 1:
        ax.contour(xs, ys, losses, levels=levels, colors="white", linewidths=0.6, alpha=0.7)
    i, j = np.unravel_index(np.nanargmin(losses), losses.shape)
    lowest = {"marker": "x", "color": "0.85", "markersize": 9, "markeredgewidth": 2, "linestyle": "none"}
    ax.plot(xs[j], ys[i], label="_lowest", zorder=3, **lowest)
    if loss_name is not None:
        ax.figure.colorbar(mesh, ax=ax).set_label(f"loss ({loss_name})")
    return mesh


def _panel_grid(n_panels: int, columns: int) -> tuple[Figure, np.ndarray]:
    """A figure of ``n_panels`` panels sharing their axes, ``columns`` to a row; the spare cells are off."""
    columns = min(columns, n_panels)
    rows = -(-n_panels // columns)
    figure = new_figure(figsize=(4.3 * columns, 4.0 * rows + 0.9), layout="constrained")
    axes = figure.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)
    for axis in axes.ravel()[n_panels:]:
        axis.set_axis_off()
    return figure, axes


def _label_weight_axes(axes: np.ndarray, n_panels: int, pair: list[Synapse]) -> None:
    """Name the weights below the lowest panel of each column, and left of each row."""
    columns = axes.shape[1]
    for axis in axes.ravel()[n_panels - columns : n_panels]:
        axis.set_xlabel(f"weight {pair[0].name}")
        axis.xaxis.set_tick_params(labelbottom=True)  # sharex hid them above an empty cell
    for axis in axes[:, 0]:
        axis.set_ylabel(f"weight {pair[1].name}")


def _draw_path(ax: Axes, points: np.ndarray, name: str, colour: str) -> None:
    """The path as a line with a dot per point, a ring at the start and a square at the end."""
    line = {"color": colour, "marker": ".", "markersize": 3.5, "linewidth": 1.4}
    ax.plot(points[:, 0], points[:, 1], label=name, zorder=4, **line)
    ring = {"marker": "o", "markersize": 9, "markerfacecolor": "none", "markeredgecolor": "white"}
    ax.plot(*points[0], markeredgewidth=1.8, linestyle="none", label="_start", zorder=5, **ring)
    square = {"marker": "s", "markersize": 7, "color": colour, "markeredgecolor": "white"}
    ax.plot(*points[-1], linestyle="none", label="_end", zorder=5, **square)
