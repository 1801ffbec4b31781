"""Calendar exports as a dlt source: one row per meeting occurrence, ICS and Outlook CSV.

* ICS (`*.ics`: Google, Outlook/Exchange, Apple, Thunderbird): recurring events expanded (see
  `ics.py`). `_source_row` is the 1-based VEVENT ordinal in the file, and the file's accounting
  counts VEVENTs (one VEVENT can expand to many occurrences).
* Outlook CSV (`*.csv`, any export language; see `outlook.py`): one occurrence per row,
  `source_format = 'outlook_csv'`.

Parsing ICS is slow (icalendar, about a millisecond per VEVENT), so files already read
unchanged are skipped (content hash in the dlt state) and new ones are expanded in a pool of
worker processes (plain subprocesses), one per CPU.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import dlt
import pyarrow as pa
from dlt.sources import DltResource

from ingestion.calendar.ics import (
    CALENDAR_EVENT_SCHEMA,
    DEFAULT_HORIZON_DAYS,
    ExpandedCalendar,
    expand_ics,
)
from ingestion.calendar.outlook import OUTLOOK_CSV, outlook_refine, zone_lookup
from ingestion.common.files import ExportFile, TableSource, table_resource
from ingestion.common.ledger import FileAccount, IngestionLedger
from ingestion.common.schema import ColumnSpec, TableSpec
from ingestion.common.settings import SettingsError, source_settings, valid_timezone

SOURCE_NAME = "calendar"
CALENDAR_TABLE = "calendar_event"
ICS_PATTERNS = ("*.ics", "**/*.ics")
# Expanding in worker processes pays off above this much ICS (start-up costs ~1 s).
_POOL_MIN_BYTES = 1 << 20

_ICS_SPEC = TableSpec(
    name=CALENDAR_TABLE,
    description="Calendar occurrences from ICS exports.",
    primary_key=("occurrence_id",),
    columns=(ColumnSpec("occurrence_id", required=True),),
    files=ICS_PATTERNS,
)


class IcsExpander:
    """Expands the ICS files of one run, in worker processes when there is enough work."""

    def __init__(self, horizon_days: int, zone_of: dict[str, str], default_zone: str) -> None:
        self.horizon_days = horizon_days
        self.zone_of = zone_of
        self.default_zone = default_zone
        self._jobs: dict[str, tuple[subprocess.Popen[bytes], Path, int]] = {}
        self._scratch: Path | None = None

    def zone(self, export: ExportFile) -> str:
        return self.zone_of.get(export.path.stem, self.default_zone)

    def prefetch(self, exports: list[ExportFile]) -> None:
        """Start worker processes for `exports` when there is enough ICS to pay for them."""
        workers = min(len(exports), os.cpu_count() or 1)
        if workers < 2 or sum(e.path.stat().st_size for e in exports) < _POOL_MIN_BYTES:
            return
        self._scratch = Path(tempfile.mkdtemp(prefix="crmkpi-ics-"))
        shares: list[list[dict[str, object]]] = [[] for _ in range(workers)]
        loads = [0] * workers
        for index, export in sorted(
            enumerate(exports), key=lambda pair: pair[1].path.stat().st_size, reverse=True
        ):
            lightest = loads.index(min(loads))
            loads[lightest] += export.path.stat().st_size
            shares[lightest].append(
                {
                    "index": index,
                    "path": str(export.path),
                    "source_file": export.source_file,
                    "zone": self.zone(export),
                }
            )
        for share in shares:
            job = {"out": str(self._scratch), "horizon_days": self.horizon_days, "files": share}
            process = subprocess.Popen(
                [sys.executable, "-m", "ingestion.calendar.worker"],
                stdin=subprocess.PIPE,
                cwd=str(Path(__file__).resolve().parents[2]),
            )
            assert process.stdin is not None
            process.stdin.write(json.dumps(job).encode())
            process.stdin.close()
            for item in share:
                self._jobs[str(item["source_file"])] = (process, self._scratch, int(item["index"]))  # type: ignore[arg-type]

    def expand(self, export: ExportFile) -> ExpandedCalendar:
        job = self._jobs.pop(export.source_file, None)
        if job is not None and all(other[0] is not job[0] for other in self._jobs.values()):
            job[0].wait()  # its last file: the worker is done (or about to be): reap it
        try:
            if job is None:
                return expand_ics(
                    export.path, export.source_file, self.horizon_days, self.zone(export)
                )
            process, scratch, index = job
            meta_path = scratch / f"{index}.json"
            while not meta_path.exists():
                if process.poll() is not None and not meta_path.exists():
                    # the worker died: expand here instead
                    return expand_ics(
                        export.path, export.source_file, self.horizon_days, self.zone(export)
                    )
                time.sleep(0.01)
            meta = json.loads(meta_path.read_text())
            if "error" in meta:
                raise ValueError(meta["error"])
            with pa.memory_map(str(scratch / f"{index}.arrow")) as source:
                occurrences = pa.ipc.open_stream(source).read_all()
            rejected = [tuple(r) for r in meta["rejected"]]
            return ExpandedCalendar(occurrences, meta["vevents_read"], rejected)  # type: ignore[arg-type]
        finally:
            if not self._jobs and self._scratch is not None:
                shutil.rmtree(self._scratch, ignore_errors=True)
                self._scratch = None

    def read(
        self, export: ExportFile, source: TableSource, ledger: IngestionLedger
    ) -> Iterator[pa.Table]:
        """The FileReader of ICS files."""
        del source
        try:
            expanded = self.expand(export)
        except (ValueError, OSError) as error:
            ledger.reject_file(
                export.source_file, f"not a readable ICS calendar: {error}", CALENDAR_TABLE
            )
            return
        ledger.reject_malformed_rows(export.source_file, expanded.rejected, CALENDAR_TABLE)
        ledger.record_file(
            FileAccount(
                source_name=ledger.source_name,
                table_name=CALENDAR_TABLE,
                source_file=export.source_file,
                rows_in=expanded.vevents_read,
                rows_loaded=expanded.vevents_read - len(expanded.rejected),
                rows_quarantined=len(expanded.rejected),
            )
        )
        if expanded.occurrences.num_rows:
            yield expanded.occurrences


def _settings(landing: Path, ledger: IngestionLedger) -> tuple[str, dict[str, str], bool]:
    folder = landing / SOURCE_NAME
    try:
        settings = source_settings(folder)
        default = valid_timezone(settings.get("timezone"), "timezone")
        zones = {
            str(stem): valid_timezone(zone, f"timezones.{stem}")
            for stem, zone in (settings.get("timezones") or {}).items()
        }
        day_first = str(settings.get("date_order", "mdy")).lower() == "dmy"
    except (SettingsError, AttributeError) as error:
        ledger.reject_file(f"{SOURCE_NAME}/crmkpi.yml", f"settings refused: {error}", "settings")
        return "UTC", {}, False
    return default, zones, day_first


def calendar_tables(
    landing: Path, ledger: IngestionLedger, horizon_days: int = DEFAULT_HORIZON_DAYS
) -> list[TableSource]:
    default_zone, zones, day_first = _settings(landing, ledger)
    expander = IcsExpander(horizon_days, zones, default_zone)
    ics = TableSource(
        spec=_ICS_SPEC,
        folder=SOURCE_NAME,
        schema=CALENDAR_EVENT_SCHEMA,
        reader=expander.read,
        prefetch=expander.prefetch,
        fingerprint_extra=f"ics-2|{horizon_days}|{default_zone}|{sorted(zones.items())}",
    )
    outlook = TableSource(
        spec=OUTLOOK_CSV,
        folder=SOURCE_NAME,
        key=("occurrence_id",),
        schema=CALENDAR_EVENT_SCHEMA,
        refine=outlook_refine(zone_lookup(default_zone, zones), day_first),
        fingerprint_extra=f"outlook-1|{default_zone}|{sorted(zones.items())}|{day_first}",
    )
    return [ics, outlook]


@dlt.source(name=SOURCE_NAME, max_table_nesting=0)
def calendar_source(
    landing_dir: str = dlt.config.value,
    ledger: IngestionLedger | None = None,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> Iterator[DltResource]:
    """Every ICS and Outlook CSV calendar export under `<landing_dir>/calendar/`."""
    landing = Path(landing_dir)
    book = ledger or IngestionLedger(SOURCE_NAME)
    yield table_resource(calendar_tables(landing, book, horizon_days), landing, book)
