with

source as (

    select * from {{ source('pipedrive', 'deal_flow') }}
    -- the deal-updates export lists every field change: keep the stage's
    where
        lower(trim(field)) in ('stage', 'stage_id', 'deal stage', 'deal - stage', 'pipeline stage')

),

final as (

    select
        id as stage_history_id,
        deal_id,
        old_value as previous_stage_label,
        new_value as source_stage_label,
        cast(changed_at as timestamp with time zone) as changed_at,
        changed_by,
        _source_file,
        _source_row,
        _dlt_load_id

    from source

)

select * from final
