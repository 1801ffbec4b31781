"""HubSpot exports as a dlt source: deals, their stage history, owners and activities.

Files are recognised by their name (HubSpot names exports `hubspot-crm-exports-all-deals-
2025-03-04.csv`, `...-calls-...`): `*deal*`, `*call*`, `*meeting*`, `*email*`, `*task*`,
`*owner*`/`*user*`, as CSV, XLSX or JSON. A deals export that carries the stage-calculated
properties (`Date entered "Appointment Scheduled (Sales Pipeline)"`) also feeds
`deal_stage_history`; one that carries only those (named `*deal*stage*`) feeds nothing else.
Daily full deal exports under `snapshots/` feed `deal_snapshot`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dlt
from dlt.sources import DltResource

from ingestion.common.files import TableSource, snapshot_date, table_resource
from ingestion.common.ledger import IngestionLedger
from ingestion.common.schema import ColumnSpec, TableSpec
from ingestion.common.settings import source_timezone
from ingestion.common.stages import known_stage_labels
from ingestion.hubspot.stage_history import (
    STAGE_HISTORY_KEY,
    STAGE_HISTORY_SCHEMA,
    STAGE_HISTORY_TABLE,
    read_stage_history,
)
from ingestion.hubspot.tables import (
    DEAL,
    DEAL_SNAPSHOT,
    HUBSPOT_TABLES,
    SYSTEM,
    _files,
)

SOURCE_NAME = "hubspot"

_STAGE_HISTORY_SPEC = TableSpec(
    name=STAGE_HISTORY_TABLE,
    description="HubSpot deal stage history: when each deal entered (and left) each stage.",
    primary_key=STAGE_HISTORY_KEY,
    columns=(
        ColumnSpec("deal_id", required=True),
        ColumnSpec("pipeline", required=True),
        ColumnSpec("stage_label", required=True, stage_system=SYSTEM),
    ),
)


def _stage_labels(spec: TableSpec) -> dict[str, frozenset[str]]:
    return {c.name: known_stage_labels(c.stage_system) for c in spec.columns if c.stage_system}


def hubspot_tables(landing: Path, ledger: IngestionLedger | None = None) -> list[TableSource]:
    timezone = source_timezone(landing / SOURCE_NAME, ledger)
    sources = [
        TableSource(
            spec=spec,
            folder=SOURCE_NAME,
            stage_labels=_stage_labels(spec),
            timezone=timezone,
            exclude=("*stage*", "snapshots/*stage*") if spec is DEAL else (),
        )
        for spec in HUBSPOT_TABLES
    ]
    sources.append(
        TableSource(
            spec=_STAGE_HISTORY_SPEC,
            folder=SOURCE_NAME,
            patterns=_files("deal"),
            stage_labels=_stage_labels(_STAGE_HISTORY_SPEC),
            schema=STAGE_HISTORY_SCHEMA,
            timezone=timezone,
            reader=read_stage_history,
            fingerprint_extra="stage-history-1",
        )
    )
    sources.append(
        TableSource(
            spec=DEAL_SNAPSHOT,
            folder=SOURCE_NAME,
            stage_labels=_stage_labels(DEAL_SNAPSHOT),
            constants=snapshot_date,
            timezone=timezone,
            exclude=("snapshots/*stage*",),
        )
    )
    return sources


@dlt.source(name=SOURCE_NAME, max_table_nesting=0)
def hubspot_source(
    landing_dir: str = dlt.config.value, ledger: IngestionLedger | None = None
) -> Iterator[DltResource]:
    """Every HubSpot export found under `<landing_dir>/hubspot/`."""
    landing = Path(landing_dir)
    book = ledger or IngestionLedger(SOURCE_NAME)
    for table in hubspot_tables(landing, book):
        yield table_resource(table, landing, book)
