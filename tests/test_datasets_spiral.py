"""datasets.spiral: interleaved arms on the curves its docstring states, balanced, seeded, checked."""

from __future__ import annotations

import cmath
import math

import numpy as np
import pytest

import neurosim as ns
from neurosim.datasets import spiral


def on_the_curve(n_samples: int, classes: int, turns: float) -> np.ndarray:
    """The noiseless points, one at a time from the formula: arm c's k-th of m points at r = (k+1)/m."""
    per_arm = [sum(1 for i in range(n_samples) if i % classes == c) for c in range(classes)]
    points = []
    for i in range(n_samples):
        arm, k = i % classes, i // classes
        radius = (k + 1) / per_arm[arm]
        point = cmath.rect(radius, 2 * math.pi * (turns * radius + arm / classes))
        points.append([point.real, point.imag])
    return np.array(points)


@pytest.mark.parametrize(("n_samples", "classes", "turns"), [(300, 3, 1.0), (7, 2, 0.5), (50, 5, 2.25)])
def test_without_noise_every_point_lies_on_its_arm(n_samples, classes, turns):
    X, y = spiral(n_samples, classes=classes, noise=0.0, turns=turns)
    assert X.shape == (n_samples, 2) and X.dtype == np.float64
    assert y.shape == (n_samples,) and np.issubdtype(y.dtype, np.integer)
    assert y.tolist() == [i % classes for i in range(n_samples)]
    np.testing.assert_allclose(X, on_the_curve(n_samples, classes, turns), atol=1e-12)


@pytest.mark.parametrize(("n_samples", "classes"), [(300, 3), (301, 3), (10, 4), (2, 2)])
def test_the_classes_are_balanced(n_samples, classes):
    _, y = spiral(n_samples, classes=classes, seed=0)
    counts = np.bincount(y, minlength=classes)
    assert counts.sum() == n_samples and counts.max() - counts.min() <= 1


def test_noise_moves_each_point_along_its_circle_by_an_angle_of_the_given_spread():
    noise, turns = 0.2, 1.0
    X, _ = spiral(6000, classes=3, noise=noise, turns=turns, seed=1)
    clean = on_the_curve(6000, 3, turns)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius, np.hypot(clean[:, 0], clean[:, 1]), rtol=1e-12)  # radii are exact
    turned = np.angle((X[:, 0] + 1j * X[:, 1]) / (clean[:, 0] + 1j * clean[:, 1]))  # angle off the curve
    assert abs(turned.mean()) < 0.01
    assert turned.std() == pytest.approx(noise, rel=0.05)
    assert np.abs(turned).max() < 6 * noise


def test_the_same_seed_gives_the_same_points_and_another_seed_other_ones():
    first, second, other = spiral(90, seed=3), spiral(90, seed=3), spiral(90, seed=4)
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])
    assert not np.allclose(first[0], other[0])
    assert np.array_equal(first[1], other[1])  # the labels do not depend on the noise


def test_the_arms_are_interleaved_so_no_straight_line_separates_a_class():
    """Every class has points on both sides of any line through the centre (the arms wind round)."""
    X, y = spiral(600, classes=3, noise=0.0, turns=1.0)
    for direction in np.linspace(0, np.pi, 12, endpoint=False):
        side = X @ np.array([np.cos(direction), np.sin(direction)]) > 0
        for arm in range(3):
            assert side[y == arm].any() and (~side[y == arm]).any()


@pytest.mark.parametrize(
    ("arguments", "match"),
    [
        ({"n_samples": 0}, "n_samples must be a positive integer; got 0"),
        ({"n_samples": 2.5}, "n_samples must be a positive integer; got 2.5"),
        ({"n_samples": True}, "n_samples must be a positive integer; got True"),
        (
            {"n_samples": 2, "classes": 3},
            r"n_samples must be at least classes \(3\), one point per spiral arm; got 2",
        ),
        ({"classes": 1}, r"classes must be at least 2 \(one spiral arm each\); got 1"),
        ({"classes": "3"}, "classes must be a positive integer; got '3'"),
        ({"noise": -0.1}, r"noise must be a number >= 0 \(radians\); got -0.1"),
        ({"noise": float("nan")}, r"noise must be a number >= 0 \(radians\); got nan"),
        ({"noise": "0.2"}, r"noise must be a number >= 0 \(radians\); got '0.2'"),
        ({"turns": 0}, "turns must be a positive number of turns; got 0"),
        ({"turns": float("inf")}, "turns must be a positive number of turns; got inf"),
        ({"turns": True}, "turns must be a positive number of turns; got True"),
    ],
)
def test_bad_arguments_are_refused_with_a_message_naming_them(arguments, match):
    with pytest.raises(ns.ParameterError, match=match):
        spiral(**arguments)
