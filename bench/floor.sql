-- The benchmark floor: the eight KPI marts computed by one hand-written SQL script straight
-- from the raw demo exports, in a fresh DuckDB file (bench/floor.py runs it).
--
-- What a refresh does, minus the framework: no dlt, no dbt, no Dagster, no quality checks,
-- no quarantine, no publish. Same grains as docs/kpi_definitions.md and the same joins and
-- aggregations as the dbt marts, simplified where noted:
--   * reads the Salesforce Data Loader CSVs, the quota sheet and the stage_mapping /
--     currency_rates / stage_playbook seeds; the calendar ICS files are skipped (calendar
--     meetings add activities in a refresh, not here);
--   * one file per object, auto-detected types, no dialect handling, no dedup of keys;
--   * periods from date_trunc (calendar quarters; the default fiscal year), not dim_dates;
--   * reporting-currency amounts use the latest rate on or before the close (or created) date.
-- Parameters (DuckDB variables, set by the runner): landing (the demo landing folder) and
-- seeds (dbt_project/seeds).

set timezone = 'UTC';

create schema if not exists work;
create schema if not exists marts;

-- inputs -------------------------------------------------------------------------------------

create table work.stage_mapping as
select
    lower(trim(source_stage_label)) as stage_label_key,
    canonical_stage,
    cast(canonical_stage_order as integer) as canonical_stage_order,
    cast(is_closed as boolean) as is_closed,
    cast(is_won as boolean) as is_won
from read_csv(getvariable('seeds') || '/stage_mapping.csv', header = true, all_varchar = true)
where source_system in ('salesforce', 'any')
qualify row_number() over (
    partition by lower(trim(source_stage_label))
    order by source_system = 'any'
) = 1;

create table work.currency_rates as
select
    cast(rate_date as date) as rate_date,
    currency,
    cast(rate as double) as rate
from read_csv(getvariable('seeds') || '/currency_rates.csv', header = true)
where quote_currency = 'USD';

create table work.reps as
select
    Id as rep_id,
    Name as rep_name,
    lower(Email) as email,
    nullif(Department, '') as team
from read_csv(getvariable('landing') || '/salesforce/User.csv', header = true);

create table work.opportunities as
with

raw as (

    select * from read_csv(getvariable('landing') || '/salesforce/Opportunity.csv', header = true)
    where not coalesce(IsDeleted, false)

),

mapped as (

    select
        raw.Id as opportunity_id,
        raw.OwnerId as rep_id,
        raw.AccountId as account_id,
        raw.CurrencyIsoCode as currency,
        cast(raw.Amount as double) as amount,
        cast(raw.CreatedDate as timestamptz) as created_at,
        cast(raw.LastModifiedDate as timestamptz) as last_modified_at,
        cast(cast(raw.CreatedDate as timestamptz) as date) as created_date,
        cast(raw.CloseDate as date) as close_date,
        stage_mapping.canonical_stage as current_stage,
        coalesce(stage_mapping.is_closed, false) as is_closed,
        coalesce(stage_mapping.is_won, false) as is_won
    from raw
    left join work.stage_mapping
        on lower(trim(raw.StageName)) = stage_mapping.stage_label_key

)

select
    mapped.*,
    case when mapped.is_closed then mapped.close_date end as closed_date,
    case when mapped.is_closed then mapped.close_date - mapped.created_date end
        as sales_cycle_days,
    case
        when mapped.currency = 'USD' then mapped.amount
        else mapped.amount * rates.rate
    end as amount_reporting
from mapped
asof left join work.currency_rates as rates
    on
        mapped.currency = rates.currency
        and coalesce(mapped.close_date, mapped.created_date) >= rates.rate_date;

-- stage transitions: a history row whose canonical stage differs from the previous one
create table work.stage_changes as
with

histories as (

    select
        history.Id as history_id,
        history.OpportunityId as opportunity_id,
        cast(history.CreatedDate as timestamptz) as changed_at,
        stage_mapping.canonical_stage as stage,
        stage_mapping.canonical_stage_order as stage_order
    from read_csv(getvariable('landing') || '/salesforce/OpportunityHistory.csv', header = true)
        as history
    semi join work.opportunities
        on history.OpportunityId = opportunities.opportunity_id
    left join work.stage_mapping
        on lower(trim(history.StageName)) = stage_mapping.stage_label_key

),

compared as (

    select
        *,
        row_number() over by_time as history_sequence,
        lag(stage) over by_time as previous_stage
    from histories
    window by_time as (partition by opportunity_id order by changed_at, history_id)

),

transitions as (

    select * from compared
    where history_sequence = 1 or stage is distinct from previous_stage

)

select
    opportunity_id,
    row_number() over by_seq as transition_number,
    lag(stage) over by_seq as from_stage,
    lag(stage_order) over by_seq as from_stage_order,
    stage as to_stage,
    stage_order as to_stage_order,
    changed_at as transitioned_at,
    cast(changed_at as date) as transitioned_date,
    lead(changed_at) over by_seq as next_transitioned_at,
    lead(stage) over by_seq as next_stage,
    lead(stage_order) over by_seq as next_stage_order
