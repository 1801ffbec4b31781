"""Find a table's export files in the landing folder and stream them as typed arrow tables.

Incremental and idempotent by construction:

* Every file read is remembered in the dlt resource state (size, mtime, sha256, and the table's
  fingerprint: its spec and the stage labels it checks). A file already read unchanged is skipped,
  so running twice on the same landing folder loads nothing the second time and leaves every raw
  table identical. The state lives with the pipeline and in the warehouse (`_dlt_pipeline_state`),
  so it survives restarts.
* Exports are ordered by the date-time stamp in their name (`Opportunity_2026-10-30.csv`,
  `hubspot-crm-exports-all-deals-2025-03-04.csv`), then by path; a file without a stamp is the
  oldest. Within one run the newest export of a record wins deterministically: files are read
  newest first and an older file's rows for keys a newer file delivered are superseded. Across
  runs, a newer export merges over the rows on its primary key.
* A new or changed file that is older than an export already loaded (a back-filled day) makes the
  whole table re-read, so an older export can never overwrite a newer one. So does a change of
  the table's fingerprint (new aliases, or labels added to the stage_mapping seed).
* A loaded file whose content changed at the same path (or that is read under a new
  fingerprint) supersedes its earlier version: its earlier rows are deleted before the table
  loads, and every file of the table is read again, so keys it no longer has come back from
  older exports (`corrections.py`). A loaded file gone from the landing folder keeps its rows,
  and its keys win over older exports read again. `crmkpi retract` forgets a file likewise.
* The first load of a table appends (nothing to merge with; keys are unique within the run),
  later loads merge on the primary key. A run that finds nothing new loads nothing.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.compute as pc
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from dlt.sources import DltResource

from ingestion.common.corrections import delete_superseded_rows, loaded_keys
from ingestion.common.dedupe import DuplicateGuard, SupersededFilter
from ingestion.common.delimited import UnreadableFileError
from ingestion.common.ledger import FileAccount, IngestionLedger
from ingestion.common.readers import TableFile, open_table_file
from ingestion.common.schema import SOURCE_FILE_COLUMN, SOURCE_ROW_COLUMN, TableSpec
from ingestion.common.spool import ParquetSpool
from ingestion.common.typing import BatchTyper, TypedBatch, arrow_schema, literal

READER_VERSION = "3"  # bump when reading or typing changes in a way that alters loaded rows

_STAMP = re.compile(
    r"(?<!\d)(20\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])"
    r"(?:[T_ -]?([01]\d|2[0-3])[-_.:h]?([0-5]\d)(?:[-_.:m]?([0-5]\d))?)?(?!\d)"
)


def landing_name(path: Path, landing_dir: Path) -> str:
    """The file's name as recorded in `_source_file`: relative to the landing folder, posix."""
    try:
        return path.relative_to(landing_dir).as_posix()
    except ValueError:
        return path.as_posix()


def export_stamp(name: str) -> str:
    """`2026-10-30T08:15:00` from a file name carrying a date (and time), else ``""``."""
    matches = list(_STAMP.finditer(name))
    if not matches:
        return ""
    year, month, day, hour, minute, second = matches[-1].groups()
    stamp = f"{year}-{month}-{day}"
    if hour is not None:
        stamp += f"T{hour}:{minute}:{second or '00'}"
    return stamp


@dataclass(frozen=True)
class ExportFile:
    path: Path
    source_file: str  # relative to the landing folder, posix
    stamp: str  # from the file name; "" when it carries none

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.stamp, self.source_file)  # = sort_key(source_file)

    @property
    def export_date(self) -> str | None:
        return self.stamp[:10] or None


def discover_files(folder: Path, patterns: tuple[str, ...]) -> list[Path]:
    """Export files matching any pattern (case-insensitive), by path."""
    if not folder.is_dir():
        return []
    compiled = [_case_insensitive(pattern) for pattern in patterns]
    found = set()
    for path in folder.rglob("*"):
        if not path.is_file() or path.name.startswith((".", "~$")):
            continue  # hidden files and Excel lock files
        relative = path.relative_to(folder).as_posix()
        if any(pattern.fullmatch(relative) for pattern in compiled):
            found.add(path)
    return sorted(found)


