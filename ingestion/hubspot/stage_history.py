"""Deal stage history from HubSpot's stage-calculated properties, one row per deal and stage.

A deals export can carry, for every stage of every pipeline, the properties
`Date entered "Appointment Scheduled (Sales Pipeline)"` and
`Date exited "Appointment Scheduled (Sales Pipeline)"` (HubSpot also writes them with single or
curly quotes, or none). Each deal row becomes one row per stage it entered:
(deal_id, pipeline, stage_label, entered_at, exited_at).

Accounting is per deal row: a deal row loads when its key and every stage date type; a bad
date, or a date for a stage the stage_mapping seed does not know, quarantines the deal row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.common.dedupe import DuplicateGuard
from ingestion.common.delimited import UnreadableFileError
from ingestion.common.files import ExportFile, TableSource
from ingestion.common.ledger import FileAccount, IngestionLedger
from ingestion.common.readers import open_table_file
from ingestion.common.schema import SOURCE_FILE_COLUMN, SOURCE_ROW_COLUMN, ColumnSpec
from ingestion.common.typing import (
    REJECTED_ROWS_SCHEMA,
    _to_arrow,
    _typed_expression,
    literal,
    normalize_header,
    quote,
)
from ingestion.hubspot.tables import DATETIME_FORMATS

STAGE_HISTORY_TABLE = "deal_stage_history"
STAGE_HISTORY_SCHEMA = pa.schema(
    [
        pa.field("deal_id", pa.string(), nullable=False),
        pa.field("pipeline", pa.string(), nullable=False),
        pa.field("stage_label", pa.string(), nullable=False),
        pa.field("entered_at", pa.timestamp("us", tz="UTC")),
        pa.field("exited_at", pa.timestamp("us", tz="UTC")),
        pa.field(SOURCE_FILE_COLUMN, pa.string()),
        pa.field(SOURCE_ROW_COLUMN, pa.int64()),
    ]
)
STAGE_HISTORY_KEY = ("deal_id", "pipeline", "stage_label")
DEFAULT_PIPELINE = "default"

_HEADER = re.compile(r"^\s*date\s+(entered|exited)\s+(.+?)\s*$", re.IGNORECASE)
_PIPELINE = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")
_QUOTES = "\"'\u201c\u201d\u2018\u2019\u201e\u00ab\u00bb"  # straight and curly quotes
_ID_HEADERS = ("record_id", "deal_id", "id", "hs_object_id")


@dataclass
class _StageColumns:
    stage: str
    pipeline: str
    entered: str | None = None
    exited: str | None = None


def parse_stage_header(header: str) -> tuple[str, str, str] | None:
    """`Date entered "Stage (Pipeline)"` -> ("entered", "Stage", "Pipeline"), else None."""
    match = _HEADER.match(header)
    if not match:
        return None
    rest = "".join(c for c in match.group(2) if c not in _QUOTES).strip()
    pipeline_match = _PIPELINE.match(rest)
    if pipeline_match and pipeline_match.group(1).strip():
        stage, pipeline = pipeline_match.group(1).strip(), pipeline_match.group(2).strip()
    else:
        stage, pipeline = rest, DEFAULT_PIPELINE
    if not stage:
        return None
    return match.group(1).lower(), stage, pipeline or DEFAULT_PIPELINE


def stage_columns(headers: list[str]) -> list[_StageColumns]:
    found: dict[tuple[str, str], _StageColumns] = {}
    for header in headers:
        parsed = parse_stage_header(header)
        if parsed is None:
            continue
        kind, stage, pipeline = parsed
        columns = found.setdefault((stage, pipeline), _StageColumns(stage, pipeline))
        if kind == "entered":
            columns.entered = header
        else:
            columns.exited = header
    return [c for c in found.values() if c.entered is not None]


def read_stage_history(
    export: ExportFile, source: TableSource, ledger: IngestionLedger
) -> Iterator[pa.Table]:
    """The FileReader of `deal_stage_history` (see the module docstring)."""
    table_name = source.table_name
    try:
        table_file = open_table_file(export.path, source.sheet)
    except (UnreadableFileError, OSError) as error:
        ledger.reject_file(export.source_file, str(error), table_name)
        return
    stages = stage_columns(table_file.headers)
    if not stages:
        return  # a deals export without stage dates: nothing for this table
    id_header = next((h for h in table_file.headers if normalize_header(h) in _ID_HEADERS), None)
    if id_header is None:
        ledger.reject_file(
            export.source_file,
            f"missing required column(s) for {table_name}: Record ID",
            table_name,
        )
        return
    known = source.stage_labels.get("stage_label", frozenset())
    sql = _history_sql(table_file.headers, id_header, stages, known, export.source_file)
    connection = duckdb.connect()
    connection.execute(f"set timezone = {literal(source.timezone)}")
    guard = DuplicateGuard(STAGE_HISTORY_KEY, export.source_file)
    loaded = quarantined = 0
    try:
        for batch in table_file.batches():
            connection.register("batch", batch)
            try:
                checked = _to_arrow(connection.execute(sql.checked))
                rejected = _to_arrow(connection.execute(sql.rejected)).cast(REJECTED_ROWS_SCHEMA)
                rows = _to_arrow(connection.execute(sql.rows))
            finally:
                connection.unregister("batch")
            ledger.reject_rows(rejected, table_name)
            bad_rows = pc.sum(checked.column("_bad").cast(pa.int64())).as_py() or 0
            known_duplicates = {d.source_row for d in guard.duplicates}
            kept = guard.check(rows.cast(STAGE_HISTORY_SCHEMA))
            duplicates = {d.source_row for d in guard.duplicates} - known_duplicates
            quarantined += bad_rows + len(duplicates)
            loaded += batch.num_rows - bad_rows - len(duplicates)
            if kept.num_rows:
                yield kept
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        ledger.reject_file(
            export.source_file,
            f"unreadable after data row {table_file.rows_read}: {error}",
            table_name,
        )
    finally:
        connection.close()
    ledger.reject_rows(guard.rejections(lambda rows: {}), table_name)
    guard.close()
    malformed = table_file.malformed_rows
    ledger.reject_malformed_rows(
        export.source_file, ((m.source_row, m.reason, m.text) for m in malformed), table_name
    )
    ledger.record_file(
        FileAccount(
            source_name=ledger.source_name,
            table_name=table_name,
            source_file=export.source_file,
            rows_in=table_file.rows_read,
            rows_loaded=loaded,
            rows_quarantined=quarantined + len(malformed),
        )
    )


@dataclass(frozen=True)
class _HistorySql:
    checked: str
    rejected: str
    rows: str


def _history_sql(
    headers: list[str],
    id_header: str,
    stages: list[_StageColumns],
    known: frozenset[str],
    source_file: str,
) -> _HistorySql:
    # The connection's time zone reads local date-times.
    spec = ColumnSpec("at", "timestamp", formats=DATETIME_FORMATS)
    deal_id = quote(id_header)
    checks: list[tuple[str, str, str]] = [
        (
            f"{deal_id} is null or trim({deal_id}) = ''",
            "deal_id",
            literal("missing required value"),
        )
    ]
    selects: list[str] = []
    for stage in stages:
        for header in (stage.entered, stage.exited):
            if header is None:
                continue
            raw = quote(header)
            typed = _typed_expression(spec, raw)
            checks.append(
                (
                    f"{raw} is not null and trim({raw}) <> '' and {typed} is null",
                    header,
                    f"'not a valid timestamp: ' || {raw}",
                )
            )
        if stage.stage.strip().lower() not in known:
            entered = quote(stage.entered)  # type: ignore[arg-type]
            checks.append(
                (
                    f"{entered} is not null and trim({entered}) <> ''",
                    stage.entered or "",
                    literal(
                        f"unknown stage label: {stage.stage} (not in "
                        "dbt_project/seeds/stage_mapping.csv for source_system 'hubspot' or "
                        "'any'; add it there and refresh)"
                    ),
                )
            )
        entered_sql = _typed_expression(spec, quote(stage.entered))  # type: ignore[arg-type]
        exited_sql = _typed_expression(spec, quote(stage.exited)) if stage.exited else "null"
        selects.append(
            f"select {deal_id} as deal_id, {literal(stage.pipeline)} as pipeline, "
            f"{literal(stage.stage)} as stage_label, "
            f"cast({entered_sql} as timestamptz) as entered_at, "
            f"cast({exited_sql} as timestamptz) as exited_at, "
            f"{literal(source_file)} as {SOURCE_FILE_COLUMN}, {SOURCE_ROW_COLUMN} "
            f"from good where {quote(stage.entered)} is not null "  # type: ignore[arg-type]
            f"and trim({quote(stage.entered)}) <> ''"  # type: ignore[arg-type]
        )
    bad = " or ".join(f"coalesce({c}, false)" for c, _, _ in checks)
    errors = ", ".join(
        f"case when coalesce({c}, false) then "
        f"{{'column_name': {literal(normalize_header(col) or col)}, 'reason': {reason}}} end"
        for c, col, reason in checks
    )
    record = "json_object(" + ", ".join(f"{literal(h)}, {quote(h)}" for h in headers) + ")"
    flagged = f"select *, ({bad}) as _bad from batch"
    checked = f"select {SOURCE_ROW_COLUMN}, _bad from ({flagged})"
    rejected = (
        f"select {literal(source_file)} as source_file, {SOURCE_ROW_COLUMN} as source_row, "
        "error.column_name as column_name, error.reason as reason, raw_record from ("
        f"select {SOURCE_ROW_COLUMN}, unnest(list_filter([{errors}], e -> e is not null)) "
        f"as error, {record} as raw_record from ({flagged}) where _bad) "
        "order by source_row, column_name"
    )
    union = " union all ".join(selects)
    rows = f"with good as (select * from ({flagged}) where not _bad) {union}"
    return _HistorySql(checked=checked, rejected=rejected, rows=rows)
