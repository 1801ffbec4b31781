"""`crmkpi app` and `crmkpi mf`: the KPI app and MetricFlow, both on the published file.

Both read the published warehouse only, read-only, so neither can block a refresh.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8501
# profiles.yml target that attaches the published file read-only under this catalog name
METRICFLOW_TARGET = "published"
METRICFLOW_CATALOG_ENV = "CRMKPI_METRICFLOW_CATALOG"


def _beside_python(executable: str) -> str:
    """A console script of this environment (a same-named one on PATH may be another)."""
    return str(Path(sys.executable).with_name(executable))


def app_script() -> Path:
    spec = importlib.util.find_spec("kpi_app")
    assert spec is not None and spec.submodule_search_locations, "kpi_app is not installed"
    return Path(next(iter(spec.submodule_search_locations))) / "streamlit_app.py"


def streamlit_command(
    published: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT
) -> list[str]:
    """The `streamlit run` command line serving the app on `host:port` for `published`."""
    return [
        _beside_python("streamlit"),
        "run",
        str(app_script()),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--",
        "--published",
        str(published.resolve()),
    ]


def semantic_manifest_catalog(dbt_project: Path, env: dict[str, str]) -> str:
    """The catalog the semantic manifest's models live in (parsing the project if needed).

    dbt names it after the working warehouse file (`crm_kpi` for crm_kpi.duckdb); the
    `published` target attaches the published file under that same name.
    """
    manifest = dbt_project / "target" / "semantic_manifest.json"
    if not manifest.is_file():
        subprocess.run(
            [_beside_python("dbt"), "parse", "--quiet"], cwd=dbt_project, env=env, check=True
        )
    models = json.loads(manifest.read_text(encoding="utf-8")).get("semantic_models", [])
    if not models:
        raise LookupError(f"{manifest} declares no semantic models")
    return str(models[0]["node_relation"]["database"])


def metricflow_environment(dbt_project: Path, published: Path, working: Path) -> dict[str, str]:
    """The environment `mf` needs to query the published file through the `published` target."""
    env = {
        **os.environ,
        "CRMKPI_WAREHOUSE": str(working.resolve()),
        "CRMKPI_PUBLISHED_WAREHOUSE": str(published.resolve()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    env[METRICFLOW_CATALOG_ENV] = semantic_manifest_catalog(dbt_project, env)
    env["DBT_TARGET"] = METRICFLOW_TARGET
    return env


def metricflow_command(arguments: list[str]) -> list[str]:
    return [_beside_python("mf"), *arguments]