def _case_insensitive(pattern: str) -> re.Pattern[str]:
    """A glob (`*` within a folder, `**/` any folders) as a case-insensitive regex."""
    regex = ""
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            regex += "(?:.*/)?"
            index += 3
        elif pattern[index] == "*":
            regex += "[^/]*"
            index += 1
        elif pattern[index] == "?":
            regex += "[^/]"
            index += 1
        else:
            regex += re.escape(pattern[index])
            index += 1
    return re.compile(regex, re.IGNORECASE)


def discover_exports(
    landing_dir: Path, folder: Path, patterns: tuple[str, ...], exclude: tuple[str, ...] = ()
) -> list[ExportFile]:
    """Export files of one table, oldest first."""
    excluded = set(discover_files(folder, exclude)) if exclude else set()
    exports = [
        ExportFile(path, landing_name(path, landing_dir), export_stamp(path.name))
        for path in discover_files(folder, patterns)
        if path not in excluded
    ]
    return sorted(exports, key=lambda e: e.sort_key)


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class _BackgroundHash:
    """sha256 of a file, computed in a thread while the file is parsed (hashlib frees the GIL)."""

    def __init__(self, path: Path) -> None:
        self._result: list[str] = []
        self._thread = threading.Thread(target=lambda: self._result.append(sha256_of(path)))
        self._thread.start()

    def result(self) -> str:
        self._thread.join()
        return self._result[0]


BatchRefiner = Callable[[pa.Table], TypedBatch]
# Reads one export file and books it in the ledger (rows in = loaded + quarantined), yielding
# the rows to load. The default reads a table file and types it against the source's spec.
FileReader = Callable[["ExportFile", "TableSource", IngestionLedger], Iterator[pa.Table]]


@dataclass(frozen=True)
class TableSource:
    """How one raw table is fed from export files: the files, the spec, and any refinement.

    `refine` is a source-specific second pass over typed rows (e.g. parsing quota periods or
    unpivoting stage dates) that may reject more rows; `key` and `schema` then describe its
    output. `constants` adds per-file text columns (e.g. the snapshot date from the file name)
    and may raise UnreadableFileError to refuse a file.
    """

    spec: TableSpec
    folder: str
    patterns: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    stage_labels: Mapping[str, frozenset[str]] = field(default_factory=dict)
    refine: BatchRefiner | None = None
    key: tuple[str, ...] | None = None
    schema: pa.Schema | None = None
    constants: Callable[[ExportFile], dict[str, str]] | None = None
    header_map: Mapping[str, str] = field(default_factory=dict)
    sheet: str | None = None
    name: str | None = None
    fingerprint_extra: str = ""
    timezone: str = "UTC"
    composites: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    reader: FileReader | None = None
    prefetch: Callable[[list[ExportFile]], None] | None = None

    @property
    def table_name(self) -> str:
        return self.name or self.spec.name

    @property
    def primary_key(self) -> tuple[str, ...]:
        return self.spec.primary_key if self.key is None else self.key

    @property
    def fingerprint(self) -> str:
        labels = sorted((c, sorted(v)) for c, v in self.stage_labels.items())
        material = repr(
            (
                READER_VERSION,
                self.spec.fingerprint,
                labels,
                sorted(self.header_map.items()),
                self.sheet,
                self.fingerprint_extra,
                self.timezone,
                sorted(self.composites.items()),
            )
        )
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    def empty_table(self) -> pa.Table:
        if self.schema is not None:
            return self.schema.empty_table()
        schema = arrow_schema(self.spec)
        if self.constants is not None:
            declared = {c.name for c in self.spec.columns}
            for name in self._constant_names():
                if name not in declared:
                    schema = schema.insert(len(schema) - 2, pa.field(name, pa.string()))
        empty = schema.empty_table()
        return empty if self.refine is None else self.refine(empty).loaded

    def _constant_names(self) -> list[str]:
        probe = ExportFile(Path("probe_2000-01-01.csv"), "probe_2000-01-01.csv", "2000-01-01")
        assert self.constants is not None
        try:
            return list(self.constants(probe))
        except UnreadableFileError:
            return []


