"""Suites over dbt KPI marts in schema ``marts`` (asset key ``("marts", <model_name>)``).

Written against the mart catalogue of docs/kpi_definitions.md. The rules are the ones that
hold whatever the configuration (windows, thresholds and fallbacks are dbt vars): rates lie
in [0, 1] and agree with the numerator and denominator each mart carries, counts that
partition a whole add up to it, and every rep with a target gets an attainment.

A suite is wired into Dagster only when its model is in the dbt manifest
(`orchestration/defs/quality.py`), so a mart that is not built yet has no check; a mart that
is in the manifest but missing from the warehouse is an error, not a pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from expectations.spec import SuiteSpec
from expectations.suites.facts import CANONICAL_STAGES
from expectations.suites.raw import key_expectations

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

SCOPES = ("company", "team", "rep")
PERIOD_GRAINS = ("week", "month", "quarter")
OPEN_STAGES = ("qualification", "presentation", "proposal", "contract")
RATE_SOURCES = ("rep", "team", "company")
_TOLERANCE = 1e-6


def rates_in_unit_interval(*columns: str) -> list[Expectation]:
    import great_expectations.expectations as gxe

    return [gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, max_value=1) for c in columns]


def non_negative(*columns: str) -> list[Expectation]:
    import great_expectations.expectations as gxe

    return [gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in columns]


def in_set(column: str, values: tuple[str, ...], not_null: bool = True) -> list[Expectation]:
    import great_expectations.expectations as gxe

    checks: list[Expectation] = [
        gxe.ExpectColumnValuesToBeInSet(column=column, value_set=list(values))
    ]
    if not_null:
        # GX set membership skips nulls.
        checks.append(gxe.ExpectColumnValuesToNotBeNull(column=column))
    return checks


def ratio_matches(rate: str, numerator: str, denominator: str, keys: str) -> Expectation:
    """`rate` = numerator / denominator, null exactly when the denominator is 0 or null."""
    import great_expectations.expectations as gxe

    den = f"coalesce({denominator}, 0)"
    return gxe.UnexpectedRowsExpectation(
        description=f"{rate} = {numerator} / ({denominator}), null when that is 0",
        # Narrow select list: GX fetches every row this query returns.
        unexpected_rows_query=(
            f"SELECT {keys}, {rate} FROM {{batch}} WHERE"
            f" ({den} = 0 AND {rate} IS NOT NULL)"
            f" OR ({den} <> 0 AND ({rate} IS NULL OR abs({rate} - CAST({numerator} AS DOUBLE)"
            f" / ({denominator})) > {_TOLERANCE} * greatest(1, abs({rate}))))"
        ),
    )


def rows_where(description: str, keys: str, condition: str) -> Expectation:
    import great_expectations.expectations as gxe

    return gxe.UnexpectedRowsExpectation(
        description=description,
        unexpected_rows_query=f"SELECT {keys} FROM {{batch}} WHERE {condition}",
    )


_SCOPED_KEYS = "scope, scope_id, period_grain, period_start"


def _scoped() -> list[Expectation]:
    return [*in_set("scope", SCOPES), *in_set("period_grain", PERIOD_GRAINS)]


def _kpi_rep_period_performance() -> list[Expectation]:
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToBeBetween(column="win_rate", min_value=0, max_value=1),
        # Over-achievement is legal: attainment has no upper bound.
        gxe.ExpectColumnValuesToBeBetween(column="attainment", min_value=0),
        gxe.ExpectColumnValuesToBeInSet(column="scope", value_set=list(SCOPES)),
        gxe.ExpectColumnValuesToNotBeNull(column="scope"),
        gxe.ExpectColumnValuesToBeInSet(column="period_grain", value_set=list(PERIOD_GRAINS)),
        gxe.ExpectColumnValuesToNotBeNull(column="period_grain"),
        # Rate marts carry numerator and denominator so coarser roll-ups stay correct
        # (kpi_definitions.md, "Conventions"); the rate must agree with them.
        gxe.UnexpectedRowsExpectation(
            description="win_rate = won / (won + lost), null when nothing closed",
            unexpected_rows_query=(
                # Narrow select list: GX fetches every row this query returns.
                "SELECT scope, scope_id, period_grain, period_start, opportunities_won,"
                " opportunities_lost, win_rate FROM {batch} WHERE"
                " (coalesce(opportunities_won, 0) + coalesce(opportunities_lost, 0) = 0"
                "  AND win_rate IS NOT NULL)"
                " OR (coalesce(opportunities_won, 0) + coalesce(opportunities_lost, 0) > 0"
                "  AND (win_rate IS NULL OR abs(win_rate - opportunities_won::DOUBLE"
                "   / (coalesce(opportunities_won, 0) + coalesce(opportunities_lost, 0)))"
                "   > 1e-6))"
            ),
        ),
        rows_where(
            "attainment present for every rep that has a target",
            _SCOPED_KEYS,
            "scope = 'rep' AND target_amount > 0 AND attainment IS NULL",
        ),
    ]


def _kpi_funnel_conversion() -> list[Expectation]:
    keys = f"{_SCOPED_KEYS}, from_stage"
    return [
        *_scoped(),
        *in_set("from_stage", OPEN_STAGES),
        *non_negative("reached_count", "advanced_count", "dropped_count", "open_count"),
        *non_negative("won_count", "lost_count"),
        *rates_in_unit_interval("conversion_rate", "stage_to_win_rate"),
        rows_where(
            "reached = advanced + dropped + open",
            keys,
            "reached_count <> advanced_count + dropped_count + open_count",
        ),
        rows_where("won + lost <= reached", keys, "won_count + lost_count > reached_count"),
        ratio_matches("conversion_rate", "advanced_count", "advanced_count + dropped_count", keys),
        ratio_matches("stage_to_win_rate", "won_count", "won_count + lost_count", keys),
    ]


def _kpi_stage_duration() -> list[Expectation]:
    keys = f"{_SCOPED_KEYS}, stage"
    return [
        *_scoped(),
        *in_set("stage", CANONICAL_STAGES),
        *non_negative("visits_completed", "open_visits"),
        *non_negative("mean_days", "median_days", "p75_days", "open_mean_age_days"),
        rows_where("p75 >= median", keys, "p75_days < median_days"),
        rows_where(
            "durations only where visits completed",
            keys,
            "(coalesce(visits_completed, 0) = 0) <> (mean_days IS NULL)",
        ),
    ]


def _kpi_sales_velocity() -> list[Expectation]:
    return [
        *_scoped(),
        *rates_in_unit_interval("win_rate"),
        *non_negative(
            "opportunities_created", "avg_deal_size", "avg_sales_cycle_days", "velocity_per_day"
        ),
        rows_where(
            "velocity = created x win rate x average deal / mean cycle days",
            _SCOPED_KEYS,
            "avg_sales_cycle_days > 0 AND abs(velocity_per_day - opportunities_created"
            " * win_rate * avg_deal_size / avg_sales_cycle_days)"
            f" > {_TOLERANCE} * greatest(1, abs(velocity_per_day))",
        ),
    ]


def _kpi_activity_effectiveness() -> list[Expectation]:
    keys = "rep_id, period_grain, period_start, stage"
    return [
        *in_set("period_grain", PERIOD_GRAINS),
        *in_set("stage", CANONICAL_STAGES),
        *non_negative("activities", "calls", "qualified_opportunities"),
        *non_negative("followups_before_advance_mean", "team_median_followups"),
        rows_where("calls are activities", keys, "calls > activities"),
        ratio_matches(
            "activities_per_qualified_opportunity", "activities", "qualified_opportunities", keys
        ),
        ratio_matches("calls_per_qualified_opportunity", "calls", "qualified_opportunities", keys),
    ]


def _kpi_target_pacing() -> list[Expectation]:
    keys = "sales_target_id"
    return [
        *key_expectations("sales_target_id"),
        *in_set("period_grain", ("month", "quarter")),
        *non_negative("target_amount", "won_to_date", "expected_to_date", "pace_ratio"),
        *non_negative("attainment", "projected_amount"),
        rows_where(
            "0 <= elapsed days <= days in period",
            keys,
            "elapsed_days < 0 OR elapsed_days > period_days",
        ),
        ratio_matches("attainment", "won_to_date", "target_amount", keys),
        _every_rep_target_has_attainment(),
    ]


def _every_rep_target_has_attainment() -> Expectation:
    import great_expectations.expectations as gxe

    return gxe.UnexpectedRowsExpectation(
        description="attainment present for every rep that has a target (fct_sales_targets)",
        unexpected_rows_query=(
            "SELECT targets.sales_target_id FROM marts.fct_sales_targets AS targets"
            " LEFT JOIN {batch} AS pacing ON pacing.sales_target_id = targets.sales_target_id"
            " WHERE targets.scope = 'rep' AND targets.rep_id IS NOT NULL"
            " AND targets.target_amount > 0 AND pacing.attainment IS NULL"
        ),
    )


def _kpi_goal_plan() -> list[Expectation]:
    import great_expectations.expectations as gxe

    keys = "sales_target_id"
    return [
        *key_expectations("sales_target_id"),
        *in_set("rate_source", RATE_SOURCES),
        *non_negative("remaining_amount", "required_won_deals", "required_activities"),
        *rates_in_unit_interval(*(f"stage_to_win_rate_{s}_used" for s in OPEN_STAGES)),
        gxe.ExpectColumnValuesToBeBetween(column="weeks_left", min_value=1),
        rows_where(
            "remaining = max(target - won to date, 0)",
            keys,
            "abs(remaining_amount - greatest(target_amount - won_to_date, 0))"
            f" > {_TOLERANCE} * greatest(1, target_amount)",
        ),
    ]


def _kpi_deal_risks() -> list[Expectation]:
    import great_expectations.expectations as gxe

    keys = "opportunity_id"
    return [
        *key_expectations("opportunity_id"),
        *in_set("current_stage", OPEN_STAGES),
        *non_negative("days_in_stage", "days_since_last_activity"),
        gxe.ExpectColumnValuesToNotBeNull(column="is_stalled"),
        rows_where(
            "stalled = days in stage above the stage's p75",
            keys,
            "is_stalled IS DISTINCT FROM coalesce(days_in_stage > stage_p75_days, false)",
        ),
        gxe.UnexpectedRowsExpectation(
            description="only open opportunities (fct_opportunities)",
            unexpected_rows_query=(
                "SELECT risks.opportunity_id FROM {batch} AS risks"
                " INNER JOIN marts.fct_opportunities AS opportunities"
                " ON opportunities.opportunity_id = risks.opportunity_id"
                " WHERE opportunities.is_closed"
            ),
        ),
    ]


def _mart(name: str, factory: object, description: str) -> SuiteSpec:
    return SuiteSpec(
        name=name,
        schema="marts",
        table=name,
        asset_key=("marts", name),
        blocking=True,
        expectations=factory,  # type: ignore[arg-type]
        description=description,
    )


KPI_REP_PERIOD_PERFORMANCE = _mart(
    "kpi_rep_period_performance",
    _kpi_rep_period_performance,
    "Win rate, attainment and activity KPIs per scope and period",
)

SUITES: tuple[SuiteSpec, ...] = (
    KPI_REP_PERIOD_PERFORMANCE,
    _mart(
        "kpi_funnel_conversion",
        _kpi_funnel_conversion,
        "Stage conversion: counts partition the cohort, rates in [0, 1]",
    ),
    _mart("kpi_stage_duration", _kpi_stage_duration, "Time in stage: non-negative, p75 >= median"),
    _mart("kpi_sales_velocity", _kpi_sales_velocity, "Sales velocity agrees with its terms"),
    _mart(
        "kpi_activity_effectiveness",
        _kpi_activity_effectiveness,
        "Activities per qualified opportunity agree with their counts",
    ),
    _mart(
        "kpi_target_pacing",
        _kpi_target_pacing,
        "Pacing per rep target; every rep target has an attainment",
    ),
    _mart("kpi_goal_plan", _kpi_goal_plan, "Goal plan: remaining amount, rates, weeks left"),
    _mart("kpi_deal_risks", _kpi_deal_risks, "Risk flags of open opportunities"),
)
