"""The Plan page's what-if: a revenue target turned into won deals, demos and calls per week.

The same arithmetic as the `kpi_goal_plan` mart (docs/kpi_definitions.md, "Reverse goal
decomposition"), on rates the mart carries, so a user can change the target (or a rate) and
see the plan follow, and a test can check the function against the mart's own rows:

- remaining = max(target - won to date, 0)
- required won deals = ceil(remaining / average deal size)
- required opportunities reaching stage k = ceil(required won deals / P(won | reached k))
- required activities (of a type) = ceil(required presentations x activities (of that type)
  per qualified opportunity)
- per week = required / weeks left (the mart's weeks_left: at least one week)

A count is None when a rate it needs is missing or 0 (unknown is not invented); with nothing
remaining every count is 0. Counts round up, but not on floating-point noise: like the mart's
`ceil_count` macro, the quotient is rounded to 6 decimals first (5 / (1 / 3) needs 15, not 16).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

OPEN_STAGES = ("qualification", "presentation", "proposal", "contract")
# Opportunities reaching this stage are the plan's "demos" (qualified opportunities).
DEMO_STAGE = "presentation"


@dataclass(frozen=True)
class PlanRates:
    """The rates of one scope, as kpi_goal_plan carries them (`*_used` columns)."""

    avg_deal_size: float | None
    stage_to_win: Mapping[str, float | None]
    # activities of a kind per qualified opportunity: "activities" (all), and by type where
    # the mart splits them ("calls", "meetings_demos", "emails")
    per_qualified_opportunity: Mapping[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class GoalPlan:
    target_amount: float
    won_to_date: float
    remaining_amount: float
    weeks_left: float
    required_won_deals: int | None
    required_opportunities: dict[str, int | None]
    required_activities: dict[str, int | None]

    @property
    def required_demos(self) -> int | None:
        return self.required_opportunities.get(DEMO_STAGE)

    def per_week(self, count: int | None) -> float | None:
        return None if count is None else count / self.weeks_left


def _ceil_count(quotient: float) -> int:
    return math.ceil(round(quotient, 6))


def _usable(rate: float | None) -> bool:
    """A rate a count can be derived from: known (not None / NaN) and not 0."""
    return rate is not None and not math.isnan(rate) and rate != 0


def _required(base: int | None, rate: float | None, divide: bool) -> int | None:
    if base == 0:
        return 0
    if base is None or rate is None or not _usable(rate):
        return None
    return _ceil_count(base / rate if divide else base * rate)


def what_if_plan(
    target_amount: float, won_to_date: float, rates: PlanRates, weeks_left: float
) -> GoalPlan:
    """The goal plan for `target_amount` given what is won so far and the scope's rates."""
    if weeks_left < 1:
        raise ValueError(f"weeks_left must be at least 1 (the mart's floor), got {weeks_left}")
    remaining = max(target_amount - won_to_date, 0.0)
    if remaining == 0:
        won_deals: int | None = 0
    elif rates.avg_deal_size is None or not _usable(rates.avg_deal_size):
        won_deals = None
    else:
        won_deals = _ceil_count(remaining / rates.avg_deal_size)
    opportunities = {
        stage: _required(won_deals, rates.stage_to_win.get(stage), divide=True)
        for stage in OPEN_STAGES
    }
    activities = {
        kind: _required(opportunities[DEMO_STAGE], rate, divide=False)
        for kind, rate in rates.per_qualified_opportunity.items()
    }
    return GoalPlan(
        target_amount=target_amount,
        won_to_date=won_to_date,
        remaining_amount=remaining,
        weeks_left=weeks_left,
        required_won_deals=won_deals,
        required_opportunities=opportunities,
        required_activities=activities,
    )
