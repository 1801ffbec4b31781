"""Make Great Expectations 1.24's SQL engine work on DuckDB through duckdb-engine.

This is the only module that changes GX behaviour, and it does so by subclassing, never by
patching GX in place: stock ``SQLDatasource``/``SqlAlchemyExecutionEngine`` keep their
behaviour for every other datasource in the process.

Defect 1, silent all-False results (GX issues #10738 and #11579, not fixed in 1.24.1;
native DuckDB support is the open PR #12084):
    ``SqlAlchemyExecutionEngine.execute_query`` runs the query inside ``with
    engine.connect()`` and returns the *unfetched* ``CursorResult``; callers fetch after the
    connection went back to the pool. duckdb-engine's cursor is the DuckDB connection
    itself (one pending result per connection), and the pool's reset-on-return rollback
    discards that result, so ``fetchall()`` returns ``[]``. ``resolve_metric_bundle`` then
    fails on ``res[0]`` (``IndexError: list index out of range``), GX wraps that in a
    ``MetricResolutionError`` inside ``exception_info`` and every expectation reports
    ``success=False``, indistinguishable from a data failure unless you read
    ``exception_info``.
    Fix: :meth:`DuckDBSqlAlchemyExecutionEngine.execute_query` buffers the rows
    (``Result.freeze()``) while the connection is still checked out and returns a plain
    in-memory ``Result``. Every GX caller (``fetchall``/``fetchmany``/``fetchone``/
    ``scalar``/``_asdict``) works on it unchanged, and query, connection and transaction
    handling stay GX's own. The buffer is small: GX's SQL metrics return aggregates, or
    unexpected values under a SQL ``LIMIT`` (result formats other than COMPLETE). One
    exception: ``UnexpectedRowsExpectation`` fetches every row its query returns (GX keeps
    200), so such queries should select few, narrow columns.

Defect 2, columns of tables outside schema ``main`` cannot be resolved:
    SQLAlchemy 2.1's PostgreSQL column reflection (which duckdb-engine 0.17 inherits)
    queries ``pg_catalog.pg_collation``, which DuckDB does not have, so
    ``Inspector.get_columns`` always fails. GX then falls back to ``SELECT * FROM <table>
    LIMIT 1`` *without* the schema: a table in ``raw_salesforce`` or ``marts`` is "not
    found" (every column expectation errors), or worse, a same-named table in ``main``
    is silently used for the column list.
    Fix: the engine hands GX an inspector whose ``get_columns`` reads DuckDB's
    ``information_schema.columns`` for the requested schema; everything else is
    delegated to SQLAlchemy's inspector.

Both fixes are reached only through :class:`DuckDBEngineDatasource` (fluent datasource
type ``duckdb_engine``), whose ``execution_engine_type`` is the engine below.
Importing this module imports great_expectations (slow), so import it lazily.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from great_expectations.datasource.fluent import SQLDatasource
from great_expectations.execution_engine import SqlAlchemyExecutionEngine

# DuckDB spellings that SQLAlchemy's (PostgreSQL-derived) ischema_names lacks.
_TYPE_ALIASES = {
    "double": "double precision",
    "decimal": "numeric",
    "blob": "bytea",
}


def _sqlalchemy_type(dialect: sa.Dialect, duckdb_type: str) -> sa.types.TypeEngine[Any]:
    base = duckdb_type.lower().split("(", 1)[0].strip()
    type_cls = dialect.ischema_names.get(_TYPE_ALIASES.get(base, base))  # type: ignore[attr-defined]
    if type_cls is None:
        return sa.types.NullType()
    if base.endswith("with time zone"):
        return type_cls(timezone=True)
    return type_cls()


class _DuckDBInspector:
    """SQLAlchemy's inspector, except ``get_columns`` honours the schema on DuckDB."""

    _COLUMNS_SQL = sa.text(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns"
        " WHERE table_catalog = current_database()"
        " AND table_schema = coalesce(:schema, current_schema())"
        " AND table_name = :table"
        " ORDER BY ordinal_position"
    )

    def __init__(self, inspector: sa.Inspector, engine: sa.Engine) -> None:
        self._inspector = inspector
        self._engine = engine

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inspector, name)

    def get_columns(
        self, table_name: str, schema: str | None = None, **_kw: Any
    ) -> list[dict[str, Any]]:
        with self._engine.connect() as connection:
            rows = connection.execute(
                self._COLUMNS_SQL, {"schema": schema, "table": str(table_name)}
            ).fetchall()
        if not rows:
            # GX treats this as "reflection failed" and tries its own fallback.
            raise sa.exc.NoSuchTableError(f"{schema}.{table_name}" if schema else table_name)
        return [
            {
                "name": name,
                "type": _sqlalchemy_type(self._engine.dialect, data_type),
                "nullable": is_nullable == "YES",
            }
            for name, data_type, is_nullable in rows
        ]


class DuckDBSqlAlchemyExecutionEngine(SqlAlchemyExecutionEngine):
    """``SqlAlchemyExecutionEngine`` that fetches results before releasing the connection."""

    def execute_query(
        self, query: sa.Selectable | sa.TextClause
    ) -> sa.CursorResult[Any] | sa.Result[Any]:
        with self.get_connection() as connection:
            result = self._execute_query_with_recovery(connection, query)
            if not result.returns_rows:
                return result
            # Buffer now: once the connection returns to the pool its result set is gone.
            return result.freeze()()

    def get_inspector(self) -> sa.Inspector:
        if self._inspector is None:
            self._inspector = _DuckDBInspector(sa.inspect(self.engine), self.engine)  # type: ignore[assignment]
        return self._inspector  # type: ignore[return-value]


class DuckDBEngineDatasource(SQLDatasource):
    """Fluent SQL datasource for DuckDB files that runs on the fixed execution engine."""

    # Not "duckdb": leave that name to native DuckDB support (PR #12084).
    type: Literal["duckdb_engine"] = "duckdb_engine"  # type: ignore[assignment]

    @property
    def execution_engine_type(self) -> type[SqlAlchemyExecutionEngine]:
        return DuckDBSqlAlchemyExecutionEngine

    def dispose(self) -> None:
        """Close every pooled DuckDB connection, releasing the file lock.

        The datasource holds two SQLAlchemy engines (one for connection tests, one inside
        the execution engine); pooled read-only connections would otherwise keep the DuckDB
        file open and block every writer process until garbage collection.
        """
        if self._execution_engine is not None:
            self._execution_engine.close()
        if self._engine is not None:
            self._engine.dispose()
