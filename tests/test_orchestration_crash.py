"""Refreshes as separate `crmkpi` processes: a concurrent start is refused, and refreshes
killed with SIGKILL mid-ingestion and mid-dbt-build are recovered by the next one.

CRMKPI_PAUSE_AT (orchestration/progress.py) stops a refresh at a named point so the test can
kill it there deterministically:

1. A pauses while dlt extracts the Salesforce exports; B, started meanwhile, is refused
   clearly (exit code 3, naming A's pid) and changes nothing; A is killed: dlt's half-extracted
   load package stays behind, and A's run stays STARTED in the instance.
2. C recovers (fails A's run, aborts the pending package), loads, checks, starts dbt and is
   killed mid-build: its dbt child process is orphaned, its run holds a pool slot.
3. D (with --wait) recovers again (stops the orphaned dbt, frees the slot) and ends with
   correct, published marts.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ingestion.demo import generate_demo_exports
from ingestion.pipeline import SOURCE_FAMILIES, make_pipeline
from orchestration.recovery import DBT_PID_TAG

pytestmark = pytest.mark.slow

CRMKPI = str(Path(sys.executable).with_name("crmkpi"))


class Refresh:
    """A `crmkpi refresh` process whose output is read line by line in the background."""

    def __init__(self, *args: str, pause_at: str | None = None) -> None:
        env = dict(os.environ)
        env.pop("CRMKPI_PAUSE_AT", None)
        if pause_at:
            env["CRMKPI_PAUSE_AT"] = pause_at
        self.process = subprocess.Popen(
            [CRMKPI, "refresh", "--quiet", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            self.lines.append(line)
            if text in line:
                return
        raise AssertionError(f"no {text!r} in output:\n" + "\n".join(self.lines[-40:]))

    def finish(self, timeout: float) -> int:
        code = self.process.wait(timeout=timeout)
        while (line := self._queue.get(timeout=10)) is not None:
            self.lines.append(line)
        return code

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_concurrent_and_killed_refreshes_recover_with_correct_marts(
    isolated_paths: dict[str, Path],
) -> None:
    warehouse = isolated_paths["warehouse"]
    generate_demo_exports(isolated_paths["landing"], scale="tiny", seed=3)

    # 1. Killed mid-ingestion, while a second refresh is refused.
    first = Refresh(pause_at="ingest:salesforce")
    try:
        first.wait_for("paused at ingest:salesforce", timeout=180)
        second = Refresh()
        assert second.finish(timeout=120) == 3, second.output
        assert "refresh refused" in second.output
        assert f"pid {first.process.pid}" in second.output
    finally:
        first.kill()
    salesforce = next(f for f in SOURCE_FAMILIES if f.name == "salesforce")
    assert make_pipeline(salesforce, warehouse).has_pending_data

    # 2. Recovers, then killed during the dbt build.
    third = Refresh(pause_at="dbt:build")
    try:
        third.wait_for("paused at dbt:build", timeout=300)
    finally:
        third.kill()
    assert "aborting 1 load package(s) left by an interrupted run" in third.output

    # 3. Recovers again and finishes.
    last = Refresh("--wait", "300")
    assert last.finish(timeout=600) == 0, last.output
    assert "refresh succeeded" in last.output
    run_id = last.output.split("refresh succeeded (run ", 1)[1].split(",", 1)[0]

    with dg.DagsterInstance.get() as instance:
        runs = {
            run.run_id: run
            for run in instance.get_runs(filters=dg.RunsFilter(job_name="kpi_refresh"))
        }
        assert runs[run_id].status == dg.DagsterRunStatus.SUCCESS
        killed = [r for r in runs.values() if r.run_id != run_id]
        assert len(killed) == 2
        assert all(r.status == dg.DagsterRunStatus.FAILURE for r in killed)
        dbt_pids = [int(r.tags[DBT_PID_TAG]) for r in killed if DBT_PID_TAG in r.tags]
        assert dbt_pids, "the run killed mid-build had started dbt"
        assert not any(_alive(pid) for pid in dbt_pids)
        # No pool slot is left claimed by a dead run.
        assert not instance.event_log_storage.get_concurrency_run_ids()
    for family in SOURCE_FAMILIES:
        assert not make_pipeline(family, warehouse).has_pending_data

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        # Every raw row once: the interrupted loads left no duplicates and lost nothing.
        for table, key in (
            ("raw_salesforce.opportunity", "id"),
            ("raw_salesforce.task", "id"),
            ("raw_salesforce.opportunity_history", "id"),
            ("raw_calendar.calendar_event", "occurrence_id"),
            ("raw_targets.sales_target", "target_id"),
        ):
            source, name = table.split(".")
            # (For ICS a source row is a VEVENT; its occurrences are the table's rows.)
            rows, keys, source_rows = connection.execute(
                f"select count(*), count(distinct {key}),"
                f" count(distinct (_source_file, _source_row)) from {table}"
            ).fetchone()
            loaded = connection.execute(
                "select sum(rows_loaded) from quarantine.file_loads"
                " where source_name = ? and table_name = ?",
                [source.removeprefix("raw_"), name],
            ).fetchone()[0]
            assert rows == keys and source_rows == loaded, (table, rows, keys, source_rows, loaded)
        opportunities = connection.execute(
            "select count(*) from raw_salesforce.opportunity"
        ).fetchone()[0]
        assert (
            connection.execute("select count(*) from marts.fct_opportunities").fetchone()[0]
            == opportunities
        )
        leftovers = connection.execute(
            "select table_name from information_schema.tables"
            " where table_name like '%__dbt_tmp' or table_name like '%__dbt_backup'"
        ).fetchall()
        assert not leftovers
    published = warehouse.parent / "published" / warehouse.name
    with duckdb.connect(str(published), read_only=True) as connection:
        assert connection.execute("select run_id from meta.publication").fetchone()[0] == run_id
        assert (
            connection.execute("select count(*) from marts.fct_opportunities").fetchone()[0]
            == opportunities
        )
