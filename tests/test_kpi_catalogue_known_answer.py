"""Known-answer tests for the KPI catalogue marts on a second hand-built export.

The fixture in tests/fixtures/known_answer/catalogue/ (a landing folder of its own) goes
through the real ingestion and `dbt build` as of 2025-05-15, with
goal_plan_min_closed_opportunities = 3. Every expected number below is worked out by hand
from those files - never by running the project's SQL.

The cast (User.csv; the company's e-mail domain is globex.example):
    Mia Park   005000000000101AAA  Inside Sales  (e-mail exported as Mia.Park@Globex.example)
    Noah Reed  005000000000102AAA  Inside Sales
    Zoe Hart   005000000000100AAA  Sales Leadership (manager; owns nothing)
Accounts: A1 Initech (https://www.Initech.example/), A2 Umbrella (umbrella.example/contact),
A3 Hooli (http://hooli.example).

Opportunities (all USD, 2025; stage dates from OpportunityHistory at 09:00/10:00 UTC):
    P1 Mia  A1 10,000  qual 01-06, pres 01-13, prop 01-27, contract 02-10, won 02-24
    P2 Mia  A2 20,000  qual 01-08, pres 01-15, lost 02-05
    P3 Mia  A3 30,000  qual 02-03, prop 02-17 (skips presentation), contract 03-03, won 03-24
    P4 Mia  A1 15,000  qual 04-07, pres 04-14, prop 04-28, back to pres 05-05 (open)
    P5 Noah A2 25,000  qual 01-20, lost 02-17
    P6 Noah A3 40,000  qual 03-03, pres 03-10, prop 03-31, contract 04-14, won 04-28
    P7 Noah A3 12,000  qual 04-22 (open, no activity)
    P8 Mia  A2  8,000  qual 05-12 (open)

Activities: tasks T1-T18 (T14 is a not-started to-do), events E1-E4, and two calendars:
    mia.park.ics   E1 and E4 mirrored (same start), a calendar-only Initech follow-up on 04-30
                   (invited by the customer), a cancelled and an all-day Initech meeting, the
                   internal weekly (4 Mondays from 04-07, all @globex.example) and her copy
                   of Noah's Hooli demo (UID hooli-demo, 03-12 14:00)
    noah.reed.ics  the Hooli demo (= E3), the internal weekly, an Umbrella check-in 05-14
Quotas: Mia 2025-Q1 30,000 and 2025-Q2 60,000; Noah 2025-Q2 50,000.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
from warehouse_builder import REPO, build_warehouse

FIXTURE = REPO / "tests" / "fixtures" / "known_answer" / "catalogue"
AS_OF = date(2025, 5, 15)

MIA = "005000000000101AAA"
NOAH = "005000000000102AAA"
TEAM = "Inside Sales"
Q1 = date(2025, 1, 1)
Q2 = date(2025, 4, 1)


def _opp(n: int) -> str:
    return f"006000000000{100 + n}AAA"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ingest the fixture with the real dlt ingestion, then `dbt build` the whole project."""
    work_dir = tmp_path_factory.mktemp("catalogue_known_answer")
    warehouse_path = work_dir / "warehouse" / "crm_kpi.duckdb"
    variables = {"as_of_date": AS_OF.isoformat(), "goal_plan_min_closed_opportunities": 3}
    build_warehouse(FIXTURE, warehouse_path, variables)
    return warehouse_path


@pytest.fixture(scope="module")
def con(warehouse: Path):
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> dict:
    rows = con.execute(sql, params).fetchall()
    assert len(rows) == 1, (sql, params, rows)
    columns = [d[0] for d in con.description]
    return dict(zip(columns, rows[0], strict=True))


def scoped(
    con: duckdb.DuckDBPyConnection,
    mart: str,
    scope: str,
    scope_id: str | None,
    grain: str,
    start: date,
    **keys: str,
) -> dict:
    extra = "".join(f" and {column} = ?" for column in keys)
    return one(
        con,
        f"select * from marts.{mart} where scope = ? and scope_id is not distinct from ?"
        f" and period_grain = ? and period_start = ?{extra}",
        [scope, scope_id, grain, start, *keys.values()],
    )


# --- calendar matching and fct_activities -----------------------------------------------------


