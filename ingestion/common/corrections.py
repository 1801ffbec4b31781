"""Corrections: an export file replaced, re-read or retracted takes its earlier rows with it.

Every raw row names its export file (`_source_file`). Before a table loads, the rows of every
file the run supersedes are deleted from the destination:

* replaced: the file at the same path has new content (a fixed quota sheet, a re-export);
* re-read: the same content, read under new rules (the table's fingerprint changed, e.g. a label
  added to the stage_mapping seed), so a row the new rules refuse does not linger;
* retracted: `crmkpi retract` names the file (removing it from the landing folder does not:
  teams archive old exports there).

The run then reads every other file of the table again, newest first (see `files.py`), so a key
the superseded file held comes back from the newest older export that has it, exactly as if the
superseded version had never been loaded. Rows of archived files (gone from the landing folder,
still loaded) cannot be read again: they keep their keys against older exports ("claims").

The deletion and its entry in `quarantine.retractions` are one transaction, through dlt's SQL
client of the pipeline's destination (standard SQL, any dlt SQL destination). The log is also
the signal for dbt's incremental models: a deleted row leaves no newer load id behind.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

import dlt
import pyarrow as pa

from ingestion.common.ledger import (
    QUARANTINE_SCHEMA,
    RETRACTIONS_DDL,
    RETRACTIONS_TABLE,
    Retraction,
)
from ingestion.common.schema import SOURCE_FILE_COLUMN

_NAMES_PER_STATEMENT = 500  # bound parameters per `in (...)` list


def _chunks(names: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(names), _NAMES_PER_STATEMENT):
        yield names[start : start + _NAMES_PER_STATEMENT]


def _placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def delete_superseded_rows(
    pipeline: dlt.Pipeline,
    source_name: str,
    table_name: str,
    superseded: Mapping[str, str],
    load_id: str,
) -> list[Retraction]:
    """Delete the rows of the `superseded` files (name -> reason) from the raw table.

    Returns one Retraction per file; files that had rows are logged in quarantine.retractions
    in the same transaction.
    """
    names = sorted(superseded)
    counts: dict[str, int] = {}
    with pipeline.sql_client() as client:
        table = client.make_qualified_table_name(table_name)
        column = client.escape_column_name(SOURCE_FILE_COLUMN)
        with client.begin_transaction():
            for chunk in _chunks(names):
                marks = _placeholders(len(chunk))
                rows = client.execute_sql(
                    f"select {column}, count(*) from {table} where {column} in ({marks}) "
                    f"group by {column}",
                    *chunk,
                )
                counts.update({str(name): int(count) for name, count in rows or []})
                client.execute_sql(f"delete from {table} where {column} in ({marks})", *chunk)
            retractions = [
                Retraction(table_name, name, counts.get(name, 0), superseded[name])
                for name in names
            ]
            logged = [r for r in retractions if r.rows_deleted]
            if logged:
                client.execute_sql(f"create schema if not exists {QUARANTINE_SCHEMA}")
                client.execute_sql(RETRACTIONS_DDL)
                now = datetime.now(UTC)
                for retraction in logged:
                    client.execute_sql(
                        f"insert into {QUARANTINE_SCHEMA}.{RETRACTIONS_TABLE} (source_name,"
                        " table_name, source_file, rows_deleted, reason, load_id, retracted_at)"
                        " values (%s, %s, %s, %s, %s, %s, %s)",
                        source_name,
                        table_name,
                        retraction.source_file,
                        retraction.rows_deleted,
                        retraction.reason,
                        load_id,
                        now,
                    )
    return retractions


def loaded_keys(
    pipeline: dlt.Pipeline, table_name: str, key: tuple[str, ...], files: list[str]
) -> pa.Table | None:
    """`_source_file` and the key columns of the raw rows of `files` (None when none)."""
    if not key or not files:
        return None
    parts: list[pa.Table] = []
    with pipeline.sql_client() as client:
        table = client.make_qualified_table_name(table_name)
        column = client.escape_column_name(SOURCE_FILE_COLUMN)
        columns = ", ".join(client.escape_column_name(c) for c in (SOURCE_FILE_COLUMN, *key))
        for chunk in _chunks(sorted(files)):
            query = f"select {columns} from {table} where {column} in ({_placeholders(len(chunk))})"
            with client.execute_query(query, *chunk) as cursor:
                found = cursor.arrow()
            if found is not None and found.num_rows:
                parts.append(found.rename_columns([SOURCE_FILE_COLUMN, *key]))
    return pa.concat_tables(parts, promote_options="permissive") if parts else None
