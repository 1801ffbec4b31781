"""An end-to-end refresh through Dagster on a tiny generated data set."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from ingestion.demo import generate_demo_exports
from orchestration.refresh import run_refresh

MARTS = (
    "fct_opportunities",
    "fct_stage_transitions",
    "fct_activities",
    "fct_sales_targets",
    "dim_reps",
    "dim_dates",
    "kpi_rep_period_performance",
)


def test_refresh_builds_every_mart_and_records_the_run(isolated_paths: dict[str, Path]) -> None:
    generate_demo_exports(isolated_paths["landing"], scale="tiny", seed=7)

    result = run_refresh(landing=isolated_paths["landing"], warehouse=isolated_paths["warehouse"])

    assert result.success, (result.failed_steps, result.failed_checks)
    assert not result.failed_checks
    with duckdb.connect(str(isolated_paths["warehouse"]), read_only=True) as connection:
        counts = {
            mart: connection.execute(f"select count(*) from marts.{mart}").fetchone()[0]
            for mart in MARTS
        }
        unbalanced = connection.execute(
            "select count(*) from quarantine.file_loads "
            "where rows_in <> rows_loaded + rows_quarantined"
        ).fetchone()[0]
        raw_opportunities = connection.execute(
            "select count(*) from raw_salesforce.opportunity"
        ).fetchone()[0]
        mart_opportunities = counts["fct_opportunities"]
    assert all(count > 0 for count in counts.values()), counts
    assert unbalanced == 0
    assert mart_opportunities == raw_opportunities

    # The run is stored in the instance that `make ui` shows.
    with dg.DagsterInstance.get() as instance:
        run = instance.get_run_by_id(result.run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
        assert run.job_name == "kpi_refresh"


def test_a_second_refresh_is_idempotent(isolated_paths: dict[str, Path]) -> None:
    generate_demo_exports(isolated_paths["landing"], scale="tiny", seed=11)
    query = (
        "select scope, scope_id, period_grain, period_start, opportunities_won, won_amount, "
        "win_rate, attainment from marts.kpi_rep_period_performance order by all"
    )
    first = run_refresh(landing=isolated_paths["landing"], warehouse=isolated_paths["warehouse"])
    with duckdb.connect(str(isolated_paths["warehouse"]), read_only=True) as connection:
        before = connection.execute(query).fetchall()
    second = run_refresh(landing=isolated_paths["landing"], warehouse=isolated_paths["warehouse"])
    with duckdb.connect(str(isolated_paths["warehouse"]), read_only=True) as connection:
        after = connection.execute(query).fetchall()
    assert first.success and second.success
    assert before == after and before
