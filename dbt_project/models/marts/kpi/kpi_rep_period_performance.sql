-- Sales performance per scope (company, team, rep) and period (week, month, quarter).
--
-- Counting (kpi_definitions.md, "Core definitions"):
--   opportunities_created  opportunities whose created_date falls in the period
--   won / lost             opportunities whose closed_date falls in the period, by canonical stage
--   win_rate               won / (won + lost); null when none closed
--   won_amount             sum of amount_reporting of the won opportunities (0 when none)
--   avg_deal_size          mean amount_reporting of the won opportunities; null when none
--   sales cycle            mean and median of sales_cycle_days of the won opportunities
--   activities, calls      completed activities of the rep(s) dated in the period
--   attainment             won_amount / target_amount
-- Only events dated on or before the as-of date count; periods run from the first period
-- with data to the period that contains the as-of date, densely (zero rows included) for
-- every rep and team that has data or a target.
-- Attribution: an opportunity or activity belongs to its owner and the owner's current team.
-- Quarters are fiscal quarters (calendar quarters under the default fiscal_year_start_month).
--
-- Targets attach only to the exact period grain they were set for (no pro-rating, no
-- summing months into quarters): a week row never has a target.
--   rep      the rep's targets for that grain and period_start
--   team     the team's own target when the sheet has one, else the sum of its reps' targets
--   company  the sum of the team targets (resolved as above) plus targets of reps without team
with

dates as (

    select * from {{ ref('dim_dates') }}

),

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

activities as (

    select * from {{ ref('fct_activities') }}

),

sales_targets as (

    select * from {{ ref('fct_sales_targets') }}

),

