"""`published_marts`: the publish step of write-audit-publish (see orchestration/publish.py).

Downstream of every mart, so within a run it executes only after dbt (whose `error` tests
are blocking checks) and `model_quality` (blocking Great Expectations suites) have passed:
Dagster skips it when a blocking check of any mart fails. As a second line of defence, for
runs that select it without its checks (e.g. "Materialize" on this asset alone in the UI), it
refuses to publish while the latest evaluation of any blocking mart check is a failure.
Then the publish guard (orchestration/publish_guard.py) refuses marts or raw tables that lost
too many rows, unless the run's config says `allow_shrink`.
"""

import json
from pathlib import Path

import dagster as dg

from ingestion.pipeline import SOURCE_FAMILIES
from orchestration import settings
from orchestration.column_comments import mart_descriptions
from orchestration.defs.quality import MODEL_SUITES
from orchestration.defs.transformation import (
    DBT_PROJECT,
    MARTS_SCHEMA,
    SHRINK_GUARD_METADATA_KEY,
    kpi_dbt_models,
)
from orchestration.freshness import marts_freshness_policy
from orchestration.progress import progress, step_line
from orchestration.publish import free_text_columns, publish_marts
from orchestration.publish_guard import RAW_ROW_COUNTS_KEY, publication_shrink
from orchestration.resources import WarehouseWriter

PUBLISHED_MARTS_KEY = dg.AssetKey("published_marts")
MART_KEYS: tuple[dg.AssetKey, ...] = tuple(
    sorted(k for k in kpi_dbt_models.keys if k.path[0] == MARTS_SCHEMA)
)
BLOCKING_MART_CHECKS: tuple[dg.AssetCheckKey, ...] = (
    *(
        spec.key
        for spec in kpi_dbt_models.check_specs
        if spec.blocking and spec.asset_key in MART_KEYS
    ),
    *(
        dg.AssetCheckKey(dg.AssetKey(list(s.asset_key)), s.check_name)
        for s in MODEL_SUITES
        if s.blocking and dg.AssetKey(list(s.asset_key)) in MART_KEYS
    ),
)


def withheld_columns() -> dict[str, list[str]]:
    """Free-text mart columns left out of the published file, unless `publish_free_text`."""
    if settings.option("publish_free_text"):
        return {}
    manifest = json.loads(Path(DBT_PROJECT.manifest_path).read_text(encoding="utf-8"))
    return free_text_columns(manifest)


#: Marts whose row count the publish guard compares (all but those opting out in dbt meta).
SHRINK_GUARDED_MARTS: tuple[str, ...] = tuple(
    key.path[1]
    for key in MART_KEYS
    if kpi_dbt_models.specs_by_key[key].metadata.get(SHRINK_GUARD_METADATA_KEY, True)
)
RAW_SCHEMAS: tuple[str, ...] = tuple(family.dataset_name for family in SOURCE_FAMILIES)
#: Step failure metadata of a publication the guard blocked: the reasons, as JSON.
PUBLISH_GUARD_METADATA_KEY = "publish_guard"


class PublishConfig(dg.Config):
    """Run options of the publish step."""

    allow_shrink: bool = False  # publish even when marts or raw tables lost too many rows


def publication_blockers(
    instance: dg.DagsterInstance, check_keys: tuple[dg.AssetCheckKey, ...], current_run_id: str
) -> list[str]:
    """Blocking checks whose latest evaluation failed, or that a failed run never evaluated."""
    from dagster._core.storage.asset_check_execution_record import (
        AssetCheckExecutionRecordStatus as Status,
    )

    records = instance.event_log_storage.get_latest_asset_check_execution_by_key(list(check_keys))
    blockers: list[str] = []
    for key in check_keys:
        record = records.get(key)
        if record is None:
            continue
        label = f"{key.asset_key.to_user_string()}:{key.name}"
        if record.status == Status.FAILED:
            evaluation = record.evaluation
            if evaluation is None or evaluation.severity == dg.AssetCheckSeverity.ERROR:
                blockers.append(f"{label} failed (run {record.run_id})")
        elif record.status == Status.PLANNED and record.run_id != current_run_id:
            run = instance.get_run_by_id(record.run_id)
            if run is None or run.status != dg.DagsterRunStatus.SUCCESS:
                blockers.append(f"{label} was never evaluated (run {record.run_id} failed)")
    return blockers


@dg.asset(
    key=PUBLISHED_MARTS_KEY,
    deps=list(MART_KEYS),
    group_name="publish",
    pool=settings.WAREHOUSE_WRITER_POOL,
    kinds={"duckdb"},
    freshness_policy=marts_freshness_policy(),
    description=(
        "The published warehouse BI tools read: every mart of schema `marts` plus a quarantine "
        "summary, copied into a new DuckDB file and renamed over the published file "
        "(CRMKPI_PUBLISHED_WAREHOUSE) only after every blocking check has passed."
    ),
)
def published_marts(
    context: dg.AssetExecutionContext, warehouse: WarehouseWriter, config: PublishConfig
) -> dg.MaterializeResult:
    blockers = publication_blockers(context.instance, BLOCKING_MART_CHECKS, context.run.run_id)
    if blockers:
        raise dg.Failure(
            description=(
                f"not publishing: {len(blockers)} blocking check(s) did not pass; the published "
                f"warehouse keeps its last good version. {blockers[:10]}"
            ),
            allow_retries=False,
        )
    shrinks, raw_rows = publication_shrink(
        warehouse.path,
        warehouse.published_path,
        SHRINK_GUARDED_MARTS,
        RAW_SCHEMAS,
        float(settings.option("publish_max_shrink_percent")),
    )
    if shrinks and not config.allow_shrink:
        reasons = [blocker.reason for blocker in shrinks]
        progress(context, step_line("publish", f"blocked: {len(shrinks)} table(s) shrank"))
        raise dg.Failure(
            description=(
                f"not publishing: {len(shrinks)} table(s) would lose too many rows; the published "
                "warehouse keeps its last good version (publish anyway with "
                f"`crmkpi refresh --allow-shrink`). {'; '.join(reasons[:10])}"
            ),
            metadata={
                PUBLISH_GUARD_METADATA_KEY: dg.MetadataValue.json(
                    [blocker.to_json() for blocker in shrinks]
                )
            },
            allow_retries=False,
        )
    for blocker in shrinks:
        progress(context, f"publishing although allowed to shrink: {blocker.reason}", warning=True)
    publication = publish_marts(
        warehouse.path,
        warehouse.published_path,
        [key.path[1] for key in MART_KEYS],
        run_id=context.run.run_id,
        extra={
            "checks_required": len(BLOCKING_MART_CHECKS),
            RAW_ROW_COUNTS_KEY: raw_rows,
            "shrink_allowed": [blocker.to_json() for blocker in shrinks],
        },
        withheld=withheld_columns(),
        file_mode=settings.published_file_mode(),
        descriptions=mart_descriptions(DBT_PROJECT.manifest_path, MARTS_SCHEMA),
    )
    progress(
        context,
        step_line(
            "publish",
            f"{len(publication.row_counts)} marts, {publication.size_bytes / 1e6:.1f} MB "
            f"-> {publication.path}",
            publication.elapsed_s,
        ),
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(publication.path)),
            "published_at": dg.MetadataValue.timestamp(publication.published_at),
            "size_bytes": publication.size_bytes,
            "row_counts": dg.MetadataValue.json(publication.row_counts),
            "elapsed_s": round(publication.elapsed_s, 3),
        }
    )


defs = dg.Definitions(assets=[published_marts])
