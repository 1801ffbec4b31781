"""A small published warehouse built by hand, for the app's tests: no ingestion, no dbt.

Every mart is created with exactly the columns and types of its dbt contract (the marts' YAML,
enforced by dbt), filled with the few rows a test states, and published by the real
`publish_marts`, which adds meta.publication and the quarantine summary. So the app reads
the same schema as on a real refresh, and the expected numbers are the ones written below.

The hand-made numbers (as of Wednesday 2025-05-14; Q2 2025 is the partial quarter):
- reps: r1 Ada Lovelace and r2 Alan Turing in EMEA, r3 Grace Hopper in US;
- Q1 (complete): company won 4 deals, 400,000; Q2: company won 1 deal (r1, 100,000 on
  2025-04-20) against a target of 1,100,000;
- rep targets of Q2 (kpi_target_pacing): r1 600,000, r2 100,000, r3 400,000; 44 of 91 days
  elapsed;
- goal plans of Q2: r1 target 600,000 with 100,000 won, average deal 100,000, P(won |
  presentation) 25 %; r3 target 400,000, nothing won, average deal 80,000, 20 %.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb
import yaml

from orchestration.publish import publish_marts

REPO = Path(__file__).resolve().parents[1]
MARTS_MODELS = REPO / "dbt_project" / "models" / "marts"
AS_OF = dt.date(2025, 5, 14)
Q1 = dt.date(2025, 1, 1)
Q2 = dt.date(2025, 4, 1)
Q2_END = dt.date(2025, 6, 30)
RUN_ID = "fixture-run-1"
CHECKS_REQUIRED = 7

Rows = Mapping[str, Iterable[Mapping[str, Any]]]


def mart_contracts() -> dict[str, list[tuple[str, str]]]:
    """Model name -> its contract's (column, data_type), from the marts' YAML files."""
    contracts: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(MARTS_MODELS.rglob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for model in document.get("models", []):
            columns = [(c["name"], c["data_type"]) for c in model.get("columns", [])]
            if columns and all(data_type for _, data_type in columns):
                contracts[model["name"]] = columns
    return contracts


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _create(
    connection: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]]
) -> None:
    ddl = ", ".join(f"{_quote(name)} {data_type}" for name, data_type in columns)
    connection.execute(f"create table {table} ({ddl})")


def _insert(
    connection: duckdb.DuckDBPyConnection, table: str, rows: Iterable[Mapping[str, Any]]
) -> None:
    for row in rows:
        names = ", ".join(_quote(name) for name in row)
        marks = ", ".join("?" for _ in row)
        connection.execute(f"insert into {table} ({names}) values ({marks})", list(row.values()))


def build_published(
    published: Path,
    rows: Rows,
    *,
    extra_tables: Mapping[str, list[tuple[str, str]]] | None = None,
    extra_columns: Mapping[str, list[tuple[str, str]]] | None = None,
    without: Iterable[str] = (),
    quarantine: Rows | None = None,
) -> Path:
    """Publish `rows` (mart -> rows; columns not given are null) to `published`.

    `extra_tables` / `extra_columns` add marts or columns that are not in the contracts yet;
    `without` leaves marts out, as an older warehouse would.
    """
    working = published.with_name(f"working_{published.name}")
    working.unlink(missing_ok=True)
    marts = {
        name: columns for name, columns in mart_contracts().items() if name not in set(without)
    }
    for name, columns in (extra_columns or {}).items():
        marts[name] = [*marts[name], *columns]
    marts.update(extra_tables or {})
    unknown = set(rows) - set(marts)
    assert not unknown, f"rows for marts that are not published: {unknown}"
    with duckdb.connect(str(working)) as connection:
        connection.execute("create schema marts")
        for name, columns in marts.items():
            _create(connection, f"marts.{name}", columns)
            _insert(connection, f"marts.{name}", rows.get(name, []))
        connection.execute("create schema quarantine")
        _create(
            connection,
            "quarantine.file_loads",
            [
                ("source_name", "varchar"),
                ("table_name", "varchar"),
                ("source_file", "varchar"),
                ("rows_in", "bigint"),
                ("rows_loaded", "bigint"),
                ("rows_quarantined", "bigint"),
                ("loaded_at", "timestamptz"),
            ],
        )
        _create(
            connection,
            "quarantine.rejected_rows",
            [
                ("source_file", "varchar"),
                ("source_row", "bigint"),
                ("column_name", "varchar"),
                ("reason", "varchar"),
                ("raw_record", "varchar"),
            ],
        )
        _create(
            connection,
            "quarantine.rejected_files",
            [
                ("source_file", "varchar"),
                ("reason", "varchar"),
                ("source_name", "varchar"),
                ("table_name", "varchar"),
                ("rejected_at", "timestamptz"),
            ],
        )
        for table, table_rows in (quarantine or {}).items():
            _insert(connection, f"quarantine.{table}", table_rows)
    publish_marts(
        working, published, list(marts), RUN_ID, extra={"checks_required": CHECKS_REQUIRED}
    )
    working.unlink()
    return published


def _performance(scope: str, scope_id: str | None, start: dt.date, **kpis: Any) -> dict[str, Any]:
    return {
        "scope": scope,
        "scope_id": scope_id,
        "period_grain": "quarter",
        "period_start": start,
        "as_of_date": AS_OF,
        **kpis,
    }


def _effectiveness(rep: str, team: str, stage: str, **figures: Any) -> dict[str, Any]:
    return {
        "rep_id": rep,
        "team": team,
        "period_grain": "quarter",
        "period_start": Q2,
        "stage": stage,
        "as_of_date": AS_OF,
        **figures,
    }


STAGES = ("qualification", "presentation", "proposal", "contract")
# rep-period figures, repeated on every stage row as kpi_activity_effectiveness does today
_REP_PERIOD = {
    "r1": {"activities": 20, "calls": 8, "qualified_opportunities": 4,
           "activities_per_qualified_opportunity": 5.0, "calls_per_qualified_opportunity": 2.0},
    "r2": {"activities": 10, "calls": 4, "qualified_opportunities": 2,
           "activities_per_qualified_opportunity": 5.0, "calls_per_qualified_opportunity": 2.0},
    "r3": {"activities": 20, "calls": 8, "qualified_opportunities": 0,
           "activities_per_qualified_opportunity": None, "calls_per_qualified_opportunity": None},
}  # fmt: skip
_FOLLOWUPS = {
    # (rep, stage): advanced visits, follow-ups sum, mean, team median, low follow-up
    ("r1", "qualification"): (3, 12, 4.0, 4.0, False),
    ("r1", "presentation"): (2, 2, 1.0, 3.0, True),  # 1.0 < 0.5 x 3.0
    ("r2", "presentation"): (1, 5, 5.0, 3.0, False),
}
_TEAMS = {"r1": "EMEA", "r2": "EMEA", "r3": "US"}


def _goal_plan(
    rep: str, target: float, won: float, avg_deal: float, rates: tuple[float, ...], **extra: Any
) -> dict[str, Any]:
    qualification, presentation, proposal, contract = rates
    return {
        "sales_target_id": f"t_{rep}_q2",
        "rep_id": rep,
        "team": _TEAMS[rep],
        "period_grain": "quarter",
        "period_start": Q2,
        "period_end": Q2_END,
        "target_amount": target,
        "won_to_date": won,
        "remaining_amount": max(target - won, 0),
        "rate_source": "rep" if rep == "r1" else "team",
        "rate_closed_opportunities": 12,
        "avg_deal_size_used": avg_deal,
        "stage_to_win_rate_qualification_used": qualification,
        "stage_to_win_rate_presentation_used": presentation,
        "stage_to_win_rate_proposal_used": proposal,
        "stage_to_win_rate_contract_used": contract,
        "activities_per_qualified_opportunity_used": 6.0,
        "days_left": 47,  # 2025-05-15 .. 2025-06-30
        "weeks_left": 47 / 7,
        "as_of_date": AS_OF,
        **extra,
    }


def fixture_rows() -> dict[str, list[dict[str, Any]]]:
    """The marts of the module docstring, in the columns of today's contracts."""
    pacing_days = {"elapsed_days": 44, "period_days": 91}  # 2025-04-01 .. 2025-05-14 of 91
    return {
        "dim_reps": [
            {"rep_id": "r1", "rep_name": "Ada Lovelace", "team": "EMEA", "as_of_date": AS_OF},
            {"rep_id": "r2", "rep_name": "Alan Turing", "team": "EMEA", "as_of_date": AS_OF},
            {"rep_id": "r3", "rep_name": "Grace Hopper", "team": "US", "as_of_date": AS_OF},
        ],
        "dim_dates": [
            {"date_day": Q1, "fiscal_year": 2025, "fiscal_quarter": 1, "as_of_date": AS_OF},
            {"date_day": Q2, "fiscal_year": 2025, "fiscal_quarter": 2, "as_of_date": AS_OF},
        ],
        "dim_accounts": [
            {"account_id": "a1", "account_name": "Acme", "as_of_date": AS_OF},
            {"account_id": "a2", "account_name": "Globex", "as_of_date": AS_OF},
        ],
        "fct_opportunities": [
            {"opportunity_id": "o1", "opportunity_name": "Acme renewal", "rep_id": "r1",
             "is_won": True, "is_closed": True, "closed_date": dt.date(2025, 4, 20),
             "amount_reporting": 100_000.0, "as_of_date": AS_OF},
            {"opportunity_id": "o2", "opportunity_name": "Acme expansion", "rep_id": "r1",
             "is_won": False, "is_closed": False, "amount_reporting": 50_000.0,
             "as_of_date": AS_OF},
            {"opportunity_id": "o3", "opportunity_name": "Globex pilot", "rep_id": "r3",
             "is_won": False, "is_closed": False, "amount_reporting": 30_000.0,
             "as_of_date": AS_OF},
        ],
        "kpi_rep_period_performance": [
            _performance("company", None, Q1, opportunities_created=10, opportunities_won=4,
                         opportunities_lost=4, opportunities_closed=8, win_rate=0.5,
                         won_amount=400_000.0, avg_deal_size=100_000.0, activities=120,
                         calls=60, target_amount=800_000.0, attainment=0.5),
            _performance("company", None, Q2, opportunities_created=6, opportunities_won=1,
                         opportunities_lost=1, opportunities_closed=2, win_rate=0.5,
                         won_amount=100_000.0, avg_deal_size=100_000.0, activities=50,
                         calls=20, target_amount=1_100_000.0, attainment=100_000 / 1_100_000),
            _performance("team", "EMEA", Q2, opportunities_created=4, opportunities_won=1,
                         opportunities_lost=0, opportunities_closed=1, win_rate=1.0,
                         won_amount=100_000.0, activities=30, calls=12,
                         target_amount=700_000.0, attainment=100_000 / 700_000),
            _performance("rep", "r1", Q2, opportunities_created=3, opportunities_won=1,
                         opportunities_lost=0, opportunities_closed=1, win_rate=1.0,
                         won_amount=100_000.0, activities=20, calls=8,
                         target_amount=600_000.0, attainment=100_000 / 600_000),
        ],
        "kpi_target_pacing": [
            {"sales_target_id": f"t_{rep}_q2", "rep_id": rep, "team": _TEAMS[rep],
             "period_grain": "quarter", "period_start": Q2, "period_end": Q2_END,
             "target_amount": target, "won_to_date": won, **pacing_days,
             "expected_to_date": target * 44 / 91, "as_of_date": AS_OF}
            for rep, target, won in (("r1", 600_000.0, 100_000.0), ("r2", 100_000.0, 0.0),
                                     ("r3", 400_000.0, 0.0))
        ],
        "kpi_funnel_conversion": [
            {"scope": scope, "scope_id": scope_id, "period_grain": "quarter", "period_start": Q2,
             "from_stage": stage, "from_stage_order": order, "to_stage": to_stage,
             "reached_count": reached, "advanced_count": advanced, "dropped_count": dropped,
             "open_count": reached - advanced - dropped,
             "conversion_rate": advanced / (advanced + dropped), "won_count": won,
             "lost_count": lost, "stage_to_win_rate": won / (won + lost), "as_of_date": AS_OF}
            for scope, scope_id, stage, order, to_stage, reached, advanced, dropped, won, lost in (
                ("company", None, "qualification", 1, "presentation", 6, 4, 1, 1, 1),
                ("company", None, "presentation", 2, "proposal", 4, 2, 1, 1, 1),
                ("team", "EMEA", "qualification", 1, "presentation", 4, 3, 1, 1, 0),
                ("rep", "r1", "qualification", 1, "presentation", 3, 2, 1, 1, 0),
            )
        ],
        "kpi_stage_duration": [
            {"scope": "company", "scope_id": None, "period_grain": "quarter", "period_start": Q2,
             "stage": stage, "stage_order": order, "visits_completed": visits,
             "days_in_stage_sum": total, "mean_days": total / visits, "median_days": median,
             "p75_days": p75, "open_visits": open_visits, "as_of_date": AS_OF}
            for stage, order, visits, total, median, p75, open_visits in (
                ("qualification", 1, 5, 50, 9.0, 14.0, 2),
                ("presentation", 2, 3, 60, 18.0, 25.0, 1),
            )
        ],
        "kpi_deal_risks": [
            {"opportunity_id": "o2", "rep_id": "r1", "team": "EMEA", "account_id": "a1",
             "amount_reporting": 50_000.0, "current_stage": "presentation", "days_in_stage": 40,
             "stage_p75_days": 25.0, "stage_p75_source": "team", "is_stalled": True,
             "days_since_last_activity": 20, "is_inactive": True,
             "missing_playbook_activities": "presentation:demo",
             "missing_playbook_requirement_count": 1, "is_missing_playbook_activity": True,
             "as_of_date": AS_OF},
            {"opportunity_id": "o3", "rep_id": "r3", "team": "US", "account_id": "a2",
             "amount_reporting": 30_000.0, "current_stage": "qualification", "days_in_stage": 5,
             "stage_p75_days": 14.0, "stage_p75_source": "company", "is_stalled": False,
             "days_since_last_activity": 2, "is_inactive": False,
             "missing_playbook_requirement_count": 0, "is_missing_playbook_activity": False,
             "as_of_date": AS_OF},
        ],
        "kpi_activity_effectiveness": [
            _effectiveness(rep, _TEAMS[rep], stage, **_REP_PERIOD[rep], **dict(zip(
                ("advanced_visits", "followups_before_advance_sum",
                 "followups_before_advance_mean", "team_median_followups", "is_low_followup"),
                _FOLLOWUPS.get((rep, stage), (0, 0, None, None, None)), strict=True)))
            for rep in ("r1", "r2", "r3")
            for stage in STAGES
        ],
        "kpi_goal_plan": [
            _goal_plan("r1", 600_000.0, 100_000.0, 100_000.0, (0.2, 0.25, 0.5, 0.8)),
            _goal_plan("r3", 400_000.0, 0.0, 80_000.0, (0.2, 0.2, 0.4, 0.8)),
        ],
    }  # fmt: skip


