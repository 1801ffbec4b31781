"""The Plan page's what-if function: the goal-plan arithmetic of kpi_goal_plan, by hand."""

from __future__ import annotations

import math

import pytest

from kpi_app.plan import PlanRates, what_if_plan


def _rates(
    avg_deal: float | None, stages: tuple[float | None, ...], **per_qualified: float | None
) -> PlanRates:
    return PlanRates(
        avg_deal_size=avg_deal,
        stage_to_win=dict(
            zip(("qualification", "presentation", "proposal", "contract"), stages, strict=True)
        ),
        per_qualified_opportunity=per_qualified,
    )


def test_the_contracts_example_500k_at_100k_and_25_percent_is_5_deals_and_20_demos() -> None:
    # 500,000 / 100,000 = 5 won deals; 5 / 25 % = 20 opportunities reaching presentation
    plan = what_if_plan(500_000, 0, _rates(100_000, (0.25, 0.25, 0.5, 1.0)), weeks_left=4)

    assert plan.remaining_amount == 500_000
    assert plan.required_won_deals == 5
    assert plan.required_demos == 20
    assert plan.per_week(plan.required_won_deals) == 1.25  # 5 / 4 weeks
    assert plan.per_week(plan.required_demos) == 5.0  # 20 / 4


def test_matches_the_rows_of_the_kpi_goal_plan_unit_test() -> None:
    """dbt unit test test_kpi_goal_plan_contract_example (t1 and t2), worked out there."""
    rates = _rates(100_000, (0.25, 0.25, 0.5, 1.0), activities=1.5)
    # t1: 500,000 left -> 5 won, 20 qualification and presentation, 10 proposal, 5 contract,
    # 20 x 1.5 = 30 activities; 4 weeks left
    t1 = what_if_plan(500_000, 0, rates, weeks_left=4.0)
    assert t1.required_won_deals == 5
    assert t1.required_opportunities == {
        "qualification": 20,
        "presentation": 20,
        "proposal": 10,
        "contract": 5,
    }
    assert t1.required_activities == {"activities": 30}
    assert t1.per_week(t1.required_activities["activities"]) == 7.5
    # t2: 250,000 target, 50,000 won -> 200,000 left -> 2 won, 8 presentations, 12 activities
    t2 = what_if_plan(250_000, 50_000, rates, weeks_left=4.0)
    assert (t2.required_won_deals, t2.required_demos) == (2, 8)
    assert t2.required_opportunities["proposal"] == 4
    assert t2.required_activities == {"activities": 12}
    # t3: target exceeded -> nothing remains and every count is 0
    t3 = what_if_plan(100_000, 120_000, rates, weeks_left=4.0)
    assert t3.remaining_amount == 0
    assert t3.required_won_deals == 0
    assert set(t3.required_opportunities.values()) == {0}
    assert t3.required_activities == {"activities": 0}


def test_rounds_up_but_not_on_floating_point_noise() -> None:
    # 210,000 / 10,000 = 21 won deals; 21 / 0.35 is 60.00000000000001 in doubles: 60
    # opportunities, not 61; 21 / 0.7 = 30.000000000000004 -> 30; 21 / 0.8 = 26.25 -> 27
    plan = what_if_plan(210_000, 0, _rates(10_000, (0.35, 0.7, 0.8, 1.0)), weeks_left=1)
    assert plan.required_won_deals == 21
    assert math.ceil(21 / 0.35) == 61  # what a plain ceil would say
    assert plan.required_opportunities == {
        "qualification": 60,
        "presentation": 30,
        "proposal": 27,
        "contract": 21,
    }


def test_unknown_rates_give_unknown_counts_not_zero() -> None:
    no_deal_size = what_if_plan(500_000, 0, _rates(None, (0.25, 0.25, 0.5, 1.0)), weeks_left=2)
    assert no_deal_size.required_won_deals is None
    assert no_deal_size.required_demos is None
    assert no_deal_size.per_week(no_deal_size.required_demos) is None

    plan = what_if_plan(
        500_000,
        0,
        _rates(100_000, (0.25, float("nan"), 0.0, None), activities=None, calls=2.0),
        weeks_left=2,
    )
    assert plan.required_won_deals == 5
    assert plan.required_opportunities == {
        "qualification": 20,
        "presentation": None,  # NaN: the mart's null
        "proposal": None,  # a 0 rate cannot be divided by
        "contract": None,
    }
    assert plan.required_activities == {"activities": None, "calls": None}


def test_calls_meetings_and_emails_follow_the_demos() -> None:
    # 20 demos x 2.5 calls = 50, x 1.5 meetings and demos = 30, x 3 e-mails = 60
    plan = what_if_plan(
        500_000,
        0,
        _rates(100_000, (0.2, 0.25, 0.5, 0.8), calls=2.5, meetings_demos=1.5, emails=3.0),
        weeks_left=47 / 7,
    )
    assert plan.required_activities == {"calls": 50, "meetings_demos": 30, "emails": 60}
    assert plan.per_week(50) == pytest.approx(50 / (47 / 7))


def test_less_than_a_week_left_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        what_if_plan(1, 0, _rates(1, (1, 1, 1, 1)), weeks_left=0.5)
