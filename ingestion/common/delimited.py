"""Read delimited exports (CSV, semicolon CSV, tab-separated "Unicode text") as string batches.

The fast path is pyarrow's streaming CSV reader. Every cell stays a string here; typing happens
later, in one place, so that a bad value can be quarantined with its original text.

Rows are numbered 1-based over data rows (header excluded, blank lines skipped), the same
numbering as `_source_row`. A row with the wrong number of fields cannot be numbered by pyarrow
once rows are skipped, so from the first such row on the file is finished by Python's `csv`
module, which numbers every row exactly and reports the malformed ones.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from ingestion.common.schema import SOURCE_ROW_COLUMN

_SNIFF_BYTES = 1 << 20
_BLOCK_BYTES = 16 << 20
_SLOW_PATH_BATCH_ROWS = 50_000
_DELIMITERS = (",", ";", "\t", "|")


class UnreadableFileError(Exception):
    """The file cannot be read as a table at all (it goes to `quarantine.rejected_files`)."""


@dataclass(frozen=True)
class Dialect:
    encoding: str  # a Python codec name
    delimiter: str

    @property
    def arrow_encoding(self) -> str:
        # pyarrow reads UTF-8 natively and transcodes anything else through Python's codecs;
        # the BOM sits in the header line, which pyarrow skips.
        return "utf8" if self.encoding in ("utf-8", "utf-8-sig") else self.encoding


@dataclass(frozen=True)
class MalformedRow:
    source_row: int
    reason: str
    text: str


@dataclass
class DelimitedFile:
    """A delimited file being read: its headers, then its batches, then its malformed rows."""

    path: Path
    dialect: Dialect
    headers: list[str]
    malformed_rows: list[MalformedRow] = field(default_factory=list)
    rows_read: int = 0

    def batches(self) -> Iterator[pa.RecordBatch]:
        """Yield string batches with a `_source_row` column; malformed rows are collected."""
        invalid_seen: list[pacsv.InvalidRow] = []

        def remember_invalid_row(row: pacsv.InvalidRow) -> str:
            invalid_seen.append(row)
            return "skip"

        reader = pacsv.open_csv(
            self.path,
            read_options=pacsv.ReadOptions(
                encoding=self.dialect.arrow_encoding,
                block_size=_BLOCK_BYTES,
                use_threads=False,  # keeps batches (and the invalid-row callback) in file order
                column_names=self.headers,
                skip_rows=1,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=self.dialect.delimiter,
                newlines_in_values=True,
                invalid_row_handler=remember_invalid_row,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(self.headers, pa.string()),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
        for batch in reader:
            if invalid_seen:
                # This batch lost rows: hand the rest of the file to the exact slow path.
                yield from self._slow_batches(skip_data_rows=self.rows_read)
                return
            yield self._numbered(batch)

    def _numbered(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        first = self.rows_read + 1
        self.rows_read += batch.num_rows
        row_numbers = pa.array(range(first, first + batch.num_rows), type=pa.int64())
        return batch.append_column(SOURCE_ROW_COLUMN, row_numbers)

    def _slow_batches(self, skip_data_rows: int) -> Iterator[pa.RecordBatch]:
        width = len(self.headers)
        columns: list[list[str | None]] = [[] for _ in range(width)]
        row_numbers: list[int] = []
        with self.path.open(encoding=self.dialect.encoding, newline="") as handle:
            records = csv.reader(handle, delimiter=self.dialect.delimiter)
            next(records, None)  # header
            data_row = 0
            for record in records:
                if not record:
                    continue  # blank line: pyarrow skips these too
                data_row += 1
                if data_row <= skip_data_rows:
                    continue
                if len(record) != width:
                    self.malformed_rows.append(
                        MalformedRow(
                            source_row=data_row,
                            reason=f"expected {width} fields, found {len(record)}",
                            text=self.dialect.delimiter.join(record),
                        )
                    )
                    continue
                for values, cell in zip(columns, record, strict=True):
                    values.append(cell if cell != "" else None)
                row_numbers.append(data_row)
                if len(row_numbers) >= _SLOW_PATH_BATCH_ROWS:
                    yield self._slow_batch(columns, row_numbers)
                    columns, row_numbers = [[] for _ in range(width)], []
            if row_numbers:
                yield self._slow_batch(columns, row_numbers)
            self.rows_read = data_row

    def _slow_batch(
        self, columns: list[list[str | None]], row_numbers: list[int]
    ) -> pa.RecordBatch:
        arrays = [pa.array(values, type=pa.string()) for values in columns]
        arrays.append(pa.array(row_numbers, type=pa.int64()))
        return pa.RecordBatch.from_arrays(arrays, names=[*self.headers, SOURCE_ROW_COLUMN])


def sniff_dialect(path: Path) -> Dialect:
    """Detect encoding (BOM, UTF-8, else GB18030) and delimiter from the header line."""
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if not head.strip():
        raise UnreadableFileError("file is empty")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"  # Excel's "Unicode text"
    elif head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    else:
        encoding = "utf-8"
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        except UnicodeDecodeError:
            encoding = "gb18030"  # superset of GBK: what Chinese-locale Excel writes
    # A sniff buffer may end inside a character: only the full file must decode strictly.
    errors = "strict" if len(head) < _SNIFF_BYTES else "ignore"
    try:
        text = head.decode(encoding, errors=errors)
    except UnicodeDecodeError as error:
        raise UnreadableFileError(f"cannot decode as {encoding}: {error}") from error
    if "\x00" in text:
        raise UnreadableFileError("binary content (NUL bytes): not a delimited text file")
    first_line = text.lstrip("\ufeff").splitlines()[0]
    delimiter = max(_DELIMITERS, key=first_line.count)
    return Dialect(encoding=encoding, delimiter=delimiter if first_line.count(delimiter) else ",")


def open_delimited(path: Path) -> DelimitedFile:
    """Sniff and read the header of a delimited file, ready to stream its batches."""
    dialect = sniff_dialect(path)
    with path.open(encoding=dialect.encoding, newline="") as handle:
        header = next(csv.reader(handle, delimiter=dialect.delimiter), None)
    if not header or not any(h.strip() for h in header):
        raise UnreadableFileError("no header row")
    headers = [h.strip().lstrip("\ufeff") for h in header]
    duplicates = sorted({h for h in headers if headers.count(h) > 1})
    if duplicates:
        raise UnreadableFileError(f"duplicate header(s): {', '.join(duplicates)}")
    return DelimitedFile(path=path, dialect=dialect, headers=headers)
