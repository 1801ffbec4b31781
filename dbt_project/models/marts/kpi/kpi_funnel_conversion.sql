-- Stage conversion k -> k+1 and stage-to-win per scope, period grain, cohort period and stage
-- (kpi_definitions.md, "stage conversion" and "stage-to-win rate").
--
-- Cohort: an opportunity that reached stage k (qualification .. contract; a skipped stage
-- counts as reached, fct_opportunities.reached_<k>_at) belongs to the cohort of the period
-- containing the UTC date it first reached k. As of as_of_date:
--   advanced  reached k+1 (contract advances into won)
--   dropped   closed lost without reaching k+1
--   open      neither: still open at the as-of date (a won deal reached every stage)
--   conversion_rate   advanced / (advanced + dropped); null when both are 0
--   won / lost        the cohort's opportunities won / lost by the as-of date
--   stage_to_win_rate won / (won + lost): P(won | reached k) among the closed ones
-- Only events dated on or before as_of_date count; an opportunity belongs to its owner and
-- the owner's current team. Rows exist where the cohort is not empty.
with

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

reps as (

    select * from {{ ref('dim_reps') }}

),

stages as (

    select * from {{ ref('dim_stages') }}
    where stage_order between 1 and 4

),

dates as (

    select * from {{ ref('dim_dates') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

date_periods as (

    {{ kpi_date_periods('dates') }}

),

opportunity_dates as (

    select
        opportunities.opportunity_id,
        opportunities.rep_id,
        reps.team,
        as_of.as_of_date,
        {{ utc_date('opportunities.reached_qualification_at') }} as reached_qualification_date,
        {{ utc_date('opportunities.reached_presentation_at') }} as reached_presentation_date,
        {{ utc_date('opportunities.reached_proposal_at') }} as reached_proposal_date,
        {{ utc_date('opportunities.reached_contract_at') }} as reached_contract_date,
        {{ utc_date('opportunities.reached_won_at') }} as reached_won_date,
        coalesce(
            opportunities.is_won and opportunities.closed_date <= as_of.as_of_date, false
        ) as is_won_as_of,
        coalesce(
            opportunities.is_closed
            and not opportunities.is_won
            and opportunities.closed_date <= as_of.as_of_date,
            false
        ) as is_lost_as_of
    from opportunities
    cross join as_of
    left join reps
        on opportunities.rep_id = reps.rep_id

),

-- one row per opportunity and stage k it reached by the as-of date
stage_cohorts as (

    select
        opportunity_dates.opportunity_id,
        opportunity_dates.rep_id,
        opportunity_dates.team,
        stages.stage as from_stage,
        stages.stage_order as from_stage_order,
        opportunity_dates.is_won_as_of,
        opportunity_dates.is_lost_as_of,
        opportunity_dates.as_of_date,
        case stages.stage_order
            when 1 then opportunity_dates.reached_qualification_date
            when 2 then opportunity_dates.reached_presentation_date
            when 3 then opportunity_dates.reached_proposal_date
            when 4 then opportunity_dates.reached_contract_date
        end as cohort_date,
        case stages.stage_order
            when 1 then opportunity_dates.reached_presentation_date
            when 2 then opportunity_dates.reached_proposal_date
            when 3 then opportunity_dates.reached_contract_date
            when 4 then opportunity_dates.reached_won_date
        end as next_stage_date
    from opportunity_dates
    cross join stages

),

cohort_outcomes as (

    select
        opportunity_id,
        rep_id,
        team,
        from_stage,
        from_stage_order,
        cohort_date,
        is_won_as_of as is_won,
        is_lost_as_of as is_lost,
        coalesce(next_stage_date <= as_of_date, false) as is_advanced,
        not coalesce(next_stage_date <= as_of_date, false) and is_lost_as_of as is_dropped
    from stage_cohorts
    where cohort_date <= as_of_date

),

scoped as (

    {{ fan_out_scopes('cohort_outcomes', [
        'from_stage', 'from_stage_order', 'cohort_date', 'is_advanced', 'is_dropped',
        'is_won', 'is_lost'
    ]) }}

),

aggregated as (

    select
        scoped.scope,
        scoped.scope_id,
        date_periods.period_grain,
        date_periods.period_start,
        scoped.from_stage,
        scoped.from_stage_order,
        count(*) as reached_count,
        count(*) filter (where scoped.is_advanced) as advanced_count,
        count(*) filter (where scoped.is_dropped) as dropped_count,
        count(*) filter (where not scoped.is_advanced and not scoped.is_dropped) as open_count,
        count(*) filter (where scoped.is_won) as won_count,
        count(*) filter (where scoped.is_lost) as lost_count
    from scoped
    inner join date_periods
        on scoped.cohort_date = date_periods.date_day
    group by
        scoped.scope,
        scoped.scope_id,
        date_periods.period_grain,
        date_periods.period_start,
        scoped.from_stage,
        scoped.from_stage_order

),

final as (

    select
        aggregated.scope,
        aggregated.scope_id,
        aggregated.period_grain,
        aggregated.period_start,
        aggregated.from_stage,
        cast(aggregated.from_stage_order as integer) as from_stage_order,
        case aggregated.from_stage_order
            when 1 then 'presentation'
            when 2 then 'proposal'
            when 3 then 'contract'
            when 4 then 'won'
        end as to_stage,
        cast(aggregated.reached_count as bigint) as reached_count,
        cast(aggregated.advanced_count as bigint) as advanced_count,
        cast(aggregated.dropped_count as bigint) as dropped_count,
        cast(aggregated.open_count as bigint) as open_count,
        {{ safe_divide(
            'aggregated.advanced_count',
            'aggregated.advanced_count + aggregated.dropped_count'
        ) }} as conversion_rate,
        cast(aggregated.won_count as bigint) as won_count,
        cast(aggregated.lost_count as bigint) as lost_count,
        {{ safe_divide(
            'aggregated.won_count',
            'aggregated.won_count + aggregated.lost_count'
        ) }} as stage_to_win_rate,
        as_of.as_of_date
    from aggregated
    cross join as_of

)

select * from final
