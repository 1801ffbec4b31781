"""Optional per-source settings: `landing/<source>/crmkpi.yml`.

    timezone: Europe/Berlin   # date-times the exports write without an offset are local times
                              # of this zone (default UTC): HubSpot and Pipedrive write the
                              # portal's/company's zone, Salesforce reports and Outlook CSV the
                              # exporting user's

Per-file zones for calendar exports:

    timezones:
      anna.rep: America/New_York   # file stem -> zone (Outlook CSV exports carry none)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from ingestion.common.ledger import IngestionLedger

SETTINGS_FILE = "crmkpi.yml"

# Memory cap of every DuckDB the project opens; dbt's profiles.yml reads the same variable.
DUCKDB_MEMORY_LIMIT_ENV = "CRMKPI_DUCKDB_MEMORY_LIMIT"
DEFAULT_DUCKDB_MEMORY_LIMIT = "1GB"


def duckdb_memory_config() -> dict[str, str]:
    """DuckDB takes 80 % of RAM by default; a refresh stays within a laptop's budget instead
    (larger sorts and joins spill to disk)."""
    return {"memory_limit": os.environ.get(DUCKDB_MEMORY_LIMIT_ENV, DEFAULT_DUCKDB_MEMORY_LIMIT)}


class SettingsError(ValueError):
    pass


def source_settings(folder: Path) -> dict[str, Any]:
    path = folder / SETTINGS_FILE
    if not path.is_file():
        return {}
    try:
        settings = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except yaml.YAMLError as error:
        raise SettingsError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(settings, dict):
        raise SettingsError(f"{path}: expected a mapping of settings")
    return settings


def valid_timezone(name: object, where: str) -> str:
    text = str(name or "UTC").strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise SettingsError(f"{where}: unknown time zone {text!r}") from error
    return text


def source_timezone(folder: Path, ledger: IngestionLedger | None = None) -> str:
    """The source's time zone; a broken settings file is refused (quarantine) and UTC used."""
    try:
        return valid_timezone(source_settings(folder).get("timezone"), str(folder / SETTINGS_FILE))
    except SettingsError as error:
        if ledger is not None:
            ledger.reject_file(f"{folder.name}/{SETTINGS_FILE}", str(error), "settings")
        return "UTC"
