"""An incremental refresh must give exactly the marts of a full refresh of the same exports.

The tiny demo is split into "yesterday" (base) and "today" (delta files), and today's files
also carry late-arriving changes to older records:
- an older open opportunity re-stated as lost, with a back-dated stage change: the stage of
  its earlier activities, and the activity counts of its stage visits, change;
- an older opportunity re-stated as deleted: its activities lose it;
- a task created today for an older date, on an older opportunity;
- a CRM event that is the same meeting as an existing calendar-only meeting: the two
  become one row of origin `both`;
- the whole stage history of an older closed opportunity, exported late;
- a newer quota sheet re-stating one target.

(a) ingest base, dbt build; ingest base + delta, dbt build (incremental);
(b) new warehouse: ingest base + delta, dbt build --full-refresh.
Every table in schema `marts` must be identical (EXCEPT ALL both ways, same row counts).
Then (c), corrections on top of (a): today's stage-history export and quota sheet are
retracted and the older quota sheet is replaced in place by a shorter one; the incremental
build must equal a full build of the landing folder as it then is.
Ingestion is the real dlt path; dbt builds models and seeds (its tests run elsewhere).
"""

from __future__ import annotations

import csv
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from warehouse_builder import REPO, build_warehouse

from bench import daily_delta
from ingestion.demo import generate_demo_exports
from ingestion.retract import retract_exports

pytestmark = pytest.mark.slow

_SF_TIME = "%Y-%m-%dT%H:%M:%S.000Z"


