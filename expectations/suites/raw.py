"""Suites over dlt raw tables (schema ``raw_<source>``; asset key ``(<source>, <table>)``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from expectations.spec import SuiteSpec

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation


def _salesforce_opportunity() -> list[Expectation]:
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToNotBeNull(column="id"),
        gxe.ExpectColumnValuesToBeUnique(column="id"),
        # Nulls pass: an amount-less opportunity is legal in Salesforce.
        gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=0),
        gxe.ExpectColumnValuesToNotBeNull(column="created_date"),
        gxe.ExpectColumnValuesToNotBeNull(column="stage_name"),
        # Catches two-digit-year and epoch-zero typing accidents in the export.
        gxe.ExpectColumnValuesToBeBetween(
            column="close_date", min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1)
        ),
        # GX set membership skips nulls, so "true or false" also needs not-null.
        gxe.ExpectColumnValuesToBeInSet(column="is_closed", value_set=[True, False]),
        gxe.ExpectColumnValuesToNotBeNull(column="is_closed"),
        gxe.ExpectColumnValuesToBeInSet(column="is_won", value_set=[True, False]),
        gxe.ExpectColumnValuesToNotBeNull(column="is_won"),
    ]


RAW_SALESFORCE_OPPORTUNITY = SuiteSpec(
    name="raw_salesforce_opportunity",
    schema="raw_salesforce",
    table="opportunity",
    asset_key=("salesforce", "opportunity"),
    blocking=True,
    expectations=_salesforce_opportunity,
    description="Salesforce Opportunity export as loaded by dlt",
)

SUITES: tuple[SuiteSpec, ...] = (RAW_SALESFORCE_OPPORTUNITY,)
