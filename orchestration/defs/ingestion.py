"""dlt assets: one multi-asset per export family, one asset per raw table.

Asset keys are `[<source>, <table>]`, exactly dbt's source keys, so dlt and dbt assets form one
lineage graph from export file to KPI mart.
"""

import os
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import dagster as dg
import dlt as dlt_lib
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData

from ingestion.common.ledger import IngestionLedger
from ingestion.pipeline import SOURCE_FAMILIES, SourceFamily, make_pipeline
from orchestration import settings
from orchestration.progress import pause_point, progress
from orchestration.resources import WarehouseWriter
from orchestration.retries import retry_if_transient


class RawTableTranslator(DagsterDltTranslator):
    """Names dlt assets like the dbt sources that read them: `salesforce/opportunity`."""

    def get_asset_spec(self, data: DltResourceTranslatorData) -> dg.AssetSpec:
        default = super().get_asset_spec(data)
        source_name = data.resource.source_name
        return default.replace_attributes(
            key=dg.AssetKey([source_name, data.resource.name]),
            deps=[],
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
    context.log.warning(
        f"{pipeline.pipeline_name}: aborting {len(pending)} load package(s) left by an "
        f"interrupted run: {pending}"
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
        ledger = IngestionLedger(family.name)
        source = family.source(settings.landing_dir(), ledger)
        pipeline = make_pipeline(family, warehouse.path)
        if os.environ.get("CRMKPI_PAUSE_AT") == f"ingest:{family.name}":
            _pause_before_load(pipeline, f"ingest:{family.name}")
        try:
            abort_pending_packages(pipeline, context)
            yield from dlt.run(context=context, dlt_source=source, dlt_pipeline=pipeline)
            ledger.write_to_warehouse(warehouse.path)
        except Exception as error:
            retry_if_transient(context, error)
            raise
        loaded: dict[str, int] = defaultdict(int)
        quarantined = 0
        for account in ledger.files:
            loaded[account.table_name] += account.rows_loaded
            quarantined += account.rows_quarantined
        tables = ", ".join(f"{table} {rows:,}" for table, rows in sorted(loaded.items()))
        unchanged = len(getattr(ledger, "skipped_files", ()))  # already loaded, not re-read
        progress(
            context,
            f"ingest {family.name}: "
            + (f"{tables} rows loaded" if tables else "no new rows")
            + (f" ({unchanged} unchanged file(s) skipped)" if unchanged else "")
            + f"; {quarantined:,} quarantined, {len(ledger.rejected_files)} file(s) refused "
            f"({time.perf_counter() - started:.1f} s)",
        )
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

defs = dg.Definitions(assets=raw_assets, resources={"dlt": DagsterDltResource()})
