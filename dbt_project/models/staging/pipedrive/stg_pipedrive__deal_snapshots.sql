-- Validity ranges (SCD2) of Pipedrive deals: one row per version of a record
-- (a change of a tracked column, or of being deleted), built from the daily full exports under
-- snapshots/ by macro snapshot_validity_ranges. A record absent from the next full snapshot is
-- deleted from that date on (is_vanished); a deleted flag in the export deletes it too.
with

ranges as (

    {{ snapshot_validity_ranges(
        source('pipedrive', 'deal_snapshot'),
        key='id',
        tracked=[
            'stage',
            'status',
            'pipeline',
            'value',
            'currency',
            'owner_name',
            'expected_close_date',
        ]
    ) }}

),

final as (

    select
        record_key as deal_id,
        stage as source_stage_label,
        pipeline,
        value as amount,
        currency,
        owner_name,
        expected_close_date,
        is_deleted,
        is_vanished,
        valid_from,
        valid_to,
        is_current,
        lower(trim(status)) as status
    from ranges

)

select * from final
