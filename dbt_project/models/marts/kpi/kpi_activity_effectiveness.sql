-- Activity effectiveness per rep, period grain, period and open canonical stage
-- (kpi_definitions.md, "activities per qualified opportunity", "follow-ups before advance",
-- "low follow-up").
--
-- Rep-period figures (the contract's; the same on every stage row of a rep and period):
--   activities, calls          the rep's completed activities (all sources, with or without
--                              an opportunity) dated in the period, and the calls among them
--   qualified_opportunities    the rep's opportunities that first reached presentation in the
--                              period (qualified = passed qualification)
--   activities_per_qualified_opportunity, calls_per_qualified_opportunity
--                              activities / qualified_opportunities, calls / the same
-- Stage figures:
--   stage_activities, stage_calls  the rep's completed activities / calls in the period made
--                              while the opportunity was in `stage` (stage_at_activity)
--   advanced_visits, followups_before_advance_sum, followups_before_advance_mean
--                              stage visits of the rep's opportunities that ended by advancing
--                              in the period (fct_stage_transitions.is_forward) and the
--                              activities tied to the opportunity inside each visit
--   team_median_followups      median, over the reps of the rep's current team with advanced
--                              visits in that stage and period, of their followups mean
--   is_low_followup            followups mean < var low_followup_ratio (0.5) x team median;
--                              null when either is null
-- Only events on or before as_of_date count. Rows run densely from the first period with data
-- to the period containing the as-of date, for every rep with data and every open stage.
with

activities as (

    select * from {{ ref('fct_activities') }}

),

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

