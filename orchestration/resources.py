"""The `warehouse` resource: a run's exclusive hold on the working warehouse.

Every step that opens the working DuckDB file (dlt, dbt, the quality checks, publish) requires
this resource. With the in-process executor the resource is set up once per run, before the
first step, and torn down after the last, so it holds the refresh lock for the whole run:

- runs started by `crmkpi refresh` already hold the lock (taken before the run was created);
  the resource shares that hold;
- runs launched by the Dagster daemon (schedule, sensor, UI) take it here, waiting up to
  `lock_wait_seconds` for a refresh in progress, then recover what an interrupted refresh left
  behind and wait for the DuckDB file to be free.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from orchestration import settings
from orchestration.locking import wait_until_writable, warehouse_writer_lock
from orchestration.recovery import recover_interrupted_runs, writer_tags

# How long a run waits for another process (an orphaned dbt, a tool that opened the working
# file) to close the DuckDB file before failing.
DUCKDB_BUSY_TIMEOUT_SECONDS = 120


def prepare_for_writing(
    instance: dg.DagsterInstance,
    warehouse: Path,
    log: dg.DagsterLogManager | None = None,
    current_run_id: str | None = None,
    say: Callable[[str], None] | None = None,
) -> list[str]:
    """Recover interrupted runs and wait until the DuckDB file can be written.

    What it does is told to `log` (a run's log), else to `say`, else printed.
    """
    if say is None:

        def say(message: str) -> None:
            if log is not None:
                log.warning(message)
            else:
                print(f"  {message}", flush=True)

    recovered = recover_interrupted_runs(instance, warehouse, say, current_run_id)
    wait_until_writable(warehouse, DUCKDB_BUSY_TIMEOUT_SECONDS, say)
    return recovered


class WarehouseWriter(dg.ConfigurableResource):
    """Exclusive write access to the working warehouse for the duration of a run."""

    lock_wait_seconds: int = 3600

    @property
    def path(self) -> Path:
        return settings.warehouse_path()

    @property
    def published_path(self) -> Path:
        return settings.published_warehouse_path()

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[WarehouseWriter]:
        warehouse = self.path

        def waiting(message: str) -> None:
            context.log.info(message)  # type: ignore[union-attr]

        with warehouse_writer_lock(warehouse, self.lock_wait_seconds, waiting) as first_hold:
            run = context.dagster_run
            if first_hold and context.instance is not None:
                if run is not None:
                    context.instance.add_run_tags(run.run_id, writer_tags(warehouse))
                prepare_for_writing(
                    context.instance,
                    warehouse,
                    context.log,  # type: ignore[arg-type]
                    run.run_id if run is not None else None,
                )
            yield self
