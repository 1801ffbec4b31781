"""ICS calendars expand into occurrences: recurrence, exceptions, zones, all-day, DURATION."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from ingestion.pipeline import ingest_landing

FIXTURES = Path(__file__).parent / "fixtures" / "calendar"


def test_outlook_calendar_with_windows_zone_expands_exactly(tmp_path: Path) -> None:
    landing = tmp_path / "landing" / "calendar"
    landing.mkdir(parents=True)
    shutil.copy(FIXTURES / "outlook_windows_tz.ics", landing / "ann.rep.ics")
    warehouse = tmp_path / "w.duckdb"
    ingest_landing(tmp_path / "landing", warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        connection.execute("set timezone = 'UTC'")
        rows = connection.execute(
            "select uid, strftime(start_at, '%Y-%m-%d %H:%M'), strftime(end_at, '%H:%M'), "
            "is_all_day, status, is_recurring, organizer_email, attendee_emails, _source_row "
            "from raw_calendar.calendar_event order by start_at, uid"
        ).fetchall()
        accounting = connection.execute(
            "select rows_in, rows_loaded, rows_quarantined from quarantine.file_loads"
        ).fetchone()
        rejected = connection.execute(
            "select source_row, reason from quarantine.rejected_rows"
        ).fetchall()
    series = "040000008200E00074C5B7101A82E008000000001"
    internal = "bo.rep@northwind-analytics.com"
    organizer = "ann.rep@northwind-analytics.com"
    # 10:00 Berlin in January is 09:00 UTC. 13 Jan is an EXDATE; 20 Jan is cancelled.
    assert rows == [
        (series, "2025-01-06 09:00", "10:00", False, "CONFIRMED", True, organizer, internal, 1),
        (
            "offsite-2025@northwind-analytics.com",
            "2025-01-10 00:00",
            "00:00",
            True,
            "CONFIRMED",
            False,
            None,
            None,
            3,
        ),
        (
            "acme-call@northwind-analytics.com",
            "2025-01-10 09:00",
            "09:45",
            False,
            "CONFIRMED",
            False,
            organizer,
            "jane.doe@acme-logistics.com",
            4,
        ),
        (series, "2025-01-20 09:00", "10:00", False, "CANCELLED", True, None, None, 2),
        (series, "2025-01-27 09:00", "10:00", False, "CONFIRMED", True, organizer, internal, 1),
    ]
    assert accounting == (5, 4, 1)
    assert rejected == [(5, "VEVENT has no UID")]
