-- Validity ranges (SCD2) of HubSpot deals: one row per version of a record
-- (a change of a tracked column, or of being deleted), built from the daily full exports under
-- snapshots/ by macro snapshot_validity_ranges. A record absent from the next full snapshot is
-- deleted from that date on (is_vanished); a deleted flag in the export deletes it too.
with

ranges as (

    {{ snapshot_validity_ranges(
        source('hubspot', 'deal_snapshot'),
        key='id',
        tracked=[
            'deal_stage',
            'pipeline',
            'amount',
            'currency',
            'close_date',
            'owner_name',
            'owner_id',
            'is_closed',
            'is_closed_won',
        ],
        deleted_flag='is_deleted'
    ) }}

),

final as (

    select
        record_key as deal_id,
        deal_stage as source_stage_label,
        pipeline,
        amount,
        currency,
        close_date,
        owner_name,
        owner_id,
        is_closed,
        is_closed_won as is_won,
        is_deleted,
        is_vanished,
        valid_from,
        valid_to,
        is_current
    from ranges

)

select * from final
