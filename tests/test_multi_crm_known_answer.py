"""Known answers for HubSpot, Pipedrive and mapped-CRM exports reaching the marts.

One landing folder holds the dialect fixtures tests/fixtures/hubspot, tests/fixtures/pipedrive
and tests/fixtures/crm_mapping (two mapped CRMs: `xiaoshouyi` and `zoho`) plus two daily
HubSpot deal snapshots written below; it goes through the real ingestion and `dbt build` as of
2025-03-05. Every expected value is read off the fixture files by hand (the reasoning is in the
comments), never computed with the project's SQL. A source missing from var crm_sources loses
its deals, transitions, activities and KPI rows, so these tests fail.

What the fixtures hold (times UTC; HubSpot and Pipedrive exports are in UTC, the mapped
`xiaoshouyi` CRM writes Asia/Shanghai local times, UTC+8):

HubSpot (users export: Ann Rep = User ID 51234001, Bo Rep = 51234002; deals name the owner)
    301 Acme   qualifiedtobuy         12,500  Ann  entered Appointment Scheduled 01-06 09:15,
                                                    Qualified To Buy 01-13 11:00
    302 Bolt   Closed Won              8,000  Ann  Appointment Scheduled 01-20 14:00,
                                                    Presentation Scheduled 01-27 10:00,
                                                    Closed Won 02-14 09:05
    303 Cargo  `Verhandlung`: unknown stage, quarantined (its activities lose their deal)
    304 Delta  amount -500: quarantined
    305 Echo   only in the 02-01 XLSX, created 01-02 08:00, no stage dates; the snapshots
               below show it in presentationscheduled on 02-10 and decisionmakerboughtin
               on 02-20, so its current stage is proposal and its history comes from them
    calls 61523100001 (Acme deal 301, 1,830,000 ms), ...002 (deal 302), ...003 (deal 303);
    meeting 71523100001 "Demo for finance team" (deal 302, 01-27 10:00-11:00); e-mail
    81523100001 (deal 302); task 91523100001 (no deal)
Pipedrive (no users export: owners are names)
    101 Acme   Qualified  Open   12,500 Ann  created 01-06 09:15, no stage updates
    102 Bolt   Negotiations Started, Won 8,000 Ann  created 01-20 14:00, won 02-14 09:05;
               updates Qualified -> Demo Scheduled 01-27 10:00, -> Negotiations Started
               02-05 09:00
    103 Cargo  Demo Scheduled, Lost 21,000 EUR Bo  created 02-03 11:45, lost 03-03 08:00
               (its only update has time `not a date`: quarantined)
    104 Delta  value `12k`: quarantined;  105 Echo: status Deleted
    activities: "Discovery call" (Call, deal title Acme - Fleet analytics, done),
    "Demo for finance team" (Meeting, Bolt - Renewal 2025, done), "Send proposal" (Task,
    Delta - Expansion = the quarantined deal, to do)
Mapped CRM xiaoshouyi (users 张伟, 李娜 from the XLSX; owners given by name)
    SJ-2025-001 需求确认 (presentation) ¥120,000 张伟, created 2025/01/06 09:15 (01:15 UTC);
                history 初步接洽 01/06 09:15, -> 需求确认 01/20 10:00 (02:00 UTC); a snapshot
                of 01-10 exists too but the history wins
    SJ-2025-002 赢单 (won) 80,000 李娜, created 01/20 14:00 (06:00 UTC); history
                方案报价 -> 赢单 2025/02/14 09:05 (01:05 UTC)
    SJ-2025-003 暂停 (the mapping file maps it to qualification) 50,000 张伟, account
                南方港口公司 that the accounts export lacks
    activities: 电话 (call) 首次沟通需求 on SJ-2025-001; 拜访 (meeting) 现场演示 ("on-site
    demo") on SJ-2025-002; 微信 (not mapped: other) 发送报价单 on SJ-2025-002
Mapped CRM zoho: Fleet analytics (Needs Analysis), Renewal 2025 (Closed Won), owner Ann Rep,
    no users export
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
from warehouse_builder import REPO, build_warehouse

FIXTURES = REPO / "tests" / "fixtures"
AS_OF = date(2025, 3, 5)
Q1 = date(2025, 1, 1)

HUBSPOT_ANN = "hubspot:51234001"
PIPEDRIVE_ANN = "pipedrive:name:ann rep"
PIPEDRIVE_BO = "pipedrive:name:bo rep"

SNAPSHOT_HEADER = (
    '"Record ID","Deal Name","Deal Stage","Pipeline","Amount","Close Date","Create Date",'
    '"Deal owner","Associated Company"\n'
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def _snapshot(stage: str) -> str:
    return SNAPSHOT_HEADER + (
        f'"15813218305","Echo - Starter","{stage}","Sales Pipeline","4200.5",'
        '"2025-06-30 00:00","2025-01-02 08:00","Ann Rep","Echo Ltd"\n'
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ingest the three CRM families into one warehouse, then `dbt build` the project."""
    tmp = tmp_path_factory.mktemp("multi_crm_known_answer")
    landing = tmp / "landing"
    for fixture, folder in (
        ("hubspot", "hubspot"),
        ("pipedrive", "pipedrive"),
        ("crm_mapping", "crm"),
    ):
        shutil.copytree(FIXTURES / fixture, landing / folder)
    snapshots = landing / "hubspot" / "snapshots"
    snapshots.mkdir()
    (snapshots / "hubspot-crm-exports-all-deals-2025-02-10.csv").write_text(
        _snapshot("presentationscheduled"), encoding="utf-8"
    )
    (snapshots / "hubspot-crm-exports-all-deals-2025-02-20.csv").write_text(
        _snapshot("decisionmakerboughtin"), encoding="utf-8"
    )
    warehouse_path = tmp / "warehouse" / "crm_kpi.duckdb"
    # The dialect fixtures carry bad rows on purpose (tests/test_ingestion_dialects.py):
    # HubSpot 303 (stage), 304 (amount) and its stage date, Pipedrive 104 (value), the
    # repeated activity and the flow row without a time, xiaoshouyi SJ-2025-004 (stage).
    build_warehouse(landing, warehouse_path, {"as_of_date": AS_OF.isoformat()}, quarantined=7)
    return warehouse_path


