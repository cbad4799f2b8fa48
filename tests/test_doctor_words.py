"""What the doctor says follows what it found: its advice, its severities, and the numbers it can trust."""

import warnings

import numpy as np
import pytest

import neurosim as ns
from neurosim.diagnostics.history_checks import rising_loss
from neurosim.diagnostics.settings import Settings


def quietly_fit(net, X, y, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ns.DiagnosisWarning)
        warnings.simplefilter("ignore", ns.DivergenceWarning)
        return net.fit(X, y, verbose=0, seed=0, **options)


def moons(n=200):
    return ns.datasets.moons(n, noise=0.1, seed=0)


def test_zero_gradients_from_dead_relus_advise_reviving_them_not_a_new_initialisation():
    X, y = moons()
    net = ns.Network.from_shape([2, 8, 1], activation="relu", output_activation="sigmoid", seed=0)
    net["hidden1"].bias = np.full(8, -100.0)  # every relu below 0 on every sample
    finding = ns.diagnose(net, X, y, loss="bce")["zero-gradients"]
    assert "revive the dead relus" in finding.advice and "initialise" not in finding.advice


def test_zero_gradients_from_weights_of_0_advise_a_random_initialisation():
    X, y = moons()
    net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", init="zeros")
    finding = ns.diagnose(net, X, y, loss="bce")["zero-gradients"]
    assert "initialise the weights randomly" in finding.advice and "revive" not in finding.advice


