"""The inspect demo's tour: what it prints is checked against computations done here by hand."""

import io
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pictures import assert_real_picture

from neurosim.cli import main as cli_main
from neurosim.demos import inspect_tour as tour_demo

HIDDEN = 3


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def weights_of(net):
    """The 2-3-1 network's weights and biases, read synapse by synapse into numpy arrays."""
    W1 = np.array(
        [[net.synapse(f"input[{i}]", f"hidden1[{j}]").weight for i in range(2)] for j in range(HIDDEN)]
    )
    b1 = np.array([net[f"hidden1[{j}]"].bias for j in range(HIDDEN)])
    W2 = np.array([[net.synapse(f"hidden1[{j}]", "output[0]").weight for j in range(HIDDEN)]])
    b2 = np.array([net["output[0]"].bias])
    return W1, b1, W2, b2


def forward_by_hand(W1, b1, W2, b2, X):
    hidden = sigmoid(np.atleast_2d(X) @ W1.T + b1)
    return sigmoid(hidden @ W2.T + b2)


def test_the_transcript_reads_like_the_prompt(capsys):
    tour = tour_demo.run_steps([tour_demo.BUILD], {})
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "== Build a network and train it"
    assert ">>> X, y = ns.datasets.xor()" in lines
    # an expression's value is printed under it, a statement prints nothing
    shown = lines.index(">>> net")
    assert lines[shown + 1] == repr(tour["net"])
    assert lines[shown - 1].startswith(">>> history = net.fit(")
    # the network learned XOR
    assert (tour["net"].predict(tour["X"])[:, 0] > 0.5).tolist() == [False, True, True, False]


def test_changing_one_weight_changes_the_output_as_numpy_computes_it(capsys):
    tour = tour_demo.run_steps([tour_demo.BUILD, tour_demo.LOOK, tour_demo.EXPLAIN, tour_demo.CHANGE], {})
    out = capsys.readouterr().out
    net, x = tour["net"], np.array(tour["x"])
    W1, b1, W2, b2 = weights_of(net)
    assert net.synapse("input[0]", "hidden1[2]").weight == tour["original"]  # put back at the end

    np.testing.assert_allclose(tour["before"], forward_by_hand(W1, b1, W2, b2, x)[0], rtol=1e-12)
    W1[2, 0] += 2.0
    np.testing.assert_allclose(tour["after"], forward_by_hand(W1, b1, W2, b2, x)[0], rtol=1e-12)
    assert abs(tour["after"][0] - tour["before"][0]) > 1e-3  # a change to see
    assert tour["neuron"].z - tour["z_before"] == pytest.approx(2.0 * x[0], abs=1e-12)

    assert f">>> before, after\n{(tour['before'], tour['after'])!r}\n" in out


def test_the_weakest_synapse_is_pruned_and_gone(capsys):
    tour = tour_demo.run_steps([tour_demo.BUILD, tour_demo.LOOK, tour_demo.EXPLAIN, tour_demo.CHANGE], {})
    net = tour["net"]
    W1, b1, W2, b2 = weights_of(net)
    # the weakest is found here among all nine weights, by hand
    names = [f"input[{i}] -> hidden1[{j}]" for j in range(HIDDEN) for i in range(2)]
    names += [f"hidden1[{j}] -> output[0]" for j in range(HIDDEN)]
    magnitudes = np.abs(np.concatenate([W1.ravel(), W2.ravel()]))
    weakest = names[int(np.argmin(magnitudes))]
    assert weakest == "hidden1[2] -> output[0]"  # as the tour's explanation says

    tour_demo.run_steps([tour_demo.PRUNE], tour)
    out = capsys.readouterr().out
    assert tour["weakest"].name == weakest
    assert weakest not in [synapse.name for synapse in net.synapses]
    assert len(net.synapses) == 8
    assert not net.graph.has_edge(net["hidden1[2]"], net["output[0]"])
    assert net["hidden1[2]"].outgoing == ()
    assert "there is no synapse 'hidden1[2]' -> 'output[0]'" in out

    W2[0, 2] = 0.0
    expected = forward_by_hand(W1, b1, W2, b2, tour["X"])
    np.testing.assert_allclose(net.predict(tour["X"]), expected, rtol=1e-12)
    assert ((expected[:, 0] > 0.5) == np.array([0, 1, 1, 0], bool)).all()  # still XOR, as the tour says


def test_the_gradient_check_names_exactly_the_parameters_behind_the_wrong_derivative(capsys):
    tour = tour_demo.run_steps([tour_demo.BUILD, tour_demo.CHECK], {})
    out = capsys.readouterr().out.split("== Gradient-check")[1]

    # the hand-written derivative really is wrong, and the fixed one right, by finite differences
    z = np.array([-1.5, 0.4, 2.0])
    numeric = (np.tanh(z + 1e-6) - np.tanh(z - 1e-6)) / 2e-6
    assert not np.allclose(tour["my_tanh"].derivative(z), numeric, rtol=1e-3)
    np.testing.assert_allclose(tour["fixed_tanh"].derivative(z), numeric, rtol=1e-8)

    # every gradient that flows back through hidden1's derivative: its incoming synapses and biases
    expected = {f"input[{i}] -> hidden1[{j}]" for i in range(2) for j in range(HIDDEN)}
    expected |= {f"hidden1[{j}].bias" for j in range(HIDDEN)}
    report = tour["report"]
    assert {entry.name for entry in report.failures} == expected
    assert not report.ok
    for name in expected:
        assert name in out
    for name in (f"hidden1[{j}] -> output[0]" for j in range(HIDDEN)):
        assert name not in out
    assert tour["fixed_report"].ok
    assert "(True, " in out


def test_a_reported_gradient_is_the_finite_difference_computed_here(capsys):
    tour = tour_demo.run_steps([tour_demo.BUILD, tour_demo.CHECK], {})
    capsys.readouterr()
    net, X, y = tour["checked"], tour["X"], tour["y"].reshape(-1, 1)
    neuron, h = net["hidden1[0]"], 1e-5
    bias = neuron.bias

    def loss(value):
        neuron.bias = value
        return float(np.mean((net.predict(X) - y) ** 2))

    numeric = (loss(bias + h) - loss(bias - h)) / (2 * h)
    neuron.bias = bias
    entry = next(entry for entry in tour["report"].entries if entry.name == "hidden1[0].bias")
    assert entry.numeric == pytest.approx(numeric, rel=1e-6)
    assert not math.isclose(entry.analytic, numeric, rel_tol=1e-3)


def test_the_demo_draws_and_hands_over_the_prompt(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("print('looking at', neuron.name, len(net.synapses))\n"))
    assert cli_main(["demo", "inspect", "--fast", "--interactive", "--output", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "looking at hidden1[2] 8" in captured.out
    assert "Your turn" in captured.err

    for name in ("network_before.png", "network_after.png", "gradient_check.png"):
        assert_real_picture(tmp_path / name, min_height=300, min_width=500)


DEMOS = Path(tour_demo.__file__).resolve().parent


def test_no_demo_file_hides_a_standard_library_module():
    # `python demos/NAME.py` puts demos/ first on the import path: a demos/inspect.py
    # would stand in for the standard library's inspect, which numpy imports
    names = {path.stem for path in DEMOS.glob("*.py")}
    assert names & set(sys.stdlib_module_names) == set()


def test_the_demo_runs_as_a_script():
    script = DEMOS / "inspect_tour.py"
    result = subprocess.run(
        [sys.executable, str(script), "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "--interactive" in result.stdout
    assert "A guided tour of a network at the Python prompt" in result.stdout
