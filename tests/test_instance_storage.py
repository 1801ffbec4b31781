"""The repository instance's event log: Dagster's own SQLite files, written without a flush per
event (orchestration/instance_storage.py), and readable by Dagster's stock storage."""

import shutil
from pathlib import Path

import dagster as dg
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from orchestration.instance_storage import BufferedSqliteEventLogStorage

REPO = Path(__file__).resolve().parents[1]


@dg.op
def emit_materializations(context: dg.OpExecutionContext) -> None:
    for n in range(25):
        context.log_event(dg.AssetMaterialization(asset_key=f"table_{n}"))


@dg.job
def busy_job() -> None:
    emit_materializations()


def test_repo_instance_events_are_stored_in_dagsters_own_format(
    tmp_path: Path, monkeypatch
) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))

    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, BufferedSqliteEventLogStorage)
        result = busy_job.execute_in_process(instance=instance)
        assert result.success
        stored = instance.get_records_for_run(result.run_id).records
        materialized = instance.get_latest_materialization_event(dg.AssetKey("table_24"))
        assert materialized is not None

    # Dagster's stock storage (what a plain `dagster dev` would use) reads the same files.
    stock = SqliteEventLogStorage(base_dir=str(home / "history" / "runs"))
    try:
        reread = stock.get_records_for_run(result.run_id).records
        assert [r.storage_id for r in reread] == [r.storage_id for r in stored]
        kinds = [r.event_log_entry.dagster_event_type for r in reread]
        assert kinds.count(dg.DagsterEventType.ASSET_MATERIALIZATION) == 25
        assert stock.get_latest_materialization_events([dg.AssetKey("table_0")])[
            dg.AssetKey("table_0")
        ]
    finally:
        stock.dispose()
