"""Run a :class:`~expectations.spec.SuiteSpec` against the DuckDB warehouse.

Expectations are evaluated by DuckDB through SQL (GX's SQLAlchemy engine, fixed for DuckDB
in :mod:`expectations.duckdb_engine_fix`); no table is pulled into pandas. The warehouse is
opened read-only and every connection is closed before ``run_suite`` returns.

Importing this module is cheap; great_expectations is imported on the first run.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from expectations.spec import SuiteSpec

# GX contexts and datasources are not thread-safe; one suite at a time per process.
_run_lock = threading.Lock()

# BASIC: counts plus the first 20 unexpected values, each fetched with a SQL LIMIT.
# SUMMARY would add an unbounded GROUP BY of all unexpected values; COMPLETE every row.
_RESULT_FORMAT = "BASIC"
_CHECKPOINT_NAME = "crmkpi_suites"


class SuiteExecutionError(RuntimeError):
    """The suite could not be evaluated: an error, never a data-quality failure.

    GX reports a broken query as ``success=False`` with the exception hidden in
    ``exception_info``; treating that as a failed check would blame the data for a bug.
    """

    def __init__(self, suite_name: str, errors: Mapping[str, str]) -> None:
        self.suite_name = suite_name
        self.errors = dict(errors)
        lines = [
            f"{label}: {message.splitlines()[0] if message else '?'}"
            for label, message in self.errors.items()
        ]
        super().__init__(f"suite {suite_name} could not be evaluated:\n  " + "\n  ".join(lines))


@dataclass(frozen=True)
class ExpectationOutcome:
    """Result of one expectation.

    ``column`` is the column, ``"a,b"`` for column-pair / multi-column expectations, or
    None for table-level ones. ``observed`` is GX's ``observed_value`` when it has one,
    else the first (at most 20) unexpected values. ``details`` holds JSON-serialisable
    ``kwargs``, ``result`` and ``description``.
    """

    expectation: str
    column: str | None
    success: bool
    unexpected_count: int | None
    observed: object
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Human-readable identity, e.g. ``expect_column_values_to_be_unique(id)``."""
        description = self.details.get("description")
        if description:
            return f"{self.expectation}: {description}"
        return f"{self.expectation}({self.column})" if self.column else self.expectation


@dataclass(frozen=True)
class SuiteRun:
    """Outcome of one suite run. ``success`` is True iff every expectation passed."""

    suite_name: str
    table: str
    success: bool
    outcomes: list[ExpectationOutcome]
    data_docs_index: Path | None
    elapsed_s: float
    data_docs_page: Path | None = None

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    def to_metadata(self) -> dict[str, Any]:
        """Plain JSON-able summary, e.g. for Dagster ``AssetCheckResult.metadata``."""
        metadata: dict[str, Any] = {
            "suite": self.suite_name,
            "table": self.table,
            "expectations": len(self.outcomes),
            "failed_expectations": len(self.failed),
            "failures": {o.label: o.unexpected_count for o in self.failed},
            "elapsed_s": round(self.elapsed_s, 3),
        }
        if self.data_docs_page is not None:
            metadata["data_docs_page"] = str(self.data_docs_page)
        if self.data_docs_index is not None:
            metadata["data_docs_index"] = str(self.data_docs_index)
        return metadata


def run_suite(
    warehouse_path: Path,
    suite: SuiteSpec,
    *,
    build_docs: bool = True,
    context_root: Path | None = None,
    run_name: str | None = None,
) -> SuiteRun:
    """Validate ``suite`` against its table in the DuckDB file ``warehouse_path``.

    Args:
        warehouse_path: DuckDB file; opened read-only, closed again before returning.
        suite: the suite to run.
        build_docs: also render this result into Data Docs (~0.2 s).
        context_root: GX root; default ``expectations/gx``. Only ``uncommitted/`` is written.
        run_name: GX run name shown in Data Docs, e.g. the Dagster run id.

    Raises:
        FileNotFoundError: no warehouse file.
        SuiteExecutionError: the table is missing, or any expectation raised instead of
            evaluating (GX's silent ``exception_info`` mode).
    """
    (result,) = validate_suites(
        warehouse_path, [suite], build_docs=build_docs, context_root=context_root, run_name=run_name
    ).values()
    if isinstance(result, SuiteExecutionError):
        raise result
    return result


