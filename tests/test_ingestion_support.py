"""Helpers shared by the ingestion tests (no tests here): fixture landings, ingest, lookups."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb

from ingestion.pipeline import IngestionReport, ingest_landing

FIXTURES = Path(__file__).parent / "fixtures"


def landing_from(tmp_path: Path, *copies: tuple[str, str]) -> Path:
    """A landing folder under tmp_path holding fixture folders: (fixture dir, landing subdir)."""
    landing = tmp_path / "landing"
    landing.mkdir(exist_ok=True)
    for fixture, target in copies:
        shutil.copytree(FIXTURES / fixture, landing / target, dirs_exist_ok=True)
    return landing


def run(tmp_path: Path, *families: str) -> IngestionReport:
    """Ingest tmp_path/landing into tmp_path/warehouse/w.duckdb; every file must balance."""
    report = ingest_landing(tmp_path / "landing", warehouse(tmp_path), families=families or None)
    for ledger in report.ledgers:
        assert not ledger.unbalanced_files, ledger.summary()
        for account in ledger.files:
            assert account.rows_in == account.rows_loaded + account.rows_quarantined
    return report


def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "w.duckdb"


def query(tmp_path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse(tmp_path)), read_only=True) as connection:
        connection.execute("set timezone = 'UTC'")
        return connection.execute(sql, params or []).fetchall()


def accounting(tmp_path: Path, table: str, source_file: str) -> tuple[int, int, int]:
    rows = query(
        tmp_path,
        "select rows_in, rows_loaded, rows_quarantined from quarantine.file_loads "
        "where table_name = ? and source_file = ?",
        [table, source_file],
    )
    assert len(rows) == 1, f"no single accounting row for {table} {source_file}: {rows}"
    return rows[0]


def rejections(tmp_path: Path, source_file: str | None = None) -> list[tuple[Any, ...]]:
    where = "where source_file = ?" if source_file else ""
    return query(
        tmp_path,
        "select source_file, source_row, table_name, column_name, reason "
        f"from quarantine.rejected_rows {where} order by all",
        [source_file] if source_file else [],
    )


def raw_tables(tmp_path: Path) -> list[str]:
    return [
        f"{schema}.{name}"
        for schema, name in query(
            tmp_path,
            "select table_schema, table_name from information_schema.tables "
            "where table_schema like 'raw\\_%' escape '\\' and table_name not like '\\_dlt%' "
            "escape '\\' and table_schema not like '%\\_staging' escape '\\' order by all",
        )
    ]


def table_contents(tmp_path: Path, table: str) -> list[tuple[Any, ...]]:
    """Every row of a table, every column (`_dlt_load_id` included), in a stable order."""
    schema, name = table.split(".")
    return query(tmp_path, f'select * from {schema}."{name}" order by all')
