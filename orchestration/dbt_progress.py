"""dbt's progress, read from its structured (JSON) log as dagster-dbt streams it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


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
