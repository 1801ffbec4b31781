-- Validity ranges (SCD2) of the mapped CRMs' opportunities: one row per version of a record
-- (a change of a tracked column, or of being deleted), built from the daily full exports under
-- snapshots/ by macro snapshot_validity_ranges. A record absent from the next full snapshot is
-- deleted from that date on (is_vanished); a deleted flag in the export deletes it too.
with

ranges as (

    {{ snapshot_validity_ranges(
        source('crm', 'opportunity_snapshot'),
        key="source_system || '|' || id",
        tracked=[
            'source_system',
            'id',
            'stage',
            'amount',
            'currency',
            'close_date',
            'owner_id',
            'owner_name',
        ],
        deleted_flag='is_deleted'
    ) }}

),

final as (

    select
        record_key,
        source_system,
        id as opportunity_id,
        stage as source_stage_label,
        amount,
        currency,
        close_date,
        owner_id as rep_id,
        owner_name as rep_name,
        is_deleted,
        is_vanished,
        valid_from,
        valid_to,
        is_current
    from ranges

)

select * from final
