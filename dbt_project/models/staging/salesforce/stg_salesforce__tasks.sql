with

source as (

    select * from {{ source('salesforce', 'task') }}

),

final as (

    select
        -- ids
        id as task_id,
        who_id,
        what_id,
        account_id,
        owner_id as rep_id,

        -- strings
        subject,
        status,
        priority,
        type as task_type,
        task_subtype,

        -- numerics
        cast(call_duration_in_seconds as bigint) as call_duration_seconds,

        -- booleans
        is_closed,

        -- dates
        cast(activity_date as date) as activity_date,

        -- timestamps
        cast(created_date as timestamp with time zone) as created_at,

        -- lineage
        _source_file,
        _source_row,
        _dlt_load_id

    from source

)

select * from final