def test_calendar_meetings_are_matched_once(con):
    counts = dict(
        con.execute("select origin, count(*) from marts.fct_activities group by origin").fetchall()
    )
    # both: E1, E3, E4 (mirrored in the owner's calendar at the same start minute)
    # crm: T1-T18 (18 tasks, the open to-do T14 included) + E2 (not in any calendar)
    # calendar: Mia's Initech follow-up, Mia's copy of the Hooli demo, Noah's Umbrella
    #   check-in. Not: the internal weekly (everyone @globex.example), the cancelled and the
    #   all-day Initech meetings.
    assert counts == {"both": 3, "crm": 19, "calendar": 3}

    both = con.execute(
        "select activity_id from marts.fct_activities where origin = 'both' order by 1"
    ).fetchall()
    assert both == [("00U000000000101AAA",), ("00U000000000103AAA",), ("00U000000000104AAA",)]


def test_a_meeting_with_two_reps_counts_once_per_rep(con):
    rows = con.execute(
        """
        select a.rep_id, a.origin, a.opportunity_id, a.stage_at_activity, a.activity_type
        from marts.fct_activities as a
        inner join raw_calendar.calendar_event as c on a.calendar_occurrence_id = c.occurrence_id
        where c.uid = 'hooli-demo@globex.example'
        order by a.rep_id
        """
    ).fetchall()
    # Noah's copy is his CRM event E3 (origin both, his P6). Mia's copy is a calendar-only
    # activity of Mia: Hooli's open deals at 03-12 14:00 are P3 (created 02-03, won 03-24)
    # and P6 (created 03-03) -> the most recently created, P6, in presentation since 03-10.
    assert rows == [
        (MIA, "calendar", _opp(6), "presentation", "demo"),
        (NOAH, "both", _opp(6), "presentation", "demo"),
    ]


def test_calendar_only_meetings_find_account_and_open_deal(con):
    rows = con.execute(
        """
        select rep_id, account_id, opportunity_id, stage_at_activity, activity_date,
               duration_minutes
        from marts.fct_activities
        where origin = 'calendar' and subject <> 'Product demo - Hooli'
        order by activity_date
        """
    ).fetchall()
    assert rows == [
        # Initech follow-up 04-30, invited by pat.lee@initech.example: Initech's open deal is
        # P4 (P1 won 02-24), in proposal 04-28 .. 05-05
        (MIA, "001000000000101AAA", _opp(4), "proposal", date(2025, 4, 30), 30),
        # Umbrella check-in 05-14: Umbrella's open deal is Mia's P8 (P2 and P5 lost)
        (NOAH, "001000000000102AAA", _opp(8), "qualification", date(2025, 5, 14), 30),
    ]


def test_account_domains_are_normalized(con):
    domains = con.execute("select domain from marts.dim_accounts order by account_id").fetchall()
    assert domains == [("initech.example",), ("umbrella.example",), ("hooli.example",)]
    assert one(
        con, "select email, team, manager_name from marts.dim_reps where rep_id = ?", [MIA]
    ) == {
        "email": "mia.park@globex.example",
        "team": TEAM,
        "manager_name": "Zoe Hart",
    }


def test_activities_in_from_stage_count_both_reps_and_calendar(con):
    row = one(
        con,
        "select * from marts.fct_stage_transitions where opportunity_id = ? and to_stage = ?",
        [_opp(6), "proposal"],
    )
    # P6 sat in presentation 03-10 09:00 .. 03-31 09:00: E3 (Noah, both) and Mia's calendar
    # copy of the Hooli demo -> 2; 21 days
    assert (row["activities_in_from_stage"], row["days_in_from_stage"]) == (2, 21)


# --- kpi_funnel_conversion ----------------------------------------------------------------------


