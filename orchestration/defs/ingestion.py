"""dlt assets: one multi-asset per export family, one asset per raw table.

Asset keys are `[<source>, <table>]`, exactly dbt's source keys, so dlt and dbt assets form one
lineage graph from export file to KPI mart.
"""

from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData

from ingestion.common.ledger import IngestionLedger
from ingestion.pipeline import SOURCE_FAMILIES, SourceFamily, make_pipeline
from orchestration import settings


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
    def _load(context: dg.AssetExecutionContext, dlt: DagsterDltResource) -> Iterator[Any]:
        ledger = IngestionLedger(family.name)
        warehouse = settings.warehouse_path()
        yield from dlt.run(
            context=context,
            dlt_source=family.source(settings.landing_dir(), ledger),
            dlt_pipeline=make_pipeline(family, warehouse),
        )
        ledger.write_to_warehouse(warehouse)
        for source_file, reason in ledger.rejected_files.items():
            context.log.warning(f"rejected file {source_file}: {reason}")
        quarantined = sum(account.rows_quarantined for account in ledger.files)
        if quarantined:
            context.log.warning(
                f"{quarantined} row(s) of {family.name} exports quarantined; "
                "see quarantine.rejected_rows"
            )

    return _load


raw_assets = [build_source_assets(family) for family in SOURCE_FAMILIES]

defs = dg.Definitions(assets=raw_assets, resources={"dlt": DagsterDltResource()})
