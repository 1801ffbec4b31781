"""Overview: the sales pyramid of one period (activities -> pipeline -> won revenue), target
attainment and pacing, and the last periods side by side."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from kpi_app import context as app_context
from kpi_app import ui

PERFORMANCE = app_context.PERFORMANCE
PRODUCTIVITY = "marts.kpi_activity_productivity"
COVERAGE = "marts.kpi_pipeline_coverage"
PACING = "marts.kpi_target_pacing"
TREND_PERIODS = 8

context = app_context.current()
warehouse = context.warehouse
scope = context.scope
period = context.period
ui.page_header("Overview", context)

if period is None or not ui.require(warehouse, PERFORMANCE):
    st.stop()

where, params = ui.scope_filter(scope)
performance = warehouse.query(
    f"select * from {PERFORMANCE} where {where} and period_grain = ? and period_start <= ?"
    " order by period_start desc limit ?",
    [*params, period.grain, period.start, TREND_PERIODS],
)
current = performance[performance["period_start"].dt.date == period.start]
if current.empty:
    st.info(f"No {scope.label.lower()} figures for {period.label}.")
    st.stop()
row = current.iloc[0]
previous = performance[performance["period_start"].dt.date < period.start].head(1)
before = previous.iloc[0] if not previous.empty else None


def delta(column: str) -> str | None:
    """Change against the previous period; none for a partial period (still growing)."""
    if period.is_partial or before is None:
        return None
    if ui.is_unknown(row[column]) or ui.is_unknown(before[column]):
        return None
    change = float(row[column]) - float(before[column])
    return None if change == 0 else f"{change:+,.0f} vs previous"


st.subheader("The pyramid")
activities_column, pipeline_column, revenue_column = st.columns(3)
with activities_column:
    st.markdown("**Activities**")
    st.metric("Activities", ui.count(row["activities"]), delta("activities"))
    st.metric("Calls", ui.count(row["calls"]), delta("calls"))
    if warehouse.has(PRODUCTIVITY, ["meetings_demos", "emails"]):
        productivity = warehouse.query(
            f"select meetings_demos, emails from {PRODUCTIVITY}"
            f" where {where} and period_grain = ? and period_start = ?",
            [*params, period.grain, period.start],
        )
        if not productivity.empty:
            st.metric("Meetings and demos", ui.count(productivity.iloc[0]["meetings_demos"]))
            st.metric("E-mails", ui.count(productivity.iloc[0]["emails"]))

with pipeline_column:
    st.markdown("**Pipeline**")
    st.metric(
        "Opportunities created",
        ui.count(row["opportunities_created"]),
        delta("opportunities_created"),
    )
    coverage_columns = [
        "period_grain",
        "period_start",
        "open_pipeline_amount",
        "weighted_pipeline_amount",
        "remaining_target",
    ]
    if warehouse.has(COVERAGE, coverage_columns):
        pipeline = warehouse.query(
            "select sum(open_pipeline_amount) as open_pipeline,"
            " sum(weighted_pipeline_amount) as weighted_pipeline,"
            " max(remaining_target) as remaining_target"
            f" from {COVERAGE} where {where} and period_grain = ? and period_start = ?",
            [*params, period.grain, period.start],
        ).iloc[0]
        st.metric("Open pipeline", ui.money(pipeline["open_pipeline"]))
        st.metric("Weighted pipeline", ui.money(pipeline["weighted_pipeline"]))
        remaining = pipeline["remaining_target"]
        coverage = (
            None
            if ui.is_unknown(remaining)
            or remaining == 0
            or ui.is_unknown(pipeline["open_pipeline"])
            else pipeline["open_pipeline"] / remaining
        )
        st.metric("Coverage (open / remaining target)", ui.decimal(coverage, 2) + "x")
    else:
        ui.require(warehouse, COVERAGE, coverage_columns)

with revenue_column:
    st.markdown("**Revenue**")
    st.metric("Won deals", ui.count(row["opportunities_won"]), delta("opportunities_won"))
    st.metric("Won amount", ui.money(row["won_amount"]), delta("won_amount"))
    st.metric("Win rate", ui.rate(row["win_rate"]))
    st.metric("Target", ui.money(row["target_amount"]))
    st.metric("Attainment", ui.rate(row["attainment"]))

st.subheader("Pacing")
pacing_where, pacing_params = ui.rep_filter(scope)
pacing = (
    warehouse.query(
        "select sum(target_amount) as target_amount, sum(won_to_date) as won_to_date,"
        " sum(expected_to_date) as expected_to_date, count(*) as targets"
        f" from {PACING} where {pacing_where} and period_grain = ? and period_start = ?",
        [*pacing_params, period.grain, period.start],
    ).iloc[0]
    if ui.require(warehouse, PACING, ["target_amount", "won_to_date", "expected_to_date"])
    else None
)

if pacing is None:
    pass  # the missing mart is named above
elif int(pacing["targets"]) == 0:
    st.info(
        f"No rep targets for this {period.grain} in the quota sheet, so no pacing "
        "(targets are set per month or quarter)."
    )
else:
    expected = pacing["expected_to_date"]
    pace_ratio = None if not expected else pacing["won_to_date"] / expected
    left, middle, right = st.columns(3)
    left.metric("Won to date (rep targets)", ui.money(pacing["won_to_date"]))
    middle.metric("Expected to date", ui.money(expected))
    right.metric("Pace ratio", ui.decimal(pace_ratio, 2))
    as_of = context.as_of_date or period.end
    last_day = min(period.end - dt.timedelta(days=1), as_of)
    won_where, won_params = ui.rep_filter(scope, "reps")
    won = warehouse.query(
        "select opportunities.closed_date as day, sum(opportunities.amount_reporting) as won"
        " from marts.fct_opportunities as opportunities"
        " left join marts.dim_reps as reps on reps.rep_id = opportunities.rep_id"
        f" where opportunities.is_won and {won_where}"
        " and opportunities.closed_date between ? and ?"
        " group by opportunities.closed_date",
        [*won_params, period.start, last_day],
    )
    days = pd.date_range(period.start, period.end - dt.timedelta(days=1), freq="D")
    period_days = len(days)
    daily = won.set_index(pd.to_datetime(won["day"]))["won"].reindex(days, fill_value=0.0)
    won_series, expected_series = "Won (cumulative)", "Expected (target pro rata)"
    chart_data = pd.DataFrame(
        {
            "day": days,
            won_series: daily.cumsum().where(days <= pd.Timestamp(last_day)),
            expected_series: [
                float(pacing["target_amount"]) * (index + 1) / period_days
                for index in range(period_days)
            ],
        }
    ).melt("day", var_name="series", value_name="amount")
    chart = (
        alt.Chart(chart_data.dropna())
        .mark_line()
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("amount:Q", title="amount (reporting currency)"),
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=[won_series, expected_series], range=[[1, 0], [6, 4]]),
                legend=None,
            ),
        )
    )
    st.altair_chart(chart, width="stretch")

st.subheader(f"Last {TREND_PERIODS} {period.grain}s")
trend = performance.copy()
labels = {p.start: p for p in app_context.periods(warehouse, period.grain, context.as_of_date)}
trend["period"] = [
    app_context.partial_mark(labels[d].label, labels[d].is_partial) if d in labels else str(d)
    for d in trend["period_start"].dt.date
]
st.dataframe(
    trend[
        [
            "period",
            "activities",
            "calls",
            "opportunities_created",
            "opportunities_won",
            "won_amount",
            "win_rate",
            "target_amount",
            "attainment",
        ]
    ],
    hide_index=True,
    key="overview_trend",
    column_config={
        "won_amount": st.column_config.NumberColumn("won amount", format="localized"),
        "target_amount": st.column_config.NumberColumn("target", format="localized"),
        "win_rate": st.column_config.NumberColumn("win rate", format="percent"),
        "attainment": st.column_config.NumberColumn("attainment", format="percent"),
    },
)