def test_funnel_conversion_cohorts(con):
    jan = scoped(
        con,
        "kpi_funnel_conversion",
        "company",
        None,
        "month",
        date(2025, 1, 1),
        from_stage="qualification",
    )
    # January qualification cohort: P1, P2, P5. Advanced (reached presentation): P1, P2.
    # Dropped: P5 (lost without presentation). Won P1; lost P2, P5.
    assert (jan["reached_count"], jan["advanced_count"], jan["dropped_count"]) == (3, 2, 1)
    assert jan["open_count"] == 0
    assert jan["conversion_rate"] == pytest.approx(2 / 3)
    assert (jan["won_count"], jan["lost_count"]) == (1, 2)
    assert jan["stage_to_win_rate"] == pytest.approx(1 / 3)

    q1 = scoped(
        con, "kpi_funnel_conversion", "company", None, "quarter", Q1, from_stage="qualification"
    )
    # Q1 qualification cohort: P1, P2, P5, P3, P6; advanced P1, P2, P3 (skip counts), P6;
    # dropped P5; won P1, P3, P6; lost P2, P5
    assert (q1["reached_count"], q1["advanced_count"], q1["dropped_count"]) == (5, 4, 1)
    assert q1["conversion_rate"] == pytest.approx(4 / 5)
    assert q1["stage_to_win_rate"] == pytest.approx(3 / 5)

    pres = scoped(
        con, "kpi_funnel_conversion", "rep", MIA, "quarter", Q1, from_stage="presentation"
    )
    # Mia's Q1 presentation cohort: P1 (01-13), P2 (01-15), P3 (02-17, skipped into proposal)
    # advanced P1, P3; dropped P2 -> 2 / 3; won P1, P3, lost P2
    assert (pres["reached_count"], pres["advanced_count"], pres["dropped_count"]) == (3, 2, 1)
    assert pres["stage_to_win_rate"] == pytest.approx(2 / 3)

    april = scoped(
        con,
        "kpi_funnel_conversion",
        "team",
        TEAM,
        "month",
        date(2025, 4, 1),
        from_stage="qualification",
    )
    # April qualification cohort: P4 (advanced 04-14), P7 (open); nothing closed
    assert (april["reached_count"], april["advanced_count"], april["open_count"]) == (2, 1, 1)
    assert april["conversion_rate"] == pytest.approx(1.0)
    assert april["stage_to_win_rate"] is None

    proposal_april = scoped(
        con,
        "kpi_funnel_conversion",
        "company",
        None,
        "month",
        date(2025, 4, 1),
        from_stage="proposal",
    )
    # P4 reached proposal 04-28 and regressed: still open, never reached contract
    assert (proposal_april["reached_count"], proposal_april["open_count"]) == (1, 1)
    assert proposal_april["conversion_rate"] is None


# --- kpi_stage_duration -------------------------------------------------------------------------


def test_stage_duration(con):
    qual = scoped(con, "kpi_stage_duration", "company", None, "quarter", Q1, stage="qualification")
    # exits in Q1: P1 7, P2 7, P5 28, P3 14, P6 7 -> mean 63 / 5; sorted 7 7 7 14 28:
    # median 7, p75 at position 3 of 0..4 -> 14
    assert qual["visits_completed"] == 5
    assert qual["days_in_stage_sum"] == 63
    assert qual["mean_days"] == pytest.approx(12.6)
    assert (qual["median_days"], qual["p75_days"]) == (pytest.approx(7), pytest.approx(14))
    assert qual["open_visits"] == 0

    contract = scoped(con, "kpi_stage_duration", "company", None, "quarter", Q1, stage="contract")
    # P1 14, P3 21: p75 = 14 + 0.75 x 7 = 19.25
    assert contract["p75_days"] == pytest.approx(19.25)

    qual_q2 = scoped(
        con, "kpi_stage_duration", "company", None, "quarter", Q2, stage="qualification"
    )
    # completed: P4 7; open at 05-15: P7 since 04-22 (23 days), P8 since 05-12 (3 days)
    assert (qual_q2["visits_completed"], qual_q2["mean_days"]) == (1, pytest.approx(7))
    assert (qual_q2["open_visits"], qual_q2["open_mean_age_days"]) == (2, pytest.approx(13))

    pres_may = scoped(
        con, "kpi_stage_duration", "rep", MIA, "month", date(2025, 5, 1), stage="presentation"
    )
    # P4 is back in presentation since 05-05: 10 days old; nothing exited in May
    assert (pres_may["visits_completed"], pres_may["open_visits"]) == (0, 1)
    assert pres_may["open_mean_age_days"] == pytest.approx(10)


# --- kpi_sales_velocity -------------------------------------------------------------------------


def test_sales_velocity(con):
    q1 = scoped(con, "kpi_sales_velocity", "company", None, "quarter", Q1)
    # created 5 (P1, P2, P5, P3, P6); closed P1 won, P2 lost, P5 lost, P3 won -> 2 / 4;
    # deals 10,000 and 30,000 -> 20,000; cycles 49 and 49 days -> 49
    assert q1["opportunities_created"] == 5
    assert q1["win_rate"] == pytest.approx(0.5)
    assert q1["avg_deal_size"] == pytest.approx(20_000)
    assert q1["avg_sales_cycle_days"] == pytest.approx(49)
    assert q1["velocity_per_day"] == pytest.approx(5 * 0.5 * 20_000 / 49)  # 1,020.41

    q2 = scoped(con, "kpi_sales_velocity", "team", TEAM, "quarter", Q2)
    # created P4, P7, P8; P6 won 04-28 (40,000, 03-03 -> 04-28 = 56 days)
    assert q2["velocity_per_day"] == pytest.approx(3 * 1.0 * 40_000 / 56)  # 2,142.86


