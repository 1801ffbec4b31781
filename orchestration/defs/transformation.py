"""dbt assets: every model, seed and snapshot, with dbt tests surfaced as asset checks."""

import os
import sys
import time
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
from orchestration.dbt_results import DbtBuildTally, is_blocking_failure, with_failing_rows
from orchestration.freshness import marts_freshness_policy
from orchestration.progress import pause_point, progress, progress_bar, step_line
from orchestration.publish_guard import SHRINK_GUARD_META_KEY
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
#: Asset metadata of every mart: whether the publish guard compares its row count.
SHRINK_GUARD_METADATA_KEY = "crmkpi/publish_shrink_guard"


class KpiDbtTranslator(DagsterDbtTranslator):
    """Groups dbt assets by layer (staging, intermediate, marts, seeds); marts must be fresh and
    say whether the publish guard compares their row count (dbt `meta.publish_shrink_guard`)."""

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
            meta = {**(props.get("meta") or {}), **((props.get("config") or {}).get("meta") or {})}
            spec = spec.replace_attributes(freshness_policy=marts_freshness_policy())
            spec = spec.merge_attributes(
                metadata={SHRINK_GUARD_METADATA_KEY: meta.get(SHRINK_GUARD_META_KEY) is not False}
            )
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
    started = time.perf_counter()
    # Unit tests check the SQL, not the data: CI runs them (`make test`); dbt's own advice is to
    # leave them out of production builds. Its log goes to the run log (a file for the CLI),
    # never a terminal: no colour codes.
    args = ["build", "--exclude-resource-type", "unit_test", "--no-use-colors"]
    if config.full_refresh:
        args.append("--full-refresh")
    if config.as_of_date:
        args += ["--vars", f"{{as_of_date: '{config.as_of_date}'}}"]
    context.log.info(f"dbt {' '.join(args)} into {warehouse.path}")
    tally = DbtBuildTally()
    # Failed blocking tests are told once dbt has ended, with a few of their failing rows
    # (the warehouse is dbt's while it runs).
    held: list[dg.AssetCheckResult] = []
    invocation = None
    try:
        invocation = dbt.cli(args, context=context)
        # dbt is a child process: if this process is killed, the next refresh stops it.
        context.instance.add_run_tags(context.run_id, {DBT_PID_TAG: str(invocation.process.pid)})
        paused = False
        with progress_bar("dbt build", None, "nodes") as bar:
            for raw in invocation.stream_raw_events():
                tally.observe(raw.raw_event)
                if bar is not None:
                    bar.update(len(tally.finished), tally.total)
                for event in raw.to_default_asset_events(
                    manifest=invocation.manifest,
                    dagster_dbt_translator=invocation.dagster_dbt_translator,
                    context=context,
                    target_path=invocation.target_path,
                    project=invocation.project,
                ):
                    if is_blocking_failure(event):
                        held.append(event)  # type: ignore[arg-type]
                    else:
                        yield event
                if not paused and len(tally.finished) > 0:
                    paused = True
                    pause_point("dbt:build")
    except Exception as error:
        if invocation is not None:
            yield from with_failing_rows(held, invocation, warehouse.path)
        for message in tally.errors[:5]:
            progress(context, f"dbt error: {message.splitlines()[0][:300]}", warning=True)
        progress(context, step_line("dbt build", f"FAILED, {tally.summary}"), warning=True)
        retry_if_transient(context, error)
        raise
    yield from with_failing_rows(held, invocation, warehouse.path)
    progress(context, step_line("dbt build", tally.summary, time.perf_counter() - started))


defs = dg.Definitions(
    assets=[kpi_dbt_models],
    resources={"dbt": dbt_cli_resource()},
)
