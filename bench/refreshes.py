"""Refreshes as a user runs them: `crmkpi refresh` in a subprocess, timed, its memory sampled.

Each run gets its own Dagster instance directory (CRMKPI_DAGSTER_HOME), so the benchmark
neither reads nor disturbs a warehouse's own instance; the step timings of the run are read
back from that instance afterwards.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench.memory import MeasuredRun, run_measured

ROOT = Path(__file__).resolve().parents[1]
_RUN_ID = re.compile(r"refresh (?:succeeded|FAILED) \(run ([0-9a-f-]+), ([0-9.]+) s\)")


@dataclass
class RefreshRun:
    label: str
    seconds: float  # wall clock of the whole process, start-up included
    peak_rss_mib: float
    ok: bool
    run_id: str | None = None
    refresh_s: float | None = None  # what the refresh itself reports (after imports)
    steps: dict[str, float] = field(default_factory=dict)  # Dagster step -> seconds
    output_tail: str = ""


def crmkpi_command(override: str | None = None) -> list[str]:
    """The `crmkpi` console script of this interpreter's environment (or `override`)."""
    if override:
        return shlex.split(override)
    script = Path(sys.executable).with_name("crmkpi")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "orchestration.cli"]


def refresh_environment(dagster_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRMKPI_")}
    env["CRMKPI_DAGSTER_HOME"] = str(dagster_home.resolve())
    return env


def fresh_warehouse(path: Path) -> Path:
    """An empty folder for a new working warehouse (its published file goes beside it)."""
    if path.parent.exists():
        shutil.rmtree(path.parent)
    path.parent.mkdir(parents=True)
    return path


def run_refresh(
    label: str,
    crmkpi: list[str],
    landing: Path,
    warehouse: Path,
    dagster_home: Path,
    extra: tuple[str, ...] = ("--quiet",),
    profile: Path | None = None,
) -> RefreshRun:
    """`crmkpi refresh --landing L --warehouse W`, measured; with `profile`, under pyinstrument."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    arguments = ["refresh", "--landing", str(landing), "--warehouse", str(warehouse), *extra]
    command = [*crmkpi, *arguments]
    if profile is not None:
        command = [
            sys.executable,
            "-m",
            "pyinstrument",
            "--renderer",
            "text",
            "--outfile",
            str(profile),
            "-m",
            "orchestration.cli",
            *arguments,
        ]
    measured = run_measured(command, refresh_environment(dagster_home), ROOT)
    return _parsed(label, measured, dagster_home)


def run_make_run_equivalent(
    crmkpi: list[str], landing: Path, warehouse: Path, dagster_home: Path, scale: str
) -> RefreshRun:
    """`make run` with the venv in place and the demo already generated: its two commands."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    env = refresh_environment(dagster_home)
    demo = run_measured(
        [*crmkpi, "demo-data", "--out", str(landing), "--scale", scale, "--if-empty"], env, ROOT
    )
    refresh = run_measured(
        [*crmkpi, "refresh", "--landing", str(landing), "--warehouse", str(warehouse)], env, ROOT
    )
    run = _parsed("make run", refresh, dagster_home)
    run.seconds += demo.seconds
    run.peak_rss_mib = max(run.peak_rss_mib, demo.peak_rss_mib)
    run.ok = run.ok and demo.returncode == 0
    return run


def _parsed(label: str, measured: MeasuredRun, dagster_home: Path) -> RefreshRun:
    run = RefreshRun(
        label=label,
        seconds=measured.seconds,
        peak_rss_mib=measured.peak_rss_mib,
        ok=measured.returncode == 0,
        output_tail=measured.output_tail,
    )
    match = _RUN_ID.search(measured.output_tail)
    if match:
        run.run_id, run.refresh_s = match.group(1), float(match.group(2))
        run.steps = step_seconds(dagster_home, run.run_id)
    return run


def step_seconds(dagster_home: Path, run_id: str) -> dict[str, float]:
    """Start-to-end seconds of every step of a run, from the run's Dagster instance."""
    if not (dagster_home / "storage").exists():
        return {}
    import dagster as dg

    # The instance's event log storage (orchestration/instance_storage.py) lives under
    # $DAGSTER_HOME, as `crmkpi` sets it for the refresh.
    previous = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(dagster_home.resolve())
    try:
        with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
            return {
                stat.step_key: stat.end_time - stat.start_time
                for stat in instance.get_run_step_stats(run_id)
                if stat.start_time is not None and stat.end_time is not None
            }
    finally:
        if previous is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = previous