# --- kpi_activity_effectiveness -----------------------------------------------------------------


def effectiveness(con: duckdb.DuckDBPyConnection, rep: str, stage: str) -> dict:
    return one(
        con,
        "select * from marts.kpi_activity_effectiveness where rep_id = ? and period_grain ="
        " 'quarter' and period_start = ? and stage = ?",
        [rep, Q1, stage],
    )


def test_activity_effectiveness(con):
    mia_qual = effectiveness(con, MIA, "qualification")
    # Mia's completed activities in Q1: T1-T8, E1, E2 and her calendar copy of the Hooli demo
    # = 11; calls T1, T4, T5, T6, T8 = 5. Qualified (reached presentation in Q1): P1, P2, P3.
    # These rep-quarter figures repeat on every stage row.
    assert (mia_qual["activities"], mia_qual["calls"], mia_qual["qualified_opportunities"]) == (
        11,
        5,
        3,
    )
    assert mia_qual["activities_per_qualified_opportunity"] == pytest.approx(11 / 3)
    assert mia_qual["calls_per_qualified_opportunity"] == pytest.approx(5 / 3)
    # made in qualification: calls T1 (P1), T5 (P2), T6 (P3)
    assert (mia_qual["stage_activities"], mia_qual["stage_calls"]) == (3, 3)
    # each qualification visit that advanced (P1, P2, P3; P3 by skipping) had one follow-up
    assert mia_qual["followups_before_advance_mean"] == pytest.approx(1.0)
    # Noah's one advancing qualification visit (P6) had T9, T16, T17, T18 = 4; team median of
    # the rep means (1, 4) = 2.5; 1 < 0.5 x 2.5 -> low follow-up
    assert mia_qual["team_median_followups"] == pytest.approx(2.5)
    assert mia_qual["is_low_followup"] is True

    by_stage = {
        stage: effectiveness(con, MIA, stage)
        for stage in ("qualification", "presentation", "proposal", "contract")
    }
    # presentation: T2, E1, the Hooli demo copy; proposal: T3, T7, E2; contract: calls T4, T8
    assert {s: (r["stage_activities"], r["stage_calls"]) for s, r in by_stage.items()} == {
        "qualification": (3, 3),
        "presentation": (3, 0),
        "proposal": (3, 0),
        "contract": (2, 2),
    }
    assert all(r["activities"] == 11 for r in by_stage.values())
    # advancing visits: P1 x4 (1, 2, 1, 1 activities), P2 qual (1), P3 qual, prop, contract
    # (1, 2, 1) -> 8 visits, 10 activities
    assert sum(r["advanced_visits"] for r in by_stage.values()) == 8
    assert sum(r["followups_before_advance_sum"] for r in by_stage.values()) == 10

    noah_qual = effectiveness(con, NOAH, "qualification")
    # Noah's Q1: T15, T9, T16, T17, T18 (qualification) and E3 (presentation) = 6; calls T9,
    # T16, T18; qualified: P6
    assert (noah_qual["activities"], noah_qual["calls"], noah_qual["qualified_opportunities"]) == (
        6,
        3,
        1,
    )
    assert (noah_qual["stage_activities"], noah_qual["stage_calls"]) == (5, 3)
    assert noah_qual["followups_before_advance_mean"] == pytest.approx(4.0)
    assert noah_qual["is_low_followup"] is False

    noah_pres = effectiveness(con, NOAH, "presentation")
    # P6 presentation visit: E3 and Mia's calendar copy of the demo -> 2 follow-ups
    assert noah_pres["followups_before_advance_mean"] == pytest.approx(2.0)
    assert noah_pres["stage_activities"] == 1  # E3 is Noah's; the calendar copy is Mia's


# --- kpi_target_pacing --------------------------------------------------------------------------


def pacing(con: duckdb.DuckDBPyConnection, rep: str, start: date) -> dict:
    return one(
        con,
        "select * from marts.kpi_target_pacing where rep_id = ? and period_start = ?",
        [rep, start],
    )


