-- Stage changes of HubSpot deals, observed in the daily full snapshots (macro
-- snapshot_stage_changes over stg_hubspot__deal_snapshots): the first snapshot showing a record,
-- then every snapshot whose stage differs from the previous live version. The change happened
-- after previous_snapshot_date and by observed_on; changed_at is 00:00 UTC of observed_on.
-- Same shape as the CRM stage-history models (stage_history_id, opportunity id, label, time).
with

changes as (

    {{ snapshot_stage_changes(
        ref('stg_hubspot__deal_snapshots'),
        key='deal_id',
        stage_column='source_stage_label'
    ) }}

),

final as (

    select
        record_key as deal_id,
        source_stage_label,
        previous_stage_label,
        changed_at,
        observed_on,
        previous_snapshot_date,
        record_key || ':' || strftime(observed_on, '%Y-%m-%d') as stage_history_id
    from changes

)

select * from final
