"""Training with PyTorch's DistributedDataParallel: the same weights as one process, and the scale demo."""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import io
import re
import sys
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest
from pictures import assert_real_picture

import neurosim as ns
from neurosim.cli import main as cli_main
from neurosim.demos import scale as demo

needs_torch = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None, reason="training with DDP needs PyTorch"
)


def skip_connected_network() -> ns.Network:
    """A 3-5-4-1 network with a pruned synapse and a skip connection from the input to the output."""
    net = ns.Network.from_shape([3, 5, 4, 1], activation="tanh", output_activation="sigmoid", seed=3)
    net.disconnect("input[1]", "hidden1[2]")
    net.connect("input", "output")
    return net


def one_process_reference(module, X, y, batches, lr, momentum):
    """SGD with momentum on the mean binary cross-entropy of each global batch, in order, in one process.

    Returns the trained copy and the loss of each batch before its step.
    """
    import torch

    trained = copy.deepcopy(module)
    optimizer = torch.optim.SGD(trained.parameters(), lr=lr, momentum=momentum)
    losses = []
    for batch in batches:
        x, t = torch.from_numpy(X[batch]), torch.from_numpy(y[batch].astype(np.float64))
        p = trained(x)[:, 0]
        loss = -(t * torch.log(p) + (1 - t) * torch.log(1 - p)).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return trained, np.array(losses)


@needs_torch
def test_two_processes_end_at_the_weights_of_one_process_on_the_same_global_batches():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] * X[:, 2] > 0).astype(int)
    # batches of 8 split 4 + 4, and of 7 split 4 + 3: the shards' losses must still average right
    batches = [rng.permutation(40)[:size] for size in (8, 7, 8, 5, 8, 7, 8, 8, 6, 8)]
    module = ns.to_torch(skip_connected_network())
    start = copy.deepcopy(module.state_dict())
    plan = demo.Plan(batches, lr=0.3, momentum=0.5)

    trained, losses = demo.train_in_processes(module, X, y, plan, processes=2)

    expected, expected_losses = one_process_reference(module, X, y, batches, lr=0.3, momentum=0.5)
    for name, value in expected.state_dict().items():
        np.testing.assert_allclose(trained.state_dict()[name].numpy(), value.numpy(), rtol=0, atol=1e-10)
        if not name.startswith("mask"):
            assert not np.allclose(value.numpy(), start[name].numpy(), atol=1e-3), f"{name} did not move"
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-12)
    # the module passed in is left as it was, and the pruned synapse stayed pruned through training
    for name, value in module.state_dict().items():
        assert np.array_equal(value.numpy(), start[name].numpy()), name
    back = ns.from_torch(trained)
    assert "input[1] -> hidden1[2]" not in {synapse.name for synapse in back.synapses}
    assert "input[0] -> output[0]" in {synapse.name for synapse in back.synapses}


def test_every_sample_of_every_epoch_is_in_exactly_one_shard():
    batches = demo.global_batches(50, 16, epochs=3, seed=1)
    assert [len(batch) for batch in batches] == [16, 16, 16, 2] * 3
    for epoch in range(3):
        epoch_batches = batches[4 * epoch : 4 * epoch + 4]
        shards = [demo.shard(batch, rank, 3) for batch in epoch_batches for rank in range(3)]
        assert sorted(np.concatenate(shards).tolist()) == list(range(50))
    assert not np.array_equal(batches[0], batches[4])  # each epoch shuffles again


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory):
    """The demo's --fast run, keeping what it brought back from the processes and the figures it drew."""
    pytest.importorskip("torch", reason="the scale demo needs PyTorch")
    folder = tmp_path_factory.mktemp("scale")
    kept = {}

    def keep_brought_back(trained, data):
        kept["trained"], kept["net"] = trained, demo_bring_back(trained, data)
        return kept["net"]

    demo_bring_back = demo.bring_back
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.setattr(demo, "bring_back", keep_brought_back)
        code = demo.main(["--fast", "--output", str(folder)])
    left_open = set(plt.get_fignums())
    plt.close("all")
    return SimpleNamespace(text=printed.getvalue(), folder=folder, code=code, left_open=left_open, **kept)


@needs_torch
def test_the_network_brought_back_predicts_what_the_trained_module_predicts(fast_run):
    import torch

    assert fast_run.code == 0 and not fast_run.left_open
    data = demo.moons_data(0)
    outputs = fast_run.trained(torch.from_numpy(data.X_test)).detach().numpy()[:, 0]
    np.testing.assert_allclose(fast_run.net.predict(data.X_test)[:, 0], outputs, rtol=1e-12, atol=1e-15)
    # the accuracy printed is the module's, counted here from its outputs, and well above chance
    accuracies = re.search(
        r"Accuracy: (\S+)% on the training points, (\S+)% on the test points", fast_run.text
    )
    test_accuracy = np.mean((outputs >= 0.5) == data.y_test)
    assert float(accuracies[2]) == pytest.approx(100 * test_accuracy, abs=0.05)
    assert test_accuracy > 0.85
    difference = re.search(
        r"Largest difference between its weights and those DDP trained: (\S+)", fast_run.text
    )
    assert float(difference[1]) < 1e-10


@needs_torch
def test_the_demo_ends_where_one_process_ends_on_the_demos_batches(fast_run):
    data, start, plan = demo.setting(0, demo.FAST_EPOCHS)
    expected, _ = one_process_reference(ns.to_torch(start), data.X_train, data.y_train, plan.batches,
                                        lr=plan.lr, momentum=plan.momentum)  # fmt: skip
    for name, value in expected.state_dict().items():
        np.testing.assert_allclose(
            fast_run.trained.state_dict()[name].numpy(), value.numpy(), rtol=0, atol=1e-10
        )


@needs_torch
def test_the_neuron_explained_is_the_trained_modules_arithmetic(fast_run):
    x = demo.moons_data(0).X_test[0]
    weights = fast_run.trained.weights[0].detach().numpy()[0]  # into hidden1[0] from the two inputs
    bias = fast_run.trained.biases["1"][0].item()
    z = weights @ x + bias
    explained = fast_run.text[fast_run.text.index("hidden1[0] (tanh), one sample") :]
    assert (
        f"z = {weights[0]:.4g}*{x[0]:.4g} + ({weights[1]:.4g})*{x[1]:.4g} + {bias:.4g} = {z:.4g}" in explained
    )
    assert f"a = tanh({z:.4g}) = {np.tanh(z):.4g}" in explained


@needs_torch
def test_the_pictures_and_the_network_are_written(fast_run):
    import torch

    for name in ("network.png", "decision_boundary.png"):
        assert_real_picture(fast_run.folder / name)
    X = demo.moons_data(0).X_test
    expected = fast_run.trained(torch.from_numpy(X)).detach().numpy()
    np.testing.assert_allclose(ns.load(fast_run.folder / "scale.json").predict(X), expected, rtol=1e-12)


def test_without_torch_the_demo_says_to_install_the_torch_extra(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    assert cli_main(["demo", "scale", "--fast", "--output", str(tmp_path / "pictures")]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "neurosim: the scale demo trains with PyTorch, which is not installed; "
        'install it with: pip install "neurosim-learn[torch]"\n'
    )
    assert not any(tmp_path.iterdir())


def test_more_processes_than_samples_in_a_batch_are_refused(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        demo.main(["--processes", "65", "--output", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "argument --processes: at most 64, the samples in a batch; got 65" in capsys.readouterr().err
