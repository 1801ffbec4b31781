"""Suites over dbt KPI marts in schema ``marts`` (asset key ``("marts", <model_name>)``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from expectations.spec import SuiteSpec

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

SCOPES = ("company", "team", "rep")
PERIOD_GRAINS = ("week", "month", "quarter")


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
    ]


KPI_REP_PERIOD_PERFORMANCE = SuiteSpec(
    name="kpi_rep_period_performance",
    schema="marts",
    table="kpi_rep_period_performance",
    asset_key=("marts", "kpi_rep_period_performance"),
    blocking=True,
    expectations=_kpi_rep_period_performance,
    description="Win rate, attainment and activity KPIs per scope and period",
)

SUITES: tuple[SuiteSpec, ...] = (KPI_REP_PERIOD_PERFORMANCE,)
