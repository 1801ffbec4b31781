"""BENCHMARKS.md: the rows of one benchmark run, their targets, and where a refresh's time goes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bench.refreshes import RefreshRun

# The refresh job's steps in run order; the harness reports whichever of them a run had.
STEP_ORDER = (
    "ingest_calendar",
    "ingest_crm",
    "ingest_hubspot",
    "ingest_pipedrive",
    "ingest_salesforce",
    "ingest_targets",
    "raw_quality",
    "kpi_dbt_models",
    "model_quality",
    "published_marts",
)


@dataclass
class Row:
    measurement: str
    scale: str
    value: str = "not run"
    ratio: str = "—"
    target: str = ""
    status: str = "not run"
    load: str = ""  # 1-minute load average when the measurement started


@dataclass
class Report:
    command: str
    machine: dict[str, str]
    load_before: str
    load_after: str = "(run still in progress)"
    rows: list[Row] = field(default_factory=list)
    refreshes: list[tuple[str, RefreshRun]] = field(default_factory=list)  # (scale, run)
    floor_rows: dict[str, dict[str, int]] = field(default_factory=dict)  # scale -> table rows
    profile: str | None = None
    notes: list[str] = field(default_factory=list)

    def row(self, measurement: str, scale: str, target: str) -> Row:
        for row in self.rows:
            if row.measurement == measurement and row.scale == scale:
                return row
        row = Row(measurement, scale, target=target)
        self.rows.append(row)
        return row


def verdict(passed: bool, applies: bool = True) -> str:
    if not applies:
        return "info"
    return "pass" if passed else "FAIL"


def render(report: Report) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`); do not edit by hand. What each row",
        "measures is in `bench/__main__.py`; the floor SQL is `bench/floor.sql`.",
        "",
        "## Machine and run",
        "",
        *(f"- **{label}**: {value}" for label, value in report.machine.items()),
        f"- **command**: `{report.command}`",
        f"- **load average** (1 / 5 / 15 min) before: {report.load_before}; "
        f"after: {report.load_after}",
        "",
        "## Results",
        "",
        "| measurement | scale | value(s) | ratio | target | result | load at start |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {r.measurement} | {r.scale} | {r.value} | {r.ratio} | {r.target} | "
            f"{r.status} | {r.load} |"
            for r in report.rows
        ),
        "",
    ]
    if report.notes:
        lines += ["Notes:", "", *(f"- {note}" for note in report.notes), ""]
    lines += _where_the_time_goes(report)
    if report.floor_rows:
        lines += [
            "## Floor output (rows per KPI table of `bench/floor.sql`)",
            "",
            "| table | " + " | ".join(report.floor_rows) + " |",
            "|---|" + "---|" * len(report.floor_rows),
        ]
        tables = next(iter(report.floor_rows.values()))
        for table in tables:
            counts = " | ".join(f"{c.get(table, 0):,}" for c in report.floor_rows.values())
            lines.append(f"| {table} | {counts} |")
        lines.append("")
    if report.profile:
        lines += [
            "## Profile of a refresh (pyinstrument, main thread; dbt runs in a subprocess)",
            "",
            "```",
            report.profile.rstrip(),
            "```",
            "",
        ]
    return "\n".join(lines)


def _where_the_time_goes(report: Report) -> list[str]:
    runs = [(scale, run) for scale, run in report.refreshes if run.steps]
    if not runs:
        return []
    steps = [s for s in STEP_ORDER if any(s in run.steps for _, run in runs)]
    steps += sorted({s for _, run in runs for s in run.steps} - set(steps))
    header = " | ".join(f"{run.label} ({scale})" for scale, run in runs)
    lines = [
        "## Where the time goes",
        "",
        "Seconds per Dagster step of each measured refresh (start to end of the step, from the",
        "run's event log). *Dagster and between steps* is the refresh's own elapsed time minus",
        "its steps (definitions load, run start, recovery, step launch); *process start-up* is",
        "the wall clock minus that elapsed time (imports before the refresh starts).",
        "",
        f"| step | {header} |",
        "|---|" + "---|" * len(runs),
    ]
    for step in steps:
        cells = " | ".join(_seconds(run.steps.get(step)) for _, run in runs)
        lines.append(f"| {step} | {cells} |")
    overhead = " | ".join(
        _seconds(run.refresh_s - sum(run.steps.values()) if run.refresh_s else None)
        for _, run in runs
    )
    startup = " | ".join(
        _seconds(run.seconds - run.refresh_s if run.refresh_s else None) for _, run in runs
    )
    total = " | ".join(_seconds(run.seconds) for _, run in runs)
    lines += [
        f"| *Dagster and between steps* | {overhead} |",
        f"| *process start-up* | {startup} |",
        f"| **wall clock** | {total} |",
        "",
    ]
    return lines


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def write(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(render(report))
    partial.replace(path)