def validate_suites(
    warehouse_path: Path,
    suites: Iterable[SuiteSpec],
    *,
    build_docs: bool = True,
    context_root: Path | None = None,
    run_name: str | None = None,
) -> dict[str, SuiteRun | SuiteExecutionError]:
    """Validate several suites in one go: one read-only connection pool, one GX checkpoint,
    one Data Docs update. Keyed by suite name, in the order given.

    A suite that cannot be evaluated (missing table, an expectation that raised, the file
    locked by a writer) maps to its :class:`SuiteExecutionError` instead of a result; the
    other suites still run. ``elapsed_s`` of each result is the time of the whole batch.

    Raises:
        FileNotFoundError: no warehouse file.
    """
    suites = list(suites)
    warehouse_path = Path(warehouse_path).resolve()
    if not warehouse_path.is_file():
        raise FileNotFoundError(f"DuckDB warehouse not found: {warehouse_path}")

    # Lazy: importing great_expectations costs 3-10 s.
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.datasource.fluent.interfaces import TestConnectionError

    from expectations import gx_context

    root = gx_context.resolve_root(context_root)
    started = time.perf_counter()
    results: dict[str, SuiteRun | SuiteExecutionError] = {}
    gx_suites: dict[str, Any] = {}
    suite_results: dict[str, tuple[Any, Any]] = {}
    with _run_lock:
        context = gx_context.get_context(root)
        try:
            # GX tests the connection here, so a writer holding the file fails fast.
            datasource = gx_context.warehouse_datasource(context, warehouse_path)
        except TestConnectionError as exc:
            return {
                s.name: SuiteExecutionError(s.name, {str(warehouse_path): str(exc)}) for s in suites
            }
        try:
            batch_definitions: dict[str, Any] = {}
            validations = []
            for suite in suites:
                try:
                    if suite.qualified_table not in batch_definitions:
                        batch_definitions[suite.qualified_table] = (
                            gx_context.table_batch_definition(datasource, suite.schema, suite.table)
                        )
                except TestConnectionError as exc:
                    results[suite.name] = SuiteExecutionError(
                        suite.name, {suite.qualified_table: str(exc)}
                    )
                    continue
                gx_suite = context.suites.add_or_update(
                    gx.ExpectationSuite(name=suite.name, expectations=list(suite.expectations()))
                )
                gx_suites[suite.name] = gx_suite
                validations.append(
                    context.validation_definitions.add_or_update(
                        gx.ValidationDefinition(
                            name=suite.name,
                            data=batch_definitions[suite.qualified_table],
                            suite=gx_suite,
                        )
                    )
                )
            if validations:
                actions = [UpdateDataDocsAction(name="update_data_docs")] if build_docs else []
                # A checkpoint left from the previous call refers to the assets of the
                # datasource it replaced: drop it rather than let GX load and update it.
                store = context.checkpoint_store
                stale = store.get_key(name=_CHECKPOINT_NAME, id=None)
                if store.has_key(stale):
                    store.remove_key(stale)
                checkpoint = context.checkpoints.add(
                    gx.Checkpoint(
                        name=_CHECKPOINT_NAME,
                        validation_definitions=validations,
                        actions=actions,
                        result_format=_RESULT_FORMAT,
                    )
                )
                run_id = RunIdentifier(run_name=run_name, run_time=dt.datetime.now(dt.UTC))
                checkpoint_result = checkpoint.run(run_id=run_id)
                for result_id, suite_result in checkpoint_result.run_results.items():
                    suite_results[suite_result.suite_name] = (result_id, suite_result)
        finally:
            datasource.dispose()

        docs_index = gx_context.data_docs_index(root) if build_docs else None
        docs_pages = {
            name: _docs_page(context, result_id) if build_docs else None
            for name, (result_id, _) in suite_results.items()
        }

    elapsed = time.perf_counter() - started
    for suite in suites:
        if suite.name in results:
            continue
        if suite.name not in suite_results:
            results[suite.name] = SuiteExecutionError(suite.name, {"suite": "no validation result"})
            continue
        gx_suite = gx_suites[suite.name]
        try:
            outcomes = _outcomes(
                suite.name,
                [e.id for e in gx_suite.expectations],
                suite_results[suite.name][1].results,
            )
        except SuiteExecutionError as error:
            results[suite.name] = error
            continue
        results[suite.name] = SuiteRun(
            suite_name=suite.name,
            table=suite.qualified_table,
            success=all(o.success for o in outcomes),
            outcomes=outcomes,
            data_docs_index=docs_index,
            elapsed_s=elapsed,
            data_docs_page=docs_pages.get(suite.name),
        )
    return {s.name: results[s.name] for s in suites}


