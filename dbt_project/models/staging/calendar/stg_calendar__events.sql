with

source as (

    select * from {{ source('calendar', 'calendar_event') }}

),

final as (

    select
        -- ids
        occurrence_id,
        uid as event_uid,

        -- strings
        calendar_name,
        source_format,
        summary,
        location,
        status as event_status,
        organizer_email,
        attendee_emails,

        -- booleans
        is_all_day,
        is_recurring,

        -- timestamps
        cast(recurrence_id as timestamp with time zone) as original_start_at,
        cast(start_at as timestamp with time zone) as started_at,
        cast(end_at as timestamp with time zone) as ended_at,

        -- lineage
        _source_file,
        _source_row,
        _dlt_load_id

    from source

)

select * from final
