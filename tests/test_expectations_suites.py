"""Known-answer tests for the raw, fact and KPI mart suites beyond the original three.

Each table below holds clean rows that pass every rule; the planted rows each break the
rules named beside them, and the expected failures (label -> unexpected count) are counted
by hand. The suites run through `validate_suites`, as the Dagster checks do.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from expectations import SuiteExecutionError, SuiteRun, validate_suites
from expectations.suites import ALL_SUITES, get_suite

CLEAN_SQL = """
create schema raw_salesforce; create schema raw_calendar; create schema raw_targets;
create schema marts;

create table raw_salesforce.user (id varchar, email varchar, created_date timestamptz);
insert into raw_salesforce.user values ('005A', 'ann@acme.example', '2024-01-02 09:00:00+00'),
    ('005B', null, null);

create table raw_salesforce.account (id varchar, number_of_employees bigint,
    created_date timestamptz);
insert into raw_salesforce.account values ('001A', 120, '2023-05-01 00:00:00+00'),
    ('001B', null, null);

create table raw_salesforce.opportunity_history (id varchar, opportunity_id varchar,
    stage_name varchar, created_date timestamptz, amount double, probability double,
    close_date date);
insert into raw_salesforce.opportunity_history values
    ('008A', '006A', 'Prospecting', '2024-01-01 09:00:00+00', 100, 10, '2024-03-01'),
    ('008B', '006A', 'Closed Won', '2024-02-01 09:00:00+00', 100, 100, '2024-02-01');

create table raw_salesforce.task (id varchar, call_duration_in_seconds bigint,
    activity_date date, created_date timestamptz);
insert into raw_salesforce.task values ('00TA', 60, '2024-01-05', '2024-01-05 10:00:00+00'),
    ('00TB', null, null, null);

create table raw_salesforce.event (id varchar, duration_in_minutes bigint,
    start_date_time timestamptz, end_date_time timestamptz, activity_date_time timestamptz,
    created_date timestamptz);
insert into raw_salesforce.event values ('00UA', 30, '2024-01-05 10:00:00+00',
    '2024-01-05 10:30:00+00', '2024-01-05 10:00:00+00', '2024-01-01 00:00:00+00');

create table raw_calendar.calendar_event (occurrence_id varchar, start_at timestamptz,
    end_at timestamptz, status varchar);
insert into raw_calendar.calendar_event values
    ('c1', '2024-01-05 10:00:00+00', '2024-01-05 11:00:00+00', 'CONFIRMED'),
    ('c2', '2024-01-06 00:00:00+00', null, 'CANCELLED');

create table raw_targets.sales_target (target_id varchar, scope_type varchar,
    period_grain varchar, target_amount double, period_start date, period_end date,
    rep_email varchar);
insert into raw_targets.sales_target values
    ('rep:ann:quarter:2024-01-01', 'rep', 'quarter', 1000, '2024-01-01', '2024-03-31',
     'ann@acme.example'),
    ('team:east:month:2024-01-01', 'team', 'month', 0, '2024-01-01', '2024-01-31', null);

create table marts.fct_opportunities (opportunity_id varchar, is_closed boolean);
insert into marts.fct_opportunities values ('o1', false), ('o2', true), ('o3', false);

create table marts.fct_stage_transitions (stage_transition_id varchar,
    opportunity_id varchar, transition_number bigint, from_stage varchar, to_stage varchar,
    from_stage_entered_at timestamptz, transitioned_at timestamptz, days_in_from_stage bigint,
    activities_in_from_stage bigint, is_creation boolean);
insert into marts.fct_stage_transitions values
    ('o1:1', 'o1', 1, null, 'qualification', null, '2024-01-01 09:00:00+00', null, null, true),
    ('o1:2', 'o1', 2, 'qualification', 'proposal', '2024-01-01 09:00:00+00',
     '2024-01-10 09:00:00+00', 9, 3, false),
    ('o1:3', 'o1', 3, 'proposal', 'won', '2024-01-10 09:00:00+00', '2024-01-10 09:00:00+00', 0, 0,
     false),
    ('o2:1', 'o2', 1, null, 'presentation', null, '2024-02-01 09:00:00+00', null, null, true);

