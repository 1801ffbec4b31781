"""Calendar exports (ICS) as a dlt source: one row per meeting occurrence."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dlt
import pyarrow as pa
from dlt.sources import DltResource

from ingestion.calendar.ics import CALENDAR_EVENT_SCHEMA, DEFAULT_HORIZON_DAYS, expand_ics
from ingestion.common.files import discover_files, landing_name
from ingestion.common.ledger import FileAccount, IngestionLedger

SOURCE_NAME = "calendar"
CALENDAR_TABLE = "calendar_event"
ICS_PATTERNS = ("*.ics", "**/*.ics")


def _calendar_events(
    landing: Path, ledger: IngestionLedger, horizon_days: int
) -> Iterator[pa.Table]:
    yield CALENDAR_EVENT_SCHEMA.empty_table()  # the table exists even with no calendars
    for path in discover_files(landing / SOURCE_NAME, ICS_PATTERNS):
        source_file = landing_name(path, landing)
        try:
            expanded = expand_ics(path, source_file, horizon_days)
        except (ValueError, OSError) as error:
            ledger.reject_file(source_file, f"not a readable ICS calendar: {error}", CALENDAR_TABLE)
            continue
        ledger.reject_malformed_rows(source_file, expanded.rejected)
        ledger.record_file(
            FileAccount(
                source_name=SOURCE_NAME,
                table_name=CALENDAR_TABLE,
                source_file=source_file,
                rows_in=expanded.vevents_read,
                rows_loaded=expanded.vevents_read - len(expanded.rejected),
                rows_quarantined=len(expanded.rejected),
            )
        )
        if expanded.occurrences.num_rows:
            yield expanded.occurrences


@dlt.source(name=SOURCE_NAME, max_table_nesting=0)
def calendar_source(
    landing_dir: str = dlt.config.value,
    ledger: IngestionLedger | None = None,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> Iterator[DltResource]:
    """Every ICS file under `<landing_dir>/calendar/`, recurring events expanded.

    For ICS files `_source_row` is the 1-based VEVENT ordinal in the file, and the file's
    accounting counts VEVENTs (one VEVENT can expand to many occurrences).
    """
    landing = Path(landing_dir)
    yield dlt.resource(
        _calendar_events(landing, ledger or IngestionLedger(SOURCE_NAME), horizon_days),
        name=CALENDAR_TABLE,
        primary_key="occurrence_id",
        write_disposition="merge",
    )
