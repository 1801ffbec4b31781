"""Data-quality asset checks beyond dbt tests: ingestion accounting and Great Expectations.

Two steps, each one multi-asset check (Great Expectations takes seconds to import and is
imported once per step; all suites of a step run through one GX checkpoint):

- `raw_quality`, after ingestion and before dbt: every raw table's ingestion accounting
  (rows in = loaded + quarantined) and the raw-layer suites;
- `model_quality`, after dbt and before publishing: the fact and KPI mart suites.

Every check is blocking: a failure with ERROR severity stops everything downstream in the same
run (dbt after `raw_quality`, `published_marts` after `model_quality`), so a bad export never
reaches the published warehouse. A suite that cannot be evaluated (table missing, a query
that errors) fails with ERROR too, saying so: an unevaluated check is not a pass.

Suites are wired only for assets that exist: mart suites for models in the dbt manifest (the
KPI marts arrive over time), raw suites for the raw tables of the configured sources.
Both steps open the working warehouse read-only, in the `warehouse_writer` pool.
"""

import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from expectations.failing_rows import FAILING_ROWS_METADATA_KEY
from expectations.spec import SuiteSpec
from expectations.suites import ALL_SUITES
from orchestration import settings
from orchestration.defs.ingestion import raw_assets
from orchestration.defs.transformation import kpi_dbt_models
from orchestration.progress import progress, step_line
from orchestration.resources import WarehouseWriter

ACCOUNTING_CHECK = "ingestion_accounting"
_SAMPLED_EXPECTATIONS = 5
_SAMPLED_ROWS = 3

RAW_TABLE_KEYS: tuple[dg.AssetKey, ...] = tuple(k for assets in raw_assets for k in assets.keys)
MODEL_KEYS: frozenset[dg.AssetKey] = frozenset(kpi_dbt_models.keys)


def suites_for(keys: Iterable[dg.AssetKey]) -> tuple[SuiteSpec, ...]:
    wanted = set(keys)
    return tuple(s for s in ALL_SUITES if dg.AssetKey(list(s.asset_key)) in wanted)


RAW_SUITES = suites_for(RAW_TABLE_KEYS)
MODEL_SUITES = suites_for(MODEL_KEYS)
#: Suites whose asset is not defined (yet): e.g. a KPI mart not in the dbt project.
UNWIRED_SUITES = tuple(s for s in ALL_SUITES if s not in RAW_SUITES and s not in MODEL_SUITES)


def _suite_spec(suite: SuiteSpec) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=suite.check_name,
        asset=dg.AssetKey(list(suite.asset_key)),
        blocking=suite.blocking,
        description=suite.description or f"Great Expectations suite `{suite.name}`.",
    )


def _accounting_spec(key: dg.AssetKey) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=ACCOUNTING_CHECK,
        asset=key,
        blocking=True,
        description=(
            "Every export row is either loaded or quarantined (fails: rows lost); "
            "warns when a file was refused."
        ),
    )


# --- ingestion accounting ---------------------------------------------------------------


