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
            source = _literal(full_landing / "salesforce" / f"{name}.csv")
            delta = _literal(delta_landing / "salesforce" / f"{name}_{label}.csv")
            base = _literal(base_landing / "salesforce" / f"{name}.csv")
            # literals, not parameters: DuckDB binds COPY ... TO ? before the query's own ?
            is_new = f"try_cast({column} as timestamptz) >= timestamptz '{cutoff.isoformat()}'"
            rows = f"select * from read_csv({source}, all_varchar=true)"
            connection.execute(f"copy ({rows} where {is_new}) to {delta} (header, force_quote *)")
            if name != "Opportunity":
                connection.execute(
                    f"copy ({rows} where not ({is_new})) to {base} (header, force_quote *)"
                )
    finally:
        connection.close()
    return cutoff


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"
