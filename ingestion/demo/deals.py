"""Simulates one opportunity's life: stage visits, outcomes and its OpportunityHistory.

A deal walks the canonical funnel one *visit* at a time. Each visit has a lognormal
duration (some stall for far longer), a number of follow-up activities, and ends in
advance / skip / regress / won / lost. The odds carry the planted effects: rep skill,
follow-up effort, a penalty after skipping the demo stage, and Q4 / quarter-end timing.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from enum import Enum

from .clock import BusinessClock
from .company import SalesUser
from .formats import SECONDS_PER_DAY, month_end_day, quarter_bounds, quarter_of_day
from .profiles import (
    CLOSED_LOST,
    CLOSED_WON,
    CONTRACT,
    PRESENTATION,
    PROPOSAL,
    QUALIFICATION,
    SALESFORCE_STAGES,
    PlantedParameters,
)

MAX_REGRESSIONS = 2
MAX_CLOSE_DATE_SLIPS = 3
MANAGER_EDIT_SHARE = 0.03


class Outcome(Enum):
    ADVANCE = "advance"
    REGRESS = "regress"
    WON = "won"
    LOST = "lost"


@dataclass
class HistoryRow:
    at: int
    stage_name: str
    amount: float | None
    close_day: int
    by_manager: bool


@dataclass
class StageVisit:
    stage: int
    enter: int
    exit: int | None  # None: still in this stage at the export
    active_until: int  # planned end of follow-ups (stalled visits go quiet early)
    followups: int
    stalled: bool
    has_demo: bool  # presentation visits: one follow-up is a product demo


@dataclass(frozen=True)
class _VisitDraw:
    normal_days: float  # duration had the visit not stalled
    days: float
    stalled: bool
    abandoned: bool
    followups: int
    has_demo: bool


@dataclass
class OpportunityStory:
    created_at: int
    history: list[HistoryRow]
    visits: list[StageVisit]
    closed_at: int | None
    is_won: bool

    @property
    def final(self) -> HistoryRow:
        return self.history[-1]

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


def poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    threshold, count, product = math.exp(-mean), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def _sigmoid(logit: float) -> float:
    return 1.0 / (1.0 + math.exp(-logit))


def _entry_stage_name(rng: random.Random, stage: int, regressed: bool) -> str:
    """The Salesforce stage a rep picks when a deal enters a canonical stage."""
    if stage == QUALIFICATION:
        return "Qualification" if regressed else "Prospecting"
    if stage == PRESENTATION:
        if regressed:
            return rng.choice(("Value Proposition", "Perception Analysis"))
        return rng.choices(SALESFORCE_STAGES[PRESENTATION][:3], (0.6, 0.25, 0.15))[0]
    return SALESFORCE_STAGES[stage][0]


class DealSimulator:
    def __init__(self, params: PlantedParameters, export_at: int) -> None:
        self.params = params
        self.export_at = export_at

    def simulate(
        self,
        rng: random.Random,
        rep: SalesUser,
        clock: BusinessClock,
        created_at: int,
        amount: float,
    ) -> OpportunityStory:
        params = self.params
        expected_cycle_days = (
            sum(params.stage_median_days.values()) * rep.team.cycle_speed * rep.speed
        )
        close_day = created_at // SECONDS_PER_DAY + max(
            7, round(expected_cycle_days * rng.uniform(0.7, 1.5))
        )
        if rng.random() < 0.4:  # reps like month-end close dates
            close_day = month_end_day(close_day)
        known_amount = None if rng.random() < params.amount_missing_at_creation_share else amount
        stage_name = "Prospecting" if rng.random() < 0.75 else "Qualification"
        history = [HistoryRow(created_at, stage_name, known_amount, close_day, False)]
        visits: list[StageVisit] = []
        state = _EditState(stage_name, known_amount, close_day, MAX_CLOSE_DATE_SLIPS)

        stage, enter = QUALIFICATION, created_at
        had_demo, regressions = False, 0
        while True:
            draw = self._draw_visit(rng, rep, stage, enter)
            exit_at = clock.snap(rng, enter + int(draw.days * SECONDS_PER_DAY), enter)
            if draw.abandoned:
                # Closed lost in the manager's clean-up on the last weekday of the quarter.
                outcome, next_stage = Outcome.LOST, stage
                last_day = quarter_bounds(*quarter_of_day(exit_at // SECONDS_PER_DAY))[1]
                exit_at = clock.moment_on(rng, clock.weekday_on_or_before(last_day))
            else:
                outcome, next_stage = self._decide(
                    rng, rep, stage, draw.followups, had_demo, regressions, exit_at
                )
                if outcome in (Outcome.WON, Outcome.LOST):
                    exit_at = self._seasonal_close(rng, clock, stage, exit_at, enter, outcome)
            is_open = exit_at >= self.export_at
            visit_end = self.export_at if is_open else exit_at
            quiet_from = enter + int(draw.normal_days * SECONDS_PER_DAY)
            visits.append(
                StageVisit(
                    stage=stage,
                    enter=enter,
                    exit=None if is_open else exit_at,
                    active_until=quiet_from if draw.stalled else exit_at,
                    followups=draw.followups,
                    stalled=draw.stalled,
                    has_demo=draw.has_demo,
                )
            )
            history.extend(
                self._edits_within_visit(rng, clock, stage, state, enter, visit_end, amount)
            )
            if is_open:
                return OpportunityStory(created_at, history, visits, None, False)

            had_demo = had_demo or draw.has_demo
            if state.amount is None and (outcome is not Outcome.LOST or rng.random() < 0.5):
                state.amount = amount
            if outcome in (Outcome.WON, Outcome.LOST):
                state.stage_name = CLOSED_WON if outcome is Outcome.WON else CLOSED_LOST
                state.close_day = exit_at // SECONDS_PER_DAY
                # Stalled deals are often closed lost by the manager in a pipeline clean-up.
                by_manager = draw.abandoned or rng.random() < (
                    0.5 if draw.stalled and outcome is Outcome.LOST else MANAGER_EDIT_SHARE
                )
                history.append(state.row(exit_at, by_manager))
                return OpportunityStory(
                    created_at, history, visits, exit_at, outcome is Outcome.WON
                )

            regressions += outcome is Outcome.REGRESS
            state.stage_name = _entry_stage_name(rng, next_stage, outcome is Outcome.REGRESS)
            if state.close_day < exit_at // SECONDS_PER_DAY + 7:
                state.close_day = exit_at // SECONDS_PER_DAY + rng.randint(14, 45)
            history.append(state.row(exit_at, rng.random() < MANAGER_EDIT_SHARE))
            stage, enter = next_stage, exit_at

    def _draw_visit(self, rng: random.Random, rep: SalesUser, stage: int, enter: int) -> _VisitDraw:
        """Duration, stall and follow-up effort of one stage visit."""
        params = self.params
        median_days = params.stage_median_days[stage] * rep.team.cycle_speed * rep.speed
        if stage >= PROPOSAL and quarter_of_day(enter // SECONDS_PER_DAY)[1] == 4:
            median_days *= params.q4_late_stage_speedup  # everyone pushes to sign before year end
        normal_days = max(median_days * rng.lognormvariate(0.0, params.stage_duration_sigma), 0.05)
        stalled = rng.random() < params.stall_probability[stage]
        abandoned = stalled and rng.random() < params.abandoned_stall_share
        if abandoned:
            days = rng.uniform(*params.abandoned_stall_days_range)
        elif stalled:
            days = normal_days * rng.uniform(*params.stall_multiplier_range)
        else:
            days = normal_days
        # Longer visits get more follow-ups, with diminishing returns.
        effort = min(2.0, max(0.5, math.sqrt(normal_days / median_days)))
        followups = poisson(
            rng,
            params.expected_followups_per_visit[stage]
            * rep.diligence
            * effort
            * rng.lognormvariate(0.0, params.followup_visit_noise_sigma),
        )
        has_demo = (
            stage == PRESENTATION
            and followups > 0
            and rng.random() < params.demo_in_presentation_probability
        )
        return _VisitDraw(normal_days, days, stalled, abandoned, followups, has_demo)

    def _decide(
        self,
        rng: random.Random,
        rep: SalesUser,
        stage: int,
        followups: int,
        had_demo: bool,
        regressions: int,
        exit_at: int,
    ) -> tuple[Outcome, int]:
        params = self.params
        if (
            stage > QUALIFICATION
            and regressions < MAX_REGRESSIONS
            and rng.random() < params.regress_probability[stage]
        ):
            return Outcome.REGRESS, stage - 1
        logit = (
            params.advance_base_logit[stage]
            + rep.skill
            + rep.team.win_logit_offset
            + params.followup_effect
            * (math.log1p(followups) - math.log1p(params.expected_followups_per_visit[stage]))
        )
        if not had_demo and stage >= PROPOSAL:
            logit -= params.demo_skip_penalty
        if stage >= PROPOSAL and quarter_of_day(exit_at // SECONDS_PER_DAY)[1] == 4:
            logit += params.q4_late_stage_win_bonus
        if rng.random() >= _sigmoid(logit):
            return Outcome.LOST, stage
        if stage == CONTRACT:
            return Outcome.WON, stage
        if stage == QUALIFICATION and rng.random() < rep.demo_skip_rate:
            return Outcome.ADVANCE, PROPOSAL
        if stage == PRESENTATION and rng.random() < params.skip_to_contract_probability:
            return Outcome.ADVANCE, CONTRACT
        return Outcome.ADVANCE, stage + 1

    def _seasonal_close(
        self,
        rng: random.Random,
        clock: BusinessClock,
        stage: int,
        exit_at: int,
        enter: int,
        outcome: Outcome,
    ) -> int:
        """Quarter-end pressure: many closes slide to the last weeks of the quarter."""
        params = self.params
        day = exit_at // SECONDS_PER_DAY
        year, quarter = quarter_of_day(day)
        first_day, last_day = quarter_bounds(year, quarter)
        push_probability = params.quarter_end_push_probability[quarter]
        if outcome is Outcome.LOST:
            push_probability *= params.lost_push_share if stage >= PROPOSAL else 0.0
        window = params.quarter_end_push_window_days
        if day < last_day - window and rng.random() < push_probability:
            target_day = clock.weekday_on_or_before(last_day - rng.randrange(window))
            return clock.moment_on(rng, target_day)
        if (
            outcome is Outcome.WON
            and quarter == 1
            and day - first_day < params.q4_pull_in_window_days
            and rng.random() < params.q4_pull_in_probability
        ):
            target_day = clock.weekday_on_or_before(first_day - 1 - rng.randrange(10))
            pulled = clock.moment_on(rng, target_day)
            if pulled > enter + SECONDS_PER_DAY:
                return pulled
        return exit_at

    def _edits_within_visit(
        self,
        rng: random.Random,
        clock: BusinessClock,
        stage: int,
        state: _EditState,
        enter: int,
        end: int,
        amount: float,
    ) -> list[HistoryRow]:
        """Rows recorded while the stage stays the same canonical stage.

        Sub-stage moves (Prospecting -> Qualification, Needs Analysis -> Value Proposition...),
        close-date slips and amount edits, in time order.
        """
        span = end - enter
        if span <= 60:
            return []
        # (moment, new stage name, new amount, new close day); None = field unchanged.
        edits: list[tuple[int, str | None, float | None, int | None]] = []
        sub_stages = SALESFORCE_STAGES[stage]
        if len(sub_stages) > 1 and state.stage_name in sub_stages:
            later = sub_stages[sub_stages.index(state.stage_name) + 1 :]
            moves = [name for name in later if rng.random() < 0.45]
            times = sorted(enter + int(span * rng.uniform(0.05, 0.8)) for _ in moves)
            edits.extend((at, name, None, None) for at, name in zip(times, moves, strict=True))
        if stage in (PROPOSAL, CONTRACT) and rng.random() < (0.35 if stage == PROPOSAL else 0.15):
            base = state.amount if state.amount is not None else amount
            new_amount = max(100.0, round(base * rng.uniform(0.8, 1.15) / 100) * 100)
            edits.append((enter + int(span * rng.uniform(0.1, 0.9)), None, new_amount, None))
        # Close-date slips: when the expected date passes, the rep pushes it out.
        close_day = state.close_day
        end_day = end // SECONDS_PER_DAY
        while state.slips_left and close_day < end_day:
            slip_at = clock.moment_on(rng, close_day + rng.randint(1, 5))
            if slip_at >= end:
                break
            slip_at = max(slip_at, enter + 60)
            close_day = slip_at // SECONDS_PER_DAY + rng.randint(14, 45)
            edits.append((slip_at, None, None, close_day))
            state.slips_left -= 1

        rows = []
        for at, stage_name, new_amount, new_close_day in sorted(edits, key=lambda edit: edit[0]):
            if stage_name is not None:
                state.stage_name = stage_name
            if new_amount is not None:
                state.amount = new_amount
            if new_close_day is not None:
                state.close_day = new_close_day
            rows.append(state.row(at, rng.random() < MANAGER_EDIT_SHARE))
        return rows


@dataclass
class _EditState:
    """The opportunity's current field values while its history is being written."""

    stage_name: str
    amount: float | None
    close_day: int
    slips_left: int

    def row(self, at: int, by_manager: bool) -> HistoryRow:
        return HistoryRow(at, self.stage_name, self.amount, self.close_day, by_manager)
