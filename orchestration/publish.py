"""Write-audit-publish: the file BI tools read, replaced atomically after a good refresh.

Refreshes *write* the working warehouse, the quality checks *audit* it, and only then is this
step allowed to *publish*: it copies the marts (facts, dimensions, KPI marts) and a quarantine
summary into a new DuckDB file beside the published one, syncs it to disk, and renames it
over the published file in one `os.replace`.

Why this solves DuckDB's one-writer-or-readers rule for dashboards: a BI tool never opens the
working file, so it can never block a refresh, and the refresh never opens the published file
(it only renames a finished file onto its name). A reader that has the old file open keeps
reading the old inode, consistently, until it reconnects; a reader that connects after the
rename gets the new file. Nobody can see a half-built table: the new file is invisible under a
temporary name until it is complete. A failed refresh never reaches this step, so the last
good published file stays as it was, byte for byte. (POSIX rename semantics; on Windows an
open file cannot be replaced.)

Privacy: columns a mart declares as free text (dbt column meta `free_text: true`, e.g. activity
subjects) are left out of the published copy unless asked for, and the file gets a mode of its
own (default 0640: owner and group), whatever the umask.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ingestion.common.settings import duckdb_memory_config
from orchestration.column_comments import PUBLISH_STEP_TABLES, TableDescription, apply_comments

MARTS_SCHEMA = "marts"
QUARANTINE_SCHEMA = "quarantine"
META_SCHEMA = "meta"
PUBLICATION_TABLE = f"{META_SCHEMA}.publication"

_TEMP_PREFIX = "."
_TEMP_SUFFIX = ".publishing"
DEFAULT_FILE_MODE = 0o640

# Quarantine as BI and `crmkpi status` see it: per-file accounting, refused files, and the
# rejected rows counted per file, column and reason (raw records stay in the working file).
_QUARANTINE_COPIES = {
    "file_loads": "select * from working.quarantine.file_loads",
    "rejected_files": "select * from working.quarantine.rejected_files",
    "rejected_rows_summary": (
        "select source_file, column_name, reason, count(*) as rejected_rows,"
        " min(source_row) as first_source_row"
        " from working.quarantine.rejected_rows group by all order by all"
    ),
}
_QUARANTINE_EMPTY = {
    "file_loads": (
        "source_name varchar, table_name varchar, source_file varchar, rows_in bigint,"
        " rows_loaded bigint, rows_quarantined bigint, loaded_at timestamptz"
    ),
    "rejected_files": (
        "source_file varchar, reason varchar, source_name varchar, table_name varchar,"
        " rejected_at timestamptz"
    ),
    "rejected_rows_summary": (
        "source_file varchar, column_name varchar, reason varchar, rejected_rows bigint,"
        " first_source_row bigint"
    ),
}


@dataclass(frozen=True)
class Publication:
    path: Path
    run_id: str
    published_at: dt.datetime
    row_counts: dict[str, int] = field(default_factory=dict)
    size_bytes: int = 0
    elapsed_s: float = 0.0


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _fsync(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_path(published: Path) -> Path:
    return published.with_name(f"{_TEMP_PREFIX}{published.name}.{os.getpid()}{_TEMP_SUFFIX}")


def _remove_stale_temp_files(published: Path) -> None:
    """Remove half-built files of publishes that were killed (their pid is gone)."""
    for candidate in published.parent.glob(f"{_TEMP_PREFIX}{published.name}.*{_TEMP_SUFFIX}*"):
        pid_text = candidate.name.removeprefix(f"{_TEMP_PREFIX}{published.name}.").split(".")[0]
        try:
            pid = int(pid_text)
            os.kill(pid, 0)
            if pid != os.getpid():
                continue  # another live process is publishing (should not happen: one writer)
        except (ValueError, ProcessLookupError):
            pass
        except PermissionError:
            continue
        candidate.unlink(missing_ok=True)


def _schema_tables(connection: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> set[str]:
    rows = connection.execute(
        "select table_name from information_schema.tables"
        " where table_catalog = ? and table_schema = ?",
        [catalog, schema],
    ).fetchall()
    return {row[0] for row in rows}


def free_text_columns(manifest: Mapping[str, Any]) -> dict[str, list[str]]:
    """Mart -> its columns declared free text (`meta: {free_text: true}`) in the dbt manifest."""
    found: dict[str, list[str]] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model" or node.get("schema") != MARTS_SCHEMA:
            continue
        columns = [
            name
            for name, column in node.get("columns", {}).items()
            if (column.get("meta") or {}).get("free_text")
            or ((column.get("config") or {}).get("meta") or {}).get("free_text")
        ]
        if columns:
            found[node["name"]] = sorted(columns)
    return found


def publish_marts(
    working: Path,
    published: Path,
    marts: Iterable[str],
    run_id: str,
    extra: dict[str, object] | None = None,
    withheld: Mapping[str, Sequence[str]] | None = None,
    file_mode: int = DEFAULT_FILE_MODE,
    descriptions: Mapping[str, TableDescription] | None = None,
) -> Publication:
    """Copy `marts` (and the quarantine summary) from `working` into a new `published` file.

    `withheld` names, per mart, the columns left out of the copy. The published file gets
    `file_mode`. `descriptions` (`schema.table` -> dbt descriptions, see column_comments)
    become DuckDB comments on the published tables and columns, beside those of the publish
    step's own. Raises (leaving `published` untouched) if a mart is missing from the working
    warehouse.
    """
    started = time.perf_counter()
    working = Path(working).resolve()
    published = Path(published).resolve()
    published.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temp_files(published)
    temp = temp_path(published)
    for leftover in (temp, temp.with_name(temp.name + ".wal")):
        leftover.unlink(missing_ok=True)

    marts = sorted(set(marts))
    published_at = dt.datetime.now(dt.UTC)
    row_counts: dict[str, int] = {}
    connection = duckdb.connect(str(temp), config=duckdb_memory_config())
    os.chmod(temp, file_mode)  # before any data is in it
    withheld = {mart: list(columns) for mart, columns in (withheld or {}).items() if columns}
    try:
        connection.execute(f"attach {_sql_string(str(working))} as working (read_only)")
        available = _schema_tables(connection, "working", MARTS_SCHEMA)
        missing = [m for m in marts if m not in available]
        if missing:
            raise LookupError(f"marts missing from the working warehouse {working}: {missing}")
        connection.execute("begin transaction")
        connection.execute(f"create schema {MARTS_SCHEMA}")
        for mart in marts:
            columns = _published_columns(connection, mart, withheld.get(mart, ()))
            connection.execute(
                f"create table {MARTS_SCHEMA}.{_quote(mart)} as"
                f" select {columns} from working.{MARTS_SCHEMA}.{_quote(mart)}"
            )
        connection.execute(f"create schema {QUARANTINE_SCHEMA}")
        quarantine_tables = _schema_tables(connection, "working", QUARANTINE_SCHEMA)
        for table, query in _QUARANTINE_COPIES.items():
            source = "rejected_rows" if table == "rejected_rows_summary" else table
            target = f"{QUARANTINE_SCHEMA}.{_quote(table)}"
            if source in quarantine_tables:
                connection.execute(f"create table {target} as {query}")
            else:
                connection.execute(f"create table {target} ({_QUARANTINE_EMPTY[table]})")
        for mart in marts:
            count = connection.execute(
                f"select count(*) from {MARTS_SCHEMA}.{_quote(mart)}"
            ).fetchone()
            row_counts[mart] = int(count[0]) if count else 0
        as_of = None
        if "kpi_rep_period_performance" in marts:
            row = connection.execute(
                f"select max(as_of_date) from {MARTS_SCHEMA}.kpi_rep_period_performance"
            ).fetchone()
            as_of = row[0] if row else None
        connection.execute(f"create schema {META_SCHEMA}")
        connection.execute(
            f"create table {PUBLICATION_TABLE} as select"
            " ?::varchar as run_id, ?::timestamptz as published_at, ?::date as as_of_date,"
            " ?::varchar as working_warehouse, ?::json as row_counts, ?::json as details",
            [
                run_id,
                published_at,
                as_of,
                str(working),
                json.dumps(row_counts),
                json.dumps({**(extra or {}), "withheld_columns": withheld}, default=str),
            ],
        )
        apply_comments(connection, {**(descriptions or {}), **PUBLISH_STEP_TABLES})
        connection.execute("commit")
        connection.execute("detach working")
        connection.execute("checkpoint")
    except BaseException:
        connection.close()
        temp.unlink(missing_ok=True)
        temp.with_name(temp.name + ".wal").unlink(missing_ok=True)
        raise
    connection.close()

    # A WAL beside the published name would belong to someone who opened the published file
    # for writing; it must not be replayed into the new file.
    published.with_name(published.name + ".wal").unlink(missing_ok=True)
    _fsync(temp)
    os.replace(temp, published)
    _fsync(published.parent, directory=True)
    return Publication(
        path=published,
        run_id=run_id,
        published_at=published_at,
        row_counts=row_counts,
        size_bytes=published.stat().st_size,
        elapsed_s=time.perf_counter() - started,
    )


def _published_columns(
    connection: duckdb.DuckDBPyConnection, mart: str, withheld: Sequence[str]
) -> str:
    if not withheld:
        return "*"
    rows = connection.execute(
        "select column_name from information_schema.columns where table_catalog = 'working'"
        " and table_schema = ? and table_name = ? order by ordinal_position",
        [MARTS_SCHEMA, mart],
    ).fetchall()
    return ", ".join(_quote(name) for (name,) in rows if name not in set(withheld))


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def read_publication(published: Path) -> dict[str, object] | None:
    """The publication record of the published file (opened read-only), or None if absent."""
    if not Path(published).is_file():
        return None
    connection = duckdb.connect(str(published), read_only=True)
    try:
        row = connection.execute(
            f"select run_id, published_at, as_of_date, row_counts from {PUBLICATION_TABLE}"
        ).fetchone()
    finally:
        connection.close()
    if row is None:
        return None
    return {
        "run_id": row[0],
        "published_at": row[1],
        "as_of_date": row[2],
        "row_counts": json.loads(row[3]) if isinstance(row[3], str) else row[3],
    }
