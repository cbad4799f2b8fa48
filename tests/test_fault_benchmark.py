"""The doctor's fault benchmark: its scoring, and that the doctor meets its targets."""

import numpy as np
import pytest

import neurosim as ns
from neurosim.benchmarks.faults import cases, healthy, reference
from neurosim.benchmarks.faults.run import TARGETS, Outcome, main, scores
from neurosim.diagnostics import Finding, Report


def finding(code, where, severity="warning"):
    return Finding(code, severity, tuple(where), {}, "message", "advice")


def outcome(code, report, expected=()):
    case = cases.Case("case", "story", code, lambda: None)
    return Outcome(case, Report(report), frozenset(expected), 0.0)


def test_a_fault_counts_as_found_only_with_its_code_as_a_warning_or_an_error():
    assert outcome("dead-neurons", [finding("dead-neurons", ["a"])]).detected
    assert not outcome("dead-neurons", [finding("dead-neurons", ["a"], "info")]).detected
    assert not outcome("dead-neurons", [finding("constant-output", ["a"])]).detected


def test_a_fault_is_named_only_when_the_culprits_are_exactly_the_expected_ones():
    assert outcome("dead-neurons", [finding("dead-neurons", ["a", "b"])], ["b", "a"]).localised
    assert not outcome("dead-neurons", [finding("dead-neurons", ["a"])], ["a", "b"]).localised
    assert not outcome("dead-neurons", [finding("dead-neurons", ["a", "b", "c"])], ["a", "b"]).localised


def test_scores_count_found_named_and_quiet_cases():
    faults = [
        outcome("x", [finding("x", ["a"])], ["a"]),  # found and named
        outcome("x", [finding("x", ["b"])], ["a"]),  # found, not named
        outcome("x", []),  # missed
        outcome("x", [finding("x", [])], []),  # found and named: no culprits expected
    ]
    quiet = [outcome(None, [finding("y", ["a"], "info")]), outcome(None, [finding("y", ["a"])])]
    assert scores(faults, quiet) == {"recall": 0.75, "localisation": 0.5, "precision": 0.5}


def test_the_reference_forward_pass_agrees_with_the_engines():
    X, _ = ns.datasets.moons(50, seed=0)
    net = ns.Network.from_shape([2, 5, 4, 3], activation="tanh", output_activation="softmax", seed=0)
    net.connect("input", "output")
    values = reference.forward(net, X)
    for layer in net.layers[1:]:
        net.forward(X)
        assert np.allclose(values[layer.name][1], np.array([n.a for n in layer]).T, rtol=1e-12, atol=1e-15)


def test_there_are_enough_cases_and_every_catalogue_code_has_one():
    assert len(cases.FAULTS) >= 30 and len(healthy.HEALTHY) >= 30
    codes = {case.code for case in cases.FAULTS}
    assert codes >= {
        "unscaled-inputs", "targets-out-of-range", "symmetric-init", "no-nonlinearity", "non-finite",
        "dead-neurons", "saturated-neurons", "constant-output", "zero-gradients", "vanishing-gradients",
        "exploding-gradients", "learning-rate-too-large", "learning-rate-too-small", "overfitting",
    }  # fmt: skip


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the custom exp activation of one fault overflows
def test_the_doctor_meets_the_benchmark_targets(capsys):
    status = main([])
    out = capsys.readouterr().out
    assert status == 0, out
    for name in TARGETS:
        assert f"{name}" in out and "PASS" in out
