"""Sales-target (quota) sheets as a dlt source: one target per rep or team and period."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dlt
from dlt.sources import DltResource

from ingestion.common.files import typed_table_batches
from ingestion.common.ledger import IngestionLedger
from ingestion.common.schema import ColumnSpec, TableSpec
from ingestion.targets.periods import parse_target_periods

SOURCE_NAME = "targets"

QUOTA_SHEET = TableSpec(
    name="sales_target",
    description="Quota sheets: a target amount per rep (or team) and month or quarter.",
    primary_key=(),
    files=("*.csv",),
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


@dlt.source(name=SOURCE_NAME, max_table_nesting=0)
def targets_source(
    landing_dir: str = dlt.config.value, ledger: IngestionLedger | None = None
) -> Iterator[DltResource]:
    """Every quota sheet found under `<landing_dir>/targets/`."""
    landing = Path(landing_dir)
    book = ledger or IngestionLedger(SOURCE_NAME)
    yield dlt.resource(
        typed_table_batches(
            landing, landing / SOURCE_NAME, QUOTA_SHEET, book, parse_target_periods
        ),
        name=QUOTA_SHEET.name,
        primary_key="target_id",
        write_disposition="merge",
    )
