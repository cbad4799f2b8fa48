"""Small datasets for demos, tests and benchmarks.

Each function returns ``(X, y)``: inputs of shape ``(n_samples, n_features)``
and integer class labels of shape ``(n_samples,)``, except ``bumps``, a
regression set, whose ``y`` holds the numbers to predict.

Examples
--------
>>> from neurosim import datasets
>>> X, y = datasets.moons(200, seed=0)
>>> X.shape, sorted(set(y.tolist()))
((200, 2), [0, 1])
"""

from __future__ import annotations

import numpy as np

from neurosim.errors import DataError, MissingDependencyError, ParameterError, ShapeError
from neurosim.limits import check_samples
from neurosim.validation import finite_number, positive_integer, random_generator

__all__ = ["blobs", "bumps", "circles", "digits", "moons", "spiral", "split", "xor"]


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR patterns: ``y`` is 1 where exactly one input is 1.

    Examples
    --------
    >>> X, y = xor()
    >>> X.tolist(), y.tolist()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    """
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array([0, 1, 1, 0])


def moons(
    n_samples: int = 1000, *, noise: float = 0.1, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles with Gaussian noise: a classic non-linear 2-D problem.

    Class 0 is the upper half circle of radius 1 around (0, 0), class 1 the
    lower one around (1, 0.5); each point gets noise of standard deviation
    ``noise`` on both coordinates. Samples alternate between the classes, so
    the two are balanced.

    Examples
    --------
    >>> X, y = moons(4, noise=0.0)
    >>> X.round(3).tolist(), y.tolist()
    ([[1.0, 0.0], [0.0, 0.5], [-1.0, 0.0], [2.0, 0.5]], [0, 1, 0, 1])
    """
    n_samples = positive_integer(n_samples, "n_samples")
    check_samples(n_samples, 2, "n_samples")
    noise = _number_at_least(noise, 0.0, "noise", "a finite number >= 0")
    rng = random_generator(seed)
    y = np.arange(n_samples) % 2
    k = np.arange(n_samples) // 2
    n_per_class = np.where(y == 0, (n_samples + 1) // 2, n_samples // 2)
    angle = np.pi * k / np.maximum(n_per_class - 1, 1)
    X = np.where(
        (y == 0)[:, None],
        np.column_stack([np.cos(angle), np.sin(angle)]),
        np.column_stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)]),
    )
    return X + rng.normal(scale=noise, size=X.shape), y


