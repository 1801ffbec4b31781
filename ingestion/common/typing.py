"""Type string batches against a TableSpec, splitting loadable rows from rejected ones.

Casting runs in an in-memory DuckDB over the arrow batch (zero-copy), so typing stays on the
arrow path: no per-row Python. A value that does not cast is never loaded as null: its row goes
to the quarantine with the column and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa
from dlt.common.normalizers.naming.snake_case import NamingConvention

from ingestion.common.delimited import UnreadableFileError
from ingestion.common.schema import SOURCE_FILE_COLUMN, SOURCE_ROW_COLUMN, ColumnSpec, TableSpec

_naming = NamingConvention()

_SQL_TYPES = {
    "text": "varchar",
    "bigint": "bigint",
    "double": "double",
    "date": "date",
    "timestamp": "timestamptz",
    "boolean": "boolean",
}

_ARROW_TYPES = {
    "text": pa.string(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "boolean": pa.bool_(),
}

REJECTED_ROWS_SCHEMA = pa.schema(
    [
        ("source_file", pa.string()),
        ("source_row", pa.int64()),
        ("column_name", pa.string()),
        ("reason", pa.string()),
        ("raw_record", pa.string()),
    ]
)


def normalize_header(header: str) -> str:
    """The column name dlt would give this header (`CreatedDate` -> `created_date`)."""
    return _naming.normalize_identifier(header)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _typed_expression(column: ColumnSpec, source: str) -> str:
    raw = f"nullif(trim({source}), '')"
    sql_type = _SQL_TYPES[column.type]
    if column.type == "text":
        return source
    attempts = [f"try_cast({raw} as {sql_type})"]
    attempts += [
        f"try_cast(try_strptime({raw}, {_literal(fmt)}) as {sql_type})" for fmt in column.formats
    ]
    return attempts[0] if len(attempts) == 1 else f"coalesce({', '.join(attempts)})"


def arrow_schema(spec: TableSpec) -> pa.Schema:
    """The arrow schema of a table's declared columns; key columns are non-nullable."""
    fields = [
        pa.field(c.name, _ARROW_TYPES[c.type], nullable=c.name not in spec.primary_key)
        for c in spec.columns
    ]
    fields.append(pa.field(SOURCE_FILE_COLUMN, pa.string()))
    fields.append(pa.field(SOURCE_ROW_COLUMN, pa.int64()))
    return pa.schema(fields)


@dataclass(frozen=True)
class TypedBatch:
    loaded: pa.Table
    rejected: pa.Table


class BatchTyper:
    """Types every batch of one file against one TableSpec."""

    def __init__(self, spec: TableSpec, source_file: str, headers: list[str]) -> None:
        self.spec = spec
        self.source_file = source_file
        self._connection = duckdb.connect()
        self._connection.execute("set timezone = 'UTC'")
        matched: dict[str, str] = {}  # spec column -> header carrying it
        extra: dict[str, str] = {}  # normalised name -> header, for undeclared columns
        for header in headers:
            normalized = normalize_header(header)
            column = spec.column_for_header(normalized)
            if column is not None and column.name not in matched:
                matched[column.name] = header
            elif column is None and normalized not in extra:
                extra[normalized] = header
        missing = [c.name for c in spec.required_columns if c.name not in matched]
        if missing:
            raise UnreadableFileError(
                f"missing required column(s) for {spec.name}: {', '.join(missing)}"
            )
        self._select_sql, self._columns = self._build_sql(matched, extra, headers)

    def _build_sql(
        self, matched: dict[str, str], extra: dict[str, str], headers: list[str]
    ) -> tuple[str, list[str]]:
        select: list[str] = []
        errors: list[str] = []
        for column in self.spec.columns:
            header = matched.get(column.name)
            if header is None:
                select.append(f"cast(null as {_SQL_TYPES[column.type]}) as {_quote(column.name)}")
                continue
            source = _quote(header)
            typed = _typed_expression(column, source)
            select.append(f"{typed} as {_quote(column.name)}")
            conditions: list[tuple[str, str]] = []
            is_key = column.required or column.name in self.spec.primary_key
            if is_key:
                conditions.append((f"nullif(trim({source}), '') is null", "missing required value"))
            if column.type != "text":
                conditions.append(
                    (
                        f"nullif(trim({source}), '') is not null and {typed} is null",
                        f"not a valid {column.type}",
                    )
                )
            if column.non_negative:
                conditions.append((f"{typed} < 0", "negative value"))
            if conditions:
                whens = " ".join(
                    f"when {condition} then {{'column_name': {_literal(column.name)}, "
                    f"'reason': {_literal(reason)} || coalesce(': ' || {source}, '')}}"
                    for condition, reason in conditions
                )
                errors.append(f"case {whens} end")
        for name, header in extra.items():
            select.append(f"{_quote(header)} as {_quote(name)}")
        raw_record = (
            "json_object(" + ", ".join(f"{_literal(h)}, {_quote(h)}" for h in headers) + ")"
        )
        error_list = f"list_filter([{', '.join(errors)}], e -> e is not null)" if errors else "[]"
        columns = [c.name for c in self.spec.columns] + list(extra)
        sql = (
            f"select {', '.join(select)}, {_quote(SOURCE_ROW_COLUMN)}, "
            f"{error_list} as _errors, {raw_record} as _raw_record from batch"
        )
        return sql, columns

    def type_batch(self, batch: pa.RecordBatch) -> TypedBatch:
        connection = self._connection
        connection.register("batch", batch)
        try:
            connection.execute(f"create or replace temp table typed as {self._select_sql}")
        finally:
            connection.unregister("batch")
        column_list = ", ".join(_quote(c) for c in self._columns)
        loaded = connection.execute(
            f"select {column_list}, ? as {SOURCE_FILE_COLUMN}, {SOURCE_ROW_COLUMN} "
            "from typed where len(_errors) = 0 order by _source_row",
            [self.source_file],
        ).fetch_arrow_table()
        loaded = loaded.cast(self._loaded_schema(loaded.schema))
        rejected = connection.execute(
            "select ? as source_file, _source_row as source_row, "
            "error.column_name as column_name, error.reason as reason, _raw_record as raw_record "
            "from (select _source_row, _raw_record, unnest(_errors) as error from typed) "
            "order by source_row, column_name",
            [self.source_file],
        ).fetch_arrow_table()
        return TypedBatch(loaded=loaded, rejected=rejected.cast(REJECTED_ROWS_SCHEMA))

    def _loaded_schema(self, schema: pa.Schema) -> pa.Schema:
        # Key columns are never null once typed; saying so keeps dlt's key hints consistent.
        return pa.schema(
            [f.with_nullable(False) if f.name in self.spec.primary_key else f for f in schema]
        )

    def close(self) -> None:
        self._connection.close()
