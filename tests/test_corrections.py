"""Corrections: a file replaced in place supersedes its earlier version; `crmkpi retract`
removes a file's rows (and restores the older exports' rows it superseded); removing a file
from the landing folder retracts nothing.

Everything here runs the real dlt ingestion on small hand-built exports (see
test_ingestion_incremental.py for the newest-export-wins rules these build on).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from test_ingestion_incremental import opportunities, snapshot_landing
from test_ingestion_support import accounting, query, rejections, run, warehouse

from ingestion.retract import RetractionRefusedError, retract_exports
from orchestration.locking import warehouse_writer_lock
from orchestration.retraction import landing_names, run_retraction

HEADER = "Rep Email,Rep Name,Team,Period,Quota,Currency"


def _quota_sheet(path: Path, reps: int, months: range, extra: tuple[str, ...] = ()) -> None:
    """`reps` reps x `months` monthly targets of 2025: rep r's quota is 1000 * r."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [HEADER, *extra]
    for rep in range(1, reps + 1):
        for month in months:
            lines.append(
                f"rep{rep:02d}@acme.example,Rep {rep:02d},Enterprise,2025-{month:02d},"
                f"{1000 * rep},USD"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _targets(tmp_path: Path) -> list[tuple[object, ...]]:
    return query(
        tmp_path,
        "select count(*), min(period_start), max(period_start), sum(target_amount)"
        " from raw_targets.sales_target",
    )


def _retractions(tmp_path: Path) -> list[tuple[object, ...]]:
    return query(
        tmp_path,
        "select table_name, source_file, rows_deleted, reason from quarantine.retractions"
        " order by retracted_at, table_name, source_file",
    )


def _retract(tmp_path: Path, *names: str) -> object:
    return retract_exports(tmp_path / "landing", warehouse(tmp_path), list(names))


def test_a_quota_sheet_replaced_in_place_supersedes_its_earlier_version(tmp_path: Path) -> None:
    sheet = tmp_path / "landing" / "targets" / "quotas.csv"
    _quota_sheet(sheet, reps=15, months=range(1, 13))  # 15 x 12 = 180 targets
    run(tmp_path, "targets")
    # sum of quotas: 12 months x 1000 x (1 + ... + 15 = 120) = 1,440,000
    assert _targets(tmp_path)[0][0] == 180
    assert _targets(tmp_path)[0][3] == 1_440_000

    _quota_sheet(sheet, reps=15, months=range(1, 7))  # the same path, now 15 x 6 = 90 rows
    report = run(tmp_path, "targets")

    # 90 targets, January to June only: 6 x 1000 x 120 = 720,000
    (count, first, last, total) = _targets(tmp_path)[0]
    assert (count, str(first), str(last), total) == (90, "2025-01-01", "2025-06-01", 720_000)
    assert accounting(tmp_path, "sales_target", "targets/quotas.csv") == (90, 90, 0)
    # the deletion is logged (the incremental dbt models read it) and noted
    assert _retractions(tmp_path) == [("sales_target", "targets/quotas.csv", 180, "replaced")]
    assert any("targets/quotas.csv replaced" in note for note in report.ledgers[0].notes)
    # nothing new: nothing read, nothing deleted again
    again = run(tmp_path, "targets")
    assert again.ledgers[0].files == [] and _targets(tmp_path)[0][0] == 90
    assert len(_retractions(tmp_path)) == 1


def test_a_fixed_sheet_takes_its_failing_rows_with_it(tmp_path: Path) -> None:
    # a rep target without e-mail fails the blocking raw check "a rep target names the rep's
    # e-mail"; the fixed sheet gives her e-mail, so her target gets another target_id
    sheet = tmp_path / "landing" / "targets" / "quotas.csv"
    _quota_sheet(sheet, 1, range(1, 2), extra=(",Eve Stone,Enterprise,2025-01,5000,USD",))
    run(tmp_path, "targets")
    failing = "select target_id from raw_targets.sales_target where rep_email is null"
    assert query(tmp_path, failing) == [("rep:Eve Stone:month:2025-01-01",)]

    _quota_sheet(
        sheet, 1, range(1, 2), extra=("eve@acme.example,Eve Stone,Enterprise,2025-01,5000,USD",)
    )
    run(tmp_path, "targets")

    assert query(tmp_path, failing) == []
    assert query(tmp_path, "select target_id from raw_targets.sales_target order by 1") == [
        ("rep:eve@acme.example:month:2025-01-01",),
        ("rep:rep01@acme.example:month:2025-01-01",),
    ]


def test_the_same_file_replaced_twice_before_a_refresh_loads_its_last_version(
    tmp_path: Path,
) -> None:
    sheet = tmp_path / "landing" / "targets" / "quotas.csv"
    _quota_sheet(sheet, 2, range(1, 13))  # 24 targets
    run(tmp_path, "targets")
    _quota_sheet(sheet, 2, range(1, 4))  # 6: never loaded
    _quota_sheet(sheet, 3, range(1, 3))  # 3 x 2 = 6, rep03 is new
    run(tmp_path, "targets")
    assert query(
        tmp_path, "select rep_email, count(*) from raw_targets.sales_target group by 1 order by 1"
    ) == [("rep01@acme.example", 2), ("rep02@acme.example", 2), ("rep03@acme.example", 2)]
    assert _retractions(tmp_path) == [("sales_target", "targets/quotas.csv", 24, "replaced")]


def test_a_replaced_newer_export_gives_back_the_older_rows_it_no_longer_has(
    tmp_path: Path,
) -> None:
    folder = snapshot_landing(tmp_path, "2026-10-01", "2026-10-02")
    run(tmp_path, "salesforce")
    assert [r[1] for r in opportunities(tmp_path)] == [
        "Needs Analysis",  # 006A from 10-02
        "Qualification",
        "Needs Analysis",
    ]
    # 10-02 is re-exported without 006A: 006A is 10-01's again
    newest = folder / "Opportunity_2026-10-02.csv"
    lines = newest.read_text(encoding="utf-8").splitlines()
    newest.write_text("\n".join(line for line in lines if '"006A"' not in line) + "\n")
    run(tmp_path, "salesforce")
    assert [(r[0], r[1], r[3].rsplit("/", 1)[-1]) for r in opportunities(tmp_path)] == [
        ("006A", "Prospecting", "Opportunity_2026-10-01.csv"),
        ("006B", "Qualification", "Opportunity_2026-10-02.csv"),
        ("006C", "Needs Analysis", "Opportunity_2026-10-02.csv"),
    ]


def test_removing_a_file_retracts_nothing_and_retracting_it_restores_older_rows(
    tmp_path: Path,
) -> None:
    folder = snapshot_landing(tmp_path, "2026-10-01", "2026-10-02", "2026-10-03")
    run(tmp_path, "salesforce")
    before = opportunities(tmp_path)
    archive = tmp_path / "archive"
    archive.mkdir()
    shutil.move(folder / "Opportunity_2026-10-03.csv", archive)

    # archived, not retracted: a refresh changes nothing
    run(tmp_path, "salesforce")
    assert opportunities(tmp_path) == before

    report = _retract(tmp_path, "salesforce/snapshots/Opportunity_2026-10-03.csv")

    # 10-03 held 006A, 006C and 006D; 006A and 006C come back from 10-02, 006D was only in 10-03
    assert [(r[0], r[1], r[2]) for r in opportunities(tmp_path)] == [
        ("006A", "Needs Analysis", 1000.0),
        ("006B", "Qualification", 2500.0),
        ("006C", "Needs Analysis", 3000.0),
    ]
    by_table = {t.table: t for t in report.tables}
    opportunity = by_table["raw_salesforce.opportunity"]
    assert opportunity.removed == {"salesforce/snapshots/Opportunity_2026-10-03.csv": 3}
    assert (opportunity.rows_before, opportunity.rows_after, opportunity.restored) == (4, 3, 2)
    snapshots = by_table["raw_salesforce.opportunity_snapshot"]
    # 3 snapshot rows per file: 9 - 3 = 6, none restored (each day is its own key)
    assert (snapshots.rows_before, snapshots.rows_after, snapshots.restored) == (9, 6, 0)
    assert report.quarantine == {"file_loads": 2}  # one accounting row per table
    assert query(
        tmp_path,
        "select count(*) from quarantine.file_loads where source_file like '%2026-10-03%'",
    ) == [(0,)]

    # forgotten: put back, it loads again as a new file, and wins again
    shutil.move(archive / "Opportunity_2026-10-03.csv", folder)
    run(tmp_path, "salesforce")
    assert opportunities(tmp_path) == before


def test_an_archived_newer_export_still_wins_over_a_late_older_one(tmp_path: Path) -> None:
    folder = snapshot_landing(tmp_path, "2026-10-01", "2026-10-03")
    run(tmp_path, "salesforce")
    (tmp_path / "archive").mkdir()
    shutil.move(folder / "Opportunity_2026-10-03.csv", tmp_path / "archive")
    snapshot_landing(tmp_path, "2026-10-02")  # back-filled, older than the archived 10-03
    run(tmp_path, "salesforce")
    assert [(r[0], r[1], r[2], r[3].rsplit("_", 1)[-1]) for r in opportunities(tmp_path)] == [
        ("006A", "Proposal/Price Quote", 1200.0, "2026-10-03.csv"),  # 10-03 still wins
        ("006B", "Qualification", 2500.0, "2026-10-02.csv"),  # not in 10-03: 10-02's
        ("006C", "Closed Lost", 3000.0, "2026-10-03.csv"),
        ("006D", "Prospecting", 500.0, "2026-10-03.csv"),
    ]


def test_a_renamed_file_keeps_its_rows(tmp_path: Path) -> None:
    sheet = tmp_path / "landing" / "targets" / "quotas.csv"
    _quota_sheet(sheet, 3, range(1, 5))  # 12 targets
    run(tmp_path, "targets")
    before = query(
        tmp_path,
        "select * exclude (_dlt_load_id, _source_file) from raw_targets.sales_target order by all",
    )
    renamed = sheet.with_name("quotas_2025.csv")
    sheet.rename(renamed)
    run(tmp_path, "targets")
    rows = (
        "select * exclude (_dlt_load_id, _source_file) from raw_targets.sales_target order by all"
    )
    assert query(tmp_path, rows) == before
    assert query(tmp_path, "select distinct _source_file from raw_targets.sales_target") == [
        ("targets/quotas_2025.csv",)
    ]
    # the old name now holds no rows: retracting it changes nothing but the file's memory
    report = _retract(tmp_path, "targets/quotas.csv")
    assert query(tmp_path, rows) == before
    assert [t.removed for t in report.tables] == [{}]


def test_retract_forgets_quarantined_rows_and_refused_files(tmp_path: Path) -> None:
    sheet = tmp_path / "landing" / "targets" / "quotas.csv"
    _quota_sheet(sheet, 1, range(1, 3), extra=("a@acme.example,A,Enterprise,2025-01,-5,USD",))
    broken = tmp_path / "landing" / "targets" / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    report = run(tmp_path, "targets")
    assert "targets/broken.xlsx" in report.rejected_files
    assert len(rejections(tmp_path, "targets/quotas.csv")) == 1  # the negative quota
    for path in (sheet, broken):
        path.unlink()

    retracted = _retract(tmp_path, "targets")  # the whole folder

    assert retracted.files == ["targets/broken.xlsx", "targets/quotas.csv"]
    assert query(tmp_path, "select count(*) from raw_targets.sales_target") == [(0,)]
    assert rejections(tmp_path) == []
    for table in ("rejected_files", "file_loads"):
        assert query(tmp_path, f"select count(*) from quarantine.{table}") == [(0,)], table
    # a refused file has a rejected_files entry, no file_loads one
    assert retracted.quarantine == {"file_loads": 1, "rejected_files": 1, "rejected_rows": 1}


def test_retract_refuses_unknown_paths_and_files_still_in_the_landing(tmp_path: Path) -> None:
    sheet = tmp_path / "landing" / "targets" / "quotas.csv"
    _quota_sheet(sheet, 1, range(1, 3))
    run(tmp_path, "targets")
    with pytest.raises(RetractionRefusedError, match="no loaded export file has this path"):
        _retract(tmp_path, "targets/quotas.csv", "targets/typo.csv")
    with pytest.raises(RetractionRefusedError, match="still in the landing folder"):
        _retract(tmp_path, "targets/quotas.csv")
    # all or nothing: still loaded
    assert query(tmp_path, "select count(*) from raw_targets.sales_target") == [(2,)]


def test_landing_names_accept_paths_in_or_relative_to_the_landing(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    assert landing_names(
        [str(landing / "targets" / "q.csv"), "landing/hubspot", "salesforce/Task.csv"],
        landing,
        cwd=tmp_path,
    ) == ["targets/q.csv", "hubspot", "salesforce/Task.csv"]
    with pytest.raises(RetractionRefusedError, match="not inside the landing folder"):
        landing_names([str(tmp_path / "elsewhere.csv")], landing, cwd=tmp_path)


def test_crmkpi_retract_prints_what_it_removed_and_exits_by_outcome(
    tmp_path: Path, isolated_paths: dict[str, Path]
) -> None:
    landing, working = isolated_paths["landing"], isolated_paths["warehouse"]
    _quota_sheet(landing / "targets" / "quotas.csv", 2, range(1, 4))  # 6 targets
    _quota_sheet(landing / "targets" / "extra.csv", 1, range(1, 2))  # rep01's January again
    from ingestion.pipeline import ingest_landing

    ingest_landing(landing, working, families=("targets",))
    (landing / "targets" / "quotas.csv").unlink()

    def retract(*args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = run_retraction(list(args), landing, working, out=out, err=err)
        return code, out.getvalue(), err.getvalue()

    code, out, err = retract("targets/never.csv")
    assert code == 1 and "no loaded export file has this path" in err and "never.csv" in err
    with warehouse_writer_lock(working):
        code, out, err = run_retraction_elsewhere(landing, working)
    assert code == 3 and "another refresh" in err

    code, out, err = retract(str(landing / "targets" / "quotas.csv"))
    assert code == 0, err
    # quotas.csv held 6 targets; rep01's January comes back from extra.csv (the older name)
    assert out.splitlines() == [
        "retracted targets/quotas.csv",
        "  raw_targets.sales_target           6 row(s) removed",
        "restored from older exports",
        "  raw_targets.sales_target           1 row(s)",
        "quarantine entries removed: file_loads 1",
        "raw_targets.sales_target now holds 1 row(s) (was 6)",
        "the marts follow at the next refresh: crmkpi refresh",
    ]


def run_retraction_elsewhere(landing: Path, working: Path) -> tuple[int, str, str]:
    """`crmkpi retract` in another process, while this one holds the refresh lock."""
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestration.cli",
            "retract",
            "targets/quotas.csv",
            "--landing",
            str(landing),
            "--warehouse",
            str(working),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout, done.stderr