def fixture_quarantine() -> dict[str, list[dict[str, Any]]]:
    loaded_at = dt.datetime(2025, 5, 14, 6, 0, tzinfo=dt.UTC)
    return {
        "file_loads": [
            {"source_name": "salesforce", "table_name": "opportunity",
             "source_file": "salesforce/Opportunity.csv", "rows_in": 12, "rows_loaded": 10,
             "rows_quarantined": 2, "loaded_at": loaded_at},
            {"source_name": "calendar", "table_name": "calendar_event",
             "source_file": "calendar/ada.ics", "rows_in": 30, "rows_loaded": 30,
             "rows_quarantined": 0, "loaded_at": loaded_at},
        ],
        "rejected_rows": [
            {"source_file": "salesforce/Opportunity.csv", "source_row": row,
             "column_name": "Amount", "reason": "negative amount", "raw_record": "{}"}
            for row in (4, 9)
        ],
        "rejected_files": [
            {"source_file": "hubspot/deals.xlsx", "reason": "not a readable workbook",
             "source_name": "hubspot", "table_name": "deal", "rejected_at": loaded_at},
        ],
    }  # fmt: skip


# The marts and columns agreed for the next versions (kpi_definitions.md): the app shows them
# once a warehouse carries them.
NEXT_TABLES = {
    "kpi_pipeline_coverage": [
        ("scope", "varchar"), ("scope_id", "varchar"), ("period_grain", "varchar"),
        ("period_start", "date"), ("period_end", "date"), ("current_stage", "varchar"),
        ("open_pipeline_amount", "double"), ("weighted_pipeline_amount", "double"),
        ("stage_to_win_rate_used", "double"), ("remaining_target", "double"),
        ("coverage", "double"), ("as_of_date", "date"),
    ],
    "kpi_activity_outcomes": [
        ("scope", "varchar"), ("scope_id", "varchar"), ("period_grain", "varchar"),
        ("period_start", "date"), ("activity_type", "varchar"),
        ("planned_activities", "bigint"), ("completed_activities", "bigint"),
        ("completion_rate", "double"), ("responded_activities", "bigint"),
        ("response_rate", "double"), ("as_of_date", "date"),
    ],
    "kpi_activity_productivity": [
        ("scope", "varchar"), ("scope_id", "varchar"), ("period_grain", "varchar"),
        ("period_start", "date"), ("activities", "bigint"), ("calls", "bigint"),
        ("meetings_demos", "bigint"), ("emails", "bigint"), ("qualified_opportunities", "bigint"),
        ("activities_per_qualified_opportunity", "double"),
        ("calls_per_qualified_opportunity", "double"), ("as_of_date", "date"),
    ],
}  # fmt: skip
NEXT_COLUMNS = {
    "kpi_rep_period_performance": [("is_partial_period", "boolean")],
    "kpi_goal_plan": [
        ("scope", "varchar"), ("scope_id", "varchar"),
        ("calls_per_qualified_opportunity_used", "double"),
        ("meetings_demos_per_qualified_opportunity_used", "double"),
        ("emails_per_qualified_opportunity_used", "double"),
    ],
}  # fmt: skip


