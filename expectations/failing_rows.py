"""A few rows that broke an expectation, with the export file and row they came from.

Great Expectations says *that* an expectation failed and how many rows broke it; a person
fixing the export needs *which* rows, in which file. For each kind of expectation the suites
use, this module writes the SQL predicate of an unexpected row and fetches a few of them:

- raw tables carry `_source_file` and `_source_row`: shown as they are;
- marts are built from several exports, so a failing mart row is traced back through its key:
  the staging view (schema `staging`, one per export table, with `_source_file`/`_source_row`)
  whose own key equals the mart row's key, its `source_*_id` or its `opportunity_id` (ids of
  other CRMs are prefixed with their source in the marts, `hubspot:123`, and not in staging).
  A row that cannot be traced is shown with its key and values only.

Read-only; runs only for expectations that failed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

#: Check metadata: expectation (or dbt test) label -> a few failing rows with their source.
FAILING_ROWS_METADATA_KEY = "failing_rows"
SOURCE_FILE = "_source_file"
SOURCE_ROW = "_source_row"
STAGING_SCHEMA = "staging"
_AGGREGATE_KEY_COLUMNS = 4


@dataclass(frozen=True)
class FailingRow:
    source_file: str | None
    source_row: int | None
    values: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "source_file": self.source_file,
            "source_row": self.source_row,
            "values": {k: _plain(v) for k, v in self.values.items()},
        }


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _quote(identifier: str) -> str:
    return '"' + str(identifier).replace('"', '""') + '"'


def _literal(value: Any) -> str:
    """A SQL literal; strings (dates included) are left for DuckDB to cast to the column."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def unexpected_predicate(
    expectation: str, kwargs: Mapping[str, Any], table_sql: str
) -> tuple[str, list[str]] | None:
    """(SQL condition of an unexpected row, the columns it judges), or None if unknown."""
    column = kwargs.get("column")
    c = _quote(column) if column else ""
    if expectation == "expect_column_values_to_not_be_null":
        return f"{c} is null", [column]
    if expectation == "expect_column_values_to_be_unique":
        return (
            f"{c} in (select {c} from {table_sql} group by {c} having count(*) > 1)",
            [column],
        )
    if expectation == "expect_column_values_to_be_between":
        bounds = []
        if kwargs.get("min_value") is not None:
            op = ">" if kwargs.get("strict_min") else ">="
            bounds.append(f"{c} {op} {_literal(kwargs['min_value'])}")
        if kwargs.get("max_value") is not None:
            op = "<" if kwargs.get("strict_max") else "<="
            bounds.append(f"{c} {op} {_literal(kwargs['max_value'])}")
        if not bounds:
            return None
        return f"{c} is not null and not ({' and '.join(bounds)})", [column]
    if expectation == "expect_column_values_to_be_in_set":
        values = ", ".join(_literal(v) for v in kwargs.get("value_set") or [])
        return f"{c} is not null and {c} not in ({values or 'null'})", [column]
    if expectation == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = kwargs["column_A"], kwargs["column_B"]
        op = ">=" if kwargs.get("or_equal") else ">"
        qa, qb = _quote(a), _quote(b)
        ignore = kwargs.get("ignore_row_if", "both_values_are_missing")
        if ignore == "either_value_is_missing":
            condition = f"{qa} is not null and {qb} is not null and not ({qa} {op} {qb})"
        elif ignore == "both_values_are_missing":
            condition = (
                f"not ({qa} is null and {qb} is null) and not coalesce({qa} {op} {qb}, false)"
            )
        else:
            condition = f"not coalesce({qa} {op} {qb}, false)"
        return condition, [a, b]
    return None


