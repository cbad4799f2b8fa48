"""Loss functions, with the conventions of PyTorch so results can be compared.

=================  =========================================================  ==================
name               mean loss ``L`` over a batch of ``n`` samples, ``m`` outputs   output layer
=================  =========================================================  ==================
``mse``            ``mean((a - t)**2)`` over samples *and* outputs               any activation
``bce``            ``mean(-[t log a + (1-t) log(1-a)])`` over samples, outputs   sigmoid
``cross_entropy``  ``mean over samples of -sum_j t_j log softmax(z)_j``         softmax
=================  =========================================================  ==================

``mse`` matches ``torch.nn.MSELoss``, ``bce`` matches ``torch.nn.BCELoss`` and
``cross_entropy`` matches ``torch.nn.CrossEntropyLoss`` applied to the logits.
``bce`` and ``cross_entropy`` are computed from the output layer's weighted
inputs ``z`` (the logits), so they stay exact and finite even where the
sigmoid rounds to 0 or 1 (BCELoss would clamp its log to -100 there).

Targets for ``cross_entropy`` are integer class labels of shape ``(n,)`` or
rows of shape ``(n, m)`` (one-hot or probabilities).

Gradients are those of the mean ``L``. Each loss also gives the per-sample
``delta = d loss_k / dz`` of the output layer, where ``L = mean_k loss_k``.

Examples
--------
>>> import numpy as np
>>> import neurosim as ns
>>> loss = ns.get_loss("bce")
>>> z = np.array([[1e4], [-1e4]]); t = np.array([[0.0], [0.0]])
>>> float(loss.value(z, ns.get_activation("sigmoid")(z), t))
5000.0
"""

from __future__ import annotations

import numpy as np

from neurosim.activations import ACTIVATIONS, ACTS_AS, Activation
from neurosim.errors import DataError, IncompatibleLossError, ShapeError, UnknownNameError
from neurosim.validation import as_float_array, as_target_batch, check_finite, check_sample_count

__all__ = ["LOSSES", "ONE_HOT_CROSS_ENTROPY", "Loss", "OneHotCrossEntropy", "get_loss"]

#: the activations neurosim comes with (registered before any of yours)
_BUILT_INS = tuple(ACTIVATIONS.values())


