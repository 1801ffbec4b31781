-- One row per opportunity stage transition, the creation included (from_stage null).
-- See int_opportunity_stage_changes for how transitions are derived from the stage history.
-- activities_in_from_stage: completed activities (fct_activities: CRM and calendar, a
-- meeting in both counted once) tied to the opportunity while it sat in from_stage, i.e.
-- whose stage_transition_id is the transition that entered from_stage.
with

stage_changes as (

    select * from {{ ref('int_opportunity_stage_changes') }}

),

opportunities as (

    select * from {{ ref('int_opportunities') }}

),

activities as (

    select * from {{ ref('fct_activities') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

activities_per_stage_stay as (

    -- completed activities during the stay that began with a transition
    select
        stage_transition_id,
        count(*) as activity_count
    from activities
    where is_completed and stage_transition_id is not null
    group by stage_transition_id

),

final as (

    select
        stage_changes.stage_transition_id,
        stage_changes.opportunity_id,
        stage_changes.transition_number,
        opportunities.rep_id,
        stage_changes.from_stage,
        stage_changes.to_stage,
        stage_changes.from_stage_order,
        stage_changes.to_stage_order,
        stage_changes.from_stage_entered_at,
        stage_changes.transitioned_at,
        {{ utc_date('stage_changes.transitioned_at') }} as transitioned_date,
        stage_changes.days_in_from_stage,
        stage_changes.is_creation,
        stage_changes.is_forward,
        stage_changes.is_skip,
        stage_changes.is_regression,
        case
            when not stage_changes.is_creation
                then coalesce(activities_per_stage_stay.activity_count, 0)
        end as activities_in_from_stage,
        stage_changes.source_history_id,
        stage_changes.source_stage_label,
        as_of.as_of_date
    from stage_changes
    inner join opportunities
        on stage_changes.opportunity_id = opportunities.opportunity_id
    left join activities_per_stage_stay
        on
            stage_changes.opportunity_id || ':'
            || cast(stage_changes.transition_number - 1 as varchar)
            = activities_per_stage_stay.stage_transition_id
    cross join as_of

)

select * from final
