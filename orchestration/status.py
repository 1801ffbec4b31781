"""`crmkpi status`: the last refresh, its checks, mart freshness, quarantine, and the two files.

Reads the warehouse's Dagster instance and the *published* warehouse only (read-only). It
never opens the working warehouse, so it can run at any time without blocking a refresh or
being blocked by one. Whether a refresh is running is read from the lock file's contents,
without taking the lock.

`ok` (top-level in the JSON; the exit code is 0 exactly when it is true) says whether BI
reads good data: marts are published, the last *finished* refresh succeeded (one in progress
does not count yet), and the published marts are fresh. `problems` says why not.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from orchestration import settings
from orchestration.locking import lock_file
from orchestration.refresh_report import check_failure_lines

JOB_NAME = "kpi_refresh"
PUBLISHED_MARTS = "published_marts"
_FINISHED = ("SUCCESS", "FAILURE", "CANCELED")


def _ts(value: float | None) -> str | None:
    return dt.datetime.fromtimestamp(value, dt.UTC).isoformat(timespec="seconds") if value else None


def _running_refresh(warehouse: Path) -> int | None:
    """PID of a live refresh holding the warehouse's lock, read from the lock file."""
    try:
        text = lock_file(warehouse).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not text.startswith("pid "):
        return None
    pid = int(text.split()[1])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def _next_ticks(count: int = 2) -> list[str]:
    from dagster._utils.schedules import cron_string_iterator

    ticks = cron_string_iterator(
        dt.datetime.now(dt.UTC).timestamp(),
        settings.option("refresh_cron"),
        settings.option("refresh_timezone"),
    )
    return [next(ticks).isoformat(timespec="minutes") for _ in range(count)]


def _last_run(instance: Any) -> dict[str, Any] | None:
    import dagster as dg
    from dagster._core.events import DagsterEventType

    records = instance.get_run_records(filters=dg.RunsFilter(job_name=JOB_NAME), limit=1)
    if not records:
        return None
    record = records[0]
    run = record.dagster_run
    checks: list[dict[str, Any]] = []
    for event_record in instance.get_records_for_run(
        run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION, limit=10_000
    ).records:
        evaluation = event_record.event_log_entry.dagster_event.event_specific_data
        checks.append(
            {
                "asset": evaluation.asset_key.to_user_string(),
                "check": evaluation.check_name,
                "passed": evaluation.passed,
                "severity": evaluation.severity.value,
                "description": evaluation.description,
                "metadata": {
                    key: value.value
                    for key, value in evaluation.metadata.items()
                    if key
                    in (
                        "per_file",
                        "refused_files",
                        "failures",
                        "failing_rows",
                        "data_docs_index",
                        "dagster_dbt/failed_row_count",
                    )
                },
            }
        )
    steps = [
        {
            "step": stat.step_key,
            "status": stat.status.value if stat.status else None,
            "seconds": round(stat.end_time - stat.start_time, 2)
            if stat.end_time and stat.start_time
            else None,
        }
        for stat in instance.get_run_step_stats(run.run_id)
    ]
    return {
        "run_id": run.run_id,
        "status": run.status.value,
        "log_file": run.tags.get("crmkpi/log_file"),
        "trigger": run.tags.get("crmkpi/trigger") or run.tags.get("dagster/schedule_name"),
        "started_at": _ts(record.start_time),
        "ended_at": _ts(record.end_time),
        "seconds": round(record.end_time - record.start_time, 1)
        if record.end_time and record.start_time
        else None,
        "steps": steps,
        "checks": {
            "passed": sum(1 for c in checks if c["passed"]),
            "failed": [c for c in checks if not c["passed"] and c["severity"] == "ERROR"],
            "warnings": [c for c in checks if not c["passed"] and c["severity"] == "WARN"],
            "total": len(checks),
            "ingestion": {
                c["asset"]: c["metadata"].get("per_file", {})
                for c in checks
                if c["check"] == "ingestion_accounting"
            },
        },
    }


