"""The doctor's checks on the course of training.

The codes: learning-rate-too-large, learning-rate-too-small and overfitting.

Each is trained into a network through ``fit`` with the doctor, and the
finding's numbers are compared with the history's losses and with
gradients computed here by a numpy backward pass (``reference_mlp``); each
has a healthy run that must not raise it.
"""

from __future__ import annotations

import numpy as np
import pytest
from reference_mlp import reference_pass

import neurosim as ns
from neurosim.diagnostics import Settings

DEFAULTS = Settings()
LEARNING_RATE_CODES = ("learning-rate-too-large", "learning-rate-too-small")


def fit_with_doctor(net: ns.Network, X: object, y: object, **options: object) -> tuple[ns.History, list[str]]:
    """``net.fit`` with the doctor; the history and the DiagnosisWarnings' messages."""
    with pytest.warns(ns.DiagnosisWarning) as record:
        history = net.fit(X, y, verbose=0, seed=0, **options)
    return history, [str(w.message) for w in record]


def tanh_net(sizes: list[int]) -> ns.Network:
    return ns.Network.from_shape(sizes, activation="tanh", output_activation="sigmoid", seed=0)


def moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    return ns.datasets.moons(n, noise=noise, seed=seed)


# ------------------------------------------------------------------ learning-rate-too-large


def largest_rise(losses: list[float]) -> tuple[int, int, float]:
    """The epoch whose loss stands highest above the lowest before it (by at least half the first
    epoch's loss), that lowest epoch, and the ratio: the rule of ``Settings.rising_loss``."""
    best = (0, 0, 0.0)
    for epoch in range(2, len(losses) + 1):
        low_epoch = int(np.argmin(losses[: epoch - 1])) + 1
        lowest, now = losses[low_epoch - 1], losses[epoch - 1]
        if now - lowest >= DEFAULTS.rise_of_first * losses[0] and now / lowest > best[2]:
            best = (epoch, low_epoch, now / lowest)
    return best


def test_a_learning_rate_too_large_makes_the_loss_rise():
    X, y = moons()
    net = tanh_net([2, 8, 1])
    history, messages = fit_with_doctor(net, X, y, epochs=40, lr=5.0, loss="bce")
    finding = history.diagnosis["learning-rate-too-large"]

    losses = history.loss
    epoch, low_epoch, ratio = largest_rise(losses)
    assert ratio >= DEFAULTS.rising_loss
    assert finding.severity == "warning" and finding.where == ()
    assert finding.evidence == {
        "lr": 5.0,
        "lowest_loss": losses[low_epoch - 1],
        "at_epoch": low_epoch,
        "risen_loss": losses[epoch - 1],
        "risen_at_epoch": epoch,
        "final_loss": losses[-1],
    }
    text = (
        f"the loss rose from {losses[low_epoch - 1]:.4g} at epoch {low_epoch} to {losses[epoch - 1]:.4g} at "
        f"epoch {epoch} ({ratio:.3g} times as large): updates with lr=5 overshoot"
    )
    assert finding.message.startswith(text)
    assert "lr=1.67 or less" in finding.advice
    assert messages == [f"learning-rate-too-large: {finding.message}"]

    # ns.diagnose reads the same from the history, without knowing the learning rate
    again = ns.diagnose(net, X, y, loss="bce", history=history)
    assert again["learning-rate-too-large"].evidence["risen_at_epoch"] == epoch


@pytest.mark.parametrize(
    ("case", "activation", "options"),
    [
        ("tanh, full batch", "tanh", {"lr": 0.5}),
        ("relu, mini-batches", "relu", {"lr": 0.1, "batch_size": 8}),
        ("tanh, online", "tanh", {"lr": 0.05, "batch_size": 1}),
    ],
)
def test_a_sensible_learning_rate_raises_no_learning_rate_finding(case, activation, options):
    X, y = moons(200, noise=0.15)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    net = ns.Network.from_shape([2, 16, 1], activation=activation, output_activation="sigmoid", seed=0)
    history = net.fit(X, y, epochs=60, loss="bce", verbose=0, seed=0, engine="compiled", **options)
    assert history.loss[-1] < 0.6 * history.loss[0], case  # it learned
    assert not set(LEARNING_RATE_CODES) & set(history.diagnosis.codes), case
    assert history.diagnosis.ok, history.diagnosis


# ------------------------------------------------------------------ learning-rate-too-small


def update_ratios(net: ns.Network, X: np.ndarray, y: np.ndarray, lr: float) -> dict[str, dict[str, float]]:
    """Per layer, |grad| / |w| over the weights into it (root sums of squares), and lr times it."""
    _, X, T = net.prepare_batch(X, y, "bce")
    grads = reference_pass(net, X, T, "bce").grads
    ratios = {}
    for block in net.blocks:
        relative = np.sqrt(np.sum(grads[f"{block.name}.weight"] ** 2) / np.sum(block.weight**2))
        ratios[block.target.name] = {"grad_to_weight": relative, "update_to_weight": lr * relative}
    return ratios


