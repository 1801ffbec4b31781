"""The publish guard on hand-built warehouses: what shrinks too much is refused, what merely
loaded nothing new is not (orchestration/publish_guard.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.publish import publish_marts
from orchestration.publish_guard import (
    RAW_ROW_COUNTS_KEY,
    ShrinkBlocker,
    publication_shrink,
    published_row_counts,
    shrink_blockers,
)

MARTS = ["fct_activities", "dim_reps"]
RAW = ["raw_salesforce", "raw_calendar"]


def _warehouse(path: Path, activities: int, tasks: int, events: int) -> Path:
    """A working file: `activities` mart rows, 2 reps; raw tasks and calendar events."""
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as connection:
        connection.execute(
            f"""
            create schema marts;
            create schema raw_salesforce;
            create schema raw_calendar;
            create table marts.fct_activities as select range as id from range({activities});
            create table marts.dim_reps as select * from (values ('r1'), ('r2')) t(rep_id);
            create table raw_salesforce.task as select range as id from range({tasks});
            create table raw_salesforce.user as select * from (values ('r1'), ('r2')) t(id);
            create table raw_salesforce._dlt_loads as select 'load-1' as load_id;
            create table raw_calendar.calendar_event as select range as id from range({events});
            """
        )
    return path


def _publish(working: Path, published: Path, run_id: str = "run-1") -> None:
    _, raw_rows = publication_shrink(working, published, MARTS, RAW, 50)
    publish_marts(working, published, MARTS, run_id, extra={RAW_ROW_COUNTS_KEY: raw_rows})


def test_the_threshold_on_hand_counted_tables() -> None:
    published = {"marts.a": 100, "marts.b": 10, "marts.c": 0, "marts.d": 8, "marts.e": 40}
    working = {"marts.a": 50, "marts.b": 4, "marts.c": 0, "marts.e": 41, "marts.new": 3}

    blocked = shrink_blockers(published, working, max_shrink_percent=50)

    # a: 100 -> 50 keeps exactly half: allowed. b: 10 -> 4 keeps 40 %: blocked.
    # c: was empty, nothing to lose. d: missing now, counts as 0: blocked. e grew; new is new.
    assert [(b.table, b.published_rows, b.working_rows) for b in blocked] == [
        ("marts.b", 10, 4),
        ("marts.d", 8, 0),
    ]
    assert blocked[0].reason == (
        "marts.b: 4 rows, the published file has 10 (-60.0 %, more than the 50 % a refresh "
        "may drop)"
    )
    # 0 % tolerates no drop at all (a: -50 %, e grew); 100 % never blocks.
    assert [b.table for b in shrink_blockers(published, working, 0)] == [
        "marts.a",
        "marts.b",
        "marts.d",
    ]
    assert shrink_blockers(published, working, 100) == []
    with pytest.raises(ValueError, match=r"0\.\.100"):
        shrink_blockers(published, working, 150)


def test_an_emptied_raw_table_names_its_source_as_having_loaded_nothing() -> None:
    blocker = ShrinkBlocker("raw_salesforce.task", 43_642, 0, 50)
    assert blocker.reason == (
        "raw_salesforce.task holds no rows, while the published marts were built from 43,642 of "
        "them: the salesforce source loaded nothing"
    )
    # 9 of 43,642 left is a 99.98 % drop: shown as 99.9, never rounded up to 100 %.
    assert "(-99.9 %" in ShrinkBlocker("raw_salesforce.task", 43_642, 9, 50).reason


def test_first_publication_and_a_refresh_with_no_new_files_publish(tmp_path: Path) -> None:
    working = _warehouse(tmp_path / "w.duckdb", activities=1000, tasks=800, events=200)
    published = tmp_path / "published" / "w.duckdb"

    blockers, raw_rows = publication_shrink(working, published, MARTS, RAW, 50)
    assert blockers == []  # nothing published yet: nothing to lose
    # dlt's own tables are not data.
    assert raw_rows == {
        "raw_calendar.calendar_event": 200,
        "raw_salesforce.task": 800,
        "raw_salesforce.user": 2,
    }
    _publish(working, published)
    assert published_row_counts(published) == (
        {"dim_reps": 2, "fct_activities": 1000},
        raw_rows,
    )

    # The next refresh finds no new export files: it loads nothing, the raw tables still hold
    # every row, the marts are rebuilt alike, and it publishes.
    assert publication_shrink(working, published, MARTS, RAW, 50)[0] == []


def test_a_truncated_export_and_an_emptied_source_are_blocked(tmp_path: Path) -> None:
    published = tmp_path / "published.duckdb"
    _publish(_warehouse(tmp_path / "w.duckdb", activities=1000, tasks=800, events=200), published)

    # A fresh warehouse whose Task export came back with 9 rows: activities 1000 -> 209
    # (-79.1 %), raw tasks 800 -> 9 (-98.9 %); users and calendar unchanged.
    shrunk = _warehouse(tmp_path / "w2.duckdb", activities=209, tasks=9, events=200)
    blockers, _ = publication_shrink(shrunk, published, MARTS, RAW, 50)
    assert [(b.table, b.published_rows, b.working_rows) for b in blockers] == [
        ("marts.fct_activities", 1000, 209),
        ("raw_salesforce.task", 800, 9),
    ]

    # The calendar folder emptied into a fresh warehouse: its raw table holds nothing. The
    # activities mart only fell by 200 of 1000 (-20 %), within the threshold; the source rule
    # catches it.
    no_calendar = _warehouse(tmp_path / "w3.duckdb", activities=800, tasks=800, events=0)
    blockers, _ = publication_shrink(no_calendar, published, MARTS, RAW, 50)
    assert [b.table for b in blockers] == ["raw_calendar.calendar_event"]
    assert "the calendar source loaded nothing" in blockers[0].reason

    # Marts the guard is not told to compare (current-state lists) are not judged.
    assert publication_shrink(shrunk, published, ["dim_reps"], RAW, 50)[0][0].is_raw


def test_a_file_published_before_the_guard_is_judged_on_its_marts(tmp_path: Path) -> None:
    working = _warehouse(tmp_path / "w.duckdb", activities=1000, tasks=800, events=200)
    published = tmp_path / "published.duckdb"
    publish_marts(working, published, MARTS, "old-run")  # no raw row counts recorded

    assert published_row_counts(published) == ({"dim_reps": 2, "fct_activities": 1000}, {})
    shrunk = _warehouse(tmp_path / "w2.duckdb", activities=100, tasks=0, events=200)
    blockers, _ = publication_shrink(shrunk, published, MARTS, RAW, 50)
    assert [b.table for b in blockers] == ["marts.fct_activities"]
