"""scikit-learn estimators that train a neurosim network: ``NeurosimClassifier`` and ``NeurosimRegressor``.

They follow scikit-learn's conventions (settings in ``__init__``, ``fit``
returns the estimator, fitted attributes end with ``_``), so they work in a
``Pipeline``, ``GridSearchCV`` and ``clone``; the trained network is
``network_``, to inspect as any neurosim network. They need scikit-learn
1.6 or later (``pip install "neurosim-learn[datasets]"``), and pass its
``check_estimator``.

Examples
--------
>>> import neurosim as ns
>>> from neurosim.sklearn import NeurosimClassifier
>>> X, y = ns.datasets.moons(200, noise=0.1, seed=0)
>>> clf = NeurosimClassifier(hidden=(8,), epochs=200, random_state=0).fit(X, y)
>>> clf.score(X, y) > 0.95, clf.network_["hidden1"].size
(True, 8)
"""

from __future__ import annotations

import numbers

import numpy as np

from neurosim.core import Network
from neurosim.errors import MissingDependencyError

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError as error:  # pragma: no cover - the tests need scikit-learn
    raise MissingDependencyError(
        'neurosim.sklearn needs scikit-learn 1.6 or later: pip install "neurosim-learn[datasets]"'
    ) from error

__all__ = ["NeurosimClassifier", "NeurosimRegressor"]


class _NeurosimEstimator(BaseEstimator):
    """What both estimators share: the settings, the network they build and its training."""

    def __init__(
        self,
        hidden: tuple[int, ...] = (16,),
        activation: str = "tanh",
        optimizer: str = "adam",
        lr: float = 0.01,
        epochs: int = 200,
        batch_size: int | None = 32,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.hidden = hidden
        self.activation = activation
        self.optimizer = optimizer
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.random_state = random_state

    def _train(self, X: np.ndarray, T: np.ndarray, output_activation: str, loss: str) -> None:
        seed = _seed(self.random_state)
        sizes = [X.shape[1], *_hidden_sizes(self.hidden), T.shape[1]]
        network = Network.from_shape(
            sizes, activation=self.activation, output_activation=output_activation, seed=seed
        )
        self.history_ = network.fit(
            X,
            T,
            epochs=self.epochs,
            lr=self.lr,
            optimizer=self.optimizer,
            batch_size=self.batch_size,
            loss=loss,
            seed=seed,
            verbose=0,
            diagnose=False,
        )
        self.network_ = network

    def _outputs(self, X: object) -> np.ndarray:
        check_is_fitted(self, "network_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.network_.predict(X)


class NeurosimClassifier(ClassifierMixin, _NeurosimEstimator):
    """A neurosim network trained as a classifier: sigmoid output and ``bce`` for two classes, else softmax.

    Parameters
    ----------
    hidden : tuple of int, default (16,)
        The sizes of the hidden layers.
    activation : str, default "tanh"
        The hidden layers' activation.
    optimizer : str, default "adam"
        The optimizer's name, as ``fit`` takes it.
    lr : float, default 0.01
    epochs : int, default 200
    batch_size : int or None, default 32
    random_state : int, RandomState or None
        Seeds the weights and the shuffling.

    Attributes
    ----------
    classes_ : ndarray
        The class labels, sorted.
    network_ : Network
        The trained network.
    history_ : History
        Its training history.
    n_features_in_ : int
    """

    def fit(self, X: object, y: object) -> NeurosimClassifier:
        """Build the network for ``X``'s features and ``y``'s classes, and train it."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, labels = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"Classifier can't train when only one class is present: y holds only {self.classes_[0]!r}"
            )
        if len(self.classes_) == 2:
            self._train(X, labels.reshape(-1, 1).astype(float), "sigmoid", "bce")
        else:
            self._train(X, np.eye(len(self.classes_))[labels], "softmax", "cross_entropy")
        return self

    def predict_proba(self, X: object) -> np.ndarray:
        """The probability of each class, one column per class of ``classes_``."""
        outputs = self._outputs(X)
        if len(self.classes_) == 2:
            return np.hstack([1.0 - outputs, outputs])
        return outputs

    def predict(self, X: object) -> np.ndarray:
        """The most probable class of each sample."""
        probabilities = self.predict_proba(X)  # first: it checks that the estimator was fitted
        return self.classes_[np.argmax(probabilities, axis=1)]


class NeurosimRegressor(RegressorMixin, _NeurosimEstimator):
    """A neurosim network trained as a regressor: identity outputs and ``mse``.

    Takes the same parameters as ``NeurosimClassifier``; ``y`` may have one
    column or several.
    """

    def __sklearn_tags__(self) -> object:
        """scikit-learn's tags: ``y`` may have several columns, one output each."""
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X: object, y: object) -> NeurosimRegressor:
        """Build the network for ``X``'s features and ``y``'s columns, and train it."""
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True, multi_output=True)
        self._single_output = y.ndim == 1
        self._train(X, y.reshape(len(y), -1), "identity", "mse")
        return self

    def predict(self, X: object) -> np.ndarray:
        """The predicted values: ``(n_samples,)`` for one output, else ``(n_samples, n_outputs)``."""
        outputs = self._outputs(X)
        return outputs[:, 0] if self._single_output else outputs


def _hidden_sizes(hidden: object) -> list[object]:
    """``hidden`` as a list of layer sizes (one number is one layer); ``from_shape`` checks each size."""
    if isinstance(hidden, numbers.Integral):
        return [hidden]
    try:
        return list(hidden)
    except TypeError:
        raise ValueError(f"hidden must be a tuple of layer sizes, such as (16, 16); got {hidden!r}") from None


def _seed(random_state: object) -> int | None:
    """``random_state`` as the integer seed neurosim takes."""
    if random_state is None or isinstance(random_state, numbers.Integral):
        return None if random_state is None else int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    raise ValueError(f"random_state must be None, an integer or a numpy RandomState; got {random_state!r}")
