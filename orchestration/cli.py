"""`crmkpi`: demo exports, refreshes and KPI summaries from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration import settings

SCALES = ("small", "medium", "large")


def _demo_data(args: argparse.Namespace) -> int:
    from ingestion.demo import generate_demo_exports

    out: Path = args.out
    if args.if_empty and out.is_dir() and any(out.iterdir()):
        print(f"{out} already holds exports; leaving them as they are")
        return 0
    manifest = generate_demo_exports(out, scale=args.scale, seed=args.seed)
    print(f"wrote {args.scale} demo exports (seed {args.seed}) to {out}")
    for name, count in sorted(manifest.row_counts.items()):
        print(f"  {name:<40} {count:>10,}")
    return 0


def _refresh(args: argparse.Namespace) -> int:
    from orchestration.refresh import RefreshAlreadyRunningError, run_refresh

    try:
        result = run_refresh(
            landing=args.landing,
            warehouse=args.warehouse,
            as_of_date=args.as_of,
            full_refresh=args.full_refresh,
            log_level="INFO" if args.verbose else "WARNING",
            wait_seconds=args.wait,
            published=args.published,
            show_progress=not args.verbose,
        )
    except RefreshAlreadyRunningError as error:
        print(f"refresh refused: {error}", file=sys.stderr)
        return 3
    for run_id in result.recovered_runs:
        print(f"recovered interrupted run {run_id}", file=sys.stderr)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not result.success:
        print(f"refresh FAILED (run {result.run_id}, {result.elapsed_s:.1f} s)", file=sys.stderr)
        for step in result.failed_steps:
            print(f"  failed step  {step}", file=sys.stderr)
        for check in result.failed_checks:
            print(f"  failed check {check}", file=sys.stderr)
        if result.skipped_steps:
            print(f"  skipped      {', '.join(result.skipped_steps)}", file=sys.stderr)
        print(
            f"published warehouse unchanged: {result.published_path} (last good refresh)",
            file=sys.stderr,
        )
        return 1
    print(f"refresh succeeded (run {result.run_id}, {result.elapsed_s:.1f} s)")
    if not args.quiet and result.published and result.published_path:
        from orchestration.summary import print_kpi_summary

        print_kpi_summary(result.published_path)
    return 0


def _retract(args: argparse.Namespace) -> int:
    from orchestration.retraction import run_retraction

    return run_retraction(args.paths, args.landing, args.warehouse, args.wait)


def _kpis(args: argparse.Namespace) -> int:
    from orchestration.summary import print_kpi_summary

    settings.export_environment(warehouse=args.warehouse, published=args.published)
    published = settings.published_warehouse_path()
    if not published.is_file():
        print(f"nothing published yet at {published}; run `crmkpi refresh`", file=sys.stderr)
        return 1
    print_kpi_summary(published)
    return 0


def _status(args: argparse.Namespace) -> int:
    from orchestration.status import print_status

    settings.export_environment(args.landing, args.warehouse, args.published)
    print_status(as_json=args.json)
    return 0


def _ui(args: argparse.Namespace) -> int:
    import os
    import shutil

    settings.export_environment(args.landing, args.warehouse)
    dagster = shutil.which("dagster", path=str(Path(sys.executable).parent)) or "dagster"
    os.execv(dagster, [dagster, "dev", "-m", "orchestration.definitions", "-p", str(args.port)])
    return 0  # not reached: exec replaces this process


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crmkpi", description="CRM, calendar and quota exports to sales KPI marts."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo-data", help="write the exports of a fictional sales team")
    demo.add_argument("--out", type=Path, required=True, help="landing folder to write into")
    demo.add_argument("--scale", choices=SCALES, default="small")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument(
        "--if-empty", action="store_true", help="do nothing when the folder already has files"
    )
    demo.set_defaults(handler=_demo_data)

    refresh = commands.add_parser("refresh", help="ingest, build, test: run the kpi_refresh job")
    refresh.add_argument("--landing", type=Path, help=f"default ${settings.LANDING_ENV}")
    refresh.add_argument("--warehouse", type=Path, help=f"default ${settings.WAREHOUSE_ENV}")
    refresh.add_argument("--as-of", help="as-of date YYYY-MM-DD (default: latest export date)")
    refresh.add_argument("--full-refresh", action="store_true", help="rebuild incremental models")
    refresh.add_argument(
        "--published",
        type=Path,
        help=f"published file for BI (default ${settings.PUBLISHED_WAREHOUSE_ENV})",
    )
    refresh.add_argument(
        "--wait",
        type=float,
        default=0,
        metavar="SECONDS",
        help="if another refresh is running, wait up to this long (default: refuse at once)",
    )
    refresh.add_argument("--quiet", action="store_true", help="skip the KPI summary")
    refresh.add_argument("--verbose", action="store_true", help="print every Dagster event")
    refresh.set_defaults(handler=_refresh)

    retract = commands.add_parser(
        "retract",
        help="remove export files' rows from the warehouse (after moving them out of landing)",
        description=(
            "Remove every row of the given export files (or of every file under a folder) from "
            "the raw tables and the quarantine, restoring older exports' rows they superseded. "
            "Move the files out of the landing folder first; the marts follow at the next "
            "refresh. Exit 0 retracted, 1 refused (nothing changed), 3 a refresh is running."
        ),
    )
    retract.add_argument(
        "paths", nargs="+", metavar="PATH", help="file or folder, in or relative to the landing"
    )
    retract.add_argument("--landing", type=Path, help=f"default ${settings.LANDING_ENV}")
    retract.add_argument("--warehouse", type=Path, help=f"default ${settings.WAREHOUSE_ENV}")
    retract.add_argument(
        "--wait",
        type=float,
        default=0,
        metavar="SECONDS",
        help="if a refresh is running, wait up to this long (default: refuse at once)",
    )
    retract.set_defaults(handler=_retract)

    status = commands.add_parser(
        "status", help="last refresh, its checks, mart freshness, quarantine, warehouse files"
    )
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument("--landing", type=Path, help=f"default ${settings.LANDING_ENV}")
    status.add_argument("--warehouse", type=Path, help=f"default ${settings.WAREHOUSE_ENV}")
    status.add_argument(
        "--published", type=Path, help=f"default ${settings.PUBLISHED_WAREHOUSE_ENV}"
    )
    status.set_defaults(handler=_status)

    kpis = commands.add_parser(
        "kpis", help="print the company KPI summary from the published warehouse"
    )
    kpis.add_argument("--warehouse", type=Path, help=f"default ${settings.WAREHOUSE_ENV}")
    kpis.add_argument("--published", type=Path, help=f"default ${settings.PUBLISHED_WAREHOUSE_ENV}")
    kpis.set_defaults(handler=_kpis)

    ui = commands.add_parser("ui", help="open the Dagster UI on this repository's instance")
    ui.add_argument("--landing", type=Path, help=f"default ${settings.LANDING_ENV}")
    ui.add_argument("--warehouse", type=Path, help=f"default ${settings.WAREHOUSE_ENV}")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(handler=_ui)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