@pytest.fixture(scope="module")
def con(warehouse: Path):
    connection = duckdb.connect(str(warehouse), read_only=True)
    connection.execute("set timezone = 'UTC'")
    yield connection
    connection.close()


def test_every_source_reaches_fct_opportunities_with_stage_outcome_amount(con):
    rows = con.execute(
        """
        select opportunity_id, source_system, current_stage, is_won, is_closed, amount,
               closed_date
        from marts.fct_opportunities order by opportunity_id
        """
    ).fetchall()
    assert rows == [
        # HubSpot: internal id qualifiedtobuy and label Closed Won both map (seed rows of
        # hubspot); 305's newest export is the 02-20 snapshot: decisionmakerboughtin = proposal
        ("hubspot:15813218301", "hubspot", "qualification", False, False, 12500.0, None),
        ("hubspot:15813218302", "hubspot", "won", True, True, 8000.0, date(2025, 2, 14)),
        ("hubspot:15813218305", "hubspot", "proposal", False, False, 4200.5, None),
        # Pipedrive: won / lost come from the status, the close date from won / lost time;
        # 104 was quarantined and 105 is deleted
        ("pipedrive:101", "pipedrive", "qualification", False, False, 12500.0, None),
        ("pipedrive:102", "pipedrive", "won", True, True, 8000.0, date(2025, 2, 14)),
        ("pipedrive:103", "pipedrive", "lost", False, True, 21000.0, date(2025, 3, 3)),
        # xiaoshouyi: Chinese labels (需求确认, 赢单) and the mapping file's own 暂停
        ("xiaoshouyi:SJ-2025-001", "xiaoshouyi", "presentation", False, False, 120000.0, None),
        ("xiaoshouyi:SJ-2025-002", "xiaoshouyi", "won", True, True, 80000.0, date(2025, 2, 14)),
        ("xiaoshouyi:SJ-2025-003", "xiaoshouyi", "qualification", False, False, 50000.0, None),
        # zoho: composite ids, its mapping's labels
        (
            "zoho:Acme Logistics|Fleet analytics",
            "zoho",
            "presentation",
            False,
            False,
            12500.0,
            None,
        ),
        ("zoho:Bolt Freight|Renewal 2025", "zoho", "won", True, True, 8000.0, date(2025, 2, 14)),
    ]


