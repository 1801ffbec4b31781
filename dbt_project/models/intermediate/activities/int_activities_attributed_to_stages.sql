-- Every activity (int_activities_unioned) with the canonical stage its opportunity was in at
-- activity_at: the stage entered by the latest transition at or before activity_at
-- (stage_transition_id; see stage_at_activity_join). CRM activities come attributed from
-- int_crm_activities_attributed_to_stages (incremental); calendar-only meetings, whose
-- opportunity is inferred at every run, are attributed here.
with

activities as (

    select * from {{ ref('int_activities_unioned') }}

),

stage_changes as (

    select * from {{ ref('int_opportunity_stage_changes') }}

),

crm_rows as (

    select
        activity_id,
        source_system,
        source_object,
        activity_type,
        activity_at,
        activity_date,
        rep_id,
        account_id,
        opportunity_id,
        subject,
        is_completed,
        calendar_occurrence_id,
        duration_minutes,
        origin,
        opportunity_link_method,
        stage_at_activity,
        stage_transition_id,
        stage_transition_number
    from activities
    where origin != 'calendar'

),

calendar_rows as (

    select
        activities.activity_id,
        activities.source_system,
        activities.source_object,
        activities.activity_type,
        activities.activity_at,
        activities.activity_date,
        activities.rep_id,
        activities.account_id,
        activities.opportunity_id,
        activities.subject,
        activities.is_completed,
        activities.calendar_occurrence_id,
        activities.duration_minutes,
        activities.origin,
        activities.opportunity_link_method,
        stage_changes.to_stage as stage_at_activity,
        stage_changes.stage_transition_id,
        stage_changes.transition_number as stage_transition_number
    from activities
    left join stage_changes
        on {{ stage_at_activity_join('activities', 'stage_changes') }}
    where activities.origin = 'calendar'

),

final as (

    select * from crm_rows
    union all
    select * from calendar_rows

)

select * from final
