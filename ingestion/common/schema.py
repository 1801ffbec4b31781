"""Declared shape of a raw table: which columns an export must or may carry, and their types."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["text", "bigint", "double", "date", "timestamp", "boolean", "seconds"]

SOURCE_FILE_COLUMN = "_source_file"
SOURCE_ROW_COLUMN = "_source_row"
LINEAGE_COLUMNS = (SOURCE_FILE_COLUMN, SOURCE_ROW_COLUMN)


@dataclass(frozen=True)
class ColumnSpec:
    """One typed column of a raw table.

    `aliases` are other header spellings (after snake_case normalisation) that mean this column,
    e.g. a report label such as `stage` for Salesforce's API name `stage_name`. `formats` are
    strptime formats tried after the ISO cast, for exports that write dates their own way.
    `stage_system` makes the value a pipeline-stage label that must be known to the
    `stage_mapping` seed for that source system (or `any`); `stage_when` limits that check to
    rows matching a SQL condition over the table's column names (e.g. field-history rows of the
    stage field). `seconds` columns hold durations: `hh:mm[:ss]`, or a number times `scale`.
    `decimal_comma` reads numbers written `1.234,56` (continental Europe).
    """

    name: str
    type: ColumnType = "text"
    required: bool = False
    non_negative: bool = False
    aliases: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    stage_system: str | None = None
    stage_when: str | None = None
    scale: float = 1.0
    decimal_comma: bool = False


@dataclass(frozen=True)
class TableSpec:
    """A raw table: its name in the warehouse, its key, and its typed columns.

    Columns the export carries beyond `columns` are kept as text, so nothing in a file is lost.
    `key_from` builds a missing single-column key from other columns (an md5 of their raw
    values), for report exports that carry no record id (e.g. field-history reports).
    """

    name: str
    primary_key: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    files: tuple[str, ...] = ()  # glob patterns, relative to the source's landing folder
    write_disposition: Literal["merge", "append", "replace"] = "merge"
    description: str = ""
    key_from: tuple[str, ...] = ()
    key_column: str | None = None  # the key column `key_from` builds (default: the only key)
    _by_header: dict[str, ColumnSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_header: dict[str, ColumnSpec] = {}
        for column in self.columns:
            for header in (column.name, *column.aliases):
                by_header.setdefault(header, column)
        object.__setattr__(self, "_by_header", by_header)
        declared = {c.name for c in self.columns}
        missing_keys = set(self.primary_key) - declared
        if missing_keys:
            raise ValueError(f"{self.name}: primary key columns {missing_keys} are not declared")
        if self.key_from and (
            self.synthesized_column not in self.primary_key or set(self.key_from) - declared
        ):
            raise ValueError(f"{self.name}: key_from needs a key column and declared columns")

    @property
    def synthesized_column(self) -> str | None:
        if self.key_column is not None:
            return self.key_column
        return self.primary_key[0] if len(self.primary_key) == 1 else None

    def column_for_header(self, normalized_header: str) -> ColumnSpec | None:
        return self._by_header.get(normalized_header)

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)

    @property
    def required_columns(self) -> tuple[ColumnSpec, ...]:
        return tuple(c for c in self.columns if c.required or c.name in self.primary_key)

    @property
    def fingerprint(self) -> str:
        """Changes whenever the way a file of this table is read or typed changes."""
        material = repr((self.name, self.primary_key, self.columns, self.key_from))
        return hashlib.sha256(material.encode()).hexdigest()[:16]
