"""Run the `kpi_refresh` job through Dagster on the repository's instance, from the CLI."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestration import settings


class RefreshAlreadyRunningError(RuntimeError):
    """Another refresh holds the warehouse; DuckDB allows a single writer."""


@dataclass
class RefreshResult:
    run_id: str
    success: bool
    elapsed_s: float
    failed_steps: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@contextmanager
def warehouse_writer_lock(warehouse: Path) -> Iterator[None]:
    """Refuse a second refresh of the same warehouse instead of colliding on DuckDB's lock."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock_path = warehouse.with_name(warehouse.name + ".refresh.lock")
    with lock_path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise RefreshAlreadyRunningError(
                f"another refresh of {warehouse} is running (pid {holder}); try again when it ends"
            ) from error
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_refresh(
    landing: Path | None = None,
    warehouse: Path | None = None,
    as_of_date: str | None = None,
    full_refresh: bool = False,
    log_level: str = "WARNING",
) -> RefreshResult:
    settings.export_environment(landing, warehouse)
    started = time.monotonic()
    with warehouse_writer_lock(settings.warehouse_path()):
        import dagster as dg

        from orchestration.definitions import defs
        from orchestration.defs.automation import KPI_REFRESH_JOB_NAME

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
            result = job.execute_in_process(
                instance=instance, run_config=run_config, raise_on_error=False
            )
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
    return RefreshResult(
        run_id=result.run_id,
        success=result.success and not failed_checks,
        elapsed_s=time.monotonic() - started,
        failed_steps=failed_steps,
        failed_checks=failed_checks,
        warnings=warnings,
    )
