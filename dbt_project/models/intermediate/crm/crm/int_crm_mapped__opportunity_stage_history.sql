-- Stage history of the mapped CRMs (raw_crm) in the canonical shape
-- (int_crm__opportunity_stage_history): the mapped opportunity_stage_history of an
-- opportunity, else the stage changes seen in its daily snapshots, plus a creation row
-- (macro stage_history_with_creation). Ids prefixed with the mapping's source_system.
with

opportunities as (

    select
        opportunity_id,
        source_system,
        created_at,
        source_stage_label as creation_stage_label,
        _dlt_load_id
    from {{ ref('int_crm_mapped__opportunities') }}

),

history as (

    select
        source_stage_label,
        previous_stage_label,
        changed_at,
        _dlt_load_id,
        source_system || ':' || stage_history_id as stage_history_id,
        source_system || ':' || opportunity_id as opportunity_id
    from {{ ref('stg_crm__opportunity_stage_history') }}
    where changed_at is not null

),

snapshot_changes as (

    select
        source_stage_label,
        previous_stage_label,
        changed_at,
        source_system || ':' || stage_history_id as stage_history_id,
        source_system || ':' || opportunity_id as opportunity_id
    from {{ ref('stg_crm__opportunity_snapshot_stage_changes') }}

),

final as (

    {{ stage_history_with_creation('opportunities', 'history', 'snapshot_changes') }}

)

select * from final
