"""Training: compared with a hand-written numpy MLP and with hand-computed updates."""

import io
import warnings

import numpy as np
import pytest

import neurosim as ns
from neurosim.training.progress import Progress


def weight_matrices(net: ns.Network) -> list[np.ndarray]:
    """Each layer pair's weights as a (targets, sources) matrix, read through the synapse objects."""
    matrices = []
    for source, target in zip(net.layers, net.layers[1:], strict=False):
        matrices.append(np.array([[net.synapse(s, t).weight for s in source] for t in target]))
    return matrices


def reference_sgd(weights, biases, X, Y, epochs, lr, batch_size, order_seed, momentum=0.0):
    """A plain numpy sigmoid MLP with mse, written independently of neurosim."""
    weights = [w.copy() for w in weights]
    biases = [b.copy() for b in biases]
    velocity = None
    rng = np.random.default_rng(order_seed)
    n = X.shape[0]
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            rows = order[start : start + batch_size]
            activations = [X[rows]]
            for w, b in zip(weights, biases, strict=True):
                activations.append(1 / (1 + np.exp(-(activations[-1] @ w.T + b))))
            out = activations[-1]
            delta = 2 * (out - Y[rows]) / out.shape[1] * out * (1 - out)
            grads = []
            for layer in range(len(weights) - 1, -1, -1):
                grads.append((delta.T @ activations[layer] / len(rows), delta.mean(axis=0)))
                a = activations[layer]
                delta = (delta @ weights[layer]) * a * (1 - a)
            grads.reverse()
            flat = [g for pair in grads for g in pair]
            if velocity is None:
                velocity = [g.copy() for g in flat] if momentum else None
            elif momentum:
                velocity = [momentum * v + g for v, g in zip(velocity, flat, strict=True)]
            steps = velocity if momentum else flat
            for i in range(len(weights)):
                weights[i] = weights[i] - lr * steps[2 * i]
                biases[i] = biases[i] - lr * steps[2 * i + 1]
    return weights, biases