create table marts.fct_activities (activity_id varchar, activity_type varchar,
    origin varchar, duration_minutes double, activity_at timestamptz);
insert into marts.fct_activities values ('a1', 'call', 'crm', 5, '2024-01-02 10:00:00+00'),
    ('a2', 'meeting', 'both', null, '2024-01-03 10:00:00+00');

create table marts.fct_sales_targets (sales_target_id varchar, scope varchar, rep_id varchar,
    target_amount double, period_grain varchar, period_start date, period_end date);
insert into marts.fct_sales_targets values
    ('t1', 'rep', 'R1', 1000, 'quarter', '2024-01-01', '2024-03-31'),
    ('t2', 'team', null, 5000, 'quarter', '2024-01-01', '2024-03-31'),
    ('t3', 'rep', null, 500, 'month', '2024-01-01', '2024-01-31');

create table marts.kpi_funnel_conversion (scope varchar, scope_id varchar,
    period_grain varchar, period_start date, from_stage varchar, reached_count bigint,
    advanced_count bigint, dropped_count bigint, open_count bigint, won_count bigint,
    lost_count bigint, conversion_rate double, stage_to_win_rate double);
insert into marts.kpi_funnel_conversion values
    ('company', null, 'month', '2024-01-01', 'qualification', 10, 6, 3, 1, 2, 3, 6 / 9, 0.4),
    ('rep', 'R1', 'week', '2024-01-01', 'contract', 2, 0, 0, 2, 0, 0, null, null);

create table marts.kpi_stage_duration (scope varchar, scope_id varchar, period_grain varchar,
    period_start date, stage varchar, visits_completed bigint, open_visits bigint,
    mean_days double, median_days double, p75_days double, open_mean_age_days double);
insert into marts.kpi_stage_duration values
    ('team', 'East', 'quarter', '2024-01-01', 'proposal', 4, 1, 10.5, 9, 14, 3),
    ('rep', 'R1', 'month', '2024-01-01', 'contract', 0, 2, null, null, null, 20);

create table marts.kpi_sales_velocity (scope varchar, scope_id varchar, period_grain varchar,
    period_start date, opportunities_created bigint, win_rate double, avg_deal_size double,
    avg_sales_cycle_days double, velocity_per_day double);
insert into marts.kpi_sales_velocity values
    ('company', null, 'quarter', '2024-01-01', 20, 0.25, 1000, 50, 100),
    ('rep', 'R1', 'week', '2024-01-01', 3, null, null, null, null);

create table marts.kpi_activity_effectiveness (rep_id varchar, period_grain varchar,
    period_start date, stage varchar, activities bigint, calls bigint,
    qualified_opportunities bigint, activities_per_qualified_opportunity double,
    calls_per_qualified_opportunity double, followups_before_advance_mean double,
    team_median_followups double);
insert into marts.kpi_activity_effectiveness values
    ('R1', 'month', '2024-01-01', 'presentation', 12, 4, 3, 4, 4 / 3, 2.5, 3),
    ('R2', 'month', '2024-01-01', 'proposal', 5, 0, 0, null, null, null, null);

create table marts.kpi_target_pacing (sales_target_id varchar, period_grain varchar,
    target_amount double, won_to_date double, expected_to_date double, pace_ratio double,
    attainment double, projected_amount double, elapsed_days bigint, period_days bigint);
insert into marts.kpi_target_pacing values
    ('t1', 'quarter', 1000, 250, 500, 0.5, 0.25, 500, 45, 91);