from transitions
window by_seq as (partition by opportunity_id order by history_sequence);

create table work.reached as
select
    opportunity_id,
    min(transitioned_at) filter (where to_stage_order >= 1) as reached_qualification_at,
    min(transitioned_at) filter (where to_stage_order >= 2) as reached_presentation_at,
    min(transitioned_at) filter (where to_stage_order >= 3) as reached_proposal_at,
    min(transitioned_at) filter (where to_stage_order >= 4) as reached_contract_at,
    min(transitioned_at) filter (where to_stage_order >= 5) as reached_won_at
from work.stage_changes
group by opportunity_id;

-- stage visits: stays in an open stage
create table work.visits as
select
    opportunity_id,
    transition_number,
    to_stage as stage,
    to_stage_order as stage_order,
    transitioned_at as entered_at,
    next_transitioned_at as exited_at,
    cast(transitioned_at as date) as entered_date,
    cast(next_transitioned_at as date) as exited_date,
    coalesce(next_stage_order > to_stage_order, false) as is_exit_by_advancing
from work.stage_changes
where to_stage not in ('won', 'lost');

create table work.activities as
with

tasks as (

    select
        Id as activity_id,
        OwnerId as rep_id,
        WhatId as what_id,
        case
            when lower(TaskSubtype) in ('email', 'listemail') or lower(Type) = 'email' then 'email'
            when lower(TaskSubtype) = 'call' or lower(Type) = 'call' then 'call'
            when lower(Type) = 'demo' then 'demo'
            when lower(Type) = 'meeting' and lower(Subject) like '%demo%' then 'demo'
            when lower(Type) = 'meeting' then 'meeting'
            else 'task'
        end as activity_type,
        case
            when ActivityDate is null then cast(CreatedDate as timestamptz)
            when cast(ActivityDate as date) = cast(cast(CreatedDate as timestamptz) as date)
                then cast(CreatedDate as timestamptz)
            else cast(cast(ActivityDate as date) as timestamptz)
        end as activity_at,
        coalesce(cast(IsClosed as boolean), false) as is_completed,
        cast(CreatedDate as timestamptz) as created_at
    from read_csv(getvariable('landing') || '/salesforce/Task.csv', header = true)

),

events as (

    select
        Id as activity_id,
        OwnerId as rep_id,
        WhatId as what_id,
        case
            when lower(Type) = 'demo' then 'demo'
            when lower(Type) = 'call' then 'call'
            when lower(Type) = 'email' then 'email'
            when lower(Type) = 'other' then 'other'
            when lower(Subject) like '%demo%' then 'demo'
            else 'meeting'
        end as activity_type,
        cast(coalesce(ActivityDateTime, StartDateTime) as timestamptz) as activity_at,
        true as is_completed,
        cast(CreatedDate as timestamptz) as created_at
    from read_csv(getvariable('landing') || '/salesforce/Event.csv', header = true)

),

unioned as (

    select * from tasks
    union all
    select * from events

),

linked as (

    select
        unioned.*,
        opportunities.opportunity_id,
        cast(unioned.activity_at as date) as activity_date
    from unioned
    left join work.opportunities
        on unioned.what_id = opportunities.opportunity_id

)

-- the opportunity's stage at the activity: its latest transition at or before it
select
    linked.*,
    changes.to_stage as stage_at_activity,
    changes.transition_number
from linked
asof left join work.stage_changes as changes
    on
        linked.opportunity_id = changes.opportunity_id
        and linked.activity_at >= changes.transitioned_at;

create table work.as_of as
select max(latest_date) as as_of_date
from (
    select max(cast(last_modified_at as date)) as latest_date from work.opportunities
    union all
    select max(created_date) from work.opportunities
    union all
    select max(transitioned_date) from work.stage_changes
    union all
    select max(cast(created_at as date)) from work.activities
);

create table work.grains as
select * from (values ('week'), ('month'), ('quarter')) as grains (period_grain);

-- every period of every grain from the first data date to the as-of date
create table work.periods as
with

bounds as (

    select
        least(
            (select min(created_date) from work.opportunities),
            (select min(activity_date) from work.activities)
        ) as first_date,
        (select as_of_date from work.as_of) as as_of_date

)

select
    grains.period_grain,
    cast(period_start as date) as period_start
from work.grains
cross join bounds
cross join lateral (
    select unnest(generate_series(
        date_trunc(grains.period_grain, bounds.first_date),
        cast(bounds.as_of_date as timestamp),
        case grains.period_grain
            when 'week' then interval 7 day
            when 'month' then interval 1 month
            else interval 3 month
        end
    )) as period_start
);

create table work.targets as
with

raw as (

    select
        lower(nullif(trim("Rep Email"), '')) as email,
        nullif(trim(Team), '') as team,
        trim(Period) as period_label,
        cast(Quota as double) as quota,
        Currency as currency
    from read_csv(getvariable('landing') || '/targets/*.csv', header = true, all_varchar = true)

),

