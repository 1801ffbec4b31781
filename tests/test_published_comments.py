"""Descriptions become DuckDB comments on the published tables and columns.

The end-to-end refresh test checks the real thing (every published column of a real refresh
has a comment); this one checks the mechanics on a hand-written manifest.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from orchestration.column_comments import PUBLISH_STEP_TABLES, mart_descriptions
from orchestration.publish import publish_marts

MANIFEST = {
    "nodes": {
        "model.p.fct_deals": {
            "resource_type": "model",
            "schema": "marts",
            "name": "fct_deals",
            "description": "Grain: one row per deal.\nThe rep's deals,   folded.",
            "columns": {
                "deal_id": {"name": "deal_id", "description": "Deal. Primary key."},
                "amount": {"name": "amount", "description": ""},
            },
        },
        "model.p.stg_deals": {
            "resource_type": "model",
            "schema": "staging",
            "name": "stg_deals",
            "description": "not published",
            "columns": {},
        },
        "test.p.unique_deal": {"resource_type": "test", "schema": "marts", "name": "x"},
    }
}


def _comments(path: Path) -> dict[str, str | None]:
    with duckdb.connect(str(path), read_only=True) as connection:
        tables = connection.execute(
            "select schema_name || '.' || table_name, comment from duckdb_tables()"
        ).fetchall()
        columns = connection.execute(
            "select schema_name || '.' || table_name || '.' || column_name, comment"
            " from duckdb_columns()"
        ).fetchall()
    return dict(tables + columns)


def test_model_and_column_descriptions_become_comments(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(MANIFEST), encoding="utf-8")
    working = tmp_path / "w.duckdb"
    with duckdb.connect(str(working)) as connection:
        connection.execute("create schema marts")
        connection.execute("create table marts.fct_deals (deal_id varchar, amount double)")
    published = tmp_path / "published.duckdb"

    descriptions = mart_descriptions(manifest)
    assert set(descriptions) == {"marts.fct_deals"}  # models of schema marts only
    publish_marts(working, published, ["fct_deals"], "run-1", descriptions=descriptions)

    comments = _comments(published)
    # whitespace of folded YAML collapsed; the apostrophe survives quoting
    assert comments["marts.fct_deals"] == "Grain: one row per deal. The rep's deals, folded."
    assert comments["marts.fct_deals.deal_id"] == "Deal. Primary key."
    assert comments["marts.fct_deals.amount"] is None  # no description, no comment
    # the publish step's own tables are described too
    for table, description in PUBLISH_STEP_TABLES.items():
        assert comments[table] == description.description
        for column in description.columns:
            assert comments[f"{table}.{column}"], f"{table}.{column}"
