"""The fictional company: its sales org (users, teams, rep traits) and its customers."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from . import vocab
from .formats import (
    ACCOUNT_PREFIX,
    CONTACT_PREFIX,
    SECONDS_PER_DAY,
    USER_PREFIX,
    SalesforceIdFactory,
    ascii_slug,
)
from .profiles import ALL_TEAMS, CURRENCY_BY_COUNTRY, PlantedParameters, ScaleProfile, Team

POD_SIZE = 10  # reps per weekly pipeline-review meeting; bounds attendee lists at scale

_NAMES_BY_LOCALE = {
    "US": (vocab.US_FIRST_NAMES, vocab.US_LAST_NAMES),
    "DE": (vocab.DE_FIRST_NAMES, vocab.DE_LAST_NAMES),
    "FR": (vocab.FR_FIRST_NAMES, vocab.FR_LAST_NAMES),
    "UK": (vocab.UK_FIRST_NAMES, vocab.UK_LAST_NAMES),
}
_LOCALE_BY_COUNTRY = {
    "United States": "US",
    "Canada": "US",
    "Germany": "DE",
    "France": "FR",
    "United Kingdom": "UK",
}
_ROOTS_BY_LOCALE = {
    "US": vocab.NAME_ROOTS_EN,
    "DE": vocab.NAME_ROOTS_DE,
    "FR": vocab.NAME_ROOTS_FR,
    "UK": vocab.NAME_ROOTS_UK + vocab.NAME_ROOTS_EN,
}


@dataclass
class SalesUser:
    """A Salesforce User: a team manager or a quota-carrying rep (with planted traits)."""

    user_id: str
    first_name: str
    last_name: str
    email: str
    title: str
    team: Team
    manager_id: str
    created_at: int
    is_manager: bool
    pod: int = 0
    # Planted rep traits (neutral for managers).
    skill: float = 0.0
    speed: float = 1.0
    diligence: float = 1.0
    demo_skip_rate: float = 0.0
    opportunity_count: int = 0

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def email_local_part(self) -> str:
        return self.email.split("@", 1)[0]


@dataclass
class SalesOrg:
    managers: list[SalesUser]
    reps: list[SalesUser]

    @property
    def users(self) -> list[SalesUser]:
        """Export order: each team's manager, then the team's reps."""
        ordered: list[SalesUser] = []
        for manager in self.managers:
            ordered.append(manager)
            ordered.extend(rep for rep in self.reps if rep.manager_id == manager.user_id)
        return ordered

    def manager_of(self, rep: SalesUser) -> SalesUser:
        return next(m for m in self.managers if m.user_id == rep.manager_id)


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder, sums exactly)."""
    weight_sum = sum(weights)
    exact = [total * weight / weight_sum for weight in weights]
    counts = [math.floor(value) for value in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))
    for index in by_remainder[: total - sum(counts)]:
        counts[index] += 1
    return counts


class _EmailRegistry:
    def __init__(self, domain: str) -> None:
        self._domain = domain
        self._taken: set[str] = set()

    def claim(self, first_name: str, last_name: str) -> str:
        base = f"{ascii_slug(first_name, '')}.{ascii_slug(last_name, '')}"
        local_part, suffix = base, 1
        while local_part in self._taken:
            suffix += 1
            local_part = f"{base}{suffix}"
        self._taken.add(local_part)
        return f"{local_part}@{self._domain}"


def _person_name(rng: random.Random, locale: str) -> tuple[str, str]:
    first_names, last_names = _NAMES_BY_LOCALE[locale]
    return rng.choice(first_names), rng.choice(last_names)


def _rep_locale(rng: random.Random, team: Team) -> str:
    if team.holiday_region == "EU":
        return rng.choice(("DE", "DE", "UK", "FR"))
    return "US"


def build_sales_org(
    rng: random.Random,
    ids: SalesforceIdFactory,
    scale: ScaleProfile,
    params: PlantedParameters,
    history_start: int,
) -> SalesOrg:
    emails = _EmailRegistry(vocab.COMPANY_DOMAIN)
    teams = [ALL_TEAMS[name] for name in scale.team_names]
    headcounts = allocate(scale.rep_count, list(scale.team_headcount_weights))
    # Skills are evenly spread then shuffled, so "best" and "worst" reps are always distinct.
    low, high = params.rep_skill_range
    step = (high - low) / max(scale.rep_count - 1, 1)
    skills = [round(low + i * step, 3) for i in range(scale.rep_count)]
    rng.shuffle(skills)

    managers: list[SalesUser] = []
    reps: list[SalesUser] = []
    for team, headcount in zip(teams, headcounts, strict=True):
        first, last = _person_name(rng, _rep_locale(rng, team))
        manager = SalesUser(
            user_id=ids.next_id(USER_PREFIX),
            first_name=first,
            last_name=last,
            email=emails.claim(first, last),
            title="Sales Manager",
            team=team,
            manager_id="",
            created_at=history_start - rng.randint(120 * SECONDS_PER_DAY, 400 * SECONDS_PER_DAY),
            is_manager=True,
        )
        managers.append(manager)
        for index in range(headcount):
            first, last = _person_name(rng, _rep_locale(rng, team))
            low_skip, high_skip = params.rep_demo_skip_rate_range
            reps.append(
                SalesUser(
                    user_id=ids.next_id(USER_PREFIX),
                    first_name=first,
                    last_name=last,
                    email=emails.claim(first, last),
                    title=rng.choice(
                        ("Account Executive", "Account Executive", "Senior Account Executive")
                    ),
                    team=team,
                    manager_id=manager.user_id,
                    created_at=history_start
                    - rng.randint(7 * SECONDS_PER_DAY, 300 * SECONDS_PER_DAY),
                    is_manager=False,
                    pod=index // POD_SIZE,
                    skill=skills.pop(),
                    speed=round(rng.lognormvariate(0.0, params.rep_speed_sigma), 3),
                    diligence=round(rng.lognormvariate(0.0, params.rep_diligence_sigma), 3),
                    demo_skip_rate=round(rng.uniform(low_skip, high_skip), 3),
                )
            )
    # Normalise traits to a company mean of 1 so totals (activities, cycle times) stay on
    # target for any seed; the spread between reps is what the KPIs should find.
    for trait in ("speed", "diligence"):
        mean = sum(getattr(rep, trait) for rep in reps) / len(reps)
        for rep in reps:
            setattr(rep, trait, round(getattr(rep, trait) / mean, 3))
    volume_weights = [rep.team.volume_weight * rng.lognormvariate(0.0, 0.2) for rep in reps]
    for rep, count in zip(reps, allocate(scale.opportunity_count, volume_weights), strict=True):
        rep.opportunity_count = count
    return SalesOrg(managers, reps)


