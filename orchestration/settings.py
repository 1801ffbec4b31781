"""Where things live and when they run. Environment variables override every default.

| variable | default |
|---|---|
| `CRMKPI_LANDING_DIR` | `<repo>/landing` |
| `CRMKPI_WAREHOUSE` | `<repo>/warehouse/crm_kpi.duckdb` (the working file: refreshes only) |
| `CRMKPI_PUBLISHED_WAREHOUSE` | `<warehouse dir>/published/<warehouse name>` (what BI reads) |
| `CRMKPI_DBT_PROJECT_DIR` | `<repo>/dbt_project` |
| `CRMKPI_DAGSTER_HOME` | `<warehouse dir>/.<warehouse stem>_dagster` (one instance per warehouse) |

`DAGSTER_HOME` is not read: it is *set* from the above for Dagster and every child process, so
a refresh of one warehouse never sees the runs, check results or pool slots of another.

Operating options come from the environment, else from `crmkpi.yaml` (path in `CRMKPI_CONFIG`,
default `<repo>/crmkpi.yaml`; optional), else the defaults below. They are read when the
Dagster definitions load, so restart `make ui` / the daemon after changing them.

| option (`crmkpi.yaml` key) | variable | default |
|---|---|---|
| `refresh_cron` | `CRMKPI_REFRESH_CRON` | `0 6 * * *` (daily at 06:00) |
| `refresh_timezone` | `CRMKPI_REFRESH_TIMEZONE` | `UTC` (any IANA name) |
| `sensor_interval_seconds` | `CRMKPI_SENSOR_INTERVAL_SECONDS` | `60` |
| `sensor_settle_seconds` | `CRMKPI_SENSOR_SETTLE_SECONDS` | `30` (a file must be this old) |
| `marts_max_age_hours` | `CRMKPI_MARTS_MAX_AGE_HOURS` | `26` (freshness policy of marts) |
| `lock_wait_seconds` | `CRMKPI_LOCK_WAIT_SECONDS` | `3600` (scheduled runs wait this long) |
| `publish_free_text` | `CRMKPI_PUBLISH_FREE_TEXT` | `false` (activity subjects stay unpublished) |
| `published_file_mode` | `CRMKPI_PUBLISHED_FILE_MODE` | `0640` (the published file's mode) |
| `publish_max_shrink_percent` | `CRMKPI_PUBLISH_MAX_SHRINK_PERCENT` | `50` (publish guard) |
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
INSTANCE_CONFIG = REPO_ROOT / "dagster.yaml"

LANDING_ENV = "CRMKPI_LANDING_DIR"
WAREHOUSE_ENV = "CRMKPI_WAREHOUSE"
PUBLISHED_WAREHOUSE_ENV = "CRMKPI_PUBLISHED_WAREHOUSE"
DBT_PROJECT_ENV = "CRMKPI_DBT_PROJECT_DIR"
CONFIG_ENV = "CRMKPI_CONFIG"
DAGSTER_HOME_ENV = "CRMKPI_DAGSTER_HOME"

# Every process touching the warehouse (dlt, dbt, GX, publish) holds at most one writer lock at
# a time; one pool name keeps Dagster from running two of those steps at once.
WAREHOUSE_WRITER_POOL = "warehouse_writer"

# option name -> (environment variable, default)
_OPTIONS: dict[str, tuple[str, Any]] = {
    "refresh_cron": ("CRMKPI_REFRESH_CRON", "0 6 * * *"),
    "refresh_timezone": ("CRMKPI_REFRESH_TIMEZONE", "UTC"),
    "sensor_interval_seconds": ("CRMKPI_SENSOR_INTERVAL_SECONDS", 60),
    "sensor_settle_seconds": ("CRMKPI_SENSOR_SETTLE_SECONDS", 30),
    "marts_max_age_hours": ("CRMKPI_MARTS_MAX_AGE_HOURS", 26),
    "lock_wait_seconds": ("CRMKPI_LOCK_WAIT_SECONDS", 3600),
    "publish_free_text": ("CRMKPI_PUBLISH_FREE_TEXT", False),
    "published_file_mode": ("CRMKPI_PUBLISHED_FILE_MODE", "0640"),
    "publish_max_shrink_percent": ("CRMKPI_PUBLISH_MAX_SHRINK_PERCENT", 50.0),
}
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def _path_from_env(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    return Path(value).expanduser().resolve() if value else default


@functools.cache
def _config_file(path: str) -> dict[str, Any]:
    config = Path(path)
    if not config.is_file():
        return {}
    import yaml

    loaded = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    if not isinstance(loaded, dict):
        raise ValueError(f"{config}: expected a mapping of option: value")
    unknown = set(loaded) - set(_OPTIONS)
    if unknown:
        raise ValueError(
            f"{config}: unknown option(s) {sorted(unknown)}, known: {sorted(_OPTIONS)}"
        )
    return loaded


def _raw_option(name: str) -> Any:
    """The option as given: environment (text), else `crmkpi.yaml` (as YAML typed it), else None."""
    raw = os.environ.get(_OPTIONS[name][0])
    if raw is None:
        raw = _config_file(os.environ.get(CONFIG_ENV, str(REPO_ROOT / "crmkpi.yaml"))).get(name)
    return raw


def option(name: str) -> Any:
    """An operating option: environment, else `crmkpi.yaml`, else the default (typed alike)."""
    default = _OPTIONS[name][1]
    raw = _raw_option(name)
    if raw is None:
        return default
    if isinstance(default, bool):
        return _boolean(name, raw)
    return type(default)(raw)


def _boolean(name: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text not in _TRUE + _FALSE:
        raise ValueError(f"option {name}: expected true or false, got {raw!r}")
    return text in _TRUE


def published_file_mode() -> int:
    """Permissions of the published file, written in octal as text: `"0640"`, `"640"`.

    A number is refused: YAML reads an unquoted 0640 as 416 and 640 as six hundred and forty,
    so only a quoted mode says what was meant.
    """
    raw = _raw_option("published_file_mode")
    text = str(_OPTIONS["published_file_mode"][1] if raw is None else raw).strip().lower()
    digits = text.removeprefix("0o")
    if (
        not isinstance(raw, str | None)
        or not digits
        or any(c not in "01234567" for c in digits)
        or int(digits, 8) > 0o777
    ):
        raise ValueError(
            f"option published_file_mode: expected octal permissions as text, e.g. '0640' "
            f"(quoted in crmkpi.yaml), got {raw!r}"
        )
    return int(digits, 8)


def landing_dir() -> Path:
    return _path_from_env(LANDING_ENV, REPO_ROOT / "landing")


def warehouse_path() -> Path:
    """The working warehouse: written by refreshes only, never read by BI tools."""
    return _path_from_env(WAREHOUSE_ENV, REPO_ROOT / "warehouse" / "crm_kpi.duckdb")


def published_warehouse_path() -> Path:
    """The published warehouse BI tools read; replaced atomically after every good refresh."""
    working = warehouse_path()
    return _path_from_env(PUBLISHED_WAREHOUSE_ENV, working.parent / "published" / working.name)


def data_quality_dir() -> Path:
    """Great Expectations results and Data Docs, beside the warehouse they describe."""
    return warehouse_path().parent / "data_quality"


def dbt_project_dir() -> Path:
    return _path_from_env(DBT_PROJECT_ENV, REPO_ROOT / "dbt_project")


def refresh_logs_dir() -> Path:
    """Where `crmkpi refresh` writes its full log (dbt's node log, Dagster's events)."""
    return warehouse_path().parent / "logs"


def dagster_home() -> Path:
    """The Dagster instance of the working warehouse, created on first use with this repo's
    dagster.yaml: runs, check results, pool slots and sensor cursors of one warehouse never
    meet another's (the UI shows the warehouse it was started for)."""
    working = warehouse_path()
    home = _path_from_env(DAGSTER_HOME_ENV, working.parent / f".{working.stem}_dagster")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() and INSTANCE_CONFIG.exists():
        config.symlink_to(INSTANCE_CONFIG)
    return home


def export_environment(
    landing: Path | None = None,
    warehouse: Path | None = None,
    published: Path | None = None,
) -> None:
    """Pin the paths in the environment, so dbt's profile and every child process agree.

    The published path is exported only when given: otherwise it keeps following the working
    warehouse (`<warehouse dir>/published/<name>`) or an explicit `CRMKPI_PUBLISHED_WAREHOUSE`.
    """
    os.environ[LANDING_ENV] = str((landing or landing_dir()).resolve())
    os.environ[WAREHOUSE_ENV] = str((warehouse or warehouse_path()).resolve())
    if published is not None:
        os.environ[PUBLISHED_WAREHOUSE_ENV] = str(published.resolve())
    os.environ["DAGSTER_HOME"] = str(dagster_home())
