"""The refresh job and its schedule."""

import os

import dagster as dg

KPI_REFRESH_JOB_NAME = "kpi_refresh"

kpi_refresh = dg.define_asset_job(
    name=KPI_REFRESH_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Ingest every export, build and test the dbt models, run the quality suites.",
    # One process: DuckDB takes one writer at a time, and the steps run in lineage order anyway.
    executor_def=dg.in_process_executor,
)

daily_refresh = dg.ScheduleDefinition(
    name="daily_kpi_refresh",
    job=kpi_refresh,
    cron_schedule=os.environ.get("CRMKPI_REFRESH_CRON", "0 6 * * *"),
    execution_timezone=os.environ.get("CRMKPI_REFRESH_TIMEZONE", "UTC"),
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Daily refresh; set CRMKPI_REFRESH_CRON and CRMKPI_REFRESH_TIMEZONE to move it.",
)

defs = dg.Definitions(jobs=[kpi_refresh], schedules=[daily_refresh])
