"""Descriptions for the published file: every table and column carries one as a DuckDB comment.

BI tools show `COMMENT ON` text beside the names (DuckDB: `duckdb_tables().comment`,
`duckdb_columns().comment`; most SQL clients read them). The marts' descriptions are the dbt
models' own, read from the dbt manifest when publishing; the quarantine and meta tables the
publish step writes are described here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class TableDescription:
    description: str
    columns: Mapping[str, str] = field(default_factory=dict)


# Tables of the published file that are not dbt models (orchestration/publish.py writes them).
PUBLISH_STEP_TABLES: dict[str, TableDescription] = {
    "quarantine.file_loads": TableDescription(
        "Per export file and load: rows in = rows loaded + rows quarantined.",
        {
            "source_name": "Source folder of the landing directory (salesforce, hubspot, ...).",
            "table_name": "Raw table the file loads into.",
            "source_file": "Export file, relative to the landing folder.",
            "rows_in": "Data rows read from the file.",
            "rows_loaded": "Rows loaded into the raw table.",
            "rows_quarantined": "Rows set aside in quarantine.rejected_rows, with a reason.",
            "loaded_at": "When the file was loaded (UTC).",
        },
    ),
    "quarantine.rejected_files": TableDescription(
        "Export files refused as a whole (unreadable, unknown layout), with the reason.",
        {
            "source_file": "Export file, relative to the landing folder.",
            "reason": "Why the file was refused.",
            "source_name": "Source folder of the landing directory.",
            "table_name": "Raw table the file would have loaded into.",
            "rejected_at": "When the file was refused (UTC).",
        },
    ),
    "quarantine.rejected_rows_summary": TableDescription(
        "Quarantined rows counted per file, column and reason (the rows stay in the working "
        "warehouse's quarantine.rejected_rows).",
        {
            "source_file": "Export file, relative to the landing folder.",
            "column_name": "Column whose value was rejected.",
            "reason": "Why the rows were rejected.",
            "rejected_rows": "Number of rows rejected for this file, column and reason.",
            "first_source_row": "First such row of the file (1 = the first data row).",
        },
    ),
    "meta.publication": TableDescription(
        "The refresh that wrote this file: one row.",
        {
            "run_id": "Dagster run id of the refresh.",
            "published_at": "When this file was published (UTC).",
            "as_of_date": "As-of date of the marts (every mart's as_of_date).",
            "working_warehouse": "Working warehouse the marts were copied from.",
            "row_counts": "JSON: rows per mart.",
            "details": "JSON: further facts of the publication (e.g. checks_required).",
        },
    ),
}


def mart_descriptions(manifest: Path, schema: str = "marts") -> dict[str, TableDescription]:
    """`schema.model` -> the model's description and its columns', from a dbt manifest.json."""
    document: dict[str, Any] = json.loads(Path(manifest).read_text(encoding="utf-8"))
    descriptions: dict[str, TableDescription] = {}
    for node in document.get("nodes", {}).values():
        if node.get("resource_type") != "model" or node.get("schema") != schema:
            continue
        columns = {
            name: column.get("description", "").strip()
            for name, column in node.get("columns", {}).items()
        }
        descriptions[f"{schema}.{node['name']}"] = TableDescription(
            node.get("description", "").strip(), columns
        )
    return descriptions


def _literal(text: str) -> str:
    return "'" + " ".join(text.split()).replace("'", "''") + "'"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def apply_comments(connection: Any, descriptions: Mapping[str, TableDescription]) -> int:
    """`COMMENT ON` every described table and column that exists; returns comments written.

    Tables and columns without a description stay uncommented (a test requires them all).
    """
    present: dict[str, set[str]] = {}
    for schema, table, column in connection.execute(
        "select schema_name, table_name, column_name from duckdb_columns()"
        " where database_name = current_database()"
    ).fetchall():
        present.setdefault(f"{schema}.{table}", set()).add(column)
    written = 0
    for name, table in descriptions.items():
        if name not in present:
            continue
        schema, table_name = name.split(".", 1)
        target = f"{_quote(schema)}.{_quote(table_name)}"
        if table.description:
            connection.execute(f"comment on table {target} is {_literal(table.description)}")
            written += 1
        for column, text in table.columns.items():
            if text and column in present[name]:
                connection.execute(
                    f"comment on column {target}.{_quote(column)} is {_literal(text)}"
                )
                written += 1
    return written
