"""Clean up after a refresh that died without cleaning up (SIGKILL, OOM killer, power loss).

A killed refresh leaves three things behind, and each would break or block the next run:

- its Dagster run stays STARTED for ever, still holding its `warehouse_writer` pool slot, so
  the next run's first writer step would wait for that slot indefinitely;
- its dbt child process keeps running (dbt is a separate process and does not die with its
  parent) and holds DuckDB's write lock until it ends;
- dlt's pending load packages (handled where dlt runs: `defs/ingestion.py`).

:func:`recover_interrupted_runs` runs while holding the refresh lock of the warehouse, so any
run of that warehouse still marked in progress is known to be dead if its process is gone.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg

# Run tags: which warehouse a run writes, and which processes do the writing.
WAREHOUSE_TAG = "crmkpi/warehouse"
PID_TAG = "crmkpi/pid"
HOST_TAG = "crmkpi/host"
DBT_PID_TAG = "crmkpi/dbt_pid"
TRIGGER_TAG = "crmkpi/trigger"

_IN_PROGRESS = (
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
)


def writer_tags(warehouse: Path) -> dict[str, str]:
    """Tags that let a later run recognise this run's processes once they are gone."""
    return {
        WAREHOUSE_TAG: str(Path(warehouse).resolve()),
        PID_TAG: str(os.getpid()),
        HOST_TAG: socket.gethostname(),
    }


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_dbt_process(pid: int) -> bool:
    """A live process whose command line runs dbt (Linux /proc; elsewhere: unknown -> False)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return any(Path(arg.decode(errors="replace")).name == "dbt" for arg in argv[:3])


def stop_orphaned_dbt(pid: int, log: Callable[[str], None], grace_seconds: float = 10) -> bool:
    """Terminate a dbt process left running by a dead refresh; True if one was stopped."""
    if not _alive(pid) or not _is_dbt_process(pid):
        return False
    log(f"stopping dbt process {pid} orphaned by an interrupted refresh")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while _alive(pid) and _is_dbt_process(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _alive(pid) and _is_dbt_process(pid):
        os.kill(pid, signal.SIGKILL)
    return True


def recover_interrupted_runs(
    instance: dg.DagsterInstance,
    warehouse: Path,
    log: Callable[[str], None],
    current_run_id: str | None = None,
) -> list[str]:
    """Mark dead runs of `warehouse` failed, stop their dbt, free their pool slots.

    Call only while holding the warehouse's refresh lock. Returns the ids of recovered runs.
    """
    host = socket.gethostname()
    recovered: list[str] = []
    runs = instance.get_runs(
        filters=dg.RunsFilter(
            statuses=list(_IN_PROGRESS), tags={WAREHOUSE_TAG: str(Path(warehouse).resolve())}
        )
    )
    for run in runs:
        if run.run_id == current_run_id or run.tags.get(HOST_TAG) != host:
            continue
        pid = int(run.tags.get(PID_TAG) or 0)
        if not pid or (pid != os.getpid() and _alive(pid)):
            continue
        dbt_pid = int(run.tags.get(DBT_PID_TAG) or 0)
        if dbt_pid:
            stop_orphaned_dbt(dbt_pid, log)
        instance.report_run_failed(
            run, message=f"refresh process {pid} died before the run ended (killed?)"
        )
        recovered.append(run.run_id)
        log(f"marked interrupted run {run.run_id} (pid {pid}) as failed")

    # Pool slots of runs that ended (or died, above) are freed here rather than waiting for
    # the daemon's run monitoring, which `crmkpi refresh` does not need to be running.
    storage = instance.event_log_storage
    if storage.supports_global_concurrency_limits:
        for run_id in storage.get_concurrency_run_ids():
            run = instance.get_run_by_id(run_id)
            if run is None or run.is_finished:
                storage.free_concurrency_slots_for_run(run_id)
    return recovered
