"""The benchmark's independent reference, ``TightMLP``: neurosim's weights, and fit's loss and accuracy."""

import numpy as np
import pytest

import neurosim as ns
from neurosim.benchmarks.engines.tight_reference import TightMLP

SEED = 3


def network_and_data(sizes, activation, output_activation, n, *, seed=0):
    net = ns.Network.from_shape(sizes, activation=activation, output_activation=output_activation, seed=seed)
    rng = np.random.default_rng(seed + 100)
    X = rng.normal(size=(n, sizes[0]))
    y = rng.integers(0, max(2, sizes[-1]), n)
    params = ([block.weight.copy() for block in net.blocks], [layer.bias.copy() for layer in net.layers[1:]])
    return net, params, X, y


def fitted_parameters(net, X, y, *, epochs, lr, batch_size, loss):
    history = net.fit(
        X,
        y,
        epochs=epochs,
        lr=lr,
        batch_size=batch_size,
        loss=loss,
        engine="compiled",
        seed=SEED,
        verbose=0,
        diagnose=False,
    )
    weights = [block.weight.copy() for block in net.blocks]
    return weights + [layer.bias.copy() for layer in net.layers[1:]], history


CASES = [
    # sizes, hidden activation, output activation, loss, samples, batch size
    pytest.param((2, 5, 1), "sigmoid", "sigmoid", "bce", 10, 4, id="bce-sigmoid-short-last-batch"),
    pytest.param((3, 6, 4, 1), "tanh", "sigmoid", "bce", 12, None, id="bce-tanh-full-batch"),
    pytest.param((4, 7, 3), "relu", "softmax", "cross_entropy", 11, 3, id="softmax-relu-short-last-batch"),
    pytest.param((3, 5, 5, 4), "tanh", "softmax", "cross_entropy", 9, None, id="softmax-tanh-full-batch"),
    pytest.param(
        (2, 4, 2), "sigmoid", "softmax", "cross_entropy", 8, 8, id="softmax-one-batch-of-every-sample"
    ),
]


@pytest.mark.parametrize(("sizes", "activation", "output", "loss", "n", "batch"), CASES)
@pytest.mark.parametrize("bookkeeping", [False, True])
def test_the_reference_reaches_the_compiled_engines_weights(
    sizes, activation, output, loss, n, batch, bookkeeping
):
    net, params, X, y = network_and_data(list(sizes), activation, output, n)
    reference = TightMLP(params, activation, loss, 0.5, X, y, batch, bookkeeping=bookkeeping)
    reference.train(7, seed=SEED)
    expected, _ = fitted_parameters(net, X, y, epochs=7, lr=0.5, batch_size=batch, loss=loss)
    got = reference.parameters()
    assert [g.shape for g in got] == [e.shape for e in expected]
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g, e, rtol=0, atol=1e-12)
    # and the weights moved: the comparison is not between two untouched starts
    assert max(np.abs(g - p).max() for g, p in zip(got, params[0] + params[1], strict=True)) > 1e-3


def test_reset_restores_the_initial_weights_and_training_again_repeats_the_run():
    _, params, X, y = network_and_data([3, 4, 2], "tanh", "softmax", 10)
    reference = TightMLP(params, "tanh", "cross_entropy", 0.3, X, y, 4)
    reference.train(3)
    first = reference.parameters()
    reference.reset()
    for got, start in zip(reference.parameters(), params[0] + params[1], strict=True):
        np.testing.assert_array_equal(got, start)
    reference.train(3)
    for again, once in zip(reference.parameters(), first, strict=True):
        np.testing.assert_array_equal(again, once)


