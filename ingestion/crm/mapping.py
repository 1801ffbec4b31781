"""Mapping files: how one CRM's exports map onto the canonical tables (`raw_crm`).

A mapping file is YAML, named `mapping.yml` (or `<anything>.mapping.yml`), anywhere under
`landing/crm/`; the files it names are found relative to its own folder. The full format is in
the README ("Point it at your own exports"); in short:

    source_system: kingdee          # names the CRM in raw_crm and in the stage_mapping seed
    timezone: Asia/Shanghai         # local date-times (no offset) are in this zone; default UTC
    date_formats: ["%Y/%m/%d %H:%M", "%Y年%m月%d日"]   # tried after ISO 8601
    decimal_comma: false            # true: amounts are written 1.234,56
    stages:                         # the CRM's stage labels -> canonical stages
      初步接洽: qualification
      赢单: won
    activity_types: {电话: call, 拜访: meeting}
    tables:
      opportunity:
        files: ["商机*.xlsx"]
        sheet: 商机                  # XLSX worksheet (default: the first)
        columns: {id: 商机编号, stage: 阶段, amount: 金额, owner_name: 负责人}

A mapping file that is not valid is refused as a whole (quarantine.rejected_files) with the
reason; the refresh goes on with the other sources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ingestion.common.settings import SettingsError, valid_timezone
from ingestion.common.stages import CANONICAL_STAGES, stage_key
from ingestion.crm.tables import ACTIVITY_KINDS, KEY_FROM, TABLE_COLUMNS

MAPPING_PATTERNS = (
    "**/mapping.yml",
    "**/mapping.yaml",
    "**/*.mapping.yml",
    "**/*.mapping.yaml",
)
_SYSTEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")
_TOP_LEVEL = {
    "source_system",
    "timezone",
    "date_formats",
    "decimal_comma",
    "stages",
    "activity_types",
    "tables",
}
_TABLE_KEYS = {"files", "sheet", "columns", "date_formats"}


class MappingError(ValueError):
    """The mapping file cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class TableMapping:
    table: str
    files: tuple[str, ...]
    columns: dict[str, tuple[str, ...]]  # canonical column -> header (or headers, joined)
    sheet: str | None = None
    date_formats: tuple[str, ...] = ()

    @property
    def header_map(self) -> dict[str, str]:
        return {headers[0]: name for name, headers in self.columns.items() if len(headers) == 1}

    @property
    def composites(self) -> dict[str, tuple[str, ...]]:
        return {name: headers for name, headers in self.columns.items() if len(headers) > 1}


@dataclass(frozen=True)
class Mapping:
    path: Path  # the mapping file
    folder: str  # its folder, relative to the landing folder
    source_system: str
    timezone: str = "UTC"
    date_formats: tuple[str, ...] = ()
    decimal_comma: bool = False
    stages: dict[str, str] = field(default_factory=dict)  # label as written -> canonical
    activity_types: dict[str, str] = field(default_factory=dict)  # lower label -> kind
    tables: dict[str, TableMapping] = field(default_factory=dict)

    @property
    def stage_labels(self) -> frozenset[str]:
        return frozenset(stage_key(label) for label in self.stages)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    raise MappingError(f"{where}: expected a text or a list of texts")


