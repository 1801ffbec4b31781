"""Typed rows to parquet in a background thread, handed to dlt as ready load files.

dlt's arrow path writes every arrow table to parquet in its extract step, in the thread that
also reads and types the exports. The spool does that writing in a thread of its own (pyarrow
releases the GIL while encoding), so parsing, typing and writing overlap, in row groups the
size of DuckDB's own, so that the load reads them in parallel. The finished files are imported
into the load package as they are (`dlt.mark.with_file_import`): dlt hard-links them and loads
them without rewriting.

Every file of a table leaves the spool with one schema: declared columns, lineage,
`_dlt_load_id`, then the extra columns of every export (and of earlier loads) in first-seen
order. Files read with fewer columns are completed with nulls when the spool closes, so dlt's
normalizer never has to rewrite (and never has to concatenate) differently shaped files.
"""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ingestion.common.schema import LINEAGE_COLUMNS
from ingestion.common.typing import constant_column

DLT_LOAD_ID = "_dlt_load_id"
_ROW_GROUP_ROWS = 122_880  # DuckDB's own row-group size: its load parallelises per group


@dataclass(frozen=True)
class SpooledFile:
    path: Path
    rows: int
    schema: pa.Schema


def _ordered(fields: Iterable[pa.Field], declared: list[str]) -> pa.Schema:
    by_name: dict[str, pa.Field] = {}
    for f in fields:
        by_name.setdefault(f.name, f)
    lineage = [c for c in (*LINEAGE_COLUMNS, DLT_LOAD_ID) if c in by_name]
    head = [c for c in declared if c in by_name and c not in lineage]
    rest = [c for c in by_name if c not in head and c not in lineage]
    return pa.schema([by_name[c] for c in (*head, *lineage, *rest)])


class ParquetSpool:
    """Writes one table's typed batches to parquet files, off the calling thread."""

    def __init__(
        self,
        directory: Path,
        table_name: str,
        load_id: str,
        empty: pa.Table,
        known_columns: Iterable[str] = (),
    ) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.table_name = table_name
        self.load_id = load_id
        self.declared = empty.column_names
        self._fields: list[pa.Field] = list(self._prepared(empty).schema)
        # extra columns earlier loads added to the table: every file carries them (null)
        for name in known_columns:
            if name not in {f.name for f in self._fields}:
                self._fields.append(pa.field(name, pa.string()))
        self._files: list[SpooledFile] = []
        self._queue: queue.Queue[pa.Table | None] = queue.Queue(maxsize=3)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"spool-{table_name}")
        self._thread.start()

    def put(self, table: pa.Table) -> None:
        if self._error is not None:
            raise self._error
        if table.num_rows:
            self._queue.put(table)

    def close(self) -> list[SpooledFile]:
        """The finished files, all with the table's full schema (an empty one if no rows)."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        schema = _ordered(self._fields, self.declared)
        if not self._files:
            return [self._write(schema.empty_table())]
        return [self._conformed(spooled, schema) for spooled in self._files]

    def _prepared(self, table: pa.Table) -> pa.Table:
        column = constant_column(self.load_id, table.num_rows)
        table = table.append_column(pa.field(DLT_LOAD_ID, pa.string(), nullable=False), column)
        return table.select(_ordered(table.schema, self.declared).names)

    def _write(self, table: pa.Table) -> SpooledFile:
        path = self._new_path()
        pq.write_table(table, path, compression="snappy", row_group_size=_ROW_GROUP_ROWS)
        return SpooledFile(path, table.num_rows, table.schema)

    def _new_path(self) -> Path:
        return self.directory / f"{self.table_name}.{uuid.uuid4().hex[:12]}.parquet"

    def _conformed(self, spooled: SpooledFile, schema: pa.Schema) -> SpooledFile:
        if spooled.schema.equals(schema):
            return spooled
        table = pq.read_table(spooled.path)
        columns = [
            table.column(f.name).cast(f.type)
            if f.name in table.column_names
            else pa.nulls(table.num_rows, f.type)
            for f in schema
        ]
        spooled.path.unlink()
        return self._write(pa.Table.from_arrays(columns, schema=schema))

    def _run(self) -> None:
        writer: pq.ParquetWriter | None = None
        schema: pa.Schema | None = None
        path: Path | None = None
        rows = 0
        try:
            while (table := self._queue.get()) is not None:
                table = self._prepared(table)
                for f in table.schema:
                    if f.name not in {known.name for known in self._fields}:
                        self._fields.append(f)
                if writer is not None and not table.schema.equals(schema):
                    writer.close()
                    self._files.append(SpooledFile(path, rows, schema))  # type: ignore[arg-type]
                    writer = None
                if writer is None:
                    schema = table.schema
                    path = self._new_path()
                    writer = pq.ParquetWriter(
                        path,
                        schema,
                        compression="snappy",
                        use_dictionary=_dictionary_columns(table),
                    )
                    rows = 0
                writer.write_table(table, row_group_size=_ROW_GROUP_ROWS)
                rows += table.num_rows
            if writer is not None:
                writer.close()
                self._files.append(SpooledFile(path, rows, schema))  # type: ignore[arg-type]
        except BaseException as error:  # raised in the calling thread by put() or close()
            self._error = error
            while self._queue.get() is not None:  # drain so put() never blocks
                pass


def _dictionary_columns(table: pa.Table) -> list[str]:
    """String columns with few distinct values (in the first batch): worth dictionary pages.

    Dictionary-encoding a column of ids only to fall back to plain pages costs time for nothing.
    """
    sample = table.slice(0, 50_000)
    chosen = []
    for name in table.column_names:
        column = sample.column(name)
        if not pa.types.is_string(column.type) and not pa.types.is_dictionary(column.type):
            continue
        if sample.num_rows == 0 or pc.count_distinct(column).as_py() <= max(
            1000, sample.num_rows // 20
        ):
            chosen.append(name)
    return chosen
