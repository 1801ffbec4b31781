"""`crmkpi retract PATH...`: take export files out of the warehouse (ingestion/retract.py).

Holds the warehouse's refresh lock for the whole retraction, so it never runs beside a refresh,
and prints what it removed, table by table. Exit codes: 0 retracted, 1 refused (nothing
changed), 3 a refresh (or another process) holds the warehouse.
"""

from __future__ import annotations

import sys
from pathlib import Path, PurePosixPath
from typing import TextIO

from ingestion.retract import RetractionRefusedError, RetractionReport, retract_exports
from orchestration import settings
from orchestration.locking import (
    RefreshAlreadyRunningError,
    WarehouseBusyError,
    wait_until_writable,
    warehouse_writer_lock,
)

EXIT_REFUSED = 1
EXIT_BUSY = 3


def landing_names(paths: list[str], landing: Path, cwd: Path) -> list[str]:
    """Each path as the landing-relative name `_source_file` records.

    A path inside the landing folder (absolute, or relative to `cwd`) is made relative to it;
    any other relative path is taken as already relative to the landing folder.
    """
    landing = landing.resolve()
    names = []
    for text in paths:
        path = Path(text).expanduser()
        absolute = (path if path.is_absolute() else cwd / path).resolve()
        if absolute.is_relative_to(landing):
            names.append(absolute.relative_to(landing).as_posix())
        elif path.is_absolute():
            raise RetractionRefusedError(f"{text} is not inside the landing folder {landing}")
        else:
            names.append(PurePosixPath(text).as_posix())
    return names


def run_retraction(
    paths: list[str],
    landing: Path | None = None,
    warehouse: Path | None = None,
    wait_seconds: float = 0,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    settings.export_environment(landing, warehouse)
    landing_dir, working = settings.landing_dir(), settings.warehouse_path()
    try:
        names = landing_names(paths, landing_dir, Path.cwd())
        with warehouse_writer_lock(working, wait_seconds, lambda m: print(f"  {m}", file=err)):
            wait_until_writable(working, wait_seconds)
            report = retract_exports(landing_dir, working, names)
    except RetractionRefusedError as error:
        print(f"retract refused: {error}", file=err)
        return EXIT_REFUSED
    except (RefreshAlreadyRunningError, WarehouseBusyError) as error:
        print(f"retract refused: {error}", file=err)
        return EXIT_BUSY
    print_report(report, out)
    return 0


def print_report(report: RetractionReport, out: TextIO) -> None:
    width = max((len(t.table) for t in report.tables), default=20) + 2
    for name in report.files:
        print(f"retracted {name}", file=out)
        removed = [(t.table, t.removed[name]) for t in report.tables if name in t.removed]
        for table, rows in removed:
            print(f"  {table:<{width}}{rows:>10,} row(s) removed", file=out)
        if not removed:
            print("  no raw rows (the file loaded none)", file=out)
    restored = [t for t in report.tables if t.restored]
    if restored:
        print("restored from older exports", file=out)
        for table in restored:
            print(f"  {table.table:<{width}}{table.restored:>10,} row(s)", file=out)
    if report.quarantine:
        entries = ", ".join(f"{t} {n:,}" for t, n in sorted(report.quarantine.items()))
        print(f"quarantine entries removed: {entries}", file=out)
    for table in report.tables:
        if table.rows_after != table.rows_before:
            print(
                f"{table.table} now holds {table.rows_after:,} row(s) (was {table.rows_before:,})",
                file=out,
            )
    print("the marts follow at the next refresh: crmkpi refresh", file=out)
