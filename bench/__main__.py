"""The benchmark suite: one run measures every row of BENCHMARKS.md and writes it.

    make bench                                   # BENCH_SCALES ?= medium large
    .venv/bin/python -m bench --scales medium large --data-dir /work/bench_data
    .venv/bin/python -m bench --scales tiny --run-scale tiny --out /tmp/BENCHMARKS.md

Demo exports are generated once per scale into `--data-dir/<scale>` and reused (large takes
minutes and 2 GB). Rows, all wall clock:

1. ingestion vs DuckDB: the activity exports through the dlt pipeline vs DuckDB's own
   `read_csv` of the same files (bench/ingest.py), ratio; target <= 1.5x.
2. full refresh vs floor: `crmkpi refresh` (ingest, dbt build, checks, publish) in a
   subprocess on a fresh warehouse vs bench/floor.sql (the KPI marts in plain SQL from the
   same files, DuckDB Python API, fresh file), ratio; target <= 2x.
3. incremental day: the demo split into base + the last day's delta (bench/daily_delta.py);
   a refresh of the base on a fresh warehouse, the delta files copied in, a second refresh
   on the same warehouse, timed against row 2's full refresh; target <= 5 % at large.
4. peak RSS of the full refresh's whole process tree (bench/memory.py); target <= 2 GiB at
   large.
5. fixed overhead: a refresh of the tiny demo, and `make run`'s two commands at `--run-scale`
   (small) with the demo in place, on a fresh warehouse; target <= 45 s each.

The report is rewritten after every measurement, so an interrupted run (Ctrl-C, SIGTERM)
leaves the rows it finished; `--stop-after MINUTES` starts no measurement after that time. A
measurement that fails is reported as such and the run goes on (exit code 1).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench import ingest, machine
from bench.daily_delta import split_last_day
from bench.floor import run_floor
from bench.refreshes import (
    RefreshRun,
    crmkpi_command,
    fresh_warehouse,
    run_make_run_equivalent,
    run_refresh,
)
from bench.report import Report, Row, verdict, write

SCALES = ("tiny", "small", "medium", "large")
TARGET_SCALE = "large"  # rows 3 and 4 have targets at this scale only
INGEST_TARGET = 1.5
FLOOR_TARGET = 2.0
INCREMENTAL_TARGET_PCT = 5.0
RSS_TARGET_MIB = 2048.0
OVERHEAD_TARGET_S = 45.0

INGEST = "ingestion vs DuckDB read_csv"
FLOOR = "full refresh vs floor.sql"
INCREMENTAL = "incremental day vs full refresh"
MEMORY = "peak RSS of the full refresh"
TINY = "fixed overhead: refresh of tiny"
MAKE_RUN = "fixed overhead: `make run`"


class Harness:
    def __init__(self, args: argparse.Namespace, command: str) -> None:
        self.args = args
        self.out: Path = args.out
        self.data_dir: Path = args.data_dir
        self.work: Path = args.work or args.data_dir / "work"
        self.crmkpi = crmkpi_command(args.crmkpi)
        self.failed = False
        minutes = args.stop_after
        self.deadline = None if minutes is None else time.monotonic() + 60 * minutes
        self.report = Report(
            command=command, machine=machine.describe(), load_before=machine.load_average()
        )
        self.full_refresh: dict[str, RefreshRun] = {}
        for scale in args.scales:
            self.report.row(INGEST, scale, f"≤ {INGEST_TARGET}x")
            self.report.row(FLOOR, scale, f"≤ {FLOOR_TARGET}x")
            at = "" if scale == TARGET_SCALE else f" (at {TARGET_SCALE})"
            self.report.row(INCREMENTAL, scale, f"≤ {INCREMENTAL_TARGET_PCT:g} %{at}")
            self.report.row(MEMORY, scale, f"≤ {RSS_TARGET_MIB / 1024:g} GiB{at}")
        self.report.row(TINY, "tiny", f"≤ {OVERHEAD_TARGET_S:g} s")
        self.report.row(MAKE_RUN, args.run_scale, f"≤ {OVERHEAD_TARGET_S:g} s")
        self.report.notes = [
            "Wall-clock times on a shared 2-core machine: compare rows of one run, and read "
            "the load average beside each row.",
            "floor.sql skips the calendar ICS files (the refresh reads them too) and does no "
            "typing checks, quarantine, tests or publishing: it is the least work that yields "
            "the same KPI tables.",
            "Refreshes run `crmkpi refresh --quiet` (no KPI summary printed); `make run` "
            "prints it.",
        ]
        self.save()

    # --- plumbing -------------------------------------------------------------------------

    def save(self) -> None:
        write(self.report, self.out)

    def measure(self, rows: list[Row], action: Callable[[], None]) -> None:
        """Run one measurement; a failure marks its rows and the run goes on."""
        load = machine.load_average().split(" / ")[0]
        if self.deadline is not None and time.monotonic() > self.deadline:
            for row in rows:
                row.load, row.status, row.value = load, "not run", "skipped: --stop-after reached"
            self.save()
            return
        for row in rows:
            row.load, row.status, row.value = load, "running", "running"
        self.save()
        try:
            action()
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: keep what was measured
            for row in rows:
                if row.status == "running":
                    row.status, row.value = "not run", "interrupted"
            self.report.load_after = f"{machine.load_average()} (interrupted)"
            self.save()
            raise
        except Exception as error:  # a broken measurement must not lose the others
            self.failed = True
            traceback.print_exc()
            for row in rows:
                if row.status == "running":
                    row.status = "error"
                    row.value = f"error: {str(error).splitlines()[0][:200]}"
        self.save()

    def landing(self, scale: str) -> Path:
        return ingest.ensure_demo_data(self.data_dir, scale)

    def refresh(
        self, label: str, scale: str, landing: Path, warehouse: Path, home: str
    ) -> RefreshRun:
        print(f"[{scale}] {label} ...", flush=True)
        run = run_refresh(label, self.crmkpi, landing, warehouse, self.work / scale / home)
        print(f"[{scale}] {label}: {run.seconds:.1f} s, peak {run.peak_rss_mib:,.0f} MiB")
        self.report.refreshes.append((scale, run))
        if not run.ok:
            raise RuntimeError(f"{label} failed: {run.output_tail[-500:]}")
        return run

    # --- measurements ---------------------------------------------------------------------

    def fixed_overhead(self) -> None:
        def tiny() -> None:
            landing = self.landing("tiny")
            warehouse = fresh_warehouse(self.work / "tiny_overhead" / "w" / "crm_kpi.duckdb")
            run = self.refresh("refresh of tiny", "tiny", landing, warehouse, "overhead_home")
            row = self.report.row(TINY, "tiny", "")
            row.value = f"{run.seconds:.1f} s"
            row.ratio = f"{run.seconds / OVERHEAD_TARGET_S:.2f}x of target"
            row.status = verdict(run.seconds <= OVERHEAD_TARGET_S)

        def make_run() -> None:
            scale = self.args.run_scale
            landing = self.landing(scale)
            warehouse = fresh_warehouse(self.work / "make_run" / "w" / "crm_kpi.duckdb")
            print(f"[{scale}] make run ...", flush=True)
            run = run_make_run_equivalent(
                self.crmkpi, landing, warehouse, self.work / "make_run" / "home", scale
            )
            self.report.refreshes.append((scale, run))
            if not run.ok:
                raise RuntimeError(f"make run failed: {run.output_tail[-500:]}")
            row = self.report.row(MAKE_RUN, scale, "")
            row.value = f"{run.seconds:.1f} s (demo-data --if-empty + refresh, fresh warehouse)"
            row.ratio = f"{run.seconds / OVERHEAD_TARGET_S:.2f}x of target"
            row.status = verdict(run.seconds <= OVERHEAD_TARGET_S)

        self.measure([self.report.row(TINY, "tiny", "")], tiny)
        self.measure([self.report.row(MAKE_RUN, self.args.run_scale, "")], make_run)

    def scale(self, scale: str) -> None:
        row = self.report.row
        self.measure([row(INGEST, scale, "")], lambda: self.ingestion(scale))
        self.measure([row(FLOOR, scale, ""), row(MEMORY, scale, "")], lambda: self.floor(scale))
        self.measure([row(INCREMENTAL, scale, "")], lambda: self.incremental(scale))

    def ingestion(self, scale: str) -> None:
        os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
        print(f"[{scale}] ingestion vs read_csv ...", flush=True)
        result = ingest.measure(self.landing(scale), self.work / scale / "ingest")
        row = self.report.row(INGEST, scale, "")
        row.value = (
            f"pipeline {result.pipeline_s:.1f} s, read_csv {result.duckdb_s:.1f} s "
            f"({result.rows:,} activity rows; cpu ratio {result.cpu_ratio:.2f}x)"
        )
        row.ratio = f"{result.ratio:.2f}x"
        row.status = verdict(result.ratio <= INGEST_TARGET)

    def floor(self, scale: str) -> None:
        landing = self.landing(scale)
        warehouse = fresh_warehouse(self.work / scale / "full" / "crm_kpi.duckdb")
        run = self.refresh("full refresh", scale, landing, warehouse, "home")
        self.full_refresh[scale] = run
        memory = self.report.row(MEMORY, scale, "")
        memory.value = f"{run.peak_rss_mib:,.0f} MiB"
        memory.ratio = f"{run.peak_rss_mib / RSS_TARGET_MIB:.2f}x of target"
        memory.status = verdict(run.peak_rss_mib <= RSS_TARGET_MIB, scale == TARGET_SCALE)
        self.save()
        print(f"[{scale}] floor.sql ...", flush=True)
        floor = run_floor(landing, self.work / scale / "floor" / "floor.duckdb")
        print(f"[{scale}] floor.sql: {floor.seconds:.1f} s")
        self.report.floor_rows[scale] = floor.row_counts
        ratio = run.seconds / floor.seconds
        row = self.report.row(FLOOR, scale, "")
        row.value = f"refresh {run.seconds:.1f} s, floor {floor.seconds:.1f} s"
        row.ratio = f"{ratio:.2f}x"
        row.status = verdict(ratio <= FLOOR_TARGET)

    def incremental(self, scale: str) -> None:
        if scale not in self.full_refresh:
            raise RuntimeError("no full refresh to compare with")
        full = self.full_refresh[scale]
        base, delta = self.work / scale / "base_landing", self.work / scale / "delta_landing"
        print(f"[{scale}] splitting off the last day ...", flush=True)
        split_last_day(self.landing(scale), base, delta)
        warehouse = fresh_warehouse(self.work / scale / "daily" / "crm_kpi.duckdb")
        first = self.refresh("base refresh", scale, base, warehouse, "daily_home")
        delta_files = sorted((delta / "salesforce").glob("*.csv"))
        delta_rows = sum(_data_rows(path) for path in delta_files)
        for path in delta_files:
            shutil.copy2(path, base / "salesforce" / path.name)
        run = self.refresh("incremental refresh", scale, base, warehouse, "daily_home")
        percent = 100 * run.seconds / full.seconds
        row = self.report.row(INCREMENTAL, scale, "")
        row.value = (
            f"incremental {run.seconds:.1f} s vs full {full.seconds:.1f} s "
            f"(delta: {len(delta_files)} files, {delta_rows:,} rows; "
            f"base refresh {first.seconds:.1f} s; peak {run.peak_rss_mib:,.0f} MiB)"
        )
        row.ratio = f"{percent:.1f} %"
        row.status = verdict(percent <= INCREMENTAL_TARGET_PCT, scale == TARGET_SCALE)

    def profile(self, scale: str) -> None:
        """One more full refresh, under pyinstrument (not timed: profiling slows it)."""
        target = self.work / scale / "profile.txt"
        warehouse = fresh_warehouse(self.work / scale / "profiled" / "crm_kpi.duckdb")
        print(f"[{scale}] profiled refresh ...", flush=True)
        run = run_refresh(
            "profiled refresh",
            self.crmkpi,
            self.landing(scale),
            warehouse,
            self.work / scale / "profile_home",
            profile=target,
        )
        if not run.ok or not target.exists():
            raise RuntimeError(f"profiled refresh failed: {run.output_tail[-500:]}")
        text = target.read_text()
        summary = "\n".join(text.splitlines()[:120])
        self.report.profile = f"full refresh at {scale}, {run.seconds:.0f} s\n\n{summary}"


def _data_rows(path: Path) -> int:
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--scales", nargs="+", choices=SCALES, default=["medium", "large"])
    parser.add_argument(
        "--data-dir", type=Path, default=Path("warehouse/bench"), help="demo exports, per scale"
    )
    parser.add_argument("--work", type=Path, help="scratch folder (default DATA_DIR/work)")
    parser.add_argument("--out", type=Path, default=Path("BENCHMARKS.md"))
    parser.add_argument(
        "--run-scale", choices=SCALES, default="small", help="scale of the `make run` row"
    )
    parser.add_argument(
        "--profile", action="store_true", help="add a pyinstrument profile of a full refresh"
    )
    parser.add_argument(
        "--stop-after",
        type=float,
        metavar="MINUTES",
        help="start no measurement after this many minutes (later rows: not run)",
    )
    parser.add_argument("--crmkpi", help="run this instead of the `crmkpi` script (tests)")
    args = parser.parse_args(argv)

    command = shlex.join(["python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)])
    started = time.perf_counter()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM -> KeyboardInterrupt
    harness = Harness(args, command)
    try:
        harness.fixed_overhead()
        for scale in args.scales:
            harness.scale(scale)
        if args.profile:
            profile_row = Row("profile", args.scales[0])
            harness.measure([profile_row], lambda: harness.profile(args.scales[0]))
    except KeyboardInterrupt:
        print(f"interrupted: {args.out} holds the rows measured so far", file=sys.stderr)
        return 130
    harness.report.load_after = machine.load_average()
    harness.save()
    print(f"wrote {args.out} ({time.perf_counter() - started:.0f} s)")
    return 1 if harness.failed else 0


if __name__ == "__main__":
    sys.exit(main())
