"""End-to-end refreshes through Dagster on a tiny generated data set, write-audit-publish.

The refreshes share one warehouse (a module-scoped fixture mirroring `isolated_paths`): each
takes 30-60 s on two cores, and the scenarios follow one another anyway:

1. a first refresh builds every mart and publishes them;
2. a second one, while a BI reader holds the published file open, publishes again, with the
   same marts (idempotent: it loads nothing new, and the publish guard lets it publish), and
   the reader is neither blocked nor disturbed;
3. a refresh of *another* warehouse, from exports with a planted quality violation, run as a
   user runs it (`crmkpi refresh`): it fails its blocking check, names the failing expectation
   and the export row, publishes nothing; the first warehouse's runs, checks and publication
   are untouched by it (one Dagster instance per warehouse);
4. a fresh warehouse built from a truncated Task export is built and checked, but the publish
   guard keeps the published file (exit code 5), until publishing is allowed to shrink;
5. a missing or empty landing folder is refused (exit code 4), by the CLI and inside a run.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from ingestion.demo import generate_demo_exports
from orchestration import settings
from orchestration.refresh import LandingFolderError, run_refresh

pytestmark = pytest.mark.slow

CRMKPI = str(Path(sys.executable).with_name("crmkpi"))

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
        # One Dagster instance per warehouse, beside it.
        "dagster_home": base / "warehouse" / ".crm_kpi_dagster",
    }
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CRMKPI_LANDING_DIR", str(paths["landing"]))
        env.setenv("CRMKPI_WAREHOUSE", str(paths["warehouse"]))
        for variable in ("DAGSTER_HOME", "CRMKPI_DAGSTER_HOME", "CRMKPI_PUBLISHED_WAREHOUSE"):
            env.delenv(variable, raising=False)
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

    # The run is stored in the warehouse's instance (the one `make ui` shows for it), with
    # every check evaluated.
    assert (paths["dagster_home"] / "dagster.yaml").exists()
    with instance_of(paths["warehouse"]) as instance:
        run = instance.get_run_by_id(result.run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
        assert run.job_name == "kpi_refresh"
        steps = {s.step_key: s.status.value for s in instance.get_run_step_stats(result.run_id)}
    assert steps["raw_quality"] == steps["model_quality"] == steps["published_marts"] == "SUCCESS"

    # `crmkpi status --json` reports it, reading only the published file and the instance.
    code, status = _status(paths["landing"], working)
    assert code == 0 and status["ok"] is True and status["problems"] == []
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


def _status(landing: Path, warehouse: Path) -> tuple[int, dict[str, Any]]:
    """`crmkpi status --json` as a separate process (it must not need the working file)."""
    done = subprocess.run(
        [CRMKPI, "status", "--json", "--landing", str(landing), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        timeout=120,
        env=_user_env(),
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def _user_env() -> dict[str, str]:
    """The environment of a user who passes paths as options."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("CRMKPI_", "DAGSTER_"))}


