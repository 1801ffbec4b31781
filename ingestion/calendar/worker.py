"""Expand ICS files in a separate Python process: `python -m ingestion.calendar.worker`.

A job (JSON on stdin) lists files and an output folder; for each file the worker writes
`<index>.arrow` (the occurrences, Arrow IPC) and `<index>.json` (VEVENT count, rejected
VEVENTs, or the error that made the file unreadable). Plain subprocesses rather than
multiprocessing: nothing of the parent (its main module, threads, DuckDB connections) is
re-imported or forked.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pyarrow as pa

from ingestion.calendar.ics import expand_ics


def run_job(job: dict[str, object]) -> None:
    out = Path(str(job["out"]))
    for item in job["files"]:  # type: ignore[attr-defined]
        index, path, source_file, zone = (
            item["index"],
            item["path"],
            item["source_file"],
            item["zone"],
        )
        meta: dict[str, object]
        try:
            horizon = int(job["horizon_days"])  # type: ignore[call-overload]
            expanded = expand_ics(Path(path), source_file, horizon, zone)
        except (ValueError, OSError) as error:
            meta = {"error": str(error)}
        else:
            with (
                pa.OSFile(str(out / f"{index}.arrow"), "wb") as sink,
                pa.ipc.new_stream(sink, expanded.occurrences.schema) as writer,
            ):
                writer.write_table(expanded.occurrences)
            meta = {"vevents_read": expanded.vevents_read, "rejected": expanded.rejected}
        # The parent polls for the .json: it must appear complete, never half-written.
        partial = out / f"{index}.json.partial"
        partial.write_text(json.dumps(meta))
        os.replace(partial, out / f"{index}.json")


if __name__ == "__main__":
    run_job(json.loads(sys.stdin.read()))