reps as (

    select * from {{ ref('dim_reps') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

grains as (

    select 'week' as period_grain
    union all
    select 'month' as period_grain
    union all
    select 'quarter' as period_grain

),

date_periods as (

    select
        dates.date_day,
        grains.period_grain,
        case grains.period_grain
            when 'week' then dates.week_start_date
            when 'month' then dates.month_start_date
            when 'quarter' then dates.fiscal_quarter_start_date
        end as period_start
    from dates
    cross join grains

),

-- one row per counted event: an opportunity created, an opportunity closed, an activity
events as (

    select
        rep_id,
        created_date as event_date,
        true as is_created,
        false as is_won,
        false as is_lost,
        cast(null as double) as won_amount,
        cast(null as bigint) as won_sales_cycle_days,
        false as is_activity,
        false as is_call
    from opportunities

    union all

    select
        rep_id,
        closed_date as event_date,
        false as is_created,
        is_won,
        not is_won as is_lost,
        case when is_won then amount_reporting end as won_amount,
        case when is_won then sales_cycle_days end as won_sales_cycle_days,
        false as is_activity,
        false as is_call
    from opportunities
    where is_closed

    union all

    select
        rep_id,
        activity_date as event_date,
        false as is_created,
        false as is_won,
        false as is_lost,
        cast(null as double) as won_amount,
        cast(null as bigint) as won_sales_cycle_days,
        true as is_activity,
        activity_type = 'call' as is_call
    from activities
    where is_completed

),

events_as_of as (

    select
        events.*,
        reps.team
    from events
    cross join as_of
    left join reps
        on events.rep_id = reps.rep_id
    where events.event_date <= as_of.as_of_date

),

scoped_events as (

    {{ fan_out_scopes('events_as_of', [
        'event_date', 'is_created', 'is_won', 'is_lost', 'won_amount', 'won_sales_cycle_days',
        'is_activity', 'is_call'
    ]) }}

),

period_metrics as (

    select
        scoped_events.scope,
        scoped_events.scope_id,
        date_periods.period_grain,
        date_periods.period_start,
        count(*) filter (where scoped_events.is_created) as opportunities_created,
        count(*) filter (where scoped_events.is_won) as opportunities_won,
        count(*) filter (where scoped_events.is_lost) as opportunities_lost,
        sum(scoped_events.won_amount) as won_amount,
        avg(scoped_events.won_amount) as avg_deal_size,
        sum(scoped_events.won_sales_cycle_days) as sales_cycle_days_sum,
        avg(scoped_events.won_sales_cycle_days) as avg_sales_cycle_days,
        median(scoped_events.won_sales_cycle_days) as median_sales_cycle_days,
        count(*) filter (where scoped_events.is_activity) as activities,
        count(*) filter (where scoped_events.is_call) as calls
    from scoped_events
    inner join date_periods
        on scoped_events.event_date = date_periods.date_day
    group by
        scoped_events.scope,
        scoped_events.scope_id,
        date_periods.period_grain,
        date_periods.period_start

),

-- targets -----------------------------------------------------------------------------------

rep_targets as (

    select
        rep_id,
        team,
        period_grain,
        period_start,
        sum(target_amount_reporting) as target_amount
    from sales_targets
    where scope = 'rep' and rep_id is not null
    group by rep_id, team, period_grain, period_start

),

explicit_team_targets as (

    select
        team,
        period_grain,
        period_start,
        sum(target_amount_reporting) as target_amount
    from sales_targets
    where scope = 'team' and team is not null
    group by team, period_grain, period_start

),

rolled_up_team_targets as (

    select
        team,
        period_grain,
        period_start,
        sum(target_amount) as target_amount
    from rep_targets
    where team is not null
    group by team, period_grain, period_start

),

team_targets as (

    select
        coalesce(explicit_team_targets.team, rolled_up_team_targets.team) as team,
        coalesce(explicit_team_targets.period_grain, rolled_up_team_targets.period_grain)
            as period_grain,
        coalesce(explicit_team_targets.period_start, rolled_up_team_targets.period_start)
            as period_start,
        coalesce(explicit_team_targets.target_amount, rolled_up_team_targets.target_amount)
            as target_amount
    from explicit_team_targets
    full outer join rolled_up_team_targets
        on
            explicit_team_targets.team = rolled_up_team_targets.team
            and explicit_team_targets.period_grain = rolled_up_team_targets.period_grain
            and explicit_team_targets.period_start = rolled_up_team_targets.period_start

),

company_target_parts as (

    select
        period_grain,
        period_start,
        target_amount
    from team_targets

    union all

    select
        period_grain,
        period_start,
        target_amount
    from rep_targets
    where team is null

),

resolved_targets as (

    select
        'rep' as scope,
        rep_id as scope_id,
        period_grain,
        period_start,
        target_amount
    from rep_targets

    union all

    select
        'team' as scope,
        team as scope_id,
        period_grain,
        period_start,
        target_amount
    from team_targets

    union all

    select
        'company' as scope,
        cast(null as varchar) as scope_id,
        period_grain,
        period_start,
        sum(target_amount) as target_amount
    from company_target_parts
    group by period_grain, period_start

),

-- spine: every scope member x every period up to the as-of date -----------------------------

scope_members as (

    select distinct
        scope,
        scope_id
    from scoped_events

    union

    select distinct
        scope,
        scope_id
    from resolved_targets

),

first_dates as (

    select min(event_date) as first_date from events_as_of
    union all
    select min(period_start) as first_date from sales_targets

),

periods as (

    {{ kpi_periods_in_data('date_periods', 'as_of', 'first_dates') }}

),

spine as (

    select
        scope_members.scope,
        scope_members.scope_id,
        periods.period_grain,
        periods.period_start
    from scope_members
    cross join periods

),

final as (

    select
        spine.scope,
        spine.scope_id,
        spine.period_grain,
        spine.period_start,
        cast(coalesce(period_metrics.opportunities_created, 0) as bigint)
            as opportunities_created,
        cast(coalesce(period_metrics.opportunities_won, 0) as bigint) as opportunities_won,
        cast(coalesce(period_metrics.opportunities_lost, 0) as bigint) as opportunities_lost,
        cast(
            coalesce(period_metrics.opportunities_won, 0)
            + coalesce(period_metrics.opportunities_lost, 0) as bigint
        ) as opportunities_closed,
        cast(
            period_metrics.opportunities_won
            / nullif(period_metrics.opportunities_won + period_metrics.opportunities_lost, 0)
            as double
        ) as win_rate,
        cast(coalesce(period_metrics.won_amount, 0) as double) as won_amount,
        cast(period_metrics.avg_deal_size as double) as avg_deal_size,
        cast(period_metrics.sales_cycle_days_sum as bigint) as sales_cycle_days_sum,
        cast(period_metrics.avg_sales_cycle_days as double) as avg_sales_cycle_days,
        cast(period_metrics.median_sales_cycle_days as double) as median_sales_cycle_days,
        cast(coalesce(period_metrics.activities, 0) as bigint) as activities,
        cast(coalesce(period_metrics.calls, 0) as bigint) as calls,
        cast(resolved_targets.target_amount as double) as target_amount,
        cast(
            coalesce(period_metrics.won_amount, 0) / nullif(resolved_targets.target_amount, 0)
            as double
        ) as attainment,
        as_of.as_of_date
    from spine
    cross join as_of
    left join period_metrics
        on
            spine.scope = period_metrics.scope
            and spine.scope_id is not distinct from period_metrics.scope_id
            and spine.period_grain = period_metrics.period_grain
            and spine.period_start = period_metrics.period_start
    left join resolved_targets
        on
            spine.scope = resolved_targets.scope
            and spine.scope_id is not distinct from resolved_targets.scope_id
            and spine.period_grain = resolved_targets.period_grain
            and spine.period_start = resolved_targets.period_start

)

select * from final
