"""Pipeline-stage labels known to the `stage_mapping` seed, checked at ingestion time.

A label the seed does not know would reach the marts as an unmapped stage and silently drop out
of every funnel KPI, so ingestion quarantines the row instead ("unknown stage label ..."). After
adding the label to `dbt_project/seeds/stage_mapping.csv`, the next refresh re-reads the files
of the affected tables: the set of known labels is part of every stage-checked table's
fingerprint.

Labels match case-insensitively after trimming, like `int_stage_mapping_expanded` joins them.
Rows with source system `any` (e.g. the Chinese labels) are accepted for every source system.
"""

from __future__ import annotations

import csv
import os
from functools import lru_cache
from pathlib import Path

ANY_SYSTEM = "any"
CANONICAL_STAGES = ("qualification", "presentation", "proposal", "contract", "won", "lost")
CANONICAL_STAGE_ORDER = {stage: order for order, stage in enumerate(CANONICAL_STAGES[:5], 1)}


def stage_mapping_path() -> Path:
    """The seed file; `CRMKPI_STAGE_MAPPING` points elsewhere (tests, other deployments)."""
    configured = os.environ.get("CRMKPI_STAGE_MAPPING")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "stage_mapping.csv"


def stage_key(label: str) -> str:
    return label.strip().lower()


@lru_cache(maxsize=8)
def _seed_labels(path: Path, mtime_ns: int) -> dict[str, frozenset[str]]:
    del mtime_ns  # part of the cache key only: an edited seed is read again
    labels: dict[str, set[str]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            system = (row.get("source_system") or "").strip().lower()
            label = row.get("source_stage_label") or ""
            if system and label.strip():
                labels.setdefault(system, set()).add(stage_key(label))
    return {system: frozenset(values) for system, values in labels.items()}


def known_stage_labels(source_system: str, extra: frozenset[str] = frozenset()) -> frozenset[str]:
    """Lower-cased labels accepted for `source_system`: its own seed rows, `any` rows, `extra`."""
    path = stage_mapping_path()
    seed = _seed_labels(path, path.stat().st_mtime_ns) if path.is_file() else {}
    system = source_system.strip().lower()
    return seed.get(system, frozenset()) | seed.get(ANY_SYSTEM, frozenset()) | extra
