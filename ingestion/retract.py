"""Retract export files: the raw tables as if those files had never been loaded.

Removing a file from the landing folder retracts nothing (teams archive old exports there; its
rows stay loaded). Retracting it, once it is out of the landing folder:

* deletes its rows from every raw table (in the load of each affected table, see
  `ingestion/common/corrections.py`) and logs them in `quarantine.retractions`;
* reads the table's other loaded exports again, so a record the retracted file held comes back
  from the newest older export that has it (one only removed from the landing folder cannot
  be read again: its superseded rows are gone, put it back first to restore them);
* forgets the file: its quarantine entries and its place in the dlt state, so the same file put
  back later loads again as a new one.

The marts follow at the next refresh. Callers hold the warehouse's refresh lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import dlt

from ingestion.common.ledger import QUARANTINE_SCHEMA, IngestionLedger
from ingestion.common.schema import SOURCE_FILE_COLUMN
from ingestion.pipeline import SOURCE_FAMILIES, SourceFamily, ingest_source, make_pipeline

_QUARANTINE_LISTS = ("file_loads", "rejected_files", "rejected_rows")


class RetractionRefusedError(ValueError):
    """Nothing was retracted: a path matches no loaded export, or is still in the landing."""


@dataclass
class TableRetraction:
    """What a retraction did to one raw table."""

    table: str  # raw_<source>.<table>
    removed: dict[str, int] = field(default_factory=dict)  # retracted file -> rows deleted
    rows_before: int = 0
    rows_after: int = 0

    @property
    def restored(self) -> int:
        """Rows that came back from older exports (rows after = before - removed + restored)."""
        return self.rows_after - self.rows_before + sum(self.removed.values())


@dataclass
class RetractionReport:
    files: list[str]  # landing-relative names, sorted
    tables: list[TableRetraction] = field(default_factory=list)
    quarantine: dict[str, int] = field(default_factory=dict)  # quarantine table -> entries removed


@dataclass
class _LoadedFiles:
    """Where one source family has loaded which export files."""

    family: SourceFamily
    state_files: dict[str, set[str]]  # table -> files in the dlt state
    row_counts: dict[str, dict[str, int]]  # table -> file -> raw rows
    table_rows: dict[str, int]  # table -> rows

    def tables_of(self, names: set[str]) -> list[str]:
        tables = set(self.row_counts) | set(self.state_files)
        return sorted(
            t
            for t in tables
            if names & (self.state_files.get(t, set()) | set(self.row_counts.get(t, {})))
        )

    @property
    def names(self) -> set[str]:
        found: set[str] = set()
        for files in self.state_files.values():
            found |= files
        for counts in self.row_counts.values():
            found |= set(counts)
        return found


def _loaded_files(family: SourceFamily, pipeline: dlt.Pipeline) -> _LoadedFiles:
    pipeline.sync_destination()  # the state as the warehouse holds it
    resources = pipeline.state.get("sources", {}).get(family.name, {}).get("resources", {})
    state_files = {
        table: set(state.get("files", {})) for table, state in resources.items() if state
    }
    row_counts: dict[str, dict[str, int]] = {}
    table_rows: dict[str, int] = {}
    existing = _existing_tables(pipeline)
    with pipeline.sql_client() as client:
        column = client.escape_column_name(SOURCE_FILE_COLUMN)
        for table in sorted(existing):
            qualified = client.make_qualified_table_name(table)
            rows = client.execute_sql(
                f"select {column}, count(*) from {qualified} group by {column}"
            )
            row_counts[table] = {str(name): int(count) for name, count in rows or []}
            table_rows[table] = sum(row_counts[table].values())
    return _LoadedFiles(family, state_files, row_counts, table_rows)


def _existing_tables(pipeline: dlt.Pipeline) -> set[str]:
    """Raw tables of the pipeline's dataset that carry `_source_file`."""
    with pipeline.sql_client() as client:
        rows = client.execute_sql(
            "select table_name from information_schema.columns"
            " where table_schema = %s and column_name = %s",
            client.dataset_name,
            SOURCE_FILE_COLUMN,
        )
    return {str(row[0]) for row in rows or []}


