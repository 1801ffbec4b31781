"""Open any export file as a table of string cells: CSV/TSV/TXT, XLSX (Excel) or JSON.

Every reader yields arrow record batches of string columns named by the file's headers plus
`_source_row` (1-based data row, blank rows skipped), so typing and quarantine work the same
whatever the file format. Values are stringified the way a CSV export would write them
(`2025-03-04`, `2025-03-04 14:00:00`, `1500`, `true`), so the same typing rules apply.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from ingestion.common.delimited import (
    MalformedRow,
    UnreadableFileError,
    name_blank_headers,
    open_delimited,
)
from ingestion.common.schema import SOURCE_ROW_COLUMN

_BATCH_ROWS = 50_000
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm")
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")


class TableFile(Protocol):
    path: Path
    headers: list[str]
    malformed_rows: list[MalformedRow]
    rows_read: int

    def batches(self) -> Iterator[pa.RecordBatch]: ...


def cell_text(value: Any) -> str | None:
    """A spreadsheet or JSON value as the text a CSV export would carry."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        if value.time() == time.min and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _unique_headers(raw: Iterable[Any]) -> list[str]:
    headers = name_blank_headers([(cell_text(h) or "").strip() for h in raw])
    while headers and headers[-1].startswith("column_") and headers[-1] == f"column_{len(headers)}":
        headers.pop()  # spreadsheets report trailing empty header cells
    duplicates = sorted({h for h in headers if headers.count(h) > 1})
    if duplicates:
        raise UnreadableFileError(f"duplicate header(s): {', '.join(duplicates)}")
    if not headers:
        raise UnreadableFileError("no header row")
    return headers


class _RowBatcher:
    """Collects rows of cells column-wise and emits string record batches."""

    def __init__(self, headers: list[str]) -> None:
        self.headers = headers
        self.columns: list[list[str | None]] = [[] for _ in headers]
        self.rows: list[int] = []

    def add(self, cells: list[str | None], source_row: int) -> None:
        for values, cell in zip(self.columns, cells, strict=True):
            values.append(cell)
        self.rows.append(source_row)

    def full(self) -> bool:
        return len(self.rows) >= _BATCH_ROWS

    def flush(self) -> pa.RecordBatch:
        arrays = [pa.array(values, type=pa.string()) for values in self.columns]
        arrays.append(pa.array(self.rows, type=pa.int64()))
        batch = pa.RecordBatch.from_arrays(arrays, names=[*self.headers, SOURCE_ROW_COLUMN])
        self.columns = [[] for _ in self.headers]
        self.rows = []
        return batch


@dataclass
class SpreadsheetFile:
    """The first (or the named) worksheet of an XLSX workbook, header in its first used row."""

    path: Path
    sheet: str | None = None
    headers: list[str] = field(default_factory=list)
    malformed_rows: list[MalformedRow] = field(default_factory=list)
    rows_read: int = 0

    def _rows(self) -> Iterator[tuple[Any, ...]]:
        import openpyxl  # imported lazily: only workbooks need it

        try:
            workbook = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as error:  # zip, XML or format errors all mean "not a workbook"
            raise UnreadableFileError(f"not a readable XLSX workbook: {error}") from error
        try:
            if self.sheet is not None:
                if self.sheet not in workbook.sheetnames:
                    raise UnreadableFileError(
                        f"no worksheet {self.sheet!r} (found: {', '.join(workbook.sheetnames)})"
                    )
                worksheet = workbook[self.sheet]
            else:
                worksheet = workbook.worksheets[0]
            yield from worksheet.iter_rows(values_only=True)
        finally:
            workbook.close()

    def open(self) -> SpreadsheetFile:
        rows = self._rows()
        for row in rows:
            if any(cell_text(cell) is not None for cell in row):
                self.headers = _unique_headers(row)
                break
        else:
            raise UnreadableFileError("worksheet is empty")
        rows.close()
        return self

    def batches(self) -> Iterator[pa.RecordBatch]:
        width = len(self.headers)
        batcher = _RowBatcher(self.headers)
        rows = self._rows()
        header_seen = False
        for row in rows:
            cells = [cell_text(cell) for cell in row]
            if not any(cell is not None for cell in cells):
                continue  # blank row: skipped, like blank CSV lines
            if not header_seen:
                header_seen = True
                continue
            self.rows_read += 1
            extra = [c for c in cells[width:] if c is not None]
            if extra:
                self.malformed_rows.append(
                    MalformedRow(
                        self.rows_read,
                        f"expected {width} fields, found {width + len(extra)}",
                        json.dumps(cells, ensure_ascii=False),
                    )
                )
                continue
            cells = (cells + [None] * width)[:width]
            batcher.add(cells, self.rows_read)
            if batcher.full():
                yield batcher.flush()
        if batcher.rows:
            yield batcher.flush()


@dataclass
class JsonFile:
    """A JSON array of records (or `{"data"|"records"|"results"|"items": [...]}`), or NDJSON."""

    path: Path
    headers: list[str] = field(default_factory=list)
    malformed_rows: list[MalformedRow] = field(default_factory=list)
    rows_read: int = 0
    _records: list[Any] = field(default_factory=list, repr=False)

    def open(self) -> JsonFile:
        text = self.path.read_bytes().decode("utf-8-sig", errors="strict")
        if not text.strip():
            raise UnreadableFileError("file is empty")
        try:
            document: Any = json.loads(text)
        except json.JSONDecodeError:
            document = None
        if document is None:
            records: list[Any] = []
            for number, line in enumerate(text.splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as error:
                    if not records:
                        raise UnreadableFileError(f"not JSON or JSON lines: {error}") from error
                    records.append(_Unparsable(line, f"line {number}: {error.msg}"))
            document = records
        if isinstance(document, dict):
            for key in ("data", "records", "results", "items", "rows"):
                if isinstance(document.get(key), list):
                    document = document[key]
                    break
            else:
                document = [document]
        if not isinstance(document, list):
            raise UnreadableFileError("JSON holds neither a list of records nor one record")
        self._records = document
        headers: dict[str, None] = {}
        for record in document:
            if isinstance(record, dict):
                headers.update(dict.fromkeys(str(k) for k in record))
        if not headers:
            raise UnreadableFileError("JSON holds no records with fields")
        self.headers = _unique_headers(headers)
        return self

    def batches(self) -> Iterator[pa.RecordBatch]:
        batcher = _RowBatcher(self.headers)
        for record in self._records:
            self.rows_read += 1
            if not isinstance(record, dict):
                reason = record.reason if isinstance(record, _Unparsable) else "not a JSON object"
                text = record.text if isinstance(record, _Unparsable) else json.dumps(record)
                self.malformed_rows.append(MalformedRow(self.rows_read, reason, text))
                continue
            batcher.add([cell_text(record.get(h)) for h in self.headers], self.rows_read)
            if batcher.full():
                yield batcher.flush()
        if batcher.rows:
            yield batcher.flush()


@dataclass(frozen=True)
class _Unparsable:
    text: str
    reason: str


def open_table_file(path: Path, sheet: str | None = None) -> TableFile:
    """Open `path` by its extension; raises UnreadableFileError if it is not a table."""
    suffix = path.suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return SpreadsheetFile(path, sheet=sheet).open()
    if suffix in JSON_SUFFIXES:
        return JsonFile(path).open()
    if suffix == ".xls":
        raise UnreadableFileError("legacy .xls workbooks are not supported: save as .xlsx or CSV")
    return open_delimited(path)
