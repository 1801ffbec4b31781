"""Step lines and progress bars: always in the Dagster log, and on the console for the CLI.

`crmkpi refresh` runs the job in its own process and makes its :class:`~orchestration.console.
Console` the active one for the run (:func:`showing_progress`), so a person at the terminal
sees one line per step and a bar during long steps; runs launched from the Dagster UI, the
schedule or the sensor have no console and show the same lines in their run log.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any, Protocol

from orchestration.console import Console

_console: Console | None = None


class _HasLog(Protocol):
    @property
    def log(self) -> object: ...


@contextmanager
def showing_progress(console: Console | None) -> Iterator[None]:
    """Make `console` receive the step lines and bars of the steps run in this process."""
    global _console
    previous, _console = _console, console
    try:
        yield
    finally:
        _console = previous


def active_console() -> Console | None:
    return _console


def step_line(label: str, summary: str, seconds: float | None = None) -> str:
    """`ingest salesforce  65,793 rows from 6 files ... (1.2 s)`: one step, one line."""
    timing = f" ({seconds:.1f} s)" if seconds is not None else ""
    return f"{label:<18} {summary}{timing}"


def progress(context: _HasLog, message: str, warning: bool = False) -> None:
    log: Any = context.log
    (log.warning if warning else log.info)(message)
    if _console is not None:
        _console.line(message)


def progress_bar(
    label: str, total: int | None, unit: str, poll: Callable[[], int] | None = None
) -> Any:
    """A progress bar on the active console (a no-op without one). With `poll`, a background
    thread reads the count; otherwise call `update(done)` on what the context manager yields."""
    if _console is None:
        return nullcontext(None)
    if poll is not None:
        return _console.polled_bar(label, total, unit, poll)
    return _console.bar(label, total, unit)


def pause_point(name: str) -> None:
    """Test hook: with CRMKPI_PAUSE_AT=<name>, stop here so a test can kill the process.

    Used by the crash-recovery tests to SIGKILL a refresh at a known point (mid-ingestion,
    mid-dbt build). Does nothing unless that variable names this point.
    """
    if os.environ.get("CRMKPI_PAUSE_AT") != name:
        return
    import time

    message = f"crmkpi: paused at {name} (pid {os.getpid()})"
    if _console is not None:
        _console.line(message)
    else:
        print(message, flush=True)
    time.sleep(600)
