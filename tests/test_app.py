"""The KPI app's pages under Streamlit's AppTest, on the hand-built published warehouse of
tests/published_fixture.py: every number shown is the mart's (worked out by hand there)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import published_fixture as fixture
import pytest
from streamlit.testing.v1 import AppTest

from kpi_app.app import PAGES

APP = Path(__file__).resolve().parents[1] / "kpi_app" / "streamlit_app.py"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("app") / "crm_kpi.duckdb"
    return fixture.build_published(
        path, fixture.fixture_rows(), quarantine=fixture.fixture_quarantine()
    )


@pytest.fixture(scope="module")
def published_next(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same warehouse with the marts and columns agreed for the next versions."""
    path = tmp_path_factory.mktemp("app_next") / "crm_kpi.duckdb"
    return fixture.build_published(
        path,
        fixture.next_version_rows(),
        extra_tables=fixture.NEXT_TABLES,
        extra_columns=fixture.NEXT_COLUMNS,
        quarantine=fixture.fixture_quarantine(),
    )


@pytest.fixture
def open_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    def start(
        published: Path, page: str = "overview", team: str | None = None, rep: str | None = None
    ) -> AppTest:
        # `streamlit run app.py -- --published FILE` hands the script these arguments
        monkeypatch.setattr(sys, "argv", ["streamlit_app.py", "--published", str(published)])
        app = AppTest.from_file(str(APP), default_timeout=60).run()
        if team is not None:
            app.selectbox(key="team").set_value(team).run()
        if rep is not None:
            app.selectbox(key="rep").set_value(rep).run()
        if page != "overview":
            app.switch_page(f"views/{page}.py").run()
        assert not app.exception, [e.value for e in app.exception]
        assert not app.error, [e.value for e in app.error]
        return app

    yield start


