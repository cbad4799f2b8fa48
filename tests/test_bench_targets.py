"""The benchmark's targets judge hand-made reports: PASS at each limit, FAIL just past it."""

import pytest

from neurosim.benchmarks.engines.report import Report
from neurosim.benchmarks.engines.targets import NOT_JUDGED, evaluate_targets

JUST_OVER = 1 + 1e-9


def workload(ratio, ratio_bookkeeping=1.0, compiled_diff=0.0, object_diff=None):
    """One workload's result as ``run_workload`` returns it, with only what the targets read."""
    check = {"compiled": {"max_abs_diff": compiled_diff}}
    if object_diff is not None:
        check["object"] = {"max_abs_diff": object_diff}
    compiled = {"ratio": ratio, "ratio_bookkeeping": ratio_bookkeeping, "ms_per_epoch": 1.0}
    return {"engines": {"compiled": compiled}, "check": check, "gflops": {"compiled": 1.0, "reference": 1.0}}


def statuses(report, quick=False):
    return {t["target"]: t["status"] for t in evaluate_targets(report, quick=quick)}


@pytest.mark.parametrize(("name", "limit"), [("xor", 1.4), ("moons", 1.25), ("digits", 1.25), ("wide", 1.05)])
def test_compiled_over_the_bare_reference_passes_at_the_limit_and_fails_past_it(name, limit):
    target = f"{name}: compiled / reference <= {limit:g}"
    assert statuses(Report(workloads={name: workload(limit)}))[target] == "PASS"
    assert statuses(Report(workloads={name: workload(limit * JUST_OVER)}))[target] == "FAIL"
    assert statuses(Report(workloads={name: workload(0.5)}))[target] == "PASS"


@pytest.mark.parametrize("name", ["moons", "digits"])
def test_compiled_over_the_reference_with_bookkeeping_passes_at_115_and_fails_past_it(name):
    target = f"{name}: compiled / (reference + bookkeeping) <= 1.15"
    assert statuses(Report(workloads={name: workload(1.0, 1.15)}))[target] == "PASS"
    assert statuses(Report(workloads={name: workload(1.0, 1.15 * JUST_OVER)}))[target] == "FAIL"


def test_the_bookkeeping_ratio_is_judged_on_moons_and_digits_only():
    report = Report(workloads={name: workload(1.0, 9.0) for name in ("xor", "moons", "digits", "wide")})
    judged = [target for target in statuses(report) if "bookkeeping" in target]
    assert judged == [
        "moons: compiled / (reference + bookkeeping) <= 1.15",
        "digits: compiled / (reference + bookkeeping) <= 1.15",
    ]


def test_agreement_passes_within_1e_12_fails_past_it_and_is_judged_even_in_a_quick_run():
    compiled = "moons: compiled weights within 1e-12 of the reference's"
    obj = "moons: object weights within 1e-12 of the reference's"
    at_limit = Report(workloads={"moons": workload(1.0, compiled_diff=1e-12, object_diff=1e-12)})
    past = Report(workloads={"moons": workload(1.0, compiled_diff=1.01e-12, object_diff=2e-12)})
    for quick in (False, True):
        assert {k: v for k, v in statuses(at_limit, quick).items() if "weights" in k} == {
            compiled: "PASS",
            obj: "PASS",
        }
        assert {k: v for k, v in statuses(past, quick).items() if "weights" in k} == {
            compiled: "FAIL",
            obj: "FAIL",
        }


def test_the_object_engines_agreement_is_a_target_on_xor_and_moons_only():
    report = Report(workloads={name: workload(1.0, object_diff=0.0) for name in ("xor", "moons", "digits")})
    judged = [target for target in statuses(report) if "object weights" in target]
    assert judged == [
        "xor: object weights within 1e-12 of the reference's",
        "moons: object weights within 1e-12 of the reference's",
    ]


def test_an_object_engine_left_out_of_the_agreement_check_skips_its_agreement_target():
    report = Report(workloads={"xor": workload(1.0)})  # no "object" in the check
    assert statuses(report)["xor: object weights within 1e-12 of the reference's"] == "SKIP"


def object_speed(ratios):
    return {
        "batches": {batch: {"object_us": 1.0, "python_us": 1.0, "ratio": r} for batch, r in ratios.items()}
    }


def test_the_object_engine_per_sample_passes_at_the_plain_python_loops_time_and_fails_past_it():
    report = Report(object_speed=object_speed({1: 1.0, 32: JUST_OVER, 128: 0.4}))
    assert statuses(report) == {
        "moons: object engine per sample <= 1 x plain-Python loop at batch 1": "PASS",
        "moons: object engine per sample <= 1 x plain-Python loop at batch 32": "FAIL",
        "moons: object engine per sample <= 1 x plain-Python loop at batch 128": "PASS",
    }


def test_object_speed_read_back_from_json_has_string_batch_keys_and_is_judged_the_same():
    report = Report(
        object_speed={"batches": {"1": {"ratio": 0.9}, "32": {"ratio": 1.1}, "128": {"ratio": 1.0}}}
    )
    assert list(statuses(report).values()) == ["PASS", "FAIL", "PASS"]


def test_a_skipped_object_section_skips_its_three_targets():
    report = Report(object_speed={"skipped": "not installed"})
    assert set(statuses(report).values()) == {"SKIP"}
    assert len(statuses(report)) == 3


def test_micrograd_passes_at_50_times_and_fails_below():
    target = "moons: object engine >= 50x faster per sample than micrograd"
    assert statuses(Report(micrograd={"ratio": 50.0})) == {target: "PASS"}
    assert statuses(Report(micrograd={"ratio": 49.99})) == {target: "FAIL"}


def test_a_quick_run_judges_no_timed_target():
    report = Report(
        workloads={"moons": workload(9.0, 9.0)},
        object_speed=object_speed({1: 9.0, 32: 9.0, 128: 9.0}),
        micrograd={"ratio": 1.0},
    )
    judged = statuses(report, quick=True)
    timed = {target: status for target, status in judged.items() if "weights" not in target}
    assert set(timed.values()) == {NOT_JUDGED, "SKIP"}  # torch and sklearn: not installed in the report
    assert judged["moons: compiled weights within 1e-12 of the reference's"] == "PASS"
