"""Incremental and idempotent: a landing folder that receives export files over time.

A file already read adds nothing; a newer export of the same records updates them; within one
run the newest file wins; an older export arriving late never overwrites a newer one; the
memory of what was read survives restarts and follows the warehouse.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from test_ingestion_support import (
    FIXTURES,
    landing_from,
    query,
    raw_tables,
    rejections,
    run,
    table_contents,
    warehouse,
)

ALL_DIALECTS = (
    ("salesforce_report", "salesforce"),
    ("salesforce_snapshots", "salesforce/snapshots"),
    ("hubspot", "hubspot"),
    ("pipedrive", "pipedrive"),
    ("crm_mapping", "crm"),
    ("calendar_exports", "calendar"),
    ("targets", "targets"),
)


def snapshot_landing(tmp_path: Path, *days: str) -> Path:
    folder = tmp_path / "landing" / "salesforce" / "snapshots"
    folder.mkdir(parents=True, exist_ok=True)
    for day in days:
        name = f"Opportunity_{day}.csv"
        shutil.copy(FIXTURES / "salesforce_snapshots" / name, folder / name)
    return folder


def opportunities(tmp_path: Path) -> list[tuple[object, ...]]:
    return query(
        tmp_path,
        "select id, stage_name, amount, _source_file from raw_salesforce.opportunity order by id",
    )


def test_running_twice_leaves_every_raw_and_quarantine_table_identical(tmp_path: Path) -> None:
    landing_from(tmp_path, *ALL_DIALECTS)
    first = run(tmp_path)
    tables = [
        *raw_tables(tmp_path),
        "quarantine.rejected_rows",
        "quarantine.rejected_files",
        "quarantine.file_loads",
    ]
    before = {table: table_contents(tmp_path, table) for table in tables}
    assert sum(len(rows) for rows in before.values()) > 100
    second = run(tmp_path)
    after = {table: table_contents(tmp_path, table) for table in tables}
    for table in tables:
        assert after[table] == before[table], table  # every column, `_dlt_load_id` included
    assert first.rows_loaded > 0
    assert second.rows_loaded == 0  # nothing read again
    assert all(ledger.files == [] for ledger in second.ledgers)


def test_a_newer_export_updates_records_and_a_late_older_one_cannot_overwrite(
    tmp_path: Path,
) -> None:
    folder = snapshot_landing(tmp_path, "2026-10-01")
    run(tmp_path, "salesforce")
    assert [r[:3] for r in opportunities(tmp_path)] == [
        ("006A", "Prospecting", 1000.0),
        ("006B", "Qualification", 2000.0),
        ("006C", "Needs Analysis", 3000.0),
    ]
    # a newer daily export arrives: merged on the primary key
    snapshot_landing(tmp_path, "2026-10-03")
    report = run(tmp_path, "salesforce")
    assert [a.source_file for a in report.ledgers[0].files if a.table_name == "opportunity"] == [
        "salesforce/snapshots/Opportunity_2026-10-03.csv"
    ]
    newest = opportunities(tmp_path)
    assert [r[:3] for r in newest] == [
        ("006A", "Proposal/Price Quote", 1200.0),
        ("006B", "Qualification", 2000.0),  # not in the newest export: kept as last seen
        ("006C", "Closed Lost", 3000.0),
        ("006D", "Prospecting", 500.0),
    ]
    # the day in between arrives late: every file is read again, the newest still wins
    snapshot_landing(tmp_path, "2026-10-02")
    report = run(tmp_path, "salesforce")
    assert any("older export arrived" in note for note in report.ledgers[0].notes)
    assert [r[:3] for r in opportunities(tmp_path)] == [
        ("006A", "Proposal/Price Quote", 1200.0),
        ("006B", "Qualification", 2500.0),  # the 10-02 version is newer than 10-01's
        ("006C", "Closed Lost", 3000.0),
        ("006D", "Prospecting", 500.0),
    ]
    assert len(list(folder.iterdir())) == 3
    assert query(tmp_path, "select count(*) from raw_salesforce.opportunity_snapshot") == [(9,)]


def test_within_one_run_the_newest_file_wins_for_every_key(tmp_path: Path) -> None:
    snapshot_landing(tmp_path, "2026-10-01", "2026-10-02", "2026-10-03")
    run(tmp_path, "salesforce")
    rows = opportunities(tmp_path)
    assert [(r[0], r[1], r[3].rsplit("_", 1)[-1]) for r in rows] == [
        ("006A", "Proposal/Price Quote", "2026-10-03.csv"),
        ("006B", "Qualification", "2026-10-02.csv"),
        ("006C", "Closed Lost", "2026-10-03.csv"),
        ("006D", "Prospecting", "2026-10-03.csv"),
    ]


def test_the_memory_of_read_files_survives_a_lost_pipeline_folder(tmp_path: Path) -> None:
    snapshot_landing(tmp_path, "2026-10-01")
    run(tmp_path, "salesforce")
    before = table_contents(tmp_path, "raw_salesforce.opportunity")
    # the local dlt folder is gone (a new machine, a wiped container): dlt restores its
    # state from the warehouse, so nothing is read again
    shutil.rmtree(warehouse(tmp_path).parent / ".w_dlt")
    report = run(tmp_path, "salesforce")
    assert report.ledgers[0].files == []
    assert table_contents(tmp_path, "raw_salesforce.opportunity") == before


def test_a_rebuilt_warehouse_is_loaded_again_from_the_landing_folder(tmp_path: Path) -> None:
    snapshot_landing(tmp_path, "2026-10-01")
    run(tmp_path, "salesforce")
    for path in warehouse(tmp_path).parent.glob("w.duckdb*"):
        path.unlink()  # the warehouse file goes, the pipeline folder stays
    run(tmp_path, "salesforce")
    assert len(opportunities(tmp_path)) == 3


def test_a_label_added_to_the_stage_mapping_seed_releases_quarantined_rows(
    tmp_path: Path, monkeypatch: object
) -> None:
    seed = tmp_path / "stage_mapping.csv"
    shutil.copy(FIXTURES.parents[1] / "dbt_project" / "seeds" / "stage_mapping.csv", seed)
    monkeypatch.setenv("CRMKPI_STAGE_MAPPING", str(seed))  # type: ignore[attr-defined]
    landing_from(tmp_path, ("salesforce_report", "salesforce"))
    run(tmp_path, "salesforce")
    assert len(rejections(tmp_path)) == 1  # "Verhandlung"
    with seed.open("a", encoding="utf-8") as handle:
        handle.write("salesforce,Verhandlung,contract,4,false,false\n")
    report = run(tmp_path, "salesforce")
    # only the stage-checked tables read their files again
    assert {a.table_name for a in report.ledgers[0].files} == {
        "opportunity",
        "opportunity_field_history",
    }
    assert rejections(tmp_path) == []
    assert query(
        tmp_path,
        "select new_value from raw_salesforce.opportunity_field_history "
        "where new_value = 'Verhandlung'",
    ) == [("Verhandlung",)]


def test_snapshot_files_need_their_date_in_the_name(tmp_path: Path) -> None:
    folder = snapshot_landing(tmp_path, "2026-10-01")
    shutil.copy(folder / "Opportunity_2026-10-01.csv", folder / "Opportunity_latest.csv")
    report = run(tmp_path, "salesforce")
    assert (
        "needs its date in the file name"
        in report.rejected_files["salesforce/snapshots/Opportunity_latest.csv"]
    )
    assert query(
        tmp_path, "select distinct snapshot_date from raw_salesforce.opportunity_snapshot"
    ) == [(date(2026, 10, 1),)]
