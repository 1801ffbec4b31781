with

source as (

    select * from {{ source('hubspot', 'email') }}

),

final as (

    select
        id as email_id,
        subject,
        direction,
        send_status,
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
