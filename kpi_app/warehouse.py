"""Read-only access to the published warehouse, one short DuckDB connection per query.

DuckDB admits one writer process or readers. The refresh never opens the published file: it
renames a finished file over it. So the app never holds a connection between queries; each
query opens the file read-only, reads, and closes. Results are cached per *file identity*
(inode, size, mtime): after a publish the path names a new file, every cache key changes, and
the next page load reads the new marts.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

PUBLISHED_SCHEMAS = ("marts", "meta", "quarantine")
_RETRIES = 3


@dataclass(frozen=True)
class FileIdentity:
    inode: int
    size: int
    mtime_ns: int


class PublishedFileMissingError(FileNotFoundError):
    pass


class _FileReplacedError(RuntimeError):
    """The file was replaced while a query ran: its result may belong to either version."""


def file_identity(path: Path) -> FileIdentity | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return FileIdentity(stat.st_ino, stat.st_size, stat.st_mtime_ns)


@st.cache_data(max_entries=512, show_spinner=False)
def _cached_query(
    path: str, identity: FileIdentity, sql: str, params: tuple[object, ...]
) -> pd.DataFrame:
    connection = duckdb.connect(path, read_only=True)
    try:
        frame = connection.execute(sql, list(params)).df()
    finally:
        connection.close()
    if file_identity(Path(path)) != identity:
        raise _FileReplacedError(path)  # not cached: the caller retries on the new file
    return frame


@dataclass(frozen=True)
class PublishedWarehouse:
    """The published DuckDB file; every method opens it read-only for one query."""

    path: Path

    def identity(self) -> FileIdentity:
        identity = file_identity(self.path)
        if identity is None:
            raise PublishedFileMissingError(
                f"nothing published yet at {self.path}: run `crmkpi refresh` first"
            )
        return identity

    def query(self, sql: str, params: Sequence[object] = ()) -> pd.DataFrame:
        """Rows of `sql` (with `?` parameters) as a DataFrame, from the current file."""
        for attempt in range(_RETRIES):
            try:
                return _cached_query(str(self.path), self.identity(), sql, tuple(params))
            except _FileReplacedError:
                if attempt == _RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    def catalog(self) -> dict[str, set[str]]:
        """`schema.table` -> its columns, for the schemas the publish step writes."""
        placeholders = ", ".join("?" for _ in PUBLISHED_SCHEMAS)
        frame = self.query(
            "select table_schema || '.' || table_name as table_name, column_name"
            " from information_schema.columns"
            f" where table_schema in ({placeholders})",
            PUBLISHED_SCHEMAS,
        )
        tables: dict[str, set[str]] = {}
        for table, column in frame.itertuples(index=False):
            tables.setdefault(table, set()).add(column)
        return tables

    def missing(self, table: str, columns: Sequence[str] = ()) -> list[str]:
        """What of `table` (`schema.table`) and `columns` this file lacks; [] when all there."""
        catalog = self.catalog()
        if table not in catalog:
            return [table]
        return [f"{table}.{column}" for column in columns if column not in catalog[table]]

    def has(self, table: str, columns: Sequence[str] = ()) -> bool:
        return not self.missing(table, columns)