def _metrics(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def _frame(app: AppTest, *columns: str) -> pd.DataFrame:
    """The table shown with these columns (each page's tables differ in their columns)."""
    frames = [f.value for f in app.dataframe if set(columns) <= set(f.value.columns)]
    assert len(frames) == 1, f"{len(frames)} tables with columns {columns}"
    return frames[0]


def _infos(app: AppTest) -> str:
    return " ".join(info.value for info in app.info)


def _mart(published: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(published), read_only=True) as connection:
        return connection.execute(sql).df()


def test_every_page_renders_without_an_error(open_app, published: Path) -> None:
    for file, title, *_ in PAGES:
        app = open_app(published, page=file.removesuffix(".py"))
        assert [t.value for t in app.title] == [title]


def test_overview_shows_the_company_pyramid_attainment_and_pacing(
    open_app, published: Path
) -> None:
    app = open_app(published)

    # the newest quarter, Q2 2025, contains the as-of date 2025-05-14: partial
    assert (
        app.selectbox(key="period_quarter").format_func(app.selectbox(key="period_quarter").value)
        == "FY2025-Q2 (partial)"
    )
    assert "partial period" in " ".join(c.value for c in app.caption)
    metrics = _metrics(app)
    assert metrics["Activities"] == "50"
    assert metrics["Calls"] == "20"
    assert metrics["Opportunities created"] == "6"
    assert metrics["Won deals"] == "1"
    assert metrics["Won amount"] == "100,000"
    assert metrics["Win rate"] == "50.0%"  # 1 / (1 + 1)
    assert metrics["Target"] == "1,100,000"
    assert metrics["Attainment"] == "9.1%"  # 100,000 / 1,100,000
    # pacing over the rep targets 600,000 + 100,000 + 400,000, 44 of 91 days elapsed:
    # expected 1,100,000 x 44 / 91 = 531,868.13; pace 100,000 / 531,868.13 = 0.188
    assert metrics["Won to date (rep targets)"] == "100,000"
    assert metrics["Expected to date"] == "531,868"
    assert metrics["Pace ratio"] == "0.19"
    # no pipeline mart in this warehouse yet: said so, not a zero
    assert "marts.kpi_pipeline_coverage" in _infos(app)
    assert "Open pipeline" not in metrics
    # the trend table is the mart's company rows, newest first
    trend = _frame(app, "period", "won_amount")
    mart = _mart(
        published,
        "select won_amount, activities, attainment from marts.kpi_rep_period_performance"
        " where scope = 'company' order by period_start desc",
    )
    assert list(trend["won_amount"]) == list(mart["won_amount"]) == [100_000.0, 400_000.0]
    assert list(trend["activities"]) == [50, 120]
    assert list(trend["period"]) == ["FY2025-Q2 (partial)", "FY2025-Q1"]


def test_overview_of_a_rep(open_app, published: Path) -> None:
    app = open_app(published, team="EMEA", rep="r1")

    metrics = _metrics(app)
    assert "Rep Ada Lovelace" in app.caption[0].value
    assert metrics["Won amount"] == "100,000"
    assert metrics["Target"] == "600,000"
    assert metrics["Attainment"] == "16.7%"  # 100,000 / 600,000
    # 600,000 x 44 / 91 = 290,109.89 expected; 100,000 / 290,109.89 = 0.345
    assert metrics["Expected to date"] == "290,110"
    assert metrics["Pace ratio"] == "0.34"


def test_funnel_shows_the_cohorts_and_company_team_rep_side_by_side(
    open_app, published: Path
) -> None:
    app = open_app(published, page="funnel", team="EMEA", rep="r1")

    selected = _frame(app, "from_stage", "reached_count")
    # r1's qualification cohort: 3 reached, 2 advanced, 1 dropped -> 2 / 3
    assert list(selected["from_stage"]) == ["qualification"]
    assert list(selected["reached_count"]) == [3]
    assert selected["conversion_rate"].iloc[0] == pytest.approx(2 / 3)
    comparison = _frame(app, "conversion_rate · Company").set_index("from_stage")
    # company 4 / (4 + 1), team EMEA 3 / (3 + 1), rep 2 / (2 + 1)
    assert comparison.loc["qualification", "conversion_rate · Company"] == pytest.approx(0.8)
    assert comparison.loc["qualification", "conversion_rate · Team EMEA"] == pytest.approx(0.75)
    assert comparison.loc["qualification", "conversion_rate · Rep Ada Lovelace"] == pytest.approx(
        2 / 3
    )

    company = open_app(published, page="funnel")
    frame = _frame(company, "from_stage", "reached_count")
    mart = _mart(
        published,
        "select reached_count, stage_to_win_rate from marts.kpi_funnel_conversion"
        " where scope = 'company' order by from_stage_order",
    )
    assert list(frame["reached_count"]) == list(mart["reached_count"]) == [6, 4]
    assert list(frame["stage_to_win_rate"]) == list(mart["stage_to_win_rate"]) == [0.5, 0.5]


def test_stages_shows_time_in_stage_and_the_stalled_deals(open_app, published: Path) -> None:
    app = open_app(published, page="stages")

    durations = _frame(app, "median_days")
    assert list(durations["stage"]) == ["qualification", "presentation"]
    assert list(durations["median_days"]) == [9.0, 18.0]
    assert list(durations["p75_days"]) == [14.0, 25.0]
    assert list(durations["mean_days"]) == [10.0, 20.0]  # 50 / 5, 60 / 3
    assert _metrics(app)["Stalled deals"] == "1"
    stalled = _frame(app, "opportunity_name", "days_in_stage")
    # o2: 40 days in presentation against a p75 of 25; o3 (5 against 14) is not stalled
    assert list(stalled["opportunity_name"]) == ["Acme expansion"]
    assert list(stalled["account_name"]) == ["Acme"]
    assert list(stalled["rep"]) == ["Ada Lovelace"]
    assert list(stalled["days_in_stage"]) == [40]

    us = open_app(published, page="stages", team="US")
    assert _metrics(us)["Stalled deals"] == "0"


def test_coaching_shows_rates_followups_and_flags_per_rep(open_app, published: Path) -> None:
    app = open_app(published, page="coaching", team="EMEA")

    reps = _frame(app, "rep_name").set_index("rep_name")
    assert list(reps.index) == ["Ada Lovelace", "Alan Turing"]
    assert reps.loc["Ada Lovelace", "activities"] == 20
    assert reps.loc["Ada Lovelace", "calls_per_qualified_opportunity"] == 2.0  # 8 / 4
    assert reps.loc["Ada Lovelace", "low_followup_stages"] == 1  # presentation: 1.0 < 0.5 x 3.0
    assert reps.loc["Ada Lovelace", "deals_missing_playbook"] == 1  # o2 lacks a demo
    assert reps.loc["Alan Turing", "low_followup_stages"] == 0
    assert reps.loc["Alan Turing", "deals_missing_playbook"] == 0
    followups = _frame(app, "followups_before_advance_mean")
    ada_presentation = followups[
        (followups["rep"] == "Ada Lovelace") & (followups["stage"] == "presentation")
    ]
    assert list(ada_presentation["followups_before_advance_mean"]) == [1.0]
    assert list(ada_presentation["team_median_followups"]) == [3.0]
    assert list(ada_presentation["is_low_followup"]) == [True]
    assert list(_frame(app, "missing_playbook_activities")["missing_playbook_activities"]) == [
        "presentation:demo"
    ]
    # completion and response rates need kpi_activity_outcomes, not here yet
    assert "marts.kpi_activity_outcomes" in _infos(app)

    grace = open_app(published, page="coaching", team="US", rep="r3")
    row = _frame(grace, "rep_name").iloc[0]
    # no qualified opportunity: the ratio is unknown, not 0
    assert pd.isna(row["activities_per_qualified_opportunity"])


def test_plan_shows_the_loaded_target_as_deals_demos_and_activities_per_week(
    open_app, published: Path
) -> None:
    app = open_app(published, page="plan", team="EMEA", rep="r1")

    metrics = {m.label: (m.value, m.proto.delta) for m in app.metric}
    # r1: 600,000 - 100,000 won = 500,000 left; / 100,000 = 5 deals; / 25 % = 20 demos;
    # 20 x 6 activities per qualified opportunity = 120; 47 days = 6.71 weeks left
    assert metrics["Won deals needed"] == ("5", "0.7 per week")  # 5 / 6.71
    assert metrics["Demos needed"] == ("20", "3.0 per week")  # 20 / 6.71
    assert metrics["Activities needed"] == ("120", "17.9 per week")  # 120 / 6.71
    stages = _frame(app, "opportunities needed").set_index("stage")
    # 5 / 20 % = 25; 5 / 50 % = 10; 5 / 80 % = 6.25 -> 7
    assert stages["opportunities needed"].to_dict() == {
        "qualification": 25,
        "presentation": 20,
        "proposal": 10,
        "contract": 7,
    }
    mart = _mart(published, "select * from marts.kpi_goal_plan where rep_id = 'r1'").iloc[0]
    assert app.number_input[0].value == mart["target_amount"] == 600_000


def test_plan_what_if_500k_at_100k_and_25_percent_needs_5_deals_and_20_demos(
    open_app, published: Path
) -> None:
    app = open_app(published, page="plan", team="US", rep="r3")
    loaded = {m.label: m.value for m in app.metric}
    # r3's loaded plan: 400,000 / 80,000 = 5 deals; / 20 % = 25 demos
    assert (loaded["Won deals needed"], loaded["Demos needed"]) == ("5", "25")

    inputs = {n.label: n for n in app.number_input}
    inputs["Target"].set_value(500_000.0)
    inputs["Average deal size"].set_value(100_000.0)
    inputs["P(won | reached presentation) %"].set_value(25.0)
    app.run()

    assert not app.exception
    what_if = {m.label: m.value for m in app.metric}
    assert what_if["Won deals needed"] == "5"  # 500,000 / 100,000
    assert what_if["Demos needed"] == "20"  # 5 / 25 %
    assert what_if["Activities needed"] == "120"  # 20 x 6


def test_plan_for_a_team_says_the_warehouse_plans_per_rep_only(open_app, published: Path) -> None:
    app = open_app(published, page="plan", team="EMEA")
    assert "marts.kpi_goal_plan.scope" in _infos(app)
    assert not app.metric


def test_data_health_shows_the_publication_and_quarantine_per_file(
    open_app, published: Path
) -> None:
    app = open_app(published, page="data_health")

    metrics = _metrics(app)
    assert metrics["As of"] == "2025-05-14"
    assert metrics["Blocking checks passed"] == str(fixture.CHECKS_REQUIRED)
    assert metrics["Rows in"] == "42"  # 12 + 30
    assert metrics["Rows loaded"] == "40"  # 10 + 30
    assert metrics["Rows quarantined"] == "2"
    loads = _frame(app, "rows_loaded")
    assert list(loads["source_file"]) == ["salesforce/Opportunity.csv", "calendar/ada.ics"]
    rejected = _frame(app, "first_source_row")
    assert list(
        rejected[["column_name", "reason", "rejected_rows", "first_source_row"]].itertuples(
            index=False, name=None
        )
    ) == [("Amount", "negative amount", 2, 4)]
    assert list(_frame(app, "rejected_at")["source_file"]) == ["hubspot/deals.xlsx"]
    counts = _frame(app, "mart").set_index("mart")["rows"]
    assert counts["kpi_goal_plan"] == 2
    assert fixture.RUN_ID in " ".join(c.value for c in app.caption)


def test_next_version_marts_fill_pipeline_outcomes_and_team_plans(
    open_app, published_next: Path
) -> None:
    overview = _metrics(open_app(published_next))
    assert overview["Open pipeline"] == "500,000"  # 200,000 + 300,000
    assert overview["Weighted pipeline"] == "115,000"  # 200,000 x 20 % + 300,000 x 25 %
    assert overview["Coverage (open / remaining target)"] == "0.50x"  # 500,000 / 1,000,000
    assert overview["Meetings and demos"] == "10"
    assert overview["E-mails"] == "15"

    coaching = open_app(published_next, page="coaching", team="EMEA", rep="r1")
    outcomes = _frame(coaching, "completion_rate").set_index("activity_type")
    assert outcomes.loc["call", "completion_rate"] == 0.8  # 8 / 10
    assert outcomes.loc["call", "response_rate"] == 0.5  # 4 / 8
    assert pd.isna(outcomes.loc["email", "response_rate"])  # the export records no replies

    company_plan = {m.label: m.value for m in open_app(published_next, page="plan").metric}
    # 1,100,000 - 100,000 = 1,000,000 left -> 10 deals -> 40 demos; x 6 activities = 240,
    # x 2.5 calls = 100, x 1.5 meetings and demos = 60, x 3 e-mails = 120
    assert company_plan == {
        "Won deals needed": "10",
        "Demos needed": "40",
        "Activities needed": "240",
        "Calls needed": "100",
        "Meetings and demos needed": "60",
        "E-mails needed": "120",
    }


def test_a_missing_mart_is_named_instead_of_failing(open_app, tmp_path: Path) -> None:
    older = fixture.build_published(
        tmp_path / "older.duckdb",
        {k: v for k, v in fixture.fixture_rows().items() if k != "kpi_funnel_conversion"},
        without=["kpi_funnel_conversion"],
    )
    app = open_app(older, page="funnel")
    assert "marts.kpi_funnel_conversion" in _infos(app)


def test_the_app_shows_a_new_publication_without_restarting(open_app, tmp_path: Path) -> None:
    published = tmp_path / "crm_kpi.duckdb"
    fixture.build_published(published, fixture.fixture_rows())
    app = open_app(published)
    assert _metrics(app)["Won amount"] == "100,000"

    rows = fixture.fixture_rows()
    for row in rows["kpi_rep_period_performance"]:
        if row["scope"] == "company" and row["period_start"] == fixture.Q2:
            row["won_amount"] = 250_000.0
    fixture.build_published(published, rows)  # renamed over the file the app reads
    app.run()

    assert _metrics(app)["Won amount"] == "250,000"


def test_nothing_published_yet_is_said_plainly(open_app, tmp_path: Path) -> None:
    app = open_app(tmp_path / "missing.duckdb")
    assert "nothing published yet" in _infos(app)
