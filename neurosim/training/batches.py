"""The training samples of an epoch, in the epoch's order, batch by batch."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

#: training inputs up to this size are gathered into epoch order once per epoch;
#: larger ones batch by batch, so that each batch's inputs are still in cache when used
GATHER_LIMIT = 4 * 2**20


class EpochData:
    """The training samples, visited epoch by epoch in each epoch's order.

    Examples
    --------
    >>> import numpy as np
    >>> data = EpochData(np.arange(10.0).reshape(5, 2), np.arange(5.0).reshape(5, 1), batch=2)
    >>> [(start, stop, T.ravel().tolist()) for start, stop, _, T in data.batches(np.array([4, 3, 2, 1, 0]))]
    [(0, 2, [4.0, 3.0]), (2, 4, [2.0, 1.0]), (4, 5, [0.0])]
    """

    def __init__(self, X: np.ndarray, T: np.ndarray, batch: int) -> None:
        self.X, self.T, self.batch = X, T, batch
        self.X_epoch = np.empty_like(X) if X.nbytes <= GATHER_LIMIT else None
        #: the targets in the order of the last epoch
        self.T_epoch = np.empty_like(T)

    def batches(self, order: np.ndarray) -> Iterator[tuple[int, int, np.ndarray, np.ndarray]]:
        """``(start, stop, X_batch, T_batch)`` for each batch of the epoch visiting ``order``."""
        self.T.take(order, axis=0, out=self.T_epoch)
        if self.X_epoch is not None:
            self.X.take(order, axis=0, out=self.X_epoch)
        n, batch = len(order), self.batch
        for start in range(0, n, batch):
            stop = min(start + batch, n)
            if self.X_epoch is not None:
                yield start, stop, self.X_epoch[start:stop], self.T_epoch[start:stop]
            else:
                yield start, stop, self.X[order[start:stop]], self.T_epoch[start:stop]
