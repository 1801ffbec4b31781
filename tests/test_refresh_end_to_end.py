"""End-to-end refreshes through Dagster on a tiny generated data set, write-audit-publish.

The refreshes share one warehouse (a module-scoped fixture mirroring `isolated_paths`): each
takes 30-60 s on two cores, and the scenarios follow one another anyway:

1. a first refresh builds every mart and publishes them;
2. a second one, while a BI reader holds the published file open, publishes again, with the
   same marts (idempotent), and the reader is neither blocked nor disturbed;
3. a third one, on exports with a planted quality violation, fails its blocking check and
   leaves the published file byte for byte as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from ingestion.demo import generate_demo_exports
from orchestration.refresh import RefreshResult, run_refresh

pytestmark = pytest.mark.slow

MARTS = (
    "fct_opportunities",
    "fct_stage_transitions",
    "fct_activities",
    "fct_sales_targets",
    "dim_reps",
    "dim_dates",
    "kpi_rep_period_performance",
)
KPI_QUERY = (
    "select scope, scope_id, period_grain, period_start, opportunities_won, won_amount, "
    "win_rate, attainment from marts.kpi_rep_period_performance order by all"
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    base = tmp_path_factory.mktemp("refresh")
    paths = {
        "landing": base / "landing",
        "warehouse": base / "warehouse" / "crm_kpi.duckdb",
        "published": base / "warehouse" / "published" / "crm_kpi.duckdb",
        "dagster_home": base / "dagster_home",
    }
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CRMKPI_LANDING_DIR", str(paths["landing"]))
        env.setenv("CRMKPI_WAREHOUSE", str(paths["warehouse"]))
        env.setenv("DAGSTER_HOME", str(paths["dagster_home"]))
        env.delenv("CRMKPI_PUBLISHED_WAREHOUSE", raising=False)
        generate_demo_exports(paths["landing"], scale="tiny", seed=7)
        first = run_refresh(landing=paths["landing"], warehouse=paths["warehouse"])
        yield {"paths": paths, "first": first}


def test_refresh_builds_every_mart_publishes_and_records_the_run(
    scenario: dict[str, Any],
) -> None:
    paths, result = scenario["paths"], scenario["first"]
    assert result.success, (result.failed_steps, result.failed_checks)
    assert not result.failed_checks
    assert result.published and result.published_path == paths["published"]

    working = paths["warehouse"]
    counts = {m: _query(working, f"select count(*) from marts.{m}")[0][0] for m in MARTS}
    assert all(count > 0 for count in counts.values()), counts
    unbalanced = _query(
        working,
        "select count(*) from quarantine.file_loads"
        " where rows_in <> rows_loaded + rows_quarantined",
    )[0][0]
    assert unbalanced == 0
    assert (
        counts["fct_opportunities"]
        == _query(working, "select count(*) from raw_salesforce.opportunity")[0][0]
    )

    # BI's file holds the same marts, and only marts, quarantine and the publication record.
    published = paths["published"]
    assert _query(published, KPI_QUERY) == _query(working, KPI_QUERY)
    schemas = {row[0] for row in _query(published, "select schema_name from duckdb_schemas()")}
    assert {"marts", "quarantine", "meta"} <= schemas
    assert not schemas & {"raw_salesforce", "staging", "intermediate"}
    assert _query(published, "select run_id from meta.publication") == [(result.run_id,)]

    # The run is stored in the instance that `make ui` shows, with every check evaluated.
    with dg.DagsterInstance.get() as instance:
        run = instance.get_run_by_id(result.run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
        assert run.job_name == "kpi_refresh"
        steps = {s.step_key: s.status.value for s in instance.get_run_step_stats(result.run_id)}
    assert steps["raw_quality"] == steps["model_quality"] == steps["published_marts"] == "SUCCESS"

    # `crmkpi status --json` reports it, reading only the published file and the instance.
    status = _status_json(paths)
    assert status["last_run"]["run_id"] == result.run_id
    assert status["last_run"]["status"] == "SUCCESS"
    assert not status["last_run"]["checks"]["failed"]
    assert status["published_warehouse"]["run_id"] == result.run_id
    assert status["working_warehouse"]["path"] == str(working)
    assert status["working_warehouse"]["refresh_running_pid"] is None
    files = status["published_warehouse"]["quarantine"]["files"]
    assert {f["file"] for f in files} >= {"salesforce/Opportunity.csv", "targets/quotas.csv"}
    freshness = {row["asset"]: row["state"] for row in status["freshness"]}
    assert freshness["marts/kpi_rep_period_performance"] == "PASS"
    assert freshness["published_marts"] == "PASS"


def test_every_published_table_and_column_carries_its_description(
    scenario: dict[str, Any],
) -> None:
    published = scenario["paths"]["published"]
    schemas = "('marts', 'quarantine', 'meta')"
    tables = _query(
        published,
        "select schema_name, table_name, comment from duckdb_tables()"
        f" where schema_name in {schemas}",
    )
    columns = _query(
        published,
        "select schema_name, table_name, column_name, comment from duckdb_columns()"
        f" where schema_name in {schemas}",
    )
    assert len(tables) >= 20 and len(columns) >= 300
    assert [t[:2] for t in tables if not (t[2] or "").strip()] == []
    assert [c[:3] for c in columns if not (c[3] or "").strip()] == []
    # the dbt description, as written in the mart's YAML
    [(comment,)] = _query(
        published,
        "select comment from duckdb_columns() where table_name = 'kpi_rep_period_performance'"
        " and column_name = 'win_rate'",
    )
    assert comment == "won / (won + lost); null when none closed in the period."


def test_metricflow_win_rate_by_quarter_equals_the_mart(
    scenario: dict[str, Any], tmp_path: Path
) -> None:
    paths = scenario["paths"]
    out = tmp_path / "win_rate.csv"
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("crmkpi")),
            "mf",
            "--warehouse",
            str(paths["warehouse"]),
            "--published",
            str(paths["published"]),
            "query",
            "--metrics",
            "win_rate",
            "--group-by",
            "metric_time__quarter",
            "--csv",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with out.open(newline="") as handle:
        metricflow = {
            row["metric_time__quarter"][:10]: float(row["win_rate"])
            for row in csv.DictReader(handle)
            if row["win_rate"]
        }
    mart = {
        str(start): rate
        for start, rate in _query(
            paths["published"],
            "select period_start, win_rate from marts.kpi_rep_period_performance"
            " where scope = 'company' and period_grain = 'quarter' and win_rate is not null",
        )
    }
    assert len(mart) >= 4
    assert metricflow.keys() == mart.keys()
    for quarter, rate in mart.items():
        assert metricflow[quarter] == pytest.approx(rate), quarter


def test_the_plan_pages_function_gives_the_goal_plan_marts_counts(
    scenario: dict[str, Any],
) -> None:
    from kpi_app.plan import OPEN_STAGES, PlanRates, what_if_plan

    stages = ", ".join(
        f"stage_to_win_rate_{s}_used, required_{s}_opportunities" for s in OPEN_STAGES
    )
    rows = _query(
        scenario["paths"]["published"],
        "select target_amount, won_to_date, weeks_left, avg_deal_size_used,"
        " activities_per_qualified_opportunity_used, required_won_deals, required_activities,"
        f" {stages} from marts.kpi_goal_plan",
    )
    assert rows, "the tiny demo has goal plans"
    for row in rows:
        target, won, weeks, deal, activities_rate, won_deals, activities, *by_stage = row
        rates = PlanRates(
            avg_deal_size=deal,
            stage_to_win={s: by_stage[2 * i] for i, s in enumerate(OPEN_STAGES)},
            per_qualified_opportunity={"activities": activities_rate},
        )
        plan = what_if_plan(target, won, rates, weeks)
        assert plan.required_won_deals == won_deals
        assert plan.required_opportunities == {
            s: by_stage[2 * i + 1] for i, s in enumerate(OPEN_STAGES)
        }
        assert plan.required_activities == {"activities": activities}


def _status_json(paths: dict[str, Path]) -> dict[str, Any]:
    """`crmkpi status --json`, as a separate process (it must not need the working file)."""
    env = {k: v for k, v in os.environ.items() if k != "CRMKPI_PUBLISHED_WAREHOUSE"}
    env["DAGSTER_HOME"] = str(paths["dagster_home"])
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestration.cli",
            "status",
            "--json",
            "--landing",
            str(paths["landing"]),
            "--warehouse",
            str(paths["warehouse"]),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


_READER = textwrap.dedent(
    """
    import sys, duckdb
    connection = duckdb.connect(sys.argv[1], read_only=True)  # a dashboard, left open
    run = lambda: connection.execute("select run_id from meta.publication").fetchone()[0]
    rows = lambda: connection.execute("select count(*) from marts.fct_activities").fetchone()[0]
    print(run(), rows(), flush=True)
    sys.stdin.readline()
    print(run(), rows(), flush=True)
    """
)


def test_a_reader_on_the_published_file_never_blocks_an_idempotent_refresh(
    scenario: dict[str, Any],
) -> None:
    paths, first = scenario["paths"], scenario["first"]
    published = paths["published"]
    before = _query(published, KPI_QUERY)
    reader = subprocess.Popen(
        [sys.executable, "-c", _READER, str(published)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout is not None and reader.stdin is not None
    try:
        seen = reader.stdout.readline().split()
        assert seen[0] == first.run_id

        second = run_refresh(landing=paths["landing"], warehouse=paths["warehouse"])

        assert second.success, (second.failed_steps, second.failed_checks)
        assert second.published
        assert _query(published, "select run_id from meta.publication") == [(second.run_id,)]
        assert _query(published, KPI_QUERY) == before  # same exports, same marts
        # The dashboard's open connection still reads the file it opened, whole.
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().split() == seen
    finally:
        reader.communicate(timeout=30)
    assert reader.returncode == 0


def _plant_closed_before_created(landing: Path) -> str:
    """Give one won opportunity a close date before its creation: ingestion and dbt accept it,
    the fct_opportunities suite (closed_date >= created_date, sales_cycle_days >= 0) does not."""
    path = landing / "salesforce" / "Opportunity.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    victim = next(row for row in rows if row["IsWon"] == "true")
    created = dt.date.fromisoformat(victim["CreatedDate"][:10])
    victim["CloseDate"] = (created - dt.timedelta(days=30)).isoformat()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)
    return victim["Id"]


def test_a_planted_violation_fails_its_blocking_check_and_publishes_nothing(
    scenario: dict[str, Any], tmp_path: Path
) -> None:
    paths = scenario["paths"]
    published = paths["published"]
    bad_landing = tmp_path / "landing"
    shutil.copytree(paths["landing"], bad_landing)
    victim = _plant_closed_before_created(bad_landing)
    published_before = _sha256(published)
    publication_before = _query(published, "select run_id from meta.publication")

    result: RefreshResult = run_refresh(landing=bad_landing, warehouse=paths["warehouse"])

    assert not result.success
    assert not result.published
    assert any("fct_opportunities:gx_fct_opportunities" in c for c in result.failed_checks)
    assert "published_marts" in result.skipped_steps
    # The violation reached the working warehouse, and stopped there.
    assert _query(
        paths["warehouse"],
        f"select count(*) from marts.fct_opportunities where opportunity_id = '{victim}'"
        " and closed_date < created_date",
    ) == [(1,)]
    assert _sha256(published) == published_before
    assert _query(published, "select run_id from meta.publication") == publication_before

    # `crmkpi status` names the failed check; BI still gets the last good publication.
    status = _status_json(paths)
    assert status["last_run"]["run_id"] == result.run_id
    assert status["last_run"]["status"] == "FAILURE"
    failed = {(c["asset"], c["check"]) for c in status["last_run"]["checks"]["failed"]}
    assert ("marts/fct_opportunities", "gx_fct_opportunities") in failed
    assert status["published_warehouse"]["run_id"] == publication_before[0][0]

    # Publishing on its own (e.g. "Materialize" in the UI) is refused while that check fails.
    from orchestration.definitions import defs
    from orchestration.defs.publish import PUBLISHED_MARTS_KEY

    with dg.DagsterInstance.get() as instance:
        manual = defs.resolve_job_def("kpi_refresh").execute_in_process(
            instance=instance, asset_selection=[PUBLISHED_MARTS_KEY], raise_on_error=False
        )
    assert not manual.success
    failure = manual.get_step_failure_events()[0].event_specific_data.error.message
    assert "gx_fct_opportunities" in failure and "not publishing" in failure
    assert _sha256(published) == published_before
