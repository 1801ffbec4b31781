"""Suite specifications: data-quality rules kept as reviewed Python code.

Importing this module (and the suite modules built on it) does not import
great_expectations, so Dagster can build asset checks from ``ALL_SUITES`` cheaply; the GX
expectation objects are only built when a suite runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

# Suite names become file names in the GX stores and Dagster check names.
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class SuiteSpec:
    """One GX expectation suite over one warehouse table.

    Attributes:
        name: unique suite name, ``[a-z][a-z0-9_]*``.
        schema: DuckDB schema of the table, e.g. ``raw_salesforce`` or ``marts``.
        table: table (or view) name.
        asset_key: Dagster asset key path of the table: ``(<source>, <table>)`` for dlt
            raw tables, ``(<schema>, <model_name>)`` for dbt models.
        blocking: whether a failure must stop downstream assets in the same run.
        expectations: zero-argument factory returning fresh GX expectation objects; a
            factory so that importing the suite does not import great_expectations.
        description: one line for Dagster and Data Docs.
    """

    name: str
    schema: str
    table: str
    asset_key: tuple[str, ...]
    blocking: bool
    expectations: Callable[[], Sequence[Expectation]]
    description: str = ""

    def __post_init__(self) -> None:
        if not _NAME_RE.match(self.name):
            raise ValueError(f"suite name {self.name!r} must match {_NAME_RE.pattern}")
        if not self.asset_key or not all(isinstance(p, str) and p for p in self.asset_key):
            raise ValueError(f"suite {self.name}: asset_key must be a non-empty tuple of str")
        if not self.schema or not self.table:
            raise ValueError(f"suite {self.name}: schema and table are required")

    @property
    def qualified_table(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def check_name(self) -> str:
        """Suggested Dagster asset-check name (``[A-Za-z0-9_]+``)."""
        return f"gx_{self.name}"
