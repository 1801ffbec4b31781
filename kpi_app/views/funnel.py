"""Funnel: stage conversion and stage-to-win of the cohort that reached each stage in the
period, for the selected scope, beside the company, its team and the rep."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from kpi_app import context as app_context
from kpi_app import ui
from kpi_app.context import Scope

FUNNEL = "marts.kpi_funnel_conversion"
COLUMNS = [
    "from_stage",
    "to_stage",
    "reached_count",
    "advanced_count",
    "dropped_count",
    "open_count",
    "conversion_rate",
    "won_count",
    "lost_count",
    "stage_to_win_rate",
]

context = app_context.current()
warehouse = context.warehouse
period = context.period
ui.page_header("Funnel", context)
st.caption(
    "Cohort of the opportunities that first reached each stage in the period, as of the "
    "as-of date: advanced, dropped (lost without advancing) or still open. "
    "Conversion = advanced / (advanced + dropped); stage-to-win = P(won | reached the stage)."
)
if period is None or not ui.require(warehouse, FUNNEL, ["from_stage_order", *COLUMNS]):
    st.stop()


def funnel_rows(scope: Scope) -> pd.DataFrame:
    where, params = ui.scope_filter(scope)
    return warehouse.query(
        f"select {', '.join(COLUMNS)} from {FUNNEL}"
        f" where {where} and period_grain = ? and period_start = ?"
        " order by from_stage_order",
        [*params, period.grain, period.start],
    )


selected = funnel_rows(context.scope)
if selected.empty:
    st.info(f"No opportunity reached a stage in {period.label} ({context.scope.label}).")
    st.stop()

st.subheader(f"{context.scope.label}: {period.label}")
for column, stage in zip(st.columns(len(selected)), selected.itertuples(), strict=True):
    column.metric(
        f"{stage.from_stage} → {stage.to_stage}",
        ui.rate(stage.conversion_rate),
        f"{ui.rate(stage.stage_to_win_rate)} go on to win",
        delta_color="off",
        delta_arrow="off",
        help=f"{stage.reached_count} reached {stage.from_stage}: {stage.advanced_count} advanced, "
        f"{stage.dropped_count} dropped, {stage.open_count} still open",
    )
chart = (
    alt.Chart(selected)
    .mark_bar()
    .encode(
        x=alt.X("reached_count:Q", title="opportunities that reached the stage"),
        y=alt.Y("from_stage:N", sort=list(selected["from_stage"]), title=None),
        tooltip=["from_stage", "reached_count", "advanced_count", "conversion_rate"],
    )
)
st.altair_chart(chart, width="stretch")
st.dataframe(
    selected,
    hide_index=True,
    key="funnel_selected",
    column_config={
        "conversion_rate": st.column_config.NumberColumn("conversion", format="percent"),
        "stage_to_win_rate": st.column_config.NumberColumn("stage-to-win", format="percent"),
    },
)

# The same cohorts for the company, the team and the rep of the selection (as far as chosen).
reps = app_context.teams_and_reps(warehouse)
scopes = [app_context.resolve_scope(reps, None, None)]
if context.scope.team is not None:
    scopes.append(app_context.resolve_scope(reps, context.scope.team, None))
if context.scope.rep_id is not None:
    scopes.append(context.scope)
if len(scopes) > 1:
    st.subheader("Company, team and rep side by side")
    comparison = pd.concat(
        [
            funnel_rows(scope)[["from_stage", "conversion_rate", "stage_to_win_rate"]].assign(
                scope=scope.label
            )
            for scope in scopes
        ]
    )
    table = comparison.pivot_table(
        index="from_stage",
        columns="scope",
        values=["conversion_rate", "stage_to_win_rate"],
        sort=False,
    )
    table.columns = [f"{metric} · {label}" for metric, label in table.columns]
    st.dataframe(
        table.reindex(list(selected["from_stage"])).reset_index(),
        hide_index=True,
        key="funnel_comparison",
    )
