with

source as (

    select * from {{ source('hubspot', 'owner') }}

),

final as (

    select
        owner_id,
        first_name,
        last_name,
        team,
        role,
        is_active,
        _source_file,
        _source_row,
        _dlt_load_id,
        lower(trim(email)) as email,
        coalesce(name, nullif(trim(concat_ws(' ', first_name, last_name)), '')) as user_name

    from source

)

select * from final
