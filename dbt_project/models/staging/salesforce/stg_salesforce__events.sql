with

source as (

    select * from {{ source('salesforce', 'event') }}

),

final as (

    select
        -- ids
        id as event_id,
        who_id,
        what_id,
        account_id,
        owner_id as rep_id,

        -- strings
        subject,
        type as event_type,
        event_subtype,
        location,

        -- numerics
        cast(duration_in_minutes as bigint) as duration_minutes,

        -- booleans
        is_all_day_event as is_all_day,

        -- timestamps
        cast(activity_date_time as timestamp with time zone) as activity_at,
        cast(start_date_time as timestamp with time zone) as started_at,
        cast(end_date_time as timestamp with time zone) as ended_at,
        cast(created_date as timestamp with time zone) as created_at,

        -- lineage
        _source_file,
        _source_row,
        _dlt_load_id

    from source

)

select * from final
