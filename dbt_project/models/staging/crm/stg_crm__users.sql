with

source as (

    select * from {{ source('crm', 'user') }}

),

final as (

    select
        -- ids (an id built from e-mail and name when the CRM exports none)
        id as user_id,
        source_system,
        manager_id,

        -- strings
        name as user_name,
        team,
        title,
        manager_name,

        -- booleans
        is_active,

        -- lineage
        _source_file,
        _source_row,
        _dlt_load_id,

        -- normalised: reps are matched on lower-cased e-mail and name
        lower(trim(email)) as email,
        lower(trim(name)) as user_name_key

    from source

)

select * from final