def _columns(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = connection.execute(
        "select column_name from information_schema.columns"
        " where table_schema = ? and table_name = ? and table_catalog = current_database()"
        " order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [row[0] for row in rows]


def _trace_columns(columns: Sequence[str]) -> list[str]:
    """Columns of a mart row that may equal the key of the export row it came from."""
    traced = [columns[0]] if columns else []
    traced += [c for c in columns[1:] if c.startswith("source_") and c.endswith("_id")]
    if "opportunity_id" in columns and "opportunity_id" not in traced:
        traced.append("opportunity_id")
    return traced


def _row_key(columns: Sequence[str]) -> list[str]:
    """Columns that identify a mart row: its id, or the leading grain columns of an aggregate
    (`scope, scope_id, period_grain, period_start`); the marts put their key first."""
    if not columns or columns[0].endswith("_id"):
        return list(columns[:1])
    return list(columns[:_AGGREGATE_KEY_COLUMNS])


def _staging_keys(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(view, key column) of every staging view that carries its export file and row."""
    rows = connection.execute(
        "select table_name, list(column_name order by ordinal_position)"
        " from information_schema.columns"
        " where table_schema = ? and table_catalog = current_database()"
        " group by table_name order by table_name",
        [STAGING_SCHEMA],
    ).fetchall()
    return [(name, cols[0]) for name, cols in rows if SOURCE_FILE in cols and SOURCE_ROW in cols]


def _trace(
    connection: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]], columns: Sequence[str]
) -> list[FailingRow]:
    """Attach to each mart row the export file and row of the first staging row it matches."""
    candidates: list[list[str]] = []
    for row in rows:
        values: list[str] = []
        for column in _trace_columns(columns):
            value = row.get(column)
            if value is None:
                continue
            text = str(value)
            values.append(text)
            if ":" in text:  # `<source>:<id>` in the marts, `<id>` in staging
                values.append(text.split(":", 1)[1])
        candidates.append(values)
    wanted = sorted({v for values in candidates for v in values})
    found: dict[str, tuple[str, int]] = {}
    if wanted:
        for view, key in _staging_keys(connection):
            for value, source_file, source_row in connection.execute(
                f"select cast({_quote(key)} as varchar), {SOURCE_FILE}, {SOURCE_ROW}"
                f" from {STAGING_SCHEMA}.{_quote(view)}"
                f" where cast({_quote(key)} as varchar) in (select unnest(?::varchar[]))",
                [wanted],
            ).fetchall():
                found.setdefault(value, (source_file, source_row))
    traced: list[FailingRow] = []
    for row, values in zip(rows, candidates, strict=True):
        match = next((found[v] for v in values if v in found), None)
        traced.append(
            FailingRow(match[0] if match else None, match[1] if match else None, dict(row))
        )
    return traced


def failing_rows(
    connection: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    expectation: str,
    kwargs: Mapping[str, Any],
    limit: int = 3,
) -> list[FailingRow]:
    """Up to `limit` rows of `schema.table` that break the expectation, with their source.

    Returns [] for an expectation kind it cannot express as a row condition.
    """
    table_sql = f"{_quote(schema)}.{_quote(table)}"
    columns = _columns(connection, schema, table)
    has_source = SOURCE_FILE in columns and SOURCE_ROW in columns
    if expectation == "unexpected_rows_expectation":
        query = str(kwargs.get("unexpected_rows_query") or "").replace("{batch}", table_sql)
        if not query:
            return []
        found = connection.execute(f"select * from ({query}) limit 0").description or []
        names = [d[0] for d in found]
        if has_source and SOURCE_FILE not in names and names and names[0] in columns:
            key = _quote(names[0])
            query = (
                f"select distinct t.{SOURCE_FILE}, t.{SOURCE_ROW}, q.* from ({query}) q"
                f" join {table_sql} t on t.{key} = q.{key}"
            )
        elif not has_source and names and names[0] in columns:
            # Bring the trace columns of the mart row along with what the query returned.
            extra = [c for c in _trace_columns(columns) if c not in names]
            key = _quote(names[0])
            picked = ", ".join(f"t.{_quote(c)}" for c in extra)
            query = (
                f"select distinct q.*{', ' + picked if picked else ''} from ({query}) q"
                f" join {table_sql} t on t.{key} = q.{key}"
            )
        cursor = connection.execute(f"select * from ({query}) limit {int(limit)}")
    else:
        predicate = unexpected_predicate(expectation, kwargs, table_sql)
        if predicate is None:
            return []
        return _rows_where(connection, schema, table, columns, *predicate, limit)
    return _with_source(connection, cursor, columns)


def _rows_where(
    connection: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    columns: Sequence[str],
    condition: str,
    judged: Sequence[str],
    limit: int,
) -> list[FailingRow]:
    """Rows of `schema.table` meeting `condition`: their source, key and `judged` columns."""
    has_source = SOURCE_FILE in columns and SOURCE_ROW in columns
    if has_source:
        shown = [SOURCE_FILE, SOURCE_ROW, *judged]
    else:
        shown = list(dict.fromkeys([*_row_key(columns), *_trace_columns(columns), *judged]))
    order = f"{SOURCE_FILE}, {SOURCE_ROW}" if has_source else "1"
    cursor = connection.execute(
        f"select {', '.join(_quote(c) for c in shown)} from {_quote(schema)}.{_quote(table)}"
        f" where {condition} order by {order} limit {int(limit)}"
    )
    return _with_source(connection, cursor, columns)


def _with_source(
    connection: duckdb.DuckDBPyConnection, cursor: duckdb.DuckDBPyConnection, columns: Sequence[str]
) -> list[FailingRow]:
    names = [d[0] for d in cursor.description or []]
    rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    if SOURCE_FILE in names:
        return [FailingRow(row.pop(SOURCE_FILE), row.pop(SOURCE_ROW, None), row) for row in rows]
    return _trace(connection, rows, columns)


def failing_rows_of_test(
    connection: duckdb.DuckDBPyConnection,
    compiled_sql: str,
    relation: tuple[str, str] | None = None,
    column: str | None = None,
    limit: int = 3,
) -> list[FailingRow]:
    """Up to `limit` rows behind a failed dbt test, with their source.

    `compiled_sql` is the test's query (it returns what failed). For a generic test on a
    column (`unique`, `not_null`, `accepted_values`, `relationships`...) the first column it
    returns holds the failing values: the rows of the tested `relation` holding them are
    shown. Otherwise the returned rows are shown, traced through their keys.
    """
    cursor = connection.execute(f"select * from ({compiled_sql}) limit {int(limit)}")
    names = [d[0] for d in cursor.description or []]
    rows = cursor.fetchall()
    if relation is not None and column and SOURCE_FILE not in names and rows:
        columns = _columns(connection, *relation)
        if column in columns:
            values = [row[names.index(column)] if column in names else row[0] for row in rows]
            present = sorted({str(v) for v in values if v is not None})
            conditions = [f"{_quote(column)} is null"] if None in values else []
            if present:
                conditions.append(
                    f"cast({_quote(column)} as varchar) in ({', '.join(map(_literal, present))})"
                )
            return _rows_where(
                connection, *relation, columns, " or ".join(conditions), [column], limit
            )
    cursor = connection.execute(f"select * from ({compiled_sql}) limit {int(limit)}")
    return _with_source(connection, cursor, names)