def test_owners_given_by_name_resolve_to_reps(con):
    rows = con.execute(
        """
        select o.opportunity_id, o.rep_id, r.rep_name, r.email, r.team
        from marts.fct_opportunities as o
        inner join marts.dim_reps as r on o.rep_id = r.rep_id
        order by o.opportunity_id
        """
    ).fetchall()
    # every opportunity has its rep in dim_reps (inner join keeps all 11)
    assert len(rows) == 11
    by_id = {row[0]: row[1:] for row in rows}
    # HubSpot deals say "Ann Rep": the users export's Ann + Rep, User ID 51234001
    assert by_id["hubspot:15813218302"] == (
        HUBSPOT_ANN,
        "Ann Rep",
        "ann.rep@northwind-analytics.com",
        "Mid-Market",
    )
    # Pipedrive has no users export: the owner's name becomes the rep
    assert by_id["pipedrive:102"] == (PIPEDRIVE_ANN, "Ann Rep", None, None)
    assert by_id["pipedrive:103"] == (PIPEDRIVE_BO, "Bo Rep", None, None)
    # xiaoshouyi names 张伟 / 李娜: they resolve to the users of its XLSX (e-mail, team)
    assert by_id["xiaoshouyi:SJ-2025-001"][1:] == ("张伟", "zhang.wei@example.cn", "华东大区")
    assert by_id["xiaoshouyi:SJ-2025-003"][1:] == ("张伟", "zhang.wei@example.cn", "华东大区")
    assert by_id["xiaoshouyi:SJ-2025-002"][1:] == ("李娜", "li.na@example.cn", "华北大区")
    assert by_id["xiaoshouyi:SJ-2025-001"][0] == by_id["xiaoshouyi:SJ-2025-003"][0]
    assert by_id["xiaoshouyi:SJ-2025-001"][0].startswith("xiaoshouyi:")
    # zoho has no users: the name becomes a zoho rep, distinct from HubSpot's Ann Rep
    assert by_id["zoho:Bolt Freight|Renewal 2025"] == ("zoho:name:ann rep", "Ann Rep", None, None)


def test_accounts_given_by_name_resolve_or_are_synthesised(con):
    rows = dict(
        con.execute(
            """
            select o.opportunity_id, a.account_name
            from marts.fct_opportunities as o
            inner join marts.dim_accounts as a on o.account_id = a.account_id
            """
        ).fetchall()
    )
    assert len(rows) == 11
    accounts = dict(
        con.execute("select opportunity_id, account_id from marts.fct_opportunities").fetchall()
    )
    # Pipedrive "Acme Logistics" is organisation 11 of the XLSX export
    assert accounts["pipedrive:101"] == "pipedrive:11"
    # HubSpot exports no companies: the associated company's name makes the account
    assert accounts["hubspot:15813218301"] == "hubspot:name:acme logistics"
    # xiaoshouyi: 华东物流有限公司 is in 客户.csv (an id built there), 南方港口公司 is not
    assert rows["xiaoshouyi:SJ-2025-001"] == "华东物流有限公司"
    assert accounts["xiaoshouyi:SJ-2025-001"] != "xiaoshouyi:name:华东物流有限公司"
    assert accounts["xiaoshouyi:SJ-2025-003"] == "xiaoshouyi:name:南方港口公司"


