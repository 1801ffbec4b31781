"""Lossless ingestion: for every file, rows in = rows loaded + rows quarantined.

Each test writes a small export the way the tool writes it, ingests it through the real dlt
pipeline, and checks the raw table, the quarantine and the per-file accounting.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingestion.common.ledger import IngestionLedger
from ingestion.pipeline import SOURCE_FAMILIES, ingest_landing

OPPORTUNITY_HEADER = (
    '"Id","AccountId","OwnerId","Name","StageName","Amount","CurrencyIsoCode","Probability",'
    '"CloseDate","IsClosed","IsWon","Type","LeadSource","CreatedDate","LastModifiedDate",'
    '"IsDeleted"'
)


def opportunity_row(
    opportunity_id: str,
    amount: str = "1000.0",
    close_date: str = "2025-03-04",
    created: str = "2025-01-01T10:00:00.000Z",
    stage: str = "Prospecting",
) -> str:
    values = [
        opportunity_id,
        "001A",
        "005A",
        f"Deal {opportunity_id}",
        stage,
        amount,
        "USD",
        "10",
        close_date,
        "false",
        "false",
        "New Business",
        "Web",
        created,
        "2025-03-04T10:00:00.000Z",
        "false",
    ]
    return ",".join(f'"{v}"' for v in values)


def write(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))


def ingest(tmp_path: Path, *families: str) -> duckdb.DuckDBPyConnection:
    """Ingest the landing folder (only `families`, when given: each costs a pipeline run)."""
    warehouse = tmp_path / "warehouse" / "w.duckdb"
    report = ingest_landing(tmp_path / "landing", warehouse, families=families or None)
    for ledger in report.ledgers:
        assert not ledger.unbalanced_files, ledger.summary()
    return duckdb.connect(str(warehouse), read_only=True)


def accounting(connection: duckdb.DuckDBPyConnection, source_file: str) -> tuple[int, int, int]:
    row = connection.execute(
        "select rows_in, rows_loaded, rows_quarantined from quarantine.file_loads "
        "where source_file = ?",
        [source_file],
    ).fetchone()
    assert row is not None, f"no accounting for {source_file}"
    return row


def rejections(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, int, str, str]]:
    return connection.execute(
        "select source_file, source_row, column_name, reason from quarantine.rejected_rows "
        "order by source_row, column_name"
    ).fetchall()


def test_clean_file_loads_every_row_with_lineage(tmp_path: Path) -> None:
    rows = [opportunity_row(f"006{i}") for i in range(1, 4)]
    write(tmp_path / "landing/salesforce/Opportunity.csv", "\n".join([OPPORTUNITY_HEADER, *rows]))
    with ingest(tmp_path, "salesforce") as connection:
        assert accounting(connection, "salesforce/Opportunity.csv") == (3, 3, 0)
        loaded = connection.execute(
            "select id, amount, close_date::varchar, _source_file, _source_row "
            "from raw_salesforce.opportunity order by _source_row"
        ).fetchall()
    assert loaded == [
        ("0061", 1000.0, "2025-03-04", "salesforce/Opportunity.csv", 1),
        ("0062", 1000.0, "2025-03-04", "salesforce/Opportunity.csv", 2),
        ("0063", 1000.0, "2025-03-04", "salesforce/Opportunity.csv", 3),
    ]


@pytest.mark.parametrize(
    ("bad_row", "column", "reason"),
    [
        (opportunity_row("006X", close_date="31/02/2025"), "close_date", "not a valid date"),
        (opportunity_row("006X", amount="12k"), "amount", "not a valid double"),
        (opportunity_row("006X", amount="-5"), "amount", "negative value"),
        (opportunity_row("", amount="5"), "id", "missing required value"),
        (opportunity_row("006X", created=""), "created_date", "missing required value"),
    ],
)
def test_bad_value_goes_to_quarantine_with_file_row_and_column(
    tmp_path: Path, bad_row: str, column: str, reason: str
) -> None:
    rows = [opportunity_row("0061"), bad_row, opportunity_row("0063")]
    write(tmp_path / "landing/salesforce/Opportunity.csv", "\n".join([OPPORTUNITY_HEADER, *rows]))
    with ingest(tmp_path, "salesforce") as connection:
        assert accounting(connection, "salesforce/Opportunity.csv") == (3, 2, 1)
        [(source_file, source_row, column_name, message)] = rejections(connection)
        loaded_rows = connection.execute(
            "select _source_row from raw_salesforce.opportunity order by 1"
        ).fetchall()
        raw_record = connection.execute(
            "select raw_record from quarantine.rejected_rows"
        ).fetchone()
    assert (source_file, source_row, column_name) == ("salesforce/Opportunity.csv", 2, column)
    assert message.startswith(reason)
    assert loaded_rows == [(1,), (3,)]
    assert raw_record is not None and '"Name":"Deal' in raw_record[0]


def test_row_with_wrong_field_count_is_quarantined_and_later_rows_keep_their_numbers(
    tmp_path: Path,
) -> None:
    rows = [opportunity_row("0061"), '"0062","only","three"', opportunity_row("0063")]
    write(tmp_path / "landing/salesforce/Opportunity.csv", "\n".join([OPPORTUNITY_HEADER, *rows]))
    with ingest(tmp_path, "salesforce") as connection:
        assert accounting(connection, "salesforce/Opportunity.csv") == (3, 2, 1)
        assert rejections(connection) == [
            ("salesforce/Opportunity.csv", 2, None, "expected 16 fields, found 3")
        ]
        assert connection.execute(
            "select id, _source_row from raw_salesforce.opportunity order by 2"
        ).fetchall() == [("0061", 1), ("0063", 3)]


def test_quoted_newlines_do_not_shift_row_numbers(tmp_path: Path) -> None:
    multiline = opportunity_row("0062").replace('"Deal 0062"', '"Deal\n0062, renewal"')
    rows = [opportunity_row("0061"), multiline, opportunity_row("0063", amount="x")]
    write(tmp_path / "landing/salesforce/Opportunity.csv", "\n".join([OPPORTUNITY_HEADER, *rows]))
    with ingest(tmp_path, "salesforce") as connection:
        assert accounting(connection, "salesforce/Opportunity.csv") == (3, 2, 1)
        assert [r[1] for r in rejections(connection)] == [3]
        name = connection.execute(
            "select name from raw_salesforce.opportunity where _source_row = 2"
        ).fetchone()
    assert name == ("Deal\r\n0062, renewal",)


@pytest.mark.parametrize(
    ("content", "reason_part"),
    [
        (b"", "file is empty"),
        (b"\x00\x01\x02PK\x03\x04binary", "NUL bytes"),
        (b'"Id","Name"\n"0061","x"\n', "missing required column(s)"),
    ],
)
def test_unreadable_file_is_refused_and_the_rest_still_loads(
    tmp_path: Path, content: bytes, reason_part: str
) -> None:
    (tmp_path / "landing/salesforce").mkdir(parents=True)
    (tmp_path / "landing/salesforce/Opportunity_broken.csv").write_bytes(content)
    write(
        tmp_path / "landing/salesforce/Opportunity.csv",
        "\n".join([OPPORTUNITY_HEADER, opportunity_row("0061")]),
    )
    with ingest(tmp_path, "salesforce") as connection:
        refused = connection.execute(
            "select source_file, reason, table_name from quarantine.rejected_files"
        ).fetchall()
        loaded = connection.execute("select count(*) from raw_salesforce.opportunity").fetchone()
    assert len(refused) == 1
    assert refused[0][0] == "salesforce/Opportunity_broken.csv"
    assert reason_part in refused[0][1]
    assert refused[0][2] == "opportunity"
    assert loaded == (1,)


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8-sig", ","), ("utf-16", "\t"), ("gb18030", ";"), ("utf-8", ";")],
)
def test_encodings_and_delimiters(tmp_path: Path, encoding: str, delimiter: str) -> None:
    header = OPPORTUNITY_HEADER.replace(",", delimiter)
    row = opportunity_row("0061", stage="方案报价").replace(",", delimiter)
    write(tmp_path / "landing/salesforce/Opportunity.csv", f"{header}\n{row}\n", encoding)
    with ingest(tmp_path, "salesforce") as connection:
        assert accounting(connection, "salesforce/Opportunity.csv") == (1, 1, 0)
        assert connection.execute(
            "select id, stage_name from raw_salesforce.opportunity"
        ).fetchall() == [("0061", "方案报价")]


def test_every_raw_table_exists_even_without_exports(tmp_path: Path) -> None:
    (tmp_path / "landing").mkdir()
    with ingest(tmp_path) as connection:
        tables = {
            f"{schema}.{name}"
            for schema, name in connection.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema like 'raw_%' and table_name not like '_dlt%'"
            ).fetchall()
            if not schema.endswith("_staging")
        }
    expected = {
        f"{family.dataset_name}.{resource}"
        for family in SOURCE_FAMILIES
        for resource in family.source(tmp_path / "landing", IngestionLedger(family.name)).resources
    }
    assert tables == expected
    assert {
        "raw_salesforce.opportunity",
        "raw_salesforce.opportunity_snapshot",
        "raw_hubspot.deal_stage_history",
        "raw_pipedrive.deal_flow",
        "raw_crm.stage_mapping",
        "raw_calendar.calendar_event",
        "raw_targets.sales_target",
    } <= tables


def test_reingesting_the_same_files_changes_nothing(tmp_path: Path) -> None:
    rows = [opportunity_row(f"006{i}") for i in range(1, 4)]
    write(tmp_path / "landing/salesforce/Opportunity.csv", "\n".join([OPPORTUNITY_HEADER, *rows]))
    write(
        tmp_path / "landing/targets/quotas.csv",
        "Rep Email,Rep Name,Team,Period,Quota,Currency\na@x.com,A,East,2025-Q1,100000,USD\n",
    )
    query = (
        "select id, amount, _source_row from raw_salesforce.opportunity "
        "union all select target_id, target_amount, _source_row from raw_targets.sales_target "
        "order by 1"
    )
    with ingest(tmp_path, "salesforce", "targets") as connection:
        first = connection.execute(query).fetchall()
    with ingest(tmp_path, "salesforce", "targets") as connection:
        second = connection.execute(query).fetchall()
        quarantine_rows = connection.execute(
            "select count(*) from quarantine.file_loads"
        ).fetchone()
    assert first == second
    assert len(first) == 4
    assert quarantine_rows == (2,)


def test_quota_periods_parse_and_unknown_labels_are_quarantined(tmp_path: Path) -> None:
    write(
        tmp_path / "landing/targets/quotas.csv",
        "Rep Email,Rep Name,Team,Period,Quota,Currency\n"
        "A@X.com,Ann,East,2025-Q1,100000,USD\n"
        "a@x.com,Ann,East,Q2 2025,90000,USD\n"
        ",,West,2025年第3季度,50000,USD\n"
        "b@x.com,Bo,East,Mar 2025,10000,usd\n"
        "b@x.com,Bo,East,Q5 2025,10000,USD\n",
    )
    with ingest(tmp_path, "targets") as connection:
        assert accounting(connection, "targets/quotas.csv") == (5, 4, 1)
        targets = connection.execute(
            "select target_id, scope_type, period_grain, period_start::varchar, "
            "period_end::varchar, currency from raw_targets.sales_target order by _source_row"
        ).fetchall()
        [rejected] = rejections(connection)
    assert targets == [
        ("rep:a@x.com:quarter:2025-01-01", "rep", "quarter", "2025-01-01", "2025-03-31", "USD"),
        ("rep:a@x.com:quarter:2025-04-01", "rep", "quarter", "2025-04-01", "2025-06-30", "USD"),
        ("team:West:quarter:2025-07-01", "team", "quarter", "2025-07-01", "2025-09-30", "USD"),
        ("rep:b@x.com:month:2025-03-01", "rep", "month", "2025-03-01", "2025-03-31", "USD"),
    ]
    assert rejected[:3] == ("targets/quotas.csv", 5, "period")
