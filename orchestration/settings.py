"""Where things live. Environment variables override every default.

| variable | default |
|---|---|
| `CRMKPI_LANDING_DIR` | `<repo>/landing` |
| `CRMKPI_WAREHOUSE` | `<repo>/warehouse/crm_kpi.duckdb` |
| `CRMKPI_DBT_PROJECT_DIR` | `<repo>/dbt_project` |
| `DAGSTER_HOME` | `<repo>/.dagster_home` (its dagster.yaml links to `<repo>/dagster.yaml`) |
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
INSTANCE_CONFIG = REPO_ROOT / "dagster.yaml"

LANDING_ENV = "CRMKPI_LANDING_DIR"
WAREHOUSE_ENV = "CRMKPI_WAREHOUSE"
DBT_PROJECT_ENV = "CRMKPI_DBT_PROJECT_DIR"

# Every process touching the warehouse (dlt, dbt, GX, BI) holds at most one writer lock at a time;
# one pool name keeps Dagster from running two writers at once.
WAREHOUSE_WRITER_POOL = "warehouse_writer"


def _path_from_env(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    return Path(value).expanduser().resolve() if value else default


def landing_dir() -> Path:
    return _path_from_env(LANDING_ENV, REPO_ROOT / "landing")


def warehouse_path() -> Path:
    return _path_from_env(WAREHOUSE_ENV, REPO_ROOT / "warehouse" / "crm_kpi.duckdb")


def data_quality_dir() -> Path:
    """Great Expectations results and Data Docs, beside the warehouse they describe."""
    return warehouse_path().parent / "data_quality"


def dbt_project_dir() -> Path:
    return _path_from_env(DBT_PROJECT_ENV, REPO_ROOT / "dbt_project")


def dagster_home() -> Path:
    """The instance directory, created on first use with this repo's dagster.yaml."""
    home = _path_from_env("DAGSTER_HOME", REPO_ROOT / ".dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() and INSTANCE_CONFIG.exists():
        config.symlink_to(INSTANCE_CONFIG)
    return home


def export_environment(landing: Path | None = None, warehouse: Path | None = None) -> None:
    """Pin the paths in the environment, so dbt's profile and every child process agree."""
    os.environ[LANDING_ENV] = str((landing or landing_dir()).resolve())
    os.environ[WAREHOUSE_ENV] = str((warehouse or warehouse_path()).resolve())
    os.environ["DAGSTER_HOME"] = str(dagster_home())
