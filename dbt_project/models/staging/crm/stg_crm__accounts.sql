with

source as (

    select * from {{ source('crm', 'account') }}

),

final as (

    select
        -- ids (an id built from the name when the CRM exports none)
        id as account_id,
        source_system,
        owner_id as owner_user_id,

        -- strings
        name as account_name,
        owner_name,
        industry,
        country as billing_country,
        website,

        -- numerics
        employees as number_of_employees,

        -- timestamps
        cast(created_at as timestamp with time zone) as created_at,

        -- lineage
        _source_file,
        _source_row,
        _dlt_load_id,

        -- normalised: opportunities and activities may name their account
        lower(trim(name)) as account_name_key

    from source

)

select * from final
