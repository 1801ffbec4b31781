"""Plans the sales activities of one opportunity: CRM Tasks/Events and calendar meetings.

Follow-ups are placed inside the stage visit that planned them (so "activities in stage"
is measurable), at working hours of the owning rep, and never after the export except
scheduled future tasks and future calendar meetings.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import Enum

from . import vocab
from .clock import BusinessClock
from .company import Contact, CustomerAccount
from .deals import OpportunityStory, StageVisit
from .formats import SECONDS_PER_DAY
from .profiles import PRESENTATION, PROPOSAL, QUALIFICATION, PlantedParameters


class ActivityKind(Enum):
    CALL = "call"
    EMAIL = "email"
    TASK = "task"
    MEETING = "meeting"
    DEMO = "demo"

    @property
    def is_event(self) -> bool:
        return self in (ActivityKind.MEETING, ActivityKind.DEMO)


_KINDS_BY_MIX_ORDER = (
    ActivityKind.CALL,
    ActivityKind.EMAIL,
    ActivityKind.TASK,
    ActivityKind.MEETING,
)


@dataclass
class PlannedActivity:
    kind: ActivityKind
    at: int  # call/e-mail moment, task due moment, or meeting start
    created_at: int
    stage: int
    subject: str
    contact: Contact | None
    on_account_only: bool  # WhatId is the Account rather than the Opportunity
    duration: int  # seconds for calls, minutes for meetings, else 0
    completed: bool = True
    location: str = ""
    in_calendar: bool = False


@dataclass
class CalendarMeeting:
    """A customer meeting for the rep's calendar (CRM-logged or calendar-only)."""

    start: int
    duration_minutes: int
    subject: str
    contacts: list[Contact]
    created_at: int
    cancelled: bool


@dataclass
class OpportunityActivities:
    crm: list[PlannedActivity]
    calendar_only: list[CalendarMeeting]


def _created_before(
    rng: random.Random, clock: BusinessClock, moment: int, not_before: int, lead: int
) -> int:
    """When a meeting invite or task was entered: working hours, up to ``lead`` earlier."""
    return clock.moment_between(rng, max(not_before, moment - lead), max(not_before, moment) + 1)


