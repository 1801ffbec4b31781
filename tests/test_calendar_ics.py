"""ICS calendars expand into occurrences: recurrence, exceptions, zones, all-day, DURATION."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from ingestion.pipeline import ingest_landing

FIXTURES = Path(__file__).parent / "fixtures" / "calendar"
EXPORTS = Path(__file__).parent / "fixtures" / "calendar_exports"


def test_outlook_calendar_with_windows_zone_expands_exactly(tmp_path: Path) -> None:
    landing = tmp_path / "landing" / "calendar"
    landing.mkdir(parents=True)
    shutil.copy(FIXTURES / "outlook_windows_tz.ics", landing / "ann.rep.ics")
    warehouse = tmp_path / "w.duckdb"
    ingest_landing(tmp_path / "landing", warehouse, families=("calendar",))
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


def test_worker_processes_expand_exactly_what_the_parent_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingestion.calendar import IcsExpander
    from ingestion.common.files import ExportFile

    sources = [FIXTURES / "outlook_windows_tz.ics", *sorted(EXPORTS.glob("*.ics"))]
    exports = [ExportFile(path, f"calendar/{path.name}", "") for path in sources]
    in_process = IcsExpander(180, {}, "UTC")
    expected = [in_process.expand(export) for export in exports]
    monkeypatch.setattr("ingestion.calendar._POOL_MIN_BYTES", 0)
    pooled = IcsExpander(180, {}, "UTC")
    pooled.prefetch(exports)
    assert len(pooled._jobs) == len(exports)  # handed to worker processes
    for export, want in zip(exports, expected, strict=True):
        got = pooled.expand(export)
        assert got.occurrences.equals(want.occurrences)
        assert (got.vevents_read, got.rejected) == (want.vevents_read, want.rejected)


def test_a_second_run_skips_calendars_already_read(tmp_path: Path) -> None:
    landing = tmp_path / "landing" / "calendar"
    landing.mkdir(parents=True)
    shutil.copy(FIXTURES / "outlook_windows_tz.ics", landing / "ann.rep.ics")
    warehouse = tmp_path / "w.duckdb"
    first = ingest_landing(tmp_path / "landing", warehouse, families=("calendar",))
    second = ingest_landing(tmp_path / "landing", warehouse, families=("calendar",))
    assert [a.source_file for a in first.ledgers[0].files] == ["calendar/ann.rep.ics"]
    assert second.ledgers[0].files == []
    assert second.ledgers[0].skipped_files == ["calendar/ann.rep.ics"]
