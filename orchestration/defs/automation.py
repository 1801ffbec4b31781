"""The refresh job, its daily schedule, and the sensor that refreshes when exports land.

Both triggers launch `kpi_refresh` through the Dagster daemon (run queue of one,
`max_concurrent_runs: 1`); the run's `warehouse` resource takes the same refresh lock as
`crmkpi refresh`, so scheduled, sensed and command-line refreshes never write at once.
"""

import dagster as dg

from orchestration import settings
from orchestration.landing import diff_landing
from orchestration.recovery import TRIGGER_TAG
from orchestration.resources import WarehouseWriter

KPI_REFRESH_JOB_NAME = "kpi_refresh"
SCHEDULE_NAME = "daily_kpi_refresh"
SENSOR_NAME = "landing_files_sensor"

kpi_refresh = dg.define_asset_job(
    name=KPI_REFRESH_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description=(
        "Ingest every export, check it, build and test the dbt models, check the marts, and "
        "publish them for BI when every blocking check passed."
    ),
    # One process: DuckDB takes one writer at a time, and the steps run in lineage order anyway.
    executor_def=dg.in_process_executor,
)

daily_refresh = dg.ScheduleDefinition(
    name=SCHEDULE_NAME,
    job=kpi_refresh,
    cron_schedule=settings.option("refresh_cron"),
    execution_timezone=settings.option("refresh_timezone"),
    default_status=dg.DefaultScheduleStatus.RUNNING,
    tags={TRIGGER_TAG: "schedule"},
    description=(
        "Daily refresh. Move it with CRMKPI_REFRESH_CRON / CRMKPI_REFRESH_TIMEZONE or "
        "refresh_cron / refresh_timezone in crmkpi.yaml."
    ),
)


def _last_successful_refresh_start(instance: dg.DagsterInstance) -> float | None:
    records = instance.get_run_records(
        filters=dg.RunsFilter(
            job_name=KPI_REFRESH_JOB_NAME, statuses=[dg.DagsterRunStatus.SUCCESS]
        ),
        limit=1,
    )
    return records[0].start_time if records and records[0].start_time else None


@dg.sensor(
    name=SENSOR_NAME,
    job=kpi_refresh,
    minimum_interval_seconds=int(settings.option("sensor_interval_seconds")),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Starts kpi_refresh when new or changed export files land in the landing folder; "
        "never twice for the same file version (cursor of path, size, mtime and content hash; "
        "run_key of the new versions)."
    ),
)
def landing_files_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    landing = settings.landing_dir()
    baseline = None if context.cursor else _last_successful_refresh_start(context.instance)
    diff = diff_landing(
        landing,
        context.cursor,
        settle_seconds=float(settings.option("sensor_settle_seconds")),
        baseline_mtime=baseline,
    )
    if not diff.new_files:
        waiting = f"; {len(diff.settling)} file(s) still being written" if diff.settling else ""
        return dg.SensorResult(
            skip_reason=dg.SkipReason(f"no new export files in {landing}{waiting}"),
            cursor=diff.cursor,
        )
    shown = ", ".join(diff.new_files[:5]) + ("..." if len(diff.new_files) > 5 else "")
    context.log.info(f"{len(diff.new_files)} new export file(s): {shown}")
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=diff.run_key,
                tags={TRIGGER_TAG: "sensor", "crmkpi/new_files": str(len(diff.new_files))},
            )
        ],
        cursor=diff.cursor,
    )


defs = dg.Definitions(
    jobs=[kpi_refresh],
    schedules=[daily_refresh],
    sensors=[landing_files_sensor],
    # UI-launched materializations run in one process too (one writer, one lock hold).
    executor=dg.in_process_executor,
    resources={
        "warehouse": WarehouseWriter(lock_wait_seconds=int(settings.option("lock_wait_seconds")))
    },
)
