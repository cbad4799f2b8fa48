"""The doctor demo: each report names what a computation of the test's own finds, and each fix works."""

from __future__ import annotations

import contextlib
import io
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest
from pictures import assert_real_picture

import neurosim as ns
from neurosim.cli import main as cli_main
from neurosim.demos import doctor
from neurosim.diagnostics import Settings

CASES = {case.name: case for case in doctor.CASES}


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory):
    """The demo run once with --fast: what it printed, its folder, its exit code, figures left open."""
    folder = tmp_path_factory.mktemp("doctor")
    before = set(plt.get_fignums())
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = doctor.main(["--fast", "--output", str(folder)])
    left_open = set(plt.get_fignums()) - before
    plt.close("all")
    return SimpleNamespace(text=printed.getvalue(), folder=folder, code=code, left_open=left_open)


@pytest.fixture(scope="module")
def trials():
    """Each case's broken and fixed runs, as the demo trains them with --fast."""
    return {name: (case.broken.train(True), case.fixed.train(True)) for name, case in CASES.items()}


def z_of_first_hidden_layer(net: ns.Network, X: np.ndarray) -> np.ndarray:
    """Each hidden1 neuron's z on each sample, from the weights of its synapses: z = X @ W.T + b."""
    hidden = net["hidden1"]
    W = np.array([[net.synapse(inp.name, n.name).weight for inp in net.input_layer] for n in hidden])
    return X @ W.T + np.array([n.bias for n in hidden])


def names(layer: str, indices) -> set[str]:
    return {f"{layer}[{int(i)}]" for i in indices}


# ---------------------------------------------------------------------- the run


def test_the_fast_run_writes_a_picture_of_each_broken_network_and_leaves_no_figure_open(fast_run):
    assert fast_run.code == 0
    assert not fast_run.left_open
    for name in CASES:
        assert_real_picture(fast_run.folder / f"{name}.png")
        assert f"{name}.png" in fast_run.text


def test_the_run_prints_each_report_and_advice_instead_of_the_doctors_warnings(fast_run, trials):
    # pytest turns a warning into an error: that the run finished means the doctor's warnings were caught
    assert fast_run.text.count("print(history.diagnosis):") == len(CASES)
    for name, case in CASES.items():
        broken, _ = trials[name]
        assert case.symptom in fast_run.text
        for finding in broken.report:
            assert f"{finding.severity:<8} {finding.code}" in fast_run.text
        assert f"The doctor's advice ({case.advice_of}):" in fast_run.text
        assert case.advice_of in broken.report
    assert "DiagnosisWarning" not in fast_run.text


def test_the_demo_is_listed(capsys):
    assert cli_main(["demo", "--list"]) == 0
    listed = dict(line.split(maxsplit=1) for line in capsys.readouterr().out.splitlines())
    assert listed["doctor"] == doctor.__doc__.splitlines()[0].rstrip(".")


@pytest.mark.parametrize("name", list(CASES))
def test_each_picture_marks_exactly_the_neurons_the_report_names(trials, name):
    broken, _ = trials[name]
    fig = ns.plot.diagnosis(broken.report, broken.net)
    ax = fig.axes[0]
    neurons = next(c for c in ax.collections if c.get_gid() == "neurons")
    thick = {
        n.name for n, width in zip(broken.net.neurons, neurons.get_linewidths(), strict=True) if width > 1
    }
    named = {
        where for finding in broken.report for where in finding.where if "[" in where and "->" not in where
    }
    assert thick == named and named
    plt.close(fig)


# ---------------------------------------------------------------------- each case, and its fix


def test_a_the_learning_rate_far_too_large_kills_every_relu_and_a_smaller_one_learns(trials):
    broken, fixed = trials["same_class"]
    z = z_of_first_hidden_layer(broken.net, broken.X)
    dead = names("hidden1", np.flatnonzero(z.max(axis=0) <= 0))
    assert dead == names("hidden1", range(8))
    assert set(broken.report["dead-neurons"].where) == dead
    assert broken.report["dead-neurons"].severity == "error"
    outputs = broken.net.predict(broken.X)[:, 0]
    assert np.ptp(outputs) < Settings().constant_spread and "constant-output" in broken.report
    losses = broken.history.loss
    assert max(losses) > Settings().rising_loss * losses[0] and "learning-rate-too-large" in broken.report
    assert np.mean((fixed.net.predict(fixed.X)[:, 0] >= 0.5) == fixed.y) >= 0.9
    assert fixed.report.ok


