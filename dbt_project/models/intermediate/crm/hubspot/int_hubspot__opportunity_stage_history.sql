-- HubSpot stage history in the canonical shape (int_crm__opportunity_stage_history): the
-- `Date entered "<stage> (<pipeline>)"` rows of a deal (stg_hubspot__deal_stage_history),
-- else the stage changes seen in its daily snapshots, plus a creation row (macro
-- stage_history_with_creation).
with

deals as (

    select
        'hubspot' as source_system,
        created_at,
        source_stage_label as creation_stage_label,
        _dlt_load_id,
        'hubspot:' || deal_id as opportunity_id
    from {{ ref('stg_hubspot__deals') }}

),

history as (

    select
        source_stage_label,
        cast(null as varchar) as previous_stage_label,
        changed_at,
        _dlt_load_id,
        'hubspot:' || stage_history_id as stage_history_id,
        'hubspot:' || deal_id as opportunity_id
    from {{ ref('stg_hubspot__deal_stage_history') }}
    where changed_at is not null

),

snapshot_changes as (

    select
        source_stage_label,
        previous_stage_label,
        changed_at,
        'hubspot:' || stage_history_id as stage_history_id,
        'hubspot:' || deal_id as opportunity_id
    from {{ ref('stg_hubspot__deal_snapshot_stage_changes') }}

),

final as (

    {{ stage_history_with_creation('deals', 'history', 'snapshot_changes') }}

)

select * from final
