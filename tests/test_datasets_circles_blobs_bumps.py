"""datasets.circles, blobs and bumps: the points their docstrings state, balanced, seeded, checked."""

from __future__ import annotations

import cmath
import math

import numpy as np
import pytest

import neurosim as ns
from neurosim.datasets import blobs, bumps, circles


@pytest.mark.parametrize(("n_samples", "factor"), [(8, 0.5), (9, 0.3), (400, 0.8)])
def test_without_noise_the_circles_lie_on_their_radii_evenly_spaced(n_samples, factor):
    X, y = circles(n_samples, noise=0.0, factor=factor)
    assert X.shape == (n_samples, 2) and y.tolist() == [i % 2 for i in range(n_samples)]
    for label, radius in ((0, 1.0), (1, factor)):
        points = X[y == label]
        expected = [
            [p.real, p.imag]
            for p in (cmath.rect(radius, 2 * math.pi * k / len(points)) for k in range(len(points)))
        ]
        np.testing.assert_allclose(points, expected, atol=1e-12)


def test_the_noise_of_circles_has_the_given_spread_and_the_seed_fixes_it():
    clean, _ = circles(4000, noise=0.0)
    noisy, _ = circles(4000, noise=0.1, seed=2)
    offsets = noisy - clean
    assert offsets.std() == pytest.approx(0.1, rel=0.05) and abs(offsets.mean()) < 0.01
    assert np.array_equal(noisy, circles(4000, noise=0.1, seed=2)[0])
    assert not np.allclose(noisy, circles(4000, noise=0.1, seed=3)[0])


@pytest.mark.parametrize("classes", [2, 3, 5])
def test_each_blob_is_centred_on_the_unit_circle_with_the_given_spread(classes):
    X, y = blobs(3000, classes=classes, noise=0.2, seed=1)
    assert np.bincount(y).tolist() == [3000 // classes + (c < 3000 % classes) for c in range(classes)]
    for c in range(classes):
        centre = cmath.rect(1.0, 2 * math.pi * c / classes + math.pi / 4)
        points = X[y == c]
        np.testing.assert_allclose(points.mean(axis=0), [centre.real, centre.imag], atol=0.03)
        assert points.std(axis=0) == pytest.approx([0.2, 0.2], rel=0.1)


def test_the_bumps_targets_follow_the_formula_point_by_point():
    X, y = bumps(300, seed=4)
    assert X.min() >= -1 and X.max() <= 1 and y.dtype == np.float64

    def bump(x0, x1, c0, c1):
        return math.exp(-((x0 - c0) ** 2 + (x1 - c1) ** 2) / (2 * 0.35**2))

    expected = [bump(a, b, -0.5, 0.5) - bump(a, b, 0.5, -0.5) for a, b in X]
    np.testing.assert_allclose(y, expected, atol=1e-12)
    noisy_X, noisy_y = bumps(300, noise=0.05, seed=4)
    assert np.array_equal(noisy_X, X) and (noisy_y - y).std() == pytest.approx(0.05, rel=0.2)


def test_bumps_is_taken_for_regression_and_the_others_for_classification():
    assert ns.training.tasks.infer_task(bumps(200, seed=0)[1]).kind == "regression"
    assert ns.training.tasks.infer_task(circles(200, seed=0)[1]).loss == "bce"
    assert ns.training.tasks.infer_task(blobs(200, classes=3, seed=0)[1]).loss == "cross_entropy"


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: circles(1), "n_samples must be at least 2"),
        (lambda: circles(10, factor=1.0), "factor must be a number between 0 and 1"),
        (lambda: circles(10, factor=0.0), "factor must be a number between 0 and 1"),
        (lambda: circles(10, noise=-1.0), "noise must be a finite number >= 0"),
        (lambda: blobs(10, classes=1), "classes must be at least 2"),
        (lambda: blobs(2, classes=3), "n_samples must be at least classes (3)"),
        (lambda: blobs(10, noise=float("nan")), "noise must be a finite number >= 0"),
        (lambda: bumps(0), "n_samples"),
        (lambda: bumps(10, noise="lots"), "noise must be a finite number >= 0"),
        (lambda: circles(10**12), "n_samples asks for 1,000,000,000,000 samples"),
        (lambda: blobs(10**12), "n_samples asks for 1,000,000,000,000 samples"),
        (lambda: bumps(10**12), "n_samples asks for 1,000,000,000,000 samples"),
    ],
)
def test_bad_arguments_are_refused_with_their_name(call, words):
    with pytest.raises(ns.NeurosimError) as raised:
        call()
    assert words in str(raised.value)
