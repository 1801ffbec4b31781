"""Every export dialect, from fixture files written the way the tools export them.

Each test ingests one fixture folder through the real dlt pipeline and checks the typed raw
rows, what was quarantined and why, and that every file balances (rows in = loaded +
quarantined, asserted by `run`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from test_ingestion_support import accounting, landing_from, query, rejections, run

from ingestion.crm.mapping import parse_mapping


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_salesforce_report_exports_labels_locale_dates_footer_and_field_history(
    tmp_path: Path,
) -> None:
    landing_from(tmp_path, ("salesforce_report", "salesforce"))
    run(tmp_path, "salesforce")
    # the report footer (Grand Totals, Confidential, Copyright) is not data
    assert accounting(tmp_path, "opportunity", "salesforce/Opportunity.csv") == (3, 3, 0)
    opportunities = query(
        tmp_path,
        "select id, stage_name, amount, currency_iso_code, close_date, created_date, "
        "owner_name, account_name, fiscal_period from raw_salesforce.opportunity order by id",
    )
    assert opportunities[0] == (
        "0065g00000AbCdEAAV",
        "Prospecting",
        12500.0,  # "12,500.00"
        "USD",
        date(2025, 3, 31),  # "3/31/2025"
        utc(2025, 1, 6, 9, 15),  # "1/6/2025, 9:15 AM"
        "Ann Rep",
        "Acme Logistics",
        "Q1-2025",  # a column the spec does not know is kept, as text
    )
    assert opportunities[1][5] == utc(2025, 1, 20, 14, 0)  # "1/20/2025, 2:00 PM"
    # Field history: a report (no record id: the key is built) and a Data Loader export.
    assert accounting(
        tmp_path, "opportunity_field_history", "salesforce/OpportunityFieldHistory.csv"
    ) == (4, 3, 1)
    stage_changes = query(
        tmp_path,
        "select opportunity_id, old_value, new_value, created_date "
        "from raw_salesforce.opportunity_field_history "
        "where lower(field) in ('stage', 'stagename') order by created_date",
    )
    assert stage_changes == [
        ("0065g00000AbCdEAAV", "Prospecting", "Qualification", utc(2025, 1, 13, 15, 2, 11)),
        ("0065g00000AbCdFAAV", "Prospecting", "Proposal/Price Quote", utc(2025, 1, 27, 10)),
        ("0065g00000AbCdFAAV", "Proposal/Price Quote", "Closed Won", utc(2025, 2, 14, 9, 5)),
    ]
    assert rejections(tmp_path) == [
        (
            "salesforce/OpportunityFieldHistory.csv",
            4,
            "opportunity_field_history",
            "new_value",
            "unknown stage label: Verhandlung (not in dbt_project/seeds/stage_mapping.csv for "
            "source_system 'salesforce' or 'any'; add it there and refresh)",
        )
    ]
    assert query(tmp_path, "select id, is_converted from raw_salesforce.lead order by id") == [
        ("00Q5g00000L1aAAAAZ", True),
        ("00Q5g00000L1bAAAAZ", False),
    ]


def test_hubspot_exports_deals_stage_dates_activities_and_owners(tmp_path: Path) -> None:
    landing_from(tmp_path, ("hubspot", "hubspot"))
    run(tmp_path, "hubspot")
    deals_csv = "hubspot/hubspot-crm-exports-all-deals-2025-03-05.csv"
    assert accounting(tmp_path, "deal", deals_csv) == (4, 2, 2)
    # The older XLSX export and the newer CSV both carry deal ...301: the newer wins.
    assert query(
        tmp_path,
        "select id, deal_stage, amount, created_at, _source_file from raw_hubspot.deal order by id",
    ) == [
        ("15813218301", "qualifiedtobuy", 12500.0, utc(2025, 1, 6, 9, 15), deals_csv),
        ("15813218302", "Closed Won", 8000.0, utc(2025, 1, 20, 14), deals_csv),
        (
            "15813218305",
            "Presentation Scheduled",
            4200.5,
            utc(2025, 1, 2, 8),
            "hubspot/hubspot-crm-exports-all-deals-2025-02-01.xlsx",
        ),
    ]
    # `Date entered "Stage (Pipeline)"` columns become one row per deal and stage entered.
    assert query(
        tmp_path,
        "select deal_id, pipeline, stage_label, entered_at, exited_at "
        "from raw_hubspot.deal_stage_history where deal_id = '15813218302' order by entered_at",
    ) == [
        (
            "15813218302",
            "Sales Pipeline",
            "Appointment Scheduled",
            utc(2025, 1, 20, 14),
            utc(2025, 1, 27, 10),
        ),
        (
            "15813218302",
            "Sales Pipeline",
            "Presentation Scheduled",
            utc(2025, 1, 27, 10),
            utc(2025, 2, 14, 9, 5),
        ),
        ("15813218302", "Sales Pipeline", "Closed Won", utc(2025, 2, 14, 9, 5), None),
    ]
    assert accounting(tmp_path, "deal_stage_history", deals_csv) == (4, 3, 1)
    assert [r[2:] for r in rejections(tmp_path, deals_csv)] == [
        (
            "deal",
            "deal_stage",
            "unknown stage label: Verhandlung (not in dbt_project/seeds/stage_mapping.csv for "
            "source_system 'hubspot' or 'any'; add it there and refresh)",
        ),
        ("deal", "amount", "negative value: -500"),
        (
            "deal_stage_history",
            "date_entered_contract_sent_sales_pipeline",
            "not a valid timestamp: 11/02/2025 08:00 PMX",
        ),
    ]
    # Call duration: milliseconds (hs_call_duration) or hh:mm:ss.
    assert query(tmp_path, "select id, duration_seconds from raw_hubspot.call order by id") == [
        ("61523100001", 1830),
        ("61523100002", 45),
        ("61523100003", 750),
    ]
    assert query(tmp_path, "select count(*) from raw_hubspot.meeting") == [(2,)]
    assert query(tmp_path, "select deal_ids from raw_hubspot.email") == [("15813218302",)]
    assert query(tmp_path, "select email, team from raw_hubspot.owner order by email") == [
        ("ann.rep@northwind-analytics.com", "Mid-Market"),
        ("bo.rep@northwind-analytics.com", "Enterprise"),
    ]


def test_pipedrive_exports_entity_headers_names_status_and_flow(tmp_path: Path) -> None:
    landing_from(tmp_path, ("pipedrive", "pipedrive"))
    run(tmp_path, "pipedrive")
    assert query(
        tmp_path,
        "select id, title, value, stage, status, owner_name, organization_name, person_name, "
        "created_at, won_at from raw_pipedrive.deal order by id",
    ) == [
        (
            "101",
            "Acme - Fleet analytics",
            12500.0,
            "Qualified",
            "Open",
            "Ann Rep",
            "Acme Logistics",
            "Jane Doe",
            utc(2025, 1, 6, 9, 15),
            None,
        ),
        (
            "102",
            "Bolt - Renewal 2025",
            8000.0,
            "Negotiations Started",
            "Won",
            "Ann Rep",
            "Bolt Freight",
            "Tom Bolt",
            utc(2025, 1, 20, 14),
            utc(2025, 2, 14, 9, 5),
        ),
        (
            "103",
            "Cargo Nord - Pilot",
            21000.0,
            "Demo Scheduled",
            "Lost",
            "Bo Rep",
            "Cargo Nord GmbH",
            "Eva Nord",
            utc(2025, 2, 3, 11, 45),
            None,
        ),
        (
            "105",
            "Echo - Starter",
            4200.0,
            "Proposal Made",
            "Deleted",
            "Ann Rep",
            "Echo Ltd",
            None,
            utc(2025, 1, 2, 8),
            None,
        ),
    ]
    assert [r[1:] for r in rejections(tmp_path, "pipedrive/deals-7163542-14.csv")] == [
        (4, "deal", "value", "not a valid double: 12k")
    ]
    # organisations from an XLSX export, keyed by their id
    assert query(tmp_path, "select id, name from raw_pipedrive.organization order by id") == [
        ("11", "Acme Logistics"),
        ("12", "Bolt Freight"),
        ("13", "Cargo Nord GmbH"),
    ]
    assert query(tmp_path, "select name, email from raw_pipedrive.person order by name") == [
        ("Eva Nord", "eva@cargonord.de"),
        ("Jane Doe", "jane.doe@acme-logistics.com"),
    ]
    # activities carry no id: it is built; the identical repeated row is quarantined
    activities = query(
        tmp_path,
        "select subject, activity_type, due_date, duration_seconds, is_done, deal_title "
        "from raw_pipedrive.activity order by due_date",
    )
    assert activities == [
        ("Discovery call", "Call", date(2025, 1, 7), 1800, True, "Acme - Fleet analytics"),
        ("Demo for finance team", "Meeting", date(2025, 1, 27), 3600, True, "Bolt - Renewal 2025"),
        ("Send proposal", "Task", date(2025, 2, 12), None, False, "Delta - Expansion"),
    ]
    [duplicate] = rejections(tmp_path, "pipedrive/activities-7163542-17.csv")
    assert duplicate[1] == 4
    assert duplicate[4].startswith("duplicate of row 1 (identical row, same key: id=")
    # the deal-updates export: stage rows are the stage transitions
    assert query(
        tmp_path,
        "select deal_id, old_value, new_value, changed_at from raw_pipedrive.deal_flow "
        "where field = 'Stage' order by changed_at",
    ) == [
        ("102", "Qualified", "Demo Scheduled", utc(2025, 1, 27, 10)),
        ("102", "Demo Scheduled", "Negotiations Started", utc(2025, 2, 5, 9)),
    ]


def test_any_crm_through_mapping_files(tmp_path: Path) -> None:
    landing_from(tmp_path, ("crm_mapping", "crm"))
    run(tmp_path, "crm")
    # GB18030 CSV, Chinese headers and stage labels, local times in Asia/Shanghai,
    # an amount written `¥120,000`, a date written `2025年2月14日`, a missing created date.
    assert query(
        tmp_path,
        "select source_system, id, stage, amount, close_date, created_at, owner_name, "
        "account_name from raw_crm.opportunity where source_system = 'xiaoshouyi' order by id",
    ) == [
        (
            "xiaoshouyi",
            "SJ-2025-001",
            "需求确认",
            120000.0,
            date(2025, 3, 31),
            utc(2025, 1, 6, 1, 15),
            "张伟",
            "华东物流有限公司",
        ),
        (
            "xiaoshouyi",
            "SJ-2025-002",
            "赢单",
            80000.0,
            date(2025, 2, 14),
            utc(2025, 1, 20, 6),
            "李娜",
            "北方货运集团",
        ),
        (
            "xiaoshouyi",
            "SJ-2025-003",
            "暂停",
            50000.0,
            date(2025, 4, 30),
            None,
            "张伟",
            "南方港口公司",
        ),
    ]
    assert [r[1:] for r in rejections(tmp_path, "crm/商机_2025-03-05.csv")] == [
        (
            4,
            "opportunity",
            "stage",
            "unknown stage label: 立项中 (not in dbt_project/seeds/stage_mapping.csv for "
            "source_system 'xiaoshouyi' or 'any'; add it there and refresh)",
        )
    ]
    # A second CRM beside it: composite key, `;` CSV, decimal commas, day-first dates.
    assert query(
        tmp_path,
        "select id, amount, close_date from raw_crm.opportunity "
        "where source_system = 'zoho' order by id",
    ) == [
        ("Acme Logistics|Fleet analytics", 12500.0, date(2025, 3, 31)),
        ("Bolt Freight|Renewal 2025", 8000.0, date(2025, 2, 14)),
    ]
    # JSON activities: types mapped to kinds; an explicit offset wins over the zone
    assert query(
        tmp_path,
        "select activity_type, activity_kind, occurred_at from raw_crm.activity order by 3",
    ) == [
        ("电话", "call", utc(2025, 1, 7, 2)),
        ("拜访", "meeting", utc(2025, 1, 27, 2)),
        ("微信", None, utc(2025, 2, 3, 8, 20)),
    ]
    # XLSX users from the named worksheet; users and accounts without ids get built keys
    assert query(tmp_path, "select name, email, team from raw_crm.user order by email") == [
        ("李娜", "li.na@example.cn", "华北大区"),
        ("张伟", "zhang.wei@example.cn", "华东大区"),
    ]
    assert query(tmp_path, "select count(*) from raw_crm.account") == [(2,)]
    assert query(
        tmp_path,
        "select opportunity_id, from_stage, stage, changed_at "
        "from raw_crm.opportunity_stage_history order by changed_at",
    )[0] == ("SJ-2025-001", None, "初步接洽", utc(2025, 1, 6, 1, 15))
    # the snapshot folder feeds the snapshot table, dated by the file name
    assert query(tmp_path, "select id, stage, snapshot_date from raw_crm.opportunity_snapshot") == [
        ("SJ-2025-001", "初步接洽", date(2025, 1, 10))
    ]
    # the mapping's stages land beside the seed
    assert query(
        tmp_path,
        "select source_system, source_stage_label, canonical_stage, canonical_stage_order, "
        "is_won from raw_crm.stage_mapping where source_stage_label in ('暂停', 'Closed Won') "
        "order by 1",
    ) == [
        ("xiaoshouyi", "暂停", "qualification", 1, False),
        ("zoho", "Closed Won", "won", 5, True),
    ]


def test_a_broken_mapping_file_is_refused_with_its_reason(tmp_path: Path) -> None:
    folder = tmp_path / "landing" / "crm"
    folder.mkdir(parents=True)
    (folder / "mapping.yml").write_text(
        "source_system: acme\nstages: {Won: victory}\ntables:\n"
        "  opportunity: {files: ['*.csv'], columns: {id: ID, stage: Stage}}\n",
        encoding="utf-8",
    )
    (folder / "deals.csv").write_text("ID,Stage\n1,Won\n", encoding="utf-8")
    report = run(tmp_path, "crm")
    [reason] = report.rejected_files.values()
    assert "stages.Won: 'victory' is not a canonical stage" in reason
    assert query(tmp_path, "select count(*) from raw_crm.opportunity") == [(0,)]


def test_outlook_csv_in_two_languages_and_ics_from_apple_thunderbird_outlook(
    tmp_path: Path,
) -> None:
    landing_from(tmp_path, ("calendar_exports", "calendar"))
    run(tmp_path, "calendar")
    rows = query(
        tmp_path,
        "select calendar_name, source_format, summary, start_at, end_at, is_all_day, "
        "organizer_name, attendee_emails, attendee_names from raw_calendar.calendar_event "
        "where source_format = 'outlook_csv' order by start_at",
    )
    assert rows == [
        # English export, UTF-8 BOM, US dates, 12-hour times, America/New_York (crmkpi.yml)
        (
            "ann.rep.outlook",
            "outlook_csv",
            "Acme - Discovery call",
            utc(2025, 1, 7, 15),
            utc(2025, 1, 7, 15, 45),
            False,
            "Ann Rep",
            "jane.doe@acme-logistics.com",
            "Jane Doe;Bo Rep",
        ),
        (
            "ann.rep.outlook",
            "outlook_csv",
            "Company offsite",
            utc(2025, 1, 10),
            utc(2025, 1, 11),
            True,
            "Ann Rep",
            None,
            None,
        ),
        (
            "ann.rep.outlook",
            "outlook_csv",
            "Bolt - Renewal review",
            utc(2025, 2, 14, 14),
            utc(2025, 2, 14, 14, 30),
            False,
            "Ann Rep",
            "ann.rep@northwind-analytics.com;bo.rep@northwind-analytics.com;tom@boltfreight.com",
            None,
        ),
        # German export, Windows-1252, dd.mm.yyyy, Europe/Berlin for this file
        (
            "bo.rep.outlook",
            "outlook_csv",
            "Kundentermin Müller GmbH",
            utc(2025, 3, 4, 13),
            utc(2025, 3, 4, 14, 30),
            False,
            "Bo Rep",
            "max@muster.de",
            "Ann Rep",
        ),
        (
            "bo.rep.outlook",
            "outlook_csv",
            "Teammeeting",
            utc(2025, 3, 5, 8),
            utc(2025, 3, 5, 9),
            False,
            "Bo Rep",
            "ann.rep@northwind-analytics.com",
            None,
        ),
    ]
    ics = query(
        tmp_path,
        "select _source_file, summary, start_at, end_at, is_all_day, is_recurring "
        "from raw_calendar.calendar_event where source_format = 'ics' order by start_at",
    )
    assert ics == [
        # Apple: floating time in X-WR-TIMEZONE (Europe/Berlin), DURATION instead of DTEND
        (
            "calendar/apple.ics",
            "Floating stand-up (local time)",
            utc(2025, 3, 3, 8),
            utc(2025, 3, 3, 8, 45),
            False,
            False,
        ),
        # Outlook: display-name TZID with its VTIMEZONE
        (
            "calendar/bo.rep.outlook.ics",
            "Preisgespräch",
            utc(2025, 3, 4, 14),
            utc(2025, 3, 4, 15),
            False,
            False,
        ),
        # Apple: all-day without DTEND lasts the day
        (
            "calendar/apple.ics",
            "Trade fair (all day, no DTEND)",
            utc(2025, 3, 5),
            utc(2025, 3, 6),
            True,
            False,
        ),
        # Outlook: Windows zone name without VTIMEZONE
        (
            "calendar/bo.rep.outlook.ics",
            "Windows zone name, no VTIMEZONE",
            utc(2025, 3, 5, 17),
            utc(2025, 3, 5, 17, 30),
            False,
            False,
        ),
        # Outlook: a zone nobody knows is read in the file's configured zone (Europe/Berlin)
        (
            "calendar/bo.rep.outlook.ics",
            "Unknown zone, read as floating",
            utc(2025, 3, 6, 8),
            utc(2025, 3, 6, 9),
            False,
            False,
        ),
        # Thunderbird: weekly series, one EXDATE, one moved occurrence
        (
            "calendar/thunderbird.ics",
            "Pipeline review",
            utc(2025, 3, 10, 9),
            utc(2025, 3, 10, 10),
            False,
            True,
        ),
        (
            "calendar/thunderbird.ics",
            "Pipeline review (moved)",
            utc(2025, 3, 25, 13),
            utc(2025, 3, 25, 14),
            False,
            True,
        ),
    ]
    assert [r[:2] + r[3:] for r in rejections(tmp_path)] == [
        ("calendar/ann.rep.outlook.csv", 4, "start_date", "not a valid date: 2/30/2025"),
        ("calendar/apple.ics", 3, None, "DTEND before DTSTART"),
        (
            "calendar/thunderbird.ics",
            3,
            None,
            "duplicate VEVENT of #1 (same UID and RECURRENCE-ID)",
        ),
    ]
    assert accounting(tmp_path, "calendar_event", "calendar/ann.rep.outlook.csv") == (4, 3, 1)
    assert accounting(tmp_path, "calendar_event", "calendar/thunderbird.ics") == (3, 2, 1)


def test_quota_sheet_as_xlsx(tmp_path: Path) -> None:
    landing_from(tmp_path, ("targets", "targets"))
    run(tmp_path, "targets")
    assert query(
        tmp_path,
        "select target_id, period_grain, target_amount, currency, _source_row "
        "from raw_targets.sales_target order by _source_row",
    ) == [
        ("rep:ann.rep@northwind-analytics.com:quarter:2025-01-01", "quarter", 150000.0, "USD", 1),
        ("rep:ann.rep@northwind-analytics.com:quarter:2025-04-01", "quarter", 160000.0, "USD", 2),
        ("team:Enterprise:quarter:2025-01-01", "quarter", 900000.0, "USD", 3),
        # a date cell on the first of a month names the month
        ("rep:bo.rep@northwind-analytics.com:month:2025-03-01", "month", 50000.0, "EUR", 4),
        # the blank row is skipped, so this is data row 7
        ("rep:cy.rep@northwind-analytics.com:quarter:2025-01-01", "quarter", 120000.0, "USD", 7),
    ]
    assert [r[1:4] for r in rejections(tmp_path)] == [
        (5, "sales_target", "period"),
        (6, "sales_target", "target_amount"),
    ]


def test_the_readme_mapping_example_is_a_valid_mapping_file(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    example = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    folder = tmp_path / "crm"
    folder.mkdir()
    (folder / "mapping.yml").write_text(example, encoding="utf-8")
    mapping = parse_mapping(folder / "mapping.yml", tmp_path)
    assert mapping.source_system == "xiaoshouyi"
    assert set(mapping.tables) == {
        "opportunity",
        "opportunity_snapshot",
        "opportunity_stage_history",
        "activity",
        "user",
        "account",
    }
    assert mapping.stages["赢单"] == "won"
