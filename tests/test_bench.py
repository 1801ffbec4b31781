"""The benchmark harness cannot rot: it runs end to end at tiny scale and writes every row.

No timing is asserted anywhere: these tests check that each measurement runs and is reported.
The fast test stands a stub in for `crmkpi` (a real refresh takes minutes); the slow one runs
the real refresh path the harness measures, once.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from bench.floor import KPI_TABLES, run_floor
from ingestion.demo import generate_demo_exports

ROOT = Path(__file__).parents[1]
STUB = Path(__file__).parent / "fixtures" / "bench_stub_crmkpi.py"
ROWS = (
    "ingestion vs DuckDB read_csv",
    "full refresh vs floor.sql",
    "incremental day vs full refresh",
    "peak RSS of the full refresh",
    "fixed overhead: refresh of tiny",
    "fixed overhead: `make run`",
)


@pytest.fixture(scope="module")
def bench_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("bench_data")
    generate_demo_exports(data / "tiny", scale="tiny", seed=42)
    return data


def test_harness_writes_every_row_of_the_report_at_tiny_scale(
    bench_data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "BENCHMARKS.md"
    command = [sys.executable, "-m", "bench", "--scales", "tiny", "--run-scale", "tiny"]
    result = subprocess.run(
        [
            *command,
            *("--data-dir", str(bench_data), "--work", str(tmp_path / "work")),
            *("--out", str(out), "--crmkpi", f"{sys.executable} {STUB}"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    report = out.read_text()
    for heading in ("## Machine and run", "## Results", "## Floor output"):
        assert heading in report
    for label in ("**CPU**", "**RAM**", "**OS**", "**Python**", "dbt-duckdb", "**command**"):
        assert label in report
    assert "load average" in report and "(run still in progress)" not in report
    table = [line for line in report.splitlines() if line.startswith("| ")]
    for name in ROWS:
        row = next((line for line in table if line.startswith(f"| {name} | tiny |")), None)
        assert row is not None, f"no row for {name}"
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[5] in {"pass", "FAIL", "info"}, row  # measured, not `error`/`not run`
    for kpi_table in KPI_TABLES:
        assert f"| {kpi_table} |" in report
    # the incremental day copied real delta files of the last day in
    assert "delta: 4 files" in report


def test_floor_sql_builds_every_kpi_table_from_the_raw_tiny_demo(
    bench_data: Path, tmp_path: Path
) -> None:
    landing = bench_data / "tiny"
    run = run_floor(landing, tmp_path / "floor.duckdb")
    assert set(run.row_counts) == set(KPI_TABLES)
    assert all(rows > 0 for rows in run.row_counts.values()), run.row_counts

    # Company wins over all quarters = the Closed Won opportunities of the export, counted
    # here straight from the CSV (every close date of a closed deal is before the export).
    with (landing / "salesforce" / "Opportunity.csv").open(newline="") as handle:
        won = sum(row["StageName"] == "Closed Won" for row in csv.DictReader(handle))
    import duckdb

    connection = duckdb.connect(str(tmp_path / "floor.duckdb"), read_only=True)
    try:
        (counted,) = connection.execute(
            "select sum(opportunities_won) from marts.kpi_rep_period_performance "
            "where scope = 'company' and period_grain = 'quarter'"
        ).fetchone()
    finally:
        connection.close()
    assert won > 0
    assert counted == won


@pytest.mark.slow
def test_harness_measures_a_real_refresh_and_reads_its_step_timings(
    bench_data: Path, tmp_path: Path
) -> None:
    from bench.refreshes import crmkpi_command, fresh_warehouse, run_refresh

    warehouse = fresh_warehouse(tmp_path / "w" / "crm_kpi.duckdb")
    run = run_refresh(
        "full refresh", crmkpi_command(), bench_data / "tiny", warehouse, tmp_path / "home"
    )
    assert run.ok, run.output_tail
    assert run.run_id and run.refresh_s is not None
    assert {"ingest_salesforce", "kpi_dbt_models", "published_marts"} <= set(run.steps)
    assert run.peak_rss_mib > 0
