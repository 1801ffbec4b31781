"""Google Calendar ICS exports: VEVENT rendering, line folding and the internal meetings.

Output follows RFC 5545 as Google writes it: CRLF line ends, lines folded at 75 octets
(never inside a UTF-8 character), Google's property order and PRODID.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from .clock import BusinessClock
from .company import Contact, SalesUser
from .formats import SECONDS_PER_DAY, date_to_day, day_to_date, weekday
from .vocab import COMPANY_DOMAIN, COMPANY_NAME, REVOPS_EMAIL

PRODID = "-//Google Inc//Google Calendar 70.9054//EN"
_UID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_MAX_LINE_OCTETS = 75

# DST rules (DTSTART month-day-time, RRULE tail) for the zones the teams work in.
_US_DST = (("0308T020000", "3;BYDAY=2SU"), ("1101T020000", "11;BYDAY=1SU"))
_EU_DST = (("0329T020000", "3;BYDAY=-1SU"), ("1025T030000", "10;BYDAY=-1SU"))
# zone -> ((standard name, offset), (daylight name, offset), DST rules)
_ZONE_RULES = {
    "America/New_York": (("EST", "-0500"), ("EDT", "-0400"), _US_DST),
    "America/Chicago": (("CST", "-0600"), ("CDT", "-0500"), _US_DST),
    "America/Los_Angeles": (("PST", "-0800"), ("PDT", "-0700"), _US_DST),
    "Europe/Berlin": (("CET", "+0100"), ("CEST", "+0200"), _EU_DST),
}


def vtimezone(timezone_name: str) -> list[str]:
    (std_name, std_offset), (dst_name, dst_offset), rules = _ZONE_RULES[timezone_name]
    (dst_start, dst_rule), (std_start, std_rule) = rules
    return [
        "BEGIN:VTIMEZONE",
        f"TZID:{timezone_name}",
        f"X-LIC-LOCATION:{timezone_name}",
        "BEGIN:DAYLIGHT",
        f"TZOFFSETFROM:{std_offset}",
        f"TZOFFSETTO:{dst_offset}",
        f"TZNAME:{dst_name}",
        f"DTSTART:1970{dst_start}",
        f"RRULE:FREQ=YEARLY;BYMONTH={dst_rule}",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        f"TZOFFSETFROM:{dst_offset}",
        f"TZOFFSETTO:{std_offset}",
        f"TZNAME:{std_name}",
        f"DTSTART:1970{std_start}",
        f"RRULE:FREQ=YEARLY;BYMONTH={std_rule}",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]


def fold(line: str) -> str:
    """Fold one content line at 75 octets (continuations start with a space), add CRLF."""
    encoded = line.encode("utf-8")
    if len(encoded) <= _MAX_LINE_OCTETS:
        return line + "\r\n"
    parts, start, limit = [], 0, _MAX_LINE_OCTETS
    while start < len(encoded):
        end = min(start + limit, len(encoded))
        while end < len(encoded) and (encoded[end] & 0xC0) == 0x80:
            end -= 1  # never split a multi-byte character
        parts.append(encoded[start:end].decode("utf-8"))
        start, limit = end, _MAX_LINE_OCTETS - 1
    return "\r\n ".join(parts) + "\r\n"


def escape_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _param_value(value: str) -> str:
    return f'"{value}"' if any(c in value for c in ":;,") else value


def ics_utc(moment: int) -> str:
    day, seconds = divmod(moment, SECONDS_PER_DAY)
    return f"{ics_date(day)}T{_hhmmss(seconds)}Z"


def ics_date(day: int) -> str:
    return day_to_date(day).strftime("%Y%m%d")


def _hhmmss(seconds: int) -> str:
    return f"{seconds // 3600:02d}{seconds // 60 % 60:02d}{seconds % 60:02d}"


def ics_local(day: int, local_seconds_of_day: int) -> str:
    return f"{ics_date(day)}T{_hhmmss(local_seconds_of_day)}"


def new_uid(rng: random.Random) -> str:
    return "".join(rng.choices(_UID_ALPHABET, k=26)) + "@google.com"


def meet_link(rng: random.Random) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    parts = ("".join(rng.choices(letters, k=n)) for n in (3, 4, 3))
    return "https://meet.google.com/" + "-".join(parts)


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str | None  # Google writes the e-mail as CN when it knows no name
    partstat: str = "ACCEPTED"
    cutype: str = "INDIVIDUAL"

    def line(self) -> str:
        return (
            f"ATTENDEE;CUTYPE={self.cutype};ROLE=REQ-PARTICIPANT;PARTSTAT={self.partstat};"
            f"CN={_param_value(self.name or self.email)};X-NUM-GUESTS=0:mailto:{self.email}"
        )


def organizer_line(attendee: Attendee) -> str:
    return f"ORGANIZER;CN={_param_value(attendee.name or attendee.email)}:mailto:{attendee.email}"


def user_attendee(user: SalesUser) -> Attendee:
    return Attendee(user.email, user.name)


@dataclass
class EventTimes:
    """DTSTART/DTEND/RECURRENCE-ID lines: UTC, TZID-local or all-day (VALUE=DATE)."""

    start: str
    end: str


def utc_times(start: int, end: int) -> EventTimes:
    return EventTimes(f"DTSTART:{ics_utc(start)}", f"DTEND:{ics_utc(end)}")


def local_times(clock: BusinessClock, start: int, end: int) -> EventTimes:
    tz = clock.timezone_name
    local_start, local_end = clock.local_seconds(start), clock.local_seconds(end)
    return EventTimes(
        f"DTSTART;TZID={tz}:{ics_local(*divmod(local_start, SECONDS_PER_DAY))}",
        f"DTEND;TZID={tz}:{ics_local(*divmod(local_end, SECONDS_PER_DAY))}",
    )


def vevent(
    *,
    times: EventTimes,
    dtstamp: int,
    uid: str,
    organizer: Attendee | None,
    attendees: list[Attendee],
    created: int,
    last_modified: int,
    summary: str,
    status: str = "CONFIRMED",
    sequence: int = 0,
    location: str = "",
    description: str = "",
    transparent: bool = False,
    recurrence_lines: tuple[str, ...] = (),
) -> str:
    """Render one VEVENT in Google's property order."""
    lines = [
        "BEGIN:VEVENT",
        times.start,
        times.end,
        *(line for line in recurrence_lines if line.startswith(("RRULE", "EXDATE"))),
        f"DTSTAMP:{ics_utc(dtstamp)}",
    ]
    if organizer is not None:
        lines.append(organizer_line(organizer))
    lines.append(f"UID:{uid}")
    lines.extend(line for line in recurrence_lines if line.startswith("RECURRENCE-ID"))
    lines.extend(attendee.line() for attendee in attendees)
    lines.append(f"CREATED:{ics_utc(created)}")
    lines.append(f"DESCRIPTION:{escape_text(description)}")
    lines.append(f"LAST-MODIFIED:{ics_utc(last_modified)}")
    lines.append(f"LOCATION:{escape_text(location)}")
    lines.append(f"SEQUENCE:{sequence}")
    lines.append(f"STATUS:{status}")
    lines.append(f"SUMMARY:{escape_text(summary)}")
    lines.append(f"TRANSP:{'TRANSPARENT' if transparent else 'OPAQUE'}")
    lines.append("END:VEVENT")
    return "".join(fold(line) for line in lines)


