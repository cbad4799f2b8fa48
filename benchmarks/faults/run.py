"""Run the fault benchmark: every fault and healthy case, the scores, and the targets."""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass

from neurosim.benchmarks.faults.cases import FAULTS, Case
from neurosim.benchmarks.faults.healthy import HEALTHY
from neurosim.diagnostics import Finding, Report

ALARMS = ("error", "warning")
TARGETS = {"recall": 0.9, "localisation": 0.9, "precision": 0.95}


@dataclass
class Outcome:
    """What the doctor said on one case."""

    case: Case
    report: Report
    expected: frozenset[str]
    seconds: float
    note: str = ""

    @property
    def alarms(self) -> list[Finding]:
        """The findings of severity warning or error."""
        return [finding for finding in self.report if finding.severity in ALARMS]

    @property
    def match(self) -> Finding | None:
        """The alarm with the case's code, if the doctor raised one."""
        return next((finding for finding in self.alarms if finding.code == self.case.code), None)

    @property
    def detected(self) -> bool:
        """Whether the doctor raised an alarm with the case's code."""
        return self.match is not None

    @property
    def localised(self) -> bool:
        """Whether that alarm names exactly the expected culprits."""
        return self.detected and frozenset(self.match.where) == self.expected


def run_case(case: Case) -> Outcome:
    """Run one case and time it."""
    start = time.perf_counter()
    report, expected, *note = case.run()
    return Outcome(case, report, expected, time.perf_counter() - start, *note)


def scores(faults: Sequence[Outcome], healthy: Sequence[Outcome]) -> dict[str, float]:
    """Recall, localisation and precision over the outcomes."""
    return {
        "recall": sum(o.detected for o in faults) / max(len(faults), 1),
        "localisation": sum(o.localised for o in faults) / max(len(faults), 1),
        "precision": sum(not o.alarms for o in healthy) / max(len(healthy), 1),
    }


def print_fault(outcome: Outcome) -> None:
    """One line per fault, and what the doctor said when it did not name the culprits."""
    mark = "named" if outcome.localised else ("found" if outcome.detected else "MISSED")
    print(f"  {mark:<7} {outcome.case.name:<32} {outcome.case.code:<24} {outcome.seconds:5.1f} s")
    if not outcome.localised:
        said = ", ".join(f"{f.code} {list(f.where)[:4]}" for f in outcome.alarms) or "no alarm"
        print(f"          expected {sorted(outcome.expected)[:6]}; the doctor said: {said}")


def print_healthy(outcome: Outcome) -> None:
    """One line per healthy run, with how it learned, and any alarm."""
    mark = "quiet" if not outcome.alarms else "ALARM"
    print(f"  {mark:<7} {outcome.case.name:<62} {outcome.note}")
    for finding in outcome.alarms:
        print(f"          {finding.severity} {finding.code}: {finding.message[:150]}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the cases, print the scores; return 1 when a score is below its target."""
    parser = argparse.ArgumentParser(
        prog="python -m neurosim.benchmarks.faults", description="How well the doctor finds faults."
    )
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--only", help="run only the cases whose name contains this text")
    args = parser.parse_args(argv)
    faults, healthy = FAULTS, HEALTHY
    if args.only:
        faults = [c for c in faults if args.only in c.name]
        healthy = [c for c in healthy if args.only in c.name]
    if args.list:
        for case in faults:
            print(f"fault    {case.name:<32} {case.code:<24} {case.story}")
        for case in healthy:
            print(f"healthy  {case.name}")
        return 0
    started = time.perf_counter()
    print(f"== {len(faults)} faults: each must be found (right code, as a warning or error) and named")
    fault_outcomes = []
    for case in faults:
        fault_outcomes.append(run_case(case))
        print_fault(fault_outcomes[-1])
    print(f"\n== {len(healthy)} healthy runs: no warning or error may appear")
    healthy_outcomes = []
    for case in healthy:
        healthy_outcomes.append(run_case(case))
        print_healthy(healthy_outcomes[-1])
    results = scores(fault_outcomes, healthy_outcomes)
    print(f"\n== scores ({time.perf_counter() - started:.0f} s)")
    passed = True
    for name, value in results.items():
        ok = value >= TARGETS[name]
        passed &= ok
        print(f"  {name:<13} {value:6.1%}   target >= {TARGETS[name]:.0%}   {'PASS' if ok else 'FAIL'}")
    return 0 if passed else 1