class _FileStates:
    """The resource's memory of the files it has read (kept in dlt resource state)."""

    def __init__(self, state: dict[str, Any]) -> None:
        self.files: dict[str, dict[str, Any]] = state.setdefault("files", {})

    @property
    def table_has_rows(self) -> bool:
        return bool(self.files)

    def change(self, export: ExportFile, fingerprint: str) -> str | None:
        """None if read before, unchanged; else `new`, `replaced` (new content at the same
        path) or `re-read` (same content, the table's fingerprint changed)."""
        entry = self.files.get(export.source_file)
        if entry is None:
            return "new"
        stat = export.path.stat()
        if entry.get("size") != stat.st_size:
            return "replaced"
        if entry.get("mtime_ns") != stat.st_mtime_ns:
            if sha256_of(export.path) != entry.get("sha256"):
                return "replaced"
            entry["mtime_ns"] = stat.st_mtime_ns  # touched or copied, same content
        return None if entry.get("fingerprint") == fingerprint else "re-read"

    def record(self, export: ExportFile, sha256: str, fingerprint: str) -> None:
        stat = export.path.stat()
        self.files[export.source_file] = {
            "sha256": sha256,
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "fingerprint": fingerprint,
        }

    def plan(self, exports: list[_Planned], retracting: frozenset[str] = frozenset()) -> _Plan:
        """What to read (newest first), whose earlier rows to delete, which keys to claim."""
        for name in retracting:
            self.files.pop(name, None)  # forgotten: it could be loaded again later
        changes = {
            p.export.source_file: self.change(p.export, p.source.fingerprint) for p in exports
        }
        present = set(changes)
        archived = [name for name in self.files if name not in present]
        if retracting:
            # `crmkpi retract`: the table as if the retracted files had never been loaded. New
            # and changed files wait for the next refresh; the changed ones keep their rows.
            read = [p for p in exports if changes[p.export.source_file] is None]
            kept = archived + [
                name for name, change in changes.items() if change in ("replaced", "re-read")
            ]
            return _Plan(_newest_first(read), True, dict.fromkeys(retracting, "retracted"), kept)
        pending = [p for p in exports if changes[p.export.source_file] is not None]
        if not pending:
            return _Plan([], False, {}, [])
        superseded = {
            name: change for name, change in changes.items() if change in ("replaced", "re-read")
        }
        done = [sort_key(p.export.source_file) for p in exports if p not in pending] + [
            sort_key(name) for name in archived
        ]
        newest_done = max(done, default=None)
        late = newest_done is not None and any(p.export.sort_key < newest_done for p in pending)
        # A superseded file's keys may come back from older exports: read them all again.
        full = late or bool(superseded)
        return _Plan(
            _newest_first(exports if full else pending), full, superseded, archived if full else []
        )


def sort_key(source_file: str) -> tuple[str, str]:
    """Exports sort by the stamp in their file name, then by path (`ExportFile.sort_key`)."""
    return (export_stamp(source_file.rsplit("/", 1)[-1]), source_file)


def _newest_first(planned: list[_Planned]) -> list[_Planned]:
    return sorted(planned, key=lambda p: p.export.sort_key, reverse=True)


@dataclass(frozen=True)
class _Planned:
    export: ExportFile
    source: TableSource


@dataclass(frozen=True)
class _Plan:
    read: list[_Planned]  # newest first
    full: bool  # every file of the table read again
    superseded: dict[str, str]  # file -> replaced | re-read | retracted: delete its rows first
    kept: list[str]  # loaded files not read: their rows stay, and claim their keys


def snapshot_date(export: ExportFile) -> dict[str, str]:
    """The snapshot date of a daily full export, from its file name."""
    if not export.export_date:
        raise UnreadableFileError(
            "a snapshot export needs its date in the file name, e.g. Opportunity_2026-10-01.csv"
        )
    return {"snapshot_date": export.export_date}


