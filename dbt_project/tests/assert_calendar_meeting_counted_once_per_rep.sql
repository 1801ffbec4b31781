-- A calendar meeting (UID + original start) appears at most once per rep in fct_activities,
-- however many calendars hold it and whether or not the CRM logged it too.
with

activities as (

    select * from {{ ref('fct_activities') }}

),

calendar_events as (

    select * from {{ ref('stg_calendar__events') }}

),

final as (

    select
        activities.rep_id,
        calendar_events.event_uid,
        coalesce(calendar_events.original_start_at, calendar_events.started_at) as occurrence_start_at,
        count(*) as activity_rows
    from activities
    inner join calendar_events
        on activities.calendar_occurrence_id = calendar_events.occurrence_id
    group by
        activities.rep_id,
        calendar_events.event_uid,
        coalesce(calendar_events.original_start_at, calendar_events.started_at)
    having count(*) > 1

)

select * from final
