"""Run the `kpi_refresh` job through Dagster on the repository's instance, from the CLI.

Order of a refresh: take the warehouse's refresh lock (refuse, or wait with `wait_seconds`),
recover what an interrupted refresh left behind (dead runs, their pool slots, an orphaned
dbt), wait until the DuckDB file is free, then execute the job in this process. The job
publishes the marts for BI only if every blocking check passed.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestration import settings
from orchestration.locking import RefreshAlreadyRunningError, warehouse_writer_lock
from orchestration.progress import PROGRESS_ENV

__all__ = ["RefreshAlreadyRunningError", "RefreshResult", "run_refresh"]


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


def _say(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def run_refresh(
    landing: Path | None = None,
    warehouse: Path | None = None,
    as_of_date: str | None = None,
    full_refresh: bool = False,
    log_level: str = "WARNING",
    wait_seconds: float = 0,
    published: Path | None = None,
    show_progress: bool = False,
) -> RefreshResult:
    settings.export_environment(landing, warehouse, published)
    started = time.monotonic()
    working = settings.warehouse_path()
    previous_progress = os.environ.get(PROGRESS_ENV)
    if show_progress:
        os.environ[PROGRESS_ENV] = "1"
    try:
        with warehouse_writer_lock(working, wait_seconds, _say):
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
                    }
                },
            }
            with dg.DagsterInstance.get() as instance:
                recovered = prepare_for_writing(instance, working)
                result = job.execute_in_process(
                    instance=instance,
                    run_config=run_config,
                    raise_on_error=False,
                    tags={**writer_tags(working), TRIGGER_TAG: "cli"},
                )
    finally:
        if previous_progress is None:
            os.environ.pop(PROGRESS_ENV, None)
        else:
            os.environ[PROGRESS_ENV] = previous_progress
    steps = [node.name for node in job.graph.nodes]
    return _summarise(result, steps, time.monotonic() - started, recovered)


def _summarise(
    result: Any, steps: list[str], elapsed_s: float, recovered: list[str]
) -> RefreshResult:
    from orchestration.defs.publish import PUBLISHED_MARTS_KEY

    # Steps whose upstream failed are abandoned without an event of their own.
    started = {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}

    failed_steps = [
        f"{event.step_key}: {event.event_specific_data.error.message.strip().splitlines()[0]}"
        for event in result.get_step_failure_events()
        if event.step_key and event.event_specific_data and event.event_specific_data.error
    ]
    failed_checks: list[str] = []
    warnings: list[str] = []
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            continue
        label = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        description = evaluation.description or ""
        if evaluation.severity.value == "ERROR":
            failed_checks.append(f"{label} {description}".strip())
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
    )
