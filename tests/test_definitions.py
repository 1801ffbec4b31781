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

    # Lineage starts at the export folders: one observable source asset per landing
    # sub-folder, upstream of the raw tables loaded from it.
    landing = {key for key in graph.get_all_asset_keys() if key.path[0] == "landing"}
    assert landing == {dg.AssetKey(["landing", family.name]) for family in SOURCE_FAMILIES}
    assert all(graph.get(key).is_observable for key in landing)
    for key in raw_keys:
        assert set(graph.get(key).parent_keys) == {dg.AssetKey(["landing", key.path[0]])}, key

    # Every dbt source is a dlt asset: nothing else in the graph is an unmaterializable stub.
    assert materializable == set(graph.get_all_asset_keys()) - landing

    # The KPI mart reaches back to the raw Salesforce opportunities and their export folder.
    mart = dg.AssetKey(["marts", "kpi_rep_period_performance"])
    assert mart in materializable
    ancestors = _ancestors(graph, mart)
    assert dg.AssetKey(["salesforce", "opportunity"]) in ancestors
    assert dg.AssetKey(["targets", "sales_target"]) in ancestors
    assert {dg.AssetKey(["landing", "salesforce"]), dg.AssetKey(["landing", "targets"])} <= (
        ancestors
    )


def test_observing_a_landing_folder_versions_its_export_files(tmp_path, monkeypatch) -> None:
    from dagster._core.definitions.observe import observe as observe_assets

    from orchestration.defs.ingestion import landing_folder_assets

    salesforce = next(a for a in landing_folder_assets if a.key.path == ["landing", "salesforce"])
    folder = tmp_path / "landing" / "salesforce"
    folder.mkdir(parents=True)
    (folder / "Opportunity.csv").write_text("Id\n1\n")
    (folder / "crmkpi.yml").write_text("timezone: UTC\n")  # settings, not an export
    monkeypatch.setenv("CRMKPI_LANDING_DIR", str(tmp_path / "landing"))

    def observe() -> tuple[str, dict]:
        with dg.instance_for_test() as instance:
            result = observe_assets([salesforce], instance=instance)
            (event,) = result.get_asset_observation_events()
        observation = event.event_specific_data.asset_observation
        metadata = {k: v.value for k, v in observation.metadata.items()}
        return observation.tags["dagster/data_version"], metadata

    first, metadata = observe()
    assert metadata["files"] == 1 and metadata["bytes"] == len("Id\n1\n")
    assert observe()[0] == first  # nothing changed: same version
    (folder / "Task.csv").write_text("Id\n")
    second, metadata = observe()
    assert second != first and metadata["files"] == 2


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


def test_published_marts_is_downstream_of_every_mart_and_gated_by_blocking_checks() -> None:
    from dagster._core.definitions.dependency import BlockingAssetChecksDependencyDefinition

    from orchestration.definitions import defs
    from orchestration.defs.publish import PUBLISHED_MARTS_KEY

    graph = defs.resolve_asset_graph()
    marts = {key for key in graph.get_all_asset_keys() if key.path[0] == "marts"}
    assert marts >= {dg.AssetKey(["marts", "kpi_rep_period_performance"])}
    assert set(graph.get(PUBLISHED_MARTS_KEY).parent_keys) == marts

    # The publish guard compares every mart but the current-state lists (dbt meta opt-out).
    from orchestration.defs.publish import SHRINK_GUARDED_MARTS

    assert {m.path[1] for m in marts} - set(SHRINK_GUARDED_MARTS) == {
        "kpi_deal_risks",
        "kpi_goal_plan",
    }

    # Every accounting check and GX suite is blocking (dbt tests of severity error are too).
    from orchestration.defs.quality import model_quality, raw_quality

    for checks in (raw_quality, model_quality):
        assert checks.check_specs and all(spec.blocking for spec in checks.check_specs)

    # In the job, dbt waits on the raw checks and publishing on the mart checks.
    job = defs.resolve_job_def("kpi_refresh")
    deps = job.graph.dependencies

    def upstream_of(node: str) -> set[str]:
        names: set[str] = set()
        for invocation, inputs in deps.items():
            if invocation.name != node:
                continue
            for dependency in inputs.values():
                if isinstance(dependency, BlockingAssetChecksDependencyDefinition):
                    names.update(sub.node for sub in dependency.get_node_dependencies())
        return names

    assert {"raw_quality", "ingest_salesforce"} <= upstream_of("kpi_dbt_models")
    assert {"model_quality", "kpi_dbt_models"} <= upstream_of("published_marts")


def test_every_warehouse_step_is_in_the_writer_pool_and_runs_in_process() -> None:
    from orchestration.definitions import defs

    job = defs.resolve_job_def("kpi_refresh")
    pools = {node.name: node.definition.pool for node in job.graph.nodes}
    assert pools == dict.fromkeys(pools, "warehouse_writer"), pools
    assert set(pools) == {
        *(f"ingest_{family.name}" for family in SOURCE_FAMILIES),
        "raw_quality",
        "kpi_dbt_models",
        "model_quality",
        "published_marts",
    }
    assert job.executor_def.name == "in_process"
    # Jobs launched from the UI use the same executor.
    assert defs.resolve_implicit_global_asset_job_def().executor_def.name == "in_process"


def test_sensor_freshness_and_suites_follow_the_project() -> None:
    from orchestration.definitions import defs
    from orchestration.defs.publish import PUBLISHED_MARTS_KEY
    from orchestration.defs.quality import MODEL_SUITES, UNWIRED_SUITES
    from orchestration.defs.transformation import kpi_dbt_models

    sensor = defs.resolve_sensor_def("landing_files_sensor")
    assert sensor.job_name == "kpi_refresh"

    graph = defs.resolve_asset_graph()
    for key in [PUBLISHED_MARTS_KEY, dg.AssetKey(["marts", "kpi_rep_period_performance"])]:
        policy = graph.get(key).freshness_policy
        assert isinstance(policy, dg.FreshnessPolicy), key

    # A mart suite is wired exactly when its model is in the dbt manifest.
    models = {key.path[1] for key in kpi_dbt_models.keys if key.path[0] == "marts"}
    assert {s.table for s in MODEL_SUITES} <= models
    assert not {s.table for s in UNWIRED_SUITES} & models
    assert {"fct_opportunities", "kpi_rep_period_performance"} <= {s.name for s in MODEL_SUITES}


def test_schedule_time_and_zone_come_from_env_or_config_file(tmp_path, monkeypatch) -> None:
    from orchestration import settings

    config = tmp_path / "crmkpi.yaml"
    config.write_text("refresh_cron: '30 5 * * 1-5'\nrefresh_timezone: Europe/Berlin\n")
    monkeypatch.setenv("CRMKPI_CONFIG", str(config))
    monkeypatch.delenv("CRMKPI_REFRESH_CRON", raising=False)
    monkeypatch.delenv("CRMKPI_REFRESH_TIMEZONE", raising=False)
    assert settings.option("refresh_cron") == "30 5 * * 1-5"
    assert settings.option("refresh_timezone") == "Europe/Berlin"
    monkeypatch.setenv("CRMKPI_REFRESH_TIMEZONE", "Asia/Shanghai")  # the environment wins
    assert settings.option("refresh_timezone") == "Asia/Shanghai"
    assert settings.option("sensor_interval_seconds") == 60
