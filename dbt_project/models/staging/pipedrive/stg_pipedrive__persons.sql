with

source as (

    select * from {{ source('pipedrive', 'person') }}

),

final as (

    select
        id as person_id,
        name as person_name,
        organization_name,
        phone,
        owner_name,
        cast(created_at as timestamp with time zone) as created_at,
        _source_file,
        _source_row,
        _dlt_load_id,
        lower(trim(email)) as email

    from source

)

select * from final
