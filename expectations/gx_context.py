"""The one place that configures Great Expectations: context, stores, datasource.

Layout under the context root (default ``expectations/gx/``)::

    uncommitted/validations/                  validation results (JSON), one per run
    uncommitted/data_docs/local_site/index.html

Only ``uncommitted/`` is ever written, and it is git-ignored. Suites, validation
definitions and checkpoints live in memory: the suites are Python code (``suites/``), so a
GX JSON copy would be a second, drifting source of truth, and a file context would rewrite
``great_expectations.yml`` on every datasource change, which races when Dagster runs
several checks in parallel processes. Results and Data Docs are on disk, like a file
context's.

Importing this module imports great_expectations (slow); import it lazily.
"""

from __future__ import annotations

import threading
from pathlib import Path

import great_expectations as gx
import sqlalchemy as sa
from great_expectations.core.batch_definition import BatchDefinition
from great_expectations.data_context import AbstractDataContext
from great_expectations.data_context.types.base import DataContextConfig, ProgressBarsConfig

from expectations.duckdb_engine_fix import DuckDBEngineDatasource

DEFAULT_CONTEXT_ROOT = Path(__file__).resolve().parent / "gx"
DATA_DOCS_SITE = "local_site"
_DATASOURCE_NAME = "warehouse"
_BATCH_DEFINITION_NAME = "whole_table"
# Validation results listed on the Data Docs index page (newest first).
_INDEX_VALIDATION_RESULTS = 500

_contexts: dict[Path, AbstractDataContext] = {}
_contexts_lock = threading.Lock()


def resolve_root(context_root: Path | None) -> Path:
    return Path(context_root or DEFAULT_CONTEXT_ROOT).resolve()


def data_docs_index(root: Path) -> Path:
    return root / "uncommitted" / "data_docs" / DATA_DOCS_SITE / "index.html"


def _project_config(root: Path) -> DataContextConfig:
    def in_memory(store_class: str) -> dict[str, object]:
        return {"class_name": store_class, "store_backend": {"class_name": "InMemoryStoreBackend"}}

    def on_disk(base_directory: str) -> dict[str, object]:
        return {
            "class_name": "TupleFilesystemStoreBackend",
            "root_directory": str(root),
            "base_directory": base_directory,
        }

    return DataContextConfig(
        stores={
            "expectations_store": in_memory("ExpectationsStore"),
            "validation_definition_store": in_memory("ValidationDefinitionStore"),
            "checkpoint_store": in_memory("CheckpointStore"),
            "validation_results_store": {
                "class_name": "ValidationResultsStore",
                "store_backend": on_disk("uncommitted/validations/"),
            },
        },
        expectations_store_name="expectations_store",
        validation_results_store_name="validation_results_store",
        checkpoint_store_name="checkpoint_store",
        data_docs_sites={
            DATA_DOCS_SITE: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": on_disk(f"uncommitted/data_docs/{DATA_DOCS_SITE}/"),
                "site_index_builder": {
                    "class_name": "DefaultSiteIndexBuilder",
                    "validation_results_limit": _INDEX_VALIDATION_RESULTS,
                },
                # Validation results only. The suites are code (expectations/suites/), so
                # re-rendering a page per suite on every run (GX's default, and most of the
                # docs time) adds nothing; there is no profiling.
                "site_section_builders": {"expectations": "None", "profiling": "None"},
            }
        },
        # No network here, and nothing to report home; bars only clutter logs.
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )


def get_context(root: Path | None = None) -> AbstractDataContext:
    """Process-wide GX context for ``root`` (created once; creation is cheap, ~5 ms)."""
    root = resolve_root(root)
    with _contexts_lock:
        context = _contexts.get(root)
        if context is None:
            context = gx.get_context(mode="ephemeral", project_config=_project_config(root))
            _contexts[root] = context
        return context


def read_only_url(warehouse_path: Path) -> str:
    """SQLAlchemy URL opening the DuckDB file read-only (never takes the write lock)."""
    url = sa.engine.URL.create(
        "duckdb", database=str(warehouse_path), query={"access_mode": "read_only"}
    )
    return url.render_as_string(hide_password=False)


def warehouse_datasource(
    context: AbstractDataContext, warehouse_path: Path
) -> DuckDBEngineDatasource:
    """(Re)register the read-only DuckDB datasource for ``warehouse_path``.

    Callers must ``dispose()`` it when done, or pooled connections keep the file open.
    """
    datasource = context.data_sources.add_or_update_duckdb_engine(  # type: ignore[attr-defined]
        name=_DATASOURCE_NAME, connection_string=read_only_url(warehouse_path)
    )
    assert isinstance(datasource, DuckDBEngineDatasource)
    return datasource


def table_batch_definition(
    datasource: DuckDBEngineDatasource, schema: str, table: str
) -> BatchDefinition:
    """Whole-table batch of ``schema.table``; raises if the table does not exist."""
    asset = datasource.add_table_asset(
        name=f"{schema}.{table}", table_name=table, schema_name=schema
    )
    return asset.add_batch_definition_whole_table(_BATCH_DEFINITION_NAME)
