"""Known-answer test: a hand-built export through the real ingestion and `dbt build`.

The fixture in tests/fixtures/known_answer/ is written the way Salesforce Data Loader exports
(API field names, every field double-quoted, `2025-03-04T14:00:00.000Z` datetimes,
`true`/`false`), plus a quota sheet and one ICS calendar. Every expected number below is
worked out by hand from those files - never by running the project's SQL - so a change in
the marts' arithmetic shows up here.

The cast (User.csv; teams are the Department field):
    Alice Zhang  005000000000002AAA  Enterprise
    Bob Miller   005000000000003AAA  Enterprise   (e-mail exported as Bob.Miller@Acme.example)
    Dana Kowalski 005000000000004AAA Mid-Market
    Carol Chen   005000000000001AAA  Sales Leadership (manager; owns nothing)

Opportunities (Opportunity.csv / OpportunityHistory.csv), amounts in USD unless noted:
    O1 Alice  55,000        created 2025-01-06  won  2025-02-28
       history: Prospecting -> Needs Analysis (01-10) -> amount edit 50k->55k, same stage
       (01-20) -> Proposal (02-03) -> Negotiation (02-17) -> Closed Won (02-28)
    O2 Alice  40,000 EUR    created 2025-01-15  won  2025-03-14
       history: Qualification -> Proposal/Price Quote (01-22, skips presentation)
       -> Negotiation (02-24) -> Closed Won (03-14)
    O3 Alice  30,000        created 2025-02-03  lost 2025-03-20
    O4 Alice  25,000        created 2025-03-10  open; history Qualification -> Perception
       Analysis (03-17) -> Proposal (03-24) -> Needs Analysis (03-31, a regression)
    O5 Bob    80,000        created 2024-12-10  won  2025-03-07
    O6 Bob    20,000        created 2025-01-20  lost 2025-02-10
    O7 Bob    15,000        created 2025-02-05  lost 2025-03-28; history Prospecting ->
       Qualification (02-07, same canonical stage) -> Needs Analysis (02-20) -> Closed Lost
    O8 Dana   12,000        created 2025-02-10  won  2025-03-10
    O9 Dana    9,000        created 2025-03-20  won  2025-04-15 (Q2)
    O10 Bob    5,000        deleted (IsDeleted = true): must not count anywhere

Quotas (targets/quotas.csv), USD: 2025-Q1 Alice 120,000, Bob 100,000, Dana 20,000, team
Enterprise 250,000 (its own row); 2025-Q2 Dana 25,000; 2025-03 (a month) Alice 50,000.

currency_rates seed: EUR -> USD is 1.08 from 2025-03-01, so O2 (closed 2025-03-14) is worth
40,000 * 1.08 = 43,200 USD.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
from warehouse_builder import REPO, build_warehouse

FIXTURE = REPO / "tests" / "fixtures" / "known_answer"
AS_OF = date(2025, 4, 30)

ALICE = "005000000000002AAA"
BOB = "005000000000003AAA"
DANA = "005000000000004AAA"
Q1 = date(2025, 1, 1)


def _opp(n: int) -> str:
    return f"006{n:012d}AAA"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ingest the fixture with the real dlt ingestion, then `dbt build` the whole project."""
    warehouse_path = tmp_path_factory.mktemp("known_answer") / "warehouse" / "crm_kpi.duckdb"
    build_warehouse(FIXTURE, warehouse_path, {"as_of_date": AS_OF.isoformat()})
    return warehouse_path


@pytest.fixture(scope="module")
def con(warehouse: Path):
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


def kpi(
    con: duckdb.DuckDBPyConnection, scope: str, scope_id: str | None, grain: str, start: date
) -> dict:
    rows = con.execute(
        """
        select * from marts.kpi_rep_period_performance
        where scope = ? and scope_id is not distinct from ? and period_grain = ?
          and period_start = ?
        """,
        [scope, scope_id, grain, start],
    ).fetchall()
    assert len(rows) == 1, (scope, scope_id, grain, start, rows)
    columns = [d[0] for d in con.description]
    return dict(zip(columns, rows[0], strict=True))


def transition(con: duckdb.DuckDBPyConnection, opportunity: int, number: int) -> dict:
    rows = con.execute(
        "select * from marts.fct_stage_transitions where stage_transition_id = ?",
        [f"{_opp(opportunity)}:{number}"],
    ).fetchall()
    assert len(rows) == 1, (opportunity, number, rows)
    columns = [d[0] for d in con.description]
    return dict(zip(columns, rows[0], strict=True))