def test_target_pacing(con):
    noah = pacing(con, NOAH, Q2)
    # Q2 = 91 days; 04-01 .. 05-15 = 30 + 15 = 45 elapsed. Won: P6 40,000 (04-28).
    assert (noah["period_days"], noah["elapsed_days"]) == (91, 45)
    assert noah["won_to_date"] == pytest.approx(40_000)
    assert noah["expected_to_date"] == pytest.approx(50_000 * 45 / 91)  # 24,725.27
    assert noah["pace_ratio"] == pytest.approx(40_000 / (50_000 * 45 / 91))  # 1.6178
    assert noah["projected_amount"] == pytest.approx(40_000 / (45 / 91))  # 80,888.89
    assert noah["attainment"] == pytest.approx(0.8)

    mia = pacing(con, MIA, Q2)
    assert (mia["won_to_date"], mia["pace_ratio"], mia["attainment"]) == (0, 0, 0)

    mia_q1 = pacing(con, MIA, Q1)
    # a finished quarter: fully elapsed; P1 10,000 + P3 30,000 against 30,000
    assert (mia_q1["elapsed_days"], mia_q1["period_days"]) == (90, 90)
    assert mia_q1["attainment"] == pytest.approx(40_000 / 30_000)
    assert mia_q1["projected_amount"] == pytest.approx(40_000)


# --- kpi_goal_plan ------------------------------------------------------------------------------


def goal_plan(con: duckdb.DuckDBPyConnection, rep: str) -> dict:
    return one(con, "select * from marts.kpi_goal_plan where rep_id = ?", [rep])


def test_goal_plan_only_for_periods_not_yet_over(con):
    periods = con.execute(
        "select rep_id, period_start from marts.kpi_goal_plan order by rep_id"
    ).fetchall()
    assert periods == [(MIA, Q2), (NOAH, Q2)]  # Mia's Q1 ended before 05-15


def test_goal_plan_with_own_rates(con):
    mia = goal_plan(con, MIA)
    # window 2024-05-16 .. 2025-05-15; Mia closed P1 (won 10,000), P2 (lost), P3 (won
    # 30,000): 3 >= the minimum of 3 -> her own rates
    assert (mia["rate_source"], mia["rate_closed_opportunities"]) == ("rep", 3)
    assert mia["rate_window_start"] == date(2024, 5, 16)
    assert mia["avg_deal_size_used"] == pytest.approx(20_000)
    # reached qualification / presentation (P3's skip counts): P1, P2, P3 -> 2 won of 3;
    # proposal and contract: P1, P3 -> 2 of 2
    assert mia["stage_to_win_rate_qualification_used"] == pytest.approx(2 / 3)
    assert mia["stage_to_win_rate_presentation_used"] == pytest.approx(2 / 3)
    assert mia["stage_to_win_rate_proposal_used"] == pytest.approx(1.0)
    assert mia["stage_to_win_rate_contract_used"] == pytest.approx(1.0)
    # activities in the window: T1-T8, T12, T13, E1, E2, E4, two calendar-only meetings = 15;
    # qualified: P1, P2, P3, P4 = 4 -> 3.75
    assert mia["activities_per_qualified_opportunity_used"] == pytest.approx(3.75)
    # 60,000 left -> ceil(60,000 / 20,000) = 3 won; ceil(3 / (2/3)) = ceil(4.5) = 5
    # presentations and qualifications; 3 proposals, 3 contracts; ceil(5 x 3.75) = 19
    assert mia["remaining_amount"] == pytest.approx(60_000)
    assert mia["required_won_deals"] == 3
    assert mia["required_qualification_opportunities"] == 5
    assert mia["required_presentation_opportunities"] == 5
    assert mia["required_proposal_opportunities"] == 3
    assert mia["required_contract_opportunities"] == 3
    assert mia["required_activities"] == 19
    # 05-16 .. 06-30 = 46 days = 46 / 7 weeks
    assert mia["days_left"] == 46
    assert mia["weeks_left"] == pytest.approx(46 / 7)
    assert mia["required_activities_per_week"] == pytest.approx(19 / (46 / 7))  # 2.89
    assert mia["required_won_deals_per_week"] == pytest.approx(3 / (46 / 7))


