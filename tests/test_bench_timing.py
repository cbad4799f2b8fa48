"""The benchmark's run lengths, on a clock that the test moves itself (nothing here is timed)."""

import pytest

from neurosim.benchmarks.engines import timing
from neurosim.benchmarks.engines.timing import Contender, time_contenders


class FakeClock:
    """``time.perf_counter`` for ``timing``: it moves only when a contender runs."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(timing.time, "perf_counter", fake.perf_counter)
    return fake


def contender(clock, name, fixed, per_unit, **options):
    def run(count):
        clock.now += fixed + count * per_unit

    return Contender(name, run=run, reset=lambda: None, **options)


def test_a_run_with_a_fixed_cost_is_lengthened_to_last_the_target(clock):
    # one unit costs 1 us, a run 0.9 ms more: one unit's run overstates a unit 900 times
    timed = contender(clock, "fit", fixed=9e-4, per_unit=1e-6)
    time_contenders([timed], target_s=0.1, repeats=3)
    assert 9e-4 + timed.count * 1e-6 == pytest.approx(0.1, rel=0.01)
    assert timed.runs == 3
    assert timed.best == pytest.approx(9e-4 / timed.count + 1e-6)


def test_a_run_without_fixed_cost_keeps_the_count_of_its_first_estimate(clock):
    timed = contender(clock, "reference", fixed=0.0, per_unit=2e-5)
    time_contenders([timed], target_s=0.1, repeats=2)
    assert timed.count in (5000, 5001)  # 0.1 / 2e-5, rounded up, whichever way 0.1 rounds
    assert timed.best == pytest.approx(2e-5)


def test_a_noisy_split_that_asks_for_too_long_a_run_is_cut_back_to_the_target(clock):
    # a unit costs 1 us, but the run of the first estimate (1000 units) happened to take no longer
    # than one unit's run, so the split sees almost no time per unit and asks for far too many
    def run(count):
        clock.now += 1e-4 if count == 1 else 1.0001e-4 if count == 1000 else count * 1e-6

    timed = Contender("noisy", run=run, reset=lambda: None)
    time_contenders([timed], target_s=0.1, repeats=1)
    assert timed.count in (100_000, 100_001)  # cut back from the longest run allowed, 1000 times 1000
    assert timed.best == pytest.approx(1e-6)


def test_a_slow_contender_is_timed_fewer_times_within_its_limit(clock):
    slow = contender(clock, "object", fixed=0.0, per_unit=0.3, max_seconds=1.0)
    time_contenders([slow], target_s=0.1, repeats=5)
    assert slow.count == 1
    assert slow.runs == 2  # 0.3 s warm-up, then two runs of 0.3 s within the second left... and no more