periods as (

    select
        *,
        case when period_label like '%-Q%' then 'quarter' else 'month' end as period_grain,
        case
            when period_label like '%-Q%'
                then make_date(
                    cast(split_part(period_label, '-Q', 1) as integer),
                    3 * cast(split_part(period_label, '-Q', 2) as integer) - 2,
                    1
                )
            else cast(period_label || '-01' as date)
        end as period_start
    from raw

)

select
    reps.rep_id,
    coalesce(reps.team, periods.team) as team,
    case when periods.email is null then 'team' else 'rep' end as scope,
    periods.period_grain,
    periods.period_start,
    cast(
        periods.period_start
        + case when periods.period_grain = 'quarter' then interval 3 month else interval 1 month end
        - interval 1 day as date
    ) as period_end,
    case
        when periods.currency = 'USD' then periods.quota else periods.quota * rates.rate
    end as target_amount
from periods
left join work.reps
    on periods.email = reps.email
asof left join work.currency_rates as rates
    on periods.currency = rates.currency and periods.period_start >= rates.rate_date;

-- kpi_rep_period_performance -----------------------------------------------------------------

create table marts.kpi_rep_period_performance as
with

events as (

    select
        rep_id,
        created_date as event_date,
        1 as is_created,
        0 as is_won,
        0 as is_lost,
        null as won_amount,
        null as won_cycle_days,
        0 as is_activity,
        0 as is_call
    from work.opportunities
    union all
    select
        rep_id,
        closed_date,
        0,
        cast(is_won as integer),
        cast(not is_won as integer),
        case when is_won then amount_reporting end,
        case when is_won then sales_cycle_days end,
        0,
        0
    from work.opportunities
    where is_closed
    union all
    select
        rep_id,
        activity_date,
        0,
        0,
        0,
        null,
        null,
        1,
        cast(activity_type = 'call' as integer)
    from work.activities
    where is_completed

),

scoped as (

    select
        scopes.scope,
        scopes.scope_id,
        events.*
    from events
    cross join work.as_of
    left join work.reps
        on events.rep_id = reps.rep_id
    cross join lateral (
        select 'company' as scope, cast(null as varchar) as scope_id
        union all
        select 'team', reps.team where reps.team is not null
        union all
        select 'rep', events.rep_id where events.rep_id is not null
    ) as scopes
    where events.event_date <= as_of.as_of_date

),

metrics as (

    select
        scoped.scope,
        scoped.scope_id,
        grains.period_grain,
        cast(date_trunc(grains.period_grain, scoped.event_date) as date) as period_start,
        sum(scoped.is_created) as opportunities_created,
        sum(scoped.is_won) as opportunities_won,
        sum(scoped.is_lost) as opportunities_lost,
        sum(scoped.won_amount) as won_amount,
        avg(scoped.won_amount) as avg_deal_size,
        sum(scoped.won_cycle_days) as sales_cycle_days_sum,
        avg(scoped.won_cycle_days) as avg_sales_cycle_days,
        median(scoped.won_cycle_days) as median_sales_cycle_days,
        sum(scoped.is_activity) as activities,
        sum(scoped.is_call) as calls
    from scoped
    cross join work.grains
    group by all

),

rep_targets as (

    select rep_id, team, period_grain, period_start, sum(target_amount) as target_amount
    from work.targets
    where scope = 'rep' and rep_id is not null
    group by all

),

team_targets as (

    select
        coalesce(own.team, rolled.team) as team,
        coalesce(own.period_grain, rolled.period_grain) as period_grain,
        coalesce(own.period_start, rolled.period_start) as period_start,
        coalesce(own.target_amount, rolled.target_amount) as target_amount
    from (
        select team, period_grain, period_start, sum(target_amount) as target_amount
        from work.targets
        where scope = 'team' and team is not null
        group by all
    ) as own
    full outer join (
        select team, period_grain, period_start, sum(target_amount) as target_amount
        from rep_targets
        where team is not null
        group by all
    ) as rolled
        on
            own.team = rolled.team
            and own.period_grain = rolled.period_grain
            and own.period_start = rolled.period_start

),

resolved_targets as (

    select 'rep' as scope, rep_id as scope_id, period_grain, period_start, target_amount
    from rep_targets
    union all
    select 'team', team, period_grain, period_start, target_amount
    from team_targets
    union all
    select 'company', null, period_grain, period_start, sum(target_amount)
    from (
        select period_grain, period_start, target_amount from team_targets
        union all
        select period_grain, period_start, target_amount from rep_targets where team is null
    )
    group by all

),

members as (

    select distinct scope, scope_id from metrics
    union
    select distinct scope, scope_id from resolved_targets

)