def test_a_learning_rate_too_small_leaves_the_loss_flat():
    X, y = moons(200)
    net = tanh_net([2, 8, 1])
    history, messages = fit_with_doctor(net, X, y, epochs=30, lr=1e-9, loss="bce")
    finding = history.diagnosis["learning-rate-too-small"]

    ratios = update_ratios(net, X, y, 1e-9)  # the last look: the final weights, all 200 samples
    first, last = history.loss[0], history.loss[-1]
    assert abs(first - last) < DEFAULTS.flat_loss * first
    assert finding.severity == "warning"
    assert finding.where == ("hidden1", "output")
    assert finding.evidence == {
        **{name: pytest.approx(numbers, rel=1e-9) for name, numbers in ratios.items()},
        "lr": 1e-9,
        "first_loss": first,
        "last_loss": last,
        "epochs": 30,
    }
    largest = max(numbers["update_to_weight"] for numbers in ratios.values())
    assert f"over 30 epochs the loss went from {first:.4g} to {last:.4g}" in finding.message
    assert f"by at most {largest:.2g} of their size" in finding.message
    assert "lr=1e-07" in finding.advice
    assert len([m for m in messages if m.startswith("learning-rate-too-small: ")]) == 1


def test_a_flat_loss_with_tiny_gradients_is_not_blamed_on_the_learning_rate():
    # a network at a minimum: the loss is flat because there is nothing left to learn
    x = np.linspace(-1.0, 1.0, 40)[:, None]
    net = ns.Network.from_shape([1, 1], activation="identity", seed=0)
    net.blocks[0].weight[:] = 2.0
    net["output"].bias[:] = 1.0
    history = net.fit(x, 2.0 * x + 1.0, epochs=30, lr=1e-9, verbose=0)
    assert history.diagnosis.findings == []


# ------------------------------------------------------------------ overfitting


def overfit() -> tuple[ns.Network, ns.History, list[str]]:
    """Twenty noisy training samples, a large network, long training, and validation data."""
    X, y = moons(20, noise=0.35, seed=1)
    validation = moons(200, noise=0.35, seed=2)
    net = ns.Network.from_shape([2, 16, 16, 1], activation="tanh", output_activation="sigmoid", seed=0)
    history, messages = fit_with_doctor(
        net, X, y, epochs=600, lr=1.0, loss="bce", validation_data=validation, engine="compiled"
    )
    return net, history, messages


def test_a_validation_loss_that_rises_while_the_training_loss_falls_is_overfitting():
    _, history, messages = overfit()
    finding = history.diagnosis["overfitting"]

    val, loss = history.val_loss, history.loss
    best = int(np.argmin(val))
    assert min(val[-DEFAULTS.patience :]) > (1 + DEFAULTS.overfit_rise) * val[best]  # risen, and stayed
    assert loss[-1] < loss[best]
    assert finding.severity == "warning" and finding.where == ()
    assert finding.evidence == {
        "val_loss_lowest": val[best],
        "at_epoch": best + 1,
        "val_loss_final": val[-1],
        "loss_at_lowest": loss[best],
        "loss_final": loss[-1],
    }
    assert finding.message == (
        f"the validation loss was lowest at epoch {best + 1} ({val[best]:.4g}) and rose to {val[-1]:.4g} "
        f"by epoch 600, while the training loss fell from {loss[best]:.4g} to {loss[-1]:.4g}: the network "
        "learns the training samples rather than the pattern."
    )
    assert f"stop at about epoch {best + 1}" in finding.advice
    assert len([m for m in messages if m.startswith("overfitting: ")]) == 1


def test_diagnose_finds_overfitting_in_a_history():
    net, history, _ = overfit()
    X, y = moons(20, noise=0.35, seed=1)
    report = ns.diagnose(net, X, y, loss="bce", history=history)
    assert report["overfitting"].evidence == history.diagnosis["overfitting"].evidence
    assert "overfitting" not in ns.diagnose(net, X, y, loss="bce")  # without the history, no course to judge


def test_stopping_before_the_validation_loss_rises_is_not_overfitting():
    X, y = moons(20, noise=0.35, seed=1)
    validation = moons(200, noise=0.35, seed=2)
    net = ns.Network.from_shape([2, 16, 16, 1], activation="tanh", output_activation="sigmoid", seed=0)
    history = net.fit(X, y, epochs=40, lr=1.0, loss="bce", validation_data=validation, verbose=0, seed=0)
    assert history.val_loss[-1] < history.val_loss[0]
    assert "overfitting" not in history.diagnosis


def test_enough_data_does_not_overfit():
    X, y = moons(400, noise=0.2, seed=1)
    validation = moons(200, noise=0.2, seed=2)
    net = ns.Network.from_shape([2, 8, 1], activation="tanh", output_activation="sigmoid", seed=0)
    history = net.fit(
        X, y, epochs=300, lr=0.5, loss="bce", validation_data=validation, verbose=0, engine="compiled"
    )
    assert "overfitting" not in history.diagnosis
    assert history.diagnosis.ok, history.diagnosis
