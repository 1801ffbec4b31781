-- Salesforce tasks and events as one list of CRM activities, typed into the canonical
-- activity types (call, email, meeting, demo, task, other) and tied to a live opportunity
-- when their WhatId points at one.
--
-- Typing rules (first match wins):
--   tasks:  e-mail subtype/type -> email; call subtype/type -> call; type Demo -> demo;
--           type Meeting -> demo if the subject mentions a demo, else meeting;
--           anything else (to-dos, Salesforce's type Other / subtype Task) -> task
--   events: type Demo -> demo; type Call -> call; type Email -> email; type Other -> other;
--           subject mentions a demo -> demo; anything else -> meeting
--
-- activity_at: events start at activity_at (start_date_time when null). Tasks only carry a
-- date: a task logged on its ActivityDate keeps its creation time, any other task is placed
-- at 00:00 UTC of ActivityDate (creation time when it has no ActivityDate).
with

tasks as (

    select * from {{ ref('stg_salesforce__tasks') }}

),

events as (

    select * from {{ ref('stg_salesforce__events') }}

),

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}
    where not coalesce(is_deleted, false)

),

task_activities as (

    select
        task_id as activity_id,
        'task' as source_object,
        case
            when
                lower(task_subtype) in ('email', 'listemail')
                or lower(task_type) = 'email'
                then 'email'
            when lower(task_subtype) = 'call' or lower(task_type) = 'call' then 'call'
            when lower(task_type) = 'demo' then 'demo'
            when lower(task_type) = 'meeting' and (
                lower(subject) like '%demo%' or subject like '%演示%'
            ) then 'demo'
            when lower(task_type) = 'meeting' then 'meeting'
            -- to-dos: subtype Task with type Other or none (Salesforce's default)
            else 'task'
        end as activity_type,
        case
            when activity_date is null then created_at
            when activity_date = {{ utc_date('created_at') }} then created_at
            else {{ utc_midnight('activity_date') }}
        end as activity_at,
        rep_id,
        account_id,
        what_id,
        subject,
        cast(call_duration_seconds as double) / 60 as duration_minutes,
        coalesce(is_closed, false) as is_completed
    from tasks

),

event_activities as (

    select
        event_id as activity_id,
        'event' as source_object,
        case
            when lower(event_type) = 'demo' then 'demo'
            when lower(event_type) = 'call' then 'call'
            when lower(event_type) = 'email' then 'email'
            when lower(event_type) = 'other' then 'other'
            when lower(subject) like '%demo%' or subject like '%演示%' then 'demo'
            else 'meeting'
        end as activity_type,
        coalesce(activity_at, started_at) as activity_at,
        rep_id,
        account_id,
        what_id,
        subject,
        cast(
            coalesce(duration_minutes, date_diff('minute', started_at, ended_at)) as double
        ) as duration_minutes,
        true as is_completed
    from events

),

unioned as (

    select * from task_activities
    union all
    select * from event_activities

),

final as (

    select
        unioned.activity_id,
        unioned.source_object,
        unioned.activity_type,
        unioned.activity_at,
        unioned.rep_id,
        opportunities.opportunity_id,
        unioned.subject,
        unioned.duration_minutes,
        unioned.is_completed,
        'crm' as origin,
        'salesforce' as source_system,
        {{ utc_date('unioned.activity_at') }} as activity_date,
        coalesce(unioned.account_id, opportunities.account_id) as account_id
    from unioned
    left join opportunities
        on unioned.what_id = opportunities.opportunity_id

)

select * from final
