with

source as (

    select * from {{ source('targets', 'sales_target') }}

),

final as (

    select
        -- ids
        target_id as sales_target_id,

        -- strings
        scope_type,
        rep_email,
        team,
        scope_name,
        period_label,
        period_grain,
        currency,

        -- numerics
        cast(target_amount as double) as target_amount,

        -- dates
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,

        -- lineage
        _source_file,
        _source_row,
        _dlt_load_id

    from source

)

select * from final