def _mapping_of(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MappingError(f"{where}: expected a mapping (key: value lines)")
    return {str(k): v for k, v in value.items()}


def _table(name: str, raw: Any, base_formats: tuple[str, ...]) -> TableMapping:
    where = f"tables.{name}"
    if name not in TABLE_COLUMNS:
        known = ", ".join(TABLE_COLUMNS)
        raise MappingError(f"{where}: unknown table (known tables: {known})")
    body = _mapping_of(raw, where)
    unknown = set(body) - _TABLE_KEYS
    if unknown:
        raise MappingError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    if "files" not in body:
        raise MappingError(f"{where}: `files` is required (glob patterns)")
    files = _strings(body["files"], f"{where}.files")
    columns: dict[str, tuple[str, ...]] = {}
    for column, headers in _mapping_of(body.get("columns"), f"{where}.columns").items():
        if column not in TABLE_COLUMNS[name]:
            known = ", ".join(TABLE_COLUMNS[name])
            raise MappingError(f"{where}.columns.{column}: unknown column (known: {known})")
        columns[column] = tuple(str(h) for h in _strings(headers, f"{where}.columns.{column}"))
    formats = base_formats
    if "date_formats" in body:
        formats = _strings(body["date_formats"], f"{where}.date_formats")
    sheet = body.get("sheet")
    sheet = str(sheet) if sheet is not None else None
    if name == "opportunity_snapshot" and not columns:
        return TableMapping(name, files, {}, sheet, formats)  # the opportunity's columns
    required = [
        c
        for c, (_, is_required, _, _) in TABLE_COLUMNS[name].items()
        if is_required and c not in columns and not (c == "id" and name in KEY_FROM)
    ]
    if required:
        raise MappingError(f"{where}.columns: required column(s) not mapped: {', '.join(required)}")
    return TableMapping(name, files, columns, sheet, formats)


def parse_mapping(path: Path, landing_dir: Path) -> Mapping:
    """Read and check one mapping file; raises MappingError saying what is wrong."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise MappingError(f"not valid YAML: {error}") from error
    body = _mapping_of(document, "mapping file")
    unknown = set(body) - _TOP_LEVEL
    if unknown:
        raise MappingError(f"unknown key(s) {', '.join(sorted(unknown))}")
    system = str(body.get("source_system") or "").strip()
    if not _SYSTEM.match(system):
        raise MappingError("`source_system` is required: letters, digits, `_` or `-`")
    try:
        timezone = valid_timezone(body.get("timezone"), "timezone")
    except SettingsError as error:
        raise MappingError(str(error)) from error
    base_formats = _strings(body["date_formats"], "date_formats") if "date_formats" in body else ()
    stages: dict[str, str] = {}
    for label, canonical in _mapping_of(body.get("stages"), "stages").items():
        target = str(canonical or "").strip().lower()
        if target not in CANONICAL_STAGES:
            raise MappingError(
                f"stages.{label}: {canonical!r} is not a canonical stage "
                f"({', '.join(CANONICAL_STAGES)})"
            )
        stages[label] = target
    kinds: dict[str, str] = {}
    for label, kind in _mapping_of(body.get("activity_types"), "activity_types").items():
        target = str(kind or "").strip().lower()
        if target not in ACTIVITY_KINDS:
            raise MappingError(
                f"activity_types.{label}: {kind!r} is not one of {', '.join(ACTIVITY_KINDS)}"
            )
        kinds[stage_key(label)] = target
    tables = {
        name: _table(name, raw, base_formats)
        for name, raw in _mapping_of(body.get("tables"), "tables").items()
    }
    if not tables:
        raise MappingError("`tables` maps no table: nothing to read")
    if "opportunity_snapshot" in tables and not tables["opportunity_snapshot"].columns:
        opportunity = tables.get("opportunity")
        if opportunity is None:
            raise MappingError("tables.opportunity_snapshot: `columns` is required")
        snapshot = tables["opportunity_snapshot"]
        tables["opportunity_snapshot"] = TableMapping(
            "opportunity_snapshot",
            snapshot.files,
            opportunity.columns,
            snapshot.sheet or opportunity.sheet,
            snapshot.date_formats,
        )
    try:
        folder = path.parent.relative_to(landing_dir).as_posix()
    except ValueError:
        folder = path.parent.as_posix()
    return Mapping(
        path=path,
        folder=folder,
        source_system=system,
        timezone=timezone,
        date_formats=base_formats,
        decimal_comma=bool(body.get("decimal_comma", False)),
        stages=stages,
        activity_types=kinds,
        tables=tables,
    )
