"""Hypothesis strategies shared by the tests: random networks with data for a loss.

:func:`cases` draws networks of 1-3 hidden layers with mixed activations,
full connections between neighbouring layers, single-synapse skip
connections across non-adjacent layers and pruned synapses, with inputs and
targets suited to the loss.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import neurosim as ns

ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "step", "softmax"]

# (output activation, loss): mse follows any output activation, bce needs a sigmoid
# output and cross_entropy a softmax output.
OUTPUT_LOSSES = [(activation, "mse") for activation in ACTIVATIONS] + [
    ("sigmoid", "bce"),
    ("softmax", "cross_entropy"),
]
# Every hidden activation with every (output activation, loss) pair.
COMBINATIONS = [(hidden, output, loss) for (output, loss) in OUTPUT_LOSSES for hidden in ACTIVATIONS]

finite = {"allow_nan": False, "allow_infinity": False}


def away_from_zero(low: float, high: float) -> st.SearchStrategy[float]:
    """Floats with ``low <= |x| <= high`` and either sign."""
    magnitude = st.floats(low, high, **finite)
    return st.tuples(st.sampled_from([-1.0, 1.0]), magnitude).map(lambda pair: pair[0] * pair[1])


@st.composite
def cases(draw, hidden_activation: str, output_activation: str, loss: str):
    """A random network that uses ``hidden_activation`` in some hidden layer, with data for ``loss``."""
    n_hidden = draw(st.integers(1, 3), label="hidden layers")
    hidden_sizes = [draw(st.integers(1, 4), label=f"hidden{i + 1} size") for i in range(n_hidden)]
    forced = draw(st.integers(0, n_hidden - 1), label="layer using the tested activation")
    hidden_activations = [
        hidden_activation if i == forced else draw(st.sampled_from(ACTIVATIONS)) for i in range(n_hidden)
    ]
    n_inputs = draw(st.integers(1, 3), label="inputs")
    n_outputs = draw(st.integers(2 if loss == "cross_entropy" else 1, 3), label="outputs")
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    init = draw(st.sampled_from(["xavier", "he", "uniform"]), label="init")

    net = ns.Network(seed=seed, init=init)
    net.add_layer(n_inputs, name="input")
    for size, activation in zip(hidden_sizes, hidden_activations, strict=True):
        net.add_layer(size, activation=activation)
    net.add_layer(n_outputs, name="output", activation=output_activation)
    layers = net.layers
    for source, target in pairwise(layers):
        net.connect(source.name, target.name)

    # Biases away from 0: a relu/step neuron whose inputs are all dead still has z = bias
    # away from its kink, so few examples are lost to assume(not report.near_kinks).
    for layer in layers[1:]:
        for neuron in layer:
            neuron.bias = draw(away_from_zero(0.1, 1.0))

    skip_candidates = [
        (source.name, target.name)
        for i, source_layer in enumerate(layers)
        for target_layer in layers[i + 2 :]
        for source in source_layer
        for target in target_layer
    ]
    skips = draw(
        st.lists(st.sampled_from(skip_candidates), min_size=1, max_size=4, unique=True), label="skips"
    )
    for source, target in skips:
        weight = draw(st.one_of(st.none(), st.floats(-1.5, 1.5, **finite)))
        net.connect(source, target, weight=weight)

    existing = [(s.source.name, s.target.name) for s in net.synapses]
    pruned = draw(
        st.lists(st.sampled_from(existing), min_size=1, max_size=min(3, len(existing) - 1), unique=True),
        label="pruned",
    )
    for source, target in pruned:
        net.disconnect(source, target)

    n_samples = draw(st.integers(2, 5), label="samples")
    X = draw(arrays(float, (n_samples, n_inputs), elements=st.floats(-2.0, 2.0, **finite)), label="X")
    if loss == "mse":
        Y = draw(arrays(float, (n_samples, n_outputs), elements=st.floats(-1.5, 1.5, **finite)), label="Y")
    elif loss == "bce":
        element = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0, **finite))
        Y = draw(arrays(float, (n_samples, n_outputs), elements=element), label="Y")
    else:
        labels = draw(arrays(int, (n_samples,), elements=st.integers(0, n_outputs - 1)), label="labels")
        form = draw(st.sampled_from(["labels", "one-hot", "probabilities"]), label="target form")
        if form == "labels":
            Y = labels
        elif form == "one-hot":
            Y = np.eye(n_outputs)[labels]
        else:
            weights = draw(arrays(float, (n_samples, n_outputs), elements=st.floats(0.05, 1.0, **finite)))
            Y = weights / weights.sum(axis=1, keepdims=True)
        event(f"cross_entropy targets as {form}")
    return net, X, Y, pruned, skips


def network_settings(max_examples: int) -> settings:
    """Hypothesis settings for tests that draw :func:`cases`.

    The same examples every run (derandomized), no deadline, and no
    shrinking: each step of it reruns a whole network, and a failure
    already prints the network and its data.
    """
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow],
    )
