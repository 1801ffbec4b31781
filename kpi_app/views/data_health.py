"""Data health: when the shown data was published, its as-of date, the checks it passed, and
what the refresh quarantined, per export file (meta.publication and the quarantine summary of
the published file)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import streamlit as st

from kpi_app import context as app_context
from kpi_app import ui
from orchestration import settings

PUBLICATION = "meta.publication"
FILE_LOADS = "quarantine.file_loads"
REJECTED_FILES = "quarantine.rejected_files"
REJECTED_ROWS = "quarantine.rejected_rows_summary"

context = app_context.current()
warehouse = context.warehouse
ui.page_header("Data health", context, with_period=False)
st.caption(
    f"Published file: `{warehouse.path}`. A refresh replaces it only after every blocking check "
    "has passed; a failed refresh leaves it as it was (`crmkpi status` shows failed runs)."
)


def parsed_json(value: object) -> dict[str, object]:
    if isinstance(value, str):
        loaded = json.loads(value)
        return loaded if isinstance(loaded, dict) else {}
    return value if isinstance(value, dict) else {}


st.subheader("Last refresh")
if ui.require(warehouse, PUBLICATION, ["run_id", "published_at", "as_of_date", "row_counts"]):
    publication = warehouse.query(f"select * from {PUBLICATION}").iloc[0]
    published_at = pd.Timestamp(publication["published_at"]).to_pydatetime()
    if published_at.tzinfo is None:
        published_at = published_at.replace(tzinfo=dt.UTC)
    age_hours = (dt.datetime.now(dt.UTC) - published_at).total_seconds() / 3600
    max_age = float(settings.option("marts_max_age_hours"))
    details = parsed_json(publication.get("details"))
    left, middle, right = st.columns(3)
    left.metric("Published", published_at.strftime("%Y-%m-%d %H:%M UTC"))
    middle.metric("As of", str(pd.Timestamp(publication["as_of_date"]).date()))
    right.metric("Blocking checks passed", ui.count(details.get("checks_required")))
    if age_hours > max_age:
        st.warning(
            f"The data is {age_hours:.0f} hours old, older than {max_age:.0f} hours "
            "(marts_max_age_hours): the last refreshes may have failed."
        )
    else:
        st.caption(
            f"{age_hours:.1f} hours old (fresh: under {max_age:.0f} hours). "
            f"Run {publication['run_id']}."
        )
    row_counts = parsed_json(publication["row_counts"])
    st.dataframe(
        pd.DataFrame({"mart": list(row_counts), "rows": list(row_counts.values())}),
        hide_index=True,
        key="health_row_counts",
    )

st.subheader("Quarantine per file")
st.caption("Rows in = rows loaded + rows quarantined, per export file.")
if ui.require(warehouse, FILE_LOADS, ["source_file", "rows_in", "rows_loaded", "rows_quarantined"]):
    loads = warehouse.query(
        "select source_name, table_name, source_file, rows_in, rows_loaded, rows_quarantined,"
        f" loaded_at from {FILE_LOADS} order by rows_quarantined desc, source_file"
    )
    left, middle, right = st.columns(3)
    left.metric("Rows in", ui.count(loads["rows_in"].sum()))
    middle.metric("Rows loaded", ui.count(loads["rows_loaded"].sum()))
    right.metric("Rows quarantined", ui.count(loads["rows_quarantined"].sum()))
    st.dataframe(loads, hide_index=True, key="health_file_loads")


def listing(table: str, columns: list[str], heading: str, when_empty: str) -> None:
    if not ui.require(warehouse, table, columns):
        return
    rows = warehouse.query(f"select * from {table} order by source_file")
    if rows.empty:
        st.success(when_empty)
    else:
        st.markdown(f"**{heading}**")
        st.dataframe(rows, hide_index=True)


listing(
    REJECTED_ROWS,
    ["source_file", "column_name", "reason", "rejected_rows"],
    "Quarantined rows, by file, column and reason",
    "No row was quarantined.",
)
listing(REJECTED_FILES, ["source_file", "reason"], "Refused files", "No file was refused.")
