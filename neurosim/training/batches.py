"""The training samples of an epoch, in the epoch's order, batch by batch."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

#: training inputs up to this size are gathered into epoch order once per epoch;
#: larger ones batch by batch, so that each batch's inputs are still in cache when used
GATHER_LIMIT = 4 * 2**20
#: up to this many batches per epoch, their views are made once for the whole run
VIEW_LIMIT = 4096

BatchRows = tuple[int, int, np.ndarray, np.ndarray]


class EpochData:
    """The training samples, visited epoch by epoch in each epoch's order.

    One batch of every sample (``batch >= n``) is the samples as they are,
    every epoch: the gradient of the whole set is a sum over its samples,
    which no order changes, so nothing is shuffled or copied (``whole``).

    Examples
    --------
    >>> import numpy as np
    >>> data = EpochData(np.arange(10.0).reshape(5, 2), np.arange(5.0).reshape(5, 1), batch=2)
    >>> [(start, stop, T.ravel().tolist()) for start, stop, _, T in data.batches(np.array([4, 3, 2, 1, 0]))]
    [(0, 2, [4.0, 3.0]), (2, 4, [2.0, 1.0]), (4, 5, [0.0])]
    >>> whole = EpochData(np.arange(10.0).reshape(5, 2), np.arange(5.0).reshape(5, 1), batch=5)
    >>> [(start, stop, T.ravel().tolist()) for start, stop, _, T in whole.batches(np.arange(5))]
    [(0, 5, [0.0, 1.0, 2.0, 3.0, 4.0])]
    """

    def __init__(self, X: np.ndarray, T: np.ndarray, batch: int) -> None:
        n = X.shape[0]
        self.X, self.T, self.batch = X, T, min(batch, n)
        #: whether the epoch is one batch of every sample, in their own order
        self.whole = self.batch == n
        if self.whole:
            self.X_epoch: np.ndarray | None = X
            #: the targets in the order of the last epoch
            self.T_epoch = T
        else:
            self.X_epoch = np.empty_like(X) if X.nbytes <= GATHER_LIMIT else None
            self.T_epoch = np.empty_like(T)
        #: each batch's ``(start, stop)`` in the epoch
        self.bounds = [(start, min(start + self.batch, n)) for start in range(0, n, self.batch)]
        self._views: list[BatchRows] | None = None
        #: where a batch of large inputs is gathered, by batch size (the last batch may be smaller)
        self._gathered = (
            {}
            if self.X_epoch is not None
            else {b - a: np.empty((b - a, *X.shape[1:]), X.dtype) for a, b in self.bounds[-2:]}
        )
        if self.X_epoch is not None and len(self.bounds) <= VIEW_LIMIT:
            X_epoch, T_epoch = self.X_epoch, self.T_epoch
            self._views = [(a, b, X_epoch[a:b], T_epoch[a:b]) for a, b in self.bounds]

    def batches(self, order: np.ndarray) -> Iterable[BatchRows]:
        """``(start, stop, X_batch, T_batch)`` for each batch of the epoch visiting ``order``.

        The batches are views, valid until the next call.
        """
        if self.whole:
            return self._views
        self.T.take(order, axis=0, out=self.T_epoch, mode="clip")
        if self.X_epoch is not None:
            self.X.take(order, axis=0, out=self.X_epoch, mode="clip")
        return self._views if self._views is not None else self._batch_by_batch(order)

    def _batch_by_batch(self, order: np.ndarray) -> Iterator[BatchRows]:
        for start, stop in self.bounds:
            if self.X_epoch is not None:
                yield start, stop, self.X_epoch[start:stop], self.T_epoch[start:stop]
            else:
                rows = self._gathered[stop - start]
                self.X.take(order[start:stop], axis=0, out=rows, mode="clip")
                yield start, stop, rows, self.T_epoch[start:stop]