def spiral(
    n_samples: int = 300,
    *,
    classes: int = 3,
    noise: float = 0.2,
    turns: float = 1.0,
    seed: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class: a 2-D problem that needs many bends to separate.

    Arm ``c`` winds ``turns`` times around (0, 0), outwards from the
    centre. Its ``k``-th point (``k = 0 .. m - 1``, for an arm of ``m``
    points) lies at radius ``r = (k + 1) / m`` and angle
    ``2 * pi * (turns * r + c / classes)``, so the arms start evenly spaced
    around the circle and stay interleaved all the way out to radius 1.
    Each point's angle gets Gaussian noise of standard deviation ``noise``
    radians (its radius stays exact), which moves it off its arm by about
    ``r * noise``. Samples take the classes in turn (0, 1, 2, 0, 1, ...),
    so the classes are balanced.

    Parameters
    ----------
    n_samples : int, default 300
        Points in all; at least one per class.
    classes : int, default 3
        Arms, one class each (at least 2).
    noise : float, default 0.2
        Standard deviation of the noise on each point's angle, in radians.
    turns : float, default 1.0
        Full turns each arm makes from the centre to radius 1.
    seed : int, optional
        Seed of the noise.

    Returns
    -------
    X : array of shape (n_samples, 2)
    y : array of shape (n_samples,)
        Class labels ``0 .. classes - 1``.

    Examples
    --------
    Two arms of half a turn, two points each, without noise: at radius 0.5
    arm 0 has turned a quarter turn (90 degrees), at radius 1 half a turn;
    arm 1 is always opposite arm 0.

    >>> X, y = spiral(4, classes=2, noise=0.0, turns=0.5)
    >>> (X.round(3) + 0.0).tolist(), y.tolist()          # + 0.0 writes -0.0 as 0.0
    ([[0.0, 0.5], [0.0, -0.5], [-1.0, 0.0], [1.0, 0.0]], [0, 1, 0, 1])
    """
    n_samples, classes = _samples_and_classes(n_samples, classes, "spiral arm")
    noise = _number_at_least(noise, 0.0, "noise", "a number >= 0 (radians)")
    turns = _number_at_least(turns, 0.0, "turns", "a positive number of turns", strict=True)
    rng = random_generator(seed)
    y = np.arange(n_samples) % classes
    k = np.arange(n_samples) // classes
    points_per_arm = np.bincount(y, minlength=classes)[y]
    radius = (k + 1) / points_per_arm
    angle = 2 * np.pi * (turns * radius + y / classes) + rng.normal(scale=noise, size=n_samples)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return X, y


def circles(
    n_samples: int = 400, *, noise: float = 0.1, factor: float = 0.5, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles with Gaussian noise: class 0 the outer one, class 1 the inner one.

    Class 0 lies on the circle of radius 1 around (0, 0), class 1 on the
    circle of radius ``factor``; each class's points are evenly spaced
    around its circle, starting at angle 0, and get noise of standard
    deviation ``noise`` on both coordinates. Samples alternate between the
    classes, so the two are balanced. No straight line separates them.

    Parameters
    ----------
    n_samples : int, default 400
        Points in all (at least 2).
    noise : float, default 0.1
        Standard deviation of the noise on each coordinate.
    factor : float, default 0.5
        The inner circle's radius, between 0 and 1 (both excluded).
    seed : int, optional
        Seed of the noise.

    Examples
    --------
    >>> X, y = circles(8, noise=0.0, factor=0.5)
    >>> (X.round(3) + 0.0).tolist()[:4], y.tolist()
    ([[1.0, 0.0], [0.5, 0.0], [0.0, 1.0], [0.0, 0.5]], [0, 1, 0, 1, 0, 1, 0, 1])
    """
    n_samples = positive_integer(n_samples, "n_samples")
    check_samples(n_samples, 2, "n_samples")
    if n_samples < 2:
        raise ParameterError(f"n_samples must be at least 2, one point per circle; got {n_samples}")
    noise = _number_at_least(noise, 0.0, "noise", "a finite number >= 0")
    factor = _number_at_least(factor, 0.0, "factor", "a number between 0 and 1 (both excluded)", strict=True)
    if factor >= 1:
        raise ParameterError(f"factor must be a number between 0 and 1 (both excluded); got {factor!r}")
    rng = random_generator(seed)
    y = np.arange(n_samples) % 2
    k = np.arange(n_samples) // 2
    n_per_class = np.where(y == 0, (n_samples + 1) // 2, n_samples // 2)
    angle = 2 * np.pi * k / n_per_class
    radius = np.where(y == 0, 1.0, factor)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return X + rng.normal(scale=noise, size=X.shape), y


def blobs(
    n_samples: int = 400, *, classes: int = 2, noise: float = 0.3, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs, one per class, around points evenly spaced on the unit circle.

    Class ``c``'s centre lies at radius 1 and angle ``2 * pi * c / classes
    + pi / 4``: for two classes (0.707, 0.707) and (-0.707, -0.707). Each
    point is its class's centre plus Gaussian noise of standard deviation
    ``noise`` on both coordinates. Samples take the classes in turn (0, 1,
    2, 0, 1, ...), so the classes are balanced.

    Parameters
    ----------
    n_samples : int, default 400
        Points in all; at least one per class.
    classes : int, default 2
        Blobs, one class each (at least 2).
    noise : float, default 0.3
        Standard deviation of each blob on each coordinate.
    seed : int, optional
        Seed of the noise.

    Examples
    --------
    >>> X, y = blobs(4, classes=4, noise=0.0)
    >>> (X.round(3) + 0.0).tolist(), y.tolist()
    ([[0.707, 0.707], [-0.707, 0.707], [-0.707, -0.707], [0.707, -0.707]], [0, 1, 2, 3])
    """
    n_samples, classes = _samples_and_classes(n_samples, classes, "blob")
    noise = _number_at_least(noise, 0.0, "noise", "a finite number >= 0")
    rng = random_generator(seed)
    y = np.arange(n_samples) % classes
    angle = 2 * np.pi * y / classes + np.pi / 4
    centres = np.column_stack([np.cos(angle), np.sin(angle)])
    return centres + rng.normal(scale=noise, size=centres.shape), y


#: the centres of ``bumps``'s two bumps, the one rising to +1 first, and their width
BUMP_CENTRES = ((-0.5, 0.5), (0.5, -0.5))
BUMP_WIDTH = 0.35


def bumps(
    n_samples: int = 400, *, noise: float = 0.0, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A regression set: a bump up and a bump down over the square [-1, 1] x [-1, 1].

    The inputs are drawn uniformly from the square. The target is
    ``exp(-|x - a|^2 / (2 w^2)) - exp(-|x - b|^2 / (2 w^2))`` with ``a =
    (-0.5, 0.5)``, ``b = (0.5, -0.5)`` and ``w = 0.35`` (``BUMP_CENTRES``,
    ``BUMP_WIDTH``), plus Gaussian noise of standard deviation ``noise``:
    +1 on top of the first bump, -1 at the bottom of the second, about 0
    far from both. A network with an identity output and the loss ``mse``
    learns it.

    Parameters
    ----------
    n_samples : int, default 400
        Points in all.
    noise : float, default 0.0
        Standard deviation of the noise added to each target.
    seed : int, optional
        Seed of the inputs and the noise.

    Returns
    -------
    X : array of shape (n_samples, 2)
    y : array of shape (n_samples,)
        Numbers to predict, floats.

    Examples
    --------
    >>> X, y = bumps(500, seed=0)
    >>> X.shape, bool(y.max() <= 1.0 and y.min() >= -1.0), y.dtype
    ((500, 2), True, dtype('float64'))
    """
    n_samples = positive_integer(n_samples, "n_samples")
    check_samples(n_samples, 2, "n_samples")
    noise = _number_at_least(noise, 0.0, "noise", "a finite number >= 0")
    rng = random_generator(seed)
    X = rng.uniform(-1.0, 1.0, size=(n_samples, 2))
    up, down = (np.sum((X - np.array(centre)) ** 2, axis=1) for centre in BUMP_CENTRES)
    y = np.exp(-up / (2 * BUMP_WIDTH**2)) - np.exp(-down / (2 * BUMP_WIDTH**2))
    return X, y + rng.normal(scale=noise, size=n_samples)


def _samples_and_classes(n_samples: object, classes: object, part: str) -> tuple[int, int]:
    """``n_samples`` and ``classes``, checked: two classes or more (one ``part`` each), a point for each."""
    n_samples = positive_integer(n_samples, "n_samples")
    check_samples(n_samples, 2, "n_samples")
    classes = positive_integer(classes, "classes")
    if classes < 2:
        raise ParameterError(f"classes must be at least 2 (one {part} each); got {classes}")
    if n_samples < classes:
        raise ParameterError(
            f"n_samples must be at least classes ({classes}), one point per {part}; got {n_samples}"
        )
    return n_samples, classes


def _number_at_least(value: object, low: float, name: str, expected: str, *, strict: bool = False) -> float:
    """``value`` as a float, or a ``ParameterError`` unless it is a finite number above ``low``."""
    try:
        number = finite_number(value, name)
    except DataError:
        number = None
    if number is None or number < low or (strict and number == low):
        raise ParameterError(f"{name} must be {expected}; got {value!r}")
    return number


def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 handwritten digits: 1797 images as 64 pixels in [0, 1], labels 0..9.

    The data ships with scikit-learn (``pip install "neurosim-learn[datasets]"``).
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise MissingDependencyError(
            "datasets.digits() needs scikit-learn, which ships the digits data; "
            'install it with: pip install "neurosim-learn[datasets]"'
        ) from None
    data = load_digits()
    return data.data / 16.0, data.target.astype(int)


def split(
    X: np.ndarray, y: np.ndarray, *, test_fraction: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle once with ``seed`` and split into ``X_train, X_test, y_train, y_test``.

    Examples
    --------
    >>> X_train, X_test, y_train, y_test = split(np.arange(20.0).reshape(10, 2), np.arange(10))
    >>> X_train.shape, X_test.shape, sorted(y_train.tolist() + y_test.tolist()) == list(range(10))
    ((8, 2), (2, 2), True)
    """
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float)):
        raise ParameterError(f"test_fraction must be a number in (0, 1); got {test_fraction!r}")
    if not 0 < test_fraction < 1:
        raise ParameterError(f"test_fraction must be a number in (0, 1); got {test_fraction!r}")
    X, y = _samples(X, "X"), _samples(y, "y")
    if len(X) != len(y):
        raise ShapeError(f"X has {len(X)} samples but y has {len(y)}; they must match")
    order = random_generator(seed).permutation(len(X))
    n_test = max(1, round(len(X) * test_fraction))
    if n_test >= len(X):
        raise ParameterError(
            f"test_fraction={test_fraction!r} of {len(X)} samples leaves no training samples; "
            "use a smaller test_fraction or more samples"
        )
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def _samples(values: object, name: str) -> np.ndarray:
    """``values`` as an array with one sample per row, or a ``ShapeError``."""
    array = np.asarray(values)
    if array.ndim == 0:
        raise ShapeError(f"{name} must be an array with one sample per row; got the single value {values!r}")
    return array
