"""What a dbt build tells: its progress, read from its structured (JSON) log as dagster-dbt
streams it, and a few failing rows of each failed blocking test once it has ended."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg


class DbtBuildTally:
    """Counts dbt's nodes from its structured log: done of total for the progress bar, the final
    stats for the step line, and the error messages worth showing when the build fails."""

    def __init__(self) -> None:
        self.total: int | None = None
        self.finished: set[int] = set()
        self.stats: dict[str, int] = {}
        self.errors: list[str] = []

    def observe(self, raw_event: Mapping[str, Any]) -> None:
        info, data = raw_event.get("info") or {}, raw_event.get("data") or {}
        name = info.get("name")
        if name == "ConcurrencyLine" and data.get("node_count"):
            self.total = int(data["node_count"])
        elif name == "StatsLine":
            self.stats = {k: int(v) for k, v in (data.get("stats") or {}).items()}
        elif name != "LogStartLine" and isinstance(data.get("index"), int):
            self.finished.add(data["index"])  # one result line per node, whatever its status
            self.total = self.total or data.get("total") or data.get("num_models")
        if info.get("level") == "error" and str(info.get("msg") or "").strip():
            self.errors.append(str(info["msg"]).strip())

    @property
    def summary(self) -> str:
        if not self.stats:
            return f"{len(self.finished):,} of {self.total or '?'} nodes ran"
        stats = self.stats
        return (
            f"{stats.get('total', 0):,} nodes: {stats.get('pass', 0):,} passed, "
            f"{stats.get('warn', 0)} warned, {stats.get('error', 0)} errors, "
            f"{stats.get('skip', 0)} skipped"
        )


def is_blocking_failure(event: object) -> bool:
    return (
        isinstance(event, dg.AssetCheckResult)
        and not event.passed
        and event.severity == dg.AssetCheckSeverity.ERROR
    )


def _tested_relation(
    manifest: Mapping[str, Any], test: Mapping[str, Any]
) -> tuple[str, str] | None:
    """(schema, table) of the model or source a generic test is attached to."""
    attached = test.get("attached_node") or next(iter(test["depends_on"]["nodes"][:1]), None)
    node = manifest["nodes"].get(attached) or manifest.get("sources", {}).get(attached)
    if not node:
        return None
    return str(node["schema"]), str(node.get("alias") or node.get("identifier") or node["name"])


def with_failing_rows(
    held: list[dg.AssetCheckResult], invocation: Any, warehouse: Path
) -> Iterator[dg.AssetCheckResult]:
    """`held` failed test results, each with a few failing rows and their export file/row."""
    if not held:
        return
    import duckdb

    from expectations.failing_rows import FAILING_ROWS_METADATA_KEY, failing_rows_of_test

    try:
        compiled = {
            r["unique_id"]: r.get("compiled_code")
            for r in invocation.get_artifact("run_results.json")["results"]
        }
    except (OSError, ValueError, KeyError):
        compiled = {}
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        for result in held:
            unique_id = result.metadata.get("unique_id")
            test = invocation.manifest["nodes"].get(getattr(unique_id, "value", unique_id)) or {}
            sql = compiled.get(test.get("unique_id"))
            if not sql:
                yield result
                continue
            try:
                rows = [
                    row.to_json()
                    for row in failing_rows_of_test(
                        connection,
                        sql,
                        _tested_relation(invocation.manifest, test),
                        test.get("column_name"),
                    )
                ]
            except duckdb.Error as error:  # a sample is a courtesy: never hide the failure
                rows = [{"error": str(error).splitlines()[0]}]
            metadata = {
                **result.metadata,
                FAILING_ROWS_METADATA_KEY: dg.MetadataValue.json({result.check_name: rows}),
            }
            yield result._replace(metadata=metadata)
    finally:
        connection.close()
