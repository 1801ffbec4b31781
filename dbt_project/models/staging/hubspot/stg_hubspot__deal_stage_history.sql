-- One row per deal and stage entered (HubSpot's stage-calculated properties). A deal that
-- entered a stage twice keeps the latest entry (HubSpot keeps only that).
with

source as (

    select * from {{ source('hubspot', 'deal_stage_history') }}

),

final as (

    select
        deal_id,
        pipeline,
        stage_label as source_stage_label,
        cast(entered_at as timestamp with time zone) as changed_at,
        cast(exited_at as timestamp with time zone) as exited_at,
        _source_file,
        _source_row,
        _dlt_load_id,
        deal_id || ':' || pipeline || ':' || stage_label as stage_history_id

    from source

)

select * from final
