with

source as (

    select * from {{ source('hubspot', 'task') }}

),

final as (

    select
        id as task_id,
        title as subject,
        status,
        task_type,
        priority,
        cast(due_date as timestamp with time zone) as due_at,
        cast(completed_at as timestamp with time zone) as completed_at,
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
