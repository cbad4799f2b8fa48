"""The xor demo: its survey, its stuck run and its one-sample step, checked against numpy written here."""

import contextlib
import io
import os
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from pictures import assert_real_picture

import neurosim as ns
from neurosim.cli import main
from neurosim.demos import xor

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
T = np.array([0.0, 1.0, 1.0, 0.0])
EPOCHS, LR, FAST_SEEDS = 2000, 2.0, range(5)
PICTURES = [
    "network.png",
    "decision_boundary.png",
    "neuron_maps.png",
    "loss.png",
    "survey.png",
    "stuck_decision_boundary.png",
    "stuck_neuron_maps.png",
]


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory):
    """``neurosim demo xor --fast`` run once from an empty folder: (exit status, stdout, that folder)."""
    folder = tmp_path_factory.mktemp("xor")
    out, here = io.StringIO(), os.getcwd()
    os.chdir(folder)  # the default output folder is relative to where the demo runs
    try:
        with contextlib.redirect_stdout(out):
            status = main(["demo", "xor", "--fast"])
    finally:
        os.chdir(here)
    assert plt.get_fignums() == [], "the demo left figures open"
    return status, out.getvalue(), folder


# ------------------------------------------------------------------ numpy, written independently


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def weights_of(net):
    """A 2-h-1 network's weights and biases, read synapse by synapse: W1 (h x 2), b1, w2, b2."""
    hidden = range(net["hidden1"].size)
    W1 = np.array([[net.synapse(f"input[{j}]", f"hidden1[{i}]").weight for j in range(2)] for i in hidden])
    b1 = np.array([net[f"hidden1[{i}]"].bias for i in hidden])
    w2 = np.array([net.synapse(f"hidden1[{i}]", "output[0]").weight for i in hidden])
    return W1, b1, w2, net["output[0]"].bias


def initial_weights(hidden, seed):
    """The starting weights of the demo's 2-hidden-1 network."""
    return weights_of(ns.Network.from_shape([2, hidden, 1], activation="sigmoid", seed=seed))


def forward(params, inputs):
    W1, b1, w2, b2 = params
    H = sigmoid(inputs @ W1.T + b1)
    return H, sigmoid(H @ w2 + b2)


def gradients(params, inputs, targets):
    """Hand backprop of mean((output - target)^2) over the samples."""
    w2 = params[2]
    H, out = forward(params, inputs)
    d_out = 2.0 * (out - targets) / len(targets) * out * (1.0 - out)
    d_hidden = np.outer(d_out, w2) * H * (1.0 - H)
    return d_hidden.T @ inputs, d_hidden.sum(axis=0), H.T @ d_out, d_out.sum()


def numpy_train(hidden, seed, epochs=EPOCHS, lr=LR):
    params = initial_weights(hidden, seed)
    for _ in range(epochs):
        params = tuple(p - lr * g for p, g in zip(params, gradients(params, X, T), strict=True))
    return params


def converged(params):
    _, out = forward(params, X)
    return bool(np.all((out > 0.5) == (T > 0.5)) and np.mean((out - T) ** 2) < 0.01)


# ------------------------------------------------------------------------------------- the tests


def test_fast_run_succeeds_and_says_what_it_teaches(fast_run):
    status, out, _ = fast_run
    assert status == 0
    assert xor.__doc__.split("\n\n")[1].startswith("What it teaches:")
    for chapter in (
        "One training step",
        "Training a 2-3-1 network",
        "2-2-1 against 2-3-1",
        "A stuck run up close: 2-2-1",
    ):
        assert f"== {chapter}" in out
    assert "did not learn XOR" not in out


def test_survey_counts_the_runs_numpy_sees_converge(fast_run):
    out = fast_run[1]
    for hidden in (2, 3):
        row = re.search(rf"^  2-{hidden}-1 +(\d+) of (\d+) +(.*)$", out, re.MULTILINE)
        runs = {seed: numpy_train(hidden, seed) for seed in FAST_SEEDS}
        stuck = [seed for seed, params in runs.items() if not converged(params)]
        assert int(row[2]) == len(FAST_SEEDS)
        assert int(row[1]) == len(FAST_SEEDS) - len(stuck)
        printed = re.findall(r"(\d+) \((\d\.\d+)\)", row[3])
        assert [int(seed) for seed, _ in printed] == stuck
        for seed, loss in printed:
            _, output = forward(runs[int(seed)], X)
            assert float(loss) == pytest.approx(np.mean((output - T) ** 2), abs=5e-4)