@dataclass(frozen=True)
class _DestinationTables:
    existing: frozenset[str]
    with_rows: frozenset[str]


_destination_tables: dict[tuple[str, str], _DestinationTables] = {}


def destination_table(table_name: str) -> tuple[bool, bool]:
    """Whether the running pipeline's destination table exists, and whether it holds rows.

    Asked once per pipeline run (one query over the whole raw dataset), then answered from memory.
    """
    pipeline = dlt.current.pipeline()
    key = (pipeline.pipeline_name, str(dlt.current.load_package_state()["load_id"]))
    if key not in _destination_tables:
        _destination_tables.clear()
        _destination_tables[key] = _tables_of(pipeline)
    tables = _destination_tables[key]
    return table_name in tables.existing, table_name in tables.with_rows


def _tables_of(pipeline: dlt.Pipeline) -> _DestinationTables:
    none = _DestinationTables(frozenset(), frozenset())
    credentials = (getattr(pipeline.destination, "config_params", None) or {}).get("credentials")
    database = getattr(credentials, "database", credentials)
    if isinstance(database, str) and not Path(database).exists():
        return none  # a warehouse not created yet holds no table
    try:
        with pipeline.sql_client() as client:
            names = [
                row[0]
                for row in client.execute_sql(
                    "select table_name from information_schema.tables where table_schema = %s",
                    client.dataset_name,
                )
                or []
            ]
            if not names:
                return none
            probes = " union all ".join(
                f"select {literal(name)} where exists "
                f"(select 1 from {client.make_qualified_table_name(name)})"
                for name in names
            )
            with_rows = frozenset(row[0] for row in client.execute_sql(probes) or [])
            return _DestinationTables(frozenset(names), with_rows)
    except DatabaseUndefinedRelation:
        return none


def table_resource(
    sources: TableSource | list[TableSource], landing_dir: Path, ledger: IngestionLedger
) -> DltResource:
    """The dlt resource loading one raw table from the export files of one or more sources."""
    group = [sources] if isinstance(sources, TableSource) else list(sources)
    first = group[0]
    return dlt.resource(
        _table_rows(group, landing_dir, ledger),
        name=first.table_name,
        primary_key=list(first.primary_key),
        write_disposition=first.spec.write_disposition,
    )


def _table_rows(
    sources: list[TableSource], landing_dir: Path, ledger: IngestionLedger
) -> Iterator[Any]:
    first = sources[0]
    table_name = first.table_name
    exports = [
        _Planned(export, source)
        for source in sources
        for export in discover_exports(
            landing_dir,
            landing_dir / source.folder,
            source.patterns or source.spec.files,
            source.exclude,
        )
    ]
    states = _FileStates(dlt.current.resource_state())
    exists, has_rows = destination_table(table_name)
    if states.table_has_rows and not exists:
        # The warehouse lost the table (deleted, rebuilt): what the state remembers is gone.
        states.files.clear()
    plan = states.plan(exports, ledger.retracting)
    disposition = first.spec.write_disposition
    if disposition == "merge" and not has_rows:
        disposition = "append"  # nothing to merge with, and keys are unique within the run
    dlt.current.resource().apply_hints(write_disposition=disposition)
    if plan.full and not plan.superseded:
        ledger.notes.append(f"{table_name}: an older export arrived; re-read every file")
    ledger.skipped_files += [p.export.source_file for p in exports if p not in plan.read]
    if not plan.read and not plan.superseded and exists:
        return  # nothing new, and the table is there: nothing to load, not even a load job
    pipeline = dlt.current.pipeline()
    load_id = str(dlt.current.load_package_state()["load_id"])
    if plan.superseded and has_rows:
        _delete_superseded(pipeline, table_name, plan, load_id, ledger)
    claims = _Claims.of(pipeline, table_name, first.primary_key, plan)
    superseded = (
        SupersededFilter(first.primary_key) if len(plan.read) > 1 or claims is not None else None
    )
    spool_dir = Path(pipeline.working_dir) / "spool" / table_name
    shutil.rmtree(spool_dir, ignore_errors=True)
    # Every file goes to dlt through the spool, the empty table included: the raw table
    # exists even when no export is there, and all its load files share one schema.
    spool = ParquetSpool(
        spool_dir,
        table_name,
        load_id,
        empty=first.empty_table(),
        known_columns=_known_text_columns(table_name),
    )
    for source in sources:
        if source.prefetch is not None:
            source.prefetch([p.export for p in plan.read if p.source is source])
    try:
        for planned in plan.read:
            export, source = planned.export, planned.source
            if claims is not None and superseded is not None:
                claims.claim_newer_than(export.sort_key, superseded)
            digest = _BackgroundHash(export.path)
            reader = source.reader or _file_rows
            for table in reader(export, source, ledger):
                if superseded is not None:
                    table = superseded.apply(table)
                spool.put(table)
            states.record(export, digest.result(), source.fingerprint)
    finally:
        spooled = spool.close()
        if superseded is not None:
            superseded.close()
    for spooled_file in spooled:
        yield dlt.mark.with_file_import(
            str(spooled_file.path),
            "parquet",
            spooled_file.rows,
            hints=spooled_file.schema.empty_table(),
        )
    shutil.rmtree(spool_dir, ignore_errors=True)  # dlt holds hard links to what it imported


