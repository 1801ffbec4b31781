with

source as (

    select * from {{ source('salesforce', 'opportunity_field_history') }}

),

final as (

    select
        id as field_history_id,
        opportunity_id,
        field as field_name,
        old_value,
        new_value,
        cast(created_date as timestamp with time zone) as changed_at,
        created_by_id as changed_by_user_id,
        created_by_name as changed_by_name,
        _source_file,
        _source_row,
        _dlt_load_id,
        coalesce(lower(trim(field)) in ('stagename', 'stage'), false) as is_stage_change,
        coalesce(is_deleted, false) as is_deleted

    from source

)

select * from final
