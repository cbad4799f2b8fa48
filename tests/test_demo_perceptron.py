"""The perceptron demo: the rule, the four gates, the bias held at 0, XOR, and the pictures."""

import itertools
import re

import numpy as np
import pytest
from pictures import assert_real_picture

import neurosim as ns
from neurosim.cli import main as cli_main
from neurosim.demos import perceptron

INPUTS = [(0, 0), (0, 1), (1, 0), (1, 1)]
TRUTH = {
    "AND": lambda a, b: int(a and b),
    "OR": lambda a, b: int(a or b),
    "NAND": lambda a, b: int(not (a and b)),
    "NOR": lambda a, b: int(not (a or b)),
    "XOR": lambda a, b: int(a != b),
}


def truth_table(gate):
    return [TRUTH[gate](a, b) for a, b in INPUTS]


def fires(w1, w2, b, x1, x2):
    """The step neuron by hand: 1 where w1*x1 + w2*x2 + b >= 0."""
    return int(w1 * x1 + w2 * x2 + b >= 0)


def read_neuron(net):
    neuron = net["output[0]"]
    return (
        net.synapse("input[0]", "output[0]").weight,
        net.synapse("input[1]", "output[0]").weight,
        neuron.bias,
    )


def test_the_demo_gates_are_the_truth_tables():
    assert perceptron.X.tolist() == [list(map(float, x)) for x in INPUTS]
    for gate, targets in perceptron.GATES.items():
        assert targets == truth_table(gate), gate
    assert truth_table("XOR") == perceptron.XOR


def test_one_update_is_the_perceptron_rule_by_hand():
    net = perceptron.neuron_with(0.5, -0.25, 0.1)
    # z = 0.5*1 - 0.25*2 + 0.1 = 0.1 >= 0, so y = 1; with t = 0 the error is -1:
    # w1 = 0.5 + 0.5*(-1)*1 = 0, w2 = -0.25 + 0.5*(-1)*2 = -1.25, b = 0.1 + 0.5*(-1) = -0.4
    error = perceptron.perceptron_update(net, [1.0, 2.0], target=0, lr=0.5)
    assert error == -1.0
    assert read_neuron(net) == pytest.approx((0.0, -1.25, -0.4), abs=1e-15)


def test_a_right_answer_changes_nothing_and_a_missing_bias_stays_0():
    net = perceptron.neuron_with(0.5, -0.25, 0.1)
    assert perceptron.perceptron_update(net, [1.0, 2.0], target=1, lr=0.5) == 0.0
    assert read_neuron(net) == (0.5, -0.25, 0.1)
    net = perceptron.step_neuron(bias=False)
    net.synapse("input[0]", "output[0]").weight = 0.5
    net.synapse("input[1]", "output[0]").weight = -0.25
    # z = -0.5 < 0, so y = 0 and t = 1: the weights move by +0.5 * x, there is no bias to move
    assert perceptron.perceptron_update(net, [0.0, 2.0], target=1, lr=0.5) == 1.0
    assert read_neuron(net) == pytest.approx((0.5, 0.75, 0.0), abs=1e-15)


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND", "NOR"])
def test_each_gate_is_learned(gate):
    net = perceptron.step_neuron()
    epochs = perceptron.train_perceptron(net, perceptron.X, truth_table(gate), max_epochs=20)
    assert isinstance(epochs, int) and 1 <= epochs <= 20
    w1, w2, b = read_neuron(net)
    assert [fires(w1, w2, b, x1, x2) for x1, x2 in INPUTS] == truth_table(gate)
    assert net.predict(perceptron.X)[:, 0].tolist() == truth_table(gate)  # the network agrees


def test_xor_is_never_all_right_at_any_point_of_training():
    net = perceptron.step_neuron()
    targets = truth_table("XOR")
    for _ in range(50):
        for x, t in zip(perceptron.X, targets, strict=True):
            perceptron.perceptron_update(net, x, t)
            w1, w2, b = read_neuron(net)
            assert [fires(w1, w2, b, x1, x2) for x1, x2 in INPUTS] != targets
    assert perceptron.train_perceptron(perceptron.step_neuron(), perceptron.X, targets, max_epochs=50) is None