def _delete_superseded(
    pipeline: dlt.Pipeline, table_name: str, plan: _Plan, load_id: str, ledger: IngestionLedger
) -> None:
    """Delete the earlier rows of replaced, re-read and retracted files; note what went."""
    retractions = delete_superseded_rows(
        pipeline, ledger.source_name, table_name, plan.superseded, load_id
    )
    ledger.retractions += retractions
    for retraction in retractions:
        if retraction.reason == "retracted" or not retraction.rows_deleted:
            continue
        ledger.notes.append(
            f"{table_name}: {retraction.source_file} {retraction.reason}; "
            f"its {retraction.rows_deleted:,} earlier row(s) deleted and every file read again"
        )


@dataclass
class _Claims:
    """Keys of loaded files this run does not read again, claimed in newest-first order."""

    keys: pa.Table  # _source_file + the key columns, from the warehouse
    pending: list[str]  # newest first

    @classmethod
    def of(
        cls, pipeline: dlt.Pipeline, table_name: str, key: tuple[str, ...], plan: _Plan
    ) -> _Claims | None:
        if not plan.read or not plan.kept or not key:
            return None
        # only a file newer than something read this run can hold a key against it
        oldest_read = min(p.export.sort_key for p in plan.read)
        newer = [name for name in plan.kept if sort_key(name) > oldest_read]
        keys = loaded_keys(pipeline, table_name, key, newer)
        if keys is None:
            return None
        return cls(keys, sorted(newer, key=sort_key, reverse=True))

    def claim_newer_than(self, key: tuple[str, str], superseded: SupersededFilter) -> None:
        due = []
        while self.pending and sort_key(self.pending[0]) > key:
            due.append(self.pending.pop(0))
        if due:
            rows = self.keys.filter(pc.is_in(self.keys.column(SOURCE_FILE_COLUMN), pa.array(due)))
            superseded.claim(rows.drop_columns([SOURCE_FILE_COLUMN]))


def _known_text_columns(table_name: str) -> list[str]:
    """Text columns earlier loads gave the table (extra export columns), in schema order."""
    try:
        columns = dlt.current.source_schema().get_table_columns(table_name)
    except Exception:  # no schema yet
        return []
    return [
        name
        for name, column in columns.items()
        if column.get("data_type") == "text" and not name.startswith("_dlt")
    ]


def _open(export: ExportFile, source: TableSource) -> tuple[TableFile, BatchTyper]:
    table_file = open_table_file(export.path, source.sheet)
    constants = source.constants(export) if source.constants is not None else None
    typer = BatchTyper(
        source.spec,
        export.source_file,
        table_file.headers,
        stage_labels=source.stage_labels,
        constants=constants,
        header_map=source.header_map,
        timezone=source.timezone,
        composites=source.composites,
    )
    return table_file, typer


