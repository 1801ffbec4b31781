-- One row per sales activity. For now: Salesforce tasks and events (origin crm); calendar
-- exports will add origin calendar / both.
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
        activities.stage_at_activity,
        activities.duration_minutes,
        activities.is_completed,
        activities.subject,
        activities.source_object,
        activities.origin,
        activities.source_system,
        as_of.as_of_date
    from activities
    cross join as_of

)

select * from final