def test_goal_plan_falls_back_to_team_rates(con):
    noah = goal_plan(con, NOAH)
    # Noah closed only P5 and P6 (2 < 3): the team's 5 closed deals stand in
    assert (noah["rate_source"], noah["rate_closed_opportunities"]) == ("team", 5)
    # won P1 10,000, P3 30,000, P6 40,000 -> 80,000 / 3
    assert noah["avg_deal_size_used"] == pytest.approx(80_000 / 3)
    # reached qualification: all 5, 3 won -> 0.6; presentation: P1, P2, P3, P6 -> 0.75
    assert noah["stage_to_win_rate_qualification_used"] == pytest.approx(0.6)
    assert noah["stage_to_win_rate_presentation_used"] == pytest.approx(0.75)
    # team activities 15 (Mia) + 9 (Noah: T9-T11, T15-T18, E3, the Umbrella check-in) = 24;
    # qualified P1, P2, P3, P4, P6 = 5 -> 4.8
    assert noah["activities_per_qualified_opportunity_used"] == pytest.approx(4.8)
    # 50,000 - 40,000 = 10,000 -> ceil(0.375) = 1 won; ceil(1 / 0.6) = 2 qualifications;
    # ceil(1 / 0.75) = 2 presentations; ceil(2 x 4.8) = ceil(9.6) = 10 activities
    assert noah["remaining_amount"] == pytest.approx(10_000)
    assert noah["required_won_deals"] == 1
    assert noah["required_qualification_opportunities"] == 2
    assert noah["required_presentation_opportunities"] == 2
    assert noah["required_activities"] == 10


# --- kpi_deal_risks -----------------------------------------------------------------------------


def risk(con: duckdb.DuckDBPyConnection, n: int) -> dict:
    return one(con, "select * from marts.kpi_deal_risks where opportunity_id = ?", [_opp(n)])


def test_deal_risks(con):
    open_deals = con.execute(
        "select opportunity_id from marts.kpi_deal_risks order by 1"
    ).fetchall()
    assert open_deals == [(_opp(4),), (_opp(7),), (_opp(8),)]

    p4 = risk(con, 4)
    # back in presentation since 05-05 -> 10 days. Presentation visits completed in the last
    # 365 days: P1 14, P2 21, P6 21, P4 14 = 4 < 5 for the team -> company p75 of 14 14 21 21
    # = 21 -> not stalled
    assert (p4["current_stage"], p4["days_in_stage"]) == ("presentation", 10)
    assert (p4["stage_p75_days"], p4["stage_p75_source"]) == (pytest.approx(21), "company")
    assert p4["is_stalled"] is False
    # last completed activity: the calendar follow-up 04-30 17:00 (T14 is not done) -> 15
    # days >= 14 -> inactive
    assert p4["last_activity_at"] == datetime(2025, 4, 30, 17, 0, tzinfo=UTC)
    assert (p4["days_since_last_activity"], p4["is_inactive"]) == (15, True)
    # qualification: T12 call; proposal: the follow-up meeting; presentation (two visits):
    # nothing -> the demo-or-meeting requirement is missing
    assert p4["missing_playbook_activities"] == "presentation:demo_or_meeting"
    assert p4["is_missing_playbook_activity"] is True

    p7 = risk(con, 7)
    # qualification since 04-22 = 23 days; team p75 of the 6 qualification visits
    # 7 7 7 7 14 28 = 7 + 0.75 x 7 = 12.25 -> stalled; no activity, 23 days old -> inactive
    assert (p7["days_in_stage"], p7["stage_p75_source"]) == (23, "team")
    assert p7["stage_p75_days"] == pytest.approx(12.25)
    assert (p7["is_stalled"], p7["is_inactive"]) == (True, True)
    assert p7["days_since_last_activity"] is None
    assert p7["missing_playbook_activities"] == "qualification:discovery_conversation"

    p8 = risk(con, 8)
    # T13 call 05-13 and Noah's check-in 05-14 -> 1 day; playbook met
    assert (p8["days_since_last_activity"], p8["is_inactive"], p8["is_stalled"]) == (
        1,
        False,
        False,
    )
    assert p8["missing_playbook_activities"] is None
    assert p8["is_missing_playbook_activity"] is False


def test_every_catalogue_mart_exists_with_the_as_of_date(con):
    marts = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    }
    assert {
        "kpi_funnel_conversion",
        "kpi_stage_duration",
        "kpi_sales_velocity",
        "kpi_activity_effectiveness",
        "kpi_target_pacing",
        "kpi_goal_plan",
        "kpi_deal_risks",
    } <= marts
    for name in marts:
        values = con.execute(f"select distinct as_of_date from marts.{name}").fetchall()
        assert values == [(AS_OF,)], name
