"""Publishing the marts (write-audit-publish) without Dagster: atomic, reader-safe, all or none."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from orchestration.publish import PUBLICATION_TABLE, publish_marts, read_publication, temp_path

WORKING_SQL = """
create schema marts;
create schema quarantine;
create schema staging;
create table marts.fct_opportunities as select range as opportunity_id from range({n});
create table marts.dim_reps as select 'r1' as rep_id;
create table staging.stg_hidden as select 1 as x;
create table quarantine.file_loads as select 'salesforce' as source_name,
    'opportunity' as table_name, 'salesforce/Opportunity.csv' as source_file, {n} + 2 as rows_in,
    {n} as rows_loaded, 2 as rows_quarantined, now() as loaded_at;
create table quarantine.rejected_files (source_file varchar, reason varchar, source_name varchar,
    table_name varchar, rejected_at timestamptz);
create table quarantine.rejected_rows as
    select 'salesforce/Opportunity.csv' as source_file, range + 1 as source_row,
        'amount' as column_name, 'negative amount' as reason, '{{}}' as raw_record,
        now() as rejected_at
    from range(2);
"""


def _working(path: Path, rows: int) -> Path:
    if path.exists():
        path.unlink()
    with duckdb.connect(str(path)) as connection:
        connection.execute(WORKING_SQL.format(n=rows))
    return path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _count(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute("select count(*) from marts.fct_opportunities").fetchone()[0]


def test_publish_copies_marts_and_quarantine_summary_only(tmp_path: Path) -> None:
    working = _working(tmp_path / "w.duckdb", 5)
    published = tmp_path / "published" / "w.duckdb"

    publication = publish_marts(working, published, ["fct_opportunities", "dim_reps"], "run-1")

    assert publication.row_counts == {"dim_reps": 1, "fct_opportunities": 5}
    with duckdb.connect(str(published), read_only=True) as connection:
        tables = set(
            connection.execute(
                "select table_schema || '.' || table_name from information_schema.tables"
            ).fetchall()
        )
        summary = connection.execute(
            "select source_file, column_name, reason, rejected_rows"
            " from quarantine.rejected_rows_summary"
        ).fetchall()
        run_id = connection.execute(f"select run_id from {PUBLICATION_TABLE}").fetchone()[0]
    assert {t[0] for t in tables} == {
        "marts.fct_opportunities",
        "marts.dim_reps",
        "quarantine.file_loads",
        "quarantine.rejected_files",
        "quarantine.rejected_rows_summary",
        "meta.publication",
    }
    assert summary == [("salesforce/Opportunity.csv", "amount", "negative amount", 2)]
    assert run_id == "run-1"
    assert read_publication(published)["row_counts"] == publication.row_counts
    # Nothing is left beside it: no temporary file, no WAL.
    assert sorted(p.name for p in published.parent.iterdir()) == ["w.duckdb"]


def test_a_failed_publish_leaves_the_published_file_untouched(tmp_path: Path) -> None:
    working = _working(tmp_path / "w.duckdb", 5)
    published = tmp_path / "published.duckdb"
    publish_marts(working, published, ["fct_opportunities"], "run-1")
    before = _sha256(published)

    _working(working, 7)
    with pytest.raises(LookupError, match="kpi_missing"):
        publish_marts(working, published, ["fct_opportunities", "kpi_missing"], "run-2")

    assert _sha256(published) == before
    assert not temp_path(published).exists()


_READER = textwrap.dedent(
    """
    import sys, duckdb
    connection = duckdb.connect(sys.argv[1], read_only=True)
    count = lambda: connection.execute("select count(*) from marts.fct_opportunities").fetchone()[0]
    print(count(), flush=True)
    sys.stdin.readline()
    print(count(), flush=True)
    connection.close()
    """
)


def test_a_reader_holding_the_published_file_never_blocks_publishing(tmp_path: Path) -> None:
    working = _working(tmp_path / "w.duckdb", 5)
    published = tmp_path / "published.duckdb"
    publish_marts(working, published, ["fct_opportunities"], "run-1")

    reader = subprocess.Popen(
        [sys.executable, "-c", _READER, str(published)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout is not None and reader.stdin is not None
    try:
        assert reader.stdout.readline().strip() == "5"  # the dashboard has the file open
        _working(working, 9)
        publish_marts(working, published, ["fct_opportunities"], "run-2")
        # New connections see the new marts at once...
        assert _count(published) == 9
        # ...while the open connection keeps a consistent view of the file it opened.
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "5"
    finally:
        reader.communicate(timeout=30)
    assert reader.returncode == 0


def test_half_built_files_of_killed_publishes_are_removed(tmp_path: Path) -> None:
    working = _working(tmp_path / "w.duckdb", 3)
    published = tmp_path / "published.duckdb"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    leftover = published.with_name(f".{published.name}.{int(dead.stdout)}.publishing")
    leftover.write_bytes(b"half a file")

    publish_marts(working, published, ["fct_opportunities"], "run-1")

    assert not leftover.exists()
    assert _count(published) == 3
    assert not any(p.name.endswith(".publishing") for p in tmp_path.iterdir())
    assert os.access(published, os.R_OK)