class Loss:
    """A loss function: its value, its output-layer delta and its target checks."""

    name = "loss"
    #: whether targets are classes, so that training also records accuracy
    classification = False
    #: the output activation this loss needs (``None``: any), and what to say otherwise
    required_activation: str | None = None
    alternative = ""

    def check_output(self, activation: Activation, layer: str) -> None:
        """Raise ``IncompatibleLossError`` if this loss can't follow ``activation``.

        A function of your own passes when it was made with
        ``acts_as=required_activation`` (``ns.Activation(..., acts_as="sigmoid")``).
        """
        required = self.required_activation
        if required is None or activation is ACTIVATIONS[required] or activation.acts_as == required:
            return
        message = (
            f"loss {self.name!r} needs a {required} output layer, but layer {layer!r} uses "
            f"{activation.name!r}; {self.alternative}"
        )
        if required in ACTS_AS and not any(activation is built_in for built_in in _BUILT_INS):
            message += (
                f". If {activation.name!r} is a {required} written your own way, "
                f"make it with ns.Activation(..., acts_as={required!r})"
            )
        raise IncompatibleLossError(message)

    def targets(self, Y: object, n_samples: int, n_outputs: int) -> np.ndarray:
        """Validate ``Y`` and return it as an ``(n_samples, n_outputs)`` float array."""
        return as_target_batch(Y, n_samples, n_outputs)

    def value(self, z: np.ndarray, a: np.ndarray, t: np.ndarray) -> float:
        """The mean loss over the batch."""
        raise NotImplementedError

    def values(self, z: np.ndarray, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        """The mean loss of each batch in a stack: ``value`` of ``z[i]``, ``a[i]``, ``t[i]`` for every ``i``.

        ``z`` and ``a`` have shape ``(k, n, m)``: ``k`` batches of ``n``
        samples; ``t`` too, or ``(n, m)`` for the same targets in every
        batch. Training records its epochs with it, several at once. Each
        number equals ``value``'s exactly: the built-in losses compute the
        stack in one pass with the same operations, others call ``value``
        once per batch.

        Examples
        --------
        >>> loss = get_loss("bce")
        >>> z = np.array([[[0.0], [2.0]], [[-1.0], [3.0]]])       # two batches of two samples
        >>> t = np.array([[0.0], [1.0]])
        >>> a = 1 / (1 + np.exp(-z))
        >>> loss.values(z, a, t).tolist() == [loss.value(z[0], a[0], t), loss.value(z[1], a[1], t)]
        True
        """
        return np.array([self.value(z[i], a[i], t if t.ndim == 2 else t[i]) for i in range(z.shape[0])])

    def for_targets(self, t: np.ndarray) -> Loss:
        """The loss to train on targets ``t`` with: the same numbers, computed faster where it can."""
        return self

    def output_delta(self, z: np.ndarray, a: np.ndarray, t: np.ndarray, activation: Activation) -> np.ndarray:
        """``d loss_k / d z`` for each sample ``k`` and output neuron, shape ``(n, m)``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"Loss({self.name!r})"


class MeanSquaredError(Loss):
    """``mean((a - t)**2)`` over samples and outputs, like ``torch.nn.MSELoss``."""

    name = "mse"

    def value(self, z: np.ndarray, a: np.ndarray, t: np.ndarray) -> float:
        error = a - t
        return float(np.vdot(error, error)) / error.size

    def values(self, z: np.ndarray, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        if type(self).value is not MeanSquaredError.value:  # a subclass with a value of its own
            return super().values(z, a, t)
        error = a - t
        # np.vdot of each batch, as value takes it (a vectorised sum of squares would round otherwise)
        return np.array([np.vdot(batch, batch) for batch in error]) / error[0].size

    def output_delta(self, z: np.ndarray, a: np.ndarray, t: np.ndarray, activation: Activation) -> np.ndarray:
        return activation.backward(z, a, 2.0 * (a - t) / a.shape[1])


class BinaryCrossEntropy(Loss):
    """Binary cross-entropy on a sigmoid output, computed from the logits."""

    name = "bce"
    classification = True
    required_activation = "sigmoid"
    alternative = "use 'cross_entropy' for a softmax output or 'mse' for any other"

    def targets(self, Y: object, n_samples: int, n_outputs: int) -> np.ndarray:
        t = super().targets(Y, n_samples, n_outputs)
        if ((t < 0) | (t > 1)).any():
            bad = tuple(int(i) for i in np.argwhere((t < 0) | (t > 1))[0])
            raise DataError(
                f"Y for loss 'bce' must lie in [0, 1]; got {t[bad]} at row {bad[0]}, column {bad[1]}"
            )
        return t

    def value(self, z: np.ndarray, a: np.ndarray, t: np.ndarray) -> float:
        # -[t log s(z) + (1-t) log(1-s(z))] = log(1 + e^z) - t z, and logaddexp(0, z)
        # computes log(1 + e^z) as max(z, 0) + log1p(e^-|z|), which never overflows
        per_output = np.logaddexp(0.0, z)
        per_output -= t * z
        return float(np.add.reduce(per_output, axis=None)) / per_output.size

    def values(self, z: np.ndarray, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        if type(self).value is not BinaryCrossEntropy.value:  # a subclass with a value of its own
            return super().values(z, a, t)
        per_output = np.logaddexp(0.0, z)
        t_z = np.multiply(t, z)
        per_output -= t_z
        # each batch summed along its contiguous row, as value sums the whole of one batch
        return np.add.reduce(per_output.reshape(z.shape[0], -1), axis=1) / per_output[0].size

    def output_delta(self, z: np.ndarray, a: np.ndarray, t: np.ndarray, activation: Activation) -> np.ndarray:
        return (a - t) / a.shape[1]


class CrossEntropy(Loss):
    """Softmax cross-entropy from the logits, like ``torch.nn.CrossEntropyLoss``."""

    name = "cross_entropy"
    classification = True
    required_activation = "softmax"
    alternative = "build the network with output_activation='softmax' (or use 'bce' for sigmoid outputs)"

    def targets(self, Y: object, n_samples: int, n_outputs: int) -> np.ndarray:
        labels = as_float_array(Y, "Y")
        if labels.ndim == 2:
            if labels.shape[1] == 1 and n_outputs > 1:
                raise ShapeError(
                    f"Y has shape {labels.shape}: for loss 'cross_entropy' give class labels as a "
                    f"1-D array of shape ({n_samples},) or one-hot rows of shape ({n_samples}, {n_outputs})"
                )
            t = as_target_batch(labels, n_samples, n_outputs)
            if (t < 0).any():
                raise DataError("Y for loss 'cross_entropy' must be non-negative (one-hot or probabilities)")
            return t
        if labels.ndim != 1:
            raise ShapeError(
                f"Y for loss 'cross_entropy' must be labels of shape ({n_samples},) or rows of shape "
                f"({n_samples}, {n_outputs}); got shape {labels.shape}"
            )
        check_sample_count(labels.shape[0], n_samples, "Y")
        check_finite(labels, "Y")
        bad = (labels != np.round(labels)) | (labels < 0) | (labels >= n_outputs)
        if bad.any():
            index = int(np.argmax(bad))
            raise DataError(
                f"class label {labels[index]:g} at index {index} of Y is out of range: the output "
                f"layer has {n_outputs} neurons, so labels must be integers 0..{n_outputs - 1}"
            )
        return np.eye(n_outputs)[labels.astype(int)]

    def value(self, z: np.ndarray, a: np.ndarray, t: np.ndarray) -> float:
        shift = _row_max(z)
        log_sum_exp = shift + np.log(_row_sum(np.exp(z - shift)))
        # per sample: sum_j t_j (log_sum_exp - z_j) = -sum_j t_j log softmax(z)_j
        return float(np.add.reduce(t * (log_sum_exp - z), axis=None)) / z.shape[0]

    def values(self, z: np.ndarray, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        if type(self).value is not CrossEntropy.value:  # a subclass with a value of its own
            return super().values(z, a, t)
        # value's operations, in place in one array the size of z
        shift = _row_max(z)
        work = np.subtract(z, shift)
        np.exp(work, out=work)
        log_sum_exp = _row_sum(work)
        np.log(log_sum_exp, out=log_sum_exp)
        log_sum_exp += shift
        np.subtract(log_sum_exp, z, out=work)
        work *= t
        return np.add.reduce(work.reshape(z.shape[0], -1), axis=1) / z.shape[1]

    def output_delta(self, z: np.ndarray, a: np.ndarray, t: np.ndarray, activation: Activation) -> np.ndarray:
        return a * np.sum(t, axis=1, keepdims=True) - t

    def for_targets(self, t: np.ndarray) -> Loss:
        """``ONE_HOT_CROSS_ENTROPY`` when every row of ``t`` is one-hot (its delta then needs no row sums)."""
        if (
            t.ndim == 2
            and bool(((t == 0) | (t == 1)).all())
            and bool((np.count_nonzero(t, axis=1) == 1).all())
        ):
            return ONE_HOT_CROSS_ENTROPY
        return self


#: up to this many outputs, ``_row_max`` and ``_row_sum`` go column by column
ROW_COLUMNS = 32


def _row_max(z: np.ndarray) -> np.ndarray:
    """The largest value of each row (the last axis) of ``z``, keeping that axis with length 1.

    For a few outputs it compares whole columns (``_by_columns``); the
    largest value is the same in any order.

    Examples
    --------
    >>> _row_max(np.array([[1.0, 5.0, 2.0], [-3.0, -4.0, np.nan]])).tolist()
    [[5.0], [nan]]
    """
    return _by_columns(np.maximum, z)


def _row_sum(values: np.ndarray) -> np.ndarray:
    """The sum of each row (the last axis) of ``values``, keeping that axis with length 1.

    For a few outputs it adds whole columns, first to last (``_by_columns``),
    so that each row is added in the same order however many rows (or
    stacked batches) there are.

    Examples
    --------
    >>> _row_sum(np.array([[1.0, 2.0, 3.0], [0.5, 0.25, 0.125]])).tolist()
    [[6.0], [0.875]]
    """
    return _by_columns(np.add, values)


def _by_columns(ufunc: np.ufunc, values: np.ndarray) -> np.ndarray:
    """``ufunc`` reduced over the last axis of ``values``, keeping it with length 1.

    Up to ``ROW_COLUMNS`` columns it combines whole columns, first to last,
    one array operation per column: several times faster than numpy's
    reduction over rows so short.
    """
    if values.shape[-1] > ROW_COLUMNS:
        return ufunc.reduce(values, axis=-1, keepdims=True)
    result = values[..., :1].copy()
    for column in range(1, values.shape[-1]):
        ufunc(result, values[..., column : column + 1], out=result)
    return result


class OneHotCrossEntropy(CrossEntropy):
    """Cross-entropy on one-hot targets: each row of ``t`` sums to exactly 1, so ``delta = a - t``.

    The same numbers as ``CrossEntropy`` (``a * 1.0 - t`` is ``a - t``), one
    array operation fewer per batch; ``CrossEntropy.for_targets`` gives it
    to training when the targets are one-hot.
    """

    def output_delta(self, z: np.ndarray, a: np.ndarray, t: np.ndarray, activation: Activation) -> np.ndarray:
        """``a - t``: the rows of ``t`` sum to 1."""
        return a - t


ONE_HOT_CROSS_ENTROPY = OneHotCrossEntropy()


LOSSES: dict[str, Loss] = {
    loss.name: loss for loss in (MeanSquaredError(), BinaryCrossEntropy(), CrossEntropy())
}


def get_loss(spec: str | Loss) -> Loss:
    """Return the loss named ``spec`` (or ``spec`` itself if it is a ``Loss``).

    Examples
    --------
    >>> get_loss("mse")
    Loss('mse')
    """
    if isinstance(spec, Loss):
        return spec
    if isinstance(spec, str) and spec in LOSSES:
        return LOSSES[spec]
    raise UnknownNameError(f"unknown loss {spec!r}; expected one of: {', '.join(LOSSES)}")
