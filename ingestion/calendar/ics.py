"""Expand ICS calendar exports into one row per event occurrence.

Parsing and recurrence (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides) are left to `icalendar`
and `recurring_ical_events`. Recurring series are expanded from the calendar's first event up to
its export time (the latest DTSTAMP) plus a configurable horizon, so the same file always
expands to the same rows.

What real exports do, and how it is read:

* Google, Apple and Thunderbird write IANA TZIDs with a VTIMEZONE; Outlook/Exchange writes
  Windows zone names (`W. Europe Standard Time`) or display names (`(UTC+01:00) Amsterdam,
  Berlin, ...`) with a VTIMEZONE of its own. A TZID nobody can resolve is read in the
  calendar's default zone, like a floating time.
* Floating times (no TZID, no `Z`) are local times of the calendar: its `X-WR-TIMEZONE`
  (Apple, Google), else the zone configured for the file in `calendar/crmkpi.yml`, else UTC.
* All-day events (`VALUE=DATE`) are the date itself at 00:00 UTC, zone-free.
* A missing DTEND is DTSTART plus DURATION (or DTSTART for a date-time, the next day for a
  date), as RFC 5545 says; icalendar works it out.
* Files may start with a UTF-8 BOM, use bare LF line ends, or be Windows-1252 (old Outlook).
* Several VCALENDAR blocks in one file (some Apple exports) are read one after the other.

A VEVENT that cannot be used is quarantined with its ordinal and text: no UID, no DTSTART, a
DTEND before its DTSTART, or a second VEVENT with the same UID and RECURRENCE-ID.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

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
        pa.field("organizer_name", pa.string()),
        pa.field("attendee_names", pa.string()),
        pa.field(SOURCE_FILE_COLUMN, pa.string()),
        pa.field(SOURCE_ROW_COLUMN, pa.int64()),
    ]
)
_STATUSES = {"CONFIRMED", "TENTATIVE", "CANCELLED"}


@dataclass
class ExpandedCalendar:
    """Occurrences of one ICS file, plus the VEVENTs that could not be used."""

    occurrences: pa.Table
    vevents_read: int
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (row, reason, text)


def decode_ics(data: bytes) -> str:
    """ICS text: UTF-8 (with or without BOM) as RFC 5545 says, else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_calendars(text: str) -> list[icalendar.Calendar]:
    """Every VCALENDAR in the text; raises ValueError when there is none."""
    if "BEGIN:VCALENDAR" not in text.upper():
        raise ValueError("no BEGIN:VCALENDAR: not an iCalendar file")
    calendars = icalendar.Calendar.from_ical(text, multiple=True)
    if not calendars:
        raise ValueError("no VCALENDAR component")
    return list(calendars)


def _as_utc(value: date | datetime, default_tz: Any) -> datetime:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=default_tz)).astimezone(UTC)
    return datetime.combine(value, time.min, tzinfo=UTC)  # all-day: the date itself, no zone


def _email(address: object) -> str | None:
    text = str(address or "").strip()
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    text = text.strip()
    return text.lower() if "@" in text else None


def _name(address: object) -> str | None:
    params = getattr(address, "params", None)
    name = str(params.get("CN", "") or "").strip().strip('"') if params else ""
    return name or None


def _people(component: icalendar.cal.Component, name: str) -> list[object]:
    values = component.get(name)
    if values is None:
        return []
    return list(values) if isinstance(values, list) else [values]


def _zone(name: str | None) -> Any:
    if not name:
        return None
    try:
        return icalendar.timezone.tzp.timezone(name) or ZoneInfo(name)
    except Exception:  # an unknown zone name
        return None


def default_timezone(calendar: icalendar.Calendar, fallback: str | None = None) -> Any:
    """The zone of floating times: X-WR-TIMEZONE, else the configured zone, else UTC."""
    for name in (str(calendar.get("X-WR-TIMEZONE", "") or "").strip(), fallback):
        zone = _zone(name)
        if zone is not None:
            return zone
    return UTC


def _decoded(component: icalendar.cal.Component, name: str, default_tz: Any) -> Any:
    """A date/date-time property; an unresolvable TZID is read as a floating time."""
    try:
        return component.decoded(name)
    except Exception:
        prop = component.get(name)
        raw: Any = getattr(prop, "to_ical", lambda: prop)() or ""
        raw = (raw.decode() if isinstance(raw, bytes) else str(raw)).strip()
        if len(raw) == 8:
            return datetime.strptime(raw, "%Y%m%d").date()
        parsed = datetime.strptime(raw.rstrip("Z")[:15], "%Y%m%dT%H%M%S")
        return parsed.replace(tzinfo=UTC if raw.endswith("Z") else default_tz)


def _text(vevent: icalendar.cal.Component) -> str:
    try:
        return vevent.to_ical().decode("utf-8", "replace")[:2000]
    except Exception:  # a component icalendar cannot serialise again
        return repr(dict(vevent))[:2000]


def expand_ics(
    path: Path,
    source_file: str,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    fallback_timezone: str | None = None,
) -> ExpandedCalendar:
    """Parse `path` and expand its events; raises ValueError if the file is not a calendar."""
    calendars = parse_calendars(decode_ics(path.read_bytes()))
    columns: dict[str, list[Any]] = {name: [] for name in CALENDAR_EVENT_SCHEMA.names}
    rejected: list[tuple[int, str, str]] = []
    ordinal = 0
    for calendar in calendars:
        ordinal = _expand_one(
            calendar, path, source_file, horizon_days, fallback_timezone, ordinal, columns, rejected
        )
    table = pa.Table.from_pydict(columns, schema=CALENDAR_EVENT_SCHEMA)
    return ExpandedCalendar(occurrences=table, vevents_read=ordinal, rejected=rejected)


