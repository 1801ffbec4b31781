"""The KPI app's navigation: the sidebar filters, then the page chosen (kpi_app/views/)."""

from __future__ import annotations

import argparse
from pathlib import Path

import streamlit as st

from kpi_app.context import build_context
from kpi_app.warehouse import PublishedFileMissingError, PublishedWarehouse

VIEWS = Path(__file__).resolve().parent / "views"
PAGES = (
    ("overview.py", "Overview", "", ":material/dashboard:"),
    ("funnel.py", "Funnel", "funnel", ":material/filter_alt:"),
    ("stages.py", "Stages", "stages", ":material/timer:"),
    ("coaching.py", "Coaching", "coaching", ":material/sports:"),
    ("plan.py", "Plan", "plan", ":material/flag:"),
    ("data_health.py", "Data health", "data-health", ":material/health_and_safety:"),
)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kpi_app")
    parser.add_argument("--published", type=Path, required=True, help="published DuckDB file")
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    st.set_page_config(page_title="Sales KPIs", page_icon=":material/insights:", layout="wide")
    pages = [
        # the default page is served at the root URL: no url_path of its own
        st.Page(VIEWS / file, title=title, url_path=url or None, icon=icon, default=not url)
        for file, title, url, icon in PAGES
    ]
    page = st.navigation(pages)
    warehouse = PublishedWarehouse(args.published.resolve())
    try:
        warehouse.identity()
    except PublishedFileMissingError as missing:
        st.title("Sales KPIs")
        st.info(str(missing))
        return
    build_context(warehouse)
    page.run()