def test_alice_q1(con):
    row = kpi(con, "rep", ALICE, "quarter", Q1)
    # created in Q1: O1 (01-06), O2 (01-15), O3 (02-03), O4 (03-10)
    assert row["opportunities_created"] == 4
    # closed in Q1: won O1 (02-28), O2 (03-14); lost O3 (03-20)
    assert row["opportunities_won"] == 2
    assert row["opportunities_lost"] == 1
    assert row["win_rate"] == pytest.approx(2 / 3)
    # won: 55,000 + 40,000 EUR * 1.08 = 55,000 + 43,200 = 98,200 USD
    assert row["won_amount"] == pytest.approx(98_200)
    assert row["avg_deal_size"] == pytest.approx(98_200 / 2)  # 49,100
    # cycles: O1 2025-01-06 -> 02-28 = 25 + 28 = 53 days; O2 01-15 -> 03-14 = 16 + 28 + 14 = 58
    assert row["avg_sales_cycle_days"] == pytest.approx((53 + 58) / 2)  # 55.5
    assert row["median_sales_cycle_days"] == pytest.approx((53 + 58) / 2)  # 55.5
    # target 120,000 -> 98,200 / 120,000
    assert row["target_amount"] == pytest.approx(120_000)
    assert row["attainment"] == pytest.approx(98_200 / 120_000)  # 0.818333...
    # completed activities dated in Q1: tasks T1 call, T2 email, T3 call, T5 to-do; events E1
    # (demo), E2 (meeting). T6 is not completed (Not Started, due 04-07).
    assert row["activities"] == 6
    assert row["calls"] == 2
    assert row["as_of_date"] == AS_OF


def test_bob_q1_counts_the_quarter_of_closing_not_of_creation(con):
    row = kpi(con, "rep", BOB, "quarter", Q1)
    # created in Q1: O6, O7 (O5 was created 2024-12-10; O10 is deleted)
    assert row["opportunities_created"] == 2
    # won O5 (03-07); lost O6 (02-10), O7 (03-28)
    assert (row["opportunities_won"], row["opportunities_lost"]) == (1, 2)
    assert row["win_rate"] == pytest.approx(1 / 3)
    # O5: 2024-12-10 -> 2025-03-07 = 21 + 31 + 28 + 7 = 87 days
    assert row["avg_sales_cycle_days"] == pytest.approx(87)
    assert row["median_sales_cycle_days"] == pytest.approx(87)
    assert row["attainment"] == pytest.approx(80_000 / 100_000)


def test_enterprise_team_q1_uses_its_own_target(con):
    row = kpi(con, "team", "Enterprise", "quarter", Q1)
    # Alice + Bob
    assert row["opportunities_created"] == 4 + 2
    assert (row["opportunities_won"], row["opportunities_lost"]) == (2 + 1, 1 + 2)
    assert row["win_rate"] == pytest.approx(3 / 6)
    # 55,000 + 43,200 + 80,000 = 178,200
    assert row["won_amount"] == pytest.approx(178_200)
    assert row["avg_deal_size"] == pytest.approx(178_200 / 3)  # 59,400
    # cycles 53, 58, 87: mean 198 / 3 = 66, median 58
    assert row["avg_sales_cycle_days"] == pytest.approx(66)
    assert row["median_sales_cycle_days"] == pytest.approx(58)
    # the sheet's team row (250,000) wins over Alice + Bob's 220,000
    assert row["target_amount"] == pytest.approx(250_000)
    assert row["attainment"] == pytest.approx(178_200 / 250_000)  # 0.7128
    assert (row["activities"], row["calls"]) == (6 + 3, 2 + 2)


def test_mid_market_team_q1_rolls_up_rep_targets(con):
    row = kpi(con, "team", "Mid-Market", "quarter", Q1)
    # Dana only: O8 won (02-10 -> 03-10 = 28 days); O9 created in Q1, won in Q2
    assert (row["opportunities_created"], row["opportunities_won"]) == (2, 1)
    assert row["win_rate"] == pytest.approx(1.0)
    assert row["median_sales_cycle_days"] == pytest.approx(28)
    # no team row in the sheet: Dana's 20,000
    assert row["attainment"] == pytest.approx(12_000 / 20_000)


def test_company_q1(con):
    row = kpi(con, "company", None, "quarter", Q1)
    # Enterprise (6 created, 3 won, 3 lost) + Mid-Market (2 created, 1 won, 0 lost)
    assert row["opportunities_created"] == 8
    assert (row["opportunities_won"], row["opportunities_lost"]) == (4, 3)
    assert row["opportunities_closed"] == 7
    assert row["win_rate"] == pytest.approx(4 / 7)
    # 178,200 + 12,000 = 190,200
    assert row["won_amount"] == pytest.approx(190_200)
    assert row["avg_deal_size"] == pytest.approx(190_200 / 4)  # 47,550
    # cycles 53, 58, 87, 28: mean 226 / 4 = 56.5; sorted 28, 53, 58, 87 -> median 55.5
    assert row["sales_cycle_days_sum"] == 226
    assert row["avg_sales_cycle_days"] == pytest.approx(56.5)
    assert row["median_sales_cycle_days"] == pytest.approx(55.5)
    # team targets: Enterprise 250,000 (own) + Mid-Market 20,000 (rolled up) = 270,000
    assert row["target_amount"] == pytest.approx(270_000)
    assert row["attainment"] == pytest.approx(190_200 / 270_000)  # 0.70444...
    # activities: Alice 6 + Bob 3 (T4, T8 account call, E3) + Dana 2 (T7, E4)
    assert (row["activities"], row["calls"]) == (11, 5)


