"""The scikit-learn reference: ``MLPClassifier`` with plain SGD, started from the same weights."""

from __future__ import annotations

import warnings

import numpy as np

from neurosim.benchmarks.engines.workloads import SHUFFLE_SEED, ParamSet


class SklearnMLP:
    """scikit-learn's ``MLPClassifier`` with plain SGD, one ``partial_fit`` call per epoch.

    It starts from the same weights (``coefs_`` are ``(n_in, n_out)``, so the
    weights are transposed) but shuffles with its own random state.

    Parameters
    ----------
    params : ParamSet
    activation : {"sigmoid", "tanh", "relu"}
    lr : float
    X : ndarray of shape (n_samples, n_in)
    y : ndarray of shape (n_samples,)
    batch_size : int or None
    """

    def __init__(
        self,
        params: ParamSet,
        activation: str,
        lr: float,
        X: np.ndarray,
        y: np.ndarray,
        batch_size: int | None,
    ) -> None:
        from sklearn.neural_network import MLPClassifier

        weights, _ = params
        batch = X.shape[0] if batch_size is None else min(batch_size, X.shape[0])
        self.model = MLPClassifier(
            hidden_layer_sizes=tuple(w.shape[0] for w in weights[:-1]),
            activation={"sigmoid": "logistic", "tanh": "tanh", "relu": "relu"}[activation],
            solver="sgd",
            learning_rate="constant",
            learning_rate_init=lr,
            momentum=0.0,
            nesterovs_momentum=False,
            alpha=0.0,
            batch_size=batch,
            shuffle=True,
            random_state=SHUFFLE_SEED,
        )
        self.X, self.y = X, y
        self.initial = params
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.model.partial_fit(X[:batch], y[:batch], classes=np.unique(y))
        shapes = [c.shape for c in self.model.coefs_]
        if shapes != [w.T.shape for w in weights]:
            raise RuntimeError(f"scikit-learn built layers {shapes}; expected {[w.T.shape for w in weights]}")
        self.reset()

    def reset(self) -> None:
        """Copy the initial weights into ``coefs_`` and ``intercepts_``."""
        weights, biases = self.initial
        for coef, weight in zip(self.model.coefs_, weights, strict=True):
            np.copyto(coef, weight.T)
        for intercept, bias in zip(self.model.intercepts_, biases, strict=True):
            np.copyto(intercept, bias)

    def train(self, epochs: int) -> None:
        """Train ``epochs`` epochs, one ``partial_fit`` each.

        Parameters
        ----------
        epochs : int
        """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(epochs):
                self.model.partial_fit(self.X, self.y)
