"""dlt assets: one multi-asset per export family, one asset per raw table.

Asset keys are `[<source>, <table>]`, exactly dbt's source keys, so dlt and dbt assets form one
lineage graph from export folder to KPI mart: each landing sub-folder is an observable source
asset `[landing, <source>]` (its data version is the state of its export files) upstream of
the raw tables loaded from it.

A refresh of a missing or empty landing folder is refused here too (the CLI refuses it before
starting a run): reading nothing could publish marts built from nothing.
"""

import hashlib
import os
import time
import warnings
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import dlt as dlt_lib
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData

from ingestion.common.ledger import IngestionLedger
from ingestion.pipeline import SOURCE_FAMILIES, SourceFamily, make_pipeline
from orchestration import settings
from orchestration.landing import landing_files, landing_problem
from orchestration.progress import pause_point, progress, progress_bar, step_line
from orchestration.resources import WarehouseWriter
from orchestration.retries import retry_if_transient

LANDING_KEY_PREFIX = "landing"
# What the readers read (settings files such as mapping.yml are not exports).
_EXPORT_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".json", ".ics"}


def landing_folder_key(source_name: str) -> dg.AssetKey:
    return dg.AssetKey([LANDING_KEY_PREFIX, source_name])


def export_files(folder: Path) -> list[tuple[str, Path]]:
    return [(n, p) for n, p in landing_files(folder) if p.suffix.lower() in _EXPORT_SUFFIXES]


def build_landing_folder_asset(family: SourceFamily) -> dg.SourceAsset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)  # the decorator is "beta" since 1.5
        return _landing_folder_asset(family)


def _landing_folder_asset(family: SourceFamily) -> dg.SourceAsset:
    @dg.observable_source_asset(
        key=landing_folder_key(family.name),
        group_name="landing",
        description=(
            f"The `{family.name}/` folder of the landing folder: the {family.name} export files "
            "as delivered. Observing it records their number, size and newest change; its data "
            "version changes when a file is added, replaced or removed."
        ),
    )
    def _observe(context: dg.AssetExecutionContext) -> dg.ObserveResult:
        folder = settings.landing_dir() / family.name
        files = export_files(folder)
        digest = hashlib.sha256()
        newest = 0.0
        size = 0
        for name, path in files:
            stat = path.stat()
            digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
            newest = max(newest, stat.st_mtime)
            size += stat.st_size
        metadata: dict[str, Any] = {
            "path": dg.MetadataValue.path(str(folder)),
            "files": len(files),
            "bytes": size,
        }
        if newest:
            metadata["newest_file_at"] = dg.MetadataValue.timestamp(newest)
        context.log.info(f"{folder}: {len(files)} export file(s), {size:,} bytes")
        return dg.ObserveResult(
            data_version=dg.DataVersion(digest.hexdigest()[:16]), metadata=metadata
        )

    return _observe


class RawTableTranslator(DagsterDltTranslator):
    """Names dlt assets like the dbt sources that read them: `salesforce/opportunity`, each
    downstream of the landing sub-folder it is read from."""

    def get_asset_spec(self, data: DltResourceTranslatorData) -> dg.AssetSpec:
        default = super().get_asset_spec(data)
        source_name = data.resource.source_name
        return default.replace_attributes(
            key=dg.AssetKey([source_name, data.resource.name]),
            deps=[landing_folder_key(source_name)],
            group_name="ingestion",
            description=(
                f"Raw `{data.resource.name}` rows from the {source_name} exports in the landing "
                f"folder, typed, with `_source_file`/`_source_row`; rejected rows go to "
                "`quarantine.rejected_rows`."
            ),
            kinds={"dlt", "duckdb"},
        )


def abort_pending_packages(pipeline: dlt_lib.Pipeline, context: dg.AssetExecutionContext) -> None:
    """Drop load packages left by an interrupted run before loading anew.

    dlt's `run()` loads pending packages *instead of* new data when any exist. A refresh killed
    mid-ingestion leaves some; its data is re-read from the landing folder anyway (every raw
    table merges on its primary key, so reloading is idempotent), so abort them.
    """
    if not pipeline.has_pending_data:
        return
    pending = [*pipeline.list_extracted_load_packages(), *pipeline.list_normalized_load_packages()]
    progress(
        context,
        f"{pipeline.pipeline_name}: aborting {len(pending)} load package(s) left by an "
        f"interrupted run: {pending}",
        warning=True,
    )
    pipeline.abort_packages()