def test_targets_attach_only_to_their_own_grain(con):
    # Alice's 2025-03 month target: March won = O2 only, 43,200
    march = kpi(con, "rep", ALICE, "month", date(2025, 3, 1))
    assert march["target_amount"] == pytest.approx(50_000)
    assert march["attainment"] == pytest.approx(43_200 / 50_000)  # 0.864
    # no month target for February (the quarter target is not pro-rated)
    february = kpi(con, "rep", ALICE, "month", date(2025, 2, 1))
    assert february["won_amount"] == pytest.approx(55_000)
    assert february["target_amount"] is None
    assert february["attainment"] is None
    # weeks never carry targets; ISO week of 2025-03-10 starts on Monday 03-10
    week = kpi(con, "rep", ALICE, "week", date(2025, 3, 10))
    assert week["opportunities_created"] == 1  # O4
    assert week["target_amount"] is None
    # Q2 so far (as of 2025-04-30): Dana won O9 (9,000) against 25,000
    q2 = kpi(con, "rep", DANA, "quarter", date(2025, 4, 1))
    assert q2["attainment"] == pytest.approx(9_000 / 25_000)
    # nothing closed by Alice in Q2: win rate is null, not 0
    assert kpi(con, "rep", ALICE, "quarter", date(2025, 4, 1))["win_rate"] is None


def test_stage_transitions(con):
    o1 = con.execute(
        "select count(*) from marts.fct_stage_transitions where opportunity_id = ?", [_opp(1)]
    ).fetchone()
    # 6 history rows, one of them the amount-only edit of 01-20: 5 transitions
    assert o1 == (5,)

    creation = transition(con, 1, 1)
    assert creation["from_stage"] is None
    assert creation["to_stage"] == "qualification"
    assert creation["rep_id"] == ALICE

    to_proposal = transition(con, 1, 3)
    assert (to_proposal["from_stage"], to_proposal["to_stage"]) == ("presentation", "proposal")
    # presentation entered 01-10 (the 01-20 edit does not restart it): 2025-02-03 - 01-10
    assert to_proposal["days_in_from_stage"] == 21 + 3  # 24
    # during presentation [01-10 11:00, 02-03 16:00): E1 demo 01-14, T2 e-mail 01-21
    assert to_proposal["activities_in_from_stage"] == 2
    assert to_proposal["is_forward"] and not to_proposal["is_skip"]
    assert to_proposal["transitioned_at"] == datetime(2025, 2, 3, 16, 0, tzinfo=UTC)

    skip = transition(con, 2, 2)
    assert (skip["from_stage"], skip["to_stage"]) == ("qualification", "proposal")
    assert skip["is_skip"] and skip["is_forward"] and not skip["is_regression"]
    assert skip["days_in_from_stage"] == 22 - 15  # 7

    regression = transition(con, 4, 4)
    assert (regression["from_stage"], regression["to_stage"]) == ("proposal", "presentation")
    assert regression["is_regression"] and not regression["is_forward"]

    # O7: Prospecting -> Qualification is one canonical stage, so creation, presentation, lost
    o7 = con.execute(
        """
        select to_stage from marts.fct_stage_transitions
        where opportunity_id = ? order by transition_number
        """,
        [_opp(7)],
    ).fetchall()
    assert o7 == [("qualification",), ("presentation",), ("lost",)]


def test_opportunities(con):
    o2 = con.execute(
        """
        select amount, currency, amount_reporting, reached_presentation_at, reached_proposal_at,
               sales_cycle_days
        from marts.fct_opportunities where opportunity_id = ?
        """,
        [_opp(2)],
    ).fetchone()
    skipped_into_proposal = datetime(2025, 1, 22, 14, 0, tzinfo=UTC)
    assert o2 == (
        40_000,
        "EUR",
        pytest.approx(43_200),
        skipped_into_proposal,  # presentation was skipped: back-filled with proposal's date
        skipped_into_proposal,
        58,
    )
    deleted = con.execute(
        "select count(*) from marts.fct_opportunities where opportunity_id = ?", [_opp(10)]
    ).fetchone()
    assert deleted == (0,)


def test_every_mart_carries_the_as_of_date(con):
    marts = [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    ]
    assert {
        "fct_opportunities",
        "fct_stage_transitions",
        "fct_activities",
        "fct_sales_targets",
        "dim_reps",
        "dim_dates",
        "kpi_rep_period_performance",
    } <= set(marts)
    for name in marts:
        values = con.execute(f"select distinct as_of_date from marts.{name}").fetchall()
        assert values == [(AS_OF,)], name
