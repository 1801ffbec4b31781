"""What the benchmark ran on: CPU, memory, OS, Python and package versions, load, from /proc."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

PACKAGES = ("dlt", "dbt-core", "dbt-duckdb", "duckdb", "dagster", "great_expectations")


def _proc(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def cpu_model() -> str:
    for line in _proc("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def memory_gib() -> float:
    for line in _proc("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024**2
    return 0.0


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (other work on a shared machine skews timings)."""
    fields = _proc("/proc/loadavg").split()
    return " / ".join(fields[:3]) if fields else "unknown"


def os_name() -> str:
    for line in _proc("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            return f"{line.split('=', 1)[1].strip(chr(34))}, Linux {platform.release()}"
    return platform.platform()


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def describe() -> dict[str, str]:
    """Machine facts as report lines, label -> value."""
    return {
        "CPU": f"{cpu_model()}, {os.cpu_count()} cores",
        "RAM": f"{memory_gib():.1f} GiB",
        "OS": os_name(),
        "Python": platform.python_version(),
        "packages": ", ".join(f"{k} {v}" for k, v in package_versions().items()),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
