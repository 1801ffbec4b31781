"""A short, human-readable KPI table, read from the published warehouse after a refresh."""

from __future__ import annotations

from pathlib import Path

import duckdb

_QUARTERS_SHOWN = 6

_SUMMARY_SQL = """
select
    strftime(period_start, '%Y-Q') || cast(quarter(period_start) as varchar) as quarter,
    opportunities_created,
    opportunities_won,
    opportunities_lost,
    win_rate,
    won_amount,
    avg_deal_size,
    avg_sales_cycle_days,
    activities,
    attainment
from marts.kpi_rep_period_performance
where scope = 'company' and period_grain = 'quarter'
order by period_start desc
limit ?
"""

_HEADERS = (
    "quarter",
    "created",
    "won",
    "lost",
    "win rate",
    "won amount",
    "avg deal",
    "cycle d",
    "activities",
    "attainment",
)


def _format(value: object, header: str) -> str:
    if value is None:
        return "-"
    if header in ("win rate", "attainment"):
        return f"{float(value):.1%}"  # type: ignore[arg-type]
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_kpi_summary(warehouse: Path) -> None:
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = connection.execute(_SUMMARY_SQL, [_QUARTERS_SHOWN]).fetchall()
        as_of = connection.execute(
            "select max(as_of_date) from marts.kpi_rep_period_performance"
        ).fetchone()
    finally:
        connection.close()
    cells = [[_format(v, h) for v, h in zip(row, _HEADERS, strict=True)] for row in reversed(rows)]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(_HEADERS)]
    print(f"\nCompany KPIs by quarter (as of {as_of[0] if as_of else '-'})")
    print("  ".join(h.rjust(w) for h, w in zip(_HEADERS, widths, strict=True)))
    for row in cells:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    print(f"\nPublished warehouse: {warehouse}  (BI: connect read-only, schema `marts`)")