def accounting_results(
    warehouse: Path, keys: Sequence[dg.AssetKey]
) -> Iterator[dg.AssetCheckResult]:
    """One result per raw table: rows in = loaded + quarantined per file, refused files warn."""
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        has_quarantine = connection.execute(
            "select count(*) from information_schema.tables where table_schema = 'quarantine'"
        ).fetchone()
        if not has_quarantine or not has_quarantine[0]:
            loads: list[Any] = []
            refused: list[Any] = []
            rejected: list[Any] = []
        else:
            loads = connection.execute(
                "select source_name, table_name, source_file, rows_in, rows_loaded,"
                " rows_quarantined from quarantine.file_loads order by source_file"
            ).fetchall()
            refused = connection.execute(
                "select source_name, table_name, source_file, reason"
                " from quarantine.rejected_files order by source_file"
            ).fetchall()
            rejected = connection.execute(
                "select source_file, count(*) from quarantine.rejected_rows group by all"
            ).fetchall()
    finally:
        connection.close()
    rejected_by_file = dict(rejected)
    files_by_table: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for row in loads:
        files_by_table[(row[0], row[1])].append(row[2:])
    refused_by_table: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for source_name, table_name, source_file, reason in refused:
        refused_by_table[(source_name, table_name)][source_file] = reason

    for key in keys:
        table = (key.path[0], key.path[1])
        files = files_by_table.get(table, [])
        refused_files = refused_by_table.get(table, {})
        unbalanced = [f[0] for f in files if f[1] != f[2] + f[3]]
        metadata = {
            "files": len(files),
            "rows_in": sum(f[1] for f in files),
            "rows_loaded": sum(f[2] for f in files),
            "rows_quarantined": sum(f[3] for f in files),
            "refused_files": dg.MetadataValue.json(refused_files),
            "per_file": dg.MetadataValue.json(
                {
                    f[0]: {
                        "rows_in": f[1],
                        "rows_loaded": f[2],
                        "rows_quarantined": f[3],
                        "rejected_rows": rejected_by_file.get(f[0], 0),
                    }
                    for f in files
                }
            ),
        }
        if unbalanced:
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name=ACCOUNTING_CHECK,
                passed=False,
                severity=dg.AssetCheckSeverity.ERROR,
                description=f"rows lost in {unbalanced}",
                metadata=metadata,
            )
            continue
        yield dg.AssetCheckResult(
            asset_key=key,
            check_name=ACCOUNTING_CHECK,
            passed=not refused_files,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"{len(refused_files)} file(s) refused" if refused_files else None,
            metadata=metadata,
        )


# --- Great Expectations -----------------------------------------------------------------


def _existing_tables(warehouse: Path) -> set[str]:
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = connection.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
        ).fetchall()
    finally:
        connection.close()
    return {row[0] for row in rows}


def suite_results(
    warehouse: Path,
    suites: Sequence[SuiteSpec],
    run_name: str,
    absent_is_warning: bool = False,
) -> Iterator[dg.AssetCheckResult]:
    """Run `suites` in one GX checkpoint; one check result per suite, with Data Docs links.

    With `absent_is_warning`, a suite whose table does not exist warns instead of erroring:
    a raw table is absent when no export file for it was delivered.
    """
    if not suites:
        return
    from expectations.runner import SuiteExecutionError, validate_suites

    if absent_is_warning:
        existing = _existing_tables(warehouse)
        absent = [s for s in suites if s.qualified_table not in existing]
        for suite in absent:
            yield dg.AssetCheckResult(
                asset_key=dg.AssetKey(list(suite.asset_key)),
                check_name=suite.check_name,
                passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                description=f"{suite.qualified_table} not loaded: no export file for it",
            )
        suites = [s for s in suites if s not in absent]

    runs = validate_suites(
        warehouse,
        suites,
        build_docs=True,
        context_root=settings.data_quality_dir(),
        run_name=run_name,
    )
    samples = _failing_row_samples(warehouse, suites, runs)
    for suite in suites:
        run = runs[suite.name]
        key = dg.AssetKey(list(suite.asset_key))
        if isinstance(run, SuiteExecutionError):
            first_error = next(iter(run.errors.values()), "").strip().splitlines()
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name=suite.check_name,
                passed=False,
                severity=dg.AssetCheckSeverity.ERROR,
                description=(
                    f"could not be evaluated: {first_error[0] if first_error else run}"[:500]
                ),
                metadata={"evaluation_error": dg.MetadataValue.json(run.errors)},
            )
            continue
        metadata = run.to_metadata()
        if suite.name in samples:
            metadata[FAILING_ROWS_METADATA_KEY] = dg.MetadataValue.json(samples[suite.name])
        yield dg.AssetCheckResult(
            asset_key=key,
            check_name=suite.check_name,
            passed=run.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description=None
            if run.success
            else f"{len(run.failed)} expectation(s) failed: "
            + "; ".join(o.label for o in run.failed[:_SAMPLED_EXPECTATIONS]),
            metadata=metadata,
        )


