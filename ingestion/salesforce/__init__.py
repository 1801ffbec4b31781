"""Salesforce exports (Data Loader CSV, report CSV/XLSX) as a dlt source: one resource per object.

Daily full exports of opportunities under `snapshots/` (`Opportunity_2026-10-01.csv`, one per
day) feed `opportunity_snapshot`, from which staging derives stage history for orgs that export
no OpportunityHistory; they also update `opportunity` (the newest export wins).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dlt
from dlt.sources import DltResource

from ingestion.common.files import TableSource, snapshot_date, table_resource
from ingestion.common.ledger import IngestionLedger
from ingestion.common.schema import TableSpec
from ingestion.common.settings import source_timezone
from ingestion.common.stages import known_stage_labels
from ingestion.salesforce.tables import OPPORTUNITY_SNAPSHOT, SALESFORCE_TABLES, SYSTEM

SOURCE_NAME = "salesforce"


def stage_labels(spec: TableSpec) -> dict[str, frozenset[str]]:
    """The stage-label columns of `spec` and the labels the stage_mapping seed knows."""
    return {c.name: known_stage_labels(c.stage_system) for c in spec.columns if c.stage_system}


def salesforce_tables(landing: Path, ledger: IngestionLedger | None = None) -> list[TableSource]:
    # Report exports write date-times in the exporting user's zone, without an offset.
    timezone = source_timezone(landing / SOURCE_NAME, ledger)
    sources = [
        TableSource(
            spec=spec, folder=SOURCE_NAME, stage_labels=stage_labels(spec), timezone=timezone
        )
        for spec in SALESFORCE_TABLES
    ]
    sources.append(
        TableSource(
            spec=OPPORTUNITY_SNAPSHOT,
            folder=SOURCE_NAME,
            stage_labels=stage_labels(OPPORTUNITY_SNAPSHOT),
            constants=snapshot_date,
            timezone=timezone,
        )
    )
    return sources


@dlt.source(name=SOURCE_NAME, max_table_nesting=0)
def salesforce_source(
    landing_dir: str = dlt.config.value, ledger: IngestionLedger | None = None
) -> Iterator[DltResource]:
    """Every Salesforce object export found under `<landing_dir>/salesforce/`."""
    landing = Path(landing_dir)
    book = ledger or IngestionLedger(SOURCE_NAME)
    for table in salesforce_tables(landing, book):
        yield table_resource(table, landing, book)


__all__ = ["SYSTEM", "salesforce_source", "salesforce_tables"]
