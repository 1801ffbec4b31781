"""Ingestion benchmark: the activity exports through the dlt pipeline vs DuckDB's own read_csv.

    .venv/bin/python -m bench.ingest --scale large             # generates the data on first use
    .venv/bin/python -m bench.ingest --scale medium --repeat 3
    .venv/bin/python -m bench.ingest --landing /path/to/landing   # an existing demo landing

The activity exports are the demo's Salesforce `Task.csv` and `Event.csv` (about 5.1M rows at
`large`). Each round loads them twice into fresh warehouses, in alternating order:

* **pipeline**: `ingestion.pipeline.ingest_source` for the `salesforce` family, exactly what a
  refresh runs (sniffing, arrow batches, typing in DuckDB, quarantine checks, duplicate-key
  checks, dlt extract/normalize/load, quarantine accounting);
* **duckdb**: `create table ... as select * from read_csv(...)` per file into a fresh DuckDB
  file, DuckDB's own parallel CSV reader with type detection.

It prints both times and their ratio (median over rounds; wall clock, and CPU time, which
another busy process on the machine disturbs less), then times a second pipeline run on the
unchanged landing folder (every file skipped). `--profile` writes a pyinstrument profile of
the first pipeline run when pyinstrument is importable.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

ACTIVITY_FILES = ("Task.csv", "Event.csv")
DEFAULT_DATA = Path("warehouse") / "bench"


def ensure_demo_data(data_dir: Path, scale: str) -> Path:
    """The demo landing folder for `scale`, generated once (into a temporary folder, renamed
    when complete, so an interrupted generation is never mistaken for data)."""
    landing = data_dir / scale
    if (landing / "manifest.json").is_file() or all(
        (landing / "salesforce" / name).is_file() for name in ACTIVITY_FILES
    ):
        return landing
    from ingestion.demo import generate_demo_exports

    print(f"generating the {scale} demo exports into {landing} (once; large takes minutes)")
    started = time.perf_counter()
    partial = data_dir / f".{scale}.partial"
    if partial.exists():
        shutil.rmtree(partial)
    generate_demo_exports(partial, scale=scale)
    partial.rename(landing)
    print(f"  generated in {time.perf_counter() - started:.0f} s")
    return landing


def activity_landing(source: Path, work: Path) -> Path:
    """A landing folder holding only the activity exports (symlinked, not copied)."""
    landing = work / "landing"
    folder = landing / "salesforce"
    folder.mkdir(parents=True, exist_ok=True)
    for name in ACTIVITY_FILES:
        target = folder / name
        if not target.exists():
            os.symlink((source / "salesforce" / name).resolve(), target)
    return landing


def _cpu_seconds() -> float:
    """CPU time of this process, every thread (DuckDB's, pyarrow's) included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def run_pipeline(
    landing: Path, work: Path, profile: Path | None = None
) -> tuple[float, int, float]:
    from ingestion.pipeline import SOURCE_FAMILIES, ingest_source

    family = next(f for f in SOURCE_FAMILIES if f.name == "salesforce")
    warehouse = _fresh(work) / "pipeline.duckdb"
    profiler = _profiler() if profile else None
    started, cpu = time.perf_counter(), _cpu_seconds()
    if profiler is not None:
        profiler.start()  # type: ignore[attr-defined]
    ledger, _ = ingest_source(family, landing, warehouse)
    elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    if profiler is not None and profile is not None:
        profiler.stop()  # type: ignore[attr-defined]
        text = profiler.output_text(unicode=True, color=False, show_all=False)  # type: ignore[attr-defined]
        profile.write_text(text)
        print(f"  profile written to {profile}")
    loaded = sum(a.rows_loaded for a in ledger.files)
    quarantined = sum(a.rows_quarantined for a in ledger.files)
    if quarantined or ledger.unbalanced_files or ledger.rejected_files:
        raise SystemExit(f"benchmark data did not load cleanly: {ledger.summary()}")
    return elapsed, loaded, cpu


def rerun_pipeline(landing: Path, work: Path) -> float:
    from ingestion.pipeline import SOURCE_FAMILIES, ingest_source

    family = next(f for f in SOURCE_FAMILIES if f.name == "salesforce")
    started = time.perf_counter()
    ledger, _ = ingest_source(family, landing, work / "pipeline.duckdb")
    elapsed = time.perf_counter() - started
    if ledger.files:
        raise SystemExit(f"a second run read files again: {[a.source_file for a in ledger.files]}")
    return elapsed