def test_no_line_at_all_gets_xor_right():
    # a random search, independent of the demo's grid
    rng = np.random.default_rng(0)
    lines = rng.uniform(-5, 5, size=(20000, 3))
    outputs = (lines[:, :2] @ perceptron.X.T + lines[:, 2:] >= 0).astype(int)
    right = (outputs == truth_table("XOR")).sum(axis=1)
    assert right.max() == 3


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND"])
def test_without_a_bias_and_or_nand_cannot_be_learned(gate):
    net = perceptron.step_neuron(bias=False)
    assert perceptron.train_perceptron(net, perceptron.X, truth_table(gate)) is None
    assert net["output[0]"].bias == 0.0
    # no line through the origin does it: a random search over the weights finds none
    rng = np.random.default_rng(1)
    for w1, w2 in rng.uniform(-5, 5, size=(5000, 2)):
        assert [fires(w1, w2, 0.0, x1, x2) for x1, x2 in INPUTS] != truth_table(gate)


def test_without_a_bias_the_neuron_always_fires_at_the_origin():
    rng = np.random.default_rng(2)
    net = perceptron.step_neuron()
    for w1, w2 in rng.normal(size=(20, 2)):
        net.synapse("input[0]", "output[0]").weight = w1
        net.synapse("input[1]", "output[0]").weight = w2
        assert net.forward([0.0, 0.0])[0] == 1.0


def test_without_a_bias_nor_is_still_learned():
    net = perceptron.step_neuron(bias=False)
    epochs = perceptron.train_perceptron(net, perceptron.X, truth_table("NOR"))
    assert epochs is not None
    w1, w2, b = read_neuron(net)
    assert b == 0.0 and w1 < 0 and w2 < 0
    assert [fires(w1, w2, 0.0, x1, x2) for x1, x2 in INPUTS] == truth_table("NOR")


@pytest.mark.parametrize("learn_bias", [True, False])
def test_lines_that_fit_counts_like_a_plain_loop(learn_bias):
    values = np.linspace(-1.0, 1.0, 5)
    for gate in TRUTH:
        biases = values if learn_bias else [0.0]
        results = [
            sum(fires(w1, w2, b, x1, x2) == t for (x1, x2), t in zip(INPUTS, truth_table(gate), strict=True))
            for w1, w2, b in itertools.product(values, values, biases)
        ]
        expected = (len(results), results.count(4), max(results))
        assert perceptron.lines_that_fit(truth_table(gate), values, learn_bias=learn_bias) == expected


def test_runs_and_repeats():
    assert perceptron.runs_of([3, 3, 4, 4, 4, 2]) == "3 in epochs 1-2, 4 in epochs 3-5, 2 in epoch 6"
    assert perceptron.first_repeat([(1, 0), (2, 0), (3, 0), (2, 0)]) == (2, 4)
    assert perceptron.first_repeat([(1, 0), (2, 0)]) is None


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"targets": [0, 2, 1, 0]},
            ns.DataError,
            "y must be 0 or 1, what a step neuron outputs; got 2 at row 1",
        ),
        ({"targets": [0, 1, 1]}, ns.ShapeError, "y has 3 samples but X has 4"),
        ({"max_epochs": 0}, ns.ParameterError, "epochs must be a positive integer; got 0"),
        ({"lr": -1.0}, ns.ParameterError, "lr must be a positive number; got -1.0"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, message):
    arguments = {"targets": truth_table("AND"), **kwargs}
    with pytest.raises(error, match=re.escape(message)):
        perceptron.train_perceptron(perceptron.step_neuron(), perceptron.X, **arguments)


def test_the_demo_runs_from_the_command_line_and_draws(capsys, tmp_path):
    assert cli_main(["demo", "--list"]) == 0
    listing = capsys.readouterr().out
    assert "perceptron  Logic gates learned by one step neuron with the perceptron rule" in listing

    assert cli_main(["demo", "perceptron", "--fast", "--output", str(tmp_path)]) == 0
    out = capsys.readouterr().out

    # each gate's printed weights and bias compute its truth table
    for gate in ("AND", "OR", "NAND", "NOR"):
        match = re.search(
            rf"^{gate}: learned in \d+ epochs.*\n  w1 = (\S+), w2 = (\S+), b = (\S+):", out, re.M
        )
        assert match, gate
        w1, w2, b = map(float, (value.rstrip(",") for value in match.groups()))
        assert [fires(w1, w2, b, x1, x2) for x1, x2 in INPUTS] == truth_table(gate), gate
    # held at bias 0, only NOR is learned
    for gate in ("AND", "OR", "NAND"):
        assert re.search(rf"^  {gate} +not learned in 20 epochs", out, re.M), gate
    assert re.search(r"^  NOR +learned in \d+ epochs", out, re.M)
    assert re.search(r"^  XOR +0 of \d+  3 of 4$", out, re.M)
    assert "never 0" in out

    for name in ("gates.png", "no_bias.png", "xor.png"):
        assert_real_picture(tmp_path / name, min_height=300, min_width=800)