class RepCalendar:
    """Buffers one rep's VEVENTs (bounded by that rep's deals) and writes the .ics file."""

    def __init__(self, rep: SalesUser) -> None:
        self.rep = rep
        self.vevent_count = 0
        self._chunks: list[str] = []

    def add(self, rendered: str, vevents: int = 1) -> None:
        self._chunks.append(rendered)
        self.vevent_count += vevents

    def write(self, path: Path) -> None:
        header = [
            "BEGIN:VCALENDAR",
            f"PRODID:{PRODID}",
            "VERSION:2.0",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            f"X-WR-CALNAME:{self.rep.email}",
            f"X-WR-TIMEZONE:{self.rep.team.timezone}",
            *vtimezone(self.rep.team.timezone),
        ]
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.write("".join(fold(line) for line in header))
            handle.writelines(self._chunks)
            handle.write(fold("END:VCALENDAR"))


# --- Holidays that shape the weekly team meeting -------------------------------------------


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _nth_monday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))


def _last_monday(year: int, month: int) -> date:
    next_month = date(year + month // 12, month % 12 + 1, 1)
    last = next_month - timedelta(days=1)
    return last - timedelta(days=last.weekday())


def _skipped_mondays(region: str, year: int) -> list[date]:
    """Mondays the meeting is simply not held (EXDATE)."""
    holidays = [d for d in (date(year, 12, 24) + timedelta(days=n) for n in range(8))]
    holidays = [d for d in holidays if d.weekday() == 0]
    holidays += [d for d in (date(year, 1, 1),) if d.weekday() == 0]
    if region == "US":
        holidays.append(_last_monday(year, 5))  # Memorial Day
    else:
        holidays.append(_easter(year) + timedelta(days=1))  # Easter Monday
    return holidays


def _moved_monday(region: str, year: int) -> date:
    """A Monday holiday whose meeting moves to Tuesday (RECURRENCE-ID override)."""
    if region == "US":
        return _nth_monday(year, 9, 1)  # Labor Day
    return _easter(year) + timedelta(days=50)  # Whit Monday


def sales_kickoff_start(year: int) -> date:
    """Sales kickoff: Tuesday and Wednesday after the third Monday of January."""
    return _nth_monday(year, 1, 3) + timedelta(days=1)


# --- Internal meetings ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Series:
    first_day: int
    last_day: int | None  # None: open-ended series
    start_seconds: int  # local time of day
    duration_minutes: int


def team_meeting_series(
    rng: random.Random,
    *,
    clock: BusinessClock,
    team_name: str,
    holiday_region: str,
    pod_label: str,
    manager: SalesUser,
    members: list[SalesUser],
    history_start: int,
    export_at: int,
) -> tuple[str, int]:
    """The pod's weekly pipeline review as two RRULE series (the slot changed after a year).

    Each series carries holiday EXDATEs, a cancelled occurrence (sales-kickoff week) and an
    occurrence moved to Tuesday, both as RECURRENCE-ID overrides. Returns (text, VEVENTs).
    """
    first_monday = history_start // SECONDS_PER_DAY + 3
    while weekday(first_monday) != 0:
        first_monday += 1
    second_monday = first_monday + 52 * 7
    series = (
        _Series(first_monday, second_monday - 1, 9 * 3600, 30),
        _Series(second_monday, None, 9 * 3600 + 1800, 45),
    )
    horizon_day = export_at // SECONDS_PER_DAY + 90  # planned cancellations ahead
    organizer = user_attendee(manager)
    attendees = [organizer, *(user_attendee(member) for member in members)]
    summary = f"{team_name}{pod_label} weekly pipeline review"
    location = meet_link(rng)
    description = "Pipeline review: commits, slipped deals, next steps."
    tz = clock.timezone_name
    chunks: list[str] = []
    for item in series:
        uid = new_uid(rng)
        created = clock.at(item.first_day - rng.randint(3, 10), 10 * 3600)
        last_day = item.last_day if item.last_day is not None else horizon_day
        years = range(day_to_date(item.first_day).year, day_to_date(last_day).year + 1)

        def in_series(value: date, series_item: _Series = item, end: int = last_day) -> bool:
            return series_item.first_day <= date_to_day(value) <= end

        def local(day: int, seconds: int) -> str:
            return f"TZID={tz}:{ics_local(day, seconds)}"

        rule = "RRULE:FREQ=WEEKLY;BYDAY=MO"
        if item.last_day is not None:
            until = clock.at(item.last_day, 23 * 3600 + 59 * 60 + 59)
            rule = f"RRULE:FREQ=WEEKLY;UNTIL={ics_utc(until)};BYDAY=MO"
        exdates = [
            f"EXDATE;{local(date_to_day(day), item.start_seconds)}"
            for year in years
            for day in _skipped_mondays(holiday_region, year)
            if in_series(day)
        ]
        end_seconds = item.start_seconds + item.duration_minutes * 60
        master_times = EventTimes(
            f"DTSTART;{local(item.first_day, item.start_seconds)}",
            f"DTEND;{local(item.first_day, end_seconds)}",
        )
        chunks.append(
            vevent(
                times=master_times,
                dtstamp=export_at,
                uid=uid,
                organizer=organizer,
                attendees=attendees,
                created=created,
                last_modified=created,
                summary=summary,
                location=location,
                description=description,
                recurrence_lines=(rule, *exdates),
            )
        )
        overrides: list[tuple[date, int, str]] = []  # (original Monday, day shift, status)
        for year in years:
            kickoff_monday = sales_kickoff_start(year) - timedelta(days=1)
            if in_series(kickoff_monday):
                overrides.append((kickoff_monday, 0, "CANCELLED"))
            moved = _moved_monday(holiday_region, year)
            if in_series(moved):
                overrides.append((moved, 1, "CONFIRMED"))
        for original, shift, status in sorted(overrides):
            original_day = date_to_day(original)
            new_day = original_day + shift
            modified = clock.at(original_day - rng.randint(5, 20), 11 * 3600)
            chunks.append(
                vevent(
                    times=EventTimes(
                        f"DTSTART;{local(new_day, item.start_seconds)}",
                        f"DTEND;{local(new_day, end_seconds)}",
                    ),
                    dtstamp=export_at,
                    uid=uid,
                    organizer=organizer,
                    attendees=attendees,
                    created=created,
                    last_modified=min(modified, export_at),
                    summary=summary,
                    status=status,
                    sequence=1,
                    location=location,
                    description=description,
                    recurrence_lines=(f"RECURRENCE-ID;{local(original_day, item.start_seconds)}",),
                )
            )
    return "".join(chunks), len(chunks)


def sales_kickoffs(
    uids_by_year: dict[int, str], rep: SalesUser, history_start: int, export_at: int
) -> tuple[str, int]:
    """The yearly two-day all-day kickoff, sent to the sales group address."""
    chunks = []
    for year, uid in uids_by_year.items():
        first_day = date_to_day(sales_kickoff_start(year))
        created = (first_day - 60) * SECONDS_PER_DAY + 15 * 3600
        if not history_start <= first_day * SECONDS_PER_DAY <= export_at:
            continue
        chunks.append(
            vevent(
                times=EventTimes(
                    f"DTSTART;VALUE=DATE:{ics_date(first_day)}",
                    f"DTEND;VALUE=DATE:{ics_date(first_day + 2)}",
                ),
                dtstamp=export_at,
                uid=uid,
                organizer=Attendee(REVOPS_EMAIL, "Revenue Operations"),
                attendees=[
                    Attendee(f"sales@{COMPANY_DOMAIN}", "Sales", cutype="GROUP"),
                    user_attendee(rep),
                ],
                created=created,
                last_modified=created,
                summary=f"Sales Kickoff {year}",
                location="Hilton Chicago, 720 S Michigan Ave, Chicago, IL 60605, USA",
                description="Two days of kickoff: strategy, product roadmap, awards dinner.",
                transparent=True,
            )
        )
    return "".join(chunks), len(chunks)


def customer_meeting(
    rng: random.Random,
    clock: BusinessClock,
    *,
    owner: SalesUser,
    customer_name: str,
    customer_location: str,
    start: int,
    minutes: int,
    subject: str,
    contacts: list[Contact],
    created_at: int,
    cancelled: bool,
    colleague: SalesUser | None,
    location_kind: str,
    export_at: int,
) -> str:
    """A customer meeting as it sits in the rep's calendar, guests at the customer's domain."""
    owner_attendee = user_attendee(owner)
    customers = [
        Attendee(
            contact.email,
            contact.name if rng.random() < 0.8 else None,
            "ACCEPTED" if rng.random() < 0.85 else "NEEDS-ACTION",
        )
        for contact in contacts
    ]
    organizer = owner_attendee
    if customers and rng.random() < 0.15:
        organizer = customers[0]  # the customer sent the invite
    attendees = [owner_attendee, *customers]
    if colleague is not None:
        attendees.append(user_attendee(colleague))
    if location_kind == "Google Meet":
        location = meet_link(rng)
        description = f"Join with Google Meet: {location}"
    elif location_kind == "Zoom":
        location = f"https://northwind.zoom.us/j/{rng.randrange(10**9, 10**10)}"
        description = f"Join Zoom Meeting\n{location}"
    elif location_kind == "Microsoft Teams":
        location = "Microsoft Teams Meeting"
        description = "Microsoft Teams meeting. Join on your computer, mobile app or room device."
    else:
        location = customer_location
        description = "On site at the customer's office."
    rescheduled = rng.random() < 0.1
    last_modified = created_at
    if rescheduled:
        last_modified = max(
            created_at, min(start - 600, created_at + rng.randint(600, 2 * SECONDS_PER_DAY))
        )
    summary_style = rng.random()
    if summary_style < 0.5:
        summary = f"{COMPANY_NAME} <> {customer_name}: {subject}"
    elif summary_style < 0.8:
        summary = f"{subject} - {customer_name}"
    else:
        summary = f"{customer_name} | {subject}"
    end = start + minutes * 60
    # Google writes most single events in UTC; ones created from other clients keep a TZID.
    times = local_times(clock, start, end) if rng.random() < 0.25 else utc_times(start, end)
    return vevent(
        times=times,
        dtstamp=export_at,
        uid=new_uid(rng),
        organizer=organizer,
        attendees=attendees,
        created=created_at,
        last_modified=min(last_modified, export_at),
        summary=summary,
        status="CANCELLED" if cancelled else "CONFIRMED",
        sequence=1 if rescheduled or cancelled else 0,
        location=location,
        description=description,
    )
