"""Concise progress lines for long steps: always in the Dagster log, and on stdout for the CLI.

`crmkpi refresh` sets CRMKPI_PROGRESS=1 so a person at the terminal sees what a refresh is
doing (dbt streams its own lines); runs in the Dagster UI show the same lines in their log.
"""

from __future__ import annotations

import os
from typing import Protocol

PROGRESS_ENV = "CRMKPI_PROGRESS"


class _HasLog(Protocol):
    @property
    def log(self) -> object: ...


def progress(context: _HasLog, message: str) -> None:
    context.log.info(message)  # type: ignore[attr-defined]
    if os.environ.get(PROGRESS_ENV) == "1":
        print(f"  {message}", flush=True)


def pause_point(name: str) -> None:
    """Test hook: with CRMKPI_PAUSE_AT=<name>, stop here so a test can kill the process.

    Used by the crash-recovery tests to SIGKILL a refresh at a known point (mid-ingestion,
    mid-dbt build). Does nothing unless that variable names this point.
    """
    if os.environ.get("CRMKPI_PAUSE_AT") != name:
        return
    import time

    print(f"crmkpi: paused at {name} (pid {os.getpid()})", flush=True)
    time.sleep(600)
