"""Scale profiles, sales teams and the planted behavioural parameters of the demo company.

Everything the KPI marts should be able to rediscover lives here, so it can be copied
verbatim into ``manifest.json``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Canonical funnel order (kpi_definitions.md). Stages 1-4 are open stages; 5 is won.
QUALIFICATION, PRESENTATION, PROPOSAL, CONTRACT, WON = 1, 2, 3, 4, 5
CANONICAL_STAGE_NAMES = {
    QUALIFICATION: "qualification",
    PRESENTATION: "presentation",
    PROPOSAL: "proposal",
    CONTRACT: "contract",
}

# Salesforce standard stage labels per canonical stage, in their picklist order.
SALESFORCE_STAGES: dict[int, tuple[str, ...]] = {
    QUALIFICATION: ("Prospecting", "Qualification"),
    PRESENTATION: (
        "Needs Analysis",
        "Value Proposition",
        "Id. Decision Makers",
        "Perception Analysis",
    ),
    PROPOSAL: ("Proposal/Price Quote",),
    CONTRACT: ("Negotiation/Review",),
}
CLOSED_WON = "Closed Won"
CLOSED_LOST = "Closed Lost"

# Default Probability (%) of each Salesforce stage.
STAGE_PROBABILITY = {
    "Prospecting": 10,
    "Qualification": 10,
    "Needs Analysis": 20,
    "Value Proposition": 50,
    "Id. Decision Makers": 60,
    "Perception Analysis": 70,
    "Proposal/Price Quote": 75,
    "Negotiation/Review": 90,
    CLOSED_WON: 100,
    CLOSED_LOST: 0,
}

# Fixed planted FX rates: USD per unit of the deal currency.
USD_PER_CURRENCY = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27}
CURRENCY_BY_COUNTRY = {
    "United States": "USD",
    "Canada": "USD",
    "Germany": "EUR",
    "France": "EUR",
    "United Kingdom": "GBP",
}


@dataclass(frozen=True)
class Team:
    """A sales team (Salesforce ``User.Department``) and how its deals behave."""

    name: str
    timezone: str
    holiday_region: str  # "US" or "EU": which Mondays the team meeting skips
    countries: tuple[tuple[str, float], ...]  # BillingCountry -> weight
    deal_size_median_usd: float
    cycle_speed: float  # multiplier on stage durations (enterprise deals are slow)
    volume_weight: float  # relative opportunities per rep
    win_logit_offset: float
    employee_range: tuple[int, int]


ALL_TEAMS: dict[str, Team] = {
    team.name: team
    for team in (
        Team(
            "Enterprise",
            "America/New_York",
            "US",
            (("United States", 0.85), ("Canada", 0.15)),
            deal_size_median_usd=85_000,
            cycle_speed=1.5,
            volume_weight=0.55,
            win_logit_offset=-0.15,
            employee_range=(2_000, 60_000),
        ),
        Team(
            "Mid-Market",
            "America/Chicago",
            "US",
            (("United States", 0.9), ("Canada", 0.1)),
            deal_size_median_usd=32_000,
            cycle_speed=1.0,
            volume_weight=1.0,
            win_logit_offset=0.0,
            employee_range=(200, 2_000),
        ),
        Team(
            "SMB East",
            "America/New_York",
            "US",
            (("United States", 1.0),),
            deal_size_median_usd=9_500,
            cycle_speed=0.6,
            volume_weight=1.6,
            win_logit_offset=0.1,
            employee_range=(10, 200),
        ),
        Team(
            "SMB West",
            "America/Los_Angeles",
            "US",
            (("United States", 1.0),),
            deal_size_median_usd=9_000,
            cycle_speed=0.6,
            volume_weight=1.6,
            win_logit_offset=0.1,
            employee_range=(10, 200),
        ),
        Team(
            "EMEA",
            "Europe/Berlin",
            "EU",
            (("Germany", 0.45), ("United Kingdom", 0.35), ("France", 0.2)),
            deal_size_median_usd=38_000,
            cycle_speed=1.1,
            volume_weight=0.9,
            win_logit_offset=-0.05,
            employee_range=(100, 8_000),
        ),
    )
}


@dataclass(frozen=True)
class ScaleProfile:
    name: str
    rep_count: int
    opportunity_count: int
    team_names: tuple[str, ...]
    team_headcount_weights: tuple[float, ...]


SCALES: dict[str, ScaleProfile] = {
    "tiny": ScaleProfile("tiny", 3, 60, ("Mid-Market", "EMEA"), (2, 1)),
    "small": ScaleProfile(
        "small", 20, 2_000, ("Enterprise", "Mid-Market", "SMB East", "EMEA"), (4, 5, 6, 5)
    ),
    "medium": ScaleProfile(
        "medium",
        200,
        20_000,
        ("Enterprise", "Mid-Market", "SMB East", "SMB West", "EMEA"),
        (3, 4, 5, 5, 4),
    ),
    "large": ScaleProfile(
        "large",
        2_000,
        200_000,
        ("Enterprise", "Mid-Market", "SMB East", "SMB West", "EMEA"),
        (3, 4, 5, 5, 4),
    ),
}
PUBLIC_SCALES = ("small", "medium", "large")  # "tiny" exists for fast tests only


def _per_stage(
    qualification: float, presentation: float, proposal: float, contract: float
) -> dict[int, float]:
    return {
        QUALIFICATION: qualification,
        PRESENTATION: presentation,
        PROPOSAL: proposal,
        CONTRACT: contract,
    }


@dataclass(frozen=True)
class PlantedParameters:
    """The behaviour the generator plants; the marts should be able to measure it back."""

    history_days: int = 730
    # Stage durations: lognormal(ln(median_days * team.cycle_speed * rep.speed), sigma).
    stage_median_days: dict[int, float] = field(
        default_factory=lambda: _per_stage(9.0, 16.0, 13.0, 11.0)
    )
    stage_duration_sigma: float = 0.75
    # A stalled visit lasts stall_multiplier x longer and goes silent after its normal span.
    stall_probability: dict[int, float] = field(
        default_factory=lambda: _per_stage(0.06, 0.08, 0.1, 0.08)
    )
    stall_multiplier_range: tuple[float, float] = (4.0, 10.0)
    # Some stalled deals are abandoned: nobody closes them until a manager's pipeline
    # clean-up at a quarter end this many days later (if before the export, else still open).
    abandoned_stall_share: float = 0.25
    abandoned_stall_days_range: tuple[float, float] = (120.0, 600.0)
    # Advance odds at the end of a visit: logit = base + rep.skill + team offset
    #   + followup_effect * (ln(1 + follow-ups) - ln(1 + expected follow-ups))
    #   - demo_skip_penalty (after skipping presentation) + q4_late_stage_win_bonus (in Q4).
    advance_base_logit: dict[int, float] = field(
        default_factory=lambda: _per_stage(0.5, 0.8, 0.85, 1.4)
    )
    followup_effect: float = 0.9
    expected_followups_per_visit: dict[int, float] = field(
        default_factory=lambda: _per_stage(8.5, 11.5, 10.5, 8.5)
    )
    followup_visit_noise_sigma: float = 0.45
    demo_skip_penalty: float = 1.1
    skip_to_contract_probability: float = 0.04  # presentation -> contract, skipping proposal
    regress_probability: dict[int, float] = field(
        default_factory=lambda: _per_stage(0.0, 0.04, 0.07, 0.06)
    )
    # Seasonality.
    quarter_end_push_probability: dict[int, float] = field(
        default_factory=lambda: {1: 0.3, 2: 0.35, 3: 0.35, 4: 0.5}
    )
    quarter_end_push_window_days: int = 16
    lost_push_share: float = 0.4  # losses get pushed to quarter end at this share of wins' rate
    q4_late_stage_win_bonus: float = 0.8  # year-end budgets: proposal/contract in Q4
    q4_late_stage_speedup: float = 0.8  # duration factor of proposal/contract visits in Q4
    q4_pull_in_probability: float = 0.5  # early-Q1 wins pulled into late December
    q4_pull_in_window_days: int = 45
    creation_seasonality: dict[int, float] = field(
        default_factory=lambda: {1: 0.95, 2: 1.0, 3: 0.9, 4: 1.15}
    )
    annual_volume_growth: float = 0.1
    # Rep traits.
    rep_skill_range: tuple[float, float] = (-0.75, 0.75)  # logit offsets, evenly spread
    rep_speed_sigma: float = 0.25
    rep_diligence_sigma: float = 0.25
    rep_demo_skip_rate_range: tuple[float, float] = (0.04, 0.22)
    # Activity mix per canonical stage: (call, email, other task, meeting) weights.
    activity_mix: dict[int, tuple[float, float, float, float]] = field(
        default_factory=lambda: {
            QUALIFICATION: (0.5, 0.34, 0.1, 0.06),
            PRESENTATION: (0.28, 0.36, 0.1, 0.26),
            PROPOSAL: (0.3, 0.44, 0.1, 0.16),
            CONTRACT: (0.3, 0.5, 0.14, 0.06),
        }
    )
    demo_in_presentation_probability: float = 0.92
    account_only_activity_share: float = 0.1
    crm_event_in_calendar_share: float = 0.88
    unlogged_meeting_rate: float = 0.22  # calendar-only customer meetings per CRM meeting
    deleted_opportunity_share: float = 0.005
    amount_missing_at_creation_share: float = 0.08
    quota_stretch: float = 1.1
    quota_quarter_weights: dict[int, float] = field(
        default_factory=lambda: {1: 0.9, 2: 0.95, 3: 0.95, 4: 1.2}
    )
    usd_per_currency: dict[str, float] = field(default_factory=lambda: dict(USD_PER_CURRENCY))

    def to_json_dict(self) -> dict[str, Any]:
        """Plain JSON form; canonical stage keys become stage names."""
        raw = asdict(self)
        for key, value in raw.items():
            if key in _QUARTER_KEYED_FIELDS:
                raw[key] = {f"Q{quarter}": v for quarter, v in value.items()}
            elif isinstance(value, dict) and key != "usd_per_currency":
                raw[key] = {CANONICAL_STAGE_NAMES[stage]: v for stage, v in value.items()}
        return raw


_QUARTER_KEYED_FIELDS = (
    "quarter_end_push_probability",
    "creation_seasonality",
    "quota_quarter_weights",
)
