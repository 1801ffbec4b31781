"""Shared display helpers: number formats, the scope filter in SQL, and missing-mart notices."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from kpi_app.context import AppContext, Scope
from kpi_app.warehouse import PublishedWarehouse

DASH = "-"  # an unknown value (null): shown, never replaced by 0


def is_unknown(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def money(value: object) -> str:
    return DASH if is_unknown(value) else f"{float(value):,.0f}"  # type: ignore[arg-type]


def count(value: object) -> str:
    return DASH if is_unknown(value) else f"{int(value):,}"  # type: ignore[call-overload]


def rate(value: object) -> str:
    return DASH if is_unknown(value) else f"{float(value):.1%}"  # type: ignore[arg-type]


def decimal(value: object, places: int = 1) -> str:
    if is_unknown(value) or math.isinf(float(value)):  # type: ignore[arg-type]
        return DASH
    return f"{float(value):,.{places}f}"  # type: ignore[arg-type]


def require(warehouse: PublishedWarehouse, table: str, columns: Sequence[str] = ()) -> bool:
    """True when `table` has `columns`; otherwise say clearly what this warehouse lacks."""
    missing = warehouse.missing(table, columns)
    if missing:
        st.info(
            f"Not available in this warehouse yet: {', '.join(missing)} "
            "(it arrives with a newer version of the marts and the next refresh)."
        )
    return not missing


def scope_filter(scope: Scope) -> tuple[str, list[object]]:
    """SQL condition (and parameters) selecting `scope` in a scope x scope_id mart."""
    return "scope = ? and scope_id is not distinct from ?", [scope.kind, scope.scope_id]


def rep_filter(scope: Scope, alias: str = "") -> tuple[str, list[object]]:
    """SQL condition for rep-grain marts (rep_id, team): the scope's reps."""
    prefix = f"{alias}." if alias else ""
    if scope.kind == "rep":
        return f"{prefix}rep_id = ?", [scope.rep_id]
    if scope.kind == "team":
        return f"{prefix}team = ?", [scope.team]
    return "true", []


def page_header(title: str, context: AppContext, *, with_period: bool = True) -> None:
    st.title(title)
    parts = [context.scope.label]
    if with_period and context.period is not None:
        period = context.period
        parts.append(f"{period.grain} {period.label}")
        if period.is_partial:
            parts.append(
                f":material/hourglass_top: partial period, data up to {context.as_of_date}"
            )
    st.caption(" · ".join(parts))
