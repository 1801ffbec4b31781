"""What every page works on: the published file and the sidebar's filters (grain, period,
team, rep), resolved into one scope (company, team or rep) and one period.

The entry script builds the context once per script run and keeps it in the session, so each
page (a file run by `st.navigation`) reads the same selection.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from kpi_app.warehouse import PublishedWarehouse

GRAINS = ("quarter", "month", "week")
ALL_TEAMS = "All teams"
ALL_REPS = "All reps"
_CONTEXT_KEY = "kpi_app_context"
PERFORMANCE = "marts.kpi_rep_period_performance"


@dataclass(frozen=True)
class Scope:
    """company (scope_id None), a team (its name) or a rep (rep id), as the marts key them."""

    kind: str
    scope_id: str | None
    label: str
    team: str | None = None  # the team filter: a team scope's name, or a rep's team filter
    rep_id: str | None = None


@dataclass(frozen=True)
class Period:
    grain: str
    start: dt.date
    end: dt.date  # exclusive
    label: str
    is_partial: bool


@dataclass(frozen=True)
class AppContext:
    warehouse: PublishedWarehouse
    as_of_date: dt.date | None
    scope: Scope
    period: Period | None  # None when the warehouse has no period rows yet


def period_end(grain: str, start: dt.date) -> dt.date:
    """First day after the period (weeks are 7 days; months and quarters calendar months)."""
    if grain == "week":
        return start + dt.timedelta(days=7)
    months = 1 if grain == "month" else 3
    month_index = start.month - 1 + months
    return dt.date(start.year + month_index // 12, month_index % 12 + 1, 1)


def period_label(grain: str, start: dt.date, fiscal: tuple[int, int] | None = None) -> str:
    """`2026-Q4` (fiscal year and quarter from dim_dates), `2026-10`, `week of 2026-10-26`."""
    if grain == "quarter":
        if fiscal is not None:
            return f"FY{fiscal[0]}-Q{fiscal[1]}"
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if grain == "month":
        return start.strftime("%Y-%m")
    return f"week of {start.isoformat()}"


def partial_mark(label: str, is_partial: bool) -> str:
    return f"{label} (partial)" if is_partial else label


def _as_date(value: object) -> dt.date:
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def as_of_date(warehouse: PublishedWarehouse) -> dt.date | None:
    if not warehouse.has("meta.publication"):
        return None
    frame = warehouse.query("select as_of_date from meta.publication")
    if frame.empty or pd.isna(frame.iloc[0, 0]):
        return None
    return _as_date(frame.iloc[0, 0])


def periods(warehouse: PublishedWarehouse, grain: str, as_of: dt.date | None) -> list[Period]:
    """The company's periods of `grain`, newest first, partial ones marked.

    `is_partial_period` comes from the mart when it carries it; older marts don't, and then a
    period is partial when it contains the as-of date (the contract's definition).
    """
    if not warehouse.has(PERFORMANCE):
        return []
    has_flag = warehouse.has(PERFORMANCE, ["is_partial_period"])
    flag = "performance.is_partial_period" if has_flag else "null"
    fiscal = warehouse.has("marts.dim_dates", ["fiscal_year", "fiscal_quarter"])
    fiscal_columns = "dates.fiscal_year, dates.fiscal_quarter" if fiscal else "null, null"
    join = (
        " left join marts.dim_dates as dates on dates.date_day = performance.period_start"
        if fiscal
        else ""
    )
    frame = warehouse.query(
        f"select performance.period_start, {flag} as is_partial_period, {fiscal_columns}"
        f" from {PERFORMANCE} as performance{join}"
        " where performance.scope = 'company' and performance.period_grain = ?"
        " order by performance.period_start desc",
        [grain],
    )
    result = []
    for start_value, partial_flag, fiscal_year, fiscal_quarter in frame.itertuples(index=False):
        start = _as_date(start_value)
        end = period_end(grain, start)
        if pd.isna(partial_flag):
            is_partial = as_of is not None and start <= as_of < end
        else:
            is_partial = bool(partial_flag)
        fiscal_key = None if pd.isna(fiscal_year) else (int(fiscal_year), int(fiscal_quarter))
        result.append(Period(grain, start, end, period_label(grain, start, fiscal_key), is_partial))
    return result


def teams_and_reps(warehouse: PublishedWarehouse) -> pd.DataFrame:
    """rep_id, rep_name (the id when unnamed), team (may be null), sorted for the pickers."""
    if not warehouse.has("marts.dim_reps", ["rep_id", "rep_name", "team"]):
        return pd.DataFrame({"rep_id": [], "rep_name": [], "team": []})
    return warehouse.query(
        "select rep_id, coalesce(rep_name, rep_id) as rep_name, team from marts.dim_reps"
        " order by rep_name, rep_id"
    )


def resolve_scope(reps: pd.DataFrame, team: str | None, rep_id: str | None) -> Scope:
    if rep_id is not None:
        names = reps.loc[reps["rep_id"] == rep_id, "rep_name"]
        name = names.iloc[0] if not names.empty else rep_id
        return Scope("rep", rep_id, f"Rep {name}", team=team, rep_id=rep_id)
    if team is not None:
        return Scope("team", team, f"Team {team}", team=team)
    return Scope("company", None, "Company")


def build_context(warehouse: PublishedWarehouse) -> AppContext:
    """Draw the sidebar filters and return the selection they make."""
    as_of = as_of_date(warehouse)
    sidebar = st.sidebar
    sidebar.caption(f"As of **{as_of.isoformat() if as_of else 'unknown'}**")
    # grain, team and rep are in the URL (?grain=month&team=EMEA&rep=...): a view can be shared
    grain = sidebar.selectbox(
        "Period grain",
        GRAINS,
        key="grain",
        bind="query-params",
    )
    available = periods(warehouse, grain, as_of)
    labels = {period.start: partial_mark(period.label, period.is_partial) for period in available}
    start = sidebar.selectbox(
        "Period",
        list(labels),
        key=f"period_{grain}",
        format_func=lambda value: labels[value],
    )
    period = next((p for p in available if p.start == start), None)

    reps = teams_and_reps(warehouse)
    team_names = sorted(t for t in reps["team"].dropna().unique())
    team_choice = sidebar.selectbox(
        "Team", [ALL_TEAMS, *team_names], key="team", bind="query-params"
    )
    team = None if team_choice == ALL_TEAMS else team_choice
    in_team = reps if team is None else reps[reps["team"] == team]
    # the label is the URL's ?rep= value too: a name two reps share gets the id added
    shared = set(reps.loc[reps["rep_name"].duplicated(), "rep_name"])
    rep_names = {
        rep_id: f"{name} ({rep_id})" if name in shared else name
        for rep_id, name in zip(in_team["rep_id"], in_team["rep_name"], strict=True)
    }
    rep_choice = sidebar.selectbox(
        "Rep",
        [ALL_REPS, *rep_names],
        key="rep",
        format_func=lambda value: rep_names.get(value, value),
        bind="query-params",
    )
    rep_id = None if rep_choice == ALL_REPS else rep_choice
    context = AppContext(warehouse, as_of, resolve_scope(reps, team, rep_id), period)
    st.session_state[_CONTEXT_KEY] = context
    return context


def current() -> AppContext:
    """The context the entry script built in this run (pages call this first)."""
    return st.session_state[_CONTEXT_KEY]  # type: ignore[no-any-return]
