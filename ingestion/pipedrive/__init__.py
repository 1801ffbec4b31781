"""Pipedrive exports as a dlt source: deals, organisations, people, activities, deal flow.

Files are recognised by their name, as Pipedrive names exports (`deals-7163542-14.csv`,
`organizations-...`, `persons-...`/`people-...`, `activities-...`); a deal-updates export is a
file named `*flow*`, `*update*`, `*change*` or `*histor*`. CSV, XLSX or JSON. Daily full deal
exports under `snapshots/` feed `deal_snapshot`.
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
from ingestion.pipedrive.tables import DEAL, DEAL_FLOW, DEAL_SNAPSHOT, PIPEDRIVE_TABLES

SOURCE_NAME = "pipedrive"


def _stage_labels(spec: TableSpec) -> dict[str, frozenset[str]]:
    return {c.name: known_stage_labels(c.stage_system) for c in spec.columns if c.stage_system}


def pipedrive_tables(landing: Path, ledger: IngestionLedger | None = None) -> list[TableSource]:
    timezone = source_timezone(landing / SOURCE_NAME, ledger)
    excludes = {
        # a deal-updates export is named e.g. `deals-flow-...`: it is not a deals export
        DEAL: DEAL_FLOW.files + tuple(f"snapshots/{p}" for p in DEAL_FLOW.files),
    }
    sources = [
        TableSource(
            spec=spec,
            folder=SOURCE_NAME,
            stage_labels=_stage_labels(spec),
            timezone=timezone,
            exclude=excludes.get(spec, ()),
        )
        for spec in PIPEDRIVE_TABLES
    ]
    sources.append(
        TableSource(
            spec=DEAL_SNAPSHOT,
            folder=SOURCE_NAME,
            stage_labels=_stage_labels(DEAL_SNAPSHOT),
            constants=snapshot_date,
            timezone=timezone,
            exclude=tuple(f"snapshots/{p}" for p in DEAL_FLOW.files),
        )
    )
    return sources


@dlt.source(name=SOURCE_NAME, max_table_nesting=0)
def pipedrive_source(
    landing_dir: str = dlt.config.value, ledger: IngestionLedger | None = None
) -> Iterator[DltResource]:
    """Every Pipedrive export found under `<landing_dir>/pipedrive/`."""
    landing = Path(landing_dir)
    book = ledger or IngestionLedger(SOURCE_NAME)
    for table in pipedrive_tables(landing, book):
        yield table_resource(table, landing, book)
