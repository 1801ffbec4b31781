"""Coaching: per rep, activities per qualified opportunity, follow-ups before advance against
the team median, completion and response rates, and the low-follow-up and missing-playbook
flags."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpi_app import context as app_context
from kpi_app import ui

EFFECTIVENESS = "marts.kpi_activity_effectiveness"
PRODUCTIVITY = "marts.kpi_activity_productivity"
OUTCOMES = "marts.kpi_activity_outcomes"
RISKS = "marts.kpi_deal_risks"
RATE_COLUMNS = [
    "activities",
    "calls",
    "qualified_opportunities",
    "activities_per_qualified_opportunity",
    "calls_per_qualified_opportunity",
]
FOLLOWUP_COLUMNS = [
    "rep_id",
    "stage",
    "advanced_visits",
    "followups_before_advance_mean",
    "team_median_followups",
    "is_low_followup",
]

context = app_context.current()
warehouse = context.warehouse
scope = context.scope
period = context.period
ui.page_header("Coaching", context)
if period is None:
    st.stop()

reps = app_context.teams_and_reps(warehouse)
in_scope = reps
if scope.kind == "team":
    in_scope = reps[reps["team"] == scope.team]
elif scope.kind == "rep":
    in_scope = reps[reps["rep_id"] == scope.rep_id]
rep_ids = list(in_scope["rep_id"])
if not rep_ids:
    st.info(f"No reps in {scope.label}.")
    st.stop()
placeholders = ", ".join("?" for _ in rep_ids)
period_params = [period.grain, period.start]


def rep_rates() -> pd.DataFrame | None:
    """Rep-period activity figures: the productivity mart, else the older effectiveness mart,
    which repeats them on each stage row (one row per rep is read)."""
    if warehouse.has(PRODUCTIVITY, ["scope", "scope_id", *RATE_COLUMNS]):
        return warehouse.query(
            f"select scope_id as rep_id, {', '.join(RATE_COLUMNS)} from {PRODUCTIVITY}"
            " where scope = 'rep' and period_grain = ? and period_start = ?"
            f" and scope_id in ({placeholders})",
            [*period_params, *rep_ids],
        )
    if warehouse.has(EFFECTIVENESS, RATE_COLUMNS):
        return warehouse.query(
            f"select rep_id, {', '.join(f'max({c}) as {c}' for c in RATE_COLUMNS)}"
            f" from {EFFECTIVENESS} where period_grain = ? and period_start = ?"
            f" and rep_id in ({placeholders}) group by rep_id",
            [*period_params, *rep_ids],
        )
    ui.require(warehouse, PRODUCTIVITY, ["scope", "scope_id", *RATE_COLUMNS])
    return None


summary = in_scope[["rep_id", "rep_name", "team"]].copy()
rates = rep_rates()
if rates is not None:
    summary = summary.merge(rates, on="rep_id", how="left")

followups = None
if ui.require(warehouse, EFFECTIVENESS, FOLLOWUP_COLUMNS):
    followups = warehouse.query(
        f"select {', '.join(FOLLOWUP_COLUMNS)} from {EFFECTIVENESS}"
        f" where period_grain = ? and period_start = ? and rep_id in ({placeholders})"
        " order by rep_id, case stage when 'qualification' then 1 when 'presentation' then 2"
        " when 'proposal' then 3 else 4 end",
        [*period_params, *rep_ids],
    )
    flagged = (
        followups[followups["is_low_followup"].fillna(False).astype(bool)]
        .groupby("rep_id")
        .size()
        .rename("low_followup_stages")
    )
    summary = summary.merge(flagged, on="rep_id", how="left")
    summary["low_followup_stages"] = summary["low_followup_stages"].fillna(0).astype(int)

if warehouse.has(RISKS, ["rep_id", "is_missing_playbook_activity"]):
    playbook = warehouse.query(
        "select rep_id, count(*) filter (where is_missing_playbook_activity)"
        " as deals_missing_playbook"
        f" from {RISKS} where rep_id in ({placeholders}) group by rep_id",
        rep_ids,
    )
    summary = summary.merge(playbook, on="rep_id", how="left")
    summary["deals_missing_playbook"] = summary["deals_missing_playbook"].fillna(0).astype(int)

st.subheader("Reps")
st.dataframe(
    summary.drop(columns="rep_id"),
    hide_index=True,
    key="coaching_reps",
    column_config={
        "activities_per_qualified_opportunity": st.column_config.NumberColumn(
            "activities / qualified opp.", format="%.1f"
        ),
        "calls_per_qualified_opportunity": st.column_config.NumberColumn(
            "calls / qualified opp.", format="%.1f"
        ),
    },
)

attention = []
for rep in summary.itertuples():
    notes = []
    if followups is not None:
        low = followups[
            (followups["rep_id"] == rep.rep_id)
            & followups["is_low_followup"].fillna(False).astype(bool)
        ]
        notes += [
            f"low follow-up in {f.stage} ({ui.decimal(f.followups_before_advance_mean)} "
            f"against a team median of {ui.decimal(f.team_median_followups)})"
            for f in low.itertuples()
        ]
    missing_count = getattr(rep, "deals_missing_playbook", 0)
    if missing_count:
        notes.append(f"{missing_count} open deal(s) missing a playbook activity")
    if notes:
        attention.append(f"- **{rep.rep_name}**: {'; '.join(notes)}")
st.markdown("**Needs attention**")
st.markdown("\n".join(attention) if attention else "No rep is flagged in this period.")

st.subheader("Follow-ups before advance, against the team median")
st.caption(
    "Mean activities on the deal during stage visits that ended by advancing in the period. "
    "Low follow-up: below half the team median (dbt var low_followup_ratio)."
)
if followups is not None:
    names = dict(zip(reps["rep_id"], reps["rep_name"], strict=True))
    shown = followups[followups["advanced_visits"] > 0].copy()
    if shown.empty:
        st.info(f"No stage visit of these reps ended by advancing in {period.label}.")
    else:
        shown.insert(0, "rep", shown.pop("rep_id").map(names))
        st.dataframe(shown, hide_index=True, key="coaching_followups")

st.subheader("Completion and response rates")
outcome_columns = ["scope", "scope_id", "activity_type", "completion_rate", "response_rate"]
if ui.require(warehouse, OUTCOMES, outcome_columns):
    outcomes = warehouse.query(
        f"select * exclude (scope, period_grain, period_start) from {OUTCOMES}"
        " where scope = 'rep' and period_grain = ? and period_start = ?"
        f" and scope_id in ({placeholders}) order by scope_id, activity_type",
        [*period_params, *rep_ids],
    )
    names = dict(zip(reps["rep_id"], reps["rep_name"], strict=True))
    outcomes.insert(0, "rep", outcomes.pop("scope_id").map(names))
    st.caption("Empty where the export records no such outcome.")
    st.dataframe(
        outcomes.drop(columns=[c for c in ("as_of_date",) if c in outcomes]),
        hide_index=True,
        key="coaching_outcomes",
        column_config={
            "completion_rate": st.column_config.NumberColumn("completion", format="percent"),
            "response_rate": st.column_config.NumberColumn("response", format="percent"),
        },
    )

st.subheader("Deals missing a playbook activity")
if ui.require(warehouse, RISKS, ["missing_playbook_activities", "is_missing_playbook_activity"]):
    missing = warehouse.query(
        "select risks.opportunity_id, coalesce(reps.rep_name, risks.rep_id) as rep,"
        " risks.current_stage, risks.missing_playbook_activities"
        f" from {RISKS} as risks left join marts.dim_reps as reps on reps.rep_id = risks.rep_id"
        f" where risks.is_missing_playbook_activity and risks.rep_id in ({placeholders})"
        " order by rep, risks.opportunity_id",
        rep_ids,
    )
    if missing.empty:
        st.success("Every open deal has its playbook activities.")
    else:
        st.dataframe(missing, hide_index=True, key="coaching_playbook")