def run_duckdb(source: Path, work: Path) -> tuple[float, int, float]:
    database = _fresh(work) / "duckdb.duckdb"
    started, cpu = time.perf_counter(), _cpu_seconds()
    connection = duckdb.connect(str(database))
    rows = 0
    try:
        for name in ACTIVITY_FILES:
            csv_path = (source / "salesforce" / name).resolve()
            table = Path(name).stem.lower()
            connection.execute(
                f"create table {table} as select * from read_csv('{csv_path.as_posix()}')"
            )
            result = connection.execute(f"select count(*) from {table}").fetchone()
            rows += result[0] if result else 0
    finally:
        connection.close()
    return time.perf_counter() - started, rows, _cpu_seconds() - cpu


def _profiler() -> object | None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("  (pyinstrument is not installed: no profile)")
        return None
    return Profiler()


@dataclass(frozen=True)
class IngestComparison:
    pipeline_s: float  # medians over the rounds
    duckdb_s: float
    rows: int
    ratio: float  # median of the per-round wall-clock ratios pipeline / duckdb
    cpu_ratio: float


def measure(
    source: Path, work: Path, repeat: int = 1, profile: Path | None = None, verbose: bool = False
) -> IngestComparison:
    """Load the activity exports of `source` both ways `repeat` times, in alternating order."""
    landing = activity_landing(source, _fresh(work / "landing_root"))
    times: dict[str, list[float]] = {"pipeline": [], "duckdb": []}
    cpus: dict[str, list[float]] = {"pipeline": [], "duckdb": []}
    rows = 0
    for round_number in range(repeat):
        order = ("pipeline", "duckdb") if round_number % 2 == 0 else ("duckdb", "pipeline")
        for which in order:
            if which == "pipeline":
                round_profile = profile if round_number == 0 else None
                seconds, rows, cpu = run_pipeline(landing, work / "pipeline", round_profile)
            else:
                seconds, rows, cpu = run_duckdb(source, work / "duckdb")
            times[which].append(seconds)
            cpus[which].append(cpu)
            if verbose:
                print(
                    f"  round {round_number + 1} {which:<8} {seconds:7.2f} s  "
                    f"(cpu {cpu:6.2f} s)  {rows:,} rows"
                )
    ratios = [p / d for p, d in zip(times["pipeline"], times["duckdb"], strict=True)]
    cpu_ratios = [p / d for p, d in zip(cpus["pipeline"], cpus["duckdb"], strict=True)]
    return IngestComparison(
        pipeline_s=statistics.median(times["pipeline"]),
        duckdb_s=statistics.median(times["duckdb"]),
        rows=rows,
        ratio=statistics.median(ratios),
        cpu_ratio=statistics.median(cpu_ratios),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ingest", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--scale", choices=("small", "medium", "large"), default="large")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="demo data cache")
    parser.add_argument("--landing", type=Path, help="use this landing folder instead")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder")
    parser.add_argument("--repeat", type=int, default=1, help="rounds (median is reported)")
    parser.add_argument("--profile", type=Path, help="write a pyinstrument profile here")
    args = parser.parse_args(argv)

    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
    source = args.landing or ensure_demo_data(args.data, args.scale)
    work = args.work or (args.data / f"run_{args.scale}")
    sizes = sum((source / "salesforce" / n).stat().st_size for n in ACTIVITY_FILES)
    print(f"activity exports: {', '.join(ACTIVITY_FILES)} from {source} ({sizes / 1e6:,.0f} MB)")
    result = measure(source, work, args.repeat, args.profile, verbose=True)
    for label, seconds in (
        ("pipeline (dlt, arrow path):", result.pipeline_s),
        ("duckdb read_csv:           ", result.duckdb_s),
    ):
        print(f"{label} {seconds:7.2f} s  ({result.rows / seconds:,.0f} rows/s)")
    print(f"ratio pipeline / duckdb:    {result.ratio:7.2f}x wall clock")
    print(f"                            {result.cpu_ratio:7.2f}x cpu time")
    landing = activity_landing(source, work / "landing_root")
    rerun = rerun_pipeline(landing, work / "pipeline")
    print(f"second run, nothing new:    {rerun:7.2f} s  (every file skipped by content hash)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
