{%- set window_days = var('goal_plan_window_days') | int -%}
{%- set min_closed = var('goal_plan_min_closed_opportunities') | int -%}
{%- set fallback = var('goal_plan_rate_fallback') | string | lower -%}
{%- if fallback not in ('team', 'none') -%}
    {{ exceptions.raise_compiler_error("var goal_plan_rate_fallback must be team or none, got " ~ fallback) }}
{%- endif -%}
{%- set open_stages = ['qualification', 'presentation', 'proposal', 'contract'] -%}
-- Reverse goal decomposition per rep target (kpi_definitions.md, "Reverse goal
-- decomposition"): how many won deals, opportunities reaching each stage and activities the
-- rest of the target needs, in total and per week. One row per rep target of
-- kpi_target_pacing whose period has not ended before the as-of date.
--
--   remaining_amount          max(target_amount - won_to_date, 0)
--   required_won_deals        ceil(remaining / avg_deal_size_used)
--   required_<k>_opportunities ceil(required_won_deals / stage_to_win_rate_<k>_used)
--   required_activities       ceil(required_presentation_opportunities
--                                  x activities_per_qualified_opportunity_used)
--   weeks_left                max((period_end - max(as_of_date, period_start - 1)) / 7, 1)
--   *_per_week                required / weeks_left
-- A required count is null when its rate is missing or 0 (no plan can be derived).
--
-- Rates come from a trailing window of var goal_plan_window_days ({{ window_days }}) days
-- ending on the as-of date: avg deal size = mean reporting amount of the opportunities won
-- in it; stage_to_win_rate_<k> = won / closed among the opportunities closed in it that
-- reached k; activities per qualified opportunity = completed activities dated in it / the
-- opportunities that first reached presentation in it. A rep with at least
-- var goal_plan_min_closed_opportunities ({{ min_closed }}) closed opportunities in the
-- window uses their own rates; otherwise (var goal_plan_rate_fallback = team) the rep's
-- team stands in when it meets the minimum, else the whole company. rate_source says which;
-- every row carries the rates it used and the history behind them.
with

pacing as (

    select * from {{ ref('kpi_target_pacing') }}

),

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

activities as (

    select * from {{ ref('fct_activities') }}

),

reps as (

    select * from {{ ref('dim_reps') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

rate_window as (

    select
        as_of_date - {{ window_days - 1 }} as window_start,
        as_of_date as window_end
    from as_of

),

closed_in_window as (

    select
        opportunities.rep_id,
        reps.team,
        opportunities.is_won,
        case when opportunities.is_won then opportunities.amount_reporting end as won_amount,
        {% for stage in open_stages -%}
            opportunities.reached_{{ stage }}_at is not null
                as reached_{{ stage }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from opportunities
    cross join rate_window
    left join reps
        on opportunities.rep_id = reps.rep_id
    where
        opportunities.is_closed
        and opportunities.closed_date between rate_window.window_start and rate_window.window_end

),

activities_in_window as (

    select
        activities.rep_id,
        reps.team
    from activities
    cross join rate_window
    left join reps
        on activities.rep_id = reps.rep_id
    where
        activities.is_completed
        and activities.activity_date between rate_window.window_start and rate_window.window_end

),

qualified_in_window as (

    select
        opportunities.rep_id,
        reps.team
    from opportunities
    cross join rate_window
    left join reps
        on opportunities.rep_id = reps.rep_id
    where
        {{ utc_date('opportunities.reached_presentation_at') }}
        between rate_window.window_start and rate_window.window_end

),

scoped_closed as (

    {{ fan_out_scopes('closed_in_window', [
        'is_won', 'won_amount', 'reached_qualification', 'reached_presentation',
        'reached_proposal', 'reached_contract'
    ]) }}

),

scoped_activities as (

    {{ fan_out_scopes('activities_in_window', ['1 as activity_count']) }}

),

scoped_qualified as (

    {{ fan_out_scopes('qualified_in_window', ['1 as qualified_count']) }}

),

closed_rates as (

    select
        scope,
        scope_id,
        count(*) as closed_opportunities,
        count(*) filter (where is_won) as won_opportunities,
        avg(won_amount) as avg_deal_size,
        {% for stage in open_stages -%}
            {{ safe_divide(
                'count(*) filter (where reached_' ~ stage ~ ' and is_won)',
                'count(*) filter (where reached_' ~ stage ~ ')'
            ) }} as stage_to_win_rate_{{ stage }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from scoped_closed
    group by scope, scope_id

),

activity_counts as (

    select
        scope,
        scope_id,
        count(*) as activities
    from scoped_activities
    group by scope, scope_id

),

qualified_counts as (

    select
        scope,
        scope_id,
        count(*) as qualified_opportunities
    from scoped_qualified
    group by scope, scope_id

),

rates as (

    select
        closed_rates.*,
        {{ safe_divide('activity_counts.activities', 'qualified_counts.qualified_opportunities') }}
            as activities_per_qualified_opportunity
    from closed_rates
    left join activity_counts
        on
            closed_rates.scope = activity_counts.scope
            and closed_rates.scope_id is not distinct from activity_counts.scope_id
    left join qualified_counts
        on
            closed_rates.scope = qualified_counts.scope
            and closed_rates.scope_id is not distinct from qualified_counts.scope_id

),

open_targets as (

    select pacing.*
    from pacing
    where pacing.period_end >= pacing.as_of_date

),

rate_choice as (

    select
        open_targets.sales_target_id,
        case
            {% if fallback == 'none' -%}
                when true then 'rep'
            {%- else -%}
                when coalesce(rep_rates.closed_opportunities, 0) >= {{ min_closed }} then 'rep'
                when coalesce(team_rates.closed_opportunities, 0) >= {{ min_closed }} then 'team'
                else 'company'
            {%- endif %}
        end as rate_source
    from open_targets
    left join rates as rep_rates
        on
            rep_rates.scope = 'rep'
            and open_targets.rep_id = rep_rates.scope_id
    left join rates as team_rates
        on
            team_rates.scope = 'team'
            and open_targets.team = team_rates.scope_id

),

targets_with_rates as (

    select
        open_targets.*,
        rate_choice.rate_source,
        rate_window.window_start as rate_window_start,
        cast(coalesce(rates.closed_opportunities, 0) as bigint) as rate_closed_opportunities,
        rates.avg_deal_size as avg_deal_size_used,
        {% for stage in open_stages -%}
            rates.stage_to_win_rate_{{ stage }} as stage_to_win_rate_{{ stage }}_used,
        {% endfor -%}
        rates.activities_per_qualified_opportunity as activities_per_qualified_opportunity_used,
        greatest(open_targets.target_amount - open_targets.won_to_date, 0) as remaining_amount,
        open_targets.period_end
        - greatest(open_targets.as_of_date, open_targets.period_start - 1) as days_left
    from open_targets
    inner join rate_choice
        on open_targets.sales_target_id = rate_choice.sales_target_id
    cross join rate_window
    left join rates
        on
            rate_choice.rate_source = rates.scope
            and case rate_choice.rate_source
                when 'rep' then open_targets.rep_id
                when 'team' then open_targets.team
            end is not distinct from rates.scope_id

),

required_deals as (

    select
        *,
        case
            when remaining_amount = 0 then 0
            else {{ ceil_count('remaining_amount / nullif(avg_deal_size_used, 0)') }}
        end as required_won_deals,
        greatest(cast(days_left as double) / 7, 1.0) as weeks_left
    from targets_with_rates

),

required_stages as (

    select
        *,
        {% for stage in open_stages -%}
            case
                when required_won_deals = 0 then 0
                else {{ ceil_count(
                    'required_won_deals / nullif(stage_to_win_rate_' ~ stage ~ '_used, 0)'
                ) }}
            end as required_{{ stage }}_opportunities{% if not loop.last %},{% endif %}
        {% endfor %}
    from required_deals

),

required_activities as (

    select
        *,
        case
            when required_presentation_opportunities = 0 then 0
            else {{ ceil_count(
                'required_presentation_opportunities * activities_per_qualified_opportunity_used'
            ) }}
        end as required_activities
    from required_stages

),

final as (

    select
        sales_target_id,
        rep_id,
        team,
        period_grain,
        period_start,
        period_end,
        cast(target_amount as double) as target_amount,
        cast(won_to_date as double) as won_to_date,
        cast(remaining_amount as double) as remaining_amount,
        rate_source,
        rate_window_start,
        cast({{ window_days }} as integer) as rate_window_days,
        cast({{ min_closed }} as integer) as rate_min_closed_opportunities,
        rate_closed_opportunities,
        cast(avg_deal_size_used as double) as avg_deal_size_used,
        required_won_deals,
        {% for stage in open_stages -%}
            stage_to_win_rate_{{ stage }}_used,
            required_{{ stage }}_opportunities,
        {% endfor -%}
        activities_per_qualified_opportunity_used,
        required_activities,
        cast(days_left as bigint) as days_left,
        cast(weeks_left as double) as weeks_left,
        cast(required_won_deals / weeks_left as double) as required_won_deals_per_week,
        {% for stage in open_stages -%}
            cast(required_{{ stage }}_opportunities / weeks_left as double)
                as required_{{ stage }}_opportunities_per_week,
        {% endfor -%}
        cast(required_activities / weeks_left as double) as required_activities_per_week,
        as_of_date
    from required_activities

)

select * from final
