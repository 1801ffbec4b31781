"""Failing rows of each kind of expectation, with the export file and row they came from
(expectations/failing_rows.py), on a hand-built warehouse."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import duckdb
import pytest

from expectations.failing_rows import failing_rows

SQL = """
create schema raw_salesforce;
create schema staging;
create schema marts;
-- raw: every row knows its file and row
create table raw_salesforce.opportunity as select * from (values
    ('o1', 100.0, 'won',  date '2025-01-10', 'salesforce/Opportunity.csv', 1),
    ('o2', -5.0,  'won',  date '1902-01-01', 'salesforce/Opportunity.csv', 2),
    ('o3', null,  'Lost', date '2025-03-01', 'salesforce/Opportunity.csv', 3),
    ('o3', 20.0,  null,   date '2025-04-01', 'salesforce/Opportunity_2025-05-01.csv', 1)
) t(id, amount, stage_name, close_date, _source_file, _source_row);
-- staging: first column is the export row's own key
create view staging.stg_salesforce__opportunities as
    select id as opportunity_id, _source_file, _source_row from raw_salesforce.opportunity;
create view staging.stg_hubspot__deals as select * from (values
    ('77', 'hubspot/hubspot-crm-exports-all-deals.csv', 4)
) t(deal_id, _source_file, _source_row);
create view staging.stg_salesforce__opportunity_histories as select * from (values
    ('h9', 'o1', 'salesforce/OpportunityHistory.csv', 12)
) t(opportunity_history_id, opportunity_id, _source_file, _source_row);
-- a mart: built from several exports, no file columns
create table marts.fct_opportunities as select * from (values
    ('o1', date '2025-01-10', date '2025-01-01', 'won'),
    ('o2', date '2025-01-01', date '2025-02-01', 'won'),
    ('hubspot:77', date '2025-01-05', date '2025-01-09', 'lost'),
    ('acme:5', date '2025-01-01', date '2025-01-20', 'won')
) t(opportunity_id, created_date, closed_date, current_stage);
create table marts.fct_stage_transitions as select * from (values
    ('o1:2', 'o1', 'h9', 2),
    ('o2:1', 'o2', null, 1)
) t(stage_transition_id, opportunity_id, source_history_id, transition_number);
"""


@pytest.fixture
def connection() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect() as connection:
        connection.execute(SQL)
        yield connection


def _rows(connection, schema, table, expectation, **kwargs: Any) -> list[tuple[Any, ...]]:
    found = failing_rows(connection, schema, table, expectation, kwargs, limit=3)
    return [(r.source_file, r.source_row, r.values) for r in found]


def test_raw_rows_come_with_their_file_and_row(connection) -> None:
    raw = ("raw_salesforce", "opportunity")
    assert _rows(
        connection, *raw, "expect_column_values_to_be_between", column="amount", min_value=0
    ) == [("salesforce/Opportunity.csv", 2, {"amount": -5.0})]
    # Dates in kwargs arrive as ISO strings; the 1902 close date is out of range.
    assert _rows(
        connection,
        *raw,
        "expect_column_values_to_be_between",
        column="close_date",
        min_value="2000-01-01",
        max_value="2100-01-01",
    ) == [("salesforce/Opportunity.csv", 2, {"close_date": dt.date(1902, 1, 1)})]
    assert _rows(connection, *raw, "expect_column_values_to_not_be_null", column="stage_name") == [
        ("salesforce/Opportunity_2025-05-01.csv", 1, {"stage_name": None})
    ]
    # Both rows of the duplicated key, in file order.
    assert _rows(connection, *raw, "expect_column_values_to_be_unique", column="id") == [
        ("salesforce/Opportunity.csv", 3, {"id": "o3"}),
        ("salesforce/Opportunity_2025-05-01.csv", 1, {"id": "o3"}),
    ]
    # 'Lost' is not in the set; the null stage is not judged by this expectation.
    assert _rows(
        connection,
        *raw,
        "expect_column_values_to_be_in_set",
        column="stage_name",
        value_set=["won", "lost"],
    ) == [("salesforce/Opportunity.csv", 3, {"stage_name": "Lost"})]


def test_rows_of_a_custom_query_are_joined_back_to_their_file(connection) -> None:
    query = "SELECT id, amount FROM {batch} WHERE amount < 0"
    assert _rows(
        connection,
        "raw_salesforce",
        "opportunity",
        "unexpected_rows_expectation",
        unexpected_rows_query=query,
    ) == [("salesforce/Opportunity.csv", 2, {"id": "o2", "amount": -5.0})]


def test_mart_rows_are_traced_to_the_export_row_of_their_key(connection) -> None:
    rows = _rows(
        connection,
        "marts",
        "fct_opportunities",
        "expect_column_pair_values_a_to_be_greater_than_b",
        column_A="created_date",
        column_B="closed_date",
        or_equal=True,
        ignore_row_if="either_value_is_missing",
    )
    # created >= closed is broken by every row but o1 (created 01-10 >= closed 01-01).
    # o2 is traced by its own id, hubspot:77 by its deal id without the source prefix; no
    # staging row has the key acme:5, so it is shown untraced.
    traced = {r[2]["opportunity_id"]: (r[0], r[1]) for r in rows}
    assert traced == {
        "o2": ("salesforce/Opportunity.csv", 2),
        "hubspot:77": ("hubspot/hubspot-crm-exports-all-deals.csv", 4),
        "acme:5": (None, None),
    }
    assert next(r[2] for r in rows if r[2]["opportunity_id"] == "o2") == {
        "opportunity_id": "o2",
        "created_date": dt.date(2025, 1, 1),
        "closed_date": dt.date(2025, 2, 1),
    }


def test_a_transition_is_traced_by_its_source_history_row(connection) -> None:
    query = "SELECT stage_transition_id FROM {batch} WHERE transition_number = 2"
    assert _rows(
        connection,
        "marts",
        "fct_stage_transitions",
        "unexpected_rows_expectation",
        unexpected_rows_query=query,
    ) == [
        (
            "salesforce/OpportunityHistory.csv",
            12,
            {"stage_transition_id": "o1:2", "source_history_id": "h9", "opportunity_id": "o1"},
        )
    ]
    # An expectation kind it cannot express is not guessed at.
    assert (
        _rows(
            connection, "marts", "fct_stage_transitions", "expect_table_row_count_to_equal", value=3
        )
        == []
    )


def test_rows_behind_failed_dbt_tests(connection) -> None:
    from expectations.failing_rows import failing_rows_of_test

    raw = ("raw_salesforce", "opportunity")

    def rows(sql: str, relation=None, column=None) -> list[tuple[Any, ...]]:
        found = failing_rows_of_test(connection, sql, relation, column)
        return [(r.source_file, r.source_row, r.values) for r in found]

    # dbt's `unique` returns the duplicated value and its count: both rows holding it.
    unique = (
        "select id as unique_field, count(*) as n_records from raw_salesforce.opportunity"
        " where id is not null group by id having count(*) > 1"
    )
    assert rows(unique, raw, "id") == [
        ("salesforce/Opportunity.csv", 3, {"id": "o3"}),
        ("salesforce/Opportunity_2025-05-01.csv", 1, {"id": "o3"}),
    ]
    # `not_null` returns the null values: the row holding the null.
    not_null = "select stage_name from raw_salesforce.opportunity where stage_name is null"
    assert rows(not_null, raw, "stage_name") == [
        ("salesforce/Opportunity_2025-05-01.csv", 1, {"stage_name": None})
    ]
    # A singular test on a mart returns mart rows: traced through their keys.
    singular = "select opportunity_id from marts.fct_opportunities where current_stage = 'lost'"
    assert rows(singular) == [
        ("hubspot/hubspot-crm-exports-all-deals.csv", 4, {"opportunity_id": "hubspot:77"})
    ]


def test_failed_dbt_test_results_carry_their_failing_rows(tmp_path) -> None:
    from types import SimpleNamespace

    import dagster as dg

    from orchestration.dbt_results import with_failing_rows

    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(SQL)
    test_id = "test.crm.unique_opportunity_id"
    invocation = SimpleNamespace(
        manifest={
            "nodes": {
                test_id: {
                    "unique_id": test_id,
                    "column_name": "id",
                    "attached_node": None,
                    "depends_on": {"nodes": ["source.crm.salesforce.opportunity"]},
                }
            },
            "sources": {
                "source.crm.salesforce.opportunity": {
                    "schema": "raw_salesforce",
                    "identifier": "opportunity",
                    "name": "opportunity",
                }
            },
        },
        get_artifact=lambda name: {
            "results": [
                {
                    "unique_id": test_id,
                    "compiled_code": "select id as unique_field, count(*) as n_records"
                    " from raw_salesforce.opportunity group by id having count(*) > 1",
                }
            ]
        },
    )
    failed = dg.AssetCheckResult(
        asset_key=dg.AssetKey(["salesforce", "opportunity"]),
        check_name="unique_opportunity_id",
        passed=False,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"unique_id": test_id, "dagster_dbt/failed_row_count": 1},
    )

    (result,) = with_failing_rows([failed], invocation, warehouse)

    assert result.passed is False and result.check_name == "unique_opportunity_id"
    assert result.metadata["failing_rows"].value == {
        "unique_opportunity_id": [
            {"source_file": "salesforce/Opportunity.csv", "source_row": 3, "values": {"id": "o3"}},
            {
                "source_file": "salesforce/Opportunity_2025-05-01.csv",
                "source_row": 1,
                "values": {"id": "o3"},
            },
        ]
    }