def test_stage_transitions_from_histories_and_snapshots(con):
    rows = con.execute(
        """
        select opportunity_id, transition_number, from_stage, to_stage, transitioned_at
        from marts.fct_stage_transitions
        where opportunity_id in (
            'hubspot:15813218302', 'hubspot:15813218305', 'pipedrive:102', 'pipedrive:103',
            'xiaoshouyi:SJ-2025-001', 'xiaoshouyi:SJ-2025-002'
        )
        order by opportunity_id, transition_number
        """
    ).fetchall()
    assert rows == [
        # HubSpot stage dates: Appointment Scheduled (qualification) at creation,
        # Presentation Scheduled, Closed Won
        ("hubspot:15813218302", 1, None, "qualification", utc(2025, 1, 20, 14)),
        ("hubspot:15813218302", 2, "qualification", "presentation", utc(2025, 1, 27, 10)),
        ("hubspot:15813218302", 3, "presentation", "won", utc(2025, 2, 14, 9, 5)),
        # HubSpot snapshots only: created 01-02 08:00 in the stage of its first snapshot
        # (presentationscheduled), then decisionmakerboughtin seen at 00:00 of 02-20
        ("hubspot:15813218305", 1, None, "presentation", utc(2025, 1, 2, 8)),
        ("hubspot:15813218305", 2, "presentation", "proposal", utc(2025, 2, 20)),
        # Pipedrive updates: created in the first update's old value (Qualified), Demo
        # Scheduled, Negotiations Started (contract: skips proposal), then won at won time
        ("pipedrive:102", 1, None, "qualification", utc(2025, 1, 20, 14)),
        ("pipedrive:102", 2, "qualification", "presentation", utc(2025, 1, 27, 10)),
        ("pipedrive:102", 3, "presentation", "contract", utc(2025, 2, 5, 9)),
        ("pipedrive:102", 4, "contract", "won", utc(2025, 2, 14, 9, 5)),
        # Pipedrive without updates: created in its stage (Demo Scheduled), lost at lost time
        ("pipedrive:103", 1, None, "presentation", utc(2025, 2, 3, 11, 45)),
        ("pipedrive:103", 2, "presentation", "lost", utc(2025, 3, 3, 8)),
        # mapped history in Shanghai time (UTC+8); the 01-10 snapshot adds nothing
        ("xiaoshouyi:SJ-2025-001", 1, None, "qualification", utc(2025, 1, 6, 1, 15)),
        ("xiaoshouyi:SJ-2025-001", 2, "qualification", "presentation", utc(2025, 1, 20, 2)),
        # only 方案报价 -> 赢单 recorded: created (14:00 local) in 方案报价 (proposal)
        ("xiaoshouyi:SJ-2025-002", 1, None, "proposal", utc(2025, 1, 20, 6)),
        ("xiaoshouyi:SJ-2025-002", 2, "proposal", "won", utc(2025, 2, 14, 1, 5)),
    ]


