"""Build a warehouse from a landing folder the way a refresh does: real ingestion, `dbt build`.

Known-answer tests use it on their hand-built fixtures, without Dagster in the way.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from ingestion.pipeline import ingest_landing

REPO = Path(__file__).resolve().parents[1]
DBT_PROJECT = REPO / "dbt_project"


def dbt_executable() -> str:
    """The venv's own dbt: a `dbt` on PATH may be another installation."""
    beside_python = Path(sys.executable).with_name("dbt")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("dbt")
    assert found, "dbt is not installed in this environment"
    return found


def dbt_build(
    warehouse_path: Path,
    work_dir: Path,
    variables: dict[str, Any] | None = None,
    extra_args: tuple[str, ...] = (),
) -> None:
    """`dbt build` the whole project into `warehouse_path`; fails the test on any error."""
    env = {
        **os.environ,
        "CRMKPI_WAREHOUSE": str(warehouse_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    result = subprocess.run(
        [
            dbt_executable(),
            "build",
            "--project-dir",
            str(DBT_PROJECT),
            "--profiles-dir",
            str(DBT_PROJECT),
            "--target-path",
            str(work_dir / "dbt_target"),
            "--log-path",
            str(work_dir / "dbt_logs"),
            "--vars",
            json.dumps(variables or {}),
            *extra_args,
        ],
        cwd=DBT_PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-6000:]}\n{result.stderr}"


def build_warehouse(
    landing: Path,
    warehouse_path: Path,
    variables: dict[str, Any] | None = None,
    *,
    quarantined: int = 0,
    extra_args: tuple[str, ...] = (),
) -> None:
    """Ingest `landing` into `warehouse_path`, then `dbt build` it; state and dbt's target go
    beside the warehouse, so building again into it is an incremental refresh.

    The fixture must quarantine exactly `quarantined` rows (its deliberate bad ones) and
    refuse no file.
    """
    work_dir = warehouse_path.parent
    report = ingest_landing(landing, warehouse_path, work_dir / "dlt_pipelines")
    assert report.rows_quarantined == quarantined, "only the fixture's bad rows are quarantined"
    assert report.rejected_files == {}
    dbt_build(warehouse_path, work_dir, variables, extra_args)