def test_b_unscaled_inputs_make_the_loss_overflow_and_standardised_ones_fit(trials):
    broken, fixed = trials["explodes_to_nan"]
    assert broken.history.diverged_at is not None
    (warned,) = broken.warned
    assert "The first value that is not a finite number is the mse loss" in warned
    assert broken.report["non-finite"].where == ("output[0]",)
    X, _ = doctor.measurements()
    far = (np.abs(X.mean(axis=0)) > Settings().input_scale) | (X.std(axis=0) > Settings().input_scale)
    assert far.all()
    assert set(broken.report["unscaled-inputs"].where) == names("input", np.flatnonzero(far))
    assert np.allclose(fixed.X.mean(axis=0), 0) and np.allclose(fixed.X.std(axis=0), 1)
    assert fixed.history.diverged_at is None
    assert np.mean((fixed.net.predict(fixed.X)[:, 0] - fixed.y) ** 2) < 1e-4


def test_c_weights_all_zero_keep_every_hidden_neuron_alike_and_xor_at_one_half(trials):
    broken, fixed = trials["xor_stuck_at_half"]
    case = CASES["xor_stuck_at_half"]
    untrained = case.broken.network()
    rows = [(n.bias, *(s.weight for s in n.incoming)) for n in untrained["hidden1"]]
    assert len(set(rows)) == 1  # four identical neurons
    before = ns.diagnose(untrained, *case.broken.inputs(), loss="mse")
    assert set(before["symmetric-init"].where) == names("hidden1", range(4))
    hidden = broken.net["hidden1"]
    after = [(n.bias, *(s.weight for s in n.incoming)) for n in hidden]
    assert len(set(after)) == 1  # still identical after training
    assert np.allclose(broken.net.predict(broken.X), 0.5, atol=1e-9)
    assert "hidden1" in broken.report["zero-gradients"].where
    assert set(broken.report["symmetric-init"].where) == names("hidden1", range(4))
    assert ((fixed.net.predict(fixed.X)[:, 0] >= 0.5) == (fixed.y == 1)).all()


def test_d_relus_dead_on_all_four_xor_inputs_leave_three_of_four_and_centred_inputs_learn(trials):
    broken, fixed = trials["dead_relu_xor"]
    z = z_of_first_hidden_layer(broken.net, broken.X)
    dead = names("hidden1", np.flatnonzero(z.max(axis=0) <= 0))
    assert len(dead) >= 2
    assert set(broken.report["dead-neurons"].where) == dead
    assert np.mean((broken.net.predict(broken.X)[:, 0] >= 0.5) == broken.y) == 0.75
    assert sorted(np.unique(fixed.X)) == [-1.0, 1.0]
    assert ((fixed.net.predict(fixed.X)[:, 0] >= 0.5) == (fixed.y == 1)).all()
    assert "dead-neurons" not in fixed.report


def test_e_sigmoids_on_inputs_in_the_hundreds_saturate_and_standardised_inputs_learn(trials):
    broken, fixed = trials["saturated_sigmoid"]
    settings = Settings()
    with np.errstate(over="ignore"):  # z in the thousands: exp(-z) overflows to inf, and a to 0
        a = 1 / (1 + np.exp(-z_of_first_hidden_layer(broken.net, broken.X)))
    slope = a * (1 - a) / 0.25  # sigmoid's slope, as a fraction of its largest
    flat = np.mean(slope < settings.saturation_slope, axis=0) >= settings.saturation_samples
    assert set(broken.report["saturated-neurons"].where) == names("hidden1", np.flatnonzero(flat))
    assert flat.sum() >= 4
    assert set(broken.report["unscaled-inputs"].where) == {"input[0]", "input[1]"}
    assert np.mean((broken.net.predict(broken.X)[:, 0] >= 0.5) == broken.y) <= 0.55
    assert np.mean((fixed.net.predict(fixed.X)[:, 0] >= 0.5) == fixed.y) >= 0.95
    assert fixed.report.ok
