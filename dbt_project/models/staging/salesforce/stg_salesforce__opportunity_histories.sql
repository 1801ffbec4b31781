with

source as (

    select * from {{ source('salesforce', 'opportunity_history') }}

),

final as (

    select
        -- ids
        id as opportunity_history_id,
        opportunity_id,
        created_by_id as changed_by_user_id,

        -- strings
        stage_name as source_stage_label,

        -- numerics
        cast(amount as double) as amount,
        cast(probability as double) as probability,

        -- dates
        cast(close_date as date) as close_date,

        -- timestamps: a history row is created when the change happens
        cast(created_date as timestamp with time zone) as changed_at,

        -- lineage
        _source_file,
        _source_row,
        _dlt_load_id

    from source

)

select * from final
