-- HubSpot calls, meetings, e-mails and tasks in one shape, typed, before owners, companies
-- and deals are resolved (int_hubspot__activities). The first listed association is kept.
--   calls    -> call (task);  done unless their status is canceled, failed, queued
--   meetings -> demo when the title mentions a demo, else meeting (event); done unless the
--               outcome is canceled, no show or rescheduled
--   e-mails  -> email (task); done unless bounced, failed or scheduled
--   tasks    -> task (task), whatever their type (a HubSpot task is a to-do); done when
--               completed; placed at their activity date, else due date
with

calls as (

    select * from {{ ref('stg_hubspot__calls') }}

),

meetings as (

    select * from {{ ref('stg_hubspot__meetings') }}

),

emails as (

    select * from {{ ref('stg_hubspot__emails') }}

),

tasks as (

    select * from {{ ref('stg_hubspot__tasks') }}

),

unioned as (

    select
        call_id as engagement_id,
        'task' as source_object,
        'call' as activity_type,
        subject,
        coalesce(activity_at, created_at) as activity_at,
        cast(null as timestamp with time zone) as ended_at,
        cast(duration_seconds as double) / 60 as duration_minutes,
        coalesce(lower(status), '') not in ('canceled', 'cancelled', 'failed', 'queued')
            as is_completed,
        owner_id,
        owner_name,
        deal_ids,
        deal_names,
        company_ids,
        company_names,
        created_at,
        _dlt_load_id
    from calls

    union all

    select
        meeting_id as engagement_id,
        'event' as source_object,
        case when {{ mentions_demo('subject') }} then 'demo' else 'meeting' end as activity_type,
        subject,
        coalesce(started_at, activity_at, created_at) as activity_at,
        ended_at,
        cast(date_diff('minute', started_at, ended_at) as double) as duration_minutes,
        coalesce(lower(outcome), '') not in (
            'canceled', 'cancelled', 'no show', 'no_show', 'rescheduled'
        ) as is_completed,
        owner_id,
        owner_name,
        deal_ids,
        deal_names,
        company_ids,
        company_names,
        created_at,
        _dlt_load_id
    from meetings

    union all

    select
        email_id as engagement_id,
        'task' as source_object,
        'email' as activity_type,
        subject,
        coalesce(activity_at, created_at) as activity_at,
        cast(null as timestamp with time zone) as ended_at,
        cast(null as double) as duration_minutes,
        coalesce(lower(send_status), '') not in ('bounced', 'failed', 'scheduled')
            as is_completed,
        owner_id,
        owner_name,
        deal_ids,
        deal_names,
        company_ids,
        company_names,
        created_at,
        _dlt_load_id
    from emails

    union all

    select
        task_id as engagement_id,
        'task' as source_object,
        'task' as activity_type,
        subject,
        coalesce(activity_at, due_at, completed_at, created_at) as activity_at,
        cast(null as timestamp with time zone) as ended_at,
        cast(null as double) as duration_minutes,
        coalesce(lower(status) in ('completed', 'complete'), false)
        or completed_at is not null as is_completed,
        owner_id,
        owner_name,
        deal_ids,
        deal_names,
        company_ids,
        company_names,
        created_at,
        _dlt_load_id
    from tasks

),

final as (

    select
        engagement_id,
        source_object,
        activity_type,
        subject,
        activity_at,
        ended_at,
        duration_minutes,
        is_completed,
        owner_id,
        owner_name,
        created_at,
        _dlt_load_id,
        {{ first_listed('deal_ids') }} as deal_id,
        {{ first_listed('deal_names') }} as deal_name,
        {{ first_listed('company_ids') }} as company_id,
        {{ first_listed('company_names') }} as company_name
    from unioned

)

select * from final