def run_suites(
    warehouse_path: Path,
    suites: Iterable[SuiteSpec] | None = None,
    *,
    build_docs: bool = True,
    context_root: Path | None = None,
    run_name: str | None = None,
) -> list[SuiteRun]:
    """Run several suites (default: all registered); raises the first SuiteExecutionError."""
    if suites is None:
        from expectations.suites import ALL_SUITES

        suites = ALL_SUITES
    runs = validate_suites(
        warehouse_path, suites, build_docs=build_docs, context_root=context_root, run_name=run_name
    )
    for run in runs.values():
        if isinstance(run, SuiteExecutionError):
            raise run
    return list(runs.values())  # type: ignore[arg-type]


def _docs_page(context: Any, result_id: Any) -> Path | None:
    from expectations.gx_context import DATA_DOCS_SITE

    urls = context.get_docs_sites_urls(resource_identifier=result_id, site_name=DATA_DOCS_SITE)
    site_url = urls[0].get("site_url") if urls else None
    if not site_url or not site_url.startswith("file://"):
        return None
    return Path(unquote(urlparse(site_url).path))


def _raised_exceptions(exception_info: Mapping[str, Any] | None) -> list[str]:
    """Messages of exceptions GX caught while evaluating one expectation.

    ``exception_info`` is either one ``{"raised_exception": ..., ...}`` record or a dict of
    such records keyed by metric id.
    """
    if not exception_info:
        return []
    if "raised_exception" in exception_info:
        records: Iterable[Any] = [exception_info]
    else:
        records = exception_info.values()
    return [
        str(r.get("exception_message") or "exception without message")
        for r in records
        if isinstance(r, Mapping) and r.get("raised_exception")
    ]


def _outcomes(
    suite_name: str, expectation_ids: list[str | None], results: list[Any]
) -> list[ExpectationOutcome]:
    from great_expectations.util import convert_to_json_serializable

    if len(results) != len(expectation_ids):
        raise SuiteExecutionError(
            suite_name, {"suite": f"{len(results)} results for {len(expectation_ids)} expectations"}
        )
    # GX does not keep suite order; report in the order the suite is written.
    by_id = {r.expectation_config.id: r for r in results}
    ordered = [by_id[i] for i in expectation_ids] if set(by_id) == set(expectation_ids) else results

    outcomes: list[ExpectationOutcome] = []
    errors: dict[str, str] = {}
    for r in ordered:
        config = r.expectation_config
        kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
        if "column" in kwargs:
            column: str | None = str(kwargs["column"])
        elif "column_A" in kwargs:
            column = f"{kwargs['column_A']},{kwargs['column_B']}"
        elif "column_list" in kwargs:
            column = ",".join(map(str, kwargs["column_list"]))
        else:
            column = None
        result = dict(r.result or {})
        if "unexpected_count" in result:
            unexpected_count = result["unexpected_count"]
        elif config.type == "unexpected_rows_expectation":
            # Its observed value is the number of unexpected rows.
            unexpected_count = result.get("observed_value")
        else:
            unexpected_count = None
        observed = result.get("observed_value", result.get("partial_unexpected_list"))
        outcome = ExpectationOutcome(
            expectation=config.type,
            column=column,
            success=bool(r.success),
            unexpected_count=None if unexpected_count is None else int(unexpected_count),
            observed=convert_to_json_serializable(observed),
            details={
                "kwargs": convert_to_json_serializable(kwargs),
                "result": convert_to_json_serializable(result),
                "description": config.description,
            },
        )
        messages = _raised_exceptions(r.exception_info)
        if messages:
            errors[outcome.label] = "; ".join(messages)
        outcomes.append(outcome)
    if errors:
        raise SuiteExecutionError(suite_name, errors)
    return outcomes
