"""Shared fixtures: an isolated Dagster instance, landing folder and warehouse per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def isolated_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Path]]:
    """Point landing folder, warehouse and the Dagster instance at a temporary directory."""
    paths = {
        "landing": tmp_path / "landing",
        "warehouse": tmp_path / "warehouse" / "crm_kpi.duckdb",
        "dagster_home": tmp_path / "dagster_home",
    }
    paths["landing"].mkdir()
    monkeypatch.setenv("CRMKPI_LANDING_DIR", str(paths["landing"]))
    monkeypatch.setenv("CRMKPI_WAREHOUSE", str(paths["warehouse"]))
    # Refreshes in this process and in child processes use this instance; tests read it back.
    monkeypatch.setenv("CRMKPI_DAGSTER_HOME", str(paths["dagster_home"]))
    monkeypatch.setenv("DAGSTER_HOME", str(paths["dagster_home"]))
    yield paths
