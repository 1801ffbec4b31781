"""Stages: time in stage (median, p75) of the visits that left each stage in the period, and
the open deals stalled beyond their team's p75."""

from __future__ import annotations

import altair as alt
import streamlit as st

from kpi_app import context as app_context
from kpi_app import ui

DURATION = "marts.kpi_stage_duration"
RISKS = "marts.kpi_deal_risks"
DURATION_COLUMNS = [
    "stage",
    "stage_order",
    "visits_completed",
    "mean_days",
    "median_days",
    "p75_days",
    "open_visits",
    "open_mean_age_days",
]

context = app_context.current()
warehouse = context.warehouse
period = context.period
ui.page_header("Stages", context)

st.subheader("Time in stage")
if period is not None and ui.require(warehouse, DURATION, DURATION_COLUMNS):
    where, params = ui.scope_filter(context.scope)
    durations = warehouse.query(
        f"select {', '.join(DURATION_COLUMNS)} from {DURATION}"
        f" where {where} and period_grain = ? and period_start = ? order by stage_order",
        [*params, period.grain, period.start],
    )
    if durations.empty:
        st.info(f"No stage visit ended in {period.label} ({context.scope.label}).")
    else:
        for column, stage in zip(st.columns(len(durations)), durations.itertuples(), strict=True):
            column.metric(
                f"{stage.stage}: median · p75",
                f"{ui.decimal(stage.median_days)} · {ui.decimal(stage.p75_days)} days",
                help=f"{stage.visits_completed} visits left the stage in the period",
            )
        bars = durations.melt(
            id_vars=["stage", "stage_order"],
            value_vars=["median_days", "p75_days"],
            var_name="statistic",
            value_name="days",
        ).dropna()
        chart = (
            alt.Chart(bars)
            .mark_bar()
            .encode(
                x=alt.X("days:Q", title="days in stage"),
                y=alt.Y("stage:N", sort=list(durations["stage"]), title=None),
                yOffset="statistic:N",
                color=alt.Color("statistic:N", title=None),
            )
        )
        st.altair_chart(chart, width="stretch")
        st.dataframe(durations.drop(columns="stage_order"), hide_index=True, key="stage_durations")

st.subheader(f"Stalled deals (open as of {context.as_of_date})")
st.caption(
    "Stalled: longer in the current stage than the team's p75 for it (the company's when the "
    "team has too few visits). Inactive: no completed activity in the last days set in dbt var "
    "inactive_after_days."
)
risk_columns = [
    "opportunity_id",
    "rep_id",
    "team",
    "account_id",
    "amount_reporting",
    "current_stage",
    "days_in_stage",
    "stage_p75_days",
    "is_stalled",
    "days_since_last_activity",
    "is_inactive",
]
if ui.require(warehouse, RISKS, risk_columns):
    where, params = ui.rep_filter(context.scope, "risks")
    stalled = warehouse.query(
        "select risks.opportunity_id, opportunities.opportunity_name,"
        " accounts.account_name, coalesce(reps.rep_name, risks.rep_id) as rep,"
        " risks.team, risks.current_stage, risks.amount_reporting, risks.days_in_stage,"
        " risks.stage_p75_days, risks.days_since_last_activity, risks.is_inactive"
        f" from {RISKS} as risks"
        " left join marts.fct_opportunities as opportunities"
        " on opportunities.opportunity_id = risks.opportunity_id"
        " left join marts.dim_accounts as accounts on accounts.account_id = risks.account_id"
        " left join marts.dim_reps as reps on reps.rep_id = risks.rep_id"
        f" where risks.is_stalled and {where}"
        " order by risks.days_in_stage - risks.stage_p75_days desc, risks.opportunity_id",
        params,
    )
    st.metric("Stalled deals", ui.count(len(stalled)))
    if stalled.empty:
        st.success("No open deal is stalled.")
    else:
        st.dataframe(
            stalled,
            hide_index=True,
            key="stalled_deals",
            column_config={
                "amount_reporting": st.column_config.NumberColumn("amount", format="localized")
            },
        )