def next_version_rows() -> dict[str, list[dict[str, Any]]]:
    """fixture_rows() plus the agreed marts and columns of the next versions."""
    rows = fixture_rows()
    for row in rows["kpi_rep_period_performance"]:
        row["is_partial_period"] = row["period_start"] == Q2
    by_type = {
        "calls_per_qualified_opportunity_used": 2.5,
        "meetings_demos_per_qualified_opportunity_used": 1.5,
        "emails_per_qualified_opportunity_used": 3.0,
    }
    for row in rows["kpi_goal_plan"]:
        row.update(scope="rep", scope_id=row["rep_id"], **by_type)
    rows["kpi_goal_plan"].append(
        _goal_plan("r1", 1_100_000.0, 100_000.0, 100_000.0, (0.2, 0.25, 0.5, 0.8),
                   **by_type) | {"sales_target_id": "t_company_q2", "scope": "company",
                                 "scope_id": None, "rep_id": None, "team": None}
    )  # fmt: skip
    rows["kpi_pipeline_coverage"] = [
        {"scope": "company", "scope_id": None, "period_grain": "quarter", "period_start": Q2,
         "period_end": Q2_END, "current_stage": stage, "open_pipeline_amount": amount,
         "weighted_pipeline_amount": amount * rate, "stage_to_win_rate_used": rate,
         "remaining_target": 1_000_000.0, "coverage": amount / 1_000_000, "as_of_date": AS_OF}
        for stage, amount, rate in (("qualification", 200_000.0, 0.2),
                                    ("presentation", 300_000.0, 0.25))
    ]  # fmt: skip
    rows["kpi_activity_outcomes"] = [
        {"scope": "rep", "scope_id": "r1", "period_grain": "quarter", "period_start": Q2,
         "activity_type": kind, "planned_activities": planned, "completed_activities": done,
         "completion_rate": done / planned, "responded_activities": responded,
         "response_rate": None if responded is None else responded / done, "as_of_date": AS_OF}
        for kind, planned, done, responded in (("call", 10, 8, 4), ("email", 12, 12, None))
    ]  # fmt: skip
    rows["kpi_activity_productivity"] = [
        {"scope": "company", "scope_id": None, "period_grain": "quarter", "period_start": Q2,
         "activities": 50, "calls": 20, "meetings_demos": 10, "emails": 15,
         "qualified_opportunities": 6, "activities_per_qualified_opportunity": 50 / 6,
         "calls_per_qualified_opportunity": 20 / 6, "as_of_date": AS_OF},
        {"scope": "rep", "scope_id": "r1", "period_grain": "quarter", "period_start": Q2,
         "activities": 20, "calls": 8, "meetings_demos": 4, "emails": 6,
         "qualified_opportunities": 4, "activities_per_qualified_opportunity": 5.0,
         "calls_per_qualified_opportunity": 2.0, "as_of_date": AS_OF},
    ]  # fmt: skip
    return rows