def _expand_one(
    calendar: icalendar.Calendar,
    path: Path,
    source_file: str,
    horizon_days: int,
    fallback_timezone: str | None,
    first_ordinal: int,
    columns: dict[str, list[Any]],
    rejected: list[tuple[int, str, str]],
) -> int:
    vevents = list(calendar.walk("VEVENT"))
    ordinal_of: dict[tuple[str, str | None], int] = {}
    recurring_uids: set[str] = set()
    starts: list[datetime] = []
    stamps: list[datetime] = []
    default_tz = default_timezone(calendar, fallback_timezone)
    bad: set[int] = set()
    for ordinal, vevent in enumerate(vevents, start=first_ordinal + 1):
        uid = str(vevent.get("UID", "") or "").strip()
        if not uid:
            rejected.append((ordinal, "VEVENT has no UID", _text(vevent)))
            bad.add(ordinal)
            continue
        if vevent.get("DTSTART") is None:
            rejected.append((ordinal, "VEVENT has no DTSTART", _text(vevent)))
            bad.add(ordinal)
            continue
        recurrence = vevent.get("RECURRENCE-ID")
        key = (uid, recurrence.to_ical().decode() if recurrence is not None else None)
        if key in ordinal_of:
            reason = f"duplicate VEVENT of #{ordinal_of[key]} (same UID and RECURRENCE-ID)"
            rejected.append((ordinal, reason, _text(vevent)))
            bad.add(ordinal)
            continue
        start = _as_utc(_decoded(vevent, "DTSTART", default_tz), default_tz)
        if vevent.get("DTEND") is not None:
            end = _as_utc(_decoded(vevent, "DTEND", default_tz), default_tz)
            if end < start:
                rejected.append((ordinal, "DTEND before DTSTART", _text(vevent)))
                bad.add(ordinal)
                continue
        ordinal_of[key] = ordinal
        if recurrence is not None or vevent.get("RRULE") or vevent.get("RDATE"):
            recurring_uids.add(uid)
        starts.append(start)
        if vevent.get("DTSTAMP") is not None:
            stamps.append(_as_utc(_decoded(vevent, "DTSTAMP", UTC), UTC))
    if not starts:
        return first_ordinal + len(vevents)
    window_start = min(starts) - timedelta(days=1)
    window_end = max(stamps or starts) + timedelta(days=horizon_days)
    query = recurring_ical_events.of(calendar, skip_bad_series=True)
    calendar_name = path.stem
    seen: set[str] = set()
    for occurrence in query.between(window_start, window_end):
        uid = str(occurrence.get("UID", "") or "").strip()
        recurrence = occurrence.get("RECURRENCE-ID")
        key = (uid, recurrence.to_ical().decode() if recurrence is not None else None)
        ordinal = ordinal_of.get(key) or ordinal_of.get((uid, None))
        if ordinal is None or ordinal in bad:
            continue
        raw_start = _decoded(occurrence, "DTSTART", default_tz)
        start_at = _as_utc(raw_start, default_tz)
        end_value = occurrence.get("DTEND")
        end_at = (
            _as_utc(_decoded(occurrence, "DTEND", default_tz), default_tz)
            if end_value is not None
            else start_at
        )
        is_recurring = uid in recurring_uids
        recurrence_at = (
            _as_utc(_decoded(occurrence, "RECURRENCE-ID", default_tz), default_tz)
            if is_recurring and recurrence is not None
            else None
        )
        organizer_value = occurrence.get("ORGANIZER")
        organizer = _email(organizer_value)
        attendees = _people(occurrence, "ATTENDEE")
        emails = [e for e in (_email(a) for a in attendees) if e and e != organizer]
        names = [n for n in (_name(a) for a in attendees) if n]
        status = str(occurrence.get("STATUS", "CONFIRMED") or "CONFIRMED").strip().upper()
        identity = recurrence_at or start_at
        # One meeting sits in every attendee's calendar under the same UID: the calendar
        # is part of the occurrence's identity.
        occurrence_id = f"{calendar_name}|{uid}|{identity.isoformat()}"
        if occurrence_id in seen:
            continue
        seen.add(occurrence_id)
        columns["occurrence_id"].append(occurrence_id)
        columns["uid"].append(uid)
        columns["recurrence_id"].append(recurrence_at)
        columns["calendar_name"].append(calendar_name)
        columns["source_format"].append("ics")
        columns["summary"].append(str(occurrence.get("SUMMARY", "") or "") or None)
        columns["location"].append(str(occurrence.get("LOCATION", "") or "") or None)
        columns["start_at"].append(start_at)
        columns["end_at"].append(end_at)
        columns["is_all_day"].append(not isinstance(raw_start, datetime))
        columns["status"].append(status if status in _STATUSES else "CONFIRMED")
        columns["organizer_email"].append(organizer)
        columns["attendee_emails"].append(";".join(_unique(emails)) or None)
        columns["is_recurring"].append(is_recurring)
        columns["organizer_name"].append(_name(organizer_value) if organizer_value else None)
        columns["attendee_names"].append(";".join(_unique(names)) or None)
        columns[SOURCE_FILE_COLUMN].append(source_file)
        columns[SOURCE_ROW_COLUMN].append(ordinal)
    return first_ordinal + len(vevents)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
