"""Data-quality asset checks beyond dbt tests: ingestion accounting and Great Expectations.

Great Expectations is imported only when a check runs (it takes seconds to import).
"""

import dagster as dg
import duckdb

from expectations.suites import ALL_SUITES, SuiteSpec
from orchestration import settings


def _raw_table_keys() -> list[dg.AssetKey]:
    from orchestration.defs.ingestion import raw_assets

    return [key for assets in raw_assets for key in assets.keys]


def build_ingestion_accounting_check(asset_key: dg.AssetKey) -> dg.AssetChecksDefinition:
    """Rows in = rows loaded + rows quarantined for every file of the table, and no file refused.

    Refused files warn (the refresh goes on with what could be read); a broken balance fails.
    """
    source_name, table_name = asset_key.path

    @dg.asset_check(
        asset=asset_key,
        name="ingestion_accounting",
        description="Every export row is either loaded or quarantined; no file was refused.",
    )
    def _check() -> dg.AssetCheckResult:
        connection = duckdb.connect(str(settings.warehouse_path()), read_only=True)
        try:
            files = connection.execute(
                "select source_file, rows_in, rows_loaded, rows_quarantined "
                "from quarantine.file_loads where source_name = ? and table_name = ?",
                [source_name, table_name],
            ).fetchall()
            refused = connection.execute(
                "select source_file, reason from quarantine.rejected_files "
                "where source_name = ? and table_name = ?",
                [source_name, table_name],
            ).fetchall()
        finally:
            connection.close()
        unbalanced = [f for f in files if f[1] != f[2] + f[3]]
        metadata = {
            "files": len(files),
            "rows_in": sum(f[1] for f in files),
            "rows_loaded": sum(f[2] for f in files),
            "rows_quarantined": sum(f[3] for f in files),
            "refused_files": dg.MetadataValue.json(dict(refused)),
        }
        if unbalanced:
            return dg.AssetCheckResult(
                passed=False,
                severity=dg.AssetCheckSeverity.ERROR,
                description=f"rows lost in {[f[0] for f in unbalanced]}",
                metadata=metadata,
            )
        return dg.AssetCheckResult(
            passed=not refused,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"{len(refused)} file(s) refused" if refused else None,
            metadata=metadata,
        )

    return _check


def build_expectation_check(suite: SuiteSpec) -> dg.AssetChecksDefinition:
    """A Great Expectations suite, run inside DuckDB, as an asset check on the table it guards.

    A suite that cannot be evaluated raises (the check errors) instead of reporting a failure.
    """

    @dg.asset_check(
        asset=dg.AssetKey(list(suite.asset_key)),
        name=suite.check_name,
        blocking=suite.blocking,
        description=suite.description or f"Great Expectations suite `{suite.name}`.",
    )
    def _check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        from expectations.runner import run_suite

        run = run_suite(
            settings.warehouse_path(),
            suite,
            context_root=settings.data_quality_dir(),
            run_name=context.run.run_id,
        )
        return dg.AssetCheckResult(
            passed=run.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description=None if run.success else f"{len(run.failed)} expectation(s) failed",
            metadata=run.to_metadata(),
        )

    return _check


defs = dg.Definitions(
    asset_checks=[
        *(build_ingestion_accounting_check(key) for key in _raw_table_keys()),
        *(build_expectation_check(suite) for suite in ALL_SUITES),
    ]
)
