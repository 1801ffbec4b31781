-- Pipedrive stage history in the canonical shape (int_crm__opportunity_stage_history): the
-- stage rows of the deal-updates export (stg_pipedrive__deal_stage_changes), else the stage
-- changes seen in the daily snapshots, plus a creation row (macro
-- stage_history_with_creation) and, for a won or lost deal, a closing row `won` / `lost` at
-- its won / lost time (else its last update): Pipedrive records the outcome in the status,
-- not as a stage.
with

deals as (

    select * from {{ ref('stg_pipedrive__deals') }}

),

opportunities as (

    select
        'pipedrive' as source_system,
        created_at,
        source_stage_label as creation_stage_label,
        _dlt_load_id,
        'pipedrive:' || deal_id as opportunity_id
    from deals

),

history as (

    select
        source_stage_label,
        previous_stage_label,
        changed_at,
        _dlt_load_id,
        'pipedrive:' || stage_history_id as stage_history_id,
        'pipedrive:' || deal_id as opportunity_id
    from {{ ref('stg_pipedrive__deal_stage_changes') }}
    where changed_at is not null

),

snapshot_changes as (

    select
        source_stage_label,
        previous_stage_label,
        changed_at,
        'pipedrive:' || stage_history_id as stage_history_id,
        'pipedrive:' || deal_id as opportunity_id
    from {{ ref('stg_pipedrive__deal_snapshot_stage_changes') }}

),

stage_history as (

    {{ stage_history_with_creation('opportunities', 'history', 'snapshot_changes') }}

),

closings as (

    select
        status as source_stage_label,
        _dlt_load_id,
        'pipedrive' as source_system,
        'pipedrive:' || deal_id || ':closed' as stage_history_id,
        'pipedrive:' || deal_id as opportunity_id,
        coalesce(
            case when is_won then won_at else lost_at end,
            closed_at,
            last_modified_at
        ) as changed_at
    from deals
    where is_closed

),

final as (

    select
        stage_history_id,
        source_system,
        opportunity_id,
        source_stage_label,
        changed_at,
        _dlt_load_id
    from stage_history

    union all

    select
        stage_history_id,
        source_system,
        opportunity_id,
        source_stage_label,
        changed_at,
        _dlt_load_id
    from closings
    where changed_at is not null

)

select * from final
