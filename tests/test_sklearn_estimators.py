"""neurosim's scikit-learn estimators: scikit-learn's own checks, model selection, and what they learn."""

from __future__ import annotations

import numpy as np
import pytest

import neurosim as ns

pytest.importorskip("sklearn", reason="the estimators are scikit-learn's kind")

from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

from neurosim.sklearn import NeurosimClassifier, NeurosimRegressor


@pytest.mark.parametrize("estimator", [NeurosimClassifier(epochs=60), NeurosimRegressor(epochs=60)])
def test_scikit_learns_estimator_checks_pass(estimator):
    # every check runs; the only ones skipped are those needing what is not installed (pandas, array API)
    results = check_estimator(estimator, on_fail=None, on_skip=None)
    failed = [(r["check_name"], str(r["exception"])[:200]) for r in results if r["status"] == "failed"]
    assert failed == []
    skipped = {r["check_name"] for r in results if r["status"] == "skipped"}
    assert skipped <= {
        "check_array_api_input",
        "check_classifier_data_not_an_array",
        "check_regressor_data_not_an_array",
    }


def test_a_grid_search_over_hidden_sizes_picks_one_and_refits_it():
    X, y = ns.datasets.moons(120, noise=0.15, seed=1)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), NeurosimClassifier(epochs=80, random_state=0)),
        {"neurosimclassifier__hidden": [(2,), (8,)]},
        cv=3,
    )
    search.fit(X, y)
    assert search.best_params_["neurosimclassifier__hidden"] in [(2,), (8,)]
    network = search.best_estimator_[-1].network_
    assert network["hidden1"].size == search.best_params_["neurosimclassifier__hidden"][0]
    assert search.score(X, y) > 0.8


def test_the_classifier_learns_moons_and_its_probabilities_are_its_predictions():
    X, y = ns.datasets.moons(200, noise=0.1, seed=0)
    labels = np.where(y == 1, "upper", "lower")  # classes need not be numbers
    clf = NeurosimClassifier(hidden=(8,), epochs=200, random_state=0).fit(X, labels)
    assert list(clf.classes_) == ["lower", "upper"]
    proba = clf.predict_proba(X)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X, labels) > 0.95
    # the trained network is neurosim's, to look inside
    assert np.allclose(clf.network_.predict(X)[:, 0], proba[:, 1])


def test_the_regressor_learns_a_plane_and_keeps_several_outputs_apart():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(200, 2))
    Y = np.column_stack([2 * X[:, 0] - X[:, 1] + 0.5, X[:, 1]])
    one = NeurosimRegressor(hidden=(8,), activation="tanh", epochs=300, random_state=0).fit(X, Y[:, 0])
    assert one.predict(X).shape == (200,) and one.score(X, Y[:, 0]) > 0.99
    two = NeurosimRegressor(hidden=(8,), activation="tanh", epochs=300, random_state=0).fit(X, Y)
    assert two.predict(X).shape == (200, 2) and two.score(X, Y) > 0.99


def test_the_same_random_state_trains_the_same_network():
    X, y = ns.datasets.moons(80, seed=2)
    a = NeurosimClassifier(epochs=20, random_state=3).fit(X, y)
    b = NeurosimClassifier(epochs=20, random_state=3).fit(X, y)
    for name, values in a.network_.state_dict().items():
        assert np.array_equal(values, b.network_.state_dict()[name]), name


def test_bad_calls_are_refused_in_scikit_learns_words():
    X, y = ns.datasets.moons(40, seed=0)
    with pytest.raises(NotFittedError):
        NeurosimClassifier().predict(X)
    clf = NeurosimClassifier(epochs=5, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="3 features"):
        clf.predict(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="only one class"):
        NeurosimClassifier(epochs=5).fit(X, np.zeros(len(X)))
    assert ns.sklearn.NeurosimRegressor is NeurosimRegressor  # also reached as ns.sklearn


def test_hidden_sizes_are_checked_by_name():
    X, y = ns.datasets.moons(40, seed=0)
    assert NeurosimClassifier(hidden=4, epochs=2).fit(X, y).network_["hidden1"].size == 4
    with pytest.raises(ValueError, match="hidden must be a tuple of layer sizes"):
        NeurosimClassifier(hidden=None, epochs=2).fit(X, y)
    with pytest.raises(ns.ParameterError, match=r"sizes\[1\]"):
        NeurosimClassifier(hidden=(0,), epochs=2).fit(X, y)
