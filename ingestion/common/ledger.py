"""Per-run accounting of every export file: rows in = rows loaded + rows quarantined.

Rejected rows and files are written to the warehouse schema `quarantine` after each source's
load. dlt's own `discard_row` contract drops rows without counting them, so the quarantine is
ours: it keeps the file, the 1-based row, the column, the reason and the original record.

A run may also retract export files (`crmkpi retract`): their raw rows are deleted by the
ingestion itself (`ingestion/common/corrections.py`), and the ledger forgets their
quarantine entries, so the file could be loaded again later as a new one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from ingestion.common.typing import REJECTED_ROWS_SCHEMA

QUARANTINE_SCHEMA = "quarantine"
_QUARANTINE_TABLES = ("rejected_rows", "rejected_files", "file_loads")
RETRACTIONS_TABLE = "retractions"
# Raw rows deleted because their export file was replaced, re-read or retracted. Written by the
# ingestion through dlt's SQL client in the transaction that deletes them, so standard SQL only.
RETRACTIONS_DDL = f"""create table if not exists {QUARANTINE_SCHEMA}.{RETRACTIONS_TABLE} (
    source_name varchar not null,
    table_name varchar not null,
    source_file varchar not null,
    rows_deleted bigint not null,
    reason varchar not null,
    load_id varchar not null,
    retracted_at timestamp with time zone not null
)"""

_DDL = (
    f"""
