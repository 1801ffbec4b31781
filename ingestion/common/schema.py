"""Declared shape of a raw table: which columns an export must or may carry, and their types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["text", "bigint", "double", "date", "timestamp", "boolean"]

SOURCE_FILE_COLUMN = "_source_file"
SOURCE_ROW_COLUMN = "_source_row"


@dataclass(frozen=True)
class ColumnSpec:
    """One typed column of a raw table.

    `aliases` are other header spellings (after snake_case normalisation) that mean this column,
    e.g. a report label such as `stage` for Salesforce's API name `stage_name`. `formats` are
    strptime formats tried after the ISO cast, for exports that write dates their own way.
    """

    name: str
    type: ColumnType = "text"
    required: bool = False
    non_negative: bool = False
    aliases: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    """A raw table: its name in the warehouse, its key, and its typed columns.

    Columns the export carries beyond `columns` are kept as text, so nothing in a file is lost.
    """

    name: str
    primary_key: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    files: tuple[str, ...] = ()  # glob patterns, relative to the source's landing folder
    write_disposition: Literal["merge", "append", "replace"] = "merge"
    description: str = ""
    _by_header: dict[str, ColumnSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_header: dict[str, ColumnSpec] = {}
        for column in self.columns:
            for header in (column.name, *column.aliases):
                by_header[header] = column
        object.__setattr__(self, "_by_header", by_header)
        missing_keys = set(self.primary_key) - {c.name for c in self.columns}
        if missing_keys:
            raise ValueError(f"{self.name}: primary key columns {missing_keys} are not declared")

    def column_for_header(self, normalized_header: str) -> ColumnSpec | None:
        return self._by_header.get(normalized_header)

    @property
    def required_columns(self) -> tuple[ColumnSpec, ...]:
        return tuple(c for c in self.columns if c.required or c.name in self.primary_key)
