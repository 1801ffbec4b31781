"""Tests of the demo-export generator (ingestion.demo).

One ``small`` export (the CLI default) is generated per module and checked for file
formats, referential integrity, time bounds and the planted sales behaviour; the cheap
hidden ``tiny`` scale covers determinism.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import re
import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events

from ingestion.demo import QUOTA_COLUMNS, SALESFORCE_COLUMNS, DemoManifest, generate_demo_exports

EXPORT_AT = datetime(2026, 10, 30, 18, 0, tzinfo=UTC)
EXPORT_AT_TEXT = "2026-10-30T18:00:00.000Z"
COMPANY_DOMAIN = "northwind-analytics.com"

CANONICAL_ORDER = {
    "Prospecting": 1,
    "Qualification": 1,
    "Needs Analysis": 2,
    "Value Proposition": 2,
    "Id. Decision Makers": 2,
    "Perception Analysis": 2,
    "Proposal/Price Quote": 3,
    "Negotiation/Review": 4,
    "Closed Won": 5,
    "Closed Lost": 0,
}
PRESENTATION, PROPOSAL = 2, 3
KEY_PREFIXES = {
    "User": "005",
    "Account": "001",
    "Opportunity": "006",
    "OpportunityHistory": "008",
    "Task": "00T",
    "Event": "00U",
}
DATETIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z")
DATE_RE = re.compile(r"\d{4}-\d\d-\d\d")
QUOTED_ROW_RE = re.compile(r'"(?:[^"]|"")*"(?:,"(?:[^"]|"")*")*')


def salesforce_checksum_ok(record_id: str) -> bool:
    """Independent check of Salesforce's 15 -> 18 character suffix."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    suffix = ""
    for chunk in (record_id[0:5], record_id[5:10], record_id[10:15]):
        flags = sum(1 << i for i, char in enumerate(chunk) if char.isupper())
        suffix += alphabet[flags]
    return len(record_id) == 18 and record_id[15:] == suffix


class Exports:
    """Lazy, parsed view of one generated export folder."""

    def __init__(self, root: Path, manifest: DemoManifest) -> None:
        self.root = root
        self.manifest = manifest

    def rows(self, object_name: str) -> list[dict[str, str]]:
        path = self.root / "salesforce" / f"{object_name}.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    @cached_property
    def users(self) -> list[dict[str, str]]:
        return self.rows("User")

    @cached_property
    def accounts(self) -> dict[str, dict[str, str]]:
        return {row["Id"]: row for row in self.rows("Account")}

    @cached_property
    def all_opportunities(self) -> list[dict[str, str]]:
        return self.rows("Opportunity")

    @cached_property
    def opportunities(self) -> dict[str, dict[str, str]]:
        return {o["Id"]: o for o in self.all_opportunities if o["IsDeleted"] == "false"}

    @cached_property
    def history(self) -> dict[str, list[dict[str, str]]]:
        grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in self.rows("OpportunityHistory"):
            grouped[row["OpportunityId"]].append(row)
        return grouped

    @cached_property
    def tasks(self) -> list[dict[str, str]]:
        return self.rows("Task")

    @cached_property
    def events(self) -> list[dict[str, str]]:
        return self.rows("Event")

    @cached_property
    def calendars(self) -> dict[str, icalendar.Calendar]:
        """One parsed calendar per team (icalendar needs ~1 ms per VEVENT; keep tests fast)."""
        first_rep_by_team: dict[str, str] = {}
        for user in self.users:
            if user["Title"] != "Sales Manager":
                first_rep_by_team.setdefault(user["Department"], user["Email"].split("@")[0])
        return {
            local_part: icalendar.Calendar.from_ical(
                (self.root / "calendar" / f"{local_part}.ics").read_bytes()
            )
            for local_part in first_rep_by_team.values()
        }

    def closed(self) -> list[dict[str, str]]:
        return [o for o in self.opportunities.values() if o["IsClosed"] == "true"]

    def stage_orders(self, opportunity_id: str) -> list[int]:
        return [CANONICAL_ORDER[row["StageName"]] for row in self.history[opportunity_id]]

    def visits(self, opportunity_id: str) -> list[tuple[int, str, int, str]]:
        """Canonical stage visits: (stage, entered, next stage, exited) from the history."""
        changes: list[tuple[int, str]] = []
        for row in self.history[opportunity_id]:
            order = CANONICAL_ORDER[row["StageName"]]
            if not changes or changes[-1][0] != order:
                changes.append((order, row["CreatedDate"]))
        return [
            (stage, entered, next_stage, exited)
            for (stage, entered), (next_stage, exited) in itertools.pairwise(changes)
        ]