def test_activities_are_typed_and_tied_to_their_deal(con):
    rows = con.execute(
        """
        select r.source_system, a.subject, a.activity_type, a.rep_id, a.opportunity_id,
               a.is_completed, a.stage_at_activity
        from marts.fct_activities as a
        inner join marts.dim_reps as r on a.rep_id = r.rep_id
        order by r.source_system, a.subject
        """
    ).fetchall()
    zhang, li = (
        con.execute(
            "select rep_id from marts.dim_reps where source_system = 'xiaoshouyi' and rep_name = ?",
            [name],
        ).fetchone()[0]
        for name in ("张伟", "李娜")
    )
    assert rows == [
        # calls / meetings / e-mails / tasks of HubSpot; the meeting's title names a demo.
        # Pricing questions and Pilot kickoff belong to the quarantined deal 303: no deal.
        (
            "hubspot",
            "Demo for finance team",
            "demo",
            HUBSPOT_ANN,
            "hubspot:15813218302",
            True,
            "presentation",
        ),
        (
            "hubspot",
            "Discovery call",
            "call",
            HUBSPOT_ANN,
            "hubspot:15813218301",
            True,
            "qualification",
        ),
        ("hubspot", "Follow-up", "call", HUBSPOT_ANN, "hubspot:15813218302", True, "qualification"),
        ("hubspot", "Pilot kickoff", "meeting", "hubspot:51234002", None, True, None),
        ("hubspot", "Pricing questions", "call", "hubspot:51234002", None, True, None),
        (
            "hubspot",
            "Proposal attached",
            "email",
            HUBSPOT_ANN,
            "hubspot:15813218302",
            True,
            "presentation",
        ),
        ("hubspot", "Send contract", "task", HUBSPOT_ANN, None, True, None),
        # Pipedrive activities name the deal by title; Send proposal's deal was quarantined
        (
            "pipedrive",
            "Demo for finance team",
            "demo",
            PIPEDRIVE_ANN,
            "pipedrive:102",
            True,
            "presentation",
        ),
        (
            "pipedrive",
            "Discovery call",
            "call",
            PIPEDRIVE_ANN,
            "pipedrive:101",
            True,
            "qualification",
        ),
        ("pipedrive", "Send proposal", "task", PIPEDRIVE_BO, None, False, None),
        # xiaoshouyi: 电话 -> call, 拜访 -> meeting whose subject says 演示 (demo) -> demo,
        # 微信 is not in activity_types -> other
        ("xiaoshouyi", "发送报价单", "other", li, "xiaoshouyi:SJ-2025-002", True, "proposal"),
        ("xiaoshouyi", "现场演示", "demo", li, "xiaoshouyi:SJ-2025-002", True, "proposal"),
        (
            "xiaoshouyi",
            "首次沟通需求",
            "call",
            zhang,
            "xiaoshouyi:SJ-2025-001",
            True,
            "qualification",
        ),
    ]
    # HubSpot call duration: 1,830,000 ms = 30.5 minutes
    assert con.execute(
        "select duration_minutes from marts.fct_activities where activity_id = ?",
        ["hubspot:61523100001"],
    ).fetchall() == [(30.5,)]


def test_kpi_rows_of_non_salesforce_reps(con):
    performance = con.execute(
        """
        select scope_id, opportunities_created, opportunities_won, opportunities_lost,
               win_rate, won_amount, avg_sales_cycle_days, activities, calls
        from marts.kpi_rep_period_performance
        where scope = 'rep' and period_grain = 'quarter' and period_start = ?
          and scope_id in (?, ?, ?)
        order by scope_id
        """,
        [Q1, HUBSPOT_ANN, PIPEDRIVE_ANN, PIPEDRIVE_BO],
    ).fetchall()
    assert performance == [
        # HubSpot Ann, 2025-Q1: created 301 (01-06), 302 (01-20), 305 (01-02) = 3; won 302
        # (8,000, 01-20 -> 02-14 = 25 days); none lost: win rate 1/1. Completed activities:
        # the 2 calls, the demo, the e-mail and the completed task = 5, of which 2 calls.
        (HUBSPOT_ANN, 3, 1, 0, 1.0, 8000.0, 25.0, 5, 2),
        # Pipedrive Ann: created 101, 102 (105 is deleted); won 102 (8,000, 25 days);
        # activities: the done Discovery call and demo = 2, 1 call
        (PIPEDRIVE_ANN, 2, 1, 0, 1.0, 8000.0, 25.0, 2, 1),
        # Pipedrive Bo: created 103 (02-03) and lost it (03-03): win rate 0/1; his only
        # activity is still to do
        (PIPEDRIVE_BO, 1, 0, 1, 0.0, 0.0, None, 0, 0),
    ]
    funnel = con.execute(
        """
        select from_stage, reached_count, advanced_count, dropped_count, open_count,
               conversion_rate
        from marts.kpi_funnel_conversion
        where scope = 'rep' and scope_id = ? and period_grain = 'quarter' and period_start = ?
        order by from_stage_order
        """,
        [PIPEDRIVE_ANN, Q1],
    ).fetchall()
    # Pipedrive Ann's Q1 cohort: 101 and 102 reached qualification; 102 went on through
    # presentation (01-27), contract (02-05, proposal back-filled) to won; 101 is still open
    assert funnel == [
        ("qualification", 2, 1, 0, 1, 1.0),
        ("presentation", 1, 1, 0, 0, 1.0),
        ("proposal", 1, 1, 0, 0, 1.0),
        ("contract", 1, 1, 0, 0, 1.0),
    ]