def test_gradients_too_small_to_square_are_not_called_0_and_tiny_inputs_are_unscaled():
    X, y = moons()
    net = ns.Network.from_shape([2, 4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    report = ns.diagnose(net, X * 1e-170, y, loss="bce")
    assert np.abs(net.blocks[0].grad).max() > 0  # the backward pass's own gradients: not 0
    assert "zero-gradients" not in report
    assert report["unscaled-inputs"].where == ("input[0]", "input[1]")
    assert "weights must grow huge" in report["unscaled-inputs"].message


def test_a_dead_layer_with_a_skip_connection_past_it_does_not_cut_the_output_off():
    X, y = moons()
    for skip in (False, True):
        net = ns.Network.from_shape([2, 6, 1], activation="relu", output_activation="sigmoid", seed=0)
        if skip:
            net.connect("input", "output")
        net["hidden1"].bias = np.full(6, -100.0)
        finding = ns.diagnose(net, X, y, loss="bce")["dead-neurons"]
        assert finding.severity == "error"
        assert ("cannot depend on the input" in finding.message) is not skip


def test_a_relu_below_0_on_the_only_sample_is_only_information():
    net = ns.Network.from_shape([2, 5, 1], activation="relu", output_activation="sigmoid", init="he", seed=0)
    net["hidden1"].bias = np.full(5, -10.0)
    finding = ns.diagnose(net, [[0.3, -0.2]], [1], loss="bce")["dead-neurons"]
    assert finding.severity == "info"
    assert "z <= 0 on the only sample" in finding.message


def test_one_hidden_layer_is_not_judged_for_vanishing_gradients():
    X, y = moons()
    net = ns.Network.from_shape([2, 8, 1], activation="sigmoid", seed=0)
    net.blocks[1].weight = net.blocks[1].weight * 1e-8  # almost no error reaches hidden1
    report = ns.diagnose(net, X, y, loss="bce")
    assert "vanishing-gradients" not in report


@pytest.mark.parametrize(
    ("losses", "factor", "suggested"),
    [([0.7, 0.4, 1.6], "3 to 10", "lr=0.1 or less"), ([0.7, 0.4, 600.0], "10 to 100", "lr=0.03 or less")],
)
def test_a_rising_loss_always_names_a_smaller_learning_rate(losses, factor, suggested):
    # the loss rose 4 times above its lowest (0.4 -> 1.6), or 1500 times (0.4 -> 600), with lr=0.3
    finding = rising_loss(losses, 0.3, Settings())
    assert finding.evidence["lowest_loss"] == 0.4 and finding.evidence["risen_at_epoch"] == 3
    assert finding.advice.startswith(f"a learning rate {factor} times smaller ({suggested})")


def test_a_diverged_run_still_reports_the_loss_that_rose_before():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 100, size=(200, 3))
    Y = X @ np.array([0.5, -0.2, 0.1]) + 3.0
    net = ns.Network.from_shape([3, 1], activation="identity", seed=0)
    history = quietly_fit(net, X, Y, epochs=100, lr=0.01, batch_size=20, loss="mse")
    assert history.diverged_at is not None and len(history.loss) >= 2
    codes = history.diagnosis.codes
    assert "non-finite" in codes and "learning-rate-too-large" in codes
    finding = history.diagnosis["learning-rate-too-large"]
    assert finding.evidence["risen_loss"] == max(history.loss)


def one_class_softmax():
    """A softmax layer whose biases outweigh everything: class 0 wins on every input, by a varying margin."""
    X, y = ns.datasets.spiral(150, classes=3, seed=0)
    net = ns.Network.from_shape([2, 5, 3], activation="tanh", output_activation="softmax", seed=0)
    net["output"].bias = [8.0, 0.0, 0.0]
    return net, X, y


def test_a_classifier_that_picks_one_class_for_every_input_is_named_with_the_class_shares():
    net, X, y = one_class_softmax()
    outputs = net.predict(X)
    assert np.all(outputs.argmax(axis=1) == 0) and np.ptp(outputs[:, 0]) > 1e-3  # varies, yet one class
    finding = ns.diagnose(net, X, y, loss="cross_entropy")["constant-output"]
    shares = np.bincount(y, minlength=3) / len(y)
    assert finding.severity == "info"  # no training history: before training this is common
    assert finding.where == ("output[0]", "output[1]", "output[2]")
    assert finding.evidence["predicted_class"] == 0
    assert finding.evidence["target_shares"] == {c: pytest.approx(shares[c]) for c in range(3)}
    assert f"predicts class 0 for all {len(y)} inputs" in finding.message
    assert finding.evidence["output[0]"]["min"] == pytest.approx(outputs[:, 0].min())


def test_after_training_has_stalled_one_class_is_a_warning():
    net, X, y = one_class_softmax()
    history = quietly_fit(net, X, y, epochs=12, lr=1e-9, loss="cross_entropy")  # nothing moves
    finding = history.diagnosis["constant-output"]
    assert finding.severity == "warning" and finding.evidence["predicted_class"] == 0


def test_a_0_1_classifier_trained_with_mse_that_says_0_everywhere_is_seen():
    X, _ = ns.datasets.xor()
    net = ns.Network.from_shape([2, 3, 1], activation="tanh", output_activation="sigmoid", seed=0)
    net["output"].bias = [-3.0]
    outputs = net.predict(X)[:, 0]
    assert np.all(outputs < 0.5) and np.ptp(outputs) > 1e-3  # class 0 everywhere, by varying margins
    finding = ns.diagnose(net, X, [0, 1, 1, 0], loss="mse")["constant-output"]
    assert finding.evidence["predicted_class"] == 0 and finding.evidence["target_shares"] == {0: 0.5, 1: 0.5}


def test_a_classifier_that_tells_classes_apart_is_not_called_one_class():
    X, y = ns.datasets.spiral(150, classes=3, seed=0)
    net = ns.Network.from_shape([2, 32, 3], activation="tanh", output_activation="softmax", seed=0)
    history = quietly_fit(net, X, y, epochs=300, lr=0.5, batch_size=16, loss="cross_entropy")
    assert history.accuracy[-1] > 0.8
    assert "constant-output" not in history.diagnosis
    assert "constant-output" not in ns.diagnose(net, X, y, loss="cross_entropy", history=history)