create table marts.kpi_goal_plan (sales_target_id varchar, rate_source varchar,
    target_amount double, won_to_date double, remaining_amount double,
    required_won_deals bigint, required_activities bigint,
    stage_to_win_rate_qualification_used double, stage_to_win_rate_presentation_used double,
    stage_to_win_rate_proposal_used double, stage_to_win_rate_contract_used double,
    weeks_left double);
insert into marts.kpi_goal_plan values
    ('t1', 'rep', 1000, 250, 750, 3, 40, 0.1, 0.25, 0.5, 0.8, 6.5),
    ('t4', 'company', 800, 900, 0, 0, 0, null, null, null, null, 1);

create table marts.kpi_deal_risks (opportunity_id varchar, current_stage varchar,
    days_in_stage bigint, days_since_last_activity bigint, is_stalled boolean,
    stage_p75_days double);
insert into marts.kpi_deal_risks values ('o1', 'proposal', 30, 2, true, 20),
    ('o3', 'qualification', 5, null, false, null);
"""

PLANTED_SQL = """
insert into raw_salesforce.user values ('005A', 'ann', '1999-12-31 23:00:00+00');
insert into raw_salesforce.account values ('001C', -3, '2100-06-01 00:00:00+00');
insert into raw_salesforce.opportunity_history values
    ('008C', null, 'Prospecting', '2024-01-01 09:00:00+00', 100, 140, '1970-01-01');
insert into raw_salesforce.task values ('00TC', -1, '2024-01-05', '2024-01-05 10:00:00+00');
insert into raw_salesforce.event values ('00UB', 30, '2024-01-05 11:00:00+00',
    '2024-01-05 10:00:00+00', '2024-01-05 10:00:00+00', '2024-01-01 00:00:00+00');
insert into raw_calendar.calendar_event values
    ('c1', '2024-01-07 10:00:00+00', '2024-01-07 11:00:00+00', 'MAYBE');
insert into raw_targets.sales_target values
    ('rep:?:month:2024-02-01', 'rep', 'week', -5, '2024-02-29', '2024-02-01', null);

-- o3 is numbered 1, 2 but its second transition happened before its creation, and
-- o4 starts without a creation row and has a negative stay.
insert into marts.fct_stage_transitions values
    ('o3:1', 'o3', 1, null, 'qualification', null, '2024-03-10 09:00:00+00', null, null, true),
    ('o3:2', 'o3', 2, 'qualification', 'proposal', '2024-03-10 09:00:00+00',
     '2024-03-01 09:00:00+00', -9, 0, false),
    ('o4:1', 'o4', 1, 'qualification', 'proposal', '2024-03-01 09:00:00+00',
     '2024-03-05 09:00:00+00', 4, 1, false);
insert into marts.fct_activities values ('a1', 'fax', 'email', -1, null);
insert into marts.fct_sales_targets values
    ('t9', 'rep', 'R9', -1, 'week', '2024-02-01', '2024-01-01');

insert into marts.kpi_funnel_conversion values
    -- counts do not add up, and the rates disagree with them
    ('rep', 'R2', 'month', '2024-01-01', 'proposal', 10, 5, 2, 1, 4, 4, 0.5, 0.5),
    ('region', 'X', 'year', '2024-01-01', 'won', 0, 0, 0, 0, 0, 0, null, null);
insert into marts.kpi_stage_duration values
    ('rep', 'R2', 'week', '2024-01-01', 'proposal', 0, -1, 5, 8, 6, 2);
insert into marts.kpi_sales_velocity values
    ('company', null, 'month', '2024-01-01', 20, 1.5, 1000, 50, 100);
insert into marts.kpi_activity_effectiveness values
    ('R3', 'month', '2024-01-01', 'proposal', 3, 5, 2, 1, 2.5, 1, 1);
insert into marts.kpi_target_pacing values
    ('t1', 'quarter', 1000, 250, 500, 0.5, 0.3, 500, 95, 91);