def _refresh(
    landing: Path,
    warehouse: Path,
    full_refresh: bool = False,
    variables: dict[str, str] | None = None,
    quarantined: int = 0,
) -> None:
    # models and seeds only: the data tests run in the other known-answer tests
    skip_tests = ("--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
    build_warehouse(
        landing,
        warehouse,
        variables,
        quarantined=quarantined,
        extra_args=skip_tests + (("--full-refresh",) if full_refresh else ()),
    )


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _append(path: Path, rows: list[dict[str, str]]) -> None:
    header, existing = _read(path)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(existing + rows)


def _ts(text: str) -> datetime:
    return datetime.strptime(text, _SF_TIME)


def _write_late_arrivals(
    base: Path, delta: Path, cutoff: datetime, warehouse: Path
) -> dict[str, str]:
    """Append late-arriving changes to older records to today's delta files."""
    label = cutoff.strftime("%Y-%m-%d")
    today = cutoff.replace(tzinfo=None) + timedelta(hours=1)
    sf_base, sf_delta = base / "salesforce", delta / "salesforce"
    _, opportunities = _read(sf_base / "Opportunity.csv")
    _, histories = _read(sf_base / "OpportunityHistory.csv")
    _, tasks = _read(sf_base / "Task.csv")
    _, delta_opportunities = _read(sf_delta / f"Opportunity_{label}.csv")
    restated_today = {row["Id"] for row in delta_opportunities}

    last_change = {}
    for row in histories:
        previous = last_change.get(row["OpportunityId"])
        if previous is None or _ts(row["CreatedDate"]) > previous:
            last_change[row["OpportunityId"]] = _ts(row["CreatedDate"])
    candidates = [
        row
        for row in opportunities
        if row["IsClosed"] == "false" and row["Id"] not in restated_today
    ]

    def later_tasks(opportunity: dict[str, str]) -> int:
        since = last_change[opportunity["Id"]] + timedelta(days=1)
        return sum(
            1 for t in tasks if t["WhatId"] == opportunity["Id"] and _ts(t["CreatedDate"]) > since
        )

    ranked = sorted(candidates, key=lambda row: (-later_tasks(row), row["Id"]))
    lost, deleted = dict(ranked[0]), dict(ranked[1])
    assert later_tasks(lost) > 0 and later_tasks(deleted) > 0

    # lost: a stage change back-dated to one hour after its last recorded one
    changed_at = last_change[lost["Id"]] + timedelta(hours=1)
    lost.update(
        StageName="Closed Lost",
        IsClosed="true",
        IsWon="false",
        LastModifiedDate=today.strftime(_SF_TIME),
    )
    history = dict(next(row for row in histories if row["OpportunityId"] == lost["Id"]))
    history.update(
        Id="0085g00009LATE0AAB", StageName="Closed Lost", CreatedDate=changed_at.strftime(_SF_TIME)
    )
    deleted.update(IsDeleted="true", LastModifiedDate=today.strftime(_SF_TIME))
    _append(sf_delta / f"Opportunity_{label}.csv", [lost, deleted])
    _append(sf_delta / f"OpportunityHistory_{label}.csv", [history])

    # a task created today for a date 60 days ago, on the lost opportunity
    task = dict(next(row for row in tasks if row["WhatId"] == lost["Id"]))
    task.update(
        Id="00T5g00009LATE0AAB",
        ActivityDate=(cutoff - timedelta(days=60)).strftime("%Y-%m-%d"),
        CreatedDate=today.strftime(_SF_TIME),
        IsClosed="true",
    )
    _append(sf_delta / f"Task_{label}.csv", [task])

    # a CRM event at the start of a meeting that, so far, only a calendar knows
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rep_id, started_at, account_id, meeting_id = connection.execute(
            "select rep_id, activity_at at time zone 'UTC', account_id, activity_id"
            " from marts.fct_activities where origin = 'calendar' and rep_id is not null"
            " order by activity_at desc, activity_id limit 1"
        ).fetchone()
    header, events = _read(sf_base / "Event.csv")
    event = {column: "" for column in header}
    event.update(
        Id="00U5g00009LATE0AAB",
        OwnerId=rep_id,
        AccountId=account_id or "",
        Subject="Customer meeting",
        Type="Meeting",
        EventSubtype="Event",
        ActivityDateTime=started_at.strftime(_SF_TIME),
        StartDateTime=started_at.strftime(_SF_TIME),
        EndDateTime=(started_at + timedelta(minutes=30)).strftime(_SF_TIME),
        DurationInMinutes="30",
        IsAllDayEvent="false",
        CreatedDate=today.strftime(_SF_TIME),
    )
    assert events, "the base has events"
    _append(sf_delta / f"Event_{label}.csv", [event])
    return {
        "lost": lost["Id"],
        "deleted": deleted["Id"],
        "task": task["Id"],
        "event": event["Id"],
        "calendar_meeting": meeting_id,
    }


def _marts(connection: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    rows = connection.execute(
        "select table_name from duckdb_tables()"
        " where database_name = ? and schema_name = 'marts' order by table_name",
        [catalog],
    ).fetchall()
    return [row[0] for row in rows]


def _comparable_columns(connection: duckdb.DuckDBPyConnection, table: str) -> str:
    """Every column; doubles rounded, since parallel sums differ in the last bits run to run."""
    rows = connection.execute(
        "select column_name, data_type from duckdb_columns()"
        " where database_name = 'crm_kpi' and schema_name = 'marts' and table_name = ?"
        " order by column_index",
        [table],
    ).fetchall()
    return ", ".join(
        f'round("{name}", 6)' if data_type in ("DOUBLE", "FLOAT") else f'"{name}"'
        for name, data_type in rows
    )


def _assert_same_marts(connection: duckdb.DuckDBPyConnection, rebuilt: Path) -> list[str]:
    """Every marts table of the open warehouse equals the one in `rebuilt`, row for row."""
    connection.execute(f"attach '{rebuilt}' as rebuilt (read_only)")
    tables = _marts(connection, "crm_kpi")
    assert tables == _marts(connection, "rebuilt")
    for table in tables:
        columns = _comparable_columns(connection, table)
        ours = f"select {columns} from crm_kpi.marts.{table}"
        theirs = f"select {columns} from rebuilt.marts.{table}"
        counts = connection.execute(
            f"select (select count(*) from ({ours})), (select count(*) from ({theirs})),"
            f" (select count(*) from ({ours} except all {theirs})),"
            f" (select count(*) from ({theirs} except all {ours}))"
        ).fetchone()
        assert counts[0] == counts[1] and counts[2] == counts[3] == 0, (table, counts)
    return tables


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)


def _move_history_to_delta(base: Path, delta: Path, label: str) -> str:
    """Move the whole stage history of the closed opportunity with most tasks into today's
    history export: it arrives late. Retracted in (c), it is gone and nothing of that
    opportunity is loaded again: only the deletion log tells the incremental model."""
    header, histories = _read(base / "salesforce" / "OpportunityHistory.csv")
    _, opportunities = _read(base / "salesforce" / "Opportunity.csv")
    _, tasks = _read(base / "salesforce" / "Task.csv")
    _, restated = _read(delta / "salesforce" / f"Opportunity_{label}.csv")
    with_history = {row["OpportunityId"] for row in histories}
    skip = {row["Id"] for row in restated}
    closed = [
        row["Id"]
        for row in opportunities
        if row["IsClosed"] == "true" and row["Id"] in with_history and row["Id"] not in skip
    ]
    chosen = max(closed, key=lambda id_: (sum(t["WhatId"] == id_ for t in tasks), id_))
    _write(
        base / "salesforce" / "OpportunityHistory.csv",
        header,
        [row for row in histories if row["OpportunityId"] != chosen],
    )
    _append(
        delta / "salesforce" / f"OpportunityHistory_{label}.csv",
        [row for row in histories if row["OpportunityId"] == chosen],
    )
    return chosen


def _restate_a_target(base: Path, delta: Path, label: str) -> tuple[str, str, str]:
    """A newer quota sheet re-stating the first target of the base sheet (quota x 10)."""
    header, targets = _read(base / "targets" / "quotas.csv")
    restated = dict(targets[0], Quota=str(int(targets[0]["Quota"]) * 10))
    _write(delta / "targets" / f"quotas_{label}.csv", header, [restated])
    return targets[0]["Rep Email"], targets[0]["Period"], targets[0]["Quota"]


@pytest.fixture(scope="module")
def daily_refresh(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """(a): yesterday's refresh, then today's, with late arrivals, on top of it."""
    tmp_path = tmp_path_factory.mktemp("daily_refresh")
    full = tmp_path / "full_landing"
    generate_demo_exports(full, scale="tiny", seed=7)
    base, delta = tmp_path / "base_landing", tmp_path / "delta_landing"
    cutoff = daily_delta.split_last_day(full, base, delta)
    label = cutoff.strftime("%Y-%m-%d")
    late_history = _move_history_to_delta(base, delta, label)

    incremental = tmp_path / "incremental" / "crm_kpi.duckdb"
    _refresh(base, incremental)
    planted = _write_late_arrivals(base, delta, cutoff, incremental)
    planted["late_history"] = late_history
    restated_target = _restate_a_target(base, delta, label)
    shutil.copytree(delta, base, dirs_exist_ok=True)
    _refresh(base, incremental)
    return {
        "landing": base,
        "incremental": incremental,
        "planted": planted,
        "label": label,
        "restated_target": restated_target,
    }


def test_incremental_refresh_equals_full_refresh(
    daily_refresh: dict[str, Any], tmp_path: Path
) -> None:
    planted = daily_refresh["planted"]
    # (b) one full refresh of the same exports
    rebuilt = tmp_path / "full" / "crm_kpi.duckdb"
    _refresh(daily_refresh["landing"], rebuilt, full_refresh=True)

    with duckdb.connect(str(daily_refresh["incremental"]), read_only=True) as connection:
        tables = _assert_same_marts(connection, rebuilt)
        assert {"fct_activities", "fct_stage_transitions", "kpi_activity_effectiveness"} <= set(
            tables
        )

        # the planted changes did reach the marts
        def activities(where: str, *params: str) -> list[tuple]:
            return connection.execute(
                f"select activity_id, opportunity_id, stage_at_activity, origin"
                f" from crm_kpi.marts.fct_activities where {where} order by activity_id",
                list(params),
            ).fetchall()

        assert not activities("opportunity_id = ?", planted["deleted"])
        assert "lost" in {row[2] for row in activities("opportunity_id = ?", planted["lost"])}
        assert activities("activity_id = ?", planted["task"])
        (event,) = activities("activity_id = ?", planted["event"])
        assert event[3] == "both"
        assert not activities("activity_id = ?", planted["calendar_meeting"])
        # its late history gives the closed opportunity more than its creation transition
        (transitions,) = connection.execute(
            "select count(*) from crm_kpi.marts.fct_stage_transitions where opportunity_id = ?",
            [planted["late_history"]],
        ).fetchone()
        assert transitions > 1


def test_after_corrections_incremental_equals_a_full_build_of_the_corrected_exports(
    daily_refresh: dict[str, Any], tmp_path: Path
) -> None:
    # (c) on a copy of (a): its warehouse, dlt state and dbt target, and its landing folder
    shutil.copytree(daily_refresh["incremental"].parent, tmp_path / "incremental")
    shutil.copytree(daily_refresh["landing"], tmp_path / "landing")
    warehouse, landing = tmp_path / "incremental" / "crm_kpi.duckdb", tmp_path / "landing"
    label, planted = daily_refresh["label"], daily_refresh["planted"]
    rep_email, period, first_quota = daily_refresh["restated_target"]

    # today's stage history and quota sheet were wrong: moved out of the landing, retracted
    retracted = [f"salesforce/OpportunityHistory_{label}.csv", f"targets/quotas_{label}.csv"]
    (tmp_path / "archive").mkdir()
    for name in retracted:
        shutil.move(landing / name, tmp_path / "archive")
    report = retract_exports(landing, warehouse, retracted, warehouse.parent / "dlt_pipelines")
    assert report.files == sorted(retracted)
    # and the quota sheet is replaced in place by the first rep's targets only
    header, targets = _read(landing / "targets" / "quotas.csv")
    kept = [row for row in targets if row["Rep Email"] == rep_email]
    assert 0 < len(kept) < len(targets)
    _write(landing / "targets" / "quotas.csv", header, kept)
    _refresh(landing, warehouse)

    rebuilt = tmp_path / "full" / "crm_kpi.duckdb"
    _refresh(landing, rebuilt, full_refresh=True)

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        _assert_same_marts(connection, rebuilt)

        def one(sql: str, *params: str) -> tuple:
            return connection.execute(sql, list(params)).fetchone()

        # the late history is gone, and a Salesforce opportunity without history has none
        assert one(
            "select count(*) from crm_kpi.marts.fct_stage_transitions where opportunity_id = ?",
            planted["late_history"],
        ) == (0,)
        # the back-dated loss is gone with today's history: no activity is in stage lost
        assert one(
            "select count(*) from crm_kpi.marts.fct_activities"
            " where opportunity_id = ? and stage_at_activity = 'lost'",
            planted["lost"],
        ) == (0,)
        # one target per kept row; the re-stated one is the older sheet's again
        assert one("select count(*) from crm_kpi.marts.fct_sales_targets") == (len(kept),)
        assert one(
            "select target_amount from crm_kpi.marts.fct_sales_targets"
            " where rep_email = ? and period_label = ?",
            rep_email,
            period,
        ) == (float(first_quota),)


# Directory exports (users, organisations, accounts) that arrive after the records naming them:
# the owners and accounts those records resolve to by name change, although the records
# themselves were not re-exported.
LATE_DIRECTORIES = {
    "hubspot": ("users-2025-03-05.csv",),
    "pipedrive": ("organizations-7163542-15.xlsx", "persons-7163542-16.csv"),
    "crm_mapping": ("员工.xlsx", "客户.csv"),
}


def test_incremental_equals_full_when_directories_arrive_late(tmp_path: Path) -> None:
    fixtures = REPO / "tests" / "fixtures"
    landing, late = tmp_path / "landing", tmp_path / "late"
    for fixture, files in LATE_DIRECTORIES.items():
        folder = "crm" if fixture == "crm_mapping" else fixture
        shutil.copytree(fixtures / fixture, landing / folder)
        (late / folder).mkdir(parents=True)
        for name in files:
            shutil.move(landing / folder / name, late / folder / name)
    variables = {"as_of_date": "2025-03-05"}
    # the dialect fixtures' deliberate bad rows (tests/test_multi_crm_known_answer.py)
    quarantined = 7

    incremental = tmp_path / "incremental" / "crm_kpi.duckdb"
    _refresh(landing, incremental, variables=variables, quarantined=quarantined)
    with duckdb.connect(str(incremental), read_only=True) as connection:
        (named_before,) = connection.execute(
            "select count(*) from marts.fct_activities where rep_id = 'hubspot:51234001'"
        ).fetchone()
    assert named_before == 0, "without the users export, HubSpot owners are known by name only"
    shutil.copytree(late, landing, dirs_exist_ok=True)
    _refresh(landing, incremental, variables=variables)

    rebuilt = tmp_path / "full" / "crm_kpi.duckdb"
    _refresh(landing, rebuilt, True, variables, quarantined)

    with duckdb.connect(str(incremental), read_only=True) as connection:
        _assert_same_marts(connection, rebuilt)
        (named_after,) = connection.execute(
            "select count(*) from marts.fct_activities where rep_id = 'hubspot:51234001'"
        ).fetchone()
    assert named_after > 0, "the late users export resolves the HubSpot owner's activities"
