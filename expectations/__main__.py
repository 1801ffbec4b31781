"""Run suites from the command line: ``python -m expectations WAREHOUSE [--suite NAME]...``.

Exit code 0 when every suite passes, 1 when a blocking suite fails, 2 when a suite could
not be evaluated (missing table, locked file, an expectation that raised).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from expectations.runner import SuiteExecutionError, run_suite
from expectations.suites import ALL_SUITES, get_suite


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m expectations", description=__doc__)
    parser.add_argument("warehouse", type=Path, help="DuckDB warehouse file (opened read-only)")
    parser.add_argument(
        "--suite",
        action="append",
        choices=[s.name for s in ALL_SUITES],
        help="suite to run (repeatable; default: all)",
    )
    parser.add_argument("--no-docs", action="store_true", help="skip building Data Docs")
    parser.add_argument("--context-root", type=Path, help="GX root (default: expectations/gx)")
    args = parser.parse_args(argv)

    suites = [get_suite(n) for n in args.suite] if args.suite else list(ALL_SUITES)
    exit_code = 0
    docs_index = None
    for suite in suites:
        try:
            run = run_suite(
                args.warehouse,
                suite,
                build_docs=not args.no_docs,
                context_root=args.context_root,
            )
        except (SuiteExecutionError, FileNotFoundError) as exc:
            print(f"ERROR {suite.name}: {exc}", file=sys.stderr)
            exit_code = 2
            continue
        passed = len(run.outcomes) - len(run.failed)
        status = "PASS" if run.success else "FAIL"
        print(f"{status} {run.suite_name} ({run.table}): {passed}/{len(run.outcomes)} passed")
        for outcome in run.failed:
            count, example = outcome.unexpected_count, outcome.observed
            print(f"    {outcome.label}: {count} unexpected, e.g. {example}")
        if not run.success and suite.blocking and exit_code == 0:
            exit_code = 1
        docs_index = run.data_docs_index or docs_index
    if docs_index is not None:
        print(f"Data Docs: {docs_index}")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
