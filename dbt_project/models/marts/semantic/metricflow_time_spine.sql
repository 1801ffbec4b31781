-- MetricFlow's day-grain time spine: one row per day of dim_dates.
with

dates as (

    select * from {{ ref('dim_dates') }}

),

final as (

    select
        date_day,
        as_of_date
    from dates

)

select * from final