transitions as (

    select * from {{ ref('fct_stage_transitions') }}

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

completed_activities as (

    select
        activities.rep_id,
        activities.activity_date as event_date,
        activities.stage_at_activity,
        activities.activity_type = 'call' as is_call
    from activities
    cross join as_of
    where
        activities.is_completed
        and activities.rep_id is not null
        and activities.activity_date <= as_of.as_of_date

),

stage_activity_events as (

    select
        completed_activities.rep_id,
        completed_activities.event_date,
        completed_activities.stage_at_activity as stage,
        completed_activities.is_call
    from completed_activities
    inner join stages
        on completed_activities.stage_at_activity = stages.stage

),

qualified_events as (

    select
        opportunities.rep_id,
        {{ utc_date('opportunities.reached_presentation_at') }} as event_date
    from opportunities
    cross join as_of
    where
        opportunities.rep_id is not null
        and {{ utc_date('opportunities.reached_presentation_at') }} <= as_of.as_of_date

),

advanced_visits as (

    select
        transitions.rep_id,
        transitions.transitioned_date as event_date,
        transitions.from_stage,
        transitions.activities_in_from_stage as followups
    from transitions
    cross join as_of
    inner join stages
        on transitions.from_stage = stages.stage
    where
        transitions.is_forward
        and transitions.rep_id is not null
        and transitions.transitioned_date <= as_of.as_of_date

),

followup_events as (

    select
        rep_id,
        event_date,
        from_stage as stage,
        followups
    from advanced_visits

),

activity_metrics as (

    select
        completed_activities.rep_id,
        date_periods.period_grain,
        date_periods.period_start,
        count(*) as activities,
        count(*) filter (where completed_activities.is_call) as calls
    from completed_activities
    inner join date_periods
        on completed_activities.event_date = date_periods.date_day
    group by
        completed_activities.rep_id,
        date_periods.period_grain,
        date_periods.period_start

),

stage_activity_metrics as (

    select
        stage_activity_events.rep_id,
        date_periods.period_grain,
        date_periods.period_start,
        stage_activity_events.stage,
        count(*) as stage_activities,
        count(*) filter (where stage_activity_events.is_call) as stage_calls
    from stage_activity_events
    inner join date_periods
        on stage_activity_events.event_date = date_periods.date_day
    group by
        stage_activity_events.rep_id,
        date_periods.period_grain,
        date_periods.period_start,
        stage_activity_events.stage

),

qualified_metrics as (

    select
        qualified_events.rep_id,
        date_periods.period_grain,
        date_periods.period_start,
        count(*) as qualified_opportunities
    from qualified_events
    inner join date_periods
        on qualified_events.event_date = date_periods.date_day
    group by
        qualified_events.rep_id,
        date_periods.period_grain,
        date_periods.period_start

),

followup_metrics as (

    select
        followup_events.rep_id,
        reps.team,
        date_periods.period_grain,
        date_periods.period_start,
        followup_events.stage,
        count(*) as advanced_visits,
        sum(followup_events.followups) as followups_sum,
        avg(followup_events.followups) as followups_mean
    from followup_events
    inner join date_periods
        on followup_events.event_date = date_periods.date_day
    left join reps
        on followup_events.rep_id = reps.rep_id
    group by
        followup_events.rep_id,
        reps.team,
        date_periods.period_grain,
        date_periods.period_start,
        followup_events.stage

),

team_medians as (

    select
        team,
        period_grain,
        period_start,
        stage,
        {{ percentile('followups_mean', 0.5) }} as team_median_followups
    from followup_metrics
    where team is not null
    group by team, period_grain, period_start, stage

),

-- spine: every rep with data x every period up to the as-of date x every open stage --------

rep_members as (

    select distinct rep_id from completed_activities
    union
    select distinct rep_id from qualified_events
    union
    select distinct rep_id from followup_events

),

first_dates as (

    select min(event_date) as first_date from completed_activities
    union all
    select min(event_date) as first_date from qualified_events
    union all
    select min(event_date) as first_date from followup_events

),

periods as (

    {{ kpi_periods_in_data('date_periods', 'as_of', 'first_dates') }}

),

spine as (

    select
        rep_members.rep_id,
        reps.team,
        periods.period_grain,
        periods.period_start,
        stages.stage
    from rep_members
    left join reps
        on rep_members.rep_id = reps.rep_id
    cross join periods
    cross join stages

),

final as (

    select
        spine.rep_id,
        spine.team,
        spine.period_grain,
        spine.period_start,
        spine.stage,
        cast(coalesce(activity_metrics.activities, 0) as bigint) as activities,
        cast(coalesce(activity_metrics.calls, 0) as bigint) as calls,
        cast(coalesce(stage_activity_metrics.stage_activities, 0) as bigint)
            as stage_activities,
        cast(coalesce(stage_activity_metrics.stage_calls, 0) as bigint) as stage_calls,
        cast(coalesce(qualified_metrics.qualified_opportunities, 0) as bigint)
            as qualified_opportunities,
        {{ safe_divide(
            'coalesce(activity_metrics.activities, 0)', 'qualified_metrics.qualified_opportunities'
        ) }} as activities_per_qualified_opportunity,
        {{ safe_divide(
            'coalesce(activity_metrics.calls, 0)', 'qualified_metrics.qualified_opportunities'
        ) }} as calls_per_qualified_opportunity,
        cast(coalesce(followup_metrics.advanced_visits, 0) as bigint) as advanced_visits,
        cast(followup_metrics.followups_sum as bigint) as followups_before_advance_sum,
        cast(followup_metrics.followups_mean as double) as followups_before_advance_mean,
        team_medians.team_median_followups,
        followup_metrics.followups_mean
        < {{ var('low_followup_ratio') }} * team_medians.team_median_followups
            as is_low_followup,
        as_of.as_of_date
    from spine
    cross join as_of
    left join activity_metrics
        on
            spine.rep_id = activity_metrics.rep_id
            and spine.period_grain = activity_metrics.period_grain
            and spine.period_start = activity_metrics.period_start
    left join stage_activity_metrics
        on
            spine.rep_id = stage_activity_metrics.rep_id
            and spine.period_grain = stage_activity_metrics.period_grain
            and spine.period_start = stage_activity_metrics.period_start
            and spine.stage = stage_activity_metrics.stage
    left join qualified_metrics
        on
            spine.rep_id = qualified_metrics.rep_id
            and spine.period_grain = qualified_metrics.period_grain
            and spine.period_start = qualified_metrics.period_start
    left join followup_metrics
        on
            spine.rep_id = followup_metrics.rep_id
            and spine.period_grain = followup_metrics.period_grain
            and spine.period_start = followup_metrics.period_start
            and spine.stage = followup_metrics.stage
    left join team_medians
        on
            spine.team = team_medians.team
            and spine.period_grain = team_medians.period_grain
            and spine.period_start = team_medians.period_start
            and spine.stage = team_medians.stage

)

select * from final