def _failing_row_samples(
    warehouse: Path, suites: Sequence[SuiteSpec], runs: Mapping[str, Any]
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """For each failed suite: expectation label -> a few failing rows with source file/row."""
    from expectations.failing_rows import failing_rows
    from expectations.runner import SuiteRun

    failed = [
        (suite, run)
        for suite in suites
        if isinstance(run := runs.get(suite.name), SuiteRun) and not run.success
    ]
    if not failed:
        return {}
    samples: dict[str, dict[str, list[dict[str, Any]]]] = {}
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        for suite, run in failed:
            per_expectation: dict[str, list[dict[str, Any]]] = {}
            for outcome in run.failed[:_SAMPLED_EXPECTATIONS]:
                try:
                    rows = failing_rows(
                        connection,
                        suite.schema,
                        suite.table,
                        outcome.expectation,
                        outcome.details.get("kwargs") or {},
                        limit=_SAMPLED_ROWS,
                    )
                except duckdb.Error as error:  # a sample is a courtesy: never fail the check
                    per_expectation[outcome.label] = [{"error": str(error).splitlines()[0]}]
                    continue
                per_expectation[outcome.label] = [row.to_json() for row in rows]
            samples[suite.name] = per_expectation
    finally:
        connection.close()
    return samples


def _selected(
    context: dg.AssetCheckExecutionContext, suites: Sequence[SuiteSpec]
) -> list[SuiteSpec]:
    selected = context.selected_asset_check_keys
    return [
        s
        for s in suites
        if dg.AssetCheckKey(dg.AssetKey(list(s.asset_key)), s.check_name) in selected
    ]


def _summarise(
    context: dg.AssetCheckExecutionContext,
    label: str,
    results: list[dg.AssetCheckResult],
    started: float,
) -> None:
    failed = [
        f"{r.asset_key.to_user_string() if r.asset_key else '?'}:{r.check_name}"
        for r in results
        if not r.passed and r.severity == dg.AssetCheckSeverity.ERROR
    ]
    warned = sum(1 for r in results if not r.passed and r.severity == dg.AssetCheckSeverity.WARN)
    progress(
        context,
        step_line(
            label,
            f"{len(results) - len(failed) - warned} passed, {warned} warned, "
            f"{len(failed)} failed{' ' + ', '.join(failed) if failed else ''}",
            time.perf_counter() - started,
        ),
    )


@dg.multi_asset_check(
    name="raw_quality",
    specs=[
        *(_accounting_spec(key) for key in RAW_TABLE_KEYS),
        *(_suite_spec(suite) for suite in RAW_SUITES),
    ],
    can_subset=True,
    pool=settings.WAREHOUSE_WRITER_POOL,
    description="Ingestion accounting and raw-layer Great Expectations suites.",
)
def raw_quality(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseWriter
) -> Iterator[dg.AssetCheckResult]:
    started = time.perf_counter()
    selected = context.selected_asset_check_keys
    accounting_keys = [
        k for k in RAW_TABLE_KEYS if dg.AssetCheckKey(k, ACCOUNTING_CHECK) in selected
    ]
    results = list(accounting_results(warehouse.path, accounting_keys))
    results += suite_results(
        warehouse.path, _selected(context, RAW_SUITES), context.run.run_id, absent_is_warning=True
    )
    _summarise(context, "raw checks", results, started)
    yield from results


@dg.multi_asset_check(
    name="model_quality",
    specs=[_suite_spec(suite) for suite in MODEL_SUITES],
    can_subset=True,
    pool=settings.WAREHOUSE_WRITER_POOL,
    description="Great Expectations suites over the fact and KPI marts.",
)
def model_quality(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseWriter
) -> Iterator[dg.AssetCheckResult]:
    started = time.perf_counter()
    results = list(
        suite_results(warehouse.path, _selected(context, MODEL_SUITES), context.run.run_id)
    )
    _summarise(context, "mart checks", results, started)
    yield from results


defs = dg.Definitions(asset_checks=[raw_quality, model_quality])
