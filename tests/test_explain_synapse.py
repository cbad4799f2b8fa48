"""``synapse.explain()`` writes out how the last backward pass computed the synapse's gradient."""

import re

import numpy as np
import pytest

import neurosim as ns

RNG = np.random.default_rng(3)
X = RNG.normal(size=(5, 2))
LABELS = np.array([0, 1, 1, 0, 1])


def softmax_net():
    return ns.Network.from_shape([2, 3, 2], activation="tanh", output_activation="softmax", seed=3)


def finite_difference(net, synapse, step=1e-6):
    """d(mean loss)/d(weight) by central differences, computed apart from any backward pass."""
    weight = synapse.weight
    losses = []
    for sign in (1, -1):
        synapse.weight = weight + sign * step
        outputs = net.predict(X)
        losses.append(-np.mean(np.log(outputs[np.arange(len(X)), LABELS])))
    synapse.weight = weight
    return (losses[0] - losses[1]) / (2 * step)


def stated_gradient(text):
    return float(re.search(r"\) = (\S+)\n", text).group(1))


def test_a_synapse_writes_out_its_gradient_as_a_mean_of_products_one_per_sample():
    net = softmax_net()
    net.backward(X, LABELS, loss="cross_entropy")
    synapse = net.synapse("hidden1[1]", "output[0]")
    text = str(synapse.explain())
    assert text.startswith("hidden1[1] -> output[0], weight ")
    assert "on the last pass (5 samples)" in text
    assert "grad = mean over the samples of output[0].delta * hidden1[1].a" in text
    products = re.search(r"= mean\((.*)\) =", text).group(1).split(", ")
    shown = [[float(factor.strip("()")) for factor in product.split("*")] for product in products]
    deltas, activations = net["output[0]"].delta, net["hidden1[1]"].a  # one per sample, of the last pass
    assert np.allclose(shown, np.column_stack([deltas, activations]), rtol=5e-4, atol=0)
    assert stated_gradient(text) == pytest.approx(finite_difference(net, synapse), rel=1e-3)
    assert text.endswith("as synapse.grad holds")


def test_after_fit_the_explanation_is_of_the_last_batch_and_agrees_with_grad():
    for engine in ("compiled", "object"):
        net = softmax_net()
        net.fit(X, LABELS, epochs=3, lr=0.1, batch_size=2, loss="cross_entropy", engine=engine, verbose=0)
        text = str(net.synapse("input[0]", "hidden1[2]").explain())
        assert "on the last pass (one sample)" in text, engine  # 5 samples in batches of 2: the last has 1
        assert text.endswith("as synapse.grad holds"), engine


def test_a_gradient_changed_after_the_pass_is_shown_beside_the_recomputed_one():
    net = softmax_net()
    net.backward(X, LABELS, loss="cross_entropy")
    synapse = net.synapse("input[1]", "hidden1[0]")
    recomputed = float(np.mean(net["hidden1[0]"].delta * net["input[1]"].a))
    synapse.block.grad[synapse.position] += 0.5  # as a weight penalty would
    text = str(synapse.explain())
    assert stated_gradient(text) == pytest.approx(recomputed, rel=1e-3)
    assert f"but synapse.grad holds {recomputed + 0.5:.4g}: something changed it after that pass" in text


def test_before_any_backward_pass_and_after_disconnecting_it_says_why_there_is_nothing():
    net = softmax_net()
    synapse = net.synapse("input[0]", "hidden1[0]")
    assert "no backward pass has computed its gradient yet" in synapse.explain()
    net.forward(X)  # a forward pass gives no deltas
    assert "no backward pass has computed its gradient yet" in synapse.explain()
    net.disconnect("input[0]", "hidden1[0]")
    assert "disconnected from the network" in synapse.explain()


def test_a_notebook_shows_a_synapse_as_its_repr_and_its_explanation():
    net = softmax_net()
    net.backward(X, LABELS, loss="cross_entropy")
    synapse = net.synapse("hidden1[0]", "output[1]")
    page = synapse._repr_html_()
    assert page.startswith("<pre>") and page.endswith("</pre>")
    assert "Synapse(&#x27;hidden1[0]&#x27; -&gt; &#x27;output[1]&#x27;" in page  # escaped, as HTML must be
    assert "grad = mean over the samples of output[1].delta * hidden1[0].a" in page
