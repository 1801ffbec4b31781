with

source as (

    select * from {{ source('pipedrive', 'organization') }}

),

final as (

    select
        id as organization_id,
        name as organization_name,
        owner_name,
        address,
        country,
        industry,
        website,
        employees as number_of_employees,
        cast(created_at as timestamp with time zone) as created_at,
        _source_file,
        _source_row,
        _dlt_load_id

    from source

)

select * from final
