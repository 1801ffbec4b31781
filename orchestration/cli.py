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


def _published_file(args: argparse.Namespace) -> Path | None:
    """The published warehouse of `--warehouse` / `--published`, or None (said) if absent."""
    settings.export_environment(warehouse=args.warehouse, published=args.published)
    published = settings.published_warehouse_path()
    if not published.is_file():
        print(f"nothing published yet at {published}; run `crmkpi refresh`", file=sys.stderr)
        return None
    return published


def _kpis(args: argparse.Namespace) -> int:
    from orchestration.summary import print_kpi_summary

    published = _published_file(args)
    if published is None:
        return 1
    print_kpi_summary(published, args.by, args.grain, args.format, args.periods)
    return 0


def _app(args: argparse.Namespace) -> int:
    import os

    from orchestration.app_command import streamlit_command

    settings.export_environment(warehouse=args.warehouse, published=args.published)
    command = streamlit_command(settings.published_warehouse_path(), args.host, args.port)
    print(f"KPI app on http://{args.host}:{args.port} (Ctrl-C stops it)", flush=True)
    os.execv(command[0], command)
    return 0  # not reached: exec replaces this process


def _mf(args: argparse.Namespace) -> int:
    import os

    from orchestration.app_command import metricflow_command, metricflow_environment

    published = _published_file(args)
    if published is None:
        return 1
    project = settings.dbt_project_dir()
    env = metricflow_environment(project, published, settings.warehouse_path())
    command = metricflow_command(args.mf_arguments)
    os.chdir(project)
    os.execve(command[0], command, env)
    return 0  # not reached: exec replaces this process


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


def _add_kpis_options(kpis: argparse.ArgumentParser) -> None:
    from orchestration.summary import DEFAULT_PERIODS, FORMATS, GRAINS, SCOPES

    kpis.add_argument("--by", choices=SCOPES, default="company", help="one row per scope")
    kpis.add_argument("--grain", choices=GRAINS, default="quarter", help="period grain")
    kpis.add_argument("--format", choices=FORMATS, default="table", help="output format")
    kpis.add_argument(
        "--periods",
        type=int,
        default=DEFAULT_PERIODS,
        help=f"latest periods shown (default {DEFAULT_PERIODS})",
    )


def _add_app_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from orchestration.app_command import DEFAULT_HOST, DEFAULT_PORT

    app = commands.add_parser("app", help="serve the KPI app (Streamlit) on the published file")
    app.add_argument("--host", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}")
    app.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    app.add_argument("--warehouse", type=Path, help=f"default ${settings.WAREHOUSE_ENV}")
    app.add_argument("--published", type=Path, help=f"default ${settings.PUBLISHED_WAREHOUSE_ENV}")
    app.set_defaults(handler=_app)

    mf = commands.add_parser(
        "mf",
        help="MetricFlow's `mf` on the published file, read-only (e.g. mf query --metrics ...)",
    )
    mf.add_argument("--warehouse", type=Path, help=f"default ${settings.WAREHOUSE_ENV}")
    mf.add_argument("--published", type=Path, help=f"default ${settings.PUBLISHED_WAREHOUSE_ENV}")
    mf.add_argument("mf_arguments", nargs=argparse.REMAINDER, help="arguments for `mf`")
    mf.set_defaults(handler=_mf)


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
        "kpis", help="KPIs per company, team or rep and period, from the published warehouse"
    )
    kpis.add_argument("--warehouse", type=Path, help=f"default ${settings.WAREHOUSE_ENV}")
    kpis.add_argument("--published", type=Path, help=f"default ${settings.PUBLISHED_WAREHOUSE_ENV}")
    _add_kpis_options(kpis)
    kpis.set_defaults(handler=_kpis)
    _add_app_commands(commands)

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
