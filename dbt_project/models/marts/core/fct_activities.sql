-- One row per sales activity from every source: CRM tasks and events (calls, e-mails,
-- meetings, demos, to-dos) and calendar meetings, a meeting that is in both counted once
-- (origin both). See int_activities_unioned for matching and int_calendar_meetings for which
-- calendar events count. stage_at_activity is the canonical stage of the opportunity at
-- activity_at.
with

activities as (

    select * from {{ ref('int_activities_attributed_to_stages') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

final as (

    select
        activities.activity_id,
        activities.activity_type,
        activities.activity_at,
        activities.activity_date,
        activities.rep_id,
        activities.account_id,
        activities.opportunity_id,
        activities.opportunity_link_method,
        activities.stage_at_activity,
        activities.stage_transition_id,
        activities.duration_minutes,
        activities.is_completed,
        activities.subject,
        activities.source_object,
        activities.origin,
        activities.source_system,
        activities.calendar_occurrence_id,
        as_of.as_of_date
    from activities
    cross join as_of

)

select * from final
