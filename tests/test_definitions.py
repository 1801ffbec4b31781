"""The Dagster definitions load, and form one lineage graph from export file to KPI mart."""

from __future__ import annotations

import dagster as dg

from ingestion.pipeline import SOURCE_FAMILIES


def test_definitions_load_with_one_lineage_graph() -> None:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    materializable = {key for key in graph.get_all_asset_keys() if graph.get(key).is_materializable}
    raw_keys = {
        key for key in materializable if key.path[0] in {family.name for family in SOURCE_FAMILIES}
    }
    assert dg.AssetKey(["salesforce", "opportunity"]) in raw_keys
    assert dg.AssetKey(["calendar", "calendar_event"]) in raw_keys
    assert dg.AssetKey(["targets", "sales_target"]) in raw_keys

    # Every dbt source is a dlt asset: nothing in the graph is an unmaterializable stub.
    assert materializable == set(graph.get_all_asset_keys())

    # The KPI mart reaches back to the raw Salesforce opportunities.
    mart = dg.AssetKey(["marts", "kpi_rep_period_performance"])
    assert mart in materializable
    ancestors = _ancestors(graph, mart)
    assert dg.AssetKey(["salesforce", "opportunity"]) in ancestors
    assert dg.AssetKey(["targets", "sales_target"]) in ancestors


def _ancestors(graph: object, key: dg.AssetKey) -> set[dg.AssetKey]:
    seen: set[dg.AssetKey] = set()
    frontier = [key]
    while frontier:
        current = frontier.pop()
        for parent in graph.get(current).parent_keys:  # type: ignore[attr-defined]
            if parent not in seen:
                seen.add(parent)
                frontier.append(parent)
    return seen


def test_job_schedule_and_checks_are_defined() -> None:
    from orchestration.definitions import defs

    job = defs.resolve_job_def("kpi_refresh")
    assert job is not None
    schedule = defs.resolve_schedule_def("daily_kpi_refresh")
    assert schedule.cron_schedule == "0 6 * * *"

    check_keys = defs.resolve_asset_graph().asset_check_keys
    check_names = {key.name for key in check_keys}
    assert any(name.startswith("gx_") for name in check_names), "no GX suite wired as a check"
    assert "ingestion_accounting" in check_names
    # dbt tests surface as asset checks on the models they test.
    assert any(
        key.asset_key == dg.AssetKey(["marts", "fct_opportunities"])
        and not key.name.startswith("gx_")
        for key in check_keys
    )