def win_rate(opportunities: list[dict[str, str]]) -> float:
    return sum(o["IsWon"] == "true" for o in opportunities) / len(opportunities)


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Exports:
    root = tmp_path_factory.mktemp("demo_small")
    return Exports(root, generate_demo_exports(root, scale="small", seed=42))


# --- determinism and API --------------------------------------------------------------------


def test_same_seed_and_scale_give_byte_identical_files(tmp_path: Path) -> None:
    generate_demo_exports(tmp_path / "a", scale="tiny", seed=7)
    generate_demo_exports(tmp_path / "b", scale="tiny", seed=7)
    generate_demo_exports(tmp_path / "c", scale="tiny", seed=8)
    first, second = tree_digest(tmp_path / "a"), tree_digest(tmp_path / "b")
    assert len(first) >= 10
    assert first == second
    assert (
        tree_digest(tmp_path / "c")["salesforce/Opportunity.csv"]
        != (first["salesforce/Opportunity.csv"])
    )


def test_export_date_bounds_everything(tmp_path: Path) -> None:
    export_at = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
    manifest = generate_demo_exports(tmp_path, scale="tiny", export_at=export_at)
    assert manifest.export_at == "2025-06-30T12:00:00.000Z"
    exports = Exports(tmp_path, manifest)
    created = [o["CreatedDate"] for o in exports.all_opportunities]
    assert max(created) <= manifest.export_at
    assert min(created) >= manifest.history_start


def test_unknown_scale_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown scale"):
        generate_demo_exports(tmp_path, scale="huge")


