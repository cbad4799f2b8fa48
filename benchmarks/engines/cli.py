"""The benchmark's command line: its options, and ``main``, which runs the chosen workloads and sections."""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from neurosim.benchmarks.engines.machine import machine_facts, optional_engines, print_machine
from neurosim.benchmarks.engines.report import Report, Settings
from neurosim.benchmarks.engines.scaling import run_scaling
from neurosim.benchmarks.engines.sections import (
    SECTIONS,
    run_build,
    run_doctor,
    run_instance,
    run_micrograd,
    run_object,
    run_plot,
    run_watch,
)
from neurosim.benchmarks.engines.targets import evaluate_targets, print_targets
from neurosim.benchmarks.engines.workload_section import run_workload
from neurosim.benchmarks.engines.workloads import WORKLOADS
from neurosim.io.atomic import write_atomically

#: the first line of ``--help``
DESCRIPTION = (
    "Time per training epoch of neurosim's engines beside an independent, tightly written numpy MLP, "
    "PyTorch and scikit-learn."
)


def parse_args(
    argv: Sequence[str] | None = None,
    *,
    prog: str | None = None,
    parser_class: Callable[..., argparse.ArgumentParser] = argparse.ArgumentParser,
) -> argparse.Namespace:
    """Parse the command line.

    Parameters
    ----------
    argv : sequence of str, optional
    prog : str, optional
        The program's name in usage and error messages (``neurosim bench``).
    parser_class : callable, default argparse.ArgumentParser
        Makes the parser from ``prog`` and ``description``.

    Returns
    -------
    argparse.Namespace
    """
    names = [*WORKLOADS, *SECTIONS]
    parser = parser_class(prog=prog, description=DESCRIPTION)
    parser.add_argument("--quick", action="store_true", help="few epochs and repeats: a smoke test")
    parser.add_argument(
        "--only",
        metavar="NAME[,NAME]",
        help=f"run only these workloads or sections: {', '.join(names)} (default: all)",
    )
    parser.add_argument("--json", metavar="PATH", help="write every result to this JSON file")
    parser.add_argument("--repeats", type=int, help="timed runs per engine (default 5, or 2 with --quick)")
    parser.add_argument(
        "--plot-dir",
        metavar="DIR",
        help="save the charts in this existing folder: engines.png (the workloads) and scaling.png",
    )
    args = parser.parse_args(argv)
    chosen = names if args.only is None else [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(names))
    if unknown or not chosen:
        parser.error(f"--only takes names among {', '.join(names)}; got {args.only!r}")
    args.only = [name for name in names if name in chosen]
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.json is not None:
        problem = json_path_problem(Path(args.json))
        if problem is not None:
            parser.error(f"--json {args.json!r} {problem}")
    if args.plot_dir is not None:
        problem = folder_problem(Path(args.plot_dir))
        if problem is not None:
            parser.error(f"--plot-dir {args.plot_dir!r} {problem}")
    return args


def json_path_problem(path: Path) -> str | None:
    """Why the results could not be written to ``path``, checked before anything is timed; else ``None``.

    Parameters
    ----------
    path : Path

    Returns
    -------
    str or None
        What is wrong, to follow the path in a message.

    Examples
    --------
    >>> json_path_problem(Path("no-such-folder") / "results.json")
    "cannot be written: folder 'no-such-folder' does not exist"
    """
    folder = path.parent
    if path.is_dir():
        return "is a folder; expected a file name such as results.json"
    if not folder.exists():
        return f"cannot be written: folder {str(folder)!r} does not exist"
    if not folder.is_dir():
        return f"cannot be written: {str(folder)!r} is a file, not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot be written in {str(folder)!r} (read-only, or no permission)"
    return None


def folder_problem(folder: Path) -> str | None:
    """Why the charts could not be saved in ``folder``, checked before anything is timed; else ``None``.

    Parameters
    ----------
    folder : Path

    Returns
    -------
    str or None
        What is wrong, to follow the folder's name in a message.

    Examples
    --------
    >>> folder_problem(Path("no-such-folder"))
    'does not exist'
    """
    if not folder.exists():
        return "does not exist"
    if not folder.is_dir():
        return "is a file, not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return "cannot be written in (read-only, or no permission)"
    return None


def main(
    argv: Sequence[str] | None = None,
    *,
    prog: str | None = None,
    parser_class: Callable[..., argparse.ArgumentParser] = argparse.ArgumentParser,
) -> int:
    """Run the benchmark.

    Parameters
    ----------
    argv : sequence of str, optional
    prog, parser_class
        As for ``parse_args``.

    Returns
    -------
    int
        Exit status: 0.
    """
    args = parse_args(argv, prog=prog, parser_class=parser_class)
    settings = Settings(
        quick=args.quick,
        repeats=args.repeats or (2 if args.quick else 5),
        target_s=0.03 if args.quick else 0.4,
        plot_dir=args.plot_dir,
    )
    have = optional_engines()
    report = Report(machine=machine_facts(have))
    print_machine(report.machine, settings)
    for name in ("torch", "sklearn", "micrograd"):
        if not have[name]:
            print(f"  {name}: not installed, its comparisons are skipped")
    started = time.perf_counter()
    for name in args.only:
        if name == "digits" and not have["sklearn"]:
            print("\n== digits: skipped, its data ships with scikit-learn, which is not installed")
        elif name in WORKLOADS:
            report.workloads[name] = run_workload(WORKLOADS[name], settings, have)
    if report.workloads and settings.plot_dir is not None:
        from neurosim.benchmarks.engines.charts import save_engines_chart

        path = save_engines_chart(report.workloads, Path(settings.plot_dir))
        print(f"\n  chart of the workloads saved to {path}")
    if "instance" in args.only:
        report.instance = run_instance(settings)
    if "watch" in args.only:
        report.watch = run_watch(settings)
    if "doctor" in args.only:
        report.doctor = run_doctor(settings)
    if "object" in args.only:
        report.object_speed = run_object(settings, have)
    if "micrograd" in args.only:
        report.micrograd = run_micrograd(settings, have)
    if "scaling" in args.only:
        report.scaling = run_scaling(settings)
    if "build" in args.only:
        report.build = run_build(settings)
    if "plot" in args.only:
        report.plot = run_plot()
    report.targets = evaluate_targets(report, quick=settings.quick)
    print_targets(report.targets)
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    if args.json:
        payload = {
            "settings": vars(settings),
            "machine": report.machine,
            "workloads": report.workloads,
            "instance_vs_batch": report.instance,
            "micrograd_vs_object": report.micrograd,
            "object_speed": report.object_speed,
            "scaling": report.scaling,
            "watch": report.watch,
            "doctor": report.doctor,
            "build": report.build,
            "plot": report.plot,
            "targets": report.targets,
        }
        write_atomically(Path(args.json), lambda handle: handle.write(json.dumps(payload, indent=2) + "\n"))
        print(f"results written to {args.json}")
    return 0
