"""Find a table's export files in the landing folder and stream them as typed arrow tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa

from ingestion.common.delimited import UnreadableFileError, open_delimited
from ingestion.common.ledger import FileAccount, IngestionLedger
from ingestion.common.schema import TableSpec
from ingestion.common.typing import BatchTyper, TypedBatch, arrow_schema


def landing_name(path: Path, landing_dir: Path) -> str:
    """The file's name as recorded in `_source_file`: relative to the landing folder, posix."""
    try:
        return path.relative_to(landing_dir).as_posix()
    except ValueError:
        return path.as_posix()


def discover_files(folder: Path, patterns: tuple[str, ...]) -> list[Path]:
    """Export files matching any pattern, oldest name first so newer exports merge last."""
    if not folder.is_dir():
        return []
    found = {path for pattern in patterns for path in folder.glob(pattern) if path.is_file()}
    return sorted(found)


BatchRefiner = Callable[[pa.Table], TypedBatch]


def typed_table_batches(
    landing_dir: Path,
    folder: Path,
    spec: TableSpec,
    ledger: IngestionLedger,
    refine: BatchRefiner | None = None,
) -> Iterator[pa.Table]:
    """Yield the loadable rows of every file of `spec`, booking each file in the ledger.

    An empty typed table comes first, so the raw table exists even when no file is there and
    downstream models can rely on it. `refine` is a source-specific second pass (e.g. parsing
    quota periods) that may reject more rows.
    """
    empty = arrow_schema(spec).empty_table()
    yield empty if refine is None else refine(empty).loaded
    for path in discover_files(folder, spec.files):
        yield from typed_file_batches(path, landing_name(path, landing_dir), spec, ledger, refine)


def typed_file_batches(
    path: Path,
    source_file: str,
    spec: TableSpec,
    ledger: IngestionLedger,
    refine: BatchRefiner | None = None,
) -> Iterator[pa.Table]:
    try:
        delimited = open_delimited(path)
        typer = BatchTyper(spec, source_file, delimited.headers)
    except (UnreadableFileError, OSError) as error:
        ledger.reject_file(source_file, str(error), spec.name)
        return
    loaded = quarantined = 0
    try:
        for batch in delimited.batches():
            typed = typer.type_batch(batch)
            if refine is not None:
                refined = refine(typed.loaded)
                typed = TypedBatch(
                    loaded=refined.loaded,
                    rejected=pa.concat_tables([typed.rejected, refined.rejected]),
                )
            ledger.reject_rows(typed.rejected)
            quarantined += len(set(typed.rejected.column("source_row").to_pylist()))
            loaded += typed.loaded.num_rows
            if typed.loaded.num_rows:
                yield typed.loaded
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        # A file that breaks mid-way: what was read is loaded, the file itself is flagged.
        ledger.reject_file(
            source_file, f"unreadable after data row {delimited.rows_read}: {error}", spec.name
        )
    finally:
        typer.close()
    malformed = delimited.malformed_rows
    ledger.reject_malformed_rows(source_file, ((m.source_row, m.reason, m.text) for m in malformed))
    ledger.record_file(
        FileAccount(
            source_name=ledger.source_name,
            table_name=spec.name,
            source_file=source_file,
            rows_in=delimited.rows_read,
            rows_loaded=loaded,
            rows_quarantined=quarantined + len(malformed),
        )
    )
