"""Any CRM, through a mapping file the user writes, as a dlt source (`raw_crm`).

See `ingestion/crm/mapping.py` and the README ("Point it at your own exports") for the mapping
file. Every mapping file under `landing/crm/` contributes its exports to the canonical tables;
its `stages:` land in `raw_crm.stage_mapping`, which staging offers next to the stage_mapping
seed. Stage labels are checked against the mapping's `stages:`, the seed rows for its
`source_system`, and the seed's `any` rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import dlt
import pyarrow as pa
import pyarrow.compute as pc
from dlt.sources import DltResource

from ingestion.common.delimited import UnreadableFileError
from ingestion.common.files import (
    ExportFile,
    TableSource,
    discover_files,
    landing_name,
    snapshot_date,
    table_resource,
)
from ingestion.common.ledger import FileAccount, IngestionLedger
from ingestion.common.schema import SOURCE_FILE_COLUMN, SOURCE_ROW_COLUMN
from ingestion.common.stages import CANONICAL_STAGE_ORDER, known_stage_labels
from ingestion.common.typing import TypedBatch, empty_rejections
from ingestion.crm.mapping import MAPPING_PATTERNS, Mapping, MappingError, parse_mapping
from ingestion.crm.tables import TABLE_COLUMNS, table_spec

SOURCE_NAME = "crm"
STAGE_MAPPING_TABLE = "stage_mapping"
MAPPING_TABLE = "mapping"  # table name under which refused mapping files are booked

STAGE_MAPPING_SCHEMA = pa.schema(
    [
        pa.field("source_system", pa.string(), nullable=False),
        pa.field("source_stage_label", pa.string(), nullable=False),
        pa.field("canonical_stage", pa.string()),
        pa.field("canonical_stage_order", pa.int64()),
        pa.field("is_closed", pa.bool_()),
        pa.field("is_won", pa.bool_()),
        pa.field(SOURCE_FILE_COLUMN, pa.string()),
        pa.field(SOURCE_ROW_COLUMN, pa.int64()),
    ]
)


def load_mappings(landing: Path, ledger: IngestionLedger | None) -> list[Mapping]:
    mappings = []
    for path in discover_files(landing / SOURCE_NAME, MAPPING_PATTERNS):
        try:
            mappings.append(parse_mapping(path, landing))
        except (MappingError, OSError) as error:
            if ledger is not None:
                ledger.reject_file(
                    landing_name(path, landing), f"mapping file refused: {error}", MAPPING_TABLE
                )
    return mappings


def _activity_kinds(mapping: Mapping) -> Callable[[pa.Table], TypedBatch]:
    labels = pa.array(list(mapping.activity_types), pa.string())
    kinds = pa.array(list(mapping.activity_types.values()), pa.string())

    def refine(loaded: pa.Table) -> TypedBatch:
        if "activity_type" in loaded.column_names and len(labels):
            lowered = pc.utf8_lower(pc.utf8_trim_whitespace(loaded.column("activity_type")))
            kind = pc.take(kinds, pc.index_in(lowered, value_set=labels))
        else:
            kind = pa.nulls(loaded.num_rows, pa.string())
        return TypedBatch(loaded.append_column("activity_kind", kind), empty_rejections())

    return refine


def _sources_for(mapping: Mapping) -> dict[str, TableSource]:
    seed = known_stage_labels(mapping.source_system, mapping.stage_labels)
    sources = {}
    for name, table in mapping.tables.items():
        spec = table_spec(name, mapping.source_system, table.date_formats, mapping.decimal_comma)
        constants_of = _constants(mapping.source_system, snapshot=name == "opportunity_snapshot")
        sources[name] = TableSource(
            spec=spec,
            folder=mapping.folder,
            patterns=table.files,
            stage_labels={c.name: seed for c in spec.columns if c.stage_system},
            header_map=table.header_map,
            composites=table.composites,
            sheet=table.sheet,
            timezone=mapping.timezone,
            constants=constants_of,
            refine=_activity_kinds(mapping) if name == "activity" else None,
            fingerprint_extra=repr(sorted(mapping.activity_types.items())),
        )
    return sources


def _constants(system: str, snapshot: bool) -> Callable[[ExportFile], dict[str, str]]:
    def constants(export: ExportFile) -> dict[str, str]:
        values = {"source_system": system}
        if snapshot:
            values.update(snapshot_date(export))
        return values

    return constants


def read_stage_mapping(
    export: ExportFile, source: TableSource, ledger: IngestionLedger
) -> Iterator[pa.Table]:
    """The FileReader of `stage_mapping`: the `stages:` of one mapping file."""
    try:
        mapping = parse_mapping(
            export.path, export.path.parents[len(export.source_file.split("/")) - 1]
        )
    except (MappingError, OSError) as error:
        ledger.reject_file(export.source_file, f"mapping file refused: {error}", source.table_name)
        return
    rows = [
        {
            "source_system": mapping.source_system,
            "source_stage_label": label,
            "canonical_stage": canonical,
            "canonical_stage_order": CANONICAL_STAGE_ORDER.get(canonical),
            "is_closed": canonical in ("won", "lost"),
            "is_won": canonical == "won",
            SOURCE_FILE_COLUMN: export.source_file,
            SOURCE_ROW_COLUMN: number,
        }
        for number, (label, canonical) in enumerate(mapping.stages.items(), start=1)
    ]
    ledger.record_file(
        FileAccount(
            ledger.source_name, source.table_name, export.source_file, len(rows), len(rows), 0
        )
    )
    if rows:
        yield pa.Table.from_pylist(rows, schema=STAGE_MAPPING_SCHEMA)


def crm_tables(
    landing: Path, ledger: IngestionLedger | None = None
) -> dict[str, list[TableSource]]:
    """Per canonical table, one TableSource per mapping file that maps it."""
    grouped: dict[str, list[TableSource]] = {name: [] for name in TABLE_COLUMNS}
    for mapping in load_mappings(landing, ledger):
        for name, source in _sources_for(mapping).items():
            grouped[name].append(source)
    return grouped


def _placeholder(name: str) -> TableSource:
    """A table no mapping file maps (yet): it still exists, empty, with its columns."""
    return TableSource(
        spec=table_spec(name, "any", (), False),
        folder=f"{SOURCE_NAME}/.no-files",
        patterns=("*.never",),
        refine=_activity_kinds(Mapping(Path("."), SOURCE_NAME, "any"))
        if name == "activity"
        else None,
    )


@dlt.source(name=SOURCE_NAME, max_table_nesting=0)
def crm_source(
    landing_dir: str = dlt.config.value, ledger: IngestionLedger | None = None
) -> Iterator[DltResource]:
    """Every CRM export a mapping file under `<landing_dir>/crm/` describes."""
    landing = Path(landing_dir)
    book = ledger or IngestionLedger(SOURCE_NAME)
    for name, sources in crm_tables(landing, book).items():
        yield table_resource(sources or [_placeholder(name)], landing, book)
    yield table_resource(
        TableSource(
            spec=table_spec("user", "any", (), False),  # only its name and key are used
            folder=SOURCE_NAME,
            patterns=MAPPING_PATTERNS,
            name=STAGE_MAPPING_TABLE,
            key=("source_system", "source_stage_label"),
            schema=STAGE_MAPPING_SCHEMA,
            reader=read_stage_mapping,
            fingerprint_extra="stage-mapping-1",
        ),
        landing,
        book,
    )


__all__ = ["UnreadableFileError", "crm_source", "crm_tables", "load_mappings"]
