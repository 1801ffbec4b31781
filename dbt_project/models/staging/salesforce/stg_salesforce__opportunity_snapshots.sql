-- Validity ranges (SCD2) of Salesforce opportunities: one row per version of a record
-- (a change of a tracked column, or of being deleted), built from the daily full exports under
-- snapshots/ by macro snapshot_validity_ranges. A record absent from the next full snapshot is
-- deleted from that date on (is_vanished); a deleted flag in the export deletes it too.
with

ranges as (

    {{ snapshot_validity_ranges(
        source('salesforce', 'opportunity_snapshot'),
        key='id',
        tracked=[
            'stage_name',
            'amount',
            'currency_iso_code',
            'probability',
            'close_date',
            'owner_id',
            'account_id',
            'is_closed',
            'is_won',
        ],
        deleted_flag='is_deleted'
    ) }}

),

final as (

    select
        record_key as opportunity_id,
        stage_name as source_stage_label,
        amount,
        currency_iso_code as currency,
        probability,
        close_date,
        owner_id as rep_id,
        account_id,
        is_closed,
        is_won,
        is_deleted,
        is_vanished,
        valid_from,
        valid_to,
        is_current
    from ranges

)

select * from final
