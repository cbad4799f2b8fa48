"""``to_torch`` and ``from_torch``: the same function in PyTorch, the same gradients, and back bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import ACTIVATIONS, cases, network_settings

import neurosim as ns

torch = pytest.importorskip("torch", reason="the bridge to PyTorch needs PyTorch")


@network_settings(max_examples=25)
@given(st.data())
def test_export_computes_the_same_outputs_and_gradients_and_imports_back_bit_for_bit(data):
    hidden = data.draw(st.sampled_from([a for a in ACTIVATIONS if a != "step"]), label="hidden activation")
    net, X, Y, _, _ = data.draw(cases(hidden, "sigmoid", "mse"), label="case")
    module = ns.to_torch(net)
    x = torch.from_numpy(np.asarray(X, dtype=np.float64))
    outputs = module(x)
    np.testing.assert_allclose(outputs.detach().numpy(), net.predict(X), rtol=1e-12, atol=1e-15)
    # the gradients of the mean squared error, against neurosim's backward pass
    loss = ((outputs - torch.from_numpy(np.asarray(Y, dtype=np.float64)).reshape(outputs.shape)) ** 2).mean()
    loss.backward()
    net.backward(X, Y, loss="mse")
    for k, block in enumerate(net.blocks):
        grad = module.weights[k].grad  # None where no path from the block reaches the output
        torch_grad = np.zeros_like(block.grad) if grad is None else grad.numpy()
        np.testing.assert_allclose(torch_grad, block.grad, rtol=1e-12, atol=1e-14)
    back = ns.from_torch(module)
    assert [s.name for s in back.synapses] == [s.name for s in net.synapses]
    for name, values in net.state_dict().items():
        assert np.array_equal(back.state_dict()[name], values), name


def test_pruned_synapses_stay_zero_through_torch_training():
    net = ns.Network.from_shape([3, 4, 2], activation="tanh", output_activation="softmax", seed=1)
    net.disconnect("input[0]", "hidden1[2]")
    module = ns.to_torch(net)
    optimizer = torch.optim.Adam(module.parameters(), lr=0.05, weight_decay=0.01)
    x = torch.randn(16, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    labels = torch.randint(0, 2, (16,), generator=torch.Generator().manual_seed(1))
    for _ in range(20):
        optimizer.zero_grad()
        torch.nn.functional.nll_loss(torch.log(module(x)), labels).backward()
        optimizer.step()
    assert module.weights[0][2, 0].item() == 0.0
    trained = ns.from_torch(module)
    assert "input[0] -> hidden1[2]" not in {s.name for s in trained.synapses}
    np.testing.assert_allclose(trained.predict(x.numpy()), module(x).detach().numpy(), rtol=1e-12)


def test_a_sequential_of_linear_layers_comes_in():
    torch.manual_seed(0)
    sequential = torch.nn.Sequential(
        torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3), torch.nn.Softmax(dim=1)
    ).double()
    net = ns.from_torch(sequential)
    assert [layer.size for layer in net.layers] == [4, 5, 3]
    X = np.random.default_rng(0).normal(size=(6, 4))
    expected = sequential(torch.from_numpy(X)).detach().numpy()
    np.testing.assert_allclose(net.predict(X), expected, rtol=1e-12, atol=1e-15)


def test_what_cannot_cross_is_refused_by_name():
    cube = ns.Activation("cube_torch_test", np.vectorize(lambda z: z**3), lambda z: 3 * z**2)
    net = ns.Network.from_shape([2, 2, 1], activation=cube, output_activation="sigmoid", seed=0)
    with pytest.raises(ns.ParameterError, match="layer 'hidden1' uses 'cube_torch_test'"):
        ns.to_torch(net)
    with pytest.raises(ns.ParameterError, match=r"module '1' \(Conv1d, a convolution\)"):
        ns.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Conv1d(1, 1, 1)))
    with pytest.raises(ns.ParameterError, match="got LSTM, a recurrent layer"):
        ns.from_torch(torch.nn.LSTM(2, 2))
