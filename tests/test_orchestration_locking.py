"""One writer per warehouse: the refresh lock across processes, DuckDB's file lock, and the
recovery of runs whose process died (their pool slots, their orphaned dbt)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import duckdb
import pytest

from orchestration.locking import (
    RefreshAlreadyRunningError,
    WarehouseBusyError,
    holds_writer_lock,
    wait_until_writable,
    warehouse_writer_lock,
)
from orchestration.recovery import (
    DBT_PID_TAG,
    recover_interrupted_runs,
    stop_orphaned_dbt,
    writer_tags,
)

_HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from orchestration.locking import warehouse_writer_lock
    with warehouse_writer_lock(Path(sys.argv[1])):
        print("ready", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)
_HOLD_DUCKDB = textwrap.dedent(
    """
    import sys, time, duckdb
    connection = duckdb.connect(sys.argv[1], read_only=True)
    print("ready", flush=True)
    time.sleep(float(sys.argv[2]))
    """
)


def _start(code: str, *args: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(done.stdout)


def test_a_second_writer_is_refused_clearly_or_waits(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    holder = _start(_HOLD_LOCK, str(warehouse), "2")
    try:
        with (
            pytest.raises(RefreshAlreadyRunningError, match=rf"pid {holder.pid}"),
            warehouse_writer_lock(warehouse),
        ):
            pass
        messages: list[str] = []
        started = time.monotonic()
        with warehouse_writer_lock(warehouse, wait_seconds=60, on_wait=messages.append):
            waited = time.monotonic() - started
            assert holds_writer_lock(warehouse)
    finally:
        holder.wait(timeout=30)
    assert waited > 0.5, "acquired while the other process still held the lock"
    assert messages and "waiting" in messages[0]
    assert not holds_writer_lock(warehouse)


def test_the_lock_is_reentrant_within_a_process_and_freed_by_death(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    with warehouse_writer_lock(warehouse) as first, warehouse_writer_lock(warehouse) as second:
        assert (first, second) == (True, False)
    killed = _start(_HOLD_LOCK, str(warehouse), "600")
    killed.kill()  # SIGKILL: the kernel drops the flock
    killed.wait(timeout=30)
    with warehouse_writer_lock(warehouse) as taken:
        assert taken


def test_waits_for_another_process_to_close_the_duckdb_file(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()
    reader = _start(_HOLD_DUCKDB, str(warehouse), "1.5")
    try:
        with pytest.raises(WarehouseBusyError, match=rf"process {reader.pid}"):
            wait_until_writable(warehouse, timeout_seconds=0)
        wait_until_writable(warehouse, timeout_seconds=60)  # returns once the reader is gone
    finally:
        reader.wait(timeout=30)


@pytest.fixture
def instance(tmp_path: Path) -> dg.DagsterInstance:
    (tmp_path / "home").mkdir()
    with dg.instance_for_test(
        temp_dir=str(tmp_path / "home"), overrides={"concurrency": {"pools": {"default_limit": 1}}}
    ) as instance:
        yield instance


def _started_run(instance: dg.DagsterInstance, tags: dict[str, str]) -> dg.DagsterRun:
    run = dg.DagsterRun(job_name="kpi_refresh", status=dg.DagsterRunStatus.STARTED, tags=tags)
    instance.add_run(run)
    return run


def test_dead_runs_are_failed_and_their_pool_slot_freed(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    warehouse = tmp_path / "w.duckdb"
    storage = instance.event_log_storage
    storage.set_concurrency_slots("warehouse_writer", 1)

    dead = _started_run(instance, {**writer_tags(warehouse), "crmkpi/pid": str(_dead_pid())})
    assert storage.claim_concurrency_slot(
        "warehouse_writer", dead.run_id, "kpi_dbt_models"
    ).is_claimed
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        alive = _started_run(instance, {**writer_tags(warehouse), "crmkpi/pid": str(sleeper.pid)})
        other = _started_run(
            instance, {**writer_tags(tmp_path / "other.duckdb"), "crmkpi/pid": "1"}
        )

        recovered = recover_interrupted_runs(instance, warehouse, lambda _m: None)

        assert recovered == [dead.run_id]
        assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(alive.run_id).status == dg.DagsterRunStatus.STARTED
        assert instance.get_run_by_id(other.run_id).status == dg.DagsterRunStatus.STARTED
        # The slot is free again: the next run's writer step can claim it.
        assert storage.claim_concurrency_slot("warehouse_writer", "next-run", "step").is_claimed
    finally:
        sleeper.kill()
        sleeper.wait()


def test_an_orphaned_dbt_process_is_stopped(tmp_path: Path, instance: dg.DagsterInstance) -> None:
    fake_dbt = tmp_path / "dbt"
    # Like the real console script: `<venv>/bin/python <venv>/bin/dbt build ...`.
    fake_dbt.write_text(f"#!{sys.executable}\nimport time\ntime.sleep(60)\n")
    fake_dbt.chmod(0o755)
    not_dbt = subprocess.Popen(["sleep", "60"])
    orphan = subprocess.Popen([str(fake_dbt)])
    try:
        time.sleep(0.2)
        assert not stop_orphaned_dbt(not_dbt.pid, lambda _m: None)  # never kills anything else
        warehouse = tmp_path / "w.duckdb"
        dead = _started_run(
            instance,
            {
                **writer_tags(warehouse),
                "crmkpi/pid": str(_dead_pid()),
                DBT_PID_TAG: str(orphan.pid),
            },
        )
        if sys.platform.startswith("linux"):
            recover_interrupted_runs(instance, warehouse, lambda _m: None)
            assert orphan.wait(timeout=20) is not None
        assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
        assert not_dbt.poll() is None
    finally:
        for process in (orphan, not_dbt):
            if process.poll() is None:
                process.kill()
            process.wait()
    assert os.path.exists(fake_dbt)


def test_only_transient_failures_are_retried(tmp_path: Path) -> None:
    from orchestration.retries import is_transient, retry_if_transient

    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()
    holder = _start(_HOLD_DUCKDB, str(warehouse), "30")
    try:
        with pytest.raises(duckdb.IOException) as locked:
            duckdb.connect(str(warehouse))
    finally:
        holder.kill()
        holder.wait()
    wrapped = RuntimeError("dbt build failed")
    wrapped.__cause__ = locked.value
    assert is_transient(locked.value) and is_transient(wrapped)
    data_failure = RuntimeError("1 blocking asset check failed with ERROR severity")
    assert not is_transient(data_failure)

    logged: list[str] = []
    context = SimpleNamespace(
        op_execution_context=SimpleNamespace(retry_number=1),
        log=SimpleNamespace(warning=logged.append),
    )
    with pytest.raises(dg.RetryRequested) as retry:
        retry_if_transient(context, wrapped)  # type: ignore[arg-type]
    # Exponential back-off: the second attempt waits twice the first delay.
    assert retry.value.max_retries == 3 and retry.value.seconds_to_wait == 10
    assert "attempt 2 of 4" in logged[0]
    retry_if_transient(context, data_failure)  # type: ignore[arg-type]  # returns: caller re-raises
