"""Expand ICS calendar exports into one row per event occurrence.

Parsing and recurrence (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides, Windows TZIDs) are left
to `icalendar` and `recurring_ical_events`. Recurring series are expanded from the calendar's
first event up to its export time (the latest DTSTAMP) plus a configurable horizon, so the same
file always expands to the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pyarrow as pa
import recurring_ical_events

from ingestion.common.schema import SOURCE_FILE_COLUMN, SOURCE_ROW_COLUMN

DEFAULT_HORIZON_DAYS = 180

CALENDAR_EVENT_SCHEMA = pa.schema(
    [
        pa.field("occurrence_id", pa.string(), nullable=False),
        pa.field("uid", pa.string()),
        pa.field("recurrence_id", pa.timestamp("us", tz="UTC")),
        pa.field("calendar_name", pa.string()),
        pa.field("source_format", pa.string()),
        pa.field("summary", pa.string()),
        pa.field("location", pa.string()),
        pa.field("start_at", pa.timestamp("us", tz="UTC")),
        pa.field("end_at", pa.timestamp("us", tz="UTC")),
        pa.field("is_all_day", pa.bool_()),
        pa.field("status", pa.string()),
        pa.field("organizer_email", pa.string()),
        pa.field("attendee_emails", pa.string()),
        pa.field("is_recurring", pa.bool_()),
        pa.field(SOURCE_FILE_COLUMN, pa.string()),
        pa.field(SOURCE_ROW_COLUMN, pa.int64()),
    ]
)


@dataclass
class ExpandedCalendar:
    """Occurrences of one ICS file, plus the VEVENTs that could not be used."""

    occurrences: pa.Table
    vevents_read: int
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (row, reason, text)


def _as_utc(value: date | datetime, default_tz: Any) -> datetime:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=default_tz)).astimezone(UTC)
    return datetime.combine(value, time.min, tzinfo=UTC)  # all-day: the date itself, no zone


def _email(address: object) -> str | None:
    text = str(address or "").strip()
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    return text.lower() or None


def _addresses(component: icalendar.cal.Component, name: str) -> list[str]:
    values = component.get(name)
    if values is None:
        return []
    items: Iterable[object] = values if isinstance(values, list) else [values]
    return [email for email in (_email(item) for item in items) if email]


def _default_timezone(calendar: icalendar.Calendar) -> Any:
    name = str(calendar.get("X-WR-TIMEZONE", "") or "")
    if name:
        try:
            return icalendar.timezone.tzp.timezone(name) or UTC
        except Exception:  # an unknown zone name: floating times are read as UTC
            return UTC
    return UTC


def expand_ics(
    path: Path, source_file: str, horizon_days: int = DEFAULT_HORIZON_DAYS
) -> ExpandedCalendar:
    """Parse `path` and expand its events; raises ValueError if the file is not a calendar."""
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    vevents = list(calendar.walk("VEVENT"))
    ordinal_of: dict[tuple[str, str | None], int] = {}
    recurring_uids: set[str] = set()
    rejected: list[tuple[int, str, str]] = []
    starts: list[datetime] = []
    stamps: list[datetime] = []
    default_tz = _default_timezone(calendar)
    for ordinal, vevent in enumerate(vevents, start=1):
        uid = str(vevent.get("UID", "") or "")
        text = vevent.to_ical().decode("utf-8", "replace")[:2000]
        if not uid:
            rejected.append((ordinal, "VEVENT has no UID", text))
            continue
        if vevent.get("DTSTART") is None:
            rejected.append((ordinal, "VEVENT has no DTSTART", text))
            continue
        recurrence = vevent.get("RECURRENCE-ID")
        ordinal_of[(uid, recurrence.to_ical().decode() if recurrence else None)] = ordinal
        if recurrence is not None or vevent.get("RRULE") or vevent.get("RDATE"):
            recurring_uids.add(uid)
        starts.append(_as_utc(vevent.decoded("DTSTART"), default_tz))
        if vevent.get("DTSTAMP") is not None:
            stamps.append(_as_utc(vevent.decoded("DTSTAMP"), UTC))
    columns: dict[str, list[Any]] = {name: [] for name in CALENDAR_EVENT_SCHEMA.names}
    if starts:
        window_start = min(starts) - timedelta(days=1)
        window_end = max(stamps or starts) + timedelta(days=horizon_days)
        rejected_ordinals = {row for row, _, _ in rejected}
        query = recurring_ical_events.of(calendar, skip_bad_series=True)
        for occurrence in query.between(window_start, window_end):
            uid = str(occurrence.get("UID"))
            recurrence = occurrence.get("RECURRENCE-ID")
            key = (uid, recurrence.to_ical().decode() if recurrence else None)
            ordinal = ordinal_of.get(key) or ordinal_of.get((uid, None))
            if ordinal is None or ordinal in rejected_ordinals:
                continue
            raw_start = occurrence.decoded("DTSTART")
            start_at = _as_utc(raw_start, default_tz)
            end_value = occurrence.decoded("DTEND", None)
            end_at = _as_utc(end_value, default_tz) if end_value is not None else start_at
            is_recurring = uid in recurring_uids
            recurrence_at = (
                _as_utc(occurrence.decoded("RECURRENCE-ID"), default_tz)
                if is_recurring and recurrence is not None
                else None
            )
            organizer = _email(occurrence.get("ORGANIZER"))
            attendees = [a for a in _addresses(occurrence, "ATTENDEE") if a != organizer]
            identity = recurrence_at or start_at
            # One meeting sits in every attendee's calendar under the same UID: the calendar
            # is part of the occurrence's identity.
            columns["occurrence_id"].append(f"{path.stem}|{uid}|{identity.isoformat()}")
            columns["uid"].append(uid)
            columns["recurrence_id"].append(recurrence_at)
            columns["calendar_name"].append(path.stem)
            columns["source_format"].append("ics")
            columns["summary"].append(str(occurrence.get("SUMMARY", "") or "") or None)
            columns["location"].append(str(occurrence.get("LOCATION", "") or "") or None)
            columns["start_at"].append(start_at)
            columns["end_at"].append(end_at)
            columns["is_all_day"].append(not isinstance(raw_start, datetime))
            columns["status"].append(str(occurrence.get("STATUS", "CONFIRMED")).upper())
            columns["organizer_email"].append(organizer)
            columns["attendee_emails"].append(";".join(attendees) or None)
            columns["is_recurring"].append(is_recurring)
            columns[SOURCE_FILE_COLUMN].append(source_file)
            columns[SOURCE_ROW_COLUMN].append(ordinal)
    table = pa.Table.from_pydict(columns, schema=CALENDAR_EVENT_SCHEMA)
    return ExpandedCalendar(occurrences=table, vevents_read=len(vevents), rejected=rejected)