def _quarantine_files(pipeline: dlt.Pipeline) -> set[str]:
    """Files named in the quarantine (refused files included), whatever their source."""
    found: set[str] = set()
    with pipeline.sql_client() as client:
        present = client.execute_sql(
            "select table_name from information_schema.tables where table_schema = %s",
            QUARANTINE_SCHEMA,
        )
        for (table,) in present or []:
            if table in _QUARANTINE_LISTS:
                rows = client.execute_sql(
                    f"select distinct source_file from {QUARANTINE_SCHEMA}.{table}"
                )
                found |= {str(row[0]) for row in rows or []}
    return found


def matching(names: Iterable[str], loaded: set[str]) -> dict[str, set[str]]:
    """Loaded files per given name: the file itself, or every file under a folder name."""
    matches: dict[str, set[str]] = {}
    for name in names:
        folder = name.strip("/")
        matches[name] = {
            f for f in loaded if folder in ("", ".") or f == folder or f.startswith(folder + "/")
        }
    return matches


def retract_exports(
    landing_dir: Path,
    warehouse_path: Path,
    names: list[str],
    pipelines_dir: Path | None = None,
) -> RetractionReport:
    """Retract the loaded export files `names` (landing-relative; a folder means every file
    under it). All or nothing: raises RetractionRefusedError, changing nothing, when a name
    matches no loaded file or a matched file is still in the landing folder."""
    if not warehouse_path.exists():
        raise RetractionRefusedError(f"nothing is loaded yet: no warehouse at {warehouse_path}")
    loaded = [
        _loaded_files(family, make_pipeline(family, warehouse_path, pipelines_dir))
        for family in SOURCE_FAMILIES
    ]
    quarantined = _quarantine_files(
        make_pipeline(SOURCE_FAMILIES[0], warehouse_path, pipelines_dir)
    )
    known = set().union(quarantined, *(files.names for files in loaded))
    matches = matching(names, known)
    unknown = sorted(name for name, found in matches.items() if not found)
    if unknown:
        raise RetractionRefusedError(
            "no loaded export file has this path (nothing was retracted): "
            + ", ".join(unknown)
            + "; paths are relative to the landing folder, as in _source_file"
        )
    retracting = set().union(*matches.values())
    still_there = sorted(name for name in retracting if (landing_dir / name).exists())
    if still_there:
        shown = ", ".join(still_there[:10]) + (" ..." if len(still_there) > 10 else "")
        raise RetractionRefusedError(
            f"{len(still_there)} file(s) are still in the landing folder and the next refresh "
            f"would load them again; move them out first (nothing was retracted): {shown}"
        )

    report = RetractionReport(sorted(retracting))
    forget_only = set(retracting)
    for files in loaded:
        family_files = retracting & files.names
        tables = files.tables_of(family_files)
        if not tables:
            continue
        forget_only -= family_files
        ledger = IngestionLedger(files.family.name, retracting=frozenset(family_files))
        ingest_source(
            files.family, landing_dir, warehouse_path, pipelines_dir, ledger=ledger, tables=tables
        )
        after = _loaded_files(
            files.family, make_pipeline(files.family, warehouse_path, pipelines_dir)
        )
        for table in tables:
            removed = {
                r.source_file: r.rows_deleted
                for r in ledger.retractions
                if r.table_name == table and r.rows_deleted
            }
            report.tables.append(
                TableRetraction(
                    f"{files.family.dataset_name}.{table}",
                    removed,
                    files.table_rows.get(table, 0),
                    after.table_rows.get(table, 0),
                )
            )
        _add(report.quarantine, ledger.forgotten)
    if forget_only:
        # files only the quarantine knows (refused whole, never loaded a row): forget them
        ledger = IngestionLedger("retract", retracting=frozenset(forget_only))
        ledger.write_to_warehouse(warehouse_path)
        _add(report.quarantine, ledger.forgotten)
    return report


def _add(totals: dict[str, int], counts: dict[str, int]) -> None:
    for key, count in counts.items():
        totals[key] = totals.get(key, 0) + count
