"""The ingestion benchmark runs end to end on a small activity export and reports its ratio."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
KNOWN_ANSWER = Path(__file__).parent / "fixtures" / "known_answer" / "salesforce"


def test_bench_loads_the_activity_exports_both_ways_and_prints_the_ratio(tmp_path: Path) -> None:
    landing = tmp_path / "exports"
    (landing / "salesforce").mkdir(parents=True)
    for name in ("Task.csv", "Event.csv"):
        shutil.copy(KNOWN_ANSWER / name, landing / "salesforce" / name)
    command = [sys.executable, "-m", "bench.ingest", "--landing", str(landing)]
    result = subprocess.run(
        [*command, "--work", str(tmp_path / "work")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "12 rows" in result.stdout  # 8 tasks + 4 events, both ways
    assert "ratio pipeline / duckdb:" in result.stdout
    assert "second run, nothing new:" in result.stdout
