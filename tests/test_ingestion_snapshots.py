"""Stage history from repeated full snapshots: dated-snapshot table -> validity ranges -> changes.

Ingestion lands every daily export under `snapshots/` in `<source>.opportunity_snapshot`; the
staging models turn it into validity ranges (SCD2) and stage changes through the macros in
dbt_project/macros/snapshot_history.sql. The macros are plain Jinja over SQL, so this test
renders them without starting dbt and runs them on the warehouse the ingestion filled.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import jinja2
from test_ingestion_incremental import snapshot_landing
from test_ingestion_support import run, warehouse

MACROS = Path(__file__).parents[1] / "dbt_project" / "macros"


def render(call: str) -> str:
    text = "".join(
        (MACROS / name).read_text() for name in ("snapshot_history.sql", "utc_midnight.sql")
    )
    return jinja2.Environment().from_string(text + call).render()


def test_full_snapshots_become_validity_ranges_and_stage_changes(tmp_path: Path) -> None:
    snapshot_landing(tmp_path, "2026-10-01", "2026-10-02", "2026-10-03")
    run(tmp_path, "salesforce")
    ranges_sql = render(
        "{{ snapshot_validity_ranges('raw_salesforce.opportunity_snapshot', key='id', "
        "tracked=['stage_name', 'amount'], deleted_flag='is_deleted') }}"
    )
    with duckdb.connect(str(warehouse(tmp_path))) as connection:
        connection.execute(f"create view ranges as {ranges_sql}")
        versions = connection.execute(
            "select record_key, stage_name, amount, is_deleted, is_vanished, valid_from, "
            "valid_to, is_current from ranges order by record_key, valid_from"
        ).fetchall()
        changes = connection.execute(
            "select record_key, previous_stage_label, source_stage_label, observed_on, "
            "previous_snapshot_date from ("
            + render(
                "{{ snapshot_stage_changes('ranges', key='record_key', "
                "stage_column='stage_name') }}"
            )
            + ") order by record_key, observed_on"
        ).fetchall()
    d1, d2, d3 = date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)
    assert versions == [
        ("006A", "Prospecting", 1000.0, False, False, d1, d2, False),
        ("006A", "Needs Analysis", 1000.0, False, False, d2, d3, False),
        ("006A", "Proposal/Price Quote", 1200.0, False, False, d3, None, True),
        ("006B", "Qualification", 2000.0, False, False, d1, d2, False),
        ("006B", "Qualification", 2500.0, False, False, d2, d3, False),
        # absent from the 10-03 snapshot: deleted from then on, last values kept
        ("006B", "Qualification", 2500.0, True, True, d3, None, True),
        ("006C", "Needs Analysis", 3000.0, False, False, d1, d3, False),
        # exported with IsDeleted = true
        ("006C", "Closed Lost", 3000.0, True, False, d3, None, True),
        ("006D", "Prospecting", 500.0, False, False, d3, None, True),
    ]
    assert changes == [
        ("006A", None, "Prospecting", d1, None),
        ("006A", "Prospecting", "Needs Analysis", d2, d1),
        ("006A", "Needs Analysis", "Proposal/Price Quote", d3, d2),
        ("006B", None, "Qualification", d1, None),  # an amount change is no stage change
        ("006C", None, "Needs Analysis", d1, None),  # the deleted version is no stage change
        ("006D", None, "Prospecting", d3, d2),  # first seen on 10-03, created after 10-02
    ]


def test_a_record_that_comes_back_starts_a_new_version(tmp_path: Path) -> None:
    folder = tmp_path / "landing" / "salesforce" / "snapshots"
    folder.mkdir(parents=True)
    header = '"Id","StageName","CreatedDate"\n'
    days = {"2026-10-01": ["Prospecting"], "2026-10-02": [], "2026-10-03": ["Qualification"]}
    for day, stages in days.items():
        rows = "".join(f'"006X","{s}","2026-09-01T00:00:00Z"\n' for s in stages)
        other = '"006Y","Prospecting","2026-09-01T00:00:00Z"\n'  # keeps 10-02 non-empty
        (folder / f"Opportunity_{day}.csv").write_text(header + rows + other)
    run(tmp_path, "salesforce")
    sql = render(
        "{{ snapshot_validity_ranges('raw_salesforce.opportunity_snapshot', key='id', "
        "tracked=['stage_name']) }}"
    )
    with duckdb.connect(str(warehouse(tmp_path)), read_only=True) as connection:
        versions = connection.execute(
            f"select stage_name, is_deleted, valid_from from ({sql}) "
            "where record_key = '006X' order by valid_from"
        ).fetchall()
    assert versions == [
        ("Prospecting", False, date(2026, 10, 1)),
        ("Prospecting", True, date(2026, 10, 2)),
        ("Qualification", False, date(2026, 10, 3)),
    ]
