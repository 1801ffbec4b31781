"""KPI tables from the published warehouse: `crmkpi kpis` and the summary after a refresh.

One row per scope (company, each team or each rep) and period of a grain, the latest periods
first cut to `periods`, printed as an aligned table, CSV or JSON. The period containing the
as-of date is partial: marked `*` in the table, `is_partial_period` in CSV and JSON.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCOPES = ("company", "team", "rep")
GRAINS = ("week", "month", "quarter")
FORMATS = ("table", "csv", "json")
DEFAULT_PERIODS = 6

# column of kpi_rep_period_performance -> table header
_KPI_COLUMNS = {
    "opportunities_created": "created",
    "opportunities_won": "won",
    "opportunities_lost": "lost",
    "win_rate": "win rate",
    "won_amount": "won amount",
    "avg_deal_size": "avg deal",
    "avg_sales_cycle_days": "cycle d",
    "activities": "activities",
    "target_amount": "target",
    "attainment": "attainment",
}
_RATES = ("win_rate", "attainment")
_PERIOD_LABELS = {
    "week": "strftime(period_start, '%G-W%V')",
    "month": "strftime(period_start, '%Y-%m')",
    "quarter": "strftime(period_start, '%Y-Q') || cast(quarter(period_start) as varchar)",
}
_PERIOD_ENDS = {
    "week": "interval '7 days'",
    "month": "interval '1 month'",
    "quarter": "interval '3 months'",
}


@dataclass(frozen=True)
class KpiTable:
    by: str
    grain: str
    as_of_date: dt.date | None
    columns: tuple[str, ...]  # every row's keys, in order
    rows: list[dict[str, object]]


def _has_column(connection: Any, table: str, column: str) -> bool:
    row = connection.execute(
        "select count(*) from information_schema.columns"
        " where table_schema = 'marts' and table_name = ? and column_name = ?",
        [table, column],
    ).fetchone()
    return bool(row and row[0])


def kpi_table(
    published: Path, by: str = "company", grain: str = "quarter", periods: int = DEFAULT_PERIODS
) -> KpiTable:
    """The KPI rows of the last `periods` periods of `grain`, per `by` scope."""
    if by not in SCOPES or grain not in GRAINS:
        raise ValueError(f"by must be one of {SCOPES} and grain one of {GRAINS}")
    import duckdb  # not at import: the CLI builds its parser from this module's constants

    connection = duckdb.connect(str(published), read_only=True)
    try:
        # Older marts lack the flag: then the period containing the as-of date is the partial one.
        partial = (
            "performance.is_partial_period"
            if _has_column(connection, "kpi_rep_period_performance", "is_partial_period")
            else "performance.as_of_date >= performance.period_start and performance.as_of_date"
            f" < performance.period_start + {_PERIOD_ENDS[grain]}"
        )
        scope_name = {
            "company": "'company'",
            "team": "performance.scope_id",
            "rep": "coalesce(reps.rep_name, performance.scope_id)",
        }[by]
        kpis = ", ".join(f"performance.{column}" for column in _KPI_COLUMNS)
        result = connection.execute(
            "with latest as ("
            " select distinct period_start from marts.kpi_rep_period_performance"
            " where period_grain = ? order by period_start desc limit ?)"
            f" select {scope_name} as {by}, performance.scope_id,"
            f" {_PERIOD_LABELS[grain].replace('period_start', 'performance.period_start')}"
            " as period, performance.period_start, cast("
            f"{partial} as boolean) as is_partial_period, {kpis}"
            " from marts.kpi_rep_period_performance as performance"
            " inner join latest on latest.period_start = performance.period_start"
            " left join marts.dim_reps as reps"
            " on performance.scope = 'rep' and reps.rep_id = performance.scope_id"
            " where performance.scope = ? and performance.period_grain = ?"
            f" order by {by}, performance.scope_id, performance.period_start",
            [grain, periods, by, grain],
        )
        columns = tuple(d[0] for d in result.description)
        rows = [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
        as_of = connection.execute(
            "select max(as_of_date) from marts.kpi_rep_period_performance"
        ).fetchone()
    finally:
        connection.close()
    shown = tuple(c for c in columns if not (by == "company" and c in ("company", "scope_id")))
    return KpiTable(
        by=by,
        grain=grain,
        as_of_date=as_of[0] if as_of else None,
        columns=shown,
        rows=[{c: row[c] for c in shown} for row in rows],
    )


def _cell(value: object, column: str) -> str:
    if value is None:
        return "-"
    if column in _RATES:
        return f"{float(value):.1%}"  # type: ignore[arg-type]
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def render_table(table: KpiTable) -> str:
    keys = [c for c in table.columns if c not in ("scope_id", "period_start", "is_partial_period")]
    headers = [_KPI_COLUMNS.get(c, c) for c in keys]
    cells = []
    for row in table.rows:
        line = [_cell(row[c], c) for c in keys]
        if row["is_partial_period"]:
            line[keys.index("period")] += "*"
        cells.append(line)
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    scope = {"company": "Company", "team": "Team", "rep": "Rep"}[table.by]
    lines = [
        f"{scope} KPIs by {table.grain} (as of {table.as_of_date or '-'};"
        " * partial period, still growing)",
        "  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)),
    ]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def render_csv(table: KpiTable) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if row[c] is None else _plain(row[c]) for c in table.columns])
    return buffer.getvalue()


def render_json(table: KpiTable) -> str:
    document = {
        "by": table.by,
        "grain": table.grain,
        "as_of_date": _plain(table.as_of_date),
        "rows": [{c: _plain(row[c]) for c in table.columns} for row in table.rows],
    }
    return json.dumps(document, indent=2)


RENDERERS = {"table": render_table, "csv": render_csv, "json": render_json}


def print_kpi_summary(
    published: Path,
    by: str = "company",
    grain: str = "quarter",
    output_format: str = "table",
    periods: int = DEFAULT_PERIODS,
) -> None:
    table = kpi_table(published, by, grain, periods)
    text = RENDERERS[output_format](table)
    if output_format != "table":
        print(text, end="" if text.endswith("\n") else "\n")
        return
    print(f"\n{text}")
    print(f"\nPublished warehouse: {published}  (BI: connect read-only, schema `marts`)")
