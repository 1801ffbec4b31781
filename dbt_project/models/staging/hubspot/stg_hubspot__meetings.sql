with

source as (

    select * from {{ source('hubspot', 'meeting') }}

),

final as (

    select
        id as meeting_id,
        title as subject,
        cast(start_time as timestamp with time zone) as started_at,
        cast(end_time as timestamp with time zone) as ended_at,
        outcome,
        location,
        meeting_type,
        cast(activity_date as timestamp with time zone) as activity_at,
        owner_id,
        owner_name,
        deal_ids,
        deal_names,
        company_ids,
        company_names,
        contact_names,
        cast(created_at as timestamp with time zone) as created_at,
        cast(updated_at as timestamp with time zone) as last_modified_at,
        _source_file,
        _source_row,
        _dlt_load_id

    from source

)

select * from final
