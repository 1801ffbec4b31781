"""How fresh the marts must be: one Dagster FreshnessPolicy, and the same rule for `crmkpi status`.

Dagster 1.13's `FreshnessPolicy` (it superseded freshness checks in 1.12) is attached to every
mart and to `published_marts`; the daemon's freshness evaluation shows it in the UI. The CLI
does not need the daemon: :func:`freshness_state` applies the same window to the last
materialization recorded in the instance.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg

from orchestration import settings


def max_age() -> dt.timedelta:
    return dt.timedelta(hours=float(settings.option("marts_max_age_hours")))


def marts_freshness_policy() -> dg.FreshnessPolicy:
    """Fail when a mart was last materialized longer ago than `marts_max_age_hours`."""
    return dg.FreshnessPolicy.time_window(fail_window=max_age())


def freshness_state(last_materialized: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """PASS, FAIL or UNKNOWN (never materialized), like the policy above."""
    if last_materialized is None:
        return "UNKNOWN"
    now = now or dt.datetime.now(dt.UTC)
    return "PASS" if now - last_materialized <= max_age() else "FAIL"