create schema if not exists {QUARANTINE_SCHEMA};
create table if not exists {QUARANTINE_SCHEMA}.rejected_rows (
    source_file varchar not null,
    source_row bigint,
    column_name varchar,
    reason varchar not null,
    raw_record varchar,
    rejected_at timestamptz not null,
    table_name varchar
);
alter table {QUARANTINE_SCHEMA}.rejected_rows add column if not exists table_name varchar;
create table if not exists {QUARANTINE_SCHEMA}.rejected_files (
    source_file varchar not null,
    reason varchar not null,
    source_name varchar not null,
    table_name varchar not null,
    rejected_at timestamptz not null
);
create table if not exists {QUARANTINE_SCHEMA}.file_loads (
    source_name varchar not null,
    table_name varchar not null,
    source_file varchar not null,
    rows_in bigint not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    loaded_at timestamptz not null
);
"""
    + RETRACTIONS_DDL
    + ";"
)


@dataclass(frozen=True)
class Retraction:
    """Rows of one export file deleted from one raw table before the table loaded again."""

    table_name: str
    source_file: str
    rows_deleted: int
    reason: str  # replaced | re-read | retracted


@dataclass(frozen=True)
class FileAccount:
    source_name: str
    table_name: str
    source_file: str
    rows_in: int
    rows_loaded: int
    rows_quarantined: int

    @property
    def balances(self) -> bool:
        return self.rows_in == self.rows_loaded + self.rows_quarantined


@dataclass
class IngestionLedger:
    """What one source's run read, loaded and rejected, file by file."""

    source_name: str
    # Export files (landing-relative) this run retracts: `crmkpi retract`. Empty in a refresh.
    retracting: frozenset[str] = frozenset()
    files: list[FileAccount] = field(default_factory=list)
    rejected_files: dict[str, str] = field(default_factory=dict)
    skipped_files: list[str] = field(default_factory=list)  # already read, unchanged
    notes: list[str] = field(default_factory=list)
    # Raw rows deleted because their file was replaced, re-read or retracted (per file, table).
    retractions: list[Retraction] = field(default_factory=list)
    # Quarantine entries of retracted files removed by `write_to_warehouse`: table -> rows.
    forgotten: dict[str, int] = field(default_factory=dict)
    _refusals: dict[tuple[str, str], str] = field(default_factory=dict)
    _rejected_row_tables: list[pa.Table] = field(default_factory=list)

    def reject_rows(self, rejected: pa.Table, table_name: str | None = None) -> None:
        if rejected.num_rows:
            table = rejected.cast(REJECTED_ROWS_SCHEMA)
            names = pa.array([table_name] * table.num_rows, pa.string())
            self._rejected_row_tables.append(table.append_column("table_name", names))

    def reject_malformed_rows(
        self, source_file: str, rows: Iterable[tuple[int, str, str]], table_name: str | None = None
    ) -> None:
        """Rows that could not even be split into fields: (source_row, reason, raw text)."""
        records = [
            {
                "source_file": source_file,
                "source_row": source_row,
                "column_name": None,
                "reason": reason,
                "raw_record": json.dumps({"_raw_line": text}, ensure_ascii=False),
            }
            for source_row, reason, text in rows
        ]
        if records:
            self.reject_rows(pa.Table.from_pylist(records, schema=REJECTED_ROWS_SCHEMA), table_name)

    def reject_file(self, source_file: str, reason: str, table_name: str) -> None:
        self.rejected_files[source_file] = reason
        self._refusals[(source_file, table_name)] = reason

    def record_file(self, account: FileAccount) -> None:
        self.files.append(account)

    @property
    def rejected_rows(self) -> pa.Table:
        if not self._rejected_row_tables:
            return REJECTED_ROWS_SCHEMA.append(pa.field("table_name", pa.string())).empty_table()
        return pa.concat_tables(self._rejected_row_tables)

    @property
    def unbalanced_files(self) -> list[FileAccount]:
        return [account for account in self.files if not account.balances]

    def summary(self) -> dict[str, object]:
        return {
            "source": self.source_name,
            "files": [asdict(account) for account in self.files],
            "rejected_files": dict(self.rejected_files),
            "rejected_rows": self.rejected_rows.num_rows,
            "skipped_files": list(self.skipped_files),
            "notes": list(self.notes),
            "retractions": [asdict(r) for r in self.retractions],
        }

    def write_to_warehouse(self, warehouse_path: Path) -> None:
        """Replace the quarantine entries of every (file, table) this run read, then add new ones.

        Files skipped because they were already read unchanged keep their entries; retracted
        files lose theirs.
        """
        now = datetime.now(UTC)
        touched = sorted({(a.source_file, a.table_name) for a in self.files} | set(self._refusals))
        rejected_rows = self.rejected_rows.append_column(
            "rejected_at", pa.array([now] * self.rejected_rows.num_rows, pa.timestamp("us", "UTC"))
        )
        connection = duckdb.connect(str(warehouse_path))
        try:
            connection.execute(_DDL)
            connection.execute("begin transaction")
            self._forget_retracted(connection)
            connection.execute(
                "create temp table touched (source_file varchar, table_name varchar)"
            )
            if touched:
                connection.executemany("insert into touched values (?, ?)", touched)
            connection.execute(
                f"delete from {QUARANTINE_SCHEMA}.rejected_rows r where exists (select 1 from "
                "touched t where t.source_file = r.source_file "
                "and (r.table_name is null or r.table_name = t.table_name))"
            )
            for table in ("rejected_files", "file_loads"):
                connection.execute(
                    f"delete from {QUARANTINE_SCHEMA}.{table} r where exists (select 1 from "
                    "touched t where t.source_file = r.source_file "
                    "and t.table_name = r.table_name)"
                )
            connection.register("new_rejected_rows", rejected_rows)
            connection.execute(
                f"insert into {QUARANTINE_SCHEMA}.rejected_rows by name "
                "select * from new_rejected_rows"
            )
            for (source_file, table_name), reason in self._refusals.items():
                connection.execute(
                    f"insert into {QUARANTINE_SCHEMA}.rejected_files values (?, ?, ?, ?, ?)",
                    [source_file, reason, self.source_name, table_name, now],
                )
            for account in self.files:
                connection.execute(
                    f"insert into {QUARANTINE_SCHEMA}.file_loads values (?, ?, ?, ?, ?, ?, ?)",
                    [*asdict(account).values(), now],
                )
            connection.execute("drop table touched")
            connection.execute("commit")
        finally:
            connection.close()

    def _forget_retracted(self, connection: duckdb.DuckDBPyConnection) -> None:
        if not self.retracting:
            return
        names = sorted(self.retracting)
        marks = ", ".join("?" for _ in names)
        for table in _QUARANTINE_TABLES:
            where = f"from {QUARANTINE_SCHEMA}.{table} where source_file in ({marks})"
            row = connection.execute(f"select count(*) {where}", names).fetchone()
            if row and row[0]:
                self.forgotten[table] = self.forgotten.get(table, 0) + int(row[0])
                connection.execute(f"delete {where}", names)
