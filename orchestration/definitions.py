"""The single Dagster entry point: `dagster dev -m orchestration.definitions`."""

from __future__ import annotations

import dagster as dg

from orchestration.defs import automation, ingestion, publish, quality, transformation

defs = dg.Definitions.merge(
    ingestion.defs, transformation.defs, quality.defs, publish.defs, automation.defs
)
