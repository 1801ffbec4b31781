{%- set window_days = var('deal_risk_window_days') | int -%}
{%- set min_visits = var('deal_risk_min_stage_visits') | int -%}
{%- set inactive_days = var('inactive_after_days') | int -%}
-- Coaching signals per open opportunity at the as-of date (kpi_definitions.md, "Coaching
-- signals"). Open = created on or before the as-of date and not closed by it; its stage is
-- the one entered by its latest transition on or before the as-of date.
--
--   days_in_stage        as_of_date - UTC date the current stage was entered
--   stage_p75_days       p75 of days_in_stage of the stage visits of that stage that exited
--                        in the trailing var deal_risk_window_days ({{ window_days }}) days,
--                        over the opportunity owner's current team; the company's when the
--                        team has fewer than var deal_risk_min_stage_visits ({{ min_visits }})
--                        such visits (stage_p75_source)
--   is_stalled           days_in_stage > stage_p75_days
--   days_since_last_activity  as_of_date - date of the latest completed activity tied to the
--                        opportunity (null when none)
--   is_inactive          no completed activity in the last var inactive_after_days
--                        ({{ inactive_days }}) days: days_since_last_activity >= N, or, with
--                        no activity at all, an opportunity created at least N days ago
--   missing_playbook_activities  the stage_playbook requirements of the stages the deal has
--                        been in (advanced through, or sits in) that no completed activity
--                        of a required type met while the deal was in that stage, as
--                        `stage:requirement` in funnel order, `; `-separated; null when none
with

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

transitions as (

    select * from {{ ref('fct_stage_transitions') }}

),

visits as (

    select * from {{ ref('int_opportunity_stage_visits') }}

),

activities as (

    select * from {{ ref('fct_activities') }}

),

reps as (

    select * from {{ ref('dim_reps') }}

),

stages as (

    select * from {{ ref('dim_stages') }}

),

playbook as (

    select * from {{ ref('stage_playbook') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

-- the stage each opportunity was in at the end of the as-of date
stage_at_as_of as (

    select
        transitions.opportunity_id,
        transitions.to_stage as stage,
        transitions.transitioned_at as stage_entered_at
    from transitions
    cross join as_of
    where transitions.transitioned_date <= as_of.as_of_date
    qualify row_number() over (
        partition by transitions.opportunity_id
        order by transitions.transition_number desc
    ) = 1

),

open_opportunities as (

    select
        opportunities.opportunity_id,
        opportunities.rep_id,
        reps.team,
        opportunities.account_id,
        opportunities.amount_reporting,
        opportunities.created_date,
        -- an opportunity without stage history sits in its current stage since creation
        coalesce(stage_at_as_of.stage, opportunities.current_stage) as current_stage,
        coalesce(stage_at_as_of.stage_entered_at, opportunities.created_at) as stage_entered_at,
        as_of.as_of_date,
        as_of.as_of_date - {{ utc_date(
            'coalesce(stage_at_as_of.stage_entered_at, opportunities.created_at)'
        ) }} as days_in_stage
    from opportunities
    cross join as_of
    left join stage_at_as_of
        on opportunities.opportunity_id = stage_at_as_of.opportunity_id
    left join reps
        on opportunities.rep_id = reps.rep_id
    where
        opportunities.created_date <= as_of.as_of_date
        and coalesce(stage_at_as_of.stage, opportunities.current_stage) not in ('won', 'lost')
        and not coalesce(opportunities.closed_date <= as_of.as_of_date, false)

),

-- stage-duration baseline: visits that exited in the trailing window -----------------------

recent_visits as (

    select
        visits.stage,
        reps.team,
        {{ utc_date('visits.exited_at') }} - {{ utc_date('visits.entered_at') }} as days_in_stage
    from visits
    inner join opportunities
        on visits.opportunity_id = opportunities.opportunity_id
    left join reps
        on opportunities.rep_id = reps.rep_id
    cross join as_of
    where
        {{ utc_date('visits.exited_at') }} <= as_of.as_of_date
        and {{ utc_date('visits.exited_at') }} > as_of.as_of_date - {{ window_days }}

),

team_baselines as (

    select
        team,
        stage,
        count(*) as visit_count,
        {{ percentile('days_in_stage', 0.75) }} as p75_days
    from recent_visits
    where team is not null
    group by team, stage

),

company_baselines as (

    select
        stage,
        count(*) as visit_count,
        {{ percentile('days_in_stage', 0.75) }} as p75_days
    from recent_visits
    group by stage

),

-- activity recency --------------------------------------------------------------------------

completed_activities as (

    select
        activities.opportunity_id,
        activities.activity_type,
        activities.stage_at_activity,
        activities.activity_at,
        activities.activity_date
    from activities
    cross join as_of
    where
        activities.is_completed
        and activities.opportunity_id is not null
        and activities.activity_date <= as_of.as_of_date

),

last_activities as (

    select
        opportunity_id,
        max(activity_at) as last_activity_at
    from completed_activities
    group by opportunity_id

),

-- playbook ------------------------------------------------------------------------------------

visited_stages as (

    select distinct
        visits.opportunity_id,
        visits.stage
    from visits
    inner join open_opportunities
        on visits.opportunity_id = open_opportunities.opportunity_id
    where {{ utc_date('visits.entered_at') }} <= open_opportunities.as_of_date

),

requirements as (

    select distinct
        stage,
        requirement
    from playbook

),

met_requirements as (

    select distinct
        completed_activities.opportunity_id,
        playbook.stage,
        playbook.requirement
    from completed_activities
    inner join playbook
        on
            completed_activities.stage_at_activity = playbook.stage
            and completed_activities.activity_type = playbook.activity_type

),

missing_requirements as (

    select
        visited_stages.opportunity_id,
        visited_stages.stage,
        stages.stage_order,
        requirements.requirement
    from visited_stages
    inner join requirements
        on visited_stages.stage = requirements.stage
    inner join stages
        on visited_stages.stage = stages.stage
    left join met_requirements
        on
            visited_stages.opportunity_id = met_requirements.opportunity_id
            and requirements.stage = met_requirements.stage
            and requirements.requirement = met_requirements.requirement
    where met_requirements.opportunity_id is null

),

missing_lists as (

    select
        opportunity_id,
        count(*) as missing_count,
        string_agg(
            stage || ':' || requirement, '; ' order by stage_order, requirement
        ) as missing_playbook_activities
    from missing_requirements
    group by opportunity_id

),

final as (

    select
        open_opportunities.opportunity_id,
        open_opportunities.rep_id,
        open_opportunities.team,
        open_opportunities.account_id,
        open_opportunities.amount_reporting,
        open_opportunities.current_stage,
        open_opportunities.stage_entered_at,
        cast(open_opportunities.days_in_stage as bigint) as days_in_stage,
        coalesce(team_baselines.p75_days, company_baselines.p75_days) as stage_p75_days,
        case
            when team_baselines.p75_days is not null then 'team'
            when company_baselines.p75_days is not null then 'company'
        end as stage_p75_source,
        coalesce(
            open_opportunities.days_in_stage
            > coalesce(team_baselines.p75_days, company_baselines.p75_days),
            false
        ) as is_stalled,
        last_activities.last_activity_at,
        cast(
            open_opportunities.as_of_date - {{ utc_date('last_activities.last_activity_at') }}
            as bigint
        ) as days_since_last_activity,
        coalesce(
            open_opportunities.as_of_date - {{ utc_date('last_activities.last_activity_at') }},
            open_opportunities.as_of_date - open_opportunities.created_date
        ) >= {{ inactive_days }} as is_inactive,
        missing_lists.missing_playbook_activities,
        cast(coalesce(missing_lists.missing_count, 0) as bigint)
            as missing_playbook_requirement_count,
        missing_lists.opportunity_id is not null as is_missing_playbook_activity,
        open_opportunities.as_of_date
    from open_opportunities
    left join team_baselines
        on
            open_opportunities.team = team_baselines.team
            and open_opportunities.current_stage = team_baselines.stage
            and team_baselines.visit_count >= {{ min_visits }}
    left join company_baselines
        on open_opportunities.current_stage = company_baselines.stage
    left join last_activities
        on open_opportunities.opportunity_id = last_activities.opportunity_id
    left join missing_lists
        on open_opportunities.opportunity_id = missing_lists.opportunity_id

)

select * from final