@dataclass(frozen=True)
class Contact:
    contact_id: str
    first_name: str
    last_name: str
    email: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass
class CustomerAccount:
    account_id: str
    name: str
    domain: str
    industry: str
    country: str
    employees: int
    owner_id: str
    created_at: int
    contacts: list[Contact] = field(default_factory=list)
    last_won_at: int | None = None

    @property
    def currency(self) -> str:
        return CURRENCY_BY_COUNTRY[self.country]

    @property
    def website(self) -> str:
        return f"https://www.{self.domain}"

    @property
    def short_name(self) -> str:
        """Name without the legal suffix, as people write it in subjects and titles."""
        for suffixes in vocab.LEGAL_SUFFIXES.values():
            for suffix in suffixes:
                if suffix and self.name.endswith(" " + suffix):
                    return self.name[: -len(suffix) - 1]
        return self.name


class AccountFactory:
    """Creates customer accounts with unique names and web domains, plus their contacts."""

    def __init__(self, ids: SalesforceIdFactory) -> None:
        self._ids = ids
        self._taken_domains: set[str] = set()

    def create(self, rng: random.Random, owner: SalesUser, created_at: int) -> CustomerAccount:
        countries, weights = zip(*owner.team.countries, strict=True)
        country = rng.choices(countries, weights)[0]
        locale = _LOCALE_BY_COUNTRY[country]
        industry, words = rng.choice(vocab.INDUSTRY_WORDS)
        if locale == "DE":
            words = vocab.INDUSTRY_WORDS_DE[industry]
        elif locale == "FR":
            words = vocab.INDUSTRY_WORDS_FR[industry]
        core, domain = self._unique_name(rng, locale, industry, words, country)
        legal_suffix = rng.choice(vocab.LEGAL_SUFFIXES[country])
        low, high = owner.team.employee_range
        employees = int(math.exp(rng.uniform(math.log(low), math.log(high))))
        account = CustomerAccount(
            account_id=self._ids.next_id(ACCOUNT_PREFIX),
            name=f"{core} {legal_suffix}".strip(),
            domain=domain,
            industry=industry,
            country=country,
            employees=employees,
            owner_id=owner.user_id,
            created_at=created_at,
        )
        account.contacts = self._contacts(rng, locale, domain)
        return account

    def _unique_name(
        self,
        rng: random.Random,
        locale: str,
        industry: str,
        words: tuple[str, ...],
        country: str,
    ) -> tuple[str, str]:
        tld = vocab.TOP_LEVEL_DOMAINS[country]
        roots = _ROOTS_BY_LOCALE[locale]
        for attempt in range(40):
            if industry == "Consulting" and locale in ("US", "UK") and rng.random() < 0.3:
                # Partnerships carry a comma, which CSV consumers must survive.
                _, last_names = _NAMES_BY_LOCALE[locale]
                first, second = rng.sample(last_names, 2)
                core = f"{first}, {second} & Partners"
                slug = ascii_slug(f"{first} {second}")
            elif attempt < 4:
                core = f"{rng.choice(roots)} {rng.choice(words)}"
                slug = ascii_slug(core)
            else:
                core = f"{rng.choice(vocab.DISAMBIGUATORS)} {rng.choice(roots)} {rng.choice(words)}"
                slug = ascii_slug(core)
            domain = f"{slug}.{tld}"
            if domain not in self._taken_domains:
                self._taken_domains.add(domain)
                return core, domain
        number = len(self._taken_domains)
        core = f"{rng.choice(roots)} {rng.choice(words)} {number}"
        domain = f"{ascii_slug(core)}.{tld}"
        self._taken_domains.add(domain)
        return core, domain

    def _contacts(self, rng: random.Random, locale: str, domain: str) -> list[Contact]:
        contacts: list[Contact] = []
        local_parts: set[str] = set()
        for _ in range(rng.randint(2, 5)):
            first, last = _person_name(rng, locale)
            if rng.random() < 0.8:
                local_part = f"{ascii_slug(first, '')}.{ascii_slug(last, '')}"
            else:
                local_part = f"{ascii_slug(first, '')[:1]}{ascii_slug(last, '')}"
            if local_part in local_parts:
                continue
            local_parts.add(local_part)
            contacts.append(
                Contact(self._ids.next_id(CONTACT_PREFIX), first, last, f"{local_part}@{domain}")
            )
        return contacts