def test_stuck_run_prints_the_values_of_a_numpy_forward_pass(fast_run):
    out = fast_run[1]
    seed = int(re.search(r"== A stuck run up close: 2-2-1, seed (\d+)", out)[1])
    stuck_row = re.search(r"^  2-2-1 +\d+ of \d+ +(.*)$", out, re.MULTILINE)[1]
    assert seed in [int(shown) for shown in re.findall(r"(\d+) \(", stuck_row)]  # one the survey found stuck
    H, output = forward(numpy_train(2, seed), X)
    assert not converged(numpy_train(2, seed))
    rows = re.findall(r"^  \((\d), (\d)\) +(\d) +([\d.]+) +([\d.]+) +([\d.]+)$", out, re.MULTILINE)
    assert len(rows) == 4
    for k, row in enumerate(rows):
        assert [int(v) for v in row[:3]] == [*X[k], T[k]]
        np.testing.assert_allclose([float(v) for v in row[3:]], [*H[k], output[k]], atol=6e-5)

    pair = re.search(r"Samples \((\d), (\d)\) and \((\d), (\d)\) want different outputs", out)
    i, j = int(pair[1]) * 2 + int(pair[2]), int(pair[3]) * 2 + int(pair[4])
    opposite = [(a, b) for a in range(4) for b in range(a + 1, 4) if T[a] != T[b]]
    gaps = {(a, b): np.max(np.abs(H[a] - H[b])) for a, b in opposite}
    assert (i, j) == min(gaps, key=gaps.get)
    gap = float(re.search(r"differ by at most ([\d.]+)", out)[1])
    assert gap == pytest.approx(gaps[i, j], abs=6e-5)
    assert abs(output[i] - 0.5) < 0.01 and abs(output[j] - 0.5) < 0.01  # the 0.125 plateau
    loss = np.mean((output - T) ** 2)
    assert abs(loss - 0.125) < 0.01
    said = re.search(r"the loss is \(0\.5\^2 \+ 0\.5\^2\) / 4 = 0\.125; here it is (\d\.\d+)", out)
    assert float(said[1]) == pytest.approx(loss, abs=6e-5)
    assert "The run sits on a plateau" in out


def test_one_sample_step_moves_every_weight_by_minus_lr_times_the_numpy_gradient(capsys):
    net = xor.new_network(3, seed=0)
    params = initial_weights(3, seed=0)
    grads = gradients(params, X[1:2], T[1:2])
    expected = [p - LR * g for p, g in zip(params, grads, strict=True)]

    before, grad, after = xor.step_one_sample(net, lr=LR)

    for got, want in zip(weights_of(net), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-14)
    assert before == params[0][0, 1] and grad == pytest.approx(grads[0][0, 1], abs=1e-15)
    assert after == pytest.approx(before - LR * grads[0][0, 1], abs=1e-15)
    assert all(synapse.grad == 0.0 for synapse in net.synapses)  # zero_grad ran

    out = capsys.readouterr().out
    H, _ = forward(params, X[1:2])
    for i in range(3):
        printed = re.search(rf"hidden1\[{i}\] +z = +(-?[\d.]+) +a = sigmoid\(z\) = ([\d.]+)", out)
        assert float(printed[2]) == pytest.approx(H[0, i], abs=6e-5)
    shown = re.search(r"weight (-?[\d.]+) -> (-?[\d.]+)", out)
    assert float(shown[1]) == pytest.approx(params[0][0, 1], abs=6e-6)
    assert float(shown[2]) == pytest.approx(expected[0][0, 1], abs=6e-6)


def test_trained_network_learns_xor_with_numpys_outputs(fast_run):
    out = fast_run[1]
    table = re.findall(r"^  (\d) XOR (\d) = (\d)   network says ([\d.]+)  \((\w+)\)$", out, re.MULTILINE)
    _, expected = forward(numpy_train(3, seed=0), X)
    assert len(table) == 4
    for k, (a, b, target, output, verdict) in enumerate(table):
        assert [int(a), int(b), int(target)] == [*X[k], T[k]]
        assert float(output) == pytest.approx(expected[k], abs=6e-4)
        assert verdict == "right" and (expected[k] > 0.5) == (T[k] == 1)
    assert "hidden1[0] (sigmoid), sample 1 (of 4, counting from 0)" in out
    assert "epoch  2000" in out


def test_fast_run_writes_its_pictures_into_the_default_folder(fast_run):
    _, out, folder = fast_run
    pictures = folder / "neurosim-output" / "xor"
    assert "Pictures written to neurosim-output/xor:" in out
    assert sorted(path.name for path in pictures.iterdir()) == sorted(PICTURES)
    for name in PICTURES:
        assert_real_picture(pictures / name)


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        (["--seed", "-1"], "argument --seed: expected a whole number >= 0; got '-1'"),
        (["--seeds", "0"], "argument --seeds: expected a positive whole number; got '0'"),
        (["--epochs", "0"], "argument --epochs: expected a positive whole number; got '0'"),
        (["--epochs", "many"], "argument --epochs: expected a positive whole number; got 'many'"),
        (["--lr", "0"], "argument --lr: expected a positive number; got '0'"),
        (["--lr", "nan"], "argument --lr: expected a positive number; got 'nan'"),
    ],
)
def test_bad_option_is_one_line_and_exit_2_before_anything_runs(capsys, tmp_path, argument, message):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "xor", *argument, "--output", str(tmp_path / "pictures")])
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"neurosim demo xor: {message} (see: neurosim demo xor --help)\n"
    assert not (tmp_path / "pictures").exists()


# ------------------------------------------- a large learning rate: a run stuck off the 0.125 plateau

HUGE_LR, SHORT = 100.0, 200


