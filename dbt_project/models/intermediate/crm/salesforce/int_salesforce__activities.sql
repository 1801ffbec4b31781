-- Salesforce tasks and events in the canonical CRM activity shape (int_crm__activities),
-- typed into the canonical activity types (call, email, meeting, demo, task, other).
--
-- Typing rules (first match wins):
--   tasks:  e-mail subtype/type -> email; call subtype/type -> call; type Demo -> demo;
--           type Meeting -> demo if the subject mentions a demo, else meeting;
--           anything else (to-dos, Salesforce's type Other / subtype Task) -> task
--   events: type Demo -> demo; type Call -> call; type Email -> email; type Other -> other;
--           subject mentions a demo -> demo; anything else -> meeting
--
-- activity_at: events start at ActivityDateTime (StartDateTime when null). Tasks only carry a
-- date: a task logged on its ActivityDate keeps its creation time, any other task is placed
-- at 00:00 UTC of ActivityDate (creation time when it has no ActivityDate).
with

tasks as (

    select * from {{ ref('stg_salesforce__tasks') }}

),

events as (

    select * from {{ ref('stg_salesforce__events') }}

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
            when lower(task_type) = 'meeting' and {{ mentions_demo('subject') }} then 'demo'
            when lower(task_type) = 'meeting' then 'meeting'
            -- to-dos: subtype Task with type Other or none (Salesforce's default)
            else 'task'
        end as activity_type,
        case
            when activity_date is null then created_at
            when activity_date = {{ utc_date('created_at') }} then created_at
            else {{ utc_midnight('activity_date') }}
        end as activity_at,
        cast(null as timestamp with time zone) as ended_at,
        rep_id,
        account_id,
        what_id,
        subject,
        cast(call_duration_seconds as double) / 60 as duration_minutes,
        coalesce(is_closed, false) as is_completed,
        false as is_all_day,
        created_at,
        _dlt_load_id
    from tasks

),

event_activities as (

    select
        event_id as activity_id,
        'event' as source_object,
        ended_at,
        rep_id,
        account_id,
        what_id,
        subject,
        created_at,
        _dlt_load_id,
        true as is_completed,
        cast(
            coalesce(duration_minutes, date_diff('minute', started_at, ended_at)) as double
        ) as duration_minutes,
        case
            when lower(event_type) = 'demo' then 'demo'
            when lower(event_type) = 'call' then 'call'
            when lower(event_type) = 'email' then 'email'
            when lower(event_type) = 'other' then 'other'
            when {{ mentions_demo('subject') }} then 'demo'
            else 'meeting'
        end as activity_type,
        coalesce(activity_at, started_at) as activity_at,
        coalesce(is_all_day, false) as is_all_day
    from events

),

final as (

    select
        activity_id,
        'salesforce' as source_system,
        source_object,
        activity_type,
        activity_at,
        ended_at,
        rep_id,
        account_id,
        what_id,
        subject,
        duration_minutes,
        is_completed,
        is_all_day,
        created_at,
        _dlt_load_id
    from task_activities

    union all

    select
        activity_id,
        'salesforce' as source_system,
        source_object,
        activity_type,
        activity_at,
        ended_at,
        rep_id,
        account_id,
        what_id,
        subject,
        duration_minutes,
        is_completed,
        is_all_day,
        created_at,
        _dlt_load_id
    from event_activities

)

select * from final
