"""Deterministic demo exports of a fictional B2B SaaS sales team.

``generate_demo_exports(out_dir, scale, seed, export_at)`` writes Salesforce Data Loader
CSVs, Google Calendar ICS files and a quota sheet that behave like a real team's, with
the planted effects recorded in ``manifest.json``.
"""

from .generator import (
    DEFAULT_EXPORT_AT,
    QUOTA_COLUMNS,
    SALESFORCE_COLUMNS,
    DemoManifest,
    generate_demo_exports,
)
from .profiles import PUBLIC_SCALES

__all__ = [
    "DEFAULT_EXPORT_AT",
    "PUBLIC_SCALES",
    "QUOTA_COLUMNS",
    "SALESFORCE_COLUMNS",
    "DemoManifest",
    "generate_demo_exports",
]
