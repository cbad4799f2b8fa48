"""Timing on a noisy machine: the contenders take turns, and each keeps its fastest run."""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

#: how many times the count of a first estimate a contender's run may be lengthened to
MAX_COUNT_GROWTH = 1000


@dataclass
class Contender:
    """One thing to time: ``run(count)`` does ``count`` units of work from a fresh start.

    Attributes
    ----------
    name : str
        Row label.
    run : callable
        ``run(count)`` trains ``count`` units (epochs, or batches).
    reset : callable
        Restores the starting state; not timed.
    per_unit : float
        Factor from seconds per unit to the reported quantity (1 for epochs;
        epoch size over subset size for a subset; 1 / batch for per-sample times).
    note : str
        Footnote text, if any.
    max_seconds : float
        The most seconds its timed runs may take together, warm-up included.
    count : int
        Units per timed run (set by :func:`time_contenders`).
    best : float
        Fastest time per reported unit (set by :func:`time_contenders`).
    runs : int
        How many runs were timed.
    times : list of float
        Every timed run's time per reported unit, in the order timed.
    """

    name: str
    run: Callable[[int], object]
    reset: Callable[[], None]
    per_unit: float = 1.0
    note: str = ""
    max_seconds: float = math.inf
    count: int = 1
    best: float = math.inf
    runs: int = 0
    times: list[float] = field(default_factory=list)

    @property
    def spread(self) -> float:
        """How much slower the median run was than the fastest, as a fraction (0 for one run).

        Examples
        --------
        >>> c = Contender("c", run=print, reset=print, times=[1.0, 1.5, 1.1])
        >>> round(c.spread, 3)
        0.1
        """
        if not self.times:
            return math.nan
        return statistics.median(self.times) / min(self.times) - 1.0


def timed(contender: Contender, count: int) -> float:
    """Seconds of one run of ``count`` units, garbage collection off (as ``timeit`` does).

    Parameters
    ----------
    contender : Contender
    count : int

    Returns
    -------
    float
    """
    contender.reset()
    gc.disable()
    try:
        start = time.perf_counter()
        contender.run(count)
        return time.perf_counter() - start
    finally:
        gc.enable()


def time_contenders(contenders: Sequence[Contender], target_s: float, repeats: int) -> None:
    """Time each contender ``repeats`` times, taking turns, and keep each one's fastest.

    Warm-up runs of one unit set each contender's ``count`` so that a timed
    run lasts about ``target_s``: the faster of two, since a first run pays
    for memory and caches that later runs find ready. One run of that many
    units then corrects the count, for a contender with a fixed cost per run
    (a ``fit`` call checks its arguments first), whose run of one unit
    overstates the time of each unit in a longer run. A contender whose runs
    would exceed its ``max_seconds`` is warmed up once and timed fewer times
    (at least once).

    Parameters
    ----------
    contenders : sequence of Contender
    target_s : float
        Wanted duration of one timed run.
    repeats : int
        Timed runs per contender.
    """
    plan = {}
    for contender in contenders:
        warm = timed(contender, 1)
        if 2 * warm < contender.max_seconds:
            warm = min(warm, timed(contender, 1))
        contender.count = max(1, math.ceil(target_s / max(warm, 1e-9)))
        per_run = warm * contender.count
        if contender.count > 1 and 3 * per_run < contender.max_seconds:
            # a run with a fixed cost (a fit call's checks) takes less than count times one unit's run:
            # time the estimated run once, split the two timings into a fixed cost and a cost per unit,
            # and take as many units as make a run last target_s
            measured = timed(contender, contender.count)
            if measured > warm:
                per_unit = (measured - warm) / (contender.count - 1)
                fixed = max(warm - per_unit, 0.0)
            else:  # no time per unit to be seen beside the noise: take it all as per unit
                per_unit, fixed = measured / contender.count, 0.0
            wanted = math.ceil((target_s - fixed) / max(per_unit, 1e-9))
            grown = min(max(contender.count, wanted), MAX_COUNT_GROWTH * contender.count)
            per_run = fixed + per_unit * grown
            if grown > contender.count:  # check the longer run: the split may be off where the noise is
                per_run = timed(contender, grown)
                if per_run > 2 * target_s:
                    grown = max(contender.count, math.ceil(grown * target_s / per_run))
                    per_run = target_s
            contender.count = grown
        runs_allowed = (contender.max_seconds - warm) / max(per_run, 1e-9)
        plan[contender.name] = max(
            1, min(repeats, int(runs_allowed) if math.isfinite(runs_allowed) else repeats)
        )
    for repeat in range(repeats):
        for contender in contenders:
            if repeat < plan[contender.name]:
                seconds = timed(contender, contender.count)
                contender.times.append(seconds / contender.count * contender.per_unit)
                contender.best = min(contender.times)
                contender.runs += 1
