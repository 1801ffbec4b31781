with

source as (

    select * from {{ source('salesforce', 'lead') }}

),

final as (

    select
        id as lead_id,
        company,
        title,
        status,
        lead_source,
        owner_id as owner_user_id,
        owner_name,
        cast(converted_date as date) as converted_date,
        converted_account_id,
        converted_opportunity_id,
        cast(created_date as timestamp with time zone) as created_at,
        _source_file,
        _source_row,
        _dlt_load_id,
        coalesce(name, nullif(trim(concat_ws(' ', first_name, last_name)), '')) as lead_name,
        lower(trim(email)) as email,
        coalesce(is_converted, false) as is_converted,
        coalesce(is_deleted, false) as is_deleted

    from source

)

select * from final
