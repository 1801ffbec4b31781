with

source as (

    select * from {{ source('crm', 'opportunity_stage_history') }}

),

final as (

    select
        -- ids (an id built from opportunity, stage and time when the CRM exports none)
        id as stage_history_id,
        source_system,
        opportunity_id,

        -- strings
        stage as source_stage_label,
        from_stage as previous_stage_label,
        changed_by,

        -- timestamps
        cast(changed_at as timestamp with time zone) as changed_at,

        -- lineage
        _source_file,
        _source_row,
        _dlt_load_id

    from source

)

select * from final