@pytest.fixture(scope="module")
def huge_lr_run(tmp_path_factory):
    """``--fast --lr 100 --epochs 200 --seeds 1``: (exit status, stdout), pictures into a fresh folder."""
    folder = tmp_path_factory.mktemp("xor_huge_lr")
    arguments = ["--fast", "--lr", "100", "--epochs", "200", "--seeds", "1", "--output", str(folder)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["demo", "xor", *arguments])
    return status, out.getvalue()


def numpy_losses(hidden, seed, epochs, lr):
    """The loss of each epoch of ``numpy_train``, before that epoch's step."""
    params, losses = initial_weights(hidden, seed), []
    for _ in range(epochs):
        losses.append(np.mean((forward(params, X)[1] - T) ** 2))
        params = tuple(p - lr * g for p, g in zip(params, gradients(params, X, T), strict=True))
    return losses


def test_a_network_that_did_not_learn_is_said_in_one_line_and_the_demo_still_succeeds(huge_lr_run):
    status, out = huge_lr_run
    assert status == 0
    losses = numpy_losses(3, seed=0, epochs=SHORT, lr=HUGE_LR)
    _, output = forward(numpy_train(3, 0, SHORT, HUGE_LR), X)
    assert not np.all((output > 0.5) == (T > 0.5))  # numpy agrees: XOR is not learned
    advice = "The network did not learn XOR in 200 epochs: try more --epochs, another --lr or another --seed."
    assert f"\n{advice}\n" in out
    trend = re.search(r"\(Its loss went from ([\d.]+) at epoch 180 to ([\d.]+) at epoch 200\.\)", out)
    earlier, last = losses[179], losses[199]
    assert last >= 0.99 * earlier  # not still falling: so more than more epochs is advised
    assert [float(trend[1]), float(trend[2])] == pytest.approx([earlier, last], abs=2e-4)
    assert "2-2-1     0 of 1" in out  # --seeds 1 wins over --fast's 5


def test_a_run_off_the_plateau_is_described_by_what_its_values_show(huge_lr_run):
    out = huge_lr_run[1]
    assert "== A stuck run up close: 2-2-1, seed 0" in out
    assert "0.125" not in out and "opposite directions" not in out and "plateau" not in out
    params = numpy_train(2, 0, SHORT, HUGE_LR)
    H, output = forward(params, X)
    loss = np.mean((output - T) ** 2)
    assert abs(loss - 0.125) > 0.1  # the story's first premise fails

    wrong = re.search(r"The output is on the wrong side of 0\.5 for (.*); the loss is ([\d.]+)\.", out)
    by_numpy = [
        f"({a:g}, {b:g})" for (a, b), o, t in zip(X, output, T, strict=True) if (o > 0.5) != (t > 0.5)
    ]
    assert wrong[1] == ", ".join(by_numpy)
    assert float(wrong[2]) == pytest.approx(loss, abs=2e-4)

    slopes = {f"hidden1[{i}]": H[:, i] * (1 - H[:, i]) for i in range(2)} | {
        "output[0]": output * (1 - output)
    }
    saturated = [name for name, slope in slopes.items() if np.all(slope < 0.01)]
    assert saturated and re.search(r"Saturated: (.*)\. On all four", out)[1] == ", ".join(saturated)

    names = [f"input[{j}] -> hidden1[{i}]" for i in range(2) for j in range(2)]
    names += [f"hidden1[{i}] -> output[0]" for i in range(2)]
    grad_w1, _, grad_w2, _ = gradients(params, X, T)
    grads = np.concatenate([grad_w1.ravel(), grad_w2])
    largest = int(np.argmax(np.abs(grads)))
    printed = re.search(r"largest gradient of any synapse is (\S+) \((.*)\): at lr 100", out)
    assert printed[2] == names[largest]
    assert float(printed[1]) == pytest.approx(grads[largest], rel=0.05)


def test_with_no_stuck_run_there_is_nothing_to_explain(capsys):
    converged_runs = {hidden: [xor.Run(hidden, 0, 0.001, True, [0.2, 0.001])] for hidden in (2, 3)}
    assert xor.look_at_a_stuck_run(converged_runs, epochs=2, lr=2.0) == []
    assert capsys.readouterr().out == "\nEvery run converged: there is no stuck run to look at.\n"


def test_a_falling_loss_asks_for_more_epochs_and_a_flat_one_for_more_choices():
    falling = ns.History(loss=list(np.linspace(0.3, 0.1, 50)))
    earlier = 0.3 - 0.2 * 44 / 49  # the loss at epoch 45 of 50, where the last tenth of training starts
    assert xor.not_learned(falling) == (
        "The network did not learn XOR in 50 epochs, but its loss is still falling: try more --epochs.\n"
        f"(Its loss went from {earlier:.4f} at epoch 45 to 0.1000 at epoch 50.)"
    )
    flat = ns.History(loss=[0.25] * 9 + [0.2499])  # down by 0.04% over the last epoch
    assert xor.not_learned(flat) == (
        "The network did not learn XOR in 10 epochs: try more --epochs, another --lr or another --seed.\n"
        "(Its loss went from 0.2500 at epoch 9 to 0.2499 at epoch 10.)"
    )
