"""Run every export source into the warehouse with dlt, and book what was rejected.

One dlt pipeline per source family, each landing in its own raw dataset (`raw_salesforce`,
`raw_hubspot`, `raw_pipedrive`, `raw_crm`, `raw_calendar`, `raw_targets`). Pipeline state
lives beside the warehouse file (and in it, `_dlt_pipeline_state`), so it survives restarts and
follows the warehouse it describes: it remembers every export file read, so a second run on
the same landing folder reads nothing again.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dlt
from dlt.common.pipeline import LoadInfo
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.extract.source import DltSource

from ingestion.calendar import calendar_source
from ingestion.common.ledger import IngestionLedger
from ingestion.common.settings import duckdb_memory_config
from ingestion.crm import crm_source
from ingestion.hubspot import hubspot_source
from ingestion.pipedrive import pipedrive_source
from ingestion.salesforce import salesforce_source
from ingestion.targets import targets_source

SourceFactory = Callable[..., DltSource]


@dataclass(frozen=True)
class SourceFamily:
    """An export family: its dlt source and the raw dataset it lands in."""

    name: str
    factory: SourceFactory

    @property
    def dataset_name(self) -> str:
        return f"raw_{self.name}"

    def source(self, landing_dir: Path, ledger: IngestionLedger) -> DltSource:
        return self.factory(landing_dir=str(landing_dir), ledger=ledger)


SOURCE_FAMILIES: tuple[SourceFamily, ...] = (
    SourceFamily("salesforce", salesforce_source),
    SourceFamily("hubspot", hubspot_source),
    SourceFamily("pipedrive", pipedrive_source),
    SourceFamily("crm", crm_source),
    SourceFamily("calendar", calendar_source),
    SourceFamily("targets", targets_source),
)


def configure_dlt() -> None:
    """dlt settings this project relies on; explicit environment settings win."""
    # `_dlt_load_id` on arrow rows feeds dbt source freshness.
    os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
    # Loaded packages keep no copy of the (possibly gigabytes of) load files, and merge
    # staging tables are emptied after each load.
    os.environ.setdefault("LOAD__DELETE_COMPLETED_JOBS", "true")
    os.environ.setdefault("LOAD__TRUNCATE_STAGING_DATASET", "true")


def default_pipelines_dir(warehouse_path: Path) -> Path:
    return warehouse_path.parent / f".{warehouse_path.stem}_dlt"


def make_pipeline(
    family: SourceFamily, warehouse_path: Path, pipelines_dir: Path | None = None
) -> dlt.Pipeline:
    configure_dlt()
    credentials = DuckDbCredentials(str(warehouse_path))
    # Raw tables have no meaningful row order (`_source_row` carries it): letting DuckDB insert
    # in parallel without keeping the order of the load files saves a fifth of the load's CPU.
    credentials.global_config = {"preserve_insertion_order": False, **duckdb_memory_config()}
    return dlt.pipeline(
        pipeline_name=f"crmkpi_{family.name}",
        destination=dlt.destinations.duckdb(credentials),
        dataset_name=family.dataset_name,
        pipelines_dir=str(pipelines_dir or default_pipelines_dir(warehouse_path)),
    )


@dataclass
class IngestionReport:
    """What one ingestion of a landing folder loaded and rejected, per source."""

    ledgers: list[IngestionLedger] = field(default_factory=list)
    load_infos: list[LoadInfo] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return sum(a.rows_loaded for ledger in self.ledgers for a in ledger.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(a.rows_quarantined for ledger in self.ledgers for a in ledger.files)

    @property
    def rejected_files(self) -> dict[str, str]:
        return {f: r for ledger in self.ledgers for f, r in ledger.rejected_files.items()}


def ingest_source(
    family: SourceFamily,
    landing_dir: Path,
    warehouse_path: Path,
    pipelines_dir: Path | None = None,
    ledger: IngestionLedger | None = None,
    tables: list[str] | None = None,
) -> tuple[IngestionLedger, LoadInfo]:
    """Load one source family (only `tables`, if given), then write its quarantine entries."""
    ledger = ledger or IngestionLedger(family.name)
    pipeline = make_pipeline(family, warehouse_path, pipelines_dir)
    if pipeline.has_pending_data:
        # Left by an interrupted run: its files are read again (the state it carried was not
        # committed), so drop it rather than let `run()` load it instead of the new data.
        pipeline.abort_packages()
    source = family.source(landing_dir, ledger)
    if tables is not None:
        source = source.with_resources(*tables)
    load_info = pipeline.run(source)
    ledger.write_to_warehouse(warehouse_path)
    return ledger, load_info


def ingest_landing(
    landing_dir: Path,
    warehouse_path: Path,
    pipelines_dir: Path | None = None,
    families: tuple[str, ...] | None = None,
) -> IngestionReport:
    """Load every export under `landing_dir` into `warehouse_path` (outside Dagster).

    `families` limits the run to those source families (all by default).
    """
    warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    report = IngestionReport()
    for family in SOURCE_FAMILIES:
        if families is not None and family.name not in families:
            continue
        ledger, load_info = ingest_source(family, landing_dir, warehouse_path, pipelines_dir)
        report.ledgers.append(ledger)
        report.load_infos.append(load_info)
    return report
