"""The training samples of an epoch, in the epoch's order, batch by batch."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

#: training inputs up to this size are gathered into epoch order once per epoch;
#: larger ones batch by batch, so that each batch's inputs are still in cache when used
GATHER_LIMIT = 4 * 2**20
#: up to this many batches per epoch, their views are made once for the whole run
VIEW_LIMIT = 4096

#: ``(start, stop, X, T, X_ones)``: ``X_ones`` is ``X`` next to a column of ones (``X`` is a view of
#: it), or ``None``
BatchRows = tuple[int, int, np.ndarray, np.ndarray, "np.ndarray | None"]


class EpochData:
    """The training samples, visited epoch by epoch in each epoch's order.

    One batch of every sample (``batch >= n``) is the samples as they are,
    every epoch: the gradient of the whole set is a sum over its samples,
    which no order changes, so nothing is shuffled or copied (``whole``).

    With ``with_ones``, inputs gathered once per epoch (or kept as they are)
    lie next to a column of ones, and each batch comes with that array too,
    for an engine that adds the first layer's biases in its product
    (``CompiledNetwork.train_batch``'s ``X_ones``).

    Examples
    --------
    >>> import numpy as np
    >>> data = EpochData(np.arange(10.0).reshape(5, 2), np.arange(5.0).reshape(5, 1), batch=2)
    >>> order = np.array([4, 3, 2, 1, 0])
    >>> [(start, stop, T.ravel().tolist()) for start, stop, _, T, _ in data.batches(order)]
    [(0, 2, [4.0, 3.0]), (2, 4, [2.0, 1.0]), (4, 5, [0.0])]
    >>> whole = EpochData(np.arange(10.0).reshape(5, 2), np.ones((5, 1)), batch=5, with_ones=True)
    >>> [(X.tolist(), X_ones.tolist()) for _, _, X, _, X_ones in whole.batches(np.arange(5))][0][1][:2]
    [[0.0, 1.0, 1.0], [2.0, 3.0, 1.0]]
    """

    def __init__(self, X: np.ndarray, T: np.ndarray, batch: int, *, with_ones: bool = False) -> None:
        n = X.shape[0]
        self.X, self.T, self.batch = X, T, min(batch, n)
        #: whether the epoch is one batch of every sample, in their own order
        self.whole = self.batch == n
        #: the inputs of the epoch next to a column of ones, if asked for and small enough to gather
        self.X_ones: np.ndarray | None = None
        #: the inputs next to ones in their own order, from which ``X_ones`` is gathered
        self._source_ones: np.ndarray | None = None
        if with_ones and X.ndim == 2 and X.nbytes <= GATHER_LIMIT:
            self.X_ones = np.ones((n, X.shape[1] + 1), X.dtype)
            self.X_ones[:, :-1] = X
            if not self.whole:
                self._source_ones = self.X_ones.copy()
        if self.whole:  # the inputs as they are: the same numbers, in contiguous memory
            self.X_epoch: np.ndarray | None = X
            #: the targets in the order of the last epoch
            self.T_epoch = T
        else:
            if self.X_ones is not None:
                self.X_epoch = self.X_ones[:, :-1]
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
            self._views = [self._view(a, b) for a, b in self.bounds]

    def batches(self, order: np.ndarray) -> Iterable[BatchRows]:
        """``(start, stop, X_batch, T_batch, X_ones)`` for each batch of the epoch visiting ``order``.

        The batches are views, valid until the next call.
        """
        if self.whole:
            return self._views
        self.T.take(order, axis=0, out=self.T_epoch, mode="clip")
        if self._source_ones is not None:
            self._source_ones.take(order, axis=0, out=self.X_ones, mode="clip")
        elif self.X_epoch is not None:
            self.X.take(order, axis=0, out=self.X_epoch, mode="clip")
        return self._views if self._views is not None else self._batch_by_batch(order)

    def whole_batch(self) -> BatchRows:
        """The one batch of an epoch of one batch of every sample, in the samples' order (``whole`` only)."""
        return self._views[0] if self._views is not None else self._view(0, self.X.shape[0])

    def _view(self, start: int, stop: int) -> BatchRows:
        X_ones = None if self.X_ones is None else self.X_ones[start:stop]
        return start, stop, self.X_epoch[start:stop], self.T_epoch[start:stop], X_ones

    def _batch_by_batch(self, order: np.ndarray) -> Iterator[BatchRows]:
        for start, stop in self.bounds:
            if self.X_epoch is not None:
                yield self._view(start, stop)
            else:
                rows = self._gathered[stop - start]
                self.X.take(order[start:stop], axis=0, out=rows, mode="clip")
                yield start, stop, rows, self.T_epoch[start:stop], None
