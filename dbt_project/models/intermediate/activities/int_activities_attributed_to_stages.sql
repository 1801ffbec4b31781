-- Every activity (int_activities_unioned) with the canonical stage its opportunity was in at
-- activity_at: the stage entered by the latest transition at or before activity_at
-- (stage_transition_id). Activities without an opportunity, or dated before its first
-- recorded transition, have no stage.
with

activities as (

    select * from {{ ref('int_activities_unioned') }}

),

stage_changes as (

    select * from {{ ref('int_opportunity_stage_changes') }}

),

final as (

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
        activities.duration_minutes,
        activities.is_completed,
        activities.origin,
        activities.opportunity_link_method,
        activities.calendar_occurrence_id,
        stage_changes.to_stage as stage_at_activity,
        stage_changes.stage_transition_id,
        stage_changes.transition_number as stage_transition_number
    from activities
    left join stage_changes
        on
            activities.opportunity_id = stage_changes.opportunity_id
            and activities.activity_at >= stage_changes.transitioned_at
            -- a plain range (no `or ... is null`) lets DuckDB use a hash join plus range filter
            and activities.activity_at < coalesce(
                stage_changes.next_transitioned_at, timestamptz '9999-12-31 00:00:00+00'
            )

)

select * from final