class ActivityPlanner:
    def __init__(self, params: PlantedParameters, export_at: int) -> None:
        self.params = params
        self.export_at = export_at

    def plan(
        self,
        rng: random.Random,
        clock: BusinessClock,
        story: OpportunityStory,
        account: CustomerAccount,
    ) -> OpportunityActivities:
        crm: list[PlannedActivity] = []
        calendar_only: list[CalendarMeeting] = []
        for visit in story.visits:
            self._plan_visit(rng, clock, story, visit, account, crm, calendar_only)
        if not story.is_closed:
            self._plan_next_steps(rng, clock, story.visits[-1], account, crm, calendar_only)
        crm.sort(key=lambda activity: activity.at)
        return OpportunityActivities(crm, calendar_only)

    def _plan_visit(
        self,
        rng: random.Random,
        clock: BusinessClock,
        story: OpportunityStory,
        visit: StageVisit,
        account: CustomerAccount,
        crm: list[PlannedActivity],
        calendar_only: list[CalendarMeeting],
    ) -> None:
        params = self.params
        low, high = visit.enter, visit.active_until
        hard_end = visit.exit if visit.exit is not None else self.export_at
        mix = params.activity_mix[visit.stage]
        for index in range(visit.followups):
            if index == 0 and visit.has_demo:
                kind = ActivityKind.DEMO
                # Demos come early in the presentation stage.
                window_high = low + max(2, int((high - low) * 0.7))
            else:
                kind = rng.choices(_KINDS_BY_MIX_ORDER, mix)[0]
                window_high = high
            duration = self._duration(rng, kind)
            if kind.is_event:
                # Meetings must also end inside the visit.
                latest_start = window_high - duration * 60
                at = clock.moment_between(rng, low, max(low + 1, latest_start), duration)
                ends_at = at + duration * 60
            else:
                at = clock.moment_between(rng, low, window_high)
                ends_at = at
            if not low <= at < hard_end or ends_at > hard_end:
                continue  # planned after the export (open deal) or squeezed out
            crm.append(self._activity(rng, clock, kind, at, duration, story, visit, account))
            if kind.is_event and rng.random() < params.unlogged_meeting_rate:
                self._add_unlogged_meeting(
                    rng, clock, visit, account, low, min(high, hard_end), calendar_only
                )

    def _duration(self, rng: random.Random, kind: ActivityKind) -> int:
        if kind is ActivityKind.CALL:
            if rng.random() < 0.25:  # voicemail
                return rng.randint(12, 45)
            return min(3_600, max(60, int(rng.lognormvariate(5.6, 0.6))))
        if kind is ActivityKind.DEMO:
            return rng.choice((45, 60, 60, 90))
        if kind is ActivityKind.MEETING:
            return rng.choice((30, 30, 45, 60, 60))
        return 0

    def _activity(
        self,
        rng: random.Random,
        clock: BusinessClock,
        kind: ActivityKind,
        at: int,
        duration: int,
        story: OpportunityStory,
        visit: StageVisit,
        account: CustomerAccount,
    ) -> PlannedActivity:
        stage = visit.stage
        contact_share = 0.5 if kind is ActivityKind.TASK else 0.88
        contact = rng.choice(account.contacts) if rng.random() < contact_share else None
        created_at = at
        location = ""
        in_calendar = False
        if kind is ActivityKind.CALL:
            subject = (
                vocab.VOICEMAIL_SUBJECT if duration < 60 else rng.choice(vocab.CALL_SUBJECTS[stage])
            )
        elif kind is ActivityKind.EMAIL:
            subject = rng.choice(vocab.EMAIL_SUBJECTS[stage])
        elif kind is ActivityKind.TASK:
            subject = rng.choice(vocab.OTHER_TASK_SUBJECTS[stage])
            created_at = _created_before(rng, clock, at, story.created_at, 3 * SECONDS_PER_DAY)
        else:
            subjects = (
                vocab.DEMO_SUBJECTS if kind is ActivityKind.DEMO else vocab.MEETING_SUBJECTS[stage]
            )
            subject = rng.choice(subjects)
            created_at = _created_before(rng, clock, at, story.created_at, 10 * SECONDS_PER_DAY)
            location = rng.choice(vocab.EVENT_LOCATIONS)
            in_calendar = rng.random() < self.params.crm_event_in_calendar_share
            contact = contact or rng.choice(account.contacts)
        return PlannedActivity(
            kind=kind,
            at=at,
            created_at=created_at,
            stage=stage,
            subject=subject,
            contact=contact,
            # Demos are always logged on the opportunity; other activities sometimes only
            # on the account.
            on_account_only=kind is not ActivityKind.DEMO
            and rng.random() < self.params.account_only_activity_share,
            duration=duration,
            location=location,
            in_calendar=in_calendar,
        )

    def _add_unlogged_meeting(
        self,
        rng: random.Random,
        clock: BusinessClock,
        visit: StageVisit,
        account: CustomerAccount,
        low: int,
        high: int,
        calendar_only: list[CalendarMeeting],
    ) -> None:
        duration = rng.choice((30, 30, 45, 60))
        start = clock.moment_between(rng, low, high, duration)
        if not low <= start < high:
            return
        calendar_only.append(
            CalendarMeeting(
                start=start,
                duration_minutes=duration,
                subject=rng.choice(vocab.MEETING_SUBJECTS[visit.stage]),
                contacts=rng.sample(
                    account.contacts, k=min(len(account.contacts), rng.randint(1, 2))
                ),
                created_at=_created_before(rng, clock, start, low, 7 * SECONDS_PER_DAY),
                cancelled=rng.random() < 0.05,
            )
        )

    def _plan_next_steps(
        self,
        rng: random.Random,
        clock: BusinessClock,
        visit: StageVisit,
        account: CustomerAccount,
        crm: list[PlannedActivity],
        calendar_only: list[CalendarMeeting],
    ) -> None:
        """Open deals: a scheduled follow-up task, maybe an upcoming meeting; or an overdue task."""
        export_day = self.export_at // SECONDS_PER_DAY
        recent_low = max(visit.enter, self.export_at - 7 * SECONDS_PER_DAY)
        if visit.stalled and visit.active_until < self.export_at:
            if rng.random() < 0.3:
                due_day = visit.active_until // SECONDS_PER_DAY + rng.randint(2, 10)
                if due_day < export_day:
                    due_at = clock.moment_on(rng, due_day)
                    crm.append(
                        self._scheduled_task(rng, visit, account, due_at, visit.active_until)
                    )
            return
        if rng.random() < 0.6:
            due_at = clock.moment_on(rng, export_day + rng.randint(1, 14))
            created_at = clock.moment_between(rng, recent_low, self.export_at)
            crm.append(self._scheduled_task(rng, visit, account, due_at, created_at))
        if visit.stage >= PRESENTATION and rng.random() < 0.45:
            duration = rng.choice((30, 45, 60))
            start = clock.moment_between(
                rng,
                self.export_at + SECONDS_PER_DAY,
                self.export_at + 21 * SECONDS_PER_DAY,
                duration,
            )
            calendar_only.append(
                CalendarMeeting(
                    start=start,
                    duration_minutes=duration,
                    subject=rng.choice(vocab.MEETING_SUBJECTS[visit.stage]),
                    contacts=rng.sample(account.contacts, k=min(len(account.contacts), 2)),
                    created_at=clock.moment_between(rng, recent_low, self.export_at),
                    cancelled=False,
                )
            )

    def _scheduled_task(
        self,
        rng: random.Random,
        visit: StageVisit,
        account: CustomerAccount,
        due_at: int,
        created_at: int,
    ) -> PlannedActivity:
        subject = {
            QUALIFICATION: "Follow up",
            PRESENTATION: "Schedule demo follow-up",
            PROPOSAL: "Follow up on proposal",
        }.get(visit.stage, "Chase signature")
        return PlannedActivity(
            kind=ActivityKind.TASK,
            at=due_at,
            created_at=created_at,
            stage=visit.stage,
            subject=subject,
            contact=rng.choice(account.contacts),
            on_account_only=False,
            duration=0,
            completed=False,
        )
