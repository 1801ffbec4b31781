"""Suites over dbt fact models in schema ``marts`` (asset key ``("marts", <model_name>)``).

dbt tests already cover keys, not-null and accepted values of these models; the suites add
the rules that span rows or columns: time order of a deal's transitions, closed after
created, stage dates in funnel order, amounts and durations never negative.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from expectations.spec import SuiteSpec
from expectations.suites.raw import ends_after_start, key_expectations

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

#: Canonical funnel stages (docs: kpi_definitions.md, "Canonical funnel").
CANONICAL_STAGES = ("qualification", "presentation", "proposal", "contract", "won", "lost")
ACTIVITY_TYPES = ("call", "email", "meeting", "demo", "task", "other")
ACTIVITY_ORIGINS = ("crm", "calendar", "both")
TARGET_GRAINS = ("month", "quarter")


def _fct_opportunities() -> list[Expectation]:
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToNotBeNull(column="opportunity_id"),
        gxe.ExpectColumnValuesToBeUnique(column="opportunity_id"),
        gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=0),
        # Closed on or after the day it was created. Dates, not timestamps: Salesforce has only
        # a CloseDate, so closed_at is 00:00 UTC of it and a deal won on the day it was created
        # has closed_at < created_at (kpi_definitions.md: cycles are whole days between dates).
        # Open opportunities have no closed_date; only rows with both dates are judged.
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="closed_date",
            column_B="created_date",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        gxe.ExpectColumnValuesToBeInSet(column="current_stage", value_set=list(CANONICAL_STAGES)),
        gxe.ExpectColumnValuesToBeBetween(column="sales_cycle_days", min_value=0),
    ]


def _fct_stage_transitions() -> list[Expectation]:
    import great_expectations.expectations as gxe

    return [
        *key_expectations("stage_transition_id"),
        gxe.ExpectColumnValuesToBeBetween(column="days_in_from_stage", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="activities_in_from_stage", min_value=0),
        ends_after_start("stage_transition_id", "from_stage_entered_at", "transitioned_at"),
        gxe.UnexpectedRowsExpectation(
            description=(
                "a deal's transitions are ordered in time: numbered 1, 2, ... by time, each "
                "leaving the stage the previous one entered, the first being the creation"
            ),
            unexpected_rows_query=(
                "SELECT stage_transition_id FROM ("
                " SELECT stage_transition_id, transition_number, from_stage, transitioned_at,"
                "  is_creation,"
                "  row_number() OVER w AS expected_number,"
                "  lag(to_stage) OVER w AS previous_to_stage,"
                "  lag(transitioned_at) OVER w AS previous_at"
                " FROM {batch}"
                " WINDOW w AS (PARTITION BY opportunity_id"
                "  ORDER BY transition_number, transitioned_at)"
                ") WHERE transition_number <> expected_number"
                " OR transitioned_at < previous_at"
                " OR (expected_number = 1 AND (NOT is_creation OR from_stage IS NOT NULL))"
                " OR (expected_number > 1 AND from_stage IS DISTINCT FROM previous_to_stage)"
            ),
        ),
    ]


def _fct_activities() -> list[Expectation]:
    import great_expectations.expectations as gxe

    return [
        *key_expectations("activity_id"),
        gxe.ExpectColumnValuesToBeInSet(column="activity_type", value_set=list(ACTIVITY_TYPES)),
        gxe.ExpectColumnValuesToBeInSet(column="origin", value_set=list(ACTIVITY_ORIGINS)),
        gxe.ExpectColumnValuesToBeBetween(column="duration_minutes", min_value=0),
        gxe.ExpectColumnValuesToNotBeNull(column="activity_at"),
    ]


def _fct_sales_targets() -> list[Expectation]:
    import great_expectations.expectations as gxe

    return [
        *key_expectations("sales_target_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="target_amount"),
        gxe.ExpectColumnValuesToBeBetween(column="target_amount", min_value=0),
        gxe.ExpectColumnValuesToBeInSet(column="period_grain", value_set=list(TARGET_GRAINS)),
        ends_after_start("sales_target_id", "period_start", "period_end"),
    ]


def _fact(name: str, factory: object, description: str) -> SuiteSpec:
    return SuiteSpec(
        name=name,
        schema="marts",
        table=name,
        asset_key=("marts", name),
        blocking=True,
        expectations=factory,  # type: ignore[arg-type]
        description=description,
    )


FCT_OPPORTUNITIES = _fact(
    "fct_opportunities", _fct_opportunities, "One row per opportunity, canonical stages"
)

SUITES: tuple[SuiteSpec, ...] = (
    FCT_OPPORTUNITIES,
    _fact(
        "fct_stage_transitions",
        _fct_stage_transitions,
        "Stage transitions in time order, non-negative stays",
    ),
    _fact("fct_activities", _fct_activities, "Activities: unique, typed, non-negative durations"),
    _fact("fct_sales_targets", _fct_sales_targets, "Targets: amounts and periods"),
)
