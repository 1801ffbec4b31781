with

source as (

    select * from {{ source('hubspot', 'deal') }}

),

final as (

    select
        id as deal_id,
        deal_name,
        deal_stage as source_stage_label,
        pipeline,
        cast(amount as double) as amount,
        currency,
        cast(probability as double) as probability,
        deal_type,
        owner_id,
        owner_name,
        company_name,
        company_ids,
        closed_lost_reason as lost_reason,
        is_closed,
        is_closed_won as is_won,
        cast(cast(close_date as timestamp with time zone) as date) as close_date,
        cast(created_at as timestamp with time zone) as created_at,
        cast(updated_at as timestamp with time zone) as last_modified_at,
        _source_file,
        _source_row,
        _dlt_load_id,
        coalesce(is_deleted, false) as is_deleted

    from source

)

select * from final
