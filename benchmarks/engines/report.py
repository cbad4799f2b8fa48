"""What a run is asked to do, and everything it measured."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Settings:
    """Run-wide options.

    Attributes
    ----------
    quick : bool
        Smoke test: short runs, few repeats, a smaller ``wide`` and fewer scaling points.
    repeats : int
        Timed runs per contender.
    target_s : float
        Wanted duration of one timed run.
    plot_dir : str or None, default None
        Folder the charts are saved in (``engines.png``, ``scaling.png``); ``None`` draws none.
    """

    quick: bool
    repeats: int
    target_s: float
    plot_dir: str | None = None


@dataclass
class Report:
    """Everything measured, for the printed summary and the JSON file.

    Each section's result is a dict (empty when the section did not run);
    the sections that time anything say in ``result["threads"]`` what they
    did with the thread pools (see ``threads.thread_limits``).
    """

    machine: dict[str, Any] = field(default_factory=dict)
    workloads: dict[str, Any] = field(default_factory=dict)
    instance: dict[str, Any] = field(default_factory=dict)
    micrograd: dict[str, Any] = field(default_factory=dict)
    object_speed: dict[str, Any] = field(default_factory=dict)
    scaling: dict[str, Any] = field(default_factory=dict)
    watch: dict[str, Any] = field(default_factory=dict)
    doctor: dict[str, Any] = field(default_factory=dict)
    build: dict[str, Any] = field(default_factory=dict)
    plot: dict[str, Any] = field(default_factory=dict)
    targets: list[dict[str, Any]] = field(default_factory=list)
