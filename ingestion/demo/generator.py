"""Writes the demo exports: Salesforce Data Loader CSVs, Google Calendar ICS, quota sheet.

Generation is streamed rep by rep and opportunity by opportunity: every CSV row is written
as soon as it exists, and only one rep's calendar is buffered at a time, so memory stays
flat even at the ``large`` scale (200k opportunities, ~5M activities).
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import vocab
from .activities import ActivityKind, ActivityPlanner, CalendarMeeting, PlannedActivity
from .clock import BusinessClock
from .company import (
    POD_SIZE,
    AccountFactory,
    CustomerAccount,
    SalesOrg,
    SalesUser,
    build_sales_org,
)
from .deals import DealSimulator, OpportunityStory
from .formats import (
    EVENT_PREFIX,
    OPPORTUNITY_HISTORY_PREFIX,
    OPPORTUNITY_PREFIX,
    SECONDS_PER_DAY,
    SECONDS_PER_HOUR,
    TASK_PREFIX,
    DataLoaderCsvWriter,
    SalesforceIdFactory,
    from_epoch,
    iso_date,
    quarter_bounds,
    quarter_of_day,
    sf_bool,
    sf_datetime,
    sf_number,
    to_epoch,
    weekday,
)
from .ics import (
    RepCalendar,
    customer_meeting,
    new_uid,
    sales_kickoffs,
    team_meeting_series,
)
from .profiles import (
    ALL_TEAMS,
    CLOSED_WON,
    SCALES,
    STAGE_PROBABILITY,
    PlantedParameters,
    ScaleProfile,
)

DEFAULT_EXPORT_AT = datetime(2026, 10, 30, 18, 0, 0, tzinfo=UTC)

SALESFORCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "User": (
        "Id", "Username", "FirstName", "LastName", "Name", "Email", "Title", "Department",
        "ManagerId", "IsActive", "CreatedDate",
    ),
    "Account": (
        "Id", "Name", "Website", "Industry", "BillingCountry", "NumberOfEmployees", "OwnerId",
        "CreatedDate",
    ),
    "Opportunity": (
        "Id", "AccountId", "OwnerId", "Name", "StageName", "Amount", "CurrencyIsoCode",
        "Probability", "CloseDate", "IsClosed", "IsWon", "Type", "LeadSource", "CreatedDate",
        "LastModifiedDate", "IsDeleted",
    ),
    "OpportunityHistory": (
        "Id", "OpportunityId", "StageName", "Amount", "Probability", "CloseDate", "CreatedDate",
        "CreatedById",
    ),
    "Task": (
        "Id", "WhoId", "WhatId", "AccountId", "OwnerId", "Subject", "ActivityDate", "Status",
        "Priority", "Type", "TaskSubtype", "CallDurationInSeconds", "IsClosed", "CreatedDate",
    ),
    "Event": (
        "Id", "WhoId", "WhatId", "AccountId", "OwnerId", "Subject", "Type", "EventSubtype",
        "ActivityDateTime", "StartDateTime", "EndDateTime", "DurationInMinutes",
        "IsAllDayEvent", "Location", "CreatedDate",
    ),
}  # fmt: skip
QUOTA_COLUMNS = ("Rep Email", "Rep Name", "Team", "Period", "Quota", "Currency")
QUOTA_PATH = "targets/quotas.csv"


@dataclass
class DemoManifest:
    """What was generated, and the behaviour planted in it (also ``manifest.json``)."""

    seed: int
    scale: str
    export_at: str
    history_start: str
    company: dict[str, str]
    row_counts: dict[str, int]  # data rows per CSV (header excluded), by relative path
    calendar_files: int
    calendar_vevents: int  # VEVENT components over all calendar files
    planted: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"


def generate_demo_exports(
    out_dir: Path,
    scale: str = "small",
    seed: int = 42,
    export_at: datetime | None = None,
) -> DemoManifest:
    """Write a fictional company's CRM, calendar and quota exports into ``out_dir``.

    Same ``seed`` + ``scale`` + ``export_at`` gives byte-identical files. ``scale`` is
    ``small`` (default, ~20 reps), ``medium`` (10x) or ``large`` (100x, streamed).
    """
    if scale not in SCALES:
        known = ", ".join(name for name in SCALES if name != "tiny")
        raise ValueError(f"unknown scale {scale!r}; expected one of: {known}")
    moment = export_at or DEFAULT_EXPORT_AT
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # naive export times are taken as UTC
    return _DemoRun(Path(out_dir), SCALES[scale], seed, to_epoch(moment)).execute()


@dataclass
class _RepScope:
    """What stays fixed while one rep's deals are generated."""

    rng: random.Random
    rep: SalesUser
    manager: SalesUser
    clock: BusinessClock
    calendar: RepCalendar
    accounts: list[CustomerAccount] = field(default_factory=list)  # for upgrades/renewals


