"""Sales-target (quota) sheets as a dlt source: one target per rep or team and period.

CSV (any encoding and delimiter the other exports accept) or XLSX (the first worksheet).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dlt
from dlt.sources import DltResource

from ingestion.common.files import TableSource, table_resource
from ingestion.common.ledger import IngestionLedger
from ingestion.common.schema import ColumnSpec, TableSpec
from ingestion.targets.periods import TARGET_SCHEMA, parse_target_periods

SOURCE_NAME = "targets"

QUOTA_SHEET = TableSpec(
    name="sales_target",
    description="Quota sheets: a target amount per rep (or team) and month or quarter.",
    primary_key=(),
    files=("*.csv", "*.txt", "*.tsv", "*.xlsx", "*.xlsm", "*.xls"),
    columns=(
        ColumnSpec("rep_email", aliases=("email", "owner_email", "sales_rep_email", "user_email")),
        ColumnSpec("rep_name", aliases=("rep", "sales_rep", "owner", "owner_name")),
        ColumnSpec("team", aliases=("team_name", "department", "sales_team")),
        ColumnSpec("period", required=True, aliases=("quarter", "month", "fiscal_period")),
        ColumnSpec(
            "target_amount",
            "double",
            required=True,
            non_negative=True,
            aliases=("quota", "target", "quota_amount", "amount"),
        ),
        ColumnSpec("currency", aliases=("currency_iso_code", "currency_code")),
    ),
)

QUOTA_TABLE = TableSource(
    spec=QUOTA_SHEET,
    folder=SOURCE_NAME,
    refine=parse_target_periods,
    key=("target_id",),
    schema=TARGET_SCHEMA,
)


@dlt.source(name=SOURCE_NAME, max_table_nesting=0)
def targets_source(
    landing_dir: str = dlt.config.value, ledger: IngestionLedger | None = None
) -> Iterator[DltResource]:
    """Every quota sheet found under `<landing_dir>/targets/`."""
    yield table_resource(QUOTA_TABLE, Path(landing_dir), ledger or IngestionLedger(SOURCE_NAME))
