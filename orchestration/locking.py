"""One writer per warehouse.

DuckDB admits one writer process *or* any number of readers, never both, and a second writer
fails instead of waiting. So a refresh first takes an advisory lock, `<warehouse>.refresh.lock`,
for its whole duration: a second refresh of the same warehouse is refused (or waits, if asked),
before it creates a Dagster run or touches the file. The lock is re-entrant within a process,
so the CLI (which takes it before starting the run) and the run's `WarehouseWriter` resource
(which takes it for runs launched by the Dagster daemon) share one hold.

The lock is an `flock`: the kernel drops it when the holder dies, even by SIGKILL, so a crashed
refresh never blocks the next one. Its child processes do not inherit it; a dbt process
orphaned by a killed refresh is handled by :mod:`orchestration.recovery`.
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

_LOCK_SUFFIX = ".refresh.lock"
_POLL_SECONDS = 0.5

# lock file -> (open handle, hold depth) for the locks this process holds
_held: dict[Path, tuple[IO[str], int]] = {}


class RefreshAlreadyRunningError(RuntimeError):
    """Another refresh holds the warehouse; DuckDB allows a single writer."""


class WarehouseBusyError(RuntimeError):
    """Some other process (not a refresh) holds the DuckDB file open, e.g. a BI tool."""


def lock_file(warehouse: Path) -> Path:
    warehouse = Path(warehouse).resolve()
    return warehouse.with_name(warehouse.name + _LOCK_SUFFIX)


def holds_writer_lock(warehouse: Path) -> bool:
    """Whether this process already holds the refresh lock of `warehouse`."""
    return lock_file(warehouse) in _held


def _holder(handle: IO[str]) -> str:
    handle.seek(0)
    return handle.read().strip() or "unknown"


@contextmanager
def warehouse_writer_lock(
    warehouse: Path,
    wait_seconds: float = 0,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[bool]:
    """Hold the refresh lock of `warehouse`; yields True if this call took it (first hold).

    Refuses at once with RefreshAlreadyRunningError when another process holds it, unless
    `wait_seconds` > 0: then waits up to that long (calling `on_wait` once with a message).
    """
    path = lock_file(warehouse)
    if path in _held:
        handle, depth = _held[path]
        _held[path] = (handle, depth + 1)
        try:
            yield False
        finally:
            handle, depth = _held[path]
            _held[path] = (handle, depth - 1)
        return

    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        deadline = time.monotonic() + max(wait_seconds, 0)
        announced = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as error:
                holder = _holder(handle)
                if time.monotonic() >= deadline:
                    waited = f" after waiting {wait_seconds:.0f} s" if wait_seconds > 0 else ""
                    raise RefreshAlreadyRunningError(
                        f"another refresh of {Path(warehouse).resolve()} is running ({holder})"
                        f"{waited}; try again when it ends, or pass --wait SECONDS"
                    ) from error
                if on_wait is not None and not announced:
                    on_wait(f"waiting for the refresh holding {path.name} ({holder}) to end")
                    announced = True
                time.sleep(_POLL_SECONDS)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        _held[path] = (handle, 1)
        try:
            yield True
        finally:
            del _held[path]
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()


def is_lock_conflict(error: BaseException) -> bool:
    """A DuckDB 'could not set lock' error: another process has the file open."""
    text = str(error).lower()
    return "could not set lock" in text or "conflicting lock" in text


def _lock_holder_pid(message: str) -> int | None:
    match = re.search(r"\(PID (\d+)\)", message)
    return int(match.group(1)) if match else None


def wait_until_writable(
    database: Path,
    timeout_seconds: float,
    on_wait: Callable[[str], None] | None = None,
) -> None:
    """Return once this process can open the DuckDB file for writing (then closed again).

    Opening also replays a WAL left by a killed writer. Raises WarehouseBusyError naming the
    holder's PID if another process still has the file open after `timeout_seconds`.
    """
    import duckdb

    if not Path(database).exists():
        return
    deadline = time.monotonic() + max(timeout_seconds, 0)
    announced = False
    while True:
        try:
            duckdb.connect(str(database)).close()
            return
        except duckdb.IOException as error:
            if not is_lock_conflict(error):
                raise
            pid = _lock_holder_pid(str(error))
            who = f"process {pid}" if pid else "another process"
            if time.monotonic() >= deadline:
                raise WarehouseBusyError(
                    f"{database} is held open by {who}; only refreshes may open the working "
                    "warehouse (BI tools read the published file)"
                ) from error
            if on_wait is not None and not announced:
                on_wait(f"waiting for {who} to close {Path(database).name}")
                announced = True
            time.sleep(_POLL_SECONDS)
