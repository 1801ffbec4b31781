with

source as (

    select * from {{ source('pipedrive', 'deal') }}

),

final as (

    select
        id as deal_id,
        title as deal_title,
        stage as source_stage_label,
        pipeline,
        cast(value as double) as amount,
        currency,
        cast(probability as double) as probability,
        owner_name,
        organization_name,
        person_name,
        lost_reason,
        cast(expected_close_date as date) as expected_close_date,
        cast(created_at as timestamp with time zone) as created_at,
        cast(updated_at as timestamp with time zone) as last_modified_at,
        cast(won_at as timestamp with time zone) as won_at,
        cast(lost_at as timestamp with time zone) as lost_at,
        cast(coalesce(closed_at, won_at, lost_at) as timestamp with time zone) as closed_at,
        _source_file,
        _source_row,
        _dlt_load_id,
        lower(trim(status)) as status,
        coalesce(lower(trim(status)) = 'won', false) as is_won,
        coalesce(lower(trim(status)) = 'lost', false) as is_lost,
        coalesce(lower(trim(status)) in ('won', 'lost'), false) as is_closed,
        coalesce(lower(trim(status)) = 'deleted', false) as is_deleted

    from source

)

select * from final