select
    members.scope,
    members.scope_id,
    periods.period_grain,
    periods.period_start,
    coalesce(metrics.opportunities_created, 0) as opportunities_created,
    coalesce(metrics.opportunities_won, 0) as opportunities_won,
    coalesce(metrics.opportunities_lost, 0) as opportunities_lost,
    coalesce(metrics.opportunities_won, 0) + coalesce(metrics.opportunities_lost, 0)
        as opportunities_closed,
    metrics.opportunities_won / nullif(metrics.opportunities_won + metrics.opportunities_lost, 0)
        as win_rate,
    coalesce(metrics.won_amount, 0) as won_amount,
    metrics.avg_deal_size,
    metrics.sales_cycle_days_sum,
    metrics.avg_sales_cycle_days,
    metrics.median_sales_cycle_days,
    coalesce(metrics.activities, 0) as activities,
    coalesce(metrics.calls, 0) as calls,
    resolved_targets.target_amount,
    coalesce(metrics.won_amount, 0) / nullif(resolved_targets.target_amount, 0) as attainment,
    as_of.as_of_date
from members
cross join work.periods
cross join work.as_of
left join metrics
    on
        members.scope = metrics.scope
        and members.scope_id is not distinct from metrics.scope_id
        and periods.period_grain = metrics.period_grain
        and periods.period_start = metrics.period_start
left join resolved_targets
    on
        members.scope = resolved_targets.scope
        and members.scope_id is not distinct from resolved_targets.scope_id
        and periods.period_grain = resolved_targets.period_grain
        and periods.period_start = resolved_targets.period_start;

-- kpi_sales_velocity -------------------------------------------------------------------------

create table marts.kpi_sales_velocity as
select
    scope,
    scope_id,
    period_grain,
    period_start,
    opportunities_created,
    win_rate,
    avg_deal_size,
    avg_sales_cycle_days,
    opportunities_created * win_rate * avg_deal_size / nullif(avg_sales_cycle_days, 0)
        as velocity_per_day,
    as_of_date
from marts.kpi_rep_period_performance;

-- kpi_funnel_conversion ----------------------------------------------------------------------

create table marts.kpi_funnel_conversion as
with

cohorts as (

    select
        opportunities.opportunity_id,
        opportunities.rep_id,
        reps.team,
        stages.from_stage,
        stages.from_stage_order,
        cast(
            case stages.from_stage_order
                when 1 then reached.reached_qualification_at
                when 2 then reached.reached_presentation_at
                when 3 then reached.reached_proposal_at
                when 4 then reached.reached_contract_at
            end as date
        ) as cohort_date,
        cast(
            case stages.from_stage_order
                when 1 then reached.reached_presentation_at
                when 2 then reached.reached_proposal_at
                when 3 then reached.reached_contract_at
                when 4 then reached.reached_won_at
            end as date
        ) as next_stage_date,
        coalesce(opportunities.is_won and opportunities.closed_date <= as_of.as_of_date, false)
            as is_won,
        coalesce(
            opportunities.is_closed
            and not opportunities.is_won
            and opportunities.closed_date <= as_of.as_of_date,
            false
        ) as is_lost,
        as_of.as_of_date
    from work.opportunities
    inner join work.reached
        on opportunities.opportunity_id = reached.opportunity_id
    cross join work.as_of
    left join work.reps
        on opportunities.rep_id = reps.rep_id
    cross join (
        values (1, 'qualification'), (2, 'presentation'), (3, 'proposal'), (4, 'contract')
    ) as stages (from_stage_order, from_stage)

),

outcomes as (

    select
        *,
        coalesce(next_stage_date <= as_of_date, false) as is_advanced,
        not coalesce(next_stage_date <= as_of_date, false) and is_lost as is_dropped
    from cohorts
    where cohort_date <= as_of_date

),

scoped as (

    select scopes.scope, scopes.scope_id, outcomes.*
    from outcomes
    cross join lateral (
        select 'company' as scope, cast(null as varchar) as scope_id
        union all
        select 'team', outcomes.team where outcomes.team is not null
        union all
        select 'rep', outcomes.rep_id where outcomes.rep_id is not null
    ) as scopes

),

aggregated as (

    select
        scoped.scope,
        scoped.scope_id,
        grains.period_grain,
        cast(date_trunc(grains.period_grain, scoped.cohort_date) as date) as period_start,
        scoped.from_stage,
        scoped.from_stage_order,
        count(*) as reached_count,
        count(*) filter (where scoped.is_advanced) as advanced_count,
        count(*) filter (where scoped.is_dropped) as dropped_count,
        count(*) filter (where not scoped.is_advanced and not scoped.is_dropped) as open_count,
        count(*) filter (where scoped.is_won) as won_count,
        count(*) filter (where scoped.is_lost) as lost_count
    from scoped
    cross join work.grains
    group by all

)

select
    aggregated.*,
    advanced_count / nullif(advanced_count + dropped_count, 0) as conversion_rate,
    won_count / nullif(won_count + lost_count, 0) as stage_to_win_rate,
    as_of.as_of_date
from aggregated
cross join work.as_of;

-- kpi_stage_duration -------------------------------------------------------------------------

create table marts.kpi_stage_duration as
with

