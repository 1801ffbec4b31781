"""Suites over dbt fact models in schema ``marts`` (asset key ``("marts", <model_name>)``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from expectations.spec import SuiteSpec

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

#: Canonical funnel stages (docs: kpi_definitions.md, "Canonical funnel").
CANONICAL_STAGES = ("qualification", "presentation", "proposal", "contract", "won", "lost")


def _fct_opportunities() -> list[Expectation]:
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToNotBeNull(column="opportunity_id"),
        gxe.ExpectColumnValuesToBeUnique(column="opportunity_id"),
        gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=0),
        # Open opportunities have no closed_at; only rows with both timestamps are judged.
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="closed_at",
            column_B="created_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        gxe.ExpectColumnValuesToBeInSet(column="current_stage", value_set=list(CANONICAL_STAGES)),
        gxe.ExpectColumnValuesToBeBetween(column="sales_cycle_days", min_value=0),
    ]


FCT_OPPORTUNITIES = SuiteSpec(
    name="fct_opportunities",
    schema="marts",
    table="fct_opportunities",
    asset_key=("marts", "fct_opportunities"),
    blocking=True,
    expectations=_fct_opportunities,
    description="One row per opportunity, canonical stages",
)

SUITES: tuple[SuiteSpec, ...] = (FCT_OPPORTUNITIES,)