def _pause_before_load(pipeline: dlt_lib.Pipeline, point: str) -> None:
    """Test hook (CRMKPI_PAUSE_AT=ingest:<source>): stop after extract and normalize, before
    load, where a killed refresh leaves a normalized load package pending."""
    load = pipeline.load

    def _paused_load(*args: Any, **kwargs: Any) -> Any:
        pause_point(point)
        return load(*args, **kwargs)

    pipeline.load = _paused_load  # type: ignore[method-assign]


def _files_done(ledger: IngestionLedger) -> int:
    """Export files this run has finished with so far (read, refused or skipped unchanged)."""
    try:
        return len(
            {a.source_file for a in ledger.files}
            | set(ledger.rejected_files)
            | set(ledger.skipped_files)
        )
    except RuntimeError:  # changed by the loading thread while counting: next poll
        return 0


def _ingest_summary(ledger: IngestionLedger) -> str:
    loaded: dict[str, int] = defaultdict(int)
    quarantined = 0
    for account in ledger.files:
        loaded[account.table_name] += account.rows_loaded
        quarantined += account.rows_quarantined
    read = len({a.source_file for a in ledger.files})
    unchanged = len(ledger.skipped_files)  # already loaded, not read again
    refused = len(ledger.rejected_files)
    if not read and not unchanged and not refused:
        return "no export files"
    rows = sum(loaded.values())
    parts = [f"{rows:,} rows from {read} file{'s' if read != 1 else ''}" if read else "no new rows"]
    if unchanged:
        parts.append(f"{unchanged} unchanged skipped")
    parts.append(f"{quarantined:,} quarantined")
    parts.append(f"{refused} refused")
    return ", ".join(parts)


def build_source_assets(family: SourceFamily) -> dg.AssetsDefinition:
    # The source and pipeline given here only describe the assets; every run builds fresh ones
    # from the current settings, with a fresh ledger for the quarantine.
    @dlt_assets(
        dlt_source=family.source(settings.landing_dir(), IngestionLedger(family.name)),
        dlt_pipeline=make_pipeline(family, settings.warehouse_path()),
        name=f"ingest_{family.name}",
        dagster_dlt_translator=RawTableTranslator(),
        pool=settings.WAREHOUSE_WRITER_POOL,
    )
    def _load(
        context: dg.AssetExecutionContext, dlt: DagsterDltResource, warehouse: WarehouseWriter
    ) -> Iterator[Any]:
        started = time.perf_counter()
        landing = settings.landing_dir()
        problem = landing_problem(landing, (f.name for f in SOURCE_FAMILIES))
        if problem:
            raise dg.Failure(
                description=f"refresh refused: {problem}; nothing was read or published",
                allow_retries=False,
            )
        ledger = IngestionLedger(family.name)
        source = family.source(landing, ledger)
        pipeline = make_pipeline(family, warehouse.path)
        if os.environ.get("CRMKPI_PAUSE_AT") == f"ingest:{family.name}":
            _pause_before_load(pipeline, f"ingest:{family.name}")
        label = f"ingest {family.name}"
        try:
            abort_pending_packages(pipeline, context)
            with progress_bar(
                label,
                len(export_files(landing / family.name)),
                "files",
                poll=lambda: _files_done(ledger),
            ):
                yield from dlt.run(context=context, dlt_source=source, dlt_pipeline=pipeline)
            ledger.write_to_warehouse(warehouse.path)
        except Exception as error:
            retry_if_transient(context, error)
            raise
        progress(context, step_line(label, _ingest_summary(ledger), time.perf_counter() - started))
        quarantined = sum(account.rows_quarantined for account in ledger.files)
        for source_file, reason in ledger.rejected_files.items():
            context.log.warning(f"rejected file {source_file}: {reason}")
        for note in ledger.notes:  # e.g. a replaced export whose earlier rows were deleted
            context.log.info(note)
        if quarantined:
            context.log.warning(
                f"{quarantined} row(s) of {family.name} exports quarantined; "
                "see quarantine.rejected_rows"
            )

    return _load


raw_assets = [build_source_assets(family) for family in SOURCE_FAMILIES]
landing_folder_assets = [build_landing_folder_asset(family) for family in SOURCE_FAMILIES]

defs = dg.Definitions(
    assets=[*landing_folder_assets, *raw_assets], resources={"dlt": DagsterDltResource()}
)
