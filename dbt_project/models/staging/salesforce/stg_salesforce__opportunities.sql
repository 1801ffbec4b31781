with

source as (

    select * from {{ source('salesforce', 'opportunity') }}

),

final as (

    select
        -- ids
        id as opportunity_id,
        account_id,
        owner_id as rep_id,

        -- strings
        name as opportunity_name,
        stage_name as source_stage_label,
        currency_iso_code as currency,
        type as opportunity_type,
        lead_source,

        -- numerics
        cast(amount as double) as amount,
        cast(probability as double) as probability,

        -- booleans
        is_closed,
        is_won,
        is_deleted,

        -- dates: CloseDate is the expected close date while the opportunity is open
        cast(close_date as date) as close_date,

        -- timestamps
        cast(created_date as timestamp with time zone) as created_at,
        cast(last_modified_date as timestamp with time zone) as last_modified_at,

        -- lineage
        _source_file,
        _source_row,
        _dlt_load_id

    from source

)

select * from final
