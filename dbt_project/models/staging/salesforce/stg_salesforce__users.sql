with

source as (

    select * from {{ source('salesforce', 'user') }}

),

final as (

    select
        -- ids
        id as user_id,
        manager_id,

        -- strings
        username,
        first_name,
        last_name,
        name as user_name,
        title,
        department,

        -- booleans
        is_active,

        -- lineage
        _source_file,
        _source_row,
        _dlt_load_id,

        -- timestamps
        cast(created_date as timestamp with time zone) as created_at,

        -- normalised: quota sheets match reps on lower-cased e-mail
        lower(trim(email)) as email

    from source

)

select * from final