visit_events as (

    select
        opportunities.rep_id,
        reps.team,
        visits.stage,
        visits.stage_order,
        visits.exited_date as event_date,
        visits.exited_date - visits.entered_date as days_in_stage,
        cast(null as integer) as age_days
    from work.visits
    inner join work.opportunities
        on visits.opportunity_id = opportunities.opportunity_id
    left join work.reps
        on opportunities.rep_id = reps.rep_id
    cross join work.as_of
    where visits.exited_date <= as_of.as_of_date
    union all
    select
        opportunities.rep_id,
        reps.team,
        visits.stage,
        visits.stage_order,
        as_of.as_of_date,
        null,
        as_of.as_of_date - visits.entered_date
    from work.visits
    inner join work.opportunities
        on visits.opportunity_id = opportunities.opportunity_id
    left join work.reps
        on opportunities.rep_id = reps.rep_id
    cross join work.as_of
    where
        visits.entered_date <= as_of.as_of_date
        and (visits.exited_date is null or visits.exited_date > as_of.as_of_date)

),

scoped as (

    select scopes.scope, scopes.scope_id, visit_events.*
    from visit_events
    cross join lateral (
        select 'company' as scope, cast(null as varchar) as scope_id
        union all
        select 'team', visit_events.team where visit_events.team is not null
        union all
        select 'rep', visit_events.rep_id where visit_events.rep_id is not null
    ) as scopes

)

select
    scoped.scope,
    scoped.scope_id,
    grains.period_grain,
    cast(date_trunc(grains.period_grain, scoped.event_date) as date) as period_start,
    scoped.stage,
    scoped.stage_order,
    count(scoped.days_in_stage) as visits_completed,
    sum(scoped.days_in_stage) as days_in_stage_sum,
    avg(scoped.days_in_stage) as mean_days,
    quantile_cont(scoped.days_in_stage, 0.5) as median_days,
    quantile_cont(scoped.days_in_stage, 0.75) as p75_days,
    count(scoped.age_days) as open_visits,
    sum(scoped.age_days) as open_age_days_sum,
    avg(scoped.age_days) as open_mean_age_days,
    any_value(as_of.as_of_date) as as_of_date
from scoped
cross join work.grains
cross join work.as_of
group by all;

-- kpi_activity_effectiveness -----------------------------------------------------------------

create table marts.kpi_activity_effectiveness as
with

completed as (

    select activities.*
    from work.activities
    cross join work.as_of
    where
        activities.is_completed
        and activities.rep_id is not null
        and activities.activity_date <= as_of.as_of_date

),

activity_metrics as (

    select
        completed.rep_id,
        grains.period_grain,
        cast(date_trunc(grains.period_grain, completed.activity_date) as date) as period_start,
        count(*) as activities,
        count(*) filter (where completed.activity_type = 'call') as calls
    from completed
    cross join work.grains
    group by all

),

stage_activity_metrics as (

    select
        completed.rep_id,
        grains.period_grain,
        cast(date_trunc(grains.period_grain, completed.activity_date) as date) as period_start,
        completed.stage_at_activity as stage,
        count(*) as stage_activities,
        count(*) filter (where completed.activity_type = 'call') as stage_calls
    from completed
    cross join work.grains
    where completed.stage_at_activity not in ('won', 'lost')
    group by all

),

qualified_metrics as (

    select
        opportunities.rep_id,
        grains.period_grain,
        cast(
            date_trunc(grains.period_grain, cast(reached.reached_presentation_at as date)) as date
        ) as period_start,
        count(*) as qualified_opportunities
    from work.opportunities
    inner join work.reached
        on opportunities.opportunity_id = reached.opportunity_id
    cross join work.as_of
    cross join work.grains
    where
        opportunities.rep_id is not null
        and cast(reached.reached_presentation_at as date) <= as_of.as_of_date
    group by all

),

-- activities tied to the opportunity inside each visit: those the as-of join attributed to it
visit_activities as (

    select opportunity_id, transition_number, count(*) as followups
    from completed
    where opportunity_id is not null
    group by all

),

followup_metrics as (

    select
        opportunities.rep_id,
        reps.team,
        grains.period_grain,
        cast(date_trunc(grains.period_grain, visits.exited_date) as date) as period_start,
        visits.stage,
        count(*) as advanced_visits,
        sum(coalesce(visit_activities.followups, 0)) as followups_sum,
        avg(coalesce(visit_activities.followups, 0)) as followups_mean
    from work.visits
    inner join work.opportunities
        on visits.opportunity_id = opportunities.opportunity_id
    left join visit_activities
        on
            visits.opportunity_id = visit_activities.opportunity_id
            and visits.transition_number = visit_activities.transition_number
    left join work.reps
        on opportunities.rep_id = reps.rep_id
    cross join work.as_of
    cross join work.grains
    where
        visits.is_exit_by_advancing
        and opportunities.rep_id is not null
        and visits.exited_date <= as_of.as_of_date
    group by all

),

team_medians as (

    select
        team,
        period_grain,
        period_start,
        stage,
        median(followups_mean) as team_median_followups
    from followup_metrics
    where team is not null
    group by all

),