@pytest.mark.parametrize(("batch_size", "momentum"), [(1, 0.0), (3, 0.0), (8, 0.0), (3, 0.9)])
def test_fit_matches_a_hand_written_numpy_mlp(batch_size, momentum):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3))
    Y = rng.uniform(size=(8, 2))
    net = ns.Network.from_shape([3, 4, 2], seed=5)
    weights = weight_matrices(net)
    biases = [np.array(layer.bias) for layer in net.layers[1:]]
    net.fit(X, Y, epochs=5, lr=0.3, batch_size=batch_size, momentum=momentum, seed=11, verbose=0)
    expected_w, expected_b = reference_sgd(weights, biases, X, Y, 5, 0.3, batch_size, 11, momentum)
    for got, want in zip(weight_matrices(net), expected_w, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    for layer, want in zip(net.layers[1:], expected_b, strict=True):
        np.testing.assert_allclose(layer.bias, want, rtol=1e-12, atol=1e-14)


def test_momentum_follows_the_torch_convention_by_hand():
    # One weight w and bias b, identity output, x = 1, t = 1: loss (w + b - 1)^2,
    # so both gradients are 2(w + b - 1); w = b = 0 at the start.
    net = ns.Network.from_shape([1, 1], activation="identity", init="zeros")
    optimizer = ns.SGD(net, lr=0.1, momentum=0.5)
    w = net.synapse("input[0]", "output[0]")
    net.backward([[1.0]], [[1.0]])  # grad = -2
    optimizer.step()  # v = -2, w = b = 0.2
    assert w.weight == pytest.approx(0.2)
    net.backward([[1.0]], [[1.0]])  # grad = 2(0.4 - 1) = -1.2
    optimizer.step()  # v = 0.5 * -2 - 1.2 = -2.2, w = 0.2 + 0.22 = 0.42
    assert w.weight == pytest.approx(0.42)
    assert net["output[0]"].bias == pytest.approx(0.42)


def test_history_records_the_mean_loss_before_each_update():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    Y = np.array([[0.0], [1.0], [1.0], [0.0]])
    net = ns.Network.from_shape([2, 3, 1], seed=0)
    twin = ns.Network.from_shape([2, 3, 1], seed=0)
    history = net.fit(X, Y, epochs=4, lr=0.5, verbose=0)
    expected = []
    for _ in range(4):
        expected.append(twin.backward(X, Y))
        twin.step(0.5)
    assert history.loss == pytest.approx(expected, rel=1e-13)
    assert history.epochs == 4
    assert len(history.accuracy) == 4  # 0/1 targets count as classification


def test_no_accuracy_for_regression_targets():
    X = np.linspace(0, 1, 6).reshape(-1, 1)
    history = ns.Network.from_shape([1, 2, 1], seed=0).fit(X, 0.3 * X, epochs=2, lr=0.1, verbose=0)
    assert history.accuracy == []


def test_validation_loss_is_the_loss_of_the_trained_network():
    rng = np.random.default_rng(2)
    X, Xv = rng.normal(size=(10, 2)), rng.normal(size=(5, 2))
    y, yv = (X[:, 0] > 0).astype(float), (Xv[:, 0] > 0).astype(float)
    net = ns.Network.from_shape([2, 3, 1], seed=0)
    history = net.fit(X, y, epochs=3, lr=0.5, loss="bce", validation_data=(Xv, yv), verbose=0)
    p = net.predict(Xv)[:, 0]
    expected_loss = -np.mean(yv * np.log(p) + (1 - yv) * np.log(1 - p))
    assert history.val_loss[-1] == pytest.approx(expected_loss, rel=1e-12)
    assert history.val_accuracy[-1] == np.mean((p >= 0.5) == (yv == 1))
    assert len(history.val_loss) == 3


def test_same_seed_same_training_and_different_seed_differs():
    X = np.random.default_rng(0).normal(size=(12, 2))
    Y = (X.sum(axis=1) > 0).astype(float)

    def trained(seed, shuffle_seed):
        net = ns.Network.from_shape([2, 3, 1], seed=seed)
        net.fit(X, Y, epochs=3, lr=0.5, batch_size=4, seed=shuffle_seed, verbose=0)
        return [s.weight for s in net.synapses]

    assert trained(1, 2) == trained(1, 2)
    assert trained(1, 2) != trained(1, 3)
    assert trained(1, 2) != trained(4, 2)


def test_full_batch_is_the_default():
    X = np.random.default_rng(0).normal(size=(6, 2))
    Y = np.ones(6) * 0.5
    a, b = ns.Network.from_shape([2, 1], seed=0), ns.Network.from_shape([2, 1], seed=0)
    a.fit(X, Y, epochs=2, lr=0.1, verbose=0)
    b.fit(X, Y, epochs=2, lr=0.1, batch_size=6, shuffle=False, verbose=0)
    assert [s.weight for s in a.synapses] == pytest.approx([s.weight for s in b.synapses], rel=1e-15)


def test_divergence_stops_training_with_a_warning_and_no_numpy_warning():
    X = np.array([[1e3, -1e3], [2e3, 5e2]])
    Y = np.array([[1.0], [-1.0]])
    net = ns.Network.from_shape([2, 4, 1], activation="identity", seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = net.fit(X, Y, epochs=50, lr=10.0, verbose=0)
    kinds = {type(w.message) for w in caught}
    assert kinds == {ns.DivergenceWarning, ns.DiagnosisWarning}  # the doctor: inputs in the thousands
    (divergence,) = [w.message for w in caught if isinstance(w.message, ns.DivergenceWarning)]
    assert "lr=10" in str(divergence)
    assert history.diverged_at is not None
    assert history.epochs == history.diverged_at - 1
    assert all(np.isfinite(history.loss))


def test_xor_learns_with_the_object_engine():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    Y = np.array([0.0, 1.0, 1.0, 0.0])
    net = ns.Network.from_shape([2, 3, 1], seed=0)
    net.fit(X, Y, epochs=2000, lr=2.0, batch_size=4, seed=0, verbose=0)
    assert ((net.predict(X)[:, 0] > 0.5) == (Y > 0.5)).all()


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_quiet_off_a_terminal_and_at_verbose_0():
    for stream, verbose in ((io.StringIO(), 1), (FakeTerminal(), 0)):
        progress = Progress(10, verbose, stream=stream, delay=0.0)
        for epoch in range(1, 11):
            progress.update(epoch, 0.5)
        progress.close()
        assert stream.getvalue() == ""


def test_progress_draws_a_bar_on_a_terminal():
    stream = FakeTerminal()
    progress = Progress(10, 1, stream=stream, delay=0.0)
    for epoch in range(1, 11):
        progress.update(epoch, 0.25)
    progress.close()
    assert "epoch 10/10" in stream.getvalue()
    assert stream.getvalue().endswith("\n")


def test_progress_redraw_covers_the_longer_line_before_it():
    stream = FakeTerminal()
    progress = Progress(10, 1, stream=stream, delay=0.0, min_interval=0.0)  # every update draws
    progress.update(1, 0.123456789)
    progress.update(2, 0.5)
    first, second = stream.getvalue().split("\r")[1:]
    assert len(second) >= len(first)


def test_verbose_2_prints_about_ten_lines():
    stream = io.StringIO()
    progress = Progress(100, 2, stream=stream)
    for epoch in range(1, 101):
        progress.update(epoch, 1.0 / epoch)
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("epoch 1/100") and lines[-1].startswith("epoch 100/100")
    assert 10 <= len(lines) <= 12