def _freshness(instance: Any) -> list[dict[str, Any]]:
    import dagster as dg

    from orchestration.freshness import freshness_state, max_age

    keys = sorted(
        (k for k in instance.get_asset_keys() if k.path and k.path[0] == "marts"),
        key=lambda k: k.path,
    )
    keys.append(dg.AssetKey(PUBLISHED_MARTS))
    now = dt.datetime.now(dt.UTC)
    rows = []
    for key in keys:
        event = instance.get_latest_materialization_event(key)
        when = dt.datetime.fromtimestamp(event.timestamp, dt.UTC) if event else None
        rows.append(
            {
                "asset": key.to_user_string(),
                "last_materialized_at": when.isoformat(timespec="seconds") if when else None,
                "age_hours": round((now - when).total_seconds() / 3600, 2) if when else None,
                "max_age_hours": max_age().total_seconds() / 3600,
                "state": freshness_state(when, now),
            }
        )
    return rows


def _published(published: Path) -> dict[str, Any]:
    info: dict[str, Any] = {"path": str(published), "exists": published.is_file()}
    if not published.is_file():
        return info
    import duckdb

    from orchestration.publish import read_publication

    publication = read_publication(published) or {}
    info.update(
        {
            "run_id": publication.get("run_id"),
            "published_at": str(publication.get("published_at")),
            "as_of_date": str(publication.get("as_of_date")),
            "size_bytes": published.stat().st_size,
            "row_counts": publication.get("row_counts"),
        }
    )
    connection = duckdb.connect(str(published), read_only=True)
    try:
        loads = connection.execute(
            "select source_file, rows_in, rows_loaded, rows_quarantined"
            " from quarantine.file_loads order by source_file"
        ).fetchall()
        refused = connection.execute(
            "select source_file, reason from quarantine.rejected_files order by source_file"
        ).fetchall()
        rejected = connection.execute(
            "select source_file, sum(rejected_rows) from quarantine.rejected_rows_summary"
            " group by all order by all"
        ).fetchall()
    finally:
        connection.close()
    rejected_by_file = {f: int(n) for f, n in rejected}
    info["quarantine"] = {
        "files": [
            {
                "file": f,
                "rows_in": rows_in,
                "rows_loaded": rows_loaded,
                "rows_quarantined": rows_quarantined,
                "rejected_rows": rejected_by_file.get(f, 0),
            }
            for f, rows_in, rows_loaded, rows_quarantined in loads
        ],
        "rejected_files": [{"file": f, "reason": reason} for f, reason in refused],
        "rejected_rows": sum(rejected_by_file.values()),
    }
    return info


def _last_finished_run(instance: Any) -> dict[str, Any] | None:
    import dagster as dg

    records = instance.get_run_records(
        filters=dg.RunsFilter(
            job_name=JOB_NAME, statuses=[dg.DagsterRunStatus(s) for s in _FINISHED]
        ),
        limit=1,
    )
    if not records:
        return None
    run = records[0].dagster_run
    return {"run_id": run.run_id, "status": run.status.value}


def _problems(
    published: dict[str, Any], last_finished: dict[str, Any] | None, freshness: list[Any]
) -> list[str]:
    """Why BI does not read good, fresh data right now (empty when it does)."""
    problems: list[str] = []
    if not published.get("exists"):
        problems.append(f"nothing is published at {published['path']}; run `crmkpi refresh`")
    if last_finished is not None and last_finished["status"] != "SUCCESS":
        problems.append(
            f"the last refresh (run {last_finished['run_id']}) ended {last_finished['status']}; "
            "the published marts are those of the last good one"
        )
    published_state = next((r for r in freshness if r["asset"] == PUBLISHED_MARTS), None)
    if published.get("exists") and published_state and published_state["state"] == "FAIL":
        problems.append(
            f"the published marts are {published_state['age_hours']:.1f} h old, older than "
            f"marts_max_age_hours ({published_state['max_age_hours']:.0f} h)"
        )
    return problems


def collect_status() -> dict[str, Any]:
    import dagster as dg

    working = settings.warehouse_path()
    published_path = settings.published_warehouse_path()
    running = _running_refresh(working)
    with dg.DagsterInstance.get() as instance:
        last_run = _last_run(instance)
        last_finished = _last_finished_run(instance)
        freshness = _freshness(instance)
    published = _published(published_path)
    problems = _problems(published, last_finished, freshness)
    return {
        "ok": not problems,
        "problems": problems,
        "working_warehouse": {
            "path": str(working),
            "exists": working.is_file(),
            "refresh_running_pid": running,
            "note": "written by refreshes only; BI tools read the published warehouse",
        },
        "published_warehouse": published,
        "last_run": last_run,
        "freshness": freshness,
        "schedule": {
            "cron": settings.option("refresh_cron"),
            "timezone": settings.option("refresh_timezone"),
            "next": _next_ticks(),
        },
        "landing": str(settings.landing_dir()),
    }