def test_rerun_into_same_folder_removes_stale_calendars(tmp_path: Path) -> None:
    stale = tmp_path / "calendar" / "someone.else.ics"
    stale.parent.mkdir(parents=True)
    stale.write_text("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    manifest = generate_demo_exports(tmp_path, scale="tiny")
    assert not stale.exists()
    assert len(list(stale.parent.glob("*.ics"))) == manifest.calendar_files


# --- file formats ---------------------------------------------------------------------------


def test_salesforce_headers_are_exactly_the_api_field_names(small: Exports) -> None:
    expected = {
        "User": "Id,Username,FirstName,LastName,Name,Email,Title,Department,ManagerId,"
        "IsActive,CreatedDate",
        "Account": "Id,Name,Website,Industry,BillingCountry,NumberOfEmployees,OwnerId,CreatedDate",
        "Opportunity": "Id,AccountId,OwnerId,Name,StageName,Amount,CurrencyIsoCode,Probability,"
        "CloseDate,IsClosed,IsWon,Type,LeadSource,CreatedDate,LastModifiedDate,IsDeleted",
        "OpportunityHistory": "Id,OpportunityId,StageName,Amount,Probability,CloseDate,"
        "CreatedDate,CreatedById",
        "Task": "Id,WhoId,WhatId,AccountId,OwnerId,Subject,ActivityDate,Status,Priority,Type,"
        "TaskSubtype,CallDurationInSeconds,IsClosed,CreatedDate",
        "Event": "Id,WhoId,WhatId,AccountId,OwnerId,Subject,Type,EventSubtype,ActivityDateTime,"
        "StartDateTime,EndDateTime,DurationInMinutes,IsAllDayEvent,Location,CreatedDate",
    }
    assert set(SALESFORCE_COLUMNS) == set(expected)
    for name, header in expected.items():
        path = small.root / "salesforce" / f"{name}.csv"
        first_line = path.read_text(encoding="utf-8").split("\n", 1)[0]
        assert first_line == ",".join(f'"{column}"' for column in header.split(","))


def test_every_salesforce_field_is_double_quoted(small: Exports) -> None:
    for name in SALESFORCE_COLUMNS:
        text = (small.root / "salesforce" / f"{name}.csv").read_text(encoding="utf-8")
        assert text.endswith("\n") and "\r" not in text
        for number, line in enumerate(text[:-1].split("\n"), start=1):
            assert QUOTED_ROW_RE.fullmatch(line), f"{name}.csv line {number}: {line}"
    # Names with commas and embedded quotes survive a CSV round trip.
    assert any("," in account["Name"] for account in small.accounts.values())
    assert any('"' in o["Name"] for o in small.all_opportunities)


def test_value_formats(small: Exports) -> None:
    datetime_fields = {
        "User": ["CreatedDate"],
        "Account": ["CreatedDate"],
        "Opportunity": ["CreatedDate", "LastModifiedDate"],
        "OpportunityHistory": ["CreatedDate"],
        "Task": ["CreatedDate"],
        "Event": ["ActivityDateTime", "StartDateTime", "EndDateTime", "CreatedDate"],
    }
    for name, fields in datetime_fields.items():
        for row in small.rows(name):
            assert all(DATETIME_RE.fullmatch(row[field]) for field in fields), row
    for o in small.all_opportunities:
        assert DATE_RE.fullmatch(o["CloseDate"])
        assert {o["IsClosed"], o["IsWon"], o["IsDeleted"]} <= {"true", "false"}
        assert o["Amount"] == "" or float(o["Amount"]) > 0
        float(o["Probability"])
    for task in small.tasks:
        assert DATE_RE.fullmatch(task["ActivityDate"])
        assert (task["CallDurationInSeconds"] != "") == (task["TaskSubtype"] == "Call")
    assert all(account["Website"].startswith("https://www.") for account in small.accounts.values())


def test_ids_are_18_char_salesforce_ids_with_the_right_prefix(small: Exports) -> None:
    for name, prefix in KEY_PREFIXES.items():
        ids = [row["Id"] for row in small.rows(name)]
        assert len(ids) == len(set(ids)), f"duplicate ids in {name}"
        for record_id in ids:
            assert record_id.startswith(prefix) and salesforce_checksum_ok(record_id), record_id
    who_ids = {row["WhoId"] for row in small.tasks + small.events} - {""}
    assert who_ids and all(w.startswith("003") and salesforce_checksum_ok(w) for w in who_ids)


# --- structure and integrity ----------------------------------------------------------------


def test_sales_org_has_teams_with_a_manager_each(small: Exports) -> None:
    managers = {u["Id"]: u for u in small.users if u["Title"] == "Sales Manager"}
    reps = [u for u in small.users if u["Title"] != "Sales Manager"]
    assert 3 <= len(managers) <= 5
    assert len(reps) == 20
    assert len({m["Department"] for m in managers.values()}) == len(managers)
    for rep in reps:
        assert managers[rep["ManagerId"]]["Department"] == rep["Department"]
        assert rep["Email"].endswith("@" + COMPANY_DOMAIN)
    owners = {o["OwnerId"] for o in small.all_opportunities}
    assert owners == {rep["Id"] for rep in reps}


def test_references_resolve_and_activities_belong_to_the_owner(small: Exports) -> None:
    user_ids = {u["Id"] for u in small.users}
    domains = [
        account["Website"].removeprefix("https://www.") for account in small.accounts.values()
    ]
    assert len(domains) == len(set(domains))
    for o in small.all_opportunities:
        assert o["AccountId"] in small.accounts and o["OwnerId"] in user_ids
        assert o["Id"] in small.history
    all_opportunity_ids = {o["Id"] for o in small.all_opportunities}
    assert set(small.history) == all_opportunity_ids
    on_account_only = 0
    for activity in small.tasks + small.events:
        if activity["WhatId"].startswith("001"):
            on_account_only += 1
            assert activity["WhatId"] == activity["AccountId"]
            continue
        opportunity = small.opportunities[activity["WhatId"]]
        assert activity["OwnerId"] == opportunity["OwnerId"]
        assert activity["AccountId"] == opportunity["AccountId"]
    share = on_account_only / (len(small.tasks) + len(small.events))
    assert 0.05 < share < 0.15


def test_currency_follows_the_billing_country(small: Exports) -> None:
    expected = {"Germany": "EUR", "France": "EUR", "United Kingdom": "GBP"}
    currencies = Counter()
    for o in small.all_opportunities:
        country = small.accounts[o["AccountId"]]["BillingCountry"]
        assert o["CurrencyIsoCode"] == expected.get(country, "USD")
        currencies[o["CurrencyIsoCode"]] += 1
    assert currencies["USD"] > currencies["EUR"] > 0 and currencies["GBP"] > 0


def test_history_matches_the_opportunity(small: Exports) -> None:
    same_stage_edits = 0
    for o in small.all_opportunities:
        rows = small.history[o["Id"]]
        assert rows[0]["CreatedDate"] == o["CreatedDate"]
        assert [r["CreatedDate"] for r in rows] == sorted(r["CreatedDate"] for r in rows)
        last = rows[-1]
        for field in ("StageName", "Amount", "Probability", "CloseDate"):
            assert last[field] == o[field], (o["Id"], field)
        assert o["IsClosed"] == str(o["StageName"] in ("Closed Won", "Closed Lost")).lower()
        assert o["IsWon"] == str(o["StageName"] == "Closed Won").lower()
        if o["IsClosed"] == "true":
            assert o["CloseDate"] == last["CreatedDate"][:10]
        same_stage_edits += sum(
            a["StageName"] == b["StageName"] for a, b in itertools.pairwise(rows)
        )
    assert same_stage_edits > 0.1 * len(small.all_opportunities)
    assert sum(o["IsDeleted"] == "true" for o in small.all_opportunities) >= 1


def test_nothing_is_dated_after_the_export(small: Exports) -> None:
    export_date = EXPORT_AT_TEXT[:10]
    for name in SALESFORCE_COLUMNS:
        assert all(row["CreatedDate"] <= EXPORT_AT_TEXT for row in small.rows(name)), name
    for o in small.all_opportunities:
        assert o["LastModifiedDate"] <= EXPORT_AT_TEXT
        if o["IsClosed"] == "true":
            assert o["CloseDate"] <= export_date
    assert all(e["EndDateTime"] <= EXPORT_AT_TEXT for e in small.events)
    future_tasks = [t for t in small.tasks if t["ActivityDate"] > export_date]
    assert future_tasks, "open deals should have scheduled next steps"
    assert all(t["Status"] == "Not Started" and t["IsClosed"] == "false" for t in future_tasks)


def test_activities_fall_inside_the_opportunity_life(small: Exports) -> None:
    for activity in small.tasks + small.events:
        opportunity = small.opportunities.get(activity["WhatId"])
        if opportunity is None or activity.get("Status") == "Not Started":
            continue
        moment = activity.get("StartDateTime") or activity["CreatedDate"]
        if activity.get("TaskSubtype") == "Task":
            moment = activity["ActivityDate"]
        assert moment >= opportunity["CreatedDate"][: len(moment)], activity
        if opportunity["IsClosed"] == "true":
            closed_at = small.history[opportunity["Id"]][-1]["CreatedDate"]
            assert moment <= closed_at[: len(moment)], activity


def test_row_counts_match_the_scale_and_the_manifest(small: Exports) -> None:
    manifest = json.loads((small.root / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == json.loads(small.manifest.to_json())
    assert manifest["export_at"] == EXPORT_AT_TEXT
    for path, count in manifest["row_counts"].items():
        with (small.root / path).open(encoding="utf-8", newline="") as handle:
            assert sum(1 for _ in csv.reader(handle)) - 1 == count, path
    assert 1_900 <= len(small.opportunities) <= 2_100
    activities = len(small.tasks) + len(small.events)
    assert 40_000 <= activities <= 60_000
    assert manifest["calendar_files"] == 20
    planted = manifest["planted"]
    for key in ("reps", "followup_effect", "demo_skip_penalty", "stage_median_days"):
        assert key in planted
    assert {"quarter_end_push_probability", "creation_seasonality"} <= set(planted)


# --- planted behaviour ----------------------------------------------------------------------


def test_history_spans_about_two_years_with_open_and_stalled_deals(small: Exports) -> None:
    created = sorted(o["CreatedDate"] for o in small.opportunities.values())
    first = datetime.fromisoformat(created[0].replace("Z", "+00:00"))
    assert 700 <= (EXPORT_AT - first).days <= 735
    open_deals = [o for o in small.opportunities.values() if o["IsClosed"] == "false"]
    assert len(open_deals) > 0.04 * len(small.opportunities)
    future_close = sum(o["CloseDate"] > EXPORT_AT_TEXT[:10] for o in open_deals)
    assert future_close > 0.6 * len(open_deals)
    days_in_stage = [
        (
            EXPORT_AT - datetime.fromisoformat(small.visits(o["Id"])[-1][3].replace("Z", "+00:00"))
        ).days
        if small.visits(o["Id"])
        else (EXPORT_AT - datetime.fromisoformat(o["CreatedDate"].replace("Z", "+00:00"))).days
        for o in open_deals
    ]
    # Most open deals moved recently; a minority has been stuck for months.
    assert statistics.median(days_in_stage) < 45
    stalled = sum(days > 120 for days in days_in_stage)
    assert 10 <= stalled < 0.4 * len(open_deals)


def test_stage_durations_vary_like_a_lognormal(small: Exports) -> None:
    days_by_rep: dict[str, list[int]] = defaultdict(list)
    for opportunity_id, opportunity in small.opportunities.items():
        for stage, entered, _next, exited in small.visits(opportunity_id):
            if stage == PROPOSAL:
                days = (date.fromisoformat(exited[:10]) - date.fromisoformat(entered[:10])).days
                days_by_rep[opportunity["OwnerId"]].append(days)
    durations = [days for rep_days in days_by_rep.values() for days in rep_days]
    assert len(durations) > 300
    assert statistics.mean(durations) > statistics.median(durations)  # right-skewed
    # Within one rep, the middle half still spans a wide range (lognormal sigma ~0.75).
    spreads = []
    for rep_days in days_by_rep.values():
        low, _median, high = statistics.quantiles(rep_days, n=4)
        spreads.append((high + 1) / (low + 1))
    assert statistics.median(spreads) > 1.8


def test_deals_with_a_demo_win_more_than_deals_without(small: Exports) -> None:
    demo_deals = {e["WhatId"] for e in small.events if e["Type"] == "Demo"}
    reached_proposal = [o for o in small.closed() if max(small.stage_orders(o["Id"])) >= PROPOSAL]
    with_demo = [o for o in reached_proposal if o["Id"] in demo_deals]
    without_demo = [o for o in reached_proposal if o["Id"] not in demo_deals]
    skipped = [o for o in reached_proposal if PRESENTATION not in small.stage_orders(o["Id"])]
    assert len(without_demo) > 50 and len(skipped) > 30
    assert win_rate(with_demo) > win_rate(without_demo) + 0.1
    assert win_rate(with_demo) > win_rate(skipped) + 0.1


def test_rep_skill_shows_in_win_rates(small: Exports) -> None:
    reps = sorted(small.manifest.planted["reps"], key=lambda rep: rep["skill"])
    closed_by_rep: dict[str, list[dict[str, str]]] = defaultdict(list)
    for o in small.closed():
        closed_by_rep[o["OwnerId"]].append(o)
    rates = [win_rate(closed_by_rep[rep["user_id"]]) for rep in reps]
    assert rates[-1] > rates[0] + 0.1
    quarter = len(reps) // 4
    assert statistics.mean(rates[-quarter:]) > statistics.mean(rates[:quarter]) + 0.1


def test_more_followups_raise_the_chance_to_advance(small: Exports) -> None:
    moments: dict[str, list[str]] = defaultdict(list)
    for task in small.tasks:
        if task["TaskSubtype"] in ("Call", "Email"):
            moments[task["WhatId"]].append(task["CreatedDate"])
    for event in small.events:
        moments[event["WhatId"]].append(event["StartDateTime"])
    for stage in (1, 2, 3, 4):
        ended = []  # (activities inside the visit, advanced?)
        for opportunity_id in small.opportunities:
            for visit_stage, entered, next_stage, exited in small.visits(opportunity_id):
                if visit_stage == stage and (next_stage > stage or next_stage == 0):
                    count = sum(entered <= m < exited for m in moments[opportunity_id])
                    ended.append((count, next_stage > stage))
        ended.sort()
        third = len(ended) // 3
        low = sum(advanced for _, advanced in ended[:third]) / third
        high = sum(advanced for _, advanced in ended[-third:]) / third
        assert high > low + 0.1, (stage, low, high)


def test_closes_bunch_at_quarter_end_and_q4_is_strongest(small: Exports) -> None:
    won_by_quarter: Counter[tuple[int, int]] = Counter()
    month_in_quarter: Counter[int] = Counter()
    for o in small.closed():
        if o["IsWon"] == "true":
            close = date.fromisoformat(o["CloseDate"])
            won_by_quarter[(close.year, (close.month - 1) // 3 + 1)] += 1
            month_in_quarter[(close.month - 1) % 3] += 1
    assert month_in_quarter[2] > 0.45 * sum(month_in_quarter.values())
    q4 = won_by_quarter[(2025, 4)]
    assert q4 > max(won_by_quarter[(2025, q)] for q in (1, 2, 3))
    other_complete_quarters = [(2025, 1), (2025, 2), (2025, 3), (2026, 1), (2026, 2), (2026, 3)]
    assert q4 > 1.1 * statistics.mean(won_by_quarter[q] for q in other_complete_quarters)


def test_deals_regress_skip_and_are_lost_from_every_stage(small: Exports) -> None:
    regressed = lost_from = 0
    lost_from_stage: Counter[int] = Counter()
    for o in small.closed():
        orders = [order for order in small.stage_orders(o["Id"]) if order]
        regressed += any(b < a for a, b in itertools.pairwise(orders))
        if o["IsWon"] == "false":
            lost_from_stage[orders[-1]] += 1
            lost_from += 1
    assert regressed > 20
    assert set(lost_from_stage) == {1, 2, 3, 4}
    assert lost_from_stage[4] > 0.02 * lost_from


# --- calendar -------------------------------------------------------------------------------


def test_ics_files_are_crlf_and_folded_at_75_octets(small: Exports) -> None:
    for path in sorted((small.root / "calendar").glob("*.ics")):
        data = path.read_bytes()
        assert data.startswith(
            b"BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN"
        )
        assert data.endswith(b"END:VCALENDAR\r\n")
        assert b"\n" not in data.replace(b"\r\n", b"")
        lines = data.split(b"\r\n")[:-1]
        assert all(len(line) <= 75 for line in lines), path.name
        lines[0].decode("utf-8")
        for header in (b"VERSION:2.0", b"CALSCALE:GREGORIAN", b"METHOD:PUBLISH"):
            assert header in lines
        assert any(line.startswith(b"X-WR-TIMEZONE:") for line in lines)
        assert any(line.startswith(b" ") for line in lines)  # folding happened
        data.decode("utf-8")  # folding never splits a multi-byte character


def test_ics_parses_and_recurring_meetings_expand(small: Exports) -> None:
    window_start, window_end = date(2024, 10, 1), date(2027, 1, 31)
    for name, calendar in small.calendars.items():
        occurrences = recurring_ical_events.of(calendar).between(window_start, window_end)
        reviews = [o for o in occurrences if "pipeline review" in str(o.get("SUMMARY"))]
        assert len(reviews) > 90, name
        weekdays = Counter(o.decoded("DTSTART").strftime("%a") for o in reviews)
        assert set(weekdays) == {"Mon", "Tue"} and weekdays["Tue"] >= 1
        assert any(str(o.get("STATUS")) == "CANCELLED" for o in reviews)
        for occurrence in reviews:
            emails = [str(a).lower() for a in occurrence.get("ATTENDEE")]
            assert all(email.endswith("@" + COMPANY_DOMAIN) for email in emails)
        # EXDATE: no meeting in the Christmas-week of 2025 (Monday 29 December).
        assert not [o for o in reviews if o.decoded("DTSTART").date() == date(2025, 12, 29)]
        assert any(o.decoded("DTSTART").date() > EXPORT_AT.date() for o in reviews)
        all_day = [o for o in occurrences if type(o.decoded("DTSTART")) is date]
        assert all_day and all("Kickoff" in str(o.get("SUMMARY")) for o in all_day)


def test_crm_events_mostly_appear_in_the_owner_calendar(small: Exports) -> None:
    email_by_user = {u["Id"]: u["Email"] for u in small.users}
    meetings: dict[str, dict[datetime, set[str]]] = defaultdict(dict)
    for calendar in small.calendars.values():
        owner = str(calendar.get("X-WR-CALNAME"))
        for component in calendar.walk("VEVENT"):
            start = component.decoded("DTSTART")
            if isinstance(start, datetime) and "RRULE" not in component:
                attendees = component.get("ATTENDEE", [])
                attendees = attendees if isinstance(attendees, list) else [attendees]
                domains = {str(a).lower().rsplit("@", 1)[-1] for a in attendees}
                meetings[owner][start.astimezone(UTC)] = domains
    owner_events = [e for e in small.events if email_by_user[e["OwnerId"]] in meetings]
    assert len(owner_events) > 500
    matched = 0
    for event in owner_events:
        start = datetime.fromisoformat(event["StartDateTime"].replace("Z", "+00:00"))
        domain = small.accounts[event["AccountId"]]["Website"].removeprefix("https://www.")
        if domain in meetings[email_by_user[event["OwnerId"]]].get(start, set()):
            matched += 1
    assert matched > 0.8 * len(owner_events)
    customer_meetings = sum(
        1
        for by_start in meetings.values()
        for domains in by_start.values()
        if domains - {COMPANY_DOMAIN}
    )
    assert customer_meetings > matched * 1.1  # some meetings were never logged in the CRM
    future = [s for by_start in meetings.values() for s in by_start if s > EXPORT_AT]
    assert future


# --- targets --------------------------------------------------------------------------------


def test_quota_sheet_has_one_row_per_rep_and_quarter(small: Exports) -> None:
    with (small.root / "targets" / "quotas.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        assert tuple(next(reader)) == QUOTA_COLUMNS
        rows = [dict(zip(QUOTA_COLUMNS, row, strict=True)) for row in reader]
    periods = sorted({row["Period"] for row in rows})
    assert periods[0] == "2024-Q4" and periods[-1] == "2026-Q4" and len(periods) == 9
    reps = {u["Email"]: u for u in small.users if u["Title"] != "Sales Manager"}
    assert Counter(row["Rep Email"] for row in rows) == dict.fromkeys(reps, len(periods))
    for row in rows:
        assert reps[row["Rep Email"]]["Department"] == row["Team"]
        assert row["Currency"] == "USD" and int(row["Quota"]) > 0
