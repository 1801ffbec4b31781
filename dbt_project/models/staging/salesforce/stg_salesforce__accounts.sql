with

source as (

    select * from {{ source('salesforce', 'account') }}

),

final as (

    select
        -- ids
        id as account_id,
        owner_id as owner_user_id,

        -- strings
        name as account_name,
        website,
        industry,
        billing_country,

        -- numerics
        cast(number_of_employees as bigint) as number_of_employees,

        -- timestamps
        cast(created_date as timestamp with time zone) as created_at,

        -- lineage
        _source_file,
        _source_row,
        _dlt_load_id

    from source

)

select * from final