@contextmanager
def instance_of(
    warehouse: Path, published: Path | None = None, landing: Path | None = None
) -> Iterator[dg.DagsterInstance]:
    """The Dagster instance of `warehouse`, with the settings pointing at it meanwhile."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CRMKPI_WAREHOUSE", str(warehouse))
        if published is not None:
            env.setenv("CRMKPI_PUBLISHED_WAREHOUSE", str(published))
        if landing is not None:
            env.setenv("CRMKPI_LANDING_DIR", str(landing))
        env.setenv("DAGSTER_HOME", str(settings.dagster_home()))
        with dg.DagsterInstance.get() as instance:
            yield instance


def _publish_only(
    warehouse: Path, published: Path | None = None, allow_shrink: bool = False
) -> Any:
    """ "Materialize" on published_marts alone, as from the UI of `warehouse`."""
    from orchestration.definitions import defs
    from orchestration.defs.publish import PUBLISHED_MARTS_KEY

    with instance_of(warehouse, published) as instance:
        return defs.resolve_job_def("kpi_refresh").execute_in_process(
            instance=instance,
            asset_selection=[PUBLISHED_MARTS_KEY],
            run_config={"ops": {"published_marts": {"config": {"allow_shrink": allow_shrink}}}},
            raise_on_error=False,
        )


def _crmkpi_refresh(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CRMKPI, "refresh", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=1200,
        env=_user_env(),
    )


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


def _plant_closed_before_created(landing: Path) -> tuple[str, int]:
    """Give one won opportunity a close date before its creation: ingestion and dbt accept it,
    the fct_opportunities suite (closed_date >= created_date, sales_cycle_days >= 0) does not.
    Returns its id and its 1-based data row in the export."""
    path = landing / "salesforce" / "Opportunity.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    index, victim = next((i, row) for i, row in enumerate(rows) if row["IsWon"] == "true")
    created = dt.date.fromisoformat(victim["CreatedDate"][:10])
    victim["CloseDate"] = (created - dt.timedelta(days=30)).isoformat()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)
    return victim["Id"], index + 1


def test_a_failing_check_in_one_warehouse_names_its_rows_and_leaves_another_alone(
    scenario: dict[str, Any], tmp_path: Path
) -> None:
    paths = scenario["paths"]
    published = paths["published"]
    bad_landing = tmp_path / "landing"
    shutil.copytree(paths["landing"], bad_landing)
    victim, victim_row = _plant_closed_before_created(bad_landing)
    published_before = _sha256(published)
    other = tmp_path / "other" / "crm_kpi.duckdb"

    done = _crmkpi_refresh("--landing", bad_landing, "--warehouse", other)

    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    # Quiet and informative: a line per step, no escape codes in a pipe, no stack trace; the
    # failed check, its failing expectation and the export row it came from.
    assert "\x1b" not in output and "Traceback" not in output
    assert len(output.splitlines()) <= 45, output
    assert re.search(r"^dbt build +\d+ nodes: ", done.stdout, re.M), done.stdout
    assert "failed check marts/fct_opportunities:gx_fct_opportunities" in output
    assert (
        "expect_column_pair_values_a_to_be_greater_than_b(closed_date,created_date): "
        "1 unexpected" in output
    )
    assert f"salesforce/Opportunity.csv row {victim_row}: opportunity_id={victim}" in output
    assert "To correct: fix the rows named above in their export files" in output
    # dbt's node log and Dagster's events went to the log file whose path was printed.
    log = Path(re.search(r"^log: (.+)$", done.stdout, re.M).group(1))  # type: ignore[union-attr]
    assert log.parent == other.parent / "logs"
    assert re.search(r"^\d+ of \d+ START sql ", log.read_text(), re.M)
    assert "\x1b" not in log.read_text()

    # The other warehouse published nothing; its status says so and exits non-zero.
    run_id = re.search(r"refresh FAILED \(run ([0-9a-f-]+)", output).group(1)  # type: ignore[union-attr]
    assert not (other.parent / "published" / other.name).exists()
    code, status = _status(bad_landing, other)
    assert code == 1 and status["ok"] is False
    assert any("nothing is published" in p for p in status["problems"])
    assert any(run_id in p and "FAILURE" in p for p in status["problems"])
    assert status["last_run"]["run_id"] == run_id
    failed = {(c["asset"], c["check"]) for c in status["last_run"]["checks"]["failed"]}
    assert ("marts/fct_opportunities", "gx_fct_opportunities") in failed
    # The violation reached that warehouse's working file, and stopped there.
    assert _query(
        other,
        f"select count(*) from marts.fct_opportunities where opportunity_id = '{victim}'"
        " and closed_date < created_date",
    ) == [(1,)]

    # The first warehouse: its published file, its last run and its checks are its own.
    assert _sha256(published) == published_before
    code, status = _status(paths["landing"], paths["warehouse"])
    assert code == 0 and status["ok"], status["problems"]
    assert status["last_run"]["status"] == "SUCCESS" and status["last_run"]["run_id"] != run_id

    # Publishing on its own ("Materialize" in the UI) is refused while a check of *that*
    # warehouse fails, and allowed in the other one (a shared instance refused both).
    refused = _publish_only(other)
    assert not refused.success
    failure = refused.get_step_failure_events()[0].event_specific_data.error.message
    assert "gx_fct_opportunities" in failure and "not publishing" in failure
    assert not (other.parent / "published" / other.name).exists()
    allowed = _publish_only(paths["warehouse"])
    assert allowed.success
    assert _query(published, "select run_id from meta.publication") == [(allowed.run_id,)]


def test_a_refresh_that_would_shrink_the_published_marts_is_not_published(
    scenario: dict[str, Any], tmp_path: Path
) -> None:
    paths = scenario["paths"]
    published = tmp_path / "published.duckdb"  # a copy of the good publication
    shutil.copy(paths["published"], published)
    published_before = _sha256(published)
    landing = tmp_path / "landing"
    shutil.copytree(paths["landing"], landing)
    task_export = landing / "salesforce" / "Task.csv"
    lines = task_export.read_text(encoding="utf-8").splitlines(keepends=True)
    task_export.write_text("".join(lines[:10]), encoding="utf-8")  # header + 9 tasks (no
    # multi-line fields in the demo's Task.csv: one line per row)
    fresh = tmp_path / "fresh" / "crm_kpi.duckdb"

    done = _crmkpi_refresh(
        "--quiet", "--landing", landing, "--warehouse", fresh, "--published", published
    )

    output = done.stdout + done.stderr
    assert done.returncode == 5, output
    assert re.search(r"^mart checks +\d+ passed, 0 warned, 0 failed", done.stdout, re.M), output
    assert _sha256(published) == published_before
    # Tasks are most of the demo's activities, so losing all but 9 of them more than halves
    # fct_activities; the raw task table fell from every task to 9.
    tasks = _query(paths["warehouse"], "select count(*) from raw_salesforce.task")[0][0]
    activities_before = _query(published, "select count(*) from marts.fct_activities")[0][0]
    activities_now = _query(fresh, "select count(*) from marts.fct_activities")[0][0]
    assert activities_now < activities_before / 2
    assert (
        f"marts.fct_activities: {activities_now:,} rows, the published file has "
        f"{activities_before:,}" in output
    )
    assert f"raw_salesforce.task: 9 rows, the published marts were built from {tasks:,}" in output
    assert "crmkpi refresh --allow-shrink" in output

    allowed = _publish_only(fresh, published, allow_shrink=True)
    assert allowed.success
    assert _query(published, "select count(*) from marts.fct_activities") == [(activities_now,)]
    details = json.loads(_query(published, "select details from meta.publication")[0][0])
    assert {"marts.fct_activities", "raw_salesforce.task"} <= {
        blocker["table"] for blocker in details["shrink_allowed"]
    }
    assert details["raw_row_counts"]["raw_salesforce.task"] == 9


def test_a_missing_or_empty_landing_folder_is_refused(
    scenario: dict[str, Any], tmp_path: Path
) -> None:
    paths = scenario["paths"]
    published_before = _sha256(paths["published"])
    empty = tmp_path / "empty"
    (empty / "salesforce").mkdir(parents=True)
    (empty / "manifest.json").write_text("{}")  # not an export: not in a source folder

    for landing, problem in [
        (tmp_path / "missing", "does not exist"),
        (empty, "holds no export files"),
    ]:
        done = _crmkpi_refresh("--landing", landing, "--warehouse", paths["warehouse"])
        assert done.returncode == 4, done.stdout + done.stderr
        assert f"refresh refused: landing folder {landing} {problem}" in done.stderr
        assert "Nothing was read or published" in done.stderr
        with pytest.raises(LandingFolderError, match=problem):
            run_refresh(landing=landing, warehouse=paths["warehouse"])
    assert _sha256(paths["published"]) == published_before

    # A run the CLI did not start (schedule, sensor, UI) is refused by its ingestion steps.
    from orchestration.definitions import defs

    with instance_of(paths["warehouse"], landing=empty) as instance:
        run = defs.resolve_job_def("kpi_refresh").execute_in_process(
            instance=instance, raise_on_error=False
        )
    assert not run.success
    failures = [e.event_specific_data.error.message for e in run.get_step_failure_events()]
    assert failures and all("holds no export files" in f for f in failures)
    started = {e.step_key for e in run.all_events if e.event_type_value == "STEP_START"}
    assert "published_marts" not in started and "kpi_dbt_models" not in started
    assert _sha256(paths["published"]) == published_before


def test_a_quota_sheet_failing_a_blocking_check_can_be_fixed_or_retracted(
    scenario: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """Corrections end to end: a fixed sheet supersedes its failing rows, and a retracted
    one takes them along, so the next refresh passes and publishes."""
    from orchestration.cli import main

    paths = scenario["paths"]
    landing, working = paths["landing"], paths["warehouse"]
    header, first_target = (landing / "targets" / "quotas.csv").read_text().splitlines()[:2]
    # a rep target naming no e-mail fails the blocking raw check on sales_target
    to_fix, to_retract = landing / "targets" / "late_fix.csv", landing / "targets" / "late.csv"
    for sheet, rep in ((to_fix, "Finn Stone"), (to_retract, "Eve Stone")):
        failing = f",{rep},Enterprise,2025-Q1,5000,USD"
        sheet.write_text(f"{header}\n{first_target}\n{failing}\n", encoding="utf-8")

    failed = run_refresh(landing=landing, warehouse=working)
    assert not failed.success and not failed.published
    assert any(
        "targets/sales_target:gx_raw_targets_sales_target" in c for c in failed.failed_checks
    )

    to_fix.write_text(f"{header}\n{first_target}\n", encoding="utf-8")  # fixed in place
    archive = working.parent / "archive"
    archive.mkdir()
    shutil.move(to_retract, archive / to_retract.name)  # removed: that alone retracts nothing
    capsys.readouterr()
    assert main(["retract", "targets/late.csv", "--landing", str(landing)]) == 0
    printed = capsys.readouterr().out
    assert "retracted targets/late.csv" in printed
    # its copy of the first target was superseded by quotas.csv: only Eve's row was loaded
    assert re.search(r"raw_targets\.sales_target +1 row\(s\) removed", printed), printed

    fixed = run_refresh(landing=landing, warehouse=working)

    assert fixed.success and fixed.published, (fixed.failed_steps, fixed.failed_checks)
    for database in (working, paths["published"]):
        assert _query(
            database,
            "select count(*) from marts.fct_sales_targets where scope_name like '% Stone'",
        ) == [(0,)]
    # free text stays out of the file BI reads (see tests/test_privacy.py)
    assert "subject" in {row[0] for row in _query(working, "describe marts.fct_activities")}
    assert "subject" not in {
        row[0] for row in _query(paths["published"], "describe marts.fct_activities")
    }
