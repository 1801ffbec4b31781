"""Run the `kpi_refresh` job through Dagster on the warehouse's instance, from the CLI.

Order of a refresh: refuse a missing or empty landing folder, take the warehouse's refresh lock
(refuse, or wait with `wait_seconds`), recover what an interrupted refresh left behind (dead
runs, their pool slots, an orphaned dbt), wait until the DuckDB file is free, then execute the
job in this process. The job publishes the marts for BI only if every blocking check passed
and the publish guard found no table that lost too many rows (unless `allow_shrink`).

With a `log_path`, everything the run prints (dbt's node log, Dagster's events and stack
traces) goes to that file and only the step lines reach the `console`.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestration import settings
from orchestration.console import Console, output_to_log
from orchestration.landing import landing_problem
from orchestration.locking import RefreshAlreadyRunningError, warehouse_writer_lock
from orchestration.progress import showing_progress

__all__ = [
    "CheckFailure",
    "LandingFolderError",
    "RefreshAlreadyRunningError",
    "RefreshResult",
    "run_refresh",
]

#: Run tag: the log file of a refresh started from the command line.
LOG_FILE_TAG = "crmkpi/log_file"
_STEP_MESSAGE_CHARS = 240


class LandingFolderError(RuntimeError):
    """The landing folder is missing or holds no export files: nothing to refresh from."""


@dataclass(frozen=True)
class CheckFailure:
    """A failed blocking check, with what a person needs to correct the data."""

    asset: str
    check: str
    description: str
    # expectation label -> unexpected rows (GX suites)
    failures: dict[str, int | None] = field(default_factory=dict)
    # expectation label -> a few failing rows: {source_file, source_row, values}
    failing_rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # refused or unbalanced export files (ingestion accounting)
    files: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.asset}:{self.check}"


@dataclass
class RefreshResult:
    run_id: str
    success: bool
    elapsed_s: float
    failed_steps: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped_steps: list[str] = field(default_factory=list)  # steps that did not run
    published: bool = False
    published_path: Path | None = None
    recovered_runs: list[str] = field(default_factory=list)
    check_failures: list[CheckFailure] = field(default_factory=list)
    shrink_blocked: list[str] = field(default_factory=list)  # publish guard reasons
    log_path: Path | None = None


def check_landing(landing: Path) -> None:
    """Raise LandingFolderError when `landing` has nothing to refresh from."""
    from ingestion.pipeline import SOURCE_FAMILIES

    problem = landing_problem(landing, (family.name for family in SOURCE_FAMILIES))
    if problem:
        raise LandingFolderError(problem)


def run_refresh(
    landing: Path | None = None,
    warehouse: Path | None = None,
    as_of_date: str | None = None,
    full_refresh: bool = False,
    log_level: str = "WARNING",
    wait_seconds: float = 0,
    published: Path | None = None,
    allow_shrink: bool = False,
    console: Console | None = None,
    log_path: Path | None = None,
) -> RefreshResult:
    settings.export_environment(landing, warehouse, published)
    check_landing(settings.landing_dir())
    started = time.monotonic()
    working = settings.warehouse_path()

    def say(message: str) -> None:
        if console is not None:
            console.line(message)
        else:
            print(f"  {message}", flush=True)

    with ExitStack() as stack:
        stack.enter_context(warehouse_writer_lock(working, wait_seconds, say))
        if log_path is not None:
            # From here on, whatever prints (imports included) goes to the log file.
            terminal = stack.enter_context(output_to_log(log_path))
            console = Console(terminal, interactive=console.interactive if console else None)
        stack.enter_context(showing_progress(console))

        import dagster as dg

        from orchestration.definitions import defs
        from orchestration.defs.automation import KPI_REFRESH_JOB_NAME
        from orchestration.recovery import TRIGGER_TAG, writer_tags
        from orchestration.resources import prepare_for_writing

        job = defs.resolve_job_def(KPI_REFRESH_JOB_NAME)
        run_config: dict[str, Any] = {
            "loggers": {"console": {"config": {"log_level": log_level}}},
            "ops": {
                "kpi_dbt_models": {
                    "config": {"full_refresh": full_refresh, "as_of_date": as_of_date}
                },
                "published_marts": {"config": {"allow_shrink": allow_shrink}},
            },
        }
        tags = {**writer_tags(working), TRIGGER_TAG: "cli"}
        if log_path is not None:
            tags[LOG_FILE_TAG] = str(log_path)
        with dg.DagsterInstance.get() as instance:
            recovered = prepare_for_writing(instance, working, log=None, say=say)
            result = job.execute_in_process(
                instance=instance, run_config=run_config, raise_on_error=False, tags=tags
            )
    steps = [node.name for node in job.graph.nodes]
    summary = _summarise(result, steps, time.monotonic() - started, recovered)
    summary.log_path = log_path
    return summary


def _check_failure(evaluation: Any) -> CheckFailure:
    from expectations.failing_rows import FAILING_ROWS_METADATA_KEY

    metadata = {key: value.value for key, value in evaluation.metadata.items()}
    files: dict[str, Any] = {}
    if isinstance(metadata.get("refused_files"), dict):
        files.update(metadata["refused_files"])
    per_file = metadata.get("per_file")
    if isinstance(per_file, dict):
        files.update(
            {
                name: f"rows in {f['rows_in']}, loaded {f['rows_loaded']}, "
                f"quarantined {f['rows_quarantined']}"
                for name, f in per_file.items()
                if f["rows_in"] != f["rows_loaded"] + f["rows_quarantined"]
            }
        )
    failures = dict(metadata.get("failures") or {})
    # A dbt test is its own expectation.
    if metadata.get("dagster_dbt/failed_row_count") is not None:
        failures[evaluation.check_name] = metadata["dagster_dbt/failed_row_count"]
    return CheckFailure(
        asset=evaluation.asset_key.to_user_string(),
        check=evaluation.check_name,
        description=evaluation.description or "",
        failures=failures,
        failing_rows=dict(metadata.get(FAILING_ROWS_METADATA_KEY) or {}),
        files=files,
    )


def _summarise(
    result: Any, steps: list[str], elapsed_s: float, recovered: list[str]
) -> RefreshResult:
    from orchestration.defs.publish import PUBLISH_GUARD_METADATA_KEY, PUBLISHED_MARTS_KEY

    # Steps whose upstream failed are abandoned without an event of their own.
    started = {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}

    failed_steps: list[str] = []
    shrink_blocked: list[str] = []
    for event in result.get_step_failure_events():
        data = event.event_specific_data
        if not event.step_key or not data or not data.error:
            continue
        message = " ".join(data.error.message.split())  # dbt's spans lines; one is enough
        failed_steps.append(f"{event.step_key}: {message[:_STEP_MESSAGE_CHARS]}")
        user_data = getattr(data, "user_failure_data", None)
        guard = user_data.metadata.get(PUBLISH_GUARD_METADATA_KEY) if user_data else None
        if guard is not None:
            shrink_blocked += [str(blocker["reason"]) for blocker in guard.value]
    failed_checks: list[str] = []
    check_failures: list[CheckFailure] = []
    warnings: list[str] = []
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            continue
        label = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        description = evaluation.description or ""
        if evaluation.severity.value == "ERROR":
            failed_checks.append(f"{label} {description}".strip())
            check_failures.append(_check_failure(evaluation))
        else:
            warnings.append(f"{label} {description}".strip())
    published = any(
        event.asset_key == PUBLISHED_MARTS_KEY
        for event in result.get_asset_materialization_events()
    )
    return RefreshResult(
        run_id=result.run_id,
        success=result.success and not failed_checks,
        elapsed_s=elapsed_s,
        failed_steps=failed_steps,
        failed_checks=failed_checks,
        warnings=warnings,
        skipped_steps=[step for step in steps if step not in started],
        published=published,
        published_path=settings.published_warehouse_path(),
        recovered_runs=recovered,
        check_failures=check_failures,
        shrink_blocked=shrink_blocked,
    )
