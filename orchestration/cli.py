"""`crmkpi`: demo exports, refreshes and KPI summaries from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from orchestration import settings

SCALES = ("small", "medium", "large")


def _demo_data(args: argparse.Namespace) -> int:
    from ingestion.demo import generate_demo_exports

    out: Path = args.out
    if args.if_empty and out.is_dir() and any(out.iterdir()):
        print(f"{out} already holds exports; leaving them as they are")
        return 0
    manifest = generate_demo_exports(out, scale=args.scale, seed=args.seed)
    files = sum(1 for path in out.rglob("*") if path.is_file())
    rows = sum(manifest.row_counts.values())
    print(
        f"wrote {args.scale} demo exports (seed {args.seed}) to {out}: {files} files, {rows:,} rows"
    )
    if args.verbose:
        for name, count in sorted(manifest.row_counts.items()):
            print(f"  {name:<40} {count:>10,}")
    return 0


# Exit codes of `crmkpi refresh` (README, "Operating it").
EXIT_OK = 0
EXIT_FAILED = 1  # a step or blocking check failed: the published warehouse is unchanged
EXIT_REFRESH_RUNNING = 3  # refused: another refresh of this warehouse is running
EXIT_NO_EXPORTS = 4  # refused: the landing folder is missing or holds no export files
EXIT_SHRINK_BLOCKED = 5  # built and checked, but the publish guard kept the published file

_WARNINGS_SHOWN = 10


def _refresh(args: argparse.Namespace) -> int:
    from orchestration.console import Console, new_log_path
    from orchestration.refresh import (
        LandingFolderError,
        RefreshAlreadyRunningError,
        check_landing,
        run_refresh,
    )

    settings.export_environment(args.landing, args.warehouse, args.published)
    working, landing = settings.warehouse_path(), settings.landing_dir()
    try:
        check_landing(landing)
    except LandingFolderError as error:
        print(
            f"refresh refused: {error}. Nothing was read or published; the published warehouse "
            "is unchanged. Point --landing (or $CRMKPI_LANDING_DIR) at the folder that holds "
            "one sub-folder of export files per source.",
            file=sys.stderr,
        )
        return EXIT_NO_EXPORTS
    console = Console(sys.stdout)
    log_path = None if args.verbose else new_log_path(settings.refresh_logs_dir(), working)
    console.line(f"refresh {working} from {landing}")
    if log_path is not None:
        console.line(f"log: {log_path}")
    try:
        result = run_refresh(
            as_of_date=args.as_of,
            full_refresh=args.full_refresh,
            log_level="INFO",
            wait_seconds=args.wait,
            allow_shrink=args.allow_shrink,
            console=console,
            log_path=log_path,
        )
    except RefreshAlreadyRunningError as error:
        print(f"refresh refused: {error}", file=sys.stderr)
        return EXIT_REFRESH_RUNNING
    except Exception as error:
        if log_path is None:
            raise
        import traceback

        with log_path.open("a", encoding="utf-8") as log:
            traceback.print_exc(file=log)
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        print(
            f"refresh crashed: {type(error).__name__}: {first}\n"
            f"published warehouse unchanged; traceback in {log_path}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return _report_refresh(result, quiet=args.quiet)


def _report_refresh(result: Any, quiet: bool) -> int:
    """Print the outcome of a refresh (failures with their rows and files); its exit code."""
    from orchestration.refresh_report import CORRECTION_HINT, check_failure_lines, wrapped

    for run_id in result.recovered_runs:
        print(f"recovered interrupted run {run_id}", file=sys.stderr)
    for warning in result.warnings[:_WARNINGS_SHOWN]:
        print(f"warning: {warning}", file=sys.stderr)
    if len(result.warnings) > _WARNINGS_SHOWN:
        print(
            f"warning: {len(result.warnings) - _WARNINGS_SHOWN} more; see `crmkpi status`",
            file=sys.stderr,
        )
    log = f"full log: {result.log_path}" if result.log_path else None
    if result.success and result.published:
        print(f"refresh succeeded (run {result.run_id}, {result.elapsed_s:.1f} s)")
        if not quiet and result.published_path:
            from orchestration.summary import print_kpi_summary

            print_kpi_summary(result.published_path)
        return EXIT_OK
    lines = [f"refresh FAILED (run {result.run_id}, {result.elapsed_s:.1f} s)"]
    for step in result.failed_steps:
        if result.shrink_blocked and step.startswith("published_marts:"):
            continue  # told below, with the reasons
        if "DagsterAssetCheckFailedError" in step:
            continue  # the failed checks are told below, one by one
        lines.append(f"  failed step  {step}")
    for failure in result.check_failures:
        lines += [
            f"  {line}"
            for line in check_failure_lines(
                failure.label,
                failure.description,
                failure.failures,
                failure.failing_rows,
                failure.files,
            )
        ]
    if result.skipped_steps:
        lines.append(f"  skipped      {', '.join(result.skipped_steps)}")
    if result.check_failures:
        lines += wrapped(CORRECTION_HINT)
    if result.shrink_blocked:
        lines.append("  not published: the marts were built and checked, but publishing them")
        lines.append("  would replace the published data with far fewer rows:")
        lines += [f"    {reason}" for reason in result.shrink_blocked]
        lines += wrapped(
            "If the drop is expected (records deleted or retracted on purpose), publish anyway:"
        )
        lines.append("    crmkpi refresh --allow-shrink")
    lines.append(f"published warehouse unchanged: {result.published_path} (last good refresh)")
    if log:
        lines.append(log)
    print("\n".join(lines), file=sys.stderr)
    return EXIT_SHRINK_BLOCKED if result.shrink_blocked else EXIT_FAILED


def _retract(args: argparse.Namespace) -> int:
    from orchestration.retraction import run_retraction

    return run_retraction(args.paths, args.landing, args.warehouse, args.wait)


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
    return 0 if print_status(as_json=args.json) else 1


def _ui(args: argparse.Namespace) -> int:
    import shutil

    from orchestration.supervise import run_supervised

    settings.export_environment(args.landing, args.warehouse)
    dagster = shutil.which("dagster", path=str(Path(sys.executable).parent)) or "dagster"
    command = [dagster, "dev", "-m", "orchestration.definitions"]
    return run_supervised([*command, "-h", args.host, "-p", str(args.port)])


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
    demo.add_argument("--verbose", action="store_true", help="list the rows of every file")
    demo.set_defaults(handler=_demo_data)

    refresh = commands.add_parser(
        "refresh",
        help="ingest, build, test, publish: run the kpi_refresh job",
        description=(
            "Exit codes: 0 published; 1 a step or blocking check failed; 3 another refresh of "
            "this warehouse is running; 4 the landing folder is missing or empty; 5 built and "
            "checked, but not published because tables lost too many rows (--allow-shrink). "
            "The published warehouse is unchanged unless the exit code is 0."
        ),
    )
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
    refresh.add_argument(
        "--allow-shrink",
        action="store_true",
        help="publish even if marts or raw tables lost more rows than publish_max_shrink_percent",
    )
    refresh.add_argument("--quiet", action="store_true", help="skip the KPI summary")
    refresh.add_argument(
        "--verbose",
        action="store_true",
        help="print every Dagster event and dbt's node log here instead of into the log file",
    )
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
        "status",
        help="last refresh, its checks, mart freshness, quarantine, warehouse files",
        description=(
            "Exit code 0 when marts are published, fresh, and the last finished refresh "
            "succeeded; 1 otherwise (the JSON's top-level `ok` and `problems` say why)."
        ),
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
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(handler=_ui)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