def _print_text(status: dict[str, Any]) -> None:
    working, published = status["working_warehouse"], status["published_warehouse"]
    print("OK: published marts are good and fresh" if status["ok"] else "NOT OK")
    for problem in status["problems"]:
        print(f"  {problem}")
    print("\nWarehouse files")
    print(f"  published  {published['path']}  <- BI tools connect here (read-only)")
    if published.get("exists"):
        print(
            f"             run {published['run_id']}, published {published['published_at']}, "
            f"as of {published['as_of_date']}, {published['size_bytes'] / 1e6:.1f} MB"
        )
    else:
        print("             not published yet")
    running = working["refresh_running_pid"]
    state = f"refresh running (pid {running})" if running else "idle"
    print(f"  working    {working['path']}  ({state}; refreshes only)")

    run = status["last_run"]
    print("\nLast refresh")
    if run is None:
        print("  none yet")
    else:
        print(
            f"  {run['run_id']}  {run['status']}  trigger {run['trigger'] or '-'}  "
            f"{run['started_at']} -> {run['ended_at'] or '...'}"
            + (f"  ({run['seconds']} s)" if run["seconds"] else "")
        )
        steps = "  ".join(
            f"{s['step']} {s['status']}" + (f" {s['seconds']}s" if s["seconds"] is not None else "")
            for s in run["steps"]
        )
        print(f"  steps: {steps}")
        checks = run["checks"]
        print(
            f"  checks: {checks['passed']} passed, {len(checks['failed'])} failed, "
            f"{len(checks['warnings'])} warnings (of {checks['total']})"
        )
        for check in checks["failed"]:
            metadata = check["metadata"]
            for line in check_failure_lines(
                f"{check['asset']}:{check['check']}",
                check["description"] or "",
                metadata.get("failures") or _dbt_failures(check),
                metadata.get("failing_rows") or {},
                metadata.get("refused_files") or {},
            ):
                print(f"    {line}")
        if run.get("log_file"):
            print(f"  log: {run['log_file']}")
        for check in checks["warnings"]:
            print(f"    warn   {check['asset']}:{check['check']}  {check['description'] or ''}")

    if status["freshness"]:
        hours = status["freshness"][0]["max_age_hours"]
        print(f"\nFreshness (policy: materialized within the last {hours:.0f} h)")
    for row in status["freshness"]:
        age = f"{row['age_hours']:.1f} h ago" if row["age_hours"] is not None else "never"
        print(f"  {row['state']:<7} {row['asset']:<40} {age}")

    quarantine = published.get("quarantine")
    print("\nQuarantine (data in the published warehouse)")
    if not quarantine:
        print("  -")
    else:
        print(f"  {'file':<48} {'rows in':>9} {'loaded':>9} {'quarantined':>11}")
        for row in quarantine["files"]:
            print(
                f"  {row['file']:<48} {row['rows_in']:>9,} {row['rows_loaded']:>9,} "
                f"{row['rows_quarantined']:>11,}"
            )
        for row in quarantine["rejected_files"]:
            print(f"  refused {row['file']}: {row['reason']}")
    schedule = status["schedule"]
    print(
        f"\nSchedule: {schedule['cron']} ({schedule['timezone']}), next {schedule['next'][0]}; "
        f"sensor watches {status['landing']}"
    )


def _dbt_failures(check: dict[str, Any]) -> dict[str, int | None]:
    """A failed dbt test counts its failing rows under its own name."""
    count = check["metadata"].get("dagster_dbt/failed_row_count")
    return {} if count is None else {check["check"]: count}


def print_status(as_json: bool = False) -> bool:
    """Print the status; return whether it is `ok`."""
    status = collect_status()
    if as_json:
        print(json.dumps(status, indent=2, default=str))
    else:
        _print_text(status)
    return bool(status["ok"])
