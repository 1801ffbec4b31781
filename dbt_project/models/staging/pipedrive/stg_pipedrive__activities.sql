with

source as (

    select * from {{ source('pipedrive', 'activity') }}

),

final as (

    select
        id as activity_id,
        subject,
        cast(due_date as date) as due_date,
        duration_seconds,
        is_done,
        owner_name,
        deal_id,
        deal_title,
        organization_name,
        person_name,
        cast(created_at as timestamp with time zone) as created_at,
        cast(done_at as timestamp with time zone) as done_at,
        note,
        _source_file,
        _source_row,
        _dlt_load_id,
        lower(trim(activity_type)) as activity_type,
        (
            cast(due_date as date) + coalesce(try_cast(due_time as time), time '00:00')
        ) at time zone 'UTC' as due_at

    from source

)

select * from final
