"""ns.training.perceptron: the rule by hand, against a numpy perceptron, on the gates, without a bias."""

import re

import numpy as np
import pytest

import neurosim as ns

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
AND, OR, NAND = [0, 0, 0, 1], [0, 1, 1, 1], [1, 1, 1, 0]


def step_net(n_outputs=1, bias=True):
    return ns.Network.from_shape([2, n_outputs], activation="step", init="zeros", bias=bias)


def weights_and_biases(net):
    layer = net.output_layer
    W = np.array([[synapse.weight for synapse in neuron.incoming] for neuron in layer])
    return W, np.array([neuron.bias for neuron in layer])


def numpy_perceptron(X, T, orders, lr, bias=True):
    """The rule written out with numpy, over the given sample order of each epoch."""
    W, b = np.zeros((T.shape[1], X.shape[1])), np.zeros(T.shape[1])
    mistakes = []
    for order in orders:
        wrong = 0
        for k in order:
            y = (W @ X[k] + b >= 0).astype(float)
            error = T[k] - y
            W += lr * np.outer(error, X[k])
            if bias:
                b += lr * error
            wrong += bool(error.any())
        mistakes.append(wrong)
        if wrong == 0:
            break
    return W, b, mistakes


def test_two_samples_by_hand():
    net = step_net()
    net.synapse("input[0]", "output[0]").weight = 0.5
    net.synapse("input[1]", "output[0]").weight = -0.25
    net["output[0]"].bias = 0.1
    # sample 1, x = (1, 2), t = 0: z = 0.5 - 0.5 + 0.1 = 0.1 >= 0, y = 1, t - y = -1:
    #   w = (0.5 - 0.5*1, -0.25 - 0.5*2) = (0, -1.25), b = 0.1 - 0.5 = -0.4
    # sample 2, x = (0, 1), t = 1: z = -1.25 - 0.4 = -1.65 < 0, y = 0, t - y = +1:
    #   w = (0 + 0.5*0, -1.25 + 0.5*1) = (0, -0.75), b = -0.4 + 0.5 = 0.1
    history = ns.training.perceptron(net, [[1.0, 2.0], [0.0, 1.0]], [0, 1], epochs=1, lr=0.5, shuffle=False)
    W, b = weights_and_biases(net)
    assert W[0].tolist() == pytest.approx([0.0, -0.75], abs=1e-15)
    assert b.tolist() == pytest.approx([0.1], abs=1e-15)
    assert history.loss == [1.0] and history.accuracy == [0.0]  # both samples were wrong


def test_and_in_order_by_hand():
    # the first two epochs, from w = (0, 0), b = 0, lr = 1 (step(0) = 1):
    # epoch 1: (0,0) z=0 fires, wrong: b=-1; (0,1) z=-1 right; (1,0) right; (1,1) z=-1, wrong: w=(1,1), b=0
    # epoch 2: (0,0) z=0 wrong: b=-1; (0,1) z=0 wrong: w=(1,0), b=-2; (1,0) z=-1 right;
    #          (1,1) z=-1 wrong: w=(2,1), b=-1
    net = step_net()
    history = ns.training.perceptron(net, X, AND, epochs=2, shuffle=False)
    assert history.loss == [2 / 4, 3 / 4]
    W, b = weights_and_biases(net)
    assert W.tolist() == [[2.0, 1.0]] and b.tolist() == [-1.0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_shuffled_epochs_follow_the_seeded_order(seed):
    T = np.array([AND, OR]).T  # two step neurons at once: AND and OR
    net = step_net(n_outputs=2)
    history = ns.training.perceptron(net, X, T, epochs=50, lr=0.5, seed=seed)
    rng = np.random.default_rng(seed)
    W, b, mistakes = numpy_perceptron(X, T, (rng.permutation(4) for _ in range(50)), lr=0.5)
    assert history.loss == [m / 4 for m in mistakes]
    W_net, b_net = weights_and_biases(net)
    np.testing.assert_array_equal(W_net, W)
    np.testing.assert_array_equal(b_net, b)


@pytest.mark.parametrize(("gate", "targets"), [("AND", AND), ("OR", OR)])
@pytest.mark.parametrize("seed", range(5))
def test_and_and_or_are_learned(gate, targets, seed):
    net = step_net()
    history = ns.training.perceptron(net, X, targets, seed=seed)
    assert history.loss[-1] == 0.0 and history.accuracy[-1] == 1.0
    assert history.epochs < 100 and all(loss > 0 for loss in history.loss[:-1])
    W, b = weights_and_biases(net)
    assert ((X @ W[0] + b[0] >= 0).astype(int)).tolist() == targets  # the line it learned, by hand
    assert net.predict(X)[:, 0].tolist() == targets


def test_without_a_bias_nand_cannot_be_learned():
    # NAND with b = 0: (0, 1) -> 1 needs w2 >= 0 and (1, 0) -> 1 needs w1 >= 0, but then
    # w1 + w2 >= 0 and the neuron fires at (1, 1), where NAND is 0. No weights do it.
    # (AND and OR fail even sooner: at (0, 0) z = 0 whatever the weights, and step(0) = 1.)
    net = step_net(bias=False)
    history = ns.training.perceptron(net, X, NAND, epochs=100, seed=0)
    assert history.epochs == 100 and min(history.loss) > 0  # every epoch made a mistake
    assert net["output[0]"].bias == 0.0 and net.n_parameters == 2
    for gate in (AND, OR):
        history = ns.training.perceptron(step_net(bias=False), X, gate, epochs=20, seed=0)
        assert min(history.loss) > 0
    W, _, mistakes = numpy_perceptron(X, np.array(NAND)[:, None], [range(4)] * 20, lr=1.0, bias=False)
    history = ns.training.perceptron(net := step_net(bias=False), X, NAND, epochs=20, shuffle=False)
    assert history.loss == [m / 4 for m in mistakes]
    np.testing.assert_array_equal(weights_and_biases(net)[0], W)


@pytest.mark.parametrize(
    ("net", "y", "options", "error", "message"),
    [
        (
            ns.Network.from_shape([2, 2, 1], activation="step"),
            AND,
            {},
            ns.StructureError,
            "one layer of step",
        ),
        (ns.Network.from_shape([2, 1]), AND, {}, ns.StructureError, "needs a step output layer, but layer"),
        (
            step_net(),
            [0, 2, 1, 0],
            {},
            ns.DataError,
            "y must be 0 or 1, what a step neuron outputs; got 2 at row 1",
        ),
        (step_net(), [0, 1, 1], {}, ns.ShapeError, "y has 3 samples but X has 4"),
        (step_net(), AND, {"lr": 0}, ns.ParameterError, "lr must be a positive number; got 0"),
        (step_net(), AND, {"epochs": 0}, ns.ParameterError, "epochs must be a positive integer; got 0"),
    ],
)
def test_bad_arguments_are_refused_before_training(net, y, options, error, message):
    before = net.state_dict()
    with pytest.raises(error, match=re.escape(message)):
        ns.training.perceptron(net, X, y, **options)
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(value, before[name])
