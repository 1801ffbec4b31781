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

    select * from activities
    where origin != 'calendar'

),

calendar_rows as (

    select
        activities.* exclude (
            stage_at_activity, stage_transition_id, stage_transition_number
        ),
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