rep_members as (

    select rep_id from activity_metrics
    union
    select rep_id from qualified_metrics
    union
    select rep_id from followup_metrics

)

select
    rep_members.rep_id,
    reps.team,
    periods.period_grain,
    periods.period_start,
    stages.stage,
    coalesce(activity_metrics.activities, 0) as activities,
    coalesce(activity_metrics.calls, 0) as calls,
    coalesce(stage_activity_metrics.stage_activities, 0) as stage_activities,
    coalesce(stage_activity_metrics.stage_calls, 0) as stage_calls,
    coalesce(qualified_metrics.qualified_opportunities, 0) as qualified_opportunities,
    coalesce(activity_metrics.activities, 0) / nullif(qualified_metrics.qualified_opportunities, 0)
        as activities_per_qualified_opportunity,
    coalesce(activity_metrics.calls, 0) / nullif(qualified_metrics.qualified_opportunities, 0)
        as calls_per_qualified_opportunity,
    coalesce(followup_metrics.advanced_visits, 0) as advanced_visits,
    followup_metrics.followups_sum as followups_before_advance_sum,
    followup_metrics.followups_mean as followups_before_advance_mean,
    team_medians.team_median_followups,
    followup_metrics.followups_mean < 0.5 * team_medians.team_median_followups
        as is_low_followup,
    as_of.as_of_date
from rep_members
left join work.reps
    on rep_members.rep_id = reps.rep_id
cross join work.periods
cross join (
    values ('qualification'), ('presentation'), ('proposal'), ('contract')
) as stages (stage)
cross join work.as_of
left join activity_metrics
    on
        rep_members.rep_id = activity_metrics.rep_id
        and periods.period_grain = activity_metrics.period_grain
        and periods.period_start = activity_metrics.period_start
left join stage_activity_metrics
    on
        rep_members.rep_id = stage_activity_metrics.rep_id
        and periods.period_grain = stage_activity_metrics.period_grain
        and periods.period_start = stage_activity_metrics.period_start
        and stages.stage = stage_activity_metrics.stage
left join qualified_metrics
    on
        rep_members.rep_id = qualified_metrics.rep_id
        and periods.period_grain = qualified_metrics.period_grain
        and periods.period_start = qualified_metrics.period_start
left join followup_metrics
    on
        rep_members.rep_id = followup_metrics.rep_id
        and periods.period_grain = followup_metrics.period_grain
        and periods.period_start = followup_metrics.period_start
        and stages.stage = followup_metrics.stage
left join team_medians
    on
        reps.team = team_medians.team
        and periods.period_grain = team_medians.period_grain
        and periods.period_start = team_medians.period_start
        and stages.stage = team_medians.stage;

-- kpi_target_pacing --------------------------------------------------------------------------

create table marts.kpi_target_pacing as
with

rep_targets as (

    select
        targets.*,
        as_of.as_of_date,
        targets.period_end - targets.period_start + 1 as period_days,
        greatest(least(as_of.as_of_date, targets.period_end) - targets.period_start + 1, 0)
            as elapsed_days
    from work.targets
    cross join work.as_of
    where targets.scope = 'rep' and targets.rep_id is not null

),

won as (

    select
        rep_targets.rep_id,
        rep_targets.period_grain,
        rep_targets.period_start,
        count(opportunities.opportunity_id) as won_deals_to_date,
        coalesce(sum(opportunities.amount_reporting), 0) as won_to_date
    from rep_targets
    left join work.opportunities
        on
            rep_targets.rep_id = opportunities.rep_id
            and opportunities.is_won
            and opportunities.closed_date
            between rep_targets.period_start
            and least(rep_targets.period_end, rep_targets.as_of_date)
    group by all

)

select
    rep_targets.rep_id,
    rep_targets.team,
    rep_targets.period_grain,
    rep_targets.period_start,
    rep_targets.period_end,
    rep_targets.target_amount,
    won.won_deals_to_date,
    won.won_to_date,
    rep_targets.elapsed_days,
    rep_targets.period_days,
    rep_targets.target_amount * rep_targets.elapsed_days / rep_targets.period_days
        as expected_to_date,
    won.won_to_date
    / nullif(rep_targets.target_amount * rep_targets.elapsed_days / rep_targets.period_days, 0)
        as pace_ratio,
    won.won_to_date * rep_targets.period_days / nullif(rep_targets.elapsed_days, 0)
        as projected_amount,
    won.won_to_date / nullif(rep_targets.target_amount, 0) as attainment,
    rep_targets.as_of_date
from rep_targets
inner join won
    on
        rep_targets.rep_id = won.rep_id
        and rep_targets.period_grain = won.period_grain
        and rep_targets.period_start = won.period_start;

-- kpi_goal_plan ------------------------------------------------------------------------------

create table marts.kpi_goal_plan as
with