insert into marts.kpi_goal_plan values
    ('t5', 'manager', 1000, 250, 700, -1, 40, 1.2, 0.25, 0.5, 0.8, 0.5);
insert into marts.kpi_deal_risks values ('o2', 'won', -1, 2, false, 20);
"""

UNIQUE, NOT_NULL, BETWEEN, IN_SET = (
    "expect_column_values_to_be_unique",
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_in_set",
)
ROWS = "unexpected_rows_expectation: "

# suite -> {outcome label: unexpected count} on the planted warehouse.
PLANTED_FAILURES: dict[str, dict[str, int]] = {
    "raw_salesforce_user": {
        f"{UNIQUE}(id)": 2,
        f"{ROWS}email looks like an e-mail address": 1,
        f"{ROWS}created_date between 2000-01-01 and 2100-01-01": 1,
    },
    "raw_salesforce_account": {
        f"{BETWEEN}(number_of_employees)": 1,
        f"{ROWS}created_date between 2000-01-01 and 2100-01-01": 1,
    },
    "raw_salesforce_opportunity_history": {
        f"{NOT_NULL}(opportunity_id)": 1,
        f"{BETWEEN}(probability)": 1,
        f"{ROWS}created_date, close_date between 2000-01-01 and 2100-01-01": 1,
    },
    "raw_salesforce_task": {f"{BETWEEN}(call_duration_in_seconds)": 1},
    "raw_salesforce_event": {f"{ROWS}end_date_time >= start_date_time": 1},
    "raw_calendar_calendar_event": {f"{UNIQUE}(occurrence_id)": 2, f"{IN_SET}(status)": 1},
    "raw_targets_sales_target": {
        f"{IN_SET}(period_grain)": 1,
        f"{BETWEEN}(target_amount)": 1,
        f"{ROWS}period_end >= period_start": 1,
        f"{ROWS}a rep target names the rep's e-mail": 1,
    },
    "fct_stage_transitions": {
        f"{BETWEEN}(days_in_from_stage)": 1,
        f"{ROWS}transitioned_at >= from_stage_entered_at": 1,
        f"{ROWS}a deal's transitions are ordered in time: numbered 1, 2, ... by time, each "
        "leaving the stage the previous one entered, the first being the creation": 2,
    },
    "fct_activities": {
        f"{UNIQUE}(activity_id)": 2,
        f"{IN_SET}(activity_type)": 1,
        f"{IN_SET}(origin)": 1,
        f"{BETWEEN}(duration_minutes)": 1,
        f"{NOT_NULL}(activity_at)": 1,
    },
    "fct_sales_targets": {
        f"{BETWEEN}(target_amount)": 1,
        f"{IN_SET}(period_grain)": 1,
        f"{ROWS}period_end >= period_start": 1,
    },
    "kpi_funnel_conversion": {
        f"{IN_SET}(scope)": 1,
        f"{IN_SET}(period_grain)": 1,
        f"{IN_SET}(from_stage)": 1,
        f"{ROWS}reached = advanced + dropped + open": 1,
        f"{ROWS}conversion_rate = advanced_count / (advanced_count + dropped_count), "
        "null when that is 0": 1,
        f"{ROWS}stage_to_win_rate = won_count / (won_count + lost_count), null when that is 0": 0,
    },
    "kpi_stage_duration": {
        f"{BETWEEN}(open_visits)": 1,
        f"{ROWS}p75 >= median": 1,
        f"{ROWS}durations only where visits completed": 1,
    },
    "kpi_sales_velocity": {
        f"{BETWEEN}(win_rate)": 1,
        f"{ROWS}velocity = created x win rate x average deal / mean cycle days": 1,
    },
    "kpi_activity_effectiveness": {
        f"{ROWS}calls are activities": 1,
        f"{ROWS}activities_per_qualified_opportunity = activities / "
        "(qualified_opportunities), null when that is 0": 1,
    },
    "kpi_target_pacing": {
        f"{UNIQUE}(sales_target_id)": 2,
        f"{ROWS}0 <= elapsed days <= days in period": 1,
        f"{ROWS}attainment = won_to_date / (target_amount), null when that is 0": 1,
    },
    "kpi_goal_plan": {
        f"{IN_SET}(rate_source)": 1,
        f"{BETWEEN}(required_won_deals)": 1,
        f"{BETWEEN}(stage_to_win_rate_qualification_used)": 1,
        f"{BETWEEN}(weeks_left)": 1,
        f"{ROWS}remaining = max(target - won to date, 0)": 1,
    },
    "kpi_deal_risks": {
        f"{IN_SET}(current_stage)": 1,
        f"{BETWEEN}(days_in_stage)": 1,
        f"{ROWS}stalled = days in stage above the stage's p75": 0,
        f"{ROWS}only open opportunities (fct_opportunities)": 1,
    },
}
# Entries with count 0 document a rule the planted rows respect on purpose.
EXPECTED = {
    suite: {label: n for label, n in failures.items() if n}
    for suite, failures in PLANTED_FAILURES.items()
}
SUITES = [get_suite(name) for name in PLANTED_FAILURES]


def _warehouse(path: Path, *scripts: str) -> Path:
    with duckdb.connect(str(path)) as connection:
        for script in scripts:
            connection.execute(script)
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, SuiteRun]]:
    base = tmp_path_factory.mktemp("suites")
    results: dict[str, dict[str, SuiteRun]] = {}
    for name, scripts in (("clean", (CLEAN_SQL,)), ("planted", (CLEAN_SQL, PLANTED_SQL))):
        warehouse = _warehouse(base / f"{name}.duckdb", *scripts)
        outcome = validate_suites(warehouse, SUITES, build_docs=False, context_root=base / "gx")
        errors = {k: v for k, v in outcome.items() if isinstance(v, SuiteExecutionError)}
        assert not errors, errors
        results[name] = outcome  # type: ignore[assignment]
    return results


@pytest.mark.parametrize("suite_name", list(PLANTED_FAILURES))
def test_clean_rows_pass(suite_name: str, runs: dict[str, dict[str, SuiteRun]]) -> None:
    run = runs["clean"][suite_name]
    assert run.success, [(o.label, o.unexpected_count, o.observed) for o in run.failed]


@pytest.mark.parametrize("suite_name", list(PLANTED_FAILURES))
def test_planted_rows_fail_exactly_those_rules(
    suite_name: str, runs: dict[str, dict[str, SuiteRun]]
) -> None:
    run = runs["planted"][suite_name]
    failed = {o.label: o.unexpected_count for o in run.failed}
    assert failed == EXPECTED[suite_name]
    labels = {o.label for o in run.outcomes}
    assert set(PLANTED_FAILURES[suite_name]) <= labels  # every label above names a real rule


def test_a_missing_mart_is_an_error_and_the_others_still_run(tmp_path: Path) -> None:
    warehouse = _warehouse(tmp_path / "w.duckdb", "create schema marts")
    outcome = validate_suites(
        warehouse,
        [get_suite("kpi_deal_risks"), get_suite("raw_salesforce_user")],
        build_docs=False,
        context_root=tmp_path / "gx",
    )
    assert isinstance(outcome["kpi_deal_risks"], SuiteExecutionError)
    assert "marts.kpi_deal_risks" in str(outcome["kpi_deal_risks"])
    assert isinstance(outcome["raw_salesforce_user"], SuiteExecutionError)


def test_every_registered_suite_has_known_answers() -> None:
    in_test_expectations = {"raw_salesforce_opportunity", "fct_opportunities"}
    in_test_expectations.add("kpi_rep_period_performance")
    assert set(PLANTED_FAILURES) | in_test_expectations == {s.name for s in ALL_SUITES}
    assert not set(PLANTED_FAILURES) & in_test_expectations
