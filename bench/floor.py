"""The benchmark floor: bench/floor.sql, the KPI marts in plain SQL, run by DuckDB's Python API.

    .venv/bin/python -m bench.floor --landing /work/bench_data/medium

It reads the raw demo exports with read_csv into a fresh DuckDB file and prints the time and
the row count of every KPI table it created.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
FLOOR_SQL = Path(__file__).with_name("floor.sql")
SEEDS = ROOT / "dbt_project" / "seeds"
KPI_TABLES = (
    "kpi_rep_period_performance",
    "kpi_funnel_conversion",
    "kpi_stage_duration",
    "kpi_sales_velocity",
    "kpi_activity_effectiveness",
    "kpi_target_pacing",
    "kpi_goal_plan",
    "kpi_deal_risks",
)


@dataclass(frozen=True)
class FloorRun:
    seconds: float
    row_counts: dict[str, int]


def run_floor(landing: Path, database: Path) -> FloorRun:
    """Run floor.sql on `landing` into a fresh `database`; returns its time and row counts."""
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)
    database.parent.mkdir(parents=True, exist_ok=True)
    script = FLOOR_SQL.read_text()
    started = time.perf_counter()
    connection = duckdb.connect(str(database))
    try:
        connection.execute("set variable landing = ?", [str(landing.resolve())])
        connection.execute("set variable seeds = ?", [str(SEEDS)])
        connection.execute(script)
        connection.execute("checkpoint")
        elapsed = time.perf_counter() - started
        counts = {}
        for table in KPI_TABLES:
            result = connection.execute(f"select count(*) from marts.{table}").fetchone()
            counts[table] = result[0] if result else 0
    finally:
        connection.close()
    return FloorRun(seconds=elapsed, row_counts=counts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("--landing", type=Path, required=True, help="a demo landing folder")
    parser.add_argument("--database", type=Path, default=Path("warehouse/bench/floor.duckdb"))
    args = parser.parse_args(argv)
    run = run_floor(args.landing, args.database)
    print(f"floor.sql: {run.seconds:.2f} s")
    for table, rows in run.row_counts.items():
        print(f"  marts.{table:<28} {rows:>10,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