window_closed as (

    select
        opportunities.*,
        reps.team,
        reached.reached_qualification_at is not null as reached_1,
        reached.reached_presentation_at is not null as reached_2,
        reached.reached_proposal_at is not null as reached_3,
        reached.reached_contract_at is not null as reached_4
    from work.opportunities
    left join work.reached
        on opportunities.opportunity_id = reached.opportunity_id
    left join work.reps
        on opportunities.rep_id = reps.rep_id
    cross join work.as_of
    where
        opportunities.is_closed
        and opportunities.closed_date between as_of.as_of_date - 364 and as_of.as_of_date

),

window_activity as (

    select activities.rep_id, reps.team, count(*) as activities
    from work.activities
    left join work.reps
        on activities.rep_id = reps.rep_id
    cross join work.as_of
    where
        activities.is_completed
        and activities.activity_date between as_of.as_of_date - 364 and as_of.as_of_date
    group by all

),

window_qualified as (

    select opportunities.rep_id, reps.team, count(*) as qualified
    from work.reached
    inner join work.opportunities
        on reached.opportunity_id = opportunities.opportunity_id
    left join work.reps
        on opportunities.rep_id = reps.rep_id
    cross join work.as_of
    where
        cast(reached.reached_presentation_at as date)
        between as_of.as_of_date - 364 and as_of.as_of_date
    group by all

),

-- rates per level: a rep, a team, the company (key null)
rates as (

    select
        scope_level,
        scope_key,
        count(*) as closed_count,
        avg(amount_reporting) filter (where is_won) as avg_deal_size,
        count(*) filter (where is_won and reached_1)
        / nullif(count(*) filter (where reached_1), 0) as win_rate_1,
        count(*) filter (where is_won and reached_2)
        / nullif(count(*) filter (where reached_2), 0) as win_rate_2,
        count(*) filter (where is_won and reached_3)
        / nullif(count(*) filter (where reached_3), 0) as win_rate_3,
        count(*) filter (where is_won and reached_4)
        / nullif(count(*) filter (where reached_4), 0) as win_rate_4
    from (
        select 'rep' as scope_level, rep_id as scope_key, * from window_closed
        union all
        select 'team', team, * from window_closed
        union all
        select 'company', null, * from window_closed
    )
    group by scope_level, scope_key

),

activity_rates as (

    select scope_level, scope_key, sum(activities) as activities
    from (
        select 'rep' as scope_level, rep_id as scope_key, activities from window_activity
        union all
        select 'team', team, activities from window_activity
        union all
        select 'company', null, activities from window_activity
    )
    group by all

),

qualified_rates as (

    select scope_level, scope_key, sum(qualified) as qualified
    from (
        select 'rep' as scope_level, rep_id as scope_key, qualified from window_qualified
        union all
        select 'team', team, qualified from window_qualified
        union all
        select 'company', null, qualified from window_qualified
    )
    group by all

),

level_rates as (

    select
        rates.*,
        activity_rates.activities / nullif(qualified_rates.qualified, 0)
            as activities_per_qualified
    from rates
    left join activity_rates
        on
            rates.scope_level = activity_rates.scope_level
            and rates.scope_key is not distinct from activity_rates.scope_key
    left join qualified_rates
        on
            rates.scope_level = qualified_rates.scope_level
            and rates.scope_key is not distinct from qualified_rates.scope_key

),

open_targets as (

    select pacing.*
    from marts.kpi_target_pacing as pacing
    where pacing.period_end >= pacing.as_of_date

),

chosen as (

    select
        open_targets.*,
        case
            when rep_rates.closed_count >= 10 then rep_rates
            when team_rates.closed_count >= 10 then team_rates
            else company_rates
        end as used
    from open_targets
    left join level_rates as rep_rates
        on rep_rates.scope_level = 'rep' and open_targets.rep_id = rep_rates.scope_key
    left join level_rates as team_rates
        on team_rates.scope_level = 'team' and open_targets.team = team_rates.scope_key
    left join level_rates as company_rates
        on company_rates.scope_level = 'company'

),

planned as (

    select
        *,
        greatest(target_amount - won_to_date, 0) as remaining_amount,
        ceil(greatest(target_amount - won_to_date, 0) / nullif(used.avg_deal_size, 0))
            as required_won_deals,
        greatest((period_end - greatest(as_of_date, period_start - 1)) / 7, 1) as weeks_left
    from chosen

)

select
    rep_id,
    team,
    period_grain,
    period_start,
    period_end,
    target_amount,
    won_to_date,
    remaining_amount,
    used.scope_level as rate_source,
    used.closed_count as closed_opportunities_used,
    used.avg_deal_size as avg_deal_size_used,
    required_won_deals,
    used.win_rate_1 as stage_to_win_rate_qualification_used,
    used.win_rate_2 as stage_to_win_rate_presentation_used,
    used.win_rate_3 as stage_to_win_rate_proposal_used,
    used.win_rate_4 as stage_to_win_rate_contract_used,
    ceil(required_won_deals / nullif(used.win_rate_1, 0)) as required_qualification_opportunities,
    ceil(required_won_deals / nullif(used.win_rate_2, 0)) as required_presentation_opportunities,
    ceil(required_won_deals / nullif(used.win_rate_3, 0)) as required_proposal_opportunities,
    ceil(required_won_deals / nullif(used.win_rate_4, 0)) as required_contract_opportunities,
    used.activities_per_qualified as activities_per_qualified_opportunity_used,
    ceil(
        ceil(required_won_deals / nullif(used.win_rate_2, 0)) * used.activities_per_qualified
    ) as required_activities,
    weeks_left,
    required_won_deals / weeks_left as required_won_deals_per_week,
    ceil(
        ceil(required_won_deals / nullif(used.win_rate_2, 0)) * used.activities_per_qualified
    ) / weeks_left as required_activities_per_week,
    as_of_date
