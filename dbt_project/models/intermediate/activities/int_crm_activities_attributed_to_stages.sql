{#-
    Incremental: the largest table of a daily refresh (every CRM task and event). A run
    recomputes only the activities whose result can have changed since the last run, i.e.
    since loaded_through (the highest dlt load id of the inputs at that run):
      - activities whose own raw row was loaded or re-stated after it;
      - activities related (what_id) to an opportunity whose raw row or stage history was
        loaded or re-stated after it: a new, deleted or re-owned opportunity, or a stage
        change that moves earlier activities into another stage visit;
      - every activity, when a load after it deleted raw CRM rows (an export replaced in
        place, re-read, or retracted): a deleted row leaves no load id to follow, and any
        activity may have depended on it (its opportunity, stage history, owner or account).
    An activity that no longer exists upstream is deleted (post-hook). Seeds and vars are no
    dlt loads: after editing stage_mapping, refresh with --full-refresh.
-#}
{{
    config(
        materialized='incremental',
        unique_key='activity_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=[
            "{% if is_incremental() %}delete from {{ this }} where activity_id not in"
            ~ " (select activity_id from {{ ref('int_crm__activities') }}){% endif %}"
        ]
    )
}}
-- CRM activities (int_crm__activities) with the canonical stage their opportunity was in at
-- activity_at (see stage_at_activity_join). Calendar-only meetings get theirs in
-- int_activities_attributed_to_stages.
with

activities as (

    select * from {{ ref('int_crm__activities') }}

),

opportunities as (

    select * from {{ ref('int_crm__opportunities') }}

),

opportunity_histories as (

    select * from {{ ref('int_crm__opportunity_stage_history') }}

),

stage_changes as (

    select * from {{ ref('int_opportunity_stage_changes') }}

),

crm_row_deletions as (

    {{ crm_row_deletion_loads() }}

),

input_loads as (

    select max(cast(_dlt_load_id as double)) as load_id from activities
    union all
    select max(cast(_dlt_load_id as double)) as load_id from opportunities
    union all
    select max(cast(_dlt_load_id as double)) as load_id from opportunity_histories
    union all
    select max(crm_row_deletions.load_id) as load_id from crm_row_deletions

),

watermark as (

    select max(load_id) as loaded_through from input_loads

),

{% if is_incremental() %}

    previous_run as (

        select coalesce(max(loaded_through), 0) as loaded_through from {{ this }}

    ),

    changed_opportunities as (

        select opportunities.opportunity_id
        from opportunities
        where
            cast(opportunities._dlt_load_id as double)
            > (select previous_run.loaded_through from previous_run)

        union

        select opportunity_histories.opportunity_id
        from opportunity_histories
        where
            cast(opportunity_histories._dlt_load_id as double)
            > (select previous_run.loaded_through from previous_run)

    ),

    rows_deleted_since_previous_run as (

        select count(*) > 0 as any_deleted
        from crm_row_deletions
        where
            crm_row_deletions.load_id
            > (select previous_run.loaded_through from previous_run)

    ),

    activities_to_build as (

        select activities.*
        from activities
        where
            cast(activities._dlt_load_id as double)
            > (select previous_run.loaded_through from previous_run)
            or activities.what_id in (
                select changed_opportunities.opportunity_id from changed_opportunities
            )
            or (
                select rows_deleted_since_previous_run.any_deleted
                from rows_deleted_since_previous_run
            )

    ),

{% else %}

    activities_to_build as (

        select * from activities

    ),

{% endif %}

final as (

    select
        activities_to_build.activity_id,
        activities_to_build.source_system,
        activities_to_build.source_object,
        activities_to_build.activity_type,
        activities_to_build.activity_at,
        activities_to_build.activity_date,
        activities_to_build.ended_at,
        activities_to_build.rep_id,
        activities_to_build.account_id,
        activities_to_build.opportunity_id,
        activities_to_build.subject,
        activities_to_build.duration_minutes,
        activities_to_build.is_completed,
        activities_to_build.is_all_day,
        stage_changes.to_stage as stage_at_activity,
        stage_changes.stage_transition_id,
        stage_changes.transition_number as stage_transition_number,
        watermark.loaded_through
    from activities_to_build
    cross join watermark
    left join stage_changes
        on {{ stage_at_activity_join('activities_to_build', 'stage_changes') }}

)

select * from final
