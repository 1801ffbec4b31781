-- Time in stage per scope, period grain, period and open canonical stage
-- (kpi_definitions.md, "time in stage").
--
-- A stage visit runs from the transition that entered the stage to the one that left it
-- (int_opportunity_stage_visits); days_in_stage = UTC date of leaving - UTC date of entering.
--   visits_completed, mean / median / p75 days   visits that exited in the period (exit date
--                                                 on or before as_of_date)
--   open_visits, open_mean_age_days               visits open at the as-of date (entered on
--                                                 or before it, not exited by it), age =
--                                                 as_of_date - entry date; reported on the
--                                                 period that contains the as-of date
-- Sums are carried (days_in_stage_sum, open_age_days_sum) so means can be re-aggregated.
-- A visit belongs to the opportunity's owner and the owner's current team. Rows exist where
-- a visit completed or (in the current period) is open.
with

visits as (

    select * from {{ ref('int_opportunity_stage_visits') }}

),

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

reps as (

    select * from {{ ref('dim_reps') }}

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

visit_dates as (

    select
        visits.stage_visit_id,
        visits.stage,
        visits.stage_order,
        opportunities.rep_id,
        reps.team,
        as_of.as_of_date,
        {{ utc_date('visits.entered_at') }} as entered_date,
        {{ utc_date('visits.exited_at') }} as exited_date
    from visits
    inner join opportunities
        on visits.opportunity_id = opportunities.opportunity_id
    left join reps
        on opportunities.rep_id = reps.rep_id
    cross join as_of

),

completed_visits as (

    select
        rep_id,
        team,
        stage,
        stage_order,
        exited_date as event_date,
        exited_date - entered_date as days_in_stage
    from visit_dates
    where exited_date <= as_of_date

),

open_visits as (

    select
        rep_id,
        team,
        stage,
        stage_order,
        as_of_date as event_date,
        as_of_date - entered_date as age_days
    from visit_dates
    where
        entered_date <= as_of_date
        and (exited_date is null or exited_date > as_of_date)

),

scoped_completed as (

    {{ fan_out_scopes(
        'completed_visits', ['stage', 'stage_order', 'event_date', 'days_in_stage']
    ) }}

),

scoped_open as (

    {{ fan_out_scopes('open_visits', ['stage', 'stage_order', 'event_date', 'age_days']) }}

),

completed_metrics as (

    select
        scoped_completed.scope,
        scoped_completed.scope_id,
        date_periods.period_grain,
        date_periods.period_start,
        scoped_completed.stage,
        scoped_completed.stage_order,
        count(*) as visits_completed,
        sum(scoped_completed.days_in_stage) as days_in_stage_sum,
        avg(scoped_completed.days_in_stage) as mean_days,
        {{ percentile('scoped_completed.days_in_stage', 0.5) }} as median_days,
        {{ percentile('scoped_completed.days_in_stage', 0.75) }} as p75_days
    from scoped_completed
    inner join date_periods
        on scoped_completed.event_date = date_periods.date_day
    group by
        scoped_completed.scope,
        scoped_completed.scope_id,
        date_periods.period_grain,
        date_periods.period_start,
        scoped_completed.stage,
        scoped_completed.stage_order

),

open_metrics as (

    select
        scoped_open.scope,
        scoped_open.scope_id,
        date_periods.period_grain,
        date_periods.period_start,
        scoped_open.stage,
        scoped_open.stage_order,
        count(*) as open_visits,
        sum(scoped_open.age_days) as open_age_days_sum,
        avg(scoped_open.age_days) as open_mean_age_days
    from scoped_open
    inner join date_periods
        on scoped_open.event_date = date_periods.date_day
    group by
        scoped_open.scope,
        scoped_open.scope_id,
        date_periods.period_grain,
        date_periods.period_start,
        scoped_open.stage,
        scoped_open.stage_order

),

final as (

    select
        cast(coalesce(completed_metrics.scope, open_metrics.scope) as varchar) as scope,
        cast(coalesce(completed_metrics.scope_id, open_metrics.scope_id) as varchar) as scope_id,
        cast(
            coalesce(completed_metrics.period_grain, open_metrics.period_grain) as varchar
        ) as period_grain,
        cast(
            coalesce(completed_metrics.period_start, open_metrics.period_start) as date
        ) as period_start,
        cast(coalesce(completed_metrics.stage, open_metrics.stage) as varchar) as stage,
        cast(coalesce(completed_metrics.stage_order, open_metrics.stage_order) as integer)
            as stage_order,
        cast(coalesce(completed_metrics.visits_completed, 0) as bigint) as visits_completed,
        cast(completed_metrics.days_in_stage_sum as bigint) as days_in_stage_sum,
        cast(completed_metrics.mean_days as double) as mean_days,
        cast(completed_metrics.median_days as double) as median_days,
        cast(completed_metrics.p75_days as double) as p75_days,
        cast(coalesce(open_metrics.open_visits, 0) as bigint) as open_visits,
        cast(open_metrics.open_age_days_sum as bigint) as open_age_days_sum,
        cast(open_metrics.open_mean_age_days as double) as open_mean_age_days,
        as_of.as_of_date
    from completed_metrics
    full outer join open_metrics
        on
            completed_metrics.scope = open_metrics.scope
            and completed_metrics.scope_id is not distinct from open_metrics.scope_id
            and completed_metrics.period_grain = open_metrics.period_grain
            and completed_metrics.period_start = open_metrics.period_start
            and completed_metrics.stage = open_metrics.stage
    cross join as_of

)

select * from final
