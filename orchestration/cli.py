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
        )
    except RefreshAlreadyRunningError as error:
        print(f"refresh refused: {error}", file=sys.stderr)
        return 3
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not result.success:
        print(f"refresh FAILED (run {result.run_id}, {result.elapsed_s:.1f} s)", file=sys.stderr)
        for step in result.failed_steps:
            print(f"  failed step  {step}", file=sys.stderr)
        for check in result.failed_checks:
            print(f"  failed check {check}", file=sys.stderr)
        return 1
    print(f"refresh succeeded (run {result.run_id}, {result.elapsed_s:.1f} s)")
    if not args.quiet:
        from orchestration.summary import print_kpi_summary

        print_kpi_summary(settings.warehouse_path())
    return 0


def _kpis(args: argparse.Namespace) -> int:
    from orchestration.summary import print_kpi_summary

    if args.warehouse:
        settings.export_environment(warehouse=args.warehouse)
    print_kpi_summary(settings.warehouse_path())
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
    refresh.add_argument("--quiet", action="store_true", help="skip the KPI summary")
    refresh.add_argument("--verbose", action="store_true", help="print every Dagster event")
    refresh.set_defaults(handler=_refresh)

    kpis = commands.add_parser("kpis", help="print the company KPI summary from the warehouse")
    kpis.add_argument("--warehouse", type=Path, help=f"default ${settings.WAREHOUSE_ENV}")
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