from planned;

-- kpi_deal_risks -----------------------------------------------------------------------------

create table marts.kpi_deal_risks as
with

open_opportunities as (

    select opportunities.*, reps.team, as_of.as_of_date
    from work.opportunities
    left join work.reps
        on opportunities.rep_id = reps.rep_id
    cross join work.as_of
    where
        opportunities.created_date <= as_of.as_of_date
        and not (opportunities.is_closed and opportunities.closed_date <= as_of.as_of_date)

),

current_stages as (

    select
        changes.opportunity_id,
        changes.to_stage as current_stage,
        changes.to_stage_order as current_stage_order,
        changes.transitioned_date as stage_entered_date
    from work.stage_changes as changes
    cross join work.as_of
    where changes.transitioned_date <= as_of.as_of_date
    qualify row_number() over (
        partition by changes.opportunity_id order by changes.transition_number desc
    ) = 1

),

window_visits as (

    select reps.team, visits.stage, visits.exited_date - visits.entered_date as days_in_stage
    from work.visits
    inner join work.opportunities
        on visits.opportunity_id = opportunities.opportunity_id
    left join work.reps
        on opportunities.rep_id = reps.rep_id
    cross join work.as_of
    where visits.exited_date between as_of.as_of_date - 364 and as_of.as_of_date

),

team_p75 as (

    select team, stage, count(*) as visits, quantile_cont(days_in_stage, 0.75) as p75_days
    from window_visits
    group by all

),

company_p75 as (

    select stage, quantile_cont(days_in_stage, 0.75) as p75_days
    from window_visits
    group by all

),

last_activity as (

    select activities.opportunity_id, max(activities.activity_date) as last_activity_date
    from work.activities
    cross join work.as_of
    where
        activities.is_completed
        and activities.opportunity_id is not null
        and activities.activity_date <= as_of.as_of_date
    group by all

),

playbook as (

    select stage, requirement, activity_type
    from read_csv(getvariable('seeds') || '/stage_playbook.csv', header = true)

),

-- requirements of the stages the deal has been in that no completed activity met there
missing as (

    select
        visited.opportunity_id,
        string_agg(
            visited.stage || ':' || playbook.requirement, '; '
            order by visited.stage_order, playbook.requirement
        ) as missing_playbook_activities
    from (
        select distinct opportunity_id, stage, stage_order
        from work.visits
        cross join work.as_of
        where entered_date <= as_of.as_of_date
    ) as visited
    inner join (select distinct stage, requirement from playbook) as playbook
        on visited.stage = playbook.stage
    where not exists (
        select 1
        from work.activities
        inner join playbook as met
            on activities.activity_type = met.activity_type
        where
            activities.opportunity_id = visited.opportunity_id
            and activities.is_completed
            and activities.stage_at_activity = visited.stage
            and met.stage = visited.stage
            and met.requirement = playbook.requirement
    )
    group by visited.opportunity_id

)

select
    open_opportunities.opportunity_id,
    open_opportunities.rep_id,
    open_opportunities.team,
    current_stages.current_stage,
    open_opportunities.as_of_date - current_stages.stage_entered_date as days_in_stage,
    case
        when team_p75.visits >= 5 then team_p75.p75_days else company_p75.p75_days
    end as stage_p75_days,
    coalesce(
        open_opportunities.as_of_date - current_stages.stage_entered_date
        > case when team_p75.visits >= 5 then team_p75.p75_days else company_p75.p75_days end,
        false
    ) as is_stalled,
    open_opportunities.as_of_date - last_activity.last_activity_date as days_since_last_activity,
    coalesce(
        open_opportunities.as_of_date - last_activity.last_activity_date,
        open_opportunities.as_of_date - open_opportunities.created_date
    ) >= 14 as is_inactive,
    missing.missing_playbook_activities,
    missing.missing_playbook_activities is not null as is_missing_playbook_activity,
    open_opportunities.as_of_date
from open_opportunities
left join current_stages
    on open_opportunities.opportunity_id = current_stages.opportunity_id
left join team_p75
    on open_opportunities.team = team_p75.team and current_stages.current_stage = team_p75.stage
left join company_p75
    on current_stages.current_stage = company_p75.stage
left join last_activity
    on open_opportunities.opportunity_id = last_activity.opportunity_id
left join missing
    on open_opportunities.opportunity_id = missing.opportunity_id;