class _DemoRun:
    def __init__(self, out_dir: Path, scale: ScaleProfile, seed: int, export_at: int) -> None:
        self.out_dir = out_dir
        self.scale = scale
        self.seed = seed
        self.export_at = export_at
        self.params = PlantedParameters()
        self.history_start = export_at - self.params.history_days * SECONDS_PER_DAY
        self.ids = SalesforceIdFactory()
        self.accounts = AccountFactory(self.ids)
        self.simulator = DealSimulator(self.params, export_at)
        self.planner = ActivityPlanner(self.params, export_at)
        # Won amount in USD per (team, year, quarter): the basis of the quota sheet.
        self.won_usd: dict[tuple[str, int, int], float] = {}
        self.calendar_vevents = 0
        self.writers: dict[str, DataLoaderCsvWriter] = {}

    def _rng(self, purpose: str) -> random.Random:
        # String seeds hash with SHA-512: stable across runs and PYTHONHASHSEED.
        return random.Random(f"crm-kpi-demo:{self.seed}:{purpose}")

    def execute(self) -> DemoManifest:
        for folder in ("salesforce", "calendar", "targets"):
            (self.out_dir / folder).mkdir(parents=True, exist_ok=True)
        org_rng = self._rng("org")
        org = build_sales_org(org_rng, self.ids, self.scale, self.params, self.history_start)
        pod_meetings = self._pod_meetings(org_rng, org)
        kickoff_uids = {
            year: new_uid(org_rng)
            for year in range(
                from_epoch(self.history_start).year, from_epoch(self.export_at).year + 1
            )
        }
        self.writers = {
            name: DataLoaderCsvWriter(self.out_dir / "salesforce" / f"{name}.csv", columns)
            for name, columns in SALESFORCE_COLUMNS.items()
        }
        written_calendars: set[str] = set()
        try:
            self._write_users(org)
            for index, rep in enumerate(org.reps):
                calendar = RepCalendar(rep)
                calendar.add(*pod_meetings[(rep.team.name, rep.pod)])
                calendar.add(*sales_kickoffs(kickoff_uids, rep, self.history_start, self.export_at))
                scope = _RepScope(
                    rng=self._rng(f"rep:{index}"),
                    rep=rep,
                    manager=org.manager_of(rep),
                    clock=BusinessClock(rep.team.timezone),
                    calendar=calendar,
                )
                self._generate_rep(scope)
                file_name = f"{rep.email_local_part}.ics"
                calendar.write(self.out_dir / "calendar" / file_name)
                written_calendars.add(file_name)
                self.calendar_vevents += calendar.vevent_count
        finally:
            for writer in self.writers.values():
                writer.close()
        for stale in sorted((self.out_dir / "calendar").glob("*.ics")):
            if stale.name not in written_calendars:
                stale.unlink()  # a previous run's rep would otherwise look like a real calendar
        quota_rows, quota_bases = self._write_quotas(org)
        manifest = DemoManifest(
            seed=self.seed,
            scale=self.scale.name,
            export_at=sf_datetime(self.export_at),
            history_start=sf_datetime(self.history_start),
            company={"name": vocab.COMPANY_NAME, "email_domain": vocab.COMPANY_DOMAIN},
            row_counts={
                **{
                    f"salesforce/{name}.csv": writer.rows_written
                    for name, writer in self.writers.items()
                },
                QUOTA_PATH: quota_rows,
            },
            calendar_files=len(written_calendars),
            calendar_vevents=self.calendar_vevents,
            planted=self._planted(org, quota_bases),
        )
        (self.out_dir / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
        return manifest

    # --- org-level content -----------------------------------------------------------------

    def _write_users(self, org: SalesOrg) -> None:
        for user in org.users:
            self.writers["User"].write(
                (
                    user.user_id,
                    user.email,
                    user.first_name,
                    user.last_name,
                    user.name,
                    user.email,
                    user.title,
                    user.team.name,
                    user.manager_id,
                    sf_bool(True),
                    sf_datetime(user.created_at),
                )
            )

    def _pod_meetings(
        self, rng: random.Random, org: SalesOrg
    ) -> dict[tuple[str, int], tuple[str, int]]:
        meetings = {}
        for manager in org.managers:
            team_reps = [rep for rep in org.reps if rep.manager_id == manager.user_id]
            pod_count = (len(team_reps) + POD_SIZE - 1) // POD_SIZE
            for pod in range(pod_count):
                meetings[(manager.team.name, pod)] = team_meeting_series(
                    rng,
                    clock=BusinessClock(manager.team.timezone),
                    team_name=manager.team.name,
                    holiday_region=manager.team.holiday_region,
                    pod_label=f" pod {pod + 1}" if pod_count > 1 else "",
                    manager=manager,
                    members=[rep for rep in team_reps if rep.pod == pod],
                    history_start=self.history_start,
                    export_at=self.export_at,
                )
        return meetings

    # --- per rep ---------------------------------------------------------------------------

    def _generate_rep(self, scope: _RepScope) -> None:
        rng = scope.rng
        for created_at in self._creation_times(scope, scope.rep.opportunity_count):
            account, deal_type = self._pick_account(scope, created_at)
            amount = self._amount(scope, account, deal_type)
            story = self.simulator.simulate(rng, scope.rep, scope.clock, created_at, amount)
            opportunity_id = self._write_opportunity(scope, account, deal_type, story)
            if story.is_won and story.closed_at is not None:
                account.last_won_at = story.closed_at
                self._add_won(scope.rep, story, account)
            planned = self.planner.plan(rng, scope.clock, story, account)
            for activity in planned.crm:
                self._write_activity(scope, account, opportunity_id, activity)
            for meeting in planned.calendar_only:
                self._add_meeting(scope, account, meeting, rng.choice(vocab.EVENT_LOCATIONS))
            if rng.random() < self.params.deleted_opportunity_share:
                self._write_deleted_duplicate(scope, account, deal_type, story)

    def _creation_times(self, scope: _RepScope, count: int) -> list[int]:
        """Opportunity creation moments: weekdays, seasonal by quarter, growing year on year."""
        params, rng = self.params, scope.rng
        span_years = params.history_days / 365.25
        growth_max = 1 + params.annual_volume_growth * span_years
        weight_max = max(params.creation_seasonality.values()) * growth_max
        times: list[int] = []
        while len(times) < count:
            day = rng.randrange(self.history_start, self.export_at) // SECONDS_PER_DAY
            if weekday(day) >= 5:
                continue
            years_in = (day * SECONDS_PER_DAY - self.history_start) / (365.25 * SECONDS_PER_DAY)
            weight = params.creation_seasonality[quarter_of_day(day)[1]] * (
                1 + params.annual_volume_growth * years_in
            )
            if rng.random() * weight_max > weight:
                continue
            moment = scope.clock.moment_on(rng, day)
            if self.history_start <= moment < self.export_at - SECONDS_PER_HOUR:
                times.append(moment)
        return sorted(times)

    def _pick_account(self, scope: _RepScope, created_at: int) -> tuple[CustomerAccount, str]:
        """An existing customer (upgrade / renewal) or a new account (new business)."""
        rng = scope.rng
        customers = [
            a for a in scope.accounts if a.last_won_at is not None and a.last_won_at < created_at
        ]
        if customers and rng.random() < 0.3:
            account = rng.choice(customers)
            assert account.last_won_at is not None
            if created_at - account.last_won_at > 300 * SECONDS_PER_DAY:
                return account, "Existing Customer - Renewal"
            return account, "Existing Customer - Upgrade"
        low = max(self.history_start, created_at - 14 * SECONDS_PER_DAY)
        account_created = scope.clock.moment_between(rng, low, created_at)
        account = self.accounts.create(rng, scope.rep, account_created)
        scope.accounts.append(account)
        self.writers["Account"].write(
            (
                account.account_id,
                account.name,
                account.website,
                account.industry,
                account.country,
                str(account.employees),
                account.owner_id,
                sf_datetime(account.created_at),
            )
        )
        return account, "New Business"

    def _amount(self, scope: _RepScope, account: CustomerAccount, deal_type: str) -> float:
        usd = scope.rep.team.deal_size_median_usd * scope.rng.lognormvariate(0.0, 0.55)
        if deal_type == "Existing Customer - Upgrade":
            usd *= 0.45
        elif deal_type == "Existing Customer - Renewal":
            usd *= 0.9
        local = usd / self.params.usd_per_currency[account.currency]
        step = 500 if local >= 20_000 else 100
        return float(max(step, round(local / step) * step))

    def _add_won(self, rep: SalesUser, story: OpportunityStory, account: CustomerAccount) -> None:
        assert story.closed_at is not None and story.final.amount is not None
        year, quarter = quarter_of_day(story.closed_at // SECONDS_PER_DAY)
        key = (rep.team.name, year, quarter)
        usd = story.final.amount * self.params.usd_per_currency[account.currency]
        self.won_usd[key] = self.won_usd.get(key, 0.0) + usd

    # --- Salesforce rows -------------------------------------------------------------------

    def _opportunity_name(
        self, rng: random.Random, account: CustomerAccount, deal_type: str, created_at: int
    ) -> str:
        year = from_epoch(created_at).year
        if deal_type == "Existing Customer - Upgrade":
            return f"{account.short_name} - Expansion {year}"
        if deal_type == "Existing Customer - Renewal":
            return f"{account.short_name} - Renewal {year}"
        phrase = rng.choice(vocab.PRODUCT_PHRASES)
        if rng.random() < 0.02:
            return f'{account.short_name} - "{phrase}" pilot'  # quotes inside a quoted field
        return f"{account.short_name} - {phrase}"

    def _write_opportunity(
        self,
        scope: _RepScope,
        account: CustomerAccount,
        deal_type: str,
        story: OpportunityStory,
    ) -> str:
        rng, rep = scope.rng, scope.rep
        opportunity_id = self.ids.next_id(OPPORTUNITY_PREFIX)
        final = story.final
        last_modified = final.at
        if rng.random() < 0.3:  # later edits to fields outside the history (next step, notes)
            last_modified = min(
                self.export_at - 1, final.at + rng.randint(SECONDS_PER_HOUR, 30 * SECONDS_PER_DAY)
            )
        if deal_type == "New Business":
            lead_source = "" if rng.random() < 0.05 else rng.choice(vocab.LEAD_SOURCES)
        else:
            lead_source = "" if rng.random() < 0.6 else "Other"
        self.writers["Opportunity"].write(
            (
                opportunity_id,
                account.account_id,
                rep.user_id,
                self._opportunity_name(rng, account, deal_type, story.created_at),
                final.stage_name,
                sf_number(final.amount),
                account.currency,
                sf_number(STAGE_PROBABILITY[final.stage_name]),
                iso_date(final.close_day),
                sf_bool(story.is_closed),
                sf_bool(final.stage_name == CLOSED_WON),
                deal_type,
                lead_source,
                sf_datetime(story.created_at),
                sf_datetime(last_modified),
                sf_bool(False),
            )
        )
        history_writer = self.writers["OpportunityHistory"]
        for row in story.history:
            history_writer.write(
                (
                    self.ids.next_id(OPPORTUNITY_HISTORY_PREFIX),
                    opportunity_id,
                    row.stage_name,
                    sf_number(row.amount),
                    sf_number(STAGE_PROBABILITY[row.stage_name]),
                    iso_date(row.close_day),
                    sf_datetime(row.at),
                    scope.manager.user_id if row.by_manager else rep.user_id,
                )
            )
        return opportunity_id

    def _write_deleted_duplicate(
        self,
        scope: _RepScope,
        account: CustomerAccount,
        deal_type: str,
        story: OpportunityStory,
    ) -> None:
        """A duplicate the rep created by mistake and deleted (Data Loader "Export All")."""
        rng = scope.rng
        created_at = story.created_at + rng.randint(60, 3 * SECONDS_PER_HOUR)
        deleted_at = created_at + rng.randint(600, 2 * SECONDS_PER_DAY)
        if deleted_at >= self.export_at:
            return
        opportunity_id = self.ids.next_id(OPPORTUNITY_PREFIX)
        close_date = iso_date(created_at // SECONDS_PER_DAY + 30)
        probability = sf_number(STAGE_PROBABILITY["Prospecting"])
        self.writers["Opportunity"].write(
            (
                opportunity_id,
                account.account_id,
                scope.rep.user_id,
                self._opportunity_name(rng, account, deal_type, created_at),
                "Prospecting",
                "",
                account.currency,
                probability,
                close_date,
                sf_bool(False),
                sf_bool(False),
                deal_type,
                "",
                sf_datetime(created_at),
                sf_datetime(deleted_at),
                sf_bool(True),
            )
        )
        self.writers["OpportunityHistory"].write(
            (
                self.ids.next_id(OPPORTUNITY_HISTORY_PREFIX),
                opportunity_id,
                "Prospecting",
                "",
                probability,
                close_date,
                sf_datetime(created_at),
                scope.rep.user_id,
            )
        )

    def _write_activity(
        self,
        scope: _RepScope,
        account: CustomerAccount,
        opportunity_id: str,
        activity: PlannedActivity,
    ) -> None:
        rng = scope.rng
        who_id = activity.contact.contact_id if activity.contact else ""
        what_id = account.account_id if activity.on_account_only else opportunity_id
        if activity.kind.is_event:
            self.writers["Event"].write(
                (
                    self.ids.next_id(EVENT_PREFIX),
                    who_id,
                    what_id,
                    account.account_id,
                    scope.rep.user_id,
                    activity.subject,
                    "Demo" if activity.kind is ActivityKind.DEMO else "Meeting",
                    "Event",
                    sf_datetime(activity.at),
                    sf_datetime(activity.at),
                    sf_datetime(activity.at + activity.duration * 60),
                    str(activity.duration),
                    sf_bool(False),
                    activity.location,
                    sf_datetime(activity.created_at),
                )
            )
            if activity.in_calendar:
                contacts = [activity.contact] if activity.contact else []
                others = [c for c in account.contacts if c not in contacts]
                contacts += rng.sample(others, k=min(len(others), rng.choice((0, 0, 1, 2))))
                meeting = CalendarMeeting(
                    start=activity.at,
                    duration_minutes=activity.duration,
                    subject=activity.subject,
                    contacts=contacts,
                    created_at=activity.created_at,
                    cancelled=False,
                )
                # Managers join some demos.
                joins = activity.kind is ActivityKind.DEMO and rng.random() < 0.2
                self._add_meeting(
                    scope, account, meeting, activity.location, scope.manager if joins else None
                )
            return
        if activity.kind is ActivityKind.CALL:
            task_type, subtype = "Call", "Call"
        elif activity.kind is ActivityKind.EMAIL:
            task_type, subtype = "Email", "Email"
        elif activity.completed:
            task_type, subtype = "Other", "Task"
        else:  # a scheduled next step: a call to make, or another to-do
            task_type, subtype = rng.choice(("Call", "Other")), "Task"
        self.writers["Task"].write(
            (
                self.ids.next_id(TASK_PREFIX),
                who_id,
                what_id,
                account.account_id,
                scope.rep.user_id,
                activity.subject,
                iso_date(activity.at // SECONDS_PER_DAY),
                "Completed" if activity.completed else "Not Started",
                "High" if rng.random() < 0.1 else "Normal",
                task_type,
                subtype,
                str(activity.duration) if activity.kind is ActivityKind.CALL else "",
                sf_bool(activity.completed),
                sf_datetime(activity.created_at),
            )
        )

    def _add_meeting(
        self,
        scope: _RepScope,
        account: CustomerAccount,
        meeting: CalendarMeeting,
        location_kind: str,
        colleague: SalesUser | None = None,
    ) -> None:
        scope.calendar.add(
            customer_meeting(
                scope.rng,
                scope.clock,
                owner=scope.rep,
                customer_name=account.short_name,
                customer_location=f"{account.short_name}, {account.country}",
                start=meeting.start,
                minutes=meeting.duration_minutes,
                subject=meeting.subject,
                contacts=meeting.contacts,
                created_at=meeting.created_at,
                cancelled=meeting.cancelled,
                colleague=colleague,
                location_kind=location_kind,
                export_at=self.export_at,
            )
        )

    # --- targets and manifest --------------------------------------------------------------

    def _quarters(self) -> list[tuple[int, int]]:
        year, quarter = quarter_of_day(self.history_start // SECONDS_PER_DAY)
        last = quarter_of_day(self.export_at // SECONDS_PER_DAY)
        quarters = [(year, quarter)]
        while quarters[-1] != last:
            year, quarter = quarters[-1]
            quarters.append((year + quarter // 4, quarter % 4 + 1))
        return quarters

    def _write_quotas(self, org: SalesOrg) -> tuple[int, dict[str, float]]:
        """Quotas per rep and quarter, set from each team's typical bookings (in USD).

        The base is the team's mean won USD per rep over the complete quarters of the
        history, times a stretch factor and a quarter weight (Q4 heaviest). The first,
        partial quarter is prorated by the share of it inside the history window.
        """
        params = self.params
        quarters = self._quarters()
        full_quarters = quarters[1:-1]
        start_day = self.history_start // SECONDS_PER_DAY
        bases: dict[str, float] = {}
        rows = 0
        path = self.out_dir / QUOTA_PATH
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(QUOTA_COLUMNS)
            for manager in org.managers:
                team = manager.team
                team_reps = [rep for rep in org.reps if rep.manager_id == manager.user_id]
                won = sum(self.won_usd.get((team.name, y, q), 0.0) for y, q in full_quarters)
                # A team with no wins yet (tiny runs) gets one median deal per quarter.
                base = (
                    won / (len(team_reps) * len(full_quarters))
                    if won
                    else team.deal_size_median_usd
                )
                bases[team.name] = round(base, 2)
                for rep in team_reps:
                    for year, quarter in quarters:
                        first_day, last_day = quarter_bounds(year, quarter)
                        covered = (last_day - max(first_day, start_day) + 1) / (
                            last_day - first_day + 1
                        )
                        amount = (
                            base
                            * params.quota_stretch
                            * params.quota_quarter_weights[quarter]
                            * min(1.0, covered)
                        )
                        step = 5_000 if amount >= 50_000 else 1_000
                        quota = max(step, round(amount / step) * step)
                        writer.writerow(
                            (rep.email, rep.name, team.name, f"{year}-Q{quarter}", quota, "USD")
                        )
                        rows += 1
        return rows, bases

    def _planted(self, org: SalesOrg, quota_bases: dict[str, float]) -> dict[str, Any]:
        teams = {}
        for name in self.scale.team_names:
            team = asdict(ALL_TEAMS[name])
            team.pop("name")
            team["countries"] = dict(team["countries"])
            team["quota_base_usd_per_rep_quarter"] = quota_bases.get(name)
            teams[name] = team
        reps = [
            {
                "user_id": rep.user_id,
                "email": rep.email,
                "name": rep.name,
                "team": rep.team.name,
                "skill": rep.skill,
                "speed": rep.speed,
                "diligence": rep.diligence,
                "demo_skip_rate": rep.demo_skip_rate,
                "opportunity_count": rep.opportunity_count,
            }
            for rep in org.reps
        ]
        return {
            "notes": {
                "skill": "logit offset added to every stage-advance decision",
                "speed": "multiplier on stage durations (below 1 = faster)",
                "diligence": "multiplier on follow-up activities per stage visit",
                "stage_keys": "canonical stages of kpi_definitions.md",
                "activity_mix": "per stage: weights of (call, email, other task, meeting)",
                "quota": "team's mean won USD per rep and complete quarter x stretch x "
                "quarter weight; the first, partial quarter prorated",
            },
            **self.params.to_json_dict(),
            "teams": teams,
            "reps": reps,
        }
