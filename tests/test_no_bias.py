"""Layers without biases (``bias=False``): z is only the weighted sum, and nothing ever adds a bias."""

import numpy as np
import pytest

import neurosim as ns
from neurosim.cli import main

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
NAND = np.array([1, 1, 1, 0])


def no_bias_net(seed=0):
    return ns.Network.from_shape(
        [2, 3, 1], activation="tanh", output_activation="sigmoid", bias=False, seed=seed
    )


def test_the_forward_pass_has_no_bias_term():
    net = no_bias_net()
    W1, W2 = (block.weight.copy() for block in net.blocks)
    expected = 1 / (1 + np.exp(-(np.tanh(X @ W1.T) @ W2.T)))
    assert np.allclose(net.predict(X), expected, rtol=1e-12)
    assert np.allclose(net.compile().predict(X), expected, rtol=1e-12)


@pytest.mark.parametrize("engine", ["object", "compiled"])
def test_training_leaves_no_bias_and_both_engines_agree(engine):
    nets = [no_bias_net(), no_bias_net()]
    for net, used in zip(nets, ("object", engine), strict=True):
        net.fit(X, NAND, epochs=50, lr=0.5, loss="bce", engine=used, seed=0, verbose=0, diagnose=False)
        assert not net["hidden1"].bias.any() and not net["output"].bias.any()
    for a, b in zip(nets[0].blocks, nets[1].blocks, strict=True):
        assert np.allclose(a.weight, b.weight, rtol=1e-12)


def test_parameters_names_and_counts_leave_the_biases_out():
    net = no_bias_net()
    assert [name for name, _ in net.named_parameters()] == ["input->hidden1.weight", "hidden1->output.weight"]
    assert net.n_parameters == 2 * 3 + 3 * 1
    assert repr(net["hidden1"]) == "Layer('hidden1', 3, bias=False)"
    assert net["hidden1[0]"].bias == 0.0 and net["hidden1[0]"].bias_grad is None
    with pytest.raises(ns.StateDictError, match=r"hidden1\.bias"):
        net.load_state_dict({**net.state_dict(), "hidden1.bias": np.zeros(3)})


def test_a_bias_cannot_be_given_to_a_layer_without_biases():
    net = no_bias_net()
    with pytest.raises(
        ns.StructureError, match="layer 'hidden1' has no biases: it was added with bias=False"
    ):
        net["hidden1"].bias = [1.0, 2.0, 3.0]
    with pytest.raises(ns.StructureError, match="neuron 'output\\[0\\]' has no bias"):
        net["output[0]"].bias = 1.0
    with pytest.raises(ns.ParameterError, match="bias must be True or False; got 'no'"):
        ns.Network.from_shape([2, 1], bias="no")


def test_gradient_check_has_only_the_weights():
    net = no_bias_net()
    report = ns.gradient_check(net, X, NAND, loss="bce")
    assert report.ok and len(report.entries) == 9
    assert not any(entry.name.endswith(".bias") for entry in report.entries)


def test_saving_and_loading_keeps_the_layers_without_biases(tmp_path):
    net = ns.Network(seed=0)
    net.add_layer(2)
    net.add_layer(3, activation="relu")  # with biases
    net.add_layer(1, name="output", activation="sigmoid", bias=False)
    net.connect("input", "hidden1")
    net.connect("hidden1", "output")
    net["hidden1"].bias = [0.1, -0.2, 0.3]
    net.save(tmp_path / "model.json")
    text = (tmp_path / "model.json").read_text()
    assert '"bias": null' in text
    loaded = ns.load(tmp_path / "model.json")
    assert [layer.has_bias for layer in loaded.layers] == [False, True, False]
    assert loaded["hidden1"].bias.tolist() == [0.1, -0.2, 0.3]
    assert np.array_equal(loaded.predict(X), net.predict(X))


def test_explain_says_there_is_no_bias():
    net = no_bias_net()
    net.backward(X, NAND[:, None], "bce")
    text = net["hidden1[0]"].explain(sample=1)
    assert "no bias (the layer has none)" in text and "bias_grad" not in text
    w = net.synapse("input[1]", "hidden1[0]").weight
    assert f"= {w:.4g}" in text.splitlines()[1]  # z is the weight times 1, nothing added


def test_the_summary_counts_no_bias_and_inspect_says_there_is_none(tmp_path, capsys):
    net = no_bias_net()
    rows = {line.split()[0]: line.split()[-1] for line in str(net.summary()).splitlines()[2:]}
    assert rows == {"input": "0", "hidden1": "6", "output": "3", "total": "9"}
    net.save(tmp_path / "model.json")
    assert main(["inspect", str(tmp_path / "model.json"), "--neuron", "hidden1[0]"]) == 0
    assert "hidden1[0] (tanh): no bias" in capsys.readouterr().out