def naive_training(params, activation, loss, lr, X, y, batch, epochs, seed):
    """Mini-batch SGD written plainly (no folding, no buffers): each epoch's mean loss and accuracy."""
    weights = [w.copy() for w in params[0]]
    biases = [b.copy() for b in params[1]]
    hidden = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0)}
    slope = {
        "sigmoid": lambda z, a: a * (1 - a),
        "tanh": lambda z, a: 1 - a**2,
        "relu": lambda z, a: (z > 0).astype(float),
    }
    n = X.shape[0]
    batch = batch or n
    rng = np.random.default_rng(seed)
    records = []
    for _ in range(epochs):
        order = rng.permutation(n) if batch < n else np.arange(n)
        total_loss, correct = 0.0, 0
        for start in range(0, n, batch):
            rows = order[start : start + batch]
            x, labels = X[rows], y[rows]
            zs, acts = [], [x]
            for layer, (w, b) in enumerate(zip(weights, biases, strict=True)):
                z = acts[-1] @ w.T + b
                zs.append(z)
                if layer < len(weights) - 1:
                    acts.append(hidden[activation](z))
            z = zs[-1]
            if loss == "bce":
                p = 1 / (1 + np.exp(-z[:, 0]))
                total_loss += -np.sum(labels * np.log(p) + (1 - labels) * np.log(1 - p))
                correct += np.sum((p >= 0.5) == labels)
                delta = (p - labels)[:, None] / len(rows)
            else:
                e = np.exp(z - z.max(axis=1, keepdims=True))
                p = e / e.sum(axis=1, keepdims=True)
                onehot = np.eye(z.shape[1])[labels]
                total_loss += -np.sum(onehot * np.log(p))
                correct += np.sum(p.argmax(axis=1) == labels)
                delta = (p - onehot) / len(rows)
            for layer in range(len(weights) - 1, -1, -1):
                grad_w, grad_b = delta.T @ acts[layer], delta.sum(axis=0)
                if layer:
                    delta = (delta @ weights[layer]) * slope[activation](zs[layer - 1], acts[layer])
                weights[layer] -= lr * grad_w
                biases[layer] -= lr * grad_b
        records.append((total_loss / n, correct / n))
    return records


@pytest.mark.parametrize(
    ("sizes", "activation", "output", "loss", "batch"),
    [
        ((2, 6, 1), "tanh", "sigmoid", "bce", 5),
        ((2, 6, 1), "relu", "sigmoid", "bce", None),
        ((3, 5, 4), "sigmoid", "softmax", "cross_entropy", 4),
        ((3, 5, 5, 4), "relu", "softmax", "cross_entropy", None),
    ],
)
def test_bookkeeping_records_each_epochs_loss_and_accuracy_as_a_plain_loop_computes_them(
    sizes, activation, output, loss, batch
):
    net, params, X, y = network_and_data(list(sizes), activation, output, 13, seed=1)
    reference = TightMLP(params, activation, loss, 0.4, X, y, batch, bookkeeping=True)
    records = reference.train(6, seed=SEED)
    expected = naive_training(params, activation, loss, 0.4, X, y, batch, 6, SEED)
    assert len(records) == 6
    for (got_loss, got_accuracy), (want_loss, want_accuracy) in zip(records, expected, strict=True):
        assert got_loss == pytest.approx(want_loss, rel=1e-12, abs=1e-14)
        assert got_accuracy == want_accuracy
    # the losses differ from epoch to epoch: the records are the epochs', not one value repeated
    assert len({round(loss, 12) for loss, _ in records}) == 6
    # fit records the same
    _, history = fitted_parameters(net, X, y, epochs=6, lr=0.4, batch_size=batch, loss=loss)
    np.testing.assert_allclose([loss for loss, _ in records], history.loss, rtol=1e-12)
    assert [accuracy for _, accuracy in records] == list(history.accuracy)


def test_without_bookkeeping_nothing_is_recorded():
    _, params, X, y = network_and_data([2, 3, 1], "tanh", "sigmoid", 6)
    reference = TightMLP(params, "tanh", "bce", 0.1, X, y, 4)
    assert reference.train(2) is None
    assert reference.train_epoch(np.arange(6)) is None