def _refined(source: TableSource, typed: TypedBatch) -> tuple[TypedBatch, int]:
    """Apply the source's refinement; also return how many source rows it rejected."""
    if source.refine is None:
        return typed, 0
    refined = source.refine(typed.loaded)
    rejected_rows = len(pc.unique(refined.rejected.column("source_row")))
    return (
        TypedBatch(
            loaded=refined.loaded, rejected=pa.concat_tables([typed.rejected, refined.rejected])
        ),
        rejected_rows,
    )


def _file_rows(
    export: ExportFile, source: TableSource, ledger: IngestionLedger
) -> Iterator[pa.Table]:
    """Read, type and check one export file, booking it in the ledger."""
    source_file = export.source_file
    try:
        table_file, typer = _open(export, source)
    except (UnreadableFileError, OSError) as error:
        ledger.reject_file(source_file, str(error), source.table_name)
        return
    guard = DuplicateGuard(
        source.primary_key, source_file, earlier=lambda limit: _loaded_rows(export, source, limit)
    )
    raw_of_duplicates: dict[int, str] = {}
    loaded = quarantined = 0
    try:
        for batch in table_file.batches():
            typed = typer.type_batch(batch)
            typing_rejected = len(pc.unique(typed.rejected.column("source_row")))
            typed_rows = typed.loaded.num_rows
            typed, refine_rejected = _refined(source, typed)
            ledger.reject_rows(typed.rejected, source.table_name)
            known = len(guard.duplicates)
            kept = guard.check(typed.loaded)
            new_duplicates = [d.source_row for d in guard.duplicates[known:]]
            if new_duplicates:
                raw_of_duplicates.update(_raw_records(typer, batch, new_duplicates))
            quarantined += typing_rejected + refine_rejected + len(set(new_duplicates))
            loaded += typed_rows - refine_rejected - len(set(new_duplicates))
            if kept.num_rows:
                yield kept
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        # A file that breaks mid-way: what was read is loaded, the file itself is flagged.
        ledger.reject_file(
            source_file,
            f"unreadable after data row {table_file.rows_read}: {error}",
            source.table_name,
        )
    finally:
        typer.close()
    if guard.duplicates:
        ledger.reject_rows(guard.rejections(lambda rows: raw_of_duplicates), source.table_name)
    guard.close()
    malformed = table_file.malformed_rows
    ledger.reject_malformed_rows(
        source_file, ((m.source_row, m.reason, m.text) for m in malformed), source.table_name
    )
    ledger.record_file(
        FileAccount(
            source_name=ledger.source_name,
            table_name=source.table_name,
            source_file=source_file,
            rows_in=table_file.rows_read,
            rows_loaded=loaded,
            rows_quarantined=quarantined + len(malformed),
        )
    )


def _raw_records(typer: BatchTyper, batch: pa.RecordBatch, rows: list[int]) -> dict[int, str]:
    wanted = batch.filter(pc.is_in(batch.column(SOURCE_ROW_COLUMN), pa.array(rows, pa.int64())))
    records = typer.raw_records(wanted)
    return dict(
        zip(
            records.column("source_row").to_pylist(),
            records.column("raw_record").to_pylist(),
            strict=True,
        )
    )


def _loaded_rows(export: ExportFile, source: TableSource, limit: int) -> Iterator[pa.Table]:
    """The rows of the file up to data row `limit` that pass typing, read again."""
    table_file, typer = _open(export, source)
    batches = table_file.batches()
    try:
        for batch in batches:
            rows = batch.column(SOURCE_ROW_COLUMN)
            if pc.min(rows).as_py() > limit:
                break
            subset = batch.filter(pc.less_equal(rows, limit))
            typed, _ = _refined(source, typer.type_batch(subset))
            yield typed.loaded
    finally:
        batches.close()
        typer.close()
