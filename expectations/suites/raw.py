"""Suites over dlt raw tables (schema ``raw_<source>``; asset key ``(<source>, <table>)``).

What ingestion already guarantees (types, required values, non-negative amounts: a row that
breaks them is quarantined) is not re-checked here. These suites guard what typing cannot
see: duplicate keys across export files, values outside the allowed sets, and dates that
parse but cannot be right (two-digit years, epoch zero, an end before its start).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from expectations.spec import SuiteSpec

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

#: Dates outside this window are typing accidents (1900-01-01, 0001-01-01, year 2099+...).
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 1, 1)


def key_expectations(column: str) -> list[Expectation]:
    """Not null and unique: the primary key of a table."""
    import great_expectations.expectations as gxe

    return [
        gxe.ExpectColumnValuesToNotBeNull(column=column),
        gxe.ExpectColumnValuesToBeUnique(column=column),
    ]


def dates_in_range(key: str, *columns: str) -> Expectation:
    """Every non-null value of `columns` lies in [EARLIEST, LATEST)."""
    import great_expectations.expectations as gxe

    condition = " OR ".join(
        f"(CAST({c} AS DATE) < DATE '{EARLIEST}' OR CAST({c} AS DATE) >= DATE '{LATEST}')"
        for c in columns
    )
    return gxe.UnexpectedRowsExpectation(
        description=f"{', '.join(columns)} between {EARLIEST} and {LATEST}",
        # Narrow select list: GX fetches every row this query returns.
        unexpected_rows_query=(
            f"SELECT {key}, {', '.join(columns)} FROM {{batch}} WHERE {condition}"
        ),
    )


def ends_after_start(key: str, start: str, end: str) -> Expectation:
    import great_expectations.expectations as gxe

    return gxe.UnexpectedRowsExpectation(
        description=f"{end} >= {start}",
        unexpected_rows_query=(
            f"SELECT {key}, {start}, {end} FROM {{batch}} WHERE {end} < {start}"
        ),
    )


def booleans_present(*columns: str) -> list[Expectation]:
    import great_expectations.expectations as gxe

    return [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in columns]


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
            column="close_date", min_value=EARLIEST, max_value=LATEST
        ),
        # GX set membership skips nulls, so "true or false" also needs not-null.
        gxe.ExpectColumnValuesToBeInSet(column="is_closed", value_set=[True, False]),
        gxe.ExpectColumnValuesToNotBeNull(column="is_closed"),
        gxe.ExpectColumnValuesToBeInSet(column="is_won", value_set=[True, False]),
        gxe.ExpectColumnValuesToNotBeNull(column="is_won"),
    ]


def _salesforce_user() -> list[Expectation]:
    import great_expectations.expectations as gxe

    return [
        *key_expectations("id"),
        # Reps are matched to calendars and quota sheets by e-mail. (GX has no LIKE
        # support for the duckdb dialect, hence SQL.)
        gxe.UnexpectedRowsExpectation(
            description="email looks like an e-mail address",
            unexpected_rows_query=(
                "SELECT id, email FROM {batch} WHERE email IS NOT NULL AND email NOT LIKE '%_@_%'"
            ),
        ),
        dates_in_range("id", "created_date"),
    ]


def _salesforce_account() -> list[Expectation]:
    import great_expectations.expectations as gxe

    return [
        *key_expectations("id"),
        gxe.ExpectColumnValuesToBeBetween(column="number_of_employees", min_value=0),
        dates_in_range("id", "created_date"),
    ]


def _salesforce_opportunity_history() -> list[Expectation]:
    import great_expectations.expectations as gxe

    return [
        *key_expectations("id"),
        gxe.ExpectColumnValuesToNotBeNull(column="opportunity_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="stage_name"),
        gxe.ExpectColumnValuesToNotBeNull(column="created_date"),
        gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="probability", min_value=0, max_value=100),
        dates_in_range("id", "created_date", "close_date"),
    ]


def _salesforce_task() -> list[Expectation]:
    import great_expectations.expectations as gxe

    return [
        *key_expectations("id"),
        gxe.ExpectColumnValuesToBeBetween(column="call_duration_in_seconds", min_value=0),
        dates_in_range("id", "activity_date", "created_date"),
    ]


def _salesforce_event() -> list[Expectation]:
    import great_expectations.expectations as gxe

    return [
        *key_expectations("id"),
        gxe.ExpectColumnValuesToBeBetween(column="duration_in_minutes", min_value=0),
        ends_after_start("id", "start_date_time", "end_date_time"),
        dates_in_range("id", "activity_date_time", "start_date_time", "created_date"),
    ]


def _calendar_event() -> list[Expectation]:
    import great_expectations.expectations as gxe

    return [
        *key_expectations("occurrence_id"),
        gxe.ExpectColumnValuesToNotBeNull(column="start_at"),
        gxe.ExpectColumnValuesToBeInSet(
            column="status", value_set=["CONFIRMED", "TENTATIVE", "CANCELLED"]
        ),
        ends_after_start("occurrence_id", "start_at", "end_at"),
        dates_in_range("occurrence_id", "start_at"),
    ]


def _sales_target() -> list[Expectation]:
    import great_expectations.expectations as gxe

    return [
        *key_expectations("target_id"),
        gxe.ExpectColumnValuesToBeInSet(column="scope_type", value_set=["rep", "team"]),
        gxe.ExpectColumnValuesToNotBeNull(column="scope_type"),
        gxe.ExpectColumnValuesToBeInSet(column="period_grain", value_set=["month", "quarter"]),
        gxe.ExpectColumnValuesToNotBeNull(column="target_amount"),
        gxe.ExpectColumnValuesToBeBetween(column="target_amount", min_value=0),
        ends_after_start("target_id", "period_start", "period_end"),
        dates_in_range("target_id", "period_start", "period_end"),
        gxe.UnexpectedRowsExpectation(
            description="a rep target names the rep's e-mail",
            unexpected_rows_query=(
                "SELECT target_id FROM {batch} WHERE scope_type = 'rep' AND rep_email IS NULL"
            ),
        ),
    ]


def _raw(source: str, table: str, factory: object, description: str) -> SuiteSpec:
    return SuiteSpec(
        name=f"raw_{source}_{table}",
        schema=f"raw_{source}",
        table=table,
        asset_key=(source, table),
        blocking=True,
        expectations=factory,  # type: ignore[arg-type]
        description=description,
    )


RAW_SALESFORCE_OPPORTUNITY = _raw(
    "salesforce",
    "opportunity",
    _salesforce_opportunity,
    "Salesforce Opportunity export as loaded by dlt",
)

SUITES: tuple[SuiteSpec, ...] = (
    RAW_SALESFORCE_OPPORTUNITY,
    _raw("salesforce", "user", _salesforce_user, "Salesforce users: unique ids, e-mails"),
    _raw("salesforce", "account", _salesforce_account, "Salesforce accounts"),
    _raw(
        "salesforce",
        "opportunity_history",
        _salesforce_opportunity_history,
        "Salesforce stage history: keys, probabilities, dates",
    ),
    _raw("salesforce", "task", _salesforce_task, "Salesforce tasks: keys, durations, dates"),
    _raw("salesforce", "event", _salesforce_event, "Salesforce events: keys, start <= end"),
    _raw("calendar", "calendar_event", _calendar_event, "Calendar occurrences from ICS exports"),
    _raw("targets", "sales_target", _sales_target, "Quota sheet rows: scopes, grains, periods"),
)
