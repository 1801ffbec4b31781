"""dbt assets: every model, seed and snapshot, with dbt tests surfaced as asset checks."""

import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from orchestration import settings
from orchestration.freshness import marts_freshness_policy
from orchestration.progress import pause_point, progress
from orchestration.recovery import DBT_PID_TAG
from orchestration.resources import WarehouseWriter
from orchestration.retries import retry_if_transient

DBT_PROJECT = DbtProject(
    project_dir=settings.dbt_project_dir(), profiles_dir=settings.dbt_project_dir()
)
_PROJECT_INPUTS = ("models", "macros", "seeds", "snapshots", "tests", "analyses")
# The venv's own dbt: a `dbt` on PATH may be another installation, or missing.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


def dbt_cli_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=DBT_PROJECT,
        profiles_dir=str(settings.dbt_project_dir()),
        dbt_executable=DBT_EXECUTABLE,
    )


def ensure_manifest(project: DbtProject = DBT_PROJECT) -> Path:
    """Parse the dbt project when its manifest is missing or older than any project file."""
    manifest = Path(project.manifest_path)
    project_dir = Path(project.project_dir)
    inputs = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for folder in _PROJECT_INPUTS:
        inputs.extend(p for p in (project_dir / folder).rglob("*") if p.is_file())
    newest = max((p.stat().st_mtime for p in inputs if p.exists()), default=0.0)
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        os.environ.setdefault(settings.WAREHOUSE_ENV, str(settings.warehouse_path()))
        dbt_cli_resource().cli(["parse", "--quiet"], target_path=Path(project.target_path)).wait()
    return manifest


MARTS_SCHEMA = "marts"


class KpiDbtTranslator(DagsterDbtTranslator):
    """Groups dbt assets by layer (staging, intermediate, marts, seeds); marts must be fresh."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "seed":
            return spec.replace_attributes(group_name="seeds")
        if props["resource_type"] == "model" and len(props["fqn"]) > 2:
            spec = spec.replace_attributes(group_name=props["fqn"][1])
        if props["resource_type"] == "model" and spec.key.path[0] == MARTS_SCHEMA:
            spec = spec.replace_attributes(freshness_policy=marts_freshness_policy())
        return spec


class DbtBuildConfig(dg.Config):
    """Run options for `dbt build`."""

    full_refresh: bool = False
    as_of_date: str | None = None  # YYYY-MM-DD; default: the latest date in the exports


@dbt_assets(
    manifest=ensure_manifest(),
    project=DBT_PROJECT,
    dagster_dbt_translator=KpiDbtTranslator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
    ),
    pool=settings.WAREHOUSE_WRITER_POOL,
)
def kpi_dbt_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    config: DbtBuildConfig,
    warehouse: WarehouseWriter,
) -> Iterator[Any]:
    # Unit tests check the SQL, not the data: CI runs them (`make test`); dbt's own advice is to
    # leave them out of production builds.
    args = ["build", "--exclude-resource-type", "unit_test"]
    if config.full_refresh:
        args.append("--full-refresh")
    if config.as_of_date:
        args += ["--vars", f"{{as_of_date: '{config.as_of_date}'}}"]
    progress(context, f"dbt {' '.join(args)} into {warehouse.path.name}")
    try:
        invocation = dbt.cli(args, context=context)
        # dbt is a child process: if this process is killed, the next refresh stops it.
        context.instance.add_run_tags(context.run_id, {DBT_PID_TAG: str(invocation.process.pid)})
        for number, event in enumerate(invocation.stream()):
            yield event
            if number == 0:
                pause_point("dbt:build")
    except Exception as error:
        retry_if_transient(context, error)
        raise


defs = dg.Definitions(
    assets=[kpi_dbt_models],
    resources={"dbt": dbt_cli_resource()},
)
