"""Salesforce exports (Data Loader CSV) as a dlt source: one resource per object."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dlt
from dlt.sources import DltResource

from ingestion.common.files import typed_table_batches
from ingestion.common.ledger import IngestionLedger
from ingestion.salesforce.tables import SALESFORCE_TABLES

SOURCE_NAME = "salesforce"


@dlt.source(name=SOURCE_NAME, max_table_nesting=0)
def salesforce_source(
    landing_dir: str = dlt.config.value, ledger: IngestionLedger | None = None
) -> Iterator[DltResource]:
    """Every Salesforce object export found under `<landing_dir>/salesforce/`."""
    landing = Path(landing_dir)
    book = ledger or IngestionLedger(SOURCE_NAME)
    for spec in SALESFORCE_TABLES:
        yield dlt.resource(
            typed_table_batches(landing, landing / SOURCE_NAME, spec, book),
            name=spec.name,
            primary_key=list(spec.primary_key),
            write_disposition=spec.write_disposition,
        )
