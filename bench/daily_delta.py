"""Split a full demo export into "yesterday's exports" plus "today's delta files".

A daily refresh sees a few new rows per object: the tasks, events and history rows created on
the last day, and the opportunities modified on it. Those rows move to dated delta files
(`Task_2026-10-30.csv`, …) that the ingestion picks up next to the base files.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb

# object -> the timestamp column that says a row is new (or changed) on the last day
_DELTA_COLUMN = {
    "Task": "CreatedDate",
    "Event": "CreatedDate",
    "OpportunityHistory": "CreatedDate",
    "Opportunity": "LastModifiedDate",
}


def split_last_day(full_landing: Path, base_landing: Path, delta_landing: Path) -> datetime:
    """Write base (everything before the last day) and delta (the last day) landing folders.

    Returns the cut-off. Opportunities modified on the last day stay in the base too, so the
    delta re-states them as a real incremental export would.
    """
    for folder in (base_landing, delta_landing):
        if folder.exists():
            shutil.rmtree(folder)
    shutil.copytree(full_landing, base_landing)
    (delta_landing / "salesforce").mkdir(parents=True)
    connection = duckdb.connect()
    try:
        connection.execute("set timezone = 'UTC'")
        latest = connection.execute(
            "select max(try_cast(CreatedDate as timestamptz)) from read_csv(?, all_varchar=true)",
            [str(full_landing / "salesforce" / "Task.csv")],
        ).fetchone()[0]
        cutoff = datetime(latest.year, latest.month, latest.day, tzinfo=latest.tzinfo)
        label = cutoff.strftime("%Y-%m-%d")
        for name, column in _DELTA_COLUMN.items():
            source = str(full_landing / "salesforce" / f"{name}.csv")
            # numbered parameters: DuckDB binds COPY's `to ?` before the query's own `?`s
            is_new = f"try_cast({column} as timestamptz) >= $2"
            connection.execute(
                f"copy (select * from read_csv($1, all_varchar=true) where {is_new}) "
                "to $3 (header, force_quote *)",
                [source, cutoff, str(delta_landing / "salesforce" / f"{name}_{label}.csv")],
            )
            if name != "Opportunity":
                connection.execute(
                    f"copy (select * from read_csv($1, all_varchar=true) where not ({is_new})) "
                    "to $3 (header, force_quote *)",
                    [source, cutoff, str(base_landing / "salesforce" / f"{name}.csv")],
                )
    finally:
        connection.close()
    return cutoff
