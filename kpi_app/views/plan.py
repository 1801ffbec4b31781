"""Plan ("digital motivation"): a revenue target turned into won deals, demos and calls, in
total and per week left, from the scope's rates in kpi_goal_plan. The target (and the rates)
can be changed to see what a different goal asks for."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpi_app import context as app_context
from kpi_app import ui
from kpi_app.plan import DEMO_STAGE, OPEN_STAGES, PlanRates, what_if_plan

GOAL_PLAN = "marts.kpi_goal_plan"
BASE_COLUMNS = [
    "period_grain",
    "period_start",
    "period_end",
    "target_amount",
    "won_to_date",
    "weeks_left",
    "rate_source",
    "rate_closed_opportunities",
    "avg_deal_size_used",
    *(f"stage_to_win_rate_{stage}_used" for stage in OPEN_STAGES),
]
# activity kind -> its rate column (per qualified opportunity) in kpi_goal_plan
ACTIVITY_RATES = {
    "activities": "activities_per_qualified_opportunity_used",
    "calls": "calls_per_qualified_opportunity_used",
    "meetings_demos": "meetings_demos_per_qualified_opportunity_used",
    "emails": "emails_per_qualified_opportunity_used",
}
ACTIVITY_LABELS = {
    "activities": "Activities",
    "calls": "Calls",
    "meetings_demos": "Meetings and demos",
    "emails": "E-mails",
}

context = app_context.current()
warehouse = context.warehouse
scope = context.scope
ui.page_header("Plan", context, with_period=False)
st.caption(
    "Won deals = remaining target / average deal size; demos = opportunities that must reach "
    "presentation = won deals / P(won | reached presentation); activities = demos x "
    "activities per qualified opportunity. Each per week left in the target period."
)
if not ui.require(warehouse, GOAL_PLAN, BASE_COLUMNS):
    st.stop()

scoped = warehouse.has(GOAL_PLAN, ["scope", "scope_id"])
if scoped:
    where, params = ui.scope_filter(scope)
elif scope.kind == "rep":
    where, params = "rep_id = ?", [scope.rep_id]
else:
    ui.require(warehouse, GOAL_PLAN, ["scope", "scope_id"])
    st.caption("This warehouse plans per rep only: choose a rep in the sidebar.")
    st.stop()

rate_columns = [c for c in ACTIVITY_RATES.values() if warehouse.has(GOAL_PLAN, [c])]
plans = warehouse.query(
    f"select {', '.join([*BASE_COLUMNS, *rate_columns])} from {GOAL_PLAN} where {where}"
    " order by period_end, period_grain",
    params,
)
if plans.empty:
    st.info(
        f"No goal plan for {scope.label}: plans exist for target periods that are not over "
        "yet, for scopes with a target in the quota sheet."
    )
    st.stop()

plans["label"] = [
    f"{grain} {app_context.period_label(grain, start.date())} (to {end.date()})"
    for grain, start, end in zip(
        plans["period_grain"], plans["period_start"], plans["period_end"], strict=True
    )
]
default = 0
if context.period is not None:
    matches = plans.index[
        (plans["period_grain"] == context.period.grain)
        & (plans["period_start"].dt.date == context.period.start)
    ]
    default = int(matches[0]) if len(matches) else 0
choice = st.selectbox(
    "Target period", list(plans.index), index=default, format_func=lambda i: plans.at[i, "label"]
)
row = plans.loc[choice]
key = f"{scope.kind}_{scope.scope_id}_{row['period_grain']}_{row['period_start'].date()}"


def known(value: object) -> float | None:
    return None if ui.is_unknown(value) else float(value)  # type: ignore[arg-type]


left, right = st.columns(2)
target = left.number_input(
    "Target",
    min_value=0.0,
    value=float(row["target_amount"]),
    step=10_000.0,
    format="%.0f",
    key=f"target_{key}",
)
left.caption(
    f"Loaded target: {ui.money(row['target_amount'])}; won to date {ui.money(row['won_to_date'])}."
)
with right.expander("Rates (from kpi_goal_plan; change them for a what-if)"):
    st.caption(
        f"Rates of the {row['rate_source']} ({ui.count(row['rate_closed_opportunities'])} "
        "closed opportunities in the trailing window)."
    )
    avg_deal = st.number_input(
        "Average deal size",
        min_value=0.0,
        value=known(row["avg_deal_size_used"]),
        step=1_000.0,
        format="%.0f",
        key=f"avg_deal_{key}",
    )
    demo_rate_percent = st.number_input(
        "P(won | reached presentation) %",
        min_value=0.0,
        max_value=100.0,
        value=(
            None
            if known(row[f"stage_to_win_rate_{DEMO_STAGE}_used"]) is None
            else 100 * float(row[f"stage_to_win_rate_{DEMO_STAGE}_used"])
        ),
        step=1.0,
        key=f"demo_rate_{key}",
    )

stage_rates = {stage: known(row[f"stage_to_win_rate_{stage}_used"]) for stage in OPEN_STAGES}
stage_rates[DEMO_STAGE] = None if demo_rate_percent is None else demo_rate_percent / 100
rates = PlanRates(
    avg_deal_size=avg_deal,
    stage_to_win=stage_rates,
    per_qualified_opportunity={
        kind: known(row[column])
        for kind, column in ACTIVITY_RATES.items()
        if column in rate_columns
    },
)
plan = what_if_plan(target, float(row["won_to_date"]), rates, float(row["weeks_left"]))


def per_week(value: int | None) -> str:
    return f"{ui.decimal(plan.per_week(value))} per week"


st.subheader(f"{ui.money(plan.remaining_amount)} to go in {ui.decimal(plan.weeks_left)} weeks")
needed = [
    ("Won deals needed", plan.required_won_deals),
    ("Demos needed", plan.required_demos),
    *((f"{ACTIVITY_LABELS[kind]} needed", n) for kind, n in plan.required_activities.items()),
]
for column, (label, required) in zip(st.columns(len(needed)), needed, strict=True):
    column.metric(
        label, ui.count(required), per_week(required), delta_color="off", delta_arrow="off"
    )
if plan.required_won_deals is None:
    st.info("Without an average deal size for this scope, the plan cannot be worked out.")

st.subheader("Opportunities needed per stage")
st.dataframe(
    pd.DataFrame(
        {
            "stage": list(OPEN_STAGES),
            "P(won | reached stage)": [rates.stage_to_win[s] for s in OPEN_STAGES],
            "opportunities needed": [plan.required_opportunities[s] for s in OPEN_STAGES],
            "per week": [plan.per_week(plan.required_opportunities[s]) for s in OPEN_STAGES],
        }
    ),
    hide_index=True,
    key="plan_stages",
    column_config={
        "P(won | reached stage)": st.column_config.NumberColumn(format="percent"),
        "per week": st.column_config.NumberColumn(format="%.1f"),
    },
)
